/* cmp_stats.h: the statistics of comparing two runs, benchstat style: per
 * sample the mean with a Student-t confidence interval, per pair of samples
 * the change of the mean with its Welch interval and p-value, and the verdict
 * shown to the reader (a change, `~` for "not significant at alpha", or "too
 * few samples to ever tell"). Everything works from (n, mean, sd) so that the
 * patent's published averages (one value per point) pass through the same
 * code. */
#ifndef GEOKV_MODEL_CMP_STATS_H
#define GEOKV_MODEL_CMP_STATS_H

#include <stddef.h>

typedef struct cmp_sample {
    size_t n;
    double mean, sd;        /* sd: sample standard deviation (n - 1); NaN when n < 2 */
    double ci_lo, ci_hi;    /* (1 - alpha) interval of the mean; NaN when n < 2 */
} cmp_sample;

typedef enum cmp_verdict {
    CMP_CHANGED,            /* the change is significant at alpha */
    CMP_SAME,               /* `~`: not significant at alpha */
    CMP_TOO_FEW             /* fewer than 2 values in a sample: no test is possible */
} cmp_verdict;

typedef struct cmp_change {
    cmp_verdict verdict;
    double diff, diff_lo, diff_hi;  /* new - old and its (1 - alpha) Welch interval */
    double t, df, p;                /* Welch's t, Welch-Satterthwaite df, two-sided p */
    int pct_ok;                     /* 0 when the old mean is 0: no percentage exists */
    double pct, pct_lo, pct_hi;     /* the same in percent of the old mean */
} cmp_change;

/* Mean, sd and the (1 - alpha) Student-t interval of v[0..n); -1 when n == 0
 * or a value is not finite. */
int cmp_stats_sample(const double *v, size_t n, double alpha, cmp_sample *s, char *err,
                     size_t errlen);

/* Two-sided Welch comparison of new against old at level alpha (0 < alpha <
 * 1). The interval of the percentage divides the interval of the difference
 * by the old mean, i.e. it treats the old mean as exact (as benchstat's
 * delta does); it is therefore narrower than a ratio interval would be. When
 * both samples have no spread the test is degenerate: p = 1 for equal means
 * (`~`), 0 otherwise (a change that every repetition showed). */
void cmp_stats_change(const cmp_sample *old, const cmp_sample *new_, double alpha, cmp_change *c);

#endif
