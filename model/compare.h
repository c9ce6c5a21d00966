/* compare.h: one metric, sample A ("before") against sample B ("after"), per
 * value of x (N): mean ± sd, median, 95% CI, the change in percent (the
 * patent's "rate of change", (mean B - mean A) / mean A), Welch's t and
 * Mann-Whitney U p-values, and the overall average change. */
#ifndef GEOKV_MODEL_COMPARE_H
#define GEOKV_MODEL_COMPARE_H

#include <jansson.h>
#include <stdio.h>

#include "model/stats.h"

#define CMP_MAX_ROWS 64

typedef struct cmp_row {
    double x;
    stats_summary a, b;
    double change_pct;
    int welch_ok, mwu_ok;
    stats_welch welch;
    stats_mwu mwu;
} cmp_row;

typedef struct compare_result {
    char metric[64], unit[16], label_a[128], label_b[128];
    size_t nrows;                   /* x values present in both samples */
    cmp_row rows[CMP_MAX_ROWS];
    double mean_change_pct;         /* mean of the per-x changes (the patent's "overall average") */
    double total_change_pct;        /* change of the sums of the means */
} compare_result;

/* Fails when no x value is present in both samples. */
int compare_build(const char *metric, const char *unit, const char *label_a, const double *xa,
                  const double *ya, size_t na, const char *label_b, const double *xb,
                  const double *yb, size_t nb, compare_result *c, char *err, size_t errlen);

void compare_print(FILE *out, const compare_result *c, int markdown);
json_t *compare_json(const compare_result *c);

#endif
