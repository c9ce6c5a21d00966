/* bench_cluster.h: the patent's three-member etcd cluster (Seoul-AWS,
 * Seoul-GCP, Singapore) behind the WAN emulator, for one run.
 *
 * Lifecycle of one cluster:
 *   1.-3. sim/rig/wan_etcd.h brings the cluster up: etcd_rig_new picks ports
 *      and data dirs under <base_dir>; the WAN emulator (sim/wan/wan.h) is
 *      built from the topology in front of the members' client and peer
 *      ports, and started; every member announces its emulator peer port, so
 *      raft traffic between members crosses the emulated WAN with the pair's
 *      delay; members start, are checked to still listen where the client
 *      links forward to and to have a raft id, and their raft ids are given
 *      to the emulator;
 *   4. leadership moves to the chosen member and is checked;
 *   5. bench_cluster_place() hands out, per region, client URLs through that
 *      region's links (one per member) and the RTT to each member;
 *   6. bench_cluster_stop() stops the members (SIGTERM then SIGKILL, reaped),
 *      frees the emulator and removes the data dirs.
 * With no_wan the emulator is left out: agents reach the members directly.
 */
#ifndef GEOKV_BENCH_CLUSTER_H
#define GEOKV_BENCH_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sim/cb/cb_run.h"
#include "sim/etcd/etcd_client.h"
#include "sim/rig/etcd_rig.h"
#include "sim/wan/topology.h"

typedef struct wan wan;

typedef struct bench_cluster_config {
    const topology *topo;         /* rtt_scale already applied */
    bool no_wan;
    const char *base_dir;         /* parent of the data dirs (created) */
    bool fsync;
    const char *leader;           /* member name to lead, NULL: Seoul-AWS */
    uint64_t seed;                /* WAN jitter seed */
    double wan_spin_us;           /* WAN polling window (wan_config.spin_us) */
    int start_timeout_ms;         /* 0: 30000 */
    const char *listen;           /* the emulator's client links listen on this IPv4 address and
                                     bench_cluster_place's URLs name it (agents on other hosts);
                                     NULL: 127.0.0.1. Kept: must outlive the cluster. */
} bench_cluster_config;

typedef struct bench_cluster {
    etcd_rig *rig;
    wan *wan;                     /* NULL with no_wan */
    const topology *topo;
    int n;                        /* members, = topo->n_members */
    char names[ETCD_RIG_MAX_MEMBERS][32];
    int leader;                   /* index of the member that leads */
    int heartbeat_ms, election_ms;
    double start_s;               /* wall time to start and move the leader */
    double rig_start_s;           /* of which: members started and healthy */
    double leader_move_s;         /* of which: leadership on the chosen member */
    int leader_moves;             /* move-leader requests sent */
    /* Per region: endpoint URLs (one per member) and RTTs to each member. */
    char (*urls)[ETCD_RIG_MAX_MEMBERS][64];     /* [n_regions] */
    const char *(*url_ptrs)[ETCD_RIG_MAX_MEMBERS];
    double (*rtt_ms)[ETCD_RIG_MAX_MEMBERS];
    char providers[TOPO_MAX_REGIONS][16];        /* lower case: "aws", "gcp" */
    const char *listen;                          /* cfg's, NULL: 127.0.0.1 */
} bench_cluster;

/* Bench name of a topology member: by its region (aws-ap-northeast-2 ->
 * Seoul-AWS, gcp-asia-northeast3 -> Seoul-GCP, aws-ap-southeast-1 ->
 * Singapore), else the topology's own name. */
const char *bench_cluster_member_name(const topology *t, int member);

/* Heartbeat and election timeout for the members' largest RTT: heartbeat
 * about one RTT (at least 100 ms: on a shared 2-core machine a shorter one
 * risks elections caused by scheduling delays, not by the WAN), election
 * ten heartbeats (at least 1000 ms), as etcd's tuning guide advises. */
void bench_cluster_timeouts(double max_member_rtt_ms, int *heartbeat_ms, int *election_ms);

/* Starts a cluster; err gets one line on failure (everything started is
 * stopped again). */
int bench_cluster_start(const bench_cluster_config *cfg, bench_cluster **out, char *err, size_t err_len);

/* Where a process in `region` reaches etcd. Pointers stay valid while the
 * cluster lives. */
void bench_cluster_place(const bench_cluster *c, int region, cb_place *out);

/* An admin client over the members' direct client URLs (no WAN delay). */
int bench_cluster_admin_client(bench_cluster *c, etcd_client **out, char *err, size_t err_len);

/* Index of the current leader (asking the members), -1 when none. */
int bench_cluster_leader(bench_cluster *c);

/* Pids of running members into pids[] (up to max); returns the count. */
int bench_cluster_pids(const bench_cluster *c, pid_t *pids, int max);

void bench_cluster_stop(bench_cluster *c);

#endif
