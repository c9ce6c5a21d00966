/* etcd_client.c: client object, endpoint policy, the unary HTTP transport
 * (pool of easy handles, timeout, failover with bounded backoff) and the
 * byte/operation accounting. */
#include "sim/etcd/etcd_internal.h"

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

static const char *const transport_names[] = { "native", "curl" };

const char *etcd_transport_name(etcd_transport t)
{
    return (unsigned)t <= ETCD_TRANSPORT_CURL ? transport_names[t] : "unknown";
}

int etcd_transport_parse(const char *s, etcd_transport *out)
{
    for (int i = 0; i <= ETCD_TRANSPORT_CURL; i++)
        if (s && !strcmp(s, transport_names[i])) {
            *out = (etcd_transport)i;
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

/* Byte accounting uses CURLOPT_DEBUGFUNCTION because it is the one place
 * libcurl shows the bytes exactly as they cross the socket: HEADER_OUT is the
 * request line + headers, DATA_OUT the body, HEADER_IN the status line +
 * headers (+ trailers), DATA_IN the body *before* chunked decoding (so the
 * chunk framing of watch streams and error replies is counted). The write
 * callback would miss that framing; CURLINFO_REQUEST_SIZE/HEADER_SIZE are
 * only available after a transfer, never for a stream still open. */
static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *ud)
{
    etcd_client *c = ud;
    switch (type) {
    case CURLINFO_HEADER_OUT:
    case CURLINFO_DATA_OUT:
        atomic_fetch_add_explicit(&c->bytes_sent, size, memory_order_relaxed);
        break;
    case CURLINFO_HEADER_IN:
    case CURLINFO_DATA_IN:
        atomic_fetch_add_explicit(&c->bytes_received, size, memory_order_relaxed);
        break;
    default:
        break;
    }
    return 0;
}

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

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;
static void curl_init(void) { curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

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
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return etcd_set_status(st, ETCD_ERR_NOMEM, "curl_global_init failed: %s", curl_easy_strerror(curl_init_rc));

    c = calloc(1, sizeof *c);
    if (!c)
        return etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory creating an etcd client");
    pthread_mutex_init(&c->pool_mu, NULL);
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

    c->transport = cfg->transport == ETCD_TRANSPORT_CURL ? ETCD_TRANSPORT_CURL : ETCD_TRANSPORT_NATIVE;
    if (c->transport == ETCD_TRANSPORT_NATIVE && (code = etcd_native_init(c, st)) != ETCD_OK)
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

/* What a pooled unary handle carries (CURLOPT_PRIVATE). */
typedef struct easy_ctx {
    char *buf;
    size_t len, cap;
    size_t max;
    bool wire_on;        /* bytes from TCP_INFO (etcd_wire.c), not the debug callback */
    etcd_wire wire;
    char url[512];       /* what CURLOPT_URL was last set to */
} easy_ctx;

void etcd_client_free(etcd_client *c)
{
    if (!c)
        return;
    etcd_bg_shutdown(c);
    for (size_t i = 0; i < c->pool_n; i++) {
        easy_ctx *x = NULL;
        curl_easy_getinfo(c->pool[i], CURLINFO_PRIVATE, (char **)&x);
        curl_easy_cleanup(c->pool[i]);
        if (x)
            free(x->buf);
        free(x);
    }
    etcd_native_free(c);
    if (c->endpoints)
        for (size_t i = 0; i < c->n_endpoints; i++)
            free(c->endpoints[i]);
    free(c->endpoints);
    free(c->order);
    curl_slist_free_all(c->headers);
    curl_slist_free_all(c->watch_headers);
    pthread_mutex_destroy(&c->pool_mu);
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

/* ---- transport --------------------------------------------------------- */

static size_t write_cb(char *data, size_t size, size_t nmemb, void *ud)
{
    easy_ctx *x = ud;
    size_t n = size * nmemb;
    if (x->len + n + 1 > x->cap) {
        size_t cap = x->cap ? x->cap : 4096;
        while (cap < x->len + n + 1)
            cap *= 2;
        if (x->max && cap > x->max + 1) {
            if (x->len + n > x->max)
                return 0;     /* refuse absurd bodies: CURLE_WRITE_ERROR */
            cap = x->max + 1;
        }
        char *b = realloc(x->buf, cap);
        if (!b)
            return 0;
        x->buf = b;
        x->cap = cap;
    }
    memcpy(x->buf + x->len, data, n);
    x->len += n;
    x->buf[x->len] = '\0';
    return n;
}

static CURLcode easy_common(etcd_client *c, CURL *h)
{
    CURLcode rc = CURLE_OK;
    rc |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    rc |= curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    rc |= curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    rc |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)c->connect_timeout_ms);
    rc |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
    rc |= curl_easy_setopt(h, CURLOPT_PROXY, "");   /* no per-transfer proxy lookup in the environment */
    return rc;
}

/* Accounting through the debug callback, which needs verbose mode. */
static CURLcode easy_debug_accounting(etcd_client *c, CURL *h)
{
    CURLcode rc = CURLE_OK;
    rc |= curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb);
    rc |= curl_easy_setopt(h, CURLOPT_DEBUGDATA, c);
    rc |= curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    return rc;
}

CURLcode etcd_easy_setup(etcd_client *c, CURL *h)
{
    CURLcode rc = easy_common(c, h);
    return rc != CURLE_OK ? rc : easy_debug_accounting(c, h);
}

static CURL *pool_get(etcd_client *c)
{
    CURL *h = NULL;
    pthread_mutex_lock(&c->pool_mu);
    if (c->pool_n)
        h = c->pool[--c->pool_n];
    pthread_mutex_unlock(&c->pool_mu);
    if (h)
        return h;
    h = curl_easy_init();
    easy_ctx *x = calloc(1, sizeof *x);
    if (!h || !x)
        goto fail;
    x->max = (size_t)256 << 20;
    x->wire_on = etcd_wire_supported();
    if (easy_common(c, h) != CURLE_OK ||
        (x->wire_on ? etcd_wire_attach(&x->wire, c, h) : easy_debug_accounting(c, h)) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_POST, 1L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEDATA, x) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_PRIVATE, x) != CURLE_OK)
        goto fail;
    return h;
fail:
    if (h)
        curl_easy_cleanup(h);   /* before free(x): it closes sockets through x->wire */
    free(x);
    return NULL;
}

static void pool_put(etcd_client *c, CURL *h)
{
    pthread_mutex_lock(&c->pool_mu);
    if (c->pool_n < ETCD_POOL_MAX) {
        c->pool[c->pool_n++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&c->pool_mu);
    if (h) {
        easy_ctx *x = NULL;
        curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&x);
        curl_easy_cleanup(h);
        if (x)
            free(x->buf);
        free(x);
    }
}

/* Transport errors after which another endpoint may succeed. Requests that
 * may have reached the server (GOT_NOTHING, RECV_ERROR) are retried too, as
 * clientv3 retries Unavailable: a put can then be applied twice, which etcd
 * callers must tolerate anyway (a 503 "request timed out" has the same
 * ambiguity). */
static bool retryable_curl(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_OPERATION_TIMEDOUT:   /* connect timeout; the deadline check stops real timeouts */
    case CURLE_PARTIAL_FILE:
        return true;
    default:
        return false;
    }
}

static void sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
    while (nanosleep(&ts, &ts) != 0)
        ;
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

static etcd_code call(etcd_client *c, etcd_optype op, const char *path, const char *body, size_t body_len,
                      int endpoint, int timeout_ms, json_t **resp, etcd_buf *text, etcd_status *st);

etcd_code etcd_call_raw(etcd_client *c, etcd_optype op, const char *path, const char *body, size_t body_len,
                        int endpoint, int timeout_ms, json_t **resp, etcd_status *st)
{
    return call(c, op, path, body, body_len, endpoint, timeout_ms, resp, NULL, st);
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
    return call(c, op, path, body, body_len, -1, 0, &unused, *text, st);
}

static etcd_code call(etcd_client *c, etcd_optype op, const char *path, const char *body, size_t body_len,
                      int endpoint, int timeout_ms, json_t **resp, etcd_buf *text, etcd_status *st)
{
    etcd_code code = ETCD_OK;
    etcd_status local;
    CURL *h = NULL;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    st->endpoint = -1;
    *resp = NULL;
    if (endpoint >= (int)c->n_endpoints) {
        code = etcd_set_status(st, ETCD_ERR_INVAL, "endpoint %d out of range (client has %zu)", endpoint, c->n_endpoints);
        goto cleanup;
    }
    easy_ctx *x = NULL, native_body = { 0 };
    etcd_buf *tb = NULL;
    if (c->transport == ETCD_TRANSPORT_CURL) {
        h = pool_get(c);
        if (!h) {
            code = etcd_set_status(st, ETCD_ERR_NOMEM, "cannot create a curl handle");
            goto cleanup;
        }
        curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&x);
    } else {
        x = &native_body;
    }

    int64_t t0 = etcd_now_ns();
    int64_t deadline = t0 + (int64_t)(timeout_ms > 0 ? timeout_ms : c->request_timeout_ms) * 1000000;
    size_t first = endpoint >= 0 ? (size_t)endpoint : etcd_pick_first(c);
    int attempts = endpoint >= 0 ? 1 : c->max_attempts;
    char url[512];
    code = ETCD_ERR_CONNECT;
    for (int attempt = 0; attempt < attempts; attempt++) {
        size_t ep = endpoint >= 0 ? (size_t)endpoint : etcd_pick_next(c, first, attempt);
        int64_t remaining_ms = (deadline - etcd_now_ns()) / 1000000;
        if (remaining_ms <= 0) {
            code = etcd_set_status(st, ETCD_ERR_TIMEOUT, "%s: timed out after %d attempt(s); last: %s",
                                   path, attempt, st->message[0] ? st->message : "none");
            break;
        }
        x->len = 0;
        atomic_fetch_add_explicit(&c->ops[op], 1, memory_order_relaxed);
        if (attempt)
            atomic_fetch_add_explicit(&c->retries, 1, memory_order_relaxed);
        st->endpoint = (int)ep;
        CURLcode rc = CURLE_OK;
        bool retry = false;
        long http = 0;
        if (c->transport == ETCD_TRANSPORT_NATIVE) {
            if (!native_body.cap && (tb = etcd_thread_buf(1))) {
                native_body.buf = tb->p;
                native_body.cap = tb->cap;
            }
            etcd_buf nb = { native_body.buf, native_body.len, native_body.cap };
            etcd_code nc = etcd_native_post(c, ep, path, body, body_len, deadline, &http, &nb, &retry, st);
            native_body.buf = nb.p;
            native_body.len = nb.len;
            native_body.cap = nb.cap;
            if (nc != ETCD_OK) {
                code = nc;
                goto next_attempt;
            }
        } else {
            /* libcurl copies the URL on every setopt: skip it when the
             * handle already points there */
            snprintf(url, sizeof url, "%s%s", c->endpoints[ep], path);
            if (strcmp(url, x->url)) {
                curl_easy_setopt(h, CURLOPT_URL, url);
                memcpy(x->url, url, sizeof url);
            }
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)body_len);
            curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)remaining_ms);
            curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                             (long)(remaining_ms < c->connect_timeout_ms ? remaining_ms : c->connect_timeout_ms));
            rc = curl_easy_perform(h);
            if (x->wire_on)
                etcd_wire_after_transfer(&x->wire, h);
            if (rc == CURLE_OK)
                curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http);
        }
        if (rc == CURLE_OK) {
            st->http_status = (int)http;
            if (http == 200 && text) {
                size_t need = x->len + 1;
                if (need > text->cap) {
                    char *p = realloc(text->p, need);
                    if (!p) {
                        code = etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory");
                        break;
                    }
                    text->p = p;
                    text->cap = need;
                }
                memcpy(text->p, x->buf ? x->buf : "", x->len);
                text->len = x->len;
                text->p[text->len] = '\0';
                code = ETCD_OK;
                st->code = ETCD_OK;
                st->message[0] = '\0';
                break;
            }
            if (http == 200) {
                json_error_t jerr;
                *resp = json_loadb(x->buf ? x->buf : "", x->len, 0, &jerr);
                if (*resp && json_is_object(*resp)) {
                    code = ETCD_OK;
                    st->code = ETCD_OK;
                    st->message[0] = '\0';
                    break;
                }
                json_decref(*resp);
                *resp = NULL;
                code = etcd_json_error(http, x->buf, x->len, st);
                break;
            }
            code = etcd_json_error(http, x->buf, x->len, st);
            retry = http == 503;
        } else {
            bool timed_out = rc == CURLE_OPERATION_TIMEDOUT && etcd_now_ns() >= deadline - 1000000;
            code = etcd_set_status(st, timed_out ? ETCD_ERR_TIMEOUT : ETCD_ERR_CONNECT, "%s on %s: %s", path,
                                   c->endpoints[ep], curl_easy_strerror(rc));
            retry = !timed_out && retryable_curl(rc);
        }
    next_attempt:
        if (!retry || attempt + 1 >= attempts)
            break;
        int64_t backoff = 10LL << (attempt < 6 ? attempt : 6);
        if (backoff > c->backoff_max_ms)
            backoff = c->backoff_max_ms;
        int64_t left = (deadline - etcd_now_ns()) / 1000000;
        sleep_ms(backoff < left ? backoff : left);
    }
    if (tb) {   /* the body buffer goes back to the thread */
        tb->p = native_body.buf;
        tb->cap = native_body.cap;
        tb->len = 0;
        etcd_thread_buf_trim(tb);
    } else if (x->cap > 65536 || x == &native_body) {   /* no huge buffer kept per pooled handle */
        free(x->buf);
        x->buf = NULL;
        x->cap = x->len = 0;
    }
cleanup:
    if (h)
        pool_put(c, h);
    return code;
}

/* ---- plain GET (metrics, health) -------------------------------------- */

static int noop_debug(CURL *h, curl_infotype t, char *d, size_t s, void *u) { return 0; }

etcd_code etcd_http_get(const char *url, int timeout_ms, char **out, size_t *out_len, etcd_status *st)
{
    etcd_code code = ETCD_OK;
    easy_ctx x = { .max = (size_t)64 << 20 };
    CURL *h = NULL;
    if (st) {
        memset(st, 0, sizeof *st);
        st->endpoint = -1;
    }
    if (!url || !out)
        return etcd_set_status(st, ETCD_ERR_INVAL, "etcd_http_get: no URL or output");
    *out = NULL;
    if (out_len)
        *out_len = 0;
    pthread_once(&curl_once, curl_init);
    if (!(h = curl_easy_init())) {
        code = etcd_set_status(st, ETCD_ERR_NOMEM, "cannot create a curl handle");
        goto cleanup;
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, noop_debug);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(timeout_ms > 0 ? timeout_ms : 10000));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout_ms > 0 && timeout_ms < 2000 ? timeout_ms : 2000));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        code = etcd_set_status(st, rc == CURLE_OPERATION_TIMEDOUT ? ETCD_ERR_TIMEOUT : ETCD_ERR_CONNECT,
                               "GET %s: %s", url, curl_easy_strerror(rc));
        goto cleanup;
    }
    long http = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http);
    if (st)
        st->http_status = (int)http;
    if (http != 200) {
        code = etcd_set_status(st, ETCD_ERR_HTTP, "GET %s: HTTP %ld", url, http);
        goto cleanup;
    }
    if (!x.buf && !(x.buf = calloc(1, 1))) {
        code = etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    *out = x.buf;
    if (out_len)
        *out_len = x.len;
    x.buf = NULL;
cleanup:
    if (h)
        curl_easy_cleanup(h);
    free(x.buf);
    return code;
}
