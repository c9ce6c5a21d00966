/* cb_schedule.c: when each agent starts. */
#include "sim/cb/cb_schedule.h"

#include "sim/cb/cb_keys.h"

int cb_schedule_offsets(cb_start kind, double gap_s, double window_s, uint64_t seed, int n,
                        double *offsets)
{
    uint64_t st = seed ^ 0x51ed270b27a3c1f5ULL;
    if (n < 0)
        return -1;
    switch (kind) {
    case CB_START_ALL:
        for (int i = 0; i < n; i++)
            offsets[i] = 0;
        return 0;
    case CB_START_GAP:
        if (gap_s < 0)
            return -1;
        for (int i = 0; i < n; i++)
            offsets[i] = i * gap_s;
        return 0;
    case CB_START_RANDOM:
        if (window_s < 0)
            return -1;
        for (int i = 0; i < n; i++)
            offsets[i] = cb_rand_unit(&st) * window_s;
        return 0;
    }
    return -1;
}
