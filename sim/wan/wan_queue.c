/* wan_queue.c: release times, chunk FIFO, deadline heap, PRNG (see wan_queue.h). */
#include "sim/wan/wan_queue.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void wan_rng_seed(wan_rng *r, uint64_t seed)
{
    r->s = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

uint64_t wan_rng_next(wan_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double wan_rng_uniform(wan_rng *r)
{
    return (double)(wan_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

double wan_rng_normal(wan_rng *r)
{
    double u1 = wan_rng_uniform(r), u2 = wan_rng_uniform(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

int64_t wan_jitter_sample_ns(const wan_jitter *j, wan_rng *r)
{
    double ms = 0;
    if (!j)
        return 0;
    if (j->sigma_ms > 0)
        ms += j->sigma_ms * wan_rng_normal(r);
    if (j->spike_prob > 0 && j->spike_ms > 0 && wan_rng_uniform(r) < j->spike_prob)
        ms += j->spike_ms;
    return (int64_t)llround(ms * 1e6);
}

uint64_t wan_release_ns(uint64_t prev_release, uint64_t arrival, uint64_t delay_ns, int64_t jitter_ns)
{
    int64_t d = (int64_t)delay_ns + jitter_ns;
    uint64_t t = arrival + (d > 0 ? (uint64_t)d : 0);
    return t > prev_release ? t : prev_release;
}

uint64_t wan_bw_depart_ns(uint64_t *tx_free, uint64_t arrival, size_t len, double bytes_per_s)
{
    if (bytes_per_s <= 0)
        return arrival;
    uint64_t start = *tx_free > arrival ? *tx_free : arrival;
    uint64_t end = start + (uint64_t)((double)len * 1e9 / bytes_per_s);
    *tx_free = end;
    return end;
}

static int queue_append(wan_queue *q, const void *data, size_t len, uint64_t release_ns, int eof)
{
    wan_chunk *c = malloc(sizeof *c + len);
    if (!c)
        return -1;
    c->next = NULL;
    if (release_ns < q->last_release_ns)
        release_ns = q->last_release_ns;
    c->release_ns = release_ns;
    q->last_release_ns = release_ns;
    c->len = (uint32_t)len;
    c->off = 0;
    c->eof = eof;
    if (len)
        memcpy(c->data, data, len);
    if (q->tail)
        q->tail->next = c;
    else
        q->head = c;
    q->tail = c;
    q->bytes += len;
    q->chunks++;
    return 0;
}

int wan_queue_push(wan_queue *q, const void *data, size_t len, uint64_t release_ns)
{
    return queue_append(q, data, len, release_ns, 0);
}

int wan_queue_push_eof(wan_queue *q, uint64_t release_ns)
{
    return queue_append(q, NULL, 0, release_ns, 1);
}

uint64_t wan_queue_next_release(const wan_queue *q)
{
    return q->head ? q->head->release_ns : UINT64_MAX;
}

int wan_queue_due(const wan_queue *q, uint64_t now)
{
    return q->head && q->head->release_ns <= now;
}

void wan_queue_pop(wan_queue *q)
{
    wan_chunk *c = q->head;
    if (!c)
        return;
    q->bytes -= c->len - c->off;
    q->head = c->next;
    if (!q->head)
        q->tail = NULL;
    q->chunks--;
    free(c);
}

void wan_queue_consume(wan_queue *q, size_t n)
{
    wan_chunk *c = q->head;
    if (!c)
        return;
    if (n > c->len - c->off)
        n = c->len - c->off;
    c->off += (uint32_t)n;
    q->bytes -= n;
    if (c->off == c->len && !c->eof)
        wan_queue_pop(q);
}

void wan_queue_clear(wan_queue *q)
{
    while (q->head)
        wan_queue_pop(q);
    q->bytes = 0;
}

/* ---- heap ---------------------------------------------------------------- */

void wan_hnode_init(wan_hnode *n)
{
    n->key = 0;
    n->idx = -1;
}

static void heap_swap(wan_heap *h, int i, int j)
{
    wan_hnode *t = h->a[i];
    h->a[i] = h->a[j];
    h->a[j] = t;
    h->a[i]->idx = i;
    h->a[j]->idx = j;
}

static void heap_up(wan_heap *h, int i)
{
    while (i > 0) {
        int p = (i - 1) / 2;
        if (h->a[p]->key <= h->a[i]->key)
            break;
        heap_swap(h, i, p);
        i = p;
    }
}

static void heap_down(wan_heap *h, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && h->a[l]->key < h->a[m]->key)
            m = l;
        if (r < h->n && h->a[r]->key < h->a[m]->key)
            m = r;
        if (m == i)
            return;
        heap_swap(h, i, m);
        i = m;
    }
}

int wan_heap_set(wan_heap *h, wan_hnode *node, uint64_t key)
{
    if (node->idx >= 0) {
        uint64_t old = node->key;
        node->key = key;
        if (key < old)
            heap_up(h, node->idx);
        else
            heap_down(h, node->idx);
        return 0;
    }
    if (h->n == h->cap) {
        int cap = h->cap ? h->cap * 2 : 256;
        wan_hnode **a = realloc(h->a, (size_t)cap * sizeof *a);
        if (!a)
            return -1;
        h->a = a;
        h->cap = cap;
    }
    node->key = key;
    node->idx = h->n;
    h->a[h->n++] = node;
    heap_up(h, node->idx);
    return 0;
}

void wan_heap_remove(wan_heap *h, wan_hnode *node)
{
    int i = node->idx;
    if (i < 0)
        return;
    h->n--;
    if (i != h->n) {
        h->a[i] = h->a[h->n];
        h->a[i]->idx = i;
        heap_down(h, i);
        heap_up(h, h->a[i]->idx);
    }
    node->idx = -1;
}

wan_hnode *wan_heap_top(const wan_heap *h)
{
    return h->n ? h->a[0] : NULL;
}

void wan_heap_free(wan_heap *h)
{
    for (int i = 0; i < h->n; i++)
        h->a[i]->idx = -1;
    free(h->a);
    h->a = NULL;
    h->n = h->cap = 0;
}
