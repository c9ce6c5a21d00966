/* wan_etcd.h: start an etcd cluster behind the WAN emulator in one call.
 *
 * The order matters and is easy to get wrong, so it lives here (and only
 * here: the bench driver and the tests both come through it):
 *   1. etcd_rig_new()  picks the members' ports;
 *   2. wan_new_from_topology() puts links in front of them (client links per
 *      region, peer listeners) and starts the loop;
 *   3. every member advertises its peer listener as its peer URL;
 *   4. etcd_rig_start() launches the members (their raft traffic now crosses
 *      the emulator with the pair delays);
 *   5. every member is checked to still listen on the client port the
 *      emulator's links forward to and to have a raft id, and the raft ids
 *      are registered with the emulator, which resets the peer connections
 *      made before, so they redial onto their pair links.
 * Topology member i is rig member i.
 */
#ifndef GEOKV_WAN_ETCD_H
#define GEOKV_WAN_ETCD_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/rig/etcd_rig.h"
#include "sim/wan/topology.h"
#include "sim/wan/wan.h"

typedef struct wan_etcd_config {
    const topology *topo;
    /* NULL for defaults. n_members is the topology's; names are these when
     * names[0] is set, else the topology's member names. */
    const etcd_rig_config *rig;
    const wan_config *wan;        /* NULL for defaults */
    /* Members only (steps 2, 3 and 5 left out): *w stays NULL and clients
     * reach the members directly. */
    bool no_wan;
} wan_etcd_config;

/* Which step failed, for callers that word their own errors. */
typedef enum wan_etcd_step {
    WAN_ETCD_STEP_NONE = 0,
    WAN_ETCD_STEP_RIG,            /* 1: too many members, or etcd_rig_new failed */
    WAN_ETCD_STEP_EMULATOR,       /* 2: the emulator was not built or not started */
    WAN_ETCD_STEP_ADVERTISE,      /* 3: a member's peer URL could not be set */
    WAN_ETCD_STEP_START,          /* 4: the members did not start or become healthy */
    WAN_ETCD_STEP_CHECK           /* 5: a member moved its client port, or has no raft id */
} wan_etcd_step;

typedef struct wan_etcd_report {
    wan_etcd_step failed;         /* WAN_ETCD_STEP_NONE on success */
    int member;                   /* the member concerned (steps 3 and 5), else -1 */
    char detail[256];             /* the cause alone: the rig's or the emulator's
                                   * message, the URL at step 3 */
    double rig_start_s;           /* wall time of step 4: members started and healthy */
} wan_etcd_report;

/* On success *rig and *w run (*w NULL with no_wan); stop with
 * wan_etcd_stop. On error nothing is left running, err says what failed
 * and, when rep is given, rep says at which step. */
int wan_etcd_bring_up(const wan_etcd_config *cfg, etcd_rig **rig, wan **w, wan_etcd_report *rep,
                      char *err, size_t errlen);

/* wan_etcd_bring_up with the emulator, and the topology's member names
 * unless rig_cfg sets names. */
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
