/* Unit tests for model/cmp_config.c: which config.json differences are
 * listed, which make two runs incomparable, and how they are named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "model/cmp_config.h"

static json_t *config(double rtt, const char *transport, const char *git, const char *end,
                      double c_line)
{
    json_t *c = json_pack("{s:{s:f, s:f, s:s, s:s, s:i}, s:s, s:{s:s}, s:{s:s, s:{s:{s:f, s:s}}}, s:[]}",
                          "options", "rtt_scale", rtt, "delay_scale", 1.0, "transport", transport,
                          "out", git, "seed", 11,
                          "git_describe", git,
                          "versions", "etcd", "3.4.23",
                          "profile", "name", "patent-2022", "params", "c_line_us", "value", c_line,
                          "source", "fitted",
                          "profile_overrides");
    if (end)
        json_object_set_new(c, "end_criterion", json_string(end));
    return c;
}

static const cmp_diff *find(const cmp_diffs *d, const char *key)
{
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->d[i].key, key) == 0)
            return &d->d[i];
    return NULL;
}

static void test_same_config(void **state)
{
    (void)state;
    json_t *a = config(0.05, "native", "abc", "txn", 71.7), *b = config(0.05, "native", "abc", "txn", 71.7);
    cmp_diffs d = {0};
    assert_int_equal(cmp_config_diff(a, b, 1, &d), 0);
    assert_int_equal(d.n, 0);
    /* no config.json on a side (the reference): nothing to compare */
    assert_int_equal(cmp_config_diff(a, NULL, 1, &d), 0);
    assert_int_equal(d.n, 0);
    json_decref(a);
    json_decref(b);
}

static void test_warn_only(void **state)
{
    (void)state;
    /* different code version and transport: listed, still comparable;
     * options.out differs too but is never shown */
    json_t *a = config(0.05, "native", "abc", "txn", 71.7), *b = config(0.05, "curl", "def", "txn", 71.7);
    cmp_diffs d = {0};
    assert_int_equal(cmp_config_diff(a, b, 1, &d), 0);
    assert_int_equal(cmp_config_incomparable(&d), 0);
    const cmp_diff *g = find(&d, "git_describe"), *tr = find(&d, "options.transport");
    assert_non_null(g);
    assert_non_null(tr);
    assert_string_equal(tr->old_v, "\"native\"");
    assert_string_equal(tr->new_v, "\"curl\"");
    assert_int_equal(tr->cls, CMP_DIFF_WARN);
    assert_null(find(&d, "options.out"));
    assert_int_equal(d.n, 2);
    cmp_config_free(&d);
    json_decref(a);
    json_decref(b);
}

static void test_incomparable(void **state)
{
    (void)state;
    /* rtt_scale and a profile parameter differ: incomparable, named to the
     * member, listed before the other differences */
    json_t *a = config(0.05, "native", "abc", "txn", 71.7), *b = config(0.1, "native", "def", "txn", 30);
    cmp_diffs d = {0};
    assert_int_equal(cmp_config_diff(a, b, 1, &d), 0);
    assert_int_equal(cmp_config_incomparable(&d), 2);
    const cmp_diff *r = find(&d, "options.rtt_scale");
    assert_non_null(r);
    assert_int_equal(r->cls, CMP_DIFF_INCOMPARABLE);
    assert_string_equal(r->old_v, "0.05");
    assert_string_equal(r->new_v, "0.1");
    assert_non_null(find(&d, "profile.params.c_line_us.value"));
    assert_int_equal(d.d[0].cls, CMP_DIFF_INCOMPARABLE);
    assert_int_equal(d.d[1].cls, CMP_DIFF_INCOMPARABLE);
    assert_int_equal(d.d[2].cls, CMP_DIFF_WARN);
    assert_int_equal(d.d[0].run, 1);
    cmp_config_free(&d);
    json_decref(a);
    json_decref(b);
}

static void test_end_criterion(void **state)
{
    (void)state;
    /* a run without end_criterion measured "ips" (results/SCHEMA.md) */
    json_t *a = config(0.05, "native", "abc", NULL, 71.7), *b = config(0.05, "native", "abc", "ips", 71.7),
           *c = config(0.05, "native", "abc", "txn", 71.7);
    cmp_diffs d = {0};
    assert_int_equal(cmp_config_diff(a, b, 1, &d), 0);
    assert_int_equal(d.n, 0);
    assert_int_equal(cmp_config_diff(a, c, 1, &d), 0);
    assert_int_equal(cmp_config_incomparable(&d), 1);
    assert_string_equal(d.d[0].key, "end_criterion");
    assert_string_equal(d.d[0].old_v, "\"ips\"");
    cmp_config_free(&d);
    json_decref(a);
    json_decref(b);
    json_decref(c);
}

static void test_classes(void **state)
{
    (void)state;
    assert_int_equal(cmp_config_class("topology.rtt_ms.a.b.ms"), CMP_DIFF_INCOMPARABLE);
    assert_int_equal(cmp_config_class("options.delay_scale"), CMP_DIFF_INCOMPARABLE);
    assert_int_equal(cmp_config_class("delays.watch_sleep_s"), CMP_DIFF_INCOMPARABLE);
    assert_int_equal(cmp_config_class("profile_overrides"), CMP_DIFF_INCOMPARABLE);
    assert_int_equal(cmp_config_class("options.rtt_scale_x"), CMP_DIFF_WARN);
    assert_int_equal(cmp_config_class("options.controller_region"), CMP_DIFF_WARN);
    assert_int_equal(cmp_config_class("machine.cores"), CMP_DIFF_WARN);
    assert_int_equal(cmp_config_class("version"), CMP_DIFF_WARN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_config),
        cmocka_unit_test(test_warn_only),
        cmocka_unit_test(test_incomparable),
        cmocka_unit_test(test_end_criterion),
        cmocka_unit_test(test_classes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
