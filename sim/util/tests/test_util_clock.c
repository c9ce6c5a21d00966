/* test_util_clock.c: the units of util_clock agree with each other and with a
 * real sleep (a wrong divisor or a non-monotonic source fails here). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "sim/util/util_clock.h"

/* Readings taken in order never go backwards, whatever the unit. */
static void test_units_agree(void **state)
{
    (void)state;
    for (int i = 0; i < 1000; i++) {
        uint64_t a = util_now_ns();
        int64_t b = util_now_ns_i64();
        double c = util_now_ms();
        double d = util_now_s();
        uint64_t e = util_now_ns();
        assert_true(b >= 0 && (uint64_t)b >= a && (uint64_t)b <= e);
        /* slack for the rounding of the floating-point units (relative,
         * as the count since boot can be large), far below a unit's size */
        double slack = 1 + (double)e * 1e-12;
        assert_true(c * 1e6 >= (double)a - slack && c * 1e6 <= (double)e + slack);
        assert_true(d * 1e9 >= (double)a - slack && d * 1e9 <= (double)e + slack);
    }
}

/* A 20 ms sleep reads as at least 20 ms (and under 10 s) in every unit. */
static void test_sleep_measured(void **state)
{
    (void)state;
    uint64_t ns0 = util_now_ns();
    int64_t i0 = util_now_ns_i64();
    double ms0 = util_now_ms(), s0 = util_now_s();
    struct timespec ts = { 0, 20000000L };
    while (nanosleep(&ts, &ts) != 0)
        ;
    uint64_t dns = util_now_ns() - ns0;
    int64_t di = util_now_ns_i64() - i0;
    double dms = util_now_ms() - ms0, ds = util_now_s() - s0;
    assert_true(dns >= 20000000u && dns < 10000000000u);
    assert_true(di >= 20000000 && di < 10000000000);
    assert_true(dms >= 20.0 - 1e-6 && dms < 10000.0);
    assert_true(ds >= 0.020 - 1e-9 && ds < 10.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units_agree),
        cmocka_unit_test(test_sleep_measured),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
