/* Integration test of `geokv-model calibrate` and `calibrate-report` on
 * made-up sweep directories (no benchmark runs): the setup time of each
 * sweep is an exact function of c_line_us and deploy_uplink_Bps, and the
 * "patent" series is that function at c = 61 us, B = 50 MB/s, so the fits
 * must recover those values; an unreachable series is rejected with exit 1;
 * bad options exit 2; the report writes calibration.json and .md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model/tests/testlib_model_cli.h"
#include "sim/util/util_fs.h"

static char tmpdir[256];

/* Our made-up simulation: before-mode setup time at N agents. */
static double model_s(double n, double c, double b)
{
    return 10 + 0.6 * n + c * 2.5e-5 * n * n + (90e6 - b) * 1e-9 * n;
}

static int write_sweep(const char *name, const char *mode, double c, double b, double scale)
{
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/%s", tmpdir, name);
    if (util_mkdirs(dir, NULL, 0) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "run_id,mode,n,rep,setup_s,app_bytes,grpc_bytes,checker_ok\n");
    for (int n = 10; n <= 50; n += 10) {
        double app = 400.0 * n * n * n * (strcmp(mode, "before") == 0 ? 1 : 0.4);
        fprintf(f, "%s-id,%s,%d,1,%.10g,%.0f,%.0f,1\n", name, mode, n, model_s(n, c, b) * scale, app, 1.5 * app);
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/config.json", dir);
    f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "{\"run_id\": \"%s-id\"}\n", name);
    return fclose(f);
}

static int write_patent(const char *name, double c, double b)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "n,before_s,after_s,change_pct\n");
    for (int n = 10; n <= 50; n += 10)
        fprintf(f, "%d,%.10g,1,1\n", n, model_s(n, c, b));
    return fclose(f);
}

/* Runs geokv-model with args (from the tmp dir); exit status, stdout in *out. */
static int run(const char *args, char **out)
{
    return model_t_run_cli(tmpdir, args, "2>stderr.txt", out);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/geokv-model-calib-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    return write_sweep("p0", "before", 30, 90e6, 1) || write_sweep("p1", "before", 90, 90e6, 1) ||
                   write_sweep("p2", "before", 30, 30e6, 1) || write_sweep("v1", "before", 61, 50e6, 1) ||
                   write_sweep("pr", "after", 61, 50e6, 0.7) || write_patent("patent.csv", 61, 50e6) ||
                   write_patent("far.csv", 2000, 90e6)
               ? -1
               : 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static double param(const json_t *fit, size_t k, const char *key)
{
    return json_number_value(json_object_get(json_array_get(json_object_get(fit, "params"), k), key));
}

/* Both parameters from three probes; the fit is exact. */
static void test_two_parameter_fit(void **state)
{
    (void)state;
    char *out = NULL;
    int rc = run("calibrate --probe0 p0 --c0 30 --probe1 p1 --c1 90 --probe2 p2 --b0 90e6 --b2 30e6 "
                 "--patent patent.csv --json", &out);
    assert_int_equal(rc, 0);
    json_t *j = json_loads(out, 0, NULL);
    free(out);
    assert_non_null(j);
    assert_true(json_is_true(json_object_get(j, "accepted")));
    assert_int_equal(json_array_size(json_object_get(j, "params")), 2);
    assert_true(fabs(param(j, 0, "value") - 61) < 1e-6);
    assert_true(fabs(param(j, 1, "value") - 50e6) < 1);
    assert_true(json_is_null(json_object_get(j, "fallback")));
    assert_int_equal(json_array_size(json_object_get(j, "points")), 5);
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(j, "sweeps"), "probe1"),
                                                          "run_id")), "p1-id");
    json_decref(j);
}

/* c alone (the B difference of the patent series left in the residuals),
 * as a table; then re-linearised at the verification sweep: the secant
 * step lands on the value the verification was run at. */
static void test_one_parameter_and_secant(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(run("calibrate --probe0 p0 --c0 30 --probe1 p1 --c1 90 --patent patent.csv", &out), 0);
    assert_non_null(strstr(out, "c_line_us          = "));
    assert_non_null(strstr(out, "accepted"));
    assert_null(strstr(out, "deploy_uplink_Bps  = "));
    free(out);
    assert_int_equal(run("calibrate --probe0 p0 --c0 30 --probe1 p1 --c1 90 --probe2 p2 --b0 90e6 --b2 30e6 "
                         "--base v1 --base-c 61 --base-b 50e6 --patent patent.csv --json", &out), 0);
    json_t *j = json_loads(out, 0, NULL);
    free(out);
    assert_non_null(j);
    assert_true(fabs(param(j, 0, "value") - 61) < 1e-6);
    assert_true(fabs(param(j, 0, "linearised_at") - 61) < 1e-12);
    assert_true(json_number_value(json_object_get(j, "sse_base")) < 1e-12);   /* v1 is on the patent's curve */
    json_decref(j);
}

static void test_unreachable_is_rejected(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(run("calibrate --probe0 p0 --c0 30 --probe1 p1 --c1 90 --patent far.csv --json", &out), 1);
    json_t *j = json_loads(out, 0, NULL);
    free(out);
    assert_non_null(j);
    assert_true(json_is_false(json_object_get(j, "accepted")));
    assert_true(json_is_false(json_object_get(j, "in_bounds")));
    assert_true(fabs(param(j, 0, "value") - 2000) < 1e-6);
    assert_true(fabs(param(j, 0, "clamped") - 500) < 1e-12);
    assert_non_null(strstr(json_string_value(json_object_get(j, "verdict")), "above its upper bound"));
    assert_non_null(strstr(json_string_value(json_object_get(j, "missing")), "short of the patent at N = "));
    json_decref(j);
}

static void test_bad_input_exits_2(void **state)
{
    (void)state;
    assert_int_equal(run("calibrate --probe0 p0 --c0 30 --probe1 p1", NULL), 2);              /* no --c1 */
    assert_int_equal(run("calibrate --probe0 p0 --c0 30 --probe1 p1 --c1 30 --patent patent.csv", NULL), 2);
    assert_int_equal(run("calibrate --probe0 nothere --c0 30 --probe1 p1 --c1 90 --patent patent.csv", NULL), 2);
    assert_int_equal(run("calibrate --probe0 p0 --c0 30 --probe1 p1 --c1 90 --probe2 p2 --patent patent.csv", NULL),
                     2);   /* --probe2 without --b0/--b2 */
    assert_int_equal(run("calibrate --probe0 p0 --c0 x --probe1 p1 --c1 90", NULL), 2);
    assert_int_equal(run("calibrate --help", NULL), 0);
}

static void test_report(void **state)
{
    (void)state;
    char path[600], *out = NULL;
    assert_int_equal(run("calibrate --probe0 p0 --c0 30 --probe1 p1 --c1 90 --patent patent.csv --json > fit-1.json",
                         NULL), 0);
    snprintf(path, sizeof path, "%s/steps.json", tmpdir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "{\"calib_id\": \"calib-test\", \"git_describe\": \"abc\", \"seed\": 5, \"status\": \"complete\","
               " \"profile\": {\"path\": \"/tmp/x.json\", \"written\": false, \"why_not\": \"test\"},"
               " \"sweeps\": [], \"iterations\": [],"
               " \"final\": {\"fit\": \"fit-1.json\", \"verify\": \"%s/v1\", \"predict\": \"%s/pr\"}}\n",
            tmpdir, tmpdir);
    fclose(f);
    const char *root = getenv("GEOKV_ROOT");
    char args[700];
    snprintf(args, sizeof args, "calibrate-report --dir . --ref '%s/results/reference'", root ? root : ".");
    assert_int_equal(run(args, &out), 0);
    assert_non_null(strstr(out, "## FIG. 7: setup time (s)"));
    assert_non_null(strstr(out, "ours after (PREDICTED)"));
    assert_non_null(strstr(out, "`app_bytes`"));
    assert_non_null(strstr(out, "`grpc_bytes`"));
    free(out);
    snprintf(path, sizeof path, "%s/calibration.json", tmpdir);
    json_t *j = json_load_file(path, 0, NULL);
    assert_non_null(j);
    json_t *f7 = json_object_get(j, "fig7");
    assert_int_equal(json_array_size(json_object_get(f7, "rows")), 5);
    /* pr is 0.7 x our v1: -30 % at every N, 4.6 points from -25.4 % */
    assert_true(fabs(json_number_value(json_object_get(json_object_get(f7, "goal"), "average_ours_pct")) + 30) < 1e-6);
    assert_true(json_is_true(json_object_get(json_object_get(f7, "goal"), "holds")));
    assert_int_equal(json_array_size(json_object_get(json_object_get(j, "fig8"), "metrics")), 2);
    assert_true(json_is_true(json_object_get(json_object_get(j, "fit"), "accepted")));
    json_decref(j);
    snprintf(path, sizeof path, "%s/calibration.md", tmpdir);
    assert_true(util_file_exists(path));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_parameter_fit),
        cmocka_unit_test(test_one_parameter_and_secant),
        cmocka_unit_test(test_unreachable_is_rejected),
        cmocka_unit_test(test_bad_input_exits_2),
        cmocka_unit_test(test_report),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
