/* Integration test of a spread sweep across a real (non-loopback) network:
 * two network namespaces joined by a veth pair, 10.231.<k>.1 and .2, made
 * here with `ip netns add` / `ip link add type veth` and removed on every
 * exit path (teardown, SIGINT/SIGTERM/SIGHUP, atexit; stale ones of an
 * earlier crash of this pid range are not ours to remove). mpirun runs in
 * the first namespace with rank 0 (cluster, emulator with --listen on .1,
 * controller) and launches rank 1 through `ip netns exec` in the second, so
 * rank 1's agents can reach etcd only through the emulator's links on .1
 * across the veth, and the ranks' MPI traffic (TCP BTL and ORTE's OOB,
 * restricted to the veth subnet; PMIx's server opened to it) crosses it
 * too. Without --listen the emulator is on rank 0's loopback, which rank
 * 1 cannot reach: that run must fail with its record naming rank 1.
 * Skipped, saying why, where namespaces cannot be made (not root, no ip). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bench/mpi/tests/testlib_mpi.h"
#include "bench/tests/testlib_bench.h"
#include "sim/util/util_fs.h"

static char tmpdir[256], ns_a[32], ns_b[32], veth_a[16], veth_b[16], subnet[32], addr_a[32], addr_b[32];
static char ip_bin[64], mpirun[1024], why_skip[256];
static volatile sig_atomic_t made;

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    return rc == 0 ? 0 : -1;
}

/* Removing a namespace removes its end of the veth pair, and so the pair. */
static void netns_remove(void)
{
    if (!made)
        return;
    made = 0;
    sh("%s netns del %s 2>/dev/null", ip_bin, ns_a);
    sh("%s netns del %s 2>/dev/null", ip_bin, ns_b);
    sh("%s link del %s 2>/dev/null", ip_bin, veth_a);
}

static void on_signal(int sig)
{
    netns_remove();
    signal(sig, SIG_DFL);
    raise(sig);
}

static int netns_make(void)
{
    int k = (int)(getpid() % 200) + 20;
    snprintf(ns_a, sizeof ns_a, "geokv-%d-a", (int)getpid());
    snprintf(ns_b, sizeof ns_b, "geokv-%d-b", (int)getpid());
    snprintf(veth_a, sizeof veth_a, "gkv%da", (int)getpid() % 100000);
    snprintf(veth_b, sizeof veth_b, "gkv%db", (int)getpid() % 100000);
    snprintf(subnet, sizeof subnet, "10.231.%d.0/24", k);
    snprintf(addr_a, sizeof addr_a, "10.231.%d.1", k);
    snprintf(addr_b, sizeof addr_b, "10.231.%d.2", k);
    made = 1;
    if (sh("%s netns add %s", ip_bin, ns_a) != 0 || sh("%s netns add %s", ip_bin, ns_b) != 0 ||
        sh("%s link add %s type veth peer name %s", ip_bin, veth_a, veth_b) != 0 ||
        sh("%s link set %s netns %s", ip_bin, veth_a, ns_a) != 0 ||
        sh("%s link set %s netns %s", ip_bin, veth_b, ns_b) != 0 ||
        sh("%s -n %s addr add %s/24 dev %s", ip_bin, ns_a, addr_a, veth_a) != 0 ||
        sh("%s -n %s addr add %s/24 dev %s", ip_bin, ns_b, addr_b, veth_b) != 0 ||
        sh("%s -n %s link set %s up", ip_bin, ns_a, veth_a) != 0 ||
        sh("%s -n %s link set %s up", ip_bin, ns_b, veth_b) != 0 ||
        sh("%s -n %s link set lo up", ip_bin, ns_a) != 0 || sh("%s -n %s link set lo up", ip_bin, ns_b) != 0) {
        netns_remove();
        return -1;
    }
    return 0;
}

static void find_ip(void)
{
    const char *ips[] = { "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip" };
    ip_bin[0] = '\0';
    for (size_t i = 0; i < sizeof ips / sizeof *ips && !ip_bin[0]; i++)
        if (access(ips[i], X_OK) == 0)
            snprintf(ip_bin, sizeof ip_bin, "%s", ips[i]);
}

static int setup(void **state)
{
    (void)state;
    mpi_t_prepare(mpirun, sizeof mpirun);
    find_ip();
    if (!mpirun[0])
        snprintf(why_skip, sizeof why_skip, "no mpirun on PATH (scripts/install-deps.sh installs Open MPI)");
    else if (!ip_bin[0])
        snprintf(why_skip, sizeof why_skip, "no ip(8) (iproute2)");
    else if (geteuid() != 0)
        snprintf(why_skip, sizeof why_skip, "network namespaces need root");
    if (why_skip[0])
        return bench_t_tmpdir_make(tmpdir, sizeof tmpdir, "itest-mpi-netns");
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    atexit(netns_remove);
    if (netns_make() != 0)
        snprintf(why_skip, sizeof why_skip, "this machine cannot make network namespaces with a veth pair");
    return bench_t_tmpdir_make(tmpdir, sizeof tmpdir, "itest-mpi-netns");
}

static int teardown(void **state)
{
    (void)state;
    netns_remove();
    return bench_t_tmpdir_remove(tmpdir);
}

/* mpirun in ns_a: rank 0 there, rank 1 in ns_b through `ip netns exec`;
 * the emulator's links on listen (NULL: loopback). Returns mpirun's status. */
static int run_across(const char *listen, const char *modes, const char *out, const char *log)
{
    char bin[1024];
    /* without listen, a repeat of --seed 5 keeps argv's shape */
    const char *lflag = listen ? "--listen" : "--seed", *lval = listen ? listen : "5";
    bench_t_program("geokv-bench-mpi", bin, sizeof bin);
    /* PMIx's server (in mpirun) listens on loopback only unless opened: rank 1's loopback is not mpirun's */
    setenv("PMIX_MCA_ptl_tcp_remote_connections", "1", 1);
    setenv("PMIX_MCA_ptl_tcp_if_include", subnet, 1);
#define RUN_ARGS "run", (char *)lflag, (char *)lval, "--n", "4", "--modes", (char *)modes, "--reps", "1", \
                 "--rtt-scale", "0.05", "--delay-scale", "0.05", "--seed", "5", "--etcd-fsync", "off", \
                 "--timeout", "30s", "--out", (char *)out
    char *argv[] = { ip_bin, "netns", "exec", ns_a, mpirun, "--oversubscribe", "--mca", "btl", "tcp,self",
                     "--mca", "btl_tcp_if_include", subnet, "--mca", "oob_tcp_if_include", subnet,
                     "-np", "1", bin, RUN_ARGS, ":", "-np", "1", ip_bin, "netns", "exec", ns_b, bin, RUN_ARGS, NULL };
#undef RUN_ARGS
    int status = bench_t_wait(bench_t_spawn(argv, log), 55);
    unsetenv("PMIX_MCA_ptl_tcp_remote_connections");
    unsetenv("PMIX_MCA_ptl_tcp_if_include");
    return status;
}

static void test_rank_across_veth(void **state)
{
    char out[512], log[600], latest[600], why[512], tl[1200];
    json_t *runs, *rec;
    int status, listed;
    (void)state;
    if (why_skip[0]) {
        fprintf(stderr, "skipped: %s\n", why_skip);
        skip();
    }
    snprintf(out, sizeof out, "%s/results", tmpdir);
    snprintf(log, sizeof log, "%s/bench.log", tmpdir);
    snprintf(latest, sizeof latest, "%s/latest", out);
    status = run_across(addr_a, "before,after", out, log);
    if (status != 0) {
        bench_t_dump_log(log);
        fail_msg("mpirun across the namespaces exited with %d", status);
    }
    runs = bench_t_load_runs(latest, why, sizeof why);
    if (!runs)
        fail_msg("runs.jsonl: %s", why);
    assert_int_equal(json_array_size(runs), 2);
    for (size_t i = 0; i < 2; i++) {
        char *text;
        int lines = 0;
        rec = json_array_get(runs, i);
        if (!json_is_true(json_object_get(rec, "checker_ok")))
            fail_msg("record %zu: checker red: %s", i, json_string_value(json_object_get(rec, "error")));
        assert_int_equal(json_integer_value(json_object_get(rec, "mpi_ranks")), 2);
        assert_true(json_real_value(json_object_get(rec, "barrier_skew_s")) >= 0);
        /* rank 1 (by region: the odd regions' agents) completed its agents
         * only through the links on addr_a: all four are in the timeline */
        snprintf(tl, sizeof tl, "%s/%s", latest, json_string_value(json_object_get(rec, "timeline")));
        text = util_slurp(tl, NULL);
        assert_non_null(text);
        for (char *p = text; (p = strstr(p, "\"rule_complete\"")) != NULL; p++)
            lines++;
        free(text);
        assert_int_equal(lines, 4);
    }
    json_decref(runs);
    assert_int_equal(bench_t_alive_members(latest, &listed), 0);
}

/* The emulator on loopback: rank 1's agents cannot reach it; the run fails
 * (exit 1) and its record names rank 1. */
static void test_unreachable_rank_named(void **state)
{
    char out[512], log[600], latest[600], why[512];
    json_t *runs;
    const char *e;
    int status, listed;
    (void)state;
    if (why_skip[0]) {
        fprintf(stderr, "skipped: %s\n", why_skip);
        skip();
    }
    snprintf(out, sizeof out, "%s/loopback", tmpdir);
    snprintf(log, sizeof log, "%s/loopback.log", tmpdir);
    snprintf(latest, sizeof latest, "%s/latest", out);
    status = run_across(NULL, "after", out, log);
    if (status == 0 || status == -1) {
        bench_t_dump_log(log);
        fail_msg("mpirun exited with %d; rank 1 cannot have reached rank 0's loopback", status);
    }
    runs = bench_t_load_runs(latest, why, sizeof why);
    if (!runs)
        fail_msg("runs.jsonl: %s", why);
    assert_int_equal(json_array_size(runs), 1);
    e = json_string_value(json_object_get(json_array_get(runs, 0), "error"));
    if (!e || strncmp(e, "rank 1: ", 8) != 0)
        fail_msg("error '%s' does not name rank 1", e ? e : "");
    assert_false(json_is_true(json_object_get(json_array_get(runs, 0), "completed")));
    json_decref(runs);
    assert_int_equal(bench_t_alive_members(latest, &listed), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rank_across_veth),
        cmocka_unit_test(test_unreachable_rank_named),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
