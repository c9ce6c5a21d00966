/* etcd_call.c: unary calls: the endpoint the policy picks and the order of
 * failover, the request timeout across attempts, bounded backoff, and the
 * decoding of the answer, over the client's transport (etcd_transport.h), the
 * same for every transport. Also the error count of the public calls. */
#include "sim/etcd/etcd_transport.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

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

etcd_code etcd_count_error(etcd_client *c, etcd_code code)
{
    if (code != ETCD_OK && c)
        atomic_fetch_add_explicit(&c->errors, 1, memory_order_relaxed);
    return code;
}

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
    etcd_retry_rule rule;   /* after a lost answer (etcd_retry.h) */
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
    int64_t left = (deadline - util_now_ns_i64()) / 1000000;
    sleep_ms(ms < left ? ms : left);
}

/* An answer "invalid auth token" (the token expired: etcd's --auth-token-ttl
 * without use) to a request sent with the header list `used`: authenticate
 * again, unless another thread already did (the list changed). True when the
 * request should be sent once more. */
static bool renew_token(etcd_client *c, const unary_req *rq, struct curl_slist *used, const etcd_status *st)
{
    etcd_status ast;
    memset(&ast, 0, sizeof ast);
    if (!etcd_auth_token_invalid(st) || !strcmp(rq->path, "/v3/auth/authenticate"))
        return false;
    return etcd_headers(c, false) != used || etcd_authenticate(c, &ast) == ETCD_OK;
}

/* Attempts on the endpoints in policy order from the one the policy picks
 * (or only rq->endpoint), until an answer that another endpoint would not
 * change, or the attempts or the deadline run out. A call the rules allow to
 * repeat or read back has each attempt bounded by the attempt timeout; after
 * a lost answer (etcd_retry_outcome_unknown) it is sent again, to the next
 * endpoint, at most retry_budget times, when its rule is REPEAT, and
 * otherwise returned (READBACK: the caller reads back). */
static etcd_code failover(etcd_client *c, etcd_unary *u, const unary_req *rq, etcd_status *st)
{
    int timeout_ms = rq->timeout_ms > 0 ? rq->timeout_ms : c->request_timeout_ms;
    int64_t deadline = util_now_ns_i64() + (int64_t)timeout_ms * 1000000;
    bool bounded = rq->rule != ETCD_RETRY_NEVER && c->retry_budget > 0;
    size_t first = rq->endpoint >= 0 ? (size_t)rq->endpoint : etcd_pick_first(c);
    int attempts = rq->endpoint >= 0 ? 1 : c->max_attempts;
    int repeats = 0;
    etcd_code code = ETCD_ERR_CONNECT;
    bool renewed = false;
    for (int i = 0; i < attempts + repeats; i++) {
        size_t ep = rq->endpoint >= 0 ? (size_t)rq->endpoint : etcd_pick_next(c, first, i);
        if ((deadline - util_now_ns_i64()) / 1000000 <= 0)
            return etcd_set_status(st, ETCD_ERR_TIMEOUT, "%s: timed out after %d attempt(s); last: %s", rq->path, i,
                                   st->message[0] ? st->message : "none");
        atomic_fetch_add_explicit(&c->ops[rq->op], 1, memory_order_relaxed);
        if (i)
            atomic_fetch_add_explicit(&c->retries, 1, memory_order_relaxed);
        st->endpoint = (int)ep;
        int64_t until = deadline;
        if (bounded && util_now_ns_i64() + (int64_t)c->attempt_timeout_ms * 1000000 < deadline)
            until = util_now_ns_i64() + (int64_t)c->attempt_timeout_ms * 1000000;
        bool retry;
        struct curl_slist *used = c->user ? etcd_headers(c, false) : NULL;
        code = attempt(c, u, rq, ep, until, &retry, st);
        if (code != ETCD_OK && used && !renewed && renew_token(c, rq, used, st)) {
            renewed = true;
            i--;   /* the same endpoint again, with the new token */
            continue;
        }
        if (code != ETCD_OK && c->retry_budget > 0 && etcd_retry_outcome_unknown(code, st)) {
            /* Perhaps applied: failing over is a repeat, allowed only by the rule. */
            retry = rq->rule == ETCD_RETRY_REPEAT && repeats < c->retry_budget && rq->endpoint < 0 &&
                    util_now_ns_i64() < deadline;
            if (!retry)
                break;
            repeats++;
            st->repeats = repeats;
            atomic_fetch_add_explicit(&c->timeout_retries, 1, memory_order_relaxed);
        } else if (!retry || i + 1 >= attempts + repeats) {
            break;
        }
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
    unary_req rq = { .op = op, .rule = etcd_retry_rule_of(op, false), .path = path, .body = body,
                     .body_len = body_len, .endpoint = endpoint, .timeout_ms = timeout_ms, .resp = resp };
    return call(c, &rq, st);
}

etcd_code etcd_call_text(etcd_client *c, etcd_optype op, etcd_retry_rule rule, const char *path, const char *body,
                         size_t body_len, etcd_buf **text, etcd_status *st)
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
    unary_req rq = { .op = op, .rule = rule, .path = path, .body = body, .body_len = body_len, .endpoint = -1,
                     .resp = &unused, .text = *text };
    return call(c, &rq, st);
}
