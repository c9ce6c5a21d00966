/* bench_wan.h: bytes each WAN link carried during a run, from two snapshots
 * of the emulator's counters (wan_counters(): links[] with name, kind,
 * src_region, dst_region, bytes_to_target, bytes_from_target). */
#ifndef GEOKV_BENCH_WAN_H
#define GEOKV_BENCH_WAN_H

#include <stddef.h>

#include <jansson.h>

#include "bench/bench_record.h"

/* Per (from region, to region, kind) byte deltas, summed over links and
 * sorted by from, to, kind. bytes_to_target counts from src to dst,
 * bytes_from_target from dst to src. A region that is null in the counters
 * (a peer probe link whose dialler is unknown) is "?". Entries with zero bytes
 * are left out. Returns a malloc'd array (NULL when empty), count in *n. */
bench_link_bytes *bench_wan_link_deltas(const json_t *before, const json_t *after, size_t *n);

#endif
