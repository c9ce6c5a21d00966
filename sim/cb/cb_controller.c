/* cb_controller.c: the cb-network controller (cb-network.md).
 *
 * Host-information watch, per PUT event: claim, lock, allocate the peer's IP
 * (or refresh it), put the peer `configuring`, unlock. In modes whose
 * controller builds the rules (before), also a peer watch on a second
 * session: per PUT event claim, lock, get all peers, then for every peer in
 * parallel get its rule, merge in all other peers, CAS it; unlock.
 *
 * Each watch has its own thread handling its events one at a time, in order.
 * Replicas (controller_replicas > 1) all watch; the claim key decides which
 * one handles an event, as with several controllers in production.
 */
#include "sim/cb/cb_internal.h"
#include "sim/etcd/etcd_retry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parallel rule updates per peer event: the original starts one goroutine per
 * peer; one thread per peer here too, up to this cap. */
#define CB_RULE_WORKERS 128

typedef struct ctl_loop {
    cb_controller *c;
    const char *what;           /* "host" / "peer" */
    etcd_session *session;
    etcd_mutex *mutex;
    etcd_watch *watch;
    cb_watch_tag tag;
    cb_queue q;
    pthread_t th;
    bool running;
    bool lock_lost;             /* froze holding the lock: its key went with the lease */
    int (*handle)(cb_controller *c, struct ctl_loop *l, const etcd_event *ev);
} ctl_loop;

struct cb_controller {
    cb_ctx *x;
    int replica;
    etcd_client *client;
    ctl_loop host, peer;
    bool with_peer;
    cb_vm vm;                   /* this controller process's CPU: both loops and every rule worker */
};

static int ctl_err(cb_controller *c, const char *what, const etcd_status *st)
{
    if (!cb_ctx_stopping(c->x))
        cb_ctx_fail(c->x, "controller %d: %s failed: %s", c->replica, what, st ? st->message : "");
    return -1;
}

/* The claim txn puts the claim with our lease unless it exists: 1 when it
 * is ours, 0 when another replica's, -1 on failure. Its answer says which
 * branch ran, so it is never repeated blindly (etcd_retry.c); after a lost
 * answer the claim key is read back instead: our lease on it means our put
 * ran, another lease means the other replica's did, no key means neither
 * did, and the txn is sent once more. */
static int claim_txn(cb_controller *c, const etcd_compare *cmp, const etcd_request_op *get,
                     const etcd_request_op *put, etcd_status *st)
{
    for (int round = 0; round < 2; round++) {
        etcd_txn_result r = {0};
        etcd_code rc = etcd_txn(c->client, cmp, 1, get, 1, put, 1, &r, st);
        int mine = !r.succeeded;
        etcd_txn_result_free(&r);
        if (rc == ETCD_OK)
            return mine;
        if (!etcd_retry_outcome_unknown(rc, st))
            return -1;
        etcd_range_result back = {0};
        etcd_status rst;
        if (etcd_range(c->client, put->key, put->key_len, NULL, &back, &rst) != ETCD_OK)
            return -1;
        pthread_mutex_lock(&c->x->mu);
        c->x->claim_readbacks++;
        pthread_mutex_unlock(&c->x->mu);
        int found = back.n_kvs > 0, ours = found && back.kvs[0].lease == put->put.lease;
        etcd_range_result_free(&back);
        if (found)
            return ours;
    }
    return -1;
}

/* The workload claim: a fresh 15 s lease and one txn. Returns 1 when this
 * replica claimed the event, 0 when another did, -1 on error. */
static int ctl_claim(cb_controller *c, const etcd_event *ev)
{
    etcd_status st;
    char key[CB_KEY_MAX];
    int64_t lease = 0;
    if (etcd_lease_grant(c->client, 15, 0, &lease, NULL, &st) != ETCD_OK)
        return ctl_err(c, "claim lease grant (15 s)", &st);
    if (cb_key_claim(key, ev->kv.key, ev->kv.mod_revision) < 0)
        return ctl_err(c, "claim key (too long)", NULL);
    size_t kl = strlen(key), vl = strlen(CB_CLAIM_VALUE);
    etcd_compare cmp = {.target = ETCD_CMP_VALUE, .result = ETCD_CMP_EQUAL, .key = key, .key_len = kl,
                        .value = CB_CLAIM_VALUE, .value_len = vl};
    etcd_request_op get = {.type = ETCD_REQ_RANGE, .key = key, .key_len = kl};
    etcd_request_op put = {.type = ETCD_REQ_PUT, .key = key, .key_len = kl, .value = CB_CLAIM_VALUE,
                           .value_len = vl, .put = {.lease = lease}};
    if (cb_cost_spend(c->x, &c->vm, 2, 0, 0) != 0)
        return -1;
    int mine = claim_txn(c, &cmp, &get, &put, &st);
    if (mine < 0)
        return ctl_err(c, "claim txn", &st);
    if (cb_cost_spend(c->x, &c->vm, 3, 0, 0) != 0)
        return -1;
    return mine;
}

static int ctl_lock(cb_controller *c, ctl_loop *l)
{
    etcd_status st;
    if (c->x->break_lock)
        return 0;
    double t = util_now_s();
    double to = c->x->cfg->timeout_s > 0 ? c->x->cfg->timeout_s : 600;
    for (int renew = 0;; renew++) {
        etcd_code rc = cb_mutex_lock(c->x, l->mutex, (int)(to * 1000), &st);
        if (rc == ETCD_OK)
            break;
        char err[256];
        /* a session lost to a fault (keepalives cut off for a TTL): a new one */
        if (rc != ETCD_ERR_LEASE_LOST || renew >= 5 || cb_ctx_stopping(c->x))
            return ctl_err(c, "peer lock", &st);
        if (cb_ctx_renew_session(c->x, c->client, &l->session, &l->mutex, NULL, NULL, err, sizeof err) != 0) {
            snprintf(st.message, sizeof st.message, "%s", err);
            return ctl_err(c, "peer lock (new session)", &st);
        }
    }
    cb_ctx_lock_waited(c->x, util_now_s() - t);
    double stall = cb_ctx_take_freeze(c->x);
    if (stall > 0) {
        char err[256];
        etcd_status s2 = {0};
        l->lock_lost = true;
        if (cb_ctx_freeze(c->x, c->client, stall, &l->session, &l->mutex, NULL, NULL, err, sizeof err) != 0) {
            snprintf(s2.message, sizeof s2.message, "%s", err);
            return ctl_err(c, "frozen holder", &s2);
        }
    }
    return 0;
}

static int ctl_unlock(cb_controller *c, ctl_loop *l)
{
    etcd_status st;
    if (c->x->break_lock)
        return 0;
    if (l->lock_lost) {
        l->lock_lost = false;
        return 0;
    }
    if (etcd_mutex_unlock(l->mutex, &st) != ETCD_OK && etcd_session_alive(l->session))
        return ctl_err(c, "peer unlock", &st);
    return 0;
}

static int ctl_get_spec(cb_controller *c, cb_spec *spec)
{
    etcd_status st;
    etcd_range_result r = {0};
    char key[CB_KEY_MAX], err[128];
    cb_key_spec(key, c->x->cladnet);
    if (etcd_range(c->client, key, strlen(key), NULL, &r, &st) != ETCD_OK)
        return ctl_err(c, "spec get", &st);
    cb_fid_bytes_get(c->x, &r);
    int rc = 0;
    if (r.n_kvs != 1 || cb_spec_decode(r.kvs[0].value, r.kvs[0].value_len, spec, err, sizeof err) != 0) {
        etcd_status s2 = {0};
        /* %.*s: the key alone may fill the message; cut it rather than the reason. */
        snprintf(s2.message, sizeof s2.message, "%.*s: %s", 100, key, r.n_kvs ? err : "missing");
        rc = ctl_err(c, "spec get", &s2);
    }
    etcd_range_result_free(&r);
    return rc;
}

/* ---- host-network-information events ---- */

static void peer_from_host(cb_controller *c, const char *host_id, const cb_host_info *h, cb_peer *p)
{
    snprintf(p->cladnet_id, sizeof p->cladnet_id, "%s", c->x->cladnet);
    snprintf(p->host_id, sizeof p->host_id, "%s", host_id);
    snprintf(p->host_name, sizeof p->host_name, "%s", h->host_name);
    snprintf(p->host_private_cidr, sizeof p->host_private_cidr, "%s", h->private_cidr);
    snprintf(p->host_private_ip, sizeof p->host_private_ip, "%s", h->private_ip);
    snprintf(p->host_public_ip, sizeof p->host_public_ip, "%s", h->public_ip);
    /* The original learns provider and region from the cloud; the simulation
     * takes them from the run's placement (no extra bytes either way). */
    cb_agent *a = cb_ctx_agent_by_host(c->x, host_id);
    if (a) {
        snprintf(p->provider, sizeof p->provider, "%s", a->place->provider ? a->place->provider : "");
        snprintf(p->region, sizeof p->region, "%s", a->place->region ? a->place->region : "");
        snprintf(p->zone, sizeof p->zone, "%sa", a->place->region ? a->place->region : "");
    }
}

/* Claims ev for this replica (ctl_claim), then takes the peer lock: 1 when
 * this replica handles it with the lock held, 0 when another replica claimed
 * it, -1 on error (reported). */
static int ctl_claim_locked(cb_controller *c, ctl_loop *l, const etcd_event *ev)
{
    int mine = ctl_claim(c, ev);
    if (mine <= 0)
        return mine;
    /* the original's lines between the claim and Lock */
    if (cb_cost_spend(c->x, &c->vm, l == &c->peer ? 2 : 1, 0, 0) != 0)
        return -1;
    return ctl_lock(c, l) != 0 ? -1 : 1;
}

static int ctl_host_event(cb_controller *c, ctl_loop *l, const etcd_event *ev)
{
    cb_ctx *x = c->x;
    etcd_status st;
    char key[CB_KEY_MAX], err[128];
    int rc = -1;
    bool locked = false;
    etcd_range_result pr = {0};
    char *val = NULL;
    size_t hl, vlen;
    const char *h = cb_key_last(ev->kv.key, ev->kv.key_len, &hl);
    char host_id[CB_STR];
    snprintf(host_id, sizeof host_id, "%.*s", (int)(hl < sizeof host_id ? hl : sizeof host_id - 1), h);
    cb_host_info info;
    if (cb_host_info_decode(ev->kv.value, ev->kv.value_len, &info, err, sizeof err) != 0) {
        cb_ctx_fail(x, "controller: host information of %s undecodable: %s", host_id, err);
        return -1;
    }
    if (cb_cost_spend(x, &c->vm, 4, 1, 0) != 0)
        return -1;
    int mine = ctl_claim_locked(c, l, ev);
    if (mine <= 0)
        return mine;
    locked = true;
    cb_key_peer(key, x->cladnet, host_id);
    if (etcd_range(c->client, key, strlen(key), NULL, &pr, &st) != ETCD_OK) {
        ctl_err(c, "peer get", &st);
        goto cleanup;
    }
    cb_fid_bytes_get(x, &pr);
    cb_peer p;
    if (pr.n_kvs == 0) {
        cb_spec spec;
        etcd_range_result cnt = {0};
        char prefix[CB_KEY_MAX];
        if (ctl_get_spec(c, &spec) != 0)
            goto cleanup;
        cb_key_peer_prefix(prefix, x->cladnet);
        etcd_range_opts o = {.prefix = true, .count_only = true};
        if (etcd_range(c->client, prefix, strlen(prefix), &o, &cnt, &st) != ETCD_OK) {
            ctl_err(c, "peer count", &st);
            goto cleanup;
        }
        cb_fid_bytes_get(x, &cnt);
        memset(&p, 0, sizeof p);
        peer_from_host(c, host_id, &info, &p);
        snprintf(p.ipv4_cidr, sizeof p.ipv4_cidr, "%s", spec.ipv4_cidr);
        int a = cb_ip_alloc(spec.ipv4_cidr, cnt.count, p.ip);
        snprintf(p.state, sizeof p.state, "%s", a == 0 ? CB_STATE_CONFIGURING : CB_STATE_FAILED);
        etcd_range_result_free(&cnt);
        /* break_lock: widen the count-to-put window so replicas collide */
        if (x->break_lock && cb_ctx_sleep(x, x->break_lock_delay_s) != 0)
            goto cleanup;
    } else {
        if (cb_peer_decode(pr.kvs[0].value, pr.kvs[0].value_len, &p, err, sizeof err) != 0) {
            cb_ctx_fail(x, "controller: peer %s undecodable: %s", host_id, err);
            goto cleanup;
        }
        peer_from_host(c, host_id, &info, &p);
        snprintf(p.state, sizeof p.state, "%s", CB_STATE_CONFIGURING);
    }
    val = cb_peer_encode(&p, &vlen);
    /* the event's work under the lock (26 lines, the spec decode, the peer encode) */
    if (cb_cost_spend(x, &c->vm, cb_cost_lines_host_event_locked(), pr.n_kvs ? 1 : 2, 0) != 0)
        goto cleanup;
    if (!val || etcd_put(c->client, key, strlen(key), val, vlen, NULL, NULL, &st) != ETCD_OK) {
        ctl_err(c, "peer put", val ? &st : NULL);
        goto cleanup;
    }
    cb_fid_bytes_put(x, vlen);
    rc = 0;
cleanup:
    if (locked && ctl_unlock(c, l) != 0)
        rc = -1;
    if (rc == 0 && cb_cost_spend(x, &c->vm, 2, 0, 0) != 0)
        rc = -1;
    free(val);
    etcd_range_result_free(&pr);
    return rc;
}

/* ---- peer events: every rule, in parallel ---- */

typedef struct rule_job {
    cb_controller *c;
    const cb_peer *peers;
    size_t n, first, step;
    cb_rule_type type;
    int rc;
} rule_job;

static int update_rule(cb_controller *c, const cb_peer *peers, size_t n, size_t i, cb_rule_type t)
{
    etcd_status st;
    char key[CB_KEY_MAX], err[128];
    etcd_range_result r = {0};
    cb_rule rule;
    char *v = NULL;
    size_t len;
    int rc = -1;
    double cpu = 0;   /* cost model: CPU not yet spent */
    etcd_txn_result tr = {0};
    cb_key_rule(key, c->x->cladnet, peers[i].host_id);
    cb_rule_init(&rule, c->x->cladnet);
    if (cb_cost_spend(c->x, &c->vm, 2, 0, 0) != 0)
        goto cleanup;
    if (etcd_range(c->client, key, strlen(key), NULL, &r, &st) != ETCD_OK) {
        ctl_err(c, "rule get", &st);
        goto cleanup;
    }
    cb_fid_bytes_get(c->x, &r);
    if (r.n_kvs == 1 && cb_rule_decode(r.kvs[0].value, r.kvs[0].value_len, &rule, err, sizeof err) != 0) {
        cb_ctx_fail(c->x, "controller: rule of %s undecodable: %s", peers[i].host_id, err);
        goto cleanup;
    }
    if (cb_cost_charge(c->x, &c->vm, &cpu, 3, 0, (double)rule.n) != 0)
        goto cleanup;
    for (size_t j = 0; j < n; j++) {
        /* the original decodes every peer again, self included, and logs it */
        size_t had = rule.n;
        if (j == i) {
            if (cb_cost_charge(c->x, &c->vm, &cpu, 1, 1, 0) != 0)
                goto cleanup;
            continue;
        }
        cb_rule_entry e;
        cb_rule_entry_for(&peers[i], &peers[j], t, &e);
        if (cb_rule_upsert(&rule, &e) < 0)
            goto cleanup;
        if (cb_cost_charge(c->x, &c->vm, &cpu, 5 + (rule.n > had), 1, 0) != 0)
            goto cleanup;
    }
    v = cb_rule_encode(&rule, &len);
    if (!v)
        goto cleanup;
    if (cb_cost_charge(c->x, &c->vm, &cpu, 3, 0, (double)rule.n) != 0 || cb_cost_flush(c->x, &c->vm, &cpu) != 0)
        goto cleanup;
    etcd_compare cmp = {.target = ETCD_CMP_VALUE, .result = ETCD_CMP_EQUAL, .key = key,
                        .key_len = strlen(key), .value = v, .value_len = len};
    etcd_request_op put = {.type = ETCD_REQ_PUT, .key = key, .key_len = strlen(key), .value = v,
                           .value_len = len};
    /* a repeat after a lost answer finds the value equal and writes nothing */
    if (etcd_txn_retryable(c->client, &cmp, 1, NULL, 0, &put, 1, &tr, &st) != ETCD_OK) {
        ctl_err(c, "rule CAS txn", &st);
        goto cleanup;
    }
    cb_fid_bytes_put(c->x, len);
    double now = util_now_s();   /* one time for both stamps: a change is a txn */
    cb_fid_rule_txn(c->x, now);
    /* compare failed: the Else put wrote a changed rule; after a repeat the
     * first may have written it (the repeat then finds it equal) */
    if (!tr.succeeded || st.repeats > 0)
        cb_fid_rule_written(c->x, cb_ctx_agent_by_host(c->x, peers[i].host_id), now);
    if (cb_cost_spend(c->x, &c->vm, 3, 0, 0) != 0)
        goto cleanup;
    rc = 0;
cleanup:
    free(v);
    cb_rule_free(&rule);
    etcd_range_result_free(&r);
    etcd_txn_result_free(&tr);
    return rc;
}

static void *rule_worker(void *arg)
{
    rule_job *j = arg;
    for (size_t i = j->first; i < j->n && j->rc == 0 && !cb_ctx_stopping(j->c->x); i += j->step)
        j->rc = update_rule(j->c, j->peers, j->n, i, j->type);
    return NULL;
}

static int ctl_peer_event(cb_controller *c, ctl_loop *l, const etcd_event *ev)
{
    cb_ctx *x = c->x;
    etcd_status st;
    char prefix[CB_KEY_MAX], err[128];
    etcd_range_result all = {0};
    cb_peer *peers = NULL;
    int rc = -1;
    bool locked = false;
    int mine = ctl_claim_locked(c, l, ev);
    if (mine <= 0)
        return mine;
    locked = true;
    cb_key_peer_prefix(prefix, x->cladnet);
    etcd_range_opts o = {.prefix = true};
    if (cb_cost_spend(x, &c->vm, 1, 0, 0) != 0)   /* "Lock acquired" */
        goto cleanup;
    if (etcd_range(c->client, prefix, strlen(prefix), &o, &all, &st) != ETCD_OK) {
        ctl_err(c, "peers get (prefix)", &st);
        goto cleanup;
    }
    cb_fid_bytes_get(x, &all);
    size_t n = all.n_kvs;
    if (n < 2) {
        rc = cb_cost_spend(x, &c->vm, 6 + 1, 0, 0) != 0 ? -1 : 0;
        goto cleanup;
    }
    cb_spec spec;
    if (cb_cost_spend(x, &c->vm, 5, 0, 0) != 0 || ctl_get_spec(c, &spec) != 0 ||
        cb_cost_spend(x, &c->vm, 4, 1, 0) != 0)
        goto cleanup;
    peers = calloc(n, sizeof *peers);
    if (!peers)
        goto cleanup;
    for (size_t i = 0; i < n; i++)
        if (cb_peer_decode(all.kvs[i].value, all.kvs[i].value_len, &peers[i], err, sizeof err) != 0) {
            cb_ctx_fail(x, "controller: peer %s undecodable: %s", all.kvs[i].key, err);
            goto cleanup;
        }
    size_t w = n < CB_RULE_WORKERS ? n : CB_RULE_WORKERS;
    rule_job jobs[CB_RULE_WORKERS];
    pthread_t th[CB_RULE_WORKERS];
    bool started[CB_RULE_WORKERS] = {0};
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setstacksize(&at, CB_THREAD_STACK);
    for (size_t k = 0; k < w; k++) {
        jobs[k] = (rule_job){.c = c, .peers = peers, .n = n, .first = k, .step = w,
                             .type = spec.rule_type, .rc = 0};
        /* the original decodes the peer and logs 2 lines before its goroutine starts */
        if (cb_cost_spend(x, &c->vm, 2, 1, 0) != 0) {
            jobs[k].rc = -1;
            started[k] = false;
            continue;
        }
        started[k] = pthread_create(&th[k], &at, rule_worker, &jobs[k]) == 0;
        if (!started[k])
            rule_worker(&jobs[k]);   /* no thread: do the stripe here */
    }
    pthread_attr_destroy(&at);
    if (n > w)   /* sources beyond the worker cap: their caller part at once */
        cb_cost_spend(x, &c->vm, 2.0 * (double)(n - w), (double)(n - w), 0);
    rc = 0;
    for (size_t k = 0; k < w; k++) {
        if (started[k])
            pthread_join(th[k], NULL);
        if (jobs[k].rc != 0)
            rc = -1;
    }
    if (rc == 0 && cb_cost_spend(x, &c->vm, 2, 0, 0) != 0)   /* the last line of the update, "Release a lock" */
        rc = -1;
cleanup:
    if (locked && ctl_unlock(c, l) != 0)
        rc = -1;
    if (locked && rc == 0 && cb_cost_spend(x, &c->vm, 2, 0, 0) != 0)
        rc = -1;
    free(peers);
    etcd_range_result_free(&all);
    return rc;
}

/* ---- loops ---- */

static int ctl_feed(void *ud, const etcd_event *ev)
{
    ctl_loop *l = ud;
    return l->handle(l->c, l, ev) < 0 ? -1 : 0;
}

static void *ctl_main(void *arg)
{
    ctl_loop *l = arg;
    cb_controller *c = l->c;
    while (!cb_ctx_stopping(c->x)) {
        cb_qitem *it = cb_queue_pop(&l->q, 0.05);
        if (!it)
            continue;
        etcd_watch_response *r = it->resp;
        if (it->gen != l->tag.gen) {
            /* from a stream already replaced */
        } else if (!r || r->canceled || r->error_grpc_code) {
            /* ended (member killed, cut off) or canceled (compaction): resume */
            char err[256];
            int64_t compact = r && r->canceled && r->compact_revision > 0 ? r->compact_revision : 0;
            if (cb_watch_resume(c->x, c->client, &l->watch, &l->tag, compact, ctl_feed, l, NULL, err, sizeof err) != 0 &&
                !cb_ctx_stopping(c->x))
                cb_ctx_fail(c->x, "controller %d: %s watch ended (%s) and could not resume: %s", c->replica, l->what,
                            !r ? it->why : r->error_message ? r->error_message : "canceled", err);
        } else {
            for (size_t i = 0; i < r->n_events && !cb_ctx_stopping(c->x); i++) {
                /* the original logs every watch event it receives */
                if (r->events[i].type == ETCD_EVENT_PUT && cb_cost_spend(c->x, &c->vm, 1, 0, 0) != 0)
                    break;
                if (r->events[i].type == ETCD_EVENT_PUT && l->handle(c, l, &r->events[i]) < 0)
                    break;
                if (r->events[i].kv.mod_revision > l->tag.last_rev)
                    l->tag.last_rev = r->events[i].kv.mod_revision;
            }
        }
        cb_queue_done(&l->q, it);
    }
    return NULL;
}

static int loop_open(cb_controller *c, ctl_loop *l, const char *what, const char *prefix, int src,
                     int (*handle)(cb_controller *, ctl_loop *, const etcd_event *))
{
    etcd_status st;
    char lock[CB_KEY_MAX];
    l->c = c;
    l->what = what;
    l->handle = handle;
    cb_queue_init(&l->q);
    if (etcd_session_new(c->client, cb_ctx_session_ttl(c->x), NULL, NULL, &l->session, &st) != ETCD_OK)
        return ctl_err(c, "session", &st);
    cb_key_lock(lock, c->x->cladnet);
    if (etcd_mutex_new(l->session, lock, &l->mutex, &st) != ETCD_OK)
        return ctl_err(c, "mutex", &st);
    cb_fid_mutex_opts(c->x, l->mutex);
    l->tag = (cb_watch_tag){.q = &l->q, .src = src};
    snprintf(l->tag.key, sizeof l->tag.key, "%s", prefix);
    l->tag.prefix = true;
    etcd_watch_opts o = {.prefix = true};
    if (etcd_watch_start(c->client, prefix, strlen(prefix), &o, cb_watch_on_resp, cb_watch_on_end,
                         &l->tag, &l->watch, &st) != ETCD_OK)
        return ctl_err(c, prefix, &st);
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setstacksize(&at, CB_THREAD_STACK);
    int rc = pthread_create(&l->th, &at, ctl_main, l);
    pthread_attr_destroy(&at);
    if (rc != 0)
        return ctl_err(c, "thread start", NULL);
    l->running = true;
    return 0;
}

static void loop_close(ctl_loop *l)
{
    if (!l->c)
        return;
    if (l->running)
        pthread_join(l->th, NULL);
    l->running = false;
    etcd_watch_stop(l->watch);
    l->watch = NULL;
    etcd_mutex_free(l->mutex);
    l->mutex = NULL;
    etcd_session_close(l->session);
    l->session = NULL;
    cb_queue_destroy(&l->q);
    l->c = NULL;
}

cb_controller *cb_controller_new(cb_ctx *x, int replica, etcd_client *client)
{
    cb_controller *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->x = x;
    c->replica = replica;
    c->client = client;
    c->with_peer = x->ops->controller_builds_rules;
    if (x->cost)
        cb_vm_init(&c->vm, x->cost, cb_profile_class(x->profile, x->profile->controller_vm),
                   x->profile->controller_speed, 1.0);
    return c;
}

int cb_controller_start(cb_controller *c)
{
    char prefix[CB_KEY_MAX];
    cb_key_host_prefix(prefix, c->x->cladnet);
    if (loop_open(c, &c->host, "host-network-information", prefix, CB_SRC_HOSTS, ctl_host_event) != 0)
        return -1;
    if (c->with_peer) {
        cb_key_peer_prefix(prefix, c->x->cladnet);
        if (loop_open(c, &c->peer, "peer", prefix, CB_SRC_PEERS, ctl_peer_event) != 0)
            return -1;
    }
    return 0;
}

bool cb_controller_idle(cb_controller *c)
{
    return (!c->host.c || cb_queue_idle(&c->host.q)) && (!c->peer.c || cb_queue_idle(&c->peer.q));
}

void cb_controller_stop(cb_controller *c)
{
    if (!c)
        return;
    loop_close(&c->host);
    loop_close(&c->peer);
}

void cb_controller_cost(cb_controller *c, double *cpu_s, double *lines)
{
    *cpu_s = 0;
    *lines = 0;
    if (!c || !c->vm.ready)
        return;
    pthread_mutex_lock(&c->vm.mu);
    *cpu_s = c->vm.spent_s;
    *lines = c->vm.lines;
    pthread_mutex_unlock(&c->vm.mu);
}

void cb_controller_free(cb_controller *c)
{
    cb_controller_stop(c);
    cb_vm_destroy(&c->vm);
    free(c);
}
