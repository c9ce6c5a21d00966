/* Unit tests for bench_progress: durations, ETA, the line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bench/bench_progress.h"

static void test_durations(void **state)
{
    char b[32];
    (void)state;
    bench_format_duration(7.4, b, sizeof b);
    assert_string_equal(b, "7s");
    bench_format_duration(125, b, sizeof b);
    assert_string_equal(b, "2m05s");
    bench_format_duration(3723, b, sizeof b);
    assert_string_equal(b, "1h02m03s");
    bench_format_duration(-1, b, sizeof b);
    assert_string_equal(b, "?");
}

static void test_eta(void **state)
{
    (void)state;
    assert_true(bench_eta_s(10, 0, 50) < 0);
    /* 100 s for weight 20 -> 5 s per unit; 40 units left -> 200 s. */
    assert_true(bench_eta_s(100, 20, 40) == 200);
    assert_true(bench_eta_s(100, 20, 0) == 0);
    assert_true(bench_run_weight(50) > bench_run_weight(10));
}

static void test_line(void **state)
{
    char b[160];
    (void)state;
    bench_progress_format(b, sizeof b, 4, 30, "after", 20, 1, 62, 490, 12, 20);
    assert_string_equal(b, "run 4/30 after N=20 rep 1 | 1m02s elapsed, ETA 8m10s | agents 12/20");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_eta),
        cmocka_unit_test(test_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
