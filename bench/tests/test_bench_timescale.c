/* Unit tests for the time-scale arithmetic: bench_rescale (a record's
 * *_full_s), the sweep's wall-time split (bench_wall) and the validation
 * table of `geokv-bench timescale` (bench_ts_build). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_record.h"
#include "bench/bench_timescale.h"
#include "bench/bench_wall.h"

static bool near(double a, double b)
{
    return fabs(a - b) < 1e-9 * (1 + fabs(b));
}

static void test_rescale(void **state)
{
    (void)state;
    assert_true(near(bench_rescale(2.5, 0.25), 10.0));
    assert_true(near(bench_rescale(7.0, 1.0), 7.0));
    assert_true(near(bench_rescale(0.3, 0.1), 3.0));
    assert_true(isnan(bench_rescale(2.0, 0)));        /* no factor: unknown */
    assert_true(isnan(bench_rescale(2.0, -1)));
    assert_true(isnan(bench_rescale(NAN, 0.5)));
    assert_true(isnan(bench_rescale(2.0, INFINITY)));
}

static json_t *rec(double setup, double quiescent, double cluster_start)
{
    json_t *r = json_pack("{s:f,s:f}", "setup_s", setup, "cluster_start_s", cluster_start);
    json_object_set_new(r, "quiescent_s", quiescent >= 0 ? json_real(quiescent) : json_null());
    return r;
}

static void test_wall_split(void **state)
{
    bench_wall w;
    json_t *a = rec(10, 12, 3), *b = rec(20, 19.5, 2), *failed = json_pack("{s:n,s:n,s:f}", "setup_s",
                                                                          "quiescent_s", "cluster_start_s", 4.0);
    char line[512];
    (void)state;
    memset(&w, 0, sizeof w);
    bench_wall_add(&w, a);
    bench_wall_add(&w, b);         /* quiescence before the end of setup: no drain, not a negative one */
    bench_wall_add(&w, failed);    /* a failed run: its cluster start counts, the rest is other */
    bench_wall_finish(&w, 50);
    assert_int_equal(w.runs, 3);
    assert_true(near(w.setup_s, 30) && near(w.drain_s, 2) && near(w.cluster_start_s, 9));
    assert_true(near(w.other_s, 9));
    assert_true(near(w.setup_s + w.drain_s + w.cluster_start_s + w.other_s, w.wall_s));
    assert_true(near(bench_wall_ratio(&w), 50.0 / 30));
    bench_wall_format(&w, line, sizeof line);
    assert_non_null(strstr(line, "wall 50.0 s = setup 30.0 s (60.0%)"));
    assert_non_null(strstr(line, "wall/setup 1.67 over 3 run(s)"));
    {
        json_t *j = bench_wall_json(&w);
        assert_true(near(json_real_value(json_object_get(j, "other_s")), 9));
        assert_int_equal(json_integer_value(json_object_get(j, "runs")), 3);
        json_decref(j);
    }
    /* a cluster started ahead: only what the sweep waited for counts */
    memset(&w, 0, sizeof w);
    json_object_set_new(a, "cluster_wait_s", json_real(0.5));
    bench_wall_add(&w, a);
    bench_wall_finish(&w, 15);
    assert_true(near(w.cluster_start_s, 0.5) && near(w.other_s, 15 - 10 - 2 - 0.5));
    memset(&w, 0, sizeof w);
    bench_wall_finish(&w, 5);
    assert_true(bench_wall_ratio(&w) == 0 && near(w.other_s, 5));
    json_decref(a);
    json_decref(b);
    json_decref(failed);
}

/* A resumed sweep goes on from wall.json. */
static void test_wall_resume(void **state)
{
    bench_wall w, back;
    json_t *a = rec(10, 11, 2), *j;
    (void)state;
    memset(&w, 0, sizeof w);
    bench_wall_add(&w, a);
    bench_wall_finish(&w, 20);
    j = bench_wall_json(&w);
    memset(&back, 0, sizeof back);
    bench_wall_from_json(&back, j);
    bench_wall_add(&back, a);
    bench_wall_finish(&back, 20 + 18);
    assert_int_equal(back.runs, 2);
    assert_true(near(back.setup_s, 20) && near(back.drain_s, 2) && near(back.cluster_start_s, 4));
    assert_true(near(back.other_s, 38 - 26));
    json_decref(j);
    json_decref(a);
}

/* The record's time_scale and *_full_s: measured / factor for a completed
 * run, null without a factor or without completion. */
static void test_record_full_columns(void **state)
{
    cb_run_result r;
    bench_meas m;
    json_t *j;
    (void)state;
    memset(&r, 0, sizeof r);
    memset(&m, 0, sizeof m);
    r.completed = true;
    r.setup_s = 3.0;
    r.setup_txn_s = 3.0;
    r.setup_ips_s = 2.0;
    r.setup_rule_s = 2.5;
    r.setup_tunneling_s = 2.2;
    m.mode = "after";
    m.res = &r;
    m.time_scale = 0.25;
    j = bench_record_json(&m);
    assert_true(near(json_real_value(json_object_get(j, "time_scale")), 0.25));
    assert_true(near(json_real_value(json_object_get(j, "setup_full_s")), 12));
    assert_true(near(json_real_value(json_object_get(j, "setup_txn_full_s")), 12));
    assert_true(near(json_real_value(json_object_get(j, "setup_ips_full_s")), 8));
    assert_true(near(json_real_value(json_object_get(j, "setup_rule_full_s")), 10));
    assert_true(near(json_real_value(json_object_get(j, "setup_tunneling_full_s")), 8.8));
    json_decref(j);
    m.time_scale = 0;   /* --rtt-scale alone: no factor */
    j = bench_record_json(&m);
    assert_true(json_is_null(json_object_get(j, "time_scale")) && json_is_null(json_object_get(j, "setup_full_s")));
    json_decref(j);
    m.time_scale = 0.5;
    r.completed = false;
    j = bench_record_json(&m);
    assert_true(json_is_null(json_object_get(j, "setup_full_s")));
    json_decref(j);
}

/* before 100 s, after 80 s at full time (-20%); at 0.5 both 2% slower
 * (still -20%), at 0.25 before +2%, after +5.95% (-16.9%, 3.1 pp off), at 0.1
 * back within (but 0.25 failed, so 0.1 is not validated). */
static void test_table(void **state)
{
    static const bench_ts_obs obs[] = {
        {1, "before", 10, 99}, {1, "before", 10, 101}, {1, "after", 10, 80},
        {1, "before", 20, 200}, {1, "after", 20, 150}, {1, "lockless", 20, 1},
        {0.5, "before", 10, 102}, {0.5, "after", 10, 81.6},
        {0.5, "before", 20, 204}, {0.5, "after", 20, 153},
        {0.25, "before", 10, 102}, {0.25, "after", 10, 84.762},
        {0.25, "before", 20, 200}, {0.25, "after", 20, 150},
        {0.1, "before", 10, 100}, {0.1, "after", 10, 80},
        {0.1, "before", 20, 200}, {0.1, "after", 20, 150},
    };
    bench_ts_table t;
    char err[256];
    (void)state;
    assert_int_equal(bench_ts_build(obs, sizeof obs / sizeof obs[0], "after", "before", 3.0, &t, err, sizeof err), 0);
    assert_int_equal(t.n_scales, 4);
    assert_true(t.scales[0] == 1 && t.scales[1] == 0.5 && t.scales[2] == 0.25 && t.scales[3] == 0.1);
    assert_int_equal(t.n_n, 2);
    assert_true(t.n[0] == 10 && t.n[1] == 20);
    assert_int_equal(t.cell[0][0].k_b, 2);
    assert_true(near(t.cell[0][0].mean_b, 100) && near(t.cell[0][0].change_pct, -20));
    assert_true(near(t.cell[0][1].change_pct, -25));
    assert_true(near(t.cell[0][0].off_pp, 0) && near(t.cell[0][0].err_a_pct, 0));
    assert_true(near(t.cell[1][0].err_b_pct, 2) && near(t.cell[1][0].err_a_pct, 2));
    assert_true(near(t.cell[1][0].change_pct, -20) && near(t.cell[1][0].off_pp, 0));
    assert_true(near(t.cell[1][1].off_pp, 0));
    assert_true(t.valid[1]);
    assert_true(near(t.cell[2][0].change_pct, 100.0 * (84.762 - 102) / 102));
    assert_true(near(t.cell[2][0].off_pp, 100.0 * (84.762 - 102) / 102 + 20));
    assert_true(t.max_off_pp[2] > 3 && !t.valid[2]);
    assert_true(t.valid[3]);
    assert_true(t.validated == 0.5);
    /* a looser tolerance lets 0.25 and then 0.1 through */
    assert_int_equal(bench_ts_build(obs, sizeof obs / sizeof obs[0], "after", "before", 3.5, &t, err, sizeof err), 0);
    assert_true(t.validated == 0.1);
    /* the printed verdict */
    {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        bench_ts_print(&t, f);
        fclose(f);
        assert_non_null(strstr(buf, "validated time scale: 0.1"));
        assert_non_null(strstr(buf, "time scale 0.25: change off full time by at most 3.1 pp"));
        free(buf);
    }
}

/* A scale where one mode has no run at some N: that scale cannot be
 * validated, and neither can a smaller one. */
static void test_missing_cell(void **state)
{
    static const bench_ts_obs obs[] = {
        {1, "before", 10, 100}, {1, "after", 10, 80},
        {0.5, "before", 10, 100},
        {0.25, "before", 10, 100}, {0.25, "after", 10, 80},
    };
    bench_ts_table t;
    char err[256];
    (void)state;
    assert_int_equal(bench_ts_build(obs, 5, "after", "before", 3.0, &t, err, sizeof err), 0);
    assert_true(isnan(t.cell[1][0].mean_a) && isnan(t.max_off_pp[1]) && !t.valid[1]);
    assert_true(t.valid[2] && t.validated == 1.0);
}

static void test_errors(void **state)
{
    static const bench_ts_obs no_full[] = { {0.5, "before", 10, 100}, {0.5, "after", 10, 80} };
    static const bench_ts_obs other_modes[] = { {1, "lockless", 10, 100} };
    bench_ts_table t;
    char err[256];
    (void)state;
    assert_int_equal(bench_ts_build(no_full, 2, "after", "before", 3.0, &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "no run at time scale 1"));
    assert_int_equal(bench_ts_build(other_modes, 1, "after", "before", 3.0, &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "no green run of mode after or before"));
    assert_int_equal(bench_ts_build(NULL, 0, "after", "before", 3.0, &t, err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rescale),
        cmocka_unit_test(test_wall_split),
        cmocka_unit_test(test_wall_resume),
        cmocka_unit_test(test_record_full_columns),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_missing_cell),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
