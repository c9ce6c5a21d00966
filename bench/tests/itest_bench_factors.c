/* Integration test: `geokv-bench factors` end to end on real etcd members
 * behind the WAN emulator, on a 2-factor subset of the design (--factors
 * region,start: the cost model off, the init lock on) at N = 3, one
 * repetition, --rtt-scale 0.2 --delay-scale 0.2 (~60 s):
 *   - --dry-run prints the plan (16 sweeps of the full design, the command
 *     lines, the estimate) and creates nothing; bad options exit 2 with one
 *     line;
 *   - Ctrl-C during the first sweep: passed on to the sweep (its own process
 *     group), which stops its members; the study exits 130 with steps.json
 *     saying so;
 *   - --resume finishes it (the stopped sweep resumed by `run --resume`):
 *     every sweep done, each with the options of its levels (its
 *     config.json), factors.json with the four cells' changes and the three
 *     effects, factors.md with its sections, factors.png;
 *   - a second --resume skips every sweep and writes the analysis again. */
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

#include <math.h>

#include "bench/tests/testlib_bench.h"
#include "sim/util/util_fs.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    return bench_t_tmpdir_make(tmpdir, sizeof tmpdir, "itest-factors");
}

static int teardown(void **state)
{
    (void)state;
    return bench_t_tmpdir_remove(tmpdir);
}

static char *read_log(const char *log)
{
    char *text = util_slurp(log, NULL);
    if (!text)
        fail_msg("no log %s", log);
    return text;
}

static void test_dry_run_and_bad_options(void **state)
{
    char bin[1024], out[512], log[600];
    char *argv[] = {bin, "factors", "--dry-run", "--seed", "3", "--out", out, NULL};
    (void)state;
    bench_t_program("geokv-bench", bin, sizeof bin);
    snprintf(out, sizeof out, "%s/dry", tmpdir);
    snprintf(log, sizeof log, "%s/dry.log", tmpdir);
    int status = bench_t_wait(bench_t_spawn(argv, log), 30);
    char *text = read_log(log);
    if (status != 0) {
        bench_t_dump_log(log);
        fail_msg("--dry-run exited %d", status);
    }
    assert_non_null(strstr(text, "design: 2^4 = 16 cells over region,start,cost,lock"));
    assert_non_null(strstr(text, "16. useast1-deploy-coston-lockoff (after; 2 runs"));
    assert_non_null(strstr(text, "before runs of useast1-deploy-coston-lockon"));
    assert_non_null(strstr(text, "--controller-region aws-us-east-1 --init-lock off"));
    assert_non_null(strstr(text, "--profile-set cost_model=false"));
    assert_non_null(strstr(text, "c_line_us = "));
    assert_non_null(strstr(text, "48 runs in 16 sweeps; estimated wall time"));
    free(text);
    assert_false(util_file_exists(out));

    /* bad options: one line, exit 2 */
    char *bad[][6] = {{bin, "factors", "--factors", "speed", NULL},
                      {bin, "factors", "--n", "0", NULL},
                      {bin, "factors", "--profile", "ideal", NULL},
                      {bin, "factors", "--resume", "/nonexistent/study", NULL}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(log, sizeof log, "%s/bad%zu.log", tmpdir, i);
        status = bench_t_wait(bench_t_spawn(bad[i], log), 30);
        text = read_log(log);
        if (status != 2 || strchr(text, '\n') != strrchr(text, '\n'))
            fail_msg("%s %s: exit %d, output:\n%s", bad[i][2], bad[i][3], status, text);
        free(text);
    }
}

static json_t *load_json(const char *dir, const char *name)
{
    char path[1200];
    json_error_t je;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    json_t *j = json_load_file(path, 0, &je);
    if (!j)
        fail_msg("%s: %s", path, je.text);
    return j;
}

/* Every sweep done, with the options of its cell's levels. */
static void check_sweeps(const char *study)
{
    json_t *steps = load_json(study, "steps.json"), *sw;
    size_t i;
    assert_string_equal(json_string_value(json_object_get(steps, "status")), "complete");
    assert_int_equal(json_array_size(json_object_get(steps, "sweeps")), 4);
    json_array_foreach(json_object_get(steps, "sweeps"), i, sw) {
        const char *name = json_string_value(json_object_get(sw, "name"));
        const char *dir = json_string_value(json_object_get(sw, "dir"));
        assert_string_equal(json_string_value(json_object_get(sw, "status")), "done");
        assert_int_equal(json_integer_value(json_object_get(sw, "exit")), 0);
        assert_string_equal(json_string_value(json_object_get(sw, "modes")), "before,after");
        assert_non_null(dir);
        json_t *cfg = load_json(dir, "config.json"), *o = json_object_get(cfg, "options");
        bool far = strncmp(name, "useast1-", 8) == 0, deploy = strstr(name, "-deploy-") != NULL;
        assert_string_equal(json_string_value(json_object_get(o, "controller_region")), far ? "aws-us-east-1" : "");
        assert_string_equal(json_string_value(json_object_get(o, "start")), deploy ? "deploy" : "all");
        assert_int_equal(json_integer_value(json_object_get(o, "init_lock")), 1);
        assert_string_equal(json_string_value(json_object_get(o, "profile")), "patent-2022");
        assert_int_equal((int)json_integer_value(json_object_get(o, "seed")), 5);
        assert_true(json_real_value(json_object_get(o, "rtt_scale")) == 0.2);
        assert_false(json_is_true(json_object_get(json_object_get(json_object_get(json_object_get(cfg, "profile"),
                                                                                   "params"), "cost_model"), "value")));
        json_decref(cfg);
        int listed;
        assert_int_equal(bench_t_alive_members(dir, &listed), 0);
    }
    json_decref(steps);
}

static void check_analysis(const char *study)
{
    char path[4200];
    json_t *j = load_json(study, "factors.json"), *c;
    size_t i;
    assert_int_equal(json_array_size(json_object_get(j, "cells")), 4);
    json_array_foreach(json_object_get(j, "cells"), i, c) {
        json_t *n3 = json_array_get(json_object_get(c, "per_n"), 0);
        double b = json_number_value(json_object_get(n3, "before_setup_s"));
        double a = json_number_value(json_object_get(n3, "after_setup_s"));
        double ch = json_number_value(json_object_get(n3, "setup_s_change_pct"));
        assert_int_equal(json_integer_value(json_object_get(n3, "n")), 3);
        assert_true(b > 0 && a > 0);
        assert_true(fabs(ch - 100 * (a - b) / b) < 1e-6);
        assert_true(json_is_number(json_object_get(n3, "app_bytes_change_pct")));
        assert_string_equal(json_string_value(json_object_get(c, "end_criterion")), "txn");
    }
    json_t *eff = json_object_get(json_object_get(json_object_get(json_object_get(j, "effects"), "setup_s"), "pooled"),
                                  "effects");
    assert_int_equal(json_array_size(eff), 3);
    static const char *const names[3] = {"region", "start", "region x start"};
    json_array_foreach(eff, i, c) {
        assert_string_equal(json_string_value(json_object_get(c, "name")), names[i]);
        assert_true(json_is_number(json_object_get(c, "value_pp")));
    }
    /* the region effect by hand: mean change at us-east-1 minus at Seoul */
    double chg[4];
    json_array_foreach(json_object_get(j, "cells"), i, c)
        chg[json_integer_value(json_object_get(c, "index"))] =
            json_number_value(json_object_get(c, "setup_s_change_pct_mean"));
    assert_true(fabs(json_number_value(json_object_get(json_array_get(eff, 0), "value_pp")) -
                     ((chg[1] + chg[3]) / 2 - (chg[0] + chg[2]) / 2)) < 1e-6);
    assert_true(json_array_size(json_object_get(j, "summary")) >= 4);
    json_decref(j);

    snprintf(path, sizeof path, "%s/factors.md", study);
    char *md = util_slurp(path, NULL);
    assert_non_null(md);
    assert_non_null(strstr(md, "## Cells"));
    assert_non_null(strstr(md, "`useast1-deploy-costoff-lockon`"));
    assert_non_null(strstr(md, "## Effects on the change of setup time"));
    assert_non_null(strstr(md, "## What decides whether the cache helps"));
    /* the cost model was held off: the profile's value is still stated */
    assert_non_null(strstr(md, "No cell ran with the cost model on"));
    assert_non_null(strstr(md, "c_line_us = "));
    free(md);
    unsigned char sig[8] = {0};
    snprintf(path, sizeof path, "%s/factors.png", study);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(sig, 1, 8, f), 8);
    fclose(f);
    assert_memory_equal(sig, "\x89PNG\r\n\x1a\n", 8);
}

static void test_stop_resume_and_analysis(void **state)
{
    char bin[1024], out[512], log[600], first[800], study[700], real[4096];
    char *argv[] = {bin, "factors", "--factors", "region,start", "--n", "3", "--reps", "1", "--rtt-scale", "0.2",
                    "--delay-scale", "0.2", "--etcd-fsync", "off", "--seed", "5", "--out", out, NULL};
    char *rargv[] = {bin, "factors", "--out", out, "--resume", NULL};
    (void)state;
    bench_t_program("geokv-bench", bin, sizeof bin);
    snprintf(out, sizeof out, "%s/results", tmpdir);
    snprintf(log, sizeof log, "%s/factors.log", tmpdir);
    snprintf(study, sizeof study, "%s/factors-latest", out);
    snprintf(first, sizeof first, "%s/cells/seoul-all-costoff-lockon/latest", study);

    /* Ctrl-C once the first sweep's cluster is up */
    pid_t pid = bench_t_spawn(argv, log);
    assert_true(pid > 0);
    if (!bench_t_wait_members(first, 3, 120)) {
        bench_t_abandon(pid, log);
        fail_msg("the first sweep never started a cluster");
    }
    assert_int_equal(kill(pid, SIGINT), 0);
    int status = bench_t_wait(pid, 60);
    if (status != 130) {
        bench_t_dump_log(log);
        fail_msg("exit status %d after SIGINT, expected 130", status);
    }
    int listed;
    assert_int_equal(bench_t_alive_members(first, &listed), 0);
    assert_true(listed >= 3);
    json_t *steps = load_json(study, "steps.json");
    assert_non_null(strstr(json_string_value(json_object_get(steps, "status")), "stopped by signal 2"));
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(steps, "sweeps"), 0), "status")),
                        "stopped");
    json_decref(steps);

    /* --resume finishes the study */
    status = bench_t_wait(bench_t_spawn(rargv, log), 240);
    if (status != 0) {
        bench_t_dump_log(log);
        fail_msg("--resume exited %d", status);
    }
    char *text = read_log(log);
    assert_non_null(strstr(text, "[1/4] seoul-all-costoff-lockon: resuming its sweep"));
    assert_non_null(strstr(text, "[4/4] useast1-deploy-costoff-lockon: done in"));
    free(text);
    assert_non_null(realpath(study, real));
    check_sweeps(real);
    check_analysis(real);

    /* a second --resume: nothing to run, the analysis again */
    snprintf(log, sizeof log, "%s/again.log", tmpdir);
    status = bench_t_wait(bench_t_spawn(rargv, log), 60);
    text = read_log(log);
    if (status != 0)
        fail_msg("the second --resume exited %d:\n%s", status, text);
    assert_non_null(strstr(text, "[4/4] useast1-deploy-costoff-lockon: done before, skipped"));
    assert_null(strstr(text, "runs, about"));
    assert_non_null(strstr(text, "wrote "));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dry_run_and_bad_options),
        cmocka_unit_test(test_stop_resume_and_analysis),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
