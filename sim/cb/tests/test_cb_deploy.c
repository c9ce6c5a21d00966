/* test_cb_deploy.c: the deploy start schedule (CB_START_DEPLOY). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "sim/cb/cb_schedule.h"

static cb_deploy_params prior(void)
{
    return (cb_deploy_params){.k_ssh = 9, .script_s = 0.2, .sleep_s = 5.0, .binary_bytes = 18e6,
                              .uplink_Bps = 90e6, .window_bytes = 4e6, .init_cwnd_bytes = 14600,
                              .post_s = 0.2, .jitter_s = 0.3, .last_mile_ms = 5.0};
}

/* FIG. 6-like RTTs from Seoul (ms), cycled */
static const double fig6[] = {0.5, 74, 175, 133, 179, 3, 36, 30, 38, 39};

static double spread(const double *o, int n)
{
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++) {
        lo = o[i] < lo ? o[i] : lo;
        hi = o[i] > hi ? o[i] : hi;
    }
    return hi - lo;
}

static double spread_for(int n, double S, double B)
{
    cb_deploy_params p = prior();
    p.binary_bytes = S;
    p.uplink_Bps = B;
    p.jitter_s = 0;
    double rtt[400], o[400];
    for (int i = 0; i < n; i++)
        rtt[i] = fig6[i % 10];
    assert_int_equal(cb_schedule_deploy(&p, rtt, n, 1, o), 0);
    return spread(o, n);
}

static void test_nonnegative_min_zero(void **state)
{
    (void)state;
    cb_deploy_params p = prior();
    double rtt[50], o[50];
    for (int i = 0; i < 50; i++)
        rtt[i] = fig6[i % 10];
    assert_int_equal(cb_schedule_deploy(&p, rtt, 50, 7, o), 0);
    double lo = INFINITY;
    for (int i = 0; i < 50; i++) {
        assert_true(o[i] >= 0);
        lo = o[i] < lo ? o[i] : lo;
    }
    assert_true(lo == 0);
}

static void test_grows_with_rtt(void **state)
{
    (void)state;
    cb_deploy_params p = prior();
    p.jitter_s = 0;
    /* same download share (equal weights, one flow each run): only RTT differs */
    double o[2], rtt[2] = {3, 179};
    assert_int_equal(cb_schedule_deploy(&p, rtt, 2, 1, o), 0);
    assert_true(o[0] == 0 && o[1] > 0);
    /* at least the SSH round trips' difference: 9 x 176 ms */
    assert_true(o[1] > 9 * 0.176);
    double rtt3[3] = {30, 100, 180}, o3[3];
    assert_int_equal(cb_schedule_deploy(&p, rtt3, 3, 1, o3), 0);
    assert_true(o3[0] < o3[1] && o3[1] < o3[2]);
}

static void test_spread_linear_in_NS_over_B(void **state)
{
    (void)state;
    double s10 = spread_for(10, 18e6, 90e6), s20 = spread_for(20, 18e6, 90e6);
    double s40 = spread_for(40, 18e6, 90e6), s80 = spread_for(80, 18e6, 90e6);
    /* grows with N, about linearly once the uplink, not the per-flow window,
     * limits the downloads (from N = 20 here), plus an RTT-only part */
    double d1 = s20 - s10, d2 = s40 - s20, d3 = s80 - s40;
    assert_true(d1 > 0 && d2 > 0 && d3 > 0);
    assert_true(fabs(d3 / d2 - 2.0) < 0.3);
    /* the download part of the spread is a large fraction of N S / B */
    assert_true(s80 > 0.6 * 80 * 18e6 / 90e6 && s80 < 1.1 * 80 * 18e6 / 90e6);
    /* the design's estimate: ~9-10 s at N = 50 with B = 100 MB/s */
    double s50 = spread_for(50, 18e6, 100e6);
    assert_true(s50 > 6 && s50 < 12);
    /* twice the binary or half the uplink: about twice the download part */
    double a = spread_for(40, 18e6, 90e6), b = spread_for(40, 36e6, 90e6), c = spread_for(40, 18e6, 45e6);
    assert_true(b > 1.6 * a && b < 2.2 * a);
    assert_true(fabs(b - c) < 0.05 * b);
}

static void test_fluid_exact(void **state)
{
    (void)state;
    cb_deploy_params p = prior();
    p.window_bytes = 0;          /* no per-flow cap */
    p.init_cwnd_bytes = 0;       /* no slow start */
    p.equal_weights = true;
    p.binary_bytes = 100;
    p.uplink_Bps = 100;
    /* two flows at once, equal share: both end at 2 s */
    double rtt[2] = {0.1, 0.2}, st[2] = {0, 0}, dl[2];
    assert_int_equal(cb_schedule_fluid(&p, rtt, st, 2, dl), 0);
    assert_true(fabs(dl[0] - 2.0) < 1e-9 && fabs(dl[1] - 2.0) < 1e-9);
    /* the second starts at 0.5 s: alone 0.5 s (50 B), shared until the first
     * ends at 1.5 s, the second alone again: 0.5 + 1.0 + 0.5 -> ends at 2.0 */
    st[1] = 0.5;
    assert_int_equal(cb_schedule_fluid(&p, rtt, st, 2, dl), 0);
    assert_true(fabs(dl[0] - 1.5) < 1e-9);
    assert_true(fabs(dl[1] - 1.5) < 1e-9);
    /* a cap: W / rtt = 10 B/s for the slow flow, the rest to the other */
    p.window_bytes = 2;
    st[1] = 0;
    double rtt2[2] = {0.001, 0.2};
    assert_int_equal(cb_schedule_fluid(&p, rtt2, st, 2, dl), 0);
    /* flow 0 at 90 B/s ends at 100/90; flow 1: 10 B/s, then alone but capped at 10 */
    assert_true(fabs(dl[0] - 100.0 / 90) < 1e-9);
    assert_true(fabs(dl[1] - 10.0) < 1e-9);
}

static void test_seeded(void **state)
{
    (void)state;
    cb_deploy_params p = prior();
    double rtt[30], a[30], b[30], c[30];
    for (int i = 0; i < 30; i++)
        rtt[i] = fig6[i % 10];
    assert_int_equal(cb_schedule_deploy(&p, rtt, 30, 42, a), 0);
    assert_int_equal(cb_schedule_deploy(&p, rtt, 30, 42, b), 0);
    assert_int_equal(cb_schedule_deploy(&p, rtt, 30, 43, c), 0);
    assert_memory_equal(a, b, sizeof a);
    assert_true(memcmp(a, c, sizeof a) != 0);
}

static void test_bad_args(void **state)
{
    (void)state;
    cb_deploy_params p = prior();
    double rtt[1] = {10}, o[1];
    assert_int_equal(cb_schedule_deploy(&p, rtt, -1, 1, o), -1);
    assert_int_equal(cb_schedule_deploy(&p, rtt, 0, 1, o), 0);
    p.uplink_Bps = 0;
    assert_int_equal(cb_schedule_deploy(&p, rtt, 1, 1, o), -1);
    p = prior();
    rtt[0] = -1;
    assert_int_equal(cb_schedule_deploy(&p, rtt, 1, 1, o), -1);
    assert_int_equal(cb_schedule_offsets(CB_START_DEPLOY, 0, 0, 1, 1, o), -1);
}

/* delay_scale compresses the deploy's time-only parts and its shared
 * download; with equal RTTs and no window cap, no slow start and no SSH
 * rounds, the whole schedule scales by the factor. */
static void test_scaled(void **state)
{
    (void)state;
    cb_deploy_params p = prior(), q;
    cb_deploy_scaled(&p, 0.2, &q);
    assert_true(fabs(q.sleep_s - 1.0) < 1e-12 && fabs(q.script_s - 0.04) < 1e-12);
    assert_true(fabs(q.post_s - 0.04) < 1e-12 && fabs(q.jitter_s - 0.06) < 1e-12);
    assert_true(fabs(q.uplink_Bps - 450e6) < 1);
    /* round-trip parts untouched */
    assert_true(q.k_ssh == p.k_ssh && q.window_bytes == p.window_bytes && q.last_mile_ms == p.last_mile_ms &&
                q.init_cwnd_bytes == p.init_cwnd_bytes && q.binary_bytes == p.binary_bytes);
    cb_deploy_scaled(&p, 0, &q);   /* unset: 1 */
    assert_memory_equal(&p, &q, sizeof p);

    p.k_ssh = 0;
    p.window_bytes = 0;
    p.init_cwnd_bytes = 0;
    p.last_mile_ms = 0;
    double rtt[6] = {10, 10, 10, 10, 10, 10}, full[6], fast[6];
    cb_deploy_scaled(&p, 1.0, &q);
    assert_int_equal(cb_schedule_deploy(&q, rtt, 6, 3, full), 0);
    cb_deploy_scaled(&p, 0.25, &q);
    assert_int_equal(cb_schedule_deploy(&q, rtt, 6, 3, fast), 0);
    for (int i = 0; i < 6; i++)
        assert_true(fabs(fast[i] - 0.25 * full[i]) < 1e-9);
    assert_true(spread(full, 6) > 0);
}

/* time_scale on top: the last mile scales too, so with the caller's RTTs
 * scaled by the same factor every part of the schedule (SSH rounds, window
 * cap, slow start, shared uplink, sleeps, jitter) scales exactly: offsets at
 * f are f times the full-time ones, with unequal RTTs. */
static void test_time_scaled(void **state)
{
    (void)state;
    cb_deploy_params p = prior(), q;
    double rtt[6] = {3, 74, 120, 180, 35, 250}, rtt_f[6], full[6], fast[6];
    cb_deploy_time_scaled(&p, 0.1, 0.1, &q);
    assert_true(fabs(q.last_mile_ms - 0.1 * p.last_mile_ms) < 1e-12 && fabs(q.sleep_s - 0.1 * p.sleep_s) < 1e-12);
    cb_deploy_time_scaled(&p, 0.1, 0, &q);   /* unset: the last mile as before */
    assert_true(q.last_mile_ms == p.last_mile_ms);
    assert_true(p.last_mile_ms > 0 && p.k_ssh > 0 && p.window_bytes > 0 && p.init_cwnd_bytes > 0);
    cb_deploy_time_scaled(&p, 1, 1, &q);
    assert_int_equal(cb_schedule_deploy(&q, rtt, 6, 7, full), 0);
    for (double f = 0.5; f > 0.05; f /= 2) {
        for (int i = 0; i < 6; i++)
            rtt_f[i] = rtt[i] * f;
        cb_deploy_time_scaled(&p, f, f, &q);
        assert_int_equal(cb_schedule_deploy(&q, rtt_f, 6, 7, fast), 0);
        for (int i = 0; i < 6; i++)
            assert_true(fabs(fast[i] - f * full[i]) < 1e-9 * (1 + full[i]));
    }
    assert_true(spread(full, 6) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nonnegative_min_zero),
        cmocka_unit_test(test_grows_with_rtt),
        cmocka_unit_test(test_spread_linear_in_NS_over_B),
        cmocka_unit_test(test_fluid_exact),
        cmocka_unit_test(test_seeded),
        cmocka_unit_test(test_bad_args),
        cmocka_unit_test(test_scaled),
        cmocka_unit_test(test_time_scaled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
