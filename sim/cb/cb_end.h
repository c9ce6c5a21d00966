/* cb_end.h: the end of setup, measured three ways, and the run's choice
 * among them (pure: cb_run.c feeds it the run's stamps; unit-tested).
 *
 * The original logged no "setup complete". Its last trace of setup is the
 * last write that changed a rule (the "TransactionRequest size" line of the
 * controller in before mode, of the agent in after mode): that is the end of
 * FIG. 7 (CB_END_RULE). The simulation's own earlier measure, every agent
 * knowing every peer's IP, and every peer tunneling are kept beside it. */
#ifndef GEOKV_CB_END_H
#define GEOKV_CB_END_H

#include <stdint.h>

#include "sim/cb/cb_run.h"

/* What a run stamped (util_now_s() times; 0 = never happened). */
typedef struct cb_end_stamps {
    double first_start;                 /* the first agent's start */
    double all_ips;                     /* the last agent completion (every IP known by all) */
    double all_tunneling;               /* n_tunneling reached N */
    double last_txn;                    /* the last rule CAS txn sent, changed or not */
    const double *rule_changed;         /* per agent: its last rule change, 0: none */
    const uint64_t *bytes_at_change;    /* per agent: app_bytes at that change */
    int n;
    uint64_t bytes_all_ips;             /* app_bytes when every IP was known */
} cb_end_stamps;

/* Seconds since first_start (-1 when the stamp is missing) and the I/O up to
 * the faithful end. */
typedef struct cb_end_times {
    double rule_s, ips_s, tunneling_s, txn_s;
    int last_agent;                     /* whose rule changed last, -1: no rule was ever written */
    uint64_t app_bytes;                 /* bytes_at_change[last_agent], or bytes_all_ips */
} cb_end_times;

/* Index of the largest stamp > 0 of t[0..n), the first of equals; -1 if none. */
int cb_end_last_change(const double *t, int n);

/* The ends from the stamps. With no rule ever written (N = 1: no peer to
 * list) the rule end is the ips end, and app_bytes the bytes then; with no
 * rule txn ever sent the txn end is the rule end. */
void cb_end_compute(const cb_end_stamps *s, cb_end_times *out);

/* setup_s under criterion e. */
double cb_end_pick(cb_end e, const cb_end_times *t);

#endif
