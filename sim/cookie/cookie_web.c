#include "sim/cookie/cookie_web.h"
#include "sim/cookie/cookie_origin.h"
#include "sim/util/util_clock.h"

#include <arpa/inet.h>
#include <libmemcached/memcached.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Per-thread resources: memcached handles (one per slot, so the strategy,
 * not libmemcached, decides where a key goes) and the strategy state. Kept
 * in a free list and handed to whichever connection thread needs one. */
struct worker {
    struct worker *next_free;
    struct worker *next_all;
    memcached_st *mc[COOKIE_MAX_SLOTS];
    int mc_port[COOKIE_MAX_SLOTS];
    void *sstate;
    char *value;
};

struct cookie_web {
    char name[16];
    struct cookie_web_config cfg;
    struct cookie_pool *pool;
    const struct cookie_strategy *strategy;
    struct MHD_Daemon *daemon;
    int port;
    pthread_mutex_t mu;
    struct worker *free_list, *all;
    unsigned worker_count;
    /* This server's own view of which cache servers answer. */
    _Atomic int64_t dead_until_ns[COOKIE_MAX_SLOTS];
    _Atomic uint64_t requests, hits, misses, failovers, cache_errors, bad_requests;
    _Atomic uint64_t cookies_set;
    _Atomic uint64_t verdict[COOKIE_VERDICT_COUNT];
};

void cookie_web_config_default(struct cookie_web_config *c)
{
    memset(c, 0, sizeof *c);
    c->origin_delay_ms = 20;
    c->value_bytes = 512;
    c->cache_timeout_ms = 250;
    c->dead_retry_ms = 2000;
    c->log_limit = 5;
}

static void worker_free(const struct cookie_web *w, struct worker *wk)
{
    for (unsigned i = 0; i < COOKIE_MAX_SLOTS; i++)
        if (wk->mc[i])
            memcached_free(wk->mc[i]);
    if (wk->sstate)
        w->strategy->state_free(wk->sstate);
    free(wk->value);
    free(wk);
}

static struct worker *worker_get(struct cookie_web *w)
{
    struct worker *wk;
    pthread_mutex_lock(&w->mu);
    wk = w->free_list;
    if (wk)
        w->free_list = wk->next_free;
    pthread_mutex_unlock(&w->mu);
    if (wk)
        return wk;
    wk = calloc(1, sizeof *wk);
    if (!wk)
        return NULL;
    struct cookie_strategy_opts o = { w->cfg.place_random,
                                      w->cfg.seed ^ (uint64_t)(uintptr_t)wk,
                                      (enum cookie_failover)w->cfg.failover };
    wk->sstate = w->strategy->state_new(&o);
    wk->value = malloc(w->cfg.value_bytes + 1);
    if (!wk->sstate || !wk->value) {
        worker_free(w, wk);
        return NULL;
    }
    pthread_mutex_lock(&w->mu);
    wk->next_all = w->all;
    w->all = wk;
    w->worker_count++;
    pthread_mutex_unlock(&w->mu);
    return wk;
}

static void worker_put(struct cookie_web *w, struct worker *wk)
{
    pthread_mutex_lock(&w->mu);
    wk->next_free = w->free_list;
    w->free_list = wk;
    pthread_mutex_unlock(&w->mu);
}

/* A memcached handle for one server, with the failure timeout applied to
 * connect and to every read/write. */
static memcached_st *mc_open(int port, unsigned timeout_ms)
{
    memcached_st *m = memcached_create(NULL);
    if (!m)
        return NULL;
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_NO_BLOCK, 1);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, timeout_ms);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, timeout_ms);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_RCV_TIMEOUT, (uint64_t)timeout_ms * 1000);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_SND_TIMEOUT, (uint64_t)timeout_ms * 1000);
    /* Our web server keeps its own dead list; let libmemcached retry at once. */
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, 0);
    if (memcached_server_add(m, "127.0.0.1", (in_port_t)port) != MEMCACHED_SUCCESS) {
        memcached_free(m);
        return NULL;
    }
    return m;
}

static int worker_sync(struct worker *wk, const struct cookie_view *v, unsigned timeout_ms)
{
    for (unsigned s = 0; s < v->n; s++) {
        if (wk->mc[s] && wk->mc_port[s] == v->ports[s])
            continue;
        if (wk->mc[s])
            memcached_free(wk->mc[s]);
        wk->mc[s] = mc_open(v->ports[s], timeout_ms);
        wk->mc_port[s] = v->ports[s];
        if (!wk->mc[s])
            return -1;
    }
    return 0;
}

static void mark_dead(struct cookie_web *w, struct cookie_view *v, unsigned slot)
{
    atomic_store(&w->dead_until_ns[slot], util_now_ns_i64() + (int64_t)w->cfg.dead_retry_ms * 1000000);
    v->live[slot] = 0;
    atomic_fetch_add(&w->cache_errors, 1);
}

static int parse_client(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    int digits = 0;
    if (!s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || ++digits > 18)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    if (digits == 0)
        return -1;
    *out = v;
    return 0;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *msg)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(msg), (void *)msg,
                                                             MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static void log_rejection(struct cookie_web *w, enum cookie_verdict v, uint64_t client,
                          const char *value, unsigned slot)
{
    uint64_t seen = atomic_fetch_add(&w->verdict[v], 1) + 1;
    if (v == COOKIE_OK || v == COOKIE_ABSENT || seen > w->cfg.log_limit)
        return;
    fprintf(stderr, "cookie-web %s: ignored %s placement cookie from client %llu "
            "('%.40s%s'), re-placed on slot %u%s\n", w->name, cookie_verdict_name(v),
            (unsigned long long)client, value ? value : "",
            value && strlen(value) > 40 ? "..." : "", slot,
            seen == w->cfg.log_limit ? " (further ones only counted)" : "");
}

/* Serve one client's data: route, read the cache, fail over, fill from the
 * origin on a miss. Returns the HTTP response or NULL on allocation failure. */
static enum MHD_Result serve_data(struct cookie_web *w, struct MHD_Connection *conn)
{
    uint64_t client;
    const char *cookie = NULL;
    struct cookie_view v;
    struct cookie_route r = { 0 };
    int hit = 0, failover = 0, have_value = 0;
    size_t vlen = w->cfg.value_bytes;
    char key[48], tok[COOKIE_TOKEN_MAX], slotbuf[16];
    enum MHD_Result ret = MHD_NO;
    struct worker *wk = NULL;

    if (parse_client(MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "client"),
                     &client) != 0) {
        atomic_fetch_add(&w->bad_requests, 1);
        return reply_text(conn, MHD_HTTP_BAD_REQUEST, "need ?client=<decimal id>\n");
    }
    atomic_fetch_add(&w->requests, 1);
    if (w->strategy->uses_cookie)
        cookie = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, COOKIE_TOKEN_NAME);
    size_t klen = cookie_client_key(client, key, sizeof key);

    wk = worker_get(w);
    if (!wk)
        return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    cookie_pool_snapshot(w->pool, &v);
    int64_t now = util_now_ns_i64();
    for (unsigned s = 0; s < v.n; s++)
        v.live[s] = atomic_load(&w->dead_until_ns[s]) <= now;
    if (worker_sync(wk, &v, w->cfg.cache_timeout_ms) != 0) {
        ret = reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "memcached handle setup failed\n");
        goto cleanup;
    }
    if (cookie_view_live_count(&v) == 0) {
        /* Every server failed recently. Skipping them all would turn one
         * slow moment into an outage: try the whole pool again instead. */
        for (unsigned s = 0; s < v.n; s++)
            v.live[s] = 1;
    }
    if (w->strategy->route(wk->sstate, &v, client, cookie, &r) != 0) {
        ret = reply_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "no live cache server\n");
        goto cleanup;
    }
    if (w->strategy->uses_cookie)
        log_rejection(w, r.verdict, client, cookie, r.slot);

    /* At most one attempt per slot: each failure removes one slot. */
    for (unsigned attempt = 0; attempt <= v.n; attempt++) {
        memcached_return_t mrc;
        if (!have_value) {
            size_t got_len = 0;
            uint32_t flags = 0;
            char *got = memcached_get(wk->mc[r.slot], key, klen, &got_len, &flags, &mrc);
            if (mrc == MEMCACHED_SUCCESS && got && got_len == vlen) {
                memcpy(wk->value, got, vlen);
                free(got);
                hit = 1;
                have_value = 1;
                break;
            }
            free(got);
            if (mrc != MEMCACHED_SUCCESS && mrc != MEMCACHED_NOTFOUND) {
                failover = 1;
                mark_dead(w, &v, r.slot);
                if (w->strategy->reroute(wk->sstate, &v, client, &r) != 0)
                    break;
                continue;
            }
            cookie_origin_fetch(client, w->cfg.origin_delay_ms, wk->value, vlen);
            have_value = 1;
        }
        mrc = memcached_set(wk->mc[r.slot], key, klen, wk->value, vlen, 0, 0);
        if (mrc == MEMCACHED_SUCCESS)
            break;
        failover = 1;
        mark_dead(w, &v, r.slot);
        if (w->strategy->reroute(wk->sstate, &v, client, &r) != 0)
            break;
    }
    if (!have_value) {
        /* Every cache server failed: still serve from the origin. */
        cookie_origin_fetch(client, w->cfg.origin_delay_ms, wk->value, vlen);
        have_value = 1;
    }
    atomic_fetch_add(hit ? &w->hits : &w->misses, 1);
    if (failover)
        atomic_fetch_add(&w->failovers, 1);

    struct MHD_Response *resp = MHD_create_response_from_buffer(vlen, wk->value,
                                                                MHD_RESPMEM_MUST_COPY);
    if (!resp)
        goto cleanup;
    snprintf(slotbuf, sizeof slotbuf, "%u", r.slot);
    MHD_add_response_header(resp, "X-Geokv-Cache", hit ? "hit" : "miss");
    MHD_add_response_header(resp, "X-Geokv-Slot", slotbuf);
    MHD_add_response_header(resp, "X-Geokv-Cookie", cookie_verdict_name(r.verdict));
    MHD_add_response_header(resp, "X-Geokv-Failover", failover ? "1" : "0");
    MHD_add_response_header(resp, "Content-Type", "text/plain");
    if (w->strategy->uses_cookie && r.set_cookie) {
        struct cookie_claim claim = { client, r.slot, v.gen[r.slot], v.epoch };
        char hdr[COOKIE_TOKEN_MAX + 80];
        if (cookie_token_make(v.key, &claim, tok, sizeof tok) == 0) {
            snprintf(hdr, sizeof hdr, "%s=%s; Path=/; HttpOnly; SameSite=Strict",
                     COOKIE_TOKEN_NAME, tok);
            MHD_add_response_header(resp, "Set-Cookie", hdr);
            atomic_fetch_add(&w->cookies_set, 1);
        }
    }
    ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
cleanup:
    worker_put(w, wk);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    static int first_call_marker;
    struct cookie_web *w = cls;
    /* First call: headers only; answer on the second (MHD's usual pattern). */
    if (*con_cls == NULL) {
        *con_cls = &first_call_marker;
        return MHD_YES;
    }
    if (strcmp(method, "GET") != 0)
        return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
    if (strcmp(url, "/data") != 0)
        return reply_text(conn, MHD_HTTP_NOT_FOUND, "try GET /data?client=<id>\n");
    return serve_data(w, conn);
}

int cookie_web_start(const char *name, const struct cookie_web_config *cfg,
                     struct cookie_pool *pool, const struct cookie_strategy *strategy,
                     struct cookie_web **out, char *err, size_t errlen)
{
    struct cookie_web *w = calloc(1, sizeof *w);
    struct sockaddr_in sa;
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(w->name, sizeof w->name, "%s", name);
    w->cfg = *cfg;
    if (w->cfg.value_bytes == 0 || w->cfg.value_bytes > COOKIE_ORIGIN_MAX_BYTES)
        w->cfg.value_bytes = 512;
    w->pool = pool;
    w->strategy = strategy;
    pthread_mutex_init(&w->mu, NULL);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    w->daemon = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD,
                                 0, NULL, NULL, on_request, w,
                                 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
                                 MHD_OPTION_END);
    if (!w->daemon) {
        snprintf(err, errlen, "web server %s: MHD_start_daemon on 127.0.0.1 failed "
                 "(is libmicrohttpd installed? run scripts/install-deps.sh)", name);
        pthread_mutex_destroy(&w->mu);
        free(w);
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(w->daemon, MHD_DAEMON_INFO_BIND_PORT);
    w->port = info ? info->port : 0;
    *out = w;
    return 0;
}

int cookie_web_port(const struct cookie_web *w)
{
    return w->port;
}

const char *cookie_web_name(const struct cookie_web *w)
{
    return w->name;
}

void cookie_web_get_stats(struct cookie_web *w, struct cookie_web_stats *s)
{
    s->requests = atomic_load(&w->requests);
    s->hits = atomic_load(&w->hits);
    s->misses = atomic_load(&w->misses);
    s->failovers = atomic_load(&w->failovers);
    s->cache_errors = atomic_load(&w->cache_errors);
    s->bad_requests = atomic_load(&w->bad_requests);
    s->cookies_set = atomic_load(&w->cookies_set);
    for (int i = 0; i < COOKIE_VERDICT_COUNT; i++)
        s->verdict[i] = atomic_load(&w->verdict[i]);
}

void cookie_web_stop(struct cookie_web *w)
{
    if (!w)
        return;
    if (w->daemon)
        MHD_stop_daemon(w->daemon);
    for (struct worker *wk = w->all, *next; wk; wk = next) {
        next = wk->next_all;
        worker_free(w, wk);
    }
    pthread_mutex_destroy(&w->mu);
    free(w);
}
