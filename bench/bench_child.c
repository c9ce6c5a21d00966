/* bench_child.c: one step as a child process (see bench_child.h). */
#include "bench/bench_child.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/util/util_proc.h"

volatile sig_atomic_t bench_child_stop_sig;
volatile sig_atomic_t bench_child_stop_count;

static void on_stop(int sig)
{
    if (bench_child_stop_sig == 0)
        bench_child_stop_sig = sig;
    bench_child_stop_count++;
}

void bench_child_install_stop(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;   /* no SA_RESTART: the wait below returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

int bench_child_run(char *const *argv, int stdout_fd, int stderr_fd)
{
    return bench_child_run_limit(argv, stdout_fd, stderr_fd, 0, NULL);
}

int bench_child_run_limit(char *const *argv, int stdout_fd, int stderr_fd, double limit_s, int *timed_out)
{
    pid_t parent = getpid(), pid;
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        if (util_proc_child_prepare(parent) != 0)
            _exit(127);
        if ((stdout_fd >= 0 && dup2(stdout_fd, STDOUT_FILENO) < 0) ||
            (stderr_fd >= 0 && dup2(stderr_fd, STDERR_FILENO) < 0))
            _exit(127);
        execv(argv[0], argv);
        _exit(127);
    }
    if (pid < 0) {
        fprintf(stderr, "geokv-bench: cannot start %s: %s\n", argv[0], strerror(errno));
        return -1;
    }
    /* the child's group is its own from util_proc_child_prepare on; setting
     * it here too closes the window before the child ran that far */
    (void)setpgid(pid, pid);
    util_proc_register(pid, UTIL_PROC_GROUP);
    int forwarded = 0, killed = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (timed_out)
        *timed_out = 0;
    siginfo_t si;
    /* polled rather than blocked in waitid: a signal between the check and
     * a blocking wait would be passed on only when the child ends */
    for (;;) {
        while (forwarded < (int)bench_child_stop_count) {
            util_proc_signal(pid, (int)bench_child_stop_sig);
            forwarded++;
        }
        if (limit_s > 0) {
            /* past the limit: SIGTERM (a sweep stops cleanly), 15 s later SIGKILL */
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            double el = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
            if (el > limit_s + 15 * killed && killed < 2) {
                util_proc_signal(pid, killed ? SIGKILL : SIGTERM);
                killed++;
                if (timed_out)
                    *timed_out = 1;
            }
        }
        memset(&si, 0, sizeof si);
        if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT | WNOHANG) != 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (si.si_pid == pid)
            break;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    util_proc_unregister(pid);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(st))
        return WEXITSTATUS(st) == 127 ? -1 : WEXITSTATUS(st);
    return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
}
