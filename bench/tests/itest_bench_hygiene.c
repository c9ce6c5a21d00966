/* Integration test: no orphan after the driver is signalled in the middle of
 * a FAULTED run (so a member restarted by the fault scheduler, with a new
 * pid, is among the children): SIGINT, SIGTERM and SIGKILL of geokv-bench.
 * After each: every member pid recorded in pids.json (the restarted one
 * too) is gone within a few seconds, and runs.jsonl is valid JSONL. After
 * SIGINT/SIGTERM the members' data directories are removed as well (after
 * SIGKILL nothing in the driver runs: the members still die, through
 * PR_SET_PDEATHSIG, but their directories stay under <run>/etcd). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <signal.h>
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
    return bench_t_tmpdir_make(tmpdir, sizeof tmpdir, "itest-hygiene");
}

static int teardown(void **state)
{
    (void)state;
    return bench_t_tmpdir_remove(tmpdir);
}

/* Member data directories left under <run>/etcd (etcd-rig-*). */
static int rig_dirs_left(const char *latest)
{
    char path[700];
    snprintf(path, sizeof path, "%s/etcd", latest);
    DIR *d = opendir(path);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, "etcd-rig-", 9) == 0)
            n++;
    closedir(d);
    return n;
}

static void signal_mid_fault(const char *name, int sig)
{
    char bin[1024], out[512], log[600], latest[600], why[512];
    /* The fault kills Singapore at 0.2 s and restarts it at 0.6 s of the
     * faulted run (after its faultless baseline); the fixed delays at 50 %
     * keep the run going well after that. */
    char *argv[] = {bin, "run", "--n", "4", "--reps", "2", "--modes", "after", "--rtt-scale", "0.05",
                    "--delay-scale", "0.5", "--seed", "3", "--etcd-fsync", "off",
                    "--fault", "kill:sin@0.2s,restart@0.6s", "--out", out, NULL};
    int listed = 0, alive = -1;
    bench_t_program("geokv-bench", bin, sizeof bin);
    snprintf(out, sizeof out, "%s/%s", tmpdir, name);
    snprintf(log, sizeof log, "%s/%s.log", tmpdir, name);
    snprintf(latest, sizeof latest, "%s/latest", out);
    pid_t pid = bench_t_spawn(argv, log);
    assert_true(pid > 0);
    /* 3 members + the restarted one listed: we are inside the faulted run */
    if (!bench_t_wait_members(latest, 4, 120)) {
        bench_t_abandon(pid, log);
        fail_msg("the faulted run never restarted its member");
    }
    bench_t_sleep(0.3);
    assert_int_equal(kill(pid, sig), 0);
    int status = bench_t_wait(pid, 60);
    if (status != 128 + sig) {
        bench_t_dump_log(log);
        fail_msg("exit status %d after signal %d, expected %d", status, sig, 128 + sig);
    }
    /* members die with the driver (at once on SIGINT/SIGTERM; through
     * PDEATHSIG on SIGKILL): allow them a few seconds */
    for (double w = 0; w < 10; w += 0.1) {
        alive = bench_t_alive_members(latest, &listed);
        if (alive == 0)
            break;
        bench_t_sleep(0.1);
    }
    if (alive != 0) {
        bench_t_dump_log(log);
        fail_msg("%d of %d recorded member(s) still alive after signal %d", alive, listed, sig);
    }
    assert_true(listed >= 4);
    json_t *runs = bench_t_load_runs(latest, why, sizeof why);
    if (!runs)
        fail_msg("runs.jsonl invalid after signal %d: %s", sig, why);
    json_decref(runs);
    int dirs = rig_dirs_left(latest);
    printf("    signal %d: exit %d, %d members listed, none alive, %d data dir(s) left\n", sig, status, listed, dirs);
    if (sig != SIGKILL)
        assert_int_equal(dirs, 0);
}

static void test_sigint(void **state)
{
    (void)state;
    signal_mid_fault("int", SIGINT);
}

static void test_sigterm(void **state)
{
    (void)state;
    signal_mid_fault("term", SIGTERM);
}

static void test_sigkill(void **state)
{
    (void)state;
    signal_mid_fault("kill", SIGKILL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigint),
        cmocka_unit_test(test_sigterm),
        cmocka_unit_test(test_sigkill),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
