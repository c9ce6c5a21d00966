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

/* Setup time: the patent's FIG. 7 quantity and the per-agent spread. */
#define CB_COUNTERS_TIMING(X)                                                                                  \
    X(setup_s, F64, "s", COMPLETED, SUMMARY,                                                                 \
      "first agent start to last agent complete (the patent's FIG. 7 quantity)")                            \
    X(agent_p50_s, F64, "s", COMPLETED, SUMMARY, "median per-agent completion time since that agent's start") \
    X(agent_p90_s, F64, "s", COMPLETED, SUMMARY, "90th percentile of the per-agent completion times")         \
    X(agent_max_s, F64, "s", COMPLETED, SUMMARY, "slowest per-agent completion time")

/* The peer lock. */
#define CB_COUNTERS_LOCK(X)                                                                                    \
    X(lock_wait_sum_s, F64, "s", ALWAYS, SUMMARY,                                                            \
      "time between asking for and holding the peer lock, summed over lock acquisitions")                   \
    X(lock_wait_max_s, F64, "s", ALWAYS, SUMMARY, "longest wait for the peer lock")                           \
    X(lock_acquisitions, U64, "acquisitions", ALWAYS, DETAIL, "peer lock acquisitions (agents and controller)")

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

#define CB_COUNTERS(X) CB_COUNTERS_TIMING(X) CB_COUNTERS_LOCK(X) CB_COUNTERS_BREAKDOWN(X) CB_COUNTERS_FAULT(X)

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
