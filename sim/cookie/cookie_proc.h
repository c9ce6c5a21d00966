/* cookie_proc: child processes the cookie scenario starts (memcached), kept
 * in the process's child registry (sim/util/util_proc.h) so that every exit
 * path stops them: normal return (the caller's stop), exit() (atexit),
 * SIGINT/SIGTERM/SIGHUP (handler), and the harness dying hard
 * (PR_SET_PDEATHSIG(SIGKILL) set in each child). Each child leads its own
 * process group. */
#ifndef GEOKV_COOKIE_PROC_H
#define GEOKV_COOKIE_PROC_H

#include <sys/types.h>

/* Install the registry's atexit hook and SIGINT/SIGTERM/SIGHUP handlers
 * once; idempotent. SIGPIPE is ignored too (a dead memcached must not kill
 * the harness). */
void cookie_proc_init(void);

/* fork + exec argv[0] (a path) with argv; stdout/stderr of the child go to
 * log_path (appended) or /dev/null when NULL. The child dies with the parent.
 * Returns 0 and the pid, or -1 with a message in err. */
int cookie_proc_spawn(char *const argv[], const char *log_path, pid_t *pid,
                      char *err, size_t errlen);

/* Send sig to pid (only if pid is in the registry). */
int cookie_proc_signal(pid_t pid, int sig);

/* SIGTERM, wait up to grace_ms, then SIGKILL; reap and forget the pid.
 * Returns 0 when the process is gone (also when it was already dead). */
int cookie_proc_stop(pid_t pid, int grace_ms);

/* SIGKILL + reap + forget (the "kill -9" fault). */
int cookie_proc_kill9(pid_t pid);

/* 1 when pid still exists as a process (not a zombie we reaped). */
int cookie_proc_alive(pid_t pid);

/* Number of children currently registered. */
int cookie_proc_count(void);

#endif
