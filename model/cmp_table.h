/* cmp_table.h: the comparison of an old run against one or more new runs:
 * per metric, mode and N the samples' means with their intervals and each
 * new run's change against the old one (cmp_stats.h); the config
 * differences (cmp_config.h); and coverage: what each run planned and did,
 * and every mode, N or metric that only some runs have, with the reason. */
#ifndef GEOKV_MODEL_CMP_TABLE_H
#define GEOKV_MODEL_CMP_TABLE_H

#include "model/cmp_config.h"
#include "model/cmp_run.h"
#include "model/cmp_stats.h"

#define CMP_MAX_RUNS 8
#define CMP_MSG_LEN 320

typedef struct cmp_table_row {
    size_t metric;
    char mode[CMP_NAME_LEN];
    int n;
    int have[CMP_MAX_RUNS];         /* run j has a sample here */
    cmp_sample s[CMP_MAX_RUNS];
    cmp_change ch[CMP_MAX_RUNS];    /* j >= 1: run j against run 0, when both have a sample */
} cmp_table_row;

typedef struct cmp_table {
    double alpha;
    int forced;                     /* incomparable differences were overridden */
    size_t nruns;                   /* runs[0] is the old one */
    const cmp_run *runs;
    const char *const *metrics;
    size_t nmetrics;
    cmp_diffs diffs;
    cmp_table_row *rows;
    size_t nrows, cap;
    char (*dropped)[CMP_MSG_LEN];   /* "what: reason" */
    size_t ndropped;
    char (*warnings)[CMP_MSG_LEN];
    size_t nwarnings;
} cmp_table;

/* Builds the table of runs[0..nruns) (2 <= nruns <= CMP_MAX_RUNS). The
 * config differences are always collected; the caller decides on refusal
 * (cmp_config_incomparable). */
int cmp_table_build(const cmp_run *runs, size_t nruns, const char *const *metrics,
                    size_t nmetrics, double alpha, cmp_table *t, char *err, size_t errlen);

/* "<id> (<version>)" or "<id>" */
void cmp_table_label(const cmp_run *r, char *buf, size_t len);

void cmp_table_free(cmp_table *t);

#endif
