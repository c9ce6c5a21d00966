/* util_stats.c: see util_stats.h. */
#include "sim/util/util_stats.h"

#include <stdlib.h>

int util_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void util_sort_doubles(double *v, size_t n)
{
    if (n > 1)
        qsort(v, n, sizeof *v, util_cmp_double);
}

double util_percentile_sorted(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return 0;
    if (!(p > 0))
        p = 0;
    else if (p > 1)
        p = 1;
    double index = p * (double)(n - 1);
    size_t lhs = (size_t)index;
    if (lhs >= n - 1)
        return sorted[n - 1];
    double delta = index - (double)lhs;
    return (1 - delta) * sorted[lhs] + delta * sorted[lhs + 1];
}
