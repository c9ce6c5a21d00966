/* test_etcd_transport.c: the list of unary transports (etcd_transport.c):
 * the enum's values name their entries, names and values map both ways, the
 * list of names for option messages, an out-of-range value falls back to
 * native, and every entry is complete. No sockets: the transports themselves
 * are tested against a real etcd (sim/rig/tests/itest_etcd_client.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sim/etcd/etcd_transport.h"

static void test_enum_names_entries(void **state)
{
    assert_true(etcd_transport_count() >= 2);
    assert_string_equal(etcd_transport_name(ETCD_TRANSPORT_NATIVE), "native");
    assert_string_equal(etcd_transport_name(ETCD_TRANSPORT_CURL), "curl");
    assert_ptr_equal(etcd_transport_ops_of(ETCD_TRANSPORT_NATIVE), &etcd_transport_native_ops);
    assert_ptr_equal(etcd_transport_ops_of(ETCD_TRANSPORT_CURL), &etcd_transport_curl_ops);
}

static void test_parse_round_trip(void **state)
{
    for (int i = 0; i < etcd_transport_count(); i++) {
        etcd_transport t = (etcd_transport)-1;
        const char *name = etcd_transport_name((etcd_transport)i);
        assert_int_equal(etcd_transport_parse(name, &t), 0);
        assert_int_equal((int)t, i);
        assert_string_equal(etcd_transport_ops_of(t)->name, name);
    }
    etcd_transport t = ETCD_TRANSPORT_CURL;
    assert_int_equal(etcd_transport_parse("both", &t), -1);
    assert_int_equal(etcd_transport_parse("", &t), -1);
    assert_int_equal(etcd_transport_parse("Native", &t), -1);
    assert_int_equal(etcd_transport_parse(NULL, &t), -1);
    assert_int_equal((int)t, ETCD_TRANSPORT_CURL);   /* untouched on failure */
}

static void test_out_of_range(void **state)
{
    etcd_transport past = (etcd_transport)etcd_transport_count();
    assert_string_equal(etcd_transport_name(past), "unknown");
    assert_string_equal(etcd_transport_name((etcd_transport)-1), "unknown");
    assert_ptr_equal(etcd_transport_ops_of(past), &etcd_transport_native_ops);
    assert_ptr_equal(etcd_transport_ops_of((etcd_transport)-1), &etcd_transport_native_ops);
}

static void test_list(void **state)
{
    char buf[64];
    /* the two built in come first, in the enum's order */
    size_t n = etcd_transport_list(buf, sizeof buf, ", ");
    assert_int_equal(n, strlen(buf));
    assert_memory_equal(buf, "native, curl", strlen("native, curl"));
    if (etcd_transport_count() == 2)
        assert_string_equal(buf, "native, curl");
    etcd_transport_list(buf, sizeof buf, " or ");
    assert_memory_equal(buf, "native or curl", strlen("native or curl"));
    if (etcd_transport_count() == 2)
        assert_string_equal(buf, "native or curl");
    size_t full = etcd_transport_list(NULL, 0, ", ");
    assert_true(full >= strlen("native, curl"));
    char small[5] = "xxxx";
    assert_int_equal(etcd_transport_list(small, sizeof small, ", "), full);
    assert_string_equal(small, "nati");
}

static void test_entries_complete(void **state)
{
    for (int i = 0; i < etcd_transport_count(); i++) {
        const etcd_transport_ops *o = etcd_transport_ops_of((etcd_transport)i);
        assert_non_null(o->name);
        assert_true(o->name[0] != '\0');
        assert_non_null(o->open);
        assert_non_null(o->close);
        assert_non_null(o->begin);
        assert_non_null(o->end);
        assert_non_null(o->post);
        for (int k = 0; k < i; k++)   /* names are unique */
            assert_string_not_equal(o->name, etcd_transport_name((etcd_transport)k));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enum_names_entries),
        cmocka_unit_test(test_parse_round_trip),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_entries_complete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
