/* cmp_run.h: one side of a comparison: a sweep's directory (config.json and
 * runs.jsonl, results/SCHEMA.md) or the patent's published numbers
 * (results/reference/), read into per (mode, N, metric) samples plus what
 * the comparison must say about it: its id and code version, and its
 * coverage (runs planned, done, failed, checker-red). Only runs that
 * completed with the checker green enter the samples: a failed or red run
 * did not measure the protocol it claims to. */
#ifndef GEOKV_MODEL_CMP_RUN_H
#define GEOKV_MODEL_CMP_RUN_H

#include <jansson.h>
#include <stddef.h>

#define CMP_MAX_MODES 8
#define CMP_NAME_LEN 32

typedef enum cmp_unit { CMP_UNIT_SECONDS, CMP_UNIT_BYTES, CMP_UNIT_COUNT } cmp_unit;

typedef struct cmp_cell {
    char mode[CMP_NAME_LEN];
    int n;
    size_t metric;          /* index into the metric list given to cmp_run_load */
    double *v;
    size_t nv, cap;
} cmp_cell;

typedef struct cmp_run {
    char path[4096];
    char id[128];           /* config.json's run_id, else the directory's name */
    char version[128];      /* config.json's version and git_describe ("0.1.0 a68ec93"); "" when neither */
    int reference;          /* the patent's published averages, not a sweep */
    json_t *config;         /* NULL for the reference (and a sweep without config.json) */
    int planned_known;
    size_t planned, done, failed, red;
    size_t nmodes;          /* modes with data, in the run's display order */
    char modes[CMP_MAX_MODES][CMP_NAME_LEN];
    cmp_cell *cells;
    size_t ncells, cap;
} cmp_run;

/* The unit of a results column by its name: *_s seconds, *_bytes bytes,
 * anything else a count. */
cmp_unit cmp_metric_unit(const char *metric);

/* Reads dir: a sweep directory, or a directory holding patent-fig7.csv
 * (the reference). metrics[0..nmetrics) are the columns wanted. */
int cmp_run_load(const char *dir, const char *const *metrics, size_t nmetrics, cmp_run *r,
                 char *err, size_t errlen);

/* The sample of (mode, n, metric), NULL when the run has none. */
const cmp_cell *cmp_run_cell(const cmp_run *r, const char *mode, int n, size_t metric);

/* 1 when the run has any value of the metric, in any mode. */
int cmp_run_has_metric(const cmp_run *r, size_t metric);

/* 1 when the run's plan (config.json's order) has (mode, n), or when the
 * plan is unknown. */
int cmp_run_planned(const cmp_run *r, const char *mode, int n);

/* Adds one value to the (mode, n, metric) sample; for tests and readers. */
int cmp_run_add(cmp_run *r, const char *mode, int n, size_t metric, double v);

/* One line on the run's coverage: runs done of planned (and PARTIAL when
 * fewer), failed, checker-red. */
void cmp_run_coverage(const cmp_run *r, char *buf, size_t len);

void cmp_run_free(cmp_run *r);

#endif
