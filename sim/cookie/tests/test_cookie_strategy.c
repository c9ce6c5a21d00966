/* Unit tests: placement strategies (pure: no server is contacted), the
 * theory of moved fractions (the latency histogram is util_hist: sim/util/tests). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sim/cookie/cookie_exp.h"
#include "sim/cookie/cookie_pool.h"
#include "sim/cookie/cookie_strategy.h"

#define CLIENTS 3000
static const unsigned char key[COOKIE_TOKEN_KEYLEN] = "k0k1k2k3k4k5k6k7k8k9kakbkckdkekf";

/* A pool of n fake servers (ports only; nothing listens). */
static void view_of(struct cookie_pool *p, unsigned n, struct cookie_view *v)
{
    cookie_pool_init(p, key);
    for (unsigned i = 0; i < n; i++)
        cookie_pool_add(p, 21000 + (int)i);
    cookie_pool_snapshot(p, v);
}

static unsigned route(const struct cookie_strategy *s, void *st, const struct cookie_view *v,
                      uint64_t client, const char *cookie, struct cookie_route *r)
{
    assert_int_equal(s->route(st, v, client, cookie, r), 0);
    assert_true(r->slot < v->n);
    assert_true(v->live[r->slot]);
    return r->slot;
}

static void cookie_for(const struct cookie_view *v, uint64_t client, unsigned slot, char *tok)
{
    struct cookie_claim c = { client, slot, v->gen[slot], v->epoch };
    assert_int_equal(cookie_token_make(v->key, &c, tok, COOKIE_TOKEN_MAX), 0);
}

static void test_cookie_first_placement_is_hash_mod_n(void **state)
{
    struct cookie_pool p;
    struct cookie_view v;
    struct cookie_strategy_opts o = { 0, 1, COOKIE_FAILOVER_RANDOM };
    void *st = cookie_strategy_cookie.state_new(&o);
    unsigned per_slot[3] = { 0 };
    view_of(&p, 3, &v);
    for (uint64_t c = 1; c <= CLIENTS; c++) {
        struct cookie_route r;
        unsigned slot = route(&cookie_strategy_cookie, st, &v, c, NULL, &r);
        assert_int_equal(slot, cookie_client_hash(c) % 3);
        assert_int_equal(r.set_cookie, 1);
        assert_int_equal(r.verdict, COOKIE_ABSENT);
        per_slot[slot]++;
    }
    for (int i = 0; i < 3; i++)   /* MD5 spreads 3000 clients evenly enough */
        assert_in_range(per_slot[i], 850, 1150);
    cookie_strategy_cookie.state_free(st);
    cookie_pool_destroy(&p);
}

static void test_cookie_follows_cookie_and_survives_scaleout(void **state)
{
    struct cookie_pool p;
    struct cookie_view v, v4;
    struct cookie_strategy_opts o = { 0, 1, COOKIE_FAILOVER_RANDOM };
    void *st = cookie_strategy_cookie.state_new(&o);
    char tok[COOKIE_TOKEN_MAX];
    view_of(&p, 3, &v);
    cookie_pool_add(&p, 21003);
    cookie_pool_snapshot(&p, &v4);
    for (uint64_t c = 1; c <= 300; c++) {
        struct cookie_route r;
        unsigned want = (unsigned)(c % 3);   /* not where the hash would put it */
        cookie_for(&v, c, want, tok);
        assert_int_equal(route(&cookie_strategy_cookie, st, &v, c, tok, &r), want);
        assert_int_equal(r.set_cookie, 0);
        assert_int_equal(r.verdict, COOKIE_OK);
        /* Scale-out to 4: the old cookie is still valid and still obeyed. */
        assert_int_equal(route(&cookie_strategy_cookie, st, &v4, c, tok, &r), want);
        assert_int_equal(r.verdict, COOKIE_OK);
    }
    cookie_strategy_cookie.state_free(st);
    cookie_pool_destroy(&p);
}

static void test_cookie_dead_slot_and_bad_cookies_replace(void **state)
{
    struct cookie_pool p;
    struct cookie_view v;
    struct cookie_strategy_opts o = { 0, 1, COOKIE_FAILOVER_RANDOM };
    void *st = cookie_strategy_cookie.state_new(&o);
    char tok[COOKIE_TOKEN_MAX];
    view_of(&p, 3, &v);
    v.live[1] = 0;
    for (uint64_t c = 1; c <= 300; c++) {
        struct cookie_route r;
        cookie_for(&v, c, 1, tok);
        unsigned slot = route(&cookie_strategy_cookie, st, &v, c, tok, &r);
        assert_int_not_equal(slot, 1);
        assert_int_equal(r.set_cookie, 1);
        /* reroute after a failure on slot 0 avoids both dead slots */
        v.live[0] = 0;
        assert_int_equal(cookie_strategy_cookie.reroute(st, &v, c, &r), 0);
        assert_int_equal(r.slot, 2);
        v.live[0] = 1;
    }
    v.live[1] = 1;
    struct cookie_route r;
    route(&cookie_strategy_cookie, st, &v, 5, "1.0.1.1.deadbeef", &r);
    assert_int_equal(r.verdict, COOKIE_MALFORMED);
    assert_int_equal(r.set_cookie, 1);
    assert_int_equal(r.slot, cookie_client_hash(5) % 3);
    /* No live slot at all: the strategy says so instead of inventing one. */
    for (int i = 0; i < 3; i++)
        v.live[i] = 0;
    assert_int_equal(cookie_strategy_cookie.route(st, &v, 5, NULL, &r), -1);
    cookie_strategy_cookie.state_free(st);
    cookie_pool_destroy(&p);
}

static void test_cookie_failover_modes(void **state)
{
    struct cookie_pool p;
    struct cookie_view v;
    char tok[COOKIE_TOKEN_MAX];
    view_of(&p, 4, &v);
    v.live[1] = 0;
    v.live[3] = 0;
    struct cookie_strategy_opts order = { 0, 1, COOKIE_FAILOVER_ORDER };
    struct cookie_strategy_opts hash = { 0, 1, COOKIE_FAILOVER_HASH };
    struct cookie_strategy_opts rnd = { 0, 1, COOKIE_FAILOVER_RANDOM };
    void *so = cookie_strategy_cookie.state_new(&order);
    void *sh = cookie_strategy_cookie.state_new(&hash);
    void *sr = cookie_strategy_cookie.state_new(&rnd);
    unsigned seen[4] = { 0 };
    for (uint64_t c = 1; c <= 200; c++) {
        struct cookie_route r;
        cookie_for(&v, c, 1, tok);              /* slot 1 is dead: next live is 2 */
        assert_int_equal(route(&cookie_strategy_cookie, so, &v, c, tok, &r), 2);
        cookie_for(&v, c, 3, tok);              /* slot 3 is dead: wraps to 0 */
        assert_int_equal(route(&cookie_strategy_cookie, so, &v, c, tok, &r), 0);
        unsigned hs = route(&cookie_strategy_cookie, sh, &v, c, tok, &r);
        assert_int_equal(hs, (cookie_client_hash(c) % 2) == 0 ? 0 : 2);
        seen[route(&cookie_strategy_cookie, sr, &v, c, tok, &r)]++;
    }
    assert_true(seen[0] > 50 && seen[2] > 50);  /* random uses both live servers */
    assert_int_equal(seen[1] + seen[3], 0);
    assert_int_equal(cookie_failover_parse("order"), COOKIE_FAILOVER_ORDER);
    assert_int_equal(cookie_failover_parse("nope"), -1);
    cookie_strategy_cookie.state_free(so);
    cookie_strategy_cookie.state_free(sh);
    cookie_strategy_cookie.state_free(sr);
    cookie_pool_destroy(&p);
}

/* Fraction of clients whose slot differs between two views. */
static double moved(const struct cookie_strategy *s, const struct cookie_view *a,
                    const struct cookie_view *b, int dead)
{
    struct cookie_strategy_opts o = { 0, 1, COOKIE_FAILOVER_RANDOM };
    void *st = s->state_new(&o);
    static unsigned first[CLIENTS + 1];
    unsigned n = 0;
    struct cookie_route r;
    /* All of view a first: a ring is rebuilt whenever the view changes. */
    for (uint64_t c = 1; c <= CLIENTS; c++)
        first[c] = route(s, st, a, c, NULL, &r);
    for (uint64_t c = 1; c <= CLIENTS; c++) {
        unsigned before = first[c];
        unsigned after = route(s, st, b, c, NULL, &r);
        /* Consistent hashing moves only the dead server's keys. */
        if (dead >= 0 && s == &cookie_strategy_ketama && before != (unsigned)dead)
            assert_int_equal(after, before);
        n += before != after;
    }
    s->state_free(st);
    return (double)n / CLIENTS;
}

static void test_modulo_and_ketama_remap(void **state)
{
    struct cookie_pool p;
    struct cookie_view v3, v4, vdead;
    view_of(&p, 3, &v3);
    cookie_pool_add(&p, 21003);
    cookie_pool_snapshot(&p, &v4);
    vdead = v3;
    vdead.live[1] = 0;
    assert_float_equal(moved(&cookie_strategy_modulo, &v3, &v4, -1), 0.75, 0.04);
    assert_float_equal(moved(&cookie_strategy_ketama, &v3, &v4, -1), 0.25, 0.08);
    assert_float_equal(moved(&cookie_strategy_modulo, &v3, &vdead, 1),
                       cookie_theory_moved("modulo", COOKIE_EV_KILL, 3, 1, 0), 0.04);
    assert_float_equal(moved(&cookie_strategy_ketama, &v3, &vdead, 1), 1.0 / 3, 0.08);
    /* modulo is hash % live count, through libmemcached's MODULA */
    struct cookie_strategy_opts o = { 0, 1, COOKIE_FAILOVER_RANDOM };
    void *st = cookie_strategy_modulo.state_new(&o);
    struct cookie_route r;
    for (uint64_t c = 1; c < 200; c++)
        assert_int_equal(route(&cookie_strategy_modulo, st, &v4, c, NULL, &r),
                         cookie_client_hash(c) % 4);
    cookie_strategy_modulo.state_free(st);
    cookie_pool_destroy(&p);
}

static void test_theory(void **state)
{
    assert_float_equal(cookie_theory_moved("modulo", COOKIE_EV_SCALEOUT, 3, 0, 0), 0.75, 1e-12);
    assert_float_equal(cookie_theory_moved("modulo", COOKIE_EV_SCALEOUT, 4, 0, 0), 0.8, 1e-12);
    assert_float_equal(cookie_theory_moved("ketama", COOKIE_EV_SCALEOUT, 3, 0, 0), 0.25, 1e-12);
    assert_float_equal(cookie_theory_moved("cookie", COOKIE_EV_SCALEOUT, 3, 0, 0), 0, 1e-12);
    /* kill slot 1 of 3, modulo over live [0,2]: h mod 6 keeps 0 and 5 */
    assert_float_equal(cookie_theory_moved("modulo", COOKIE_EV_KILL, 3, 1, 0), 4.0 / 6, 1e-12);
    assert_float_equal(cookie_theory_moved("cookie", COOKIE_EV_KILL, 3, 1, 0), 1.0 / 3, 1e-12);
    assert_float_equal(cookie_theory_moved("cookie", COOKIE_EV_COOKIELOSS, 4, 0, 0.5),
                       0.375, 1e-12);
    assert_float_equal(cookie_theory_moved("ketama", COOKIE_EV_COOKIELOSS, 4, 0, 0.5), 0, 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cookie_first_placement_is_hash_mod_n),
        cmocka_unit_test(test_cookie_follows_cookie_and_survives_scaleout),
        cmocka_unit_test(test_cookie_dead_slot_and_bad_cookies_replace),
        cmocka_unit_test(test_cookie_failover_modes),
        cmocka_unit_test(test_modulo_and_ketama_remap),
        cmocka_unit_test(test_theory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
