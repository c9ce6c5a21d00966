/* groupfit.h: fit every model to one column pair of a table, per group
 * (e.g. y = setup_s against x = n, one group per mode), with per-x summaries
 * of the repetitions. Works on any CSV with a header. */
#ifndef GEOKV_MODEL_GROUPFIT_H
#define GEOKV_MODEL_GROUPFIT_H

#include <jansson.h>
#include <stdio.h>

#include "model/csv.h"
#include "model/fit.h"
#include "model/normalize.h"
#include "model/stats.h"

#define GF_MAX_GROUPS 16
#define GF_MAX_LEVELS 64

typedef struct gf_group {
    char name[64];
    size_t n;                       /* points (rows) */
    double *x, *y;
    size_t nlev;                    /* distinct x values, ascending */
    double lev_x[GF_MAX_LEVELS];
    stats_summary lev[GF_MAX_LEVELS];
    fit_result fits[FIT_KIND_COUNT];
    int ok[FIT_KIND_COUNT];
    char why[FIT_KIND_COUNT][200];  /* reason a fit failed */
    norm_range xr, yr;              /* when normalised: the ranges (raw = lo + v (hi - lo)) */
} gf_group;

typedef struct groupfit {
    char xcol[64], ycol[64], gcol[64];
    size_t skipped;                 /* rows without a number in x or y */
    int normalized;                 /* x and y min-max normalised per group before fitting */
    size_t ngroups;
    gf_group g[GF_MAX_GROUPS];
} groupfit;

/* gcol may be NULL (one group called "all"). Rows where where_col (if not
 * NULL) differs from where_val are ignored. Fails when the columns are
 * missing or no row has numbers; individual model failures are recorded in
 * why[] instead. */
int groupfit_build(const csv_table *t, const char *xcol, const char *ycol, const char *gcol,
                   const char *where_col, const char *where_val, groupfit *gf, char *err,
                   size_t errlen);
/* The same on min-max normalised x and y (per group): the patent's axes. */
int groupfit_build_normalized(const csv_table *t, const char *xcol, const char *ycol,
                              const char *gcol, const char *where_col, const char *where_val,
                              groupfit *gf, char *err, size_t errlen);
void groupfit_free(groupfit *gf);
/* Puts the groups named in order[n] first, in that order; the others keep
 * theirs (groups are otherwise in order of first appearance in the table). */
void groupfit_order(groupfit *gf, const char *const *order, size_t n);
const gf_group *groupfit_find(const groupfit *gf, const char *name);

/* Tables: per group, per x: n, mean ± sd, median, 95% CI; then the models and
 * the verdict (which shape, how far to extrapolate the quadratic to xlimit). */
void groupfit_print(FILE *out, const groupfit *gf, double xlimit, int markdown);
json_t *groupfit_json(const groupfit *gf);

/* gnuplot data: <dir>/<prefix>-<group>.dat (x mean sd median ci_lo ci_hi n)
 * and <dir>/<prefix>-<group>-curves.dat (x quadratic quadratic0 cubic power
 * pi_lo pi_hi; NaN where a model is missing) from 0.8 min x to x_to. */
int groupfit_write_dat(const groupfit *gf, const char *dir, const char *prefix, double x_to,
                       char *err, size_t errlen);

#endif
