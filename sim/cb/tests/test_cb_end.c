/* test_cb_end.c: the end of setup by each criterion (cb_end.h): the last
 * rule change, the fallback when no rule was written, the choice of
 * setup_s, the names of the criteria. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "sim/cb/cb_end.h"

static void test_last_change(void **state)
{
    (void)state;
    const double t[] = {0, 105.0, 103.0, 0, 107.5, 107.5, 101.0};
    assert_int_equal(cb_end_last_change(t, 7), 4);   /* largest, first of equals */
    assert_int_equal(cb_end_last_change(t, 4), 1);
    assert_int_equal(cb_end_last_change(t, 1), -1);  /* 0 = never changed */
    assert_int_equal(cb_end_last_change(NULL, 3), -1);
    assert_int_equal(cb_end_last_change(t, 0), -1);
}

static void test_compute(void **state)
{
    (void)state;
    const double changed[] = {120.0, 131.0, 0, 127.0};
    const uint64_t bytes[] = {1000, 5000, 0, 4000};
    cb_end_stamps s = {.first_start = 100.0, .all_ips = 125.0, .all_tunneling = 128.0, .last_txn = 140.0,
                       .rule_changed = changed,
                       .bytes_at_change = bytes, .n = 4, .bytes_all_ips = 3500};
    cb_end_times t;
    cb_end_compute(&s, &t);
    assert_int_equal(t.last_agent, 1);
    assert_true(fabs(t.rule_s - 31.0) < 1e-12);
    assert_true(fabs(t.ips_s - 25.0) < 1e-12);
    assert_true(fabs(t.tunneling_s - 28.0) < 1e-12);
    assert_true(fabs(t.txn_s - 40.0) < 1e-12);
    assert_true(t.app_bytes == 5000);   /* at the last change, not the largest of the others */
    assert_true(cb_end_pick(CB_END_RULE, &t) == t.rule_s);
    assert_true(cb_end_pick(CB_END_IPS, &t) == t.ips_s);
    assert_true(cb_end_pick(CB_END_TUNNELING, &t) == t.tunneling_s);
}

static void test_no_rule_written(void **state)
{
    (void)state;
    const double changed[] = {0};
    cb_end_stamps s = {.first_start = 10.0, .all_ips = 12.0, .all_tunneling = 0, .rule_changed = changed,
                       .n = 1, .bytes_all_ips = 777};
    cb_end_times t;
    cb_end_compute(&s, &t);
    assert_int_equal(t.last_agent, -1);
    assert_true(t.rule_s == t.ips_s && fabs(t.ips_s - 2.0) < 1e-12);
    assert_true(t.app_bytes == 777);
    assert_true(t.tunneling_s == -1);   /* never reached: missing */
    assert_true(t.txn_s == t.rule_s);   /* no txn sent */
    s.first_start = 0;                  /* nobody started */
    cb_end_compute(&s, &t);
    assert_true(t.rule_s == -1 && t.ips_s == -1);
}

static void test_names(void **state)
{
    (void)state;
    cb_end e = CB_END_IPS;
    assert_int_equal(cb_end_parse("rule", &e), 0);
    assert_int_equal(e, CB_END_RULE);
    assert_int_equal(cb_end_parse("tunneling", &e), 0);
    assert_int_equal(e, CB_END_TUNNELING);
    assert_int_equal(cb_end_parse("ips", &e), 0);
    assert_int_equal(e, CB_END_IPS);
    assert_int_equal(cb_end_parse("last", &e), -1);
    assert_int_equal(cb_end_parse(NULL, &e), -1);
    assert_string_equal(cb_end_name(CB_END_RULE), "rule");
    assert_string_equal(cb_end_name(CB_END_TUNNELING), "tunneling");
    assert_string_equal(cb_end_name((cb_end)9), "?");
    /* the default of a zeroed config is the original's end */
    cb_run_config cfg;
    cb_run_config_default(&cfg);
    assert_int_equal(cfg.end, CB_END_RULE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_last_change),
        cmocka_unit_test(test_compute),
        cmocka_unit_test(test_no_rule_written),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
