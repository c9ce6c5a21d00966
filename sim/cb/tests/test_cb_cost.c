/* test_cb_cost.c: the cost model's line counts against the original's code
 * (as the fidelity design counts them) and the virtual-time server. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sim/cb/cb_cost.h"
#include "sim/cb/cb_internal.h"

static void test_peer_event_lines(void **state)
{
    (void)state;
    /* 5n^2 + 9n + 22 + A */
    assert_int_equal((int)cb_cost_lines_peer_event(10, 0), 500 + 90 + 22);
    assert_int_equal((int)cb_cost_lines_peer_event(10, 9), 500 + 90 + 22 + 9);
    assert_int_equal((int)cb_cost_lines_peer_event(2, 0), 20 + 18 + 22);
    /* one peer: no rules, 18 lines */
    assert_int_equal((int)cb_cost_lines_peer_event(1, 0), 18);
    /* under the lock: 10 fewer (watch line, claim 5, 2 before Lock, 2 after Unlock) */
    assert_int_equal((int)cb_cost_lines_peer_event_locked(10, 0), 500 + 90 + 12);
    assert_int_equal((int)cb_cost_lines_peer_event_locked(1, 0), 8);
    /* the per-source parts add up to the event minus its 22 fixed lines */
    for (int n = 2; n <= 50; n++) {
        double s = 0;
        for (int i = 0; i < n; i++)
            s += cb_cost_lines_peer_source(n, 1);
        assert_true(s + 22 == cb_cost_lines_peer_event(n, n));
    }
}

static void test_other_lines(void **state)
{
    (void)state;
    assert_int_equal((int)cb_cost_lines_host_event(), 39);
    assert_int_equal((int)cb_cost_lines_host_event_locked(), 26);
    assert_int_equal((int)cb_cost_lines_init_lock(0), 5);
    assert_int_equal((int)cb_cost_lines_init_lock(49), 5 + 6 * 49);
    assert_int_equal((int)cb_cost_lines_agent_event(CB_COST_EV_OWN_CONFIGURING, 10, 0), 6 * 10 + 46);
    assert_int_equal((int)cb_cost_lines_agent_event(CB_COST_EV_OWN_CONFIGURING, 0, 0), 35);
    assert_int_equal((int)cb_cost_lines_agent_event(CB_COST_EV_OWN_TUNNELING, 10, 0), 6 * 10 + 24);
    assert_int_equal((int)cb_cost_lines_agent_event(CB_COST_EV_OTHER, 10, 0), 13);
    assert_int_equal((int)cb_cost_lines_agent_event(CB_COST_EV_OTHER_TUNNELING, 10, 1), 29);
}

static void test_run_totals(void **state)
{
    (void)state;
    /* the design's run totals: 8.8k, 60.7k, 196k, 454k, 876k lines (N = 10..50),
     * which leave out the N(N-1) appended entries: within 1 % */
    const double want[] = {8.8e3, 60.7e3, 196e3, 454e3, 876e3};
    for (int k = 0; k < 5; k++) {
        double got = cb_cost_lines_run_before(10 * (k + 1));
        assert_true(got > want[k] * 0.99 && got < want[k] * 1.01);
    }
    assert_int_equal((int)cb_cost_lines_run_before(10), 8832);
    /* O(N^3): doubling N multiplies by about 8 */
    double r = cb_cost_lines_run_before(100) / cb_cost_lines_run_before(50);
    assert_true(r > 7.5 && r < 8.2);
}

static void test_vm_slot(void **state)
{
    (void)state;
    double busy = 0;
    /* idle server: starts now */
    assert_true(cb_vm_slot(10.0, &busy, 0.5, 1.0) == 10.5);
    assert_true(busy == 10.5);
    /* a second spend at the same moment queues behind the first */
    assert_true(cb_vm_slot(10.0, &busy, 0.5, 1.0) == 11.0);
    /* cost 0 costs nothing: no wait behind the queue, queue unchanged */
    assert_true(cb_vm_slot(10.2, &busy, 0.0, 1.0) == 10.2);
    assert_true(busy == 11.0);
    /* after the queue drained: starts at now again */
    assert_true(cb_vm_slot(20.0, &busy, 1.0, 1.0) == 21.0);
    /* speed 2 halves the time, speed 0.5 doubles it */
    busy = 0;
    assert_true(cb_vm_slot(0.0, &busy, 1.0, 2.0) == 0.5);
    busy = 0;
    assert_true(cb_vm_slot(0.0, &busy, 1.0, 0.5) == 2.0);
    /* a negative cost is no cost */
    busy = 3;
    assert_true(cb_vm_slot(1.0, &busy, -1.0, 1.0) == 1.0);
    assert_true(busy == 3);
}

/* A run compressed as a whole (time_scale) compresses the VMs' CPU by the
 * same factor; unset (0) leaves the profile's costs as they are. */
static void test_time_scale(void **state)
{
    cb_profile p;
    cb_run_config cfg;
    cb_ctx x;
    (void)state;
    cb_profile_ideal(&p);
    p.cost_model = true;
    p.c_line_us = 70;
    p.c_peer_decode_us = 8;
    p.c_rule_codec_per_entry_us = 2;
    p.c_iface_exec_us = 1000;
    memset(&cfg, 0, sizeof cfg);
    memset(&x, 0, sizeof x);
    cfg.profile = &p;
    x.cfg = &cfg;
    assert_int_equal(cb_cost_attach(&x), 0);
    assert_true(fabs(x.cost->line_s - 70e-6) < 1e-15 && fabs(x.cost->iface_s - 1e-3) < 1e-15);
    cb_cost_detach(&x);
    cfg.time_scale = 0.25;
    assert_int_equal(cb_cost_attach(&x), 0);
    assert_true(fabs(x.cost->line_s - 0.25 * 70e-6) < 1e-15);
    assert_true(fabs(x.cost->peer_decode_s - 0.25 * 8e-6) < 1e-15);
    assert_true(fabs(x.cost->rule_entry_s - 0.25 * 2e-6) < 1e-15);
    assert_true(fabs(x.cost->iface_s - 0.25 * 1e-3) < 1e-15);
    cb_cost_detach(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peer_event_lines),
        cmocka_unit_test(test_other_lines),
        cmocka_unit_test(test_run_totals),
        cmocka_unit_test(test_vm_slot),
        cmocka_unit_test(test_time_scale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
