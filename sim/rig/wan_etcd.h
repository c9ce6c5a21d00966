/* wan_etcd.h: start an etcd cluster behind the WAN emulator in one call.
 *
 * The order matters and is easy to get wrong, so it lives here:
 *   1. etcd_rig_new()  picks the members' ports;
 *   2. wan_new_from_topology() puts links in front of them (client links per
 *      region, peer listeners) and starts the loop;
 *   3. every member advertises its peer listener as its peer URL;
 *   4. etcd_rig_start() launches the members (their raft traffic now crosses
 *      the emulator with the pair delays);
 *   5. the members' raft ids are registered with the emulator, which resets
 *      the peer connections made before, so they redial onto their pair links.
 * Topology member i is rig member i (names from the topology).
 */
#ifndef GEOKV_WAN_ETCD_H
#define GEOKV_WAN_ETCD_H

#include <stddef.h>

#include "sim/rig/etcd_rig.h"
#include "sim/wan/topology.h"
#include "sim/wan/wan.h"

/* rig_cfg: n_members and names are taken from the topology (other fields as
 * given; NULL for defaults). On success *rig and *w run; stop with
 * wan_etcd_stop. On error nothing is left running and err says what failed. */
int wan_etcd_start(const topology *t, const etcd_rig_config *rig_cfg, const wan_config *wan_cfg,
                   etcd_rig **rig, wan **w, char *err, size_t errlen);
/* Stops the members first (they must not see the links vanish mid-run as a
 * partition), then the emulator. NULL-safe. */
void wan_etcd_stop(etcd_rig *rig, wan *w);

/* An etcd client whose endpoints are the given links (by id), pinned to the
 * first; request_timeout_ms 0 -> the client's default. */
int wan_etcd_client(wan *w, const int *links, int n, int request_timeout_ms, etcd_client **out,
                    char *err, size_t errlen);

#endif
