/* itest_etcd_client.c: the etcd client against a real 3-member cluster
 * started by the rig (sim/rig/etcd_rig.h): KV and txn semantics, watch order and
 * revisions, compaction cancelling a watch, lease expiry and sessions, the
 * client-side mutex (FIFO, no overlap, with 2 and 10 holders), the server
 * lock API, byte accounting against etcd's own counters, and failover from a
 * killed member (last: it leaves the cluster with 2 members). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/etcd/etcd_client.h"
#include "sim/rig/etcd_rig.h"
#include "sim/etcd/prom.h"
#include "sim/wan/wan.h"

static etcd_rig *g_rig;
static etcd_client *g_c;

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

#define CHECK(call)                                                                     \
    do {                                                                                \
        etcd_status st_;                                                                \
        etcd_code rc_ = (call);                                                         \
        (void)st_;                                                                      \
        if (rc_ != ETCD_OK)                                                             \
            fail_msg("%s failed: %s", #call, etcd_code_name(rc_));                      \
    } while (0)

static void must(etcd_code rc, const etcd_status *st, const char *what)
{
    if (rc != ETCD_OK)
        fail_msg("%s: %s: %s", what, etcd_code_name(rc), st->message);
}

static int setup_cluster(void **state)
{
    etcd_status st;
    etcd_rig_config cfg = { .n_members = 3 };
    etcd_rig_install_signal_cleanup();
    if (etcd_rig_new(&cfg, &g_rig, &st) != ETCD_OK || etcd_rig_start(g_rig, &st) != ETCD_OK) {
        fprintf(stderr, "cannot start a 3-member etcd cluster: %s\n", st.message);
        return -1;
    }
    if (etcd_rig_client(g_rig, &g_c, &st) != ETCD_OK) {
        fprintf(stderr, "etcd_rig_client: %s\n", st.message);
        return -1;
    }
    return 0;
}

static int teardown_cluster(void **state)
{
    etcd_client_free(g_c);
    etcd_rig_stop(g_rig);
    return 0;
}

static etcd_client *new_client(etcd_policy policy, size_t pinned)
{
    const char *eps[ETCD_RIG_MAX_MEMBERS];
    for (int i = 0; i < g_rig->n; i++)
        eps[i] = g_rig->m[i].client_url;
    etcd_client_config cfg = { .endpoints = eps, .n_endpoints = (size_t)g_rig->n, .policy = policy,
                               .pinned = pinned, .watch_endpoint = -1 };
    etcd_client *c = NULL;
    etcd_status st;
    must(etcd_client_new(&cfg, &c, &st), &st, "etcd_client_new");
    return c;
}

/* ---- KV and txn -------------------------------------------------------- */

static void test_kv_semantics(void **state)
{
    etcd_status st;
    etcd_put_result p1, p2;
    etcd_put_opts prev = { .prev_kv = true };
    must(etcd_put(g_c, "/kv/a", 5, "1", 1, NULL, &p1, &st), &st, "put a");
    must(etcd_put(g_c, "/kv/a", 5, "2", 1, &prev, &p2, &st), &st, "put a again");
    assert_true(p2.header.revision == p1.header.revision + 1);
    assert_true(p2.has_prev_kv);
    assert_string_equal(p2.prev_kv.value, "1");
    assert_int_equal(p2.prev_kv.mod_revision, p1.header.revision);
    etcd_put_result_free(&p1);
    etcd_put_result_free(&p2);
    /* binary key and value with NUL and 0xff bytes */
    must(etcd_put(g_c, "/kv/\xff\x00z", 7, "\x00\xff", 2, NULL, NULL, &st), &st, "put binary");
    must(etcd_put(g_c, "/kv/b", 5, "bb", 2, NULL, NULL, &st), &st, "put b");

    etcd_range_result r;
    etcd_range_opts pre = { .prefix = true };
    must(etcd_range(g_c, "/kv/", 4, &pre, &r, &st), &st, "range prefix");
    assert_int_equal(r.n_kvs, 3);
    assert_int_equal(r.count, 3);
    assert_string_equal(r.kvs[0].key, "/kv/a");
    assert_int_equal(r.kvs[0].version, 2);
    assert_int_equal(r.kvs[2].key_len, 7);
    assert_memory_equal(r.kvs[2].key, "/kv/\xff\x00z", 7);
    assert_int_equal(r.kvs[2].value_len, 2);
    assert_memory_equal(r.kvs[2].value, "\x00\xff", 2);
    int64_t rev_now = r.header.revision;
    etcd_range_result_free(&r);

    etcd_range_opts sorted = { .prefix = true, .limit = 1, .sort_order = ETCD_SORT_DESCEND,
                               .sort_target = ETCD_SORT_CREATE, .serializable = true };
    /* A serializable read is answered by whichever member the request goes
     * to, which may not have applied the last put yet: wait (bounded) for
     * one that has, then check the sort. */
    for (int tries = 0;; tries++) {
        must(etcd_range(g_c, "/kv/", 4, &sorted, &r, &st), &st, "range sorted");
        if (r.header.revision >= rev_now || tries == 100)
            break;
        etcd_range_result_free(&r);
        usleep(20000);
    }
    assert_true(r.header.revision >= rev_now);
    assert_int_equal(r.n_kvs, 1);
    assert_string_equal(r.kvs[0].key, "/kv/b");   /* created last */
    assert_true(r.more);
    assert_int_equal(r.count, 3);
    int64_t b_create = r.kvs[0].create_revision;
    etcd_range_result_free(&r);
    etcd_range_opts maxc = { .prefix = true, .sort_order = ETCD_SORT_DESCEND, .sort_target = ETCD_SORT_CREATE,
                             .limit = 1, .max_create_revision = b_create - 1 };
    must(etcd_range(g_c, "/kv/", 4, &maxc, &r, &st), &st, "range max_create_revision");
    assert_int_equal(r.n_kvs, 1);
    assert_memory_equal(r.kvs[0].key, "/kv/\xff\x00z", 7);
    etcd_range_result_free(&r);
    etcd_range_opts co = { .prefix = true, .count_only = true };
    must(etcd_range(g_c, "/kv/", 4, &co, &r, &st), &st, "count_only");
    assert_int_equal(r.n_kvs, 0);
    assert_int_equal(r.count, 3);
    etcd_range_result_free(&r);
    etcd_range_opts ko = { .prefix = true, .keys_only = true };
    must(etcd_range(g_c, "/kv/", 4, &ko, &r, &st), &st, "keys_only");
    assert_int_equal(r.n_kvs, 3);
    assert_int_equal(r.kvs[1].value_len, 0);
    etcd_range_result_free(&r);
    /* read at an old revision */
    etcd_range_opts old = { .revision = rev_now - 1 };
    must(etcd_range(g_c, "/kv/a", 5, &old, &r, &st), &st, "range at revision");
    assert_int_equal(r.n_kvs, 1);
    etcd_range_result_free(&r);
    /* a missing key: no kvs */
    must(etcd_range(g_c, "/kv/none", 8, NULL, &r, &st), &st, "range missing");
    assert_int_equal(r.n_kvs, 0);
    etcd_range_result_free(&r);
    /* a future revision: typed gRPC error OutOfRange (11) */
    etcd_range_opts fut = { .revision = rev_now + 1000 };
    assert_int_equal(etcd_range(g_c, "/kv/a", 5, &fut, &r, &st), ETCD_ERR_GRPC);
    assert_int_equal(st.grpc_code, 11);
    assert_int_equal(st.http_status, 400);

    etcd_delete_result d;
    etcd_delete_opts dpre = { .prefix = true, .prev_kv = true };
    must(etcd_delete(g_c, "/kv/", 4, &dpre, &d, &st), &st, "delete prefix");
    assert_int_equal(d.deleted, 3);
    assert_int_equal(d.n_prev_kvs, 3);
    etcd_delete_result_free(&d);
    must(etcd_delete(g_c, "/kv/a", 5, NULL, &d, &st), &st, "delete missing");
    assert_int_equal(d.deleted, 0);
    etcd_delete_result_free(&d);
}

static void test_txn_semantics(void **state)
{
    etcd_status st;
    etcd_txn_result t;
    etcd_compare absent = { .target = ETCD_CMP_CREATE, .result = ETCD_CMP_EQUAL, .key = "/tx/k", .key_len = 5 };
    etcd_request_op put = { .type = ETCD_REQ_PUT, .key = "/tx/k", .key_len = 5, .value = "v1", .value_len = 2 };
    etcd_request_op get = { .type = ETCD_REQ_RANGE, .key = "/tx/k", .key_len = 5 };
    must(etcd_txn(g_c, &absent, 1, &put, 1, &get, 1, &t, &st), &st, "txn 1");
    assert_true(t.succeeded);
    assert_int_equal(t.n_responses, 1);
    assert_int_equal(t.responses[0].type, ETCD_REQ_PUT);
    assert_int_equal(t.responses[0].put.header.revision, t.header.revision);
    int64_t created = t.header.revision;
    etcd_txn_result_free(&t);
    must(etcd_txn(g_c, &absent, 1, &put, 1, &get, 1, &t, &st), &st, "txn 2");
    assert_false(t.succeeded);
    assert_int_equal(t.responses[0].type, ETCD_REQ_RANGE);
    assert_int_equal(t.responses[0].range.n_kvs, 1);
    assert_int_equal(t.responses[0].range.kvs[0].create_revision, created);
    etcd_txn_result_free(&t);

    int64_t lease;
    must(etcd_lease_grant(g_c, 30, 0, &lease, NULL, &st), &st, "grant");
    etcd_request_op put_l = { .type = ETCD_REQ_PUT, .key = "/tx/l", .key_len = 5, .value = "x", .value_len = 1,
                              .put = { .lease = lease } };
    must(etcd_txn(g_c, NULL, 0, &put_l, 1, NULL, 0, &t, &st), &st, "txn no compare");
    assert_true(t.succeeded);
    etcd_txn_result_free(&t);
    etcd_compare all[4] = {
        { .target = ETCD_CMP_VALUE, .result = ETCD_CMP_EQUAL, .key = "/tx/k", .key_len = 5, .value = "v1", .value_len = 2 },
        { .target = ETCD_CMP_VERSION, .result = ETCD_CMP_EQUAL, .key = "/tx/k", .key_len = 5, .number = 1 },
        { .target = ETCD_CMP_MOD, .result = ETCD_CMP_LESS, .key = "/tx/k", .key_len = 5, .number = created + 1 },
        { .target = ETCD_CMP_LEASE, .result = ETCD_CMP_EQUAL, .key = "/tx/l", .key_len = 5, .number = lease },
    };
    etcd_request_op del = { .type = ETCD_REQ_DELETE, .key = "/tx/", .key_len = 4, .del = { .prefix = true } };
    must(etcd_txn(g_c, all, 4, &del, 1, NULL, 0, &t, &st), &st, "txn all compares");
    assert_true(t.succeeded);
    assert_int_equal(t.responses[0].del.deleted, 2);
    etcd_txn_result_free(&t);
    etcd_compare wrong = { .target = ETCD_CMP_VALUE, .result = ETCD_CMP_NOT_EQUAL, .key = "/tx/k", .key_len = 5,
                           .value = "", .value_len = 0 };
    must(etcd_txn(g_c, &wrong, 1, &put, 1, NULL, 0, &t, &st), &st, "txn on deleted key");
    assert_false(t.succeeded);   /* a missing key compares as not existing: VALUE compare fails */
    assert_int_equal(t.n_responses, 0);
    etcd_txn_result_free(&t);
    /* duplicate key in one txn: InvalidArgument */
    etcd_request_op two[2] = { put, put };
    assert_int_equal(etcd_txn(g_c, NULL, 0, two, 2, NULL, 0, &t, &st), ETCD_ERR_GRPC);
    assert_int_equal(st.grpc_code, 3);
    etcd_lease_revoke(g_c, lease, NULL);
}

/* ---- watch ------------------------------------------------------------- */

typedef struct wlog {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int n_resp;
    int n_events;
    etcd_event_type types[64];
    char keys[64][16];
    int64_t mods[64];
    bool created_first;
    bool canceled;
    int64_t compact_revision;
    bool ended;
    etcd_code end_code;
} wlog;

static void wlog_resp(etcd_watch_response *r, void *ud)
{
    wlog *l = ud;
    pthread_mutex_lock(&l->mu);
    if (l->n_resp++ == 0)
        l->created_first = r->created;
    for (size_t i = 0; i < r->n_events && l->n_events < 64; i++) {
        l->types[l->n_events] = r->events[i].type;
        snprintf(l->keys[l->n_events], 16, "%s", r->events[i].kv.key);
        l->mods[l->n_events++] = r->events[i].kv.mod_revision;
    }
    if (r->canceled) {
        l->canceled = true;
        l->compact_revision = r->compact_revision;
    }
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    etcd_watch_response_free(r);
}

static void wlog_end(const etcd_status *st, void *ud)
{
    wlog *l = ud;
    pthread_mutex_lock(&l->mu);
    l->ended = true;
    l->end_code = st->code;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

static void wlog_init(wlog *l)
{
    memset(l, 0, sizeof *l);
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
}

/* Waits (up to 10 s) until pred holds. */
static bool wlog_wait(wlog *l, bool (*pred)(wlog *, int), int arg)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 10;
    pthread_mutex_lock(&l->mu);
    while (!pred(l, arg))
        if (pthread_cond_timedwait(&l->cv, &l->mu, &ts) != 0)
            break;
    bool ok = pred(l, arg);
    pthread_mutex_unlock(&l->mu);
    return ok;
}

static bool has_events(wlog *l, int n) { return l->n_events >= n; }
static bool has_ended(wlog *l, int n) { return l->ended; }

static void test_watch_order(void **state)
{
    etcd_status st;
    wlog l;
    wlog_init(&l);
    etcd_watch *w;
    etcd_watch_opts wo = { .prefix = true, .prev_kv = true };
    must(etcd_watch_start(g_c, "/wo/", 4, &wo, wlog_resp, wlog_end, &l, &w, &st), &st, "watch start");
    pthread_mutex_lock(&l.mu);
    assert_true(l.created_first);   /* created was delivered before start returned */
    pthread_mutex_unlock(&l.mu);
    int64_t revs[6];
    const char *keys[6] = { "/wo/a", "/wo/b", "/wo/a", "/wo/a", "/wo/b", "/wo/a" };
    bool is_del[6] = { false, false, false, true, true, false };
    for (int i = 0; i < 6; i++) {
        if (is_del[i]) {
            etcd_delete_result d;
            must(etcd_delete(g_c, keys[i], 5, NULL, &d, &st), &st, "delete");
            revs[i] = d.header.revision;
            etcd_delete_result_free(&d);
        } else {
            etcd_put_result p;
            must(etcd_put(g_c, keys[i], 5, "v", 1, NULL, &p, &st), &st, "put");
            revs[i] = p.header.revision;
            etcd_put_result_free(&p);
        }
    }
    assert_true(wlog_wait(&l, has_events, 6));
    etcd_watch_stop(w);
    assert_int_equal(l.n_events, 6);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(l.types[i], is_del[i] ? ETCD_EVENT_DELETE : ETCD_EVENT_PUT);
        assert_string_equal(l.keys[i], keys[i]);
        assert_int_equal(l.mods[i], revs[i]);
    }
    assert_false(l.ended);   /* stop does not call on_end */
    /* a watch from a past revision replays history in order */
    wlog h;
    wlog_init(&h);
    etcd_watch_opts from = { .prefix = true, .start_revision = revs[2] };
    must(etcd_watch_start(g_c, "/wo/", 4, &from, wlog_resp, wlog_end, &h, &w, &st), &st, "watch from revision");
    assert_true(wlog_wait(&h, has_events, 4));
    etcd_watch_stop(w);
    assert_int_equal(h.mods[0], revs[2]);
    assert_int_equal(h.mods[3], revs[5]);
    /* filters: NOPUT from the first revision leaves the two DELETEs */
    wlog f;
    wlog_init(&f);
    etcd_watch_opts nop = { .prefix = true, .start_revision = revs[0], .no_put = true, .prev_kv = true };
    must(etcd_watch_start(g_c, "/wo/", 4, &nop, wlog_resp, wlog_end, &f, &w, &st), &st, "watch NOPUT");
    assert_true(wlog_wait(&f, has_events, 2));
    sleep_ms(100);
    etcd_watch_stop(w);
    assert_int_equal(f.n_events, 2);
    assert_int_equal(f.types[0], ETCD_EVENT_DELETE);
    assert_int_equal(f.mods[0], revs[3]);
    assert_int_equal(f.mods[1], revs[4]);
    etcd_stats s;
    etcd_client_stats(g_c, &s);
    assert_true(s.watch_events >= 10);
    assert_true(s.ops[ETCD_OP_T_WATCH] >= 2);
}

/* Cancel by closing the connection really ends the server-side watchers:
 * etcd's own gauge goes up by N while N streams are open and back after. */
static double watchers_now(void);

static void test_watch_stop_releases_server_watchers(void **state)
{
    etcd_status st;
    enum { N = 20 };
    etcd_watch *w[N];
    wlog l;
    wlog_init(&l);
    /* streams stopped by earlier tests may still be closing on the server */
    double before = watchers_now();
    for (int i = 0; i < 50 && before > 0; i++) {
        sleep_ms(100);
        before = watchers_now();
    }
    assert_true(before == 0);
    for (int i = 0; i < N; i++)
        must(etcd_watch_start(g_c, "/ws/", 4, NULL, wlog_resp, NULL, &l, &w[i], &st), &st, "watch");
    double during = watchers_now();
    for (int i = 0; i < N; i++)
        etcd_watch_stop(w[i]);
    double after = during;
    for (int i = 0; i < 50 && after > before; i++) {
        sleep_ms(100);
        after = watchers_now();
    }
    printf("server watchers: before %.0f, with %d streams %.0f, after stop %.0f\n", before, N, during, after);
    assert_true(during >= before + N);
    assert_true(after <= before);
}

static void test_watch_compacted(void **state)
{
    etcd_status st;
    etcd_put_result p;
    must(etcd_put(g_c, "/wc/k", 5, "1", 1, NULL, &p, &st), &st, "put");
    int64_t old = p.header.revision;
    etcd_put_result_free(&p);
    must(etcd_put(g_c, "/wc/k", 5, "2", 1, NULL, &p, &st), &st, "put");
    int64_t now = p.header.revision;
    etcd_put_result_free(&p);
    must(etcd_compact(g_c, now, true, &st), &st, "compact");
    /* compaction is typed: compacting again at an older revision is gRPC 11 */
    assert_int_equal(etcd_compact(g_c, old, false, &st), ETCD_ERR_GRPC);
    assert_int_equal(st.grpc_code, 11);
    wlog l;
    wlog_init(&l);
    etcd_watch *w;
    etcd_watch_opts wo = { .start_revision = old };
    must(etcd_watch_start(g_c, "/wc/k", 5, &wo, wlog_resp, wlog_end, &l, &w, &st), &st, "watch old revision");
    assert_true(wlog_wait(&l, has_ended, 0));
    assert_true(l.canceled);
    assert_int_equal(l.compact_revision, now);
    assert_int_equal(l.end_code, ETCD_ERR_COMPACTED);
    assert_int_equal(l.n_events, 0);
    etcd_watch_stop(w);
}

/* ---- leases and sessions ----------------------------------------------- */

static atomic_int g_lost;
static void on_lost(etcd_session *s, void *ud) { atomic_fetch_add(&g_lost, 1); }

static int64_t key_count(const char *prefix)
{
    etcd_range_result r;
    etcd_status st;
    etcd_range_opts co = { .prefix = true, .count_only = true };
    must(etcd_range(g_c, prefix, strlen(prefix), &co, &r, &st), &st, "count");
    return r.count;
}

static void test_lease_expiry(void **state)
{
    etcd_status st;
    int64_t lease, ttl;
    must(etcd_lease_grant(g_c, 2, 0, &lease, &ttl, &st), &st, "grant");
    assert_int_equal(ttl, 2);
    etcd_put_opts po = { .lease = lease };
    must(etcd_put(g_c, "/le/plain", 9, "x", 1, &po, NULL, &st), &st, "put with lease");
    etcd_lease_ttl t;
    must(etcd_lease_timetolive(g_c, lease, true, &t, &st), &st, "timetolive");
    assert_int_equal(t.granted_ttl, 2);
    assert_int_equal(t.n_keys, 1);
    assert_memory_equal(t.keys[0], "/le/plain", 9);
    etcd_lease_ttl_free(&t);

    /* a session with the same TTL keeps its key alive past several TTLs */
    etcd_session *s, *s2;
    must(etcd_session_new(g_c, 2, on_lost, NULL, &s, &st), &st, "session");
    must(etcd_session_new(g_c, 2, on_lost, NULL, &s2, &st), &st, "session 2");
    etcd_put_opts ps = { .lease = etcd_session_lease(s) };
    must(etcd_put(g_c, "/le/sess", 8, "x", 1, &ps, NULL, &st), &st, "put with session lease");
    etcd_put_opts ps2 = { .lease = etcd_session_lease(s2) };
    must(etcd_put(g_c, "/le/abandoned", 13, "x", 1, &ps2, NULL, &st), &st, "put with session 2 lease");
    etcd_session_abandon(s2);
    /* wait for the plain lease to expire: its key goes (etcd checks expiry every ~500 ms) */
    int64_t n = 3;
    for (int i = 0; i < 100 && (n = key_count("/le/")) > 1; i++)
        sleep_ms(100);
    assert_int_equal(n, 1);
    etcd_range_result r;
    must(etcd_range(g_c, "/le/sess", 8, NULL, &r, &st), &st, "range session key");
    assert_int_equal(r.n_kvs, 1);
    etcd_range_result_free(&r);
    must(etcd_lease_timetolive(g_c, lease, false, &t, &st), &st, "timetolive expired");
    assert_int_equal(t.ttl, -1);
    assert_int_equal(etcd_lease_keepalive(g_c, lease, NULL, &st), ETCD_ERR_LEASE_LOST);
    assert_true(etcd_session_alive(s));
    assert_int_equal(atomic_load(&g_lost), 0);

    /* revoking the session's lease behind its back: the next keepalive reports the loss */
    must(etcd_lease_revoke(g_c, etcd_session_lease(s), &st), &st, "revoke");
    for (int i = 0; i < 50 && atomic_load(&g_lost) == 0; i++)
        sleep_ms(100);
    assert_int_equal(atomic_load(&g_lost), 1);
    assert_false(etcd_session_alive(s));
    assert_int_equal(key_count("/le/"), 0);
    etcd_session_close(s);
    etcd_stats stt;
    etcd_client_stats(g_c, &stt);
    assert_true(stt.ops[ETCD_OP_T_LEASE_KEEPALIVE] >= 3);
}

/* Callbacks may release their own object: on_lost closes its session,
 * on_end stops its own watch (both run on the client's background thread). */
static atomic_int g_self_closed;
static void close_on_lost(etcd_session *s, void *ud)
{
    etcd_session_close(s);
    atomic_fetch_add(&g_self_closed, 1);
}

typedef struct self_stop { etcd_watch *w; atomic_int ended; } self_stop;
static void ignore_resp(etcd_watch_response *r, void *ud) { etcd_watch_response_free(r); }
static void stop_on_end(const etcd_status *st, void *ud)
{
    self_stop *x = ud;
    etcd_watch_stop(x->w);
    atomic_store(&x->ended, st->code);
}

static void test_callbacks_release_themselves(void **state)
{
    etcd_status st;
    etcd_session *s;
    atomic_store(&g_self_closed, 0);
    must(etcd_session_new(g_c, 2, close_on_lost, NULL, &s, &st), &st, "session");
    must(etcd_lease_revoke(g_c, etcd_session_lease(s), &st), &st, "revoke");
    for (int i = 0; i < 50 && atomic_load(&g_self_closed) == 0; i++)
        sleep_ms(100);
    assert_int_equal(atomic_load(&g_self_closed), 1);

    etcd_put_result p;
    must(etcd_put(g_c, "/ss/k", 5, "1", 1, NULL, &p, &st), &st, "put");
    int64_t old = p.header.revision;
    etcd_put_result_free(&p);
    must(etcd_put(g_c, "/ss/k", 5, "2", 1, NULL, &p, &st), &st, "put");
    must(etcd_compact(g_c, p.header.revision, false, &st), &st, "compact");
    etcd_put_result_free(&p);
    static self_stop x;
    atomic_store(&x.ended, -1);
    etcd_watch_opts wo = { .start_revision = old };
    /* x.w is set before any callback runs (etcd_watch_start's contract),
     * even if the cancel follows `created` within the same read */
    must(etcd_watch_start(g_c, "/ss/k", 5, &wo, ignore_resp, stop_on_end, &x, &x.w, &st), &st, "watch");
    for (int i = 0; i < 50 && atomic_load(&x.ended) == -1; i++)
        sleep_ms(100);
    assert_int_equal(atomic_load(&x.ended), ETCD_ERR_COMPACTED);
}

/* ---- mutex ------------------------------------------------------------- */

typedef struct holder {
    int idx;
    etcd_client *c;
    etcd_session *s;
    etcd_mutex *m;
    int64_t rev;
    int order;            /* position in which it got the lock */
    etcd_code rc;
    char msg[300];
} holder;

static atomic_int g_inside, g_overlaps, g_next_order;

static void *holder_main(void *arg)
{
    holder *h = arg;
    etcd_status st;
    h->rc = etcd_mutex_lock(h->m, 30000, &st);
    if (h->rc != ETCD_OK) {
        snprintf(h->msg, sizeof h->msg, "%s", st.message);
        return NULL;
    }
    h->order = atomic_fetch_add(&g_next_order, 1);
    if (atomic_fetch_add(&g_inside, 1) != 0)
        atomic_fetch_add(&g_overlaps, 1);
    /* read-modify-write the shared counter with a CAS on its mod revision:
     * under a working lock the CAS never fails */
    etcd_range_result r;
    if (etcd_range(h->c, "/mx/counter", 11, NULL, &r, &st) != ETCD_OK) {
        h->rc = st.code;
        snprintf(h->msg, sizeof h->msg, "%s", st.message);
        goto out;
    }
    long v = r.n_kvs ? strtol(r.kvs[0].value, NULL, 10) : 0;
    int64_t mod = r.n_kvs ? r.kvs[0].mod_revision : 0;
    etcd_range_result_free(&r);
    sleep_ms(20);
    char buf[32];
    int bl = snprintf(buf, sizeof buf, "%ld", v + 1);
    etcd_compare cas = { .target = ETCD_CMP_MOD, .result = ETCD_CMP_EQUAL, .key = "/mx/counter", .key_len = 11,
                         .number = mod };
    etcd_request_op put = { .type = ETCD_REQ_PUT, .key = "/mx/counter", .key_len = 11, .value = buf,
                            .value_len = (size_t)bl };
    etcd_txn_result t;
    if (etcd_txn(h->c, &cas, 1, &put, 1, NULL, 0, &t, &st) != ETCD_OK || !t.succeeded) {
        h->rc = ETCD_ERR_CANCELED;
        snprintf(h->msg, sizeof h->msg, "counter CAS failed: %s", st.message);
    }
    etcd_txn_result_free(&t);
out:
    atomic_fetch_sub(&g_inside, 1);
    etcd_mutex_unlock(h->m, &st);
    return NULL;
}

static void run_contention(int n)
{
    etcd_status st;
    holder *hs = calloc((size_t)n, sizeof *hs);
    pthread_t *th = calloc((size_t)n, sizeof *th);
    assert_non_null(hs);
    etcd_client *c = new_client(ETCD_POLICY_ROUND_ROBIN, 0);
    atomic_store(&g_inside, 0);
    atomic_store(&g_overlaps, 0);
    atomic_store(&g_next_order, 0);
    etcd_delete(c, "/mx/counter", 11, NULL, NULL, &st);
    /* holder 0 takes the lock first, so the others queue behind it in the
     * order they enqueue; FIFO means lock order == create revision order */
    for (int i = 0; i < n; i++) {
        hs[i].idx = i;
        hs[i].c = c;
        must(etcd_session_new(c, 10, NULL, NULL, &hs[i].s, &st), &st, "session");
        must(etcd_mutex_new(hs[i].s, "/mx/lock", &hs[i].m, &st), &st, "mutex");
    }
    for (int i = 0; i < n; i++) {
        assert_int_equal(pthread_create(&th[i], NULL, holder_main, &hs[i]), 0);
        if (i == 0)
            sleep_ms(50);
    }
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < n; i++)
        if (hs[i].rc != ETCD_OK)
            fail_msg("holder %d: %s: %s", i, etcd_code_name(hs[i].rc), hs[i].msg);
    assert_int_equal(atomic_load(&g_overlaps), 0);
    /* FIFO: sorting holders by their key's create revision gives the lock order */
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if (etcd_mutex_revision(hs[i].m) < etcd_mutex_revision(hs[j].m))
                assert_true(hs[i].order < hs[j].order);
    etcd_range_result r;
    must(etcd_range(c, "/mx/counter", 11, NULL, &r, &st), &st, "counter");
    assert_int_equal(r.n_kvs, 1);
    assert_int_equal(strtol(r.kvs[0].value, NULL, 10), n);
    etcd_range_result_free(&r);
    assert_int_equal(key_count("/mx/lock/"), 0);   /* every lock key deleted */
    for (int i = 0; i < n; i++) {
        etcd_mutex_free(hs[i].m);
        etcd_session_close(hs[i].s);
    }
    etcd_client_free(c);
    free(hs);
    free(th);
}

static void test_mutex_2(void **state) { run_contention(2); }
static void test_mutex_10(void **state) { run_contention(10); }

static void test_mutex_timeout_and_loss(void **state)
{
    etcd_status st;
    etcd_session *a, *b;
    etcd_mutex *ma, *mb;
    must(etcd_session_new(g_c, 10, NULL, NULL, &a, &st), &st, "session a");
    must(etcd_session_new(g_c, 2, NULL, NULL, &b, &st), &st, "session b");
    must(etcd_mutex_new(a, "/mt", &ma, &st), &st, "mutex a");
    must(etcd_mutex_new(b, "/mt", &mb, &st), &st, "mutex b");
    must(etcd_mutex_lock(ma, 5000, &st), &st, "lock a");
    char want[64];
    snprintf(want, sizeof want, "/mt/%" PRIx64, (uint64_t)etcd_session_lease(a));
    assert_string_equal(etcd_mutex_key(ma), want);
    assert_int_equal(etcd_mutex_lock(mb, 300, &st), ETCD_ERR_TIMEOUT);
    assert_int_equal(key_count("/mt/"), 1);          /* the waiter left the queue */
    must(etcd_mutex_unlock(ma, &st), &st, "unlock a");
    must(etcd_mutex_lock(mb, 5000, &st), &st, "lock b");
    must(etcd_mutex_unlock(mb, &st), &st, "unlock b");
    etcd_mutex_free(ma);
    etcd_mutex_free(mb);
    etcd_session_close(a);
    etcd_session_close(b);
}

static void test_lock_server(void **state)
{
    etcd_status st;
    int64_t lease;
    char *key = NULL, *key2 = NULL;
    size_t kl = 0, kl2;
    must(etcd_lease_grant(g_c, 10, 0, &lease, NULL, &st), &st, "grant");
    must(etcd_lock_server(g_c, "srvlock", lease, 5000, &key, &kl, &st), &st, "lock");
    assert_true(kl > 8);
    assert_memory_equal(key, "srvlock/", 8);
    int64_t lease2;
    must(etcd_lease_grant(g_c, 10, 0, &lease2, NULL, &st), &st, "grant 2");
    etcd_code rc = etcd_lock_server(g_c, "srvlock", lease2, 500, &key2, &kl2, &st);
    assert_int_equal(rc, ETCD_ERR_TIMEOUT);
    must(etcd_unlock_server(g_c, key, kl, &st), &st, "unlock");
    free(key);
    etcd_lease_revoke(g_c, lease2, NULL);   /* drops the abandoned waiter's key */
    must(etcd_lock_server(g_c, "srvlock", lease, 5000, &key, &kl, &st), &st, "lock again");
    must(etcd_unlock_server(g_c, key, kl, &st), &st, "unlock again");
    free(key);
    etcd_lease_revoke(g_c, lease, NULL);
}

/* ---- accounting vs etcd's counters ------------------------------------- */

/* One counter (no labels) from a /metrics text, via the project's Prometheus
 * parser (sim/etcd/prom.h). */
static double metric(const char *text, const char *name)
{
    double v = 0;
    size_t matched = 0;
    if (prom_sum(text, strlen(text), name, NULL, &v, &matched, NULL) != PROM_OK || matched != 1)
        return -1;
    return v;
}

static double watchers_now(void)
{
    double sum = 0;
    for (int i = 0; i < g_rig->n; i++) {
        if (!g_rig->m[i].pid)
            continue;
        char *text;
        etcd_status st;
        must(etcd_http_get(g_rig->m[i].metrics_url, 5000, &text, NULL, &st), &st, "GET /metrics");
        double v = metric(text, "etcd_debugging_mvcc_watcher_total");
        free(text);
        assert_true(v >= 0);
        sum += v;
    }
    return sum;
}

static void grpc_bytes(double *recv, double *sent)
{
    *recv = *sent = 0;
    for (int i = 0; i < g_rig->n; i++) {
        if (!g_rig->m[i].pid)
            continue;
        char *text;
        etcd_status st;
        must(etcd_http_get(g_rig->m[i].metrics_url, 5000, &text, NULL, &st), &st, "GET /metrics");
        *recv += metric(text, "etcd_network_client_grpc_received_bytes_total");
        *sent += metric(text, "etcd_network_client_grpc_sent_bytes_total");
        free(text);
    }
}

static void test_accounting_vs_etcd(void **state)
{
    etcd_status st;
    etcd_client *c = new_client(ETCD_POLICY_ROUND_ROBIN, 0);
    double r0, s0, r1, s1;
    grpc_bytes(&r0, &s0);
    char val[1000];
    memset(val, 'v', sizeof val);
    for (int i = 0; i < 50; i++) {
        char k[32];
        int kl = snprintf(k, sizeof k, "/acct/%02d", i);
        must(etcd_put(c, k, (size_t)kl, val, sizeof val, NULL, NULL, &st), &st, "put");
        must(etcd_range(c, k, (size_t)kl, NULL, NULL, &st), &st, "range");
    }
    grpc_bytes(&r1, &s1);
    etcd_stats s;
    etcd_client_stats(c, &s);
    assert_int_equal(s.ops[ETCD_OP_T_PUT], 50);
    assert_int_equal(s.ops[ETCD_OP_T_RANGE], 50);
    assert_int_equal(s.errors, 0);
    double er = r1 - r0, es = s1 - s0;
    printf("accounting: client sent %" PRIu64 " B, received %" PRIu64 " B; etcd gRPC received %.0f B, sent %.0f B;"
           " ratio client/etcd: sent %.2f, received %.2f\n",
           s.bytes_sent, s.bytes_received, er, es, s.bytes_sent / er, s.bytes_received / es);
    /* 50 x 1000-byte values go up as base64 inside HTTP/JSON: more than the
     * protobuf etcd counts (>= 50 x 1007), and less than 3x of it. */
    assert_true(er >= 50 * 1007);
    assert_true(s.bytes_sent > er * 1.2 && s.bytes_sent < er * 3);
    /* responses: the range answers carry the values (base64) too */
    assert_true(s.bytes_received > es);
    etcd_delete_opts pre = { .prefix = true };
    etcd_delete(c, "/acct/", 6, &pre, NULL, NULL);
    etcd_client_free(c);
}

/* Bytes of one link as the WAN emulator counted them (what crossed its sockets). */
static void link_bytes(wan *w, const char *name, json_int_t *to_target, json_int_t *from_target)
{
    json_t *all = wan_counters(w), *l;
    size_t i;
    *to_target = *from_target = -1;
    json_array_foreach(json_object_get(all, "links"), i, l)
        if (strcmp(json_string_value(json_object_get(l, "name")), name) == 0) {
            *to_target = json_integer_value(json_object_get(l, "bytes_to_target"));
            *from_target = json_integer_value(json_object_get(l, "bytes_from_target"));
        }
    json_decref(all);
}

/* The client's byte counters are exact for unary requests on both
 * transports: equal to what a zero-delay WAN emulator link in front of a
 * member counted on its own sockets, for puts, a range answered chunked
 * (> 2 KiB), a txn, and an error answer (404 with a trailer). */
static void test_accounting_exact(void **state)
{
    for (int t = 0; t < 2; t++) {
        etcd_transport tr = t ? ETCD_TRANSPORT_CURL : ETCD_TRANSPORT_NATIVE;
        char err[256];
        wan_config wc = { .no_handshake_rtt = true };
        wan *w = NULL;
        assert_int_equal(wan_new(&wc, &w, err, sizeof err), 0);
        int id = wan_add_link(w, "acct", g_rig->m[0].client_port, 0.0, -1, -1, err, sizeof err);
        assert_true(id >= 0);
        assert_int_equal(wan_start(w, err, sizeof err), 0);
        char url[64];
        snprintf(url, sizeof url, "http://127.0.0.1:%d", wan_link_port(w, id));
        const char *eps[] = { url };
        etcd_client_config cfg = { .endpoints = eps, .n_endpoints = 1, .transport = tr, .watch_endpoint = -1 };
        etcd_client *c;
        etcd_status st;
        must(etcd_client_new(&cfg, &c, &st), &st, "client");
        char val[400];
        memset(val, 'x', sizeof val);
        for (int i = 0; i < 20; i++) {
            char k[32];
            int kl = snprintf(k, sizeof k, "/exact/%02d", i);
            must(etcd_put(c, k, (size_t)kl, val, sizeof val, NULL, NULL, &st), &st, "put");
        }
        etcd_range_opts pre = { .prefix = true };
        etcd_range_result r;
        must(etcd_range(c, "/exact/", 7, &pre, &r, &st), &st, "range");
        assert_int_equal(r.n_kvs, 20);
        etcd_range_result_free(&r);
        etcd_compare cmp = { .key = "/exact/00", .key_len = 9, .target = ETCD_CMP_VERSION, .result = ETCD_CMP_GREATER,
                             .number = 0 };
        etcd_request_op del = { .type = ETCD_REQ_DELETE, .key = "/exact/", .key_len = 7, .del = { .prefix = true } };
        etcd_txn_result tx;
        must(etcd_txn(c, &cmp, 1, &del, 1, NULL, 0, &tx, &st), &st, "txn");
        assert_true(tx.succeeded);
        etcd_txn_result_free(&tx);
        assert_int_equal(etcd_lease_revoke(c, 4242, &st), ETCD_ERR_GRPC);
        etcd_stats s;
        etcd_client_stats(c, &s);
        json_int_t to = -1, from = -1;
        for (int i = 0; i < 100 && (to != (json_int_t)s.bytes_sent || from != (json_int_t)s.bytes_received); i++) {
            if (i)
                sleep_ms(20);   /* the emulator's loop may still be reading */
            link_bytes(w, "acct", &to, &from);
        }
        printf("accounting (%s): client sent %" PRIu64 " B, received %" PRIu64 " B; link saw %lld B to etcd,"
               " %lld B back\n", etcd_transport_name(tr), s.bytes_sent, s.bytes_received, (long long)to,
               (long long)from);
        assert_true(s.bytes_sent > 20 * 400);
        assert_int_equal(s.bytes_sent, to);
        assert_int_equal(s.bytes_received, from);
        etcd_client_free(c);
        wan_free(w);
    }
}

/* The libcurl transport of unary requests: same answers, typed errors, accounting. */
static void test_curl_transport(void **state)
{
    const char *eps[ETCD_RIG_MAX_MEMBERS];
    for (int i = 0; i < g_rig->n; i++)
        eps[i] = g_rig->m[i].client_url;
    etcd_client_config cfg = { .endpoints = eps, .n_endpoints = (size_t)g_rig->n, .transport = ETCD_TRANSPORT_CURL,
                               .watch_endpoint = -1 };
    etcd_client *c;
    etcd_status st;
    must(etcd_client_new(&cfg, &c, &st), &st, "client");
    etcd_put_result p;
    etcd_put_opts prev = { .prev_kv = true };
    must(etcd_put(c, "/ct/k", 5, "1", 1, NULL, NULL, &st), &st, "put");
    must(etcd_put(c, "/ct/k", 5, "2", 1, &prev, &p, &st), &st, "put prev");
    assert_true(p.has_prev_kv);
    assert_string_equal(p.prev_kv.value, "1");
    etcd_put_result_free(&p);
    etcd_range_result r;
    must(etcd_range(c, "/ct/k", 5, NULL, &r, &st), &st, "range");
    assert_string_equal(r.kvs[0].value, "2");
    etcd_range_opts fut = { .revision = r.header.revision + 1000 };
    etcd_range_result_free(&r);
    assert_int_equal(etcd_range(c, "/ct/k", 5, &fut, &r, &st), ETCD_ERR_GRPC);
    assert_int_equal(st.grpc_code, 11);
    assert_int_equal(etcd_lease_revoke(c, 42, &st), ETCD_ERR_GRPC);
    assert_int_equal(st.grpc_code, 5);
    assert_int_equal(st.http_status, 404);
    etcd_stats s;
    etcd_client_stats(c, &s);
    assert_int_equal(s.ops[ETCD_OP_T_PUT], 2);
    assert_int_equal(s.errors, 2);
    assert_true(s.bytes_sent > 4 * 100 && s.bytes_received > 4 * 200);
    etcd_delete(c, "/ct/k", 5, NULL, NULL, NULL);
    etcd_client_free(c);
}

/* ---- maintenance ------------------------------------------------------- */

static void test_maintenance(void **state)
{
    etcd_status st;
    etcd_member_status ms[3];
    int leaders = 0, leader = -1;
    for (int i = 0; i < 3; i++) {
        must(etcd_status_get(g_c, i, &ms[i], &st), &st, "status");
        assert_int_equal(st.endpoint, i);
        assert_string_equal(ms[i].version, "3.4.23");
        assert_true(ms[i].member_id != 0);
        assert_true(ms[i].db_size > 0);
        if (ms[i].leader_id == ms[i].member_id) {
            leaders++;
            leader = i;
        }
    }
    assert_int_equal(leaders, 1);
    assert_int_equal(ms[0].leader_id, ms[1].leader_id);
    assert_int_equal(ms[1].leader_id, ms[2].leader_id);
    must(etcd_defragment(g_c, (leader + 1) % 3, &st), &st, "defragment");
    /* move the leadership to another member; the request goes to the leader */
    int target = (leader + 1) % 3;
    must(etcd_move_leader(g_c, -1, ms[target].member_id, &st), &st, "move leader");
    assert_int_equal(st.endpoint, leader);
    etcd_member_status now;
    for (int i = 0; i < 50; i++) {
        must(etcd_status_get(g_c, target, &now, &st), &st, "status after move");
        if (now.leader_id == ms[target].member_id)
            break;
        sleep_ms(100);
    }
    assert_int_equal(now.leader_id, ms[target].member_id);
    assert_true(now.raft_term > ms[target].raft_term);
    /* moving to a member id that does not exist: a typed error */
    assert_int_not_equal(etcd_move_leader(g_c, target, 12345, &st), ETCD_OK);
    assert_true(strlen(st.message) > 0);
    /* the cluster still serves writes */
    must(etcd_put(g_c, "/mt/after-move", 14, "x", 1, NULL, NULL, &st), &st, "put after move");
    etcd_delete(g_c, "/mt/after-move", 14, NULL, NULL, NULL);
}

/* ---- endpoint policies ------------------------------------------------- */

static void test_policies(void **state)
{
    etcd_status st;
    const char *eps[3] = { g_rig->m[0].client_url, g_rig->m[1].client_url, g_rig->m[2].client_url };
    double rtt[3] = { 5.0, 1.0, 3.0 };
    etcd_client_config cfg = { .endpoints = eps, .n_endpoints = 3, .policy = ETCD_POLICY_NEAREST,
                               .endpoint_rtt_ms = rtt, .watch_endpoint = -1 };
    etcd_client *c;
    must(etcd_client_new(&cfg, &c, &st), &st, "nearest client");
    for (int i = 0; i < 3; i++) {
        must(etcd_range(c, "/pol", 4, NULL, NULL, &st), &st, "range");
        assert_int_equal(st.endpoint, 1);
    }
    etcd_client_free(c);
    cfg.policy = ETCD_POLICY_ROUND_ROBIN;
    must(etcd_client_new(&cfg, &c, &st), &st, "round-robin client");
    int seen[3] = { 0 };
    for (int i = 0; i < 6; i++) {
        must(etcd_range(c, "/pol", 4, NULL, NULL, &st), &st, "range");
        seen[st.endpoint]++;
    }
    assert_int_equal(seen[0], 2);
    assert_int_equal(seen[1], 2);
    assert_int_equal(seen[2], 2);
    etcd_client_free(c);
    etcd_policy p;
    assert_int_equal(etcd_policy_parse("nearest", &p), 0);
    assert_int_equal(p, ETCD_POLICY_NEAREST);
    assert_int_equal(etcd_policy_parse("fastest", &p), -1);
    assert_string_equal(etcd_policy_name(ETCD_POLICY_PINNED), "pinned");
}

/* ---- misbehaving servers (a thread on 127.0.0.1 speaking bad HTTP) ----- */

typedef struct fake_srv {
    int fd, port, mode;      /* 0: 503 JSON error, 1: 200 malformed JSON, 2: accept and never answer */
    pthread_t th;
    atomic_int served;
    atomic_bool stop;
} fake_srv;

static void *fake_main(void *arg)
{
    fake_srv *f = arg;
    int held[64], n_held = 0;
    while (!atomic_load(&f->stop)) {
        struct pollfd p = { .fd = f->fd, .events = POLLIN };
        if (poll(&p, 1, 50) <= 0)
            continue;
        int c = accept(f->fd, NULL, NULL);
        if (c < 0)
            continue;
        if (f->mode == 2) {
            if (n_held < 64)
                held[n_held++] = c;
            else
                close(c);
            atomic_fetch_add(&f->served, 1);
            continue;
        }
        char buf[4096];
        ssize_t got = recv(c, buf, sizeof buf, 0);   /* small requests arrive whole on loopback */
        (void)got;
        const char *r = f->mode == 0
            ? "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 93\r\n\r\n"
              "{\"error\":\"etcdserver: request timed out\",\"message\":\"etcdserver: request timed out\",\"code\":14}"
            : "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 14\r\n\r\n{\"header\":{\"rev";
        ssize_t sent = send(c, r, strlen(r), MSG_NOSIGNAL);
        (void)sent;
        atomic_fetch_add(&f->served, 1);
        close(c);
    }
    for (int i = 0; i < n_held; i++)
        close(held[i]);
    return NULL;
}

static void fake_start(fake_srv *f, int mode)
{
    memset(f, 0, sizeof *f);
    f->mode = mode;
    f->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int one = 1;
    setsockopt(f->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    assert_int_equal(bind(f->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(f->fd, 64), 0);
    socklen_t al = sizeof a;
    getsockname(f->fd, (struct sockaddr *)&a, &al);
    f->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&f->th, NULL, fake_main, f), 0);
}

static void fake_stop(fake_srv *f)
{
    atomic_store(&f->stop, true);
    pthread_join(f->th, NULL);
    close(f->fd);
}

static void test_misbehaving_servers(void **state)
{
    etcd_status st;
    for (int t = 0; t < 2; t++) {   /* both transports */
        fake_srv f503, fbad, fmute;
        fake_start(&f503, 0);
        fake_start(&fbad, 1);
        fake_start(&fmute, 2);
        char u503[64], ubad[64], umute[64];
        snprintf(u503, sizeof u503, "http://127.0.0.1:%d", f503.port);
        snprintf(ubad, sizeof ubad, "http://127.0.0.1:%d", fbad.port);
        snprintf(umute, sizeof umute, "http://127.0.0.1:%d", fmute.port);
        etcd_transport tr = t ? ETCD_TRANSPORT_CURL : ETCD_TRANSPORT_NATIVE;

        /* 503 "request timed out" -> the next endpoint, for a put that may be
         * repeated (the caller is the key's only writer: etcd_retry.c) */
        const char *e1[] = { u503, g_rig->m[2].client_url };
        etcd_client_config c1 = { .endpoints = e1, .n_endpoints = 2, .policy = ETCD_POLICY_PINNED, .pinned = 0,
                                  .transport = tr, .watch_endpoint = -1 };
        etcd_client *c;
        must(etcd_client_new(&c1, &c, &st), &st, "client");
        etcd_put_opts once = { .retry_safe = true };
        must(etcd_put(c, "/mb/k", 5, "v", 1, &once, NULL, &st), &st, "put via 503 then real");
        assert_int_equal(st.endpoint, 1);
        assert_int_equal(st.repeats, 1);
        /* a plain put may have been applied by the member that timed out:
         * not sent again, the caller gets the 503 */
        assert_int_equal(etcd_put(c, "/mb/k", 5, "v", 1, NULL, NULL, &st), ETCD_ERR_GRPC);
        assert_int_equal(st.endpoint, 0);
        assert_int_equal(st.http_status, 503);
        assert_true(atomic_load(&f503.served) >= 1);
        etcd_stats s;
        etcd_client_stats(c, &s);
        assert_true(s.retries >= 1);
        etcd_client_free(c);
        /* only 503s: a typed error after max_attempts, no hang */
        const char *e2[] = { u503 };
        etcd_client_config c2 = { .endpoints = e2, .n_endpoints = 1, .transport = tr, .max_attempts = 3 };
        must(etcd_client_new(&c2, &c, &st), &st, "client");
        assert_int_equal(etcd_put(c, "/mb/k", 5, "v", 1, NULL, NULL, &st), ETCD_ERR_GRPC);
        assert_int_equal(st.grpc_code, 14);
        assert_int_equal(st.http_status, 503);
        etcd_client_free(c);
        /* a 200 with malformed JSON: a parse error naming it */
        const char *e3[] = { ubad };
        etcd_client_config c3 = { .endpoints = e3, .n_endpoints = 1, .transport = tr };
        must(etcd_client_new(&c3, &c, &st), &st, "client");
        etcd_range_result r;
        assert_int_equal(etcd_range(c, "/mb/k", 5, NULL, &r, &st), ETCD_ERR_PARSE);
        assert_non_null(strstr(st.message, "malformed"));
        assert_int_equal(r.n_kvs, 0);
        etcd_client_free(c);
        /* a server that never answers: the request timeout ends the call */
        const char *e4[] = { umute };
        etcd_client_config c4 = { .endpoints = e4, .n_endpoints = 1, .transport = tr, .request_timeout_ms = 400 };
        must(etcd_client_new(&c4, &c, &st), &st, "client");
        assert_int_equal(etcd_range(c, "/mb/k", 5, NULL, NULL, &st), ETCD_ERR_TIMEOUT);
        etcd_client_free(c);
        /* a lease grant lost on the mute server (never applied): read back
         * on the next member, found missing, granted again on the third */
        const char *e5[] = { umute, g_rig->m[0].client_url, g_rig->m[1].client_url };
        etcd_client_config c5 = { .endpoints = e5, .n_endpoints = 3, .transport = tr, .request_timeout_ms = 3000,
                                  .watch_endpoint = -1 };
        must(etcd_client_new(&c5, &c, &st), &st, "client");
        int64_t id = 0, ttl = 0;
        must(etcd_lease_grant(c, 20, 0, &id, &ttl, &st), &st, "grant via a mute server");
        etcd_stats s5;
        etcd_client_stats(c, &s5);
        assert_int_equal(s5.readbacks, 1);
        assert_int_equal(s5.timeout_retries, 1);
        assert_int_equal(ttl, 20);
        etcd_lease_ttl lt = { 0 };
        must(etcd_lease_timetolive(c, id, false, &lt, &st), &st, "time-to-live of the granted lease");
        assert_true(lt.ttl > 0);
        etcd_lease_ttl_free(&lt);
        etcd_lease_revoke(c, id, NULL);
        etcd_client_free(c);
        fake_stop(&f503);
        fake_stop(&fbad);
        fake_stop(&fmute);
    }
}

/* ---- failover (last: kills a member) ---------------------------------- */

static void test_failover(void **state)
{
    etcd_status st;
    int leader = etcd_rig_leader(g_rig);
    int victim = leader == 0 ? 1 : 0;
    etcd_client *c = new_client(ETCD_POLICY_PINNED, (size_t)victim);
    /* a watch and a session on the member about to die */
    wlog lw;
    wlog_init(&lw);
    etcd_watch *wv;
    etcd_watch_opts wvo = { .prefix = true };
    must(etcd_watch_start(c, "/fo/", 4, &wvo, wlog_resp, wlog_end, &lw, &wv, &st), &st, "watch on victim");
    assert_int_equal(st.endpoint, victim);
    etcd_session *sv;
    atomic_store(&g_lost, 0);
    must(etcd_session_new(c, 2, on_lost, NULL, &sv, &st), &st, "session via victim");
    const char *eps[ETCD_RIG_MAX_MEMBERS];
    for (int i = 0; i < g_rig->n; i++)
        eps[i] = g_rig->m[i].client_url;
    etcd_client_config ccfg = { .endpoints = eps, .n_endpoints = (size_t)g_rig->n, .policy = ETCD_POLICY_PINNED,
                                .pinned = (size_t)victim, .transport = ETCD_TRANSPORT_CURL, .watch_endpoint = -1 };
    etcd_client *cc;
    must(etcd_client_new(&ccfg, &cc, &st), &st, "curl client");
    must(etcd_put(cc, "/fo/k", 5, "1", 1, NULL, NULL, &st), &st, "curl put before kill");
    must(etcd_put(c, "/fo/k", 5, "1", 1, NULL, NULL, &st), &st, "put before kill");
    assert_int_equal(st.endpoint, victim);
    assert_int_equal(etcd_rig_kill(g_rig, victim, SIGKILL), ETCD_OK);
    /* pinned to a dead member: every request still succeeds elsewhere */
    for (int i = 0; i < 5; i++) {
        must(etcd_put(c, "/fo/k", 5, "2", 1, NULL, NULL, &st), &st, "put after kill");
        assert_true(st.endpoint != victim);
    }
    for (int i = 0; i < 3; i++) {
        must(etcd_put(cc, "/fo/k", 5, "2", 1, NULL, NULL, &st), &st, "curl put after kill");
        assert_true(st.endpoint != victim);
    }
    etcd_client_free(cc);
    /* the stream on the dead member ended and said so */
    assert_true(wlog_wait(&lw, has_ended, 0));
    assert_true(lw.end_code == ETCD_ERR_CONNECT || lw.end_code == ETCD_ERR_CLOSED);
    etcd_watch_stop(wv);
    /* the session's keepalives moved to live members: alive past 1.5 TTL */
    sleep_ms(3000);
    assert_true(etcd_session_alive(sv));
    assert_int_equal(atomic_load(&g_lost), 0);
    etcd_lease_ttl lt;
    must(etcd_lease_timetolive(c, etcd_session_lease(sv), false, &lt, &st), &st, "timetolive");
    assert_true(lt.ttl > 0);
    etcd_session_close(sv);
    etcd_range_result r;
    must(etcd_range(c, "/fo/k", 5, NULL, &r, &st), &st, "range after kill");
    assert_string_equal(r.kvs[0].value, "2");
    etcd_range_result_free(&r);
    etcd_stats s;
    etcd_client_stats(c, &s);
    assert_true(s.retries >= 6);
    /* a watch also starts on a live member */
    wlog l;
    wlog_init(&l);
    etcd_watch *w;
    must(etcd_watch_start(c, "/fo/k", 5, NULL, wlog_resp, wlog_end, &l, &w, &st), &st, "watch after kill");
    etcd_watch_stop(w);
    /* a client whose only endpoint is dead fails with a connect error, quickly and cleanly */
    const char *dead[] = { g_rig->m[victim].client_url };
    etcd_client_config cfg = { .endpoints = dead, .n_endpoints = 1, .request_timeout_ms = 2000 };
    etcd_client *d;
    must(etcd_client_new(&cfg, &d, &st), &st, "client");
    assert_int_equal(etcd_put(d, "/fo/k", 5, "3", 1, NULL, NULL, &st), ETCD_ERR_CONNECT);
    assert_true(strlen(st.message) > 0);
    etcd_client_stats(d, &s);
    assert_int_equal(s.errors, 1);
    etcd_client_free(d);
    etcd_client_free(c);
}

/* Last of all: a member left alone loses its leader; a watch on it (sent
 * with Grpc-Metadata-hasleader: true) ends with the mid-stream error
 * {"error":{"grpc_code":14,...,"message":"etcdserver: no leader"}} instead
 * of hanging silently. */
typedef struct errlog {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int err_grpc;
    bool ended;
    etcd_status end;
} errlog;

static void err_resp(etcd_watch_response *r, void *ud)
{
    errlog *l = ud;
    pthread_mutex_lock(&l->mu);
    if (r->error_grpc_code)
        l->err_grpc = r->error_grpc_code;
    pthread_mutex_unlock(&l->mu);
    etcd_watch_response_free(r);
}

static void err_end(const etcd_status *st, void *ud)
{
    errlog *l = ud;
    pthread_mutex_lock(&l->mu);
    l->ended = true;
    l->end = *st;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

static void test_quorum_loss_ends_watch(void **state)
{
    etcd_status st;
    int alive[ETCD_RIG_MAX_MEMBERS], n = 0;
    for (int i = 0; i < g_rig->n; i++)
        if (g_rig->m[i].pid)
            alive[n++] = i;
    assert_int_equal(n, 2);
    const char *ep[] = { g_rig->m[alive[0]].client_url };
    etcd_client_config cfg = { .endpoints = ep, .n_endpoints = 1, .request_timeout_ms = 5000 };
    etcd_client *c;
    must(etcd_client_new(&cfg, &c, &st), &st, "client");
    errlog l = { .err_grpc = 0 };
    pthread_mutex_init(&l.mu, NULL);
    pthread_cond_init(&l.cv, NULL);
    etcd_watch *w;
    must(etcd_watch_start(c, "/ql", 3, NULL, err_resp, err_end, &l, &w, &st), &st, "watch");
    assert_int_equal(etcd_rig_kill(g_rig, alive[1], SIGKILL), ETCD_OK);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 20;
    pthread_mutex_lock(&l.mu);
    while (!l.ended && pthread_cond_timedwait(&l.cv, &l.mu, &ts) == 0)
        ;
    pthread_mutex_unlock(&l.mu);
    assert_true(l.ended);
    assert_int_equal(l.err_grpc, 14);
    assert_int_equal(l.end.code, ETCD_ERR_GRPC);
    assert_int_equal(l.end.grpc_code, 14);
    assert_non_null(strstr(l.end.message, "no leader"));
    /* a serializable read is still answered by the lone member */
    etcd_range_opts ser = { .serializable = true };
    must(etcd_range(c, "/fo/k", 5, &ser, NULL, &st), &st, "serializable range without quorum");
    etcd_watch_stop(w);
    etcd_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kv_semantics),
        cmocka_unit_test(test_txn_semantics),
        cmocka_unit_test(test_watch_order),
        cmocka_unit_test(test_watch_stop_releases_server_watchers),
        cmocka_unit_test(test_watch_compacted),
        cmocka_unit_test(test_lease_expiry),
        cmocka_unit_test(test_callbacks_release_themselves),
        cmocka_unit_test(test_mutex_2),
        cmocka_unit_test(test_mutex_10),
        cmocka_unit_test(test_mutex_timeout_and_loss),
        cmocka_unit_test(test_lock_server),
        cmocka_unit_test(test_accounting_vs_etcd),
        cmocka_unit_test(test_accounting_exact),
        cmocka_unit_test(test_curl_transport),
        cmocka_unit_test(test_policies),
        cmocka_unit_test(test_maintenance),
        cmocka_unit_test(test_misbehaving_servers),
        cmocka_unit_test(test_failover),
        cmocka_unit_test(test_quorum_loss_ends_watch),
    };
    return cmocka_run_group_tests(tests, setup_cluster, teardown_cluster);
}
