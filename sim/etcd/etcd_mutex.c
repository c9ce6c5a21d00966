/* etcd_mutex.c: clientv3 concurrency.Mutex (v3.5) client side, and the
 * server-side /v3/lock API.
 *
 * Request pattern of Lock, which is what the simulation measures:
 *   txn  if create_revision(myKey) == 0
 *        then put(myKey, "", lease), range(prefix, first by create revision)
 *        else range(myKey),          range(prefix, first by create revision)
 *   held if the owner (first by create revision) is myKey; otherwise loop:
 *   range(prefix, last by create revision, max_create_revision = myRev - 1);
 *   none -> held; else watch that key from the range's header revision until
 *   it is deleted, and range again. FIFO by create revision.
 * Unlock: delete(myKey). Like clientv3, a failed or timed-out wait deletes
 * myKey so that the queue is not blocked by a waiter that gave up.
 * clientv3 >= 3.5.0 also gets myKey after a wait, to detect an expired
 * session (one more request while effectively holding the lock): done only
 * when etcd_mutex_set_get_after_wait turned it on; by default we check the
 * session's local liveness instead, which costs no request.
 */
#include "sim/etcd/etcd_internal.h"
#include "sim/etcd/etcd_base64.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct etcd_mutex {
    etcd_session *s;
    char *pfx;          /* prefix + "/" */
    size_t pfx_len;
    char *key;          /* pfx + lease in hex */
    size_t key_len;
    int64_t rev;
    bool held;
    bool get_after_wait;  /* clientv3 v3.5: range(myKey) after waiting */
};

etcd_code etcd_mutex_new(etcd_session *s, const char *prefix, etcd_mutex **out, etcd_status *st)
{
    if (st) {
        memset(st, 0, sizeof *st);
        st->endpoint = -1;
    }
    if (!s || !prefix || !out)
        return etcd_set_status(st, ETCD_ERR_INVAL, "etcd_mutex_new: need a session, a prefix and an output");
    etcd_mutex *m = calloc(1, sizeof *m);
    size_t pl = strlen(prefix);
    if (m) {
        m->pfx = malloc(pl + 2);
        m->key = malloc(pl + 2 + 17);
    }
    if (!m || !m->pfx || !m->key) {
        etcd_mutex_free(m);
        return etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory creating a mutex");
    }
    m->s = s;
    memcpy(m->pfx, prefix, pl);
    m->pfx[pl] = '/';
    m->pfx[pl + 1] = '\0';
    m->pfx_len = pl + 1;
    m->key_len = (size_t)sprintf(m->key, "%s%" PRIx64, m->pfx, (uint64_t)etcd_session_lease(s));
    *out = m;
    return ETCD_OK;
}

const char *etcd_mutex_key(const etcd_mutex *m) { return m ? m->key : NULL; }
int64_t etcd_mutex_revision(const etcd_mutex *m) { return m ? m->rev : 0; }

void etcd_mutex_set_get_after_wait(etcd_mutex *m, bool on)
{
    if (m)
        m->get_after_wait = on;
}

void etcd_mutex_free(etcd_mutex *m)
{
    if (!m)
        return;
    free(m->pfx);
    free(m->key);
    free(m);
}

/* ---- waiting for a key's deletion -------------------------------------- */

typedef struct del_wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool deleted, ended;
    etcd_status end_st;
} del_wait;

static void del_on_resp(etcd_watch_response *r, void *ud)
{
    del_wait *d = ud;
    bool del = false;
    for (size_t i = 0; i < r->n_events; i++)
        if (r->events[i].type == ETCD_EVENT_DELETE)
            del = true;
    etcd_watch_response_free(r);
    if (del) {
        pthread_mutex_lock(&d->mu);
        d->deleted = true;
        pthread_cond_signal(&d->cv);
        pthread_mutex_unlock(&d->mu);
    }
}

static void del_on_end(const etcd_status *st, void *ud)
{
    del_wait *d = ud;
    pthread_mutex_lock(&d->mu);
    d->ended = true;
    d->end_st = *st;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

/* ETCD_OK once key is deleted (at a revision > rev). */
static etcd_code wait_delete(etcd_mutex *m, const char *key, size_t key_len, int64_t rev, int64_t deadline,
                             etcd_status *st)
{
    etcd_client *c = etcd_session_client(m->s);
    del_wait d = { .deleted = false };
    etcd_watch *w = NULL;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&d.cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&d.mu, NULL);
    etcd_watch_opts wo = { .start_revision = rev };
    etcd_code code = etcd_watch_start(c, key, key_len, &wo, del_on_resp, del_on_end, &d, &w, st);
    if (code != ETCD_OK)
        goto cleanup;
    pthread_mutex_lock(&d.mu);
    for (;;) {
        if (d.deleted) {
            code = ETCD_OK;
            break;
        }
        if (d.ended) {
            /* The stream broke (member died...): the caller ranges again. */
            code = d.end_st.code != ETCD_OK ? d.end_st.code : ETCD_ERR_CLOSED;
            if (st)
                *st = d.end_st;
            break;
        }
        if (!etcd_session_alive(m->s)) {
            code = etcd_set_status(st, ETCD_ERR_LEASE_LOST, "mutex %s: session lost while waiting", m->key);
            break;
        }
        int64_t now = util_now_ns_i64();
        if (deadline && now >= deadline) {
            code = etcd_set_status(st, ETCD_ERR_TIMEOUT, "mutex %s: lock wait timed out", m->key);
            break;
        }
        /* Wake at least every 250 ms to notice a lost session. */
        int64_t until = now + 250000000;
        if (deadline && deadline < until)
            until = deadline;
        struct timespec ts = { until / 1000000000, until % 1000000000 };
        pthread_cond_timedwait(&d.cv, &d.mu, &ts);
    }
    pthread_mutex_unlock(&d.mu);
cleanup:
    etcd_watch_stop(w);   /* no callback runs after this: d may go */
    pthread_cond_destroy(&d.cv);
    pthread_mutex_destroy(&d.mu);
    return code;
}

/* ---- lock / unlock ----------------------------------------------------- */

static etcd_code try_acquire(etcd_mutex *m, bool *held, etcd_status *st)
{
    etcd_client *c = etcd_session_client(m->s);
    etcd_txn_result r;
    etcd_range_opts first_create = { .prefix = true, .sort_target = ETCD_SORT_CREATE,
                                     .sort_order = ETCD_SORT_ASCEND, .limit = 1 };
    etcd_compare cmp = { .target = ETCD_CMP_CREATE, .result = ETCD_CMP_EQUAL, .key = m->key,
                         .key_len = m->key_len, .number = 0 };
    etcd_request_op then_ops[2] = {
        { .type = ETCD_REQ_PUT, .key = m->key, .key_len = m->key_len, .value = "", .value_len = 0,
          .put = { .lease = etcd_session_lease(m->s) } },
        { .type = ETCD_REQ_RANGE, .key = m->pfx, .key_len = m->pfx_len, .range = first_create },
    };
    etcd_request_op else_ops[2] = {
        { .type = ETCD_REQ_RANGE, .key = m->key, .key_len = m->key_len },
        { .type = ETCD_REQ_RANGE, .key = m->pfx, .key_len = m->pfx_len, .range = first_create },
    };
    /* Repeatable (etcd_retry.c): after a lost answer the repeat's compare
     * fails if the first put our key, and its else branch reads our key back. */
    etcd_code code = etcd_txn_retryable(c, &cmp, 1, then_ops, 2, else_ops, 2, &r, st);
    if (code != ETCD_OK)
        return code;
    if (r.n_responses != 2 || r.responses[1].type != ETCD_REQ_RANGE) {
        code = etcd_set_status(st, ETCD_ERR_PARSE, "mutex txn: expected 2 responses, got %zu", r.n_responses);
        goto cleanup;
    }
    m->rev = r.header.revision;
    if (!r.succeeded) {
        etcd_range_result *mine = &r.responses[0].range;
        if (r.responses[0].type != ETCD_REQ_RANGE || mine->n_kvs == 0) {
            code = etcd_set_status(st, ETCD_ERR_LEASE_LOST, "mutex %s: key vanished (session expired?)", m->key);
            goto cleanup;
        }
        m->rev = mine->kvs[0].create_revision;
    }
    etcd_range_result *owner = &r.responses[1].range;
    *held = owner->n_kvs == 0 || owner->kvs[0].create_revision == m->rev;
cleanup:
    etcd_txn_result_free(&r);
    return code;
}

etcd_code etcd_mutex_lock(etcd_mutex *m, int timeout_ms, etcd_status *st)
{
    etcd_status local;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    st->endpoint = -1;
    if (!m)
        return etcd_set_status(st, ETCD_ERR_INVAL, "etcd_mutex_lock: NULL mutex");
    etcd_client *c = etcd_session_client(m->s);
    if (!etcd_session_alive(m->s))
        return etcd_set_status(st, ETCD_ERR_LEASE_LOST, "mutex %s: session is lost", m->key);
    int64_t deadline = timeout_ms > 0 ? util_now_ns_i64() + (int64_t)timeout_ms * 1000000 : 0;
    bool held = false;
    etcd_code code = try_acquire(m, &held, st);
    if (code != ETCD_OK)
        return code;
    bool waited = !held;
    etcd_range_opts last_create = { .prefix = true, .sort_target = ETCD_SORT_CREATE,
                                    .sort_order = ETCD_SORT_DESCEND, .limit = 1,
                                    .max_create_revision = m->rev - 1 };
    while (!held) {
        etcd_range_result r;
        code = etcd_range(c, m->pfx, m->pfx_len, &last_create, &r, st);
        if (code != ETCD_OK)
            break;
        if (r.n_kvs == 0) {
            held = true;
            etcd_range_result_free(&r);
            break;
        }
        code = wait_delete(m, r.kvs[0].key, r.kvs[0].key_len, r.header.revision, deadline, st);
        etcd_range_result_free(&r);
        /* A broken stream is retried (by ranging again) while time remains. */
        if (code == ETCD_ERR_CONNECT || code == ETCD_ERR_CLOSED || code == ETCD_ERR_GRPC) {
            if (!etcd_session_alive(m->s) || (deadline && util_now_ns_i64() >= deadline))
                break;
            struct timespec b = { 0, 50000000 };
            nanosleep(&b, NULL);
            code = ETCD_OK;
            continue;
        }
        if (code != ETCD_OK)
            break;
    }
    if (held && !etcd_session_alive(m->s)) {
        held = false;
        code = etcd_set_status(st, ETCD_ERR_LEASE_LOST, "mutex %s: session lost while acquiring", m->key);
    }
    if (held && waited && m->get_after_wait) {
        /* clientv3 v3.5 (concurrency/mutex.go): our key must still be there */
        etcd_range_result r = {0};
        code = etcd_range(c, m->key, m->key_len, NULL, &r, st);
        if (code == ETCD_OK) {
            size_t n = r.n_kvs;
            etcd_range_result_free(&r);
            if (n == 0)
                code = etcd_set_status(st, ETCD_ERR_LEASE_LOST,
                                       "mutex %s: key gone after the wait (session expired)", m->key);
        }
        if (code != ETCD_OK)
            held = false;
    }
    if (!held) {
        etcd_delete(c, m->key, m->key_len, NULL, NULL, NULL);   /* leave the queue, as clientv3 does */
        return code != ETCD_OK ? code : etcd_set_status(st, ETCD_ERR_CANCELED, "mutex %s: not acquired", m->key);
    }
    m->held = true;
    memset(st, 0, sizeof *st);
    st->endpoint = -1;
    return ETCD_OK;
}

etcd_code etcd_mutex_unlock(etcd_mutex *m, etcd_status *st)
{
    if (!m)
        return etcd_set_status(st, ETCD_ERR_INVAL, "etcd_mutex_unlock: NULL mutex");
    etcd_delete_opts own = { .retry_safe = true };   /* our key, named by our lease: no other writer */
    etcd_code code = etcd_delete(etcd_session_client(m->s), m->key, m->key_len, &own, NULL, st);
    if (code == ETCD_OK)
        m->held = false;
    return code;
}

/* ---- server-side lock -------------------------------------------------- */

/* timeout_ms <= 0: the client's request timeout (no call may hang forever). */
etcd_code etcd_lock_server(etcd_client *c, const char *name, int64_t lease, int timeout_ms,
                           char **out_key, size_t *out_key_len, etcd_status *st)
{
    json_t *resp = NULL, *req;
    if (out_key)
        *out_key = NULL;
    if (!c || !name || !*name || !out_key) {
        if (st) {
            memset(st, 0, sizeof *st);
            st->endpoint = -1;
        }
        return etcd_count_error(c, etcd_set_status(st, ETCD_ERR_INVAL, "etcd_lock_server: need client, name, output"));
    }
    req = json_object();
    if (req && (etcd_json_set_bytes(req, "name", name, strlen(name)) ||
                (lease && etcd_json_set_int64(req, "lease", lease)))) {
        json_decref(req);
        req = NULL;
    }
    etcd_code code = etcd_call(c, ETCD_OP_T_LOCK, "/v3/lock/lock", req, -1, timeout_ms, &resp, st);
    if (code == ETCD_OK) {
        json_t *k = json_object_get(resp, "key");
        size_t kl = 0;
        if (!json_is_string(k) ||
            etcd_base64_decode_alloc(json_string_value(k), json_string_length(k), out_key, &kl))
            code = etcd_set_status(st, ETCD_ERR_PARSE, "etcd lock response: bad or missing key");
        else if (out_key_len)
            *out_key_len = kl;
    }
    json_decref(resp);
    return etcd_count_error(c, code);
}

etcd_code etcd_unlock_server(etcd_client *c, const char *key, size_t key_len, etcd_status *st)
{
    json_t *resp = NULL, *req;
    if (!c || !key || !key_len) {
        if (st) {
            memset(st, 0, sizeof *st);
            st->endpoint = -1;
        }
        return etcd_count_error(c, etcd_set_status(st, ETCD_ERR_INVAL, "etcd_unlock_server: need client and key"));
    }
    req = json_object();
    if (req && etcd_json_set_bytes(req, "key", key, key_len)) {
        json_decref(req);
        req = NULL;
    }
    etcd_code code = etcd_call(c, ETCD_OP_T_UNLOCK, "/v3/lock/unlock", req, -1, 0, &resp, st);
    json_decref(resp);
    return etcd_count_error(c, code);
}
