/* util_proc.h: the one registry of the child processes this process started
 * (etcd members, memcached servers), so that every way out stops them:
 *   - the owner's own stop (util_proc_stop, util_proc_stop_all);
 *   - exit() and a return from main: an atexit hook stops every registered
 *     child (SIGTERM, SIGKILL after UTIL_PROC_EXIT_GRACE_MS) and reaps it;
 *   - SIGINT, SIGTERM and SIGHUP, once util_proc_install_signal_cleanup() was
 *     called: the handler SIGKILLs and reaps every registered child, runs the
 *     hooks given to util_proc_on_signal(), then dies of the same signal;
 *   - the process dying hard (SIGKILL): children prepared with
 *     util_proc_child_prepare() get SIGKILL from the kernel (PDEATHSIG).
 * A child registered with UTIL_PROC_GROUP leads its own process group and is
 * signalled as a group, so whatever it started goes with it.
 *
 * The registry is made of lock-free atomics, so the signal handler reads it
 * with async-signal-safe calls only. Every entry carries the pid of the
 * process that registered it: a forked child (tests do this) never signals
 * or reaps its parent's children. Unregister a pid before reaping it, so that
 * no cleanup path ever signals a recycled pid.
 */
#ifndef GEOKV_UTIL_PROC_H
#define GEOKV_UTIL_PROC_H

#include <stdbool.h>
#include <sys/types.h>

#define UTIL_PROC_MAX           256   /* registered children per process */
#define UTIL_PROC_GROUP         1u    /* the child leads its own process group */
#define UTIL_PROC_EXIT_GRACE_MS 3000  /* SIGTERM -> SIGKILL at exit */
#define UTIL_PROC_KILL_WAIT_MS  5000  /* how long a stop waits after SIGKILL */

/* Installs the atexit hook; idempotent (util_proc_register calls it). A
 * module whose own atexit clean-up must run before this one (atexit hooks run
 * last-registered first) calls it before its own atexit(). */
void util_proc_init(void);

/* Adds pid (a child of this process). 0, or -1 when the registry is full. */
int util_proc_register(pid_t pid, unsigned flags);
/* Forgets pid; call it before reaping pid. Unknown pids are ignored. */
void util_proc_unregister(pid_t pid);
bool util_proc_registered(pid_t pid);
/* Children registered by this process. */
int util_proc_count(void);

/* Sends sig to pid, to its process group when registered with
 * UTIL_PROC_GROUP. -1 (errno set) when pid is not registered or kill fails. */
int util_proc_signal(pid_t pid, int sig);

/* Stops a registered child: SIGTERM and SIGCONT (a stopped process acts on
 * SIGTERM only once continued), SIGKILL after grace_ms (grace_ms <= 0:
 * SIGKILL at once); reaps and forgets it. When a group leader has exited,
 * what is left of its group gets SIGKILL before the leader is reaped (the
 * leader's zombie keeps the group id from being reused). 0 when it is gone
 * (also when it had exited already), -1 when pid is not registered or it
 * survived UTIL_PROC_KILL_WAIT_MS after SIGKILL (it then stays registered). */
int util_proc_stop(pid_t pid, int grace_ms);

/* util_proc_stop for every child this process registered, all at once.
 * Returns how many survived (0 normally). */
int util_proc_stop_all(int grace_ms);

/* pid exists as a process (possibly a zombie not reaped yet). */
bool util_proc_alive(pid_t pid);

/* On SIGINT, SIGTERM and SIGHUP: SIGKILL every registered child (its group),
 * reap them, run the hooks, then die of the same signal with its default
 * action. Replaces the process's handlers for those signals (install yours
 * after it, or stop the children yourself). Idempotent. */
void util_proc_install_signal_cleanup(void);

/* fn runs in that signal handler after the children are reaped (to remove
 * their directories, say): async-signal-safe calls only. Adding the same fn
 * twice adds it once. 0, or -1 when 8 hooks are set already. */
int util_proc_on_signal(void (*fn)(void));

/* For the child between fork and exec (async-signal-safe): every signal back
 * to its default action, none blocked, its own process group (register it
 * with UTIL_PROC_GROUP), SIGKILL when the parent dies. PDEATHSIG fires when
 * the forking *thread* ends, so fork from a thread that lives as long as the
 * process. Returns -1 when the parent (pid `parent`) died before the
 * PDEATHSIG was set: the child should then _exit. */
int util_proc_child_prepare(pid_t parent);

#endif
