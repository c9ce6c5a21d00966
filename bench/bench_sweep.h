/* bench_sweep.h: `geokv-bench run`: a whole sweep of (mode, N, repetition)
 * runs, each on a fresh cluster, recorded as it finishes. */
#ifndef GEOKV_BENCH_SWEEP_H
#define GEOKV_BENCH_SWEEP_H

#include <signal.h>

#include "bench/bench_opts.h"

/* Set by the signal handler (SIGINT/SIGTERM): the current run ends, nothing
 * new starts. Holds the signal number. */
extern volatile sig_atomic_t bench_stop_signal;

/* Runs the sweep described by argv (the `run` options, argv[0] is the first
 * option). Returns the process exit status: 0 all runs green, 1 a run failed
 * or its checker was red, 2 bad options or set-up, 128+signal when stopped. */
int bench_sweep_main(int argc, char **argv);
/* The same sweep, its runs spread over processes (bench_dist.h); dist NULL:
 * bench_sweep_main. Every process calls it with the same arguments. */
struct bench_dist;
int bench_sweep_main_dist(int argc, char **argv, struct bench_dist *dist);

#endif
