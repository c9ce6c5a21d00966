/* etcd_lease.c: lease grant/keepalive/revoke/timetolive, and sessions (a
 * lease kept alive by the client's background thread, see etcd_watch.c). */
#include "sim/etcd/etcd_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void st_init(etcd_status *st)
{
    if (st) {
        memset(st, 0, sizeof *st);
        st->endpoint = -1;
    }
}

static etcd_code grant_once(etcd_client *c, int64_t ttl_s, int64_t id, int64_t *gid, int64_t *gttl, etcd_status *st)
{
    json_t *resp = NULL;
    json_t *req = json_object();
    /* The gateway wants "TTL" (unknown fields such as "ttl" are ignored). */
    if (req && (etcd_json_set_int64(req, "TTL", ttl_s) || (id && etcd_json_set_int64(req, "ID", id)))) {
        json_decref(req);
        req = NULL;
    }
    etcd_code code = etcd_call(c, ETCD_OP_T_LEASE_GRANT, "/v3/lease/grant", req, -1, 0, &resp, st);
    if (code == ETCD_OK)
        code = etcd_json_lease_grant_resp(resp, gid, gttl, st);
    json_decref(resp);
    return code;
}

/* A lease id of our own (positive, nonzero): splitmix64 of the clock, the
 * client and a process-wide counter. */
static int64_t pick_lease_id(const etcd_client *c)
{
    static atomic_uint_fast64_t seq;
    uint64_t z = (uint64_t)util_now_ns_i64() ^ (uint64_t)(uintptr_t)c ^
                 (atomic_fetch_add(&seq, 1) * 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    z &= (uint64_t)INT64_MAX;
    return z ? (int64_t)z : 1;
}

/* The READBACK rule of a grant (etcd_retry.c): after a lost answer, the
 * lease's time-to-live says whether the grant was applied; only a lease
 * that does not exist is granted again, with the same id. st is not NULL. */
static etcd_code grant_reconciled(etcd_client *c, int64_t ttl_s, int64_t id, int64_t *gid, int64_t *gttl,
                                  etcd_status *st)
{
    int64_t deadline = util_now_ns_i64() + (int64_t)c->request_timeout_ms * 1000000;
    etcd_code code = grant_once(c, ttl_s, id, gid, gttl, st);
    for (int round = 0; round < c->retry_budget; round++) {
        /* "already exists" after our own repeat: the first grant came through late */
        bool exists = round > 0 && code == ETCD_ERR_GRPC && strstr(st->message, "lease already exists");
        if ((code != ETCD_OK && !etcd_retry_outcome_unknown(code, st) && !exists) || code == ETCD_OK ||
            util_now_ns_i64() >= deadline)
            break;
        atomic_fetch_add_explicit(&c->readbacks, 1, memory_order_relaxed);
        etcd_lease_ttl t = { 0 };
        etcd_status rst;
        etcd_code rc = etcd_lease_timetolive(c, id, false, &t, &rst);
        int64_t left = t.ttl, granted = t.granted_ttl;   /* -1: no such lease */
        etcd_lease_ttl_free(&t);
        if (rc == ETCD_OK && left >= 0) {   /* applied: the lease is ours */
            *gid = id;
            *gttl = granted > 0 ? granted : ttl_s;
            st->code = ETCD_OK;
            st->message[0] = '\0';
            return ETCD_OK;
        }
        if (rc != ETCD_OK)
            break;                           /* could not read back: the grant's error stands */
        atomic_fetch_add_explicit(&c->timeout_retries, 1, memory_order_relaxed);
        int repeats = st->repeats + 1;
        code = grant_once(c, ttl_s, id, gid, gttl, st);
        st->repeats = repeats;
    }
    return code;
}

etcd_code etcd_lease_grant(etcd_client *c, int64_t ttl_s, int64_t id, int64_t *out_id, int64_t *out_ttl,
                           etcd_status *st)
{
    int64_t gid = 0, gttl = 0;
    etcd_status local;
    st_init(st);
    if (!c || ttl_s <= 0)
        return etcd_count_error(c, etcd_set_status(st, ETCD_ERR_INVAL, "etcd_lease_grant: need a client and TTL > 0"));
    if (!st) {
        st = &local;
        st_init(st);
    }
    etcd_code code;
    if (c->retry_budget > 0)
        code = grant_reconciled(c, ttl_s, id ? id : pick_lease_id(c), &gid, &gttl, st);
    else
        code = grant_once(c, ttl_s, id, &gid, &gttl, st);
    if (code == ETCD_OK) {
        if (out_id)
            *out_id = gid;
        if (out_ttl)
            *out_ttl = gttl;
    }
    return etcd_count_error(c, code);
}

etcd_code etcd_lease_keepalive(etcd_client *c, int64_t id, int64_t *out_ttl, etcd_status *st)
{
    json_t *resp = NULL, *req;
    int64_t ttl = 0;
    st_init(st);
    if (!c || !id)
        return etcd_count_error(c, etcd_set_status(st, ETCD_ERR_INVAL, "etcd_lease_keepalive: need a client and a lease id"));
    req = json_object();
    if (req && etcd_json_set_int64(req, "ID", id)) {
        json_decref(req);
        req = NULL;
    }
    etcd_code code = etcd_call(c, ETCD_OP_T_LEASE_KEEPALIVE, "/v3/lease/keepalive", req, -1, 0, &resp, st);
    if (code == ETCD_OK)
        code = etcd_json_keepalive_resp(resp, &ttl, st);
    else if (code == ETCD_ERR_GRPC && st && st->grpc_code == 5)
        code = etcd_set_status(st, ETCD_ERR_LEASE_LOST, "lease %llx not found", (unsigned long long)id);
    if (out_ttl)
        *out_ttl = code == ETCD_OK ? ttl : 0;
    json_decref(resp);
    return etcd_count_error(c, code);
}

etcd_code etcd_lease_revoke(etcd_client *c, int64_t id, etcd_status *st)
{
    json_t *resp = NULL, *req;
    st_init(st);
    if (!c || !id)
        return etcd_count_error(c, etcd_set_status(st, ETCD_ERR_INVAL, "etcd_lease_revoke: need a client and a lease id"));
    req = json_object();
    if (req && etcd_json_set_int64(req, "ID", id)) {
        json_decref(req);
        req = NULL;
    }
    etcd_code code = etcd_call(c, ETCD_OP_T_LEASE_REVOKE, "/v3/lease/revoke", req, -1, 0, &resp, st);
    json_decref(resp);
    return etcd_count_error(c, code);
}

etcd_code etcd_lease_timetolive(etcd_client *c, int64_t id, bool keys, etcd_lease_ttl *out, etcd_status *st)
{
    json_t *resp = NULL, *req;
    etcd_lease_ttl tmp;
    st_init(st);
    if (out)
        memset(out, 0, sizeof *out);
    if (!c || !id)
        return etcd_count_error(c, etcd_set_status(st, ETCD_ERR_INVAL, "etcd_lease_timetolive: need a client and a lease id"));
    req = json_object();
    if (req && (etcd_json_set_int64(req, "ID", id) || (keys && json_object_set_new(req, "keys", json_true())))) {
        json_decref(req);
        req = NULL;
    }
    etcd_code code = etcd_call(c, ETCD_OP_T_LEASE_TTL, "/v3/lease/timetolive", req, -1, 0, &resp, st);
    if (code == ETCD_OK) {
        code = etcd_json_timetolive_resp(resp, out ? out : &tmp, st);
        if (!out && code == ETCD_OK)
            etcd_lease_ttl_free(&tmp);
    }
    json_decref(resp);
    return etcd_count_error(c, code);
}

/* ---- sessions ---------------------------------------------------------- */

etcd_code etcd_session_new(etcd_client *c, int64_t ttl_s, etcd_session_lost_fn on_lost, void *ud,
                           etcd_session **out, etcd_status *st)
{
    etcd_session *s = NULL;
    int64_t id = 0, ttl = 0;
    st_init(st);
    if (!c || !out || ttl_s <= 0)
        return etcd_count_error(c, etcd_set_status(st, ETCD_ERR_INVAL, "etcd_session_new: need a client, an output and TTL > 0"));
    *out = NULL;
    etcd_code code = etcd_bg_ensure(c, st);
    if (code != ETCD_OK)
        return etcd_count_error(c, code);
    code = etcd_lease_grant(c, ttl_s, 0, &id, &ttl, st);
    if (code != ETCD_OK)
        return code;
    s = calloc(1, sizeof *s);
    if (!s) {
        etcd_lease_revoke(c, id, NULL);
        return etcd_count_error(c, etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory creating a session"));
    }
    s->c = c;
    s->lease = id;
    s->ttl = ttl > 0 ? ttl : ttl_s;
    s->on_lost = on_lost;
    s->ud = ud;
    atomic_store(&s->alive, true);
    s->last_ok_ns = util_now_ns_i64();
    s->next_due_ns = s->last_ok_ns + s->ttl * 1000000000LL / 3;
    code = etcd_bg_add_session(c, s, st);
    if (code != ETCD_OK) {
        etcd_lease_revoke(c, id, NULL);
        free(s);
        return etcd_count_error(c, code);
    }
    *out = s;
    return ETCD_OK;
}

int64_t etcd_session_lease(const etcd_session *s) { return s ? s->lease : 0; }
bool etcd_session_alive(const etcd_session *s) { return s && atomic_load(&((etcd_session *)s)->alive); }
etcd_client *etcd_session_client(const etcd_session *s) { return s ? s->c : NULL; }

void etcd_session_abandon(etcd_session *s)
{
    if (!s)
        return;
    etcd_bg_remove_session(s->c, s);
    free(s);
}

void etcd_session_close(etcd_session *s)
{
    if (!s)
        return;
    etcd_client *c = s->c;
    int64_t lease = s->lease;
    bool alive = etcd_session_alive(s);
    etcd_bg_remove_session(c, s);
    free(s);
    if (alive)
        etcd_lease_revoke(c, lease, NULL);   /* best effort: the TTL ends it otherwise */
}
