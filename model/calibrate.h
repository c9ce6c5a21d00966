/* calibrate.h: fit at most two free parameters of the cost model to the
 * patent's FIG. 7 "before" series alone, by linear least squares on a
 * linearisation of the simulation.
 *
 * The before-mode setup time T_N(c) is close to linear in the controller's
 * per-line cost c (c_line_us): the cost is spent serialised under the lock.
 * From the base sweep (c = at[0]) and a probe sweep at another c, the slope
 * per agent count is s_N = (T_probe,N - T_base,N) / (c_probe - c_base), and
 *     P_N - T_base,N = s_N (c - c_base) + residual_N
 * (P_N the patent's before) is a no-intercept regression of y = P - T_base on
 * x = s: gsl_fit_mul gives delta = sum(x y) / sum(x^2) and its variance
 * SSE / (n - 1) / sum(x^2), so c* = c_base + delta with that standard error.
 * The standard error comes from the residuals about the fitted curve: it says
 * how well one c fits the patent's curve, not how noisy our runs are.
 *
 * The optional second parameter (deploy_uplink_Bps, B) adds the column
 * u_N = dT_N/dB from a third sweep that varies B; the two-column fit is
 * gsl_multifit_linear (covariance scaled by SSE / (n - 2)). B has a different
 * N-shape than c but the before curve constrains it weakly: when its 1-s.e.
 * interval covers its whole bounds, when it lands outside them, when there
 * are fewer than three agent counts or the columns are collinear, the fit
 * falls back to c alone and says why.
 *
 * A fit is accepted when c* lies within its bounds and the linearised curve
 * is within max_rel_resid of the patent at every N. Otherwise the result
 * says so and which part of the curve the model misses: the residual per N,
 * evaluated at c* or, when c* is out of bounds, at the nearest bound (the
 * best the model can do within them).
 *
 * Re-linearising around c* (a secant step after a verification sweep at c*)
 * is the same fit with the verification as the base and, as the slope, the
 * secant between it and another sweep (calib_slope_secant).
 */
#ifndef GEOKV_MODEL_CALIBRATE_H
#define GEOKV_MODEL_CALIBRATE_H

#include <stddef.h>

#define CALIB_MAX_PTS 16
#define CALIB_MAX_PARAMS 2
#define CALIB_TEXT 768
/* Default acceptance: the fitted curve within 20 % of the patent at every N. */
#define CALIB_DEFAULT_MAX_REL_RESID 0.20

typedef struct calib_problem {
    size_t n;                                  /* agent counts used */
    double x[CALIB_MAX_PTS];                   /* the agent counts N (for the texts) */
    double target[CALIB_MAX_PTS];              /* the patent's before setup time, s */
    double base[CALIB_MAX_PTS];                /* ours at the base point, s */
    size_t nparams;                            /* 1, or 2 to try the second parameter */
    const char *name[CALIB_MAX_PARAMS];        /* "c_line_us", "deploy_uplink_Bps" */
    const char *unit[CALIB_MAX_PARAMS];        /* "us", "B/s" (texts only) */
    double slope[CALIB_MAX_PARAMS][CALIB_MAX_PTS]; /* dT_N / d parameter k */
    double at[CALIB_MAX_PARAMS];               /* the base point */
    double lo[CALIB_MAX_PARAMS], hi[CALIB_MAX_PARAMS]; /* bounds */
    double max_rel_resid;                      /* <= 0: CALIB_DEFAULT_MAX_REL_RESID */
} calib_problem;

typedef struct calib_result {
    size_t nparams;                            /* fitted (1 after a fallback) */
    double value[CALIB_MAX_PARAMS];            /* the estimates */
    double se[CALIB_MAX_PARAMS];               /* their standard errors */
    double cov01;                              /* covariance of the two (0 with one) */
    double clamped[CALIB_MAX_PARAMS];          /* the estimates within their bounds */
    size_t dof;                                /* n - nparams */
    double sse;                                /* sum of squared residuals at value */
    double sse_base;                           /* sum (target - base)^2: the base point's fit */
    double fitted[CALIB_MAX_PTS];              /* linearised curve at value */
    double resid[CALIB_MAX_PTS];               /* target - fitted */
    double fitted_clamped[CALIB_MAX_PTS];      /* linearised curve at clamped */
    double resid_clamped[CALIB_MAX_PTS];       /* target - fitted_clamped */
    int in_bounds;                             /* every fitted value within its bounds */
    int accepted;                              /* in bounds and every residual within tolerance */
    int fallback;                              /* two were asked, the second was dropped */
    char fallback_why[CALIB_TEXT];             /* why, when fallback */
    char verdict[CALIB_TEXT];                  /* one sentence: accepted, or why not */
    char missing[CALIB_TEXT];                  /* which part of the curve the model misses */
    char notes[CALIB_TEXT];                    /* e.g. N where the slope is not positive */
} calib_result;

/* slope[i] = (t_b[i] - t_a[i]) / (p_b - p_a). -1 when p_a == p_b, n is 0 or
 * a value is not finite. */
int calib_slope(const double *t_a, double p_a, const double *t_b, double p_b, size_t n,
                double *slope, char *err, size_t errlen);

/* The secant slope in parameter 0 between the base sweep (c_base, other
 * parameter at o_base) and a partner sweep (c_partner, o_partner), the
 * partner's difference in the other parameter removed with that parameter's
 * slope other_slope (NULL when the other parameter is the same in both):
 * slope[i] = (t_base[i] - t_partner[i] - other_slope[i] (o_base - o_partner))
 *            / (c_base - c_partner). */
int calib_slope_secant(const double *t_base, double c_base, double o_base, const double *t_partner,
                       double c_partner, double o_partner, const double *other_slope, size_t n,
                       double *slope, char *err, size_t errlen);

/* The fit (see the top of this file). Returns 0 when a fit was computed,
 * whether accepted or not (r->accepted, r->verdict, r->missing say); -1 with
 * a message in err when it cannot be: fewer than two agent counts, nparams
 * not 1 or 2, bounds not lo < hi, a value not finite, or no slope of
 * parameter 0 differs from zero (the setup time did not respond to it). */
int calib_fit(const calib_problem *p, calib_result *r, char *err, size_t errlen);

#endif
