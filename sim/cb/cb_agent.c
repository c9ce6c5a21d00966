/* cb_agent.c: one simulated cb-network agent (a VM), the steps its modes are
 * made of, its event queue, and the run context helpers they share.
 *
 * Threading: every agent has one thread (CB_THREAD_STACK) that runs its
 * start-up sequence and then handles its watch events one at a time, in
 * order, as the original's agent does. Watch callbacks run on the etcd
 * client's shared thread: they only queue the response (cb_watch_on_resp).
 */
#include "sim/cb/cb_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- queue ---- */

void cb_sync_init(pthread_mutex_t *mu, pthread_cond_t *cv)
{
    pthread_mutex_init(mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &ca);
    pthread_condattr_destroy(&ca);
}

void cb_queue_init(cb_queue *q)
{
    memset(q, 0, sizeof *q);
    cb_sync_init(&q->mu, &q->cv);
}

void cb_queue_destroy(cb_queue *q)
{
    cb_qitem *it = q->head;
    while (it) {
        cb_qitem *next = it->next;
        if (it->resp)
            etcd_watch_response_free(it->resp);
        free(it);
        it = next;
    }
    q->head = q->tail = NULL;
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
}

void cb_queue_push(cb_queue *q, cb_qitem *it)
{
    it->next = NULL;
    pthread_mutex_lock(&q->mu);
    if (q->tail)
        q->tail->next = it;
    else
        q->head = it;
    q->tail = it;
    q->n++;
    q->pushed++;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

static struct timespec deadline_after(double s)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double ns = (double)ts.tv_nsec + s * 1e9;
    ts.tv_sec += (time_t)(ns / 1e9);
    ts.tv_nsec = (long)(ns - (double)(time_t)(ns / 1e9) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

cb_qitem *cb_queue_pop(cb_queue *q, double timeout_s)
{
    struct timespec dl = deadline_after(timeout_s);
    pthread_mutex_lock(&q->mu);
    /* a wake (the run stopping, the agent killed) ends the wait at once,
     * also one that came just before it: the owner then checks why */
    while (!q->head && !q->woken) {
        if (pthread_cond_timedwait(&q->cv, &q->mu, &dl) == ETIMEDOUT)
            break;
    }
    q->woken = false;
    cb_qitem *it = q->head;
    if (it) {
        q->head = it->next;
        if (!q->head)
            q->tail = NULL;
        q->n--;
        q->busy = true;
    }
    pthread_mutex_unlock(&q->mu);
    return it;
}

void cb_queue_done(cb_queue *q, cb_qitem *it)
{
    pthread_mutex_lock(&q->mu);
    q->busy = false;
    q->handled++;
    pthread_mutex_unlock(&q->mu);
    if (it->resp)
        etcd_watch_response_free(it->resp);
    free(it);
}

void cb_queue_wake(cb_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->woken = true;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

bool cb_queue_idle(cb_queue *q)
{
    pthread_mutex_lock(&q->mu);
    bool idle = !q->head && !q->busy;
    pthread_mutex_unlock(&q->mu);
    return idle;
}

void cb_watch_on_resp(etcd_watch_response *resp, void *ud)
{
    cb_watch_tag *t = ud;
    if (t->notify)
        t->notify(t->notify_ud, resp);
    if (resp->created)
        t->created_rev = resp->header.revision;
    /* created / progress responses carry nothing to handle */
    if (resp->n_events == 0 && !resp->canceled && resp->error_grpc_code == 0) {
        etcd_watch_response_free(resp);
        return;
    }
    cb_qitem *it = calloc(1, sizeof *it);
    if (!it) {
        etcd_watch_response_free(resp);
        return;
    }
    it->src = t->src;
    it->resp = resp;
    it->widx = t->idx;
    it->gen = t->gen;
    cb_queue_push(t->q, it);
}

void cb_watch_on_end(const etcd_status *st, void *ud)
{
    cb_watch_tag *t = ud;
    cb_qitem *it = calloc(1, sizeof *it);
    if (!it)
        return;
    it->src = t->src;
    it->widx = t->idx;
    it->gen = t->gen;
    snprintf(it->why, sizeof it->why, "%s", st && st->message[0] ? st->message : "stream ended");
    cb_queue_push(t->q, it);
}

void cb_watch_seen(cb_watch_tag *t, const etcd_watch_response *r)
{
    for (size_t i = 0; i < r->n_events; i++)
        if (r->events[i].kv.mod_revision > t->last_rev)
            t->last_rev = r->events[i].kv.mod_revision;
}

static bool resume_stopping(cb_ctx *x, volatile int *killed)
{
    return cb_ctx_stopping(x) || (killed && *killed);
}

int cb_watch_resume(cb_ctx *x, etcd_client *c, etcd_watch **w, cb_watch_tag *t, int64_t compact_rev,
                    cb_feed_fn feed, void *feed_ud, volatile int *killed, char *err, size_t err_len)
{
    etcd_status st;
    etcd_watch_stop(*w);
    *w = NULL;
    t->gen++;   /* items the old stream queued are stale from here on */
    int64_t from = t->last_rev;
    if (t->created_rev > from)
        from = t->created_rev;
    from++;
    double deadline = util_now_s() + 60.0;
    bool relisted = false;
    for (int attempt = 0;; attempt++) {
        if (resume_stopping(x, killed)) {
            snprintf(err, err_len, "stopping");
            return -1;
        }
        if (compact_rev > 0 && from < compact_rev) {
            /* The revisions we missed are gone: read the key now and hand
             * over what changed since we last saw it, then watch on from the
             * read's revision. (Deletions in the gap are not replayed: the
             * protocol does not act on them.) */
            etcd_range_result r = {0};
            etcd_range_opts o = {.prefix = t->prefix};
            if (etcd_range(c, t->key, strlen(t->key), &o, &r, &st) == ETCD_OK) {
                int rc = 0;
                for (size_t i = 0; i < r.n_kvs && rc == 0; i++) {
                    if (r.kvs[i].mod_revision <= t->last_rev)
                        continue;
                    etcd_event ev = {.type = ETCD_EVENT_PUT, .kv = r.kvs[i]};
                    rc = feed(feed_ud, &ev);
                }
                if (r.header.revision > t->last_rev)
                    t->last_rev = r.header.revision;
                from = r.header.revision + 1;
                etcd_range_result_free(&r);
                if (rc != 0) {
                    snprintf(err, err_len, "re-list of %s: an event failed", t->key);
                    return -1;
                }
                relisted = true;
                compact_rev = 0;
            }
        }
        if (compact_rev == 0 || from >= compact_rev) {
            etcd_watch_opts o = {.prefix = t->prefix, .start_revision = from};
            t->created_rev = 0;
            if (etcd_watch_start(c, t->key, strlen(t->key), &o, cb_watch_on_resp, cb_watch_on_end, t, w, &st) ==
                ETCD_OK)
                break;
            if (st.code == ETCD_ERR_COMPACTED)
                compact_rev = from + 1;
        }
        if (util_now_s() > deadline) {
            snprintf(err, err_len, "could not watch %s again for 60 s: %s", t->key, st.message);
            return -1;
        }
        /* bounded backoff; the client's policy picks another endpoint */
        cb_ctx_sleep(x, attempt < 5 ? 0.05 * (1 << attempt) : 1.0);
    }
    pthread_mutex_lock(&x->mu);
    x->watch_resumes++;
    if (relisted)
        x->watch_relists++;
    pthread_mutex_unlock(&x->mu);
    return 0;
}

/* ---- context ---- */

int cb_ctx_sleep(cb_ctx *x, double s)
{
    if (s <= 0)
        return x->stop ? -1 : 0;
    struct timespec dl = deadline_after(s);
    pthread_mutex_lock(&x->mu);
    while (!x->stop) {
        if (pthread_cond_timedwait(&x->cv, &x->mu, &dl) == ETIMEDOUT)
            break;
    }
    int rc = x->stop ? -1 : 0;
    pthread_mutex_unlock(&x->mu);
    return rc;
}

bool cb_ctx_stopping(cb_ctx *x)
{
    return x->stop || (x->cfg->stop && *x->cfg->stop);
}

void cb_ctx_fail(cb_ctx *x, const char *fmt, ...)
{
    pthread_mutex_lock(&x->mu);
    if (!x->error[0] && !x->stop) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(x->error, sizeof x->error, fmt, ap);
        va_end(ap);
    }
    /* One broken participant makes the run meaningless: end it now. */
    x->stop = 1;
    pthread_cond_broadcast(&x->cv);
    pthread_mutex_unlock(&x->mu);
}

void cb_ctx_lock_waited(cb_ctx *x, double wait_s)
{
    pthread_mutex_lock(&x->mu);
    x->lock_wait_sum += wait_s;
    if (wait_s > x->lock_wait_max)
        x->lock_wait_max = wait_s;
    x->lock_acq++;
    pthread_mutex_unlock(&x->mu);
}

cb_agent *cb_ctx_agent_by_host(cb_ctx *x, const char *host_id)
{
    int lo = 0, hi = x->n_agents - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        cb_agent *a = x->agents[x->by_host[mid]];
        int c = strcmp(a->host_id, host_id);
        if (c == 0)
            return a;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}

/* ---- agent steps ---- */

void cb_agent_mark(cb_agent *a, cb_event ev)
{
    cb_timeline_add(a->x->tl, a->host_id, a->place->region, ev, util_now_s());
}

static bool agent_stopping(cb_agent *a)
{
    return a->killed || cb_ctx_stopping(a->x);
}

static int agent_err(cb_agent *a, const char *what, const etcd_status *st)
{
    if (!agent_stopping(a))
        cb_ctx_fail(a->x, "agent %d (%s, %s): %s failed: %s", a->index, a->host_id, a->place->region,
                    what, st ? st->message : "");
    return -1;
}

int cb_agent_watch(cb_agent *a, const char *key, bool prefix, int64_t start_rev, int src)
{
    if (a->nw >= (int)(sizeof a->w / sizeof a->w[0]))
        return agent_err(a, "watch (too many watches)", NULL);
    etcd_status st;
    cb_watch_tag *t = &a->tags[a->nw];
    memset(t, 0, sizeof *t);
    t->q = &a->q;
    t->src = src;
    t->idx = a->nw;
    snprintf(t->key, sizeof t->key, "%s", key);
    t->prefix = prefix;
    t->last_rev = start_rev > 0 ? start_rev - 1 : 0;
    etcd_watch_opts o = {.prefix = prefix, .start_revision = start_rev};
    if (etcd_watch_start(a->client, key, strlen(key), &o, cb_watch_on_resp, cb_watch_on_end, t,
                         &a->w[a->nw], &st) != ETCD_OK)
        return agent_err(a, key, &st);
    a->nw++;
    return 0;
}

int cb_agent_sleep(cb_agent *a, double s)
{
    cb_ctx *x = a->x;
    if (!a->complete)
        a->t_fixed += s;
    if (s <= 0)
        return agent_stopping(a) ? -1 : 0;
    /* like cb_ctx_sleep, but a redeploy (killed) wakes this agent too */
    struct timespec dl = deadline_after(s);
    pthread_mutex_lock(&x->mu);
    while (!x->stop && !a->killed) {
        if (pthread_cond_timedwait(&x->cv, &x->mu, &dl) == ETIMEDOUT)
            break;
    }
    int rc = x->stop || a->killed ? -1 : 0;
    pthread_mutex_unlock(&x->mu);
    return rc;
}

static void on_session_lost(etcd_session *s, void *ud)
{
    /* Not fatal: the agent's session only carries its lock key; the next
     * lock attempt sees it lost and opens a new one (cb_agent_lock). */
    (void)s;
    (void)ud;
}

int cb_agent_session(cb_agent *a)
{
    etcd_status st;
    char lock[CB_KEY_MAX];
    if (etcd_session_new(a->client, cb_ctx_session_ttl(a->x), on_session_lost, a, &a->session, &st) != ETCD_OK)
        return agent_err(a, "session (lease grant)", &st);
    cb_key_lock(lock, a->x->cladnet);
    if (etcd_mutex_new(a->session, lock, &a->mutex, &st) != ETCD_OK)
        return agent_err(a, "mutex", &st);
    cb_fid_mutex_opts(a->x, a->mutex);
    return 0;
}

static int lock_timeout_ms(cb_ctx *x)
{
    double t = x->cfg->timeout_s > 0 ? x->cfg->timeout_s : 600;
    return (int)(t * 1000);
}

int cb_agent_lock(cb_agent *a)
{
    etcd_status st;
    cb_agent_mark(a, CB_EV_LOCK_ASKED);
    double t = util_now_s();
    for (int renew = 0;; renew++) {
        etcd_code rc = cb_mutex_lock(a->x, a->mutex, lock_timeout_ms(a->x), &st);
        if (rc == ETCD_OK)
            break;
        char err[256];
        if (rc != ETCD_ERR_LEASE_LOST || renew >= 5 || agent_stopping(a))
            return agent_err(a, "peer lock", &st);
        if (cb_ctx_renew_session(a->x, a->client, &a->session, &a->mutex, on_session_lost, a, err, sizeof err) != 0) {
            snprintf(st.message, sizeof st.message, "%s", err);
            return agent_err(a, "peer lock (new session)", &st);
        }
    }
    double w = util_now_s() - t;
    if (!a->complete)
        a->t_lock += w;
    cb_ctx_lock_waited(a->x, w);
    cb_agent_mark(a, CB_EV_LOCK_HELD);
    double stall = cb_ctx_take_freeze(a->x);
    if (stall > 0) {
        char err[256];
        a->lock_lost = true;
        if (cb_ctx_freeze(a->x, a->client, stall, &a->session, &a->mutex, on_session_lost, a, err, sizeof err) != 0) {
            etcd_status s2 = {0};
            snprintf(s2.message, sizeof s2.message, "%s", err);
            return agent_err(a, "frozen holder", &s2);
        }
    }
    return 0;
}

int cb_agent_unlock(cb_agent *a)
{
    etcd_status st;
    if (a->lock_lost) {
        /* froze holding it: the lease expired and took the key along */
        a->lock_lost = false;
        return 0;
    }
    if (etcd_mutex_unlock(a->mutex, &st) != ETCD_OK && !(a->session && !etcd_session_alive(a->session)))
        return agent_err(a, "peer unlock", &st);   /* (a lost session's key went with its lease) */
    cb_agent_mark(a, CB_EV_LOCK_RELEASED);
    return 0;
}

int cb_agent_publish_host(cb_agent *a)
{
    cb_ctx *x = a->x;
    etcd_status st;
    char key[CB_KEY_MAX];
    size_t len;
    /* the original sleeps 200 ms after starting CBNet.Run() (profile switch) */
    if (x->run_sleep_s > 0 && cb_agent_sleep(a, x->run_sleep_s) != 0)
        return -1;
    /* the public-IP lookup is an outside HTTP call: only its time matters */
    if (cb_agent_sleep(a, x->d.public_ip_s) != 0)
        return -1;
    char *v = cb_host_info_encode(&a->facts, &len);
    if (!v)
        return agent_err(a, "host information encode", NULL);
    cb_key_host(key, x->cladnet, a->host_id);
    /* the agent is its host key's only writer: safe to repeat after a lost answer */
    etcd_put_opts once = {.retry_safe = true};
    etcd_code rc = etcd_put(a->client, key, strlen(key), v, len, &once, NULL, &st);
    free(v);
    if (rc != ETCD_OK)
        return agent_err(a, "host information put", &st);
    cb_fid_bytes_put(x, len);
    cb_agent_mark(a, CB_EV_HOST_INFO_PUT);
    cb_key_test_request(key, x->cladnet, a->host_id);
    if (cb_agent_watch(a, key, false, 0, CB_SRC_OTHER) != 0)
        return -1;
    return cb_agent_sleep(a, x->d.watch_sleep_s);
}

int cb_agent_configure_iface(cb_agent *a)
{
    /* its ~14 lines and 3 fork/exec of /sbin/ip (cost model) */
    if (cb_cost_spend(a->x, &a->vm, 14, 0, 0) != 0 || cb_cost_iface(a->x, &a->vm) != 0)
        return -1;
    /* the original configures the tunnel with two 1 s sleeps */
    if (cb_agent_sleep(a, a->x->d.iface_config_s / 2) != 0)
        return -1;
    return cb_agent_sleep(a, a->x->d.iface_config_s / 2);
}

int cb_agent_put_tunneling(cb_agent *a, const cb_peer *own)
{
    cb_peer p = *own;
    etcd_status st;
    char key[CB_KEY_MAX];
    size_t len;
    snprintf(p.state, sizeof p.state, "%s", CB_STATE_TUNNELING);
    char *v = cb_peer_encode(&p, &len);
    if (!v)
        return agent_err(a, "peer encode", NULL);
    cb_key_peer(key, a->x->cladnet, a->host_id);
    /* The controller writes this key too, but only "configuring", and before
     * the agent puts tunneling (it acts on that very value); only a redeploy
     * writes configuring again, for a new incarnation, after this one stopped.
     * So a repeat of this put cannot overwrite a newer value. */
    etcd_put_opts once = {.retry_safe = true};
    etcd_code rc = etcd_put(a->client, key, strlen(key), v, len, &once, NULL, &st);
    free(v);
    if (rc != ETCD_OK)
        return agent_err(a, "peer put (tunneling)", &st);
    cb_fid_bytes_put(a->x, len);
    cb_agent_mark(a, CB_EV_TUNNELING_PUT);
    if (!a->tunneling_put) {
        a->tunneling_put = true;
        pthread_mutex_lock(&a->x->mu);
        a->x->n_tunneling++;
        a->x->last_tunneling = util_now_s();
        if (a->x->n_tunneling == a->x->n_agents)
            a->x->all_tunneling = util_now_s();
        pthread_cond_broadcast(&a->x->cv);
        pthread_mutex_unlock(&a->x->mu);
    }
    return 0;
}

int cb_agent_get_spec(cb_agent *a)
{
    if (a->spec_valid && a->x->spec_cache)
        return 0;
    etcd_status st;
    etcd_range_result r = {0};
    char key[CB_KEY_MAX], err[128];
    cb_key_spec(key, a->x->cladnet);
    if (etcd_range(a->client, key, strlen(key), NULL, &r, &st) != ETCD_OK)
        return agent_err(a, "spec get", &st);
    cb_fid_bytes_get(a->x, &r);
    /* getRuleType: 7 lines and the spec decode (cost model) */
    if (cb_cost_spend(a->x, &a->vm, 7, 1, 0) != 0) {
        etcd_range_result_free(&r);
        return -1;
    }
    int rc = 0;
    if (r.n_kvs != 1 || cb_spec_decode(r.kvs[0].value, r.kvs[0].value_len, &a->spec, err, sizeof err) != 0) {
        etcd_status s2 = {0};
        snprintf(s2.message, sizeof s2.message, "%s: %s", key,
                 r.n_kvs ? err : "missing (write it with cb_write_spec)");
        rc = agent_err(a, "spec get", &s2);
    } else {
        a->spec_valid = true;
    }
    etcd_range_result_free(&r);
    return rc;
}

int cb_agent_cas_rule(cb_agent *a, const cb_rule *r)
{
    etcd_status st;
    char key[CB_KEY_MAX];
    size_t len;
    char *v = cb_rule_encode(r, &len);
    if (!v)
        return agent_err(a, "rule encode", NULL);
    cb_key_rule(key, a->x->cladnet, a->host_id);
    etcd_compare cmp = {.target = ETCD_CMP_VALUE, .result = ETCD_CMP_EQUAL, .key = key,
                        .key_len = strlen(key), .value = v, .value_len = len};
    etcd_request_op put = {.type = ETCD_REQ_PUT, .key = key, .key_len = strlen(key), .value = v,
                           .value_len = len};
    etcd_txn_result tr = {0};
    /* a repeat after a lost answer finds the value equal and writes nothing */
    etcd_code rc = etcd_txn_retryable(a->client, &cmp, 1, NULL, 0, &put, 1, &tr, &st);
    free(v);
    if (rc != ETCD_OK)
        return agent_err(a, "rule CAS txn", &st);
    cb_fid_bytes_put(a->x, len);
    double now = util_now_s();   /* one time for both stamps: a change is a txn */
    cb_fid_rule_txn(a->x, now);
    /* compare failed: the Else put wrote a changed rule; after a repeat the
     * first may have written it (the repeat then finds it equal) */
    if (!tr.succeeded || st.repeats > 0)
        cb_fid_rule_written(a->x, a, now);
    etcd_txn_result_free(&tr);
    cb_agent_check_complete(a, r);
    return 0;
}

void cb_agent_cache_store(cb_agent *a, const cb_peer *p)
{
    for (size_t i = 0; i < a->n_cache; i++)
        if (strcmp(a->cache[i].host_id, p->host_id) == 0) {
            a->cache[i] = *p;
            return;
        }
    if (a->n_cache == a->cap_cache) {
        size_t cap = a->cap_cache ? a->cap_cache * 2 : 16;
        cb_peer *c = realloc(a->cache, cap * sizeof *c);
        if (!c) {
            cb_ctx_fail(a->x, "agent %d: out of memory for its peer cache", a->index);
            return;
        }
        a->cache = c;
        a->cap_cache = cap;
    }
    a->cache[a->n_cache++] = *p;
}

int cb_agent_load_peers(cb_agent *a, int64_t *revision)
{
    etcd_status st;
    etcd_range_result r = {0};
    char key[CB_KEY_MAX], err[128];
    cb_key_peer_prefix(key, a->x->cladnet);
    etcd_range_opts o = {.prefix = true};
    if (etcd_range(a->client, key, strlen(key), &o, &r, &st) != ETCD_OK)
        return agent_err(a, "peers get (prefix)", &st);
    cb_fid_bytes_get(a->x, &r);
    /* the original's lines and one decode per peer, under the init lock in after mode */
    if (cb_cost_spend(a->x, &a->vm, cb_cost_lines_init_lock((int)r.n_kvs), (double)r.n_kvs, 0) != 0) {
        etcd_range_result_free(&r);
        return -1;
    }
    for (size_t i = 0; i < r.n_kvs; i++) {
        cb_peer p;
        if (cb_peer_decode(r.kvs[i].value, r.kvs[i].value_len, &p, err, sizeof err) != 0)
            continue;   /* not ours to judge here: the checker reports bad values */
        if (strcmp(p.host_id, a->host_id) == 0)
            continue;   /* own peer apart: it arrives through the watch */
        cb_agent_cache_store(a, &p);
    }
    if (revision)
        *revision = r.header.revision;
    etcd_range_result_free(&r);
    return 0;
}

void cb_agent_rebuild_rule(cb_agent *a)
{
    cb_rule_free(&a->rule);
    cb_rule_init(&a->rule, a->x->cladnet);
    cb_rule_type t = a->spec_valid ? a->spec.rule_type : a->x->rule_type;
    for (size_t i = 0; i < a->n_cache; i++) {
        cb_rule_entry e;
        cb_rule_entry_for(a->have_self ? &a->self : NULL, &a->cache[i], t, &e);
        if (cb_rule_upsert(&a->rule, &e) < 0)
            cb_ctx_fail(a->x, "agent %d: out of memory for its rule", a->index);
    }
}

void cb_agent_check_complete(cb_agent *a, const cb_rule *r)
{
    if (a->complete)
        return;
    /* a redeployed agent is complete again only once its tunnel is up in
     * its new region, whatever rule it could read before that */
    if (a->redeployed && !a->tunneling_put)
        return;
    size_t with_ip = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->e[i].peer_ip[0] && strcmp(r->e[i].host_id, a->host_id) != 0)
            with_ip++;
    if (with_ip < (size_t)(a->x->n_agents - 1))
        return;
    a->complete = true;
    a->t_complete = util_now_s();
    cb_agent_mark(a, CB_EV_RULE_COMPLETE);
    pthread_mutex_lock(&a->x->mu);
    a->x->n_complete++;
    if (a->t_complete > a->x->last_complete)
        a->x->last_complete = a->t_complete;
    a->x->app_bytes_last_complete = cb_fid_app_bytes(a->x);
    if (a->x->n_complete == a->x->n_agents)
        a->x->app_bytes_all_ips = cb_fid_app_bytes(a->x);
    pthread_cond_broadcast(&a->x->cv);
    pthread_mutex_unlock(&a->x->mu);
}

/* ---- agent life ---- */

/* The state every incarnation of an agent (a VM just booted) starts from: an
 * empty queue and rule, no watches, nothing learned, nothing measured. Both
 * cb_agent_init and cb_agent_reset (redeploy) start from here, so a field an
 * incarnation must not inherit is cleared in this one place. What carries
 * over is the identity (index, host id, facts), the cache's memory (n_cache
 * empties it), self and spec (only read once have_self / spec_valid say so)
 * and t_start / t_complete (set again when reached). */
static void agent_fresh(cb_agent *a)
{
    cb_queue_init(&a->q);
    cb_rule_init(&a->rule, a->x->cladnet);
    a->nw = 0;
    a->own_state[0] = '\0';
    a->have_self = false;
    a->n_cache = 0;
    a->spec_valid = false;
    a->configured = false;
    a->lock_lost = false;
    a->complete = false;
    a->tunneling_put = false;
    a->t_lock = a->t_fixed = 0;
    a->killed = 0;
    a->t_rule_changed = 0;
    a->app_bytes_at_rule_change = 0;
    /* its VM (cost model): after-mode agents write every line twice (file hook) */
    memset(&a->vm, 0, sizeof a->vm);
    if (a->x->cost)
        cb_vm_init(&a->vm, a->x->cost, cb_profile_region_class(a->x->profile, a->place->region), 1.0,
                   a->x->ops->controller_builds_rules ? 1.0 : a->x->profile->file_hook_factor);
}

int cb_agent_init(cb_agent *a, cb_ctx *x, int index, const cb_place *place, etcd_client *client)
{
    memset(a, 0, sizeof *a);
    a->x = x;
    a->index = index;
    a->place = place;
    a->client = client;
    cb_host_id(x->cfg->seed, index, a->host_id);
    cb_host_facts(x->cfg->seed, index, &a->facts);
    agent_fresh(a);
    return 0;
}

void cb_agent_reset(cb_agent *a, const cb_place *place, etcd_client *client)
{
    /* a new VM: nothing of the old one's memory survives */
    cb_queue_destroy(&a->q);
    cb_rule_free(&a->rule);
    cb_vm_destroy(&a->vm);
    a->place_copy = *place;
    a->place = &a->place_copy;
    agent_fresh(a);
    /* the client of an earlier redeploy goes, and its requests with it:
     * the run's stats count the latest own client only */
    etcd_client_free(a->own_client);
    a->own_client = client;
    a->client = client;
    a->redeployed = true;
    a->t_redeploy = util_now_s();
    a->offset_s = a->t_redeploy - a->x->t0;
}

typedef struct agent_feed_ud {
    cb_agent *a;
    int src;
} agent_feed_ud;

static int agent_feed(void *ud, const etcd_event *ev)
{
    agent_feed_ud *f = ud;
    return f->a->x->ops->agent_event(f->a, f->src, ev);
}

static void agent_handle(cb_agent *a, cb_qitem *it)
{
    etcd_watch_response *r = it->resp;
    if (it->widx < 0 || it->widx >= a->nw || it->gen != a->tags[it->widx].gen)
        return;   /* from a stream already replaced */
    cb_watch_tag *t = &a->tags[it->widx];
    if (!r || r->canceled || r->error_grpc_code) {
        /* The stream ended (member killed or cut off: "no leader") or was
         * canceled (compaction): watch again from where we are. */
        char err[256];
        agent_feed_ud f = {.a = a, .src = it->src};
        int64_t compact = r && r->canceled ? (r->compact_revision > 0 ? r->compact_revision : 0) : 0;
        if (cb_watch_resume(a->x, a->client, &a->w[it->widx], t, compact, agent_feed, &f, &a->killed, err,
                            sizeof err) != 0 &&
            !agent_stopping(a))
            cb_ctx_fail(a->x, "agent %d (%s): watch %s ended (%s) and could not resume: %s", a->index,
                        a->host_id, t->key,
                        !r ? it->why : r->error_message ? r->error_message
                                     : r->cancel_reason ? r->cancel_reason : "canceled", err);
        return;
    }
    for (size_t i = 0; i < r->n_events && !agent_stopping(a); i++) {
        if (a->x->ops->agent_event(a, it->src, &r->events[i]) != 0)
            return;
        if (r->events[i].kv.mod_revision > t->last_rev)
            t->last_rev = r->events[i].kv.mod_revision;
    }
}

static void *agent_main(void *arg)
{
    cb_agent *a = arg;
    cb_ctx *x = a->x;
    double wait = x->t0 + a->offset_s - util_now_s();
    if (wait > 0 && cb_ctx_sleep(x, wait) != 0)
        goto cleanup;
    a->t_start = util_now_s();
    pthread_mutex_lock(&x->mu);
    if (x->first_start == 0 || a->t_start < x->first_start)
        x->first_start = a->t_start;
    pthread_mutex_unlock(&x->mu);
    cb_agent_mark(a, CB_EV_START);
    /* the original looks its public IP up twice (profile switch): once at process init */
    if (x->second_public_ip && cb_agent_sleep(a, x->d.public_ip_s) != 0)
        goto cleanup;
    if (x->ops->agent_setup(a) != 0)
        goto cleanup;
    while (!agent_stopping(a)) {
        /* long wait: 1,000 idle agents must not poll; stop wakes us */
        cb_qitem *it = cb_queue_pop(&a->q, 1.0);
        if (!it)
            continue;
        agent_handle(a, it);
        cb_queue_done(&a->q, it);
    }
cleanup:
    /* watches first, so no callback queues into a dying agent */
    for (int i = 0; i < a->nw; i++)
        etcd_watch_stop(a->w[i]);
    a->nw = 0;
    etcd_mutex_free(a->mutex);
    a->mutex = NULL;
    if (a->killed)
        etcd_session_abandon(a->session);   /* a crashed VM revokes nothing: its lease expires */
    else
        etcd_session_close(a->session);
    a->session = NULL;
    return NULL;
}

int cb_agent_start(cb_agent *a)
{
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setstacksize(&at, CB_THREAD_STACK);
    int rc = pthread_create(&a->th, &at, agent_main, a);
    pthread_attr_destroy(&at);
    if (rc != 0)
        return -1;
    a->started = true;
    return 0;
}

void cb_agent_stop_all(cb_ctx *x)
{
    pthread_mutex_lock(&x->mu);
    x->stop = 1;
    pthread_cond_broadcast(&x->cv);
    pthread_mutex_unlock(&x->mu);
    for (int i = 0; x->agents && i < x->n_agents; i++)
        if (x->agents[i])
            cb_queue_wake(&x->agents[i]->q);
}

void cb_agent_join(cb_agent *a)
{
    if (a->started)
        pthread_join(a->th, NULL);
    a->started = false;
}

void cb_agent_destroy(cb_agent *a)
{
    cb_agent_join(a);
    cb_queue_destroy(&a->q);
    cb_rule_free(&a->rule);
    free(a->cache);
    a->cache = NULL;
    cb_vm_destroy(&a->vm);
    etcd_client_free(a->own_client);
    a->own_client = NULL;
}

/* ---- faults: frozen lock holder ---- */

etcd_code cb_mutex_lock(cb_ctx *x, etcd_mutex *m, int timeout_ms, etcd_status *st)
{
    double deadline = util_now_s() + timeout_ms / 1000.0;
    for (int attempt = 0;; attempt++) {
        int left = (int)((deadline - util_now_s()) * 1000);
        etcd_code rc = etcd_mutex_lock(m, left > 1 ? left : 1, st);
        if (rc == ETCD_OK || rc == ETCD_ERR_LEASE_LOST || rc == ETCD_ERR_INVAL || rc == ETCD_ERR_NOMEM ||
            cb_ctx_stopping(x) || util_now_s() >= deadline || attempt >= 50)
            return rc;
        pthread_mutex_lock(&x->mu);
        x->lock_retries++;
        pthread_mutex_unlock(&x->mu);
        cb_ctx_sleep(x, attempt < 4 ? 0.05 * (1 << attempt) : 0.5);
    }
}

int cb_ctx_renew_session(cb_ctx *x, etcd_client *c, etcd_session **session, etcd_mutex **mutex,
                         etcd_session_lost_fn on_lost, void *on_lost_ud, char *err, size_t err_len)
{
    etcd_status st;
    char lock[CB_KEY_MAX];
    etcd_mutex_free(*mutex);
    *mutex = NULL;
    etcd_session_abandon(*session);
    *session = NULL;
    if (etcd_session_new(c, cb_ctx_session_ttl(x), on_lost, on_lost_ud, session, &st) != ETCD_OK) {
        snprintf(err, err_len, "new session: %s", st.message);
        return -1;
    }
    cb_key_lock(lock, x->cladnet);
    if (etcd_mutex_new(*session, lock, mutex, &st) != ETCD_OK) {
        snprintf(err, err_len, "new mutex: %s", st.message);
        return -1;
    }
    cb_fid_mutex_opts(x, *mutex);
    pthread_mutex_lock(&x->mu);
    x->sessions_renewed++;
    pthread_mutex_unlock(&x->mu);
    return 0;
}

int cb_ctx_session_ttl(cb_ctx *x)
{
    return x->session_ttl > 0 ? x->session_ttl : 60;
}

double cb_ctx_take_freeze(cb_ctx *x)
{
    pthread_mutex_lock(&x->mu);
    double s = x->freeze_armed_s;
    x->freeze_armed_s = 0;
    pthread_mutex_unlock(&x->mu);
    return s;
}

int cb_ctx_freeze(cb_ctx *x, etcd_client *c, double stall_s, etcd_session **session, etcd_mutex **mutex,
                  etcd_session_lost_fn on_lost, void *on_lost_ud, char *err, size_t err_len)
{
    etcd_status st;
    char lock[CB_KEY_MAX];
    pthread_mutex_lock(&x->mu);
    uint64_t acq = x->lock_acq;
    x->freezes++;
    pthread_mutex_unlock(&x->mu);
    /* Frozen (a GC pause, a stopped VM): no keepalive leaves; the lease,
     * and with it our lock key, expires after the TTL. */
    etcd_mutex_free(*mutex);
    *mutex = NULL;
    etcd_session_abandon(*session);
    *session = NULL;
    if (cb_ctx_sleep(x, stall_s) != 0) {
        snprintf(err, err_len, "stopping");
        return -1;
    }
    pthread_mutex_lock(&x->mu);
    if (x->lock_acq > acq)
        x->freeze_passed++;
    pthread_mutex_unlock(&x->mu);
    /* Thawed: it finds its session gone (as clientv3's session.Done()) and
     * opens a new one before it goes on. */
    if (etcd_session_new(c, cb_ctx_session_ttl(x), on_lost, on_lost_ud, session, &st) != ETCD_OK) {
        snprintf(err, err_len, "new session after the freeze: %s", st.message);
        return -1;
    }
    cb_key_lock(lock, x->cladnet);
    if (etcd_mutex_new(*session, lock, mutex, &st) != ETCD_OK) {
        snprintf(err, err_len, "new mutex after the freeze: %s", st.message);
        return -1;
    }
    cb_fid_mutex_opts(x, *mutex);
    return 0;
}
