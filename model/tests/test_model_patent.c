/* Unit tests for model/patent.c on the shipped reference data
 * (results/reference/, the patent's published FIG. 7-10 numbers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "model/patent.h"

static const char *ref_dir(void)
{
    static char buf[1024];
    const char *root = getenv("GEOKV_ROOT");
    snprintf(buf, sizeof buf, "%s/results/reference", root ? root : ".");
    return buf;
}

static void test_reference_data_as_published(void **state)
{
    (void)state;
    patent_ref p;
    char err[512];
    assert_int_equal(patent_load(ref_dir(), &p, err, sizeof err), 0);
    assert_int_equal(p.npts, 5);
    assert_float_equal(p.n[4], 50, 0);
    assert_float_equal(p.data[0][0][4], 137.2, 1e-12);
    assert_float_equal(p.data[1][1][1], 862, 0);
    assert_float_equal(p.model[0][0][0], 0.6972, 0);
    assert_float_equal(p.model[1][1][1], 0.4243, 0);
    assert_float_equal(p.model[1][0][2], 0, 0);
    /* the text's "about 26%" and "about 62%" are the means of the per-N rates */
    double m7 = 0, m8 = 0;
    for (int i = 0; i < 5; i++) {
        m7 += p.change_pct[0][i] / 5;
        m8 += p.change_pct[1][i] / 5;
    }
    assert_float_equal(m7, -25.4, 1e-9);
    assert_float_equal(m8, -62.0, 1e-9);

    assert_int_equal(patent_load("/nonexistent", &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "patent-fig7.csv"));
}

/* Least squares minimises SSE, so on every candidate normalisation our SSE
 * must not exceed the patent's; the best candidate is the one with the
 * smallest patent SSE; the patent's model mapped to raw units gives the same
 * SSE as on normalised axes times the squared y range. */
static void test_fit_figures(void **state)
{
    (void)state;
    patent_ref p;
    char err[512];
    assert_int_equal(patent_load(ref_dir(), &p, err, sizeof err), 0);
    for (int which = 0; which < 2; which++) {
        patent_figure_fit f;
        assert_int_equal(patent_fit_figure(&p, which, &f, err, sizeof err), 0);
        assert_int_equal(f.kind, which ? FIT_QUADRATIC0 : FIT_QUADRATIC);
        for (int c = 0; c < PATENT_NCAND; c++) {
            assert_true(f.cand_our_sse[c] <= f.cand_patent_sse[c] + 1e-12);
            assert_true(f.cand_patent_sse[f.best] <= f.cand_patent_sse[c]);
        }
        for (int s = 0; s < 2; s++) {
            const patent_series_fit *sf = &f.s[s];
            assert_true(sf->norm.sse <= sf->patent_sse_norm);
            double h = sf->yr.hi - sf->yr.lo;
            assert_float_equal(sf->patent_sse_raw, sf->patent_sse_norm * h * h,
                               1e-8 * sf->patent_sse_raw);
            /* the same form fitted in raw units describes the same curve as
             * the normalised fit when x and y are only rescaled (lo = 0) */
            if (sf->xr.lo == 0 && sf->yr.lo == 0) {
                double sx = sf->xr.hi, sy = sf->yr.hi;
                assert_float_equal(sf->raw.coef[0], sf->norm.coef[0] * sy / (sx * sx),
                                   1e-6 * fabs(sf->raw.coef[0]));
            }
            assert_true(sf->all_ok[FIT_QUADRATIC] && sf->all_ok[FIT_CUBIC] && sf->all_ok[FIT_POWER]);
        }
        patent_figure_fit_free(&f);
    }
}

static void test_report_json(void **state)
{
    (void)state;
    patent_ref p;
    char err[512];
    assert_int_equal(patent_load(ref_dir(), &p, err, sizeof err), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(patent_report(f, &p, 1, err, sizeof err), 0);
    fclose(f);
    json_error_t jerr;
    json_t *o = json_loads(buf, 0, &jerr);
    assert_non_null(o);
    json_t *fig9 = json_object_get(o, "fig9");
    assert_int_equal(json_integer_value(json_object_get(fig9, "figure")), 9);
    assert_int_equal(json_array_size(json_object_get(fig9, "normalisations")), PATENT_NCAND);
    assert_non_null(json_object_get(json_object_get(json_object_get(o, "fig10"), "series"), "after"));
    json_decref(o);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_data_as_published),
        cmocka_unit_test(test_fit_figures),
        cmocka_unit_test(test_report_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
