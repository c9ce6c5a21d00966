/* wan.h: a rootless user-space geo-WAN emulator.
 *
 * A set of TCP forwarding links on 127.0.0.1 (client links: on
 * wan_config.listen_addr when one is given, so processes on other hosts
 * reach them). Each link listens on its own
 * port, forwards every accepted connection to a target port on 127.0.0.1, and
 * delays each direction by the link's one-way delay (RTT / 2), with optional
 * jitter and bandwidth cap. One event-loop thread (epoll + one timerfd on
 * CLOCK_MONOTONIC with absolute deadlines, so timers are sub-millisecond)
 * serves every link and connection.
 *
 * Data path: bytes are read as they come, stamped with their arrival time,
 * queued per connection direction and written when their release time
 * max(previous release, arrival + delay + jitter) is reached, so jitter never
 * reorders bytes within a connection. A direction holding more than
 * WAN_QUEUE_MAX bytes stops reading (backpressure reaches the sender through
 * TCP). A FIN is delayed like data (half-close is forwarded as shutdown()).
 * A read or write error (reset) closes both sides at once with a reset.
 * New connections: the kernel completes the local handshake at once, so the
 * emulator holds the first bytes of a connection back by one extra RTT (the
 * SYN/SYN-ACK exchange a real WAN connection costs) unless
 * wan_config.no_handshake_rtt is set.
 *
 * Link kinds
 * - client links: one per (region, etcd member), "c:<region id>:<member>",
 *   plus "c:direct:<member>" with zero delay (drivers' admin traffic);
 * - peer links: one listener in front of each member's peer port. etcd
 *   announces that listener as the member's peer URL. The emulator reads the
 *   first HTTP request head of each incoming connection (at most 8 KiB) and
 *   finds `X-Server-From: <member id hex>` (raft stream, pipeline and snapshot
 *   requests carry it) to learn which member dials; the connection then
 *   belongs to link "p:<from>:<to>" with that pair's delay in both
 *   directions, the head included. Connections without the header (GET
 *   /raft/probing health probes, version checks) or from an id not registered
 *   yet belong to "p:?:<to>", whose delay is the LARGEST of the member's pair
 *   delays: etcd's etcd_network_peer_round_trip_time_seconds comes from those
 *   probes, so it then shows the member's worst link, never less than a real
 *   path. Member ids exist only once the cluster runs: register them with
 *   wan_set_member_id() after start.
 *
 * Faults
 * - wan_set_link_rtt(): new delay for bytes read from then on (queued bytes
 *   keep their release time; order is kept).
 * - blackhole (link or member): emulates a partition where packets are
 *   silently dropped. Existing connections STALL: nothing is delivered either
 *   way; bytes read meanwhile stay queued (as TCP would retransmit them) up to
 *   the backpressure limit. New connections are accepted (the local kernel
 *   does that) but HANG: no upstream connection is made until heal. Nothing
 *   is refused or reset, because a refused connection would tell etcd the
 *   peer is down at once, which a real partition does not; etcd sees its
 *   streams and probes time out, exactly as across a partitioned WAN. On heal
 *   the queued bytes are delivered and hung connections are connected
 *   (connections an endpoint gave up on meanwhile get its queued FIN).
 * - wan_partition_member(): blackholes every peer link into and out of the
 *   member (and its "p:?:" link), and optionally its client links.
 *
 * Thread safety: every function may be called from any thread while the
 * loop runs (one mutex; the loop releases it while waiting).
 *
 * Known limits
 * - Arrival times are the kernel's receive timestamps (SO_TIMESTAMPNS), so
 *   the loop's wake-up latency is not added to the delay; the release still
 *   depends on the loop thread getting a CPU at the deadline: on a loaded
 *   machine the p99 error grows (`make bench-wan` prints it, and the
 *   emulator's own timer lateness is in wan_counters()).
 * - A reset (read/write error) is passed on at once, not after the delay.
 * - The bandwidth cap is per link direction, shared by the link's
 *   connections; it models serialisation only (no TCP window dynamics).
 * - A peer request head split over several reads is stamped with the
 *   arrival of its first part.
 * - Each connection uses two descriptors; accept() failing for lack of them
 *   (EMFILE) is retried on every loop turn: keep `ulimit -n` well above
 *   2 x connections (+ the etcd clients' own).
 */
#ifndef GEOKV_WAN_H
#define GEOKV_WAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "sim/wan/topology.h"
#include "sim/wan/wan_queue.h"

#define WAN_QUEUE_MAX (4u << 20)   /* bytes per direction before backpressure */
#define WAN_MAX_MEMBERS TOPO_MAX_MEMBERS

typedef struct wan wan;

typedef struct wan_config {
    uint64_t seed;              /* jitter PRNG seed (0: fixed default) */
    double rtt_scale;           /* multiplies every RTT given later; 0 -> 1 */
    wan_jitter jitter;          /* default jitter for every link */
    double bandwidth_mbps;      /* default cap per link direction, Mbit/s; 0: none */
    bool no_handshake_rtt;      /* do not charge the connection set-up RTT */
    double spin_us;             /* the loop polls instead of sleeping this long before each
                                   release: 0 automatic (follows the measured timer wake-up
                                   latency), > 0 fixed microseconds, < 0 never (sleep on the
                                   timer to the deadline); see sim/wan/wan_spin.h */
    const char *listen_addr;    /* IPv4 address the client links listen on (kept: must outlive
                                   the emulator); NULL or "": 127.0.0.1.
                                   Peer listeners stay on loopback (the members are local). */
} wan_config;

typedef enum wan_link_kind { WAN_LINK_CLIENT = 0, WAN_LINK_PEER, WAN_LINK_PEER_DEFAULT } wan_link_kind;

/* An empty emulator (no links yet, loop not running). */
int wan_new(const wan_config *cfg, wan **out, char *err, size_t errlen);
/* Stop the loop, close every connection and listener, free. NULL-safe. */
void wan_free(wan *w);

/* Region names for the counters (index -> id); optional. */
int wan_set_regions(wan *w, int n, const char *const *ids);

/* A client-style link: listen on 127.0.0.1:<ephemeral> (listen_addr), forward to
 * 127.0.0.1:target_port at rtt_ms (before rtt_scale). src/dst regions are
 * indices for egress accounting (-1: unknown). Returns the link id >= 0, or -1. */
int wan_add_link(wan *w, const char *name, int target_port, double rtt_ms,
                 int src_region, int dst_region, char *err, size_t errlen);

/* A peer listener in front of member `member` (0..WAN_MAX_MEMBERS-1) whose
 * peer port is target_port, in region `region`; member_name names its links.
 * Pair delays come from wan_set_peer_rtt (default 0). Returns 0 or -1. */
int wan_add_peer_member(wan *w, int member, const char *member_name, int target_port, int region,
                        char *err, size_t errlen);
/* RTT between two members (both directions, both links "p:a:b" and "p:b:a");
 * updates the "p:?:" defaults (max). */
int wan_set_peer_rtt(wan *w, int a, int b, double rtt_ms);
/* Learn a member's raft id (hex in X-Server-From) after the cluster started.
 * Connections from that member that arrived before (and so sit on the
 * "p:?:" link with the default delay) are reset; etcd redials them at once
 * and the new ones get the pair's delay. */
int wan_set_member_id(wan *w, int member, uint64_t id);

/* Build the whole emulator for a topology: client links for every (region,
 * member), "c:direct:<member>", peer listeners and pair RTTs, with
 * cfg->rtt_scale applied (the topology's own rtt_scale is applied too).
 * client_ports / peer_ports: where each topology member listens. */
int wan_new_from_topology(const topology *t, const int *client_ports, const int *peer_ports,
                          const wan_config *cfg, wan **out, char *err, size_t errlen);

/* Start the event loop thread. */
int wan_start(wan *w, char *err, size_t errlen);

/* Lookups. -1 when unknown. */
int wan_link_find(wan *w, const char *name);
int wan_link_port(wan *w, int link);                   /* listening port */
int wan_client_link(wan *w, int region, int member);   /* link id of c:<region>:<member> */
int wan_direct_link(wan *w, int member);
int wan_peer_port(wan *w, int member);
int wan_member_find(wan *w, const char *name_or_index);   /* member name or decimal index */                 /* the port to advertise as peer URL */
int wan_n_links(wan *w);
const char *wan_link_name(wan *w, int link);           /* stable while w lives */

/* Faults. All return 0, or -1 on a bad link/member. */
int wan_set_link_rtt(wan *w, int link, double rtt_ms);         /* rtt_scale applies */
int wan_set_link_jitter(wan *w, int link, const wan_jitter *j);
int wan_set_link_bandwidth(wan *w, int link, double mbps);
int wan_set_link_blackhole(wan *w, int link, bool on);
int wan_partition_member(wan *w, int member, bool on, bool include_clients);
void wan_heal_all(wan *w);                                     /* every blackhole off */
/* Loses the next `count` answers on a link: the first bytes the target sends
 * back on a connection of the link after this call, and everything after
 * them on that connection, are dropped; the connection stays open, so the
 * client sees a request that was delivered (and applied) but never answered,
 * until its own timeout. Any connection of the link counts (a watch stream's
 * too): tests give the link only the requests under test. */
int wan_drop_next_response(wan *w, int link, int count);

/* Counters: per link (bytes each way, connections current/total, delay,
 * blackhole state) plus egress bytes per (from region, to region) pair and
 * the loop thread's CPU time. New reference. */
json_t *wan_counters(wan *w);
/* Same as a malloc'd compact JSON string. */
char *wan_counters_json(wan *w);
/* Sum of bytes that crossed a region boundary (both ways, all links). */
uint64_t wan_egress_bytes(wan *w);
/* CPU time used by the loop thread so far, in seconds. */
double wan_loop_cpu_s(wan *w);

/* The emulator's own timing error: how long after its release time each
 * chunk was written to the kernel, in microseconds (10 us buckets, reported
 * at the bucket's upper edge), since the last reset. Also in wan_counters()
 * as "timer_lateness_us". */
void wan_timer_lateness(wan *w, double *p50_us, double *p99_us, double *max_us);
void wan_timer_lateness_reset(wan *w);

/* Links and ports as JSON (name, kind, port, target, rtt_ms): what
 * geokv-wan prints at start. New reference. */
json_t *wan_links_json(wan *w);

#endif
