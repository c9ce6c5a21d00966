/* test_etcd_pbsize.c: protobuf sizes against hand-computed encodings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sim/etcd/etcd_pbsize.h"

static void test_varint(void **state)
{
    (void)state;
    assert_int_equal(etcd_pb_varint_len(0), 1);
    assert_int_equal(etcd_pb_varint_len(127), 1);
    assert_int_equal(etcd_pb_varint_len(128), 2);
    assert_int_equal(etcd_pb_varint_len(16383), 2);
    assert_int_equal(etcd_pb_varint_len(16384), 3);
    assert_int_equal(etcd_pb_varint_len(UINT64_MAX), 10);
    assert_int_equal(etcd_pb_varint_len((uint64_t)(int64_t)-1), 10);
}

static void test_header(void **state)
{
    (void)state;
    etcd_header h = {0};
    assert_int_equal(etcd_pb_header_size(&h), 0);   /* all zero: nothing encoded */
    /* a typical etcd header: 64-bit ids (10 bytes when the top bit is set,
     * 9 when it is not), revision 1234 (2 bytes), raft_term 5 (1 byte) */
    h.cluster_id = 0xcdf818194e3a8c32ULL;   /* >= 2^63: 10-byte varint */
    h.member_id = 0x0123456789abcdefULL;    /* 2^56 <= v < 2^63: 9 bytes */
    h.revision = 1234;
    h.raft_term = 5;
    assert_int_equal(etcd_pb_header_size(&h), (1 + 10) + (1 + 9) + (1 + 2) + (1 + 1));
}

static void test_kv(void **state)
{
    (void)state;
    char key[40], val[300];
    memset(key, 'k', sizeof key);
    memset(val, 'v', sizeof val);
    etcd_kv kv = {.key = key, .key_len = 40, .value = val, .value_len = 300,
                  .create_revision = 100, .mod_revision = 200, .version = 1, .lease = 0};
    /* key 1+1+40, create 1+1 (100 < 128), mod 1+2 (200), version 1+1,
     * value 1+2+300 (300 needs 2 varint bytes), lease 0: absent */
    assert_int_equal(etcd_pb_kv_size(&kv), 42 + 2 + 3 + 2 + 303);
    kv.lease = 0x694d7a3f9c2b1e01LL;       /* 9 bytes */
    assert_int_equal(etcd_pb_kv_size(&kv), 42 + 2 + 3 + 2 + 303 + 10);
    etcd_kv empty = {0};
    assert_int_equal(etcd_pb_kv_size(&empty), 0);
}

static void test_range(void **state)
{
    (void)state;
    char k[] = "a", v[] = "bc";
    etcd_kv kvs[2] = {{.key = k, .key_len = 1, .value = v, .value_len = 2, .create_revision = 3,
                       .mod_revision = 3, .version = 1},
                      {.key = k, .key_len = 1, .create_revision = 4, .mod_revision = 4, .version = 1}};
    etcd_range_result r = {.header = {.revision = 9}, .kvs = kvs, .n_kvs = 2, .count = 2};
    /* header 2; kv0 3+2+2+2+4 = 13; kv1 3+2+2+2 = 9 */
    assert_int_equal(etcd_pb_range_logged_size(&r), 2 + 13 + 9);
    r.n_kvs = 0;   /* count-only: header only */
    assert_int_equal(etcd_pb_range_logged_size(&r), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_varint),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_kv),
        cmocka_unit_test(test_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
