/* bench_dist.c: the placement of a spread sweep's agents on its ranks. */
#include "bench/bench_dist.h"

#include <string.h>

void bench_dist_local(const bench_dist *d, const int *regions, int n, unsigned char *local)
{
    for (int i = 0; i < n; i++) {
        int owner = d->placement == BENCH_PLACE_REGION ? regions[i] % d->ranks : i % d->ranks;
        local[i] = owner == d->rank;
    }
}

int bench_dist_placement_parse(const char *s, bench_placement *out)
{
    if (strcmp(s, "region") == 0)
        *out = BENCH_PLACE_REGION;
    else if (strcmp(s, "round-robin") == 0)
        *out = BENCH_PLACE_ROUND_ROBIN;
    else
        return -1;
    return 0;
}

const char *bench_dist_placement_name(bench_placement p)
{
    return p == BENCH_PLACE_REGION ? "region" : "round-robin";
}
