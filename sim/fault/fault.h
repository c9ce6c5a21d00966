/* fault.h: fault scenarios for a run: a spec parser and a timed scheduler.
 *
 * Grammar (times since the run's start; a bare number is seconds, units ms, s, m):
 *
 *   SPEC   := FAULT { ';' FAULT }
 *   FAULT  := kill:MEMBER@T [ ',restart@T2' ]        kill -9 a member, start it again later
 *           | partition:MEMBER@T [ ',heal@T2' ]      cut the member off its peers (WAN blackhole)
 *           | spike:REGION>MEMBER+D@T [ ',clear@T2' ] add D (ms/s) to the RTT of the client
 *                                                    link REGION -> MEMBER, back at T2
 *           | redeploy:agentI@T>REGION               kill agent I (0-based) where it is and start
 *           | redeploy:agentI>REGION@T               it again in REGION with a new client
 *           | freeze-holder[:D]@T                    from T, the next lock holder stops its
 *                                                    keepalives and stalls D (default 2.5 x the
 *                                                    session TTL) while holding the lock
 *           | compact@T                              compact the store at its current revision
 *           | session-ttl:D                          a setting, not an action: the agents' and the
 *                                                    controller's session TTL (whole seconds; the
 *                                                    original's 60 s otherwise)
 *
 * e.g. "kill:sin@5s,restart@15s", "spike:aws-us-east-1>a-sel+200ms@3s,clear@8s",
 *      "redeploy:agent3@4s>gcp-asia-east1; compact@6s".
 * Names (MEMBER, REGION) are kept as text: the layer that runs the actions
 * resolves them (fault_plan_check with a resolver) so that errors come before
 * the run. The second step of a fault must come after the first.
 *
 * The scheduler runs the planned actions, in time order, on its own thread
 * against a table of callbacks (fault_ops), so the logic is testable with a
 * fake table and the bench gives it the real one (rig, WAN, client, cb_run
 * hooks). A slow action delays the ones after it; each outcome records its
 * planned and actual time and the callback's message.
 */
#ifndef GEOKV_FAULT_H
#define GEOKV_FAULT_H

#include <stdbool.h>
#include <stddef.h>

#define FAULT_NAME_LEN 64
#define FAULT_MAX_ACTIONS 64

typedef enum fault_verb {
    FAULT_KILL = 0, FAULT_RESTART, FAULT_PARTITION, FAULT_HEAL, FAULT_SPIKE, FAULT_CLEAR,
    FAULT_REDEPLOY, FAULT_FREEZE, FAULT_COMPACT,
    FAULT_VERB_COUNT
} fault_verb;

const char *fault_verb_name(fault_verb v);   /* "kill", "restart", ..., "freeze-holder", "compact" */

typedef struct fault_action {
    double t_s;                    /* since the run's start */
    fault_verb verb;
    int fault;                     /* index of its FAULT in the spec (0-based) */
    char target[FAULT_NAME_LEN];   /* kill/restart/partition/heal: member; spike/clear: region;
                                      redeploy: "agentI" */
    char dest[FAULT_NAME_LEN];     /* spike/clear: member; redeploy: region */
    double amount;                 /* spike: extra RTT in ms; freeze: stall in s (0: default) */
    int agent;                     /* redeploy: agent index */
} fault_action;

typedef struct fault_plan {
    fault_action a[FAULT_MAX_ACTIONS];   /* sorted by time, spec order among equal times */
    size_t n;
    int n_faults;
    int session_ttl_s;             /* "session-ttl:D" item, 0: not given (the run's default) */
} fault_plan;

/* Parses spec. 0, or -1 with one line in err naming the fault, the field and
 * what is accepted, e.g. `fault 2 "kill:sin@x": time "x": expected ...`. */
int fault_parse(const char *spec, fault_plan *out, char *err, size_t err_len);

/* Time of the last action (0 for an empty plan). */
double fault_plan_end_s(const fault_plan *p);

/* One action as text ("kill:sin@5.000s"), for logs. */
void fault_action_format(const fault_action *a, char *buf, size_t len);

/* Checks names with the caller's resolvers (each may be NULL: not checked).
 * A resolver returns >= 0 when the name is known. Also checks that agent
 * indices are below n_agents when n_agents > 0, and, when horizon_s > 0 (the
 * run's timeout), that every action comes before it: a later one would never
 * fire. err names the field. */
typedef struct fault_resolver {
    int (*member)(void *ud, const char *name);
    int (*region)(void *ud, const char *name);
    void *ud;
    int n_agents;
    double horizon_s;
} fault_resolver;
int fault_plan_check(const fault_plan *p, const fault_resolver *r, char *err, size_t err_len);

/* Callbacks the scheduler calls, one per verb; NULL: not supported here
 * (fault_sched_start refuses a plan that needs it). Return 0, or -1 with
 * a message in err. */
typedef int (*fault_fn)(void *ud, const fault_action *a, char *err, size_t err_len);
typedef struct fault_ops {
    fault_fn fn[FAULT_VERB_COUNT];
    void *ud;
} fault_ops;

typedef struct fault_outcome {
    fault_action action;
    bool ran;                      /* false: the scheduler stopped before its time */
    double actual_s;               /* when the callback started, since the scheduler's t0 */
    double took_s;                 /* how long the callback ran */
    int rc;
    char msg[256];
} fault_outcome;

typedef struct fault_sched fault_sched;

/* Starts the thread; t0 is now. Refuses (-1, err) an action whose verb has
 * no callback. */
int fault_sched_start(const fault_plan *p, const fault_ops *ops, fault_sched **out, char *err,
                      size_t err_len);
/* True while actions remain to run (or one is running). */
bool fault_sched_pending(fault_sched *s);
/* Cancels what has not run yet, waits for a running callback, joins. Idempotent. */
void fault_sched_stop(fault_sched *s);
/* Outcomes, one per action in plan order (valid until fault_sched_free;
 * call after fault_sched_stop). */
const fault_outcome *fault_sched_outcomes(fault_sched *s, size_t *n);
/* Number of actions that ran and failed. */
int fault_sched_failures(fault_sched *s);
void fault_sched_free(fault_sched *s);   /* stops first; NULL-safe */

#endif
