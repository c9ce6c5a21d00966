/* bench_order.h: the order in which a sweep runs its (mode, N, repetition)
 * triples.
 *
 * Runs are interleaved so that drift on a shared machine (another job
 * starting, thermal throttling, a noisy neighbour) does not favour one mode
 * or one N: the sweep is cut into one block per repetition, each block holds
 * every (mode, N) pair exactly once, and each block is shuffled with its own
 * stream of a seeded generator. The same seed always gives the same order
 * (on every machine: the generator is splitmix64, not rand()).
 */
#ifndef GEOKV_BENCH_ORDER_H
#define GEOKV_BENCH_ORDER_H

#include <stddef.h>
#include <stdint.h>

typedef struct bench_triple {
    int mode;      /* index into the sweep's mode list */
    int n;         /* agent count */
    int rep;       /* from 1 */
    int order;     /* position in the sweep, from 1 */
} bench_triple;

/* splitmix64: *state advances; returns the next 64-bit value. */
uint64_t bench_rand_next(uint64_t *state);
/* Uniform in [0, bound) without modulo bias; bound > 0. */
uint64_t bench_rand_below(uint64_t *state, uint64_t bound);

/* Builds n_modes * n_n * reps triples in run order into *out (malloc'd).
 * Returns the count, 0 on bad arguments or allocation failure. */
size_t bench_order_build(size_t n_modes, const int *n, size_t n_n, int reps, uint64_t seed,
                         bench_triple **out);

#endif
