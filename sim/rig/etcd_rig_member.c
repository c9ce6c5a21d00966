/* etcd_rig_member.c: start, watch over and stop the member processes of a
 * rig (see etcd_rig.h; the other concerns are listed in etcd_rig_priv.h).
 *
 * Process hygiene is the point of this file:
 * - Members are forked by one long-lived spawner thread per process (not by
 *   the caller's thread): PR_SET_PDEATHSIG fires when the *thread* that
 *   forked a child exits, so forking from a short-lived worker thread would
 *   kill the member when that thread ends. The spawner never exits, so the
 *   signal fires exactly when the process dies, however it dies (SIGKILL
 *   included).
 * - Every member pid is in the process's child registry (sim/util/util_proc.h,
 *   each member leading its own process group), taken out of it before it is
 *   reaped; the clean-up on exit and on signals is in etcd_rig_reg.c.
 */
#include "sim/rig/etcd_rig_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/util/util_proc.h"

#define RIG_STOP_GRACE_MS   3000
#define RIG_PORT_ATTEMPTS   5     /* start attempts when a port turns out busy */

/* ---- small helpers ------------------------------------------------------ */

void rig_sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

etcd_code rig_fail(etcd_status *st, etcd_code code, const char *fmt, ...)
{
    if (st) {
        va_list ap;
        memset(st, 0, sizeof *st);
        st->code = code;
        st->endpoint = -1;
        va_start(ap, fmt);
        vsnprintf(st->message, sizeof st->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

void rig_ok(etcd_status *st)
{
    if (st) {
        memset(st, 0, sizeof *st);
        st->endpoint = -1;
    }
}

/* ---- spawner thread ----------------------------------------------------- */

typedef struct spawn_req {
    char **argv, **envp;
    int log_fd, null_fd;
    pid_t pid;
    int err;
    bool done;
    struct spawn_req *next;
} spawn_req;

static pthread_mutex_t g_sp_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_sp_cv = PTHREAD_COND_INITIALIZER;
static spawn_req *g_sp_queue;
static pid_t g_sp_owner;          /* pid of the process whose spawner runs */

/* Runs in the child between fork and exec: async-signal-safe calls only. */
static void rig_child_exec(const spawn_req *q, pid_t parent)
{
    /* The spawner blocks every signal: util_proc_child_prepare restores the
     * default dispositions before it unblocks them. */
    if (util_proc_child_prepare(parent) != 0)   /* parent died before PDEATHSIG */
        _exit(127);
    dup2(q->null_fd, 0);
    dup2(q->log_fd, 1);
    dup2(q->log_fd, 2);
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
        for (int fd = 3; fd < 4096; fd++)
            close(fd);
    execve(q->argv[0], q->argv, q->envp);
    static const char msg[] = "etcd_rig: execve failed\n";
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    _exit(127);
}

static void *rig_spawner_main(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&g_sp_mu);
        while (!g_sp_queue)
            pthread_cond_wait(&g_sp_cv, &g_sp_mu);
        spawn_req *q = g_sp_queue;
        g_sp_queue = q->next;
        pthread_mutex_unlock(&g_sp_mu);   /* never hold a lock across fork */

        pid_t parent = getpid();
        pid_t pid = fork();
        if (pid == 0)
            rig_child_exec(q, parent);
        int err = pid < 0 ? errno : 0;

        pthread_mutex_lock(&g_sp_mu);
        q->pid = pid;
        q->err = err;
        q->done = true;
        pthread_cond_broadcast(&g_sp_cv);
        pthread_mutex_unlock(&g_sp_mu);
    }
    return NULL;
}

/* In the child of a fork() (see rig_atfork_child in etcd_rig_reg.c). */
void rig_spawner_atfork_child(void)
{
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
    memcpy(&g_sp_mu, &mu, sizeof mu);
    memcpy(&g_sp_cv, &cv, sizeof cv);
    g_sp_queue = NULL;
    g_sp_owner = 0;
}

/* Call with g_sp_mu held. */
static int rig_spawner_ensure(void)
{
    if (g_sp_owner == getpid())
        return 0;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);   /* inherited by the new thread */
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, rig_spawner_main, NULL);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return rc;
    g_sp_owner = getpid();
    return 0;
}

static pid_t rig_spawn(char **argv, char **envp, int log_fd, int null_fd, int *err)
{
    spawn_req q = { .argv = argv, .envp = envp, .log_fd = log_fd, .null_fd = null_fd };
    pthread_mutex_lock(&g_sp_mu);
    int rc = rig_spawner_ensure();
    if (rc != 0) {
        pthread_mutex_unlock(&g_sp_mu);
        *err = rc;
        return -1;
    }
    spawn_req **tail = &g_sp_queue;
    while (*tail)
        tail = &(*tail)->next;
    *tail = &q;
    pthread_cond_broadcast(&g_sp_cv);
    while (!q.done)
        pthread_cond_wait(&g_sp_cv, &g_sp_mu);
    pthread_mutex_unlock(&g_sp_mu);
    *err = q.err;
    return q.pid;
}

/* ---- members: spawn, reap, stop ---------------------------------------- */

/* Has member i exited? Reaps it if so (after taking it out of the child
 * registry, so no cleanup path ever kills a recycled pid). */
bool rig_reap_nowait(etcd_rig *r, int i, int *wstatus)
{
    etcd_rig_member *m = &r->m[i];
    if (m->pid <= 0)
        return true;
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)m->pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
        if (errno == ECHILD) {        /* someone else reaped it */
            util_proc_unregister(m->pid);
            m->pid = 0;
            return true;
        }
        return false;
    }
    if (si.si_pid != m->pid)
        return false;
    util_proc_unregister(m->pid);
    int ws = 0;
    while (waitpid(m->pid, &ws, 0) < 0 && errno == EINTR)
        ;
    if (wstatus)
        *wstatus = ws;
    m->pid = 0;
    return true;
}

static etcd_code rig_spawn_member(etcd_rig *r, int i, etcd_status *st)
{
    etcd_rig_member *m = &r->m[i];
    rig_args a;
    rig_build_args(r, i, &a);
    char **envp = rig_envp();
    int log_fd = open(m->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    etcd_code code = ETCD_OK;
    if (!envp || log_fd < 0 || null_fd < 0) {
        code = rig_fail(st, ETCD_ERR_INVAL, "etcd_rig: cannot open %s: %s", m->log_path,
                        strerror(errno));
        goto cleanup;
    }
    if (mkdir(m->data_dir, 0700) < 0 && errno != EEXIST) {
        code = rig_fail(st, ETCD_ERR_INVAL, "etcd_rig: cannot create %s: %s", m->data_dir,
                        strerror(errno));
        goto cleanup;
    }
    int err = 0;
    pid_t pid = rig_spawn(a.argv, envp, log_fd, null_fd, &err);
    if (pid < 0) {
        code = rig_fail(st, ETCD_ERR_INVAL, "etcd_rig: fork for member %s failed: %s", m->name,
                        strerror(err));
        goto cleanup;
    }
    if (util_proc_register(pid, UTIL_PROC_GROUP) != 0) {
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        code = rig_fail(st, ETCD_ERR_INVAL, "etcd_rig: more than %d child processes in this "
                        "process", UTIL_PROC_MAX);
        goto cleanup;
    }
    m->pid = pid;
cleanup:
    free(envp);
    if (log_fd >= 0)
        close(log_fd);
    if (null_fd >= 0)
        close(null_fd);
    return code;
}

/* SIGTERM to the members in `mask`, SIGKILL after the grace period, reap all. */
static void rig_stop_mask(etcd_rig *r, unsigned mask)
{
    bool any = false;
    for (int i = 0; i < r->n; i++) {
        if (!(mask & (1u << i)) || r->m[i].pid <= 0)
            continue;
        kill(r->m[i].pid, SIGTERM);
        kill(r->m[i].pid, SIGCONT);   /* a SIGSTOPped member would never see SIGTERM */
        any = true;
    }
    if (!any)
        return;
    double deadline = util_now_ms() + RIG_STOP_GRACE_MS;
    for (;;) {
        bool left = false;
        for (int i = 0; i < r->n; i++)
            if ((mask & (1u << i)) && !rig_reap_nowait(r, i, NULL))
                left = true;
        if (!left)
            return;
        if (util_now_ms() >= deadline)
            break;
        rig_sleep_ms(20);
    }
    for (int i = 0; i < r->n; i++)
        if ((mask & (1u << i)) && r->m[i].pid > 0)
            kill(r->m[i].pid, SIGKILL);
    for (int i = 0; i < r->n; i++) {
        if (!(mask & (1u << i)) || r->m[i].pid <= 0)
            continue;
        while (!rig_reap_nowait(r, i, NULL))
            rig_sleep_ms(5);
    }
}

/* Followers first, then the leader. Stopped together, the leader hands
 * leadership to a follower that is itself shutting down and waits for it
 * (~7 s, so the grace period always ran out); stopped last, it finds no
 * connected peer, skips the hand-over and exits at once. */
void rig_stop_members(etcd_rig *r)
{
    int running = 0;
    for (int i = 0; i < r->n; i++)
        if (r->m[i].pid > 0)
            running++;
    int leader = running > 1 ? etcd_rig_leader(r) : -1;
    if (leader >= 0)
        rig_stop_mask(r, ~(1u << leader));
    rig_stop_mask(r, ~0u);
}

etcd_code etcd_rig_start(etcd_rig *r, etcd_status *st)
{
    if (!r)
        return rig_fail(st, ETCD_ERR_INVAL, "etcd_rig_start: no rig");
    rig_priv *p = r->priv;
    if (p->started)
        return rig_fail(st, ETCD_ERR_INVAL, "etcd_rig_start: already started");
    p->started = true;
    etcd_code code = ETCD_OK;
    for (int attempt = 0; attempt < RIG_PORT_ATTEMPTS; attempt++) {
        for (int i = 0; i < r->n; i++) {
            code = rig_spawn_member(r, i, st);
            if (code != ETCD_OK) {
                rig_stop_members(r);
                return code;
            }
        }
        int exited = -1;
        code = rig_wait_healthy(r, r->cfg.start_timeout_ms, &exited, st);
        if (code == ETCD_OK)
            return ETCD_OK;
        if (exited < 0 || !rig_log_contains(&r->m[exited], "address already in use"))
            break;
        /* A port was taken between picking and listening: start over on fresh
         * ports with empty data dirs (the others bootstrapped with the old
         * peer URLs). */
        rig_stop_members(r);
        for (int i = 0; i < r->n; i++)
            rig_rm_tree(r->m[i].data_dir);
        etcd_status st2;
        code = rig_repick_busy(r, exited, &st2);
        if (code != ETCD_OK) {
            if (st)
                *st = st2;
            break;
        }
    }
    rig_stop_members(r);
    return code;
}

void etcd_rig_stop(etcd_rig *r)
{
    if (!r)
        return;
    rig_priv *p = r->priv;
    rig_stop_members(r);
    if (p->created_base && !r->cfg.keep_dir)
        rig_rm_tree(r->base_dir);
    rig_reg_remove(p->slot);
    free(p);
    free(r);
}

etcd_code etcd_rig_kill(etcd_rig *r, int i, int sig)
{
    if (!r || i < 0 || i >= r->n)
        return ETCD_ERR_INVAL;
    etcd_rig_member *m = &r->m[i];
    if (m->pid <= 0)
        return ETCD_ERR_CLOSED;
    if (kill(m->pid, sig) < 0)
        return ETCD_ERR_INVAL;
    if (sig == SIGKILL)
        while (!rig_reap_nowait(r, i, NULL))
            rig_sleep_ms(2);
    return ETCD_OK;
}

etcd_code etcd_rig_restart(etcd_rig *r, int i, etcd_status *st)
{
    if (!r || i < 0 || i >= r->n || !((rig_priv *)r->priv)->started)
        return rig_fail(st, ETCD_ERR_INVAL, "etcd_rig_restart: bad member index %d", i);
    rig_stop_mask(r, 1u << i);
    etcd_code code = rig_spawn_member(r, i, st);
    if (code != ETCD_OK)
        return code;
    int exited;
    return rig_wait_healthy(r, r->cfg.start_timeout_ms, &exited, st);
}

bool etcd_rig_running(const etcd_rig *r, int i)
{
    if (!r || i < 0 || i >= r->n || r->m[i].pid <= 0)
        return false;
    /* Exited but not reaped yet (e.g. after etcd_rig_kill(SIGTERM)) is not
     * running; WNOWAIT leaves the reaping to the stop path. */
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)r->m[i].pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
        return errno != ECHILD;
    return si.si_pid != r->m[i].pid;
}
