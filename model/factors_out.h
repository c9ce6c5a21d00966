/* factors_out.h: a factor study's outputs (fs_study, factors_study.h):
 * factors.json, factors.md with the section "What decides whether the cache
 * helps", the plot's data (factors-plot.dat, for scripts/factors.gp), and
 * the generated summary that both the report and the terminal show. */
#ifndef GEOKV_MODEL_FACTORS_OUT_H
#define GEOKV_MODEL_FACTORS_OUT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "model/factors_study.h"

#define FS_SUMMARY_MAX  12
#define FS_SUMMARY_LEN  1024

/* The summary: largest effects, which cells have the patent's sign, where
 * the sign flips, the closest cell to the patent's mean, store I/O. Returns
 * how many lines. */
size_t fs_summary(const fs_study *s, char lines[][FS_SUMMARY_LEN], size_t max);

/* Everything of the analysis as one JSON document (a new reference). */
json_t *fs_json(const fs_study *s);

/* factors.md into f. */
void fs_markdown(FILE *f, const fs_study *s);

/* The plot's data: one row per cell sorted by its mean change of setup
 * time: index, "label", the change at each N, the mean over N (NaN where
 * missing). */
void fs_plot_data(FILE *f, const fs_study *s);

/* A short terminal summary: the cells' mean changes and the summary lines. */
void fs_print(FILE *f, const fs_study *s);

#endif
