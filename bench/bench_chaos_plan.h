/* bench_chaos_plan.h: the seeded random fault schedules of `geokv-bench
 * chaos` (pure logic).
 *
 * A schedule is a fault spec of sim/fault's grammar (fault.h): always
 * "session-ttl:2s" (so a frozen holder or a dead agent's lease costs
 * seconds, not the original's minutes), then one to three faults of
 * distinct kinds drawn from kill+restart, partition+heal, spike+clear,
 * redeploy, freeze-holder and compact, with their targets (member, region,
 * agent) and times drawn too: first steps in [0.1, 2.5] s, second steps
 * 0.3-2.0 s later, spikes of 50-400 ms. Schedule i of seed S is the same
 * everywhere (splitmix64, one stream per schedule), whatever the others.
 */
#ifndef GEOKV_BENCH_CHAOS_PLAN_H
#define GEOKV_BENCH_CHAOS_PLAN_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_CHAOS_SPEC_LEN 512

typedef struct bench_chaos_targets {
    const char *const *members;   /* member names the grammar accepts, e.g. "a-sel" */
    int n_members;
    const char *const *regions;   /* region ids */
    int n_regions;
    int n_agents;                 /* redeploy draws agent0 .. agent(n-1) */
} bench_chaos_targets;

/* Writes schedule `index` of `seed` into spec (NUL-terminated). 0, or -1
 * when a target list is empty or spec_len is too small. */
int bench_chaos_schedule(uint64_t seed, int index, const bench_chaos_targets *t, char *spec, size_t spec_len);

#endif
