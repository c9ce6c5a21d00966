#include "sim/cookie/cookie_strategy.h"

#include <libmemcached/memcached.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t cookie_client_key(uint64_t client, char *buf, size_t len)
{
    int n = snprintf(buf, len, "geokv:u:%llu", (unsigned long long)client);
    return n < 0 ? 0 : (size_t)n;
}

uint32_t cookie_client_hash(uint64_t client)
{
    char key[48];
    size_t n = cookie_client_key(client, key, sizeof key);
    return memcached_generate_hash_value(key, n, MEMCACHED_HASH_MD5);
}

/* The i-th live slot (i < live count). */
static unsigned nth_live(const struct cookie_view *v, unsigned i)
{
    for (unsigned s = 0; s < v->n; s++)
        if (v->live[s] && i-- == 0)
            return s;
    return 0;
}

/* ---- cookie ------------------------------------------------------------ */

struct cookie_state {
    struct cookie_strategy_opts opts;
    uint64_t rng;
};

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void *cookie_state_new(const struct cookie_strategy_opts *opts)
{
    struct cookie_state *s = calloc(1, sizeof *s);
    if (s) {
        s->opts = *opts;
        s->rng = opts->seed ^ (uint64_t)(uintptr_t)s;
    }
    return s;
}

static void plain_state_free(void *state)
{
    free(state);
}

static const char *const failover_names[] = { "random", "order", "hash" };

int cookie_failover_parse(const char *name)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(name, failover_names[i]) == 0)
            return i;
    return -1;
}

const char *cookie_failover_name(enum cookie_failover f)
{
    return (unsigned)f < 3 ? failover_names[f] : "?";
}

/* Re-placement on a live slot when the wanted one (`from`, or -1) is dead or
 * the cookie is unusable, by the configured failover rule. */
static int cookie_place_live(struct cookie_state *s, const struct cookie_view *v,
                             uint64_t client, int from, struct cookie_route *out)
{
    unsigned live = cookie_view_live_count(v);
    if (live == 0)
        return -1;
    if (s->opts.failover == COOKIE_FAILOVER_ORDER && from >= 0) {
        for (unsigned k = 1; k <= v->n; k++) {
            unsigned slot = ((unsigned)from + k) % v->n;
            if (v->live[slot]) {
                out->slot = slot;
                break;
            }
        }
    } else {
        uint64_t h = s->opts.failover == COOKIE_FAILOVER_HASH ? cookie_client_hash(client)
                                                             : splitmix(&s->rng);
        out->slot = nth_live(v, (unsigned)(h % live));
    }
    out->set_cookie = 1;
    return 0;
}

static int cookie_route(void *state, const struct cookie_view *v, uint64_t client,
                        const char *cookie, struct cookie_route *out)
{
    struct cookie_state *s = state;
    struct cookie_trust trust = { v->key, v->epoch, v->n, v->gen };
    unsigned slot = 0;

    out->set_cookie = 0;
    out->verdict = cookie_token_check(&trust, client, cookie, &slot);
    if (out->verdict == COOKIE_OK && v->live[slot]) {
        out->slot = slot;
        return 0;
    }
    int wanted = out->verdict == COOKIE_OK ? (int)slot : -1;
    if (out->verdict != COOKIE_OK && v->n > 0) {
        /* First placement as in the document: hash(C) % N (or random % N)
         * over the whole configured pool; only if that one is down do we
         * fall back to the live ones. */
        uint64_t h = s->opts.place_random ? splitmix(&s->rng) : cookie_client_hash(client);
        slot = (unsigned)(h % v->n);
        if (v->live[slot]) {
            out->slot = slot;
            out->set_cookie = 1;
            return 0;
        }
        wanted = (int)slot;
    }
    return cookie_place_live(s, v, client, wanted, out);
}

static int cookie_reroute(void *state, const struct cookie_view *v, uint64_t client,
                          struct cookie_route *out)
{
    return cookie_place_live(state, v, client, (int)out->slot, out);
}

const struct cookie_strategy cookie_strategy_cookie = {
    .name = "cookie",
    .uses_cookie = 1,
    .state_new = cookie_state_new,
    .state_free = plain_state_free,
    .route = cookie_route,
    .reroute = cookie_reroute,
};

/* ---- modulo and ketama: libmemcached's own distributions ----------------- */

/* A memcached_st holding only the live servers, used just to ask
 * memcached_generate_hash() which of them a key belongs to (no I/O). It is
 * rebuilt when the pool or the live set changes. */
struct ring_state {
    memcached_server_distribution_t dist;
    memcached_st *ring;
    unsigned version;
    unsigned char live[COOKIE_MAX_SLOTS];
    unsigned n;
    unsigned ring_slot[COOKIE_MAX_SLOTS];  /* ring position -> slot */
};

static void *ring_state_new(memcached_server_distribution_t dist)
{
    struct ring_state *s = calloc(1, sizeof *s);
    if (s)
        s->dist = dist;
    return s;
}

static void *modulo_state_new(const struct cookie_strategy_opts *opts)
{
    return ring_state_new(MEMCACHED_DISTRIBUTION_MODULA);
}

static void *ketama_state_new(const struct cookie_strategy_opts *opts)
{
    return ring_state_new(MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA);
}

static void ring_state_free(void *state)
{
    struct ring_state *s = state;
    if (s && s->ring)
        memcached_free(s->ring);
    free(s);
}

static int ring_sync(struct ring_state *s, const struct cookie_view *v)
{
    if (s->ring && s->version == v->version && s->n == v->n &&
        memcmp(s->live, v->live, sizeof s->live) == 0)
        return 0;
    if (s->ring)
        memcached_free(s->ring);
    s->ring = memcached_create(NULL);
    if (!s->ring)
        return -1;
    memcached_behavior_set(s->ring, MEMCACHED_BEHAVIOR_HASH, MEMCACHED_HASH_MD5);
    memcached_behavior_set(s->ring, MEMCACHED_BEHAVIOR_KETAMA_HASH, MEMCACHED_HASH_MD5);
    memcached_behavior_set(s->ring, MEMCACHED_BEHAVIOR_DISTRIBUTION, s->dist);
    unsigned pos = 0;
    for (unsigned slot = 0; slot < v->n; slot++) {
        if (!v->live[slot])
            continue;
        if (memcached_server_add(s->ring, "127.0.0.1", (in_port_t)v->ports[slot]) !=
            MEMCACHED_SUCCESS)
            goto fail;
        s->ring_slot[pos++] = slot;
    }
    /* Map ring positions back to slots by port: libmemcached may keep its
     * own order. */
    for (unsigned i = 0; i < pos; i++) {
        const memcached_instance_st *in = memcached_server_instance_by_position(s->ring, i);
        in_port_t port = in ? memcached_server_port(in) : 0;
        for (unsigned slot = 0; slot < v->n; slot++)
            if (v->live[slot] && v->ports[slot] == port)
                s->ring_slot[i] = slot;
    }
    s->version = v->version;
    s->n = v->n;
    memcpy(s->live, v->live, sizeof s->live);
    return 0;
fail:
    memcached_free(s->ring);
    s->ring = NULL;
    return -1;
}

static int ring_route(void *state, const struct cookie_view *v, uint64_t client,
                      const char *cookie, struct cookie_route *out)
{
    struct ring_state *s = state;
    char key[48];
    size_t n = cookie_client_key(client, key, sizeof key);
    out->set_cookie = 0;
    out->verdict = COOKIE_ABSENT;   /* cookies are not read by this strategy */
    if (cookie_view_live_count(v) == 0 || ring_sync(s, v) != 0)
        return -1;
    uint32_t pos = memcached_generate_hash(s->ring, key, n);
    if (pos >= memcached_server_count(s->ring))
        return -1;
    out->slot = s->ring_slot[pos];
    return 0;
}

static int ring_reroute(void *state, const struct cookie_view *v, uint64_t client,
                        struct cookie_route *out)
{
    enum cookie_verdict keep = out->verdict;
    int rc = ring_route(state, v, client, NULL, out);
    out->verdict = keep;
    return rc;
}

const struct cookie_strategy cookie_strategy_modulo = {
    .name = "modulo",
    .uses_cookie = 0,
    .state_new = modulo_state_new,
    .state_free = ring_state_free,
    .route = ring_route,
    .reroute = ring_reroute,
};

const struct cookie_strategy cookie_strategy_ketama = {
    .name = "ketama",
    .uses_cookie = 0,
    .state_new = ketama_state_new,
    .state_free = ring_state_free,
    .route = ring_route,
    .reroute = ring_reroute,
};

const struct cookie_strategy *const cookie_strategies[] = {
    &cookie_strategy_cookie, &cookie_strategy_modulo, &cookie_strategy_ketama, NULL,
};

const struct cookie_strategy *cookie_strategy_find(const char *name)
{
    for (int i = 0; cookie_strategies[i]; i++)
        if (strcmp(cookie_strategies[i]->name, name) == 0)
            return cookie_strategies[i];
    return NULL;
}
