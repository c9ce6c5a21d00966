/* Unit test of the run pipeline (runfit + report) on a SYNTHETIC results
 * directory made by testlib_model_synth in a temporary directory. Set
 * GEOKV_SYNTH_KEEP=<dir> to write the synthetic run there and keep it (for
 * developing the plots); it is never a measurement. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/report.h"
#include "model/runfit.h"
#include "model/tests/testlib_model_synth.h"
#include "sim/util/util_fs.h"

static char tmpdir[256];

static void rm_rf(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static const char *ref_dir(void)
{
    static char buf[1024];
    const char *root = getenv("GEOKV_ROOT");
    snprintf(buf, sizeof buf, "%s/results/reference", root ? root : ".");
    return buf;
}

static int setup(void **state)
{
    (void)state;
    const char *keep = getenv("GEOKV_SYNTH_KEEP");
    if (keep) {
        snprintf(tmpdir, sizeof tmpdir, "%s", keep);
    } else {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/geokv-model-test-XXXXXX");
        if (!mkdtemp(tmpdir))
            return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (!getenv("GEOKV_SYNTH_KEEP"))
        rm_rf(tmpdir);
    return 0;
}

static void test_full_run_pipeline(void **state)
{
    (void)state;
    char dir[512], err[512];
    snprintf(dir, sizeof dir, "%s/synthetic-full", tmpdir);
    const int ns[5] = {10, 20, 30, 40, 50};
    synth_opts o = {.seed = 42, .ns = ns, .nn = 5, .reps = 3, .with_lockless = 1, .with_timelines = 1,
                    .with_app = 1};
    assert_int_equal(synth_write_run(dir, &o), 0);

    runfit rf;
    assert_int_equal(runfit_load(dir, ref_dir(), 50, &rf, err, sizeof err), 0);
    assert_true(rf.synthetic);
    assert_int_equal(rf.nmodes, 3);
    assert_string_equal(rf.modes[0], "before");
    assert_string_equal(rf.modes[2], "lockless");
    assert_true(rf.have_ref);

    /* the generator's before curve is 0.045 N^2 + 0.55 N + 14 with 5% noise */
    const gf_group *g = groupfit_find(&rf.m[0].gf, "before");
    assert_non_null(g);
    assert_int_equal(g->n, 15);
    assert_int_equal(g->nlev, 5);
    assert_true(g->ok[FIT_QUADRATIC]);
    assert_true(fabs(g->fits[FIT_QUADRATIC].coef[0] - 0.045) < 3 * g->fits[FIT_QUADRATIC].se[0]);

    /* after is faster at every N of this generator: the change is negative */
    assert_true(rf.m[0].cmp_ok);
    assert_int_equal(rf.m[0].cmp.nrows, 5);
    assert_true(rf.m[0].cmp.rows[4].change_pct < 0);
    assert_true(rf.m[0].cmp.mean_change_pct < 0);
    assert_string_equal(rf.order[2], "lockless");
    assert_non_null(rf.m[0].other[2]);   /* lockless against before */
    assert_null(rf.m[0].other[1]);       /* after: in cmp */

    /* app_bytes analysed as grpc_bytes is: fits per mode, before against after and lockless */
    assert_true(rf.m[RUNFIT_M_APP].ok);
    assert_string_equal(rf.m[RUNFIT_M_APP].column, "app_bytes");
    assert_true(rf.m[RUNFIT_M_APP].cmp_ok);
    assert_true(rf.m[RUNFIT_M_APP].cmp.mean_change_pct < 0);
    assert_non_null(rf.m[RUNFIT_M_APP].other[2]);
    g = groupfit_find(&rf.m[RUNFIT_M_APP].gf, "before");
    assert_non_null(g);
    assert_true(fabs(g->lev[4].mean - synth_app_bytes(0, 50)) < 0.05 * synth_app_bytes(0, 50));
    /* no end_criterion in config.json: the runs measured every IP known */
    assert_string_equal(rf.end_criterion, "ips");

    /* FIG. 9 / 10 comparison possible; CDF from every agent of 3 reps */
    assert_true(rf.fig[0].ok);
    assert_true(rf.fig[1].ok);
    assert_int_equal(rf.cdf_n, 50);
    assert_int_equal(rf.cdf_count[0], 150);
    assert_true(rf.have_breakdown);

    assert_int_equal(runfit_write(&rf, err, sizeof err), 0);
    assert_int_equal(report_write(&rf, err, sizeof err), 0);
    char path[1024];
    snprintf(path, sizeof path, "%s/report.md", dir);
    char *md = util_slurp(path, NULL);
    assert_non_null(md);
    assert_non_null(strstr(md, "SYNTHETIC DATA"));
    assert_non_null(strstr(md, "| 50 | 137.2 | 85.9 | -37% |"));
    assert_non_null(strstr(md, "### FIG. 10"));
    assert_non_null(strstr(md, "| before | 15 | 15 | 0 |"));
    assert_non_null(strstr(md, "### FIG. 8: store I/O as the original counted it (`app_bytes`)"));
    assert_non_null(strstr(md, "criterion **ips**"));
    assert_non_null(strstr(md, "lockless against before"));
    free(md);
    json_t *j = runfit_json(&rf);
    assert_true(json_is_object(json_object_get(json_object_get(json_object_get(j, "metrics"), "app_bytes"),
                                               "before_vs_after")));
    assert_string_equal(json_string_value(json_object_get(j, "end_criterion")), "ips");
    json_decref(j);
    const char *files[] = {"fits.json", "setup_s-before.dat", "setup_s-after-curves.dat",
                           "grpc_bytes-lockless.dat", "app_bytes-after-curves.dat", "app_bytes-before.dat", "fig9-curves.dat", "fig10-patent-points.dat",
                           "cdf-after.dat", "breakdown-before.dat", "modes.txt"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/fit/%s", dir, files[i]);
        assert_true(util_file_exists(path));
    }
    runfit_free(&rf);
}

/* Two values of N, no timelines, no config: fits are skipped with notes,
 * nothing fails. */
/* A sweep whose plan (config.json's order) has one run more than it
 * recorded: report.md says it is partial, and which run it lacks. */
static void test_partial_report(void **state)
{
    (void)state;
    char dir[512], path[1024], err[512];
    snprintf(dir, sizeof dir, "%s/partial", tmpdir);
    static const int ns[3] = {10, 20, 30};
    synth_opts so = {.seed = 5, .ns = ns, .nn = 3, .reps = 2};
    assert_int_equal(synth_write_run(dir, &so), 0);
    /* the plan: every recorded run, plus one that never ran */
    snprintf(path, sizeof path, "%s/config.json", dir);
    json_t *cfg = json_load_file(path, 0, NULL), *order = json_array();
    assert_non_null(cfg);
    for (int m = 0; m < 2; m++)
        for (int i = 0; i < 3; i++)
            for (int rep = 1; rep <= 2; rep++)
                json_array_append_new(order, json_pack("{s:s, s:i, s:i}", "mode", m ? "after" : "before",
                                                       "n", ns[i], "rep", rep));
    json_array_append_new(order, json_pack("{s:s, s:i, s:i}", "mode", "before", "n", 40, "rep", 1));
    json_object_set_new(cfg, "order", order);
    assert_int_equal(json_dump_file(cfg, path, 0), 0);
    json_decref(cfg);
    runfit rf;
    assert_int_equal(runfit_load(dir, ref_dir(), 50, &rf, err, sizeof err), 0);
    assert_int_equal(report_write(&rf, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/report.md", dir);
    char *md = util_slurp(path, NULL);
    assert_non_null(md);
    assert_non_null(strstr(md, "**Partial sweep: 12 of 13 runs.**"));
    assert_non_null(strstr(md, "- before N=40 rep 1\n"));
    assert_null(strstr(md, "- before N=30 rep 2\n"));
    free(md);
    runfit_free(&rf);
}

static void test_sparse_run_degrades_gracefully(void **state)
{
    (void)state;
    char dir[512], err[512], path[1024];
    snprintf(dir, sizeof dir, "%s/synthetic-sparse", tmpdir);
    const int ns[2] = {10, 20};
    synth_opts o = {.seed = 7, .ns = ns, .nn = 2, .reps = 1};
    assert_int_equal(synth_write_run(dir, &o), 0);
    snprintf(path, sizeof path, "%s/config.json", dir);
    remove(path);

    runfit rf;
    assert_int_equal(runfit_load(dir, ref_dir(), 50, &rf, err, sizeof err), 0);
    const gf_group *g = groupfit_find(&rf.m[0].gf, "before");
    assert_non_null(g);
    assert_false(g->ok[FIT_QUADRATIC]);
    assert_non_null(strstr(g->why[FIT_QUADRATIC], "2 distinct x values"));
    assert_false(rf.fig[0].ok);
    assert_int_equal(rf.cdf_n, 0);
    int saw_cdf_note = 0;
    for (size_t i = 0; i < rf.nnotes; i++)
        saw_cdf_note |= strstr(rf.notes[i], "CDF skipped") != NULL;
    assert_true(saw_cdf_note);
    /* a run from before app_bytes: noted, FIG. 8 on grpc_bytes alone */
    assert_false(rf.m[RUNFIT_M_APP].ok);
    int saw_app_note = 0;
    for (size_t i = 0; i < rf.nnotes; i++)
        saw_app_note |= strstr(rf.notes[i], "no app_bytes") != NULL;
    assert_true(saw_app_note);
    assert_int_equal(runfit_write(&rf, err, sizeof err), 0);
    assert_int_equal(report_write(&rf, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/report.md", dir);
    char *md = util_slurp(path, NULL);
    assert_non_null(md);
    assert_non_null(strstr(md, "### FIG. 8: store I/O (gRPC"));
    assert_null(strstr(md, "as the original counted it"));
    free(md);
    snprintf(path, sizeof path, "%s/fit/app_bytes-before.dat", dir);
    assert_false(util_file_exists(path));
    runfit_free(&rf);

    /* no summary.csv at all: a clear error */
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    remove(path);
    assert_int_equal(runfit_load(dir, ref_dir(), 50, &rf, err, sizeof err), -1);
    assert_non_null(strstr(err, "summary.csv"));
}

static size_t order_of(const char *csv, const char *config, char order[][RUNFIT_MODE_LEN], size_t max)
{
    csv_table t;
    json_t *cfg = config ? json_loads(config, 0, NULL) : NULL;
    assert_int_equal(csv_parse(csv, strlen(csv), &t, NULL, 0), 0);
    size_t n = runfit_mode_order(cfg, &t, order, max);
    csv_free(&t);
    json_decref(cfg);
    return n;
}

/* The display order is config.json's mode_order, else its options.modes,
 * then the data's other modes as they first appear: never a list of its own. */
static void test_mode_order(void **state)
{
    (void)state;
    const char *csv = "mode,n\nlockless,1\nx4,1\nbefore,1\nafter,1\nx4,2\n";
    char o[RUNFIT_MAX_MODES][RUNFIT_MODE_LEN];
    assert_int_equal(order_of(csv, NULL, o, RUNFIT_MAX_MODES), 4);
    assert_string_equal(o[0], "lockless");
    assert_string_equal(o[1], "x4");
    assert_string_equal(o[3], "after");
    assert_int_equal(order_of(csv, "{\"options\":{\"modes\":[\"after\",\"before\"]}}", o, RUNFIT_MAX_MODES), 4);
    assert_string_equal(o[0], "after");
    assert_string_equal(o[1], "before");
    assert_string_equal(o[2], "lockless");
    assert_string_equal(o[3], "x4");
    assert_int_equal(order_of(csv, "{\"mode_order\":[\"before\",\"after\",\"lockless\",\"y\"],"
                                   "\"options\":{\"modes\":[\"after\"]}}", o, RUNFIT_MAX_MODES), 5);
    assert_string_equal(o[0], "before");
    assert_string_equal(o[2], "lockless");
    assert_string_equal(o[3], "y");    /* known, not in the data */
    assert_string_equal(o[4], "x4");
    assert_int_equal(order_of(csv, NULL, o, 2), 2);
}

/* A mode the model has never heard of, in a shuffled order, with the
 * registry's order in config.json: shown in that order, compared against
 * before, in fits.json and the report, without any edit of the model. */
static void test_new_mode_flows_through(void **state)
{
    (void)state;
    char dir[512], err[512], path[1024];
    snprintf(dir, sizeof dir, "%s/synthetic-fourth", tmpdir);
    const int ns[3] = {10, 20, 30};
    synth_opts so = {.seed = 9, .ns = ns, .nn = 3, .reps = 2, .with_lockless = 1, .with_timelines = 1,
                    .extra_mode = "quick"};
    assert_int_equal(synth_write_run(dir, &so), 0);
    snprintf(path, sizeof path, "%s/config.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"synthetic\": true, \"mode_order\": [\"quick\", \"before\", \"after\", \"lockless\"]}\n", f);
    fclose(f);

    runfit rf;
    assert_int_equal(runfit_load(dir, ref_dir(), 30, &rf, err, sizeof err), 0);
    assert_int_equal(rf.nmodes, 4);
    assert_string_equal(rf.modes[0], "quick");
    assert_string_equal(rf.m[0].gf.g[0].name, "quick");
    assert_string_equal(rf.m[0].gf.g[3].name, "lockless");
    assert_non_null(rf.m[0].other[0]);
    assert_non_null(rf.m[0].other[3]);
    json_t *j = runfit_json(&rf);
    json_t *setup = json_object_get(json_object_get(j, "metrics"), "setup_s");
    assert_true(json_is_object(json_object_get(setup, "before_vs_quick")));
    assert_true(json_is_object(json_object_get(setup, "before_vs_lockless")));
    assert_true(json_is_object(json_object_get(setup, "before_vs_after")));
    json_decref(j);
    assert_int_equal(runfit_write(&rf, err, sizeof err), 0);
    assert_int_equal(report_write(&rf, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/report.md", dir);
    char *md = util_slurp(path, NULL);
    assert_non_null(md);
    assert_non_null(strstr(md, ": quick against before"));
    assert_non_null(strstr(md, "| quick | 6 | 6 | 0 |"));
    free(md);
    snprintf(path, sizeof path, "%s/fit/cdf-quick.dat", dir);
    assert_true(util_file_exists(path));
    runfit_free(&rf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mode_order),
        cmocka_unit_test(test_new_mode_flows_through),
        cmocka_unit_test(test_full_run_pipeline),
        cmocka_unit_test(test_sparse_run_degrades_gracefully),
        cmocka_unit_test(test_partial_report),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
