/* itest_wan_etcd.c: a real 3-member etcd cluster (Seoul-AWS, Seoul-GCP,
 * Singapore) behind the WAN emulator with the patent topology at full scale.
 * Asserts lower bounds that prove which path a commit took, and the fault
 * behaviour (partitions, heal). Timings are printed; no upper bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim/etcd/etcd_client.h"
#include "sim/rig/etcd_rig.h"
#include "sim/rig/tests/testlib_rig.h"
#include "sim/wan/topology.h"
#include "sim/wan/wan.h"
#include "sim/rig/wan_etcd.h"
#include "sim/util/util_clock.h"
#include "sim/util/util_stats.h"

enum { M_ASEL = 0, M_GSEL = 1, M_ASIN = 2 };   /* order of etcd_members in patent-fig6.json */

static topology *g_topo;
static etcd_rig *g_rig;
static wan *g_wan;
static etcd_client *g_admin;      /* zero-delay links to all members */
static etcd_client *g_leader_c;   /* zero-delay link to a-sel only */
static double g_base_ms;          /* median put on a healthy cluster, leader a-sel */
static double g_base_min_ms;      /* fastest such put */

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static etcd_client *client_on(const int *links, int n, int timeout_ms)
{
    etcd_client *c = NULL;
    char err[512];
    if (wan_etcd_client(g_wan, links, n, timeout_ms, &c, err, sizeof err) < 0)
        fail_msg("%s", err);
    return c;
}

static int group_setup(void **state)
{
    (void)state;
    wan_config wc = { .seed = 7 };
    if (rig_t_start_wan_cluster(&wc, &g_topo, &g_rig, &g_wan) != 0)
        return -1;
    int direct[3] = { wan_direct_link(g_wan, 0), wan_direct_link(g_wan, 1), wan_direct_link(g_wan, 2) };
    g_admin = client_on(direct, 3, 5000);
    g_leader_c = client_on(direct, 1, 3000);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    etcd_client_free(g_admin);
    etcd_client_free(g_leader_c);
    wan_etcd_stop(g_rig, g_wan);
    topology_free(g_topo);
    return 0;
}

/* Move leadership to member m (retrying through elections). */
static void ensure_leader(int m)
{
    double end = util_now_ms() + 20000;
    etcd_status st;
    while (util_now_ms() < end) {
        int l = etcd_rig_leader(g_rig);
        if (l == m)
            return;
        if (l >= 0)
            etcd_move_leader(g_admin, l, g_rig->m[m].member_id, &st);
        sleep_ms(300);
    }
    fail_msg("leadership did not move to %s", g_rig->m[m].name);
}

static double put_ms(etcd_client *c, etcd_status *st)
{
    double t0 = util_now_ms();
    etcd_code rc = etcd_put(c, "/wan/k", 6, "v", 1, NULL, NULL, st);
    return rc == ETCD_OK ? util_now_ms() - t0 : -1;
}

/* Median of n puts (all must succeed); *min_out gets the fastest. */
static double put_median(etcd_client *c, int n, double *min_out)
{
    double v[32];
    etcd_status st;
    put_ms(c, &st);   /* warm the connection */
    for (int i = 0; i < n; i++) {
        v[i] = put_ms(c, &st);
        if (v[i] < 0)
            fail_msg("put failed: %s", st.message);
    }
    util_sort_doubles(v, (size_t)n);
    if (min_out)
        *min_out = v[0];
    return v[n / 2];
}

static void test_peer_links_identified(void **state)
{
    (void)state;
    ensure_leader(M_ASEL);
    double mn, med = put_median(g_leader_c, 5, &mn);
    (void)med;
    /* raft traffic runs on the pair links, not on the default ones */
    json_t *c = wan_counters(g_wan), *links = json_object_get(c, "links"), *l;
    size_t i;
    json_int_t pair = 0;
    json_array_foreach(links, i, l) {
        const char *name = json_string_value(json_object_get(l, "name"));
        if (strcmp(name, "p:a-sel:g-sel") == 0 || strcmp(name, "p:a-sel:a-sin") == 0)
            pair += json_integer_value(json_object_get(l, "bytes_to_target"));
    }
    json_decref(c);
    assert_true(pair > 0);
}

static void test_seoul_quorum(void **state)
{
    (void)state;
    ensure_leader(M_ASEL);
    double mn;
    g_base_ms = put_median(g_leader_c, 9, &mn);
    g_base_min_ms = mn;
    double seoul = topology_member_rtt_ms(g_topo, M_ASEL, M_GSEL);
    printf("# put via zero-delay link to leader a-sel: median %.2f ms, min %.2f ms (a-sel<->g-sel RTT %.1f ms)\n",
           g_base_ms, mn, seoul);
    /* a commit needs one follower's ack: the nearest is g-sel at the Seoul RTT */
    assert_true(mn >= seoul);
}

static void test_singapore_quorum(void **state)
{
    (void)state;
    ensure_leader(M_ASEL);
    assert_int_equal(wan_partition_member(g_wan, M_GSEL, true, false), 0);
    double mn, med = put_median(g_leader_c, 5, &mn);
    double sin = topology_member_rtt_ms(g_topo, M_ASEL, M_ASIN);
    printf("# same put with g-sel blackholed: median %.2f ms (+%.2f ms; a-sel<->a-sin RTT %.1f ms)\n",
           med, med - g_base_ms, sin);
    wan_heal_all(g_wan);
    assert_true(mn >= sin);
    /* fastest against fastest: robust to a loaded machine slowing a few puts */
    assert_true(mn - g_base_min_ms >= 60.0);
}

static void test_agent_far_region(void **state)
{
    (void)state;
    int iad = topology_region_index(g_topo, "aws-us-east-1");
    int link = wan_client_link(g_wan, iad, M_ASEL);
    assert_true(link >= 0);
    etcd_client *c = client_on(&link, 1, 10000);
    double rtt = topology_rtt_ms(g_topo, iad, g_topo->members[M_ASEL].region);
    etcd_status st;
    for (int i = 0; i < 3; i++) {
        double ms = put_ms(c, &st);
        if (ms < 0)
            fail_msg("put from us-east-1 failed: %s", st.message);
        printf("# put from an aws-us-east-1 agent link to a-sel: %.2f ms (configured RTT %.1f ms)\n", ms, rtt);
        assert_true(ms >= rtt);
    }
    etcd_client_free(c);
}

static void test_partitions_and_heal(void **state)
{
    (void)state;
    etcd_status st;
    ensure_leader(M_ASEL);
    /* Singapore cut off completely: the two Seoul members keep the quorum */
    assert_int_equal(wan_partition_member(g_wan, M_ASIN, true, true), 0);
    for (int i = 0; i < 3; i++)
        if (put_ms(g_leader_c, &st) < 0)
            fail_msg("put with Singapore partitioned failed: %s", st.message);
    /* Seoul-GCP too: no quorum; the put fails with a clear error within the
     * client's 3 s timeout (a little slack for the client's own retry) */
    assert_int_equal(wan_partition_member(g_wan, M_GSEL, true, true), 0);
    double t0 = util_now_ms();
    double ms = put_ms(g_leader_c, &st);
    double took = util_now_ms() - t0;
    printf("# put with two members blackholed: %s after %.0f ms: %s\n",
           ms < 0 ? "failed" : "succeeded", took, st.message);
    assert_true(ms < 0);
    assert_true(st.code != ETCD_OK);
    assert_true(st.message[0] != '\0');
    assert_true(took < 3000 + 2000);
    /* heal: writes come back (after an election if leadership was lost) */
    wan_heal_all(g_wan);
    double end = util_now_ms() + 30000;
    int ok = 0;
    while (!ok && util_now_ms() < end) {
        ok = put_ms(g_admin, &st) >= 0;
        if (!ok)
            sleep_ms(200);
    }
    printf("# writes restored %.0f ms after heal\n", util_now_ms() - (end - 30000));
    assert_true(ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peer_links_identified),
        cmocka_unit_test(test_seoul_quorum),
        cmocka_unit_test(test_singapore_quorum),
        cmocka_unit_test(test_agent_far_region),
        cmocka_unit_test(test_partitions_and_heal),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
