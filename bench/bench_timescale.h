/* bench_timescale.h: how far --time-scale can compress a sweep and still
 * give full-time results (`geokv-bench timescale`, `make bench-timescale`).
 *
 * The same small sweep is run at several time scales, scale 1 among them.
 * Per scale, mode and N: the mean of setup_full_s (setup_s / time_scale)
 * over the green runs, its error against scale 1 in percent; per scale and
 * N: the change of mode A against mode B in percent, and how many
 * percentage points it lies off scale 1's change. A scale is valid when
 * that distance is within the tolerance at every N; the validated scale is
 * the smallest scale that is valid together with every larger one (a
 * compression that fails at 0.5 is not trusted at 0.25 even if 0.25 happens
 * to land close). The table building is pure (unit-tested); main reads the
 * sweeps' runs.jsonl.
 */
#ifndef GEOKV_BENCH_TIMESCALE_H
#define GEOKV_BENCH_TIMESCALE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define BENCH_TS_MAX_SCALES 8
#define BENCH_TS_MAX_N 32

/* One green run. */
typedef struct bench_ts_obs {
    double scale;          /* the record's time_scale */
    const char *mode;
    int n;
    double full_s;         /* setup_full_s */
} bench_ts_obs;

typedef struct bench_ts_cell {
    int k_a, k_b;                  /* runs averaged */
    double mean_a, mean_b;         /* mean setup_full_s; NaN without runs */
    double err_a_pct, err_b_pct;   /* against scale 1, percent; NaN when either is missing */
    double change_pct;             /* (mean_a - mean_b) / mean_b, percent */
    double off_pp;                 /* change_pct - scale 1's, percentage points */
} bench_ts_cell;

typedef struct bench_ts_table {
    char mode_a[32], mode_b[32];
    double tol_pp;
    double scales[BENCH_TS_MAX_SCALES];   /* descending; scales[0] == 1 */
    size_t n_scales;
    int n[BENCH_TS_MAX_N];                /* ascending */
    size_t n_n;
    bench_ts_cell cell[BENCH_TS_MAX_SCALES][BENCH_TS_MAX_N];
    double max_off_pp[BENCH_TS_MAX_SCALES];   /* largest |off_pp| over N; NaN when a cell is missing */
    bool valid[BENCH_TS_MAX_SCALES];          /* max_off_pp <= tol_pp */
    double validated;                         /* the validated scale (1 when no smaller one is) */
} bench_ts_table;

/* Builds the table from obs (runs of other modes are ignored). 0, or -1
 * with one line in err: no run at scale 1, more scales or agent counts than
 * fit, or no run of mode A or B. */
int bench_ts_build(const bench_ts_obs *obs, size_t n_obs, const char *mode_a, const char *mode_b, double tol_pp,
                   bench_ts_table *t, char *err, size_t err_len);

/* The human table and the verdict line. */
void bench_ts_print(const bench_ts_table *t, FILE *f);

/* `geokv-bench timescale [--a MODE] [--b MODE] [--tol PP] [--json FILE] DIR...`:
 * each DIR a sweep's directory (or a --out directory whose latest is one).
 * Exit status: 0 table printed, 2 bad options or unreadable sweeps. */
int bench_timescale_main(int argc, char **argv);

#endif
