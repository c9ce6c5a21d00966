/* test_prom.c: the Prometheus text parser on real etcd 3.4.23 /metrics dumps
 * and on malformed input.
 *
 * Fixtures (sim/etcd/tests/data/metrics-etcd-3.4.23*.txt) come from a 3-member
 * cluster started by build/bin/etcd-rig: 10 puts "keyN"="value-N" plus one
 * 1000-byte value "big", all sent with etcdctl to m0 (the leader), then 33 s
 * of idling so the peer RTT probes had run, then curl of each member's
 * --listen-metrics-urls. Member ids: m0 a10a0a1f9c4aaf4c (file without
 * suffix), m1 8b8f74b45dfeb55b, m2 ee45e785604e91f9. The expected figures
 * below were read from the files with grep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/etcd/prom.h"
#include "sim/util/tests/testlib_fixture.h"

static double sum_of(const char *text, size_t len, const char *metric, const char *filter,
                     size_t *n)
{
    double v = -1;
    prom_error err;
    assert_int_equal(prom_sum(text, len, metric, filter, &v, n, &err), PROM_OK);
    return v;
}

typedef struct counts {
    size_t samples, with_labels;
    size_t by_type[5];
    size_t rtt_samples;       /* family etcd_network_peer_round_trip_time_seconds */
    char server_id[32];
} counts;

static int count_cb(const prom_sample *s, void *ud)
{
    counts *c = ud;
    c->samples++;
    if (s->n_labels)
        c->with_labels++;
    c->by_type[s->type]++;
    if (strcmp(s->family, "etcd_network_peer_round_trip_time_seconds") == 0) {
        c->rtt_samples++;
        assert_int_equal(s->type, PROM_HISTOGRAM);
        assert_non_null(prom_label_get(s, "To"));
    }
    if (strcmp(s->name, "etcd_server_id") == 0)
        snprintf(c->server_id, sizeof c->server_id, "%s", prom_label_get(s, "server_id"));
    if (strcmp(s->name, "go_gc_duration_seconds") == 0)
        assert_int_equal(s->type, PROM_SUMMARY);
    return 0;
}

static void test_real_dump_leader(void **state)
{
    (void)state;
    size_t len, n;
    char *t = fixture_read("metrics-etcd-3.4.23.txt", &len);
    assert_non_null(t);

    counts c;
    memset(&c, 0, sizeof c);
    prom_error err;
    assert_int_equal(prom_parse(t, len, count_cb, &c, &err), PROM_OK);
    assert_int_equal(c.samples, 1292);          /* grep -c -v '^#' */
    assert_int_equal(c.with_labels, 1163);
    assert_int_equal(c.by_type[PROM_COUNTER], 867);
    assert_int_equal(c.by_type[PROM_GAUGE], 65);
    assert_int_equal(c.by_type[PROM_HISTOGRAM], 353);
    assert_int_equal(c.by_type[PROM_SUMMARY], 7);
    assert_int_equal(c.by_type[PROM_UNTYPED], 0);
    assert_int_equal(c.rtt_samples, 38);        /* 2 peers x (17 buckets + sum + count) */
    assert_string_equal(c.server_id, "a10a0a1f9c4aaf4c");

    /* the metrics geokv-bench reads */
    assert_true(sum_of(t, len, "etcd_network_client_grpc_received_bytes_total", NULL, &n) == 1160);
    assert_int_equal(n, 1);
    assert_true(sum_of(t, len, "etcd_network_client_grpc_sent_bytes_total", "", &n) == 430);
    assert_true(sum_of(t, len, "etcd_network_peer_sent_bytes_total", "To=8b8f74b45dfeb55b", &n) == 20941);
    assert_int_equal(n, 1);
    assert_true(sum_of(t, len, "etcd_network_peer_sent_bytes_total", "To=\"ee45e785604e91f9\"", &n) == 20893);
    assert_true(sum_of(t, len, "etcd_network_peer_sent_bytes_total", NULL, &n) == 20941 + 20893);
    assert_int_equal(n, 2);
    assert_true(sum_of(t, len, "etcd_network_peer_received_bytes_total", NULL, &n) == 2400 + 17720 + 17768);
    assert_int_equal(n, 3);
    assert_true(sum_of(t, len, "etcd_network_peer_received_bytes_total", "From=0", &n) == 2400);
    assert_true(sum_of(t, len, "etcd_network_peer_round_trip_time_seconds_sum",
                       "To=8b8f74b45dfeb55b", &n) == 0.00014981899999999998);
    assert_true(sum_of(t, len, "etcd_network_peer_round_trip_time_seconds_count", NULL, &n) == 4);
    assert_int_equal(n, 2);
    assert_true(sum_of(t, len, "etcd_network_peer_round_trip_time_seconds_bucket",
                       "To=ee45e785604e91f9,le=0.0001", &n) == 1);
    assert_int_equal(n, 1);
    assert_true(sum_of(t, len, "etcd_network_peer_round_trip_time_seconds_bucket",
                       "le=+Inf", &n) == 4);
    assert_int_equal(n, 2);

    /* exponents and other sample shapes */
    assert_true(sum_of(t, len, "process_start_time_seconds", NULL, &n) == 1.79531857241e+09);
    assert_true(sum_of(t, len, "etcd_server_quota_backend_bytes", NULL, &n) == 2147483648.0);
    assert_true(sum_of(t, len, "go_gc_duration_seconds", "quantile=0.25", &n) == 3.9955e-05);
    assert_true(sum_of(t, len, "etcd_mvcc_put_total", NULL, &n) == 11);
    assert_true(sum_of(t, len, "etcd_server_is_leader", NULL, &n) == 1);

    /* absent metric and non-matching filter: no error, nothing matched */
    assert_true(sum_of(t, len, "no_such_metric", NULL, &n) == 0);
    assert_int_equal(n, 0);
    assert_true(sum_of(t, len, "etcd_network_peer_sent_bytes_total", "To=ffff", &n) == 0);
    assert_int_equal(n, 0);
    free(t);
}

static void test_real_dump_followers(void **state)
{
    (void)state;
    size_t len, n;
    char *t = fixture_read("metrics-etcd-3.4.23-m1.txt", &len);
    assert_non_null(t);
    assert_true(sum_of(t, len, "etcd_network_client_grpc_received_bytes_total", NULL, &n) == 0);
    assert_int_equal(n, 1);
    assert_true(sum_of(t, len, "etcd_network_client_grpc_sent_bytes_total", NULL, &n) == 122);
    assert_true(sum_of(t, len, "etcd_network_peer_received_bytes_total", "From=a10a0a1f9c4aaf4c", &n) == 19741);
    assert_true(sum_of(t, len, "etcd_network_peer_sent_bytes_total", "To=a10a0a1f9c4aaf4c", &n) == 18920);
    assert_true(sum_of(t, len, "etcd_server_is_leader", NULL, &n) == 0);
    free(t);

    t = fixture_read("metrics-etcd-3.4.23-m2.txt", &len);
    assert_non_null(t);
    assert_true(sum_of(t, len, "etcd_network_peer_sent_bytes_total", NULL, &n) == 1200 + 19016);
    assert_int_equal(n, 2);
    assert_int_equal(prom_parse(t, len, NULL, NULL, NULL), PROM_OK);
    free(t);
}

/* ---- hand-written shapes ------------------------------------------------- */

typedef struct collected {
    int n;
    char name[8][64];
    char labels[8][256];     /* "k=v;k=v;" with values verbatim */
    double value[8];
    bool has_ts[8];
    long long ts[8];
    prom_type type[8];
    int line[8];
} collected;

static int collect_cb(const prom_sample *s, void *ud)
{
    collected *c = ud;
    if (c->n >= 8)
        return 1;
    int i = c->n++;
    snprintf(c->name[i], sizeof c->name[i], "%s", s->name);
    size_t off = 0;
    for (size_t k = 0; k < s->n_labels; k++)
        off += (size_t)snprintf(c->labels[i] + off, sizeof c->labels[i] - off, "%s=%s;",
                                s->labels[k].name, s->labels[k].value);
    c->value[i] = s->value;
    c->has_ts[i] = s->has_timestamp;
    c->ts[i] = s->timestamp_ms;
    c->type[i] = s->type;
    c->line[i] = s->line;
    return 0;
}

static void test_shapes(void **state)
{
    (void)state;
    const char *text =
        "# a plain comment\n"
        "\n"
        "# HELP http_requests_total Total \\\\ requests\\n, escaped.\n"
        "# TYPE http_requests_total counter\n"
        "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
        "  http_requests_total{ method = \"a\\\"b\\\\c\\nd\" , } 3\r\n"
        "metric_without_labels\t+Inf\n"
        "neg_inf{} -Inf -5\n"
        "not_a_number NaN\n"
        "exp_value 1.5e-3\n"
        "colon:name 0x10\n"
        "# TYPE h histogram\n"
        "h_bucket{le=\"+Inf\"} 7\n";
    collected c;
    memset(&c, 0, sizeof c);
    prom_error err;
    assert_int_equal(prom_parse(text, strlen(text), collect_cb, &c, &err), PROM_OK);
    assert_int_equal(c.n, 8);
    assert_string_equal(c.name[0], "http_requests_total");
    assert_string_equal(c.labels[0], "method=post;code=200;");
    assert_true(c.value[0] == 1027);
    assert_true(c.has_ts[0]);
    assert_int_equal(c.ts[0], 1395066363000LL);
    assert_int_equal(c.type[0], PROM_COUNTER);
    assert_int_equal(c.line[0], 5);
    assert_string_equal(c.labels[1], "method=a\"b\\c\nd;");
    assert_true(c.value[1] == 3);
    assert_false(c.has_ts[1]);
    assert_string_equal(c.name[2], "metric_without_labels");
    assert_true(isinf(c.value[2]) && c.value[2] > 0);
    assert_int_equal(c.type[2], PROM_UNTYPED);
    assert_true(isinf(c.value[3]) && c.value[3] < 0);
    assert_int_equal(c.ts[3], -5);
    assert_true(isnan(c.value[4]));
    assert_true(c.value[5] == 1.5e-3);
    assert_string_equal(c.name[6], "colon:name");
    assert_true(c.value[6] == 16);
    assert_string_equal(c.name[7], "h_bucket");
    assert_int_equal(c.type[7], PROM_HISTOGRAM);

    /* filter values with escapes, quoted */
    double v;
    size_t n;
    assert_int_equal(prom_sum(text, strlen(text), "http_requests_total",
                              "method=\"a\\\"b\\\\c\\nd\"", &v, &n, &err), PROM_OK);
    assert_int_equal(n, 1);
    assert_true(v == 3);
    assert_int_equal(prom_sum(text, strlen(text), "http_requests_total", NULL, &v, &n, &err),
                     PROM_OK);
    assert_true(v == 1030);

    /* a callback that returns non-zero stops the parse */
    memset(&c, 0, sizeof c);
    c.n = 1;   /* room for 7 of the 8 samples: the 8th call returns 1 */
    assert_int_equal(prom_parse(text, strlen(text), collect_cb, &c, &err), PROM_STOPPED);
    assert_int_equal(c.n, 8);
    assert_string_equal(c.name[7], "colon:name");

    /* empty input, no trailing newline */
    assert_int_equal(prom_parse("", 0, NULL, NULL, &err), PROM_OK);
    assert_int_equal(prom_parse("x 1", 3, NULL, NULL, &err), PROM_OK);
}

typedef struct bad_case {
    const char *text;
    int line, column;
    const char *words;    /* expected in the message */
} bad_case;

static void test_malformed(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        { "ok 1\n{a=\"b\"} 1\n", 2, 1, "metric name" },
        { "9metric 1\n", 1, 1, "metric name" },
        { "m{a=\"b\" 1\n", 1, 9, "','" },
        { "m{a=\"b\n", 1, 7, "unterminated" },
        { "m{a=b} 1\n", 1, 5, "'\"'" },
        { "m{a \"b\"} 1\n", 1, 5, "'='" },
        { "m{a=\"\\t\"} 1\n", 1, 7, "escape" },
        { "m{a=\"x\",a=\"y\"} 1\n", 1, 9, "duplicate" },
        { "m{1a=\"x\"} 1\n", 1, 3, "label name" },
        { "m\n", 1, 2, "missing value" },
        { "m{} \n", 1, 5, "missing value" },
        { "m 12abc\n", 1, 3, "invalid value" },
        { "m nan(1)\n", 1, 3, "invalid value" },
        { "m 1 1.5\n", 1, 5, "timestamp" },
        { "m 1 99999999999999999999\n", 1, 5, "timestamp" },
        { "m 1 2 3\n", 1, 7, "after the timestamp" },
        { "# TYPE m countr\nm 1\n", 1, 10, "unknown metric type" },
        { "# TYPE m counter extra\n", 1, 18, "after TYPE" },
        { "# TYPE 1m counter\n", 1, 8, "metric name" },
        { "# HELP m bad \\x escape\n", 1, 15, "escape" },
        { "m 1\nn 2\nm{a=\"b\"}} 3\n", 3, 9, "invalid value" },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        prom_error err;
        prom_code code = prom_parse(cases[k].text, strlen(cases[k].text), NULL, NULL, &err);
        if (code != PROM_ERR_SYNTAX || err.line != cases[k].line || err.column != cases[k].column ||
            !strstr(err.message, cases[k].words))
            fprintf(stderr, "case %zu %s: code %d line %d col %d: %s\n", k, cases[k].text,
                    (int)code, err.line, err.column, err.message);
        assert_int_equal(code, PROM_ERR_SYNTAX);
        assert_int_equal(err.line, cases[k].line);
        assert_int_equal(err.column, cases[k].column);
        assert_non_null(strstr(err.message, cases[k].words));
    }

    /* NUL inside the text, NULL text, bad filters */
    prom_error err;
    assert_int_equal(prom_parse("m 1\nm\0 2\n", 9, NULL, NULL, &err), PROM_ERR_SYNTAX);
    assert_int_equal(err.line, 2);
    assert_int_equal(prom_parse(NULL, 5, NULL, NULL, &err), PROM_ERR_INVAL);
    double v;
    assert_int_equal(prom_sum("m 1\n", 4, "m", "noequals", &v, NULL, &err), PROM_ERR_INVAL);
    assert_non_null(strstr(err.message, "label filter"));
    assert_int_equal(prom_sum("m 1\n", 4, "m", "a=\"open", &v, NULL, &err), PROM_ERR_INVAL);
    assert_int_equal(prom_sum("m 1\n", 4, NULL, NULL, &v, NULL, &err), PROM_ERR_INVAL);
    /* a syntax error in the text makes prom_sum fail too, with the position */
    assert_int_equal(prom_sum("m 1\nm{ 2\n", 9, "m", NULL, &v, NULL, &err), PROM_ERR_SYNTAX);
    assert_int_equal(err.line, 2);
}

/* Every truncation of a real dump either parses or fails with a syntax
 * error; never a crash (also run under ASan). */
static void test_truncations(void **state)
{
    (void)state;
    size_t len;
    char *t = fixture_read("metrics-etcd-3.4.23.txt", &len);
    assert_non_null(t);
    size_t step = len / 4000 + 1;
    for (size_t cut = 0; cut <= len; cut += step) {
        char *copy = malloc(cut ? cut : 1);   /* exact size: ASan sees over-reads */
        assert_non_null(copy);
        memcpy(copy, t, cut);
        prom_error err;
        prom_code code = prom_parse(copy, cut, NULL, NULL, &err);
        assert_true(code == PROM_OK || code == PROM_ERR_SYNTAX);
        free(copy);
    }
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_dump_leader),
        cmocka_unit_test(test_real_dump_followers),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_truncations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
