/* bench_child.h: a step of a multi-sweep command (`geokv-bench factors`,
 * `geokv-bench calibrate`) as
 * a child process of its own: in its own process group, so that Ctrl-C at
 * the terminal reaches only the parent, which passes each stop signal on to
 * the child's group (the first lets a sweep stop cleanly with its finished
 * runs recorded, a second one ends it at once, as `run` itself does); in
 * sim/util's child registry with PDEATHSIG, so that it never outlives the
 * parent. */
#ifndef GEOKV_BENCH_CHILD_H
#define GEOKV_BENCH_CHILD_H

#include <signal.h>

/* The stop signals received (bench_child_on_stop counts them). */
extern volatile sig_atomic_t bench_child_stop_sig;     /* the first one's number, 0: none */
extern volatile sig_atomic_t bench_child_stop_count;

/* Installs a handler for SIGINT, SIGTERM and SIGHUP that only records the
 * signal (no SA_RESTART, so a wait for the child returns to pass it on). */
void bench_child_install_stop(void);

/* Runs argv (argv[0] a path) and waits for it, passing each stop signal
 * received meanwhile on to its group. stdout_fd / stderr_fd >= 0: the
 * child's stdout / stderr go there; -1: the child keeps ours. Returns its
 * exit status, 128+signal when it died of one, -1 when it could not be
 * started (exec failed: 127). */
int bench_child_run(char *const *argv, int stdout_fd, int stderr_fd);
/* The same with a wall-clock limit (> 0): past it the child's group gets
 * SIGTERM, 15 s later SIGKILL, and *timed_out (when given) is set. */
int bench_child_run_limit(char *const *argv, int stdout_fd, int stderr_fd, double limit_s, int *timed_out);

#endif
