/* test_util_proc.c: the child-process registry stops real children.
 *
 * Every test forks and execs real short-lived processes (`sleep 30`, a
 * shell), registers them and checks afterwards that they are gone: no
 * process with that pid (kill(pid, 0) fails with ESRCH) and nothing left to
 * reap. The exit and signal paths run in a forked helper whose children do
 * not have PDEATHSIG set, so only the registry can have stopped them; this
 * process is a child subreaper, so whatever the helper leaves behind is
 * re-parented here and shows up alive (and is killed at the end). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/util/util_clock.h"
#include "sim/util/util_proc.h"

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* fork + exec argv. prepare: util_proc_child_prepare (own process group,
 * PDEATHSIG); ignore_term: SIGTERM ignored across the exec; out_fd >= 0:
 * the child's stdout. */
static pid_t spawn(char *const argv[], bool prepare, bool ignore_term, int out_fd)
{
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (prepare && util_proc_child_prepare(parent) != 0)
            _exit(127);
        if (ignore_term)
            signal(SIGTERM, SIG_IGN);
        if (out_fd >= 0)
            dup2(out_fd, STDOUT_FILENO);
        execvp(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static pid_t spawn_sleep(bool prepare, bool ignore_term)
{
    char *argv[] = { "sleep", "30", NULL };
    return spawn(argv, prepare, ignore_term, -1);
}

/* No such process any more, not even a zombie. */
static bool gone(pid_t pid)
{
    return kill(pid, 0) == -1 && errno == ESRCH;
}

/* Gone, and not left for us to reap. */
static void assert_gone(pid_t pid)
{
    assert_true(pid > 0);
    if (!gone(pid)) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        fail_msg("process %d is still there", (int)pid);
    }
    assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
}

/* Waits (up to 5 s) until pid has signal `sig` in the /proc/<pid>/status
 * mask `field` ("SigIgn:", "SigCgt:"): the child has set its disposition. */
static void wait_disposition(pid_t pid, const char *field, int sig)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    for (int t = 0; t < 500; t++) {
        FILE *f = fopen(path, "r");
        unsigned long long mask = 0;
        while (f && fgets(line, sizeof line, f))
            if (strncmp(line, field, strlen(field)) == 0)
                mask = strtoull(line + strlen(field), NULL, 16);
        if (f)
            fclose(f);
        if (mask & (1ULL << (sig - 1)))
            return;
        sleep_ms(10);
    }
    fail_msg("process %d never set its %s disposition for signal %d", (int)pid, field, sig);
}

static void test_stop_all_stops_children(void **state)
{
    (void)state;
    pid_t pids[3];
    for (int i = 0; i < 3; i++) {
        pids[i] = spawn_sleep(true, false);
        assert_true(pids[i] > 0);
        assert_int_equal(util_proc_register(pids[i], UTIL_PROC_GROUP), 0);
        assert_true(util_proc_registered(pids[i]));
    }
    assert_int_equal(util_proc_count(), 3);
    for (int i = 0; i < 3; i++)
        assert_true(util_proc_alive(pids[i]));
    assert_int_equal(util_proc_stop_all(2000), 0);
    assert_int_equal(util_proc_count(), 0);
    for (int i = 0; i < 3; i++) {
        assert_false(util_proc_registered(pids[i]));
        assert_gone(pids[i]);
    }
}

static void test_unregister_and_signal(void **state)
{
    (void)state;
    pid_t pid = spawn_sleep(true, false);
    assert_int_equal(util_proc_register(pid, UTIL_PROC_GROUP), 0);
    util_proc_unregister(pid);
    assert_false(util_proc_registered(pid));
    assert_int_equal(util_proc_count(), 0);
    /* no longer ours to signal or stop */
    assert_int_equal(util_proc_signal(pid, SIGKILL), -1);
    assert_int_equal(util_proc_stop(pid, 100), -1);
    assert_int_equal(util_proc_stop_all(100), 0);
    assert_true(util_proc_alive(pid));
    assert_int_equal(waitpid(pid, NULL, WNOHANG), 0);
    /* registered again, a signal through the registry reaches it */
    assert_int_equal(util_proc_register(pid, UTIL_PROC_GROUP), 0);
    assert_int_equal(util_proc_signal(pid, SIGSTOP), 0);
    int ws;
    assert_int_equal(waitpid(pid, &ws, WUNTRACED), pid);
    assert_true(WIFSTOPPED(ws));
    assert_int_equal(util_proc_stop(pid, 1000), 0);
    assert_gone(pid);
    assert_int_equal(util_proc_count(), 0);
}

static void test_sigkill_after_grace(void **state)
{
    (void)state;
    pid_t pid = spawn_sleep(true, true);
    assert_int_equal(util_proc_register(pid, UTIL_PROC_GROUP), 0);
    wait_disposition(pid, "SigIgn:", SIGTERM);
    double t0 = util_now_s();
    assert_int_equal(util_proc_stop(pid, 300), 0);
    double took = util_now_s() - t0;
    assert_true(took >= 0.29);      /* it had its grace period */
    assert_true(took < 3.0);
    assert_gone(pid);
    assert_int_equal(util_proc_count(), 0);
}

/* A stopped process that handles SIGTERM acts on it only once continued. */
static void test_stopped_child_is_continued(void **state)
{
    (void)state;
    char *argv[] = { "sh", "-c", "exec 2>/dev/null; trap 'exit 0' TERM; while :; do sleep 1; done", NULL };
    pid_t pid = spawn(argv, true, false, -1);
    int ws;
    assert_int_equal(util_proc_register(pid, UTIL_PROC_GROUP), 0);
    wait_disposition(pid, "SigCgt:", SIGTERM);
    assert_int_equal(kill(pid, SIGSTOP), 0);
    assert_int_equal(waitpid(pid, &ws, WUNTRACED), pid);
    assert_true(WIFSTOPPED(ws));
    double t0 = util_now_s();
    assert_int_equal(util_proc_stop(pid, 4000), 0);
    assert_true(util_now_s() - t0 < 3.0);   /* well inside the grace period */
    assert_gone(pid);
}

/* What a child started goes with it: its process group is signalled. */
static void test_group_goes_too(void **state)
{
    (void)state;
    int p[2];
    char line[32];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    char *argv[] = { "sh", "-c", "sleep 30 & echo $!; exec sleep 30", NULL };
    pid_t pid = spawn(argv, true, false, p[1]);
    close(p[1]);
    assert_int_equal(util_proc_register(pid, UTIL_PROC_GROUP), 0);
    FILE *f = fdopen(p[0], "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    pid_t grandchild = (pid_t)atoi(line);
    assert_true(grandchild > 0);
    assert_true(util_proc_alive(grandchild));

    assert_int_equal(util_proc_stop_all(2000), 0);
    assert_gone(pid);
    /* The grandchild is re-parented to us (subreaper) when its shell dies:
     * reap it and see that it did not survive. */
    for (int t = 0; t < 200 && !gone(grandchild); t++) {
        if (waitpid(grandchild, NULL, WNOHANG) == grandchild)
            break;
        sleep_ms(10);
    }
    assert_gone(grandchild);
}

/* A forked child never stops its parent's children; its own it does. */
static void test_fork_keeps_parents_children(void **state)
{
    (void)state;
    pid_t mine = spawn_sleep(true, false);
    assert_int_equal(util_proc_register(mine, UTIL_PROC_GROUP), 0);
    fflush(NULL);
    pid_t helper = fork();
    assert_true(helper >= 0);
    if (helper == 0) {
        int bad = 0;
        bad |= util_proc_count() != 0;
        bad |= util_proc_registered(mine);
        bad |= util_proc_stop_all(0) != 0;
        pid_t own = spawn_sleep(true, false);
        bad |= util_proc_register(own, UTIL_PROC_GROUP) != 0;
        bad |= util_proc_count() != 1;
        bad |= util_proc_stop_all(1000) != 0;
        bad |= !gone(own);
        _exit(bad ? 1 : 0);
    }
    int ws;
    assert_int_equal(waitpid(helper, &ws, 0), helper);
    assert_true(WIFEXITED(ws));
    assert_int_equal(WEXITSTATUS(ws), 0);
    assert_true(util_proc_alive(mine));
    assert_int_equal(waitpid(mine, NULL, WNOHANG), 0);
    assert_true(util_proc_registered(mine));
    assert_int_equal(util_proc_stop(mine, 1000), 0);
    assert_gone(mine);
}

/* ---- the exit and signal paths, in a forked helper ------------------------ */

static int g_hook_fd = -1;

static void hook_write(void)
{
    ssize_t w = write(g_hook_fd, "H", 1);
    (void)w;
}

enum helper_end { END_EXIT, END_PAUSE };

/* A helper that registers two `sleep 30` children (no PDEATHSIG), reports
 * their pids through a pipe, then exits once told to through *go, or waits
 * for a signal. */
static pid_t fork_helper(enum helper_end end, int hook_fd, pid_t kids[2], int *go)
{
    int p[2], g[2];
    char byte;
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    assert_int_equal(pipe2(g, O_CLOEXEC), 0);
    fflush(NULL);
    pid_t helper = fork();
    assert_true(helper >= 0);
    if (helper == 0) {
        if (end == END_PAUSE) {
            g_hook_fd = hook_fd;
            util_proc_install_signal_cleanup();
            if (util_proc_on_signal(hook_write) != 0)
                _exit(3);
        }
        pid_t k[2] = { spawn_sleep(false, false), spawn_sleep(false, false) };
        for (int i = 0; i < 2; i++)
            if (k[i] <= 0 || util_proc_register(k[i], 0) != 0)
                _exit(2);
        if (write(p[1], k, sizeof k) != (ssize_t)sizeof k)
            _exit(2);
        if (end == END_EXIT) {
            if (read(g[0], &byte, 1) != 1)
                _exit(2);
            exit(0);      /* the registry's atexit hook must stop them */
        }
        for (;;)
            pause();
    }
    close(p[1]);
    close(g[0]);
    *go = g[1];
    assert_int_equal(read(p[0], kids, 2 * sizeof kids[0]), (ssize_t)(2 * sizeof kids[0]));
    close(p[0]);
    for (int i = 0; i < 2; i++)
        assert_true(util_proc_alive(kids[i]));
    return helper;
}

static void test_exit_stops_children(void **state)
{
    (void)state;
    pid_t kids[2];
    int go;
    pid_t helper = fork_helper(END_EXIT, -1, kids, &go);
    int ws;
    assert_int_equal(write(go, "x", 1), 1);
    close(go);
    assert_int_equal(waitpid(helper, &ws, 0), helper);
    assert_true(WIFEXITED(ws));
    assert_int_equal(WEXITSTATUS(ws), 0);
    for (int i = 0; i < 2; i++)
        assert_gone(kids[i]);
}

static void check_signal_path(int sig)
{
    int hp[2];
    char got = 0;
    pid_t kids[2];
    int go;
    assert_int_equal(pipe2(hp, O_CLOEXEC), 0);
    pid_t helper = fork_helper(END_PAUSE, hp[1], kids, &go);
    close(hp[1]);
    close(go);
    assert_int_equal(kill(helper, sig), 0);
    int ws;
    assert_int_equal(waitpid(helper, &ws, 0), helper);
    assert_true(WIFSIGNALED(ws));
    assert_int_equal(WTERMSIG(ws), sig);      /* died of the same signal */
    for (int i = 0; i < 2; i++)
        assert_gone(kids[i]);
    assert_int_equal(read(hp[0], &got, 1), 1); /* the hook ran */
    assert_int_equal(got, 'H');
    close(hp[0]);
}

static void test_sigterm_stops_children(void **state)
{
    (void)state;
    check_signal_path(SIGTERM);
}

static void test_sigint_stops_children(void **state)
{
    (void)state;
    check_signal_path(SIGINT);
}

int main(void)
{
    /* Orphans of the helpers come to us, so a survivor is seen (and reaped). */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        perror("prctl(PR_SET_CHILD_SUBREAPER)");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stop_all_stops_children),
        cmocka_unit_test(test_unregister_and_signal),
        cmocka_unit_test(test_sigkill_after_grace),
        cmocka_unit_test(test_stopped_child_is_continued),
        cmocka_unit_test(test_group_goes_too),
        cmocka_unit_test(test_fork_keeps_parents_children),
        cmocka_unit_test(test_exit_stops_children),
        cmocka_unit_test(test_sigterm_stops_children),
        cmocka_unit_test(test_sigint_stops_children),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
