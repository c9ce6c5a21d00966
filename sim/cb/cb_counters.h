/* cb_counters.h: the plain counters one cb_run measures, one X line each.
 *
 * Each line generates a field of cb_run_result (cb_run.h) and, in the bench
 * driver, the key of that name in a run's record (runs.jsonl), its
 * summary.csv column when marked SUMMARY, and its row of results/SCHEMA.md
 * (bench/bench_record.c; `geokv-bench schema` prints the tables). Adding a
 * counter: one X line in the group it belongs to, plus filling it where it
 * is measured (cb_run copies the run context's tallies into the result).
 *
 *   X(name, type, unit, valid, summary, description)
 *   type     F64 (double), U64 (uint64_t), INT (int), TEXT64 (char[64])
 *   valid    when the value means something: ALWAYS, COMPLETED (only when
 *            the run completed; null in the record otherwise), NONNEG (a
 *            negative value means "none": null in the record)
 *   summary  SUMMARY: also a summary.csv column; DETAIL: runs.jsonl only
 *
 * A group is where its counters sit in the record (bench/bench_record.c).
 * What is not a plain per-run counter stays out of these lists, in
 * cb_run_result by hand: the verdict (completed, checker_ok, checker_msg,
 * error), the per-agent completion times (agent_complete_s, an array) and
 * the clients' request statistics (stats, an etcd_stats of its own whose
 * sums the record derives: ops_*, http_*_bytes, watch_events).
 */
#ifndef GEOKV_CB_COUNTERS_H
#define GEOKV_CB_COUNTERS_H

#include <stdint.h>

/* Setup time: the patent's FIG. 7 quantity, its three end criteria and the
 * per-agent spread. */
#define CB_COUNTERS_TIMING(X)                                                                                  \
    X(setup_s, F64, "s", COMPLETED, SUMMARY,                                                                 \
      "the patent's FIG. 7 quantity: first agent start to the end of setup by the run's end criterion "    \
      "(config.json end_criterion, `--end`: rule = setup_rule_s by default, ips = setup_ips_s, "             \
      "tunneling = setup_tunneling_s); runs without end_criterion measured ips")                           \
    X(setup_rule_s, F64, "s", COMPLETED, SUMMARY,                                                            \
      "first agent start to the last write that changed any agent's rule (before: the controller's, "      \
      "after: the agent's own CAS), seen once the run is quiescent: the original's end of setup "            \
      "(its last TransactionRequest log line); setup_ips_s when no rule was ever written (N = 1)")          \
    X(setup_ips_s, F64, "s", COMPLETED, SUMMARY,                                                             \
      "first agent start to the moment every agent knew every peer's IP (its rule listed them all)")         \
    X(setup_tunneling_s, F64, "s", COMPLETED, SUMMARY,                                                       \
      "first agent start to the moment every agent had put itself tunneling")                              \
    X(setup_txn_s, F64, "s", COMPLETED, SUMMARY,                                                             \
      "first agent start to the last rule CAS transaction anyone sent, whether or not it changed the "      \
      "rule (the original logs \"TransactionRequest size\" before every one; in before mode the "           \
      "controller's peer events handled after the last change count here); setup_rule_s when none was sent") \
    X(agent_p50_s, F64, "s", COMPLETED, SUMMARY, "median per-agent completion time since that agent's start") \
    X(agent_p90_s, F64, "s", COMPLETED, SUMMARY, "90th percentile of the per-agent completion times")         \
    X(agent_max_s, F64, "s", COMPLETED, SUMMARY, "slowest per-agent completion time")                     \
    X(quiescent_s, F64, "s", COMPLETED, DETAIL,                                                              \
      "first agent start to the run's quiescence (every agent tunneling, nobody with work queued: "          \
      "where the run stops waiting; quiescent_s - setup_s is the drain after setup, e.g. before mode's "      \
      "controller backlog)")

/* Store I/O counted the original's way: the sizes it logged (a Get
 * response's protobuf header + key-values, a Put or Txn's value length),
 * summed over controller and agents; not counted: claims, lock and session
 * requests, watches and their deliveries. */
#define CB_COUNTERS_IO(X)                                                                                      \
    X(app_bytes, U64, "B", COMPLETED, SUMMARY,                                                               \
      "the sizes the original logged, up to the end of setup by the run's criterion (setup_s's moment; "     \
      "FIG. 8 as the original summed it)")                                                                  \
    X(app_bytes_rule, U64, "B", COMPLETED, SUMMARY,                                                          \
      "the same sizes, up to the last rule change (setup_rule_s's moment); app_bytes_first_end when no "     \
      "rule was ever written")                                                                              \
    X(app_bytes_first_end, U64, "B", COMPLETED, SUMMARY,                                                     \
      "the same sizes, up to the moment every agent knew every peer's IP (setup_ips_s's moment)")           \
    X(app_bytes_quiescent, U64, "B", ALWAYS, SUMMARY, "the same sizes, up to the run's end (quiescence)")

/* The VMs' CPU (the profile's cost model; 0 with it off, e.g. the ideal profile). */
#define CB_COUNTERS_COST(X)                                                                                    \
    X(ctl_cost_lines, U64, "lines", ALWAYS, SUMMARY,                                                         \
      "log lines the controller process wrote (summed over replicas)")                                      \
    X(ctl_cpu_s, F64, "s", ALWAYS, SUMMARY,                                                                  \
      "CPU time the controller's VM spent on log lines and JSON (summed over replicas)")                    \
    X(agent_cpu_mean_s, F64, "s", ALWAYS, SUMMARY, "mean over the agents: CPU time its VM spent")            \
    X(agent_cpu_max_s, F64, "s", ALWAYS, SUMMARY, "largest CPU time of one agent's VM")

/* The peer lock. */
#define CB_COUNTERS_LOCK(X)                                                                                    \
    X(lock_wait_sum_s, F64, "s", ALWAYS, SUMMARY,                                                            \
      "time between asking for and holding the peer lock, summed over lock acquisitions")                   \
    X(lock_wait_max_s, F64, "s", ALWAYS, SUMMARY, "longest wait for the peer lock")                           \
    X(lock_acquisitions, U64, "acquisitions", ALWAYS, DETAIL, "peer lock acquisitions (agents and controller)") \
    X(claim_readbacks, INT, "requests", ALWAYS, DETAIL,                                                      \
      "the controller's claim txns whose answer was lost, reconciled by reading the claim key back")

/* Where an agent's time goes, mean over the agents that completed. */
#define CB_COUNTERS_BREAKDOWN(X)                                                                               \
    X(t_lock_s, F64, "s", ALWAYS, SUMMARY, "mean per agent: waiting for the peer lock")                       \
    X(t_fixed_s, F64, "s", ALWAYS, SUMMARY,                                                                  \
      "mean per agent: fixed delays (sleeps, interface configuration, public-IP lookup)")                    \
    X(t_other_s, F64, "s", ALWAYS, SUMMARY, "mean per agent: the rest (network and etcd)")

/* Faults (cb_run_ctl hooks, sim/fault): in the record of faulted sweeps only. */
#define CB_COUNTERS_FAULT(X)                                                                                   \
    X(redeploys, INT, "agents", ALWAYS, DETAIL, "agents killed and started again (cb_run_redeploy)")          \
    X(redeploy_agent, INT, "", ALWAYS, DETAIL, "index of the last agent redeployed, -1: none")               \
    X(redeploy_region, TEXT64, "", ALWAYS, DETAIL, "the region it was started again in")                    \
    X(redeploy_s, F64, "s", NONNEG, DETAIL, "its redeploy to complete again; null if it never was")         \
    X(freezes, INT, "", ALWAYS, DETAIL, "lock holders frozen past their session TTL")                        \
    X(freeze_lock_passed, INT, "", ALWAYS, DETAIL, "of which the lock was taken by another while frozen")    \
    X(watch_resumes, INT, "", ALWAYS, DETAIL, "watch streams re-established after they ended")               \
    X(watch_relists, INT, "", ALWAYS, DETAIL, "of which after a compaction: re-listed by a range first")    \
    X(lock_retries, INT, "", ALWAYS, DETAIL,                                                                 \
      "lock waits ended by a fault (member gone, compaction) and retried")                                  \
    X(sessions_renewed, INT, "", ALWAYS, DETAIL,                                                             \
      "sessions lost to a fault (keepalives cut off a TTL) and opened again")

#define CB_COUNTERS(X)                                                                                       \
    CB_COUNTERS_TIMING(X) CB_COUNTERS_IO(X) CB_COUNTERS_LOCK(X) CB_COUNTERS_BREAKDOWN(X) CB_COUNTERS_COST(X) \
    CB_COUNTERS_FAULT(X)

/* C declarations of the types; a struct field: CB_COUNTERS(CB_COUNTER_FIELD). */
#define CB_COUNTER_CTYPE_F64 double
#define CB_COUNTER_CTYPE_U64 uint64_t
#define CB_COUNTER_CTYPE_INT int
#define CB_COUNTER_CTYPE_TEXT64 char
#define CB_COUNTER_CDIM_F64
#define CB_COUNTER_CDIM_U64
#define CB_COUNTER_CDIM_INT
#define CB_COUNTER_CDIM_TEXT64 [64]
#define CB_COUNTER_FIELD(name, type, unit, valid, summary, description) \
    CB_COUNTER_CTYPE_##type name CB_COUNTER_CDIM_##type;

#endif
