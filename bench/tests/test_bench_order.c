/* Unit tests for bench_order: a deterministic, complete, blocked shuffle. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bench/bench_order.h"

static const int ns[] = { 10, 20, 30, 40, 50 };

static void test_complete_and_blocked(void **state)
{
    bench_triple *t = NULL;
    size_t total = bench_order_build(3, ns, 5, 3, 42, &t);
    int seen[3][5][4];
    (void)state;
    assert_int_equal(total, 45);
    memset(seen, 0, sizeof seen);
    for (size_t i = 0; i < total; i++) {
        size_t j;
        assert_int_equal(t[i].order, (int)i + 1);
        /* Block r holds positions 15(r-1)+1 .. 15r. */
        assert_int_equal(t[i].rep, (int)(i / 15) + 1);
        for (j = 0; j < 5 && ns[j] != t[i].n; j++)
            ;
        assert_true(j < 5);
        assert_in_range(t[i].mode, 0, 2);
        seen[t[i].mode][j][t[i].rep]++;
    }
    for (int m = 0; m < 3; m++)
        for (int j = 0; j < 5; j++)
            for (int r = 1; r <= 3; r++)
                assert_int_equal(seen[m][j][r], 1);
    free(t);
}

static void test_deterministic(void **state)
{
    bench_triple *a = NULL, *b = NULL, *c = NULL;
    size_t na = bench_order_build(3, ns, 5, 3, 7, &a);
    size_t nb = bench_order_build(3, ns, 5, 3, 7, &b);
    size_t nc = bench_order_build(3, ns, 5, 3, 8, &c);
    (void)state;
    assert_int_equal(na, nb);
    assert_int_equal(na, nc);
    assert_memory_equal(a, b, na * sizeof *a);
    assert_true(memcmp(a, c, na * sizeof *a) != 0);
    free(a);
    free(b);
    free(c);
}

/* The order really is shuffled (not the nested-loop order) and interleaves
 * modes: over many seeds the first run is each mode about equally often. */
static void test_shuffled(void **state)
{
    int first_mode[3] = { 0, 0, 0 };
    (void)state;
    for (uint64_t seed = 1; seed <= 300; seed++) {
        bench_triple *t = NULL;
        size_t total = bench_order_build(3, ns, 5, 1, seed, &t);
        assert_int_equal(total, 15);
        first_mode[t[0].mode]++;
        free(t);
    }
    for (int m = 0; m < 3; m++)
        assert_in_range(first_mode[m], 60, 140);
}

static void test_rand_below(void **state)
{
    uint64_t s = 1;
    int hist[7] = { 0 };
    (void)state;
    for (int i = 0; i < 7000; i++) {
        uint64_t v = bench_rand_below(&s, 7);
        assert_true(v < 7);
        hist[v]++;
    }
    for (int i = 0; i < 7; i++)
        assert_in_range(hist[i], 800, 1200);
    /* splitmix64 reference value for state 0 (first output). */
    s = 0;
    assert_true(bench_rand_next(&s) == 0xe220a8397b1dcdafULL);
}

static void test_bad_args(void **state)
{
    bench_triple *t = (bench_triple *)1;
    (void)state;
    assert_int_equal(bench_order_build(0, ns, 5, 3, 1, &t), 0);
    assert_null(t);
    assert_int_equal(bench_order_build(3, ns, 0, 3, 1, &t), 0);
    assert_int_equal(bench_order_build(3, ns, 5, 0, 1, &t), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_complete_and_blocked),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_shuffled),
        cmocka_unit_test(test_rand_below),
        cmocka_unit_test(test_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
