/* bench_order.c: seeded, blocked, shuffled run order (see bench_order.h). */
#include "bench/bench_order.h"

#include <stdlib.h>

uint64_t bench_rand_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t bench_rand_below(uint64_t *state, uint64_t bound)
{
    /* Rejection sampling: drop the top partial range of 2^64 so every
     * residue is equally likely. */
    uint64_t limit = UINT64_MAX - (UINT64_MAX % bound);
    uint64_t r;
    do {
        r = bench_rand_next(state);
    } while (r >= limit);
    return r % bound;
}

size_t bench_order_build(size_t n_modes, const int *n, size_t n_n, int reps, uint64_t seed,
                         bench_triple **out)
{
    size_t per_block, total, k = 0;
    bench_triple *t;

    *out = NULL;
    if (n_modes == 0 || n_n == 0 || reps <= 0 || n == NULL)
        return 0;
    per_block = n_modes * n_n;
    total = per_block * (size_t)reps;
    t = calloc(total, sizeof *t);
    if (t == NULL)
        return 0;
    for (int r = 1; r <= reps; r++) {
        bench_triple *block = t + k;
        /* One generator stream per block, so a block's order does not
         * depend on how many draws earlier blocks needed. */
        uint64_t state = seed ^ (0xd1b54a32d192ed03ULL * (uint64_t)r);
        for (size_t m = 0; m < n_modes; m++)
            for (size_t j = 0; j < n_n; j++) {
                t[k].mode = (int)m;
                t[k].n = n[j];
                t[k].rep = r;
                k++;
            }
        /* Fisher-Yates. */
        for (size_t i = per_block - 1; i > 0; i--) {
            size_t j = (size_t)bench_rand_below(&state, (uint64_t)i + 1);
            bench_triple tmp = block[i];
            block[i] = block[j];
            block[j] = tmp;
        }
    }
    for (size_t i = 0; i < total; i++)
        t[i].order = (int)i + 1;
    *out = t;
    return total;
}
