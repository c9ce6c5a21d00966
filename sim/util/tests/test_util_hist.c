/* test_util_hist.c: the streaming histogram against the sorted-sample
 * percentile (util_percentile_sorted) on known data, within the stated
 * relative error and exactly where the buckets are exact; merge; the edges
 * (empty, one value, huge values, the bucket table itself). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util/util_hist.h"
#include "sim/util/util_stats.h"

static const double ps[] = { 0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1 };

/* Records v[0..n-1] (integers as doubles) and compares every p in ps with the
 * sorted percentile: within tol * |want| (tol 0: exactly). */
static void compare_with_sorted(double *v, size_t n, double tol, const char *what)
{
    util_hist *h = calloc(1, sizeof *h);
    assert_non_null(h);
    for (size_t i = 0; i < n; i++)
        util_hist_record(h, (uint64_t)v[i]);
    util_sort_doubles(v, n);
    assert_int_equal(util_hist_count(h), n);
    assert_true(util_hist_min(h) == (uint64_t)v[0]);
    assert_true(util_hist_max(h) == (uint64_t)v[n - 1]);
    for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++) {
        double want = util_percentile_sorted(v, n, ps[k]), got = util_hist_percentile(h, ps[k]);
        if (!(fabs(got - want) <= tol * fabs(want)))
            fail_msg("%s: p%g: histogram %.17g, sorted %.17g (allowed %g relative)", what, ps[k] * 100, got, want,
                     tol);
    }
    free(h);
}

/* Below 64 every value has its own bucket: the histogram must give exactly the
 * sorted definition, interpolation included (a rank-based or bucket-edge
 * percentile gives 10 for p90 here, the definition 7.6). */
static void test_exact_small_values(void **state)
{
    (void)state;
    double v[] = { 4, 1, 10, 3, 2 };
    compare_with_sorted(v, 5, 0, "1,2,3,4,10");
    util_hist h;
    util_hist_reset(&h);
    for (uint64_t x = 1; x <= 4; x++)
        util_hist_record(&h, x);
    util_hist_record(&h, 10);
    assert_true(fabs(util_hist_percentile(&h, 0.9) - 7.6) < 1e-12);
    assert_true(util_hist_percentile(&h, 0.5) == 3);
    assert_true(util_hist_percentile(&h, 0.25) == 2);
    double w[63];
    for (int i = 0; i < 63; i++)
        w[i] = (i * 37) % 63;   /* 0..62, shuffled */
    compare_with_sorted(w, 63, 0, "0..62");
}

/* Wide data: 1..100000 in steps of 7, and a fixed pseudo-random log-normal
 * sample (ns-scale latencies), within UTIL_HIST_REL_ERR of the sorted value. */
static void test_known_data_within_stated_error(void **state)
{
    (void)state;
    size_t n = 0;
    double *v = malloc(20000 * sizeof *v);
    assert_non_null(v);
    for (uint64_t x = 1; x <= 100000; x += 7)
        v[n++] = (double)x;
    compare_with_sorted(v, n, UTIL_HIST_REL_ERR, "1..100000 step 7");
    uint64_t s = 12345;
    for (n = 0; n < 20000; n++) {
        double u1, u2;
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        u1 = ((double)(s >> 11) + 1) / 9007199254740993.0;
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        u2 = (double)(s >> 11) / 9007199254740992.0;
        double z = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
        v[n] = floor(exp(13 + 1.5 * z));   /* median ~0.44 ms in ns, a long tail */
    }
    compare_with_sorted(v, n, UTIL_HIST_REL_ERR, "log-normal");
    /* Inside one bucket the samples are spread evenly: a bucket filled with
     * each of its 16 integers once (1040..1055) gives every percentile to
     * within 1 of the sorted one and the median exactly; an estimate at the
     * bucket's edge (1055 or 1040) would miss by 7.5. */
    util_hist h;
    util_hist_reset(&h);
    double w[16];
    for (uint64_t x = 1040; x <= 1055; x++) {
        util_hist_record(&h, x);
        w[x - 1040] = (double)x;
    }
    assert_int_equal(util_hist_bucket(1040), util_hist_bucket(1055));
    assert_true(fabs(util_hist_percentile(&h, 0.5) - 1047.5) < 1e-9);
    for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++)
        assert_true(fabs(util_hist_percentile(&h, ps[k]) - util_percentile_sorted(w, 16, ps[k])) < 1);
    assert_true(fabs(util_hist_mean(&h) - 1047.5) < 1e-9);
    free(v);
}

static void test_merge(void **state)
{
    (void)state;
    util_hist *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b), *all = calloc(1, sizeof *all),
              *e = calloc(1, sizeof *e);
    assert_true(a && b && all && e);
    for (uint64_t x = 0; x < 50000; x++) {
        uint64_t v = (x * 2654435761u) % 1000003;
        util_hist_record(x % 3 ? a : b, v);
        util_hist_record(all, v);
    }
    util_hist_merge(a, b);
    assert_int_equal(util_hist_count(a), 50000);
    assert_true(util_hist_min(a) == util_hist_min(all) && util_hist_max(a) == util_hist_max(all));
    assert_memory_equal(a->b, all->b, sizeof a->b);
    assert_true(fabs(util_hist_mean(a) - util_hist_mean(all)) <= 1e-9 * util_hist_mean(all));
    for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++)
        assert_true(util_hist_percentile(a, ps[k]) == util_hist_percentile(all, ps[k]));
    /* empty into full changes nothing; full into empty copies */
    util_hist_merge(a, e);
    assert_int_equal(util_hist_count(a), 50000);
    assert_true(util_hist_min(a) == util_hist_min(all));
    util_hist_merge(e, b);
    assert_true(util_hist_count(e) == util_hist_count(b) && util_hist_min(e) == util_hist_min(b) &&
                util_hist_max(e) == util_hist_max(b));
    /* a merged minimum larger than the existing one must not replace it */
    util_hist_reset(e);
    util_hist_record(e, 5);
    util_hist_reset(b);
    util_hist_record(b, 9);
    util_hist_merge(e, b);
    assert_true(util_hist_min(e) == 5 && util_hist_max(e) == 9);
    free(a);
    free(b);
    free(all);
    free(e);
}

static void test_empty_and_one_value(void **state)
{
    (void)state;
    util_hist h;
    memset(&h, 0, sizeof h);   /* zeroed = empty */
    assert_int_equal(util_hist_count(&h), 0);
    assert_true(util_hist_percentile(&h, 0.5) == 0 && util_hist_percentile(&h, 1) == 0);
    assert_true(util_hist_min(&h) == 0 && util_hist_max(&h) == 0 && util_hist_mean(&h) == 0);
    util_hist_record(&h, 123456789);
    for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++)
        assert_true(util_hist_percentile(&h, ps[k]) == 123456789);
    assert_true(util_hist_percentile(&h, -1) == 123456789 && util_hist_percentile(&h, NAN) == 123456789 &&
                util_hist_percentile(&h, 7) == 123456789);
    assert_true(util_hist_mean(&h) == 123456789);
    util_hist_record(&h, 0);
    assert_true(util_hist_min(&h) == 0);
    assert_true(util_hist_percentile(&h, 0) == 0 && util_hist_percentile(&h, 1) == 123456789);
    assert_true(util_hist_percentile(&h, 0.5) == 123456789 / 2.0);
}

static void test_huge_values(void **state)
{
    (void)state;
    util_hist h;
    util_hist_reset(&h);
    util_hist_record(&h, UINT64_MAX);
    util_hist_record(&h, UINT64_MAX - 1);
    util_hist_record(&h, (uint64_t)1 << 63);
    util_hist_record(&h, 1);
    assert_true(util_hist_max(&h) == UINT64_MAX && util_hist_min(&h) == 1);
    assert_true(util_hist_percentile(&h, 1) == (double)UINT64_MAX);
    assert_true(util_hist_percentile(&h, 0) == 1);
    /* the mean does not wrap around */
    double mean = ((double)UINT64_MAX * 2 + 9223372036854775808.0 + 1) / 4;
    assert_true(fabs(util_hist_mean(&h) - mean) <= 1e-12 * mean);
    double v[] = { (double)UINT64_MAX, (double)(UINT64_MAX - 1), 9223372036854775808.0, 1 };
    util_sort_doubles(v, 4);
    for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++) {
        double want = util_percentile_sorted(v, 4, ps[k]);
        assert_true(fabs(util_hist_percentile(&h, ps[k]) - want) <= UTIL_HIST_REL_ERR * want);
    }
}

/* The bucket table covers 0..UINT64_MAX without gaps or overlaps, every value
 * maps into the bucket whose range holds it, and every bucket is at most
 * 1/64 of its lower edge wide (the stated error). */
static void test_bucket_table(void **state)
{
    (void)state;
    uint64_t prev_hi = 0;
    for (unsigned b = 0; b < UTIL_HIST_BUCKETS; b++) {
        uint64_t lo, hi;
        util_hist_bucket_range(b, &lo, &hi);
        if (b > 0 && lo != prev_hi + 1)
            fail_msg("bucket %u starts at %llu, previous ends at %llu", b, (unsigned long long)lo,
                     (unsigned long long)prev_hi);
        assert_true(lo <= hi);
        assert_int_equal(util_hist_bucket(lo), b);
        assert_int_equal(util_hist_bucket(hi), b);
        if (b >= UTIL_HIST_SUB && !(hi - lo < lo / UTIL_HIST_SUB))
            fail_msg("bucket %u [%llu, %llu] wider than 1/64 of its lower edge", b, (unsigned long long)lo,
                     (unsigned long long)hi);
        prev_hi = hi;
    }
    assert_true(prev_hi == UINT64_MAX);
    assert_int_equal(util_hist_bucket(UINT64_MAX), UTIL_HIST_BUCKETS - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_small_values),
        cmocka_unit_test(test_known_data_within_stated_error),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_empty_and_one_value),
        cmocka_unit_test(test_huge_values),
        cmocka_unit_test(test_bucket_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
