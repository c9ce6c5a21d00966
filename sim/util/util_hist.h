/* util_hist.h: the one histogram for streaming latencies (record per thread,
 * merge at the end, never store samples).
 *
 * Values are unsigned integers in the caller's unit (ns, us). Buckets are
 * log-linear: values below 2^UTIL_HIST_SUB_BITS (64) have a bucket each;
 * above, every power of two [2^m, 2^(m+1)) is cut into 64 equal buckets of
 * width 2^(m-6). A bucket's width is therefore at most 1/64 of its lower
 * edge, over the whole range 0 .. UINT64_MAX (3776 buckets, 30 KiB; a
 * zeroed struct is an empty histogram).
 *
 * Percentile definition: the one of util_percentile_sorted (GSL's, R type 7)
 * applied to the order statistics the histogram estimates:
 *     i = floor((n - 1) p), d = (n - 1) p - i,
 *     q = (1 - d) x(i) + d x(i + 1),
 * where x(0) = min and x(n - 1) = max exactly, and any other x(k) is taken
 * from the bucket holding rank k: the c samples of a bucket whose integer
 * values span [lo, hi] are spread evenly over it, the j-th (0-based) at
 * lo + (hi - lo) (j + 0.5) / c, clamped to [min, max].
 * Stated error: every estimated x(k) lies in the same bucket as the true
 * one, so |x'(k) - x(k)| <= hi - lo < x(k) / 64; hence
 *     |util_hist_percentile(p) - util_percentile_sorted(samples, p)|
 *         <= UTIL_HIST_REL_ERR * util_percentile_sorted(samples, p)
 * (exact for values below 64, and for p = 0 and p = 1). */
#ifndef GEOKV_UTIL_HIST_H
#define GEOKV_UTIL_HIST_H

#include <stdint.h>

#define UTIL_HIST_SUB_BITS 6
#define UTIL_HIST_SUB (1u << UTIL_HIST_SUB_BITS)
#define UTIL_HIST_BUCKETS ((64 - UTIL_HIST_SUB_BITS + 1) * UTIL_HIST_SUB)
#define UTIL_HIST_REL_ERR (1.0 / UTIL_HIST_SUB)

typedef struct util_hist {
    uint64_t count;
    uint64_t min, max;        /* exact; meaningful when count > 0 */
    double sum;               /* for the mean (a double: huge values must not wrap) */
    uint64_t b[UTIL_HIST_BUCKETS];
} util_hist;

/* Empties h (the same as zeroing it). */
void util_hist_reset(util_hist *h);

void util_hist_record(util_hist *h, uint64_t v);

/* into += from (any two histograms: the buckets are the same for all). */
void util_hist_merge(util_hist *into, const util_hist *from);

/* The p-percentile (p in [0, 1], clamped; NaN as 0) by the definition above,
 * in the values' unit; 0 for an empty histogram. */
double util_hist_percentile(const util_hist *h, double p);

uint64_t util_hist_count(const util_hist *h);
uint64_t util_hist_min(const util_hist *h);   /* 0 when empty */
uint64_t util_hist_max(const util_hist *h);   /* 0 when empty */
double util_hist_mean(const util_hist *h);    /* 0 when empty */

/* Bucket index of v and the integer values [lo, hi] a bucket holds
 * (exposed for the unit tests and for anyone plotting the buckets). */
unsigned util_hist_bucket(uint64_t v);
void util_hist_bucket_range(unsigned b, uint64_t *lo, uint64_t *hi);

#endif
