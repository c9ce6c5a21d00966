/* util_hist.c: see util_hist.h. */
#include "sim/util/util_hist.h"

#include <string.h>

void util_hist_reset(util_hist *h)
{
    memset(h, 0, sizeof *h);
}

unsigned util_hist_bucket(uint64_t v)
{
    if (v < UTIL_HIST_SUB)
        return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);   /* >= UTIL_HIST_SUB_BITS */
    unsigned shift = msb - UTIL_HIST_SUB_BITS;
    unsigned sub = (unsigned)(v >> shift) - UTIL_HIST_SUB;   /* the top bits after the leading 1 */
    return (shift + 1) * UTIL_HIST_SUB + sub;
}

void util_hist_bucket_range(unsigned b, uint64_t *lo, uint64_t *hi)
{
    if (b < UTIL_HIST_SUB) {
        *lo = *hi = b;
        return;
    }
    unsigned shift = b / UTIL_HIST_SUB - 1, sub = b % UTIL_HIST_SUB;
    *lo = (uint64_t)(UTIL_HIST_SUB + sub) << shift;
    *hi = *lo + (((uint64_t)1 << shift) - 1);
}

void util_hist_record(util_hist *h, uint64_t v)
{
    if (h->count == 0 || v < h->min)
        h->min = v;
    if (h->count == 0 || v > h->max)
        h->max = v;
    h->count++;
    h->sum += (double)v;
    h->b[util_hist_bucket(v)]++;
}

void util_hist_merge(util_hist *into, const util_hist *from)
{
    if (from->count == 0)
        return;
    if (into->count == 0 || from->min < into->min)
        into->min = from->min;
    if (into->count == 0 || from->max > into->max)
        into->max = from->max;
    into->count += from->count;
    into->sum += from->sum;
    for (unsigned i = 0; i < UTIL_HIST_BUCKETS; i++)
        into->b[i] += from->b[i];
}

/* Estimate of the order statistic of 0-based rank k (k < count). */
static double order_stat(const util_hist *h, uint64_t k)
{
    if (k == 0)
        return (double)h->min;
    if (k >= h->count - 1)
        return (double)h->max;
    uint64_t below = 0;
    for (unsigned i = 0; i < UTIL_HIST_BUCKETS; i++) {
        uint64_t c = h->b[i];
        if (k >= below + c) {
            below += c;
            continue;
        }
        uint64_t lo, hi;
        util_hist_bucket_range(i, &lo, &hi);
        double j = (double)(k - below);
        double v = (double)lo + (double)(hi - lo) * (j + 0.5) / (double)c;
        if (v < (double)h->min)
            v = (double)h->min;
        if (v > (double)h->max)
            v = (double)h->max;
        return v;
    }
    return (double)h->max;   /* not reached when the counts add up */
}

double util_hist_percentile(const util_hist *h, double p)
{
    if (h->count == 0)
        return 0;
    if (!(p > 0))
        p = 0;
    else if (p > 1)
        p = 1;
    double index = p * (double)(h->count - 1);
    uint64_t lhs = (uint64_t)index;
    if (lhs >= h->count - 1)
        return (double)h->max;
    double delta = index - (double)lhs;
    double a = order_stat(h, lhs);
    if (delta == 0)
        return a;
    return (1 - delta) * a + delta * order_stat(h, lhs + 1);
}

uint64_t util_hist_count(const util_hist *h)
{
    return h->count;
}

uint64_t util_hist_min(const util_hist *h)
{
    return h->count ? h->min : 0;
}

uint64_t util_hist_max(const util_hist *h)
{
    return h->count ? h->max : 0;
}

double util_hist_mean(const util_hist *h)
{
    return h->count ? h->sum / (double)h->count : 0;
}
