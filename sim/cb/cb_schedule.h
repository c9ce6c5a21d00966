/* cb_schedule.h: agent start offsets of a run (pure, seeded). */
#ifndef GEOKV_CB_SCHEDULE_H
#define GEOKV_CB_SCHEDULE_H

#include <stdint.h>

#include "sim/cb/cb_run.h"

/* offsets[i] = seconds after the run's start at which agent i starts:
 * CB_START_ALL: 0 for all; CB_START_GAP: i * gap; CB_START_RANDOM: uniform in
 * [0, window) from the seed (same seed, same offsets). 0, or -1 on a bad
 * argument (negative gap or window, unknown kind). */
int cb_schedule_offsets(cb_start kind, double gap_s, double window_s, uint64_t seed, int n,
                        double *offsets);

#endif
