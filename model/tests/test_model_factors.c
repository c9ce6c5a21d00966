/* Unit tests for model/factors.c: effects of made-up 2^k designs whose
 * effects are known exactly, a cross-check against GSL's least squares on
 * the +-1-coded model, the reporting order, Lenth's pseudo standard error
 * against his paper's constants, and the sign flips along a factor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_vector.h>

#include "model/factors.h"

/* The level (-1/+1) of factor j at cell i of the standard order. */
static double lv(size_t i, int j)
{
    return (i >> j) & 1u ? 1.0 : -1.0;
}

static void test_sign_and_order(void **state)
{
    (void)state;
    /* A at cells 0..3 of a 2^2: - + - + ; B: - - + + ; AB: + - - + */
    static const int a[4] = {-1, 1, -1, 1}, b[4] = {-1, -1, 1, 1}, ab[4] = {1, -1, -1, 1};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(factors_sign(1, i), a[i]);
        assert_int_equal(factors_sign(2, i), b[i]);
        assert_int_equal(factors_sign(3, i), ab[i]);
    }
    assert_int_equal(factors_order(1), 1);
    assert_int_equal(factors_order(6), 2);
    assert_int_equal(factors_order(15), 4);
}

/* change = 0.1 A - 0.2 B + 0.05 A B (+ 0.3): the effects (difference of
 * means) are twice the coefficients: A 0.2, B -0.4, AB 0.1, mean 0.3. */
static void test_two_factor_design(void **state)
{
    double y[4], e[4];
    (void)state;
    for (size_t i = 0; i < 4; i++)
        y[i] = 0.3 + 0.1 * lv(i, 0) - 0.2 * lv(i, 1) + 0.05 * lv(i, 0) * lv(i, 1);
    assert_int_equal(factors_effects(2, y, e), 0);
    assert_true(fabs(e[0] - 0.3) < 1e-12);
    assert_true(fabs(e[1] - 0.2) < 1e-12);
    assert_true(fabs(e[2] + 0.4) < 1e-12);
    assert_true(fabs(e[3] - 0.1) < 1e-12);
    /* the same as the difference of the two means, written out for A */
    assert_true(fabs(e[1] - ((y[1] + y[3]) / 2 - (y[0] + y[2]) / 2)) < 1e-12);
}

/* y = 5 + 2 A - 3 C + 1.5 B D - 0.5 A B C D: every one of the 15 effects. */
static void test_four_factor_design(void **state)
{
    double y[16], e[16];
    (void)state;
    for (size_t i = 0; i < 16; i++)
        y[i] = 5 + 2 * lv(i, 0) - 3 * lv(i, 2) + 1.5 * lv(i, 1) * lv(i, 3) -
               0.5 * lv(i, 0) * lv(i, 1) * lv(i, 2) * lv(i, 3);
    assert_int_equal(factors_effects(4, y, e), 0);
    for (unsigned m = 0; m < 16; m++) {
        double want = m == 0 ? 5 : m == 1 ? 4 : m == 4 ? -6 : m == 10 ? 3 : m == 15 ? -1 : 0;
        if (fabs(e[m] - want) > 1e-12)
            fail_msg("effect mask %u: %g, expected %g", m, e[m], want);
    }
}

/* Any response: the effects are twice GSL's least-squares coefficients of
 * the saturated +-1-coded model (an independent computation). */
static void test_matches_least_squares(void **state)
{
    const size_t k = 3, n = 8;
    double y[8], e[8], chisq;
    gsl_matrix *X = gsl_matrix_alloc(n, n), *cov = gsl_matrix_alloc(n, n);
    gsl_vector *yv = gsl_vector_alloc(n), *b = gsl_vector_alloc(n);
    gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(n, n);
    (void)state;
    srand(7);
    for (size_t i = 0; i < n; i++) {
        y[i] = (double)(rand() % 2001 - 1000) / 37.0;
        gsl_vector_set(yv, i, y[i]);
        for (unsigned m = 0; m < n; m++)
            gsl_matrix_set(X, i, m, m ? factors_sign(m, i) : 1.0);
    }
    assert_int_equal(gsl_multifit_linear(X, yv, b, cov, &chisq, w), 0);
    assert_int_equal(factors_effects(k, y, e), 0);
    assert_true(fabs(e[0] - gsl_vector_get(b, 0)) < 1e-9);
    for (unsigned m = 1; m < n; m++)
        assert_true(fabs(e[m] - 2 * gsl_vector_get(b, m)) < 1e-9);
    gsl_multifit_linear_free(w);
    gsl_matrix_free(X);
    gsl_matrix_free(cov);
    gsl_vector_free(yv);
    gsl_vector_free(b);
}

static void test_bad_input(void **state)
{
    double y[4] = {1, 2, NAN, 4}, e[4] = {9, 9, 9, 9};
    (void)state;
    assert_int_equal(factors_effects(2, y, e), -1);
    assert_true(e[0] == 9);
    assert_int_equal(factors_effects(0, y, e), -1);
    assert_int_equal(factors_effects(FACTORS_MAX_K + 1, y, e), -1);
}

static void test_effect_masks(void **state)
{
    unsigned m[16];
    (void)state;
    /* A B C, AB AC BC, ABC */
    static const unsigned k3[7] = {1, 2, 4, 3, 5, 6, 7};
    assert_int_equal(factors_effect_masks(3, m), 7);
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(m[i], k3[i]);
    /* A B C D, AB AC AD BC BD CD, ABC ABD ACD BCD, ABCD */
    static const unsigned k4[15] = {1, 2, 4, 8, 3, 5, 9, 6, 10, 12, 7, 11, 13, 14, 15};
    assert_int_equal(factors_effect_masks(4, m), 15);
    for (size_t i = 0; i < 15; i++)
        assert_int_equal(m[i], k4[i]);
    assert_int_equal(factors_effect_masks(1, m), 1);
    assert_int_equal(m[0], 1);
}

/* Lenth's paper tabulates, for m = 15 effects (df = 5), ME = 2.57 PSE and
 * SME = 5.22 PSE; for m = 7 (df = 7/3), ME = 3.76 PSE and SME = 9.01 PSE.
 * PSE by hand: |e| = 0.1 .. 1.3 and 20, 30: median 0.8, s0 = 1.2, the two
 * large ones are beyond 2.5 s0 = 3, the median of the rest 0.7, PSE = 1.05. */
static void test_lenth(void **state)
{
    double e[15];
    factors_pse l;
    (void)state;
    for (int i = 0; i < 13; i++)
        e[i] = (i % 2 ? -1 : 1) * 0.1 * (i + 1);
    e[13] = 20;
    e[14] = -30;
    assert_int_equal(factors_lenth(e, 15, &l), 0);
    assert_true(fabs(l.s0 - 1.2) < 1e-12);
    assert_true(fabs(l.pse - 1.05) < 1e-12);
    assert_true(fabs(l.df - 5) < 1e-12);
    assert_true(fabs(l.me / l.pse - 2.57) < 0.005);
    assert_true(fabs(l.sme / l.pse - 5.22) < 0.005);

    double e7[7] = {10, -8, 1, -1, 0.5, 2, -0.5};
    /* |e| sorted 0.5 0.5 1 1 2 8 10: s0 = 1.5, kept below 3.75: 0.5 0.5 1 1 2, PSE = 1.5 */
    assert_int_equal(factors_lenth(e7, 7, &l), 0);
    assert_true(fabs(l.pse - 1.5) < 1e-12);
    assert_true(fabs(l.me / l.pse - 3.76) < 0.005);
    assert_true(fabs(l.sme / l.pse - 9.01) < 0.01);

    assert_int_equal(factors_lenth(e7, 2, &l), -1);
    e7[3] = INFINITY;
    assert_int_equal(factors_lenth(e7, 7, &l), -1);
}

static void test_flips(void **state)
{
    /* 2^2, A fastest: cells (A-,B-) (A+,B-) (A-,B+) (A+,B+) */
    double y[4] = {10, -5, 20, 15};
    factors_flip f;
    (void)state;
    assert_int_equal(factors_flips(2, 0, y, &f), 0);
    assert_int_equal(f.pairs, 2);
    assert_int_equal(f.flips, 1);        /* 10 -> -5 flips, 20 -> 15 does not */
    assert_int_equal(f.to_negative, 1);
    assert_int_equal(factors_flips(2, 1, y, &f), 0);
    assert_int_equal(f.flips, 1);        /* -5 -> 15 */
    assert_int_equal(f.to_negative, 0);
    y[3] = NAN;
    assert_int_equal(factors_flips(2, 1, y, &f), 0);
    assert_int_equal(f.pairs, 1);
    assert_int_equal(f.flips, 0);
    double z[4] = {0, 1, -1, 0};        /* zero is no sign */
    assert_int_equal(factors_flips(2, 0, z, &f), 0);
    assert_int_equal(f.flips, 0);
    assert_int_equal(factors_flips(2, 2, y, &f), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_and_order),
        cmocka_unit_test(test_two_factor_design),
        cmocka_unit_test(test_four_factor_design),
        cmocka_unit_test(test_matches_least_squares),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_effect_masks),
        cmocka_unit_test(test_lenth),
        cmocka_unit_test(test_flips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
