/* Every program in build/bin, and every command of geokv-bench and
 * geokv-model, answers --version with the build's stamp (program name,
 * VERSION, git describe) and exit status 0, rejects an unknown option with
 * exit status 2, and documents its exit status in --help. Nothing is
 * started: the options are rejected or answered before any server. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bench/tests/testlib_bench.h"

/* The commands whose --help is their own (geokv-bench's compare, report,
 * fit, plots and predict are geokv-model's). */
static const char *const bench_cmds[] = { "run", "calibrate", "factors", "schema", "timescale", "chaos", NULL };
static const char *const model_cmds[] = { "fit",  "predict",   "compare",          "fit-patent", "plots",
                                          "report", "calibrate", "calibrate-report", "factors",    NULL };

/* prog [cmd] --version, an unknown option, --help: as the header says. */
static void check_cli(const char *name, const char *cmd)
{
    char prog[4096], line[4200], want[512], label[256];
    char *out = NULL;
    int rc;
    bench_t_program(name, prog, sizeof prog);
    snprintf(label, sizeof label, "%s%s%s", name, cmd ? " " : "", cmd ? cmd : "");

    snprintf(line, sizeof line, "'%s' %s --version", prog, cmd ? cmd : "");
    rc = bench_t_sh(line, &out);
    bench_t_version_line(name, want, sizeof want);
    if (rc != 0 || !out || strcmp(out, want) != 0)
        fail_msg("%s --version: exit %d, printed \"%s\", want \"%s\"", label, rc, out ? out : "", want);
    free(out);

    snprintf(line, sizeof line, "'%s' %s --no-such-option >/dev/null 2>&1", prog, cmd ? cmd : "");
    rc = bench_t_sh(line, NULL);
    if (rc != 2)
        fail_msg("%s --no-such-option: exit %d, want 2 (bad usage)", label, rc);

    snprintf(line, sizeof line, "'%s' %s --help", prog, cmd ? cmd : "");
    rc = bench_t_sh(line, &out);
    if (rc != 0 || !out || !strstr(out, "Exit status:"))
        fail_msg("%s --help: exit %d, %s", label, rc, out && strstr(out, "Exit status:") ? "" : "no \"Exit status:\"");
    free(out);
}

static void test_every_program(void **state)
{
    const char *bin = getenv("GEOKV_BIN");
    DIR *d = opendir(bin && *bin ? bin : "build/bin");
    struct dirent *e;
    int seen = 0, bench = 0, model = 0;
    (void)state;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        check_cli(e->d_name, NULL);
        seen++;
        bench += strcmp(e->d_name, "geokv-bench") == 0;
        model += strcmp(e->d_name, "geokv-model") == 0;
    }
    closedir(d);
    /* every *_main.c of today: a smaller count means a program was not built */
    assert_true(seen >= 9);
    assert_int_equal(bench, 1);
    assert_int_equal(model, 1);
}

static void test_every_command(void **state)
{
    (void)state;
    for (size_t i = 0; bench_cmds[i]; i++)
        check_cli("geokv-bench", bench_cmds[i]);
    for (size_t i = 0; model_cmds[i]; i++)
        check_cli("geokv-model", model_cmds[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_program),
        cmocka_unit_test(test_every_command),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
