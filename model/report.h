/* report.h: results/<run-id>/report.md from a loaded run (runfit): set-up,
 * FIG. 7- and FIG. 8-style tables beside the patent's values, the models
 * beside FIG. 9 and FIG. 10, model selection, the plots (when `make plots`
 * made them), the checker's verdicts and notes on anything missing. */
#ifndef GEOKV_MODEL_REPORT_H
#define GEOKV_MODEL_REPORT_H

#include <stdio.h>

#include "model/runfit.h"

void report_markdown(FILE *out, const runfit *rf);
/* Writes <run>/report.md atomically (temp file + rename). */
int report_write(const runfit *rf, char *err, size_t errlen);

#endif
