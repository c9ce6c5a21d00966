/* Unit tests for model/groupfit.c and model/compare.c: any column pair of
 * any CSV, grouping, filtering, normalisation, before/after tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/compare.h"
#include "model/fit_table.h"
#include "model/groupfit.h"

/* y = 2 x^2 + 1 for g=a, y = x^2 + x for g=b, exact; one bad row; one row
 * filtered out by keep=0. */
static const char *csv_text =
    "x,y,g,keep\n"
    "1,3,a,1\n2,9,a,1\n3,19,a,1\n4,33,a,1\n"
    "1,2,b,1\n2,6,b,1\n3,12,b,1\n4,20,b,1\n"
    "5,,b,1\n"
    "9,999,a,0\n";

static void test_groups_filter_and_exact_fits(void **state)
{
    (void)state;
    csv_table t;
    char err[256];
    assert_int_equal(csv_parse(csv_text, strlen(csv_text), &t, err, sizeof err), 0);
    groupfit gf;
    assert_int_equal(groupfit_build(&t, "x", "y", "g", "keep", "1", &gf, err, sizeof err), 0);
    assert_int_equal(gf.ngroups, 2);
    assert_int_equal(gf.skipped, 1);
    const gf_group *a = groupfit_find(&gf, "a"), *b = groupfit_find(&gf, "b");
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(a->n, 4);
    assert_true(a->ok[FIT_QUADRATIC]);
    assert_float_equal(a->fits[FIT_QUADRATIC].coef[0], 2, 1e-9);
    assert_float_equal(a->fits[FIT_QUADRATIC].coef[2], 1, 1e-8);
    assert_float_equal(b->fits[FIT_QUADRATIC0].coef[1], 1, 1e-9);
    assert_int_equal(a->nlev, 4);
    assert_float_equal(a->lev[3].mean, 33, 0);
    /* four distinct x: the cubic fits exactly too, and leading term ~ 0 */
    assert_true(a->ok[FIT_CUBIC]);
    assert_float_equal(a->fits[FIT_CUBIC].coef[0], 0, 1e-8);
    groupfit_free(&gf);

    /* normalised: x' = (x-1)/3, y' = (y-3)/30 for a */
    assert_int_equal(groupfit_build_normalized(&t, "x", "y", "g", "keep", "1", &gf, err, sizeof err), 0);
    a = groupfit_find(&gf, "a");
    assert_float_equal(a->xr.lo, 1, 0);
    assert_float_equal(a->yr.hi, 33, 0);
    /* 2 x^2 + 1 with x = 1 + 3u: (2 (1 + 3u)^2 + 1 - 3) / 30 = (18u^2 + 12u) / 30 */
    assert_float_equal(a->fits[FIT_QUADRATIC].coef[0], 0.6, 1e-9);
    assert_float_equal(a->fits[FIT_QUADRATIC].coef[1], 0.4, 1e-9);
    assert_false(a->ok[FIT_POWER]); /* x' = 0 is not allowed in a power law */
    groupfit_free(&gf);

    assert_int_equal(groupfit_build(&t, "x", "nope", "g", NULL, NULL, &gf, err, sizeof err), -1);
    assert_non_null(strstr(err, "no column 'nope'"));
    assert_int_equal(groupfit_build(&t, "x", "y", NULL, "keep", "7", &gf, err, sizeof err), -1);
    assert_non_null(strstr(err, "no row has numbers"));
    csv_free(&t);
}

static void test_compare_rate_of_change(void **state)
{
    (void)state;
    /* the patent's FIG. 7 averages as single "repetitions": the changes are
     * the published rates (up to their rounding) and the mean is -25.4% */
    double x[5] = {10, 20, 30, 40, 50};
    double before[5] = {21.0, 40.5, 61.7, 102.4, 137.2}, after[5] = {22.5, 30.4, 42.7, 59.0, 85.9};
    compare_result c;
    char err[256];
    assert_int_equal(compare_build("setup_s", "s", "before", x, before, 5, "after", x, after, 5, &c,
                                   err, sizeof err), 0);
    assert_int_equal(c.nrows, 5);
    assert_float_equal(c.rows[0].change_pct, 100 * (22.5 - 21.0) / 21.0, 1e-9);
    assert_float_equal(c.rows[3].change_pct, -42.38, 0.01);
    /* (7.143 - 24.938 - 30.794 - 42.383 - 37.391) / 5, from the unrounded rates */
    assert_float_equal(c.mean_change_pct, -25.673, 0.001);
    assert_false(c.rows[0].welch_ok); /* one value per side: no t-test */
    assert_true(c.rows[0].mwu_ok);

    double x2[2] = {60, 70};
    assert_int_equal(compare_build("setup_s", "s", "before", x, before, 5, "after", x2, after, 2, &c,
                                   err, sizeof err), -1);
    assert_non_null(strstr(err, "no value of x is present in both"));

    /* repetitions: Welch and Mann-Whitney both available */
    double xr[6] = {10, 10, 10, 20, 20, 20}, ya[6] = {10, 11, 12, 20, 21, 22}, yb[6] = {5, 6, 7, 30, 31, 32};
    assert_int_equal(compare_build("m", "", "A", xr, ya, 6, "B", xr, yb, 6, &c, err, sizeof err), 0);
    assert_int_equal(c.nrows, 2);
    assert_true(c.rows[0].welch_ok && c.rows[0].mwu_ok);
    assert_float_equal(c.rows[0].mwu.p, 0.1, 1e-12);
    assert_float_equal(c.rows[1].change_pct, 100.0 * (31 - 21) / 21, 1e-9);
    json_t *j = compare_json(&c);
    assert_int_equal(json_array_size(json_object_get(j, "rows")), 2);
    json_decref(j);
}

/* Three values of N, one repetition each: the quadratic (3 coefficients)
 * passes through every point (SSE ~ 1e-20, BIC -> -inf). It must not be
 * ranked, and the report must say why; the models with residual degrees of
 * freedom are ranked among themselves. */
static void test_exact_fit_is_not_ranked(void **state)
{
    (void)state;
    static const char *text = "n,setup_s\n10,21\n30,61.7\n50,137.2\n";
    csv_table t;
    char err[256];
    assert_int_equal(csv_parse(text, strlen(text), &t, err, sizeof err), 0);
    groupfit gf;
    assert_int_equal(groupfit_build(&t, "n", "setup_s", NULL, NULL, NULL, &gf, err, sizeof err), 0);
    const gf_group *g = &gf.g[0];
    assert_true(g->ok[FIT_QUADRATIC]);
    assert_true(g->fits[FIT_QUADRATIC].sse < 1e-6);
    assert_false(fit_ranked(&g->fits[FIT_QUADRATIC]));
    assert_true(g->ok[FIT_POWER]);
    assert_true(fit_ranked(&g->fits[FIT_POWER]));
    int best = fit_best_index(g->fits, g->ok, FIT_KIND_COUNT, 'b');
    assert_true(best >= 0);
    assert_int_not_equal(best, FIT_QUADRATIC);
    assert_true(g->fits[best].n > g->fits[best].p);

    for (int markdown = 0; markdown < 2; markdown++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        assert_non_null(f);
        groupfit_print(f, &gf, 100, markdown);
        fclose(f);
        assert_non_null(strstr(buf, "quadratic: not ranked: 3 points for 3 coefficients leave no residual "
                                    "degrees of freedom"));
        assert_null(strstr(buf, "best by BIC: quadratic;"));
        assert_non_null(strstr(buf, "best by BIC: quadratic0;"));
        free(buf);
    }
    json_t *j = groupfit_json(&gf);
    json_t *gj = json_object_get(json_object_get(j, "groups"), g->name);
    assert_non_null(gj);
    const char *bb = json_string_value(json_object_get(gj, "best_by_bic"));
    assert_non_null(bb);
    assert_string_not_equal(bb, "quadratic");
    json_t *q = json_object_get(json_object_get(gj, "fits"), "quadratic");
    assert_non_null(strstr(json_string_value(json_object_get(q, "not_ranked")), "no residual degrees"));
    assert_null(json_object_get(json_object_get(json_object_get(gj, "fits"), "power"), "not_ranked"));
    json_decref(j);
    groupfit_free(&gf);
    csv_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups_filter_and_exact_fits),
        cmocka_unit_test(test_compare_rate_of_change),
        cmocka_unit_test(test_exact_fit_is_not_ranked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
