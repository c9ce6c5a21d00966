/* test_wan_spin.c: the WAN emulator's polling window (fixed, automatic from
 * measured wake-up lateness, off), its budget, and --spin-us parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "sim/wan/wan_spin.h"

#define US 1000ULL
#define MS 1000000ULL

/* n wake-ups, each late_us late, starting at *t (advanced). */
static void wake_n(wan_spin *s, int n, uint64_t late_us, uint64_t *t)
{
    for (int i = 0; i < n; i++) {
        *t += MS;
        wan_spin_woke(s, *t, *t + late_us * US);
    }
}

static void test_parse(void **state)
{
    (void)state;
    double v = 123;
    assert_int_equal(wan_spin_parse("auto", &v), 0);
    assert_true(v == 0);
    assert_int_equal(wan_spin_parse("off", &v), 0);
    assert_true(v < 0);
    assert_int_equal(wan_spin_parse("0", &v), 0);
    assert_true(v < 0);
    assert_int_equal(wan_spin_parse("-5", &v), 0);
    assert_true(v < 0);
    assert_int_equal(wan_spin_parse("250", &v), 0);
    assert_true(v == 250);
    assert_int_equal(wan_spin_parse("2.5", &v), 0);
    assert_true(v == 2.5);
    const char *bad[] = { "", "x", "100us", "auto ", "nan", "1e9", "-" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (wan_spin_parse(bad[i], &v) != -1)
            fail_msg("\"%s\" was accepted", bad[i]);
}

static void test_fixed_and_off(void **state)
{
    (void)state;
    wan_spin s;
    uint64_t t = 0;
    wan_spin_init(&s, 300);
    assert_false(s.automatic);
    assert_true(wan_spin_window(&s, 1) == 300 * US);
    wake_n(&s, 64, 1500, &t);   /* a fixed window does not learn */
    assert_true(wan_spin_window(&s, t) == 300 * US);

    wan_spin_init(&s, -1);
    assert_true(wan_spin_window(&s, 1) == 0);
    wake_n(&s, 64, 1500, &t);
    assert_true(wan_spin_window(&s, t) == 0);
}

/* The automatic window follows the p99 of the wake-ups (x 1.25 + 20 us),
 * within 50 us .. 2 ms, and is recomputed every WAN_SPIN_RECOMPUTE. */
static void test_automatic_follows_wakeups(void **state)
{
    (void)state;
    wan_spin s;
    uint64_t t = 0;
    wan_spin_init(&s, 0);
    assert_true(s.automatic);
    assert_true(wan_spin_window(&s, 1) == WAN_SPIN_AUTO_START_NS);
    wake_n(&s, WAN_SPIN_RECOMPUTE - 1, 400, &t);
    assert_true(wan_spin_window(&s, t) == WAN_SPIN_AUTO_START_NS);   /* not yet */
    wake_n(&s, 1, 400, &t);
    assert_true(wan_spin_window(&s, t) == 520 * US);
    /* a quick machine: 256 wake-ups 10 us late push the 400s out of the ring */
    wake_n(&s, WAN_SPIN_SAMPLES, 10, &t);
    assert_true(wan_spin_window(&s, t) == WAN_SPIN_AUTO_MIN_NS);
    /* a very slow one: capped */
    wake_n(&s, WAN_SPIN_SAMPLES, 50000, &t);
    assert_true(wan_spin_window(&s, t) == WAN_SPIN_AUTO_MAX_NS);
}

/* p99 of 256 by util_percentile_sorted's definition: index 0.99 x 255 =
 * 252.45, between the 253rd and 254th smallest samples. */
static void test_p99_rank(void **state)
{
    (void)state;
    wan_spin s;
    uint64_t t = 0;
    wan_spin_init(&s, 0);
    wake_n(&s, WAN_SPIN_SAMPLES - 2, 20, &t);
    wake_n(&s, 2, 5000, &t);
    assert_true(wan_spin_wake_p99_us(&s) == 20);
    assert_true(wan_spin_window(&s, t) == 50 * US);   /* 20 x 1.25 + 20 = 45, raised to the minimum */
    wake_n(&s, 1, 5000, &t);   /* the 254th smallest is now 5000: 0.55 x 20 + 0.45 x 5000 */
    assert_true(fabs(wan_spin_wake_p99_us(&s) - 2261) < 1e-9);
    wake_n(&s, 1, 5000, &t);
    assert_true(wan_spin_wake_p99_us(&s) == 5000);
    /* a wake-up before its arming time (clock granularity) counts as 0 */
    wan_spin_init(&s, 0);
    wan_spin_woke(&s, 10 * MS, 9 * MS);
    assert_true(wan_spin_wake_p99_us(&s) == 0);
}

/* Polling is bounded to WAN_SPIN_BUDGET_NS per WAN_SPIN_PERIOD_NS: once a
 * period's budget is spent the window is 0 until the next period. */
static void test_budget(void **state)
{
    (void)state;
    wan_spin s;
    wan_spin_init(&s, 500);
    uint64_t t = 0;   /* the first period starts at 0 */
    assert_true(wan_spin_window(&s, t) == 500 * US);
    wan_spin_charge(&s, WAN_SPIN_BUDGET_NS - 1);
    assert_true(wan_spin_window(&s, t + MS) == 500 * US);
    wan_spin_charge(&s, 1);
    assert_true(wan_spin_window(&s, t + 2 * MS) == 0);
    assert_true(s.eff_ns == 0);
    assert_true(wan_spin_window(&s, t + WAN_SPIN_PERIOD_NS - 1) == 0);
    assert_true(wan_spin_window(&s, t + WAN_SPIN_PERIOD_NS) == 500 * US);
    assert_true(s.total_ns == WAN_SPIN_BUDGET_NS);   /* the total keeps everything */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_fixed_and_off),
        cmocka_unit_test(test_automatic_follows_wakeups),
        cmocka_unit_test(test_p99_rank),
        cmocka_unit_test(test_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
