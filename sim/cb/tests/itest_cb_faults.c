/* itest_cb_faults.c: the simulated cb-network under faults, on a local
 * 3-member etcd cluster (no WAN; partition and latency spikes need the
 * emulator and are tested through geokv-bench in bench/tests/itest_bench_fault.c).
 * The fault scheduler (sim/fault/fault.h) runs the real actions: SIGKILL and
 * restart of a member, compaction, agent redeploy, frozen lock holder. Each
 * run must complete with the checker green; the test also asserts that the
 * fault really happened (watch streams resumed, agent redeployed and
 * complete in its new region, lock passed on while the holder was frozen,
 * compaction re-list). Agents 5, fixed delays x 0.05, session TTL 2 s. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cb/cb_internal.h"
#include "sim/cb/cb_run.h"
#include "sim/rig/etcd_rig.h"
#include "sim/fault/fault.h"
#include "sim/cb/tests/testlib_cb.h"

#define N_AGENTS 5

static etcd_rig *g_rig;
static const char *g_eps[3];
static cb_place g_agents[N_AGENTS];
static cb_place g_elsewhere;

typedef struct env {
    etcd_client *admin;
    cb_run_ctl *ctl;
    fault_plan plan;
    fault_sched *sched;
    char err[256];
} env;

static int member_index(const char *name)
{
    for (int i = 0; i < g_rig->n; i++)
        if (strcmp(g_rig->m[i].name, name) == 0)
            return i;
    return -1;
}

static int do_kill(void *ud, const fault_action *a, char *err, size_t len)
{
    (void)ud;
    int i = member_index(a->target);
    if (i < 0 || etcd_rig_kill(g_rig, i, SIGKILL) != ETCD_OK) {
        snprintf(err, len, "cannot kill %s", a->target);
        return -1;
    }
    snprintf(err, len, "killed %s", a->target);
    return 0;
}

static int do_restart(void *ud, const fault_action *a, char *err, size_t len)
{
    (void)ud;
    etcd_status st;
    int i = member_index(a->target);
    if (i < 0 || etcd_rig_restart(g_rig, i, &st) != ETCD_OK) {
        snprintf(err, len, "cannot restart %s: %s", a->target, i < 0 ? "unknown" : st.message);
        return -1;
    }
    snprintf(err, len, "restarted %s", a->target);
    return 0;
}

static int do_compact(void *ud, const fault_action *a, char *err, size_t len)
{
    env *e = ud;
    etcd_status st;
    etcd_range_result r = {0};
    etcd_range_opts o = {.count_only = true};
    (void)a;
    if (etcd_range(e->admin, "/", 1, &o, &r, &st) != ETCD_OK) {
        snprintf(err, len, "revision: %s", st.message);
        return -1;
    }
    int64_t rev = r.header.revision;
    etcd_range_result_free(&r);
    if (etcd_compact(e->admin, rev, true, &st) != ETCD_OK && st.grpc_code != 11 /* already compacted there */) {
        snprintf(err, len, "compact %lld: %s", (long long)rev, st.message);
        return -1;
    }
    snprintf(err, len, "compacted at %lld", (long long)rev);
    return 0;
}

static int do_redeploy(void *ud, const fault_action *a, char *err, size_t len)
{
    env *e = ud;
    g_elsewhere = g_agents[a->agent];
    g_elsewhere.region = a->dest;
    return cb_run_redeploy(e->ctl, a->agent, &g_elsewhere, err, len);
}

static int do_freeze(void *ud, const fault_action *a, char *err, size_t len)
{
    env *e = ud;
    return cb_run_freeze_holder(e->ctl, a->amount, err, len);
}

static void on_start(cb_run_ctl *ctl, void *ud)
{
    env *e = ud;
    fault_ops ops = {.ud = e};
    (void)ctl;
    ops.fn[FAULT_KILL] = do_kill;
    ops.fn[FAULT_RESTART] = do_restart;
    ops.fn[FAULT_COMPACT] = do_compact;
    ops.fn[FAULT_REDEPLOY] = do_redeploy;
    ops.fn[FAULT_FREEZE] = do_freeze;
    if (fault_sched_start(&e->plan, &ops, &e->sched, e->err, sizeof e->err) != 0)
        fprintf(stderr, "fault scheduler: %s\n", e->err);
}

static bool hold(void *ud)
{
    env *e = ud;
    return fault_sched_pending(e->sched);
}

static int setup(void **state)
{
    (void)state;
    etcd_rig_config rc = {.n_members = 3, .names = {"a-sel", "g-sel", "sin"}};
    return cb_t_cluster_start(&rc, &g_rig, g_eps, g_agents, N_AGENTS);
}

static int teardown(void **state)
{
    (void)state;
    etcd_rig_stop(g_rig);
    g_rig = NULL;
    return 0;
}

/* Runs `mode` under `spec`; fills res (caller frees). */
static void run_fault(const char *mode, const char *spec, cb_run_result *res)
{
    env e;
    cb_run_config cfg;
    etcd_status st;
    memset(&e, 0, sizeof e);
    assert_int_equal(fault_parse(spec, &e.plan, e.err, sizeof e.err), 0);
    assert_int_equal(etcd_rig_client(g_rig, &e.admin, &st), ETCD_OK);
    e.ctl = cb_run_ctl_new(on_start, hold, &e);
    assert_non_null(e.ctl);
    cb_run_config_default(&cfg);
    cfg.mode = mode;
    cfg.n_agents = N_AGENTS;
    cfg.agents = g_agents;
    cfg.controller = g_agents[0];
    cfg.delay_scale = 0.05;
    cfg.seed = 21;
    cfg.timeout_s = 60;
    cfg.session_ttl_s = 2;
    /* Longer than etcd's own request timeout (5 s + 2 x election timeout):
     * a put whose proposal died with the killed member is answered 503
     * "request timed out" by etcd, and the client can only retry it on
     * another member if its own deadline has not passed first. */
    cfg.request_timeout_ms = 10000;
    cfg.ctl = e.ctl;
    assert_int_equal(cb_run(&cfg, res, &st), ETCD_OK);
    fault_sched_stop(e.sched);
    size_t n = 0;
    const fault_outcome *o = e.sched ? fault_sched_outcomes(e.sched, &n) : NULL;
    for (size_t i = 0; i < n; i++) {
        char what[128];
        fault_action_format(&o[i].action, what, sizeof what);
        printf("    fault %-32s at %.3f s (took %.3f s): %s %s\n", what, o[i].actual_s, o[i].took_s,
               o[i].rc == 0 ? "ok" : "FAILED", o[i].msg);
    }
    printf("    %-8s %-36s setup %.3f s, completed %d, checker %s%s%s; resumes %d relists %d, redeploy_s %.3f, "
           "freezes %d passed %d\n",
           mode, spec, res->setup_s, res->completed, res->checker_ok ? "green" : "RED: ", res->checker_msg,
           res->error[0] ? res->error : "", res->watch_resumes, res->watch_relists, res->redeploy_s, res->freezes,
           res->freeze_lock_passed);
    assert_non_null(e.sched);
    assert_int_equal(fault_sched_failures(e.sched), 0);
    for (size_t i = 0; i < n; i++)
        assert_true(o[i].ran);
    fault_sched_free(e.sched);
    cb_run_ctl_free(e.ctl);
    etcd_client_free(e.admin);
    assert_true(res->completed);
    assert_true(res->checker_ok);
    assert_string_equal(res->error, "");
}

static void test_kill_restart(void **state)
{
    (void)state;
    cb_run_result r;
    /* Singapore (every agent's and the controller's third endpoint) killed
     * at once: the streams on it end and must resume elsewhere */
    run_fault("after", "kill:sin@0.15s,restart@2s", &r);
    cb_run_result_free(&r);
    assert_true(etcd_rig_running(g_rig, 2));
    run_fault("before", "kill:sin@0.15s,restart@2s", &r);
    cb_run_result_free(&r);
}

static void test_redeploy(void **state)
{
    (void)state;
    const char *const *modes = cb_mode_names();   /* every mode of the registry */
    for (int m = 0; modes[m]; m++) {
        cb_run_result r;
        run_fault(modes[m], "redeploy:agent3@0.1s>gcp-asia-east1", &r);
        assert_int_equal(r.redeploys, 1);
        assert_int_equal(r.redeploy_agent, 3);
        assert_string_equal(r.redeploy_region, "gcp-asia-east1");
        assert_true(r.redeploy_s >= 0);   /* complete again, in the new region */
        assert_true(r.agent_complete_s[3] >= 0);
        cb_run_result_free(&r);
    }
}

static void test_freeze_holder(void **state)
{
    (void)state;
    cb_run_result r;
    /* armed before anybody holds the lock: the first holder (an agent
     * initialising its cache, or the controller) freezes 5 s, past its 2 s
     * TTL, while the others queue for the lock */
    run_fault("after", "freeze-holder:5s@0", &r);
    assert_int_equal(r.freezes, 1);
    assert_int_equal(r.freeze_lock_passed, 1);
    cb_run_result_free(&r);
}

static void test_compaction(void **state)
{
    (void)state;
    cb_run_result r;
    /* Compaction during the run, twice, and a compaction while Singapore
     * is down so that its streams resume from a compacted revision. */
    run_fault("lockless", "compact@0.1s;compact@0.3s;kill:sin@0.2s,restart@2s;compact@0.6s", &r);
    cb_run_result_free(&r);
    run_fault("before", "compact@0.1s;compact@0.3s", &r);
    cb_run_result_free(&r);
}

/* ---- the resume path itself, deterministic ---- */

typedef struct fed {
    char keys[32][64];
    int n;
} fed;

static int feed_collect(void *ud, const etcd_event *ev)
{
    fed *f = ud;
    if (f->n < 32)
        snprintf(f->keys[f->n++], 64, "%s", ev->kv.key);
    return 0;
}

/* A prefix watch falls behind (stream gone), keys change, the store is
 * compacted past where it stood: cb_watch_resume must re-list and hand over
 * exactly the keys changed since its last revision, then watch on from the
 * re-list's revision (the next put arrives through the new stream). */
static void test_resume_after_compaction_loses_nothing(void **state)
{
    (void)state;
    etcd_client *c = NULL;
    etcd_status st;
    cb_run_config cfg;
    cb_ctx x;
    cb_queue q;
    cb_watch_tag t;
    etcd_watch *w = NULL;
    fed f = {.n = 0};
    char err[256];
    etcd_put_result pr = {0};
    const char *pfx = "/itest-resume/";
    cb_run_config_default(&cfg);
    assert_int_equal(cb_ctx_init(&x, &cfg, cb_mode_find("after"), err, sizeof err), 0);
    cb_queue_init(&q);
    assert_int_equal(etcd_rig_client(g_rig, &c, &st), ETCD_OK);
    assert_int_equal(etcd_put(c, "/itest-resume/a", 15, "1", 1, NULL, &pr, &st), ETCD_OK);
    memset(&t, 0, sizeof t);
    t.q = &q;
    snprintf(t.key, sizeof t.key, "%s", pfx);
    t.prefix = true;
    t.last_rev = pr.header.revision;   /* the owner has handled up to a's put */
    etcd_put_result_free(&pr);
    /* while it is "away": b and c change, a does not, then compaction */
    assert_int_equal(etcd_put(c, "/itest-resume/b", 15, "2", 1, NULL, NULL, &st), ETCD_OK);
    assert_int_equal(etcd_put(c, "/itest-resume/c", 15, "3", 1, NULL, &pr, &st), ETCD_OK);
    int64_t rev = pr.header.revision;
    etcd_put_result_free(&pr);
    assert_int_equal(etcd_put(c, "/itest-other", 12, "x", 1, NULL, NULL, &st), ETCD_OK);
    assert_int_equal(etcd_compact(c, rev + 1, true, &st), ETCD_OK);
    assert_int_equal(cb_watch_resume(&x, c, &w, &t, rev + 1, feed_collect, &f, NULL, err, sizeof err), 0);
    assert_non_null(w);
    assert_int_equal(f.n, 2);
    assert_string_equal(f.keys[0], "/itest-resume/b");
    assert_string_equal(f.keys[1], "/itest-resume/c");
    assert_int_equal(x.watch_resumes, 1);
    assert_int_equal(x.watch_relists, 1);
    /* the new stream delivers what comes next */
    assert_int_equal(etcd_put(c, "/itest-resume/d", 15, "4", 1, NULL, NULL, &st), ETCD_OK);
    cb_qitem *it = cb_queue_pop(&q, 10.0);
    assert_non_null(it);
    assert_non_null(it->resp);
    assert_int_equal(it->resp->n_events, 1);
    assert_string_equal(it->resp->events[0].kv.key, "/itest-resume/d");
    assert_int_equal(it->gen, t.gen);
    cb_queue_done(&q, it);
    etcd_watch_stop(w);
    cb_queue_destroy(&q);
    etcd_client_free(c);
    cb_ctx_destroy(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_restart),
        cmocka_unit_test(test_redeploy),
        cmocka_unit_test(test_freeze_holder),
        cmocka_unit_test(test_compaction),
        cmocka_unit_test(test_resume_after_compaction_loses_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
