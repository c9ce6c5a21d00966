/* Integration test of the geokv-model program and the gnuplot scripts: on a
 * SYNTHETIC run (testlib_model_synth) the commands `fit`, `plots`, `report`,
 * `compare --format json`, `predict --json` and `fit-patent` exit 0 and write
 * what they promise (PNG files with the PNG signature, report.md, JSON that
 * parses); errors exit non-zero with a message. Runs the real gnuplot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model/tests/testlib_model_synth.h"
#include "model/tests/testlib_model_cli.h"
#include "sim/util/util_fs.h"

static char tmpdir[256], rundir[512];

/* Runs a shell command from the repository root; returns its exit status and
 * its stdout (malloc'ed) in *out when out is not NULL. */
static int run(const char *cmd, char **out)
{
    char redirect[600];
    snprintf(redirect, sizeof redirect, "2>%s/stderr.txt", tmpdir);
    return model_t_run_cli(NULL, cmd, redirect, out);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/geokv-model-itest-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(rundir, sizeof rundir, "%s/synthetic-run", tmpdir);
    const int ns[5] = {10, 20, 30, 40, 50};
    synth_opts o = {.seed = 5, .ns = ns, .nn = 5, .reps = 2, .with_lockless = 1, .with_timelines = 1,
                    .with_app = 1};
    return synth_write_run(rundir, &o);
}

static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static int is_png(const char *path)
{
    unsigned char sig[8] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(sig, 1, 8, f);
    fclose(f);
    return n == 8 && memcmp(sig, "\x89PNG\r\n\x1a\n", 8) == 0;
}

static void test_plots_and_report(void **state)
{
    (void)state;
    char cmd[1024], path[1024], *out = NULL;
    snprintf(cmd, sizeof cmd, "plots --run '%s'", rundir);
    assert_int_equal(run(cmd, &out), 0);
    assert_null(strstr(out, "skip"));
    free(out);
    static const char *plots[] = {"setup-time", "store-io", "patent-models", "completion-cdf",
                                  "time-breakdown"};
    {
        /* the run has app_bytes: store I/O gets its second panel */
        snprintf(path, sizeof path, "%s/plots/store-io.svg", rundir);
        char *svg = util_slurp(path, NULL);
        assert_non_null(svg);
        assert_non_null(strstr(svg, "as the original logged it"));
        free(svg);
    }
    for (size_t i = 0; i < sizeof plots / sizeof plots[0]; i++) {
        snprintf(path, sizeof path, "%s/plots/%s.png", rundir, plots[i]);
        assert_true(is_png(path));
        snprintf(path, sizeof path, "%s/plots/%s.svg", rundir, plots[i]);
        char *svg = util_slurp(path, NULL);
        assert_non_null(svg);
        assert_non_null(strstr(svg, "</svg>"));
        free(svg);
    }
    snprintf(cmd, sizeof cmd, "report --run '%s'", rundir);
    assert_int_equal(run(cmd, NULL), 0);
    snprintf(path, sizeof path, "%s/report.md", rundir);
    char *md = util_slurp(path, NULL);
    assert_non_null(md);
    assert_non_null(strstr(md, "![Setup time against N"));
    assert_non_null(strstr(md, "SYNTHETIC DATA"));
    free(md);
}

static void test_json_outputs(void **state)
{
    (void)state;
    char cmd[1024], *out = NULL;
    json_error_t jerr;
    snprintf(cmd, sizeof cmd, "compare --run '%s' --format json", rundir);
    assert_int_equal(run(cmd, &out), 0);
    json_t *j = json_loads(out, 0, &jerr);
    free(out);
    assert_non_null(j);
    assert_int_equal(json_array_size(j), 3); /* setup_s, grpc_bytes and (recorded) app_bytes */
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 2), "metric")), "app_bytes");
    assert_int_equal(json_array_size(json_object_get(json_array_get(j, 0), "rows")), 5);
    json_decref(j);

    snprintf(cmd, sizeof cmd, "predict --run '%s' --at 100 --json", rundir);
    assert_int_equal(run(cmd, &out), 0);
    j = json_loads(out, 0, &jerr);
    free(out);
    assert_non_null(j);
    json_t *first = json_array_get(j, 0);
    assert_true(json_real_value(json_object_get(first, "pi_lo")) <
                json_real_value(json_object_get(first, "y")));
    assert_true(json_is_true(json_object_get(first, "extrapolated")));
    json_decref(j);

    assert_int_equal(run("fit-patent --json", &out), 0);
    j = json_loads(out, 0, &jerr);
    free(out);
    assert_non_null(j);
    assert_non_null(json_object_get(j, "fig10"));
    json_decref(j);
}

static void test_errors_exit_nonzero(void **state)
{
    (void)state;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "fit --run '%s/does-not-exist'", tmpdir);
    assert_int_equal(run(cmd, NULL), 1);
    assert_int_equal(run("predict --csv results/reference/patent-fig7.csv --x n --y before_s", NULL), 2);
    assert_int_equal(run("fit --csv results/reference/patent-fig7.csv --x n --y nope", NULL), 1);
    char *err = util_slurp(strcat(strcpy(cmd, tmpdir), "/stderr.txt"), NULL);
    assert_non_null(err);
    assert_non_null(strstr(err, "no column 'nope'"));
    free(err);
    assert_int_equal(run("nonsense", NULL), 2);
    assert_int_equal(run("fit --help", NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plots_and_report),
        cmocka_unit_test(test_json_outputs),
        cmocka_unit_test(test_errors_exit_nonzero),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
