/* test_cb_modes.c: the registry of modes (cb_modes.c): every entry names a
 * complete table of operations, the names are usable as names (unique,
 * no '-', which timeline file names are split on) and described, and the
 * lookups and the joined list follow the registry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sim/cb/cb_internal.h"

static void test_every_entry_complete(void **state)
{
    (void)state;
    const char *const *names = cb_mode_names();
    size_t n = 0;
    for (; names[n]; n++) {
        const cb_mode_ops *ops = cb_mode_find(names[n]);
        assert_non_null(ops);
        assert_non_null(ops->agent_setup);
        assert_non_null(ops->agent_event);
        const char *d = cb_mode_description(names[n]);
        assert_non_null(d);
        assert_true(strlen(d) > 10);
        assert_null(strchr(names[n], '-'));
        for (size_t k = 0; k < n; k++)
            assert_string_not_equal(names[k], names[n]);
    }
    assert_true(n >= 3);
    /* the patent's two modes and ours are there, the control group first */
    assert_string_equal(names[0], "before");
    assert_non_null(cb_mode_find("after"));
    assert_non_null(cb_mode_find("lockless"));
}

static void test_unknown(void **state)
{
    (void)state;
    assert_null(cb_mode_find("fast"));
    assert_null(cb_mode_find(NULL));
    assert_null(cb_mode_find(""));
    assert_null(cb_mode_description("fast"));
}

static void test_join(void **state)
{
    (void)state;
    char all[256], expect[256] = "", small[8];
    const char *const *names = cb_mode_names();
    for (size_t i = 0; names[i]; i++) {
        if (i)
            strcat(expect, "|");
        strcat(expect, names[i]);
    }
    cb_mode_join(all, sizeof all, "|");
    assert_string_equal(all, expect);
    cb_mode_join(small, sizeof small, ", ");   /* truncated, still terminated */
    assert_int_equal(strlen(small), sizeof small - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_entry_complete),
        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_join),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
