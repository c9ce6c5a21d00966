/* Integration test of `geokv-model factors DIR` on a MADE-UP factor study
 * (steps.json, and per sweep a summary.csv and config.json in the layout
 * `geokv-bench factors` and `geokv-bench run` write): a 2^3 design over
 * region, cost and lock (start held) at N = 20 and 40 whose changes are
 * known exactly,
 *     change(N=20) = 5 + 10 r - 20 c + 4 r c + 2 l,  change(N=40) = that - 6
 * (r, c, l the -1/+1 codes), so the effects by the difference of means are
 * region 20, cost -40, lock 4, region x cost 8, every other 0 (at each N and
 * over N). Checks: the effects and cells in factors.json, that the lock-off
 * cells use their lock-on sibling's before runs, that red runs are left out
 * and repetitions averaged, the signs and flips in the summary, factors.md's
 * sections, the PNG; a study with a sweep not done, and a bad directory.
 * Runs the real gnuplot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model/tests/testlib_model_cli.h"
#include "sim/util/util_fs.h"

static char tmpdir[256];

static const char *const keys[4] = {"region", "start", "cost", "lock"};
static const char *const codes[4][2] = {{"seoul", "useast1"}, {"all", "deploy"}, {"costoff", "coston"},
                                        {"lockon", "lockoff"}};
static const char *const labels[4][2] = {{"Seoul", "us-east-1"}, {"start all", "deploy"}, {"cost off", "cost on"},
                                         {"lock on", "lock off"}};

static double change_at(int r, int c, int l, int n)
{
    double v = 5 + 10 * r - 20 * c + 4 * r * c + 2 * l;
    return n == 40 ? v - 6 : v;
}

/* A cell's before setup_s: differs between cells, so that reading the wrong
 * sweep's before runs shows. */
static double before_at(int r, int c, int n)
{
    return (n == 20 ? 40.0 : 80.0) + 3 * r + 5 * c;
}

static void put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char header[] = "run_id,mode,n,rep,order,seed,setup_s,app_bytes,checker_ok,checker_msg\n";

/* One sweep's run directory: the after runs (two repetitions around the
 * wanted mean, one red outlier), the before runs when it has them. */
static void write_sweep(const char *dir, int r, int c, int l, bool with_before)
{
    char path[1100], line[256], csv[4096] = "";
    strcat(csv, header);
    for (int k = 0; k < 2; k++) {
        int n = k ? 40 : 20;
        double b = before_at(r, c, n), a = b * (1 + change_at(r, c, l, n) / 100);
        double bb = 1e6 * (k + 1), ab = bb * (1 + (-50 + 10 * c) / 100.0);
        snprintf(line, sizeof line, "x,after,%d,1,1,5,%.9f,%.3f,1,\nx,after,%d,2,2,5,%.9f,%.3f,1,\n", n, a - 1, ab - 10,
                 n, a + 1, ab + 10);
        strcat(csv, line);
        snprintf(line, sizeof line, "x,after,%d,3,3,5,9999,1,0,checker red\n", n);
        strcat(csv, line);
        if (with_before) {
            snprintf(line, sizeof line, "x,before,%d,1,4,5,%.9f,%.3f,1,\n", n, b, bb);
            strcat(csv, line);
        }
    }
    assert_int_equal(util_mkdirs(dir, NULL, 0), 0);
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    put_file(path, csv);
    snprintf(path, sizeof path, "%s/config.json", dir);
    snprintf(csv, sizeof csv,
             "{\"end_criterion\":\"txn\",\"profile\":{\"name\":\"patent-2022\",\"params\":{"
             "\"cost_model\":{\"value\":%s,\"source\":\"%s\"},"
             "\"c_line_us\":{\"value\":40.0,\"source\":\"prior (est): made up for the test\"}}}}\n",
             c > 0 ? "true" : "false", c > 0 ? "code" : "--profile-set cost_model=false");
    put_file(path, csv);
}

/* A study over region, cost and lock; skip: a sweep name left not done. */
static void write_study(const char *study, const char *skip)
{
    json_t *fac = json_array(), *cells = json_array(), *sweeps = json_array();
    char path[1024];
    for (int f = 0; f < 4; f++) {
        json_t *lv = json_array();
        for (int l = 0; l < 2; l++)
            json_array_append_new(lv, json_pack("{s:s,s:s,s:s,s:s,s:i}", "code", codes[f][l], "label", labels[f][l],
                                                "text", labels[f][l], "options", "", "coded", l ? 1 : -1));
        json_array_append_new(fac, json_pack("{s:s,s:s,s:b,s:o}", "key", keys[f], "title", keys[f], "varied", f != 1,
                                             "levels", lv));
    }
    for (int i = 0; i < 8; i++) {
        int lr = i & 1, lc = (i >> 1) & 1, ll = (i >> 2) & 1;
        char name[96], bname[96], dir[1024];
        snprintf(name, sizeof name, "%s-all-%s-%s", codes[0][lr], codes[2][lc], codes[3][ll]);
        snprintf(bname, sizeof bname, "%s-all-%s-lockon", codes[0][lr], codes[2][lc]);
        json_array_append_new(cells, json_pack("{s:s,s:{s:s,s:s,s:s,s:s},s:s,s:s}", "name", name, "levels", "region",
                                               codes[0][lr], "start", "all", "cost", codes[2][lc], "lock", codes[3][ll],
                                               "sweep", name, "before_sweep", bname));
        snprintf(dir, sizeof dir, "%s/cells/%s/20261204-000000-5", study, name);
        write_sweep(dir, lr ? 1 : -1, lc ? 1 : -1, ll ? 1 : -1, !ll);
        bool done = !skip || strcmp(skip, name) != 0;
        json_array_append_new(sweeps, json_pack("{s:s,s:s,s:s,s:f}", "name", name, "status", done ? "done" : "stopped",
                                                "dir", dir, "wall_s", 60.0));
    }
    json_t *steps = json_pack("{s:s,s:s,s:s,s:{s:[i,i],s:i,s:f,s:f},s:f,s:{s:o},s:o,s:o}", "study_id",
                              "factors-test", "git_describe", "test", "status", "complete", "options", "n", 20, 40,
                              "reps", 2, "rtt_scale", 1.0, "delay_scale", 1.0, "estimate_s", 600.0, "design",
                              "factors", fac, "cells", cells, "sweeps", sweeps);
    assert_int_equal(util_mkdirs(study, NULL, 0), 0);
    snprintf(path, sizeof path, "%s/steps.json", study);
    assert_int_equal(json_dump_file(steps, path, JSON_INDENT(2)), 0);
    json_decref(steps);
}

static int run_model(const char *args, char **out)
{
    char full[2048];
    snprintf(full, sizeof full, "factors %s", args);
    return model_t_run_cli(NULL, full, "2>&1", out);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/geokv-model-factors-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[512];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static double effect(json_t *list, const char *name)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) {
        if (strcmp(json_string_value(json_object_get(e, "name")), name) == 0) {
            json_t *v = json_object_get(e, "value_pp");
            if (!json_is_number(v))
                fail_msg("effect %s has no value", name);
            return json_number_value(v);
        }
    }
    fail_msg("no effect %s", name);
    return NAN;
}

static void check_effects(json_t *block, double mean)
{
    json_t *list = json_object_get(block, "effects");
    assert_int_equal(json_array_size(list), 7);
    assert_true(fabs(json_number_value(json_object_get(block, "grand_mean_pct")) - mean) < 1e-6);
    assert_true(fabs(effect(list, "region") - 20) < 1e-6);
    assert_true(fabs(effect(list, "cost") + 40) < 1e-6);
    assert_true(fabs(effect(list, "lock") - 4) < 1e-6);
    assert_true(fabs(effect(list, "region x cost") - 8) < 1e-6);
    assert_true(fabs(effect(list, "region x lock")) < 1e-6);
    assert_true(fabs(effect(list, "cost x lock")) < 1e-6);
    assert_true(fabs(effect(list, "region x cost x lock")) < 1e-6);
}

static void test_known_effects(void **state)
{
    char study[512], path[600], *out = NULL;
    (void)state;
    snprintf(study, sizeof study, "%s/full", tmpdir);
    write_study(study, NULL);
    int rc = run_model(study, &out);
    if (rc != 0)
        fail_msg("geokv-model factors exited %d:\n%s", rc, out ? out : "");
    assert_non_null(strstr(out, "3 of 8 cells have the patent's sign"));
    free(out);

    snprintf(path, sizeof path, "%s/factors.json", study);
    json_t *j = json_load_file(path, 0, NULL);
    assert_non_null(j);
    json_t *setup = json_object_get(json_object_get(j, "effects"), "setup_s");
    check_effects(json_array_get(json_object_get(setup, "per_n"), 0), 5);
    check_effects(json_array_get(json_object_get(setup, "per_n"), 1), -1);
    check_effects(json_object_get(setup, "pooled"), 2);
    assert_non_null(json_object_get(json_object_get(setup, "pooled"), "lenth"));
    json_t *app = json_object_get(json_object_get(json_object_get(j, "effects"), "app_bytes"), "pooled");
    assert_true(fabs(effect(json_object_get(app, "effects"), "cost") - 20) < 1e-6);
    assert_true(fabs(effect(json_object_get(app, "effects"), "region")) < 1e-6);

    /* the cells: lock-off ones with their sibling's before runs, red runs
     * out, repetitions averaged, the patent's sign */
    size_t i;
    json_t *c;
    int yes = 0, no = 0, mixed = 0;
    json_array_foreach(json_object_get(j, "cells"), i, c) {
        int r = (int)json_integer_value(json_object_get(json_object_get(c, "coded"), "region"));
        int k = (int)json_integer_value(json_object_get(json_object_get(c, "coded"), "cost"));
        int l = (int)json_integer_value(json_object_get(json_object_get(c, "coded"), "lock"));
        json_t *n20 = json_array_get(json_object_get(c, "per_n"), 0);
        assert_true(fabs(json_number_value(json_object_get(n20, "before_setup_s")) - before_at(r, k, 20)) < 1e-6);
        assert_true(fabs(json_number_value(json_object_get(n20, "setup_s_change_pct")) - change_at(r, k, l, 20)) < 1e-6);
        assert_int_equal(json_integer_value(json_object_get(n20, "after_runs")), 2);
        assert_int_equal(json_integer_value(json_object_get(n20, "before_runs")), 1);
        const char *sg = json_string_value(json_object_get(c, "patent_sign"));
        yes += strcmp(sg, "yes") == 0;
        no += strcmp(sg, "no") == 0;
        mixed += strcmp(sg, "mixed") == 0;
    }
    assert_int_equal(yes, 3);
    assert_int_equal(no, 4);
    assert_int_equal(mixed, 1);
    assert_true(fabs(json_number_value(json_object_get(json_object_get(j, "cost_model"), "c_line_us")) - 40) < 1e-9);
    assert_true(fabs(json_number_value(json_object_get(json_object_get(j, "patent"), "fig7_mean_change_pct")) + 25.4) <
                1e-9);
    json_decref(j);

    snprintf(path, sizeof path, "%s/factors.md", study);
    char *md = util_slurp(path, NULL);
    assert_non_null(md);
    assert_non_null(strstr(md, "## What decides whether the cache helps"));
    assert_non_null(strstr(md, "cost from cost off to cost on flips it in 4 of 4 pairs of cells, each time to after faster"));
    assert_non_null(strstr(md, "c_line_us = 40 us, source \"prior (est): made up for the test\""));
    assert_non_null(strstr(md, "| region x cost | 2 |"));
    assert_non_null(strstr(md, "![After-vs-before change of setup time"));
    assert_null(strstr(md, "## Notes"));
    free(md);

    unsigned char sig[8] = {0};
    snprintf(path, sizeof path, "%s/factors.png", study);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(sig, 1, 8, f), 8);
    fclose(f);
    assert_memory_equal(sig, "\x89PNG\r\n\x1a\n", 8);
}

/* A sweep not done: its cells have no change, the effects none, a note
 * says why; the files are still written. */
static void test_incomplete_study(void **state)
{
    char study[512], path[600], *out = NULL;
    (void)state;
    snprintf(study, sizeof study, "%s/partial", tmpdir);
    write_study(study, "useast1-all-coston-lockon");
    int rc = run_model(study, &out);
    if (rc != 0)
        fail_msg("geokv-model factors exited %d:\n%s", rc, out ? out : "");
    free(out);
    snprintf(path, sizeof path, "%s/factors.json", study);
    json_t *j = json_load_file(path, 0, NULL);
    assert_non_null(j);
    json_t *pooled = json_object_get(json_object_get(json_object_get(j, "effects"), "setup_s"), "pooled");
    assert_true(json_is_null(json_object_get(json_array_get(json_object_get(pooled, "effects"), 0), "value_pp")));
    /* the lock-on cell and its lock-off sibling (which uses its before runs) */
    size_t i, missing = 0;
    json_t *c;
    json_array_foreach(json_object_get(j, "cells"), i, c)
        missing += json_is_null(json_object_get(c, "setup_s_change_pct_mean"));
    assert_int_equal(missing, 2);
    json_t *notes = json_object_get(j, "notes");
    assert_true(json_array_size(notes) >= 2);
    assert_non_null(strstr(json_string_value(json_array_get(notes, 0)), "is not done"));
    json_decref(j);
}

static void test_bad_dir(void **state)
{
    char *out = NULL;
    (void)state;
    assert_int_equal(run_model("/nonexistent/study", &out), 2);
    assert_non_null(strstr(out, "steps.json"));
    free(out);
    assert_int_equal(run_model("", &out), 2);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_effects),
        cmocka_unit_test(test_incomplete_study),
        cmocka_unit_test(test_bad_dir),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
