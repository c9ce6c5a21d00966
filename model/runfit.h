/* runfit.h: everything `make fit` derives from one results directory
 * (results/<run-id>/, layout in results/SCHEMA.md): fits of setup time and
 * store I/O against N per mode, before/after comparisons, the normalised
 * fits beside the patent's FIG. 9 / FIG. 10 models, the per-agent completion
 * CDF and the time breakdown; written to <run>/fit/ as JSON and gnuplot data.
 * Missing optional inputs (config.json, runs.jsonl, timelines, breakdown
 * columns, a mode) are noted, never fatal; summary.csv is required.
 *
 * Modes come from the data: the mode column of summary.csv, shown in the
 * order of config.json's mode_order (the registry's order, written by
 * geokv-bench), else of its options.modes, then any other mode as it first
 * appears. Two names have a role: the patent's FIG. 7-10 series are its
 * "before" and "after" (results/reference/), compared with this run's modes
 * of those names; every other mode is compared against "before", the
 * control group. */
#ifndef GEOKV_MODEL_RUNFIT_H
#define GEOKV_MODEL_RUNFIT_H

#include <jansson.h>
#include <stdio.h>

#include "model/compare.h"
#include "model/csv.h"
#include "model/groupfit.h"
#include "model/patent.h"

#define RUNFIT_NMETRICS 6
/* The metrics of m[] with a role: FIG. 7, FIG. 8 as the members count it,
 * FIG. 8 as the original logged it (absent from runs before the fidelity
 * profiles: then m[RUNFIT_M_APP].ok is 0 and the rest goes on). */
enum { RUNFIT_M_SETUP = 0, RUNFIT_M_GRPC = 1, RUNFIT_M_APP = 2 };
#define RUNFIT_MAX_NOTES 32
#define RUNFIT_MAX_MODES 8
#define RUNFIT_MODE_LEN 32
#define RUNFIT_BASE_MODE "before"    /* the control group, and the patent's first series */
#define RUNFIT_PATENT_MODE "after"   /* the patent's mode, its second series */

typedef struct runfit_metric {
    const char *column, *unit, *label;
    int ok;
    groupfit gf;
    int cmp_ok;
    compare_result cmp;         /* before -> after */
    compare_result *other[RUNFIT_MAX_MODES]; /* before -> order[i] for every other mode but after;
                                               NULL: no such comparison (malloc'd) */
} runfit_metric;

typedef struct runfit_patentfig {
    int ok;                     /* our before and after could be normalised and fitted */
    int figure;                 /* 9 or 10 */
    patent_figure_fit pf;       /* the patent side (best normalisation found there) */
    fit_result ours[2];         /* same form on our normalised per-N means */
    double sse_patent_on_ours[2]; /* the patent's model on our normalised means */
    char note[256];
} runfit_patentfig;

typedef struct runfit {
    char dir[2048];
    char id[256];
    csv_table summary;
    json_t *config;             /* NULL when config.json is missing or unreadable */
    size_t runs_lines;          /* records in runs.jsonl (0 when missing) */
    int synthetic;              /* config.json says "synthetic": true */
    size_t norder;
    char order[RUNFIT_MAX_MODES][RUNFIT_MODE_LEN]; /* every mode known: of config.json, then of the data */
    size_t nmodes;
    char modes[RUNFIT_MAX_MODES][RUNFIT_MODE_LEN]; /* the modes in the data, in that order */
    runfit_metric m[RUNFIT_NMETRICS]; /* m[0] setup_s, m[1] grpc_bytes, m[2] app_bytes, ... */
    char end_criterion[16];     /* what setup_s measured: config.json's end_criterion, "ips" without it */
    int have_ref;
    patent_ref ref;
    runfit_patentfig fig[2];    /* FIG. 9 (setup_s), FIG. 10 (grpc_bytes) */
    int cdf_n;                  /* N used for the completion CDF (0 = none) */
    size_t cdf_count[RUNFIT_MAX_MODES]; /* per mode: agents with start and rule_complete */
    double *cdf_vals[RUNFIT_MAX_MODES]; /* their completion times (s), sorted */
    int have_breakdown;
    size_t checker_fail;
    size_t nnotes;
    char notes[RUNFIT_MAX_NOTES][256];
} runfit;

/* The display order of a run's modes (see above) into order[max]: config
 * may be NULL, summary's mode column may be missing. Returns the count. */
size_t runfit_mode_order(const json_t *config, const csv_table *summary,
                         char order[][RUNFIT_MODE_LEN], size_t max);

/* Reads and fits the run in dir; ref_dir holds the patent's reference data
 * (a missing ref_dir only skips the patent comparison). cdf_n: N of the
 * completion CDF (50 by default in the CLI). */
int runfit_load(const char *dir, const char *ref_dir, int cdf_n, runfit *rf, char *err,
                size_t errlen);
void runfit_free(runfit *rf);

/* Writes <dir>/fit/: fits.json and the .dat files the gnuplot scripts read. */
int runfit_write(runfit *rf, char *err, size_t errlen);
/* Terminal tables. */
void runfit_print(FILE *out, const runfit *rf);
json_t *runfit_json(const runfit *rf);

#endif
