/* bench_factors.h: `geokv-bench factors`, the factor study: a 2^k full
 * factorial of sweeps (bench_factors_plan.h), each `geokv-bench run` as a
 * child process, a resumable plan in <study>/steps.json, then
 * `geokv-model factors <study>` for factors.md, factors.json and
 * factors.png.
 *
 *   <out>/factors-<YYYYmmdd-HHMMSS>-<seed>/
 *     steps.json          options, design, cells, every sweep's command
 *                         line, status, exit status, run directory, wall time
 *     cells/<cell>/<run-id>/   a sweep's results (results/SCHEMA.md)
 *     cells/<cell>.log    its output
 *     factors.md, factors.json, factors.png, factors-plot.dat
 *   <out>/factors-latest -> factors-<...>
 */
#ifndef GEOKV_BENCH_FACTORS_H
#define GEOKV_BENCH_FACTORS_H

/* argv: the options after `factors`. Returns the exit status (see
 * bench_fac_usage). */
int bench_factors_main(int argc, char **argv);

#endif
