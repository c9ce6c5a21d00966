/* calib_sweep.h: what calibration reads from a sweep's results directory
 * (results/SCHEMA.md): per agent count, the mean of one summary.csv column
 * over the runs of one mode, and the sweep's id.
 *
 * A run counts when its cell is a number and, where summary.csv has the
 * column checker_ok, the checker was green (1); other runs are left out and
 * counted in `dropped`, so a failed run never pulls a mean. */
#ifndef GEOKV_MODEL_CALIB_SWEEP_H
#define GEOKV_MODEL_CALIB_SWEEP_H

#include <stddef.h>

#define CALIB_SWEEP_MAX_N 64

typedef struct calib_sweep {
    char dir[1024];
    char run_id[128];                  /* config.json's run_id, else the directory's name */
    char mode[32], column[64];
    size_t nlev;                       /* agent counts, ascending */
    double n[CALIB_SWEEP_MAX_N];
    double mean[CALIB_SWEEP_MAX_N];
    double sd[CALIB_SWEEP_MAX_N];      /* sample sd; NaN with one run */
    size_t count[CALIB_SWEEP_MAX_N];   /* runs in the mean */
    size_t dropped;                    /* runs of the mode left out (no number, checker red) */
} calib_sweep;

/* Reads dir/summary.csv (and dir/config.json for the id). 0; -1 with a
 * message when the file or the column is missing or no run of the mode has
 * a number in it. */
int calib_sweep_load(const char *dir, const char *mode, const char *column, calib_sweep *s, char *err,
                     size_t errlen);

/* The mean at agent count n: 0 and *mean, or -1 when n was not measured. */
int calib_sweep_at(const calib_sweep *s, double n, double *mean);

#endif
