/* Integration test: bad input to the real geokv-bench binary. Table-driven:
 * command-line options, fault specs, topology files, stored configurations
 * (--resume), an unusable results directory and a missing etcd binary. Each
 * must exit with status 2 and print exactly ONE line, starting
 * "geokv-bench: ", that names the option / file:line / field (the needle).
 * Every case that could start a sweep if it were wrongly accepted carries
 * --dry-run, so a regression fails fast instead of running for minutes.
 * (test_bad_options in itest_bench_sweep.c has five more; busy ports are
 * covered by sim/rig/tests/itest_rig.c: test_busy_port_is_retried and
 * test_busy_pinned_port_fails_clearly.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "bench/tests/testlib_bench.h"
#include "sim/util/util_fs.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    return bench_t_tmpdir_make(tmpdir, sizeof tmpdir, "itest-badinput");
}

static int teardown(void **state)
{
    (void)state;
    return bench_t_tmpdir_remove(tmpdir);
}

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

#define MAXARG 12
typedef struct bad_case {
    const char *args[MAXARG];   /* after "run"; "@" at the start of an arg is replaced by tmpdir + "/" */
    const char *env_etcd;       /* GEOKV_ETCD for this case, NULL: unchanged */
    const char *needle;         /* the one line must contain it */
} bad_case;

static const bad_case cases[] = {
    /* options */
    {{"--n", "0", "--dry-run"}, NULL, "--n: '0'"},
    {{"--n", "4,x", "--dry-run"}, NULL, "--n: 'x'"},
    {{"--n", "2000", "--dry-run"}, NULL, "--n: '2000'"},
    {{"--n", "10,,20", "--dry-run"}, NULL, "--n: empty item in '10,,20'"},
    {{"--modes", "after,,before", "--dry-run"}, NULL, "--modes: empty item"},
    {{"--reps", "0", "--dry-run"}, NULL, "--reps"},
    {{"--rtt-scale", "-1", "--dry-run"}, NULL, "--rtt-scale"},
    {{"--seed", "x", "--dry-run"}, NULL, "--seed"},
    {{"--start", "bogus", "--dry-run"}, NULL, "--start"},
    {{"--leader", "Tokyo", "--dry-run"}, NULL, "--leader: unknown member 'Tokyo'"},
    {{"--policy", "fastest", "--dry-run"}, NULL, "--policy"},
    {{"--timeout", "0", "--dry-run"}, NULL, "--timeout"},
    {{"--etcd-fsync", "maybe", "--dry-run"}, NULL, "--etcd-fsync"},
    {{"--spec-cache", "2", "--dry-run"}, NULL, "--spec-cache"},
    {{"--modes", "fast", "--dry-run"}, NULL, "--modes: unknown mode 'fast'"},
    {{"--bogus", "--dry-run"}, NULL, "unknown option '--bogus'"},
    /* fault specs */
    {{"--fault", "kill:sin", "--dry-run"}, NULL, "--fault: fault 1 \"kill:sin\": missing '@TIME'"},
    {{"--fault", "explode@1s", "--dry-run"}, NULL, "kind \"explode\""},
    {{"--fault", "kill:sin@2s,restart@1s", "--dry-run"}, NULL, "restart@1s must come after kill@2s"},
    {{"--fault", "kill:sin@5x", "--dry-run"}, NULL, "time \"5x\""},
    {{"--fault", "compact@1s;kill:tokyo@1s", "--dry-run"}, NULL, "fault 2 (kill:tokyo@1.000s): member \"tokyo\" unknown"},
    {{"--fault", "redeploy:agent9@1s>gcp-asia-east1", "--n", "4", "--dry-run"}, NULL, "agent 9 out of range"},
    {{"--fault", "spike:mars>a-sel+1ms@1", "--dry-run"}, NULL, "region \"mars\" unknown"},
    {{"--fault", "spike:aws-us-east-1>a-sel@1", "--dry-run"}, NULL, "REGION>MEMBER+DELAY"},
    {{"--fault", "partition:sin@1", "--no-wan", "--dry-run"}, NULL, "partition needs the WAN emulator"},
    {{"--fault", "session-ttl:0.5s", "--dry-run"}, NULL, "session TTL"},
    {{"--fault", "kill:sin@99999999999999s", "--dry-run"}, NULL, "not before the run's timeout of 600s"},
    {{"--fault", "kill:sin@5s,restart@2m", "--timeout", "90s", "--dry-run"}, NULL, "timeout of 90s"},
    /* topology files */
    {{"--topology", "/nonexistent/topo.json", "--dry-run"}, NULL, "cannot open topology file"},
    {{"--controller-region", "mars", "--dry-run"}, NULL, "--controller-region: region \"mars\""},
    {{"--wan-spin", "soon", "--dry-run"}, NULL, "--wan-spin"},
    {{"--topology", "@t-syntax.json", "--dry-run"}, NULL, "t-syntax.json:2"},
    {{"--topology", "@t-missing.json", "--dry-run"}, NULL, "intra_region_rtt_ms"},
    {{"--topology", "@t-noname.json", "--dry-run"}, NULL, "regions[0].name"},
    /* stored configuration (--resume) */
    {{"--resume", "@nothere", "--dry-run"}, NULL, "cannot resume"},
    {{"--resume", "@r-garbage", "--dry-run"}, NULL, "r-garbage/config.json"},
    {{"--resume", "@r-badopts", "--dry-run"}, NULL, "stored options do not parse: --n: 'zero'"},
    /* environment: results directory, etcd binary */
    {{"--n", "4", "--reps", "1", "--modes", "after", "--out", "@afile/results"}, NULL, "choose a writable --out"},
    {{"--n", "4", "--reps", "1", "--modes", "after", "--out", "@never"}, "/nonexistent/etcd", "GEOKV_ETCD=/nonexistent/etcd"},
    {{"--n", "4", "--reps", "1", "--modes", "after", "--out", "@never"}, "@afile", "not an executable file"},
};

static void test_bad_input_table(void **state)
{
    char bin[1024], log[600];
    char bufs[MAXARG][600];
    (void)state;
    bench_t_program("geokv-bench", bin, sizeof bin);
    assert_true(sizeof cases / sizeof cases[0] >= 20);
    write_file("t-syntax.json", "{\"regions\": [\n");
    write_file("t-missing.json", "{\n \"name\": \"x\",\n \"regions\": []\n}\n");
    write_file("t-noname.json", "{\"name\":\"x\",\"intra_region_rtt_ms\":1,\"regions\":[{\"id\":\"a\",\"provider\":\"aws\"}],"
                                "\"rtt_ms\":{},\"etcd_members\":[]}\n");
    write_file("afile", "a regular file where a directory is expected\n");
    {
        char d[512];
        snprintf(d, sizeof d, "%s/r-garbage", tmpdir);
        assert_int_equal(mkdir(d, 0755), 0);
        snprintf(d, sizeof d, "%s/r-badopts", tmpdir);
        assert_int_equal(mkdir(d, 0755), 0);
    }
    write_file("r-garbage/config.json", "not json at all\n");
    write_file("r-badopts/config.json", "{\"argv\": [\"--n\", \"zero\"], \"seed\": 1}\n");

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bad_case *c = &cases[i];
        char *argv[MAXARG + 3] = {bin, "run"};
        int k = 2;
        char env[600];
        for (int j = 0; j < MAXARG && c->args[j]; j++) {
            if (c->args[j][0] == '@') {
                snprintf(bufs[j], sizeof bufs[j], "%s/%s", tmpdir, c->args[j] + 1);
                argv[k++] = bufs[j];
            } else {
                argv[k++] = (char *)c->args[j];
            }
        }
        argv[k] = NULL;
        if (c->env_etcd) {
            if (c->env_etcd[0] == '@')
                snprintf(env, sizeof env, "%s/%s", tmpdir, c->env_etcd + 1);
            else
                snprintf(env, sizeof env, "%s", c->env_etcd);
            setenv("GEOKV_ETCD", env, 1);
        }
        snprintf(log, sizeof log, "%s/case-%zu.log", tmpdir, i);
        unlink(log);
        int status = bench_t_wait(bench_t_spawn(argv, log), 60);
        if (c->env_etcd)
            unsetenv("GEOKV_ETCD");
        char *text = util_slurp(log, NULL);
        assert_non_null(text);
        size_t len = strlen(text);
        bool one_line = len > 0 && text[len - 1] == '\n' && strchr(text, '\n') == text + len - 1;
        if (status != 2 || !one_line || strncmp(text, "geokv-bench: ", 13) != 0 || !strstr(text, c->needle))
            fail_msg("case %zu (%s %s ...): status %d, output '%s', wanted one line with '%s'", i, c->args[0],
                     c->args[1] ? c->args[1] : "", status, text, c->needle);
        printf("    %2zu: %s", i, text);
        free(text);
    }
    /* nothing was created for the runs that failed before starting */
    char never[512];
    struct stat sb;
    snprintf(never, sizeof never, "%s/never", tmpdir);
    assert_int_not_equal(stat(never, &sb), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bad_input_table, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
