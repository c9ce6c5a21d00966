/* cookie_load: the simulated clients. Each client is one libcurl easy handle
 * with its own cookie jar (CURLOPT_COOKIEFILE ""), driven by one curl multi
 * handle in the calling thread. A client requests GET /data?client=<id>
 * from a web server picked at random for every request (no stickiness),
 * waits think_ms after each answer, and checks the body is its own data.
 *
 * Events fire at fixed times during the run; cookie loss is done here (it
 * needs the jars), the others are handed to a callback (kill a server,
 * add one to the pool). Per-client placement is recorded around every event
 * so that "affected" and "moved" fractions come from what clients saw.
 * Event windows and the time buckets of the timeline count requests by
 * completion time (a request in flight when a server dies fails after it);
 * the steady-state window goes by send time. */
#ifndef GEOKV_COOKIE_LOAD_H
#define GEOKV_COOKIE_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "sim/util/util_hist.h"

#define COOKIE_LOAD_MAX_WEB 8
#define COOKIE_LOAD_MAX_EVENTS 4

enum cookie_event_kind {
    COOKIE_EV_KILL,        /* kill -9 one cache server (arg = slot) */
    COOKIE_EV_HANG,        /* SIGSTOP one cache server (arg = slot) */
    COOKIE_EV_SCALEOUT,    /* add a server to the pool */
    COOKIE_EV_COOKIELOSS,  /* a fraction of clients lose every cookie */
};

const char *cookie_event_name(enum cookie_event_kind k);

struct cookie_load_event {
    enum cookie_event_kind kind;
    double t_s;          /* seconds after the run start */
    unsigned arg;        /* slot for kill/hang */
    double fraction;     /* cookieloss: share of clients */
};

struct cookie_load;

struct cookie_load_config {
    unsigned clients;
    unsigned think_ms;
    double duration_s;
    double bucket_s;
    unsigned value_bytes;
    uint64_t seed;
    unsigned n_web;
    int web_ports[COOKIE_LOAD_MAX_WEB];
    unsigned n_events;
    struct cookie_load_event events[COOKIE_LOAD_MAX_EVENTS];
    /* Called in the load thread for kill/hang/scaleout; returns 0 on success. */
    int (*on_event)(void *ctx, const struct cookie_load_event *ev);
    void *ctx;
};

struct cookie_bucket {
    uint32_t requests, hits, misses, errors, failovers, cookie_rejects, bad_content;
    uint32_t max_lat_us;
};

/* What clients saw around one event. A client's window for event e runs from
 * the event to the next event (or the end of the run). */
struct cookie_event_result {
    double t_s;               /* when it actually fired */
    int ok;                   /* on_event succeeded */
    unsigned clients_seen;    /* clients with a response before and after */
    unsigned clients_affected;/* ... of which had >= 1 miss or error in the window */
    unsigned clients_moved;   /* ... whose slot at the end of the window differs */
    unsigned clients_targeted;/* cookieloss: clients whose jar was emptied;
                                 kill/hang: clients whose slot was the one hit */
    uint64_t misses;          /* origin fetches in the window */
    uint64_t errors;
    uint64_t requests;
    double window_s;
    util_hist lat_1s;         /* latency (us) of requests completed in the first second */
    unsigned slot_clients[16];/* clients per slot at the end of the window */
};

struct cookie_load_result {
    unsigned n_buckets;
    struct cookie_bucket *buckets;   /* n_buckets, bucket_s each */
    uint64_t requests, hits, misses, errors, failovers, bad_content, cookie_rejects;
    uint64_t errors_transport, errors_status;   /* curl failed / HTTP status not 200 */
    char first_error[160];                      /* what the first error was */
    uint64_t warm_requests, warm_hits;   /* from t=1s to the first event (or end) */
    util_hist lat_all;                   /* latency of every request, us */
    util_hist lat_warm;                  /* same window as warm_* */
    unsigned n_events;
    struct cookie_event_result ev[COOKIE_LOAD_MAX_EVENTS];
    double elapsed_s;
};

/* Run the load; fills res (free with cookie_load_result_free). Returns 0, or
 * -1 with err set (setup failures only: request errors are counted). */
int cookie_load_run(const struct cookie_load_config *cfg, struct cookie_load_result *res,
                    char *err, size_t errlen);
void cookie_load_result_free(struct cookie_load_result *res);

#endif
