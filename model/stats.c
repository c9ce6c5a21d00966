/* stats.c: see stats.h. */
#include "model/stats.h"
#include "sim/util/util_err.h"
#include "sim/util/util_stats.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int all_finite(const double *v, size_t n, const char *what, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i])) {
            util_seterr(err, errlen, "%s: value %zu is not a finite number", what, i + 1);
            return -1;
        }
    }
    return 0;
}

int stats_summarize(const double *v, size_t n, stats_summary *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    if (n == 0) {
        util_seterr(err, errlen, "no values to summarise");
        return -1;
    }
    if (all_finite(v, n, "summary", err, errlen) != 0)
        return -1;
    double *sorted = malloc(n * sizeof *sorted);
    if (!sorted) {
        util_seterr(err, errlen, "out of memory");
        return -1;
    }
    memcpy(sorted, v, n * sizeof *v);
    util_sort_doubles(sorted, n);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    s->n = n;
    s->mean = sum / (double)n;
    s->min = sorted[0];
    s->max = sorted[n - 1];
    s->median = n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    free(sorted);
    if (n >= 2) {
        double ss = 0;
        for (size_t i = 0; i < n; i++)
            ss += (v[i] - s->mean) * (v[i] - s->mean);
        s->sd = sqrt(ss / (double)(n - 1));
        double h = gsl_cdf_tdist_Qinv(0.025, (double)(n - 1)) * s->sd / sqrt((double)n);
        s->ci_lo = s->mean - h;
        s->ci_hi = s->mean + h;
    } else {
        s->sd = s->ci_lo = s->ci_hi = NAN;
    }
    return 0;
}

int stats_welch_test(const double *a, size_t na, const double *b, size_t nb, stats_welch *w,
                     char *err, size_t errlen)
{
    stats_summary sa, sb;
    memset(w, 0, sizeof *w);
    if (na < 2 || nb < 2) {
        util_seterr(err, errlen, "Welch's t-test needs at least 2 values per sample (got %zu and %zu)",
                    na, nb);
        return -1;
    }
    if (stats_summarize(a, na, &sa, err, errlen) != 0 || stats_summarize(b, nb, &sb, err, errlen) != 0)
        return -1;
    double va = sa.sd * sa.sd / (double)na, vb = sb.sd * sb.sd / (double)nb;
    double se2 = va + vb, diff = sa.mean - sb.mean;
    if (se2 == 0) {
        /* no spread at all: the test statistic is undefined; report the
         * degenerate outcome rather than dividing by zero */
        w->t = diff == 0 ? NAN : copysign(INFINITY, diff);
        w->df = (double)(na + nb - 2);
        w->p = diff == 0 ? 1.0 : 0.0;
        return 0;
    }
    w->t = diff / sqrt(se2);
    w->df = se2 * se2 / (va * va / (double)(na - 1) + vb * vb / (double)(nb - 1));
    w->p = 2.0 * gsl_cdf_tdist_Q(fabs(w->t), w->df);
    if (w->p > 1.0)
        w->p = 1.0;
    return 0;
}

/* Exact null distribution of U for sample sizes m, n without ties:
 * c(m, n, u) = c(m-1, n, u-n) + c(m, n-1, u) (the largest observation belongs
 * to the first or the second sample). Returns P(U <= u) and P(U >= u). */
static int mwu_exact_tails(size_t m, size_t n, double u, double *p_le, double *p_ge)
{
    size_t umax = m * n;
    /* rows[j] holds c(i, j, .) for the current i; prev[j] for i - 1 */
    double **prev = calloc(n + 1, sizeof *prev), **cur = calloc(n + 1, sizeof *cur);
    int rc = -1;
    if (!prev || !cur)
        goto cleanup;
    for (size_t j = 0; j <= n; j++) {
        prev[j] = calloc(umax + 1, sizeof **prev);
        cur[j] = calloc(umax + 1, sizeof **cur);
        if (!prev[j] || !cur[j])
            goto cleanup;
        prev[j][0] = 1; /* c(0, j, 0) = 1 */
    }
    for (size_t i = 1; i <= m; i++) {
        memset(cur[0], 0, (umax + 1) * sizeof **cur);
        cur[0][0] = 1; /* c(i, 0, 0) = 1 */
        for (size_t j = 1; j <= n; j++) {
            for (size_t k = 0; k <= umax; k++) {
                double v = cur[j - 1][k];
                if (k >= j)
                    v += prev[j][k - j];
                cur[j][k] = v;
            }
        }
        double **t = prev;
        prev = cur;
        cur = t;
    }
    double total = 0, le = 0, ge = 0;
    for (size_t k = 0; k <= umax; k++) {
        double c = prev[n][k];
        total += c;
        if ((double)k <= u + 1e-9)
            le += c;
        if ((double)k >= u - 1e-9)
            ge += c;
    }
    *p_le = le / total;
    *p_ge = ge / total;
    rc = 0;
cleanup:
    for (size_t j = 0; j <= n; j++) {
        if (prev)
            free(prev[j]);
        if (cur)
            free(cur[j]);
    }
    free(prev);
    free(cur);
    return rc;
}

typedef struct ranked {
    double v;
    int from_a;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    return util_cmp_double(&((const ranked *)a)->v, &((const ranked *)b)->v);
}

int stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb, stats_alt alt,
                       int force_normal, stats_mwu *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    if (na == 0 || nb == 0) {
        util_seterr(err, errlen, "Mann-Whitney U needs values in both samples (got %zu and %zu)",
                    na, nb);
        return -1;
    }
    if (all_finite(a, na, "Mann-Whitney sample 1", err, errlen) != 0 ||
        all_finite(b, nb, "Mann-Whitney sample 2", err, errlen) != 0)
        return -1;
    size_t N = na + nb;
    ranked *r = malloc(N * sizeof *r);
    if (!r) {
        util_seterr(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < na; i++)
        r[i] = (ranked){a[i], 1};
    for (size_t i = 0; i < nb; i++)
        r[na + i] = (ranked){b[i], 0};
    qsort(r, N, sizeof *r, cmp_ranked);
    /* mid-ranks; tie term sum(t^3 - t) for the variance correction */
    double rank_sum_a = 0, tie_term = 0;
    int ties = 0;
    for (size_t i = 0; i < N;) {
        size_t j = i;
        while (j + 1 < N && r[j + 1].v == r[i].v)
            j++;
        double t = (double)(j - i + 1), mid = 0.5 * (double)(i + j) + 1.0;
        if (t > 1) {
            ties = 1;
            tie_term += t * t * t - t;
        }
        for (size_t k = i; k <= j; k++)
            if (r[k].from_a)
                rank_sum_a += mid;
        i = j + 1;
    }
    free(r);
    double dna = (double)na, dnb = (double)nb, dN = (double)N;
    m->u = rank_sum_a - dna * (dna + 1) / 2;

    if (!force_normal && !ties && N <= STATS_MWU_EXACT_MAX) {
        double le, ge;
        if (mwu_exact_tails(na, nb, m->u, &le, &ge) != 0) {
            util_seterr(err, errlen, "out of memory computing the exact U distribution");
            return -1;
        }
        m->exact = 1;
        m->z = NAN;
        if (alt == STATS_LESS)
            m->p = le;
        else if (alt == STATS_GREATER)
            m->p = ge;
        else
            m->p = fmin(1.0, 2.0 * fmin(le, ge));
        return 0;
    }
    double mu = dna * dnb / 2;
    double var = dna * dnb / 12.0 * ((dN + 1) - tie_term / (dN * (dN - 1)));
    if (!(var > 0)) {
        /* every value tied: no evidence either way */
        m->z = 0;
        m->p = 1;
        return 0;
    }
    double sd = sqrt(var), d = m->u - mu;
    if (alt == STATS_GREATER) {
        m->z = (d - 0.5) / sd;
        m->p = gsl_cdf_ugaussian_Q(m->z);
    } else if (alt == STATS_LESS) {
        m->z = (d + 0.5) / sd;
        m->p = gsl_cdf_ugaussian_P(m->z);
    } else {
        double ad = fabs(d) - 0.5;
        if (ad < 0)
            ad = 0;
        m->z = copysign(ad / sd, d);
        m->p = fmin(1.0, 2.0 * gsl_cdf_ugaussian_Q(ad / sd));
    }
    return 0;
}
