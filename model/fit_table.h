/* fit_table.h: human-readable tables of fits (terminal and Markdown) and
 * model selection by AIC / BIC. */
#ifndef GEOKV_MODEL_FIT_TABLE_H
#define GEOKV_MODEL_FIT_TABLE_H

#include <stdio.h>

#include "model/fit.h"

/* "0.6972 ± 0.0123" (or without ± when se is NaN) into buf. */
const char *fit_fmt_coef(char *buf, size_t len, double v, double se);

/* Whether a fit may be ranked: it needs a residual degree of freedom
 * (f->n > f->p). With as many points as coefficients a model interpolates
 * the data exactly (SSE ~ 0, BIC -> -inf), which says nothing about its shape. */
int fit_ranked(const fit_result *f);

/* The one-line reason an unranked fit is left out, into buf. */
void fit_unranked_why(const fit_result *f, char *buf, size_t len);

/* Index of the best model by BIC (criterion 'b'), AICc ('c', falling back to
 * AIC when AICc is undefined) or AIC ('a') among those with ok[i] that can be
 * ranked (fit_ranked); -1 if none. */
int fit_best_index(const fit_result *fits, const int *ok, size_t count, char criterion);

/* One row per model: coefficients ± se, SSE, RMSE, R^2, AIC, AICc, BIC,
 * ΔBIC ("not ranked" / "-" for a fit without residual degrees of freedom,
 * each followed by a line saying why). markdown != 0 prints a Markdown table. */
void fit_table_models(FILE *out, const fit_result *fits, const int *ok, size_t count,
                      int markdown);

/* Sentence(s) on which shape the data support and how far the quadratic
 * (fits[FIT_QUADRATIC]) can be extrapolated before the cubic or power law
 * leave its 95% prediction interval. fits is indexed by fit_kind. */
void fit_table_verdict(FILE *out, const fit_result *fits, const int *ok, double xmax,
                       double xlimit, const char *xname);

#endif
