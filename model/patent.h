/* patent.h: the patent's published numbers (US 12,393,527 FIG. 7-10, kept in
 * results/reference/) and the fits that compare our least squares with the
 * patent's PyTorch models.
 *
 * The patent gives its FIG. 9 and FIG. 10 models on normalised axes without
 * saying which normalisation. We try a small set of candidates (x by min-max
 * over 10..50 or by the maximum; y by min-max or by the maximum, per series or
 * over both series of the figure), evaluate the patent's own models on each
 * version of the published data and keep the one where they fit best. */
#ifndef GEOKV_MODEL_PATENT_H
#define GEOKV_MODEL_PATENT_H

#include <stdio.h>

#include "model/fit.h"
#include "model/normalize.h"

#define PATENT_MAX_PTS 16

typedef struct patent_ref {
    size_t npts;
    double n[PATENT_MAX_PTS];
    double data[2][2][PATENT_MAX_PTS];  /* [0 = FIG. 7 s, 1 = FIG. 8][0 before, 1 after] */
    double change_pct[2][PATENT_MAX_PTS];
    double model[2][2][3];              /* [0 = FIG. 9, 1 = FIG. 10][series][a b c] */
} patent_ref;

/* Reads patent-fig7.csv, patent-fig8.csv, patent-models.csv from dir. */
int patent_load(const char *dir, patent_ref *p, char *err, size_t errlen);

typedef enum { PN_X_MINMAX, PN_X_MAX, PN_X_COUNT } patent_xnorm;
typedef enum { PN_Y_MINMAX, PN_Y_MAX, PN_Y_JOINT_MINMAX, PN_Y_JOINT_MAX, PN_Y_COUNT } patent_ynorm;
#define PATENT_NCAND (PN_X_COUNT * PN_Y_COUNT)

typedef struct patent_norm {
    patent_xnorm x;
    patent_ynorm y;
} patent_norm;

const char *patent_xnorm_name(patent_xnorm x);
const char *patent_ynorm_name(patent_ynorm y);

/* Ranges for series `y` (with `other`, the figure's other series, for the
 * joint variants) under normalisation nm. */
int patent_norm_ranges(patent_norm nm, const double *x, size_t n, const double *y,
                       const double *other, size_t nother, norm_range *xr, norm_range *yr,
                       char *err, size_t errlen);

typedef struct patent_series_fit {
    const char *series;         /* "before" / "after" */
    norm_range xr, yr;          /* best normalisation's ranges */
    fit_result raw;             /* the patent's form, raw units */
    fit_result norm;            /* the patent's form, normalised units */
    double patent_sse_norm;     /* patent model's SSE on the same normalised data */
    double patent_raw[3];       /* patent model mapped to raw units */
    double patent_sse_raw;
    fit_result all[FIT_KIND_COUNT]; /* every model in raw units, for ranking */
    int all_ok[FIT_KIND_COUNT];
} patent_series_fit;

typedef struct patent_figure_fit {
    int figure;                 /* 9 or 10 */
    int data_figure;            /* 7 or 8 */
    fit_kind kind;              /* quadratic (FIG. 9) or quadratic0 (FIG. 10) */
    double cand_patent_sse[PATENT_NCAND]; /* before + after */
    double cand_our_sse[PATENT_NCAND];
    patent_norm cand[PATENT_NCAND];
    int best;                   /* index into cand */
    patent_series_fit s[2];
} patent_figure_fit;

/* which = 0: FIG. 9 (models of FIG. 7); 1: FIG. 10 (models of FIG. 8). */
int patent_fit_figure(const patent_ref *p, int which, patent_figure_fit *f, char *err,
                      size_t errlen);
void patent_figure_fit_free(patent_figure_fit *f);

/* The fit-patent report: human tables (json == 0) or one JSON document. */
int patent_report(FILE *out, const patent_ref *p, int json, char *err, size_t errlen);

#endif
