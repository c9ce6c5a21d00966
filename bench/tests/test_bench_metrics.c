/* Unit tests for bench_metrics (Prometheus counters) and bench_wan (link
 * byte deltas per region pair). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "bench/bench_metrics.h"
#include "bench/bench_wan.h"

static const char metrics[] =
    "# HELP etcd_network_client_grpc_sent_bytes_total The total number of bytes sent to grpc clients.\n"
    "# TYPE etcd_network_client_grpc_sent_bytes_total counter\n"
    "etcd_network_client_grpc_sent_bytes_total 1234\n"
    "etcd_network_client_grpc_received_bytes_total 5.6e+03\n"
    "etcd_network_peer_sent_bytes_total{To=\"8e9e05c52164694d\"} 100\n"
    "etcd_network_peer_sent_bytes_total{To=\"91bc3c398fb3c146\"} 250\n"
    "etcd_network_peer_received_bytes_total{From=\"0\"} 7\n"
    "etcd_network_peer_sent_failures_total{To=\"x\"} 99\n"
    "weird_label{a=\"q}\\\"{\",b=\"\"} 1 1700000000000\n"
    "\n"
    "etcd_network_client_grpc_sent_bytes_total_other 9\n";

static void test_parse(void **state)
{
    bench_counters c;
    (void)state;
    assert_int_equal(bench_metrics_parse(metrics, strlen(metrics), &c), 0);
    assert_true(c.ok);
    assert_true(c.grpc_sent == 1234);
    assert_true(c.grpc_received == 5600);
    assert_true(c.peer_sent == 350);
    assert_true(c.peer_received == 7);
}

static void test_parse_bad(void **state)
{
    bench_counters c;
    static const char *bad[] = { "<html>oops</html>\n", "name{a=\"b\" 1\n", "name\n", "name abc\n" };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(bench_metrics_parse(bad[i], strlen(bad[i]), &c), -1);
    assert_int_equal(bench_metrics_parse("", 0, &c), 0);
    assert_true(c.grpc_sent == 0);
}

static void test_delta(void **state)
{
    bench_counters a = { .grpc_sent = 100, .grpc_received = 200, .peer_sent = 300, .peer_received = 400, .ok = true },
                   b = { .grpc_sent = 150, .grpc_received = 260, .peer_sent = 390, .peer_received = 400, .ok = true };
    bench_member_delta d;
    (void)state;
    memset(&d, 0, sizeof d);
    bench_metrics_delta(&a, &b, &d);
    assert_true(d.ok);
    assert_int_equal(d.grpc_sent, 50);
    assert_int_equal(d.grpc_received, 60);
    assert_int_equal(d.peer_sent, 90);
    assert_int_equal(d.peer_received, 0);
    /* A counter that went backwards (member restarted) is not a delta. */
    b.grpc_sent = 10;
    bench_metrics_delta(&a, &b, &d);
    assert_false(d.ok);
    assert_string_equal(d.unavailable, "a counter went backwards (member restarted)");
    b.grpc_sent = 150;
    a.ok = false;
    snprintf(a.error, sizeof a.error, "GET https://h1:2379/metrics: SSL peer certificate was not OK");
    bench_metrics_delta(&a, &b, &d);
    assert_false(d.ok);
    assert_string_equal(d.unavailable, a.error);   /* the reason travels to the record */
}

static void test_wan_deltas(void **state)
{
    json_error_t e;
    json_t *before = json_loads(
        "{\"links\":["
        "{\"name\":\"c:aws-us-east-1:a-sel\",\"kind\":\"client\",\"src_region\":\"aws-us-east-1\","
        "\"dst_region\":\"aws-ap-northeast-2\",\"bytes_to_target\":100,\"bytes_from_target\":1000},"
        "{\"name\":\"p:a-sel:a-sin\",\"kind\":\"peer\",\"src_region\":\"aws-ap-northeast-2\","
        "\"dst_region\":\"aws-ap-southeast-1\",\"bytes_to_target\":5,\"bytes_from_target\":5}]}",
        0, &e);
    json_t *after = json_loads(
        "{\"links\":["
        "{\"name\":\"c:aws-us-east-1:a-sel\",\"kind\":\"client\",\"src_region\":\"aws-us-east-1\","
        "\"dst_region\":\"aws-ap-northeast-2\",\"bytes_to_target\":150,\"bytes_from_target\":1300},"
        "{\"name\":\"c:aws-us-east-1:g-sel\",\"kind\":\"client\",\"src_region\":\"aws-us-east-1\","
        "\"dst_region\":\"aws-ap-northeast-2\",\"bytes_to_target\":10,\"bytes_from_target\":0},"
        "{\"name\":\"p:a-sel:a-sin\",\"kind\":\"peer\",\"src_region\":\"aws-ap-northeast-2\","
        "\"dst_region\":\"aws-ap-southeast-1\",\"bytes_to_target\":5,\"bytes_from_target\":5},"
        "{\"name\":\"p:?:a-sin\",\"kind\":\"peer-default\",\"src_region\":null,"
        "\"dst_region\":\"aws-ap-southeast-1\",\"bytes_to_target\":40,\"bytes_from_target\":2}]}",
        0, &e);
    size_t n = 0;
    bench_link_bytes *l;
    (void)state;
    assert_non_null(before);
    assert_non_null(after);
    l = bench_wan_link_deltas(before, after, &n);
    /* Sorted: "?"->sin, sin->"?", us-east->sel (50+10), sel->us-east (300);
     * the idle peer link drops out. */
    assert_int_equal(n, 4);
    assert_string_equal(l[0].from, "?");
    assert_int_equal(l[0].bytes, 40);
    assert_string_equal(l[1].from, "aws-ap-northeast-2");
    assert_string_equal(l[1].to, "aws-us-east-1");
    assert_int_equal(l[1].bytes, 300);
    assert_string_equal(l[2].to, "?");
    assert_int_equal(l[2].bytes, 2);
    assert_string_equal(l[3].from, "aws-us-east-1");
    assert_string_equal(l[3].kind, "client");
    assert_int_equal(l[3].bytes, 60);
    free(l);
    json_decref(before);
    json_decref(after);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_delta),
        cmocka_unit_test(test_wan_deltas),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
