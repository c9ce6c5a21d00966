/* Integration test: --time-scale on real etcd members behind the WAN
 * emulator. A tiny sweep at time scale 0.1 records time_scale, the scaled
 * RTT and delay factors and setup_full_s = setup_s / 0.1 (runs.jsonl and
 * summary.csv agree), and its wall.json splits the sweep's wall time into
 * parts that sum to it and match the records (cluster start: what the sweep
 * waited for, cluster_wait_s <= cluster_start_s); with the same sweep at time
 * scale 1, `geokv-bench timescale` prints its table. Bad values exit 2 with
 * one line. */
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
#include "sim/util/util_clock.h"
#include "sim/util/util_fs.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    return bench_t_tmpdir_make(tmpdir, sizeof tmpdir, "itest-timescale");
}

static int teardown(void **state)
{
    (void)state;
    return bench_t_tmpdir_remove(tmpdir);
}

static bool near(double a, double b, double rel)
{
    return fabs(a - b) <= rel * (1 + fabs(b));
}

static double num(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v))
        fail_msg("%s is not a number", key);
    return json_number_value(v);
}

/* geokv-bench run ... --time-scale scale --out dir/out-<scale>; returns its
 * wall time as seen from here. */
static double sweep(const char *scale, char *out, size_t out_len)
{
    char bin[1024], log[600];
    char *argv[] = { bin, "run", "--n", "3", "--reps", "1", "--modes", "before,after", "--time-scale", (char *)scale,
                     "--seed", "5", "--etcd-fsync", "off", "--out", out, NULL };
    double t0 = util_now_s();
    int status;
    bench_t_program("geokv-bench", bin, sizeof bin);
    snprintf(out, out_len, "%s/out-%s", tmpdir, scale);
    snprintf(log, sizeof log, "%s/bench-%s.log", tmpdir, scale);
    status = bench_t_wait(bench_t_spawn(argv, log), 240);
    if (status != 0) {
        bench_t_dump_log(log);
        fail_msg("geokv-bench --time-scale %s exited with %d", scale, status);
    }
    return util_now_s() - t0;
}

static void check_records(const char *latest, json_t *runs)
{
    char path[700], cell[64], *csv;
    size_t i;
    json_t *rec;
    json_array_foreach(runs, i, rec) {
        double setup = num(rec, "setup_s");
        if (!json_is_true(json_object_get(rec, "checker_ok")))
            fail_msg("checker red: %s", json_string_value(json_object_get(rec, "checker_msg")));
        assert_true(num(rec, "time_scale") == 0.1 && num(rec, "rtt_scale") == 0.1 && num(rec, "delay_scale") == 0.1);
        assert_true(setup > 0);
        assert_true(near(num(rec, "setup_full_s"), setup / 0.1, 1e-9));
        assert_true(near(num(rec, "setup_txn_full_s"), num(rec, "setup_txn_s") / 0.1, 1e-9));
        assert_true(near(num(rec, "setup_ips_full_s"), num(rec, "setup_ips_s") / 0.1, 1e-9));
        assert_true(near(num(rec, "setup_rule_full_s"), num(rec, "setup_rule_s") / 0.1, 1e-9));
        assert_true(near(num(rec, "setup_tunneling_full_s"), num(rec, "setup_tunneling_s") / 0.1, 1e-9));
        /* the run waited for quiescence after its end of setup */
        assert_true(num(rec, "quiescent_s") >= setup - 1e-6);
    }
    /* summary.csv: the first row's columns as in the first record */
    snprintf(path, sizeof path, "%s/summary.csv", latest);
    csv = util_slurp(path, NULL);
    assert_non_null(csv);
    rec = json_array_get(runs, 0);
    assert_int_equal(bench_t_csv_cell(csv, "setup_full_s", cell, sizeof cell), 0);
    assert_true(near(atof(cell), num(rec, "setup_full_s"), 1e-6));
    assert_int_equal(bench_t_csv_cell(csv, "time_scale", cell, sizeof cell), 0);
    assert_string_equal(cell, "0.1");
    free(csv);
}

/* wall.json: the parts sum to the wall time, each is the records' sum, the
 * runs happened inside it and it is inside the child's life. */
static void check_wall(const char *latest, json_t *runs, double child_s)
{
    char path[700];
    json_t *w, *rec;
    size_t i;
    double setup = 0, drain = 0, start = 0, walls = 0;
    snprintf(path, sizeof path, "%s/wall.json", latest);
    w = json_load_file(path, 0, NULL);
    if (w == NULL)
        fail_msg("no %s", path);
    json_array_foreach(runs, i, rec) {
        double s = num(rec, "setup_s"), q = num(rec, "quiescent_s");
        setup += s;
        drain += q > s ? q - s : 0;
        /* the wall split counts what the sweep waited for its cluster; the
         * second run's was started while the first one stopped */
        assert_true(num(rec, "cluster_wait_s") <= num(rec, "cluster_start_s") + 0.05);
        start += num(rec, "cluster_wait_s");
        walls += num(rec, "wall_s");
    }
    assert_int_equal((int)num(w, "runs"), 2);
    assert_true(near(num(w, "setup_s"), setup, 1e-6));
    assert_true(near(num(w, "drain_s"), drain, 1e-6));
    assert_true(near(num(w, "cluster_start_s"), start, 1e-6));
    assert_true(near(num(w, "setup_s") + num(w, "drain_s") + num(w, "cluster_start_s") + num(w, "other_s"),
                     num(w, "wall_s"), 1e-9));
    assert_true(num(w, "other_s") >= 0);
    assert_true(num(w, "wall_s") >= walls - 0.01 && num(w, "wall_s") <= child_s);
    assert_true(near(num(w, "wall_per_setup"), num(w, "wall_s") / setup, 1e-6));
    json_decref(w);
}

static void test_time_scale_sweep(void **state)
{
    char out[512], out_full[512], latest[600], why[512], bin[1024], log[600], *text;
    json_t *runs, *cfg;
    double child_s;
    (void)state;

    child_s = sweep("0.1", out, sizeof out);
    snprintf(latest, sizeof latest, "%s/latest", out);
    runs = bench_t_load_runs(latest, why, sizeof why);
    if (runs == NULL)
        fail_msg("%s", why);
    assert_int_equal(json_array_size(runs), 2);
    check_records(latest, runs);
    check_wall(latest, runs, child_s);
    json_decref(runs);
    {
        char path[700];
        snprintf(path, sizeof path, "%s/config.json", latest);
        cfg = json_load_file(path, 0, NULL);
        assert_non_null(cfg);
        assert_true(json_real_value(json_object_get(json_object_get(cfg, "options"), "time_scale")) == 0.1);
        json_decref(cfg);
    }

    /* the same sweep at full time, then the validation table */
    sweep("1", out_full, sizeof out_full);
    bench_t_program("geokv-bench", bin, sizeof bin);
    snprintf(log, sizeof log, "%s/timescale.log", tmpdir);
    {
        char *argv[] = { bin, "timescale", out_full, out, NULL };
        int status = bench_t_wait(bench_t_spawn(argv, log), 30);
        text = util_slurp(log, NULL);
        assert_non_null(text);
        if (status != 0 || strstr(text, "validated time scale: ") == NULL || strstr(text, "   0.1    3 ") == NULL ||
            strstr(text, "time scale 0.1: change off full time by at most") == NULL)
            fail_msg("geokv-bench timescale: status %d, output:\n%s", status, text);
        free(text);
    }
    /* without the full-time sweep there is no reference: a failure (1), not bad usage */
    {
        char *argv[] = { bin, "timescale", out, NULL };
        int status = bench_t_wait(bench_t_spawn(argv, log), 30);
        assert_int_equal(status, 1);
    }
}

/* One line, exit status 2, nothing started. */
static void test_bad_values(void **state)
{
    char bin[1024], log[600];
    static const char *const bad[][4] = {
        { "--time-scale", "0", NULL, NULL }, { "--time-scale", "1.5", NULL, NULL },
        { "--time-scale", "fast", NULL, NULL }, { "--time-scale", "0.5", "--rtt-scale", "0.2" },
        { "--delay-scale", "0.3", "--time-scale", "0.5" },
    };
    (void)state;
    bench_t_program("geokv-bench", bin, sizeof bin);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *argv[8] = { bin, "run", (char *)bad[i][0], (char *)bad[i][1], (char *)bad[i][2], (char *)bad[i][3],
                          NULL, NULL };
        char *text;
        int status;
        snprintf(log, sizeof log, "%s/bad-%zu.log", tmpdir, i);
        status = bench_t_wait(bench_t_spawn(argv, log), 30);
        text = util_slurp(log, NULL);
        assert_non_null(text);
        if (status != 2 || strchr(text, '\n') != strrchr(text, '\n') || strstr(text, "--time-scale") == NULL)
            fail_msg("case %zu: status %d, output '%s'", i, status, text);
        free(text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_scale_sweep, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
