/* Integration test of bench_cluster: the patent's three members behind the
 * WAN emulator (real etcd, real emulator), leader on Seoul-AWS, a put from a
 * far region through its client link, member /metrics and link counters that
 * see it, and no member left after stop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "bench/bench_cluster.h"
#include "bench/bench_metrics.h"
#include "bench/bench_wan.h"
#include "bench/tests/testlib_bench.h"
#include "sim/wan/wan.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    return bench_t_tmpdir_make(tmpdir, sizeof tmpdir, "itest-cluster");
}

static int teardown(void **state)
{
    (void)state;
    return bench_t_tmpdir_remove(tmpdir);
}

static topology *load_topo(double scale)
{
    char path[1024], err[512];
    const char *root = getenv("GEOKV_ROOT");
    topology *t = NULL;
    snprintf(path, sizeof path, "%s/sim/wan/topology/patent-fig6.json", root ? root : ".");
    if (topology_load(path, &t, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(topology_set_rtt_scale(t, scale), 0);
    return t;
}

static void test_wan_cluster(void **state)
{
    topology *t = load_topo(0.05);
    bench_cluster_config cc;
    bench_cluster *c = NULL;
    char err[512], base[512];
    pid_t pids[8];
    int n_pids, iad;
    cb_place place;
    etcd_client *cl = NULL;
    etcd_client_config ccfg;
    etcd_status st;
    bench_counters before[3], after[3];
    json_t *w0, *w1;
    bench_link_bytes *links;
    size_t n_links;
    uint64_t grpc = 0, egress = 0;
    (void)state;

    snprintf(base, sizeof base, "%s/etcd", tmpdir);
    memset(&cc, 0, sizeof cc);
    cc.topo = t;
    cc.base_dir = base;
    cc.fsync = false;
    cc.leader = "Seoul-AWS";
    cc.seed = 1;
    if (bench_cluster_start(&cc, &c, err, sizeof err) != 0)
        fail_msg("cluster start: %s", err);
    assert_non_null(c->wan);
    printf("cluster behind the WAN up, leader moved, in %.2f s (members %.2f s, leader %.2f s, %d moves)\n",
           c->start_s, c->rig_start_s, c->leader_move_s, c->leader_moves);
    assert_int_equal(c->n, 3);
    assert_string_equal(c->names[c->leader], "Seoul-AWS");
    assert_int_equal(bench_cluster_leader(c), c->leader);
    assert_true(c->heartbeat_ms >= 100);
    assert_true(c->election_ms >= 10 * c->heartbeat_ms);
    n_pids = bench_cluster_pids(c, pids, 8);
    assert_int_equal(n_pids, 3);
    for (int i = 0; i < 3; i++)
        assert_true(strstr(c->rig->m[i].advertise_peer_url, "127.0.0.1:") != NULL);

    /* A client in us-east-1 reaches the members through its own links. */
    iad = topology_region_index(t, "aws-us-east-1");
    assert_true(iad >= 0);
    bench_cluster_place(c, iad, &place);
    assert_int_equal(place.n_endpoints, 3);
    assert_string_equal(place.region, "aws-us-east-1");
    assert_string_equal(place.provider, "aws");
    for (int i = 0; i < 3; i++) {
        assert_true(place.endpoint_rtt_ms[i] > 0);
        assert_string_not_equal(place.endpoints[i], c->rig->m[i].client_url);
    }

    for (int i = 0; i < 3; i++)
        assert_int_equal(bench_metrics_scrape(c->rig->m[i].metrics_url, 5000, &before[i], err, sizeof err), 0);
    w0 = wan_counters(c->wan);
    memset(&ccfg, 0, sizeof ccfg);
    ccfg.endpoints = place.endpoints;
    ccfg.n_endpoints = place.n_endpoints;
    ccfg.watch_endpoint = -1;
    memset(&st, 0, sizeof st);
    assert_int_equal(etcd_client_new(&ccfg, &cl, &st), ETCD_OK);
    for (int i = 0; i < 6; i++) {
        char key[32];
        snprintf(key, sizeof key, "/itest/%d", i);
        if (etcd_put(cl, key, strlen(key), "value-of-some-size", 18, NULL, NULL, &st) != ETCD_OK)
            fail_msg("put through the WAN: %s", st.message);
    }
    etcd_client_free(cl);
    for (int i = 0; i < 3; i++)
        assert_int_equal(bench_metrics_scrape(c->rig->m[i].metrics_url, 5000, &after[i], err, sizeof err), 0);
    w1 = wan_counters(c->wan);
    for (int i = 0; i < 3; i++) {
        bench_member_delta d;
        bench_metrics_delta(&before[i], &after[i], &d);
        assert_true(d.ok);
        grpc += d.grpc_sent + d.grpc_received;
    }
    assert_true(grpc > 6 * 18);
    links = bench_wan_link_deltas(w0, w1, &n_links);
    for (size_t i = 0; i < n_links; i++)
        if (strcmp(links[i].from, "aws-us-east-1") == 0 && strcmp(links[i].kind, "client") == 0)
            egress += links[i].bytes;
    assert_true(egress > 6 * 18);
    free(links);
    json_decref(w0);
    json_decref(w1);

    bench_cluster_stop(c);
    for (int i = 0; i < n_pids; i++)
        assert_true(kill(pids[i], 0) != 0 && errno == ESRCH);
    topology_free(t);
}

/* Leadership can be put on the far member too. */
static void test_leader_singapore_no_wan(void **state)
{
    topology *t = load_topo(1.0);
    bench_cluster_config cc;
    bench_cluster *c = NULL;
    char err[512], base[512];
    cb_place place;
    (void)state;
    snprintf(base, sizeof base, "%s/etcd2", tmpdir);
    memset(&cc, 0, sizeof cc);
    cc.topo = t;
    cc.base_dir = base;
    cc.no_wan = true;
    cc.leader = "Singapore";
    if (bench_cluster_start(&cc, &c, err, sizeof err) != 0)
        fail_msg("cluster start: %s", err);
    assert_null(c->wan);
    assert_string_equal(c->names[bench_cluster_leader(c)], "Singapore");
    bench_cluster_place(c, 0, &place);
    assert_string_equal(place.endpoints[0], c->rig->m[0].client_url);
    bench_cluster_stop(c);
    topology_free(t);
}

static void test_timeouts(void **state)
{
    int hb, el;
    (void)state;
    bench_cluster_timeouts(74, &hb, &el);
    assert_int_equal(hb, 100);
    assert_int_equal(el, 1000);
    bench_cluster_timeouts(219, &hb, &el);
    assert_int_equal(hb, 219);
    assert_int_equal(el, 2190);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timeouts),
        cmocka_unit_test_setup_teardown(test_wan_cluster, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leader_singapore_no_wan, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
