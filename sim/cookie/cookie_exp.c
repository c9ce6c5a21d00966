#include "sim/cookie/cookie_exp.h"
#include "sim/cookie/cookie_rig.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const experiments[] = { "steady", "kill", "hang", "scaleout", "cookieloss", NULL };

int cookie_exp_known(const char *name)
{
    for (int i = 0; experiments[i]; i++)
        if (strcmp(experiments[i], name) == 0)
            return 1;
    return 0;
}

void cookie_exp_config_default(struct cookie_exp_config *c)
{
    memset(c, 0, sizeof *c);
    c->experiment = "steady";
    c->strategy = &cookie_strategy_cookie;
    c->n_cache = 3;
    c->n_web = 2;
    c->clients = 100;
    c->think_ms = 100;
    c->duration_s = 7;
    c->event_s = 2.5;
    c->event2_s = 4.75;
    c->bucket_s = 0.1;
    c->loss_fraction = 0.5;
    c->fault_slot = 0;
    c->seed = 1;
    cookie_web_config_default(&c->web);
}

static unsigned gcd(unsigned a, unsigned b)
{
    while (b) {
        unsigned t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Share of h over one period with h % a != h % b (slots renumbered through
 * live[] when the b servers are the a servers minus `dead`). */
static double modulo_moved(unsigned a, unsigned b, int dead)
{
    unsigned period = a / gcd(a, b) * b, moved = 0;
    unsigned live[COOKIE_MAX_SLOTS + 1];
    for (unsigned s = 0, k = 0; s < a + 1 && k <= COOKIE_MAX_SLOTS; s++)
        if ((int)s != dead)
            live[k++] = s;
    for (unsigned h = 0; h < period; h++) {
        unsigned before = h % a;
        unsigned after = dead >= 0 ? live[h % b] : h % b;
        moved += before != after;
    }
    return (double)moved / period;
}

double cookie_theory_moved(const char *strategy, enum cookie_event_kind kind, unsigned n,
                           unsigned slot, double fraction)
{
    int is_cookie = strcmp(strategy, "cookie") == 0;
    int is_modulo = strcmp(strategy, "modulo") == 0;
    if (n == 0 || n > COOKIE_MAX_SLOTS)
        return NAN;
    switch (kind) {
    case COOKIE_EV_KILL:
    case COOKIE_EV_HANG:
        if (n < 2)
            return NAN;
        return is_modulo ? modulo_moved(n, n - 1, (int)slot) : 1.0 / n;
    case COOKIE_EV_SCALEOUT:
        if (is_cookie)
            return 0;
        return is_modulo ? modulo_moved(n, n + 1, -1) : 1.0 / (n + 1);
    case COOKIE_EV_COOKIELOSS:
        if (!is_cookie || n < 2)
            return 0;
        return fraction * modulo_moved(n - 1, n, -1);
    }
    return NAN;
}

static int build_events(const struct cookie_exp_config *cfg, struct cookie_load_config *lc)
{
    const char *e = cfg->experiment;
    lc->n_events = 0;
    if (strcmp(e, "steady") == 0)
        return 0;
    if (strcmp(e, "kill") == 0 || strcmp(e, "hang") == 0) {
        lc->events[0] = (struct cookie_load_event){
            e[0] == 'k' ? COOKIE_EV_KILL : COOKIE_EV_HANG, cfg->event_s, cfg->fault_slot, 0 };
        lc->n_events = 1;
        return 0;
    }
    if (strcmp(e, "scaleout") == 0 || strcmp(e, "cookieloss") == 0) {
        lc->events[0] = (struct cookie_load_event){ COOKIE_EV_SCALEOUT, cfg->event_s, 0, 0 };
        lc->n_events = 1;
        if (e[0] == 'c') {
            lc->events[1] = (struct cookie_load_event){ COOKIE_EV_COOKIELOSS, cfg->event2_s, 0,
                                                        cfg->loss_fraction };
            lc->n_events = 2;
        }
        return 0;
    }
    return -1;
}

static double ratio(uint64_t a, uint64_t b)
{
    return b ? (double)a / (double)b : NAN;
}

static void derive(const struct cookie_exp_config *cfg, const struct cookie_load_config *lc,
                   struct cookie_exp_result *res)
{
    const struct cookie_load_result *L = &res->load;
    res->hit_ratio = ratio(L->hits, L->requests);
    res->hit_ratio_warm = ratio(L->warm_hits, L->warm_requests);
    res->p50_ms = util_hist_percentile(&L->lat_warm, 0.50) / 1000;
    res->p99_ms = util_hist_percentile(&L->lat_warm, 0.99) / 1000;
    res->max_ms = (double)util_hist_max(&L->lat_warm) / 1000;
    double warm_window = (lc->n_events ? lc->events[0].t_s : cfg->duration_s) - 1.0;
    double warm_miss_rate = warm_window > 0 ? (double)(L->warm_requests - L->warm_hits) / warm_window : 0;
    unsigned n_now = cfg->n_cache;
    res->n_events = L->n_events;
    for (unsigned e = 0; e < L->n_events; e++) {
        const struct cookie_event_result *er = &L->ev[e];
        struct cookie_exp_event *x = &res->ev[e];
        x->kind = lc->events[e].kind;
        x->t_s = er->t_s;
        x->ok = er->ok;
        x->targeted_frac = (double)er->clients_targeted / cfg->clients;
        x->affected_frac = ratio(er->clients_affected, er->clients_seen);
        x->moved_frac = ratio(er->clients_moved, er->clients_seen);
        if (x->kind == COOKIE_EV_SCALEOUT)
            n_now++;
        /* Cookie loss: theory from the share of jars actually emptied (the
         * clients are picked by a hash, so it is near, not at, the fraction). */
        x->theory_moved = cookie_theory_moved(cfg->strategy->name, x->kind,
                                              x->kind == COOKIE_EV_SCALEOUT ? n_now - 1 : n_now,
                                              lc->events[e].arg,
                                              x->kind == COOKIE_EV_COOKIELOSS ? x->targeted_frac
                                                                              : 0);
        x->origin_fetches = er->misses;
        x->extra_origin = (double)er->misses - warm_miss_rate * er->window_s;
        x->p99_1s_ms = util_hist_percentile(&er->lat_1s, 0.99) / 1000;
        x->max_1s_ms = (double)util_hist_max(&er->lat_1s) / 1000;
        x->new_slot_share = x->kind == COOKIE_EV_SCALEOUT && n_now - 1 < 16
                                ? ratio(er->slot_clients[n_now - 1], er->clients_seen)
                                : NAN;
        /* Recovery: end of the last bucket in the window whose hit ratio is
         * more than 2 points under the steady one. */
        double thr = (isnan(res->hit_ratio_warm) ? 1.0 : res->hit_ratio_warm) - 0.02;
        double wend = er->t_s + er->window_s;
        unsigned b0 = (unsigned)(er->t_s / cfg->bucket_s);
        double last_bad_end = er->t_s;
        for (unsigned b = b0; b < L->n_buckets && (b + 1) * cfg->bucket_s <= wend + 1e-9; b++) {
            const struct cookie_bucket *bk = &L->buckets[b];
            if (bk->requests && (double)bk->hits / bk->requests < thr)
                last_bad_end = (b + 1) * cfg->bucket_s;
        }
        x->recover_s = last_bad_end - er->t_s;
    }
}

int cookie_exp_run(const struct cookie_exp_config *cfg, struct cookie_exp_result *res,
                   char *err, size_t errlen)
{
    struct cookie_rig rig;
    struct cookie_load_config lc;
    int rc = -1;

    memset(res, 0, sizeof *res);
    memset(&lc, 0, sizeof lc);
    lc.clients = cfg->clients;
    lc.think_ms = cfg->think_ms;
    lc.duration_s = cfg->duration_s;
    lc.bucket_s = cfg->bucket_s;
    lc.value_bytes = cfg->web.value_bytes;
    lc.seed = cfg->seed;
    lc.n_web = cfg->n_web;
    lc.on_event = cookie_rig_on_event;
    lc.ctx = &rig;
    if (build_events(cfg, &lc) != 0) {
        snprintf(err, errlen, "unknown experiment '%s' (steady, kill, hang, scaleout, cookieloss)",
                 cfg->experiment);
        return -1;
    }
    if (cfg->fault_slot >= cfg->n_cache) {
        snprintf(err, errlen, "fault slot %u is not in the pool (0..%u)", cfg->fault_slot,
                 cfg->n_cache - 1);
        return -1;
    }
    unsigned spares = 0;
    for (unsigned e = 0; e < lc.n_events; e++)
        spares += lc.events[e].kind == COOKIE_EV_SCALEOUT;
    struct cookie_web_config wcfg = cfg->web;
    wcfg.seed = cfg->seed;
    if (cookie_rig_start(&rig, cfg->n_cache, spares, cfg->n_web, &wcfg, cfg->strategy, NULL,
                         err, errlen) != 0)
        return -1;
    for (unsigned i = 0; i < cfg->n_web; i++)
        lc.web_ports[i] = cookie_web_port(rig.web[i]);
    if (cookie_load_run(&lc, &res->load, err, errlen) != 0)
        goto cleanup;
    for (unsigned i = 0; i < rig.n_web; i++) {
        struct cookie_web_stats s;
        cookie_web_get_stats(rig.web[i], &s);
        for (int v = 0; v < COOKIE_VERDICT_COUNT; v++)
            res->web_cookie_verdicts[v] += s.verdict[v];
        res->web_failovers += s.failovers;
        res->web_cookies_set += s.cookies_set;
    }
    derive(cfg, &lc, res);
    rc = 0;
cleanup:
    cookie_rig_stop(&rig);
    res->leftovers = cookie_rig_leftovers(&rig);
    return rc;
}

void cookie_exp_result_free(struct cookie_exp_result *res)
{
    cookie_load_result_free(&res->load);
}

static json_t *num(double x)
{
    return isnan(x) || isinf(x) ? json_null() : json_real(x);
}

json_t *cookie_exp_to_json(const struct cookie_exp_config *cfg,
                           const struct cookie_exp_result *res)
{
    const struct cookie_load_result *L = &res->load;
    json_t *o = json_object();
    json_t *c = json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:f, s:f, s:f, s:f, s:f, s:i, "
                          "s:i, s:i, s:i, s:i, s:I, s:b}",
                          "experiment", cfg->experiment, "strategy", cfg->strategy->name,
                          "n_cache", (int)cfg->n_cache, "n_web", (int)cfg->n_web,
                          "clients", (int)cfg->clients, "think_ms", (int)cfg->think_ms,
                          "duration_s", cfg->duration_s, "event_s", cfg->event_s,
                          "event2_s", cfg->event2_s, "bucket_s", cfg->bucket_s,
                          "loss_fraction", cfg->loss_fraction, "fault_slot", (int)cfg->fault_slot,
                          "origin_delay_ms", (int)cfg->web.origin_delay_ms,
                          "value_bytes", (int)cfg->web.value_bytes,
                          "cache_timeout_ms", (int)cfg->web.cache_timeout_ms,
                          "dead_retry_ms", (int)cfg->web.dead_retry_ms,
                          "seed", (json_int_t)cfg->seed, "place_random", cfg->web.place_random);
    json_object_set_new(c, "failover",
                        json_string(cookie_failover_name((enum cookie_failover)cfg->web.failover)));
    json_object_set_new(o, "config", c);
    json_object_set_new(o, "experiment", json_string(cfg->experiment));
    json_object_set_new(o, "strategy", json_string(cfg->strategy->name));
    json_object_set_new(o, "requests", json_integer((json_int_t)L->requests));
    json_object_set_new(o, "hits", json_integer((json_int_t)L->hits));
    json_object_set_new(o, "misses", json_integer((json_int_t)L->misses));
    json_object_set_new(o, "errors", json_integer((json_int_t)L->errors));
    json_object_set_new(o, "bad_content", json_integer((json_int_t)L->bad_content));
    json_object_set_new(o, "errors_transport", json_integer((json_int_t)L->errors_transport));
    json_object_set_new(o, "errors_status", json_integer((json_int_t)L->errors_status));
    json_object_set_new(o, "first_error", json_string(L->first_error));
    json_object_set_new(o, "failovers", json_integer((json_int_t)L->failovers));
    json_object_set_new(o, "hit_ratio", num(res->hit_ratio));
    json_object_set_new(o, "hit_ratio_steady", num(res->hit_ratio_warm));
    json_object_set_new(o, "p50_ms", num(res->p50_ms));
    json_object_set_new(o, "p99_ms", num(res->p99_ms));
    json_object_set_new(o, "max_ms", num(res->max_ms));
    json_object_set_new(o, "req_per_s", num(L->requests / L->elapsed_s));
    json_object_set_new(o, "leftover_processes", json_integer(res->leftovers));
    json_t *verd = json_object();
    for (int v = 0; v < COOKIE_VERDICT_COUNT; v++)
        json_object_set_new(verd, cookie_verdict_name(v),
                            json_integer((json_int_t)res->web_cookie_verdicts[v]));
    json_object_set_new(o, "cookie_verdicts", verd);
    json_object_set_new(o, "cookies_set", json_integer((json_int_t)res->web_cookies_set));
    json_t *evs = json_array();
    for (unsigned e = 0; e < res->n_events; e++) {
        const struct cookie_exp_event *x = &res->ev[e];
        json_t *j = json_object();
        json_object_set_new(j, "event", json_string(cookie_event_name(x->kind)));
        json_object_set_new(j, "t_s", num(x->t_s));
        json_object_set_new(j, "ok", json_boolean(x->ok));
        json_object_set_new(j, "targeted_frac", num(x->targeted_frac));
        json_object_set_new(j, "affected_frac", num(x->affected_frac));
        json_object_set_new(j, "moved_frac", num(x->moved_frac));
        json_object_set_new(j, "theory_moved", num(x->theory_moved));
        json_object_set_new(j, "origin_fetches", json_integer((json_int_t)x->origin_fetches));
        json_object_set_new(j, "extra_origin", num(x->extra_origin));
        json_object_set_new(j, "p99_1s_ms", num(x->p99_1s_ms));
        json_object_set_new(j, "max_1s_ms", num(x->max_1s_ms));
        json_object_set_new(j, "recover_s", num(x->recover_s));
        json_object_set_new(j, "new_slot_share", num(x->new_slot_share));
        json_array_append_new(evs, j);
    }
    json_object_set_new(o, "events", evs);
    return o;
}
