/* fit.c: see fit.h.
 *
 * The polynomials are linear in their coefficients, so a trust-region solver
 * is more machinery than they strictly need; we use it for every model so
 * that the polynomial fits and the power law share one code path, one
 * convergence test and one covariance computation. To keep J^T J well
 * conditioned (x^3 at N = 50 is 1.25e5) polynomials are solved on
 * u = x / max|x|, v = y / max|y| and the coefficients and covariance are
 * scaled back; that scaling is diagonal, so standard errors map exactly. */
#include "model/fit.h"
#include "sim/util/util_err.h"
#include "sim/util/util_stats.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name, *formula, *coefs;
    size_t p;
    int degree[FIT_MAX_P]; /* power of x multiplying each coefficient (polynomials) */
} kinds[FIT_KIND_COUNT] = {
    [FIT_QUADRATIC] = {"quadratic", "a x^2 + b x + c", "abc", 3, {2, 1, 0, 0}},
    [FIT_QUADRATIC0] = {"quadratic0", "a x^2 + b x", "ab", 2, {2, 1, 0, 0}},
    [FIT_CUBIC] = {"cubic", "a x^3 + b x^2 + c x + d", "abcd", 4, {3, 2, 1, 0}},
    [FIT_POWER] = {"power", "a x^k", "ak", 2, {0, 0, 0, 0}},
};

const char *fit_kind_name(fit_kind k) { return k < FIT_KIND_COUNT ? kinds[k].name : "?"; }
const char *fit_kind_formula(fit_kind k) { return k < FIT_KIND_COUNT ? kinds[k].formula : "?"; }
size_t fit_kind_params(fit_kind k) { return k < FIT_KIND_COUNT ? kinds[k].p : 0; }

const char *fit_coef_name(fit_kind k, size_t i)
{
    static const char *names[] = {"a", "b", "c", "d", "k"};
    if (k >= FIT_KIND_COUNT || i >= kinds[k].p)
        return "?";
    if (k == FIT_POWER && i == 1)
        return names[4];
    return names[i];
}

int fit_kind_parse(const char *name, fit_kind *k)
{
    for (int i = 0; i < FIT_KIND_COUNT; i++) {
        if (strcmp(name, kinds[i].name) == 0) {
            *k = (fit_kind)i;
            return 0;
        }
    }
    if (strcmp(name, "quad") == 0) { *k = FIT_QUADRATIC; return 0; }
    if (strcmp(name, "quad0") == 0 || strcmp(name, "quadratic-no-intercept") == 0) {
        *k = FIT_QUADRATIC0;
        return 0;
    }
    return -1;
}

/* Model value and gradient with respect to the coefficients. */
static double model_eval(fit_kind k, const double *c, double x, double *grad)
{
    if (k == FIT_POWER) {
        double xk = pow(x, c[1]);
        if (grad) {
            grad[0] = xk;
            grad[1] = c[0] * xk * log(x);
        }
        return c[0] * xk;
    }
    double y = 0;
    for (size_t i = 0; i < kinds[k].p; i++) {
        double b = pow(x, kinds[k].degree[i]);
        if (grad)
            grad[i] = b;
        y += c[i] * b;
    }
    return y;
}

double fit_eval_coef(fit_kind k, const double *coef, double x)
{
    return model_eval(k, coef, x, NULL);
}

double fit_eval(const fit_result *r, double x)
{
    return model_eval(r->kind, r->coef, x, NULL);
}

double fit_sse_of(fit_kind k, const double *coef, const double *x, const double *y, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double d = y[i] - model_eval(k, coef, x[i], NULL);
        s += d * d;
    }
    return s;
}

typedef struct solve_data {
    fit_kind kind;
    const double *x, *y;
    size_t n;
} solve_data;

static int cb_f(const gsl_vector *c, void *params, gsl_vector *f)
{
    const solve_data *d = params;
    double coef[FIT_MAX_P];
    for (size_t j = 0; j < c->size; j++)
        coef[j] = gsl_vector_get(c, j);
    for (size_t i = 0; i < d->n; i++)
        gsl_vector_set(f, i, model_eval(d->kind, coef, d->x[i], NULL) - d->y[i]);
    return GSL_SUCCESS;
}

static int cb_df(const gsl_vector *c, void *params, gsl_matrix *J)
{
    const solve_data *d = params;
    double coef[FIT_MAX_P], g[FIT_MAX_P];
    for (size_t j = 0; j < c->size; j++)
        coef[j] = gsl_vector_get(c, j);
    for (size_t i = 0; i < d->n; i++) {
        model_eval(d->kind, coef, d->x[i], g);
        for (size_t j = 0; j < c->size; j++)
            gsl_matrix_set(J, i, j, g[j]);
    }
    return GSL_SUCCESS;
}

static size_t count_distinct(const double *x, size_t n)
{
    double *s = malloc(n * sizeof *s);
    if (!s)
        return 0;
    memcpy(s, x, n * sizeof *s);
    util_sort_doubles(s, n);
    size_t d = n ? 1 : 0;
    for (size_t i = 1; i < n; i++)
        if (s[i] != s[i - 1])
            d++;
    free(s);
    return d;
}

static int check_input(fit_kind k, const double *x, const double *y, size_t n, char *err,
                       size_t errlen)
{
    size_t p = kinds[k].p;
    if (n == 0) {
        util_seterr(err, errlen, "cannot fit %s: no data points", kinds[k].name);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) {
            util_seterr(err, errlen, "cannot fit %s: point %zu (x=%g, y=%g) is not finite; "
                        "remove or fix it", kinds[k].name, i + 1, x[i], y[i]);
            return -1;
        }
        if (k == FIT_POWER && (x[i] <= 0 || y[i] <= 0)) {
            util_seterr(err, errlen, "cannot fit power law: point %zu (x=%g, y=%g) is not "
                        "positive", i + 1, x[i], y[i]);
            return -1;
        }
    }
    size_t distinct = count_distinct(x, n);
    size_t need = p > 3 ? p : 3;
    if (distinct < need) {
        util_seterr(err, errlen, "cannot fit %s: %zu distinct x value%s, need at least %zu "
                    "(measure more values of x)", kinds[k].name, distinct,
                    distinct == 1 ? "" : "s", need);
        return -1;
    }
    if (n < p) {
        util_seterr(err, errlen, "cannot fit %s: %zu points for %zu coefficients", kinds[k].name,
                    n, p);
        return -1;
    }
    return 0;
}

/* Initial guess: zero for the polynomials (the problem is linear, so the
 * trust region reaches the minimum from anywhere); for the power law the
 * straight-line fit of ln y on ln x. */
static void initial_guess(fit_kind k, const double *x, const double *y, size_t n, double *c0)
{
    memset(c0, 0, FIT_MAX_P * sizeof *c0);
    if (k != FIT_POWER)
        return;
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        double lx = log(x[i]), ly = log(y[i]);
        sx += lx; sy += ly; sxx += lx * lx; sxy += lx * ly;
    }
    double dn = (double)n, den = dn * sxx - sx * sx;
    double kk = den != 0 ? (dn * sxy - sx * sy) / den : 1.0;
    c0[1] = kk;
    c0[0] = exp((sy - kk * sx) / dn);
}

int fit_model(fit_kind k, const double *x, const double *y, size_t n, fit_result *r,
              char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    if (k >= FIT_KIND_COUNT) {
        util_seterr(err, errlen, "unknown model kind %d", (int)k);
        return -1;
    }
    if (check_input(k, x, y, n, err, errlen) != 0)
        return -1;

    size_t p = kinds[k].p;
    int rc = -1;
    double *xs = malloc(n * sizeof *xs), *ys = malloc(n * sizeof *ys);
    gsl_multifit_nlinear_workspace *w = NULL;
    gsl_vector *c = gsl_vector_alloc(p);
    gsl_matrix *covar = gsl_matrix_alloc(p, p);
    r->x = malloc(n * sizeof *r->x);
    r->y = malloc(n * sizeof *r->y);
    r->resid = malloc(n * sizeof *r->resid);
    if (!xs || !ys || !c || !covar || !r->x || !r->y || !r->resid) {
        util_seterr(err, errlen, "out of memory fitting %s", kinds[k].name);
        goto cleanup;
    }

    /* scale factors (see the comment at the top) */
    double xscale = 1, yscale = 1;
    if (k != FIT_POWER) {
        double mx = 0, my = 0;
        for (size_t i = 0; i < n; i++) {
            mx = fmax(mx, fabs(x[i]));
            my = fmax(my, fabs(y[i]));
        }
        xscale = mx > 0 ? mx : 1;
        yscale = my > 0 ? my : 1;
    }
    for (size_t i = 0; i < n; i++) {
        xs[i] = x[i] / xscale;
        ys[i] = y[i] / yscale;
    }

    solve_data sd = {k, xs, ys, n};
    gsl_multifit_nlinear_fdf fdf = {
        .f = cb_f, .df = cb_df, .fvv = NULL, .n = n, .p = p, .params = &sd,
    };
    gsl_multifit_nlinear_parameters params = gsl_multifit_nlinear_default_parameters();
    params.trs = gsl_multifit_nlinear_trs_lm;
    w = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &params, n, p);
    if (!w) {
        util_seterr(err, errlen, "out of memory allocating the GSL solver");
        goto cleanup;
    }
    double c0[FIT_MAX_P];
    initial_guess(k, xs, ys, n, c0);
    gsl_vector_view c0v = gsl_vector_view_array(c0, p);
    gsl_multifit_nlinear_init(&c0v.vector, &fdf, w);

    int info = 0;
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int status = gsl_multifit_nlinear_driver(500, 1e-12, 1e-12, 0.0, NULL, NULL, &info, w);
    gsl_set_error_handler(old);
    r->iterations = gsl_multifit_nlinear_niter(w);

    gsl_vector *fres = gsl_multifit_nlinear_residual(w);
    gsl_matrix *J = gsl_multifit_nlinear_jac(w);
    if (status == GSL_ENOPROG) {
        /* No step reduced the cost: fine when we are already at a stationary
         * point (typical for an exact fit, where the residual is ~1e-16). */
        double gnorm = 0, fnorm = gsl_blas_dnrm2(fres);
        for (size_t j = 0; j < p; j++) {
            gsl_vector_const_view col = gsl_matrix_const_column(J, j);
            double g;
            gsl_blas_ddot(&col.vector, fres, &g);
            gnorm = fmax(gnorm, fabs(g) / fmax(gsl_blas_dnrm2(&col.vector), 1e-300));
        }
        if (gnorm <= 1e-8 * fmax(fnorm, 1e-8))
            status = GSL_SUCCESS;
    }
    if (status != GSL_SUCCESS) {
        util_seterr(err, errlen, "%s fit did not converge after %zu iterations: %s",
                    kinds[k].name, r->iterations, gsl_strerror(status));
        goto cleanup;
    }

    gsl_multifit_nlinear_covar(J, 0.0, covar);

    r->kind = k;
    r->p = p;
    r->n = n;
    gsl_vector *best = gsl_multifit_nlinear_position(w);
    double scale[FIT_MAX_P];
    for (size_t j = 0; j < p; j++) {
        scale[j] = k == FIT_POWER ? 1.0 : yscale / pow(xscale, kinds[k].degree[j]);
        r->coef[j] = gsl_vector_get(best, j) * scale[j];
    }
    double mean_y = 0, sst = 0, sse = 0;
    for (size_t i = 0; i < n; i++)
        mean_y += y[i];
    mean_y /= (double)n;
    for (size_t i = 0; i < n; i++) {
        r->x[i] = x[i];
        r->y[i] = y[i];
        r->resid[i] = y[i] - model_eval(k, r->coef, x[i], NULL);
        sse += r->resid[i] * r->resid[i];
        sst += (y[i] - mean_y) * (y[i] - mean_y);
    }
    r->sse = sse;
    r->rmse = sqrt(sse / (double)n);
    r->r2 = sst > 0 ? 1.0 - sse / sst : NAN;
    r->sigma2 = n > p ? sse / (double)(n - p) : NAN;
    for (size_t i = 0; i < p; i++) {
        for (size_t j = 0; j < p; j++)
            /* (J^T J)^-1 is for unit noise on y / yscale */
            r->cov[i * p + j] = gsl_matrix_get(covar, i, j) * scale[i] * scale[j] * r->sigma2 /
                                (yscale * yscale);
        r->se[i] = sqrt(r->cov[i * p + i]);
    }
    double dn = (double)n, kk = (double)(p + 1);
    /* SSE == 0 (exact data) gives -inf: the log-likelihood is unbounded */
    double ll = dn * log(sse / dn);
    r->aic = ll + 2 * kk;
    r->bic = ll + kk * log(dn);
    r->aicc = dn - kk - 1 > 0 ? r->aic + 2 * kk * (kk + 1) / (dn - kk - 1) : NAN;
    rc = 0;
cleanup:
    if (w)
        gsl_multifit_nlinear_free(w);
    if (c)
        gsl_vector_free(c);
    if (covar)
        gsl_matrix_free(covar);
    free(xs);
    free(ys);
    if (rc != 0)
        fit_result_free(r);
    return rc;
}

void fit_result_free(fit_result *r)
{
    if (!r)
        return;
    free(r->x);
    free(r->y);
    free(r->resid);
    r->x = r->y = r->resid = NULL;
}

int fit_predict(const fit_result *r, double x, double level, fit_prediction *pr, char *err,
                size_t errlen)
{
    memset(pr, 0, sizeof *pr);
    if (r->n <= r->p) {
        util_seterr(err, errlen, "no prediction interval: %zu points for %zu coefficients leave "
                    "no residual degrees of freedom", r->n, r->p);
        return -1;
    }
    if (!(level > 0 && level < 1)) {
        util_seterr(err, errlen, "prediction level must be in (0, 1), got %g", level);
        return -1;
    }
    if (r->kind == FIT_POWER && !(x > 0)) {
        util_seterr(err, errlen, "power law is defined for x > 0 only (x = %g)", x);
        return -1;
    }
    double g[FIT_MAX_P];
    pr->y = model_eval(r->kind, r->coef, x, g);
    double var = 0;
    for (size_t i = 0; i < r->p; i++)
        for (size_t j = 0; j < r->p; j++)
            var += g[i] * r->cov[i * r->p + j] * g[j];
    pr->se_mean = sqrt(fmax(var, 0));
    pr->dof = (double)(r->n - r->p);
    pr->level = level;
    double t = gsl_cdf_tdist_Qinv((1 - level) / 2, pr->dof);
    double half = t * sqrt(r->sigma2 + fmax(var, 0));
    pr->lo = pr->y - half;
    pr->hi = pr->y + half;
    return 0;
}

double fit_divergence_x(const fit_result *base, const fit_result *other, double x_from,
                        double x_to, double step, double level)
{
    if (!(step > 0))
        return NAN;
    for (double x = x_from + step; x <= x_to + 1e-9; x += step) {
        fit_prediction pr;
        if (fit_predict(base, x, level, &pr, NULL, 0) != 0)
            return NAN;
        double d = fabs(pr.y - fit_eval(other, x));
        if (d > pr.hi - pr.y)
            return x;
    }
    return NAN;
}
