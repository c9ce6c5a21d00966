/* bench_calib_opts.h: the command line of `geokv-bench calibrate`: its own
 * options and the sweep options it passes on to every `run` (parsed and
 * checked as `run` does), and the command lines of the sweeps it starts.
 * Pure: no I/O, unit-tested. */
#ifndef GEOKV_BENCH_CALIB_OPTS_H
#define GEOKV_BENCH_CALIB_OPTS_H

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
 * --end txn --profile PROFILE [--profile-set K=V]... --out OUT_DIR` plus
 * the passed-on options (n, reps, seed, scales, timeout). sets: nsets
 * "KEY=VALUE" strings. */
void bench_calib_run_argv(const bench_calib_opts *o, const char *self, const char *mode, const char *profile,
                          const char *const *sets, size_t nsets, const char *out_dir, bench_argv *a);

/* The shortest of %.15g and %.17g that reads back as v, into buf. */
const char *bench_calib_num(double v, char *buf, size_t len);

#endif
