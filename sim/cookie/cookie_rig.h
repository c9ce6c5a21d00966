/* cookie_rig: the real parts of one run: N memcached servers (plus spares
 * for scale-out, started before the run so that adding one is only a
 * configuration change), the pool, and W web servers. Every pid and web
 * port is remembered so a test can check nothing is left behind. */
#ifndef GEOKV_COOKIE_RIG_H
#define GEOKV_COOKIE_RIG_H

#include <stddef.h>
#include <sys/types.h>

#include "sim/cookie/cookie_load.h"
#include "sim/cookie/cookie_mc.h"
#include "sim/cookie/cookie_pool.h"
#include "sim/cookie/cookie_web.h"

struct cookie_rig {
    struct cookie_pool pool;
    int pool_ready;
    struct cookie_mc mc[COOKIE_MAX_SLOTS];
    unsigned n_mc;        /* started (pool + spares) */
    unsigned n_pool;      /* in the pool */
    struct cookie_web *web[COOKIE_LOAD_MAX_WEB];
    unsigned n_web;
    pid_t pids_seen[COOKIE_MAX_SLOTS];
    int web_ports_seen[COOKIE_LOAD_MAX_WEB];
};

/* key NULL = random key. */
int cookie_rig_start(struct cookie_rig *rig, unsigned n_cache, unsigned spares, unsigned n_web,
                     const struct cookie_web_config *wcfg, const struct cookie_strategy *strategy,
                     const unsigned char *key, char *err, size_t errlen);
/* Put the next spare into the pool; returns its slot or -1. */
int cookie_rig_scaleout(struct cookie_rig *rig);
int cookie_rig_kill(struct cookie_rig *rig, unsigned slot);
int cookie_rig_hang(struct cookie_rig *rig, unsigned slot);
/* The on_event callback of cookie_load (ctx = rig). */
int cookie_rig_on_event(void *ctx, const struct cookie_load_event *ev);
void cookie_rig_stop(struct cookie_rig *rig);
/* After stop: how many recorded memcached pids still exist plus how many
 * recorded web ports still accept connections (0 = clean). */
int cookie_rig_leftovers(const struct cookie_rig *rig);

#endif
