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
#include <stddef.h>
#include <stdio.h>

#include "bench/bench_opts.h"

#define BENCH_CALIB_ARGS 48
#define BENCH_CALIB_ARG_LEN 1200

typedef struct bench_calib_opts {
    char profile[BENCH_PATH_LEN];   /* a name in sim/cb/profiles/ or a .json file */
    char ref[BENCH_PATH_LEN];       /* the patent's numbers (patent-fig7.csv, ...) */
    char out[BENCH_PATH_LEN];       /* parent of the calibration directory */
    double c0, c1;                  /* the probes' c_line_us, us */
    bool uplink;                    /* also fit deploy_uplink_Bps */
    double b2;                      /* the uplink probe's deploy_uplink_Bps */
    int iterations;                 /* verification sweeps at most: 1 or 2 */
    double max_rel_resid;           /* acceptance tolerance (0: the model's default) */
    double c_lo, c_hi;              /* bounds of c_line_us */
    bool dry_run;                   /* print the plan and exit */
    bench_opts run;                 /* the sweep options passed on: n, reps, seed, scales, timeout */
} bench_calib_opts;

/* A command line under construction (fixed storage, no allocation). */
typedef struct bench_argv {
    char s[BENCH_CALIB_ARGS][BENCH_CALIB_ARG_LEN];
    char *v[BENCH_CALIB_ARGS + 1];  /* NULL-terminated */
    size_t n;
    bool overflow;                  /* an argument did not fit */
} bench_argv;

void bench_argv_init(bench_argv *a);
void bench_argv_add(bench_argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The command line as one shell-readable line (arguments quoted when needed). */
void bench_argv_format(const bench_argv *a, char *out, size_t out_len);

/* Defaults: N 10..50, one repetition, profile patent-2022, c0 30, c1 90,
 * uplink on with b2 = 30 MB/s, two iterations, bounds 5..500 us. */
void bench_calib_opts_default(bench_calib_opts *o);

/* Parses the options after `calibrate`. 0, 1 for --help, -1 with one line
 * in err. */
int bench_calib_opts_parse(int argc, char *const *argv, bench_calib_opts *o, char *err, size_t err_len);

void bench_calib_usage(FILE *f);

/* The command line of one sweep: `self run --modes MODE --start deploy
 * --end rule --profile PROFILE [--profile-set K=V]... --out OUT_DIR` plus
 * the passed-on options (n, reps, seed, scales, timeout). sets: nsets
 * "KEY=VALUE" strings. */
void bench_calib_run_argv(const bench_calib_opts *o, const char *self, const char *mode, const char *profile,
                          const char *const *sets, size_t nsets, const char *out_dir, bench_argv *a);

/* In a profile file's text, replaces the object of params.KEY (the whole
 * {"value": ..., "source": ...}) by obj_text, leaving every other byte as it
 * was (a small diff). *out is malloc'ed. -1 with a message when the text is
 * not an object with "params" holding KEY as an object. */
int bench_calib_profile_splice(const char *text, const char *key, const char *obj_text, char **out, char *err,
                               size_t err_len);

/* Whether the secant step from c_prev to c_next is worth another
 * verification sweep: it moves c by more than se and 2 % of c_prev. */
bool bench_calib_should_refine(double c_prev, double c_next, double se);

/* `geokv-bench calibrate ...` (argv after `calibrate`): exit status 0 fit
 * accepted, profile written and every sweep green; 1 fit rejected or a run
 * failed (the report says which); 2 bad options or set-up; 128+signal when
 * stopped. */
int bench_calibrate_main(int argc, char **argv);

#endif
