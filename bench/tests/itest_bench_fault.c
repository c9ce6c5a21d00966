/* Integration test: geokv-bench run --fault SPEC, one run per fault (N = 4,
 * --rtt-scale 0.05, --delay-scale 0.05) on real etcd members behind the WAN
 * emulator: kill + restart, partition + heal, latency spike + clear,
 * redeploy, frozen lock holder, compaction. Each must exit 0 with the
 * checker green, every fault action run and succeeded, a faultless
 * baseline recorded beside it, and no member left alive (the restarted
 * member's new pid included). Redeploy: the agent is complete again in
 * its new region. Frozen holder: the lock passed on while it was frozen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bench/tests/testlib_bench.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    return bench_t_tmpdir_make(tmpdir, sizeof tmpdir, "itest-fault");
}

static int teardown(void **state)
{
    (void)state;
    return bench_t_tmpdir_remove(tmpdir);
}

/* Runs one faulted sweep of one run; returns its record (caller decrefs). */
static json_t *run_fault(const char *name, const char *mode, const char *spec)
{
    char bin[1024], out[512], log[600], latest[600], why[512];
    char *argv[] = {bin, "run", "--n", "4", "--reps", "1", "--modes", (char *)mode, "--rtt-scale", "0.05",
                    "--delay-scale", "0.05", "--seed", "7", "--etcd-fsync", "off", "--timeout", "60s",
                    "--fault", (char *)spec, "--out", out, NULL};
    int listed;
    bench_t_program("geokv-bench", bin, sizeof bin);
    snprintf(out, sizeof out, "%s/%s", tmpdir, name);
    snprintf(log, sizeof log, "%s/%s.log", tmpdir, name);
    snprintf(latest, sizeof latest, "%s/latest", out);
    int status = bench_t_wait(bench_t_spawn(argv, log), 120);
    if (status != 0) {
        bench_t_dump_log(log);
        fail_msg("--fault %s (%s): exit status %d", spec, mode, status);
    }
    json_t *runs = bench_t_load_runs(latest, why, sizeof why);
    if (!runs)
        fail_msg("%s", why);
    if (bench_t_check_summary(latest, 1, why, sizeof why) != 0)
        fail_msg("%s", why);
    assert_int_equal(json_array_size(runs), 1);
    json_t *rec = json_incref(json_array_get(runs, 0));
    json_decref(runs);
    assert_string_equal(json_string_value(json_object_get(rec, "fault")), spec);
    assert_true(json_is_true(json_object_get(rec, "checker_ok")));
    assert_int_equal(json_integer_value(json_object_get(rec, "fault_failures")), 0);
    assert_true(json_is_true(json_object_get(rec, "fault_baseline_ok")));
    assert_true(json_is_number(json_object_get(rec, "fault_baseline_setup_s")));
    assert_true(json_is_number(json_object_get(rec, "fault_inflation_s")));
    json_t *acts = json_object_get(rec, "fault_actions"), *a;
    size_t i;
    assert_true(json_array_size(acts) >= 1);
    json_array_foreach(acts, i, a) {
        if (!json_is_true(json_object_get(a, "ran")) || !json_is_true(json_object_get(a, "ok")))
            fail_msg("action %s: %s", json_string_value(json_object_get(a, "action")),
                     json_string_value(json_object_get(a, "msg")));
    }
    assert_int_equal(bench_t_alive_members(latest, &listed), 0);
    assert_true(listed >= 3);
    printf("    %-44s %-8s baseline %.3f s, faulted %.3f s, inflation %+.3f s\n", spec, mode,
           json_number_value(json_object_get(rec, "fault_baseline_setup_s")),
           json_number_value(json_object_get(rec, "setup_s")),
           json_number_value(json_object_get(rec, "fault_inflation_s")));
    return rec;
}

static void test_kill_restart(void **state)
{
    char latest[600];
    int listed;
    (void)state;
    json_t *rec = run_fault("kill", "before", "kill:sin@0.2s,restart@1.5s");
    /* the watch streams on Singapore ended and resumed elsewhere */
    assert_true(json_integer_value(json_object_get(rec, "watch_resumes")) >= 1);
    json_decref(rec);
    /* the restarted member was recorded too: 3 members + 1 restart */
    snprintf(latest, sizeof latest, "%s/kill/latest", tmpdir);
    assert_int_equal(bench_t_alive_members(latest, &listed), 0);
    assert_int_equal(listed, 4);
}

static void test_partition_heal(void **state)
{
    (void)state;
    json_decref(run_fault("partition", "after", "partition:sin@0.2s,heal@1.5s"));
}

/* the controller's region (agent 0 lives there too): two of its three links */
static void test_spike(void **state)
{
    (void)state;
    json_decref(run_fault("spike", "lockless",
                         "spike:aws-ap-northeast-2>a-sel+300ms@0.05s,clear@1s;"
                         "spike:aws-ap-northeast-2>g-sel+300ms@0.05s,clear@1s"));
}

static void test_redeploy(void **state)
{
    (void)state;
    json_t *rec = run_fault("redeploy", "after", "session-ttl:2s;redeploy:agent3@0.2s>gcp-asia-east1");
    assert_int_equal(json_integer_value(json_object_get(rec, "redeploys")), 1);
    assert_int_equal(json_integer_value(json_object_get(rec, "redeploy_agent")), 3);
    assert_string_equal(json_string_value(json_object_get(rec, "redeploy_region")), "gcp-asia-east1");
    assert_true(json_is_number(json_object_get(rec, "redeploy_s")));
    json_decref(rec);
}

static void test_frozen_holder(void **state)
{
    (void)state;
    json_t *rec = run_fault("freeze", "after", "session-ttl:2s;freeze-holder:5s@0");
    assert_int_equal(json_integer_value(json_object_get(rec, "freezes")), 1);
    assert_int_equal(json_integer_value(json_object_get(rec, "freeze_lock_passed")), 1);
    json_decref(rec);
}

static void test_compaction(void **state)
{
    (void)state;
    json_decref(run_fault("compact", "lockless", "compact@0.1s;compact@0.3s;compact@0.6s"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_restart), cmocka_unit_test(test_partition_heal),
        cmocka_unit_test(test_spike),        cmocka_unit_test(test_redeploy),
        cmocka_unit_test(test_frozen_holder), cmocka_unit_test(test_compaction),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
