/* test_util_stats.c: the double comparator, the sort, and the percentile of
 * sorted samples against values worked out by hand from its definition
 * (index (n - 1) p, linear interpolation between the order statistics
 * around it). Inputs are chosen so most expected values are exact in binary;
 * the others are compared to within 1e-12. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "sim/util/util_stats.h"

#define PCT(v, p) util_percentile_sorted((v), sizeof(v) / sizeof((v)[0]), (p))

/* got == want exactly, or to within 1e-12 (relative above 1). */
#define EXACT(got, want) check((got), (want), 0, __LINE__)
#define NEAR(got, want) check((got), (want), 1e-12, __LINE__)

static void check(double got, double want, double tol, int line)
{
    if (!(fabs(got - want) <= tol * fmax(1, fabs(want))))
        fail_msg("line %d: got %.17g, want %.17g", line, got, want);
}

static void test_cmp_double(void **state)
{
    (void)state;
    double a = 1.5, b = 2.5, c = -3.0, z = 0.0, nz = -0.0;
    assert_int_equal(util_cmp_double(&a, &b), -1);
    assert_int_equal(util_cmp_double(&b, &a), 1);
    assert_int_equal(util_cmp_double(&a, &a), 0);
    assert_int_equal(util_cmp_double(&c, &a), -1);
    assert_int_equal(util_cmp_double(&z, &nz), 0);   /* -0 == +0 */
    double inf = INFINITY, ninf = -INFINITY;
    assert_int_equal(util_cmp_double(&ninf, &c), -1);
    assert_int_equal(util_cmp_double(&inf, &b), 1);
}

static void test_sort_doubles(void **state)
{
    (void)state;
    double v[] = { 3, -1, 2.5, 3, 0, -7.25, 1e9, 2.5 };
    const double want[] = { -7.25, -1, 0, 2.5, 2.5, 3, 3, 1e9 };
    util_sort_doubles(v, 8);
    for (int i = 0; i < 8; i++)
        assert_true(v[i] == want[i]);
    double one[] = { 42 };
    util_sort_doubles(one, 1);
    assert_true(one[0] == 42);
    util_sort_doubles(NULL, 0);   /* nothing to sort, no access */
}

/* n = 0: 0 by definition. n = 1: the one value at every p. */
static void test_percentile_tiny(void **state)
{
    (void)state;
    EXACT(util_percentile_sorted(NULL, 0, 0.5), 0);
    double one[] = { 7 };
    EXACT(PCT(one, 0), 7);
    EXACT(PCT(one, 0.5), 7);
    EXACT(PCT(one, 0.99), 7);
    EXACT(PCT(one, 1), 7);
}

/* {1, 2, 3, 4, 5}: index = 4 p. */
static void test_percentile_five(void **state)
{
    (void)state;
    double v[] = { 1, 2, 3, 4, 5 };
    EXACT(PCT(v, 0), 1);         /* index 0: the minimum */
    EXACT(PCT(v, 1), 5);         /* index 4: the maximum */
    EXACT(PCT(v, 0.5), 3);       /* index 2: the median */
    EXACT(PCT(v, 0.25), 2);      /* index 1 */
    EXACT(PCT(v, 0.125), 1.5);   /* index 0.5: halfway between 1 and 2 */
    EXACT(PCT(v, 0.875), 4.5);   /* index 3.5 */
    EXACT(PCT(v, 0.9375), 4.75); /* index 3.75: 0.25 * 4 + 0.75 * 5 */
    NEAR(PCT(v, 0.9), 4.6);      /* index 3.6: 0.4 * 4 + 0.6 * 5 */
}

/* Even n: the median is the mean of the two middle values. */
static void test_percentile_even(void **state)
{
    (void)state;
    double v[] = { 10, 20, 30, 40 };     /* index = 3 p */
    EXACT(PCT(v, 0.5), 25);      /* index 1.5 */
    NEAR(PCT(v, 0.5 / 3), 15);   /* index 0.5 */
    NEAR(PCT(v, 0.99), 39.7);    /* index 2.97: 0.03 * 30 + 0.97 * 40 */
    double two[] = { 0, 1 };             /* index = p: the value is p itself */
    EXACT(PCT(two, 0.3), 0.3);
    EXACT(PCT(two, 0.75), 0.75);
}

/* Ties: interpolating between equal order statistics gives that value. */
static void test_percentile_ties(void **state)
{
    (void)state;
    double v[] = { 1, 2, 2, 2, 3 };      /* index = 4 p */
    EXACT(PCT(v, 0.25), 2);      /* index 1 */
    EXACT(PCT(v, 0.375), 2);     /* index 1.5, between 2 and 2 */
    EXACT(PCT(v, 0.5), 2);
    EXACT(PCT(v, 0.625), 2);     /* index 2.5 */
    EXACT(PCT(v, 0.125), 1.5);   /* index 0.5, between 1 and 2 */
    EXACT(PCT(v, 0.875), 2.5);   /* index 3.5, between 2 and 3 */
    double same[] = { 4, 4, 4 };
    EXACT(PCT(same, 0), 4);
    EXACT(PCT(same, 0.5), 4);
    EXACT(PCT(same, 1), 4);
}

/* 101 values 0..100: the p-quantile is 100 p. */
static void test_percentile_hundred(void **state)
{
    (void)state;
    double v[101];
    for (int i = 0; i <= 100; i++)
        v[i] = i;
    NEAR(PCT(v, 0.99), 99);
    NEAR(PCT(v, 0.5), 50);
    NEAR(PCT(v, 0.999), 99.9);
    NEAR(PCT(v, 0.001), 0.1);
}

/* Outside [0, 1] p is clamped; NaN counts as 0. */
static void test_percentile_clamped(void **state)
{
    (void)state;
    double v[] = { -2, 0, 8 };
    EXACT(PCT(v, -0.5), -2);
    EXACT(PCT(v, 1.5), 8);
    EXACT(PCT(v, NAN), -2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cmp_double),
        cmocka_unit_test(test_sort_doubles),
        cmocka_unit_test(test_percentile_tiny),
        cmocka_unit_test(test_percentile_five),
        cmocka_unit_test(test_percentile_even),
        cmocka_unit_test(test_percentile_ties),
        cmocka_unit_test(test_percentile_hundred),
        cmocka_unit_test(test_percentile_clamped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
