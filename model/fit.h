/* fit.h: least-squares curve fits with GSL's nonlinear trust-region solver
 * (gsl_multifit_nlinear, Levenberg-Marquardt, analytic Jacobians).
 *
 * Models (x is usually N, the number of agents):
 *   quadratic   y = a x^2 + b x + c        (the patent's FIG. 9 form)
 *   quadratic0  y = a x^2 + b x            (FIG. 10: no intercept)
 *   cubic       y = a x^3 + b x^2 + c x + d
 *   power       y = a x^k                  (needs x > 0)
 * Standard errors come from (J^T J)^-1 scaled by the residual variance
 * s^2 = SSE / (n - p); with n == p they are NaN (an exact fit says nothing
 * about its own uncertainty). */
#ifndef GEOKV_MODEL_FIT_H
#define GEOKV_MODEL_FIT_H

#include <stddef.h>

typedef enum fit_kind {
    FIT_QUADRATIC = 0,
    FIT_QUADRATIC0,
    FIT_CUBIC,
    FIT_POWER,
    FIT_KIND_COUNT
} fit_kind;

#define FIT_MAX_P 4

typedef struct fit_result {
    fit_kind kind;
    size_t p;                   /* number of coefficients */
    size_t n;                   /* number of points */
    double coef[FIT_MAX_P];     /* in the order of fit_coef_name */
    double se[FIT_MAX_P];       /* standard errors (NaN when n == p) */
    double cov[FIT_MAX_P * FIT_MAX_P]; /* s^2 (J^T J)^-1, row-major p x p */
    double sse, rmse, r2;       /* rmse = sqrt(SSE / n); r2 = 1 - SSE/SST (SST about the mean) */
    double sigma2;              /* SSE / (n - p); NaN when n == p */
    double aic, aicc, bic;      /* Gaussian likelihood, k = p + 1 (sigma counts) */
    size_t iterations;
    double *x, *y, *resid;      /* copies of the data and y - f(x), n each */
} fit_result;

const char *fit_kind_name(fit_kind k);          /* "quadratic", ... */
const char *fit_kind_formula(fit_kind k);       /* "a x^2 + b x + c", ... */
const char *fit_coef_name(fit_kind k, size_t i); /* "a", "b", "c", "d" or "k" */
size_t fit_kind_params(fit_kind k);
/* Parse a name; -1 when unknown. */
int fit_kind_parse(const char *name, fit_kind *k);

/* Fit model k to (x[i], y[i]). Fails with a clear message on: n == 0, a
 * non-finite value, fewer than 3 distinct x (or fewer distinct x than
 * coefficients), fewer points than coefficients, non-positive x or y for the
 * power law, or when the solver does not converge. */
int fit_model(fit_kind k, const double *x, const double *y, size_t n, fit_result *r,
              char *err, size_t errlen);
void fit_result_free(fit_result *r);

/* Model value at x. */
double fit_eval(const fit_result *r, double x);
/* Model value at x with given coefficients. */
double fit_eval_coef(fit_kind k, const double *coef, double x);

typedef struct fit_prediction {
    double y;                   /* fitted value */
    double se_mean;             /* standard error of the fitted mean (delta method) */
    double lo, hi;              /* prediction interval for a new observation */
    double level;               /* e.g. 0.95 */
    double dof;                 /* n - p */
} fit_prediction;

/* Prediction at x with a `level` prediction interval:
 * y +- t_{(1+level)/2, n-p} sqrt(s^2 + g^T C g), g = df/dcoef at x. For the
 * power law the interval is the delta-method approximation. Fails when
 * n == p (no residual degrees of freedom). */
int fit_predict(const fit_result *r, double x, double level, fit_prediction *pr,
                char *err, size_t errlen);

/* SSE of given coefficients on data (for comparing a published model). */
double fit_sse_of(fit_kind k, const double *coef, const double *x, const double *y, size_t n);



/* Extrapolation check: the smallest x in (x_from, x_to], on a grid of `step`,
 * where |base(x) - other(x)| exceeds the half-width of base's `level`
 * prediction interval, i.e. where the data can no longer tell the two shapes
 * apart only up to that point. Returns that x, or NAN when they stay within
 * the interval up to x_to (or base has no prediction interval). */
double fit_divergence_x(const fit_result *base, const fit_result *other, double x_from,
                        double x_to, double step, double level);

#endif
