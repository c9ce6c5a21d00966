/* Integration test of `geokv-bench compare` (run through geokv-bench, which
 * hands it to geokv-model): two tiny real sweeps that differ in --rtt-scale
 * (A: N = 3 and 4, before and after; B: N = 3, before, after and lockless;
 * two repetitions each, WAN and protocol delays x 0.05 and 0.1), made once for
 * the whole group. Checks the refusal (exit 2, the key and both values
 * named), that --force compares and keeps the warning at the top of every
 * format (text, md, csv, json parsed with jansson), coverage and the
 * dropped N and mode, --report DIR, a run against itself, and the usage
 * errors' exit status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "bench/tests/testlib_bench.h"
#include "sim/util/util_fs.h"

static char tmpdir[256], run_a[400], run_b[400], bin[1024];

/* One tiny sweep into tmpdir/<tag>; its results/latest path into dir. */
static int sweep(const char *tag, const char *n, const char *modes, const char *rtt, char *dir, size_t len)
{
    char out[400], log[450];
    char *argv[] = { bin, "run", "--n", (char *)n, "--reps", "2", "--modes", (char *)modes, "--rtt-scale",
                     (char *)rtt, "--delay-scale", "0.05", "--seed", "11", "--etcd-fsync", "off", "--out", out,
                     NULL };
    snprintf(out, sizeof out, "%s/%s", tmpdir, tag);
    snprintf(log, sizeof log, "%s/%s.log", tmpdir, tag);
    snprintf(dir, len, "%.380s/latest", out);
    int status = bench_t_wait(bench_t_spawn(argv, log), 240);
    if (status != 0) {
        bench_t_dump_log(log);
        fprintf(stderr, "itest_bench_compare: sweep %s exited with %d\n", tag, status);
        return -1;
    }
    return 0;
}

static int setup(void **state)
{
    (void)state;
    bench_t_program("geokv-bench", bin, sizeof bin);
    if (bench_t_tmpdir_make(tmpdir, sizeof tmpdir, "itest-compare") != 0)
        return -1;
    if (sweep("a", "3,4", "before,after", "0.05", run_a, sizeof run_a) != 0 ||
        sweep("b", "3", "before,after,lockless", "0.1", run_b, sizeof run_b) != 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return bench_t_tmpdir_remove(tmpdir);
}

/* Runs geokv-bench compare with args; its stdout and stderr into *out and
 * *err (malloc'ed); returns the exit status. */
static int compare(const char *const *args, char **out, char **err)
{
    char *argv[32], po[450], pe[450];
    int n = 0, status;
    argv[n++] = bin;
    argv[n++] = "compare";
    while (*args && n < 30)
        argv[n++] = (char *)*args++;
    argv[n] = NULL;
    snprintf(po, sizeof po, "%s/out.txt", tmpdir);
    snprintf(pe, sizeof pe, "%s/err.txt", tmpdir);
    pid_t pid = fork();
    if (pid == 0) {
        int fo = open(po, O_WRONLY | O_CREAT | O_TRUNC, 0644), fe = open(pe, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fo < 0 || fe < 0)
            _exit(127);
        dup2(fo, 1);
        dup2(fe, 2);
        execv(bin, argv);
        _exit(127);
    }
    status = bench_t_wait(pid, 60);
    *out = util_slurp(po, NULL);
    *err = util_slurp(pe, NULL);
    assert_non_null(*out);
    assert_non_null(*err);
    return status;
}

static void test_refused(void **state)
{
    (void)state;
    char *out, *err;
    const char *args[] = {run_a, run_b, NULL};
    int status = compare(args, &out, &err);
    if (status != 2)
        fail_msg("exit %d, want 2; stderr: %s", status, err);
    assert_non_null(strstr(err, "options.rtt_scale differs: 0.05 in"));
    assert_non_null(strstr(err, "0.1 in"));
    assert_non_null(strstr(err, "--force"));
    assert_string_equal(out, "");
    free(out);
    free(err);
}

static void test_forced_text(void **state)
{
    (void)state;
    char *out, *err;
    const char *args[] = {run_a, run_b, "--force", NULL};
    int status = compare(args, &out, &err);
    if (status != 0)
        fail_msg("exit %d; stderr: %s", status, err);
    /* the warning leads: before the first table */
    char *warn = strstr(out, "options.rtt_scale: 0.05 -> 0.1  WARNING: INCOMPARABLE"), *table = strstr(out, "setup_s (mean");
    assert_non_null(warn);
    assert_non_null(table);
    /* the second line already says it */
    assert_non_null(strstr(out, "\nWARNING: compared with --force although the runs measure different things (options.rtt_scale"));
    assert_true(warn < table);
    assert_non_null(strstr(out, "8 run(s) done of 8 planned, 0 failed, 0 checker-red"));
    assert_non_null(strstr(out, "6 run(s) done of 6 planned"));
    assert_non_null(strstr(out, "dropped: before N=4: only in"));
    assert_non_null(strstr(out, "dropped: mode lockless: only in"));
    assert_non_null(strstr(out, "Welch"));
    /* labelled by run id and version, values in readable units */
    assert_non_null(strstr(out, "-11 ("));
    assert_null(strstr(out, "e+0"));
    assert_null(strstr(out, "inf%"));
    free(out);
    free(err);
}

static void test_forced_markdown_csv(void **state)
{
    (void)state;
    char *out, *err;
    const char *md[] = {run_a, run_b, "--force", "--format", "md", NULL};
    assert_int_equal(compare(md, &out, &err), 0);
    assert_true(strstr(out, "INCOMPARABLE") < strstr(out, "### setup_s"));
    assert_non_null(strstr(out, "| mode | N |"));
    assert_non_null(strstr(out, "| before | 3 |"));
    free(out);
    free(err);
    const char *csv[] = {run_a, run_b, "--force", "--format", "csv", "--metric", "setup_s", NULL};
    assert_int_equal(compare(csv, &out, &err), 0);
    assert_int_equal(strncmp(out, "# ", 2), 0);
    char *header = strstr(out, "\nmetric,unit,mode,n,");
    assert_non_null(header);
    assert_true(strstr(out, "INCOMPARABLE") < header);
    size_t want = bench_t_csv_fields(header + 1), rows = 0;
    for (char *line = strchr(header + 1, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        assert_int_equal(bench_t_csv_fields(line + 1), want);
        assert_int_equal(strncmp(line + 1, "setup_s,s,", 10), 0);
        rows++;
    }
    assert_int_equal(rows, 2); /* before and after at N = 3 */
    free(out);
    free(err);
}

static void test_forced_json(void **state)
{
    (void)state;
    char *out, *err;
    const char *args[] = {run_a, run_b, "--force", "--format", "json", NULL};
    assert_int_equal(compare(args, &out, &err), 0);
    json_error_t e;
    json_t *j = json_loads(out, 0, &e);
    if (!j)
        fail_msg("not JSON: %s: %s", e.text, out);
    assert_true(json_is_true(json_object_get(j, "forced")));
    assert_non_null(strstr(json_string_value(json_object_get(j, "forced_warning")), "options.rtt_scale"));
    json_t *d0 = json_array_get(json_object_get(j, "config_diff"), 0);
    assert_string_equal(json_string_value(json_object_get(d0, "key")), "options.rtt_scale");
    assert_true(json_is_true(json_object_get(d0, "incomparable")));
    json_t *runs = json_object_get(j, "runs");
    assert_int_equal(json_array_size(runs), 2);
    json_t *cov = json_object_get(json_array_get(runs, 0), "coverage");
    assert_int_equal(json_integer_value(json_object_get(cov, "planned")), 8);
    assert_int_equal(json_integer_value(json_object_get(cov, "done")), 8);
    assert_true(json_array_size(json_object_get(j, "dropped")) >= 3);
    json_t *rows = json_object_get(j, "rows"), *row;
    size_t i;
    int setup_rows = 0;
    assert_true(json_array_size(rows) > 0);
    json_array_foreach(rows, i, row) {
        json_t *s = json_object_get(row, "samples"), *c = json_array_get(json_object_get(row, "changes"), 0);
        assert_int_equal(json_array_size(s), 2);
        assert_int_equal(json_integer_value(json_object_get(row, "n")), 3);
        const char *v = json_string_value(json_object_get(c, "verdict"));
        assert_true(strcmp(v, "changed") == 0 || strcmp(v, "~") == 0);
        if (strcmp(json_string_value(json_object_get(row, "metric")), "setup_s") == 0) {
            setup_rows++;
            json_t *old = json_array_get(s, 0);
            assert_int_equal(json_integer_value(json_object_get(old, "count")), 2);
            assert_true(json_number_value(json_object_get(old, "ci_lo")) <=
                        json_number_value(json_object_get(old, "mean")));
        }
    }
    assert_int_equal(setup_rows, 2);
    json_decref(j);
    free(out);
    free(err);
}

static void test_report(void **state)
{
    (void)state;
    char *out, *err, dir[450], path[500];
    snprintf(dir, sizeof dir, "%s/cmp-report", tmpdir);
    const char *args[] = {run_a, run_b, "--force", "--report", dir, NULL};
    int status = compare(args, &out, &err);
    if (status != 0)
        fail_msg("exit %d; stderr: %s", status, err);
    snprintf(path, sizeof path, "%s/compare.md", dir);
    char *md = util_slurp(path, NULL);
    assert_non_null(md);
    assert_non_null(strstr(md, "INCOMPARABLE"));
    assert_non_null(strstr(md, "![setup_s against N](compare-setup_s.png)"));
    snprintf(path, sizeof path, "%s/compare-setup_s.png", dir);
    assert_true(util_file_exists(path));
    snprintf(path, sizeof path, "%s/compare-app_bytes.png", dir);
    assert_true(util_file_exists(path));
    free(md);
    free(out);
    free(err);
}

static void test_same_run_and_usage(void **state)
{
    (void)state;
    char *out, *err;
    const char *same[] = {run_a, run_a, NULL};
    assert_int_equal(compare(same, &out, &err), 0);
    assert_non_null(strstr(out, "config differences (config.json): none"));
    assert_non_null(strstr(out, "~ p=1"));
    free(out);
    free(err);
    const char *bad[][5] = {
        {run_a, NULL},
        {run_a, run_a, "--format", "xml", NULL},
        {run_a, run_a, "--alpha", "2", NULL},
        {run_a, "/nonexistent/run", NULL},
        {run_a, run_a, "--bogus", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int status = compare(bad[i], &out, &err);
        if (status != 2)
            fail_msg("case %zu: exit %d, want 2; stderr: %s", i, status, err);
        assert_true(strlen(err) > 0);
        free(out);
        free(err);
    }
    const char *help[] = {"--help", NULL};
    assert_int_equal(compare(help, &out, &err), 0);
    assert_non_null(strstr(out, "usage: geokv-model compare OLD NEW"));
    free(out);
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_forced_text),
        cmocka_unit_test(test_forced_markdown_csv),
        cmocka_unit_test(test_forced_json),
        cmocka_unit_test(test_report),
        cmocka_unit_test(test_same_run_and_usage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
