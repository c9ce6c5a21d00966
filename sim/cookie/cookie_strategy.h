/* cookie_strategy: where a client's data lives, behind one interface so that
 * the web server never branches on the strategy.
 *
 *   cookie  the source document's scheme: first placement hash(C) % N (or
 *           random % N), written into a signed cookie; later requests go to
 *           the slot the cookie names; a dead slot is replaced by a live one
 *           and the cookie rewritten.
 *   modulo  hash(key) % (number of live servers), no cookie.
 *   ketama  consistent hashing (libmemcached's ketama continuum over the live
 *           servers), no cookie.
 */
#ifndef GEOKV_COOKIE_STRATEGY_H
#define GEOKV_COOKIE_STRATEGY_H

#include <stddef.h>
#include <stdint.h>

#include "sim/cookie/cookie_pool.h"
#include "sim/cookie/cookie_token.h"

struct cookie_route {
    unsigned slot;
    int set_cookie;                /* send a fresh cookie naming slot */
    enum cookie_verdict verdict;   /* of the cookie the request carried */
};

enum cookie_failover {
    COOKIE_FAILOVER_RANDOM = 0,  /* any live server at random (the document's first choice) */
    COOKIE_FAILOVER_ORDER,       /* the next live slot after the failed one (a fixed order) */
    COOKIE_FAILOVER_HASH,        /* hash(C) % live count: deterministic, spreads evenly */
};

struct cookie_strategy_opts {
    int place_random;   /* cookie strategy: random % N instead of hash % N */
    uint64_t seed;      /* for place_random and random failover */
    enum cookie_failover failover;   /* cookie strategy: where a dead slot's client goes */
};

/* "random", "order", "hash" -> mode; -1 when unknown. */
int cookie_failover_parse(const char *name);
const char *cookie_failover_name(enum cookie_failover f);

struct cookie_strategy {
    const char *name;
    int uses_cookie;
    /* Per-thread state (rings, RNG); the strategy functions are called by one
     * thread at a time per state. */
    void *(*state_new)(const struct cookie_strategy_opts *opts);
    void (*state_free)(void *state);
    /* Choose the slot for client among v->live. cookie: the request's
     * placement cookie value or NULL. Returns 0, or -1 when no slot is live. */
    int (*route)(void *state, const struct cookie_view *v, uint64_t client,
                 const char *cookie, struct cookie_route *out);
    /* out->slot failed (and is no longer live in v): choose another slot. */
    int (*reroute)(void *state, const struct cookie_view *v, uint64_t client,
                   struct cookie_route *out);
};

extern const struct cookie_strategy cookie_strategy_cookie;
extern const struct cookie_strategy cookie_strategy_modulo;
extern const struct cookie_strategy cookie_strategy_ketama;

/* NULL when unknown. */
const struct cookie_strategy *cookie_strategy_find(const char *name);
/* "cookie,modulo,ketama" order, NULL-terminated. */
extern const struct cookie_strategy *const cookie_strategies[];

/* The memcached key of a client's data: "geokv:u:<client>". */
size_t cookie_client_key(uint64_t client, char *buf, size_t len);
/* The hash every strategy starts from (MD5 of the key, libmemcached's). */
uint32_t cookie_client_hash(uint64_t client);

#endif
