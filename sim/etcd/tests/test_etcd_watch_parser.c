/* test_etcd_watch_parser.c: the incremental newline-delimited JSON parser and
 * the watch response decoder, on streams recorded from a real etcd 3.4.23:
 * watch_stream.txt (created, PUTs with/without prev_kv, DELETEs), a watch
 * canceled by compaction, progress notifications (member started with
 * --experimental-watch-progress-notify-interval 1s) and the mid-stream error
 * of a member that lost quorum (last line without '\n'). Each stream is fed
 * whole, split at every byte boundary, and in 1-byte pieces: the decoded
 * sequence must be the same every time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/etcd/etcd_json.h"
#include "sim/util/tests/testlib_fixture.h"

/* Decoded responses summarised as one line each, appended to a string. */
typedef struct sink {
    char out[16384];
    size_t len;
    int lines;
} sink;

static int on_line(const char *line, size_t len, void *ud)
{
    sink *s = ud;
    assert_int_equal(line[len], '\0');   /* the NUL contract */
    json_error_t err;
    json_t *j = json_loadb(line, len, 0, &err);
    if (!j)
        fail_msg("line %d is not JSON (%s): %.*s", s->lines, err.text, (int)len, line);
    etcd_watch_response *r = NULL;
    etcd_status st;
    assert_int_equal(etcd_json_watch_resp(j, &r, &st), ETCD_OK);
    json_decref(j);
    s->len += (size_t)snprintf(s->out + s->len, sizeof s->out - s->len,
                               "rev=%" PRId64 " c=%d x=%d cr=%" PRId64 " p=%d e=%d/%d:%s",
                               r->header.revision, r->created, r->canceled, r->compact_revision, r->progress,
                               r->error_grpc_code, r->error_http_code, r->error_message ? r->error_message : "");
    for (size_t i = 0; i < r->n_events; i++) {
        etcd_event *e = &r->events[i];
        s->len += (size_t)snprintf(s->out + s->len, sizeof s->out - s->len, " [%s %s=%s m%" PRId64 " c%" PRId64 "%s%s]",
                                   e->type == ETCD_EVENT_PUT ? "PUT" : "DEL", e->kv.key, e->kv.value,
                                   e->kv.mod_revision, e->kv.create_revision, e->has_prev_kv ? " prev=" : "",
                                   e->has_prev_kv ? e->prev_kv.value : "");
    }
    s->len += (size_t)snprintf(s->out + s->len, sizeof s->out - s->len, "\n");
    s->lines++;
    etcd_watch_response_free(r);
    return 0;
}

static void feed_pieces(const char *data, size_t n, const size_t *cuts, size_t n_cuts, sink *s)
{
    etcd_ndjson p;
    etcd_ndjson_init(&p, 0);
    memset(s, 0, sizeof *s);
    size_t prev = 0;
    for (size_t i = 0; i <= n_cuts; i++) {
        size_t end = i < n_cuts ? cuts[i] : n;
        assert_int_equal(etcd_ndjson_feed(&p, data + prev, end - prev, on_line, s), 0);
        prev = end;
    }
    assert_int_equal(etcd_ndjson_finish(&p, on_line, s), 0);
    etcd_ndjson_free(&p);
}

/* Whole, split at every byte boundary, in three pieces (i, i+7), in 1-byte pieces. */
static void check_all_splits(const char *name, const char *must_contain, int want_lines)
{
    size_t n;
    char *data = fixture_read_etcd(name, &n);
    static sink whole, part;
    feed_pieces(data, n, NULL, 0, &whole);
    assert_int_equal(whole.lines, want_lines);
    if (!strstr(whole.out, must_contain))
        fail_msg("%s decoded to:\n%s\nwhich lacks: %s", name, whole.out, must_contain);
    for (size_t i = 0; i <= n; i++) {
        size_t cuts[2] = { i, i + 7 <= n ? i + 7 : n };
        feed_pieces(data, n, cuts, 1, &part);
        assert_string_equal(part.out, whole.out);
        if (i % 5 == 0) {   /* three pieces: every 5th boundary keeps make asan fast */
            feed_pieces(data, n, cuts, 2, &part);
            assert_string_equal(part.out, whole.out);
        }
    }
    size_t *ones = malloc(n * sizeof *ones);
    assert_non_null(ones);
    for (size_t i = 0; i < n; i++)
        ones[i] = i + 1;
    feed_pieces(data, n, ones, n ? n - 1 : 0, &part);
    assert_string_equal(part.out, whole.out);
    free(ones);
    free(data);
}

static void test_stream_events(void **state)
{
    check_all_splits("watch_stream.txt",
                     "rev=1 c=1 x=0 cr=0 p=0 e=0/0:\n"
                     "rev=2 c=0 x=0 cr=0 p=0 e=0/0: [PUT /w/a=v1 m2 c2]\n"
                     "rev=3 c=0 x=0 cr=0 p=0 e=0/0: [PUT /w/a=v2 m3 c2 prev=v1]\n"
                     "rev=4 c=0 x=0 cr=0 p=0 e=0/0: [PUT /w/b=x\"y m4 c4]\n"
                     "rev=5 c=0 x=0 cr=0 p=0 e=0/0: [DEL /w/a= m5 c0 prev=v2]\n",
                     12);
}

static void test_stream_compacted(void **state)
{
    check_all_splits("watch_compacted.txt",
                     "rev=12 c=1 x=0 cr=0 p=0 e=0/0:\n"
                     "rev=0 c=0 x=1 cr=5 p=0 e=0/0:\n", 2);
}

static void test_stream_progress(void **state)
{
    check_all_splits("watch_progress.txt",
                     "rev=2 c=0 x=0 cr=0 p=0 e=0/0: [PUT /p=1 m2 c2]\n"
                     "rev=2 c=0 x=0 cr=0 p=1 e=0/0:\n"
                     "rev=2 c=0 x=0 cr=0 p=1 e=0/0:\n", 4);
}

static void test_stream_midstream_error(void **state)
{
    check_all_splits("watch_error.txt",
                     "rev=1 c=1 x=0 cr=0 p=0 e=0/0:\n"
                     "rev=0 c=0 x=0 cr=0 p=0 e=14/503:etcdserver: no leader\n", 2);
}

static int count_line(const char *line, size_t len, void *ud)
{
    (*(int *)ud)++;
    return 0;
}

static int stop_at_second(const char *line, size_t len, void *ud)
{
    return ++(*(int *)ud) == 2 ? 42 : 0;
}

static void test_ndjson_edges(void **state)
{
    etcd_ndjson p;
    int n = 0;
    etcd_ndjson_init(&p, 0);
    /* blank lines and CRLF are skipped / trimmed */
    assert_int_equal(etcd_ndjson_feed(&p, "\n\r\n{}\r\n\n{\"a\":1}", 15, count_line, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(etcd_ndjson_finish(&p, count_line, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(etcd_ndjson_finish(&p, count_line, &n), 0);   /* nothing left */
    assert_int_equal(n, 2);
    /* a callback's non-zero result stops the feed and is returned */
    n = 0;
    assert_int_equal(etcd_ndjson_feed(&p, "a\nb\nc\n", 6, stop_at_second, &n), 42);
    etcd_ndjson_free(&p);
    /* a line longer than max_line is refused instead of growing forever */
    etcd_ndjson_init(&p, 16);
    n = 0;
    assert_int_equal(etcd_ndjson_feed(&p, "0123456789abcdefXYZ", 19, count_line, &n), -1);
    etcd_ndjson_free(&p);
}

static void test_watch_line_shapes(void **state)
{
    etcd_watch_response *r;
    etcd_status st;
    json_t *j = json_loads("{\"result\":{\"events\":[{\"type\":\"BOGUS\",\"kv\":{}}]}}", 0, NULL);
    assert_int_equal(etcd_json_watch_resp(j, &r, &st), ETCD_ERR_PARSE);
    assert_null(r);
    json_decref(j);
    j = json_loads("{\"nothing\":1}", 0, NULL);
    assert_int_equal(etcd_json_watch_resp(j, &r, &st), ETCD_ERR_PARSE);
    json_decref(j);
    j = json_loads("{\"result\":{\"canceled\":true,\"cancel_reason\":\"why\"}}", 0, NULL);
    assert_int_equal(etcd_json_watch_resp(j, &r, &st), ETCD_OK);
    assert_true(r->canceled);
    assert_string_equal(r->cancel_reason, "why");
    assert_false(r->progress);
    etcd_watch_response_free(r);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_events),
        cmocka_unit_test(test_stream_compacted),
        cmocka_unit_test(test_stream_progress),
        cmocka_unit_test(test_stream_midstream_error),
        cmocka_unit_test(test_ndjson_edges),
        cmocka_unit_test(test_watch_line_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
