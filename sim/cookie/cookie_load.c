#include "sim/cookie/cookie_load.h"
#include "sim/cookie/cookie_origin.h"
#include "sim/util/util_clock.h"

#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct client {
    uint64_t id;
    CURL *h;
    int inflight;
    int64_t due_ns, sent_ns;
    int win;                  /* events fired when the request was sent */
    uint64_t rng;
    char *body;
    size_t body_len, body_cap;
    int hdr_hit, hdr_slot, hdr_failover, hdr_rejected;
    int lose_cookie;
    int last_slot;
    int slot_before[COOKIE_LOAD_MAX_EVENTS];
    int slot_end[COOKIE_LOAD_MAX_EVENTS];
    unsigned char bad_in[COOKIE_LOAD_MAX_EVENTS];
    unsigned char targeted[COOKIE_LOAD_MAX_EVENTS];
    char url[96];
};

static const char *event_names[] = { "kill", "hang", "scaleout", "cookieloss" };

const char *cookie_event_name(enum cookie_event_kind k)
{
    return (unsigned)k < sizeof event_names / sizeof *event_names ? event_names[k] : "?";
}

static uint64_t mix(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct client *c = ud;
    size_t len = size * n;
    if (c->body_len + len > c->body_cap)
        len = c->body_cap - c->body_len;   /* oversized body: caught as bad content */
    memcpy(c->body + c->body_len, p, len);
    c->body_len += len;
    return size * n;
}

static int header_is(const char *line, size_t len, const char *name, const char **val)
{
    size_t n = strlen(name);
    if (len <= n + 1 || strncasecmp(line, name, n) != 0 || line[n] != ':')
        return 0;
    *val = line + n + 1;
    while (**val == ' ')
        (*val)++;
    return 1;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct client *c = ud;
    size_t len = size * n;
    const char *v;
    if (header_is(p, len, "X-Geokv-Cache", &v))
        c->hdr_hit = strncmp(v, "hit", 3) == 0;
    else if (header_is(p, len, "X-Geokv-Slot", &v))
        c->hdr_slot = atoi(v);
    else if (header_is(p, len, "X-Geokv-Failover", &v))
        c->hdr_failover = *v == '1';
    else if (header_is(p, len, "X-Geokv-Cookie", &v))
        c->hdr_rejected = !(strncmp(v, "ok", 2) == 0 || strncmp(v, "absent", 6) == 0);
    return len;
}

static int client_setup(struct client *c, uint64_t id, size_t body_cap, uint64_t seed)
{
    memset(c, 0, sizeof *c);
    c->id = id;
    c->rng = mix(seed ^ (id * 0x100000001b3ULL));
    c->last_slot = -1;
    for (int e = 0; e < COOKIE_LOAD_MAX_EVENTS; e++)
        c->slot_before[e] = c->slot_end[e] = -1;
    c->body_cap = body_cap;
    c->body = malloc(body_cap);
    c->h = curl_easy_init();
    if (!c->body || !c->h)
        return -1;
    /* "" = enable this handle's own in-memory cookie engine, read no file:
     * one jar per simulated client. */
    curl_easy_setopt(c->h, CURLOPT_COOKIEFILE, "");
    curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c->h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(c->h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c->h, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(c->h, CURLOPT_PRIVATE, c);
    curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(c->h, CURLOPT_TCP_NODELAY, 1L);
    return 0;
}

struct run {
    const struct cookie_load_config *cfg;
    struct cookie_load_result *res;
    struct client *clients;
    char *expect;             /* value_bytes per client */
    CURLM *multi;
    int64_t start_ns;
    int cur_ev;               /* index of the last event fired, -1 before */
    int64_t ev_ns[COOKIE_LOAD_MAX_EVENTS];
};

static void fire_event(struct run *r, unsigned e)
{
    const struct cookie_load_event *ev = &r->cfg->events[e];
    struct cookie_event_result *er = &r->res->ev[e];
    int64_t t = util_now_ns_i64();
    er->t_s = (double)(t - r->start_ns) / 1e9;
    for (unsigned i = 0; i < r->cfg->clients; i++) {
        struct client *c = &r->clients[i];
        c->slot_before[e] = c->last_slot;
        if ((ev->kind == COOKIE_EV_KILL || ev->kind == COOKIE_EV_HANG) &&
            c->last_slot == (int)ev->arg)
            c->targeted[e] = 1;
        if (ev->kind == COOKIE_EV_COOKIELOSS &&
            (double)(mix(r->cfg->seed ^ 0xc00c1e ^ c->id) >> 11) / 9007199254740992.0 <
                ev->fraction) {
            c->lose_cookie = 1;   /* applied before its next request */
            c->targeted[e] = 1;
        }
    }
    er->ok = 1;
    if (ev->kind != COOKIE_EV_COOKIELOSS && r->cfg->on_event)
        er->ok = r->cfg->on_event(r->cfg->ctx, ev) == 0;
    r->ev_ns[e] = t;
    r->cur_ev = (int)e;
}

static void send_request(struct run *r, struct client *c, int64_t t)
{
    const struct cookie_load_config *cfg = r->cfg;
    if (c->lose_cookie) {
        curl_easy_setopt(c->h, CURLOPT_COOKIELIST, "ALL");
        c->lose_cookie = 0;
    }
    c->rng = mix(c->rng);
    int port = cfg->web_ports[c->rng % cfg->n_web];
    snprintf(c->url, sizeof c->url, "http://127.0.0.1:%d/data?client=%llu", port,
             (unsigned long long)c->id);
    curl_easy_setopt(c->h, CURLOPT_URL, c->url);
    c->body_len = 0;
    c->hdr_hit = 0;
    c->hdr_slot = -1;
    c->hdr_failover = 0;
    c->hdr_rejected = 0;
    c->sent_ns = t;
    c->win = r->cur_ev;
    c->inflight = 1;
    curl_multi_add_handle(r->multi, c->h);
}

static void complete(struct run *r, struct client *c, CURLcode cc)
{
    const struct cookie_load_config *cfg = r->cfg;
    struct cookie_load_result *res = r->res;
    int64_t t = util_now_ns_i64();
    uint64_t lat_us = (uint64_t)(t - c->sent_ns) / 1000;
    double sent_s = (double)(c->sent_ns - r->start_ns) / 1e9;
    long status = 0;
    curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
    unsigned idx = (unsigned)(c - r->clients);
    int bad = 0, error = cc != CURLE_OK || status != 200 || c->hdr_slot < 0;
    if (!error && (c->body_len != cfg->value_bytes ||
                   memcmp(c->body, r->expect + (size_t)idx * cfg->value_bytes,
                          cfg->value_bytes) != 0)) {
        bad = 1;
        error = 1;
    }
    int hit = !error && c->hdr_hit;
    res->errors_transport += cc != CURLE_OK;
    res->errors_status += cc == CURLE_OK && status != 200;
    if (error && res->first_error[0] == '\0')
        snprintf(res->first_error, sizeof res->first_error, "client %llu at %.2fs: %s",
                 (unsigned long long)c->id, sent_s,
                 cc != CURLE_OK ? curl_easy_strerror(cc)
                 : status != 200 ? "HTTP status not 200"
                 : bad ? "wrong content" : "no X-Geokv-Slot header");

    /* Requests finishing after the end (the drain) are in the totals only. */
    unsigned b = (unsigned)((double)(t - r->start_ns) / 1e9 / cfg->bucket_s);
    static struct cookie_bucket drain_bucket;
    struct cookie_bucket *bk = b < res->n_buckets ? &res->buckets[b] : &drain_bucket;
    bk->requests++;
    bk->hits += hit;
    bk->misses += !error && !hit;
    bk->errors += error;
    bk->failovers += c->hdr_failover;
    bk->cookie_rejects += c->hdr_rejected;
    bk->bad_content += bad;
    if (lat_us > bk->max_lat_us)
        bk->max_lat_us = (uint32_t)lat_us;

    res->requests++;
    res->hits += hit;
    res->misses += !error && !hit;
    res->errors += error;
    res->failovers += c->hdr_failover;
    res->bad_content += bad;
    res->cookie_rejects += c->hdr_rejected;
    util_hist_record(&res->lat_all, lat_us);
    if (c->win < 0 && sent_s >= 1.0) {
        res->warm_requests++;
        res->warm_hits += hit;
        util_hist_record(&res->lat_warm, lat_us);
    }
    /* Event windows go by completion time: a request in flight when the
     * event fires meets the changed world (e.g. its server just died). */
    int win = r->cur_ev;
    if (win >= 0) {
        struct cookie_event_result *er = &res->ev[win];
        er->requests++;
        er->misses += !error && !hit;
        er->errors += error;
        if (!hit)
            c->bad_in[win] = 1;
        if (!error)
            c->slot_end[win] = c->hdr_slot;
        if (t - r->ev_ns[win] < 1000000000)
            util_hist_record(&er->lat_1s, lat_us);
    }
    if (!error)
        c->last_slot = c->hdr_slot;
    c->inflight = 0;
    c->due_ns = t + (int64_t)cfg->think_ms * 1000000;
}

static void drain(struct run *r)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(r->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct client *c = NULL;
        CURL *h = m->easy_handle;
        CURLcode cc = m->data.result;
        curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&c);
        curl_multi_remove_handle(r->multi, h);
        complete(r, c, cc);
    }
}

static void summarise_events(struct run *r)
{
    const struct cookie_load_config *cfg = r->cfg;
    for (unsigned e = 0; e < r->res->n_events; e++) {
        struct cookie_event_result *er = &r->res->ev[e];
        double end = e + 1 < r->res->n_events ? r->res->ev[e + 1].t_s : r->res->elapsed_s;
        er->window_s = end - er->t_s;
        for (unsigned i = 0; i < cfg->clients; i++) {
            struct client *c = &r->clients[i];
            er->clients_targeted += c->targeted[e];
            if (c->slot_before[e] < 0 || c->slot_end[e] < 0)
                continue;
            er->clients_seen++;
            er->clients_affected += c->bad_in[e];
            er->clients_moved += c->slot_end[e] != c->slot_before[e];
            if (c->slot_end[e] < 16)
                er->slot_clients[c->slot_end[e]]++;
        }
    }
}

int cookie_load_run(const struct cookie_load_config *cfg, struct cookie_load_result *res,
                    char *err, size_t errlen)
{
    struct run r = { .cfg = cfg, .res = res, .cur_ev = -1 };
    int rc = -1;
    unsigned next_ev = 0;

    memset(res, 0, sizeof *res);
    if (cfg->clients == 0 || cfg->n_web == 0 || cfg->n_web > COOKIE_LOAD_MAX_WEB ||
        cfg->bucket_s <= 0 || cfg->value_bytes == 0 ||
        cfg->value_bytes > COOKIE_ORIGIN_MAX_BYTES || cfg->n_events > COOKIE_LOAD_MAX_EVENTS) {
        snprintf(err, errlen, "load: bad configuration (clients, web servers, bucket, value size)");
        return -1;
    }
    res->n_events = cfg->n_events;
    res->n_buckets = (unsigned)ceil(cfg->duration_s / cfg->bucket_s - 1e-9);
    res->buckets = calloc(res->n_buckets, sizeof *res->buckets);
    r.clients = calloc(cfg->clients, sizeof *r.clients);
    r.expect = malloc((size_t)cfg->clients * cfg->value_bytes);
    r.multi = curl_multi_init();
    if (!res->buckets || !r.clients || !r.expect || !r.multi) {
        snprintf(err, errlen, "load: out of memory");
        goto cleanup;
    }
    /* Enough pooled connections for every client to have one in flight. */
    curl_multi_setopt(r.multi, CURLMOPT_MAXCONNECTS, (long)cfg->clients + 8);
    for (unsigned i = 0; i < cfg->clients; i++) {
        uint64_t id = i + 1;
        cookie_origin_content(id, r.expect + (size_t)i * cfg->value_bytes, cfg->value_bytes);
        if (client_setup(&r.clients[i], id, cfg->value_bytes + 1, cfg->seed) != 0) {
            snprintf(err, errlen, "load: curl_easy_init failed for client %u", i);
            goto cleanup;
        }
    }
    r.start_ns = util_now_ns_i64();
    /* Spread first requests over one think time so the start is not a burst. */
    for (unsigned i = 0; i < cfg->clients; i++)
        r.clients[i].due_ns = r.start_ns +
            (int64_t)cfg->think_ms * 1000000 * i / cfg->clients;
    int64_t end_ns = r.start_ns + (int64_t)(cfg->duration_s * 1e9);

    for (;;) {
        int64_t t = util_now_ns_i64();
        if (t >= end_ns)
            break;
        while (next_ev < cfg->n_events &&
               t >= r.start_ns + (int64_t)(cfg->events[next_ev].t_s * 1e9)) {
            fire_event(&r, next_ev++);
            t = util_now_ns_i64();
        }
        int64_t next_due = end_ns;
        for (unsigned i = 0; i < cfg->clients; i++) {
            struct client *c = &r.clients[i];
            if (c->inflight)
                continue;
            if (c->due_ns <= t)
                send_request(&r, c, t);
            else if (c->due_ns < next_due)
                next_due = c->due_ns;
        }
        int running = 0;
        curl_multi_perform(r.multi, &running);
        drain(&r);
        long wait_ms = (long)((next_due - util_now_ns_i64()) / 1000000);
        if (wait_ms > 5)
            wait_ms = 5;
        if (wait_ms < 0)
            wait_ms = 0;
        curl_multi_poll(r.multi, NULL, 0, (int)wait_ms, NULL);
    }
    /* Let requests in flight finish (they are counted; nothing new starts). */
    for (int64_t stop = util_now_ns_i64() + 6000000000LL; util_now_ns_i64() < stop;) {
        int running = 0;
        curl_multi_perform(r.multi, &running);
        drain(&r);
        if (running == 0)
            break;
        curl_multi_poll(r.multi, NULL, 0, 10, NULL);
    }
    res->elapsed_s = (double)(end_ns - r.start_ns) / 1e9;
    summarise_events(&r);
    rc = 0;
cleanup:
    if (r.clients) {
        for (unsigned i = 0; i < cfg->clients; i++) {
            if (r.clients[i].h) {
                if (r.clients[i].inflight)
                    curl_multi_remove_handle(r.multi, r.clients[i].h);
                curl_easy_cleanup(r.clients[i].h);
            }
            free(r.clients[i].body);
        }
    }
    if (r.multi)
        curl_multi_cleanup(r.multi);
    free(r.clients);
    free(r.expect);
    if (rc != 0)
        cookie_load_result_free(res);
    return rc;
}

void cookie_load_result_free(struct cookie_load_result *res)
{
    free(res->buckets);
    res->buckets = NULL;
    res->n_buckets = 0;
}
