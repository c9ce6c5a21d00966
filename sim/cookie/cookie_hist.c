#include "sim/cookie/cookie_hist.h"

#include <math.h>

/* Values below 16 us get exact buckets; above, bucket = 16*log2 steps. */
static unsigned bucket_of(uint64_t us)
{
    if (us < COOKIE_HIST_SUB)
        return (unsigned)us;
    unsigned msb = 63u - (unsigned)__builtin_clzll(us);       /* >= 4 */
    unsigned sub = (unsigned)((us >> (msb - 4)) & (COOKIE_HIST_SUB - 1));
    unsigned b = (msb - 3) * COOKIE_HIST_SUB + sub;
    return b < COOKIE_HIST_BUCKETS ? b : COOKIE_HIST_BUCKETS - 1;
}

static double bucket_upper(unsigned b)
{
    if (b < COOKIE_HIST_SUB)
        return b;
    unsigned msb = b / COOKIE_HIST_SUB + 3;
    unsigned sub = b % COOKIE_HIST_SUB;
    return ldexp((double)(COOKIE_HIST_SUB + sub + 1), (int)msb - 4) - 1;
}

void cookie_hist_record(struct cookie_hist *h, uint64_t us)
{
    h->b[bucket_of(us)]++;
    h->count++;
    h->sum_us += us;
    if (us > h->max_us)
        h->max_us = us;
}

void cookie_hist_merge(struct cookie_hist *into, const struct cookie_hist *from)
{
    for (unsigned i = 0; i < COOKIE_HIST_BUCKETS; i++)
        into->b[i] += from->b[i];
    into->count += from->count;
    into->sum_us += from->sum_us;
    if (from->max_us > into->max_us)
        into->max_us = from->max_us;
}

double cookie_hist_quantile(const struct cookie_hist *h, double q)
{
    if (h->count == 0)
        return 0;
    uint64_t rank = (uint64_t)ceil(q * (double)h->count);
    if (rank == 0)
        rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < COOKIE_HIST_BUCKETS; i++) {
        seen += h->b[i];
        if (seen >= rank) {
            double up = bucket_upper(i);
            return up < (double)h->max_us ? up : (double)h->max_us;
        }
    }
    return (double)h->max_us;
}

double cookie_hist_mean(const struct cookie_hist *h)
{
    return h->count ? (double)h->sum_us / (double)h->count : 0;
}
