/* util_proc.c: the child-process registry (see util_proc.h). */
#include "sim/util/util_proc.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/util/util_clock.h"

#define PROC_HOOKS   8
#define PROC_POLL_MS 10

enum { SLOT_FREE, SLOT_WRITING, SLOT_LIVE };

/* Read by the signal handler: atomics only. A slot is claimed by moving its
 * state to SLOT_WRITING, filled, then published as SLOT_LIVE, so the handler
 * never sees half an entry. */
typedef struct proc_slot {
    atomic_int state;
    atomic_int pid;
    atomic_int owner;             /* getpid() of the process that registered it */
    atomic_uint flags;
} proc_slot;

typedef void (*proc_hook)(void);

static proc_slot g_slots[UTIL_PROC_MAX];
static _Atomic(proc_hook) g_hooks[PROC_HOOKS];
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

/* A child being stopped. */
typedef struct proc_ref {
    pid_t pid;
    unsigned flags;
    bool done;
} proc_ref;

typedef enum proc_state { PROC_RUNNING, PROC_EXITED, PROC_GONE } proc_state;

static void proc_sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Async-signal-safe. A group whose leader has not called setpgid yet does
 * not exist: the leader alone then gets the signal. */
static int proc_send(pid_t pid, unsigned flags, int sig)
{
    if ((flags & UTIL_PROC_GROUP) && kill(-pid, sig) == 0)
        return 0;
    return kill(pid, sig);
}

static proc_slot *proc_find(pid_t pid)
{
    int me = (int)getpid();
    if (pid <= 0)
        return NULL;
    for (int i = 0; i < UTIL_PROC_MAX; i++) {
        proc_slot *s = &g_slots[i];
        if (atomic_load(&s->state) == SLOT_LIVE && atomic_load(&s->owner) == me &&
            atomic_load(&s->pid) == (int)pid)
            return s;
    }
    return NULL;
}

static void proc_atexit(void)
{
    (void)util_proc_stop_all(UTIL_PROC_EXIT_GRACE_MS);
}

static void proc_init_once(void)
{
    atexit(proc_atexit);
}

void util_proc_init(void)
{
    pthread_once(&g_once, proc_init_once);
}

int util_proc_register(pid_t pid, unsigned flags)
{
    int me = (int)getpid();
    if (pid <= 0)
        return -1;
    util_proc_init();
    for (int i = 0; i < UTIL_PROC_MAX; i++) {
        proc_slot *s = &g_slots[i];
        int seen = atomic_load(&s->state);
        /* A slot a parent process filled before fork() is free here: that
         * child is not ours. */
        if (seen != SLOT_FREE && !(seen == SLOT_LIVE && atomic_load(&s->owner) != me))
            continue;
        if (!atomic_compare_exchange_strong(&s->state, &seen, SLOT_WRITING))
            continue;
        atomic_store(&s->pid, (int)pid);
        atomic_store(&s->owner, me);
        atomic_store(&s->flags, flags);
        atomic_store(&s->state, SLOT_LIVE);
        return 0;
    }
    return -1;
}

void util_proc_unregister(pid_t pid)
{
    proc_slot *s = proc_find(pid);
    int want = (int)pid;
    /* The handler may take the pid at the same moment: only one of us wins. */
    if (s && atomic_compare_exchange_strong(&s->pid, &want, 0))
        atomic_store(&s->state, SLOT_FREE);
}

bool util_proc_registered(pid_t pid)
{
    return proc_find(pid) != NULL;
}

int util_proc_count(void)
{
    int me = (int)getpid(), n = 0;
    for (int i = 0; i < UTIL_PROC_MAX; i++) {
        proc_slot *s = &g_slots[i];
        if (atomic_load(&s->state) == SLOT_LIVE && atomic_load(&s->owner) == me &&
            atomic_load(&s->pid) > 0)
            n++;
    }
    return n;
}

int util_proc_signal(pid_t pid, int sig)
{
    proc_slot *s = proc_find(pid);
    if (!s) {
        errno = ESRCH;
        return -1;
    }
    return proc_send(pid, atomic_load(&s->flags), sig);
}

bool util_proc_alive(pid_t pid)
{
    return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

/* Has pid exited? Leaves it unreaped (WNOWAIT), so its pid and group id stay
 * taken until we reap it. PROC_GONE: not our child (reaped elsewhere). */
static proc_state proc_poll(pid_t pid)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
        return errno == ECHILD ? PROC_GONE : PROC_RUNNING;
    return si.si_pid == pid ? PROC_EXITED : PROC_RUNNING;
}

/* The group's stragglers go while the leader's zombie still holds the group
 * id; then the pid leaves the registry, and only then is it reaped. */
static void proc_finish(proc_ref *p, proc_state st)
{
    if (st == PROC_EXITED && (p->flags & UTIL_PROC_GROUP))
        (void)kill(-p->pid, SIGKILL);
    util_proc_unregister(p->pid);
    if (st == PROC_EXITED)
        while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    p->done = true;
}

/* Reaps whatever of p[] has exited, until all have or wait_ms passed.
 * Returns how many are left. */
static int proc_wait_set(proc_ref *p, int n, int wait_ms)
{
    uint64_t deadline = util_now_ns() + (uint64_t)(wait_ms > 0 ? wait_ms : 0) * 1000000u;
    for (;;) {
        int left = 0;
        for (int i = 0; i < n; i++) {
            if (p[i].done)
                continue;
            proc_state st = proc_poll(p[i].pid);
            if (st == PROC_RUNNING)
                left++;
            else
                proc_finish(&p[i], st);
        }
        if (left == 0 || util_now_ns() >= deadline)
            return left;
        proc_sleep_ms(PROC_POLL_MS);
    }
}

static int proc_stop_set(proc_ref *p, int n, int grace_ms)
{
    if (grace_ms > 0) {
        for (int i = 0; i < n; i++) {
            (void)proc_send(p[i].pid, p[i].flags, SIGTERM);
            (void)proc_send(p[i].pid, p[i].flags, SIGCONT);
        }
        if (proc_wait_set(p, n, grace_ms) == 0)
            return 0;
    }
    for (int i = 0; i < n; i++)
        if (!p[i].done)
            (void)proc_send(p[i].pid, p[i].flags, SIGKILL);
    return proc_wait_set(p, n, UTIL_PROC_KILL_WAIT_MS);
}

int util_proc_stop(pid_t pid, int grace_ms)
{
    proc_slot *s = proc_find(pid);
    if (!s)
        return -1;
    proc_ref p = { .pid = pid, .flags = atomic_load(&s->flags) };
    return proc_stop_set(&p, 1, grace_ms) == 0 ? 0 : -1;
}

int util_proc_stop_all(int grace_ms)
{
    proc_ref p[UTIL_PROC_MAX];
    int me = (int)getpid(), n = 0;
    for (int i = 0; i < UTIL_PROC_MAX; i++) {
        proc_slot *s = &g_slots[i];
        if (atomic_load(&s->state) != SLOT_LIVE || atomic_load(&s->owner) != me)
            continue;
        pid_t pid = (pid_t)atomic_load(&s->pid);
        if (pid > 0)
            p[n++] = (proc_ref){ .pid = pid, .flags = atomic_load(&s->flags) };
    }
    return n ? proc_stop_set(p, n, grace_ms) : 0;
}

/* ---- signals ------------------------------------------------------------- */

static void proc_die_of(int sig)
{
    struct sigaction sa;
    sigset_t set;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
}

static void proc_on_signal(int sig)
{
    int saved_errno = errno;
    int me = (int)getpid(), n = 0;
    pid_t killed[UTIL_PROC_MAX];

    for (int i = 0; i < UTIL_PROC_MAX; i++) {
        proc_slot *s = &g_slots[i];
        if (atomic_load(&s->state) != SLOT_LIVE || atomic_load(&s->owner) != me)
            continue;
        pid_t pid = (pid_t)atomic_exchange(&s->pid, 0);
        if (pid > 0 && proc_send(pid, atomic_load(&s->flags), SIGKILL) == 0)
            killed[n++] = pid;
        atomic_store(&s->state, SLOT_FREE);
    }
    /* Reaped before the hooks run, so no child still writes where a hook
     * removes. */
    for (int k = 0; k < n; k++)
        while (waitpid(killed[k], NULL, 0) < 0 && errno == EINTR)
            ;
    for (int h = 0; h < PROC_HOOKS; h++) {
        proc_hook fn = atomic_load(&g_hooks[h]);
        if (fn)
            fn();
    }
    proc_die_of(sig);
    errno = saved_errno;
}

void util_proc_install_signal_cleanup(void)
{
    static atomic_int installed;
    struct sigaction sa;
    if (atomic_exchange(&installed, 1))
        return;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = proc_on_signal;
    sigfillset(&sa.sa_mask);      /* no other signal interleaves with the cleanup */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

int util_proc_on_signal(void (*fn)(void))
{
    for (int h = 0; h < PROC_HOOKS; h++) {
        proc_hook seen = NULL;
        if (atomic_compare_exchange_strong(&g_hooks[h], &seen, fn) || seen == fn)
            return 0;
    }
    return -1;
}

int util_proc_child_prepare(pid_t parent)
{
    struct sigaction sa;
    sigset_t none;
    /* Dispositions first, then the mask: a signal let through before the
     * reset would run the parent's handler. Ignored signals would survive
     * exec. */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    for (int s = 1; s < NSIG; s++)
        sigaction(s, &sa, NULL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    return getppid() == parent ? 0 : -1;
}
