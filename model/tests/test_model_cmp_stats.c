/* Unit tests for model/cmp_stats.c (intervals, Welch change, the `~` and
 * too-few rules), model/cmp_table.c (rows, dropped points, warnings) and the
 * human units and change cells of model/cmp_format.c. Expected values are
 * computed by hand in the comments, with Student t quantiles from a printed
 * t table (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2), not by this code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "model/cmp_format.h"
#include "model/cmp_stats.h"
#include "model/cmp_table.h"

static const double old3[3] = {10, 12, 14}, new3[3] = {20, 22, 24}, near3[3] = {11, 13, 15};

/* mean 12, sd 2 (squares 4 + 0 + 4 = 8, / 2 = 4); t(0.975, 2) = 4.303 (table:
 * 4.302653), half-width 4.302653 * 2 / sqrt(3) = 4.968275 */
static void test_mean_interval(void **state)
{
    (void)state;
    cmp_sample s;
    char err[128];
    assert_int_equal(cmp_stats_sample(old3, 3, 0.05, &s, err, sizeof err), 0);
    assert_int_equal(s.n, 3);
    assert_float_equal(s.mean, 12.0, 1e-12);
    assert_float_equal(s.sd, 2.0, 1e-12);
    assert_float_equal(s.ci_lo, 12.0 - 4.968275, 1e-5);
    assert_float_equal(s.ci_hi, 12.0 + 4.968275, 1e-5);
    /* 99%: t(0.995, 2) = 9.925 (table: 9.924843), half 9.924843 * 2 / sqrt(3) = 11.460222 */
    assert_int_equal(cmp_stats_sample(old3, 3, 0.01, &s, err, sizeof err), 0);
    assert_float_equal(s.ci_hi - s.mean, 11.460222, 1e-4);
    /* one value: a mean, no interval */
    assert_int_equal(cmp_stats_sample(old3, 1, 0.05, &s, err, sizeof err), 0);
    assert_true(isnan(s.sd) && isnan(s.ci_lo) && isnan(s.ci_hi));
    assert_int_equal(cmp_stats_sample(old3, 0, 0.05, &s, err, sizeof err), -1);
    double bad[2] = {1, NAN};
    assert_int_equal(cmp_stats_sample(bad, 2, 0.05, &s, err, sizeof err), -1);
}

/* Welch, old {10,12,14} against new {20,22,24}: both variances 4, so
 * se^2 = 4/3 + 4/3 = 8/3, se = 1.632993; df = (8/3)^2 / ((4/3)^2/2 + (4/3)^2/2)
 * = 4; t = 10 / 1.632993 = 6.123724; t(0.975, 4) = 2.776445, half-width
 * 2.776445 * 1.632993 = 4.533916: difference 10 in [5.466084, 14.533916],
 * i.e. +83.333% in [+45.551%, +121.116%] of 12. The t table at df 4 has
 * t(0.9975) = 5.598 < 6.12 < t(0.999) = 7.173, so 0.002 < p < 0.005. */
static void test_welch_change(void **state)
{
    (void)state;
    cmp_sample a, b;
    cmp_change c;
    char err[128];
    assert_int_equal(cmp_stats_sample(old3, 3, 0.05, &a, err, sizeof err), 0);
    assert_int_equal(cmp_stats_sample(new3, 3, 0.05, &b, err, sizeof err), 0);
    cmp_stats_change(&a, &b, 0.05, &c);
    assert_int_equal(c.verdict, CMP_CHANGED);
    assert_float_equal(c.df, 4.0, 1e-9);
    assert_float_equal(c.t, 6.123724, 1e-5);
    assert_float_equal(c.diff, 10.0, 1e-12);
    assert_float_equal(c.diff_lo, 5.466084, 1e-5);
    assert_float_equal(c.diff_hi, 14.533916, 1e-5);
    assert_true(c.pct_ok);
    assert_float_equal(c.pct, 83.3333, 1e-3);
    assert_float_equal(c.pct_lo, 45.5507, 1e-3);
    assert_float_equal(c.pct_hi, 121.1160, 1e-3);
    assert_true(c.p > 0.002 && c.p < 0.005);
    /* the same data at alpha 0.001: t(0.9995, 4) = 8.610 > 6.12, not significant */
    cmp_stats_change(&a, &b, 0.001, &c);
    assert_int_equal(c.verdict, CMP_SAME);
    assert_true(c.diff_lo < 0 && c.diff_hi > 0);
}

/* old {10,12,14}, new {11,13,15}: t = 1 / 1.632993 = 0.612, df 4, below
 * t(0.75, 4) = 0.741, so p > 0.5: `~`, and the interval 1 ± 4.533916 holds 0 */
static void test_not_significant(void **state)
{
    (void)state;
    cmp_sample a, b;
    cmp_change c;
    char err[128];
    assert_int_equal(cmp_stats_sample(old3, 3, 0.05, &a, err, sizeof err), 0);
    assert_int_equal(cmp_stats_sample(near3, 3, 0.05, &b, err, sizeof err), 0);
    cmp_stats_change(&a, &b, 0.05, &c);
    assert_int_equal(c.verdict, CMP_SAME);
    assert_true(c.p > 0.5);
    assert_float_equal(c.diff_lo, 1 - 4.533916, 1e-5);
    assert_float_equal(c.diff_hi, 1 + 4.533916, 1e-5);
}

static void test_too_few_and_degenerate(void **state)
{
    (void)state;
    cmp_sample a, b;
    cmp_change c;
    char err[128], cell[160];
    /* one value a side (the patent's 21.0 s against one run's 19.5 s):
     * never testable, the point change is still shown: -1.5 / 21 = -7.14% */
    double pa[1] = {21.0}, pb[1] = {19.5};
    assert_int_equal(cmp_stats_sample(pa, 1, 0.05, &a, err, sizeof err), 0);
    assert_int_equal(cmp_stats_sample(pb, 1, 0.05, &b, err, sizeof err), 0);
    cmp_stats_change(&a, &b, 0.05, &c);
    assert_int_equal(c.verdict, CMP_TOO_FEW);
    assert_true(isnan(c.p));
    assert_float_equal(c.pct, -7.142857, 1e-5);
    /* no spread on either side: equal means are `~` (p = 1), different ones a change */
    double z[2] = {3, 3}, f[2] = {5, 5};
    assert_int_equal(cmp_stats_sample(z, 2, 0.05, &a, err, sizeof err), 0);
    cmp_stats_change(&a, &a, 0.05, &c);
    assert_int_equal(c.verdict, CMP_SAME);
    assert_float_equal(c.p, 1.0, 0);
    assert_int_equal(cmp_stats_sample(f, 2, 0.05, &b, err, sizeof err), 0);
    cmp_stats_change(&a, &b, 0.05, &c);
    assert_int_equal(c.verdict, CMP_CHANGED);
    /* old mean 0 (t_lock_s in before mode): no percentage, never +inf% */
    double zero[3] = {0, 0, 0}, five[3] = {5, 5, 5};
    cmp_table_row row;
    memset(&row, 0, sizeof row);
    row.have[0] = row.have[1] = 1;
    assert_int_equal(cmp_stats_sample(zero, 3, 0.05, &row.s[0], err, sizeof err), 0);
    assert_int_equal(cmp_stats_sample(five, 3, 0.05, &row.s[1], err, sizeof err), 0);
    cmp_stats_change(&row.s[0], &row.s[1], 0.05, &row.ch[1]);
    assert_false(row.ch[1].pct_ok);
    cmp_format_change(&row, 1, cell, sizeof cell);
    assert_non_null(strstr(cell, "n/a (old is 0)"));
    assert_null(strstr(cell, "inf"));
}

static void test_units(void **state)
{
    (void)state;
    char b[64];
    cmp_format_value(4254000, CMP_UNIT_BYTES, b, sizeof b);
    assert_string_equal(b, "4.254 MB");
    cmp_format_value(419000, CMP_UNIT_BYTES, b, sizeof b);
    assert_string_equal(b, "419.0 kB");
    cmp_format_value(0.35, CMP_UNIT_SECONDS, b, sizeof b);
    assert_string_equal(b, "350.0 ms");
    cmp_format_value(17.55, CMP_UNIT_SECONDS, b, sizeof b);
    assert_string_equal(b, "17.55 s");
    cmp_format_value(577, CMP_UNIT_COUNT, b, sizeof b);
    assert_string_equal(b, "577");
    assert_int_equal(cmp_metric_unit("setup_s"), CMP_UNIT_SECONDS);
    assert_int_equal(cmp_metric_unit("app_bytes"), CMP_UNIT_BYTES);
    assert_int_equal(cmp_metric_unit("ops_total"), CMP_UNIT_COUNT);
    cmp_fmt f;
    assert_int_equal(cmp_format_parse("md", &f), 0);
    assert_int_equal(f, CMP_FMT_MARKDOWN);
    assert_int_equal(cmp_format_parse("csv", &f), 0);
    assert_int_equal(cmp_format_parse("xml", &f), -1);
}

/* Two hand-made runs: before N=10 in both (3 values a side), N=20 only in
 * the old, N=30 only in the new, a mode only in the new, one value at N=40. */
static void test_table(void **state)
{
    (void)state;
    static const char *const metrics[1] = {"setup_s"};
    cmp_run runs[2];
    cmp_table t;
    char err[256];
    memset(runs, 0, sizeof runs);
    snprintf(runs[0].id, sizeof runs[0].id, "old");
    snprintf(runs[1].id, sizeof runs[1].id, "new");
    for (int i = 0; i < 3; i++) {
        assert_int_equal(cmp_run_add(&runs[0], "before", 10, 0, old3[i]), 0);
        assert_int_equal(cmp_run_add(&runs[1], "before", 10, 0, new3[i]), 0);
        assert_int_equal(cmp_run_add(&runs[0], "before", 20, 0, old3[i]), 0);
        assert_int_equal(cmp_run_add(&runs[1], "before", 30, 0, old3[i]), 0);
        assert_int_equal(cmp_run_add(&runs[1], "lockless", 10, 0, old3[i]), 0);
    }
    assert_int_equal(cmp_run_add(&runs[0], "before", 40, 0, 5), 0);
    assert_int_equal(cmp_run_add(&runs[1], "before", 40, 0, 6), 0);
    assert_int_equal(cmp_table_build(runs, 2, metrics, 1, 0.05, &t, err, sizeof err), 0);
    assert_int_equal(t.nrows, 2);
    assert_int_equal(t.rows[0].n, 10);
    assert_int_equal(t.rows[0].ch[1].verdict, CMP_CHANGED);
    assert_int_equal(t.rows[1].n, 40);
    assert_int_equal(t.rows[1].ch[1].verdict, CMP_TOO_FEW);
    int n20 = 0, n30 = 0, lockless = 0;
    for (size_t i = 0; i < t.ndropped; i++) {
        n20 |= strstr(t.dropped[i], "before N=20: only in old") != NULL;
        n30 |= strstr(t.dropped[i], "before N=30: only in new") != NULL;
        lockless |= strstr(t.dropped[i], "mode lockless: only in new") != NULL;
    }
    assert_true(n20 && n30 && lockless);
    assert_int_equal(t.nwarnings, 1);
    assert_non_null(strstr(t.warnings[0], "before N=40"));
    assert_int_equal(t.diffs.n, 0);
    cmp_table_free(&t);
    cmp_run_free(&runs[0]);
    cmp_run_free(&runs[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mean_interval),
        cmocka_unit_test(test_welch_change),
        cmocka_unit_test(test_not_significant),
        cmocka_unit_test(test_too_few_and_degenerate),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
