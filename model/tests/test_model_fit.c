/* Unit tests for model/fit.c: coefficient recovery, exact fits, input
 * errors, prediction intervals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gsl/gsl_multifit.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <string.h>

#include "model/fit.h"

/* Noisy quadratic with known coefficients: the estimates must lie within
 * three standard errors of the truth, and the standard errors must equal
 * those of GSL's independent linear least-squares solver. */
static void test_quadratic_recovers_known_coefficients(void **state)
{
    (void)state;
    const double a = 0.045, b = 1.3, c = 12.0, noise = 3.0;
    double x[30], y[30];
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 20230127);
    size_t n = 0;
    for (int rep = 0; rep < 6; rep++)
        for (int N = 10; N <= 50; N += 10, n++) {
            x[n] = N;
            y[n] = a * N * N + b * N + c + gsl_ran_gaussian(rng, noise);
        }
    gsl_rng_free(rng);

    fit_result r;
    char err[256];
    assert_int_equal(fit_model(FIT_QUADRATIC, x, y, n, &r, err, sizeof err), 0);
    const double truth[3] = {a, b, c};
    for (int i = 0; i < 3; i++) {
        assert_true(r.se[i] > 0);
        assert_true(fabs(r.coef[i] - truth[i]) < 3 * r.se[i]);
    }
    assert_true(r.r2 > 0.95 && r.r2 <= 1.0);
    assert_int_equal(r.n, 30);

    /* independent check: gsl_multifit_linear on the same design matrix */
    gsl_matrix *X = gsl_matrix_alloc(n, 3), *cov = gsl_matrix_alloc(3, 3);
    gsl_vector *yv = gsl_vector_alloc(n), *cv = gsl_vector_alloc(3);
    for (size_t i = 0; i < n; i++) {
        gsl_matrix_set(X, i, 0, x[i] * x[i]);
        gsl_matrix_set(X, i, 1, x[i]);
        gsl_matrix_set(X, i, 2, 1.0);
        gsl_vector_set(yv, i, y[i]);
    }
    double chisq;
    gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(n, 3);
    gsl_multifit_linear(X, yv, cv, cov, &chisq, w);
    for (int i = 0; i < 3; i++) {
        assert_float_equal(r.coef[i], gsl_vector_get(cv, i), 1e-7 * fabs(gsl_vector_get(cv, i)) + 1e-9);
        /* GSL's cov is already scaled by chisq / (n - p) */
        assert_float_equal(r.se[i], sqrt(gsl_matrix_get(cov, i, i)), 1e-6 * r.se[i]);
    }
    assert_float_equal(r.sse, chisq, 1e-8 * chisq);

    /* prediction: mean standard error equals GSL's linear estimate error */
    fit_prediction pr;
    assert_int_equal(fit_predict(&r, 100, 0.95, &pr, err, sizeof err), 0);
    gsl_vector *g = gsl_vector_alloc(3);
    gsl_vector_set(g, 0, 1e4);
    gsl_vector_set(g, 1, 100);
    gsl_vector_set(g, 2, 1);
    double yest, yerr;
    gsl_multifit_linear_est(g, cv, cov, &yest, &yerr);
    assert_float_equal(pr.y, yest, 1e-6 * fabs(yest));
    assert_float_equal(pr.se_mean, yerr, 1e-5 * pr.se_mean);
    assert_true(pr.lo < pr.y && pr.y < pr.hi);
    /* the interval is wider than the mean's own uncertainty */
    assert_true(pr.hi - pr.y > 1.96 * pr.se_mean);

    gsl_vector_free(g);
    gsl_multifit_linear_free(w);
    gsl_matrix_free(X);
    gsl_matrix_free(cov);
    gsl_vector_free(yv);
    gsl_vector_free(cv);
    fit_result_free(&r);
}

static void test_exact_fits_on_exact_data(void **state)
{
    (void)state;
    double x[6] = {1, 2, 3, 4, 5, 6}, y[6];
    char err[256];
    fit_result r;

    for (int i = 0; i < 6; i++)
        y[i] = 2 * x[i] * x[i] - 3 * x[i] + 5;
    assert_int_equal(fit_model(FIT_QUADRATIC, x, y, 6, &r, err, sizeof err), 0);
    assert_float_equal(r.coef[0], 2, 1e-9);
    assert_float_equal(r.coef[1], -3, 1e-9);
    assert_float_equal(r.coef[2], 5, 1e-8);
    assert_true(r.sse < 1e-16);
    assert_float_equal(r.r2, 1.0, 1e-12);
    for (int i = 0; i < 6; i++)
        assert_float_equal(r.resid[i], 0, 1e-8);
    fit_result_free(&r);

    for (int i = 0; i < 6; i++)
        y[i] = 0.8424 * x[i] * x[i] + 0.1596 * x[i];
    assert_int_equal(fit_model(FIT_QUADRATIC0, x, y, 6, &r, err, sizeof err), 0);
    assert_float_equal(r.coef[0], 0.8424, 1e-10);
    assert_float_equal(r.coef[1], 0.1596, 1e-9);
    fit_result_free(&r);

    for (int i = 0; i < 6; i++)
        y[i] = 0.5 * pow(x[i], 3) - x[i] * x[i] + 4 * x[i] - 7;
    assert_int_equal(fit_model(FIT_CUBIC, x, y, 6, &r, err, sizeof err), 0);
    assert_float_equal(r.coef[0], 0.5, 1e-9);
    assert_float_equal(r.coef[1], -1, 1e-8);
    assert_float_equal(r.coef[2], 4, 1e-7);
    assert_float_equal(r.coef[3], -7, 1e-6);
    fit_result_free(&r);

    for (int i = 0; i < 6; i++)
        y[i] = 3.0 * pow(x[i] * 10, 2.7);
    double xx[6];
    for (int i = 0; i < 6; i++)
        xx[i] = x[i] * 10;
    assert_int_equal(fit_model(FIT_POWER, xx, y, 6, &r, err, sizeof err), 0);
    assert_float_equal(r.coef[0], 3.0, 1e-8);
    assert_float_equal(r.coef[1], 2.7, 1e-10);
    fit_result_free(&r);

    /* three points, three coefficients: exact, and no standard errors */
    assert_int_equal(fit_model(FIT_QUADRATIC, x, y, 3, &r, err, sizeof err), 0);
    assert_true(isnan(r.se[0]));
    fit_prediction pr;
    assert_int_equal(fit_predict(&r, 10, 0.95, &pr, err, sizeof err), -1);
    assert_non_null(strstr(err, "degrees of freedom"));
    fit_result_free(&r);
}

static void test_bad_input_gives_clear_error(void **state)
{
    (void)state;
    char err[256];
    fit_result r;
    double x2[4] = {10, 10, 20, 20}, y4[4] = {1, 2, 3, 4};
    assert_int_equal(fit_model(FIT_QUADRATIC, x2, y4, 4, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "2 distinct x values, need at least 3"));

    assert_int_equal(fit_model(FIT_QUADRATIC, x2, y4, 0, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "no data points"));

    double x3[4] = {10, 20, 30, 40}, ynan[4] = {1, NAN, 3, 4};
    assert_int_equal(fit_model(FIT_QUADRATIC, x3, ynan, 4, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "point 2"));
    assert_non_null(strstr(err, "not finite"));

    double xinf[4] = {10, 20, INFINITY, 40};
    assert_int_equal(fit_model(FIT_QUADRATIC0, xinf, y4, 4, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "not finite"));

    /* a cubic needs four distinct x */
    double x3d[5] = {1, 2, 3, 3, 1}, y5[5] = {1, 2, 3, 4, 5};
    assert_int_equal(fit_model(FIT_CUBIC, x3d, y5, 5, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "need at least 4"));

    double yneg[4] = {1, -2, 3, 4};
    assert_int_equal(fit_model(FIT_POWER, x3, yneg, 4, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "not positive"));
}

static void test_kind_names_round_trip(void **state)
{
    (void)state;
    for (int k = 0; k < FIT_KIND_COUNT; k++) {
        fit_kind got;
        assert_int_equal(fit_kind_parse(fit_kind_name((fit_kind)k), &got), 0);
        assert_int_equal(got, k);
    }
    fit_kind got;
    assert_int_equal(fit_kind_parse("exponential", &got), -1);
    assert_string_equal(fit_coef_name(FIT_POWER, 1), "k");
    double c[3] = {1, 2, 3}, x[2] = {0, 1}, y[2] = {3, 6};
    assert_float_equal(fit_sse_of(FIT_QUADRATIC, c, x, y, 2), 0, 1e-15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quadratic_recovers_known_coefficients),
        cmocka_unit_test(test_exact_fits_on_exact_data),
        cmocka_unit_test(test_bad_input_gives_clear_error),
        cmocka_unit_test(test_kind_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
