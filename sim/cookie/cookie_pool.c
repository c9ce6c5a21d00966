#include "sim/cookie/cookie_pool.h"

#include <string.h>
#include <sys/random.h>

int cookie_pool_init(struct cookie_pool *p, const unsigned char *key)
{
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    p->epoch = 1;
    if (key) {
        memcpy(p->key, key, sizeof p->key);
        return 0;
    }
    return getrandom(p->key, sizeof p->key, 0) == (ssize_t)sizeof p->key ? 0 : -1;
}

void cookie_pool_destroy(struct cookie_pool *p)
{
    pthread_mutex_destroy(&p->mu);
}

int cookie_pool_add(struct cookie_pool *p, int port)
{
    int slot = -1;
    pthread_mutex_lock(&p->mu);
    if (p->n < COOKIE_MAX_SLOTS) {
        slot = (int)p->n++;
        p->ports[slot] = port;
        p->gen[slot] = 1;
        p->version++;
    }
    pthread_mutex_unlock(&p->mu);
    return slot;
}

int cookie_pool_replace(struct cookie_pool *p, unsigned slot, int port)
{
    int rc = -1;
    pthread_mutex_lock(&p->mu);
    if (slot < p->n) {
        p->ports[slot] = port;
        p->gen[slot]++;
        p->version++;
        rc = 0;
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

void cookie_pool_rotate_epoch(struct cookie_pool *p)
{
    pthread_mutex_lock(&p->mu);
    p->epoch++;
    p->version++;
    pthread_mutex_unlock(&p->mu);
}

void cookie_pool_snapshot(struct cookie_pool *p, struct cookie_view *v)
{
    pthread_mutex_lock(&p->mu);
    v->n = p->n;
    memcpy(v->ports, p->ports, sizeof v->ports);
    memcpy(v->gen, p->gen, sizeof v->gen);
    v->version = p->version;
    v->epoch = p->epoch;
    memcpy(v->key, p->key, sizeof v->key);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < COOKIE_MAX_SLOTS; i++)
        v->live[i] = i < v->n;
}

unsigned cookie_view_live_count(const struct cookie_view *v)
{
    unsigned c = 0;
    for (unsigned i = 0; i < v->n; i++)
        c += v->live[i] != 0;
    return c;
}
