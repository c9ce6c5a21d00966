#include "sim/cookie/cookie_rig.h"

#include <stdio.h>
#include <string.h>

#include "sim/cookie/cookie_proc.h"

int cookie_rig_start(struct cookie_rig *rig, unsigned n_cache, unsigned spares, unsigned n_web,
                     const struct cookie_web_config *wcfg, const struct cookie_strategy *strategy,
                     const unsigned char *key, char *err, size_t errlen)
{
    memset(rig, 0, sizeof *rig);
    cookie_proc_init();
    if (n_cache == 0 || n_cache + spares > COOKIE_MAX_SLOTS || n_web == 0 ||
        n_web > COOKIE_LOAD_MAX_WEB) {
        snprintf(err, errlen, "rig: need 1..%d cache servers (with spares) and 1..%d web servers",
                 COOKIE_MAX_SLOTS, COOKIE_LOAD_MAX_WEB);
        return -1;
    }
    if (cookie_pool_init(&rig->pool, key) != 0) {
        snprintf(err, errlen, "rig: getrandom for the cookie key failed");
        return -1;
    }
    rig->pool_ready = 1;
    for (unsigned i = 0; i < n_cache + spares; i++) {
        if (cookie_mc_start(&rig->mc[i], 64, err, errlen) != 0)
            goto fail;
        rig->pids_seen[i] = rig->mc[i].pid;
        rig->n_mc++;
    }
    for (unsigned i = 0; i < n_cache; i++)
        cookie_pool_add(&rig->pool, rig->mc[i].port);
    rig->n_pool = n_cache;
    for (unsigned i = 0; i < n_web; i++) {
        char name[8];
        snprintf(name, sizeof name, "W%u", i + 1);
        if (cookie_web_start(name, wcfg, &rig->pool, strategy, &rig->web[i], err, errlen) != 0)
            goto fail;
        rig->web_ports_seen[i] = cookie_web_port(rig->web[i]);
        rig->n_web++;
    }
    return 0;
fail:
    cookie_rig_stop(rig);
    return -1;
}

int cookie_rig_scaleout(struct cookie_rig *rig)
{
    if (rig->n_pool >= rig->n_mc)
        return -1;
    int slot = cookie_pool_add(&rig->pool, rig->mc[rig->n_pool].port);
    if (slot >= 0)
        rig->n_pool++;
    return slot;
}

int cookie_rig_kill(struct cookie_rig *rig, unsigned slot)
{
    return slot < rig->n_pool ? cookie_mc_kill9(&rig->mc[slot]) : -1;
}

int cookie_rig_hang(struct cookie_rig *rig, unsigned slot)
{
    return slot < rig->n_pool ? cookie_mc_hang(&rig->mc[slot]) : -1;
}

int cookie_rig_on_event(void *ctx, const struct cookie_load_event *ev)
{
    struct cookie_rig *rig = ctx;
    switch (ev->kind) {
    case COOKIE_EV_KILL:
        return cookie_rig_kill(rig, ev->arg);
    case COOKIE_EV_HANG:
        return cookie_rig_hang(rig, ev->arg);
    case COOKIE_EV_SCALEOUT:
        return cookie_rig_scaleout(rig) >= 0 ? 0 : -1;
    case COOKIE_EV_COOKIELOSS:
        return 0;
    }
    return -1;
}

void cookie_rig_stop(struct cookie_rig *rig)
{
    /* Web servers first: their threads talk to the cache servers. */
    for (unsigned i = 0; i < rig->n_web; i++) {
        cookie_web_stop(rig->web[i]);
        rig->web[i] = NULL;
    }
    rig->n_web = 0;
    for (unsigned i = 0; i < rig->n_mc; i++)
        cookie_mc_stop(&rig->mc[i]);
    rig->n_mc = 0;
    if (rig->pool_ready)
        cookie_pool_destroy(&rig->pool);
    rig->pool_ready = 0;
}

int cookie_rig_leftovers(const struct cookie_rig *rig)
{
    int left = 0;
    for (unsigned i = 0; i < COOKIE_MAX_SLOTS; i++)
        left += rig->pids_seen[i] > 0 && cookie_proc_alive(rig->pids_seen[i]);
    for (unsigned i = 0; i < COOKIE_LOAD_MAX_WEB; i++)
        left += rig->web_ports_seen[i] > 0 && cookie_tcp_probe(rig->web_ports_seen[i], 100);
    return left;
}
