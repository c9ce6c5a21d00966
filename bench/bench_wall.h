/* bench_wall.h: where a sweep's wall time went.
 *
 * The sweep's wall time (first run start to last record written) split into
 * the runs' setup (setup_s: what is measured), the drain after setup
 * (quiescent_s - setup_s: the run going on until nobody has work queued,
 * e.g. before mode's controller backlog, which I/O at quiescence counts),
 * cluster start (what the sweep waited for it: cluster_wait_s, the next
 * run's cluster being started while a run stops) and the rest (client
 * set-up, agents stopping, metrics, checker, cluster stop, records). Pure: built from the records, so it is
 * unit-tested; the parts always sum to the wall time.
 */
#ifndef GEOKV_BENCH_WALL_H
#define GEOKV_BENCH_WALL_H

#include <stddef.h>

#include <jansson.h>

typedef struct bench_wall {
    double wall_s;
    double setup_s, drain_s, cluster_start_s, other_s;   /* other = wall - the three */
    int runs;                                            /* records counted */
} bench_wall;

/* Adds one run's record: its setup_s, quiescent_s - setup_s (>= 0) and
 * cluster_wait_s (cluster_start_s in records without it); a key that is
 * missing or null counts 0 (a failed run's time is then "other"). */
void bench_wall_add(bench_wall *w, const json_t *rec);

/* Sets the wall time (the sweep's, earlier invocations' included on
 * resume) and other_s = wall_s - setup_s - drain_s - cluster_start_s. */
void bench_wall_finish(bench_wall *w, double wall_s);

/* w from a wall.json object written earlier (a resumed sweep goes on
 * adding to it); fields missing count 0. */
void bench_wall_from_json(bench_wall *w, const json_t *j);

/* wall_s / setup_s (0 when no setup was measured). */
double bench_wall_ratio(const bench_wall *w);

/* {"wall_s", "setup_s", "drain_s", "cluster_start_s", "other_s", "runs",
 * "wall_per_setup"} (new reference). */
json_t *bench_wall_json(const bench_wall *w);

/* One line: "wall 120.0 s = setup 80.0 s (66.7%) + drain ... ; wall/setup 1.50". */
void bench_wall_format(const bench_wall *w, char *out, size_t out_len);

#endif
