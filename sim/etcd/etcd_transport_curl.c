/* etcd_transport_curl.c: the libcurl transport of unary requests
 * (ETCD_TRANSPORT_CURL; see etcd_transport.h): a pool of easy handles per
 * client, each with its own connection cache, so a handle taken from the pool
 * usually reuses a kept-alive connection. Bytes are counted from the
 * kernel's per-socket counters (etcd_wire.c) where it has them, else in the
 * debug callback.
 *
 * Also the libcurl set-up the rest of the client shares: the global init,
 * the options and accounting of the watch and keepalive handles
 * (etcd_easy_setup), and the plain GET of etcd_http_get.
 */
#include "sim/etcd/etcd_transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ETCD_POOL_MAX 256          /* idle easy handles kept per client */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;
static void curl_init(void) { curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

CURLcode etcd_curl_init(void)
{
    pthread_once(&curl_once, curl_init);
    return curl_init_rc;
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

/* A pooled unary handle and what it carries. */
typedef struct easy_ctx {
    CURL *h;
    etcd_buf body;       /* the answer's body, NUL-terminated */
    size_t max;
    bool wire_on;        /* bytes from TCP_INFO (etcd_wire.c), not the debug callback */
    etcd_wire wire;
    char url[512];       /* what CURLOPT_URL was last set to */
    struct curl_slist *hdrs;   /* what CURLOPT_HTTPHEADER was last set to (a renewed token changes it) */
} easy_ctx;

static size_t write_cb(char *data, size_t size, size_t nmemb, void *ud)
{
    easy_ctx *x = ud;
    etcd_buf *b = &x->body;
    size_t n = size * nmemb;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        if (x->max && cap > x->max + 1) {
            if (b->len + n > x->max)
                return 0;     /* refuse absurd bodies: CURLE_WRITE_ERROR */
            cap = x->max + 1;
        }
        char *p = realloc(b->p, cap);
        if (!p)
            return 0;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
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
    rc |= etcd_tls_setup(c, h);
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

/* ---- the transport ----------------------------------------------------- */

/* Its state per client: the idle easy handles. */
typedef struct curl_pool {
    pthread_mutex_t mu;
    easy_ctx *idle[ETCD_POOL_MAX];
    size_t n;
} curl_pool;

static void easy_free(easy_ctx *x)
{
    curl_easy_cleanup(x->h);   /* before free(x): it closes sockets through x->wire */
    free(x->body.p);
    free(x);
}

static easy_ctx *pool_get(etcd_client *c)
{
    curl_pool *p = c->transport_state;
    easy_ctx *x = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->n)
        x = p->idle[--p->n];
    pthread_mutex_unlock(&p->mu);
    if (x)
        return x;
    CURL *h = curl_easy_init();
    x = calloc(1, sizeof *x);
    if (!h || !x)
        goto fail;
    x->h = h;
    x->max = (size_t)256 << 20;
    x->wire_on = etcd_wire_supported();
    if (easy_common(c, h) != CURLE_OK ||
        (x->wire_on ? etcd_wire_attach(&x->wire, c, h) : easy_debug_accounting(c, h)) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, (x->hdrs = etcd_headers(c, false))) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_POST, 1L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEDATA, x) != CURLE_OK)
        goto fail;
    return x;
fail:
    if (h)
        curl_easy_cleanup(h);   /* before free(x): it closes sockets through x->wire */
    free(x);
    return NULL;
}

static void pool_put(etcd_client *c, easy_ctx *x)
{
    curl_pool *p = c->transport_state;
    pthread_mutex_lock(&p->mu);
    if (p->n < ETCD_POOL_MAX) {
        p->idle[p->n++] = x;
        x = NULL;
    }
    pthread_mutex_unlock(&p->mu);
    if (x)
        easy_free(x);
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

static etcd_code curl_open(etcd_client *c, etcd_status *st)
{
    curl_pool *p = calloc(1, sizeof *p);
    if (!p)
        return etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory creating the etcd transport");
    pthread_mutex_init(&p->mu, NULL);
    c->transport_state = p;
    return ETCD_OK;
}

static void curl_close(etcd_client *c)
{
    curl_pool *p = c->transport_state;
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        easy_free(p->idle[i]);
    pthread_mutex_destroy(&p->mu);
    free(p);
    c->transport_state = NULL;
}

/* A request keeps one handle (and its kept-alive connections) for all its
 * attempts. */
static etcd_code curl_begin(etcd_client *c, etcd_unary *u, etcd_status *st)
{
    easy_ctx *x = pool_get(c);
    if (!x)
        return etcd_set_status(st, ETCD_ERR_NOMEM, "cannot create a curl handle");
    u->h = x;
    u->resp = &x->body;
    return ETCD_OK;
}

static void curl_end(etcd_client *c, etcd_unary *u)
{
    easy_ctx *x = u->h;
    if (x->body.cap > 65536) {   /* no huge buffer kept per pooled handle */
        free(x->body.p);
        memset(&x->body, 0, sizeof x->body);
    }
    pool_put(c, x);
}

static etcd_code curl_post(etcd_client *c, etcd_unary *u, size_t ep, const char *path, const char *body,
                           size_t body_len, int64_t deadline, long *http, bool *retry, etcd_status *st)
{
    easy_ctx *x = u->h;
    CURL *h = x->h;
    char url[512];
    /* whole milliseconds left, at least 1: 0 would mean no timeout (the
     * caller has checked the deadline just before) */
    int64_t remaining_ms = (deadline - util_now_ns_i64()) / 1000000;
    if (remaining_ms < 1)
        remaining_ms = 1;
    x->body.len = 0;
    /* libcurl copies the URL on every setopt: skip it when the handle
     * already points there */
    snprintf(url, sizeof url, "%s%s", c->endpoints[ep], path);
    if (strcmp(url, x->url)) {
        curl_easy_setopt(h, CURLOPT_URL, url);
        memcpy(x->url, url, sizeof url);
    }
    struct curl_slist *hdrs = etcd_headers(c, false);
    if (hdrs != x->hdrs) {
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        x->hdrs = hdrs;
    }
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)body_len);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)remaining_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(remaining_ms < c->connect_timeout_ms ? remaining_ms : c->connect_timeout_ms));
    CURLcode rc = curl_easy_perform(h);
    if (x->wire_on)
        etcd_wire_after_transfer(&x->wire, h);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, http);
        return ETCD_OK;
    }
    bool timed_out = rc == CURLE_OPERATION_TIMEDOUT && util_now_ns_i64() >= deadline - 1000000;
    *retry = !timed_out && retryable_curl(rc);
    return etcd_set_status(st, timed_out ? ETCD_ERR_TIMEOUT : ETCD_ERR_CONNECT, "%s on %s: %s", path,
                           c->endpoints[ep], curl_easy_strerror(rc));
}

const etcd_transport_ops etcd_transport_curl_ops = {
    .name = "curl",
    .open = curl_open,
    .close = curl_close,
    .begin = curl_begin,
    .end = curl_end,
    .post = curl_post,
};

/* ---- plain GET (metrics, health) -------------------------------------- */

static int noop_debug(CURL *h, curl_infotype t, char *d, size_t s, void *u) { return 0; }

etcd_code etcd_http_get(const char *url, int timeout_ms, char **out, size_t *out_len, etcd_status *st)
{
    return etcd_http_get_secure(url, NULL, timeout_ms, out, out_len, st);
}

static CURLcode get_tls(CURL *h, const etcd_security *sec)
{
    CURLcode rc = CURLE_OK;
    if (!sec)
        return CURLE_OK;
    if (sec->cacert && *sec->cacert)
        rc |= curl_easy_setopt(h, CURLOPT_CAINFO, sec->cacert);
    if (sec->cert && *sec->cert)
        rc |= curl_easy_setopt(h, CURLOPT_SSLCERT, sec->cert);
    if (sec->key && *sec->key)
        rc |= curl_easy_setopt(h, CURLOPT_SSLKEY, sec->key);
    return rc;
}

etcd_code etcd_http_get_secure(const char *url, const etcd_security *sec, int timeout_ms, char **out,
                               size_t *out_len, etcd_status *st)
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
    etcd_curl_init();
    if (!(h = curl_easy_init())) {
        code = etcd_set_status(st, ETCD_ERR_NOMEM, "cannot create a curl handle");
        goto cleanup;
    }
    if (get_tls(h, sec) != CURLE_OK) {
        code = etcd_set_status(st, ETCD_ERR_INVAL, "GET %s: this libcurl cannot use the TLS files given", url);
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
    if (!x.body.p && !(x.body.p = calloc(1, 1))) {
        code = etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    *out = x.body.p;
    if (out_len)
        *out_len = x.body.len;
    x.body.p = NULL;
cleanup:
    if (h)
        curl_easy_cleanup(h);
    free(x.body.p);
    return code;
}

