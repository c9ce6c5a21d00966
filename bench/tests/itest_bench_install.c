/* make install and where the programs find their data. `make install`
 * into a temporary DESTDIR, then, from "/" and without GEOKV_ROOT or
 * GEOKV_DATA, the installed geokv-bench plans a sweep (the default topology
 * and a named profile found in PREFIX/share/geokv-bench), geokv-model reads
 * the patent's numbers, --version carries the build's stamp, the --help
 * pages are installed; make uninstall removes it all. GEOKV_DATA overrides
 * where the data are, and a copy of the data in the current directory is
 * never used. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bench/tests/testlib_bench.h"
#include "sim/util/util_fs.h"

#define PREFIX "/opt/geokv"
#define DRY_RUN "run --dry-run --n 10 --reps 1 --seed 5 --profile patent-2022"

static char root[PATH_MAX], bin[PATH_MAX], build[PATH_MAX], tmp[PATH_MAX];

static int setup(void **state)
{
    const char *r = getenv("GEOKV_ROOT"), *b = getenv("GEOKV_BIN");
    size_t rl;
    (void)state;
    if (!realpath(r && *r ? r : ".", root))
        return -1;
    snprintf(bin, sizeof bin, "%s", b && *b ? b : "build/bin");
    /* BUILD for the nested make: GEOKV_BIN is ROOT/BUILD/bin */
    rl = strlen(root);
    if (strncmp(bin, root, rl) == 0 && bin[rl] == '/' && strlen(bin) > rl + 5 &&
        strcmp(bin + strlen(bin) - 4, "/bin") == 0)
        snprintf(build, sizeof build, "%.*s", (int)(strlen(bin) - rl - 5), bin + rl + 1);
    else
        snprintf(build, sizeof build, "build");
    return bench_t_tmpdir_make(tmp, sizeof tmp, "install");
}

static int teardown(void **state)
{
    (void)state;
    return bench_t_tmpdir_remove(tmp);
}

/* The shell command printf(fmt, ...) (stdout and stderr) into *out; its
 * exit status. */
static int sh(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sh(char **out, const char *fmt, ...)
{
    char *cmd = NULL, *full = NULL;
    va_list ap;
    int rc = -1;
    va_start(ap, fmt);
    if (vasprintf(&cmd, fmt, ap) >= 0 && asprintf(&full, "%s 2>&1", cmd) >= 0)
        rc = bench_t_sh(full, out);
    va_end(ap);
    free(cmd);
    free(full);
    return rc;
}

/* make TARGET in the tree, into DESTDIR=tmp PREFIX=/opt/geokv. The parent
 * make's jobserver is not this one's. */
static int make_target(const char *target)
{
    char *out = NULL;
    int rc = sh(&out, "cd '%s' && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s BUILD='%s' %s DESTDIR='%s' PREFIX=" PREFIX,
                root, build, target, tmp);
    if (rc != 0)
        fprintf(stderr, "make %s: exit %d\n%s", target, rc, out ? out : "");
    free(out);
    return rc;
}

/* From "/" (or another directory) with neither GEOKV_ROOT nor GEOKV_DATA set
 * unless env (e.g. "GEOKV_DATA=...") sets them. */
#define FROM(dir, env) "cd '" dir "' && env -u GEOKV_ROOT -u GEOKV_DATA " env " "

static int installed(const char *rel)
{
    char *p = NULL;
    int yes = asprintf(&p, "%s" PREFIX "/%s", tmp, rel) >= 0 && util_file_exists(p);
    free(p);
    return yes;
}

static void test_install_run_uninstall(void **state)
{
    char want[512], *doc = NULL;
    char *out = NULL;
    (void)state;
    assert_int_equal(make_target("install"), 0);
    assert_true(installed("share/geokv-bench/sim/wan/topology/patent-fig6.json"));
    assert_true(installed("share/geokv-bench/sim/cb/profiles/patent-2022.json"));
    assert_true(installed("share/geokv-bench/scripts/setup-time.gp"));
    assert_true(installed("share/geokv-bench/results/reference/patent-fig7.csv"));

    int rc = sh(&out, FROM("/", "") "'%s" PREFIX "/bin/geokv-bench' " DRY_RUN, tmp);
    if (rc != 0 || !out || strncmp(out, "order,mode,n,rep\n", 17) != 0)
        fail_msg("installed geokv-bench %s from /: exit %d\n%s", DRY_RUN, rc, out ? out : "");
    free(out);

    rc = sh(&out, FROM("/", "") "'%s" PREFIX "/bin/geokv-model' fit-patent", tmp);
    if (rc != 0 || !out || !strstr(out, "Patent US 12,393,527"))
        fail_msg("installed geokv-model fit-patent from /: exit %d\n%s", rc, out ? out : "");
    free(out);

    /* compare forwards to the installed geokv-model, which finds the
     * patent's numbers and the plot script among the installed data. */
    rc = sh(&out, FROM("/", "") "'%s" PREFIX "/bin/geokv-bench' compare reference reference --format json --report '%s/cmp'",
            tmp, tmp);
    if (rc != 0 || !out || !strstr(out, "\"rows\""))
        fail_msg("installed geokv-bench compare reference reference from /: exit %d\n%s", rc, out ? out : "");
    free(out);
    assert_true(asprintf(&doc, "%s/cmp/compare.md", tmp) >= 0);
    assert_true(util_file_exists(doc));
    free(doc);
    doc = NULL;

    const char *const progs[] = { "geokv-bench", "geokv-model" };
    for (size_t i = 0; i < 2; i++) {
        rc = sh(&out, FROM("/", "") "'%s" PREFIX "/bin/%s' --version", tmp, progs[i]);
        bench_t_version_line(progs[i], want, sizeof want);
        if (rc != 0 || !out || strcmp(out, want) != 0)
            fail_msg("installed %s --version: exit %d, \"%s\", want \"%s\"", progs[i], rc, out ? out : "", want);
        free(out);
    }

    assert_true(asprintf(&doc, "%s" PREFIX "/share/doc/geokv-bench/geokv-bench-run.txt", tmp) >= 0);
    out = util_slurp(doc, NULL);
    free(doc);
    assert_non_null(out);
    assert_non_null(strstr(out, "Exit status:"));
    free(out);

    assert_int_equal(make_target("uninstall"), 0);
    assert_false(installed("bin/geokv-bench"));
    assert_false(installed("bin/geokv-model"));
    assert_false(installed("share/geokv-bench"));
    assert_false(installed("share/doc/geokv-bench"));
}

/* A data directory whose default topology is not one: whoever reads it fails
 * naming it. */
static void make_decoy(const char *dir)
{
    assert_int_equal(sh(NULL, "mkdir -p '%s/sim/wan/topology' && echo '{\"decoy\": true}' > "
                              "'%s/sim/wan/topology/patent-fig6.json'", dir, dir), 0);
}

static void test_data_dir_override(void **state)
{
    char *decoy = NULL, *out = NULL;
    int rc;
    (void)state;
    assert_true(asprintf(&decoy, "%s/decoy", tmp) >= 0);
    make_decoy(decoy);

    /* the tree's program from "/": the data of its tree, found from itself */
    rc = sh(&out, FROM("/", "") "'%s/geokv-bench' " DRY_RUN, bin);
    if (rc != 0 || !out || strncmp(out, "order,mode,n,rep\n", 17) != 0)
        fail_msg("geokv-bench %s from /: exit %d\n%s", DRY_RUN, rc, out ? out : "");
    free(out);

    /* GEOKV_DATA wins, over GEOKV_ROOT too */
    rc = sh(&out, FROM("/", "GEOKV_ROOT='%s' GEOKV_DATA='%s'") "'%s/geokv-bench' " DRY_RUN, root, decoy, bin);
    if (rc != 2 || !out || !strstr(out, decoy))
        fail_msg("GEOKV_DATA=%s: exit %d (want 2, the decoy read)\n%s", decoy, rc, out ? out : "");
    free(out);

    /* GEOKV_ROOT, its older name, alone */
    rc = sh(&out, FROM("/", "GEOKV_ROOT='%s'") "'%s/geokv-bench' " DRY_RUN, decoy, bin);
    if (rc != 2 || !out || !strstr(out, decoy))
        fail_msg("GEOKV_ROOT=%s: exit %d (want 2, the decoy read)\n%s", decoy, rc, out ? out : "");
    free(out);

    /* a decoy in the current directory is not data */
    rc = sh(&out, FROM("%s", "") "'%s/geokv-bench' " DRY_RUN, decoy, bin);
    if (rc != 0 || !out || strncmp(out, "order,mode,n,rep\n", 17) != 0)
        fail_msg("geokv-bench from a directory holding sim/wan/topology/: exit %d\n%s", rc, out ? out : "");
    free(out);

    /* but a --topology FILE the user gives is relative to the current directory */
    rc = sh(&out, FROM("%s", "") "'%s/geokv-bench' " DRY_RUN " --topology sim/wan/topology/patent-fig6.json", decoy,
            bin);
    if (rc != 2 || !out || !strstr(out, "sim/wan/topology/patent-fig6.json"))
        fail_msg("--topology relative to the current directory: exit %d (want 2, the decoy read)\n%s", rc,
                 out ? out : "");
    free(out);
    free(decoy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_install_run_uninstall),
        cmocka_unit_test(test_data_dir_override),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
