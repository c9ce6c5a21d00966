/* calib_report.h: the tables and goals of a calibration report, from the
 * patent's published series and our sweeps, as JSON first; the markdown is
 * printed from that JSON.
 *
 * FIG. 7: per N the patent's before and after, ours (before from the
 * verification sweep at the fitted value, after from the prediction sweep),
 * the after-vs-before change of each (the patent's as published, rounded to
 * whole percent) and the errors. The goal: after against before has the
 * patent's sign at every N >= 20 and the average change is within 10
 * percentage points of the patent's average (-25.4 % over N = 10..50).
 * FIG. 8: the patent's kB (10^3 B) beside both of our I/O metrics,
 * app_bytes (counted as the original logged it) and grpc_bytes (etcd's own
 * counters); the goal: the average change within 15 points of the patent's
 * (-62 %). Averages are over the agent counts measured in both sweeps and
 * published by the patent; the patent's average is taken over the same N. */
#ifndef GEOKV_MODEL_CALIB_REPORT_H
#define GEOKV_MODEL_CALIB_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "model/calib_sweep.h"
#include "model/patent.h"

#define CALIB_FIG7_SIGN_FROM_N   20
#define CALIB_FIG7_WITHIN_PTS    10.0
#define CALIB_FIG8_WITHIN_PTS    15.0

/* {"rows": [...], "n_used": [...], "complete": bool, "goal": {...}}.
 * before/after NULL: that column is null and the goal cannot be judged
 * ("holds": null). */
json_t *calib_report_fig7(const patent_ref *ref, const calib_sweep *before, const calib_sweep *after);

/* {"metrics": [{"metric": name, "rows": [...], "goal": {...}}, ...]} for
 * each metric whose before and after sweeps are given (a NULL pair is listed
 * with "missing": why). names[k], before[k], after[k], why[k] for k < nm. */
json_t *calib_report_fig8(const patent_ref *ref, size_t nm, const char *const *names,
                          const calib_sweep *const *before, const calib_sweep *const *after,
                          const char *const *why);

/* calibration.md from the calibration.json document (see calibrate_cmd.c). */
void calib_report_markdown(FILE *out, const json_t *doc);

#endif
