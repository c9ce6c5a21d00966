/* cb_cost.h: the CPU the original's VMs spent besides etcd round trips.
 *
 * The original logs at trace level through one process-wide logrus logger
 * (one mutex: format + write serialise) and decodes JSON per
 * source/destination pair; on a 1-vCPU t2.micro all of its goroutines share
 * one CPU anyway. Each simulated process (the controller, each agent) has a
 * cb_vm: a virtual-time FIFO server. Spending c seconds of work queues it
 * behind the work already accepted (start = max(now, busy_until), finish =
 * start + c / speed) and sleeps until finish with an absolute deadline: it
 * models another machine's CPU, so it never burns this machine's cores that
 * etcd needs. The run's stop wakes the sleep.
 *
 * Line counts (per event) are pure functions of the original's code so that
 * tests pin them; where in the engine each part is spent is in
 * cb_controller.c, cb_mode_after.c and cb_agent.c, behind one `if (x->cost)`.
 *
 * Wiring: cb_cost_attach(x) reads x->cfg->profile and must be called after
 * the run context is filled (cfg, ops, scaled delays) and before the agents
 * (cb_agent_init) and the controller (cb_controller_new) are created: they
 * set up their own cb_vm from x->cost. */
#ifndef GEOKV_CB_COST_H
#define GEOKV_CB_COST_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim/cb/cb_profile.h"

/* ---- line counts of the original (code@1ddd38e control group, code@34cebd4 experimental) ---- */

/* Controller peer event (watchPeer -> updateNetworkingRule): n peers at
 * processing time, a new rule entries: 5n^2 + 9n + 22 + a (n >= 2); 18 for
 * n < 2 (no rules built). */
double cb_cost_lines_peer_event(int n, int appends);
/* The part of it under the distributed lock: 5n^2 + 9n + 12 + a (n >= 2), 8 for n < 2. */
double cb_cost_lines_peer_event_locked(int n, int appends);
/* Per source i of a peer event (goroutine + its 2 caller lines): 5n + 9 + a_i. */
double cb_cost_lines_peer_source(int n, int appends);
/* Controller host-information event: 39 lines, 26 of them under the lock. */
double cb_cost_lines_host_event(void);
double cb_cost_lines_host_event_locked(void);
/* After-mode agent, start-up under the init lock with k peers read: 5 + 6k. */
double cb_cost_lines_init_lock(int k);
/* After-mode agent, one peer event; m = peers in its cache:
 * own configuring 6m + 46 (6m + 35 when m = 0: no rule update), own
 * tunneling 6m + 24, other peer 13 (own state not tunneling) or 28 + a. */
enum { CB_COST_EV_OWN_CONFIGURING, CB_COST_EV_OWN_TUNNELING, CB_COST_EV_OTHER, CB_COST_EV_OTHER_TUNNELING };
double cb_cost_lines_agent_event(int kind, int m, int appends);
/* Before mode, one run (model of the design: the configuring event of the
 * k-th peer handled at n = k, the N tunneling events at n = N, N(N-1) entries
 * appended): about 8.8k lines at N = 10, 876k at N = 50. */
double cb_cost_lines_run_before(int N);

/* ---- the virtual-time server ---- */

/* Pure: work of cost_s (at speed 1) offered at now to a server busy until
 * *busy_until, running at speed. Returns when it finishes and advances
 * *busy_until; cost_s <= 0 costs nothing (returns now, leaves busy_until). */
double cb_vm_slot(double now, double *busy_until, double cost_s, double speed);

typedef struct cb_vm {
    pthread_mutex_t mu;
    bool ready;
    char cls[CB_PROFILE_STR];
    double speed;
    double line_s;                  /* one log line, seconds at speed 1 (file hook included) */
    double busy_until;              /* util_now_s() time */
    double spent_s;                 /* CPU seconds spent (at this VM's speed) */
    double lines;                   /* log lines charged */
} cb_vm;

/* Costs in seconds at speed 1, from the profile. */
typedef struct cb_cost {
    const cb_profile *prof;
    double line_s, peer_decode_s, rule_entry_s, iface_s;
} cb_cost;

/* Sets up vm for class cls (NULL: speed 1), speed multiplied by speed_factor,
 * file_factor multiplying its per-line cost. */
void cb_vm_init(cb_vm *vm, const cb_cost *k, const cb_vm_class *cls, double speed_factor, double file_factor);
void cb_vm_destroy(cb_vm *vm);

typedef struct cb_ctx cb_ctx;

/* From x->cfg->profile: x->profile (NULL -> ideal), x->cost (NULL when the
 * cost model is off), the deviation switches. 0, or -1 (no memory). Freed by
 * cb_cost_detach. Call before creating agents and controller. */
int cb_cost_attach(cb_ctx *x);
void cb_cost_detach(cb_ctx *x);

/* Spends `lines` log lines, `codecs` small JSON codecs (a Peer, the spec)
 * and `entries` rule entries encoded or decoded on vm now: queues and
 * sleeps (the run's stop wakes it). No-op when the cost model is off or vm
 * is not set up. 0, or -1 when the run is stopping. */
int cb_cost_spend(cb_ctx *x, cb_vm *vm, double lines, double codecs, double entries);
/* The same, accumulated in *pending_s and spent in chunks of >= 1 ms, so
 * the workers of one event interleave on the server like goroutines on one
 * mutex without a sleep per pair; cb_cost_flush spends what is left (call it
 * before the next etcd request). */
int cb_cost_charge(cb_ctx *x, cb_vm *vm, double *pending_s, double lines, double codecs, double entries);
int cb_cost_flush(cb_ctx *x, cb_vm *vm, double *pending_s);
/* The agent's interface set-up (fork/exec of /sbin/ip). */
int cb_cost_iface(cb_ctx *x, cb_vm *vm);

#endif
