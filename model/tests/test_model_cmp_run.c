/* Unit tests for model/cmp_run.c: a sweep directory's coverage (planned,
 * done, failed, checker-red) and which runs enter the samples, and the
 * patent's reference numbers read as a run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/cmp_run.h"

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Five runs planned, four recorded: one green, one that did not complete,
 * one with an error, one checker-red. Only the green one is a sample. */
static void test_sweep_coverage(void **state)
{
    (void)state;
    char dir[] = "/tmp/geokv-cmp-run-XXXXXX", err[256], line[256];
    assert_non_null(mkdtemp(dir));
    write_file(dir, "config.json",
               "{\"run_id\":\"r1\",\"git_describe\":\"abc123\",\"mode_order\":[\"before\",\"after\"],"
               "\"order\":[{\"mode\":\"after\",\"n\":3,\"rep\":1},{\"mode\":\"before\",\"n\":3,\"rep\":1},"
               "{\"mode\":\"before\",\"n\":3,\"rep\":2},{\"mode\":\"before\",\"n\":4,\"rep\":1},"
               "{\"mode\":\"before\",\"n\":5,\"rep\":1}]}\n");
    write_file(dir, "runs.jsonl",
               "{\"mode\":\"after\",\"n\":3,\"completed\":true,\"error\":\"\",\"checker_ok\":true,\"setup_s\":1.5}\n"
               "{\"mode\":\"before\",\"n\":3,\"completed\":false,\"error\":\"\",\"checker_ok\":false,\"setup_s\":null}\n"
               "{\"mode\":\"before\",\"n\":3,\"completed\":true,\"error\":\"etcd died\",\"checker_ok\":true,\"setup_s\":2}\n"
               "{\"mode\":\"before\",\"n\":4,\"completed\":true,\"error\":\"\",\"checker_ok\":false,\"setup_s\":3}\n");
    static const char *const metrics[1] = {"setup_s"};
    cmp_run r;
    assert_int_equal(cmp_run_load(dir, metrics, 1, &r, err, sizeof err), 0);
    assert_string_equal(r.id, "r1");
    assert_string_equal(r.version, "abc123");
    assert_false(r.reference);
    assert_true(r.planned_known);
    assert_int_equal(r.planned, 5);
    assert_int_equal(r.done, 4);
    assert_int_equal(r.failed, 2);
    assert_int_equal(r.red, 1);
    assert_int_equal(r.ncells, 1);
    const cmp_cell *c = cmp_run_cell(&r, "after", 3, 0);
    assert_non_null(c);
    assert_int_equal(c->nv, 1);
    assert_null(cmp_run_cell(&r, "before", 4, 0));
    /* modes in mode_order's order, also those without a green run */
    assert_int_equal(r.nmodes, 2);
    assert_string_equal(r.modes[0], "before");
    assert_true(cmp_run_planned(&r, "before", 5));
    assert_false(cmp_run_planned(&r, "after", 5));
    cmp_run_coverage(&r, line, sizeof line);
    assert_string_equal(line, "r1: 4 run(s) done of 5 planned (PARTIAL sweep), 2 failed, 1 checker-red");
    cmp_run_free(&r);
    char path[512];
    snprintf(path, sizeof path, "%s/config.json", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/runs.jsonl", dir);
    unlink(path);
    /* not a results directory */
    assert_int_equal(cmp_run_load(dir, metrics, 1, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "runs.jsonl"));
    rmdir(dir);
    assert_int_equal(cmp_run_load("/nonexistent/geokv", metrics, 1, &r, err, sizeof err), -1);
}

/* results/reference: FIG. 7 in seconds, FIG. 8 (printed 419 at N = 10
 * before, 145 after) in bytes as kB x 1000, one value per point. */
static void test_reference(void **state)
{
    (void)state;
    static const char *const metrics[3] = {"setup_s", "app_bytes", "ops_total"};
    cmp_run r;
    char err[256];
    char ref[1024];
    const char *root = getenv("GEOKV_ROOT");
    snprintf(ref, sizeof ref, "%s/results/reference", root ? root : ".");
    assert_int_equal(cmp_run_load(ref, metrics, 3, &r, err, sizeof err), 0);
    assert_true(r.reference);
    const cmp_cell *c = cmp_run_cell(&r, "before", 10, 0);
    assert_non_null(c);
    assert_int_equal(c->nv, 1);
    assert_float_equal(c->v[0], 21.0, 1e-9);
    c = cmp_run_cell(&r, "after", 10, 1);
    assert_non_null(c);
    assert_float_equal(c->v[0], 145000.0, 1e-6);
    assert_false(cmp_run_has_metric(&r, 2));
    assert_int_equal(r.nmodes, 2);
    cmp_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sweep_coverage),
        cmocka_unit_test(test_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
