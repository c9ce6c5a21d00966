/* util_stats.h: sorting doubles and the percentile of sorted samples, one
 * definition for the whole project. */
#ifndef GEOKV_UTIL_STATS_H
#define GEOKV_UTIL_STATS_H

#include <stddef.h>

/* qsort comparator for doubles, ascending: -1, 0 or 1. NaN compares equal to
 * everything, so a NaN leaves the order unspecified: filter non-finite values
 * first where they can occur. */
int util_cmp_double(const void *a, const void *b);

/* Sorts v[0..n-1] ascending in place (v may be NULL when n is 0). */
void util_sort_doubles(double *v, size_t n);

/* The p-quantile of sorted[0..n-1] (ascending): linear interpolation between
 * the two order statistics around the index (n - 1) * p,
 *     i = floor((n - 1) p), d = (n - 1) p - i,
 *     q = (1 - d) sorted[i] + d sorted[i + 1]   (q = sorted[n - 1] when i = n - 1).
 * This is the definition of GSL's gsl_stats_quantile_from_sorted_data (R's
 * type 7, numpy's default), computed the same way. p = 0 is the minimum,
 * p = 1 the maximum; p outside [0, 1] (or NaN) is clamped to it (NaN to 0).
 * n = 0 gives 0. */
double util_percentile_sorted(const double *sorted, size_t n, double p);

#endif
