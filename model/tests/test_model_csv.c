/* Unit tests for model/csv.c and model/normalize.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/csv.h"
#include "model/normalize.h"

static int parse(const char *s, csv_table *t, char *err, size_t errlen)
{
    return csv_parse(s, strlen(s), t, err, errlen);
}

static void test_csv_basic_and_quotes(void **state)
{
    (void)state;
    csv_table t;
    char err[256];
    const char *s = "\xEF\xBB\xBFmode,n,msg\r\n"
                    "# a comment line\r\n"
                    "before,10,\"a, b\"\r\n"
                    "\r\n"
                    "after,20,\"say \"\"hi\"\"\nnext line\"\r\n"
                    "lockless,30"; /* short row, no final newline */
    assert_int_equal(parse(s, &t, err, sizeof err), 0);
    assert_int_equal(t.ncols, 3);
    assert_int_equal(t.nrows, 3);
    assert_string_equal(t.names[0], "mode");
    assert_int_equal(csv_column(&t, "msg"), 2);
    assert_int_equal(csv_column(&t, "nope"), -1);
    assert_string_equal(csv_cell(&t, 0, 2), "a, b");
    assert_string_equal(csv_cell(&t, 1, 2), "say \"hi\"\nnext line");
    assert_string_equal(csv_cell(&t, 2, 0), "lockless");
    assert_string_equal(csv_cell(&t, 2, 2), "");
    assert_string_equal(csv_cell(&t, 9, 9), "");

    double v[3];
    size_t n;
    assert_int_equal(csv_column_doubles(&t, "n", NULL, 0, v, &n, err, sizeof err), 0);
    assert_int_equal(n, 3);
    assert_float_equal(v[2], 30, 0);
    unsigned char keep[3] = {0, 1, 1};
    assert_int_equal(csv_column_doubles(&t, "n", keep, 0, v, &n, err, sizeof err), 0);
    assert_int_equal(n, 2);
    assert_float_equal(v[0], 20, 0);

    const char **vals;
    size_t nv;
    assert_int_equal(csv_distinct(&t, 0, &vals, &nv, err, sizeof err), 0);
    assert_int_equal(nv, 3);
    assert_string_equal(vals[1], "after");
    free(vals);
    csv_free(&t);
}

static void test_csv_errors(void **state)
{
    (void)state;
    csv_table t;
    char err[256];
    assert_int_equal(parse("", &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "empty"));
    assert_int_equal(parse("# only a comment\n\n", &t, err, sizeof err), -1);
    assert_int_equal(parse("a,b\n1,2,3\n", &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "line 2: 3 fields but the header has 2"));
    assert_int_equal(parse("a,b\n1,\"open\n", &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "not closed"));
    assert_int_equal(parse("a,,c\n", &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "column 2 has no name"));
    assert_int_equal(parse("a,b\n\"x\"y,1\n", &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "after closing quote"));

    /* header only: zero rows is valid */
    assert_int_equal(parse("x,y\n", &t, err, sizeof err), 0);
    assert_int_equal(t.nrows, 0);
    csv_free(&t);

    assert_int_equal(parse("x,y\n1,2\n3,abc\n5,\n7,nan\n", &t, err, sizeof err), 0);
    double v[4];
    size_t n;
    assert_int_equal(csv_column_doubles(&t, "y", NULL, 0, v, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "data row 2: 'abc' is not a finite number"));
    assert_int_equal(csv_column_doubles(&t, "y", NULL, 1, v, &n, err, sizeof err), 0);
    assert_int_equal(n, 1); /* "abc", "" and "nan" skipped */
    assert_int_equal(csv_column_doubles(&t, "z", NULL, 0, v, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "no column 'z' (columns: x,y)"));
    csv_free(&t);

    assert_int_equal(csv_read("/nonexistent/summary.csv", &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot open /nonexistent/summary.csv"));
}

static void test_normalize_round_trip(void **state)
{
    (void)state;
    double v[5] = {21.0, 40.5, 61.7, 102.4, 137.2}, u[5];
    norm_range r;
    char err[256];
    assert_int_equal(norm_minmax(v, 5, &r, err, sizeof err), 0);
    norm_apply_all(&r, v, u, 5);
    assert_float_equal(u[0], 0, 0);
    assert_float_equal(u[4], 1, 1e-15);
    for (int i = 0; i < 5; i++)
        assert_float_equal(norm_invert(&r, u[i]), v[i], 1e-12);
    assert_int_equal(norm_max(v, 5, &r, err, sizeof err), 0);
    assert_float_equal(norm_apply(&r, 137.2), 1, 1e-15);
    assert_float_equal(norm_invert(&r, norm_apply(&r, 61.7)), 61.7, 1e-12);

    double flat[3] = {2, 2, 2};
    assert_int_equal(norm_minmax(flat, 3, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "all 3 values equal"));
    assert_int_equal(norm_minmax(flat, 0, &r, err, sizeof err), -1);
    double bad[2] = {1, NAN};
    assert_int_equal(norm_minmax(bad, 2, &r, err, sizeof err), -1);

    /* a quadratic on normalised axes maps to the same curve in raw units */
    norm_range xr = {10, 50}, yr = {21.0, 137.2};
    double abc[3] = {0.6972, 0.2662, 0.0098}, raw[3];
    norm_quadratic_to_raw(&xr, &yr, abc, raw);
    for (double x = 0; x <= 100; x += 7.5) {
        double uu = norm_apply(&xr, x);
        double want = norm_invert(&yr, abc[0] * uu * uu + abc[1] * uu + abc[2]);
        assert_float_equal(raw[0] * x * x + raw[1] * x + raw[2], want, 1e-9);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_basic_and_quotes),
        cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_normalize_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
