/* calibrate.c: see calibrate.h. */
#include "model/calibrate.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_multifit.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/util/util_err.h"

int calib_slope(const double *t_a, double p_a, const double *t_b, double p_b, size_t n,
                double *slope, char *err, size_t errlen)
{
    return calib_slope_secant(t_b, p_b, 0, t_a, p_a, 0, NULL, n, slope, err, errlen);
}

int calib_slope_secant(const double *t_base, double c_base, double o_base, const double *t_partner,
                       double c_partner, double o_partner, const double *other_slope, size_t n,
                       double *slope, char *err, size_t errlen)
{
    if (n == 0 || n > CALIB_MAX_PTS) {
        util_seterr(err, errlen, "slope: %zu agent counts (1 to %d)", n, CALIB_MAX_PTS);
        return -1;
    }
    if (!isfinite(c_base) || !isfinite(c_partner) || c_base == c_partner) {
        util_seterr(err, errlen, "slope: the two sweeps must differ in the parameter (both at %g)", c_base);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        double d = t_base[i] - t_partner[i];
        if (other_slope)
            d -= other_slope[i] * (o_base - o_partner);
        if (!isfinite(d)) {
            util_seterr(err, errlen, "slope: a setup time or slope at point %zu is not a number", i + 1);
            return -1;
        }
        slope[i] = d / (c_base - c_partner);
    }
    return 0;
}

/* Appends printf output to buf (of size len), truncating. */
static void cat(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cat(char *buf, size_t len, const char *fmt, ...)
{
    size_t used = strlen(buf);
    va_list ap;
    if (used + 1 >= len)
        return;
    va_start(ap, fmt);
    vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
}

static int check_problem(const calib_problem *p, char *err, size_t errlen)
{
    if (p->nparams < 1 || p->nparams > CALIB_MAX_PARAMS) {
        util_seterr(err, errlen, "calibrate: %zu parameters asked (1 or 2)", p->nparams);
        return -1;
    }
    if (p->n < 2 || p->n > CALIB_MAX_PTS) {
        util_seterr(err, errlen, "calibrate: %zu agent counts in common with the patent's series; "
                    "a fit with a standard error needs 2 to %d", p->n, CALIB_MAX_PTS);
        return -1;
    }
    for (size_t k = 0; k < p->nparams; k++) {
        if (!isfinite(p->at[k]) || !isfinite(p->lo[k]) || !isfinite(p->hi[k]) || !(p->lo[k] < p->hi[k])) {
            util_seterr(err, errlen, "calibrate: %s: base %g, bounds [%g, %g] (need finite values, lo < hi)",
                        p->name[k] ? p->name[k] : "parameter", p->at[k], p->lo[k], p->hi[k]);
            return -1;
        }
        for (size_t i = 0; i < p->n; i++) {
            if (!isfinite(p->slope[k][i])) {
                util_seterr(err, errlen, "calibrate: the slope of %s at N = %g is not a number",
                            p->name[k] ? p->name[k] : "parameter", p->x[i]);
                return -1;
            }
        }
    }
    double s2 = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (!isfinite(p->target[i]) || !isfinite(p->base[i]) || !isfinite(p->x[i])) {
            util_seterr(err, errlen, "calibrate: point %zu has a value that is not a number", i + 1);
            return -1;
        }
        s2 += p->slope[0][i] * p->slope[0][i];
    }
    if (s2 == 0) {
        util_seterr(err, errlen, "calibrate: the setup time did not change with %s at any N: nothing to fit "
                    "(is the cost model on in the profile?)", p->name[0] ? p->name[0] : "the parameter");
        return -1;
    }
    return 0;
}

static void curve(const calib_problem *p, const double *v, size_t np, double *fitted, double *resid)
{
    for (size_t i = 0; i < p->n; i++) {
        fitted[i] = p->base[i];
        for (size_t k = 0; k < np; k++)
            fitted[i] += p->slope[k][i] * (v[k] - p->at[k]);
        resid[i] = p->target[i] - fitted[i];
    }
}

static void fit_one(const calib_problem *p, calib_result *r)
{
    double y[CALIB_MAX_PTS], d, cov, sse;
    for (size_t i = 0; i < p->n; i++)
        y[i] = p->target[i] - p->base[i];
    gsl_fit_mul(p->slope[0], 1, y, 1, p->n, &d, &cov, &sse);
    r->nparams = 1;
    r->value[0] = p->at[0] + d;
    r->se[0] = sqrt(cov);
    r->cov01 = 0;
    r->value[1] = r->se[1] = NAN;
    r->dof = p->n - 1;
}

/* The two-column fit; 0, or -1 with the reason in why (then r is untouched).
 * Columns are scaled to unit norm first: the c and B slopes differ by some
 * eight orders of magnitude. */
static int fit_two(const calib_problem *p, calib_result *r, char *why, size_t whylen)
{
    double norm[2] = {0, 0};
    int rc = -1;
    if (p->n < 3) {
        util_seterr(why, whylen, "two parameters need 3 or more agent counts (%zu given)", p->n);
        return -1;
    }
    for (size_t i = 0; i < p->n; i++)
        for (int k = 0; k < 2; k++)
            norm[k] += p->slope[k][i] * p->slope[k][i];
    if (norm[1] == 0) {
        util_seterr(why, whylen, "the setup time did not change with %s at any N", p->name[1]);
        return -1;
    }
    double dot = 0;
    for (size_t i = 0; i < p->n; i++)
        dot += p->slope[0][i] * p->slope[1][i];
    if (1.0 - dot * dot / (norm[0] * norm[1]) < 1e-10) {
        util_seterr(why, whylen, "the slopes of %s and %s have the same shape in N (collinear): the curve "
                    "cannot tell them apart", p->name[0], p->name[1]);
        return -1;
    }
    norm[0] = sqrt(norm[0]);
    norm[1] = sqrt(norm[1]);
    gsl_matrix *X = gsl_matrix_alloc(p->n, 2), *cov = gsl_matrix_alloc(2, 2);
    gsl_vector *y = gsl_vector_alloc(p->n), *c = gsl_vector_alloc(2);
    gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(p->n, 2);
    double chisq;
    if (!X || !cov || !y || !c || !w) {
        util_seterr(why, whylen, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < p->n; i++) {
        gsl_matrix_set(X, i, 0, p->slope[0][i] / norm[0]);
        gsl_matrix_set(X, i, 1, p->slope[1][i] / norm[1]);
        gsl_vector_set(y, i, p->target[i] - p->base[i]);
    }
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int st = gsl_multifit_linear(X, y, c, cov, &chisq, w);
    gsl_set_error_handler(old);
    if (st != GSL_SUCCESS) {
        util_seterr(why, whylen, "the two-column least squares failed (%s)", gsl_strerror(st));
        goto cleanup;
    }
    double v1 = p->at[1] + gsl_vector_get(c, 1) / norm[1];
    double se1 = sqrt(gsl_matrix_get(cov, 1, 1)) / norm[1];
    if (!isfinite(v1) || !isfinite(se1)) {
        util_seterr(why, whylen, "%s's estimate or standard error is not a number", p->name[1]);
        goto cleanup;
    }
    if (v1 < p->lo[1] || v1 > p->hi[1]) {
        util_seterr(why, whylen, "%s = %.4g +- %.2g %s lies outside its bounds [%.4g, %.4g]", p->name[1], v1, se1,
                    p->unit[1] ? p->unit[1] : "", p->lo[1], p->hi[1]);
        goto cleanup;
    }
    if (v1 - se1 <= p->lo[1] && v1 + se1 >= p->hi[1]) {
        util_seterr(why, whylen, "%s = %.4g +- %.2g %s: its standard error spans its bounds [%.4g, %.4g], "
                    "the before curve does not determine it", p->name[1], v1, se1, p->unit[1] ? p->unit[1] : "",
                    p->lo[1], p->hi[1]);
        goto cleanup;
    }
    r->nparams = 2;
    r->value[0] = p->at[0] + gsl_vector_get(c, 0) / norm[0];
    r->se[0] = sqrt(gsl_matrix_get(cov, 0, 0)) / norm[0];
    r->value[1] = v1;
    r->se[1] = se1;
    r->cov01 = gsl_matrix_get(cov, 0, 1) / (norm[0] * norm[1]);
    r->dof = p->n - 2;
    rc = 0;
cleanup:
    gsl_multifit_linear_free(w);
    gsl_vector_free(c);
    gsl_vector_free(y);
    gsl_matrix_free(cov);
    gsl_matrix_free(X);
    return rc;
}

/* Lists the points whose residual exceeds the tolerance, short (the patent
 * higher) and over; and where in N they sit. */
static void describe_missing(const calib_problem *p, const double *resid, double tol, const char *where,
                             char *out, size_t len)
{
    char shortl[CALIB_TEXT] = "", overl[CALIB_TEXT] = "";
    size_t nshort = 0, nover = 0, short_hi = 0, over_hi = 0, worst = 0;
    for (size_t i = 0; i < p->n; i++) {
        double rel = p->target[i] != 0 ? resid[i] / p->target[i] : INFINITY;
        int upper = 2 * i >= p->n;   /* upper half of the agent counts (given ascending) */
        if (fabs(resid[i]) > fabs(resid[worst]))
            worst = i;
        if (fabs(rel) <= tol)
            continue;
        char *l = resid[i] > 0 ? shortl : overl;
        cat(l, CALIB_TEXT, "%s%g (%+.1f s, %+.0f%%)", *l ? ", " : "", p->x[i], resid[i], 100 * rel);
        if (resid[i] > 0) {
            nshort++;
            short_hi += (size_t)upper;
        } else {
            nover++;
            over_hi += (size_t)upper;
        }
    }
    out[0] = '\0';
    cat(out, len, "%s", where);
    if (nshort + nover == 0) {
        cat(out, len, "no N is off by more than %.0f%% (largest residual %+.1f s at N = %g)", 100 * tol,
            resid[worst], p->x[worst]);
        return;
    }
    if (nshort) {
        cat(out, len, "the model is short of the patent at N = %s", shortl);
        if (short_hi == nshort)
            cat(out, len, ": the patent's before grows faster with N than the model's (a cost rising faster in N "
                "is missing)");
        else if (short_hi == 0)
            cat(out, len, ": the patent has more time at small N (a part that does not grow with N is missing)");
    }
    if (nover) {
        cat(out, len, "%sthe model is above the patent at N = %s", nshort ? "; " : "", overl);
        if (over_hi == nover && !nshort)
            cat(out, len, ": the model grows faster with N than the patent's before");
    }
}

int calib_fit(const calib_problem *p, calib_result *r, char *err, size_t errlen)
{
    double tol = p->max_rel_resid > 0 ? p->max_rel_resid : CALIB_DEFAULT_MAX_REL_RESID;
    memset(r, 0, sizeof *r);
    if (check_problem(p, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < p->n; i++)
        r->sse_base += (p->target[i] - p->base[i]) * (p->target[i] - p->base[i]);
    if (p->nparams == 2 && fit_two(p, r, r->fallback_why, sizeof r->fallback_why) != 0)
        r->fallback = 1;
    if (r->nparams == 0)
        fit_one(p, r);

    curve(p, r->value, r->nparams, r->fitted, r->resid);
    for (size_t i = 0; i < p->n; i++)
        r->sse += r->resid[i] * r->resid[i];
    r->in_bounds = 1;
    for (size_t k = 0; k < r->nparams; k++) {
        r->clamped[k] = fmin(fmax(r->value[k], p->lo[k]), p->hi[k]);
        if (r->clamped[k] != r->value[k])
            r->in_bounds = 0;
    }
    curve(p, r->clamped, r->nparams, r->fitted_clamped, r->resid_clamped);

    char bad[CALIB_TEXT] = "";
    for (size_t i = 0; i < p->n; i++) {
        if (p->slope[0][i] <= 0)
            cat(r->notes, sizeof r->notes, "%sthe slope of %s is not positive at N = %g (%.3g s/%s): the setup time "
                "did not grow with it there (run-to-run noise?)", r->notes[0] ? "; " : "", p->name[0], p->x[i],
                p->slope[0][i], p->unit[0] ? p->unit[0] : "unit");
        if (p->target[i] == 0 || fabs(r->resid[i] / p->target[i]) > tol)
            cat(bad, sizeof bad, "%s%g", bad[0] ? ", " : "", p->x[i]);
    }

    const char *unit0 = p->unit[0] ? p->unit[0] : "";
    if (!r->in_bounds) {
        size_t k = r->clamped[0] != r->value[0] ? 0 : 1;
        const char *uk = p->unit[k] ? p->unit[k] : "";
        snprintf(r->verdict, sizeof r->verdict,
                 "REJECTED: %s = %.4g +- %.2g %s lies %s its %s bound %.4g %s: no value within the bounds fits "
                 "the patent's FIG. 7 before", p->name[k], r->value[k], r->se[k], uk,
                 r->value[k] > p->hi[k] ? "above" : "below", r->value[k] > p->hi[k] ? "upper" : "lower",
                 r->clamped[k], uk);
        char where[160];
        snprintf(where, sizeof where, "at %s = %.4g %s (the bound): ", p->name[k], r->clamped[k], uk);
        describe_missing(p, r->resid_clamped, tol, where, r->missing, sizeof r->missing);
    } else {
        if (bad[0])
            snprintf(r->verdict, sizeof r->verdict,
                     "REJECTED: %s = %.4g +- %.2g %s lies within its bounds, but the fitted curve misses the patent's "
                     "FIG. 7 before by more than %.0f%% at N = %s", p->name[0], r->value[0], r->se[0], unit0,
                     100 * tol, bad);
        else
            snprintf(r->verdict, sizeof r->verdict,
                     "accepted: %s = %.4g +- %.2g %s within [%.4g, %.4g]; the fitted curve is within %.0f%% of the "
                     "patent's FIG. 7 before at every N", p->name[0], r->value[0], r->se[0], unit0, p->lo[0],
                     p->hi[0], 100 * tol);
        r->accepted = bad[0] == '\0';
        describe_missing(p, r->resid, tol, "", r->missing, sizeof r->missing);
    }
    return 0;
}
