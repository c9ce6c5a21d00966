/* test_util_list.c: util_list_has_empty finds every empty item of a list
 * (the ones strtok skips silently) and none in a well-formed one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/util/util_list.h"

static void test_empty_items(void **state)
{
    static const char *const bad[] = { "", ",", ",,", "10,,20", ",10", "10,", "a,b,,c", "a,b,", ",a,b" };
    static const char *const good[] = { "10", "10,20", "a,b,c", " , " };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (!util_list_has_empty(bad[i], ','))
            fail_msg("'%s': empty item not found", bad[i]);
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (util_list_has_empty(good[i], ','))
            fail_msg("'%s': empty item reported in a full list", good[i]);
    assert_true(util_list_has_empty("a;;b", ';'));
    assert_false(util_list_has_empty("a,,b", ';'));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_items),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
