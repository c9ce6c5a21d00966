/* wan_queue.h: the pure logic under the WAN emulator, kept apart so it can be
 * unit-tested without sockets:
 *   - release-time arithmetic (delay, jitter, bandwidth) that never reorders;
 *   - a FIFO of byte chunks each stamped with its release time;
 *   - an indexed binary min-heap of deadlines (the timer queue);
 *   - a small seeded PRNG with normal samples for jitter.
 * Times are nanoseconds on CLOCK_MONOTONIC.
 */
#ifndef GEOKV_WAN_QUEUE_H
#define GEOKV_WAN_QUEUE_H

#include <stddef.h>
#include <stdint.h>

/* ---- random numbers and jitter ----------------------------------------- */

typedef struct wan_rng { uint64_t s; } wan_rng;

void wan_rng_seed(wan_rng *r, uint64_t seed);
uint64_t wan_rng_next(wan_rng *r);           /* splitmix64 */
double wan_rng_uniform(wan_rng *r);          /* [0, 1) */
double wan_rng_normal(wan_rng *r);           /* standard normal (Box-Muller) */

typedef struct wan_jitter {
    double sigma_ms;     /* normal jitter around the delay (0: none) */
    double spike_ms;     /* size of a rare extra delay */
    double spike_prob;   /* probability of a spike per chunk, 0..1 */
} wan_jitter;

/* One jitter sample in ns (may be negative: normal around 0, plus a spike). */
int64_t wan_jitter_sample_ns(const wan_jitter *j, wan_rng *r);

/* Release time of a chunk that arrived at `arrival`, for a one-way delay and a
 * jitter sample: max(prev_release, arrival + max(0, delay + jitter)). Taking
 * the max with the previous chunk's release keeps bytes of one connection in
 * order, as TCP would (a late segment holds back the ones after it). */
uint64_t wan_release_ns(uint64_t prev_release, uint64_t arrival, uint64_t delay_ns, int64_t jitter_ns);

/* Bandwidth cap: the chunk starts to leave when the link is free (tx_free) or
 * at arrival, whichever is later, and takes len / bytes_per_s. Updates
 * *tx_free and returns the time its last byte has left. bytes_per_s <= 0
 * means no cap (returns arrival, leaves *tx_free alone). */
uint64_t wan_bw_depart_ns(uint64_t *tx_free, uint64_t arrival, size_t len, double bytes_per_s);

/* ---- chunk FIFO --------------------------------------------------------- */

typedef struct wan_chunk {
    struct wan_chunk *next;
    uint64_t release_ns;
    uint32_t len, off;       /* off: bytes already written */
    int eof;                 /* end-of-stream marker (len 0) */
    unsigned char data[];
} wan_chunk;

typedef struct wan_queue {
    wan_chunk *head, *tail;
    size_t bytes;            /* unwritten bytes queued */
    size_t chunks;
    uint64_t last_release_ns;/* release time of the newest chunk (or a floor) */
} wan_queue;

/* Append; the release time is raised to last_release_ns when lower (order is
 * kept whatever the caller computed). Returns 0, or -1 when out of memory. */
int wan_queue_push(wan_queue *q, const void *data, size_t len, uint64_t release_ns);
int wan_queue_push_eof(wan_queue *q, uint64_t release_ns);
/* UINT64_MAX when empty. */
uint64_t wan_queue_next_release(const wan_queue *q);
/* Is the head due at `now`? */
int wan_queue_due(const wan_queue *q, uint64_t now);
/* Consume n bytes of the head chunk; frees it when done. */
void wan_queue_consume(wan_queue *q, size_t n);
void wan_queue_pop(wan_queue *q);
void wan_queue_clear(wan_queue *q);

/* ---- deadline heap ------------------------------------------------------ */

typedef struct wan_hnode {
    uint64_t key;
    int idx;                 /* position in the heap, -1 when not in it */
} wan_hnode;

typedef struct wan_heap {
    wan_hnode **a;
    int n, cap;
} wan_heap;

void wan_hnode_init(wan_hnode *n);
/* Insert, or move to the new key when already in. -1 on out of memory. */
int wan_heap_set(wan_heap *h, wan_hnode *node, uint64_t key);
void wan_heap_remove(wan_heap *h, wan_hnode *node);   /* no-op when not in */
wan_hnode *wan_heap_top(const wan_heap *h);           /* NULL when empty */
void wan_heap_free(wan_heap *h);

#endif
