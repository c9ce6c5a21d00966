/* Unit tests for model/calib_sweep.c (per-N means of a sweep, runs left
 * out) and model/calib_report.c (the FIG. 7 and FIG. 8 tables and whether
 * the goals hold), on numbers chosen here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/calib_report.h"
#include "model/calib_sweep.h"

#define assert_close(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) <= (tol))

/* The patent's FIG. 7 and FIG. 8 as published (results/reference). */
static void patent_init(patent_ref *p)
{
    static const double n[5] = {10, 20, 30, 40, 50};
    static const double f7[2][5] = {{21.0, 40.5, 61.7, 102.4, 137.2}, {22.5, 30.4, 42.7, 59.0, 85.9}};
    static const double c7[5] = {8, -25, -31, -42, -37};
    static const double f8[2][5] = {{419, 2781, 7046, 16592, 21302}, {145, 862, 2608, 5838, 11021}};
    static const double c8[5] = {-65, -69, -63, -65, -48};
    memset(p, 0, sizeof *p);
    p->npts = 5;
    for (int i = 0; i < 5; i++) {
        p->n[i] = n[i];
        p->data[0][0][i] = f7[0][i];
        p->data[0][1][i] = f7[1][i];
        p->change_pct[0][i] = c7[i];
        p->data[1][0][i] = f8[0][i];
        p->data[1][1][i] = f8[1][i];
        p->change_pct[1][i] = c8[i];
    }
}

static void sweep_init(calib_sweep *s, const double *n, const double *mean, size_t k)
{
    memset(s, 0, sizeof *s);
    s->nlev = k;
    for (size_t i = 0; i < k; i++) {
        s->n[i] = n[i];
        s->mean[i] = mean[i];
        s->count[i] = 1;
    }
}

static const double NS[5] = {10, 20, 30, 40, 50};

static double goal_num(const json_t *fig, const char *key)
{
    return json_number_value(json_object_get(json_object_get(fig, "goal"), key));
}

/* Our after is 80 % of our before at every N: -20 % each, 5.4 points from
 * the patent's -25.4 %: the goal holds. */
static void test_fig7_goal_holds(void **state)
{
    (void)state;
    patent_ref p;
    calib_sweep b, a;
    double vb[5] = {20, 40, 60, 100, 140}, va[5];
    for (int i = 0; i < 5; i++)
        va[i] = 0.8 * vb[i];
    patent_init(&p);
    sweep_init(&b, NS, vb, 5);
    sweep_init(&a, NS, va, 5);
    json_t *f = calib_report_fig7(&p, &b, &a);
    assert_close(goal_num(f, "average_ours_pct"), -20, 1e-9);
    assert_close(goal_num(f, "average_patent_pct"), -25.4, 1e-9);
    assert_close(goal_num(f, "average_gap_pts"), 5.4, 1e-9);
    assert_true(json_is_true(json_object_get(json_object_get(f, "goal"), "holds")));
    assert_true(json_is_true(json_object_get(f, "complete")));
    json_t *r = json_array_get(json_object_get(f, "rows"), 4);
    assert_close(json_number_value(json_object_get(r, "ours_after_s")), 112, 1e-9);
    assert_close(json_number_value(json_object_get(r, "after_error_s")), 112 - 85.9, 1e-9);
    assert_close(json_number_value(json_object_get(r, "after_error_pct")), 100 * (112 - 85.9) / 85.9, 1e-9);
    assert_close(json_number_value(json_object_get(r, "before_error_pct")), 100 * (140 - 137.2) / 137.2, 1e-9);
    json_decref(f);
}

/* After above before at N = 20 (the patent's sign is negative there): the
 * goal fails on the sign even though the average is close. */
static void test_fig7_goal_fails_on_sign(void **state)
{
    (void)state;
    patent_ref p;
    calib_sweep b, a;
    double vb[5] = {20, 40, 60, 100, 140}, va[5] = {16, 41, 40, 60, 90};
    patent_init(&p);
    sweep_init(&b, NS, vb, 5);
    sweep_init(&a, NS, va, 5);
    json_t *f = calib_report_fig7(&p, &b, &a), *g = json_object_get(f, "goal");
    assert_true(json_is_false(json_object_get(g, "sign_ok")));
    assert_true(json_is_false(json_object_get(g, "holds")));
    assert_int_equal(json_array_size(json_object_get(g, "wrong_sign_n")), 1);
    assert_close(json_number_value(json_array_get(json_object_get(g, "wrong_sign_n"), 0)), 20, 0);
    /* N = 10 has the opposite sign to the patent's +8 % but is not judged */
    json_decref(f);
}

/* Every sign right but the average 30 points off. */
static void test_fig7_goal_fails_on_average(void **state)
{
    (void)state;
    patent_ref p;
    calib_sweep b, a;
    double vb[5] = {20, 40, 60, 100, 140}, va[5];
    for (int i = 0; i < 5; i++)
        va[i] = 0.45 * vb[i];
    patent_init(&p);
    sweep_init(&b, NS, vb, 5);
    sweep_init(&a, NS, va, 5);
    json_t *f = calib_report_fig7(&p, &b, &a), *g = json_object_get(f, "goal");
    assert_true(json_is_true(json_object_get(g, "sign_ok")));
    assert_true(json_is_false(json_object_get(g, "average_ok")));
    assert_true(json_is_false(json_object_get(g, "holds")));
    assert_close(json_number_value(json_object_get(g, "average_gap_pts")), -55 + 25.4, 1e-9);
    json_decref(f);
}

/* Only N = 20 and 30 measured: averages over those, the patent's too. */
static void test_fig7_partial_and_missing(void **state)
{
    (void)state;
    patent_ref p;
    calib_sweep b, a;
    double n2[2] = {20, 30}, vb[2] = {40, 60}, va[2] = {30, 42};
    patent_init(&p);
    sweep_init(&b, n2, vb, 2);
    sweep_init(&a, n2, va, 2);
    json_t *f = calib_report_fig7(&p, &b, &a);
    assert_true(json_is_false(json_object_get(f, "complete")));
    assert_close(goal_num(f, "average_patent_pct"), (-25.0 - 31.0) / 2, 1e-9);
    assert_close(goal_num(f, "average_ours_pct"), (-25.0 - 30.0) / 2, 1e-9);
    assert_true(json_is_null(json_object_get(json_array_get(json_object_get(f, "rows"), 0), "ours_after_s")));
    json_decref(f);
    /* no after sweep: nothing to judge */
    f = calib_report_fig7(&p, &b, NULL);
    assert_true(json_is_null(json_object_get(json_object_get(f, "goal"), "holds")));
    json_decref(f);
}

static void test_fig8_goal_per_metric(void **state)
{
    (void)state;
    patent_ref p;
    calib_sweep ab, aa, gb, ga;
    double vb[5] = {4e5, 3e6, 7e6, 1.6e7, 2.1e7}, va[5], vg[5];
    for (int i = 0; i < 5; i++) {
        va[i] = 0.5 * vb[i];   /* -50 %: 12 points from -62 %: holds */
        vg[i] = 0.9 * vb[i];   /* -10 %: 52 points away */
    }
    patent_init(&p);
    sweep_init(&ab, NS, vb, 5);
    sweep_init(&aa, NS, va, 5);
    sweep_init(&gb, NS, vb, 5);
    sweep_init(&ga, NS, vg, 5);
    const char *names[3] = {"app_bytes", "grpc_bytes", "other"};
    const calib_sweep *b[3] = {&ab, &gb, NULL}, *a[3] = {&aa, &ga, NULL};
    const char *why[3] = {NULL, NULL, "no column 'other'"};
    json_t *f = calib_report_fig8(&p, 3, names, b, a, why), *ms = json_object_get(f, "metrics");
    assert_int_equal(json_array_size(ms), 3);
    json_t *g0 = json_object_get(json_array_get(ms, 0), "goal"), *g1 = json_object_get(json_array_get(ms, 1), "goal");
    assert_close(json_number_value(json_object_get(g0, "average_ours_pct")), -50, 1e-9);
    assert_close(json_number_value(json_object_get(g0, "average_patent_pct")), -62, 1e-9);
    assert_true(json_is_true(json_object_get(g0, "holds")));
    assert_true(json_is_false(json_object_get(g1, "holds")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(ms, 2), "missing")), "no column 'other'");
    /* the patent's kB are 10^3 B */
    json_t *r = json_array_get(json_object_get(json_array_get(ms, 0), "rows"), 0);
    assert_close(json_number_value(json_object_get(r, "patent_before_bytes")), 419e3, 1e-6);
    json_decref(f);
}

/* Means per N over green runs with a number; the rest counted as dropped. */
static void test_sweep_load_means_and_drops(void **state)
{
    (void)state;
    char dir[] = "/tmp/geokv-calib-sweep-XXXXXX", path[128], err[512];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("run_id,mode,n,rep,setup_s,checker_ok\n"
          "x,before,20,1,10,1\nx,before,20,2,14,1\nx,after,20,1,99,1\n"
          "x,before,10,1,5,1\nx,before,10,2,,0\nx,before,10,3,500,0\n", f);
    fclose(f);
    calib_sweep s;
    assert_int_equal(calib_sweep_load(dir, "before", "setup_s", &s, err, sizeof err), 0);
    assert_int_equal(s.nlev, 2);
    assert_close(s.n[0], 10, 0);
    assert_close(s.mean[0], 5, 1e-12);
    assert_int_equal(s.count[0], 1);
    assert_true(isnan(s.sd[0]));
    assert_close(s.mean[1], 12, 1e-12);
    assert_close(s.sd[1], sqrt(8), 1e-12);
    assert_int_equal(s.dropped, 2);
    assert_string_equal(s.run_id, strrchr(dir, '/') + 1);   /* no config.json: the directory's name */
    double v;
    assert_int_equal(calib_sweep_at(&s, 20, &v), 0);
    assert_close(v, 12, 1e-12);
    assert_int_equal(calib_sweep_at(&s, 30, &v), -1);

    snprintf(path, sizeof path, "%s/config.json", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"run_id\": \"20250101-000000-7\"}", f);
    fclose(f);
    assert_int_equal(calib_sweep_load(dir, "before", "setup_s", &s, err, sizeof err), 0);
    assert_string_equal(s.run_id, "20250101-000000-7");
    /* a column the sweep lacks, a mode it lacks */
    assert_int_equal(calib_sweep_load(dir, "before", "app_bytes", &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "app_bytes"));
    assert_int_equal(calib_sweep_load(dir, "lockless", "setup_s", &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "no run of mode lockless"));

    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fig7_goal_holds),
        cmocka_unit_test(test_fig7_goal_fails_on_sign),
        cmocka_unit_test(test_fig7_goal_fails_on_average),
        cmocka_unit_test(test_fig7_partial_and_missing),
        cmocka_unit_test(test_fig8_goal_per_metric),
        cmocka_unit_test(test_sweep_load_means_and_drops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
