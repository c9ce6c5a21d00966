/* etcd_rig_config.c: what a rig is before it starts: free ports, the etcd
 * binary, member names, the rig's directories and each member's command line
 * and environment (etcd_rig_new and the advertise setters), and new ports
 * when one turned out busy at start.
 */
#include "sim/rig/etcd_rig_priv.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

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

/* ---- a member's command line and environment --------------------------- */

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

void rig_build_args(const etcd_rig *r, int i, rig_args *a)
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
char **rig_envp(void)
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
    rig_init();

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
etcd_code rig_repick_busy(etcd_rig *r, int i, etcd_status *st)
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
