/* cb_run.h: run the simulated cb-network (one controller, N agents) once
 * against an etcd cluster, then check the final keyspace.
 *
 * This is the whole interface the bench driver uses: it builds a
 * cb_run_config (where every agent lives, which endpoints it reaches etcd
 * through, the mode, delays, start schedule), calls cb_run(), and records the
 * cb_run_result. Nothing outside sim/cb_*.c branches on the mode: modes are a
 * table of operations (cb_mode_ops) looked up by name in the registry
 * (sim/cb/cb_modes.c).
 *
 * Engine (sim/cb/cb_agent.c, cb_controller.c, cb_ctx.c, cb_run.c): every agent is one
 * thread (256 KiB stack) with its own etcd_client (its place's endpoints,
 * cfg.policy; the client adds one shared background thread for watches and
 * keepalives), handling its watch events one at a time, in order. The
 * controller has one thread per watch; its per-event rule updates run on one
 * short-lived thread per peer, up to 128 (the original's goroutines). Requests of the
 * run's own admin client (reset unless skip_reset, one count of the spec key,
 * the checker's two ranges) are not in result->stats.
 *
 * break_lock: the controller skips the peer lock. With one controller the
 * host events are still handled one at a time, so nothing can race: the
 * test runs controller_replicas = 3 (all watch; the claim picks one per
 * event), all agents at once, and a pause of break_lock_delay_s between
 * the peer count and the peer put. Two replicas then count the same peers
 * and assign the same IP, which the checker reports as "duplicate IP".
 */
#ifndef GEOKV_CB_RUN_H
#define GEOKV_CB_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/cb/cb_counters.h"
#include "sim/etcd/etcd_client.h"

#define CB_KEY_ROOT "/registry/cloud-adaptive-network"
#define CB_DEFAULT_CLADNET "cladnet-geokv1"

/* Fixed delays of the original (cb-network.md). All in seconds; the run
 * multiplies them by delay_scale. */
typedef struct cb_delays {
    double watch_sleep_s;     /* 200 ms sleep after each watch set-up */
    double iface_config_s;    /* ~2 s tunnel interface configuration (two 1 s sleeps) */
    double public_ip_s;       /* public-IP lookup over HTTP (an outside call) */
} cb_delays;

void cb_delays_default(cb_delays *d);   /* the original's values */

/* Ablation switches. -1 = the mode's own default. */
typedef struct cb_ablation {
    int spec_cache;           /* cache the CLADNet spec after its first read */
    int init_lock;            /* take the peer lock around cache initialisation */
    int break_lock;           /* debug: skip the controller's peer lock (the checker must catch duplicate IPs) */
} cb_ablation;

/* CB_START_DEPLOY: the original's deploy procedure (cb_schedule_deploy), its
 * parameters from the profile. */
typedef enum cb_start { CB_START_ALL = 0, CB_START_GAP, CB_START_RANDOM, CB_START_DEPLOY } cb_start;

/* When setup ends, for setup_s (every criterion is also measured on its own):
 * CB_END_TXN: the last rule CAS txn anyone sent, whether it changed the rule
 * or not (setup_txn_s). The original logs its "TransactionRequest size"
 * line before every rule CAS (cb-larva controller.go:672 at 1ddd38e,
 * agent.go:709/757 at 34cebd4), so its last such line, the last trace of
 * setup in its logs, is this moment: FIG. 7's end, and the default;
 * CB_END_RULE: the last write that changed any agent's rule (setup_rule_s);
 * CB_END_IPS: every agent knows every peer's IP (setup_ips_s);
 * CB_END_TUNNELING: every peer put itself tunneling (setup_tunneling_s). */
typedef enum cb_end { CB_END_RULE = 0, CB_END_IPS, CB_END_TUNNELING, CB_END_TXN } cb_end;

/* "rule", "ips", "tunneling", "txn" <-> cb_end (sim/cb/cb_end.c). parse: 0, or -1
 * for another name. */
int cb_end_parse(const char *name, cb_end *out);
const char *cb_end_name(cb_end e);

/* Where one process (agent or controller) lives and how it reaches etcd. */
typedef struct cb_place {
    const char *region;               /* topology region id, e.g. "aws-ap-northeast-2" */
    const char *provider;             /* "aws" / "gcp" */
    const char *const *endpoints;     /* client URLs through this region's WAN links, one per member */
    size_t n_endpoints;
    const double *endpoint_rtt_ms;    /* for ETCD_POLICY_NEAREST; may be NULL */
} cb_place;

typedef void (*cb_progress_fn)(int agents_done, int n_agents, void *ud);

typedef struct cb_run_config {
    const char *mode;                 /* a mode of the registry (cb_mode_names()) */
    int n_agents;
    const cb_place *agents;           /* n_agents entries */
    cb_place controller;
    etcd_policy policy;               /* default ETCD_POLICY_ROUND_ROBIN (clientv3 3.5) */
    etcd_transport transport;         /* unary requests; default ETCD_TRANSPORT_NATIVE */
    const etcd_security *security;    /* TLS and user of every client of the run; NULL: none */
    int request_timeout_ms;           /* 0: client default */
    cb_delays delays;
    double delay_scale;               /* 1.0 = full delays */
    double time_scale;                /* the whole run compressed by this factor (geokv-bench
                                         --time-scale, which also sets delay_scale and the RTTs the
                                         caller's WAN gives): the VM cost model's CPU times and the
                                         deploy's last_mile_ms are multiplied by it too, so every
                                         simulated duration scales together; <= 0: 1 (unscaled) */
    cb_ablation ablation;
    cb_start start;
    double start_gap_s;               /* CB_START_GAP: gap between agent starts */
    double start_window_s;            /* CB_START_RANDOM: uniform in [0, window) */
    const double *deploy_rtt_ms;      /* CB_START_DEPLOY: per agent, the RTT from the profile's
                                         deploy_region to the agent's region as the run's WAN has it
                                         (n_agents entries); its parameters come from profile, the
                                         time-only ones scaled by delay_scale (cb_deploy_scaled) */
    cb_end end;                       /* what setup_s measures (default CB_END_RULE) */
    uint64_t seed;                    /* host ids, random start offsets */
    const char *cladnet_id;           /* NULL -> CB_DEFAULT_CLADNET (14 chars: a rule with no entries is the original's ~110 B) */
    const char *ipv4_cidr;            /* NULL -> "192.168.0.0/16" */
    const char *rule_type;            /* NULL -> "basic" */
    double timeout_s;                 /* give up on the run after this (0 -> 600) */
    const char *timeline_path;        /* JSONL timeline output, NULL: none */
    cb_progress_fn progress;          /* called as agents complete; may be NULL */
    void *progress_ud;
    volatile int *stop;               /* when set non-zero (e.g. by SIGINT) the run ends early */
    /* Added by the cb owner (defaults 0 keep the original behaviour): */
    int controller_replicas;          /* 0/1: one controller, events one at a time, as the original;
                                         K > 1: K replicas each watching, the claim decides who
                                         handles an event (needed for break_lock to race) */
    double break_lock_delay_s;        /* break_lock only: pause between the peer count and the peer
                                         put (scaled by delay_scale) so the race shows; 0 -> 0.2 s */
    bool share_region_clients;        /* one etcd_client per distinct agent endpoint list instead of
                                         one per agent (scale runs; accounting is then per region) */
    bool skip_reset;                  /* do not delete the previous run's keys first (cb_reset) */
    /* Faults, injected through ctl (the defaults keep the original behaviour): */
    int session_ttl_s;                /* TTL of the agents' and the controller's sessions (lock
                                         owners); 0 -> 60 as the original */
    struct cb_run_ctl *ctl;           /* fault hooks (cb_run_ctl_new), NULL: none */
    /* Fidelity (sim/cb/cb_profile.h): the VM cost model, the deploy start
     * schedule's parameters and the switches of the smaller deviations from
     * the original. NULL: the built-in "ideal" profile (no VM CPU, every
     * deviation as before); CB_START_DEPLOY needs one. */
    const struct cb_profile *profile;
    /* Called once, from cb_run's thread, when the run reached quiescence and
     * before its agents stop: every time it measures is taken (the caller
     * may start its next work, e.g. the next run's cluster). NULL: none. */
    void (*on_quiescent)(void *ud);
    void *quiescent_ud;
    /* One run spread over several processes (bench/mpi), NULL: this process
     * runs everything, as always (cb_run_dist below). */
    const struct cb_run_dist *dist;
} cb_run_config;

void cb_run_config_default(cb_run_config *cfg);

/* Per-run measurements (see results/SCHEMA.md for their meaning). */
typedef struct cb_run_result {
    bool completed;                   /* every agent complete before timeout/stop */
    int n_agents;
    double *agent_complete_s;         /* per agent, since its own start, -1 if it never completed
                                         (malloc'd, n_agents) */
    etcd_stats stats;                 /* summed over every client of the run */
    bool checker_ok;
    char checker_msg[512];
    char error[256];                  /* why the run failed, empty if it did not */
    /* The plain counters, one field per line of sim/cb/cb_counters.h:
     * setup_s, agent_p50_s, ..., lock_wait_sum_s, ..., t_lock_s, ...,
     * redeploys, ..., sessions_renewed. */
    CB_COUNTERS(CB_COUNTER_FIELD)
} cb_run_result;

/* Deletes every key a previous run left (peers, host information, rules,
 * lock keys, claims) except the spec. cb_run() calls it first unless
 * skip_reset; call it yourself before a metrics snapshot so its requests are
 * not counted in the run. */
etcd_code cb_reset(etcd_client *c, const cb_run_config *cfg, etcd_status *st);

/* Writes the CLADNet spec key (done once per fresh cluster, before runs). */
etcd_code cb_write_spec(etcd_client *c, const cb_run_config *cfg, etcd_status *st);

/* Runs once. Returns ETCD_OK when the run executed (check result->completed
 * and result->checker_ok for its verdict), an error when it could not run. */
etcd_code cb_run(const cb_run_config *cfg, cb_run_result *result, etcd_status *st);
void cb_run_result_free(cb_run_result *r);

/* The final-keyspace checker, callable on its own. ok=false and msg say what is wrong. */
etcd_code cb_check(etcd_client *c, const cb_run_config *cfg, bool *ok, char *msg, size_t msg_len,
                   etcd_status *st);

/* ---- fault hooks (sim/fault/fault.h drives them from its own thread) ----
 * A cb_run_ctl is created by the caller, passed in cfg.ctl, and lives
 * across the run. cb_run attaches its running state to it when the agents
 * start (then calls on_start from the run's thread: start the fault
 * scheduler there so fault times count from the agents' start), keeps the
 * run open while hold(ud) is true (faults still to come) even when every
 * agent is complete, and detaches before it tears anything down; the hooks
 * below are safe to call from any thread and fail cleanly when no run is
 * attached. */
typedef struct cb_run_ctl cb_run_ctl;
typedef void (*cb_run_start_fn)(cb_run_ctl *ctl, void *ud);
typedef bool (*cb_run_hold_fn)(void *ud);
cb_run_ctl *cb_run_ctl_new(cb_run_start_fn on_start, cb_run_hold_fn hold, void *ud);
void cb_run_ctl_free(cb_run_ctl *ctl);   /* NULL-safe; not while its run runs */

/* Kills agent i where it is (its thread stops at its next step, its watches
 * close, its session is abandoned so its lease expires as a crashed VM's
 * would) and starts it again in `place` (copied, its strings must outlive
 * the run) with a new etcd client, same host id. Blocks until the old
 * thread has stopped (at most one etcd request or lock wait). */
int cb_run_redeploy(cb_run_ctl *ctl, int agent, const cb_place *place, char *err, size_t err_len);
/* Arms a freeze: the next process (agent or controller) to hold the peer
 * lock stops its session keepalives (etcd_session_abandon) and stalls
 * stall_s (<= 0: 2.5 x the session TTL) still "holding" it; its lease
 * expires, the lock passes on; then it opens a new session and goes on. */
int cb_run_freeze_holder(cb_run_ctl *ctl, double stall_s, char *err, size_t err_len);

/* ---- one run spread over several processes ----
 * Every process calls cb_run with the same configuration (the endpoints may
 * differ: each its own way to the same members) and its own dist. All
 * n_agents agents exist in every process (same host ids, so the
 * controller's lookups by host id work), but each process runs only those
 * whose local[i] is set. The owner alone resets the keyspace, writes the
 * spec, runs the controller(s), writes the timeline, checks the keyspace and
 * gets the result: it gathers every process's agents (times relative to each
 * process's barrier exit, which is its t0, moved onto the owner's clock by
 * clock_offset), counters, request stats,
 * timeline lines and first error, after the run. The hooks are collectives:
 * every process calls each the same number of times in the same order (the
 * run's end is decided on the sum of everyone's progress, so all leave the
 * wait together). Faults (cfg.ctl) are not supported with dist.
 * What a sum of per-process figures cannot give exactly: app_bytes,
 * app_bytes_rule and app_bytes_first_end (the sizes logged up to a moment)
 * are sums of each process's count at its own last event of that kind
 * (rule change, txn, completion); app_bytes_quiescent is exact. */
typedef struct cb_run_dist {
    bool owner;
    const unsigned char *local;       /* n_agents flags: 1 = this process runs agent i */
    void *ud;
    /* Every process returns from it together (e.g. MPI_Barrier); t0 is taken right after. 0 or -1. */
    int (*barrier)(void *ud);
    /* out[k] = the sum over processes of in[k], k < n, in every process. 0 or -1. */
    int (*sum)(void *ud, const double *in, double *out, int n);
    /* Every process's block (NUL-terminated text) to the owner, in process
     * order: *blocks (malloc'd array of malloc'd strings, n_blocks) on the
     * owner, NULL elsewhere. 0 or -1. */
    int (*gather)(void *ud, const char *block, char ***blocks, int *n_blocks);
    /* Owner, may be NULL (one clock): process k's CLOCK_MONOTONIC minus the
     * owner's, as estimated at the last barrier; puts the others' times on
     * the owner's clock. */
    double (*clock_offset)(void *ud, int process);
} cb_run_dist;

/* ---- the registry of modes (sim/cb/cb_modes.c) ---- */

/* Names of the modes, NULL-terminated, in the registry's order (the display
 * order of results): for --help, validation and the default sweep. */
const char *const *cb_mode_names(void);
/* The mode's one-line description, NULL for a name not in the registry. */
const char *cb_mode_description(const char *name);
/* Every name, in order, separated by sep ("before, after, lockless"). */
void cb_mode_join(char *out, size_t len, const char *sep);

#endif
