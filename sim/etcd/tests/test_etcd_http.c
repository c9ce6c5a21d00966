/* test_etcd_http.c: the HTTP/1.1 response parser of the built-in transport,
 * on raw responses recorded from etcd 3.4.23 with `curl -i --raw`
 * (Content-Length body; chunked error body with a trailer), split at every
 * byte boundary, plus synthetic edge cases (1xx, Connection: close without a
 * length, malformed input). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/etcd/etcd_internal.h"
#include "sim/util/tests/testlib_fixture.h"

/* Feeds data in two pieces split at `cut`, the way post_on does (append to
 * raw, parse). Returns the stage reached; body and status out. */
static int feed(const char *data, size_t n, size_t cut, bool eof, etcd_buf *body, long *status, bool *close_after)
{
    etcd_http_resp rp = { .stage = 0 };
    body->len = 0;
    size_t pieces[2][2] = { { 0, cut }, { cut, n } };
    for (int i = 0; i < 2; i++) {
        size_t len = pieces[i][1] - pieces[i][0];
        rp.raw.p = realloc(rp.raw.p, rp.raw.len + len + 1);
        memcpy(rp.raw.p + rp.raw.len, data + pieces[i][0], len);
        rp.raw.len += len;
        rp.raw.cap = rp.raw.len + 1;
        if (etcd_http_resp_parse(&rp, body) != 0) {
            free(rp.raw.p);
            return -1;
        }
    }
    if (eof && rp.stage == 6)
        rp.stage = 7;
    *status = rp.status;
    *close_after = rp.close_after;
    bool all_consumed = rp.pos == rp.raw.len;
    free(rp.raw.p);
    return rp.stage == 7 && !all_consumed ? 8 : rp.stage;
}

static void check_every_split(const char *data, size_t n, long want_status, const char *want_body, bool eof)
{
    etcd_buf body = { 0 };
    long status;
    bool close_after;
    for (size_t cut = 0; cut <= n; cut++) {
        int stage = feed(data, n, cut, eof, &body, &status, &close_after);
        if (stage != 7)
            fail_msg("split at %zu: stage %d", cut, stage);
        assert_int_equal(status, want_status);
        assert_int_equal(body.len, strlen(want_body));
        assert_memory_equal(body.p, want_body, body.len);
    }
    /* every proper prefix is incomplete, never an error or "done" */
    etcd_http_resp rp = { .stage = 0 };
    for (size_t k = 0; k < n && !eof; k++) {
        rp.raw.p = (char *)data;
        rp.raw.len = k;
        rp.raw.cap = k + 1;
        rp.pos = 0;
        rp.stage = 0;
        rp.chunked = rp.close_after = false;
        body.len = 0;
        assert_int_equal(etcd_http_resp_parse(&rp, &body), 0);
        assert_int_not_equal(rp.stage, 7);
    }
    free(body.p);
}

static void test_content_length(void **state)
{
    size_t n;
    char *raw = fixture_read_etcd("http_range_200.raw", &n);
    const char *b = strstr(raw, "\r\n\r\n") + 4;
    check_every_split(raw, n, 200, b, false);
    free(raw);
}

static void test_chunked_with_trailer(void **state)
{
    size_t n;
    char *raw = fixture_read_etcd("http_revoke_404_chunked.raw", &n);
    check_every_split(raw, n, 404,
                      "{\"error\":\"etcdserver: requested lease not found\","
                      "\"message\":\"etcdserver: requested lease not found\",\"code\":5}",
                      false);
    free(raw);
}

static void test_multi_chunk_and_extensions(void **state)
{
    const char *r = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "3;ext=1\r\nabc\r\n1\r\nd\r\nA\r\n0123456789\r\n0\r\n\r\n";
    check_every_split(r, strlen(r), 200, "abcd0123456789", false);
}

static void test_continue_then_response(void **state)
{
    const char *r = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
    check_every_split(r, strlen(r), 200, "{}", false);
}

static void test_close_delimited(void **state)
{
    const char *r = "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\nno leader";
    check_every_split(r, strlen(r), 503, "no leader", true);
    etcd_buf body = { 0 };
    long status;
    bool close_after;
    assert_int_equal(feed(r, strlen(r), 5, true, &body, &status, &close_after), 7);
    assert_true(close_after);
    free(body.p);
}

static void test_zero_length_and_extra_bytes(void **state)
{
    etcd_buf body = { 0 };
    long status;
    bool close_after;
    const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    assert_int_equal(feed(r, strlen(r), 3, false, &body, &status, &close_after), 7);
    assert_int_equal(body.len, 0);
    /* bytes after a complete response: reported (stage 8 here) so the
     * transport closes the connection instead of reusing it */
    const char *x = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}GARBAGE";
    assert_int_equal(feed(x, strlen(x), 10, false, &body, &status, &close_after), 8);
    free(body.p);
}

static void test_malformed(void **state)
{
    etcd_buf body = { 0 };
    long status;
    bool close_after;
    const char *bad[] = {
        "SMTP/1.0 220 hello\r\n\r\n",
        "HTTP/1.1 abc OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY\r\n",
        /* the status from the status line only: not a sign, not the next line */
        "HTTP/1.1 +200 OK\r\n\r\n",
        "HTTP/1.1 \n200 x: y\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 2000 OK\r\n\r\n",
        /* a length that is not one number: refused, not read as "until close" */
        "HTTP/1.1 200 OK\r\nContent-Length: -2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nContent-Length: 2 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nok",
        /* a header line without a colon (libcurl refuses it too), a folded one */
        "HTTP/1.1 200 OK\r\nContent-Length 3\r\n\r\nabc",
        "HTTP/1.1 200 OK\r\nContent-Length:\r\n 2\r\n\r\nok",
        /* a bare CR inside a head line (libcurl ends the head there) */
        "HTTP/1.1 200 OK\r\n\rx: y\r\n\r\nok",
        "HTTP/1.1 200 O\rK\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nX: \x01\r\n\r\nok",
        /* chunk sizes: hex digits only, at most 64 bits */
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nabc\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n 3\r\nabc\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\nabc\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (feed(bad[i], strlen(bad[i]), 0, true, &body, &status, &close_after) != -1)
            fail_msg("accepted: %s", bad[i]);
    /* NUL in the head (it would end the line for a C-string reader) */
    static const char nul[] = "HTTP/1.1 200 OK\r\nX: a\0b\r\nContent-Length: 2\r\n\r\nok";
    assert_int_equal(feed(nul, sizeof nul - 1, 0, true, &body, &status, &close_after), -1);
    /* a chunk-size line over 1024 bytes is refused whether or not its end
     * has arrived (whole, the old reader accepted what it refused in pieces) */
    char longline[1200];
    int k = snprintf(longline, sizeof longline, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    memset(longline + k, '0', 1100);
    memcpy(longline + k + 1100, "3\r\nabc\r\n0\r\n\r\n", 13);
    for (size_t cut = 0; cut < (size_t)k + 1113; cut += 97)
        assert_int_equal(feed(longline, (size_t)k + 1113, cut, true, &body, &status, &close_after), -1);
    /* still accepted: blanks around a length, a chunk extension, a status
     * line without a reason */
    const char *good[] = {
        "HTTP/1.1 200 OK\r\nContent-Length:  2 \r\n\r\nok",
        "HTTP/1.1 200\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2 ;x\r\nok\r\n0\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        if (feed(good[i], strlen(good[i]), 7, true, &body, &status, &close_after) != 7 || body.len != 2)
            fail_msg("refused: %s", good[i]);
    free(body.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_length),
        cmocka_unit_test(test_chunked_with_trailer),
        cmocka_unit_test(test_multi_chunk_and_extensions),
        cmocka_unit_test(test_continue_then_response),
        cmocka_unit_test(test_close_delimited),
        cmocka_unit_test(test_zero_length_and_extra_bytes),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
