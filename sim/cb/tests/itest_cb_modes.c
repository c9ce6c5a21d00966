/* itest_cb_modes.c: the simulated cb-network, 10 agents on a local 3-member
 * etcd cluster (no WAN, fixed delays scaled by 0.02), in every mode: each run
 * completes and the checker is green. Then the lock broken on purpose (three
 * controller replicas, all agents at once, a pause between the peer count
 * and the put): the checker must catch the duplicate IPs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cb/cb_run.h"
#include "sim/rig/etcd_rig.h"
#include "sim/cb/tests/testlib_cb.h"

#define N_AGENTS 10

static etcd_rig *g_rig;
static const char *g_eps[3];
static cb_place g_agents[N_AGENTS];

static int setup(void **state)
{
    (void)state;
    etcd_rig_config rc = {.n_members = 3};
    return cb_t_cluster_start(&rc, &g_rig, g_eps, g_agents, N_AGENTS);
}

static int teardown(void **state)
{
    (void)state;
    etcd_rig_stop(g_rig);
    g_rig = NULL;
    return 0;
}

static void base_config(cb_run_config *cfg, const char *mode)
{
    cb_run_config_default(cfg);
    cfg->mode = mode;
    cfg->n_agents = N_AGENTS;
    cfg->agents = g_agents;
    cfg->controller = g_agents[0];
    cfg->delay_scale = 0.02;
    cfg->seed = 11;
    cfg->timeout_s = 60;
}

static void run_mode(const char *mode, const char *rule_type)
{
    cb_run_config cfg;
    cb_run_result res;
    etcd_status st;
    char tl[] = "/tmp/itest_cb_timeline_XXXXXX";
    int fd = mkstemp(tl);
    assert_true(fd >= 0);
    close(fd);
    base_config(&cfg, mode);
    cfg.rule_type = rule_type;
    cfg.timeline_path = tl;
    assert_int_equal(cb_run(&cfg, &res, &st), ETCD_OK);
    printf("    %-8s setup %.3f s, agent p50 %.3f max %.3f, ops %llu (txn %llu, range %llu), "
           "bytes %llu out %llu in, lock wait sum %.3f max %.3f, checker %s%s%s\n",
           mode, res.setup_s, res.agent_p50_s, res.agent_max_s,
           (unsigned long long)(res.stats.ops[ETCD_OP_T_RANGE] + res.stats.ops[ETCD_OP_T_PUT] +
                                res.stats.ops[ETCD_OP_T_TXN] + res.stats.ops[ETCD_OP_T_DELETE]),
           (unsigned long long)res.stats.ops[ETCD_OP_T_TXN], (unsigned long long)res.stats.ops[ETCD_OP_T_RANGE],
           (unsigned long long)res.stats.bytes_sent, (unsigned long long)res.stats.bytes_received,
           res.lock_wait_sum_s, res.lock_wait_max_s, res.checker_ok ? "ok" : "FAILED: ", res.checker_msg,
           res.error[0] ? res.error : "");
    assert_string_equal(res.error, "");
    assert_true(res.completed);
    assert_true(res.checker_ok);
    assert_true(res.setup_s > 0);
    for (int i = 0; i < N_AGENTS; i++)
        assert_true(res.agent_complete_s[i] > 0);
    /* the timeline holds every agent's start and completion */
    FILE *f = fopen(tl, "r");
    assert_non_null(f);
    char line[512];
    int starts = 0, completes = 0, tunneling = 0;
    while (fgets(line, sizeof line, f)) {
        starts += strstr(line, "\"event\":\"start\"") != NULL;
        completes += strstr(line, "\"event\":\"rule_complete\"") != NULL;
        tunneling += strstr(line, "\"event\":\"tunneling_put\"") != NULL;
    }
    fclose(f);
    unlink(tl);
    assert_int_equal(starts, N_AGENTS);
    assert_int_equal(completes, N_AGENTS);
    assert_int_equal(tunneling, N_AGENTS);
    cb_run_result_free(&res);
}

static void test_before(void **state)
{
    (void)state;
    run_mode("before", NULL);
}

static void test_after(void **state)
{
    (void)state;
    run_mode("after", NULL);
}

static void test_lockless(void **state)
{
    (void)state;
    run_mode("lockless", "cost-prioritized");
}

static void test_break_lock_caught(void **state)
{
    (void)state;
    cb_run_config cfg;
    cb_run_result res;
    etcd_status st;
    base_config(&cfg, "lockless");
    cfg.ablation.break_lock = 1;
    cfg.controller_replicas = 3;
    cfg.break_lock_delay_s = 5;   /* x 0.02 = 100 ms between count and put */
    assert_int_equal(cb_run(&cfg, &res, &st), ETCD_OK);
    printf("    break_lock: completed %d, checker %s: %s\n", res.completed, res.checker_ok ? "ok" : "FAILED",
           res.checker_msg);
    assert_false(res.checker_ok);
    assert_non_null(strstr(res.checker_msg, "duplicate IP"));
    cb_run_result_free(&res);
}

/* Ablation switches change what is sent: without the spec cache every peer
 * event costs a spec read; with init_lock the lockless agents take the lock
 * (lock acquisitions: one per agent more than the controller's N). */
static void test_ablations(void **state)
{
    (void)state;
    cb_run_config cfg;
    cb_run_result cached, uncached, locked;
    etcd_status st;
    base_config(&cfg, "lockless");
    assert_int_equal(cb_run(&cfg, &cached, &st), ETCD_OK);
    cfg.ablation.spec_cache = 0;
    assert_int_equal(cb_run(&cfg, &uncached, &st), ETCD_OK);
    cfg.ablation.spec_cache = -1;
    cfg.ablation.init_lock = 1;
    assert_int_equal(cb_run(&cfg, &locked, &st), ETCD_OK);
    printf("    lockless ranges: spec cached %llu, uncached %llu; lock acquisitions %llu -> %llu with init_lock\n",
           (unsigned long long)cached.stats.ops[ETCD_OP_T_RANGE],
           (unsigned long long)uncached.stats.ops[ETCD_OP_T_RANGE],
           (unsigned long long)cached.lock_acquisitions, (unsigned long long)locked.lock_acquisitions);
    assert_true(cached.checker_ok && uncached.checker_ok && locked.checker_ok);
    /* each agent sees at least its own two events and the others' later ones */
    assert_true(uncached.stats.ops[ETCD_OP_T_RANGE] >= cached.stats.ops[ETCD_OP_T_RANGE] + N_AGENTS);
    assert_int_equal(cached.lock_acquisitions, N_AGENTS);            /* the controller's only */
    assert_int_equal(locked.lock_acquisitions, 2 * N_AGENTS);
    assert_true(locked.t_lock_s >= 0 && cached.t_lock_s == 0);
    cb_run_result_free(&cached);
    cb_run_result_free(&uncached);
    cb_run_result_free(&locked);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_before),
        cmocka_unit_test(test_after),
        cmocka_unit_test(test_lockless),
        cmocka_unit_test(test_ablations),
        cmocka_unit_test(test_break_lock_caught),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
