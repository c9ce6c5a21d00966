/* cb_internal.h: what the cb_*.c files of the simulated cb-network share
 * (run context, agent, controller, the mode table). Not for other modules:
 * they use cb_run.h. */
#ifndef GEOKV_CB_INTERNAL_H
#define GEOKV_CB_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include "sim/cb/cb_cost.h"
#include "sim/cb/cb_keys.h"
#include "sim/cb/cb_model.h"
#include "sim/cb/cb_run.h"
#include "sim/cb/cb_timeline.h"
#include "sim/etcd/etcd_client.h"
#include "sim/util/util_clock.h"
#include "sim/util/util_stats.h"

/* Stacks of agent and helper threads: they hold no big arrays. */
#define CB_THREAD_STACK (256 * 1024)

/* ---- event queue: watch callbacks push, one owner thread pops ---- */

enum { CB_SRC_PEER_OWN = 0, CB_SRC_RULE_OWN, CB_SRC_PEERS, CB_SRC_HOSTS, CB_SRC_OTHER, CB_SRC_FANOUT };

typedef struct cb_qitem {
    struct cb_qitem *next;
    int src;
    etcd_watch_response *resp;   /* NULL when the stream ended */
    char why[256];               /* stream end reason */
    int widx;                    /* the watch's slot (cb_watch_tag.idx) */
    unsigned gen;                /* the watch's generation when queued: older items of a
                                    re-established watch are stale */
} cb_qitem;

typedef struct cb_queue {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    cb_qitem *head, *tail;
    size_t n;
    bool busy;                   /* the owner is handling an item */
    bool woken;                  /* cb_queue_wake since the last pop: the next pop returns at once */
    uint64_t pushed, handled;
} cb_queue;

/* A mutex and its condition variable, the condition's timed waits taking
 * CLOCK_MONOTONIC deadlines as every wait of the engine computes them (queue,
 * run context). */
void cb_sync_init(pthread_mutex_t *mu, pthread_cond_t *cv);
void cb_queue_init(cb_queue *q);
void cb_queue_destroy(cb_queue *q);
void cb_queue_push(cb_queue *q, cb_qitem *it);
/* Waits up to timeout_s for an item; sets busy while the caller handles it
 * (cb_queue_done clears it). NULL on timeout. */
cb_qitem *cb_queue_pop(cb_queue *q, double timeout_s);
void cb_queue_done(cb_queue *q, cb_qitem *it);
/* Wakes the owner blocked in cb_queue_pop (e.g. to see the run stopping);
 * a wake before the pop makes that pop return at once (NULL when empty). */
void cb_queue_wake(cb_queue *q);
bool cb_queue_idle(cb_queue *q);

/* Watch-callback glue: a cb_watch_tag is the callback's user data. It also
 * remembers what the watch is on and how far its owner got, so a stream
 * that ended (member killed, partitioned) or was canceled by a compaction
 * can be re-established from there (cb_watch_resume). */
typedef struct cb_watch_tag {
    cb_queue *q;
    int src;
    void (*notify)(void *ud, const etcd_watch_response *r);   /* optional, from the shared thread */
    void *notify_ud;
    int idx;                     /* slot of the watch in its owner */
    volatile unsigned gen;       /* bumped when the watch is replaced */
    char key[CB_KEY_MAX];
    bool prefix;
    int64_t last_rev;            /* owner thread: highest revision handled */
    volatile int64_t created_rev;/* shared thread: header revision of the created response */
} cb_watch_tag;
void cb_watch_on_resp(etcd_watch_response *resp, void *ud);
void cb_watch_on_end(const etcd_status *st, void *ud);

/* Replaces the ended/canceled watch *w (tag t) on client c: stops it, and if
 * the revision to resume from was compacted away (compact_rev > 0) ranges
 * the key first and passes every kv changed since t->last_rev to feed as a
 * PUT event; then watches again from the last revision + 1, retrying (on
 * another endpoint, as the client's policy picks) for up to retry_s. 0, or -1
 * (stopping, or could not) with a message in err. Owner thread only. */
typedef struct cb_ctx cb_ctx;
typedef int (*cb_feed_fn)(void *ud, const etcd_event *ev);
int cb_watch_resume(cb_ctx *x, etcd_client *c, etcd_watch **w, cb_watch_tag *t, int64_t compact_rev,
                    cb_feed_fn feed, void *feed_ud, volatile int *killed, char *err, size_t err_len);
/* Updates t->last_rev from a handled response. */
void cb_watch_seen(cb_watch_tag *t, const etcd_watch_response *r);

/* ---- run context ---- */

typedef struct cb_mode_ops cb_mode_ops;
typedef struct cb_agent cb_agent;
typedef struct cb_controller cb_controller;

typedef struct cb_ctx {
    const cb_run_config *cfg;
    const cb_mode_ops *ops;
    int spec_cache, init_lock, break_lock;   /* resolved ablation switches */
    cb_delays d;                             /* scaled */
    double break_lock_delay_s;               /* scaled */
    char cladnet[CB_STR], cidr[CB_STR];
    cb_rule_type rule_type;
    int n_agents;
    cb_agent **agents;                       /* agents[i]: NULL until cb_ctx_add_agent(i) */
    cb_agent *agent_store;                   /* where they live (n_agents) */
    int *by_host;                            /* agent indices sorted by host id */
    cb_timeline *tl;                         /* NULL: none; freed with the context */
    double t0;

    pthread_mutex_t mu;
    pthread_cond_t cv;                       /* CLOCK_MONOTONIC; signalled on stop and progress */
    volatile int stop;
    int n_complete, n_tunneling;
    double first_start, last_complete;
    double all_tunneling;                    /* when n_tunneling last reached n_agents, 0: never */
    double last_rule_txn;                    /* the last rule CAS txn anyone sent, changed or not, 0: none */
    uint64_t app_bytes_at_txn;               /* app_bytes then */
    uint64_t app_bytes_all_ips;              /* app_bytes when n_complete last reached n_agents */
    double last_tunneling;                   /* the last tunneling put here (dist: merged by the owner) */
    uint64_t app_bytes_last_complete;        /* app_bytes at the last completion here */
    double lock_wait_sum, lock_wait_max;
    uint64_t lock_acq;
    char error[256];                         /* first fatal error of any agent or controller */
    void *ud;                                /* for harnesses with their own modes (cb_scale.c) */

    /* faults (under mu) */
    int session_ttl;                         /* seconds */
    double freeze_armed_s;                   /* > 0: the next lock holder freezes this long */
    int freezes, freeze_passed;
    int watch_resumes, watch_relists, lock_retries, sessions_renewed;
    int claim_readbacks;                     /* claim txns whose answer was lost, read back */
    int redeploys, redeploy_agent;

    /* Fidelity (cb_cost_attach; all zero = the ideal profile, as before) */
    const cb_profile *profile;               /* never NULL once attached */
    cb_cost *cost;                           /* NULL: the cost model is off */
    bool agent_state_from_event;             /* profile switches, see cb_profile.h */
    bool second_public_ip;
    bool mutex_get_after_wait;
    double run_sleep_s;                      /* scaled */
    uint64_t app_bytes;                      /* atomic: sizes the original logged (cb_fid_bytes_*) */
} cb_ctx;

/* Builds the context of a run of cfg->n_agents agents (>= 0) in mode ops:
 * delays scaled, ablation switches resolved against the mode's defaults,
 * cladnet, CIDR, rule type and session TTL from cfg, the profile attached
 * (cb_cost_attach: cfg->profile or the built-in ideal), room for the agents
 * (each then made by cb_ctx_add_agent), no timeline, no ud (a harness sets
 * them after). cfg must outlive x. 0, or -1 with a message in err (unknown
 * rule type, out of memory): then x holds nothing to destroy. */
int cb_ctx_init(cb_ctx *x, const cb_run_config *cfg, const cb_mode_ops *ops, char *err, size_t err_len);
/* cb_agent_init of agent i (0 <= i < n_agents) in its slot, on `client` (the
 * caller's: free it after cb_ctx_destroy); by_host[i] = i until sorted. */
cb_agent *cb_ctx_add_agent(cb_ctx *x, int i, const cb_place *place, etcd_client *client);
/* Stops the agents, joins and destroys those that were added, frees the
 * timeline and the context's memory. Stop whatever else uses x (the
 * controllers) first. */
void cb_ctx_destroy(cb_ctx *x);

/* cfg's CLADNet id and CIDR, or their defaults. */
const char *cb_cfg_cladnet(const cb_run_config *cfg);
const char *cb_cfg_cidr(const cb_run_config *cfg);

/* etcd_mutex_lock that survives faults: a wait that ends because its member
 * died, was cut off, or its watch revision was compacted (clientv3 fails
 * Lock then too) is retried (the mutex dropped our key: we queue again)
 * until timeout_ms overall; a lost session, or the time, ends it. */
etcd_code cb_mutex_lock(cb_ctx *x, etcd_mutex *m, int timeout_ms, etcd_status *st);

/* A lost session (its keepalives could not get through for a TTL, e.g. to a
 * partitioned member, or it froze): abandon it and open a new one with its
 * mutex, as a clientv3 user does on session.Done(). 0 or -1 (err). */
int cb_ctx_renew_session(cb_ctx *x, etcd_client *c, etcd_session **session, etcd_mutex **mutex,
                         etcd_session_lost_fn on_lost, void *on_lost_ud, char *err, size_t err_len);

/* Session TTL of the run's processes: session_ttl (cfg's, or 60 s as the
 * original's: cb_ctx_init), 60 s should it be unset. */
int cb_ctx_session_ttl(cb_ctx *x);
/* The freeze armed by cb_run_freeze_holder, taken by the caller (0: none). */
double cb_ctx_take_freeze(cb_ctx *x);
/* Frozen holder: abandon *session (lease expires, lock passes on), stall,
 * open a new session and mutex. 0 or -1 (run stopping / new session failed). */
int cb_ctx_freeze(cb_ctx *x, etcd_client *c, double stall_s, etcd_session **session, etcd_mutex **mutex,
                  etcd_session_lost_fn on_lost, void *on_lost_ud, char *err, size_t err_len);

/* Sleep s seconds unless the run stops first: 0 slept, -1 stopped. */
int cb_ctx_sleep(cb_ctx *x, double s);
bool cb_ctx_stopping(cb_ctx *x);
void cb_ctx_fail(cb_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cb_ctx_lock_waited(cb_ctx *x, double wait_s);
/* The agent with that host id, or NULL. */
cb_agent *cb_ctx_agent_by_host(cb_ctx *x, const char *host_id);

/* ---- a run spread over processes (cb_dist.c; cfg->dist set) ---- */

/* What the owner adds to its result after cb_run's own measurement. */
typedef struct cb_dist_merge {
    etcd_stats stats;                        /* the other processes' clients */
    double *agent_cpu;                       /* per agent, its VM's CPU seconds (n_agents) */
    uint64_t rule_bytes, txn_bytes;          /* summed over processes (cb_run.h) */
    bool any_rule;                           /* some process saw a rule change */
    bool any_txn;
    char error[256];                         /* the first error of another process, "rank K: ..." */
} cb_dist_merge;

/* After the run stopped, in every process: sends this process's block (mine:
 * the request stats of its clients); the
 * owner merges every other block into x (agents, stamps, counters, timeline)
 * and into m. 0, or -1 (err). */
int cb_dist_collect(cb_ctx *x, cb_dist_merge *m, const etcd_stats *mine, char *err, size_t err_len);
/* Owner, after run_measure: the figures a merged x cannot give. */
void cb_dist_finish(cb_ctx *x, const cb_dist_merge *m, cb_run_result *res);
void cb_dist_merge_free(cb_dist_merge *m);

/* ---- agent ---- */

struct cb_agent {
    cb_ctx *x;
    int index;
    char host_id[CB_HOST_ID_LEN + 1];
    cb_host_info facts;
    const cb_place *place;
    double offset_s;
    etcd_client *client;                     /* maybe shared (share_region_clients) */
    etcd_session *session;
    etcd_mutex *mutex;
    etcd_watch *w[8];
    cb_watch_tag tags[8];
    int nw;
    cb_queue q;
    pthread_t th;
    bool started;
    volatile int killed;                     /* redeploy: this incarnation stops */
    bool lock_lost;                          /* froze holding the lock: its key is gone */
    cb_place place_copy;                     /* after a redeploy, place points here */
    etcd_client *own_client;                 /* client made for a redeploy (freed with the agent) */
    bool redeployed;
    double t_redeploy;

    /* protocol state, touched only by the agent's thread */
    char own_state[16];                      /* "" until its own peer is seen */
    bool have_self;
    cb_peer self;
    cb_peer *cache;                          /* other peers, agent-side cache (after, lockless) */
    size_t n_cache, cap_cache;
    cb_rule rule;
    bool spec_valid;
    cb_spec spec;
    bool configured;                         /* handled its own `configuring` once */

    /* measurements */
    double t_start, t_complete, t_lock, t_fixed;
    bool complete, tunneling_put;

    /* Fidelity */
    cb_vm vm;                                /* its VM's CPU (cost model on) */
    double t_rule_changed;                   /* under x->mu: last write that changed its rule, 0: none */
    uint64_t app_bytes_at_rule_change;       /* x->app_bytes at that write */
};

/* Creates an agent (no thread yet). */
int cb_agent_init(cb_agent *a, cb_ctx *x, int index, const cb_place *place, etcd_client *client);
/* Redeploy of a stopped (joined) agent: the same host id starts again as a
 * new VM in `place` (copied) with `client`, which the agent then owns (an
 * earlier redeploy's client is freed); its start offset is now. */
void cb_agent_reset(cb_agent *a, const cb_place *place, etcd_client *client);
int cb_agent_start(cb_agent *a);         /* its thread: waits offset, runs the mode */
void cb_agent_stop_all(cb_ctx *x);       /* sets stop and wakes every agent */
void cb_agent_join(cb_agent *a);
void cb_agent_destroy(cb_agent *a);

/* Steps shared by the modes (cb_agent.c). Each returns 0 or -1 (error
 * reported through cb_ctx_fail, or the run stopping). */
int cb_agent_watch(cb_agent *a, const char *key, bool prefix, int64_t start_rev, int src);
int cb_agent_sleep(cb_agent *a, double s);          /* a fixed delay: counted in t_fixed */
int cb_agent_session(cb_agent *a);
int cb_agent_lock(cb_agent *a);
int cb_agent_unlock(cb_agent *a);
int cb_agent_publish_host(cb_agent *a);             /* public-IP lookup, host info put, test-request watch */
int cb_agent_configure_iface(cb_agent *a);          /* two sleeps of iface_config_s / 2 */
int cb_agent_put_tunneling(cb_agent *a, const cb_peer *own);
int cb_agent_get_spec(cb_agent *a);                 /* honours spec_cache */
int cb_agent_cas_rule(cb_agent *a, const cb_rule *r);
void cb_agent_cache_store(cb_agent *a, const cb_peer *p);
/* Peers the agent knows, read at one revision into the cache (own peer apart). */
int cb_agent_load_peers(cb_agent *a, int64_t *revision);
void cb_agent_rebuild_rule(cb_agent *a);
/* Marks completion when r lists every other peer with an IP. */
void cb_agent_check_complete(cb_agent *a, const cb_rule *r);
void cb_agent_mark(cb_agent *a, cb_event ev);

/* ---- controller ---- */

cb_controller *cb_controller_new(cb_ctx *x, int replica, etcd_client *client);
int cb_controller_start(cb_controller *c);
bool cb_controller_idle(cb_controller *c);
void cb_controller_stop(cb_controller *c);         /* joins, closes sessions and watches */
void cb_controller_free(cb_controller *c);

/* CPU seconds the controller's VM spent and the log lines it wrote (0 with
 * the cost model off). */
void cb_controller_cost(cb_controller *c, double *cpu_s, double *lines);

/* ---- modes ---- */

/* A mode: named and described in the registry (cb_modes.c). */
struct cb_mode_ops {
    int spec_cache_default;
    int init_lock_default;
    bool controller_builds_rules;    /* the controller watches peers and writes every rule */
    int (*agent_setup)(cb_agent *a);                    /* start-up sequence */
    int (*agent_event)(cb_agent *a, int src, const etcd_event *ev);   /* one PUT/DELETE event */
};

/* The registry's mode of that name, NULL when there is none (cb_modes.c). */
const cb_mode_ops *cb_mode_find(const char *name);

/* Shared by after and lockless (cb_mode_after.c): session, secret and
 * control-command watches with their sleeps; the per-event handler. */
int cb_mode_cache_start(cb_agent *a);
int cb_mode_cache_event(cb_agent *a, int src, const etcd_event *ev);

/* ---- fidelity (cb_fidelity.c) ---- */

/* A write of a's rule that changed it (CAS compare failed: the Else put
 * ran), at time t: the original's end of setup for that agent is its last. */
void cb_fid_rule_written(cb_ctx *x, cb_agent *a, double t);
/* A rule CAS txn was sent at time t (whatever its outcome): the original
 * logs "TransactionRequest size" before every one. */
void cb_fid_rule_txn(cb_ctx *x, double t);
/* I/O as the original logged it: a Get response's protobuf size (header +
 * key-values), a Put or Txn's value length. */
void cb_fid_bytes_get(cb_ctx *x, const etcd_range_result *r);
void cb_fid_bytes_put(cb_ctx *x, size_t value_len);
uint64_t cb_fid_app_bytes(cb_ctx *x);
/* Applies the profile's client-mutex options to a new mutex. */
void cb_fid_mutex_opts(cb_ctx *x, etcd_mutex *m);

#endif
