/* test_bench_chaos.c: the chaos sweep's schedules (bench_chaos_plan.c):
 * each parses with the fault grammar and names only known targets, the same
 * seed and index give the same schedule, different ones differ, and the
 * draws cover every kind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "bench/bench_chaos_plan.h"
#include "sim/fault/fault.h"

static const char *const members[] = { "a-sel", "g-sel", "a-sin" };
static const char *const regions[] = { "aws-ap-northeast-2", "gcp-asia-east1", "aws-us-east-1" };
static const bench_chaos_targets targets = { members, 3, regions, 3, 4 };

static int find(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}
static int member(void *ud, const char *name) { (void)ud; return find(members, 3, name); }
static int region(void *ud, const char *name) { (void)ud; return find(regions, 3, name); }

static void test_schedules_parse_and_resolve(void **state)
{
    (void)state;
    fault_resolver r = { member, region, NULL, 4, 90 };   /* every fault fires within chaos's default --timeout */
    int seen[FAULT_VERB_COUNT] = { 0 };
    for (uint64_t seed = 1; seed <= 5; seed++)
        for (int i = 0; i < 40; i++) {
            char spec[BENCH_CHAOS_SPEC_LEN], err[256];
            fault_plan p;
            assert_int_equal(bench_chaos_schedule(seed, i, &targets, spec, sizeof spec), 0);
            if (fault_parse(spec, &p, err, sizeof err) != 0)
                fail_msg("%s: %s", spec, err);
            if (fault_plan_check(&p, &r, err, sizeof err) != 0)
                fail_msg("%s: %s", spec, err);
            assert_int_equal(p.session_ttl_s, 2);
            assert_true(p.n_faults >= 2 && p.n_faults <= 4);   /* session-ttl is an item too */
            assert_true(fault_plan_end_s(&p) <= 4.5 + 1e-9);
            for (size_t k = 0; k < p.n; k++)
                seen[p.a[k].verb]++;
        }
    for (int v = 0; v < FAULT_VERB_COUNT; v++)
        if (!seen[v])
            fail_msg("no schedule used %s", fault_verb_name((fault_verb)v));
}

static void test_same_seed_same_schedule(void **state)
{
    (void)state;
    char a[BENCH_CHAOS_SPEC_LEN], b[BENCH_CHAOS_SPEC_LEN], c[BENCH_CHAOS_SPEC_LEN];
    assert_int_equal(bench_chaos_schedule(7, 3, &targets, a, sizeof a), 0);
    assert_int_equal(bench_chaos_schedule(7, 3, &targets, b, sizeof b), 0);
    assert_string_equal(a, b);
    int differ = 0;
    for (int i = 0; i < 10; i++) {
        assert_int_equal(bench_chaos_schedule(7, i, &targets, b, sizeof b), 0);
        assert_int_equal(bench_chaos_schedule(8, i, &targets, c, sizeof c), 0);
        differ += strcmp(b, c) != 0;
    }
    assert_true(differ >= 8);
}

static void test_bad_targets_refused(void **state)
{
    (void)state;
    char spec[BENCH_CHAOS_SPEC_LEN];
    bench_chaos_targets none = { members, 0, regions, 3, 4 };
    assert_int_equal(bench_chaos_schedule(1, 0, &none, spec, sizeof spec), -1);
    bench_chaos_targets no_agents = { members, 3, regions, 3, 0 };
    assert_int_equal(bench_chaos_schedule(1, 0, &no_agents, spec, sizeof spec), -1);
    assert_int_equal(bench_chaos_schedule(1, 0, &targets, spec, 16), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schedules_parse_and_resolve),
        cmocka_unit_test(test_same_seed_same_schedule),
        cmocka_unit_test(test_bad_targets_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
