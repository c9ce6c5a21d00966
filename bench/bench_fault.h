/* bench_fault.h: `geokv-bench run --fault SPEC` (grammar: sim/fault/fault.h).
 *
 * Per run, on its fresh cluster: first a FAULTLESS BASELINE of the same
 * (mode, N, seed) (its keys then deleted with cb_reset, before the metrics
 * snapshot, so nothing of it is counted), then the measured run with the
 * fault scheduler started when the agents start. The run record gets the
 * spec, the baseline's setup time, the inflation (faulted - baseline, in s
 * and %), what every action did and when, and the cb_run fault counters
 * (redeploy_s, freezes, watch resumes and re-lists). The baseline runs on the
 * same cluster right before the faulted run, so both see the same machine
 * load; the cost is one more run per record.
 *
 * Actions: kill -> SIGKILL the member (etcd_rig_kill), restart ->
 * etcd_rig_restart (its new pid is added to pids.json); partition/heal ->
 * the member's peer links blackholed in the WAN emulator (clients still
 * reach it: it answers without a leader); spike/clear -> the client link
 * REGION -> MEMBER gets +D ms of RTT (not scaled by --rtt-scale), then its
 * topology RTT back; redeploy -> cb_run_redeploy into REGION's links;
 * freeze-holder -> cb_run_freeze_holder; compact -> compaction at the
 * current revision through the admin client.
 */
#ifndef GEOKV_BENCH_FAULT_H
#define GEOKV_BENCH_FAULT_H

#include <stdio.h>

#include <jansson.h>

#include "bench/bench_cluster.h"
#include "sim/cb/cb_run.h"
#include "sim/wan/topology.h"

typedef struct bench_fault bench_fault;

/* Parses and checks the spec against the topology (member and region names)
 * and the sweep's smallest N (agent indices); every action must come before
 * timeout_s (the run's --timeout), else it would never fire. err: one line
 * naming the field. */
int bench_fault_prepare(const char *spec, const topology *t, int min_n, bool no_wan, double timeout_s, bench_fault **out,
                        char *err, size_t err_len);

/* Before the run's metrics snapshot: the baseline run, cb_reset, then arms
 * cfg (ctl, session TTL). run_dir/pids: where the restarted members' pids
 * go (pids.json, may be NULL). */
int bench_fault_begin(bench_fault *f, bench_cluster *c, etcd_client *admin, cb_run_config *cfg,
                      const char *run_dir, json_t *pids, const char *run_name, char *err, size_t err_len);

/* Right after cb_run, before the cluster stops: cancels actions not run yet
 * (the run ended early) and waits for a running one. */
void bench_fault_stop(bench_fault *f);

/* After the record is built (the cluster may be gone): adds the fault
 * fields to the run record, prints one line per run on stderr. Returns the
 * number of actions that failed or never ran. */
int bench_fault_end(bench_fault *f, const cb_run_result *r, json_t *rec);

/* A table of setup-time inflation per (mode, N) from the records. */
void bench_fault_print_summary(const bench_fault *f, json_t *records, FILE *out);

void bench_fault_free(bench_fault *f);

/* The --fault part of --help. */
void bench_fault_usage(FILE *f);

#endif
