/* cb_scale.h: can the harness hold 1,000 agents in one process?
 *
 * cb_scale_hold() writes n_peers peers (state tunneling) and the spec, then
 * starts n_agents agents, each with its etcd client (or one per endpoint list),
 * its session (lease 60 s, keepalive every 20 s), a lockless initialisation
 * (range the peers at revision R into its cache, watch the peer prefix from
 * R + 1) and its own thread. When all hold, it changes one peer and measures
 * how long until every agent has handled the event (p50/p99/max), then
 * reports the harness's CPU per etcd request and resident memory per agent.
 */
#ifndef GEOKV_CB_SCALE_H
#define GEOKV_CB_SCALE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The same measurement with the held agents spread over several processes
 * (bench/mpi's cb-scale-mpi: K ranks x n_agents each). Every process calls
 * cb_scale_hold with the same configuration and its own dist; the owner alone
 * writes the keyspace and the change, and gets the fan-out over every
 * process's agents (its other figures are its own process's). The hooks are
 * collectives, called the same number of times everywhere. */
typedef struct cb_scale_dist {
    bool owner;
    int processes;
    void *ud;
    /* 1 when ok is 1 in every process, else 0 (e.g. MPI_Allreduce MIN). */
    int (*agree)(void *ud, int ok);
    /* n values of every process to the owner's all[processes * n], process order. 0 or -1. */
    int (*gather)(void *ud, const double *v, int n, double *all);
    /* Owner: process k's CLOCK_MONOTONIC minus the owner's, estimated at the last agree. */
    double (*clock_offset)(void *ud, int process);
} cb_scale_dist;

typedef struct cb_scale_config {
    const char *const *endpoints;
    size_t n_endpoints;
    int n_agents;              /* default 1000 */
    int n_peers;               /* peers in the keyspace; 0 -> n_agents */
    bool share_clients;        /* one etcd_client for all agents instead of one each */
    double start_gap_s;        /* between agent starts (0 -> 0.002) */
    int init_concurrency;      /* agents reading the peers at once (0 -> 8) */
    double timeout_s;          /* per phase; 0 -> 300 */
    uint64_t seed;
    volatile int *stop;
    const cb_scale_dist *dist;   /* NULL: one process, as always */
} cb_scale_config;

typedef struct cb_scale_result {
    int n_agents, n_held, n_seen;
    double init_s;             /* first start -> last agent holding */
    double fanout_p50_s, fanout_p99_s, fanout_max_s;
    uint64_t init_requests;    /* etcd requests during the initialisation */
    double init_cpu_s;         /* harness user+sys CPU during the initialisation */
    double cpu_us_per_request;
    double hold_cpu_s_per_s;   /* harness CPU per wall second while 1,000 agents only hold */
    double rss_base_mib, rss_held_mib, rss_per_agent_kib;
    int threads;               /* of the process while holding */
    char error[400];
} cb_scale_result;

/* 0 when the measurement ran (see result), -1 with result->error otherwise. */
int cb_scale_hold(const cb_scale_config *cfg, cb_scale_result *res);

/* 1,000 agents hold ~3,000 sockets: raises this process's soft limit on open
 * files to its hard limit (silently keeps it where that fails). */
void cb_scale_raise_fd_limit(void);

#endif
