/* bench_dist.h: a sweep whose runs are spread over several processes (the
 * ranks of bench/mpi's geokv-bench-mpi). The owner (rank 0) runs the sweep
 * as `geokv-bench run` does (clusters, emulator, controller, results); before
 * each run it shares the run (its triple, seed and the endpoints of every
 * region) with the others, which run their share of the agents (placement)
 * through cb_run's dist hooks. bench_sweep.c knows nothing of MPI: these
 * hooks are all it calls. A NULL bench_dist is `geokv-bench run` unchanged. */
#ifndef GEOKV_BENCH_DIST_H
#define GEOKV_BENCH_DIST_H

#include <jansson.h>
#include <stdbool.h>

#include "sim/cb/cb_run.h"

typedef enum bench_placement { BENCH_PLACE_REGION = 0, BENCH_PLACE_ROUND_ROBIN } bench_placement;

typedef struct bench_dist {
    int rank, ranks;                  /* rank 0 owns the sweep */
    bench_placement placement;        /* region: region r on rank r % ranks; round-robin: agent i on i % ranks */
    const char *listen;               /* the emulator's client links listen on this address and the
                                         endpoints name it; NULL: loopback */
    cb_run_dist run;                  /* cb_run's hooks (owner, ud, barrier, sum, gather); local set per run */
    /* A collective: the owner's msg (text) to every process; the others get
     * a malloc'd copy in *out. 0 or -1. */
    int (*share)(void *ud, const char *msg, char **out);
    /* A collective after every shared run: the owner adds the spread run's
     * columns (rank count, barrier skew) to rec; rec is NULL elsewhere. */
    void (*columns)(void *ud, json_t *rec);
} bench_dist;

/* Which agents rank runs, for agents placed in regions[] (n). */
void bench_dist_local(const bench_dist *d, const int *regions, int n, unsigned char *local);
/* "region" / "round-robin". 0, or -1 for another name. */
int bench_dist_placement_parse(const char *s, bench_placement *out);
const char *bench_dist_placement_name(bench_placement p);

#endif
