/* Integration test: faults piled up, and the chaos sweep's guards.
 *
 * - The piled-up scenario that once failed after mode (a session TTL of 2 s,
 *   an agent redeployed, the next lock holder frozen, Seoul-GCP partitioned
 *   from its peers: an agent's put hit the client's request timeout) at
 *   N = 4, full WAN delays: exit 0, checker green, every action ran, no
 *   member left.
 * - `geokv-bench chaos` with a wall-clock limit shorter than a run: the run
 *   is stopped and reported "hung" with its reason, nothing it started is
 *   left running, the table is recorded; --dry-run prints the schedules
 *   and a bad option exits 2 with one line. */
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
#include "sim/util/util_fs.h"

#define PILED_UP "session-ttl:2s;redeploy:agent2@0.2s>gcp-asia-east1;freeze-holder@0.5s;partition:g-sel@0.1s,heal@0.8s"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    return bench_t_tmpdir_make(tmpdir, sizeof tmpdir, "itest-chaos");
}

static int teardown(void **state)
{
    (void)state;
    return bench_t_tmpdir_remove(tmpdir);
}

static void test_piled_up_faults_after_mode(void **state)
{
    (void)state;
    char bin[1024], out[512], log[600], latest[600], why[512];
    char *argv[] = { bin, "run", "--n", "4", "--reps", "1", "--modes", "after", "--seed", "11", "--timeout", "60s",
                     "--fault", PILED_UP, "--out", out, NULL };
    int listed;
    bench_t_program("geokv-bench", bin, sizeof bin);
    snprintf(out, sizeof out, "%s/piled", tmpdir);
    snprintf(log, sizeof log, "%s/piled.log", tmpdir);
    snprintf(latest, sizeof latest, "%s/latest", out);
    int status = bench_t_wait(bench_t_spawn(argv, log), 150);
    if (status != 0) {
        bench_t_dump_log(log);
        fail_msg("piled-up faults, after mode: exit status %d", status);
    }
    json_t *runs = bench_t_load_runs(latest, why, sizeof why);
    if (!runs)
        fail_msg("%s", why);
    json_t *rec = json_array_get(runs, 0);
    assert_true(json_is_true(json_object_get(rec, "checker_ok")));
    assert_int_equal(json_integer_value(json_object_get(rec, "fault_failures")), 0);
    assert_int_equal(json_integer_value(json_object_get(rec, "redeploys")), 1);
    assert_int_equal(json_integer_value(json_object_get(rec, "freezes")), 1);
    assert_true(json_is_integer(json_object_get(rec, "timeout_retries")));
    printf("    piled-up faults, after: setup %.3f s (baseline %.3f s), retries %lld, timeout retries %lld, "
           "read-backs %lld\n",
           json_number_value(json_object_get(rec, "setup_s")),
           json_number_value(json_object_get(rec, "fault_baseline_setup_s")),
           (long long)json_integer_value(json_object_get(rec, "retries")),
           (long long)json_integer_value(json_object_get(rec, "timeout_retries")),
           (long long)json_integer_value(json_object_get(rec, "readbacks")));
    json_decref(runs);
    assert_int_equal(bench_t_alive_members(latest, &listed), 0);
    assert_true(listed >= 3);
}

static void test_chaos_limit_stops_a_run(void **state)
{
    (void)state;
    char bin[1024], out[512], log[600], path[700], latest[700];
    char *argv[] = { bin, "chaos", "--schedules", "1", "--seed", "5", "--modes", "after", "--limit", "4s",
                     "--out", out, NULL };
    bench_t_program("geokv-bench", bin, sizeof bin);
    snprintf(out, sizeof out, "%s/chaos", tmpdir);
    snprintf(log, sizeof log, "%s/chaos.log", tmpdir);
    int status = bench_t_wait(bench_t_spawn(argv, log), 90);
    if (status != 1) {
        bench_t_dump_log(log);
        fail_msg("chaos with a 4 s limit: exit status %d, expected 1", status);
    }
    /* the one chaos directory, its record and its table */
    char cmd[800];
    snprintf(cmd, sizeof cmd, "ls -d %s/chaos-*", out);
    FILE *p = popen(cmd, "r");
    char dir[600] = "";
    assert_non_null(p);
    assert_non_null(fgets(dir, sizeof dir, p));
    pclose(p);
    dir[strcspn(dir, "\n")] = '\0';
    snprintf(path, sizeof path, "%s/chaos.jsonl", dir);
    json_t *rec = json_load_file(path, JSON_DISABLE_EOF_CHECK, NULL);
    assert_non_null(rec);
    assert_string_equal(json_string_value(json_object_get(rec, "outcome")), "hung");
    assert_true(strlen(json_string_value(json_object_get(rec, "reason"))) > 0);
    assert_string_equal(json_string_value(json_object_get(rec, "mode")), "after");
    json_decref(rec);
    snprintf(path, sizeof path, "%s/chaos.md", dir);
    assert_true(util_file_exists(path));
    /* whatever the stopped run had started is gone */
    snprintf(latest, sizeof latest, "%s/runs/s00-after/latest", dir);
    int listed = 0;
    if (util_file_exists(latest))
        assert_true(bench_t_alive_members(latest, &listed) <= 0);
}

static void test_chaos_dry_run_and_bad_option(void **state)
{
    (void)state;
    char bin[1024], log[600], text_path[600];
    char *dry[] = { bin, "chaos", "--dry-run", "--schedules", "3", "--seed", "9", NULL };
    char *bad[] = { bin, "chaos", "--schedules", "0", NULL };
    bench_t_program("geokv-bench", bin, sizeof bin);
    snprintf(log, sizeof log, "%s/dry.log", tmpdir);
    assert_int_equal(bench_t_wait(bench_t_spawn(dry, log), 30), 0);
    size_t len = 0;
    char *text = util_slurp(log, &len);
    assert_non_null(text);
    int lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    assert_int_equal(lines, 3);
    assert_non_null(strstr(text, "session-ttl:2s;"));
    free(text);
    snprintf(text_path, sizeof text_path, "%s/bad.log", tmpdir);
    assert_int_equal(bench_t_wait(bench_t_spawn(bad, text_path), 30), 2);
    text = util_slurp(text_path, &len);
    assert_non_null(text);
    assert_non_null(strstr(text, "--schedules"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chaos_dry_run_and_bad_option),
        cmocka_unit_test(test_chaos_limit_stops_a_run),
        cmocka_unit_test(test_piled_up_faults_after_mode),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
