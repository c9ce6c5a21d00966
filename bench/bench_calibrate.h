/* bench_calibrate.h: `geokv-bench calibrate`: fit the cost model's free
 * parameters on the patent's FIG. 7 before series alone, then predict the
 * after series and FIG. 8 with them, never refitting.
 *
 * The orchestration, each step a child process (this program's `run`, and
 * geokv-model for the statistics):
 *   1. probe sweeps, mode before, start deploy, the profile with
 *      c_line_us = c0 and = c1 (and, with --uplink on, one at c0 with
 *      deploy_uplink_Bps = b2), all with one seed (common random numbers: the
 *      probes differ only in the parameter);
 *   2. `geokv-model calibrate` on them (model/calibrate.h: linearised least
 *      squares, standard errors, bounds, fallback to one parameter);
 *   3. a verification sweep (before) at the fit, and the fit re-linearised
 *      at it (a secant step); with --iterations 2, when that step moves
 *      c_line_us by more than its standard error and 2 %, a second
 *      verification at the new value; the final value is the verified one
 *      with the smallest squared error against the patent's before;
 *   4. the fitted value(s) written into the profile file with their source
 *      ("fitted on FIG. 7 before only: ..."), only when the fit was accepted
 *      and the final verification is within the tolerance at every N;
 *   5. the PREDICTION: one sweep of mode after at the final value(s);
 *   6. `geokv-model calibrate-report`: <out>/<calib-id>/calibration.md and
 *      calibration.json, printed on stdout.
 * Everything goes to <out>/<calib-id>/: steps.json (the record of the steps,
 * rewritten after each), fit-*.json, and one directory per sweep
 * (<name>/<run-id>/, results/SCHEMA.md's layout).
 */
#ifndef GEOKV_BENCH_CALIBRATE_H
#define GEOKV_BENCH_CALIBRATE_H

#include <stdbool.h>

/* Whether the secant step from c_prev to c_next is worth another
 * verification sweep: it moves c by more than se and 2 % of c_prev. */
bool bench_calib_should_refine(double c_prev, double c_next, double se);

/* `geokv-bench calibrate ...` (argv after `calibrate`): exit status 0 fit
 * accepted, profile written and every sweep green; 1 fit rejected or a run
 * failed (the report says which); 2 bad options or set-up; 128+signal when
 * stopped. */
int bench_calibrate_main(int argc, char **argv);

#endif
