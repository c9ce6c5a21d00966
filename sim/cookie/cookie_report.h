/* cookie_report: the bench's files: runs.jsonl, summary.csv, per-run
 * timelines (for the plot), remap.csv and cookie-report.md (a section the
 * main report can include). Machine-readable files first; the markdown is
 * printed from the same JSON. */
#ifndef GEOKV_COOKIE_REPORT_H
#define GEOKV_COOKIE_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "sim/cookie/cookie_exp.h"

/* Header line of summary.csv. */
void cookie_report_csv_header(FILE *f);
/* One row per event (one row with empty event columns for steady). */
void cookie_report_csv_rows(FILE *f, const json_t *run);
/* timeline/<experiment>-<strategy>.csv under dir. */
int cookie_report_timeline(const char *dir, const struct cookie_exp_config *cfg,
                           const struct cookie_exp_result *res);
/* remap.csv and cookie-report.md from the array of run objects. plot_rel:
 * path of the PNG relative to dir, or NULL when no plot was made. */
int cookie_report_markdown(const char *dir, const json_t *config, const json_t *runs,
                           const char *plot_rel);

#endif
