/* normalize.c: see normalize.h. */
#include "model/normalize.h"
#include "sim/util/util_err.h"

#include <math.h>

static int check_values(const double *v, size_t n, char *err, size_t errlen)
{
    if (n == 0) {
        util_seterr(err, errlen, "cannot normalise: no values");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i])) {
            util_seterr(err, errlen, "cannot normalise: value %zu is not finite", i + 1);
            return -1;
        }
    }
    return 0;
}

int norm_minmax(const double *v, size_t n, norm_range *r, char *err, size_t errlen)
{
    if (check_values(v, n, err, errlen) != 0)
        return -1;
    double lo = v[0], hi = v[0];
    for (size_t i = 1; i < n; i++) {
        if (v[i] < lo) lo = v[i];
        if (v[i] > hi) hi = v[i];
    }
    if (!(hi > lo)) {
        util_seterr(err, errlen, "cannot min-max normalise: all %zu values equal %g", n, lo);
        return -1;
    }
    r->lo = lo;
    r->hi = hi;
    return 0;
}

int norm_max(const double *v, size_t n, norm_range *r, char *err, size_t errlen)
{
    if (check_values(v, n, err, errlen) != 0)
        return -1;
    double hi = v[0];
    for (size_t i = 1; i < n; i++)
        if (v[i] > hi) hi = v[i];
    if (!(hi > 0)) {
        util_seterr(err, errlen, "cannot normalise by the maximum: maximum %g is not positive", hi);
        return -1;
    }
    r->lo = 0;
    r->hi = hi;
    return 0;
}

double norm_apply(const norm_range *r, double v)
{
    return (v - r->lo) / (r->hi - r->lo);
}

double norm_invert(const norm_range *r, double v)
{
    return r->lo + v * (r->hi - r->lo);
}

void norm_apply_all(const norm_range *r, const double *in, double *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = norm_apply(r, in[i]);
}

void norm_quadratic_to_raw(const norm_range *xr, const norm_range *yr, const double abc[3],
                           double raw[3])
{
    /* u = s x + t with s = 1/(hi-lo), t = -lo/(hi-lo); y = lo_y + h f(u) */
    double s = 1.0 / (xr->hi - xr->lo), t = -xr->lo * s, h = yr->hi - yr->lo;
    double a = abc[0], b = abc[1], c = abc[2];
    raw[0] = h * a * s * s;
    raw[1] = h * (2 * a * s * t + b * s);
    raw[2] = yr->lo + h * (a * t * t + b * t + c);
}
