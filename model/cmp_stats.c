/* cmp_stats.c: see cmp_stats.h. */
#include "model/cmp_stats.h"
#include "sim/util/util_err.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <string.h>

int cmp_stats_sample(const double *v, size_t n, double alpha, cmp_sample *s, char *err,
                     size_t errlen)
{
    memset(s, 0, sizeof *s);
    if (n == 0) {
        util_seterr(err, errlen, "no values");
        return -1;
    }
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i])) {
            util_seterr(err, errlen, "value %zu is not a finite number", i + 1);
            return -1;
        }
        sum += v[i];
    }
    s->n = n;
    s->mean = sum / (double)n;
    s->sd = s->ci_lo = s->ci_hi = NAN;
    if (n < 2)
        return 0;
    double ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += (v[i] - s->mean) * (v[i] - s->mean);
    s->sd = sqrt(ss / (double)(n - 1));
    double h = gsl_cdf_tdist_Qinv(alpha / 2, (double)(n - 1)) * s->sd / sqrt((double)n);
    s->ci_lo = s->mean - h;
    s->ci_hi = s->mean + h;
    return 0;
}

static void set_pct(const cmp_sample *old, cmp_change *c)
{
    c->pct_ok = old->mean != 0;
    if (!c->pct_ok) {
        c->pct = c->pct_lo = c->pct_hi = NAN;
        return;
    }
    double a = fabs(old->mean);
    c->pct = 100.0 * c->diff / a;
    c->pct_lo = 100.0 * c->diff_lo / a;
    c->pct_hi = 100.0 * c->diff_hi / a;
}

void cmp_stats_change(const cmp_sample *old, const cmp_sample *new_, double alpha, cmp_change *c)
{
    memset(c, 0, sizeof *c);
    c->diff = new_->mean - old->mean;
    c->diff_lo = c->diff_hi = c->t = c->df = c->p = NAN;
    if (old->n < 2 || new_->n < 2) {
        c->verdict = CMP_TOO_FEW;
        set_pct(old, c);
        return;
    }
    double va = old->sd * old->sd / (double)old->n, vb = new_->sd * new_->sd / (double)new_->n;
    double se2 = va + vb;
    if (se2 == 0) {
        c->df = (double)(old->n + new_->n - 2);
        c->t = c->diff == 0 ? NAN : copysign(INFINITY, c->diff);
        c->p = c->diff == 0 ? 1.0 : 0.0;
        c->diff_lo = c->diff_hi = c->diff;
    } else {
        double se = sqrt(se2);
        c->df = se2 * se2 / (va * va / (double)(old->n - 1) + vb * vb / (double)(new_->n - 1));
        c->t = c->diff / se;
        c->p = 2.0 * gsl_cdf_tdist_Q(fabs(c->t), c->df);
        double h = gsl_cdf_tdist_Qinv(alpha / 2, c->df) * se;
        c->diff_lo = c->diff - h;
        c->diff_hi = c->diff + h;
    }
    c->verdict = c->p < alpha ? CMP_CHANGED : CMP_SAME;
    set_pct(old, c);
}
