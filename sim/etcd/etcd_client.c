/* etcd_client.c: client object, endpoint policy, unary calls (endpoint
 * choice, timeout, failover with bounded backoff, over the transport the
 * client was configured with: etcd_transport.h) and the byte/operation
 * accounting. */
#include "sim/etcd/etcd_transport.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- names ------------------------------------------------------------- */

static const char *const policy_names[] = { "round-robin", "pinned", "nearest" };

const char *etcd_policy_name(etcd_policy p)
{
    return (unsigned)p <= ETCD_POLICY_NEAREST ? policy_names[p] : "unknown";
}

int etcd_policy_parse(const char *s, etcd_policy *out)
{
    for (int i = 0; i <= ETCD_POLICY_NEAREST; i++)
        if (s && !strcmp(s, policy_names[i])) {
            *out = (etcd_policy)i;
            return 0;
        }
    return -1;
}

static const char *const optype_names[ETCD_OP_T_COUNT] = {
    "range", "put", "delete", "txn", "lease_grant", "lease_keepalive", "lease_revoke",
    "lease_ttl", "watch", "lock", "unlock", "compact", "maintenance",
};

const char *etcd_optype_name(etcd_optype t)
{
    return (unsigned)t < ETCD_OP_T_COUNT ? optype_names[t] : "unknown";
}

/* ---- accounting -------------------------------------------------------- */

void etcd_client_stats(etcd_client *c, etcd_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!c)
        return;
    out->bytes_sent = atomic_load_explicit(&c->bytes_sent, memory_order_relaxed);
    out->bytes_received = atomic_load_explicit(&c->bytes_received, memory_order_relaxed);
    for (int i = 0; i < ETCD_OP_T_COUNT; i++)
        out->ops[i] = atomic_load_explicit(&c->ops[i], memory_order_relaxed);
    out->errors = atomic_load_explicit(&c->errors, memory_order_relaxed);
    out->retries = atomic_load_explicit(&c->retries, memory_order_relaxed);
    out->watch_events = atomic_load_explicit(&c->watch_events, memory_order_relaxed);
}

void etcd_stats_add(etcd_stats *acc, const etcd_stats *s)
{
    acc->bytes_sent += s->bytes_sent;
    acc->bytes_received += s->bytes_received;
    for (int i = 0; i < ETCD_OP_T_COUNT; i++)
        acc->ops[i] += s->ops[i];
    acc->errors += s->errors;
    acc->retries += s->retries;
    acc->watch_events += s->watch_events;
}

etcd_code etcd_count_error(etcd_client *c, etcd_code code)
{
    if (code != ETCD_OK && c)
        atomic_fetch_add_explicit(&c->errors, 1, memory_order_relaxed);
    return code;
}

/* ---- client ------------------------------------------------------------ */

static const double *sort_rtt;
static int cmp_rtt(const void *a, const void *b)
{
    double x = sort_rtt[*(const size_t *)a], y = sort_rtt[*(const size_t *)b];
    return (x > y) - (x < y);
}

etcd_code etcd_client_new(const etcd_client_config *cfg, etcd_client **out, etcd_status *st)
{
    etcd_code code = ETCD_OK;
    etcd_client *c = NULL;
    if (st) {
        memset(st, 0, sizeof *st);
        st->endpoint = -1;
    }
    if (!cfg || !out || !cfg->endpoints || !cfg->n_endpoints)
        return etcd_set_status(st, ETCD_ERR_INVAL, "etcd_client_new: no endpoints given");
    if (cfg->policy == ETCD_POLICY_PINNED && cfg->pinned >= cfg->n_endpoints)
        return etcd_set_status(st, ETCD_ERR_INVAL, "etcd_client_new: pinned endpoint %zu out of range (have %zu)",
                               cfg->pinned, cfg->n_endpoints);
    if ((unsigned)cfg->policy > ETCD_POLICY_NEAREST)
        return etcd_set_status(st, ETCD_ERR_INVAL, "etcd_client_new: unknown policy %d", (int)cfg->policy);
    CURLcode crc = etcd_curl_init();   /* watches and keepalives use libcurl whatever the transport */
    if (crc != CURLE_OK)
        return etcd_set_status(st, ETCD_ERR_NOMEM, "curl_global_init failed: %s", curl_easy_strerror(crc));

    c = calloc(1, sizeof *c);
    if (!c)
        return etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory creating an etcd client");
    pthread_mutex_init(&c->bg_mu, NULL);
    c->n_endpoints = cfg->n_endpoints;
    c->endpoints = calloc(c->n_endpoints, sizeof *c->endpoints);
    c->order = calloc(c->n_endpoints, sizeof *c->order);
    if (!c->endpoints || !c->order)
        goto nomem;
    for (size_t i = 0; i < c->n_endpoints; i++) {
        const char *e = cfg->endpoints[i];
        if (!e || strncmp(e, "http://", 7)) {
            code = etcd_set_status(st, ETCD_ERR_INVAL, "etcd endpoint %zu (%s) must start with http://",
                                   i, e ? e : "NULL");
            goto cleanup;
        }
        size_t l = strlen(e);
        while (l > 7 && e[l - 1] == '/')
            l--;
        if (!(c->endpoints[i] = strndup(e, l)))
            goto nomem;
        c->order[i] = i;
    }
    c->policy = cfg->policy;
    c->pinned = cfg->pinned;
    if (c->policy == ETCD_POLICY_NEAREST && cfg->endpoint_rtt_ms) {
        static pthread_mutex_t sort_mu = PTHREAD_MUTEX_INITIALIZER;
        pthread_mutex_lock(&sort_mu);
        sort_rtt = cfg->endpoint_rtt_ms;
        qsort(c->order, c->n_endpoints, sizeof *c->order, cmp_rtt);
        pthread_mutex_unlock(&sort_mu);
    }
    c->watch_endpoint = cfg->watch_endpoint >= (int)c->n_endpoints ? -1 : cfg->watch_endpoint;
    c->request_timeout_ms = cfg->request_timeout_ms > 0 ? cfg->request_timeout_ms : 10000;
    c->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 2000;
    c->max_attempts = cfg->max_attempts > 0 ? cfg->max_attempts : 2 * (int)c->n_endpoints;
    c->backoff_max_ms = cfg->backoff_max_ms > 0 ? cfg->backoff_max_ms : 200;

    c->transport = etcd_transport_ops_of(cfg->transport);
    if ((code = c->transport->open(c, st)) != ETCD_OK)
        goto cleanup;
    c->headers = curl_slist_append(NULL, "Content-Type: application/json");
    c->headers = c->headers ? curl_slist_append(c->headers, "Expect:") : NULL;
    c->watch_headers = curl_slist_append(NULL, "Content-Type: application/json");
    c->watch_headers = c->watch_headers ? curl_slist_append(c->watch_headers, "Expect:") : NULL;
    c->watch_headers = c->watch_headers ? curl_slist_append(c->watch_headers, "Grpc-Metadata-hasleader: true") : NULL;
    if (!c->headers || !c->watch_headers)
        goto nomem;
    *out = c;
    return ETCD_OK;
nomem:
    code = etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory creating an etcd client");
cleanup:
    etcd_client_free(c);
    return code;
}

void etcd_client_free(etcd_client *c)
{
    if (!c)
        return;
    etcd_bg_shutdown(c);
    if (c->transport)
        c->transport->close(c);
    if (c->endpoints)
        for (size_t i = 0; i < c->n_endpoints; i++)
            free(c->endpoints[i]);
    free(c->endpoints);
    free(c->order);
    curl_slist_free_all(c->headers);
    curl_slist_free_all(c->watch_headers);
    pthread_mutex_destroy(&c->bg_mu);
    free(c);
}

/* ---- endpoints --------------------------------------------------------- */

size_t etcd_pick_first(etcd_client *c)
{
    switch (c->policy) {
    case ETCD_POLICY_PINNED:
        return c->pinned;
    case ETCD_POLICY_NEAREST:
        return c->order[0];
    case ETCD_POLICY_ROUND_ROBIN:
    default:
        return atomic_fetch_add_explicit(&c->rr, 1, memory_order_relaxed) % c->n_endpoints;
    }
}

/* Failover walks the endpoints in policy order starting after `first`. */
size_t etcd_pick_next(etcd_client *c, size_t first, int attempt)
{
    size_t n = c->n_endpoints;
    if (c->policy == ETCD_POLICY_NEAREST) {
        size_t pos = 0;
        for (size_t i = 0; i < n; i++)
            if (c->order[i] == first)
                pos = i;
        return c->order[(pos + (size_t)attempt) % n];
    }
    return (first + (size_t)attempt) % n;
}

/* ---- unary calls -------------------------------------------------------- */

static void sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* One unary request: what etcd_call_raw and etcd_call_text ask for. */
typedef struct unary_req {
    etcd_optype op;
    const char *path, *body;
    size_t body_len;
    int endpoint;        /* >= 0: only this endpoint, no failover */
    int timeout_ms;      /* all attempts; <= 0: the client's */
    json_t **resp;       /* the decoded 200 body ... */
    etcd_buf *text;      /* ... or, when not NULL, its text */
} unary_req;

static int copy_text(etcd_buf *text, const etcd_buf *body)
{
    size_t need = body->len + 1;
    if (need > text->cap) {
        char *p = realloc(text->p, need);
        if (!p)
            return -1;
        text->p = p;
        text->cap = need;
    }
    memcpy(text->p, body->p ? body->p : "", body->len);
    text->len = body->len;
    text->p[text->len] = '\0';
    return 0;
}

/* A 200 answer: its text, or its body decoded (a JSON object, or an error). */
static etcd_code answer_ok(const unary_req *rq, const etcd_buf *body, etcd_status *st)
{
    if (rq->text) {
        if (copy_text(rq->text, body) != 0)
            return etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory");
    } else {
        json_error_t jerr;
        *rq->resp = json_loadb(body->p ? body->p : "", body->len, 0, &jerr);
        if (!*rq->resp || !json_is_object(*rq->resp)) {
            json_decref(*rq->resp);
            *rq->resp = NULL;
            return etcd_json_error(200, body->p, body->len, st);
        }
    }
    st->code = ETCD_OK;
    st->message[0] = '\0';
    return ETCD_OK;
}

/* One attempt on endpoint ep; *retry says whether another endpoint may
 * succeed (a transport failure that allows it, or a 503). */
static etcd_code attempt(etcd_client *c, etcd_unary *u, const unary_req *rq, size_t ep, int64_t deadline,
                         bool *retry, etcd_status *st)
{
    long http = 0;
    *retry = false;
    etcd_code code = c->transport->post(c, u, ep, rq->path, rq->body, rq->body_len, deadline, &http, retry, st);
    if (code != ETCD_OK)
        return code;
    st->http_status = (int)http;
    if (http == 200)
        return answer_ok(rq, u->resp, st);
    *retry = http == 503;
    return etcd_json_error(http, u->resp->p, u->resp->len, st);
}

/* Bounded exponential backoff before attempt `attempt + 1`, never past the deadline. */
static void backoff(const etcd_client *c, int attempt, int64_t deadline)
{
    int64_t ms = 10LL << (attempt < 6 ? attempt : 6);
    if (ms > c->backoff_max_ms)
        ms = c->backoff_max_ms;
    int64_t left = (deadline - etcd_now_ns()) / 1000000;
    sleep_ms(ms < left ? ms : left);
}

/* Attempts on the endpoints in policy order from the one the policy picks
 * (or only rq->endpoint), until an answer that another endpoint would not
 * change, or the attempts or the deadline run out. */
static etcd_code failover(etcd_client *c, etcd_unary *u, const unary_req *rq, etcd_status *st)
{
    int timeout_ms = rq->timeout_ms > 0 ? rq->timeout_ms : c->request_timeout_ms;
    int64_t deadline = etcd_now_ns() + (int64_t)timeout_ms * 1000000;
    size_t first = rq->endpoint >= 0 ? (size_t)rq->endpoint : etcd_pick_first(c);
    int attempts = rq->endpoint >= 0 ? 1 : c->max_attempts;
    etcd_code code = ETCD_ERR_CONNECT;
    for (int i = 0; i < attempts; i++) {
        size_t ep = rq->endpoint >= 0 ? (size_t)rq->endpoint : etcd_pick_next(c, first, i);
        if ((deadline - etcd_now_ns()) / 1000000 <= 0)
            return etcd_set_status(st, ETCD_ERR_TIMEOUT, "%s: timed out after %d attempt(s); last: %s", rq->path, i,
                                   st->message[0] ? st->message : "none");
        atomic_fetch_add_explicit(&c->ops[rq->op], 1, memory_order_relaxed);
        if (i)
            atomic_fetch_add_explicit(&c->retries, 1, memory_order_relaxed);
        st->endpoint = (int)ep;
        bool retry;
        code = attempt(c, u, rq, ep, deadline, &retry, st);
        if (!retry || i + 1 >= attempts)
            break;
        backoff(c, i, deadline);
    }
    return code;
}

static etcd_code call(etcd_client *c, const unary_req *rq, etcd_status *st)
{
    etcd_status local;
    etcd_unary u = { 0 };
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    st->endpoint = -1;
    *rq->resp = NULL;
    if (rq->endpoint >= (int)c->n_endpoints)
        return etcd_set_status(st, ETCD_ERR_INVAL, "endpoint %d out of range (client has %zu)", rq->endpoint,
                               c->n_endpoints);
    etcd_code code = c->transport->begin(c, &u, st);
    if (code != ETCD_OK)
        return code;
    code = failover(c, &u, rq, st);
    c->transport->end(c, &u);
    return code;
}

etcd_code etcd_call(etcd_client *c, etcd_optype op, const char *path, json_t *req, int endpoint,
                    int timeout_ms, json_t **resp, etcd_status *st)
{
    size_t body_len = 0;
    char *body = req ? etcd_json_dump(req, &body_len) : NULL;
    json_decref(req);
    if (!body) {
        *resp = NULL;
        if (st) {
            memset(st, 0, sizeof *st);
            st->endpoint = -1;
        }
        return etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory (or invalid option) building %s request", path);
    }
    etcd_code code = etcd_call_raw(c, op, path, body, body_len, endpoint, timeout_ms, resp, st);
    free(body);
    return code;
}

etcd_code etcd_call_raw(etcd_client *c, etcd_optype op, const char *path, const char *body, size_t body_len,
                        int endpoint, int timeout_ms, json_t **resp, etcd_status *st)
{
    unary_req rq = { .op = op, .path = path, .body = body, .body_len = body_len, .endpoint = endpoint,
                     .timeout_ms = timeout_ms, .resp = resp };
    return call(c, &rq, st);
}

etcd_code etcd_call_text(etcd_client *c, etcd_optype op, const char *path, const char *body, size_t body_len,
                         etcd_buf **text, etcd_status *st)
{
    json_t *unused = NULL;
    *text = etcd_thread_buf(2);
    if (!*text) {
        if (st) {
            memset(st, 0, sizeof *st);
            st->endpoint = -1;
        }
        return etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory");
    }
    (*text)->len = 0;
    unary_req rq = { .op = op, .path = path, .body = body, .body_len = body_len, .endpoint = -1, .resp = &unused,
                     .text = *text };
    return call(c, &rq, st);
}
