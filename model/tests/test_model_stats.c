/* Unit tests for model/stats.c. Expected p-values come from published worked
 * examples and tables (sources cited at each test), not from this code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "model/stats.h"

static void test_summary(void **state)
{
    (void)state;
    double v[5] = {2, 4, 4, 5, 10};
    stats_summary s;
    char err[256];
    assert_int_equal(stats_summarize(v, 5, &s, err, sizeof err), 0);
    assert_float_equal(s.mean, 5.0, 1e-12);
    assert_float_equal(s.median, 4.0, 1e-12);
    assert_float_equal(s.sd, 3.0, 1e-12); /* sum of squares 9+1+1+0+25 = 36 */
    /* 95% CI half-width: t(0.975, 4) = 2.776445 (any t table) */
    assert_float_equal(s.ci_hi - s.mean, 2.776445 * s.sd / sqrt(5.0), 1e-5);
    double e[2] = {1, 3};
    assert_int_equal(stats_summarize(e, 2, &s, err, sizeof err), 0);
    assert_float_equal(s.median, 2.0, 1e-12);
    assert_int_equal(stats_summarize(e, 0, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "no values"));
    double bad[2] = {1, NAN};
    assert_int_equal(stats_summarize(bad, 2, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a finite number"));
}

/* R's t.test (Welch by default) on this data prints
 *   t = -1.8325, df = 17.9, p-value = 0.08356
 * (R session quoted in the stats.stackexchange answer "Welch's t-test
 * confidence interval", ts1/ts2 example). */
static void test_welch_matches_r(void **state)
{
    (void)state;
    double ts1[10] = {11, 9, 10, 11, 10, 12, 9, 11, 12, 9};
    double ts2[10] = {11, 13, 10, 13, 12, 9, 11, 12, 12, 11};
    stats_welch w;
    char err[256];
    assert_int_equal(stats_welch_test(ts1, 10, ts2, 10, &w, err, sizeof err), 0);
    assert_float_equal(w.t, -1.8325, 5e-5);
    assert_float_equal(w.df, 17.9, 0.05);
    assert_float_equal(w.p, 0.08356, 5e-6);

    assert_int_equal(stats_welch_test(ts1, 1, ts2, 10, &w, err, sizeof err), -1);
    assert_non_null(strstr(err, "at least 2"));
    double same[3] = {5, 5, 5}, other[3] = {6, 6, 6};
    assert_int_equal(stats_welch_test(same, 3, other, 3, &w, err, sizeof err), 0);
    assert_float_equal(w.p, 0.0, 0);
    assert_int_equal(stats_welch_test(same, 3, same, 3, &w, err, sizeof err), 0);
    assert_float_equal(w.p, 1.0, 0);
}

/* Exact small-sample values. Mann & Whitney (1947) / standard critical-value
 * tables: for n1 = n2 = 5 the two-sided 5% critical U is 2, i.e.
 * P(U <= 2) = 4/252 = 0.0159 < 0.025 < P(U <= 3) = 7/252 = 0.0278.
 * For n1 = n2 = 3 complete separation has P(U = 0) = 1/C(6,3) = 1/20, so the
 * smallest two-sided p is 0.1 (why three repetitions cannot reach p < 0.05
 * with this test). */
static void test_mann_whitney_exact_table(void **state)
{
    (void)state;
    stats_mwu m;
    char err[256];
    double a[5] = {1, 2, 4, 10, 11}, b[5] = {3, 5, 6, 7, 8};
    /* pairs a > b: 4 > 3 (1); 10 > all 5; 11 > all 5 -> U = 11; U' = 14 */
    assert_int_equal(stats_mann_whitney(a, 5, b, 5, STATS_TWO_SIDED, 0, &m, err, sizeof err), 0);
    assert_int_equal(m.exact, 1);
    assert_float_equal(m.u, 11, 0);

    double lo[5] = {1, 2, 3, 5, 6}, hi[5] = {4, 7, 8, 9, 10};
    /* U(lo) = 2: pairs 5 > 4, 6 > 4 */
    assert_int_equal(stats_mann_whitney(lo, 5, hi, 5, STATS_LESS, 0, &m, err, sizeof err), 0);
    assert_float_equal(m.u, 2, 0);
    assert_float_equal(m.p, 4.0 / 252.0, 1e-12);
    double lo3[5] = {1, 2, 4, 5, 6}, hi3[5] = {3, 7, 8, 9, 10}; /* U = 3 */
    assert_int_equal(stats_mann_whitney(lo3, 5, hi3, 5, STATS_LESS, 0, &m, err, sizeof err), 0);
    assert_float_equal(m.u, 3, 0);
    assert_float_equal(m.p, 7.0 / 252.0, 1e-12);

    double x3[3] = {10, 11, 12}, y3[3] = {1, 2, 3};
    assert_int_equal(stats_mann_whitney(x3, 3, y3, 3, STATS_TWO_SIDED, 0, &m, err, sizeof err), 0);
    assert_float_equal(m.u, 9, 0);
    assert_float_equal(m.p, 0.1, 1e-12);
    assert_int_equal(stats_mann_whitney(x3, 3, y3, 3, STATS_GREATER, 0, &m, err, sizeof err), 0);
    assert_float_equal(m.p, 0.05, 1e-12);
}

/* Normal approximation with continuity correction: ClickHouse's
 * mannWhitneyUTest documentation example, samples {10, 11, 12} and {1, 2, 3},
 * alternative 'greater': (U, p) = (9, 0.04042779918503192). */
static void test_mann_whitney_normal_continuity(void **state)
{
    (void)state;
    stats_mwu m;
    char err[256];
    double x3[3] = {10, 11, 12}, y3[3] = {1, 2, 3};
    assert_int_equal(stats_mann_whitney(x3, 3, y3, 3, STATS_GREATER, 1, &m, err, sizeof err), 0);
    assert_int_equal(m.exact, 0);
    assert_float_equal(m.u, 9, 0);
    assert_float_equal(m.p, 0.04042779918503192, 1e-12);
}

/* Normal approximation with ties: NAG C Library g08amc (nag_mann_whitney)
 * example program, n1 = 16, n2 = 23, many ties. Published results:
 * test statistic U = 86.0, normal statistic -2.8039, approximate tail
 * probability 0.0025 (lower tail). */
static void test_mann_whitney_ties_nag(void **state)
{
    (void)state;
    double g1[16] = {13, 6, 12, 7, 12, 7, 10, 7, 10, 7, 16, 7, 10, 8, 9, 8};
    double g2[23] = {17, 6, 10, 8, 15, 8, 15, 10, 15, 10, 14, 10, 14, 11, 14, 11,
                     13, 12, 13, 12, 13, 12, 12};
    stats_mwu m;
    char err[256];
    assert_int_equal(stats_mann_whitney(g1, 16, g2, 23, STATS_LESS, 0, &m, err, sizeof err), 0);
    assert_int_equal(m.exact, 0); /* ties force the normal approximation */
    assert_float_equal(m.u, 86.0, 1e-12);
    assert_float_equal(m.z, -2.8039, 2e-4);
    assert_float_equal(m.p, 0.0025, 5e-5);
}

static void test_mann_whitney_errors(void **state)
{
    (void)state;
    stats_mwu m;
    char err[256];
    double a[2] = {1, 2};
    assert_int_equal(stats_mann_whitney(a, 2, a, 0, STATS_TWO_SIDED, 0, &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "both samples"));
    double n[2] = {1, NAN};
    assert_int_equal(stats_mann_whitney(a, 2, n, 2, STATS_TWO_SIDED, 0, &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a finite number"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary),
        cmocka_unit_test(test_welch_matches_r),
        cmocka_unit_test(test_mann_whitney_exact_table),
        cmocka_unit_test(test_mann_whitney_normal_continuity),
        cmocka_unit_test(test_mann_whitney_ties_nag),
        cmocka_unit_test(test_mann_whitney_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
