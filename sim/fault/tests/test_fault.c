/* test_fault.c: the fault spec parser (good specs, ordering, every kind of
 * malformed spec with the field its message names), the name check, and
 * the scheduler against a fake action table (order, outcomes, a failing
 * action, stop before the time, a missing callback). No timing asserted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sim/fault/fault.h"

static void test_parse_good(void **state)
{
    (void)state;
    fault_plan p;
    char err[256] = "";
    assert_int_equal(fault_parse("kill:sin@5s,restart@15s", &p, err, sizeof err), 0);
    assert_int_equal(p.n, 2);
    assert_int_equal(p.n_faults, 1);
    assert_int_equal(p.a[0].verb, FAULT_KILL);
    assert_string_equal(p.a[0].target, "sin");
    assert_true(p.a[0].t_s == 5.0);
    assert_int_equal(p.a[1].verb, FAULT_RESTART);
    assert_string_equal(p.a[1].target, "sin");
    assert_true(p.a[1].t_s == 15.0);

    assert_int_equal(fault_parse("spike:aws-us-east-1>a-sel+200ms@3s,clear@8s", &p, err, sizeof err), 0);
    assert_int_equal(p.n, 2);
    assert_int_equal(p.a[0].verb, FAULT_SPIKE);
    assert_string_equal(p.a[0].target, "aws-us-east-1");
    assert_string_equal(p.a[0].dest, "a-sel");
    assert_true(p.a[0].amount == 200.0);
    assert_int_equal(p.a[1].verb, FAULT_CLEAR);
    assert_string_equal(p.a[1].dest, "a-sel");

    /* both redeploy spellings */
    assert_int_equal(fault_parse("redeploy:agent3@4s>gcp-asia-east1", &p, err, sizeof err), 0);
    assert_int_equal(p.a[0].verb, FAULT_REDEPLOY);
    assert_int_equal(p.a[0].agent, 3);
    assert_string_equal(p.a[0].dest, "gcp-asia-east1");
    assert_int_equal(fault_parse("redeploy:agent12>aws-us-east-1@250ms", &p, err, sizeof err), 0);
    assert_int_equal(p.a[0].agent, 12);
    assert_true(p.a[0].t_s == 0.25);

    assert_int_equal(fault_parse("freeze-holder@2s", &p, err, sizeof err), 0);
    assert_int_equal(p.a[0].verb, FAULT_FREEZE);
    assert_true(p.a[0].amount == 0);
    assert_int_equal(fault_parse("freeze-holder:7.5s@0", &p, err, sizeof err), 0);
    assert_true(p.a[0].amount == 7.5);
    assert_int_equal(fault_parse("compact@0.1m", &p, err, sizeof err), 0);
    assert_int_equal(p.a[0].verb, FAULT_COMPACT);
    assert_true(p.a[0].t_s == 6.0);
    assert_int_equal(fault_parse("session-ttl:3s;freeze-holder@1", &p, err, sizeof err), 0);
    assert_int_equal(p.session_ttl_s, 3);
    assert_int_equal(p.n, 1);
}

static void test_parse_order(void **state)
{
    (void)state;
    fault_plan p;
    char err[256] = "";
    assert_int_equal(fault_parse(" partition:s-sel@5s , heal@10s ; compact@6 ; kill:0@1s", &p, err, sizeof err), 0);
    assert_int_equal(p.n_faults, 3);
    assert_int_equal(p.n, 4);
    assert_int_equal(p.a[0].verb, FAULT_KILL);
    assert_int_equal(p.a[0].fault, 2);
    assert_int_equal(p.a[1].verb, FAULT_PARTITION);
    assert_int_equal(p.a[2].verb, FAULT_COMPACT);
    assert_int_equal(p.a[3].verb, FAULT_HEAL);
    assert_true(fault_plan_end_s(&p) == 10.0);
    char buf[128];
    fault_action_format(&p.a[1], buf, sizeof buf);
    assert_string_equal(buf, "partition:s-sel@5.000s");
}

/* Each bad spec and a word its one-line message must contain. */
static const struct {
    const char *spec, *needle;
} bad[] = {
    {"", "empty fault spec"},
    {"   ", "empty fault spec"},
    {"kill:sin", "missing '@TIME'"},
    {"kill:sin@", "time \"\""},
    {"kill:sin@5x", "time \"5x\""},
    {"kill:sin@-1s", "time \"-1s\""},
    {"kill@5s", "member missing"},
    {"kill:@5s", "member is empty"},
    {"kill:s?n@5s", "character '?'"},
    {"explode:sin@5s", "kind \"explode\""},
    {"restart:sin@5s", "kind \"restart\""},
    {"kill:sin@5s,heal@6s", "expected restart@TIME"},
    {"kill:sin@5s,restart@4s", "must come after"},
    {"kill:sin@5s,restart@5s", "must come after"},
    {"kill:sin@5s,restart", "missing '@TIME'"},
    {"kill:sin@5s,,restart@6s", "stray ','"},
    {"kill:sin@5s,restart@6s,restart@7s", "at most two steps"},
    {"compact@5s,restart@6s", "one step only"},
    {"compact:x@5s", "no argument"},
    {"spike:aws-us-east-1+200ms@3s", "REGION>MEMBER+DELAY"},
    {"spike:aws-us-east-1>a-sel+0ms@3s", "delay \"0ms\""},
    {"spike:aws-us-east-1>a-sel+fast@3s", "delay \"fast\""},
    {"spike@3s", "link missing"},
    {"redeploy:agent3@4s", "region missing"},
    {"redeploy:3@4s>gcp", "agent \"3\""},
    {"redeploy:agentx@4s>gcp", "agent \"agentx\""},
    {"redeploy:agent1>a@4s>b", "region given twice"},
    {"kill:sin@5s>gcp", "only redeploy"},
    {"freeze-holder:0s@1s", "stall \"0s\""},
    {"compact@1s;;kill:sin@2s", "fault 2"},
    {"session-ttl:0.5s", "session TTL \"0.5s\""},
    {"session-ttl:", "session TTL"},
    {"kill:sin@1e308m", "time \"1e308m\""},          /* finite number, infinite time */
    {"kill:sin@1s,restart@1e308m", "time \"1e308m\""},
};

static void test_parse_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fault_plan p;
        char err[256] = "";
        int rc = fault_parse(bad[i].spec, &p, err, sizeof err);
        if (rc == 0 || !strstr(err, bad[i].needle) || strchr(err, '\n'))
            fail_msg("spec \"%s\": rc %d, message \"%s\" (wanted \"%s\")", bad[i].spec, rc, err, bad[i].needle);
        assert_int_equal(p.n, 0);
    }
}

static int known_member(void *ud, const char *name)
{
    (void)ud;
    return strcmp(name, "sin") == 0 || strcmp(name, "a-sel") == 0 ? 0 : -1;
}

static int known_region(void *ud, const char *name)
{
    (void)ud;
    return strcmp(name, "aws-us-east-1") == 0 ? 0 : -1;
}

static void test_check_names(void **state)
{
    (void)state;
    fault_resolver r = {.member = known_member, .region = known_region, .n_agents = 4};
    fault_plan p;
    char err[256] = "";
    assert_int_equal(fault_parse("kill:sin@1,restart@2;spike:aws-us-east-1>a-sel+5ms@1;redeploy:agent3@1>aws-us-east-1",
                                 &p, err, sizeof err), 0);
    assert_int_equal(fault_plan_check(&p, &r, err, sizeof err), 0);
    assert_int_equal(fault_parse("kill:tokyo@1", &p, err, sizeof err), 0);
    assert_int_equal(fault_plan_check(&p, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "member \"tokyo\" unknown"));
    assert_int_equal(fault_parse("redeploy:agent4@1>aws-us-east-1", &p, err, sizeof err), 0);
    assert_int_equal(fault_plan_check(&p, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "agent 4 out of range"));
    assert_int_equal(fault_parse("spike:mars>a-sel+5ms@1", &p, err, sizeof err), 0);
    assert_int_equal(fault_plan_check(&p, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "region \"mars\" unknown"));
}

/* An action at or after the run's timeout would never fire: refused, naming
 * the fault; without a horizon (0) nothing is checked. */
static void test_check_horizon(void **state)
{
    (void)state;
    fault_resolver r = {.member = known_member, .horizon_s = 600};
    fault_plan p;
    char err[256] = "";
    assert_int_equal(fault_parse("kill:sin@99999999999999s", &p, err, sizeof err), 0);
    assert_int_equal(fault_plan_check(&p, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "fault 1 (kill:sin@"));
    assert_non_null(strstr(err, "not before the run's timeout of 600s"));
    assert_null(strchr(err, '\n'));
    /* the second step counts too, and exactly at the timeout is too late */
    assert_int_equal(fault_parse("compact@1;kill:sin@5s,restart@10m", &p, err, sizeof err), 0);
    assert_int_equal(fault_plan_check(&p, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "fault 2 (restart:sin@600.000s)"));
    assert_int_equal(fault_parse("kill:sin@5s,restart@599.9s", &p, err, sizeof err), 0);
    assert_int_equal(fault_plan_check(&p, &r, err, sizeof err), 0);
    r.horizon_s = 0;
    assert_int_equal(fault_parse("kill:sin@99999999999999s", &p, err, sizeof err), 0);
    assert_int_equal(fault_plan_check(&p, &r, err, sizeof err), 0);
}

/* ---- scheduler against a fake table ---- */

typedef struct fake {
    pthread_mutex_t mu;
    fault_verb seen[16];
    char targets[16][FAULT_NAME_LEN];
    int n;
} fake;

static int fake_fn(void *ud, const fault_action *a, char *err, size_t len)
{
    fake *f = ud;
    pthread_mutex_lock(&f->mu);
    f->seen[f->n] = a->verb;
    snprintf(f->targets[f->n], FAULT_NAME_LEN, "%s", a->target);
    f->n++;
    pthread_mutex_unlock(&f->mu);
    if (a->verb == FAULT_HEAL) {
        snprintf(err, len, "heal refused by the fake");
        return -1;
    }
    snprintf(err, len, "ok");
    return 0;
}

static void fake_ops(fake *f, fault_ops *ops)
{
    memset(ops, 0, sizeof *ops);
    for (int v = 0; v < FAULT_VERB_COUNT; v++)
        ops->fn[v] = fake_fn;
    ops->ud = f;
}

static void wait_done(fault_sched *s)
{
    struct timespec ts = {0, 2000000};
    for (int i = 0; i < 5000 && fault_sched_pending(s); i++)
        nanosleep(&ts, NULL);
}

static void test_sched_runs_in_order(void **state)
{
    (void)state;
    fake f = {.mu = PTHREAD_MUTEX_INITIALIZER};
    fault_ops ops;
    fault_plan p;
    fault_sched *s = NULL;
    char err[256] = "";
    fake_ops(&f, &ops);
    assert_int_equal(fault_parse("partition:b@30ms,heal@60ms;kill:a@10ms,restart@40ms;compact@20ms", &p, err,
                                 sizeof err), 0);
    assert_int_equal(fault_sched_start(&p, &ops, &s, err, sizeof err), 0);
    wait_done(s);
    assert_false(fault_sched_pending(s));
    fault_sched_stop(s);
    assert_int_equal(f.n, 5);
    fault_verb want[] = {FAULT_KILL, FAULT_COMPACT, FAULT_PARTITION, FAULT_RESTART, FAULT_HEAL};
    for (int i = 0; i < 5; i++)
        assert_int_equal(f.seen[i], want[i]);
    assert_string_equal(f.targets[3], "a");
    size_t n;
    const fault_outcome *o = fault_sched_outcomes(s, &n);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++) {
        assert_true(o[i].ran);
        /* never early: the callback starts at or after its planned time */
        assert_true(o[i].actual_s >= o[i].action.t_s);
    }
    assert_int_equal(o[4].rc, -1);
    assert_string_equal(o[4].msg, "heal refused by the fake");
    assert_int_equal(fault_sched_failures(s), 1);
    fault_sched_free(s);
}

static void test_sched_stop_early(void **state)
{
    (void)state;
    fake f = {.mu = PTHREAD_MUTEX_INITIALIZER};
    fault_ops ops;
    fault_plan p;
    fault_sched *s = NULL;
    char err[256] = "";
    fake_ops(&f, &ops);
    assert_int_equal(fault_parse("compact@0;kill:a@1h", &p, err, sizeof err) == 0 ? 1 : 0, 0);   /* "1h" is no unit */
    assert_int_equal(fault_parse("compact@0;kill:a@10m", &p, err, sizeof err), 0);
    assert_int_equal(fault_sched_start(&p, &ops, &s, err, sizeof err), 0);
    struct timespec ts = {0, 2000000};
    for (int i = 0; i < 5000; i++) {
        pthread_mutex_lock(&f.mu);
        int n = f.n;
        pthread_mutex_unlock(&f.mu);
        if (n >= 1)
            break;
        nanosleep(&ts, NULL);
    }
    assert_true(fault_sched_pending(s));
    fault_sched_stop(s);   /* must not wait ten minutes */
    assert_false(fault_sched_pending(s));
    size_t n;
    const fault_outcome *o = fault_sched_outcomes(s, &n);
    assert_int_equal(n, 2);
    assert_true(o[0].ran);
    assert_false(o[1].ran);
    assert_int_equal(f.n, 1);
    fault_sched_free(s);
}

static void test_sched_missing_callback(void **state)
{
    (void)state;
    fake f = {.mu = PTHREAD_MUTEX_INITIALIZER};
    fault_ops ops;
    fault_plan p;
    fault_sched *s = NULL;
    char err[256] = "";
    fake_ops(&f, &ops);
    ops.fn[FAULT_REDEPLOY] = NULL;
    assert_int_equal(fault_parse("redeploy:agent0@1s>x", &p, err, sizeof err), 0);
    assert_int_equal(fault_sched_start(&p, &ops, &s, err, sizeof err), -1);
    assert_null(s);
    assert_non_null(strstr(err, "redeploy is not supported"));
    fault_sched_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),         cmocka_unit_test(test_parse_order),
        cmocka_unit_test(test_parse_bad),          cmocka_unit_test(test_check_names),
        cmocka_unit_test(test_check_horizon),
        cmocka_unit_test(test_sched_runs_in_order), cmocka_unit_test(test_sched_stop_early),
        cmocka_unit_test(test_sched_missing_callback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
