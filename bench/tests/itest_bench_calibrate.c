/* Integration test of `geokv-bench calibrate` through build/bin/geokv-bench
 * and geokv-model, on real etcd members behind the WAN emulator:
 *   - --dry-run prints every step's command and runs nothing;
 *   - bad options and a profile without the cost model exit 2 with one line;
 *   - a tiny real calibration (N = 3 and 4, one repetition, --rtt-scale 0.2,
 *     --delay-scale 0.2, c_line_us probes at 1000 and 5000 us, one
 *     parameter, one verification) against a made-up reference at N = 3, 4,
 *     on a COPY of patent-2022.json in a temporary directory: steps.json,
 *     the four sweeps, calibration.json's fields and calibration.md; the copy
 *     carries the fitted value and its source when the fit was accepted (and
 *     is byte for byte unchanged when it was not), the prediction ran with
 *     it, and the repository's profile is never touched. (~70 s) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>

#include "bench/tests/testlib_bench.h"
#include "sim/util/util_fs.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    return bench_t_tmpdir_make(tmpdir, sizeof tmpdir, "itest-calibrate");
}

static int teardown(void **state)
{
    (void)state;
    return bench_t_tmpdir_remove(tmpdir);
}

static char *repo_file(const char *rel)
{
    char path[PATH_MAX];
    const char *root = getenv("GEOKV_ROOT");
    snprintf(path, sizeof path, "%s/%s", root && *root ? root : ".", rel);
    return util_slurp(path, NULL);
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

/* Runs geokv-bench with argv[1..] (argv[0] filled in); exit status; the
 * output (stdout and stderr) in tmpdir/<tag>.log. */
static int bench(const char *tag, char **argv, double timeout_s)
{
    char bin[1024], log[600];
    bench_t_program("geokv-bench", bin, sizeof bin);
    argv[0] = bin;
    snprintf(log, sizeof log, "%s/%s.log", tmpdir, tag);
    int st = bench_t_wait(bench_t_spawn(argv, log), timeout_s);
    if (st < 0)
        bench_t_dump_log(log);
    return st;
}

static char *read_log(const char *tag)
{
    char log[600];
    snprintf(log, sizeof log, "%s/%s.log", tmpdir, tag);
    return util_slurp(log, NULL);
}

static void test_dry_run_prints_the_plan(void **state)
{
    (void)state;
    char out[400];
    snprintf(out, sizeof out, "%s/dry", tmpdir);
    char *argv[] = {NULL, "calibrate", "--dry-run", "--n", "3,4", "--seed", "11", "--out", out, NULL};
    assert_int_equal(bench("dry", argv, 30), 0);
    char *log = read_log("dry");
    assert_non_null(log);
    static const char *const want[] = {
        "1. probe-c0 (probe, mode before): ", "--profile-set c_line_us=30", "2. probe-c1", "--profile-set c_line_us=90",
        "3. probe-b2", "--profile-set deploy_uplink_Bps=30000000", "--start deploy --end txn", "--seed 11 ",
        "geokv-model calibrate --probe0", "verify-1 (verification, mode before)", "--secant", "verify-2",
        "predict (PREDICTION, mode after)", "--modes after", "calibrate-report --dir",
        "patent-2022.json with the source \"fitted on FIG. 7 before only", "10 to 12 runs",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(log, want[i]))
            fail_msg("the plan lacks \"%s\":\n%s", want[i], log);
    free(log);
    assert_false(util_file_exists(out));   /* nothing was run or created */
}

static void test_bad_options_exit_2(void **state)
{
    (void)state;
    char *a1[] = {NULL, "calibrate", "--modes", "after", NULL};
    char *a2[] = {NULL, "calibrate", "--profile", "ideal", "--dry-run", NULL};
    char *a3[] = {NULL, "calibrate", "--profile", "/nonexistent/p.json", "--dry-run", NULL};
    assert_int_equal(bench("bad1", a1, 30), 2);
    assert_int_equal(bench("bad2", a2, 30), 2);
    char *log = read_log("bad2");
    assert_non_null(strstr(log, "cost model off"));
    free(log);
    assert_int_equal(bench("bad3", a3, 30), 2);
}

/* The one calibration directory under out. */
static void calib_dir(const char *out, char *dir, size_t len)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls -d '%s'/calib-* 2>/dev/null", out);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(dir, (int)len, p));
    dir[strcspn(dir, "\n")] = '\0';
    pclose(p);
}

static double num_at(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v))
        fail_msg("%s is not a number", key);
    return json_number_value(v);
}

static void test_tiny_calibration(void **state)
{
    (void)state;
    char ref[400], prof[400], out[400], dir[1024], path[1200];
    char *repo_before = repo_file("sim/cb/profiles/patent-2022.json");
    char *models = repo_file("results/reference/patent-models.csv");
    assert_non_null(repo_before);
    assert_non_null(models);

    /* a reference at N = 3 and 4, near what c_line_us of a few ms gives there */
    snprintf(ref, sizeof ref, "%s/ref", tmpdir);
    assert_int_equal(util_mkdirs(ref, NULL, 0), 0);
    snprintf(path, sizeof path, "%s/patent-fig7.csv", ref);
    assert_int_equal(write_file(path, "n,before_s,after_s,change_pct\n3,2.7,2.5,-7\n4,3.0,2.6,-13\n"), 0);
    snprintf(path, sizeof path, "%s/patent-fig8.csv", ref);
    assert_int_equal(write_file(path, "n,before_kb,after_kb,change_pct\n3,60,30,-50\n4,100,45,-55\n"), 0);
    snprintf(path, sizeof path, "%s/patent-models.csv", ref);
    assert_int_equal(write_file(path, models), 0);
    free(models);
    snprintf(prof, sizeof prof, "%s/patent-copy.json", tmpdir);
    assert_int_equal(write_file(prof, repo_before), 0);
    snprintf(out, sizeof out, "%s/out", tmpdir);

    char *argv[] = {NULL, "calibrate", "--n", "3,4", "--seed", "5", "--rtt-scale", "0.2", "--delay-scale", "0.2",
                    "--etcd-fsync", "off", "--profile", prof, "--ref", ref, "--out", out, "--c0", "1000", "--c1",
                    "5000", "--uplink", "off", "--iterations", "1", "--c-bounds", "0,100000", "--max-rel-resid", "10",
                    NULL};
    int st = bench("tiny", argv, 240);
    if (st != 0 && st != 1) {
        char log[600];
        snprintf(log, sizeof log, "%s/tiny.log", tmpdir);
        bench_t_dump_log(log);
        fail_msg("geokv-bench calibrate exited with %d", st);
    }
    calib_dir(out, dir, sizeof dir);

    /* steps.json: the four sweeps, each green with its run directory */
    snprintf(path, sizeof path, "%s/steps.json", dir);
    json_t *steps = json_load_file(path, 0, NULL);
    assert_non_null(steps);
    json_t *sweeps = json_object_get(steps, "sweeps"), *sw;
    static const char *const names[4] = {"probe-c0", "probe-c1", "verify-1", "predict"};
    assert_int_equal(json_array_size(sweeps), 4);
    size_t i;
    json_array_foreach(sweeps, i, sw) {
        assert_string_equal(json_string_value(json_object_get(sw, "name")), names[i]);
        assert_int_equal(json_integer_value(json_object_get(sw, "status")), 0);
        snprintf(path, sizeof path, "%s/summary.csv", json_string_value(json_object_get(sw, "dir")));
        assert_true(util_file_exists(path));
    }
    assert_int_equal(json_array_size(json_object_get(steps, "iterations")), 1);

    /* calibration.json: the fit, FIG. 7 and FIG. 8 rows with our numbers */
    snprintf(path, sizeof path, "%s/calibration.json", dir);
    json_t *cal = json_load_file(path, 0, NULL);
    assert_non_null(cal);
    json_t *fit = json_object_get(cal, "fit"), *p0 = json_array_get(json_object_get(fit, "params"), 0);
    assert_string_equal(json_string_value(json_object_get(p0, "name")), "c_line_us");
    double c = num_at(p0, "clamped");
    assert_true(num_at(p0, "se") >= 0);
    assert_true(json_is_boolean(json_object_get(fit, "accepted")));
    json_t *rows = json_object_get(json_object_get(cal, "fig7"), "rows"), *r;
    assert_int_equal(json_array_size(rows), 2);
    json_array_foreach(rows, i, r) {
        assert_true(num_at(r, "ours_before_s") > 0);
        assert_true(num_at(r, "ours_after_s") > 0);
        num_at(r, "ours_change_pct");
    }
    assert_true(json_is_boolean(json_object_get(json_object_get(json_object_get(cal, "fig7"), "goal"), "holds")));
    json_t *ms = json_object_get(json_object_get(cal, "fig8"), "metrics");
    assert_int_equal(json_array_size(ms), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(ms, 0), "metric")), "app_bytes");
    assert_string_equal(json_string_value(json_object_get(json_array_get(ms, 1), "metric")), "grpc_bytes");
    json_array_foreach(ms, i, r) {
        json_t *row = json_array_get(json_object_get(r, "rows"), 1);
        assert_true(num_at(row, "ours_before_bytes") > 0 && num_at(row, "ours_after_bytes") > 0);
    }
    snprintf(path, sizeof path, "%s/calibration.md", dir);
    char *md = util_slurp(path, NULL);
    assert_non_null(md);
    assert_non_null(strstr(md, "ours after (PREDICTED)"));

    /* the profile: the copy, never the repository's */
    char *copy = util_slurp(prof, NULL), *repo_after = repo_file("sim/cb/profiles/patent-2022.json");
    assert_non_null(copy);
    assert_string_equal(repo_after, repo_before);
    json_t *pj = json_loads(copy, 0, NULL), *cl = json_object_get(json_object_get(pj, "params"), "c_line_us");
    if (st == 0) {
        assert_true(json_is_true(json_object_get(fit, "accepted")));
        assert_true(fabs(json_number_value(json_object_get(cl, "value")) - c) <= 1e-5 * c);
        const char *src = json_string_value(json_object_get(cl, "source"));
        assert_non_null(strstr(src, "fitted on FIG. 7 before only: "));
        assert_non_null(strstr(src, json_string_value(json_object_get(steps, "calib_id"))));
        assert_non_null(strstr(src, json_string_value(json_object_get(json_array_get(sweeps, 0), "run_id"))));
        assert_non_null(strstr(src, ", commit "));
        /* the prediction ran on the profile as written */
        snprintf(path, sizeof path, "%s/config.json",
                 json_string_value(json_object_get(json_array_get(sweeps, 3), "dir")));
        json_t *cfg = json_load_file(path, 0, NULL);
        assert_non_null(cfg);
        json_t *pv = json_object_get(json_object_get(json_object_get(cfg, "profile"), "params"), "c_line_us");
        assert_true(fabs(json_number_value(json_object_get(pv, "value")) - c) <= 1e-5 * c);
        assert_int_equal(json_array_size(json_object_get(cfg, "profile_overrides")), 0);
        json_decref(cfg);
        /* every other line of the file as it was */
        size_t diff = 0;
        for (const char *a = copy, *b = repo_before; *a || *b;) {
            size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
            diff += la != lb || strncmp(a, b, la) != 0;
            a += la + (a[la] != '\0');
            b += lb + (b[lb] != '\0');
        }
        assert_int_equal(diff, 1);
    } else {
        fprintf(stderr, "itest_bench_calibrate: the tiny fit was rejected: %s\n",
                json_string_value(json_object_get(fit, "verdict")));
        assert_string_equal(copy, repo_before);
        assert_non_null(strstr(md, "REJECTED"));
    }
    json_decref(pj);
    free(copy);
    free(repo_after);
    free(md);
    json_decref(cal);
    json_decref(steps);
    free(repo_before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dry_run_prints_the_plan),
        cmocka_unit_test(test_bad_options_exit_2),
        cmocka_unit_test(test_tiny_calibration),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
