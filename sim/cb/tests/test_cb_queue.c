/* test_cb_queue.c: the agent event queue (order, idle/busy, wake, the
 * end-of-stream item from a watch's end callback). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cb/cb_internal.h"

static void test_order_and_idle(void **state)
{
    (void)state;
    cb_queue q;
    cb_queue_init(&q);
    assert_true(cb_queue_idle(&q));
    assert_null(cb_queue_pop(&q, 0.01));   /* times out empty */
    for (int i = 0; i < 5; i++) {
        cb_qitem *it = calloc(1, sizeof *it);
        it->src = i;
        cb_queue_push(&q, it);
    }
    assert_false(cb_queue_idle(&q));
    for (int i = 0; i < 5; i++) {
        cb_qitem *it = cb_queue_pop(&q, 0.01);
        assert_non_null(it);
        assert_int_equal(it->src, i);      /* FIFO: events handled in order */
        assert_false(cb_queue_idle(&q));   /* busy while handled */
        cb_queue_done(&q, it);
    }
    assert_true(cb_queue_idle(&q));
    assert_int_equal(q.pushed, 5);
    assert_int_equal(q.handled, 5);
    /* left-over items are freed by destroy */
    cb_queue_push(&q, calloc(1, sizeof(cb_qitem)));
    cb_queue_destroy(&q);
}

static void test_watch_end_queues_reason(void **state)
{
    (void)state;
    cb_queue q;
    cb_queue_init(&q);
    cb_watch_tag tag = {.q = &q, .src = CB_SRC_PEERS};
    etcd_status st = {.code = ETCD_ERR_CONNECT};
    strcpy(st.message, "connection reset by peer");
    cb_watch_on_end(&st, &tag);
    /* a response without events (created / progress) is dropped */
    etcd_watch_response *r = calloc(1, sizeof *r);
    r->created = true;
    cb_watch_on_resp(r, &tag);
    cb_qitem *it = cb_queue_pop(&q, 0.01);
    assert_non_null(it);
    assert_null(it->resp);
    assert_int_equal(it->src, CB_SRC_PEERS);
    assert_string_equal(it->why, "connection reset by peer");
    cb_queue_done(&q, it);
    assert_null(cb_queue_pop(&q, 0.01));
    cb_queue_destroy(&q);
}

static void *popper(void *arg)
{
    cb_queue *q = arg;
    return cb_queue_pop(q, 30.0);
}

static void test_push_wakes_waiter(void **state)
{
    (void)state;
    cb_queue q;
    cb_queue_init(&q);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, popper, &q), 0);
    cb_qitem *it = calloc(1, sizeof *it);
    it->src = 42;
    cb_queue_push(&q, it);
    void *got;
    pthread_join(th, &got);   /* would take 30 s if the push did not wake it */
    assert_ptr_equal(got, it);
    cb_queue_done(&q, it);
    cb_queue_destroy(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_idle),
        cmocka_unit_test(test_watch_end_queues_reason),
        cmocka_unit_test(test_push_wakes_waiter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
