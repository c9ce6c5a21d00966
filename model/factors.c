/* factors.c: effects of a 2^k design (see factors.h). */
#include "model/factors.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "sim/util/util_stats.h"

int factors_sign(unsigned mask, size_t cell)
{
    /* a factor of the mask at its first level contributes -1 */
    unsigned minus = mask & ~(unsigned)cell;
    return __builtin_popcount(minus) % 2 ? -1 : 1;
}

int factors_order(unsigned mask)
{
    return __builtin_popcount(mask);
}

int factors_effects(size_t k, const double *y, double *effects)
{
    size_t n;
    if (k == 0 || k > FACTORS_MAX_K)
        return -1;
    n = (size_t)1 << k;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(y[i]))
            return -1;
    for (unsigned m = 0; m < n; m++) {
        double s = 0;
        for (size_t i = 0; i < n; i++)
            s += m ? factors_sign(m, i) * y[i] : y[i];
        effects[m] = m ? 2.0 * s / (double)n : s / (double)n;
    }
    return 0;
}

size_t factors_effect_masks(size_t k, unsigned *masks)
{
    size_t c = 0, n;
    if (k == 0 || k > FACTORS_MAX_K)
        return 0;
    n = (size_t)1 << k;
    for (int order = 1; order <= (int)k; order++) {
        /* within an order, lexicographic by the factors named: the lowest
         * factor first, then the next (A B C, AB AC BC, ...) */
        unsigned tmp[FACTORS_MAX_CELLS];
        size_t t = 0;
        for (unsigned m = 1; m < n; m++)
            if (factors_order(m) == order)
                tmp[t++] = m;
        for (size_t a = 1; a < t; a++) {
            unsigned v = tmp[a];
            size_t b = a;
            /* compare bit-reversed masks: the lower factor weighs most */
            while (b > 0) {
                unsigned x = tmp[b - 1], y = v, less = 0;
                for (size_t j = 0; j < k; j++) {
                    unsigned bx = (x >> j) & 1u, by = (y >> j) & 1u;
                    if (bx != by) {
                        less = by > bx;   /* y names factor j, x does not: y first */
                        break;
                    }
                }
                if (!less)
                    break;
                tmp[b] = tmp[b - 1];
                b--;
            }
            tmp[b] = v;
        }
        memcpy(masks + c, tmp, t * sizeof *tmp);
        c += t;
    }
    return c;
}

int factors_lenth(const double *e, size_t m, factors_pse *out)
{
    double a[FACTORS_MAX_CELLS], b[FACTORS_MAX_CELLS];
    size_t nb = 0;
    if (m < 3 || m > FACTORS_MAX_CELLS)
        return -1;
    for (size_t i = 0; i < m; i++) {
        if (!isfinite(e[i]))
            return -1;
        a[i] = fabs(e[i]);
    }
    util_sort_doubles(a, m);
    out->s0 = 1.5 * util_percentile_sorted(a, m, 0.5);
    for (size_t i = 0; i < m; i++)
        if (a[i] < 2.5 * out->s0)
            b[nb++] = a[i];
    out->pse = nb ? 1.5 * util_percentile_sorted(b, nb, 0.5) : 0;
    out->df = (double)m / 3.0;
    out->me = gsl_cdf_tdist_Pinv(0.975, out->df) * out->pse;
    double gamma = (1.0 + pow(0.95, 1.0 / (double)m)) / 2.0;
    out->sme = gsl_cdf_tdist_Pinv(gamma, out->df) * out->pse;
    return 0;
}

int factors_flips(size_t k, size_t j, const double *y, factors_flip *out)
{
    size_t n;
    if (k == 0 || k > FACTORS_MAX_K || j >= k)
        return -1;
    n = (size_t)1 << k;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        if (i & ((size_t)1 << j))
            continue;
        size_t hi = i | ((size_t)1 << j);
        if (!isfinite(y[i]) || !isfinite(y[hi]))
            continue;
        out->pairs++;
        if ((y[i] < 0 && y[hi] > 0) || (y[i] > 0 && y[hi] < 0)) {
            out->flips++;
            if (y[hi] < 0)
                out->to_negative++;
        }
    }
    return 0;
}
