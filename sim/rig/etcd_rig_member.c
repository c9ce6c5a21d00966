/* etcd_rig.c: start, watch over and stop real etcd members on 127.0.0.1.
 *
 * Process hygiene is the point of this file:
 * - Members are forked by one long-lived spawner thread per process (not by
 *   the caller's thread): PR_SET_PDEATHSIG fires when the *thread* that
 *   forked a child exits, so forking from a short-lived worker thread would
 *   kill the member when that thread ends. The spawner never exits, so the
 *   signal fires exactly when the process dies, however it dies (SIGKILL
 *   included).
 * - Every member pid is in the process's child registry (sim/util/util_proc.h,
 *   each member leading its own process group), and every directory the rig
 *   created is in a list of live rigs made of lock-free atomics, so the
 *   registry's signal handler can kill and reap the members and a hook of
 *   ours remove the directories with async-signal-safe calls only (openat,
 *   getdents64, unlinkat). The normal stop path uses the same remover.
 * - Entries carry the pid of the process that made them: a forked child
 *   (tests do this) never touches its parent's members.
 *
 * Health checks and status queries use plain libcurl + jansson here, so the
 * rig does not depend on the etcd client (etcd_rig_client() lives in
 * etcd_rig_client.c).
 */
#include "sim/rig/etcd_rig.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/util/util_proc.h"

extern char **environ;

#define RIG_STOP_GRACE_MS   3000
#define RIG_PORT_ATTEMPTS   5     /* start attempts when a port turns out busy */
#define RIG_HTTP_TIMEOUT_MS 1000
#define RIG_REG_SLOTS       32    /* live rigs per process */

typedef struct rig_priv {
    char etcd_bin[PATH_MAX];
    char token[64];
    bool created_base;
    int slot;                     /* registry slot, -1 if none */
    bool started;
} rig_priv;

/* ---- small helpers ------------------------------------------------------ */

static int64_t rig_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void rig_sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

static etcd_code rig_fail(etcd_status *st, etcd_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static etcd_code rig_fail(etcd_status *st, etcd_code code, const char *fmt, ...)
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

static void rig_ok(etcd_status *st)
{
    if (st) {
        memset(st, 0, sizeof *st);
        st->endpoint = -1;
    }
}

/* ---- live rigs (read by the signal hook: atomics only) ----------------- */

typedef struct rig_reg {
    atomic_int used;              /* 0 free, 1 in use */
    atomic_int owner;             /* getpid() of the process that owns it */
    etcd_rig *rig;                /* for the atexit path */
    char dir[512];                /* to remove; "" when keep_dir */
} rig_reg;

static rig_reg g_reg[RIG_REG_SLOTS];
static pthread_mutex_t g_reg_mu = PTHREAD_MUTEX_INITIALIZER;

static int rig_reg_add(etcd_rig *r, const char *dir)
{
    int slot = -1;
    pthread_mutex_lock(&g_reg_mu);
    for (int i = 0; i < RIG_REG_SLOTS; i++) {
        if (atomic_load(&g_reg[i].used) == 0) {
            slot = i;
            break;
        }
    }
    if (slot >= 0) {
        rig_reg *e = &g_reg[slot];
        e->rig = r;
        snprintf(e->dir, sizeof e->dir, "%s", dir ? dir : "");
        atomic_store(&e->owner, (int)getpid());
        atomic_store(&e->used, 1);   /* last: the handler sees a complete entry */
    }
    pthread_mutex_unlock(&g_reg_mu);
    return slot;
}

static void rig_reg_remove(int slot)
{
    if (slot < 0)
        return;
    pthread_mutex_lock(&g_reg_mu);
    atomic_store(&g_reg[slot].used, 0);
    g_reg[slot].rig = NULL;
    pthread_mutex_unlock(&g_reg_mu);
}

/* ---- async-signal-safe recursive removal -------------------------------- */

struct rig_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* Removes `name` relative to dirfd, recursing into directories. Uses only
 * async-signal-safe system calls and stack memory, so the signal handler can
 * call it. Deletes in passes from offset 0 because removing entries while
 * reading a directory may make getdents skip some. */
static void rig_rm_at(int dirfd, const char *name, int depth)
{
    if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
        return;
    if (depth > 24)
        return;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    for (int pass = 0; pass < 64; pass++) {
        char buf[2048] __attribute__((aligned(8)));
        int removed = 0;
        if (lseek(fd, 0, SEEK_SET) < 0)
            break;
        for (;;) {
            long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
            if (n <= 0)
                break;
            for (long off = 0; off < n;) {
                struct rig_dirent64 *d = (struct rig_dirent64 *)(buf + off);
                off += d->d_reclen;
                if (d->d_name[0] == '.' && (d->d_name[1] == 0 ||
                                            (d->d_name[1] == '.' && d->d_name[2] == 0)))
                    continue;
                rig_rm_at(fd, d->d_name, depth + 1);
                removed++;
            }
        }
        if (removed == 0)
            break;
    }
    close(fd);
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

static void rig_rm_tree(const char *path)
{
    if (path && path[0])
        rig_rm_at(AT_FDCWD, path, 0);
}

/* ---- cleanup on signals and exit ---------------------------------------- */

/* Runs in util_proc's signal handler, after it killed and reaped every
 * member: removes the directories of this process's live rigs. */
static void rig_on_signal_cleanup(void)
{
    int me = (int)getpid();
    for (int s = 0; s < RIG_REG_SLOTS; s++) {
        rig_reg *e = &g_reg[s];
        if (!atomic_load(&e->used) || atomic_load(&e->owner) != me)
            continue;
        rig_rm_tree(e->dir);
        atomic_store(&e->used, 0);
    }
}

void etcd_rig_install_signal_cleanup(void)
{
    (void)util_proc_on_signal(rig_on_signal_cleanup);
    util_proc_install_signal_cleanup();
}

static void rig_stop_members(etcd_rig *r);
int etcd_rig_leader(etcd_rig *r);

static void rig_atexit(void)
{
    int me = (int)getpid();
    for (int s = 0; s < RIG_REG_SLOTS; s++) {
        rig_reg *e = &g_reg[s];
        if (!atomic_load(&e->used) || atomic_load(&e->owner) != me || !e->rig)
            continue;
        etcd_rig *r = e->rig;
        rig_stop_members(r);
        rig_rm_tree(e->dir);
        ((rig_priv *)r->priv)->slot = -1;
        atomic_store(&e->used, 0);
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

/* fork() in another thread of this process: only the forking thread exists in
 * the child, and locks may have been held by the others. */
static void rig_atfork_child(void)
{
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
    memcpy(&g_sp_mu, &mu, sizeof mu);
    memcpy(&g_sp_cv, &cv, sizeof cv);
    memcpy(&g_reg_mu, &mu, sizeof mu);
    g_sp_queue = NULL;
    g_sp_owner = 0;
}

static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void rig_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pthread_atfork(NULL, NULL, rig_atfork_child);
    /* util_proc's atexit hook first, so ours runs before it: members stop
     * in leader order, then the registry catches anything left. */
    util_proc_init();
    (void)util_proc_on_signal(rig_on_signal_cleanup);
    atexit(rig_atexit);
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

/* ---- ports -------------------------------------------------------------- */

static pthread_mutex_t g_port_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t g_port_rng;
static int g_port_recent[128];
static int g_port_recent_n;

/* Can we bind 127.0.0.1:port the way etcd (Go) will, with SO_REUSEADDR? */
static bool rig_port_bindable(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    bool ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 1) == 0;
    close(fd);
    return ok;
}

static int rig_ephemeral_low(void)
{
    int lo = 32768, hi = 60999;
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (f) {
        if (fscanf(f, "%d %d", &lo, &hi) != 2)
            lo = 32768;
        fclose(f);
    }
    return lo;
}

static int rig_port_from_kernel(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    int port = 0;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* Ports are drawn at random from [10000, start of the ephemeral range):
 * outgoing connections (etcd's own peer dials included) take their source
 * ports from the ephemeral range, so a port picked there by bind(0) can be
 * grabbed by a connect() before etcd listens on it. Random draws also make two
 * processes picking at the same moment unlikely to collide; the start path
 * still retries when a port turns out busy. */
int etcd_rig_free_port(void)
{
    int lo = 10000, hi = rig_ephemeral_low();
    if (hi - lo < 1000)
        return rig_port_from_kernel();
    pthread_mutex_lock(&g_port_mu);
    if (g_port_rng == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        g_port_rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
                     ((uint64_t)getpid() << 40) ^ 0x9e3779b97f4a7c15ULL;
    }
    int port = 0;
    for (int attempt = 0; attempt < 200 && port == 0; attempt++) {
        g_port_rng ^= g_port_rng << 13;
        g_port_rng ^= g_port_rng >> 7;
        g_port_rng ^= g_port_rng << 17;
        int cand = lo + (int)(g_port_rng % (uint64_t)(hi - lo));
        bool recent = false;
        for (int k = 0; k < g_port_recent_n && k < 128; k++)
            if (g_port_recent[k] == cand)
                recent = true;
        if (recent || !rig_port_bindable(cand))
            continue;
        port = cand;
        g_port_recent[g_port_recent_n++ % 128] = cand;
    }
    pthread_mutex_unlock(&g_port_mu);
    return port ? port : rig_port_from_kernel();
}

/* ---- HTTP (plain libcurl, small bodies) --------------------------------- */

typedef struct rig_buf {
    char data[4096];
    size_t len;
} rig_buf;

static size_t rig_write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    rig_buf *b = ud;
    size_t n = size * nmemb;
    size_t room = sizeof b->data - 1 - b->len;
    size_t take = n < room ? n : room;
    memcpy(b->data + b->len, ptr, take);
    b->len += take;
    b->data[b->len] = 0;
    return n;
}

/* GET (body NULL) or POST JSON. Returns the HTTP status, 0 on transport error. */
static long rig_http(const char *url, const char *body, rig_buf *out)
{
    out->len = 0;
    out->data[0] = 0;
    CURL *h = curl_easy_init();
    if (!h)
        return 0;
    struct curl_slist *hdr = NULL;
    long code = 0;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)RIG_HTTP_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 500L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, rig_write_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_PROXY, "");   /* never through an http_proxy */
    if (body) {
        hdr = curl_slist_append(hdr, "Content-Type: application/json");
        hdr = curl_slist_append(hdr, "Expect:");
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    }
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    return code;
}

static uint64_t rig_json_u64(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_string(v))
        return strtoull(json_string_value(v), NULL, 10);
    if (json_is_integer(v))
        return (uint64_t)json_integer_value(v);
    return 0;
}

typedef struct rig_mstatus {
    uint64_t member_id, leader_id, raft_term;
} rig_mstatus;

static bool rig_member_status(const etcd_rig_member *m, rig_mstatus *out)
{
    rig_buf b;
    char url[128];
    memset(out, 0, sizeof *out);
    snprintf(url, sizeof url, "%s/v3/maintenance/status", m->client_url);
    if (rig_http(url, "{}", &b) != 200)
        return false;
    json_t *root = json_loads(b.data, 0, NULL);
    if (!root)
        return false;
    out->member_id = rig_json_u64(json_object_get(root, "header"), "member_id");
    out->leader_id = rig_json_u64(root, "leader");
    out->raft_term = rig_json_u64(root, "raftTerm");
    json_decref(root);
    return out->member_id != 0;
}

static bool rig_member_healthy(const etcd_rig_member *m)
{
    rig_buf b;
    char url[128];
    snprintf(url, sizeof url, "%s/health", m->client_url);
    if (rig_http(url, NULL, &b) != 200)
        return false;
    json_t *root = json_loads(b.data, 0, NULL);
    bool ok = root && json_is_string(json_object_get(root, "health")) &&
              strcmp(json_string_value(json_object_get(root, "health")), "true") == 0;
    json_decref(root);
    return ok;
}

/* ---- members: argv, spawn, reap ----------------------------------------- */

typedef struct rig_args {
    char *argv[48];
    int n;
    char store[8192];
    size_t used;
} rig_args;

static void rig_arg(rig_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void rig_arg(rig_args *a, const char *fmt, ...)
{
    if (a->n >= (int)(sizeof a->argv / sizeof a->argv[0]) - 1 || a->used >= sizeof a->store)
        return;
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(a->store + a->used, sizeof a->store - a->used, fmt, ap);
    va_end(ap);
    if (len < 0 || (size_t)len >= sizeof a->store - a->used)
        return;
    a->argv[a->n++] = a->store + a->used;
    a->argv[a->n] = NULL;
    a->used += (size_t)len + 1;
}

static void rig_build_args(const etcd_rig *r, int i, rig_args *a)
{
    const rig_priv *p = r->priv;
    const etcd_rig_member *m = &r->m[i];
    char cluster[ETCD_RIG_MAX_MEMBERS * 100] = "";
    size_t off = 0;
    for (int k = 0; k < r->n; k++)
        off += (size_t)snprintf(cluster + off, sizeof cluster - off, "%s%s=%s", k ? "," : "",
                                r->m[k].name, r->m[k].advertise_peer_url);

    memset(a, 0, sizeof *a);
    rig_arg(a, "%s", p->etcd_bin);
    rig_arg(a, "--name=%s", m->name);
    rig_arg(a, "--data-dir=%s", m->data_dir);
    rig_arg(a, "--listen-client-urls=%s", m->client_url);
    rig_arg(a, "--advertise-client-urls=%s", m->advertise_client_url);
    rig_arg(a, "--listen-peer-urls=%s", m->peer_url);
    rig_arg(a, "--initial-advertise-peer-urls=%s", m->advertise_peer_url);
    rig_arg(a, "--listen-metrics-urls=http://127.0.0.1:%d", m->metrics_port);
    rig_arg(a, "--initial-cluster=%s", cluster);
    rig_arg(a, "--initial-cluster-state=new");
    rig_arg(a, "--initial-cluster-token=%s", p->token);
    if (r->cfg.heartbeat_ms > 0)
        rig_arg(a, "--heartbeat-interval=%d", r->cfg.heartbeat_ms);
    if (r->cfg.election_ms > 0)
        rig_arg(a, "--election-timeout=%d", r->cfg.election_ms);
    if (r->cfg.quota_backend_bytes > 0)
        rig_arg(a, "--quota-backend-bytes=%lld", (long long)r->cfg.quota_backend_bytes);
    if (!r->cfg.fsync)
        rig_arg(a, "--unsafe-no-fsync");
    rig_arg(a, "--logger=zap");
    rig_arg(a, "--log-outputs=stderr");
    rig_arg(a, "--log-level=%s", r->cfg.log_level ? r->cfg.log_level : "error");
}

/* The caller's environment minus ETCD_* (etcd reads those as flags). */
static char **rig_envp(void)
{
    size_t n = 0;
    for (char **e = environ; e && *e; e++)
        n++;
    char **out = calloc(n + 1, sizeof *out);
    if (!out)
        return NULL;
    size_t k = 0;
    for (char **e = environ; e && *e; e++)
        if (strncmp(*e, "ETCD_", 5) != 0)
            out[k++] = *e;
    return out;
}

/* The last lines of a member's log, on one line, for st->message. */
static void rig_log_tail(const etcd_rig_member *m, char *out, size_t cap)
{
    out[0] = 0;
    int fd = open(m->log_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    char buf[1024];
    off_t size = lseek(fd, 0, SEEK_END);
    off_t from = size > (off_t)sizeof buf - 1 ? size - (off_t)sizeof buf + 1 : 0;
    ssize_t n = pread(fd, buf, sizeof buf - 1, from);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = 0;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = 0;
    /* Keep what fits, from the end; newlines become " | ". */
    size_t want = cap > 1 ? cap - 1 : 0;
    const char *s = buf;
    size_t len = (size_t)n;
    if (len > want) {
        s = buf + (len - want);
        len = want;
    }
    size_t o = 0;
    for (size_t k = 0; k < len && o + 1 < cap; k++) {
        if (s[k] == '\n') {
            if (o + 3 >= cap)
                break;
            memcpy(out + o, " | ", 3);
            o += 3;
        } else {
            out[o++] = s[k];
        }
    }
    out[o] = 0;
}

static bool rig_log_contains(const etcd_rig_member *m, const char *needle)
{
    FILE *f = fopen(m->log_path, "r");
    if (!f)
        return false;
    char line[2048];
    bool found = false;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

/* Has member i exited? Reaps it if so (after taking it out of the child
 * registry, so no cleanup path ever kills a recycled pid). */
static bool rig_reap_nowait(etcd_rig *r, int i, int *wstatus)
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
    int64_t deadline = rig_now_ms() + RIG_STOP_GRACE_MS;
    for (;;) {
        bool left = false;
        for (int i = 0; i < r->n; i++)
            if ((mask & (1u << i)) && !rig_reap_nowait(r, i, NULL))
                left = true;
        if (!left)
            return;
        if (rig_now_ms() >= deadline)
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
static void rig_stop_members(etcd_rig *r)
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

/* Waits until every running member answers /health true and they agree on a
 * leader that is one of them. Records member ids. Returns ETCD_ERR_TIMEOUT,
 * or ETCD_ERR_CONNECT when a member exited (*exited = its index). */
static etcd_code rig_wait_healthy(etcd_rig *r, int timeout_ms, int *exited, etcd_status *st)
{
    int64_t deadline = rig_now_ms() + timeout_ms;
    char why[160] = "no member answered yet";
    int why_member = -1;   /* whose log to quote on timeout */
    *exited = -1;
    for (;;) {
        bool all = true;
        uint64_t leader = 0;
        int running = 0;
        for (int i = 0; i < r->n && all; i++) {
            etcd_rig_member *m = &r->m[i];
            if (m->pid <= 0)
                continue;
            int ws = 0;
            if (rig_reap_nowait(r, i, &ws)) {
                *exited = i;
                char tail[200];
                rig_log_tail(m, tail, sizeof tail);
                return rig_fail(st, ETCD_ERR_CONNECT, "etcd member %s exited (%s %d): %s", m->name,
                                WIFSIGNALED(ws) ? "signal" : "status",
                                WIFSIGNALED(ws) ? WTERMSIG(ws) : WEXITSTATUS(ws), tail);
            }
            running++;
            rig_mstatus ms;
            if (!rig_member_healthy(m)) {
                snprintf(why, sizeof why, "member %s not healthy at %s/health", m->name,
                         m->client_url);
                why_member = i;
                all = false;
            } else if (!rig_member_status(m, &ms) || ms.leader_id == 0) {
                snprintf(why, sizeof why, "member %s reports no leader", m->name);
                why_member = i;
                all = false;
            } else {
                m->member_id = ms.member_id;
                if (leader && leader != ms.leader_id) {
                    snprintf(why, sizeof why, "members disagree on the leader");
                    all = false;
                }
                leader = ms.leader_id;
            }
        }
        if (all && running > 0) {
            bool known = false;
            for (int i = 0; i < r->n; i++)
                if (r->m[i].pid > 0 && r->m[i].member_id == leader)
                    known = true;
            /* The leader may be a stopped member only briefly; require a live one. */
            if (known) {
                rig_ok(st);
                return ETCD_OK;
            }
            snprintf(why, sizeof why, "leader %llx is not a running member",
                     (unsigned long long)leader);
        }
        if (running == 0)
            return rig_fail(st, ETCD_ERR_CONNECT, "etcd_rig: no member is running");
        if (rig_now_ms() >= deadline) {
            char tail[120] = "";
            if (why_member >= 0)
                rig_log_tail(&r->m[why_member], tail, sizeof tail);
            return rig_fail(st, ETCD_ERR_TIMEOUT, "etcd cluster not healthy after %d ms: %s%s%s",
                            timeout_ms, why, tail[0] ? "; log: " : "", tail);
        }
        rig_sleep_ms(50);
    }
}

etcd_code etcd_rig_wait_healthy(etcd_rig *r, int timeout_ms, etcd_status *st)
{
    if (!r)
        return rig_fail(st, ETCD_ERR_INVAL, "etcd_rig_wait_healthy: no rig");
    int exited;
    return rig_wait_healthy(r, timeout_ms > 0 ? timeout_ms : r->cfg.start_timeout_ms, &exited, st);
}

/* ---- set-up ------------------------------------------------------------- */

static bool rig_find_etcd(const char *want, char *out, size_t cap)
{
    const char *env = getenv("GEOKV_ETCD");
    if (!want && env && env[0])
        want = env;
    if (want) {
        if (strchr(want, '/')) {
            if (access(want, X_OK) != 0)
                return false;
            if (want[0] == '/') {
                snprintf(out, cap, "%s", want);
            } else {
                char cwd[PATH_MAX];
                if (!getcwd(cwd, sizeof cwd))
                    return false;
                int len = snprintf(out, cap, "%s/", cwd);
                if (len < 0 || (size_t)len + strlen(want) >= cap)
                    return false;
                memcpy(out + len, want, strlen(want) + 1);
            }
            return true;
        }
    }
    const char *name = want ? want : "etcd";
    const char *path = getenv("PATH");
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path && path[0] ? path : "/usr/local/bin:/usr/bin:/bin");
    char *save = NULL;
    for (char *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char cand[PATH_MAX];
        snprintf(cand, sizeof cand, "%s/%s", d, name);
        if (access(cand, X_OK) == 0) {
            snprintf(out, cap, "%s", cand);
            return true;
        }
    }
    if (!want && access("/usr/bin/etcd", X_OK) == 0) {
        snprintf(out, cap, "/usr/bin/etcd");
        return true;
    }
    return false;
}

static bool rig_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof ((etcd_rig_member *)0)->name)
        return false;
    for (size_t k = 0; k < n; k++) {
        char c = s[k];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

static bool rig_port_taken(const etcd_rig *r, int port, int upto_member)
{
    for (int k = 0; k < upto_member; k++)
        if (r->m[k].client_port == port || r->m[k].peer_port == port ||
            r->m[k].metrics_port == port)
            return true;
    return false;
}

static int rig_pick_port(const etcd_rig *r)
{
    for (int attempt = 0; attempt < 20; attempt++) {
        int p = etcd_rig_free_port();
        if (p > 0 && !rig_port_taken(r, p, r->n))
            return p;
    }
    return 0;
}

static void rig_set_urls(etcd_rig_member *m, bool keep_client_adv, bool keep_peer_adv)
{
    snprintf(m->client_url, sizeof m->client_url, "http://127.0.0.1:%d", m->client_port);
    snprintf(m->peer_url, sizeof m->peer_url, "http://127.0.0.1:%d", m->peer_port);
    snprintf(m->metrics_url, sizeof m->metrics_url, "http://127.0.0.1:%d/metrics",
             m->metrics_port);
    if (!keep_client_adv)
        snprintf(m->advertise_client_url, sizeof m->advertise_client_url, "%s", m->client_url);
    if (!keep_peer_adv)
        snprintf(m->advertise_peer_url, sizeof m->advertise_peer_url, "%s", m->peer_url);
}

etcd_code etcd_rig_new(const etcd_rig_config *cfg, etcd_rig **out, etcd_status *st)
{
    etcd_rig *r = NULL;
    rig_priv *p = NULL;
    etcd_code code = ETCD_OK;
    static atomic_int counter;

    if (out)
        *out = NULL;
    if (!cfg || !out)
        return rig_fail(st, ETCD_ERR_INVAL, "etcd_rig_new: cfg and out are required");
    if (cfg->n_members < 1 || cfg->n_members > ETCD_RIG_MAX_MEMBERS)
        return rig_fail(st, ETCD_ERR_INVAL, "etcd_rig_new: n_members must be 1..%d, got %d",
                        ETCD_RIG_MAX_MEMBERS, cfg->n_members);
    pthread_once(&g_once, rig_init_once);

    r = calloc(1, sizeof *r);
    p = calloc(1, sizeof *p);
    if (!r || !p) {
        code = rig_fail(st, ETCD_ERR_NOMEM, "etcd_rig_new: out of memory");
        goto cleanup;
    }
    r->cfg = *cfg;
    r->priv = p;
    r->n = cfg->n_members;
    p->slot = -1;
    if (r->cfg.start_timeout_ms <= 0)
        r->cfg.start_timeout_ms = 20000;
    /* The caller's strings may not outlive this call. */
    r->cfg.etcd_bin = NULL;
    r->cfg.base_dir = NULL;
    r->cfg.log_level = NULL;
    for (int i = 0; i < ETCD_RIG_MAX_MEMBERS; i++)
        r->cfg.names[i] = NULL;
    if (cfg->log_level) {
        static const char *levels[] = { "debug", "info", "warn", "error", "panic", "fatal" };
        for (size_t k = 0; k < sizeof levels / sizeof levels[0]; k++)
            if (strcmp(cfg->log_level, levels[k]) == 0)
                r->cfg.log_level = levels[k];
        if (!r->cfg.log_level) {
            code = rig_fail(st, ETCD_ERR_INVAL, "etcd_rig_new: unknown log level '%s' "
                            "(debug, info, warn, error, panic, fatal)", cfg->log_level);
            goto cleanup;
        }
    }

    if (!rig_find_etcd(cfg->etcd_bin, p->etcd_bin, sizeof p->etcd_bin)) {
        const char *what = cfg->etcd_bin ? cfg->etcd_bin
                         : getenv("GEOKV_ETCD") && getenv("GEOKV_ETCD")[0] ? getenv("GEOKV_ETCD")
                         : "etcd on PATH";
        code = rig_fail(st, ETCD_ERR_INVAL, "etcd not found (%s): run scripts/install-deps.sh, "
                        "or set GEOKV_ETCD to the etcd binary", what);
        goto cleanup;
    }

    const char *parent = cfg->base_dir;
    if (!parent || !parent[0])
        parent = getenv("TMPDIR");
    if (!parent || !parent[0])
        parent = "/tmp";
    if (mkdir(parent, 0700) < 0 && errno != EEXIST) {
        code = rig_fail(st, ETCD_ERR_INVAL, "etcd_rig: cannot create base directory %s: %s "
                        "(choose a writable base_dir or TMPDIR)", parent, strerror(errno));
        goto cleanup;
    }
    if ((size_t)snprintf(r->base_dir, sizeof r->base_dir, "%s/etcd-rig-XXXXXX", parent) >=
        sizeof r->base_dir - 64) {
        code = rig_fail(st, ETCD_ERR_INVAL, "etcd_rig: base directory path too long: %s", parent);
        goto cleanup;
    }
    if (!mkdtemp(r->base_dir)) {
        code = rig_fail(st, ETCD_ERR_INVAL, "etcd_rig: cannot create a directory in %s: %s "
                        "(choose a writable base_dir or TMPDIR)", parent, strerror(errno));
        r->base_dir[0] = 0;
        goto cleanup;
    }
    p->created_base = true;
    p->slot = rig_reg_add(r, cfg->keep_dir ? NULL : r->base_dir);
    if (p->slot < 0) {
        code = rig_fail(st, ETCD_ERR_INVAL, "etcd_rig: more than %d live rigs in this process",
                        RIG_REG_SLOTS);
        goto cleanup;
    }
    snprintf(p->token, sizeof p->token, "geokv-rig-%d-%d-%lld", (int)getpid(),
             atomic_fetch_add(&counter, 1), (long long)time(NULL));

    r->n = 0;   /* rig_pick_port checks ports of members 0..n-1 */
    for (int i = 0; i < cfg->n_members; i++) {
        etcd_rig_member *m = &r->m[i];
        if (cfg->names[i]) {
            if (!rig_name_ok(cfg->names[i])) {
                code = rig_fail(st, ETCD_ERR_INVAL, "etcd_rig_new: bad member name '%s' "
                                "(letters, digits, '-', '_'; at most 31)", cfg->names[i]);
                goto cleanup;
            }
            snprintf(m->name, sizeof m->name, "%s", cfg->names[i]);
        } else {
            snprintf(m->name, sizeof m->name, "m%d", i);
        }
        for (int k = 0; k < i; k++)
            if (strcmp(r->m[k].name, m->name) == 0) {
                code = rig_fail(st, ETCD_ERR_INVAL, "etcd_rig_new: duplicate member name '%s'",
                                m->name);
                goto cleanup;
            }
        char dir[sizeof m->data_dir - 16];   /* base_dir is at most 448 bytes, see above */
        if (snprintf(dir, sizeof dir, "%.440s/%s", r->base_dir, m->name) >= (int)sizeof dir) {
            code = rig_fail(st, ETCD_ERR_INVAL, "etcd_rig: path too long under %s", r->base_dir);
            goto cleanup;
        }
        if (mkdir(dir, 0700) < 0) {
            code = rig_fail(st, ETCD_ERR_INVAL, "etcd_rig: cannot create %s: %s", dir,
                            strerror(errno));
            goto cleanup;
        }
        size_t dl = strlen(dir);
        memcpy(m->data_dir, dir, dl);
        memcpy(m->data_dir + dl, "/data", 6);
        memcpy(m->log_path, dir, dl);
        memcpy(m->log_path + dl, "/etcd.log", 10);
        r->n = i;
        m->client_port = rig_pick_port(r);
        r->n = i + 1;   /* now rig_port_taken also sees this member's first ports */
        m->peer_port = rig_pick_port(r);
        m->metrics_port = rig_pick_port(r);
        if (!m->client_port || !m->peer_port || !m->metrics_port ||
            m->client_port == m->peer_port || m->peer_port == m->metrics_port ||
            m->client_port == m->metrics_port) {
            code = rig_fail(st, ETCD_ERR_INVAL, "etcd_rig: no free TCP port on 127.0.0.1");
            goto cleanup;
        }
        rig_set_urls(m, false, false);
    }
    r->n = cfg->n_members;
    *out = r;
    rig_ok(st);
    return ETCD_OK;

cleanup:
    if (r) {
        r->n = cfg->n_members;
        if (p)
            etcd_rig_stop(r);
        else
            free(r);
    }
    return code;
}

etcd_code etcd_rig_set_peer_advertise(etcd_rig *r, int i, const char *url)
{
    if (!r || i < 0 || i >= r->n || !url || strlen(url) >= sizeof r->m[i].advertise_peer_url ||
        ((rig_priv *)r->priv)->started)
        return ETCD_ERR_INVAL;
    snprintf(r->m[i].advertise_peer_url, sizeof r->m[i].advertise_peer_url, "%s", url);
    return ETCD_OK;
}

etcd_code etcd_rig_set_client_advertise(etcd_rig *r, int i, const char *url)
{
    if (!r || i < 0 || i >= r->n || !url || strlen(url) >= sizeof r->m[i].advertise_client_url ||
        ((rig_priv *)r->priv)->started)
        return ETCD_ERR_INVAL;
    snprintf(r->m[i].advertise_client_url, sizeof r->m[i].advertise_client_url, "%s", url);
    return ETCD_OK;
}

/* After a member failed with "address already in use": give new ports to
 * whatever of its ports cannot be bound now. Once either advertised URL of a
 * member was overridden, a proxy forwards to its client and peer ports (the
 * WAN emulator does both), so those cannot move; its metrics port can. */
static etcd_code rig_repick_busy(etcd_rig *r, int i, etcd_status *st)
{
    etcd_rig_member *m = &r->m[i];
    bool client_adv = strcmp(m->advertise_client_url, m->client_url) != 0;
    bool peer_adv = strcmp(m->advertise_peer_url, m->peer_url) != 0;
    bool proxied = client_adv || peer_adv;
    int *ports[3] = { &m->client_port, &m->peer_port, &m->metrics_port };
    bool pinned[3] = { proxied, proxied, false };
    bool moved = false;
    for (int k = 0; k < 3; k++) {
        if (rig_port_bindable(*ports[k]))
            continue;
        if (pinned[k])
            return rig_fail(st, ETCD_ERR_CONNECT, "etcd_rig: port %d of member %s is busy and "
                            "its advertised URL was overridden, so the rig cannot move it: "
                            "create a new rig", *ports[k], m->name);
        int np = rig_pick_port(r);
        if (!np)
            return rig_fail(st, ETCD_ERR_CONNECT, "etcd_rig: no free TCP port on 127.0.0.1");
        *ports[k] = np;
        moved = true;
    }
    if (!moved) {
        /* Busy when etcd tried, free now: any port may have been it. Move the
         * movable ones. */
        for (int k = 0; k < 3; k++)
            if (!pinned[k]) {
                int np = rig_pick_port(r);
                if (np)
                    *ports[k] = np;
            }
    }
    rig_set_urls(m, client_adv, peer_adv);
    return ETCD_OK;
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

int etcd_rig_leader(etcd_rig *r)
{
    if (!r)
        return -1;
    int best = -1;
    uint64_t best_term = 0;
    for (int i = 0; i < r->n; i++) {
        if (r->m[i].pid <= 0)
            continue;
        rig_mstatus ms;
        if (!rig_member_status(&r->m[i], &ms))
            continue;
        r->m[i].member_id = ms.member_id;
        /* A member that believes it leads, in the newest term. */
        if (ms.leader_id == ms.member_id && (best < 0 || ms.raft_term > best_term)) {
            best = i;
            best_term = ms.raft_term;
        }
    }
    return best;
}
