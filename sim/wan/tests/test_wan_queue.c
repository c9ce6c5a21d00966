/* test_wan_queue.c: release-time arithmetic (jitter never reorders), bandwidth,
 * chunk FIFO and deadline heap of the WAN emulator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/wan/wan_queue.h"

#define MS 1000000ULL

static void test_release_plain_delay(void **state)
{
    (void)state;
    assert_true(wan_release_ns(0, 1000, 5 * MS, 0) == 1000 + 5 * MS);
    /* a negative jitter larger than the delay never releases before arrival */
    assert_true(wan_release_ns(0, 1000, 5 * MS, -(int64_t)(9 * MS)) == 1000);
    /* never before the previous chunk */
    assert_true(wan_release_ns(50 * MS, 1000, 5 * MS, 0) == 50 * MS);
}

/* Property: whatever the jitter, release times of one connection are
 * non-decreasing, never earlier than arrival + delay + jitter, and without
 * jitter exactly arrival + delay. */
static void test_jitter_never_reorders(void **state)
{
    (void)state;
    wan_rng r;
    wan_rng_seed(&r, 42);
    wan_jitter j = { .sigma_ms = 2.0, .spike_ms = 20.0, .spike_prob = 0.05 };
    uint64_t prev = 0, arrival = 0, delay = 37 * MS;
    int spikes = 0, held_back = 0;
    for (int i = 0; i < 100000; i++) {
        arrival += wan_rng_next(&r) % (2 * MS);
        int64_t jit = wan_jitter_sample_ns(&j, &r);
        if (jit > 10 * (int64_t)MS)
            spikes++;
        uint64_t rel = wan_release_ns(prev, arrival, delay, jit);
        assert_true(rel >= prev);
        int64_t want = (int64_t)arrival + (int64_t)delay + jit;
        assert_true((int64_t)rel >= want);
        if ((int64_t)rel > want)
            held_back++;
        prev = rel;
    }
    /* the spikes happened with about their probability, and some chunks were
     * held back behind a late one (the case the max() exists for) */
    assert_in_range(spikes, 4000, 6000);
    assert_true(held_back > 1000);
}

static void test_jitter_distribution(void **state)
{
    (void)state;
    wan_rng r;
    wan_rng_seed(&r, 7);
    wan_jitter j = { .sigma_ms = 1.0 };
    double sum = 0, sq = 0;
    int n = 200000;
    for (int i = 0; i < n; i++) {
        double x = (double)wan_jitter_sample_ns(&j, &r) / 1e6;
        sum += x;
        sq += x * x;
    }
    double mean = sum / n, sd = sqrt(sq / n - mean * mean);
    assert_true(fabs(mean) < 0.02);
    assert_true(fabs(sd - 1.0) < 0.02);
    wan_jitter none = { 0 };
    assert_true(wan_jitter_sample_ns(&none, &r) == 0);
    assert_true(wan_jitter_sample_ns(NULL, &r) == 0);
}

static void test_bandwidth(void **state)
{
    (void)state;
    uint64_t free_at = 0;
    /* 1 MB/s: 1000 bytes take 1 ms */
    assert_true(wan_bw_depart_ns(&free_at, 0, 1000, 1e6) == 1 * MS);
    /* a second chunk arriving at once queues behind the first */
    assert_true(wan_bw_depart_ns(&free_at, 0, 1000, 1e6) == 2 * MS);
    /* after an idle period it starts at arrival */
    assert_true(wan_bw_depart_ns(&free_at, 10 * MS, 500, 1e6) == 10 * MS + MS / 2);
    /* no cap */
    assert_true(wan_bw_depart_ns(&free_at, 3, 1 << 20, 0) == 3);
    assert_true(free_at == 10 * MS + MS / 2);
}

static void test_queue_fifo(void **state)
{
    (void)state;
    wan_queue q = { 0 };
    assert_true(wan_queue_next_release(&q) == UINT64_MAX);
    assert_false(wan_queue_due(&q, 100));
    assert_int_equal(wan_queue_push(&q, "abc", 3, 10), 0);
    assert_int_equal(wan_queue_push(&q, "de", 2, 5), 0);   /* raised to 10: no reorder */
    assert_int_equal(wan_queue_push(&q, "f", 1, 30), 0);
    assert_int_equal(wan_queue_push_eof(&q, 20), 0);      /* EOF after the data */
    assert_int_equal(q.bytes, 6);
    assert_int_equal(q.chunks, 4);
    assert_false(wan_queue_due(&q, 9));
    assert_true(wan_queue_due(&q, 10));
    assert_memory_equal(q.head->data, "abc", 3);
    wan_queue_consume(&q, 2);                           /* partial write */
    assert_int_equal(q.bytes, 4);
    assert_int_equal(q.head->off, 2);
    wan_queue_consume(&q, 5);                           /* clipped to what is left */
    assert_int_equal(q.head->len, 2);
    assert_true(q.head->release_ns == 10);
    wan_queue_consume(&q, 2);
    assert_true(wan_queue_next_release(&q) == 30);
    wan_queue_pop(&q);
    assert_true(q.head->eof);
    assert_true(q.head->release_ns == 30);
    wan_queue_consume(&q, 1);                           /* an EOF marker is popped, not consumed */
    assert_non_null(q.head);
    wan_queue_pop(&q);
    assert_null(q.head);
    assert_null(q.tail);
    assert_int_equal(q.bytes, 0);
    wan_queue_push(&q, "x", 1, 1);
    wan_queue_push(&q, "y", 1, 2);
    wan_queue_clear(&q);
    assert_null(q.head);
    assert_int_equal(q.bytes, 0);
}

static void test_heap(void **state)
{
    (void)state;
    enum { N = 1000 };
    wan_heap h = { 0 };
    wan_hnode *nodes = calloc(N, sizeof *nodes);
    wan_rng r;
    wan_rng_seed(&r, 1);
    for (int i = 0; i < N; i++) {
        wan_hnode_init(&nodes[i]);
        assert_int_equal(wan_heap_set(&h, &nodes[i], wan_rng_next(&r) % 100000), 0);
    }
    /* move some, remove some */
    for (int i = 0; i < N; i += 3)
        wan_heap_set(&h, &nodes[i], wan_rng_next(&r) % 100000);
    for (int i = 1; i < N; i += 7) {
        wan_heap_remove(&h, &nodes[i]);
        assert_int_equal(nodes[i].idx, -1);
        wan_heap_remove(&h, &nodes[i]);   /* twice is harmless */
    }
    uint64_t prev = 0;
    int popped = 0;
    wan_hnode *t;
    while ((t = wan_heap_top(&h)) != NULL) {
        assert_true(t->key >= prev);
        prev = t->key;
        wan_heap_remove(&h, t);
        popped++;
    }
    assert_int_equal(popped, N - (N - 1 + 6) / 7);
    wan_heap_free(&h);
    free(nodes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_release_plain_delay),
        cmocka_unit_test(test_jitter_never_reorders),
        cmocka_unit_test(test_jitter_distribution),
        cmocka_unit_test(test_bandwidth),
        cmocka_unit_test(test_queue_fifo),
        cmocka_unit_test(test_heap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
