/* Unit tests for the table of columns and the document generated from it:
 * results/SCHEMA.md must hold exactly the generated tables (regenerate with
 * `build/bin/geokv-bench schema --update results/SCHEMA.md`), the
 * summary.csv columns are the table's SUMMARY columns in order, a record's
 * keys come in the table's order, and the fault counters are added by their
 * own call. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bench/bench_record.h"
#include "bench/bench_schema.h"
#include "sim/util/util_fs.h"

static void test_schema_md_is_generated(void **state)
{
    char path[4096], err[512];
    const char *root = getenv("GEOKV_ROOT");
    (void)state;
    snprintf(path, sizeof path, "%s/results/SCHEMA.md", root && *root ? root : ".");
    char *doc = util_slurp(path, NULL);
    if (!doc)
        fail_msg("cannot read %s (run from the repository root or set GEOKV_ROOT)", path);
    char *want = bench_schema_splice(doc, err, sizeof err);
    if (!want)
        fail_msg("%s: %s", path, err);
    if (strcmp(doc, want) != 0) {
        size_t line = 1, i = 0;
        for (; doc[i] && doc[i] == want[i]; i++)
            line += doc[i] == '\n';
        fail_msg("%s differs from the generated tables from line %zu on: run "
                 "`build/bin/geokv-bench schema --update results/SCHEMA.md`", path, line);
    }
    free(doc);
    free(want);
}

static void test_splice(void **state)
{
    char err[512];
    (void)state;
    assert_null(bench_schema_splice("# no markers here\n", err, sizeof err));
    assert_non_null(strstr(err, "no generated part"));
    /* the part between the markers is replaced, the rest kept as it is */
    char *out = bench_schema_splice("head\n" BENCH_SCHEMA_BEGIN " old -->\nstale | table\n" BENCH_SCHEMA_END
                                    "\ntail\n", err, sizeof err);
    assert_non_null(out);
    assert_true(strncmp(out, "head\n" BENCH_SCHEMA_BEGIN, 5 + strlen(BENCH_SCHEMA_BEGIN)) == 0);
    assert_null(strstr(out, "stale"));
    assert_non_null(strstr(out, "| `setup_s` | s |"));
    assert_non_null(strstr(out, BENCH_SCHEMA_END "\ntail\n"));
    /* idempotent */
    char *again = bench_schema_splice(out, err, sizeof err);
    assert_string_equal(again, out);
    free(again);
    free(out);
}

static void test_table_consistent(void **state)
{
    size_t k = 0;
    (void)state;
    for (size_t i = 0; i < bench_n_columns; i++) {
        const bench_column *c = &bench_columns[i];
        assert_non_null(c->name);
        assert_true(strlen(c->description) > 5);
        for (size_t j = 0; j < i; j++)
            if (strcmp(bench_columns[j].name, c->name) == 0)
                fail_msg("column %s listed twice", c->name);
        if (c->src == BENCH_SRC_FN)
            assert_non_null(c->fn);
        else if (c->src != BENCH_SRC_FAULT)
            assert_int_not_equal(c->type, BENCH_T_OTHER);
        if (c->kind == BENCH_KIND_SUMMARY) {
            /* summary.csv holds the SUMMARY columns, in the table's order */
            assert_non_null(bench_csv_columns[k]);
            assert_string_equal(bench_csv_columns[k], c->name);
            k++;
        }
    }
    assert_null(bench_csv_columns[k]);
    /* the counters of sim/cb/cb_counters.h and of bench_meas are in it */
    const char *plain[] = {"setup_s", "lock_acquisitions", "t_other_s", "redeploy_region", "wan_spin_s", "stop_s"};
    for (size_t p = 0; p < sizeof plain / sizeof plain[0]; p++) {
        size_t i = 0;
        while (i < bench_n_columns && strcmp(bench_columns[i].name, plain[p]) != 0)
            i++;
        if (i == bench_n_columns)
            fail_msg("counter %s is not a column", plain[p]);
    }
}

static void fill(cb_run_result *r, bench_meas *m)
{
    memset(r, 0, sizeof *r);
    memset(m, 0, sizeof *m);
    r->completed = true;
    r->setup_s = 2.5;
    r->redeploy_agent = -1;
    r->redeploy_s = -1;
    r->watch_resumes = 3;
    snprintf(r->redeploy_region, sizeof r->redeploy_region, "gcp-asia-east1");
    m->mode = "after";
    m->res = r;
    m->has_wan = true;
    m->wan_spin_s = 0.25;
    m->leader_moves = 2;
}

/* Keys in the table's order; RAN columns only with a run; FAULT columns
 * only through bench_record_fault_counters. */
static void test_record_order_and_presence(void **state)
{
    cb_run_result r;
    bench_meas m;
    (void)state;
    fill(&r, &m);
    json_t *rec = bench_record_json(&m);
    assert_non_null(rec);
    assert_int_equal(bench_record_fault_counters(rec, &r), 0);
    const char *key;
    json_t *v;
    size_t i = 0;
    json_object_foreach(rec, key, v) {
        while (i < bench_n_columns && strcmp(bench_columns[i].name, key) != 0)
            i++;
        if (i == bench_n_columns)
            fail_msg("key %s is not in the table, or out of its order", key);
    }
    for (i = 0; i < bench_n_columns; i++) {
        const bench_column *c = &bench_columns[i];
        bool want = c->src != BENCH_SRC_FAULT;   /* the fault_* keys come from bench_fault.c */
        if ((json_object_get(rec, c->name) != NULL) != want)
            fail_msg("key %s %s", c->name, want ? "missing" : "unexpected");
    }
    assert_true(json_real_value(json_object_get(rec, "setup_s")) == 2.5);
    assert_true(json_real_value(json_object_get(rec, "wan_spin_s")) == 0.25);
    assert_int_equal(json_integer_value(json_object_get(rec, "leader_moves")), 2);
    assert_int_equal(json_integer_value(json_object_get(rec, "watch_resumes")), 3);
    assert_int_equal(json_integer_value(json_object_get(rec, "redeploy_agent")), -1);
    assert_true(json_is_null(json_object_get(rec, "redeploy_s")));
    assert_string_equal(json_string_value(json_object_get(rec, "redeploy_region")), "gcp-asia-east1");
    json_decref(rec);

    /* a run that did not execute: no RAN column, nulls where unknown */
    m.res = NULL;
    m.has_wan = false;
    rec = bench_record_json(&m);
    assert_non_null(rec);
    for (i = 0; i < bench_n_columns; i++) {
        const bench_column *c = &bench_columns[i];
        bool want = c->presence == BENCH_PRESENT_ALWAYS;
        if ((json_object_get(rec, c->name) != NULL) != want)
            fail_msg("run not executed: key %s %s", c->name, want ? "missing" : "unexpected");
    }
    assert_true(json_is_null(json_object_get(rec, "setup_s")));
    assert_true(json_is_null(json_object_get(rec, "wan_spin_s")));
    assert_string_equal(json_string_value(json_object_get(rec, "checker_msg")), "run did not execute");
    assert_int_equal(bench_record_fault_counters(rec, NULL), 0);
    assert_null(json_object_get(rec, "redeploys"));
    json_decref(rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_md_is_generated),
        cmocka_unit_test(test_splice),
        cmocka_unit_test(test_table_consistent),
        cmocka_unit_test(test_record_order_and_presence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
