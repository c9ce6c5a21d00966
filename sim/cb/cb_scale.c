/* cb_scale.c: 1,000 agents held in one process (see cb_scale.h). The agents
 * are the run engine's (cb_agent.c) with a mode of their own: lockless
 * initialisation, then every peer event decoded into the cache, and the
 * changed peer's arrival time recorded. */
#include "sim/cb/cb_scale.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sim/cb/cb_internal.h"

#define FANOUT_MARK "fanout-mark"

typedef struct scale_state {
    /* at most init_max agents read the peers at once: 1,000 simultaneous
     * ranges of ~400 KB each only measure etcd's gateway queue (timeouts) */
    pthread_mutex_t init_mu;
    pthread_cond_t init_cv;
    int init_active, init_max;
    double t_put;              /* when the change was sent (0 with dist: seen[] are then arrival times) */
    double *seen;              /* per agent: seconds from t_put, -1 until seen */
    char target_key[CB_KEY_MAX];
} scale_state;

static int hold_setup(cb_agent *a)
{
    cb_ctx *x = a->x;
    char key[CB_KEY_MAX];
    int64_t rev = 0;
    scale_state *s = x->ud;
    if (cb_agent_session(a) != 0)
        return -1;
    cb_key_peer_prefix(key, x->cladnet);
    pthread_mutex_lock(&s->init_mu);
    while (s->init_active >= s->init_max)
        pthread_cond_wait(&s->init_cv, &s->init_mu);
    s->init_active++;
    pthread_mutex_unlock(&s->init_mu);
    int rc = cb_agent_load_peers(a, &rev) || cb_agent_watch(a, key, true, rev + 1, CB_SRC_PEERS);
    pthread_mutex_lock(&s->init_mu);
    s->init_active--;
    pthread_cond_signal(&s->init_cv);
    pthread_mutex_unlock(&s->init_mu);
    if (rc)
        return -1;
    pthread_mutex_lock(&x->mu);
    x->n_tunneling++;   /* here: agents holding */
    double now = util_now_s();
    if (now > x->last_complete)
        x->last_complete = now;
    pthread_cond_broadcast(&x->cv);
    pthread_mutex_unlock(&x->mu);
    return 0;
}

static int hold_event(cb_agent *a, int src, const etcd_event *ev)
{
    scale_state *s = a->x->ud;
    if (src != CB_SRC_PEERS || ev->type != ETCD_EVENT_PUT)
        return 0;
    cb_peer p;
    if (cb_peer_decode(ev->kv.value, ev->kv.value_len, &p, NULL, 0) != 0)
        return 0;
    cb_agent_cache_store(a, &p);
    if (strcmp(ev->kv.key, s->target_key) == 0 && strstr(p.host_name, FANOUT_MARK) &&
        s->seen[a->index] < 0) {
        double t = util_now_s() - s->t_put;
        pthread_mutex_lock(&a->x->mu);
        s->seen[a->index] = t;
        a->x->n_complete++;
        pthread_cond_broadcast(&a->x->cv);
        pthread_mutex_unlock(&a->x->mu);
    }
    return 0;
}

static const cb_mode_ops hold_ops = {
    .spec_cache_default = 1,
    .init_lock_default = 0,
    .agent_setup = hold_setup,
    .agent_event = hold_event,
};

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec * 1e-6;
}

/* Resident set and thread count from /proc/self/status. Freed heap kept by
 * glibc's per-thread arenas (the initial ranges parse ~0.5 MB of JSON per
 * agent) is given back first, so RSS counts what the agents hold. */
static void proc_status(double *rss_mib, int *threads)
{
    malloc_trim(0);
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    *rss_mib = 0;
    if (threads)
        *threads = 0;
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        long v;
        if (sscanf(line, "VmRSS: %ld kB", &v) == 1)
            *rss_mib = (double)v / 1024.0;
        else if (threads && sscanf(line, "Threads: %ld", &v) == 1)
            *threads = (int)v;
    }
    fclose(f);
}

static uint64_t requests(etcd_client **clients, int n, const bool *owns)
{
    uint64_t sum = 0;
    for (int i = 0; i < n; i++) {
        if (!owns[i])
            continue;
        etcd_stats s;
        etcd_client_stats(clients[i], &s);
        for (int t = 0; t < ETCD_OP_T_COUNT; t++)
            sum += s.ops[t];
    }
    return sum;
}

/* Wait until *counter reaches want, the run fails or stops, or timeout. */
static bool wait_count(cb_ctx *x, const int *counter, int want, double timeout_s)
{
    double end = util_now_s() + timeout_s;
    for (;;) {
        pthread_mutex_lock(&x->mu);
        bool done = *counter >= want, bad = x->stop;
        pthread_mutex_unlock(&x->mu);
        if (done)
            return true;
        if (bad || cb_ctx_stopping(x) || util_now_s() > end)
            return false;
        cb_ctx_sleep(x, 0.02);
    }
}

/* With dist: whether every process got this far (a collective); without:
 * whether this one did. 0 or -1. */
static int scale_agree(const cb_scale_config *sc, bool ok, cb_scale_result *res)
{
    if (sc->dist && !sc->dist->agree(sc->dist->ud, ok ? 1 : 0)) {
        if (!res->error[0])
            snprintf(res->error, sizeof res->error, "another process failed");
        return -1;
    }
    return ok ? 0 : -1;
}

/* Owner: seen[] of every process (arrival times on their own clocks, -1:
 * never) into seconds since t_put on the owner's clock, in place. */
static void scale_fanout_times(const cb_scale_dist *d, double *all, int n, double t_put)
{
    for (int k = 0; k < d->processes; k++) {
        double off = d->clock_offset ? d->clock_offset(d->ud, k) : 0;
        for (int i = 0; i < n; i++)
            if (all[k * n + i] >= 0)
                all[k * n + i] = all[k * n + i] - off - t_put;
    }
}

int cb_scale_hold(const cb_scale_config *sc, cb_scale_result *res)
{
    int rc = -1;
    int n = sc->n_agents > 0 ? sc->n_agents : 1000;
    int n_peers = sc->n_peers > 0 ? sc->n_peers : n;
    double timeout = sc->timeout_s > 0 ? sc->timeout_s : 300;
    cb_run_config cfg;
    cb_ctx x;
    scale_state s;
    cb_place place = {.region = "local", .provider = "local", .endpoints = sc->endpoints,
                      .n_endpoints = sc->n_endpoints};
    etcd_client *admin = NULL;
    etcd_client **clients = NULL;
    bool *owns = NULL;
    etcd_status st;
    memset(res, 0, sizeof *res);
    memset(&s, 0, sizeof s);
    res->n_agents = n;
    cb_run_config_default(&cfg);
    cfg.mode = "lockless";
    cfg.n_agents = n;
    cfg.seed = sc->seed ? sc->seed : 1;
    cfg.timeout_s = timeout;
    cfg.stop = sc->stop;
    cfg.request_timeout_ms = 60000;   /* initial ranges queue at the server */
    cfg.ipv4_cidr = "10.0.0.0/8";
    pthread_mutex_init(&s.init_mu, NULL);
    pthread_cond_init(&s.init_cv, NULL);
    s.init_max = sc->init_concurrency > 0 ? sc->init_concurrency : 8;
    if (cb_ctx_init(&x, &cfg, &hold_ops, res->error, sizeof res->error) != 0) {
        pthread_mutex_destroy(&s.init_mu);
        pthread_cond_destroy(&s.init_cv);
        return -1;
    }
    x.ud = &s;

    clients = calloc((size_t)n, sizeof *clients);
    owns = calloc((size_t)n, sizeof *owns);
    s.seen = malloc((size_t)n * sizeof *s.seen);
    if (!clients || !owns || !s.seen) {
        snprintf(res->error, sizeof res->error, "out of memory for %d agents", n);
        goto cleanup;
    }
    for (int i = 0; i < n; i++)
        s.seen[i] = -1;
    {
        char hid[CB_HOST_ID_LEN + 1];   /* the changed peer: peer 0, as every process computes it */
        cb_host_id(cfg.seed, 0, hid);
        cb_key_peer(s.target_key, x.cladnet, hid);
    }

    /* the keyspace: spec and n_peers peers, as after a finished run (the owner's) */
    etcd_client_config cc = {.endpoints = sc->endpoints, .n_endpoints = sc->n_endpoints, .watch_endpoint = -1};
    bool ok = true;
    if (sc->dist && !sc->dist->owner)
        n_peers = 0;
    else if (etcd_client_new(&cc, &admin, &st) != ETCD_OK || cb_reset(admin, &cfg, &st) != ETCD_OK) {
        snprintf(res->error, sizeof res->error, "etcd: %s", st.message);
        ok = false;
    } else if (cb_write_spec(admin, &cfg, &st) != ETCD_OK) {
        snprintf(res->error, sizeof res->error, "spec put: %s", st.message);
        ok = false;
    }
    for (int i = 0; ok && i < n_peers; i++) {
        cb_host_info h;
        cb_peer p;
        memset(&p, 0, sizeof p);
        cb_host_facts(cfg.seed, i, &h);
        snprintf(p.cladnet_id, sizeof p.cladnet_id, "%s", x.cladnet);
        cb_host_id(cfg.seed, i, p.host_id);
        snprintf(p.host_name, sizeof p.host_name, "%s", h.host_name);
        snprintf(p.host_private_cidr, sizeof p.host_private_cidr, "%s", h.private_cidr);
        snprintf(p.host_private_ip, sizeof p.host_private_ip, "%s", h.private_ip);
        snprintf(p.host_public_ip, sizeof p.host_public_ip, "%s", h.public_ip);
        snprintf(p.ipv4_cidr, sizeof p.ipv4_cidr, "%s", x.cidr);
        cb_ip_alloc(x.cidr, i, p.ip);
        snprintf(p.state, sizeof p.state, "%s", CB_STATE_TUNNELING);
        snprintf(p.provider, sizeof p.provider, "aws");
        snprintf(p.region, sizeof p.region, "ap-northeast-2");
        snprintf(p.zone, sizeof p.zone, "ap-northeast-2a");
        char key[CB_KEY_MAX];
        size_t len;
        char *v = cb_peer_encode(&p, &len);
        cb_key_peer(key, x.cladnet, p.host_id);
        etcd_code e = v ? etcd_put(admin, key, strlen(key), v, len, NULL, NULL, &st) : ETCD_ERR_NOMEM;
        free(v);
        if (e != ETCD_OK) {
            snprintf(res->error, sizeof res->error, "peer put: %s", st.message);
            ok = false;
        }
    }
    if (scale_agree(sc, ok, res) != 0)
        goto cleanup;

    double rss0;
    proc_status(&rss0, NULL);
    res->rss_base_mib = rss0;
    for (int i = 0; ok && i < n; i++) {
        if (sc->share_clients && i > 0) {
            clients[i] = clients[0];
        } else {
            etcd_client_config ac = {.endpoints = sc->endpoints, .n_endpoints = sc->n_endpoints,
                                     .watch_endpoint = -1, .request_timeout_ms = cfg.request_timeout_ms};
            if (etcd_client_new(&ac, &clients[i], &st) != ETCD_OK) {
                snprintf(res->error, sizeof res->error, "client %d: %s", i, st.message);
                ok = false;
                break;
            }
            owns[i] = true;
        }
        cb_agent *a = cb_ctx_add_agent(&x, i, &place, clients[i]);
        a->offset_s = i * (sc->start_gap_s > 0 ? sc->start_gap_s : 0.002);
    }

    /* initialise */
    double cpu0 = cpu_s();
    x.t0 = util_now_s();
    for (int i = 0; ok && i < n; i++)
        if (cb_agent_start(x.agents[i]) != 0) {
            cb_ctx_fail(&x, "could not start agent thread %d", i);
            break;
        }
    bool held = ok && wait_count(&x, &x.n_tunneling, n, timeout);
    res->n_held = x.n_tunneling;
    if (ok && !held)
        snprintf(res->error, sizeof res->error, "%d of %d agents initialised: %s", x.n_tunneling, n,
                 x.error[0] ? x.error : "timeout");
    /* with dist: every process's agents hold before the change */
    if (scale_agree(sc, held, res) != 0)
        goto cleanup;
    res->init_s = x.last_complete - x.t0;
    res->init_cpu_s = cpu_s() - cpu0;
    res->init_requests = requests(clients, n, owns);
    res->cpu_us_per_request = res->init_requests ? res->init_cpu_s * 1e6 / (double)res->init_requests : 0;
    proc_status(&res->rss_held_mib, &res->threads);
    res->rss_per_agent_kib = (res->rss_held_mib - rss0) * 1024.0 / n;

    /* hold: what do 1,000 idle agents cost? */
    double h0 = cpu_s(), w0 = util_now_s();
    cb_ctx_sleep(&x, 3.0);
    res->hold_cpu_s_per_s = (cpu_s() - h0) / (util_now_s() - w0);

    /* fan-out of one change; with dist every process records arrival times
     * (t_put 0) and the owner puts them on its clock after the gather */
    double t_put = 0;
    ok = true;
    if (!sc->dist || sc->dist->owner) {
        etcd_range_result r = {0};
        if (etcd_range(admin, s.target_key, strlen(s.target_key), NULL, &r, &st) != ETCD_OK || r.n_kvs != 1) {
            snprintf(res->error, sizeof res->error, "target peer get: %s", st.message);
            etcd_range_result_free(&r);
            ok = false;
            goto put_done;
        }
        cb_peer p;
        cb_peer_decode(r.kvs[0].value, r.kvs[0].value_len, &p, NULL, 0);
        etcd_range_result_free(&r);
        snprintf(p.host_name, sizeof p.host_name, "%s", FANOUT_MARK);
        size_t len;
        char *v = cb_peer_encode(&p, &len);
        t_put = util_now_s();
        if (!sc->dist)
            s.t_put = t_put;
        etcd_code e = v ? etcd_put(admin, s.target_key, strlen(s.target_key), v, len, NULL, NULL, &st)
                        : ETCD_ERR_NOMEM;
        free(v);
        if (e != ETCD_OK) {
            snprintf(res->error, sizeof res->error, "change put: %s", st.message);
            ok = false;
        }
    }
put_done:
    if (ok || sc->dist)   /* the others wait out the same 60 s when the owner's put failed */
        wait_count(&x, &x.n_complete, n, 60);
    int total = sc->dist ? n * sc->dist->processes : n;
    double *v = malloc((size_t)total * sizeof *v), *mine = malloc((size_t)n * sizeof *mine);
    pthread_mutex_lock(&x.mu);
    for (int i = 0; mine && i < n; i++)
        mine[i] = s.seen[i];
    pthread_mutex_unlock(&x.mu);
    if (sc->dist) {
        /* a collective: every process takes part, even one out of memory
         * (then its agents' own array, which a late arrival may still change) */
        if (sc->dist->gather(sc->dist->ud, mine ? mine : s.seen, n, v) != 0)
            ok = false;
        if (sc->dist->owner && v)
            scale_fanout_times(sc->dist, v, n, t_put);
    } else if (v && mine) {
        memcpy(v, mine, (size_t)n * sizeof *v);
    }
    free(mine);
    int k = 0;
    res->n_agents = total;
    for (int i = 0; v && i < total; i++)
        if (v[i] >= 0)
            v[k++] = v[i];
    res->n_seen = k;
    if (v && k > 0) {
        util_sort_doubles(v, (size_t)k);
        res->fanout_p50_s = util_percentile_sorted(v, (size_t)k, 0.5);
        res->fanout_p99_s = util_percentile_sorted(v, (size_t)k, 0.99);
        res->fanout_max_s = v[k - 1];
    }
    free(v);
    if (sc->dist && !sc->dist->owner)
        rc = ok ? 0 : -1;   /* the owner judges the fan-out */
    else if (ok && res->n_seen < total)
        snprintf(res->error, sizeof res->error, "only %d of %d agents saw the change within 60 s", res->n_seen, total);
    else if (ok)
        rc = 0;

cleanup:
    cb_ctx_destroy(&x);   /* joins the agents before their clients go */
    for (int i = 0; clients && owns && i < n; i++)
        if (owns[i])
            etcd_client_free(clients[i]);
    if (admin)
        cb_reset(admin, &cfg, &st);
    etcd_client_free(admin);
    free(clients);
    free(owns);
    free(s.seen);
    pthread_mutex_destroy(&s.init_mu);
    pthread_cond_destroy(&s.init_cv);
    return rc;
}

void cb_scale_raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}
