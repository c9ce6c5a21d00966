/* Integration test: the fidelity profiles end to end through
 * build/bin/geokv-bench on real etcd members behind the WAN emulator. Two
 * tiny sweeps (N = 4, before and after, one repetition, --rtt-scale 0.2,
 * --delay-scale 0.2): the ideal profile with all agents started at once, and
 * patent-2022 with the deploy start schedule and one --profile-set. Checks
 * the new record keys and how they relate (setup_s is setup_rule_s under the
 * default end; the original's I/O grows from the first end to quiescence;
 * the controller's VM writes lines with the cost model only; deploy spreads
 * the starts), config.json's profile and overrides (read back by --resume),
 * the checker green, and that bad fidelity options are one line and exit
 * status 2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <math.h>

#include "bench/tests/testlib_bench.h"
#include "sim/util/util_fs.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    return bench_t_tmpdir_make(tmpdir, sizeof tmpdir, "itest-fidelity");
}

static int teardown(void **state)
{
    (void)state;
    return bench_t_tmpdir_remove(tmpdir);
}

/* Runs one tiny sweep into tmpdir/<tag>; extra options after the common ones. */
static void sweep(const char *tag, char *const *extra, char *out, size_t out_len)
{
    char bin[1024], log[600];
    char *argv[40] = { bin, "run", "--n", "4", "--reps", "1", "--modes", "before,after", "--rtt-scale", "0.2",
                       "--delay-scale", "0.2", "--seed", "5", "--etcd-fsync", "off", "--out", out };
    int k = 18, status;
    for (int i = 0; extra[i]; i++)
        argv[k++] = extra[i];
    argv[k] = NULL;
    bench_t_program("geokv-bench", bin, sizeof bin);
    snprintf(out, out_len, "%s/%s", tmpdir, tag);
    snprintf(log, sizeof log, "%s/%s.log", tmpdir, tag);
    status = bench_t_wait(bench_t_spawn(argv, log), 150);
    if (status != 0) {
        bench_t_dump_log(log);
        fail_msg("geokv-bench (%s) exited with %d", tag, status);
    }
}

static double num(json_t *rec, const char *key)
{
    json_t *v = json_object_get(rec, key);
    if (!json_is_number(v))
        fail_msg("%s: %s is not a number", json_string_value(json_object_get(rec, "mode")), key);
    return json_number_value(v);
}

/* Seconds between the first and the last agent start in a run's timeline. */
static double start_spread(const char *dir, const char *mode)
{
    char path[1200], *text, *line, *save = NULL;
    double lo = INFINITY, hi = -INFINITY;
    snprintf(path, sizeof path, "%s/timelines/%s-n4-r1.jsonl", dir, mode);
    text = util_slurp(path, NULL);
    if (text == NULL)
        fail_msg("no timeline %s", path);
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_t *j = json_loads(line, 0, NULL);
        const char *ev = json_string_value(json_object_get(j, "event"));
        if (ev && strcmp(ev, "start") == 0) {
            double t = json_number_value(json_object_get(j, "t_s"));
            lo = t < lo ? t : lo;
            hi = t > hi ? t : hi;
        }
        json_decref(j);
    }
    free(text);
    assert_true(isfinite(lo));
    return hi - lo;
}

static void check_records(const char *dir, bool cost)
{
    char why[512];
    json_t *runs = bench_t_load_runs(dir, why, sizeof why), *rec;
    size_t i;
    if (runs == NULL)
        fail_msg("%s", why);
    assert_int_equal(json_array_size(runs), 2);
    json_array_foreach(runs, i, rec) {
        const char *mode = json_string_value(json_object_get(rec, "mode"));
        if (!json_is_true(json_object_get(rec, "checker_ok")))
            fail_msg("%s: checker red: %s", mode, json_string_value(json_object_get(rec, "checker_msg")));
        assert_true(json_is_true(json_object_get(rec, "completed")));
        assert_string_equal(json_string_value(json_object_get(rec, "profile")), cost ? "patent-2022" : "ideal");
        assert_string_equal(json_string_value(json_object_get(rec, "end_criterion")), "rule");
        double rule = num(rec, "setup_rule_s"), ips = num(rec, "setup_ips_s"), tun = num(rec, "setup_tunneling_s");
        /* a change is a txn: the last txn is not before the last change */
        assert_true(num(rec, "setup_txn_s") >= rule);
        print_message("%s %s: setup_s %.3f rule %.3f ips %.3f tunneling %.3f; app_bytes %.0f first %.0f "
                      "quiescent %.0f grpc %.0f; ctl lines %.0f cpu %.3f s, agent cpu mean %.3f max %.3f s\n",
                      cost ? "patent-2022" : "ideal", mode, num(rec, "setup_s"), rule, ips, tun,
                      num(rec, "app_bytes"), num(rec, "app_bytes_first_end"), num(rec, "app_bytes_quiescent"),
                      num(rec, "grpc_bytes"), num(rec, "ctl_cost_lines"), num(rec, "ctl_cpu_s"),
                      num(rec, "agent_cpu_mean_s"), num(rec, "agent_cpu_max_s"));
        assert_true(rule > 0 && ips > 0 && tun > 0);
        assert_true(num(rec, "setup_s") == rule);
        double app = num(rec, "app_bytes"), first = num(rec, "app_bytes_first_end"),
               quiet = num(rec, "app_bytes_quiescent");
        assert_true(app > 0 && first > 0);
        assert_true(first <= quiet);
        assert_true(app <= quiet);
        if (cost) {
            assert_true(num(rec, "ctl_cost_lines") > 0);
            assert_true(num(rec, "ctl_cpu_s") > 0);
            assert_true(num(rec, "agent_cpu_mean_s") > 0);
        } else {
            assert_true(num(rec, "ctl_cost_lines") == 0);
            assert_true(num(rec, "ctl_cpu_s") == 0);
            assert_true(num(rec, "agent_cpu_max_s") == 0);
        }
        assert_true(num(rec, "agent_cpu_max_s") >= num(rec, "agent_cpu_mean_s"));
        /* all at once without deploy; the deploy script's SSH rounds and the
         * shared download spread the starts (0.3 s and more here) */
        double spread = start_spread(dir, mode);
        if (cost ? spread < 0.1 : spread > 0.1)
            fail_msg("%s: start spread %.3f s with%s the deploy schedule", mode, spread, cost ? "" : "out");
    }
    json_decref(runs);
    if (bench_t_check_summary(dir, 2, why, sizeof why) != 0)
        fail_msg("%s", why);
}

static json_t *load_config(const char *dir)
{
    char path[1200];
    json_error_t e;
    snprintf(path, sizeof path, "%s/latest/config.json", dir);
    json_t *c = json_load_file(path, 0, &e);
    if (c == NULL)
        fail_msg("%s: %s", path, e.text);
    assert_string_equal(json_string_value(json_object_get(c, "end_criterion")), "rule");
    return c;
}

static const char *param_source(json_t *c, const char *param)
{
    json_t *p = json_object_get(json_object_get(json_object_get(c, "profile"), "params"), param);
    assert_non_null(p);
    assert_non_null(json_object_get(p, "value"));
    return json_string_value(json_object_get(p, "source"));
}

static void test_profiles(void **state)
{
    char out[512], latest[600];
    (void)state;

    char *ideal[] = { NULL };
    sweep("ideal", ideal, out, sizeof out);
    snprintf(latest, sizeof latest, "%s/latest", out);
    check_records(latest, false);
    json_t *c = load_config(out);
    assert_string_equal(json_string_value(json_object_get(json_object_get(c, "profile"), "name")), "ideal");
    assert_int_equal(json_array_size(json_object_get(c, "profile_overrides")), 0);
    assert_non_null(strstr(param_source(c, "cost_model"), "ideal"));
    json_decref(c);

    char *patent[] = { "--profile", "patent-2022", "--start", "deploy", "--profile-set", "c_line_us=50", NULL };
    sweep("patent", patent, out, sizeof out);
    snprintf(latest, sizeof latest, "%s/latest", out);
    check_records(latest, true);
    c = load_config(out);
    json_t *p = json_object_get(c, "profile");
    assert_string_equal(json_string_value(json_object_get(p, "name")), "patent-2022");
    assert_non_null(strstr(json_string_value(json_object_get(p, "path")), "patent-2022.json"));
    assert_string_equal(json_string_value(json_array_get(json_object_get(c, "profile_overrides"), 0)),
                        "c_line_us=50");
    assert_string_equal(param_source(c, "c_line_us"), "--profile-set c_line_us=50");
    assert_true(json_number_value(json_object_get(json_object_get(json_object_get(p, "params"), "c_line_us"),
                                                  "value")) == 50);
    assert_non_null(strstr(param_source(c, "deploy_sleep_s"), "code@1ddd38e"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(c, "options"), "start")), "deploy");
    json_decref(c);

    /* --resume reads the profile back from config.json (every run recorded:
     * nothing runs) */
    {
        char bin[1024], log[600];
        char *rargv[] = { bin, "run", "--out", out, "--resume", NULL };
        bench_t_program("geokv-bench", bin, sizeof bin);
        snprintf(log, sizeof log, "%s/resume.log", tmpdir);
        int status = bench_t_wait(bench_t_spawn(rargv, log), 60);
        if (status != 0) {
            bench_t_dump_log(log);
            fail_msg("geokv-bench --resume exited with %d", status);
        }
    }
}

/* Bad fidelity options: one line, exit status 2, nothing started. */
static void test_bad_options(void **state)
{
    char bin[1024], log[600];
    static const char *const bad[][5] = {
        { "--profile", "no-such-profile", NULL },
        { "--profile-set", "c_line=1", NULL },
        { "--profile-set", "c_line_us=x", NULL },
        { "--profile-set", "aws_vm=m5.large", NULL },
        { "--end", "last", NULL },
        { "--start", "deploy", "--profile-set", "deploy_region=mars", NULL },
    };
    (void)state;
    bench_t_program("geokv-bench", bin, sizeof bin);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *argv[8] = { bin, "run" };
        char *text;
        int status, k = 2;
        for (int j = 0; bad[i][j]; j++)
            argv[k++] = (char *)bad[i][j];
        argv[k] = NULL;
        snprintf(log, sizeof log, "%s/bad-%zu.log", tmpdir, i);
        status = bench_t_wait(bench_t_spawn(argv, log), 30);
        text = util_slurp(log, NULL);
        assert_non_null(text);
        if (status != 2 || strchr(text, '\n') != strrchr(text, '\n') || strncmp(text, "geokv-bench: ", 13) != 0)
            fail_msg("%s %s: status %d, output '%s'", bad[i][0], bad[i][1], status, text);
        free(text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bad_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profiles, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
