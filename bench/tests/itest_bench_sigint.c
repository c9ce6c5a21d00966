/* Integration test: Ctrl-C and SIGTERM in the middle of a sweep. The driver
 * must end the current run, stop every etcd member it started (pids.json
 * lists them), keep runs.jsonl valid (whole records only), exit 130 / 143,
 * and --resume must then finish exactly the missing runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bench/tests/testlib_bench.h"
#include "sim/util/util_fs.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    return bench_t_tmpdir_make(tmpdir, sizeof tmpdir, "itest-sigint");
}

static int teardown(void **state)
{
    (void)state;
    return bench_t_tmpdir_remove(tmpdir);
}

static size_t count_runs(const char *dir)
{
    char why[512];
    json_t *runs = bench_t_load_runs(dir, why, sizeof why);
    size_t n;
    if (runs == NULL)
        fail_msg("runs.jsonl invalid after the signal: %s", why);
    n = json_array_size(runs);
    json_decref(runs);
    return n;
}

static void test_sigint_then_resume(void **state)
{
    char bin[1024], out[512], log[600], latest[600], why[512];
    /* Long enough runs that the signal lands inside one: 4 runs, the agents'
     * fixed delays at 30 %. */
    char *argv[] = { bin, "run", "--n", "6", "--reps", "2", "--modes", "after,lockless", "--rtt-scale", "0.05",
                     "--delay-scale", "0.3", "--seed", "5", "--etcd-fsync", "off", "--out", out, NULL };
    pid_t pid;
    int status, listed;
    size_t before;
    (void)state;

    bench_t_program("geokv-bench", bin, sizeof bin);
    snprintf(out, sizeof out, "%s/results", tmpdir);
    snprintf(log, sizeof log, "%s/bench.log", tmpdir);
    snprintf(latest, sizeof latest, "%s/latest", out);
    pid = bench_t_spawn(argv, log);
    assert_true(pid > 0);
    /* The second run's cluster is up (6 members listed): interrupt it. */
    if (!bench_t_wait_members(latest, 6, 120)) {
        bench_t_abandon(pid, log);
        fail_msg("the second run never started");
    }
    bench_t_sleep(0.5);
    assert_int_equal(kill(pid, SIGINT), 0);
    status = bench_t_wait(pid, 60);
    if (status != 130) {
        bench_t_dump_log(log);
        fail_msg("exit status %d after SIGINT, expected 130", status);
    }
    assert_int_equal(bench_t_alive_members(latest, &listed), 0);
    assert_true(listed >= 6);
    before = count_runs(latest);
    assert_true(before >= 1 && before < 4);
    {
        char *text = util_slurp(log, NULL);
        assert_non_null(text);
        assert_non_null(strstr(text, "--resume"));
        assert_non_null(strstr(text, out));
        free(text);
    }

    /* Resume finishes exactly the missing runs. */
    {
        char *rargv[] = { bin, "run", "--out", out, "--resume", NULL };
        status = bench_t_wait(bench_t_spawn(rargv, log), 180);
        if (status != 0) {
            bench_t_dump_log(log);
            fail_msg("--resume exited with %d", status);
        }
    }
    assert_int_equal(count_runs(latest), 4);
    if (bench_t_check_summary(latest, 4, why, sizeof why) != 0)
        fail_msg("%s", why);
    {
        /* Each (mode, N, rep) once. */
        json_t *runs = bench_t_load_runs(latest, why, sizeof why), *a, *b;
        size_t i, j;
        json_array_foreach(runs, i, a) {
            json_array_foreach(runs, j, b) {
                if (j <= i)
                    continue;
                if (strcmp(json_string_value(json_object_get(a, "mode")),
                           json_string_value(json_object_get(b, "mode"))) == 0 &&
                    json_integer_value(json_object_get(a, "rep")) == json_integer_value(json_object_get(b, "rep")))
                    fail_msg("run %zu and %zu are the same triple", i, j);
            }
        }
        json_decref(runs);
    }
    assert_int_equal(bench_t_alive_members(latest, &listed), 0);
}

/* SIGTERM while the first cluster is starting or running: exit 143, no
 * member left, runs.jsonl (possibly empty) valid. */
static void test_sigterm_early(void **state)
{
    char bin[1024], out[512], log[600], latest[600];
    char *argv[] = { bin, "run", "--n", "4", "--reps", "1", "--modes", "before", "--rtt-scale", "0.05",
                     "--delay-scale", "0.3", "--seed", "6", "--etcd-fsync", "off", "--out", out, NULL };
    pid_t pid;
    int status, listed;
    (void)state;
    bench_t_program("geokv-bench", bin, sizeof bin);
    snprintf(out, sizeof out, "%s/results", tmpdir);
    snprintf(log, sizeof log, "%s/bench.log", tmpdir);
    snprintf(latest, sizeof latest, "%s/latest", out);
    pid = bench_t_spawn(argv, log);
    if (!bench_t_wait_members(latest, 3, 60)) {
        bench_t_abandon(pid, log);
        fail_msg("the run never started");
    }
    assert_int_equal(kill(pid, SIGTERM), 0);
    status = bench_t_wait(pid, 60);
    if (status != 143) {
        bench_t_dump_log(log);
        fail_msg("exit status %d after SIGTERM, expected 143", status);
    }
    assert_int_equal(bench_t_alive_members(latest, &listed), 0);
    assert_int_equal(listed, 3);
    assert_true(count_runs(latest) <= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sigterm_early, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sigint_then_resume, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
