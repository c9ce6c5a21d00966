/* Integration test of geokv-bench-mpi under a real mpirun on this machine
 * (`--oversubscribe`: more ranks than cores). A spread sweep must give the
 * same records as `geokv-bench run` (every summary.csv column, checker
 * green, every agent in the timeline) plus the rank count and barrier skew;
 * a rank killed mid-run must end the job with that rank named, leaving no
 * etcd member, no rank (rank 0 holds the WAN emulator) and a valid
 * runs.jsonl. Open MPI refuses root unless told: the two OMPI_ALLOW_* are
 * set here, for mpirun's children only. */
#include <dirent.h>
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

static char tmpdir[256], mpirun[1024];

static int setup(void **state)
{
    (void)state;
    mpi_t_prepare(mpirun, sizeof mpirun);
    return bench_t_tmpdir_make(tmpdir, sizeof tmpdir, "itest-mpi");
}

static int teardown(void **state)
{
    (void)state;
    return bench_t_tmpdir_remove(tmpdir);
}

/* Distinct agents with a rule_complete line in the timeline file. */
static int completed_agents(const char *path)
{
    char *text = util_slurp(path, NULL), seen[64][48];
    int n = 0;
    if (!text)
        return -1;
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        json_t *j = json_loads(l, 0, NULL);
        const char *a = json_string_value(json_object_get(j, "agent"));
        const char *ev = json_string_value(json_object_get(j, "event"));
        bool known = false;
        for (int i = 0; a && i < n; i++)
            known = known || strcmp(seen[i], a) == 0;
        if (a && ev && strcmp(ev, "rule_complete") == 0 && !known && n < 64)
            snprintf(seen[n++], sizeof seen[0], "%s", a);
        json_decref(j);
    }
    free(text);
    return n;
}

/* One spread sweep; every record complete and green. */
static void check_sweep(const char *placement, const char *modes, int n_runs)
{
    char bin[1024], out[512], log[600], latest[600], why[512], n_arg[] = "6";
    char *argv[] = { mpirun, "-np", "3", "--oversubscribe", bin, "run", "--placement", (char *)placement,
                     "--n", n_arg, "--reps", "1", "--modes", (char *)modes, "--rtt-scale", "0.05",
                     "--delay-scale", "0.05", "--seed", "3", "--etcd-fsync", "off", "--timeout", "40s",
                     "--out", out, NULL };
    json_t *runs, *rec;
    size_t i;
    int status, listed;
    bench_t_program("geokv-bench-mpi", bin, sizeof bin);
    snprintf(out, sizeof out, "%s/%s", tmpdir, placement);
    snprintf(log, sizeof log, "%s/%s.log", tmpdir, placement);
    snprintf(latest, sizeof latest, "%s/latest", out);
    status = bench_t_wait(bench_t_spawn(argv, log), 55);
    if (status != 0) {
        bench_t_dump_log(log);
        fail_msg("mpirun -np 3 geokv-bench-mpi (%s) exited with %d", placement, status);
    }
    runs = bench_t_load_runs(latest, why, sizeof why);
    if (!runs)
        fail_msg("runs.jsonl: %s", why);
    if (bench_t_check_summary(latest, (size_t)n_runs, why, sizeof why) != 0)
        fail_msg("summary.csv: %s", why);
    assert_int_equal(json_array_size(runs), n_runs);
    json_array_foreach(runs, i, rec) {
        char tl[1200];
        const char *e = json_string_value(json_object_get(rec, "error"));
        if (!json_is_true(json_object_get(rec, "checker_ok")) || (e && *e))
            fail_msg("record %zu: checker %s, error '%s'", i,
                     json_is_true(json_object_get(rec, "checker_ok")) ? "green" : "red", e ? e : "");
        assert_int_equal(json_integer_value(json_object_get(rec, "mpi_ranks")), 3);
        assert_string_equal(json_string_value(json_object_get(rec, "mpi_placement")), placement);
        assert_true(json_is_real(json_object_get(rec, "barrier_skew_s")));
        assert_true(json_real_value(json_object_get(rec, "barrier_skew_s")) >= 0);
        assert_true(json_real_value(json_object_get(rec, "barrier_skew_bound_s")) >= 0);
        assert_true(json_real_value(json_object_get(rec, "setup_s")) > 0);
        assert_true(json_real_value(json_object_get(rec, "agent_max_s")) > 0);
        assert_true(json_integer_value(json_object_get(rec, "app_bytes_quiescent")) > 0);
        /* every agent, wherever it ran, in the owner's timeline */
        snprintf(tl, sizeof tl, "%s/%s", latest, json_string_value(json_object_get(rec, "timeline")));
        assert_int_equal(completed_agents(tl), 6);
    }
    json_decref(runs);
    assert_int_equal(bench_t_alive_members(latest, &listed), 0);
    assert_int_equal(listed, 3 * n_runs);
}

static void test_sweep_by_region(void **state)
{
    (void)state;
    if (!mpirun[0])
        skip();
    /* before: the controller (rank 0) writes every agent's rule; after: each agent its own */
    check_sweep("region", "before,after", 2);
}

static void test_sweep_round_robin(void **state)
{
    (void)state;
    if (!mpirun[0])
        skip();
    check_sweep("round-robin", "lockless", 1);
}

/* Without mpirun: one rank (Open MPI's singleton start) running everything. */
static void test_without_mpirun(void **state)
{
    char bin[1024], out[512], log[600], latest[600], why[512];
    char *argv[] = { bin, "run", "--n", "3", "--reps", "1", "--modes", "after", "--rtt-scale", "0.05",
                     "--delay-scale", "0.05", "--seed", "2", "--etcd-fsync", "off", "--timeout", "30s",
                     "--out", out, NULL };
    json_t *runs, *rec;
    int status;
    (void)state;
    bench_t_program("geokv-bench-mpi", bin, sizeof bin);
    snprintf(out, sizeof out, "%s/single", tmpdir);
    snprintf(log, sizeof log, "%s/single.log", tmpdir);
    snprintf(latest, sizeof latest, "%s/latest", out);
    status = bench_t_wait(bench_t_spawn(argv, log), 50);
    if (status != 0) {
        bench_t_dump_log(log);
        fail_msg("geokv-bench-mpi without mpirun exited with %d", status);
    }
    runs = bench_t_load_runs(latest, why, sizeof why);
    if (!runs)
        fail_msg("runs.jsonl: %s", why);
    rec = json_array_get(runs, 0);
    assert_int_equal(json_array_size(runs), 1);
    assert_true(json_is_true(json_object_get(rec, "checker_ok")));
    assert_int_equal(json_integer_value(json_object_get(rec, "mpi_ranks")), 1);
    json_decref(runs);
}

/* The pid of rank `rank` among mpirun's children (0: not found). */
static pid_t rank_pid(pid_t parent, int rank)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    pid_t found = 0;
    char want[64];
    snprintf(want, sizeof want, "OMPI_COMM_WORLD_RANK=%d", rank);
    while (d && !found && (e = readdir(d)) != NULL) {
        char path[300], *text;
        size_t len = 0;
        int ppid = -1;
        pid_t pid = (pid_t)atoi(e->d_name);
        if (pid <= 0)
            continue;
        snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
        text = util_slurp(path, NULL);
        /* "pid (comm) state ppid": comm may hold spaces, so after the last ')' */
        if (text && strrchr(text, ')'))
            sscanf(strrchr(text, ')') + 1, " %*c %d", &ppid);
        free(text);
        if (ppid != (int)parent)
            continue;
        snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
        text = util_slurp(path, &len);
        for (size_t off = 0; text && off < len; off += strlen(text + off) + 1)
            if (strcmp(text + off, want) == 0)
                found = pid;
        free(text);
    }
    if (d)
        closedir(d);
    return found;
}

static bool alive(pid_t pid)
{
    char path[64], *text;
    bool zombie;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    text = util_slurp(path, NULL);
    if (!text)
        return false;
    zombie = strrchr(text, ')') && strrchr(text, ')')[2] == 'Z';
    free(text);
    return !zombie;
}

static void test_killed_rank(void **state)
{
    char bin[1024], out[512], log[600], latest[600], why[512];
    char *argv[] = { mpirun, "-np", "3", "--oversubscribe", bin, "run", "--n", "6", "--reps", "2", "--modes",
                     "after", "--rtt-scale", "0.05", "--delay-scale", "0.5", "--seed", "4", "--etcd-fsync", "off",
                     "--timeout", "40s", "--out", out, NULL };
    pid_t pid, ranks[3];
    int status, listed;
    json_t *runs;
    char *text;
    (void)state;
    if (!mpirun[0])
        skip();
    bench_t_program("geokv-bench-mpi", bin, sizeof bin);
    snprintf(out, sizeof out, "%s/killed", tmpdir);
    snprintf(log, sizeof log, "%s/killed.log", tmpdir);
    snprintf(latest, sizeof latest, "%s/latest", out);
    pid = bench_t_spawn(argv, log);
    assert_true(pid > 0);
    /* the second run's cluster is up: its agents are running on every rank */
    if (!bench_t_wait_members(latest, 6, 50)) {
        bench_t_abandon(pid, log);
        fail_msg("the second run never started");
    }
    bench_t_sleep(1.0);
    for (int k = 0; k < 3; k++)
        ranks[k] = rank_pid(pid, k);
    if (!ranks[0] || !ranks[1] || !ranks[2]) {
        bench_t_abandon(pid, log);
        fail_msg("ranks not found among mpirun's children: %d %d %d", (int)ranks[0], (int)ranks[1],
                 (int)ranks[2]);
    }
    assert_int_equal(kill(ranks[1], SIGKILL), 0);
    status = bench_t_wait(pid, 30);
    if (status == 0 || status == -1) {
        bench_t_dump_log(log);
        fail_msg("mpirun exit status %d after rank 1 was killed, expected a failure", status);
    }
    text = util_slurp(log, NULL);
    assert_non_null(text);
    if (!strstr(text, "rank 1")) {
        bench_t_dump_log(log);
        fail_msg("mpirun's output does not name rank 1");
    }
    free(text);
    for (int k = 0; k < 3; k++)
        if (alive(ranks[k]))
            fail_msg("rank %d (pid %d) outlived the job", k, (int)ranks[k]);
    assert_int_equal(bench_t_alive_members(latest, &listed), 0);
    assert_true(listed >= 6);
    runs = bench_t_load_runs(latest, why, sizeof why);
    if (!runs)
        fail_msg("runs.jsonl after the kill: %s", why);
    assert_true(json_array_size(runs) <= 1);   /* the first run, or nothing */
    json_decref(runs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sweep_by_region),
        cmocka_unit_test(test_sweep_round_robin),
        cmocka_unit_test(test_killed_rank),
        cmocka_unit_test(test_without_mpirun),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
