/* Integration test: a tiny sweep through build/bin/geokv-bench (N = 4, all
 * three modes, one repetition, --rtt-scale 0.05, small --delay-scale) on real
 * etcd members behind the WAN emulator. Checks every output file against
 * results/SCHEMA.md, that the servers saw bytes, that the checker is green,
 * that no member is left, and that --resume then has nothing to do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "bench/tests/testlib_bench.h"
#include "sim/util/util_fs.h"
#include "sim/util/util_version.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    return bench_t_tmpdir_make(tmpdir, sizeof tmpdir, "itest-sweep");
}

static int teardown(void **state)
{
    (void)state;
    return bench_t_tmpdir_remove(tmpdir);
}

static json_t *get_path(json_t *o, const char *a, const char *b)
{
    json_t *x = json_object_get(o, a);
    return b ? json_object_get(x, b) : x;
}

static void check_config(const char *dir)
{
    char path[1200];
    json_error_t e;
    json_t *c;
    snprintf(path, sizeof path, "%s/config.json", dir);
    c = json_load_file(path, 0, &e);
    if (c == NULL)
        fail_msg("%s: %s", path, e.text);
    assert_int_equal(json_integer_value(json_object_get(c, "seed")), 11);
    assert_non_null(json_string_value(json_object_get(c, "run_id")));
    assert_int_equal(json_array_size(get_path(c, "options", "modes")), 3);
    assert_true(json_real_value(get_path(c, "options", "rtt_scale")) == 0.05);
    assert_non_null(json_object_get(get_path(c, "topology", NULL), "regions"));
    assert_true(strlen(json_string_value(get_path(c, "versions", "etcd"))) > 0);
    assert_non_null(strstr(json_string_value(get_path(c, "versions", "etcd")), "3."));
    assert_non_null(json_string_value(get_path(c, "versions", "libcurl")));
    assert_non_null(json_string_value(get_path(c, "versions", "gsl")));
    assert_non_null(json_string_value(get_path(c, "versions", "jansson")));
    /* the stamp of the build that ran, not a read of the work tree */
    assert_string_equal(json_string_value(json_object_get(c, "git_describe")), util_version_git);
    assert_string_equal(json_string_value(json_object_get(c, "version")), util_version_project);
    assert_true(json_integer_value(get_path(c, "machine", "cores")) >= 1);
    assert_true(json_integer_value(get_path(c, "machine", "memory_bytes")) > 0);
    assert_int_equal(json_array_size(json_object_get(c, "order")), 3);
    assert_int_equal(json_array_size(json_object_get(c, "argv")) > 0, 1);
    json_decref(c);
}

static void check_timeline(const char *dir, const char *mode)
{
    char path[1200], *text, *line, *save = NULL;
    int lines = 0;
    snprintf(path, sizeof path, "%s/timelines/%s-n4-r1.jsonl", dir, mode);
    text = util_slurp(path, NULL);
    if (text == NULL)
        fail_msg("no timeline %s", path);
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_error_t e;
        json_t *j = json_loads(line, 0, &e);
        if (!json_is_object(j) || !json_is_string(json_object_get(j, "agent")) ||
            !json_is_string(json_object_get(j, "region")) || !json_is_string(json_object_get(j, "event")) ||
            !json_is_number(json_object_get(j, "t_s")))
            fail_msg("%s line %d is not a timeline event: %s", path, lines + 1, line);
        json_decref(j);
        lines++;
    }
    /* Four agents, each at least start and rule_complete. */
    assert_true(lines >= 8);
    free(text);
}

static void test_tiny_sweep(void **state)
{
    char bin[1024], out[512], log[600], latest[600], why[512];
    char *argv[] = { bin, "run", "--n", "4", "--reps", "1", "--modes", "before,after,lockless", "--rtt-scale",
                     "0.05", "--delay-scale", "0.05", "--seed", "11", "--etcd-fsync", "off", "--out", out, NULL };
    json_t *runs, *rec;
    size_t i;
    int status, listed, seen_modes = 0;
    (void)state;

    bench_t_program("geokv-bench", bin, sizeof bin);
    snprintf(out, sizeof out, "%s/results", tmpdir);
    snprintf(log, sizeof log, "%s/bench.log", tmpdir);
    status = bench_t_wait(bench_t_spawn(argv, log), 240);
    if (status != 0) {
        bench_t_dump_log(log);
        fail_msg("geokv-bench exited with %d", status);
    }
    snprintf(latest, sizeof latest, "%s/latest", out);
    {
        struct stat sb;
        assert_int_equal(lstat(latest, &sb), 0);
        assert_true(S_ISLNK(sb.st_mode));
    }
    check_config(latest);

    runs = bench_t_load_runs(latest, why, sizeof why);
    if (runs == NULL)
        fail_msg("%s", why);
    assert_int_equal(json_array_size(runs), 3);
    json_array_foreach(runs, i, rec) {
        const char *mode = json_string_value(json_object_get(rec, "mode"));
        if (!json_is_true(json_object_get(rec, "checker_ok")))
            fail_msg("%s: checker red: %s", mode, json_string_value(json_object_get(rec, "checker_msg")));
        assert_true(json_is_true(json_object_get(rec, "completed")));
        assert_int_equal(json_integer_value(json_object_get(rec, "n")), 4);
        assert_true(json_number_value(json_object_get(rec, "setup_s")) > 0);
        assert_true(json_number_value(json_object_get(rec, "agent_max_s")) >=
                    json_number_value(json_object_get(rec, "agent_p50_s")));
        /* Server-side bytes: etcd's own counters saw the run. */
        assert_true(json_integer_value(json_object_get(rec, "grpc_bytes")) > 0);
        assert_true(json_integer_value(json_object_get(rec, "grpc_sent_bytes")) > 0);
        assert_true(json_integer_value(json_object_get(rec, "grpc_received_bytes")) > 0);
        assert_true(json_integer_value(json_object_get(rec, "raft_bytes")) > 0);
        assert_true(json_integer_value(json_object_get(rec, "http_bytes")) >
                    json_integer_value(json_object_get(rec, "grpc_received_bytes")));
        assert_true(json_integer_value(json_object_get(rec, "wan_egress_bytes")) > 0);
        /* the emulator's own cost: it ran, and its polling is part of it */
        double loop_cpu = json_real_value(json_object_get(rec, "wan_loop_cpu_s"));
        double spin = json_real_value(json_object_get(rec, "wan_spin_s"));
        assert_true(loop_cpu > 0);
        assert_true(spin >= 0 && spin <= loop_cpu + 0.05);
        assert_true(json_integer_value(json_object_get(rec, "ops_total")) > 0);
        assert_true(json_integer_value(json_object_get(rec, "ops_put")) > 0);
        assert_string_equal(json_string_value(json_object_get(rec, "leader")), "Seoul-AWS");
        assert_int_equal(json_array_size(json_object_get(rec, "members")), 3);
        assert_true(json_array_size(json_object_get(rec, "egress")) > 0);
        if (strcmp(mode, "before") == 0)
            seen_modes |= 1;
        else if (strcmp(mode, "after") == 0)
            seen_modes |= 2;
        else if (strcmp(mode, "lockless") == 0)
            seen_modes |= 4;
        check_timeline(latest, mode);
    }
    assert_int_equal(seen_modes, 7);
    json_decref(runs);
    if (bench_t_check_summary(latest, 3, why, sizeof why) != 0)
        fail_msg("%s", why);
    assert_int_equal(bench_t_alive_members(latest, &listed), 0);
    assert_int_equal(listed, 9);
    {
        /* The members' data dirs are gone with them. */
        char etcd_dir[700], cmd[800];
        snprintf(etcd_dir, sizeof etcd_dir, "%s/etcd", latest);
        snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s' 2>/dev/null)\"", etcd_dir);
        assert_int_equal(system(cmd), 0);
    }

    /* --resume: every triple is recorded, nothing runs, nothing changes. */
    {
        char *rargv[] = { bin, "run", "--out", out, "--resume", NULL };
        status = bench_t_wait(bench_t_spawn(rargv, log), 60);
        if (status != 0) {
            bench_t_dump_log(log);
            fail_msg("geokv-bench --resume exited with %d", status);
        }
        runs = bench_t_load_runs(latest, why, sizeof why);
        assert_non_null(runs);
        assert_int_equal(json_array_size(runs), 3);
        json_decref(runs);
        assert_int_equal(bench_t_check_summary(latest, 3, why, sizeof why), 0);
    }
}

/* Bad command lines: one line, exit status 2, nothing started. */
static void test_bad_options(void **state)
{
    char bin[1024], log[600];
    static const char *const bad[][3] = {
        { "--n", "0", NULL }, { "--modes", "fast", NULL }, { "--topology", "/nonexistent.json", NULL },
        { "--fault", "kill:sin", NULL }, { "--bogus", NULL, NULL },
    };
    (void)state;
    bench_t_program("geokv-bench", bin, sizeof bin);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *argv[6] = { bin, "run", (char *)bad[i][0], (char *)bad[i][1], NULL, NULL };
        char *text;
        int status;
        snprintf(log, sizeof log, "%s/bad-%zu.log", tmpdir, i);
        status = bench_t_wait(bench_t_spawn(argv, log), 30);
        text = util_slurp(log, NULL);
        assert_non_null(text);
        if (status != 2 || strchr(text, '\n') != strrchr(text, '\n') || strncmp(text, "geokv-bench: ", 13) != 0)
            fail_msg("%s %s: status %d, output '%s'", bad[i][0], bad[i][1] ? bad[i][1] : "", status, text);
        free(text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bad_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tiny_sweep, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
