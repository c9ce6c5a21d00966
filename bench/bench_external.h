/* bench_external.h: runs against an existing etcd cluster (geokv-bench run
 * --endpoints URL@REGION,...), instead of a fresh local cluster per run.
 *
 * No local members and no WAN emulator: agents and the controller talk to
 * the given endpoints over the real network, with the same endpoint policy
 * as on a local cluster (--policy; nearest orders the endpoints by the
 * topology's RTT from the agent's region to each member's region, an
 * estimate, not a measurement). Over https:// the clients verify the
 * cluster with --cacert and present --cert/--key; with --user every client
 * authenticates (the password from GEOKV_ETCD_PASSWORD or --password-file,
 * never argv). Both need the curl transport (sim/etcd/etcd_client.h).
 *
 * A shared cluster is left as found: every key of the runs lives under one
 * prefix (cb_keys_set_prefix; /geokv/<run-id> unless --key-prefix), which
 * must be empty when the sweep starts (else it is refused), and which is
 * deleted (one range delete) after every run and at the end. A resumed sweep
 * deletes what an interrupted run left under its own prefix (config.json
 * names it) instead of refusing.
 *
 * Store I/O: each member's /metrics, read from its client URL with the same
 * certificates; a member whose /metrics cannot be read has its counters
 * marked unavailable in the record, with the reason (members[].unavailable).
 */
#ifndef GEOKV_BENCH_EXTERNAL_H
#define GEOKV_BENCH_EXTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "bench/bench_metrics.h"
#include "bench/bench_opts.h"
#include "sim/cb/cb_run.h"
#include "sim/etcd/etcd_client.h"
#include "sim/wan/topology.h"

#define BENCH_PASSWORD_ENV "GEOKV_ETCD_PASSWORD"

typedef struct bench_external bench_external;

/* Reads the password, checks every endpoint's region against topo (its RTTs
 * already scaled), sets the key prefix (o->key_prefix, else /geokv/<run_id>),
 * authenticates once, and checks the prefix empty (resume: empties it).
 * 0, or -1 with one line in err (a wrong password or a non-empty prefix
 * included). */
int bench_external_open(const bench_opts *o, const topology *topo, const char *run_id, bool resume,
                        bench_external **out, char *err, size_t err_len);

/* A worker's view of the cluster a spread sweep's owner opened
 * (bench_dist.h): reads the password on this host (GEOKV_ETCD_PASSWORD or
 * --password-file), checks the endpoints' regions and that the TLS files are
 * readable, and sets the key prefix when prefix is not NULL (else
 * bench_external_set_prefix before the first run). Nothing is sent to the
 * cluster: no emptiness check, no clearing, no versions (the owner's). 0, or
 * -1 with one line in err. */
int bench_external_open_worker(const bench_opts *o, const topology *topo, const char *prefix,
                               bench_external **out, char *err, size_t err_len);

/* Sets the key prefix of the runs (this process's cb_keys_set_prefix too):
 * "/a/b", no trailing '/'. 0, or -1 (err). */
int bench_external_set_prefix(bench_external *x, const char *prefix, char *err, size_t err_len);

/* Where a process in topology region `region` reaches etcd. */
void bench_external_place(const bench_external *x, int region, cb_place *out);

/* The TLS and user of every client of a run. */
const etcd_security *bench_external_security(const bench_external *x);

/* A new admin client (round robin over the endpoints, authenticated). */
int bench_external_admin_client(bench_external *x, etcd_client **out, char *err, size_t err_len);

/* Members (= endpoints), their names (host:port) and each one's /metrics. */
int bench_external_members(const bench_external *x);
const char *bench_external_member_name(const bench_external *x, int i);
void bench_external_scrape(bench_external *x, int i, int timeout_ms, bench_counters *out);

/* Deletes every key under the prefix. 0, or -1 (err). */
int bench_external_clear(bench_external *x, char *err, size_t err_len);

/* The key prefix of the runs (no trailing '/'). */
const char *bench_external_prefix(const bench_external *x);

/* config.json's "cluster" for an existing cluster: endpoints with their
 * regions and etcd versions, TLS, client certificate, user (never a password), where the
 * password came from, the key prefix. */
json_t *bench_external_json(const bench_external *x);

void bench_external_free(bench_external *x);

#endif
