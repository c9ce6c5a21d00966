/* cookie_exp: one experiment (steady, kill, hang, scaleout, cookieloss) with
 * one strategy on a fresh rig, and the figures derived from it, next to what
 * theory predicts for the fraction of clients whose data moves. */
#ifndef GEOKV_COOKIE_EXP_H
#define GEOKV_COOKIE_EXP_H

#include <jansson.h>
#include <stddef.h>

#include "sim/cookie/cookie_load.h"
#include "sim/cookie/cookie_strategy.h"
#include "sim/cookie/cookie_web.h"

struct cookie_exp_config {
    const char *experiment;   /* steady | kill | hang | scaleout | cookieloss */
    const struct cookie_strategy *strategy;
    unsigned n_cache, n_web, clients, think_ms;
    double duration_s, event_s, event2_s, bucket_s, loss_fraction;
    unsigned fault_slot;
    struct cookie_web_config web;
    uint64_t seed;
};

struct cookie_exp_event {
    enum cookie_event_kind kind;
    double t_s;
    int ok;
    double targeted_frac;    /* clients on the faulty slot / whose jar was emptied */
    double affected_frac;    /* clients with >= 1 miss or error after the event */
    double moved_frac;       /* clients whose slot changed */
    double theory_moved;     /* expected moved_frac; NaN when no model */
    uint64_t origin_fetches; /* misses in the event's window */
    double extra_origin;     /* origin_fetches minus the steady miss rate x window */
    double p99_1s_ms, max_1s_ms;
    double recover_s;        /* until hit ratio is back within 2 points of steady */
    double new_slot_share;   /* scaleout: clients on the added server at window end */
};

struct cookie_exp_result {
    struct cookie_load_result load;
    double hit_ratio, hit_ratio_warm, p50_ms, p99_ms, max_ms;
    unsigned n_events;
    struct cookie_exp_event ev[COOKIE_LOAD_MAX_EVENTS];
    uint64_t web_cookie_verdicts[COOKIE_VERDICT_COUNT];   /* summed over web servers */
    uint64_t web_failovers, web_cookies_set;
    int leftovers;   /* processes/ports still alive after teardown */
};

void cookie_exp_config_default(struct cookie_exp_config *c);
/* 1 when name is a known experiment. */
int cookie_exp_known(const char *name);

int cookie_exp_run(const struct cookie_exp_config *cfg, struct cookie_exp_result *res,
                   char *err, size_t errlen);
void cookie_exp_result_free(struct cookie_exp_result *res);

/* Expected fraction of clients whose data moves:
 * kill/hang of `slot` among n: cookie, ketama 1/n (only that server's
 * clients); modulo: exact share of h with h%n != live[h%(n-1)].
 * scaleout n -> n+1: cookie 0, ketama 1/(n+1), modulo share of h with
 * h%n != h%(n+1) (= n/(n+1)). cookieloss of `fraction` after a scale-out to
 * n: cookie fraction * share(h%(n-1) != h%n), others 0. NaN for steady. */
double cookie_theory_moved(const char *strategy, enum cookie_event_kind kind, unsigned n,
                           unsigned slot, double fraction);

json_t *cookie_exp_to_json(const struct cookie_exp_config *cfg,
                           const struct cookie_exp_result *res);

#endif
