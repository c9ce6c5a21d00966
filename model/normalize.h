/* normalize.h: affine normalisation v' = (v - lo) / (hi - lo) and its inverse.
 *
 * Min-max normalisation takes lo/hi from the data; the patent's FIG. 9 and
 * FIG. 10 models live on such normalised axes, so the same struct also
 * describes "divide by the maximum" (lo = 0) or any fixed range (x over
 * 10..50). Fitted coefficients are mapped back to raw units with
 * norm_quadratic_to_raw. */
#ifndef GEOKV_MODEL_NORMALIZE_H
#define GEOKV_MODEL_NORMALIZE_H

#include <stddef.h>

typedef struct norm_range {
    double lo, hi;
} norm_range;

/* lo = min(v), hi = max(v); -1 (with a message) when n == 0, a value is not
 * finite or all values are equal (the range would be zero). */
int norm_minmax(const double *v, size_t n, norm_range *r, char *err, size_t errlen);
/* lo = 0, hi = max(v); -1 when n == 0, not finite, or max(v) <= 0. */
int norm_max(const double *v, size_t n, norm_range *r, char *err, size_t errlen);

double norm_apply(const norm_range *r, double v);
double norm_invert(const norm_range *r, double v);
void norm_apply_all(const norm_range *r, const double *in, double *out, size_t n);

/* Given f(u) = a u^2 + b u + c on normalised axes u = (x - xr.lo)/(xr.hi - xr.lo),
 * y = yr.lo + f(u) (yr.hi - yr.lo), write the same curve as raw[0] x^2 +
 * raw[1] x + raw[2]. */
void norm_quadratic_to_raw(const norm_range *xr, const norm_range *yr, const double abc[3],
                           double raw[3]);

#endif
