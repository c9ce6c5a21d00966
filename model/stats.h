/* stats.h: descriptive statistics and two-sample tests for small samples
 * (a handful of repetitions per point). */
#ifndef GEOKV_MODEL_STATS_H
#define GEOKV_MODEL_STATS_H

#include <stddef.h>

typedef struct stats_summary {
    size_t n;
    double mean, sd;        /* sd: sample standard deviation (n - 1); NaN when n < 2 */
    double median, min, max;
    double ci_lo, ci_hi;    /* 95% confidence interval of the mean (Student t); NaN when n < 2 */
} stats_summary;

/* Summary of v[0..n); -1 when n == 0 or a value is not finite. */
int stats_summarize(const double *v, size_t n, stats_summary *s, char *err, size_t errlen);

typedef struct stats_welch {
    double t, df, p;        /* two-sided p */
} stats_welch;

/* Welch's unequal-variance t-test of mean(a) == mean(b) (t = (ma - mb)/se).
 * Needs at least two values in each sample; when both variances are zero the
 * test is undefined: t = +-inf or NaN and p = 0 (means differ) or 1. */
int stats_welch_test(const double *a, size_t na, const double *b, size_t nb, stats_welch *w,
                     char *err, size_t errlen);

typedef enum stats_alt { STATS_TWO_SIDED, STATS_LESS, STATS_GREATER } stats_alt;

typedef struct stats_mwu {
    double u;               /* U of sample a: pairs (a_i, b_j) with a_i > b_j, ties 1/2 */
    double z;               /* normal statistic (NaN when exact) */
    double p;
    int exact;              /* 1 when p is the exact permutation p-value */
} stats_mwu;

/* Mann-Whitney U test. Exact p (the permutation distribution of U) when there
 * are no ties and na + nb <= STATS_MWU_EXACT_MAX; otherwise the normal
 * approximation with the tie-corrected variance and a continuity correction
 * of 1/2. alt: LESS means a tends to be smaller than b. */
#define STATS_MWU_EXACT_MAX 60
int stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb, stats_alt alt,
                       int force_normal, stats_mwu *m, char *err, size_t errlen);

#endif
