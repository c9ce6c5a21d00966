/* cb_schedule.h: agent start offsets of a run (pure, seeded). */
#ifndef GEOKV_CB_SCHEDULE_H
#define GEOKV_CB_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/cb/cb_run.h"

/* offsets[i] = seconds after the run's start at which agent i starts:
 * CB_START_ALL: 0 for all; CB_START_GAP: i * gap; CB_START_RANDOM: uniform in
 * [0, window) from the seed (same seed, same offsets). 0, or -1 on a bad
 * argument (negative gap or window, unknown kind). CB_START_DEPLOY needs the
 * agents' RTTs and the deploy parameters: cb_schedule_deploy; here it is -1. */
int cb_schedule_offsets(cb_start kind, double gap_s, double window_s, uint64_t seed, int n,
                        double *offsets);

/* How the original's agents were installed: one command on every VM at once
 * through the multi-cloud manager (SSH from the deploy host), a script fetched,
 * `sleep 5`, the agent binary downloaded from one host whose uplink all VMs
 * share, `systemctl start`. */
typedef struct cb_deploy_params {
    double k_ssh;              /* SSH connect + auth + exec, in round trips to the deploy host */
    double script_s;           /* fetch of the deploy script */
    double sleep_s;            /* the script's `sleep 5` */
    double binary_bytes;       /* S: the agent binary */
    double uplink_Bps;         /* B: the deploy host's uplink, shared by every download */
    double window_bytes;       /* W: TCP window; a flow gets at most W / rtt */
    double init_cwnd_bytes;    /* slow start: rtt * log2(min(W, S) / init_cwnd) extra */
    double post_s;             /* mkdir, configs, systemctl start */
    double jitter_s;           /* uniform [0, jitter_s) per agent, seeded */
    double last_mile_ms;       /* added to every RTT (deploy host behind a home router) */
    bool equal_weights;        /* uplink shared equally; default: by 1/rtt (TCP RTT unfairness) */
} cb_deploy_params;

/* CB_START_DEPLOY: offsets[i] from rtt_ms[i], the RTT from the deploy host's
 * region to agent i's region (without last_mile_ms). Per agent
 *   start_i = k_ssh * rtt_i + script_s + sleep_s + dl_i + post_s + jitter_i,
 * dl_i = its download as a fluid flow: the uplink B is shared among the
 * flows active at each moment (weights 1/rtt or equal, water-filling with the
 * per-flow cap W / rtt), plus its slow start. offsets = start - min start
 * (>= 0, the first is 0). Same seed, same offsets. 0, or -1 on a bad argument
 * (n < 0, a negative or non-finite parameter, B or S not > 0, no memory). */
int cb_schedule_deploy(const cb_deploy_params *p, const double *rtt_ms, int n, uint64_t seed,
                       double *offsets);

/* p for a run whose fixed delays are scaled by f (delay_scale; <= 0: 1): the
 * parts that are only time (script fetch, the sleep, post, jitter) times f,
 * the uplink divided by f so the shared download takes f times as long; the
 * parts bound to round trips (SSH, the window cap, slow start, last mile)
 * follow the RTTs the caller passes (the run's WAN, already --rtt-scaled). */
void cb_deploy_scaled(const cb_deploy_params *p, double f, cb_deploy_params *out);

/* cb_deploy_scaled(p, delay_f), and last_mile_ms times time_f (<= 0: 1):
 * for a run compressed as a whole (cb_run_config.time_scale), where the
 * caller's RTTs are scaled by time_f as well, so that every offset is
 * exactly time_f times the full-time one. */
void cb_deploy_time_scaled(const cb_deploy_params *p, double delay_f, double time_f, cb_deploy_params *out);

/* The download part alone (seconds from each flow's start to its end, slow
 * start included), for flows starting at start_s[i]: exposed for tests. */
int cb_schedule_fluid(const cb_deploy_params *p, const double *rtt_s, const double *start_s, int n,
                      double *dl_s);

#endif
