/* test_util_err.c: util_seterr writes one line whatever it quotes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sim/util/util_err.h"

static void test_one_line(void **state)
{
    (void)state;
    char err[64];
    util_seterr(err, sizeof err, "unknown option '%s'", "--a\nb\rc\td\x7f" "e");
    assert_string_equal(err, "unknown option '--a?b?c?d?e'");
    util_seterr(err, 8, "%s", "123456789");
    assert_string_equal(err, "1234567");
    util_seterr(NULL, 0, "%s", "ignored");
    char s[] = "caf\xc3\xa9 ok";   /* UTF-8 is not a control character */
    util_one_line(s);
    assert_string_equal(s, "caf\xc3\xa9 ok");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
