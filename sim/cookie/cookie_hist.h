/* cookie_hist: latency histogram with log buckets (16 per power of two,
 * relative error < 4.5%), fixed size, mergeable; never stores samples. */
#ifndef GEOKV_COOKIE_HIST_H
#define GEOKV_COOKIE_HIST_H

#include <stdint.h>

#define COOKIE_HIST_SUB 16
#define COOKIE_HIST_BUCKETS (40 * COOKIE_HIST_SUB)

struct cookie_hist {
    uint64_t count;
    uint64_t max_us;
    uint64_t sum_us;
    uint32_t b[COOKIE_HIST_BUCKETS];
};

void cookie_hist_record(struct cookie_hist *h, uint64_t us);
void cookie_hist_merge(struct cookie_hist *into, const struct cookie_hist *from);
/* q in [0,1]; returns the upper edge of the bucket holding the q-quantile (us). */
double cookie_hist_quantile(const struct cookie_hist *h, double q);
double cookie_hist_mean(const struct cookie_hist *h);

#endif
