/* cmp_plot.h: the overlay plots of a comparison and its Markdown report:
 * DIR/compare.md (the comparison in Markdown, the plots linked),
 * DIR/compare-setup_s.{png,svg} and DIR/compare-<io>.{png,svg} (io:
 * app_bytes when every run has it, else grpc_bytes), drawn by gnuplot from
 * scripts/compare.gp on data in DIR/compare-data/. */
#ifndef GEOKV_MODEL_CMP_PLOT_H
#define GEOKV_MODEL_CMP_PLOT_H

#include "model/cmp_table.h"

/* Writes the report into dir (created). A plot gnuplot could not draw is a
 * note in compare.md and a -1 return; compare.md is written either way. */
int cmp_plot_report(const cmp_table *t, const char *dir, const char *scripts, char *err,
                    size_t errlen);

#endif
