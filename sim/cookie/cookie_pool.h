/* cookie_pool: the configured cache pool, shared by all web servers (what an
 * operator would push to them as configuration): slot -> memcached port,
 * an incarnation number per slot, the cookie key and its epoch. */
#ifndef GEOKV_COOKIE_POOL_H
#define GEOKV_COOKIE_POOL_H

#include <pthread.h>
#include <stdint.h>

#include "sim/cookie/cookie_token.h"

#define COOKIE_MAX_SLOTS 16

struct cookie_pool {
    pthread_mutex_t mu;
    unsigned n;
    int ports[COOKIE_MAX_SLOTS];
    unsigned gen[COOKIE_MAX_SLOTS];
    unsigned version;   /* bumped on every change, so readers can cache */
    unsigned epoch;     /* cookie key epoch; cookies of other epochs are stale */
    unsigned char key[COOKIE_TOKEN_KEYLEN];
};

/* A consistent copy for one request; live[] is filled in by the web server
 * from its own view of which servers answer. */
struct cookie_view {
    unsigned n;
    int ports[COOKIE_MAX_SLOTS];
    unsigned gen[COOKIE_MAX_SLOTS];
    unsigned char live[COOKIE_MAX_SLOTS];
    unsigned version;
    unsigned epoch;
    unsigned char key[COOKIE_TOKEN_KEYLEN];
};

/* key may be NULL: a random key from getrandom(). */
int cookie_pool_init(struct cookie_pool *p, const unsigned char *key);
void cookie_pool_destroy(struct cookie_pool *p);
/* Append a server (scale-out); returns its slot or -1 when full. */
int cookie_pool_add(struct cookie_pool *p, int port);
/* Put a new server into an existing slot (its old cookies become stale). */
int cookie_pool_replace(struct cookie_pool *p, unsigned slot, int port);
/* Start a new key epoch: every cookie issued before is stale. */
void cookie_pool_rotate_epoch(struct cookie_pool *p);
void cookie_pool_snapshot(struct cookie_pool *p, struct cookie_view *v);

/* Number of live slots in v. */
unsigned cookie_view_live_count(const struct cookie_view *v);

#endif
