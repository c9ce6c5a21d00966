/* bench_chaos.h: `geokv-bench chaos`, a sweep of seeded random fault
 * schedules (bench_chaos_plan.h) at small N in every mode.
 *
 * Each (schedule, mode) is one `geokv-bench run --fault SPEC` in a child
 * process (bench_child.h) with a wall-clock limit, so that no run can hang
 * the sweep; afterwards every process its pids.json names is checked gone
 * (and killed and reported when not). The outcome of each run (green,
 * failed with its reason, hung, left processes) goes to
 * <out>/chaos-<stamp>-<seed>/chaos.jsonl as it ends, and the table of all
 * of them to chaos.md there and to stdout at the end.
 */
#ifndef GEOKV_BENCH_CHAOS_H
#define GEOKV_BENCH_CHAOS_H

/* argv without the command name. Exit status: 0 every run green; 1 a run
 * failed (with its reason), hung or left a process; 2 bad options or
 * set-up; 130 / 143 stopped. */
int bench_chaos_main(int argc, char **argv);

#endif
