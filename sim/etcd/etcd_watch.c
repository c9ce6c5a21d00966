/* etcd_watch.c: the client's background thread and the watch streams it
 * drives.
 *
 * One thread per client runs a curl multi handle carrying every watch stream
 * of the client (one HTTP/1.1 connection each) and the keepalives of every
 * session (at most ETCD_KA_INFLIGHT_MAX at once, over kept-alive
 * connections). So 1,000 agents with a session and a watch each cost one
 * thread, ~1,000 sockets and a poll(), not 2,000 threads. Callbacks run on
 * this thread and must not block.
 *
 * Other threads talk to it through a command queue (add/remove a watch or a
 * session) and curl_multi_wakeup(); they wait for the command to be done on
 * bg->cv. A command posted from the thread itself is executed inline, so
 * callbacks may stop other watches or close sessions.
 */
#include "sim/etcd/etcd_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { XFER_WATCH = 1, XFER_KEEPALIVE };
enum { W_PENDING = 0, W_CREATED, W_FAILED, W_ENDED };
enum { CMD_ADD_WATCH = 1, CMD_REMOVE_WATCH, CMD_ADD_SESSION, CMD_REMOVE_SESSION };

struct etcd_watch {
    int kind;                  /* XFER_WATCH: first, see xfer_kind() */
    etcd_client *c;
    CURL *h;
    char *body;
    size_t body_len;
    char url[512];
    etcd_watch_fn on_resp;
    etcd_watch_end_fn on_end;
    void *ud;
    etcd_ndjson nd;
    int state;                 /* written by bg under bg->mu */
    etcd_status st;            /* failure / end reason */
    bool in_multi;
    long http;
    char *errbody;
    size_t errlen;
    size_t idx;                /* position in bg->watches */
};

typedef struct ka_xfer {
    int kind;                  /* XFER_KEEPALIVE */
    etcd_session *s;
    CURL *h;
    char body[64];
    char url[512];
    char *buf;
    size_t len, cap;
    int64_t started_ns;
} ka_xfer;

typedef struct bg_cmd {
    int type;
    void *obj;
    bool done;
    struct bg_cmd *next;
} bg_cmd;

struct etcd_bg {
    etcd_client *c;
    pthread_t thr;
    CURLM *multi;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bg_cmd *head, *tail;
    bool stop;
    /* bg-owned */
    etcd_watch **watches;
    size_t n_watches, cap_watches;
    etcd_session **sess;
    size_t n_sess, cap_sess;
    int ka_inflight;
};

static int xfer_kind(CURL *h, void **obj)
{
    char *p = NULL;
    curl_easy_getinfo(h, CURLINFO_PRIVATE, &p);
    *obj = p;
    return p ? *(int *)p : 0;
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 64;
    while (nc < need)
        nc *= 2;
    void *p = realloc(*arr, nc * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = nc;
    return 0;
}

bool etcd_bg_on_thread(etcd_client *c)
{
    etcd_bg *bg = c->bg;
    return bg && pthread_equal(pthread_self(), bg->thr);
}

/* ---- watch transfer ---------------------------------------------------- */

static void watch_set_state(etcd_bg *bg, etcd_watch *w, int state)
{
    pthread_mutex_lock(&bg->mu);
    w->state = state;
    pthread_cond_broadcast(&bg->cv);
    pthread_mutex_unlock(&bg->mu);
}

/* One complete line of the stream. Non-zero aborts the transfer (w->st says why). */
static int watch_line(const char *line, size_t len, void *ud)
{
    etcd_watch *w = ud;
    etcd_bg *bg = w->c->bg;
    json_error_t jerr;
    etcd_watch_response *r = NULL;
    json_t *j = json_loadb(line, len, 0, &jerr);
    if (!j) {
        etcd_set_status(&w->st, ETCD_ERR_PARSE, "watch stream: malformed JSON line (%s): %.60s", jerr.text, line);
        return -1;
    }
    etcd_code code = etcd_json_watch_resp(j, &r, &w->st);
    json_decref(j);
    if (code != ETCD_OK)
        return -1;
    if (r->error_grpc_code) {
        etcd_set_status(&w->st, ETCD_ERR_GRPC, "watch stream error (gRPC %d, HTTP %d): %s", r->error_grpc_code,
                        r->error_http_code, r->error_message ? r->error_message : "");
        w->st.grpc_code = r->error_grpc_code;
        if (w->state == W_PENDING) {
            etcd_watch_response_free(r);
            return -1;
        }
        w->on_resp(r, w->ud);
        return -1;
    }
    /* With authentication, etcd answers a watch it refuses (an expired
     * token, or no permission) created and canceled at once, the reason in
     * cancel_reason: a failed start, so etcd_watch_start can renew an
     * expired token and try once more. */
    if (w->state == W_PENDING && r->created && r->canceled && w->c->user && r->cancel_reason &&
        (strstr(r->cancel_reason, "invalid auth token") || strstr(r->cancel_reason, "permission denied"))) {
        etcd_set_status(&w->st, ETCD_ERR_GRPC, "watch refused: %s", r->cancel_reason);
        w->st.grpc_code = strstr(r->cancel_reason, "invalid auth token") ? 16 : 7;   /* Unauthenticated, PermissionDenied */
        etcd_watch_response_free(r);
        return -1;
    }
    if (w->state == W_PENDING && !r->created) {
        if (r->canceled) {
            etcd_set_status(&w->st, r->compact_revision ? ETCD_ERR_COMPACTED : ETCD_ERR_CANCELED,
                            "watch canceled before created (compact_revision %" PRId64 "): %s", r->compact_revision,
                            r->cancel_reason ? r->cancel_reason : "");
            etcd_watch_response_free(r);
            return -1;
        }
    }
    bool created = r->created, canceled = r->canceled;
    int64_t compact = r->compact_revision;
    if (r->n_events)
        atomic_fetch_add_explicit(&w->c->watch_events, r->n_events, memory_order_relaxed);
    w->on_resp(r, w->ud);     /* the callback owns r from here */
    if (created && w->state == W_PENDING)
        watch_set_state(bg, w, W_CREATED);
    if (canceled) {
        /* The stream stays open after a cancel; close it so the owner sees the end. */
        if (compact)
            etcd_set_status(&w->st, ETCD_ERR_COMPACTED,
                            "watch canceled: start revision compacted (compact_revision %" PRId64 ")", compact);
        else
            etcd_set_status(&w->st, ETCD_ERR_CANCELED, "watch canceled by the server");
        return -1;
    }
    return 0;
}

static size_t watch_write_cb(char *data, size_t size, size_t nmemb, void *ud)
{
    etcd_watch *w = ud;
    size_t n = size * nmemb;
    if (!w->http)
        curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &w->http);
    if (w->http != 200) {
        if (w->errlen + n > 65536)
            return n;
        char *b = realloc(w->errbody, w->errlen + n + 1);
        if (!b)
            return 0;
        memcpy(b + w->errlen, data, n);
        w->errbody = b;
        w->errlen += n;
        b[w->errlen] = '\0';
        return n;
    }
    return etcd_ndjson_feed(&w->nd, data, n, watch_line, w) == 0 ? n : 0;
}

static void watch_done(etcd_bg *bg, etcd_watch *w, CURLcode rc)
{
    curl_multi_remove_handle(bg->multi, w->h);
    w->in_multi = false;
    if (w->st.code == ETCD_OK) {
        if (w->http == 200 && rc == CURLE_OK)
            etcd_ndjson_finish(&w->nd, watch_line, w);   /* a last line without '\n' */
    }
    if (w->st.code == ETCD_OK) {
        long http = w->http;
        if (!http)
            curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &http);
        if (http && http != 200)
            etcd_json_error(http, w->errbody, w->errlen, &w->st);
        else if (rc != CURLE_OK)
            etcd_set_status(&w->st, rc == CURLE_OPERATION_TIMEDOUT ? ETCD_ERR_TIMEOUT : ETCD_ERR_CONNECT,
                            "watch stream on %s: %s", w->url, curl_easy_strerror(rc));
        else
            etcd_set_status(&w->st, ETCD_ERR_CLOSED, "watch stream on %s closed by the server", w->url);
    }
    w->st.http_status = (int)w->http;
    if (w->state == W_PENDING) {
        watch_set_state(bg, w, W_FAILED);
        return;
    }
    watch_set_state(bg, w, W_ENDED);
    /* A copy: on_end may stop (free) w, and st must stay valid meanwhile. */
    etcd_status end = w->st;
    if (w->on_end)
        w->on_end(&end, w->ud);   /* do not touch w after this */
}

static void watch_free(etcd_watch *w)
{
    if (!w)
        return;
    if (w->h)
        curl_easy_cleanup(w->h);
    free(w->body);
    free(w->errbody);
    etcd_ndjson_free(&w->nd);
    free(w);
}

static void bg_add_watch(etcd_bg *bg, etcd_watch *w)
{
    CURLMcode mrc = CURLM_OUT_OF_MEMORY;
    if (grow((void **)&bg->watches, &bg->cap_watches, bg->n_watches + 1, sizeof *bg->watches) == 0 &&
        (mrc = curl_multi_add_handle(bg->multi, w->h)) == CURLM_OK) {
        w->idx = bg->n_watches;
        bg->watches[bg->n_watches++] = w;
        w->in_multi = true;
        return;
    }
    etcd_set_status(&w->st, ETCD_ERR_NOMEM, "cannot add a watch stream: %s", curl_multi_strerror(mrc));
    w->idx = SIZE_MAX;
    watch_set_state(bg, w, W_FAILED);
}

static void bg_remove_watch(etcd_bg *bg, etcd_watch *w)
{
    if (w->in_multi)
        curl_multi_remove_handle(bg->multi, w->h);   /* closes the connection: the cancel */
    w->in_multi = false;
    if (w->idx < bg->n_watches && bg->watches[w->idx] == w) {
        bg->watches[w->idx] = bg->watches[--bg->n_watches];
        bg->watches[w->idx]->idx = w->idx;
    }
    watch_free(w);
}

/* ---- keepalives -------------------------------------------------------- */

static size_t ka_write_cb(char *data, size_t size, size_t nmemb, void *ud)
{
    ka_xfer *k = ud;
    size_t n = size * nmemb;
    if (k->len + n + 1 > k->cap) {
        size_t cap = (k->len + n + 1) * 2;
        if (cap > 1 << 20)
            return 0;
        char *b = realloc(k->buf, cap);
        if (!b)
            return 0;
        k->buf = b;
        k->cap = cap;
    }
    memcpy(k->buf + k->len, data, n);
    k->len += n;
    k->buf[k->len] = '\0';
    return n;
}

static void ka_free(ka_xfer *k)
{
    if (k->h)
        curl_easy_cleanup(k->h);
    free(k->buf);
    free(k);
}

static void ka_start(etcd_bg *bg, etcd_session *s, int64_t now)
{
    etcd_client *c = bg->c;
    ka_xfer *k = calloc(1, sizeof *k);
    if (!k || !(k->h = curl_easy_init()) || etcd_easy_setup(c, k->h) != CURLE_OK)
        goto fail;
    k->kind = XFER_KEEPALIVE;
    k->s = s;
    k->started_ns = now;
    if (s->attempt == 0)
        s->first_ep = etcd_pick_first(c);
    size_t ep = etcd_pick_next(c, s->first_ep, s->attempt);
    snprintf(k->url, sizeof k->url, "%s/v3/lease/keepalive", c->endpoints[ep]);
    snprintf(k->body, sizeof k->body, "{\"ID\":\"%" PRId64 "\"}", s->lease);
    long timeout = c->request_timeout_ms;
    if (timeout > s->ttl * 1000 / 3 && s->ttl * 1000 / 3 >= 500)
        timeout = (long)(s->ttl * 1000 / 3);
    if (curl_easy_setopt(k->h, CURLOPT_URL, k->url) || curl_easy_setopt(k->h, CURLOPT_HTTPHEADER, etcd_headers(c, false)) ||
        curl_easy_setopt(k->h, CURLOPT_POSTFIELDS, k->body) ||
        curl_easy_setopt(k->h, CURLOPT_TIMEOUT_MS, timeout) ||
        curl_easy_setopt(k->h, CURLOPT_WRITEFUNCTION, ka_write_cb) ||
        curl_easy_setopt(k->h, CURLOPT_WRITEDATA, k) || curl_easy_setopt(k->h, CURLOPT_PRIVATE, k) ||
        curl_multi_add_handle(bg->multi, k->h) != CURLM_OK)
        goto fail;
    atomic_fetch_add_explicit(&c->ops[ETCD_OP_T_LEASE_KEEPALIVE], 1, memory_order_relaxed);
    if (s->attempt)
        atomic_fetch_add_explicit(&c->retries, 1, memory_order_relaxed);
    s->inflight = k;
    bg->ka_inflight++;
    return;
fail:
    if (k)
        ka_free(k);
    s->next_due_ns = now + 200000000;   /* out of memory: try again shortly */
}

static void session_lost(etcd_session *s)
{
    atomic_store(&s->alive, false);
    if (!s->lost_reported) {
        s->lost_reported = true;
        if (s->on_lost)
            s->on_lost(s, s->ud);   /* may close (free) s */
    }
}

static void ka_done(etcd_bg *bg, ka_xfer *k, CURLcode rc)
{
    etcd_session *s = k->s;
    etcd_client *c = bg->c;
    int64_t now = util_now_ns_i64();
    long http = 0;
    etcd_status st;
    memset(&st, 0, sizeof st);
    curl_multi_remove_handle(bg->multi, k->h);
    bg->ka_inflight--;
    s->inflight = NULL;
    curl_easy_getinfo(k->h, CURLINFO_RESPONSE_CODE, &http);
    bool lost = false, ok = false;
    int64_t ttl = 0;
    if (rc == CURLE_OK && http == 200) {
        json_t *j = json_loadb(k->buf ? k->buf : "", k->len, 0, NULL);
        etcd_code code = j ? etcd_json_keepalive_resp(j, &ttl, &st) : ETCD_ERR_PARSE;
        json_decref(j);
        ok = code == ETCD_OK;
        lost = code == ETCD_ERR_LEASE_LOST;
    } else if (rc == CURLE_OK) {
        etcd_json_error(http, k->buf, k->len, &st);
        lost = st.code == ETCD_ERR_GRPC && st.grpc_code == 5;   /* NotFound */
    }
    int64_t started = k->started_ns;
    ka_free(k);
    if (ok) {
        s->attempt = 0;
        s->last_ok_ns = started;   /* conservative: the server renewed after we sent */
        s->next_due_ns = now + ttl * 1000000000LL / 3;
        return;
    }
    atomic_fetch_add_explicit(&c->errors, 1, memory_order_relaxed);
    if (!lost && now - s->last_ok_ns < s->ttl * 1000000000LL) {
        s->attempt++;
        int64_t backoff_ms = 50LL << (s->attempt < 5 ? s->attempt : 5);
        if (backoff_ms > c->backoff_max_ms)
            backoff_ms = c->backoff_max_ms;
        s->next_due_ns = now + backoff_ms * 1000000;
        return;
    }
    s->next_due_ns = INT64_MAX;
    session_lost(s);
}

/* Starts due keepalives; returns the next due time. */
static int64_t ka_schedule(etcd_bg *bg, int64_t now)
{
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < bg->n_sess; i++) {
        etcd_session *s = bg->sess[i];
        if (s->inflight || s->next_due_ns == INT64_MAX)
            continue;
        if (s->next_due_ns <= now && bg->ka_inflight < ETCD_KA_INFLIGHT_MAX)
            ka_start(bg, s, now);
        else if (s->next_due_ns < next)
            next = s->next_due_ns;
    }
    if (next < now)
        next = now + 5000000;   /* in-flight cap reached: look again soon */
    return next;
}

static void bg_add_session(etcd_bg *bg, etcd_session *s)
{
    if (grow((void **)&bg->sess, &bg->cap_sess, bg->n_sess + 1, sizeof *bg->sess) == 0)
        bg->sess[bg->n_sess++] = s;
    else
        s->next_due_ns = INT64_MIN;   /* tells the caller it failed */
}

static void bg_remove_session(etcd_bg *bg, etcd_session *s)
{
    if (s->inflight) {
        ka_xfer *k = s->inflight;
        curl_multi_remove_handle(bg->multi, k->h);
        ka_free(k);
        bg->ka_inflight--;
        s->inflight = NULL;
    }
    for (size_t i = 0; i < bg->n_sess; i++)
        if (bg->sess[i] == s) {
            bg->sess[i] = bg->sess[--bg->n_sess];
            break;
        }
}

/* ---- loop -------------------------------------------------------------- */

static void run_cmd(etcd_bg *bg, bg_cmd *cmd)
{
    switch (cmd->type) {
    case CMD_ADD_WATCH: bg_add_watch(bg, cmd->obj); break;
    case CMD_REMOVE_WATCH: bg_remove_watch(bg, cmd->obj); break;
    case CMD_ADD_SESSION: bg_add_session(bg, cmd->obj); break;
    case CMD_REMOVE_SESSION: bg_remove_session(bg, cmd->obj); break;
    }
}

static void *bg_main(void *arg)
{
    etcd_bg *bg = arg;
    for (;;) {
        pthread_mutex_lock(&bg->mu);
        bg_cmd *cmds = bg->head;
        bg->head = bg->tail = NULL;
        bool stop = bg->stop;
        pthread_mutex_unlock(&bg->mu);
        if (cmds) {
            for (bg_cmd *cmd = cmds; cmd; cmd = cmd->next)
                run_cmd(bg, cmd);
            pthread_mutex_lock(&bg->mu);
            for (bg_cmd *cmd = cmds, *next; cmd; cmd = next) {
                next = cmd->next;
                cmd->done = true;   /* cmd lives on the poster's stack: last touch */
            }
            pthread_cond_broadcast(&bg->cv);
            pthread_mutex_unlock(&bg->mu);
        }
        if (stop)
            break;
        int running = 0;
        curl_multi_perform(bg->multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(bg->multi, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            void *obj;
            CURLcode rc = msg->data.result;
            int kind = xfer_kind(msg->easy_handle, &obj);
            if (kind == XFER_WATCH)
                watch_done(bg, obj, rc);
            else if (kind == XFER_KEEPALIVE)
                ka_done(bg, obj, rc);
        }
        int64_t now = util_now_ns_i64();
        int64_t next = ka_schedule(bg, now);
        int64_t wait_ms = next == INT64_MAX ? 1000 : (next - now) / 1000000 + 1;
        if (wait_ms > 1000)
            wait_ms = 1000;
        if (wait_ms < 0)
            wait_ms = 0;
        curl_multi_poll(bg->multi, NULL, 0, (int)wait_ms, NULL);
    }
    return NULL;
}

/* Runs cmd on the bg thread and waits for it (inline when already on it). */
static void bg_post(etcd_bg *bg, bg_cmd *cmd)
{
    if (pthread_equal(pthread_self(), bg->thr)) {
        run_cmd(bg, cmd);
        return;
    }
    cmd->done = false;
    cmd->next = NULL;
    pthread_mutex_lock(&bg->mu);
    if (bg->tail)
        bg->tail->next = cmd;
    else
        bg->head = cmd;
    bg->tail = cmd;
    curl_multi_wakeup(bg->multi);
    while (!cmd->done)
        pthread_cond_wait(&bg->cv, &bg->mu);
    pthread_mutex_unlock(&bg->mu);
}

etcd_code etcd_bg_ensure(etcd_client *c, etcd_status *st)
{
    etcd_code code = ETCD_OK;
    pthread_mutex_lock(&c->bg_mu);
    if (c->bg)
        goto cleanup;
    etcd_bg *bg = calloc(1, sizeof *bg);
    if (!bg || !(bg->multi = curl_multi_init())) {
        free(bg);
        code = etcd_set_status(st, ETCD_ERR_NOMEM, "cannot create the etcd client's background loop");
        goto cleanup;
    }
    bg->c = c;
    /* Keep enough idle connections for the keepalives; watch streams have
     * their own (never reused) connections. */
    curl_multi_setopt(bg->multi, CURLMOPT_MAXCONNECTS, (long)(2 * ETCD_KA_INFLIGHT_MAX));
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&bg->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&bg->mu, NULL);
    c->bg = bg;
    if (pthread_create(&bg->thr, NULL, bg_main, bg) != 0) {
        c->bg = NULL;
        curl_multi_cleanup(bg->multi);
        pthread_cond_destroy(&bg->cv);
        pthread_mutex_destroy(&bg->mu);
        free(bg);
        code = etcd_set_status(st, ETCD_ERR_NOMEM, "cannot start the etcd client's background thread");
    }
cleanup:
    pthread_mutex_unlock(&c->bg_mu);
    return code;
}

void etcd_bg_shutdown(etcd_client *c)
{
    etcd_bg *bg = c->bg;
    if (!bg)
        return;
    pthread_mutex_lock(&bg->mu);
    bg->stop = true;
    curl_multi_wakeup(bg->multi);
    pthread_mutex_unlock(&bg->mu);
    pthread_join(bg->thr, NULL);
    /* Whatever the owners did not stop or close is freed here. */
    while (bg->n_watches)
        bg_remove_watch(bg, bg->watches[bg->n_watches - 1]);
    while (bg->n_sess) {
        etcd_session *s = bg->sess[bg->n_sess - 1];
        bg_remove_session(bg, s);
        free(s);
    }
    curl_multi_cleanup(bg->multi);
    free(bg->watches);
    free(bg->sess);
    pthread_cond_destroy(&bg->cv);
    pthread_mutex_destroy(&bg->mu);
    free(bg);
    c->bg = NULL;
}

etcd_code etcd_bg_add_session(etcd_client *c, etcd_session *s, etcd_status *st)
{
    bg_cmd cmd = { .type = CMD_ADD_SESSION, .obj = s };
    bg_post(c->bg, &cmd);
    if (s->next_due_ns == INT64_MIN)
        return etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory registering a session");
    return ETCD_OK;
}

void etcd_bg_remove_session(etcd_client *c, etcd_session *s)
{
    bg_cmd cmd = { .type = CMD_REMOVE_SESSION, .obj = s };
    if (c->bg)
        bg_post(c->bg, &cmd);
}

/* ---- public watch API -------------------------------------------------- */

static etcd_watch *watch_new(etcd_client *c, size_t ep, const char *body, size_t body_len,
                             etcd_watch_fn on_resp, etcd_watch_end_fn on_end, void *ud)
{
    etcd_watch *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->kind = XFER_WATCH;
    w->c = c;
    w->on_resp = on_resp;
    w->on_end = on_end;
    w->ud = ud;
    w->idx = SIZE_MAX;
    etcd_ndjson_init(&w->nd, 0);
    snprintf(w->url, sizeof w->url, "%s/v3/watch", c->endpoints[ep]);
    w->body = malloc(body_len + 1);
    if (!w->body || !(w->h = curl_easy_init()) || etcd_easy_setup(c, w->h) != CURLE_OK)
        goto fail;
    memcpy(w->body, body, body_len + 1);
    w->body_len = body_len;
    if (curl_easy_setopt(w->h, CURLOPT_URL, w->url) ||
        curl_easy_setopt(w->h, CURLOPT_HTTPHEADER, etcd_headers(c, true)) ||
        curl_easy_setopt(w->h, CURLOPT_POSTFIELDS, w->body) ||
        curl_easy_setopt(w->h, CURLOPT_POSTFIELDSIZE, (long)w->body_len) ||
        /* One stream per connection, closed on cancel: never reuse it. */
        curl_easy_setopt(w->h, CURLOPT_FORBID_REUSE, 1L) ||
        curl_easy_setopt(w->h, CURLOPT_TCP_KEEPALIVE, 1L) ||
        curl_easy_setopt(w->h, CURLOPT_WRITEFUNCTION, watch_write_cb) ||
        curl_easy_setopt(w->h, CURLOPT_WRITEDATA, w) || curl_easy_setopt(w->h, CURLOPT_PRIVATE, w))
        goto fail;
    return w;
fail:
    watch_free(w);
    return NULL;
}

static void watch_remove(etcd_client *c, etcd_watch *w)
{
    bg_cmd cmd = { .type = CMD_REMOVE_WATCH, .obj = w };
    bg_post(c->bg, &cmd);
}

etcd_code etcd_watch_start(etcd_client *c, const char *key, size_t key_len, const etcd_watch_opts *opts,
                           etcd_watch_fn on_resp, etcd_watch_end_fn on_end, void *ud,
                           etcd_watch **out, etcd_status *st)
{
    etcd_code code = ETCD_OK;
    char *body = NULL;
    size_t body_len = 0;
    etcd_status local;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    st->endpoint = -1;
    if (out)
        *out = NULL;
    if (!c || !key || !key_len || !on_resp || !out)
        return etcd_count_error(c, etcd_set_status(st, ETCD_ERR_INVAL, "etcd_watch_start: need client, key, callback, output"));
    if ((code = etcd_bg_ensure(c, st)) != ETCD_OK)
        return etcd_count_error(c, code);
    if (etcd_bg_on_thread(c))
        return etcd_count_error(c, etcd_set_status(st, ETCD_ERR_INVAL,
                                                   "etcd_watch_start called from a watch callback: it would wait for itself"));
    json_t *req = etcd_json_watch_req(key, key_len, opts);
    body = req ? etcd_json_dump(req, &body_len) : NULL;
    json_decref(req);
    if (!body)
        return etcd_count_error(c, etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory encoding a watch request"));

    int64_t deadline = util_now_ns_i64() + (int64_t)c->request_timeout_ms * 1000000;
    size_t first = c->watch_endpoint >= 0 ? (size_t)c->watch_endpoint : etcd_pick_first(c);
    code = ETCD_ERR_CONNECT;
    bool renewed = false;
    for (int attempt = 0; attempt < c->max_attempts; attempt++) {
        size_t ep = etcd_pick_next(c, first, attempt);
        struct curl_slist *used = c->user ? etcd_headers(c, true) : NULL;
        etcd_watch *w = watch_new(c, ep, body, body_len, on_resp, on_end, ud);
        if (!w) {
            code = etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory creating a watch");
            break;
        }
        atomic_fetch_add_explicit(&c->ops[ETCD_OP_T_WATCH], 1, memory_order_relaxed);
        if (attempt)
            atomic_fetch_add_explicit(&c->retries, 1, memory_order_relaxed);
        /* *out is set before the stream exists, so callbacks (which may run
         * before this function returns) can already use it, e.g. to stop
         * the watch from on_end. Reset when the start fails (no callback
         * has run then). */
        *out = w;
        bg_cmd cmd = { .type = CMD_ADD_WATCH, .obj = w };
        bg_post(c->bg, &cmd);
        etcd_bg *bg = c->bg;
        struct timespec ts = { deadline / 1000000000, deadline % 1000000000 };
        pthread_mutex_lock(&bg->mu);
        while (w->state == W_PENDING) {
            if (pthread_cond_timedwait(&bg->cv, &bg->mu, &ts) != 0 && util_now_ns_i64() >= deadline)
                break;
        }
        int state = w->state;
        pthread_mutex_unlock(&bg->mu);
        if (state == W_CREATED || state == W_ENDED) {
            /* ENDED: created, then already over; on_end told the owner
             * (and may even have stopped w: do not touch it). */
            code = ETCD_OK;
            st->endpoint = (int)ep;
            break;
        }
        *out = NULL;
        if (state == W_PENDING) {
            watch_remove(c, w);
            code = etcd_set_status(st, ETCD_ERR_TIMEOUT, "watch on %s: no `created` within %d ms",
                                   c->endpoints[ep], c->request_timeout_ms);
            st->endpoint = (int)ep;
            break;
        }
        /* FAILED: the bg thread is done with w. */
        *st = w->st;
        st->endpoint = (int)ep;
        code = st->code;
        watch_remove(c, w);
        etcd_status ast;
        if (used && !renewed && etcd_auth_token_invalid(st) &&
            (etcd_headers(c, true) != used || etcd_authenticate(c, &ast) == ETCD_OK)) {
            renewed = true;   /* the token expired: the same endpoint again with a new one */
            attempt--;
            continue;
        }
        bool retry = code == ETCD_ERR_CONNECT || (code == ETCD_ERR_GRPC && st->http_status == 503) ||
                     (code == ETCD_ERR_HTTP && st->http_status == 503);
        if (!retry || util_now_ns_i64() >= deadline || attempt + 1 >= c->max_attempts)
            break;
        int64_t backoff = 10LL << (attempt < 6 ? attempt : 6);
        if (backoff > c->backoff_max_ms)
            backoff = c->backoff_max_ms;
        struct timespec b = { backoff / 1000, (backoff % 1000) * 1000000 };
        nanosleep(&b, NULL);
    }
    free(body);
    return etcd_count_error(c, code);
}

void etcd_watch_stop(etcd_watch *w)
{
    if (!w)
        return;
    watch_remove(w->c, w);
}
