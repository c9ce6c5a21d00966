/* Unit tests for model/calibrate.c: the one-parameter fit against values
 * computed here by hand (no GSL in the expectations), the two-parameter fit
 * and its fallbacks, the secant slope, and every refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "model/calibrate.h"

static const double NS[5] = {10, 20, 30, 40, 50};

/* cmocka's assert_float_equal compares floats; these are doubles. */
#define assert_close(a, b, tol) assert_close_((a), (b), (tol), #a, __FILE__, __LINE__)
static void assert_close_(double a, double b, double tol, const char *what, const char *file, int line)
{
    if (!(fabs(a - b) <= tol)) {
        print_error("%s = %.17g, expected %.17g (tolerance %g)\n", what, a, b, tol);
        _fail(file, line);
    }
}

/* A problem over N = 10..50 with c_line_us at base c0, bounds [5, 500]. */
static void problem_init(calib_problem *p, size_t n, double c0)
{
    memset(p, 0, sizeof *p);
    p->n = n;
    p->nparams = 1;
    p->name[0] = "c_line_us";
    p->unit[0] = "us";
    p->at[0] = c0;
    p->lo[0] = 5;
    p->hi[0] = 500;
    for (size_t i = 0; i < n; i++)
        p->x[i] = NS[i];
}

/* The base curve and slopes are exactly linear in c and the target lies on
 * that line at c = 61: the fit recovers 61 with a zero standard error. */
static void test_exact_linear_recovers_c(void **state)
{
    (void)state;
    calib_problem p;
    calib_result r;
    char err[256];
    problem_init(&p, 5, 30);
    for (size_t i = 0; i < 5; i++) {
        double N = NS[i];
        p.base[i] = 0.5 * N + 3;                  /* our before at c = 30 */
        p.slope[0][i] = 2e-5 * N * N;            /* s per us: grows like N^2 */
        p.target[i] = p.base[i] + p.slope[0][i] * (61 - 30);
    }
    assert_int_equal(calib_fit(&p, &r, err, sizeof err), 0);
    assert_int_equal(r.nparams, 1);
    assert_close(r.value[0], 61.0, 1e-9);
    assert_close(r.se[0], 0.0, 1e-9);
    assert_close(r.sse, 0.0, 1e-12);
    assert_int_equal(r.dof, 4);
    assert_true(r.in_bounds);
    assert_true(r.accepted);
    assert_non_null(strstr(r.verdict, "accepted"));
    for (size_t i = 0; i < 5; i++) {
        assert_close(r.fitted[i], p.target[i], 1e-9);
        assert_close(r.resid[i], 0.0, 1e-9);
    }
    /* sse_base: how far the base curve itself is from the patent */
    double sb = 0;
    for (size_t i = 0; i < 5; i++)
        sb += (p.target[i] - p.base[i]) * (p.target[i] - p.base[i]);
    assert_close(r.sse_base, sb, 1e-9 * sb);
}

/* Noisy targets: delta = sum(x y) / sum(x^2) and its standard error
 * sqrt(SSE / (n - 1) / sum(x^2)), computed here in plain loops. */
static void test_noisy_matches_closed_form(void **state)
{
    (void)state;
    static const double base[5] = {11.5, 21.0, 31.3, 41.0, 50.9};
    static const double slope[5] = {0.012, 0.075, 0.19, 0.41, 0.70};
    static const double target[5] = {21.0, 40.5, 61.7, 102.4, 137.2};   /* FIG. 7 before */
    calib_problem p;
    calib_result r;
    char err[256];
    problem_init(&p, 5, 40);
    memcpy(p.base, base, sizeof base);
    memcpy(p.slope[0], slope, sizeof slope);
    memcpy(p.target, target, sizeof target);
    p.max_rel_resid = 0.5;

    double sxy = 0, sxx = 0, sse = 0;
    for (int i = 0; i < 5; i++) {
        sxy += slope[i] * (target[i] - base[i]);
        sxx += slope[i] * slope[i];
    }
    double delta = sxy / sxx;
    for (int i = 0; i < 5; i++) {
        double e = target[i] - base[i] - delta * slope[i];
        sse += e * e;
    }
    double se = sqrt(sse / (5 - 1) / sxx);

    assert_int_equal(calib_fit(&p, &r, err, sizeof err), 0);
    assert_close(r.value[0], 40 + delta, 1e-9);
    assert_close(r.se[0], se, 1e-9);
    assert_close(r.sse, sse, 1e-9 * sse);
    assert_true(r.se[0] > 0);
    for (int i = 0; i < 5; i++) {
        assert_close(r.fitted[i], base[i] + delta * slope[i], 1e-9);
        assert_close(r.resid[i], target[i] - r.fitted[i], 1e-12);
    }
}

static void test_slope_from_two_sweeps(void **state)
{
    (void)state;
    const double t0[3] = {10, 20, 40}, t1[3] = {13, 29, 70};
    double s[3];
    char err[128];
    assert_int_equal(calib_slope(t0, 30, t1, 90, 3, s, err, sizeof err), 0);
    assert_close(s[0], 3.0 / 60, 1e-12);
    assert_close(s[1], 9.0 / 60, 1e-12);
    assert_close(s[2], 30.0 / 60, 1e-12);
    /* the same c twice: refused */
    assert_int_equal(calib_slope(t0, 30, t1, 30, 3, s, err, sizeof err), -1);
    assert_non_null(strstr(err, "differ"));
}

/* The secant between a verification at (c = 61, B = 50e6) and a probe at
 * (c = 90, B = 90e6), the B difference removed with B's slope. */
static void test_secant_slope_removes_other_parameter(void **state)
{
    (void)state;
    const double tb[2] = {30, 60}, tp[2] = {35, 80}, u[2] = {-1e-7, -2e-7};
    double s[2];
    char err[128];
    assert_int_equal(calib_slope_secant(tb, 61, 50e6, tp, 90, 90e6, u, 2, s, err, sizeof err), 0);
    /* (30 - 35 - (-1e-7)(50e6 - 90e6)) / (61 - 90) = (-5 - 4) / -29 */
    assert_close(s[0], 9.0 / 29, 1e-12);
    assert_close(s[1], (60 - 80 - 8.0) / -29, 1e-12);
    /* without the other slope: the plain secant */
    assert_int_equal(calib_slope_secant(tb, 61, 0, tp, 90, 0, NULL, 2, s, err, sizeof err), 0);
    assert_close(s[0], 5.0 / 29, 1e-12);
}

/* The patent needs more than the bounds allow: rejected, and the residuals
 * are given at the bound. */
static void test_out_of_bounds_is_rejected_with_residuals_at_bound(void **state)
{
    (void)state;
    calib_problem p;
    calib_result r;
    char err[256];
    problem_init(&p, 5, 30);
    for (size_t i = 0; i < 5; i++) {
        p.base[i] = NS[i];
        p.slope[0][i] = 1e-4 * NS[i];
        p.target[i] = p.base[i] + p.slope[0][i] * (900 - 30);   /* c* = 900 > 500 */
    }
    assert_int_equal(calib_fit(&p, &r, err, sizeof err), 0);
    assert_close(r.value[0], 900, 1e-9);
    assert_false(r.in_bounds);
    assert_false(r.accepted);
    assert_close(r.clamped[0], 500, 0);
    assert_non_null(strstr(r.verdict, "REJECTED"));
    assert_non_null(strstr(r.verdict, "above its upper bound 500"));
    for (size_t i = 0; i < 5; i++) {
        double at_bound = p.base[i] + p.slope[0][i] * (500 - 30);
        assert_close(r.fitted_clamped[i], at_bound, 1e-9);
        assert_close(r.resid_clamped[i], p.target[i] - at_bound, 1e-9);
    }
    /* the shortfall at N = 50 is 1e-4 * 50 * 400 = 2 s of 54 s (4 %): within 20 % */
    assert_non_null(strstr(r.missing, "at c_line_us = 500 us (the bound)"));
    assert_non_null(strstr(r.missing, "no N is off by more than 20%"));

    /* below the lower bound, with a real shortfall at the bound */
    for (size_t i = 0; i < 5; i++)
        p.target[i] = p.base[i] * 0.5;   /* the model is above the patent even at c = 5 */
    assert_int_equal(calib_fit(&p, &r, err, sizeof err), 0);
    assert_true(r.value[0] < 5);
    assert_false(r.accepted);
    assert_non_null(strstr(r.verdict, "below its lower bound 5"));
    assert_non_null(strstr(r.missing, "the model is above the patent at N = 10"));
}

/* In bounds but one point far off: rejected, naming the N and the shape. */
static void test_bad_shape_is_rejected_naming_the_points(void **state)
{
    (void)state;
    calib_problem p;
    calib_result r;
    char err[256];
    problem_init(&p, 5, 30);
    for (size_t i = 0; i < 5; i++) {
        p.base[i] = 2 * NS[i];
        p.slope[0][i] = 0.01 * NS[i];
        p.target[i] = p.base[i] + p.slope[0][i] * 30;   /* c = 60 */
    }
    p.target[4] += 200;  /* N = 50: the patent far above a linear-in-N cost */
    assert_int_equal(calib_fit(&p, &r, err, sizeof err), 0);
    assert_true(r.in_bounds);
    assert_false(r.accepted);
    assert_non_null(strstr(r.verdict, "misses the patent's FIG. 7 before by more than 20% at N = "));
    assert_non_null(strstr(r.missing, "short of the patent at N = 50 (+"));
    assert_non_null(strstr(r.missing, "grows faster with N"));
}

static void test_refusals(void **state)
{
    (void)state;
    calib_problem p;
    calib_result r;
    char err[256];

    problem_init(&p, 1, 30);   /* one agent count: no standard error */
    p.slope[0][0] = 1;
    assert_int_equal(calib_fit(&p, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "needs 2"));

    problem_init(&p, 3, 30);   /* the setup time did not respond to c */
    assert_int_equal(calib_fit(&p, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "did not change with c_line_us"));

    problem_init(&p, 3, 30);
    p.slope[0][0] = p.slope[0][1] = p.slope[0][2] = 1;
    p.nparams = 3;
    assert_int_equal(calib_fit(&p, &r, err, sizeof err), -1);
    p.nparams = 1;
    p.lo[0] = 500;             /* bounds the wrong way round */
    p.hi[0] = 5;
    assert_int_equal(calib_fit(&p, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "lo < hi"));
    p.lo[0] = 5;
    p.hi[0] = 500;
    p.target[1] = NAN;
    assert_int_equal(calib_fit(&p, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a number"));

    /* a slope that is not positive is computed but noted */
    problem_init(&p, 3, 30);
    p.slope[0][0] = -0.01;
    p.slope[0][1] = 0.1;
    p.slope[0][2] = 0.3;
    for (size_t i = 0; i < 3; i++)
        p.target[i] = p.base[i] = 10 * (double)(i + 1);
    assert_int_equal(calib_fit(&p, &r, err, sizeof err), 0);
    assert_non_null(strstr(r.notes, "not positive at N = 10"));
}

/* Two parameters, exactly linear and with slopes of different shapes in N:
 * both recovered, standard errors zero. */
static void test_two_params_exact(void **state)
{
    (void)state;
    calib_problem p;
    calib_result r;
    char err[256];
    problem_init(&p, 5, 30);
    p.nparams = 2;
    p.name[1] = "deploy_uplink_Bps";
    p.unit[1] = "B/s";
    p.at[1] = 90e6;
    p.lo[1] = 5e6;
    p.hi[1] = 125e6;
    for (size_t i = 0; i < 5; i++) {
        double N = NS[i];
        p.base[i] = N;
        p.slope[0][i] = 2e-5 * N * N;
        p.slope[1][i] = -1e-8 * N;   /* a slower uplink spreads the starts: more time */
        p.target[i] = p.base[i] + p.slope[0][i] * (61 - 30) + p.slope[1][i] * (40e6 - 90e6);
    }
    assert_int_equal(calib_fit(&p, &r, err, sizeof err), 0);
    assert_false(r.fallback);
    assert_int_equal(r.nparams, 2);
    assert_int_equal(r.dof, 3);
    assert_close(r.value[0], 61, 1e-6);
    assert_close(r.value[1], 40e6, 1e-2);
    assert_close(r.se[0], 0, 1e-6);
    assert_close(r.se[1], 0, 1e-2);
    assert_true(r.accepted);
}

/* The second parameter barely moves the curve: its standard error covers
 * its whole range, so the fit falls back to c alone and says so. */
static void test_two_params_fall_back_when_se_spans_bounds(void **state)
{
    (void)state;
    static const double wiggle[5] = {0.3, -0.5, 0.2, 0.6, -0.4};
    calib_problem p;
    calib_result r, one;
    char err[256];
    problem_init(&p, 5, 30);
    p.nparams = 2;
    p.name[1] = "deploy_uplink_Bps";
    p.unit[1] = "B/s";
    p.at[1] = 90e6;
    p.lo[1] = 5e6;
    p.hi[1] = 125e6;
    for (size_t i = 0; i < 5; i++) {
        double N = NS[i];
        p.base[i] = N;
        p.slope[0][i] = 2e-5 * N * N;
        p.slope[1][i] = -1e-12 * N;       /* 1e8 B/s moves the curve by 5 ms at most */
        p.target[i] = p.base[i] + p.slope[0][i] * 31 + wiggle[i];
    }
    assert_int_equal(calib_fit(&p, &r, err, sizeof err), 0);
    assert_true(r.fallback);
    assert_int_equal(r.nparams, 1);
    assert_true(strstr(r.fallback_why, "spans its bounds") || strstr(r.fallback_why, "outside its bounds"));
    /* the fallback is exactly the one-parameter fit */
    p.nparams = 1;
    assert_int_equal(calib_fit(&p, &one, err, sizeof err), 0);
    assert_close(r.value[0], one.value[0], 1e-12);
    assert_close(r.se[0], one.se[0], 1e-12);

    /* two agent counts cannot carry two parameters */
    p.nparams = 2;
    p.n = 2;
    assert_int_equal(calib_fit(&p, &r, err, sizeof err), 0);
    assert_true(r.fallback);
    assert_non_null(strstr(r.fallback_why, "3 or more"));

    /* collinear slopes: the curve cannot tell the two apart */
    p.n = 5;
    for (size_t i = 0; i < 5; i++)
        p.slope[1][i] = -3e-9 * p.slope[0][i];
    assert_int_equal(calib_fit(&p, &r, err, sizeof err), 0);
    assert_true(r.fallback);
    assert_non_null(strstr(r.fallback_why, "collinear"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_linear_recovers_c),
        cmocka_unit_test(test_noisy_matches_closed_form),
        cmocka_unit_test(test_slope_from_two_sweeps),
        cmocka_unit_test(test_secant_slope_removes_other_parameter),
        cmocka_unit_test(test_out_of_bounds_is_rejected_with_residuals_at_bound),
        cmocka_unit_test(test_bad_shape_is_rejected_naming_the_points),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_two_params_exact),
        cmocka_unit_test(test_two_params_fall_back_when_se_spans_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
