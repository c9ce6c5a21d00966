/* itest_etcd_retry.c: the retry rules (sim/etcd/etcd_retry.c) against a real
 * 3-member etcd cluster behind the WAN emulator (delays x 0.05). The emulator
 * loses the answer of the next request on the client's first link
 * (wan_drop_next_response): etcd applied the request, the client never
 * hears so and times out. For each rule the test checks the call's outcome
 * and, through another client, what the store holds: a repeatable call is
 * sent again and succeeds without doing more than one would; a call that
 * must not be repeated returns the timeout and is applied exactly once; a
 * lease grant is reconciled by reading back, never granted twice; a
 * compaction's repeat answers "already compacted", taken as done. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/etcd/etcd_client.h"
#include "sim/rig/etcd_rig.h"
#include "sim/rig/tests/testlib_rig.h"
#include "sim/rig/wan_etcd.h"
#include "sim/wan/topology.h"
#include "sim/wan/wan.h"

#define TIMEOUT_MS 3000   /* per call; budget 2 -> 1 s per attempt */

static topology *g_topo;
static etcd_rig *g_rig;
static wan *g_wan;
static etcd_client *g_admin;   /* zero-delay links, never dropped */
static etcd_client *g_c;       /* region 0's links to members 0 and 1: the one under test */
static int g_drop_link;

static int group_setup(void **state)
{
    (void)state;
    char err[512];
    wan_config wc = { .seed = 7, .rtt_scale = 0.05 };
    if (rig_t_start_wan_cluster(&wc, &g_topo, &g_rig, &g_wan) != 0)
        return -1;
    int direct[3] = { wan_direct_link(g_wan, 0), wan_direct_link(g_wan, 1), wan_direct_link(g_wan, 2) };
    int mine[2] = { wan_client_link(g_wan, 0, 0), wan_client_link(g_wan, 0, 1) };
    g_drop_link = mine[0];
    if (wan_etcd_client(g_wan, direct, 3, 5000, &g_admin, err, sizeof err) < 0 ||
        wan_etcd_client(g_wan, mine, 2, TIMEOUT_MS, &g_c, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    /* a first write through both clients: the fresh cluster's first commit
     * can be slow, and the tests time attempts at 1 s */
    etcd_status st;
    for (int i = 0; i < 10; i++)
        if (etcd_put(g_admin, "/rt/warm", 8, "w", 1, NULL, NULL, &st) == ETCD_OK &&
            etcd_put(g_c, "/rt/warm", 8, "w", 1, NULL, NULL, &st) == ETCD_OK)
            return 0;
    fprintf(stderr, "warm-up put: %s\n", st.message);
    return -1;
}

static int group_teardown(void **state)
{
    (void)state;
    etcd_client_free(g_c);
    etcd_client_free(g_admin);
    wan_etcd_stop(g_rig, g_wan);
    topology_free(g_topo);
    return 0;
}

/* What the client under test counted since `before`. */
static void counted(const etcd_stats *before, uint64_t *timeout_retries, uint64_t *readbacks)
{
    etcd_stats now;
    etcd_client_stats(g_c, &now);
    *timeout_retries = now.timeout_retries - before->timeout_retries;
    *readbacks = now.readbacks - before->readbacks;
}

static void drop_next_answer(etcd_stats *before)
{
    etcd_client_stats(g_c, before);
    assert_int_equal(wan_drop_next_response(g_wan, g_drop_link, 1), 0);
}

/* The key as the admin client sees it: its version, 0 when absent. */
static int64_t version_of(const char *key, char *val, size_t val_len)
{
    etcd_range_result r = { 0 };
    etcd_status st;
    if (etcd_range(g_admin, key, strlen(key), NULL, &r, &st) != ETCD_OK)
        fail_msg("admin range %s: %s", key, st.message);
    int64_t v = r.n_kvs ? r.kvs[0].version : 0;
    if (val)
        snprintf(val, val_len, "%s", r.n_kvs ? r.kvs[0].value : "");
    etcd_range_result_free(&r);
    return v;
}

static void test_single_writer_put_is_repeated(void **state)
{
    (void)state;
    etcd_stats b;
    uint64_t tr, rb;
    etcd_status st;
    char val[64];
    drop_next_answer(&b);
    etcd_put_opts once = { .retry_safe = true };
    assert_int_equal(etcd_put(g_c, "/rt/put", 7, "mine", 4, &once, NULL, &st), ETCD_OK);
    counted(&b, &tr, &rb);
    fprintf(stderr, "put: repeats %d, timeout retries %llu, last endpoint %d\n", st.repeats,
            (unsigned long long)tr, st.endpoint);
    assert_int_equal(st.repeats, 1);
    assert_int_equal(tr, 1);
    /* applied by the lost attempt and by the repeat: twice the same value */
    assert_int_equal(version_of("/rt/put", val, sizeof val), 2);
    assert_string_equal(val, "mine");
}

static void test_plain_put_is_not_repeated(void **state)
{
    (void)state;
    etcd_stats b;
    uint64_t tr, rb;
    etcd_status st;
    drop_next_answer(&b);
    etcd_code rc = etcd_put(g_c, "/rt/plain", 9, "x", 1, NULL, NULL, &st);
    counted(&b, &tr, &rb);
    assert_int_equal(rc, ETCD_ERR_TIMEOUT);
    assert_int_equal(st.repeats, 0);
    assert_int_equal(tr, 0);
    /* the lost attempt was applied, once */
    assert_int_equal(version_of("/rt/plain", NULL, 0), 1);
}

static void test_read_is_repeated(void **state)
{
    (void)state;
    etcd_stats b;
    uint64_t tr, rb;
    etcd_status st;
    assert_int_equal(etcd_put(g_admin, "/rt/read", 8, "r", 1, NULL, NULL, &st), ETCD_OK);
    drop_next_answer(&b);
    etcd_range_result r = { 0 };
    assert_int_equal(etcd_range(g_c, "/rt/read", 8, NULL, &r, &st), ETCD_OK);
    counted(&b, &tr, &rb);
    assert_int_equal(r.n_kvs, 1);
    assert_string_equal(r.kvs[0].value, "r");
    assert_int_equal(tr, 1);
    etcd_range_result_free(&r);
}

/* The mutex's create: put if absent, else read the key back. The repeat's
 * compare fails on the key the lost attempt created, and its else branch
 * returns that key: created once, and the caller learns its revision. */
static void test_guarded_create_is_repeated_harmlessly(void **state)
{
    (void)state;
    etcd_stats b;
    uint64_t tr, rb;
    etcd_status st;
    etcd_compare cmp = { .target = ETCD_CMP_CREATE, .result = ETCD_CMP_EQUAL, .key = "/rt/lock/1", .key_len = 10 };
    etcd_request_op put = { .type = ETCD_REQ_PUT, .key = "/rt/lock/1", .key_len = 10, .value = "h", .value_len = 1 };
    etcd_request_op get = { .type = ETCD_REQ_RANGE, .key = "/rt/lock/1", .key_len = 10 };
    etcd_txn_result r = { 0 };
    drop_next_answer(&b);
    assert_int_equal(etcd_txn_retryable(g_c, &cmp, 1, &put, 1, &get, 1, &r, &st), ETCD_OK);
    counted(&b, &tr, &rb);
    assert_int_equal(st.repeats, 1);
    assert_int_equal(tr, 1);
    assert_false(r.succeeded);                       /* the repeat's branch */
    assert_int_equal(r.n_responses, 1);
    assert_int_equal(r.responses[0].range.n_kvs, 1);
    assert_string_equal(r.responses[0].range.kvs[0].value, "h");
    etcd_txn_result_free(&r);
    assert_int_equal(version_of("/rt/lock/1", NULL, 0), 1);
}

/* A txn whose caller acts on the branch (a claim): never repeated. */
static void test_branch_dependent_txn_is_not_repeated(void **state)
{
    (void)state;
    etcd_stats b;
    uint64_t tr, rb;
    etcd_status st;
    etcd_compare cmp = { .target = ETCD_CMP_CREATE, .result = ETCD_CMP_EQUAL, .key = "/rt/claim", .key_len = 9 };
    etcd_request_op put = { .type = ETCD_REQ_PUT, .key = "/rt/claim", .key_len = 9, .value = "c", .value_len = 1 };
    drop_next_answer(&b);
    etcd_code rc = etcd_txn(g_c, &cmp, 1, &put, 1, NULL, 0, NULL, &st);
    counted(&b, &tr, &rb);
    assert_int_equal(rc, ETCD_ERR_TIMEOUT);
    assert_int_equal(tr, 0);
    assert_int_equal(version_of("/rt/claim", NULL, 0), 1);
}

/* A lease grant is not repeated blindly: the lease's time-to-live is read
 * back, finds the lease the lost attempt granted, and returns it. */
static void test_lease_grant_is_read_back(void **state)
{
    (void)state;
    etcd_stats b;
    uint64_t tr, rb;
    etcd_status st;
    int64_t id = 0, ttl = 0;
    drop_next_answer(&b);
    assert_int_equal(etcd_lease_grant(g_c, 30, 0, &id, &ttl, &st), ETCD_OK);
    counted(&b, &tr, &rb);
    assert_int_equal(rb, 1);
    assert_int_equal(tr, 0);                         /* found: not granted again */
    assert_true(id > 0);
    assert_int_equal(ttl, 30);
    etcd_lease_ttl t = { 0 };
    assert_int_equal(etcd_lease_timetolive(g_admin, id, false, &t, &st), ETCD_OK);
    assert_true(t.ttl > 0);
    etcd_lease_ttl_free(&t);
    assert_int_equal(etcd_lease_revoke(g_admin, id, &st), ETCD_OK);
}

/* Compaction: repeated, and the repeat's "already compacted" taken as the
 * first one's success. */
static void test_compaction_is_repeated(void **state)
{
    (void)state;
    etcd_stats b;
    uint64_t tr, rb;
    etcd_status st;
    etcd_put_result pr = { 0 };
    assert_int_equal(etcd_put(g_admin, "/rt/compact", 11, "c", 1, NULL, &pr, &st), ETCD_OK);
    int64_t rev = pr.header.revision;
    etcd_put_result_free(&pr);
    drop_next_answer(&b);
    assert_int_equal(etcd_compact(g_c, rev, false, &st), ETCD_OK);
    counted(&b, &tr, &rb);
    assert_int_equal(st.repeats, 1);
    assert_int_equal(tr, 1);
    /* it was applied: a read below the revision is refused */
    etcd_range_opts old = { .revision = rev - 1 };
    assert_int_equal(etcd_range(g_admin, "/rt/compact", 11, &old, NULL, &st), ETCD_ERR_GRPC);
}

/* The mutex end to end: its create txn's answer lost, the lock is held all
 * the same, with one key in the queue. */
static void test_mutex_lock_with_lost_answer(void **state)
{
    (void)state;
    etcd_stats b;
    uint64_t tr, rb;
    etcd_status st;
    etcd_session *s = NULL;
    etcd_mutex *m = NULL;
    assert_int_equal(etcd_session_new(g_c, 60, NULL, NULL, &s, &st), ETCD_OK);
    assert_int_equal(etcd_mutex_new(s, "/rt/mutex", &m, &st), ETCD_OK);
    drop_next_answer(&b);
    assert_int_equal(etcd_mutex_lock(m, 10000, &st), ETCD_OK);
    counted(&b, &tr, &rb);
    assert_int_equal(tr, 1);
    etcd_range_result r = { 0 };
    etcd_range_opts o = { .prefix = true, .count_only = true };
    assert_int_equal(etcd_range(g_admin, "/rt/mutex/", 10, &o, &r, &st), ETCD_OK);
    assert_int_equal(r.count, 1);
    etcd_range_result_free(&r);
    assert_int_equal(etcd_mutex_unlock(m, &st), ETCD_OK);
    etcd_mutex_free(m);
    etcd_session_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_writer_put_is_repeated),
        cmocka_unit_test(test_plain_put_is_not_repeated),
        cmocka_unit_test(test_read_is_repeated),
        cmocka_unit_test(test_guarded_create_is_repeated_harmlessly),
        cmocka_unit_test(test_branch_dependent_txn_is_not_repeated),
        cmocka_unit_test(test_lease_grant_is_read_back),
        cmocka_unit_test(test_compaction_is_repeated),
        cmocka_unit_test(test_mutex_lock_with_lost_answer),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
