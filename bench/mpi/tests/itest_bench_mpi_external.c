/* Integration test: geokv-bench-mpi against an existing, secured etcd
 * cluster (--endpoints with TLS and a user), two ranks under a real mpirun
 * on this machine (--oversubscribe).
 *
 * The cluster is testlib_bench_tls.h's: its user may only read and write
 * /geokv/, so a rank that wrote outside the owner's key prefix (or without
 * the client certificate, or unauthenticated) would be refused by etcd and
 * the run would fail. Each rank reads the password itself (here the same
 * environment); a rank without one, or without its CA file, must end the
 * job, named. Open MPI refuses
 * root unless told: the two OMPI_ALLOW_* are set for mpirun's children. */
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bench/mpi/tests/testlib_mpi.h"
#include "bench/tests/testlib_bench.h"
#include "bench/tests/testlib_bench_tls.h"
#include "sim/util/util_fs.h"

static char tmpdir[256], mpirun[1024], endpoint[96];
static bench_t_tls tls;

static int setup(void **state)
{
    (void)state;
    mpi_t_prepare(mpirun, sizeof mpirun);
    if (bench_t_tmpdir_make(tmpdir, sizeof tmpdir, "itest-mpi-external") != 0)
        return -1;
    if (!mpirun[0])
        return 0;   /* every test skips */
    if (bench_t_tls_start(&tls, tmpdir) != 0)
        return -1;
    snprintf(endpoint, sizeof endpoint, "%s@aws-ap-northeast-2", tls.url);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    bench_t_tls_stop(&tls);
    return bench_t_tmpdir_remove(tmpdir);
}

/* The geokv-bench-mpi run arguments against the test cluster (its CA at
 * cacert), from argv[k] on; returns the next index. */
static int run_args(char **argv, int k, char *bin, char *out, char *cacert)
{
    char *args[] = { bin, "run", "--n", "4", "--reps", "1", "--modes", "before,after", "--delay-scale", "0.05",
                     "--seed", "5", "--timeout", "40s", "--out", out, "--endpoints", endpoint, "--cacert", cacert,
                     "--cert", tls.cert, "--key", tls.key, "--user", BENCH_T_TLS_USER, NULL };
    for (int i = 0; args[i]; i++)
        argv[k++] = args[i];
    return k;
}

static void test_spread_sweep_on_secured_cluster(void **state)
{
    char bin[1024], out[512], log[600], latest[600], why[512], path[700], *argv[48];
    int k = 0, status;
    json_t *runs, *rec, *cfg;
    size_t i;
    (void)state;
    if (!mpirun[0])
        skip();
    bench_t_program("geokv-bench-mpi", bin, sizeof bin);
    snprintf(out, sizeof out, "%s/sweep", tmpdir);
    snprintf(log, sizeof log, "%s/sweep.log", tmpdir);
    snprintf(latest, sizeof latest, "%s/latest", out);
    argv[k++] = mpirun;
    argv[k++] = "-np";
    argv[k++] = "2";
    argv[k++] = "--oversubscribe";
    k = run_args(argv, k, bin, out, tls.ca);
    argv[k] = NULL;
    setenv("GEOKV_ETCD_PASSWORD", BENCH_T_TLS_PASSWORD, 1);
    status = bench_t_wait(bench_t_spawn(argv, log), 55);
    unsetenv("GEOKV_ETCD_PASSWORD");
    if (status != 0) {
        bench_t_dump_log(log);
        fail_msg("mpirun -np 2 geokv-bench-mpi --endpoints exited with %d", status);
    }
    runs = bench_t_load_runs(latest, why, sizeof why);
    if (!runs)
        fail_msg("runs.jsonl: %s", why);
    if (bench_t_check_summary(latest, 2, why, sizeof why) != 0)
        fail_msg("summary.csv: %s", why);
    assert_int_equal(json_array_size(runs), 2);
    json_array_foreach(runs, i, rec) {
        const char *e = json_string_value(json_object_get(rec, "error"));
        if (!json_is_true(json_object_get(rec, "completed")) || !json_is_true(json_object_get(rec, "checker_ok")) ||
            (e && *e)) {
            bench_t_dump_log(log);
            fail_msg("record %zu: completed %d, checker %d, error '%s'", i,
                     json_is_true(json_object_get(rec, "completed")),
                     json_is_true(json_object_get(rec, "checker_ok")), e ? e : "");
        }
        assert_int_equal(json_integer_value(json_object_get(rec, "mpi_ranks")), 2);
    }
    json_decref(runs);

    snprintf(path, sizeof path, "%s/config.json", latest);
    char *text = util_slurp(path, NULL);
    assert_non_null(text);
    assert_null(strstr(text, BENCH_T_TLS_PASSWORD));   /* the password is recorded nowhere */
    cfg = json_loads(text, 0, NULL);
    free(text);
    const char *prefix = json_string_value(json_object_get(json_object_get(cfg, "cluster"), "key_prefix"));
    assert_non_null(prefix);
    assert_int_equal(strncmp(prefix, "/geokv/", 7), 0);
    /* the cluster is left as found: nothing under the prefix, nothing anywhere */
    assert_int_equal(bench_t_tls_count(&tls, prefix), 0);
    assert_int_equal(bench_t_tls_count(&tls, "/"), 0);
    json_decref(cfg);
}

/* An MPMD mpirun: rank 0 with the test cluster's options, rank 1 with the
 * same but started through `env -u GEOKV_ETCD_PASSWORD` when no_password
 * (its own host's environment lacks it) and with --cacert cacert1. The job
 * must fail with `expect` (naming rank 1) in its output. */
static void rank1_fails(const char *tag, bool no_password, char *cacert1, const char *expect)
{
    char bin[1024], out[512], log[600], *argv[96], *text;
    int k = 0, status;
    bench_t_program("geokv-bench-mpi", bin, sizeof bin);
    snprintf(out, sizeof out, "%s/%s", tmpdir, tag);
    snprintf(log, sizeof log, "%s/%s.log", tmpdir, tag);
    argv[k++] = mpirun;
    argv[k++] = "--oversubscribe";
    argv[k++] = "-np";
    argv[k++] = "1";
    k = run_args(argv, k, bin, out, tls.ca);
    argv[k++] = ":";
    argv[k++] = "-np";
    argv[k++] = "1";
    if (no_password) {
        argv[k++] = "env";
        argv[k++] = "-u";
        argv[k++] = "GEOKV_ETCD_PASSWORD";
    }
    k = run_args(argv, k, bin, out, cacert1);
    argv[k] = NULL;
    setenv("GEOKV_ETCD_PASSWORD", BENCH_T_TLS_PASSWORD, 1);
    status = bench_t_wait(bench_t_spawn(argv, log), 55);
    unsetenv("GEOKV_ETCD_PASSWORD");
    if (status == 0 || status == -1) {
        bench_t_dump_log(log);
        fail_msg("mpirun exit status %d (%s), expected a failure", status, tag);
    }
    text = util_slurp(log, NULL);
    assert_non_null(text);
    if (!strstr(text, expect)) {
        bench_t_dump_log(log);
        fail_msg("the output lacks \"%s\"", expect);
    }
    free(text);
}

static void test_rank_without_password_fails(void **state)
{
    (void)state;
    if (!mpirun[0])
        skip();
    rank1_fails("nopw", true, tls.ca, "rank 1: --user geo: no password: set GEOKV_ETCD_PASSWORD");
}

static void test_rank_without_cacert_fails(void **state)
{
    char missing[320];
    (void)state;
    if (!mpirun[0])
        skip();
    snprintf(missing, sizeof missing, "%s/no-such-ca.pem", tmpdir);
    rank1_fails("noca", false, missing, "rank 1: --cacert ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spread_sweep_on_secured_cluster),
        cmocka_unit_test(test_rank_without_password_fails),
        cmocka_unit_test(test_rank_without_cacert_fails),
    };
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, setup, teardown);
}
