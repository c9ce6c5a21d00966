/* test_etcd_retry.c: the retry rules per operation (etcd_retry.c): the
 * table, which txns are safe to repeat, which failures leave the outcome
 * unknown, and the budget and per-attempt timeout of a configuration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sim/etcd/etcd_retry.h"

static void test_rules_per_operation(void **state)
{
    (void)state;
    assert_int_equal(etcd_retry_rule_of(ETCD_OP_T_RANGE, false), ETCD_RETRY_REPEAT);
    assert_int_equal(etcd_retry_rule_of(ETCD_OP_T_LEASE_TTL, false), ETCD_RETRY_REPEAT);
    assert_int_equal(etcd_retry_rule_of(ETCD_OP_T_LEASE_KEEPALIVE, false), ETCD_RETRY_REPEAT);
    assert_int_equal(etcd_retry_rule_of(ETCD_OP_T_PUT, false), ETCD_RETRY_NEVER);
    assert_int_equal(etcd_retry_rule_of(ETCD_OP_T_PUT, true), ETCD_RETRY_REPEAT);
    assert_int_equal(etcd_retry_rule_of(ETCD_OP_T_DELETE, false), ETCD_RETRY_NEVER);
    assert_int_equal(etcd_retry_rule_of(ETCD_OP_T_DELETE, true), ETCD_RETRY_REPEAT);
    assert_int_equal(etcd_retry_rule_of(ETCD_OP_T_TXN, false), ETCD_RETRY_NEVER);
    assert_int_equal(etcd_retry_rule_of(ETCD_OP_T_TXN, true), ETCD_RETRY_REPEAT);
    assert_int_equal(etcd_retry_rule_of(ETCD_OP_T_LEASE_GRANT, false), ETCD_RETRY_READBACK);
    assert_int_equal(etcd_retry_rule_of(ETCD_OP_T_LEASE_GRANT, true), ETCD_RETRY_READBACK);
    assert_int_equal(etcd_retry_rule_of(ETCD_OP_T_LOCK, true), ETCD_RETRY_NEVER);
    assert_int_equal(etcd_retry_rule_of(ETCD_OP_T_MAINTENANCE, false), ETCD_RETRY_NEVER);
    assert_int_equal(etcd_retry_rule_of(ETCD_OP_T_COMPACT, false), ETCD_RETRY_REPEAT);
    assert_string_equal(etcd_retry_rule_name(ETCD_RETRY_READBACK), "read-back");
}

/* Every operation has a rule for plain calls, and every line says why. */
static void test_table_complete(void **state)
{
    (void)state;
    for (int op = 0; op < ETCD_OP_T_COUNT; op++) {
        bool plain = false;
        for (size_t i = 0; i < etcd_retry_n_rules; i++)
            if ((int)etcd_retry_rules[i].op == op && !etcd_retry_rules[i].caller_safe)
                plain = true;
        assert_true(plain);
    }
    for (size_t i = 0; i < etcd_retry_n_rules; i++)
        assert_true(strlen(etcd_retry_rules[i].why) > 10);
}

#define K(s) .key = (s), .key_len = sizeof(s) - 1

static void test_txn_guarded_create(void **state)
{
    (void)state;
    /* the mutex: put if create_revision == 0, else read the key back */
    etcd_compare cmp = { .target = ETCD_CMP_CREATE, .result = ETCD_CMP_EQUAL, K("/l/1"), .number = 0 };
    etcd_request_op put = { .type = ETCD_REQ_PUT, K("/l/1") };
    etcd_request_op get = { .type = ETCD_REQ_RANGE, K("/l/1") };
    assert_true(etcd_txn_repeat_safe(&cmp, 1, &put, 1, &get, 1));
    /* a write in the else branch too: not safe */
    assert_false(etcd_txn_repeat_safe(&cmp, 1, &put, 1, &put, 1));
    /* the compare guards another key: a repeat would put again */
    etcd_request_op other = { .type = ETCD_REQ_PUT, K("/l/2") };
    assert_false(etcd_txn_repeat_safe(&cmp, 1, &other, 1, &get, 1));
    /* not-equal compares are not invalidated by the write */
    cmp.result = ETCD_CMP_NOT_EQUAL;
    assert_false(etcd_txn_repeat_safe(&cmp, 1, &put, 1, &get, 1));
}

static void test_txn_mod_version_value_delete(void **state)
{
    (void)state;
    etcd_request_op put = { .type = ETCD_REQ_PUT, K("/k"), .value = "b", .value_len = 1 };
    etcd_compare mod = { .target = ETCD_CMP_MOD, .result = ETCD_CMP_EQUAL, K("/k"), .number = 7 };
    etcd_compare ver = { .target = ETCD_CMP_VERSION, .result = ETCD_CMP_EQUAL, K("/k"), .number = 2 };
    etcd_compare val_a = { .target = ETCD_CMP_VALUE, .result = ETCD_CMP_EQUAL, K("/k"), .value = "a", .value_len = 1 };
    etcd_compare val_b = { .target = ETCD_CMP_VALUE, .result = ETCD_CMP_EQUAL, K("/k"), .value = "b", .value_len = 1 };
    etcd_compare lease = { .target = ETCD_CMP_LEASE, .result = ETCD_CMP_EQUAL, K("/k"), .number = 5 };
    assert_true(etcd_txn_repeat_safe(&mod, 1, &put, 1, NULL, 0));
    assert_true(etcd_txn_repeat_safe(&ver, 1, &put, 1, NULL, 0));
    assert_true(etcd_txn_repeat_safe(&val_a, 1, &put, 1, NULL, 0));    /* a -> b: a repeat finds b */
    assert_false(etcd_txn_repeat_safe(&val_b, 1, &put, 1, NULL, 0));   /* b -> b: a repeat puts again */
    assert_false(etcd_txn_repeat_safe(&lease, 1, &put, 1, NULL, 0));
    etcd_request_op del = { .type = ETCD_REQ_DELETE, K("/k") };
    assert_true(etcd_txn_repeat_safe(&mod, 1, &del, 1, NULL, 0));
    mod.number = 0;                                                    /* "absent" stays true */
    assert_false(etcd_txn_repeat_safe(&mod, 1, &del, 1, NULL, 0));
    etcd_request_op delp = { .type = ETCD_REQ_DELETE, K("/k"), .del = { .prefix = true } };
    ver.number = 3;
    assert_false(etcd_txn_repeat_safe(&ver, 1, &delp, 1, NULL, 0));
}

static void test_txn_else_put_of_compared_value(void **state)
{
    (void)state;
    /* the rule CAS: if value == v then nothing else put v */
    etcd_compare cmp = { .target = ETCD_CMP_VALUE, .result = ETCD_CMP_EQUAL, K("/r"), .value = "v", .value_len = 1 };
    etcd_request_op put_v = { .type = ETCD_REQ_PUT, K("/r"), .value = "v", .value_len = 1 };
    etcd_request_op put_w = { .type = ETCD_REQ_PUT, K("/r"), .value = "w", .value_len = 1 };
    etcd_request_op get = { .type = ETCD_REQ_RANGE, K("/r") };
    assert_true(etcd_txn_repeat_safe(&cmp, 1, NULL, 0, &put_v, 1));
    assert_true(etcd_txn_repeat_safe(&cmp, 1, &get, 1, &put_v, 1));
    assert_false(etcd_txn_repeat_safe(&cmp, 1, NULL, 0, &put_w, 1));
    /* a second compare the else put does not make true */
    etcd_compare two[2] = { cmp, { .target = ETCD_CMP_VERSION, .result = ETCD_CMP_EQUAL, K("/r"), .number = 1 } };
    assert_false(etcd_txn_repeat_safe(two, 2, NULL, 0, &put_v, 1));
    /* reads only: always safe */
    assert_true(etcd_txn_repeat_safe(&cmp, 1, &get, 1, &get, 1));
    /* an unconditional put is not */
    assert_false(etcd_txn_repeat_safe(NULL, 0, &put_v, 1, NULL, 0));
}

static void test_outcome_unknown(void **state)
{
    (void)state;
    etcd_status st = { 0 };
    assert_true(etcd_retry_outcome_unknown(ETCD_ERR_TIMEOUT, &st));
    assert_false(etcd_retry_outcome_unknown(ETCD_ERR_CONNECT, &st));
    st.http_status = 503;
    strcpy(st.message, "etcdserver: request timed out");
    assert_true(etcd_retry_outcome_unknown(ETCD_ERR_GRPC, &st));
    strcpy(st.message, "etcdserver: no leader");
    assert_false(etcd_retry_outcome_unknown(ETCD_ERR_GRPC, &st));
}

static void test_budget_and_attempt_timeout(void **state)
{
    (void)state;
    assert_int_equal(etcd_retry_budget(0), 2);
    assert_int_equal(etcd_retry_budget(-1), 0);
    assert_int_equal(etcd_retry_budget(5), 5);
    assert_int_equal(etcd_retry_attempt_ms(0, 9000, 2), 3000);
    assert_int_equal(etcd_retry_attempt_ms(1500, 9000, 2), 1500);
    assert_int_equal(etcd_retry_attempt_ms(20000, 9000, 2), 9000);
    assert_int_equal(etcd_retry_attempt_ms(1500, 9000, 0), 9000);   /* off: the whole timeout */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_per_operation),
        cmocka_unit_test(test_table_complete),
        cmocka_unit_test(test_txn_guarded_create),
        cmocka_unit_test(test_txn_mod_version_value_delete),
        cmocka_unit_test(test_txn_else_put_of_compared_value),
        cmocka_unit_test(test_outcome_unknown),
        cmocka_unit_test(test_budget_and_attempt_timeout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
