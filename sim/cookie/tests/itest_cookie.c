/* Integration tests: real memcached servers, real libmicrohttpd web servers,
 * libcurl clients with their own cookie jars. Placement, failover with a
 * cookie rewrite, scale-out, the tampered-cookie table over HTTP, and no
 * process or web server left behind. Assertions are on behaviour (slots,
 * verdicts, what memcached holds), never on timing. */
#include <curl/curl.h>
#include <libmemcached/memcached.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "sim/cookie/cookie_exp.h"
#include "sim/cookie/cookie_origin.h"
#include "sim/cookie/cookie_proc.h"
#include "sim/cookie/cookie_rig.h"

static const unsigned char key[COOKIE_TOKEN_KEYLEN] = "itest-key-itest-key-itest-key-32";

struct resp {
    long status;
    int hit, slot, failover, set_cookie;
    char verdict[16];
    char body[1024];
    size_t body_len;
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct resp *r = ud;
    size_t len = size * n;
    if (r->body_len + len < sizeof r->body) {
        memcpy(r->body + r->body_len, p, len);
        r->body_len += len;
    }
    return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct resp *r = ud;
    size_t len = size * n;
    char line[512];
    snprintf(line, sizeof line, "%.*s", (int)(len < 511 ? len : 511), p);
    line[strcspn(line, "\r\n")] = '\0';
    if (strncasecmp(line, "X-Geokv-Cache: ", 15) == 0)
        r->hit = strcmp(line + 15, "hit") == 0;
    else if (strncasecmp(line, "X-Geokv-Slot: ", 14) == 0)
        r->slot = atoi(line + 14);
    else if (strncasecmp(line, "X-Geokv-Failover: ", 18) == 0)
        r->failover = atoi(line + 18);
    else if (strncasecmp(line, "X-Geokv-Cookie: ", 16) == 0)
        snprintf(r->verdict, sizeof r->verdict, "%.15s", line + 16);
    else if (strncasecmp(line, "Set-Cookie: " COOKIE_TOKEN_NAME "=", 12 + sizeof COOKIE_TOKEN_NAME) == 0)
        r->set_cookie = 1;
    return len;
}

/* A client: one easy handle = one cookie jar. */
static CURL *client_new(void)
{
    CURL *h = curl_easy_init();
    assert_non_null(h);
    curl_easy_setopt(h, CURLOPT_COOKIEFILE, "");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    return h;
}

static void fetch(CURL *h, int port, uint64_t client, const char *forced_cookie, struct resp *r)
{
    char url[128];
    memset(r, 0, sizeof *r);
    r->slot = -1;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/data?client=%llu", port,
             (unsigned long long)client);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_COOKIE, forced_cookie);   /* NULL = only the jar */
    CURLcode cc = curl_easy_perform(h);
    if (cc != CURLE_OK)
        fail_msg("GET %s: %s", url, curl_easy_strerror(cc));
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    assert_int_equal(r->status, 200);
    /* The body is always the client's own data, whatever path served it. */
    char want[1024];
    assert_int_equal(r->body_len, 512);
    cookie_origin_content(client, want, 512);
    assert_memory_equal(r->body, want, 512);
}

/* The placement cookie value in h's jar, or "" when there is none. */
static void jar_cookie(CURL *h, char *out, size_t len)
{
    struct curl_slist *list = NULL, *it;
    out[0] = '\0';
    curl_easy_getinfo(h, CURLINFO_COOKIELIST, &list);
    for (it = list; it; it = it->next) {
        char *name = NULL, *value = NULL, *save = NULL, *line = strdup(it->data);
        char *f = strtok_r(line, "\t", &save);
        for (int i = 0; f; i++, f = strtok_r(NULL, "\t", &save)) {
            if (i == 5)
                name = f;
            if (i == 6)
                value = f;
        }
        if (name && value && strcmp(name, COOKIE_TOKEN_NAME) == 0)
            snprintf(out, len, "%s", value);
        free(line);
    }
    curl_slist_free_all(list);
}

/* Slot named in a cookie value "1.<slot>...". */
static int cookie_slot(const char *v)
{
    return (v[0] == '1' && v[1] == '.') ? atoi(v + 2) : -1;
}

/* 1 when the memcached server on port holds client's data. */
static int mc_holds(int port, uint64_t client)
{
    char k[48];
    size_t klen = cookie_client_key(client, k, sizeof k), vlen = 0;
    uint32_t flags;
    memcached_return_t rc;
    memcached_st *m = memcached_create(NULL);
    memcached_server_add(m, "127.0.0.1", (in_port_t)port);
    char *v = memcached_get(m, k, klen, &vlen, &flags, &rc);
    int held = rc == MEMCACHED_SUCCESS && v != NULL;
    free(v);
    memcached_free(m);
    return held;
}

static struct cookie_rig *rig_up(const struct cookie_strategy *s, unsigned n, unsigned spares)
{
    static struct cookie_rig rig;
    struct cookie_web_config w;
    char err[256];
    cookie_web_config_default(&w);
    w.origin_delay_ms = 1;
    w.cache_timeout_ms = 1000;   /* generous: no false failovers on a busy machine */
    if (cookie_rig_start(&rig, n, spares, 2, &w, s, key, err, sizeof err) != 0)
        fail_msg("rig: %s", err);
    return &rig;
}

static void rig_down(struct cookie_rig *rig)
{
    cookie_rig_stop(rig);
    assert_int_equal(cookie_rig_leftovers(rig), 0);
    assert_int_equal(cookie_proc_count(), 0);
}

static int W(struct cookie_rig *rig, int i)
{
    return cookie_web_port(rig->web[i]);
}

static void test_placement(void **state)
{
    struct cookie_rig *rig = rig_up(&cookie_strategy_cookie, 3, 0);
    struct resp r;
    char v[COOKIE_TOKEN_MAX];
    for (uint64_t c = 1; c <= 12; c++) {
        CURL *h = client_new();
        unsigned want = cookie_client_hash(c) % 3;
        fetch(h, W(rig, 0), c, NULL, &r);           /* first visit via W1 */
        assert_int_equal(r.hit, 0);
        assert_int_equal(r.slot, want);
        assert_int_equal(r.set_cookie, 1);
        assert_string_equal(r.verdict, "absent");
        jar_cookie(h, v, sizeof v);
        assert_int_equal(cookie_slot(v), want);
        fetch(h, W(rig, 1), c, NULL, &r);           /* follow-up via W2: the cookie */
        assert_int_equal(r.hit, 1);
        assert_int_equal(r.slot, want);
        assert_int_equal(r.set_cookie, 0);
        assert_string_equal(r.verdict, "ok");
        for (unsigned s = 0; s < 3; s++)            /* the data is on that server only */
            assert_int_equal(mc_holds(rig->mc[s].port, c), s == want);
        curl_easy_cleanup(h);
    }
    struct cookie_web_stats st;
    cookie_web_get_stats(rig->web[1], &st);
    assert_int_equal(st.verdict[COOKIE_OK], 12);
    assert_int_equal(st.cookies_set, 0);
    rig_down(rig);
}

static void test_failover_rewrites_cookie(void **state)
{
    struct cookie_rig *rig = rig_up(&cookie_strategy_cookie, 3, 0);
    struct resp r;
    char v[COOKIE_TOKEN_MAX];
    CURL *h[9];
    int before[9];
    for (uint64_t c = 1; c <= 9; c++) {
        h[c - 1] = client_new();
        fetch(h[c - 1], W(rig, c % 2), c, NULL, &r);
        before[c - 1] = r.slot;
    }
    unsigned dead = (unsigned)before[0];
    pid_t pid = rig->mc[dead].pid;
    assert_int_equal(cookie_rig_kill(rig, dead), 0);
    assert_false(cookie_proc_alive(pid));
    for (uint64_t c = 1; c <= 9; c++) {
        CURL *hc = h[c - 1];
        fetch(hc, W(rig, 0), c, NULL, &r);
        if (before[c - 1] == (int)dead) {
            /* its server is gone: re-placed, refilled from the origin, cookie rewritten */
            assert_int_equal(r.hit, 0);
            assert_int_not_equal(r.slot, (int)dead);
            assert_int_equal(r.set_cookie, 1);
            jar_cookie(hc, v, sizeof v);
            assert_int_equal(cookie_slot(v), r.slot);
            int moved_to = r.slot;
            fetch(hc, W(rig, 1), c, NULL, &r);      /* the other web server follows it */
            assert_int_equal(r.hit, 1);
            assert_int_equal(r.slot, moved_to);
            assert_int_equal(r.failover, 0);
            assert_true(mc_holds(rig->mc[moved_to].port, c));
        } else {
            /* everyone else is untouched */
            assert_int_equal(r.hit, 1);
            assert_int_equal(r.slot, before[c - 1]);
            assert_int_equal(r.set_cookie, 0);
        }
        curl_easy_cleanup(hc);
    }
    rig_down(rig);
}

static void test_scaleout(void **state)
{
    struct cookie_rig *strat_rigs[3];
    const struct cookie_strategy *strats[3] = { &cookie_strategy_cookie, &cookie_strategy_modulo,
                                                &cookie_strategy_ketama };
    for (int k = 0; k < 3; k++) {
        struct cookie_rig *rig = rig_up(strats[k], 3, 1);
        strat_rigs[k] = rig;
        struct resp r;
        enum { NC = 24 };
        CURL *h[NC];
        int before[NC], moved = 0;
        for (int i = 0; i < NC; i++) {
            h[i] = client_new();
            fetch(h[i], W(rig, i % 2), (uint64_t)i + 1, NULL, &r);
            before[i] = r.slot;
            assert_int_equal(r.set_cookie, strats[k]->uses_cookie);
        }
        assert_int_equal(cookie_rig_scaleout(rig), 3);
        for (int i = 0; i < NC; i++) {
            fetch(h[i], W(rig, (i + 1) % 2), (uint64_t)i + 1, NULL, &r);
            moved += r.slot != before[i];
            assert_int_equal(r.hit, r.slot == before[i]);
            if (strats[k] == &cookie_strategy_modulo)
                assert_int_equal(r.slot, cookie_client_hash((uint64_t)i + 1) % 4);
            if (strats[k] == &cookie_strategy_ketama && r.slot != before[i])
                assert_int_equal(r.slot, 3);   /* ketama moves keys only to the new server */
            curl_easy_cleanup(h[i]);
        }
        if (strats[k] == &cookie_strategy_cookie) {
            assert_int_equal(moved, 0);        /* the document's claim */
            /* a new client is placed over all N+1 */
            CURL *nh = client_new();
            fetch(nh, W(rig, 0), 1000, NULL, &r);
            assert_int_equal(r.slot, cookie_client_hash(1000) % 4);
            curl_easy_cleanup(nh);
        } else {
            assert_true(moved > 0);
        }
        rig_down(strat_rigs[k]);
    }
}

static void test_tampered_cookies_over_http(void **state)
{
    struct cookie_rig *rig = rig_up(&cookie_strategy_cookie, 3, 0);
    struct resp r;
    char good[COOKIE_TOKEN_MAX], buf[COOKIE_TOKEN_MAX + 64];
    const uint64_t c = 7;
    unsigned home = cookie_client_hash(c) % 3;
    unsigned other = (home + 1) % 3;
    struct cookie_view v;
    cookie_pool_snapshot(&rig->pool, &v);
    struct cookie_claim claim = { c, other, v.gen[other], v.epoch };
    assert_int_equal(cookie_token_make(key, &claim, good, sizeof good), 0);

    /* A valid cookie may name a slot other than the hash one, and is obeyed. */
    CURL *h = client_new();
    snprintf(buf, sizeof buf, COOKIE_TOKEN_NAME "=%s", good);
    fetch(h, W(rig, 0), c, buf, &r);
    assert_string_equal(r.verdict, "ok");
    assert_int_equal(r.slot, other);
    curl_easy_cleanup(h);

    struct { const char *what; char cookie[COOKIE_TOKEN_MAX + 64]; const char *verdict; } t[8];
    int n = 0;
    char forged[COOKIE_TOKEN_MAX], theirs[COOKIE_TOKEN_MAX], far[COOKIE_TOKEN_MAX];
    snprintf(forged, sizeof forged, "%s", good);
    forged[strlen(forged) - 1] = forged[strlen(forged) - 1] == 'a' ? 'b' : 'a';
    struct cookie_claim cl2 = { c + 1, other, v.gen[other], v.epoch };
    cookie_token_make(key, &cl2, theirs, sizeof theirs);
    struct cookie_claim cl3 = { c, 9, 1, v.epoch };
    cookie_token_make(key, &cl3, far, sizeof far);
#define ROW(w, val, verd) do { t[n].what = (w); snprintf(t[n].cookie, sizeof t[n].cookie, COOKIE_TOKEN_NAME "=%s", (val)); t[n].verdict = (verd); n++; } while (0)
    ROW("garbage", "hello-world", "malformed");
    ROW("mac flipped", forged, "forged");
    ROW("another client's cookie", theirs, "forged");
    ROW("slot outside the pool", far, "foreign");
#undef ROW
    uint64_t before[COOKIE_VERDICT_COUNT] = { 0 };
    struct cookie_web_stats st;
    cookie_web_get_stats(rig->web[1], &st);
    memcpy(before, st.verdict, sizeof before);
    for (int i = 0; i < n; i++) {
        h = client_new();
        fetch(h, W(rig, 1), c, t[i].cookie, &r);
        if (strcmp(r.verdict, t[i].verdict) != 0)
            fail_msg("%s: verdict %s, want %s", t[i].what, r.verdict, t[i].verdict);
        assert_int_equal(r.slot, home);       /* ignored and re-placed by hash % N */
        assert_int_equal(r.set_cookie, 1);
        curl_easy_cleanup(h);
    }
    cookie_web_get_stats(rig->web[1], &st);
    assert_int_equal(st.verdict[COOKIE_MALFORMED] - before[COOKIE_MALFORMED], 1);
    assert_int_equal(st.verdict[COOKIE_FORGED] - before[COOKIE_FORGED], 2);
    assert_int_equal(st.verdict[COOKIE_FOREIGN] - before[COOKIE_FOREIGN], 1);

    /* Stale: the server in `other` is replaced by a new one (new incarnation),
     * then the key epoch is rotated; the once-good cookie is refused both times. */
    snprintf(buf, sizeof buf, COOKIE_TOKEN_NAME "=%s", good);
    assert_int_equal(cookie_pool_replace(&rig->pool, other, rig->mc[other].port), 0);
    h = client_new();
    fetch(h, W(rig, 0), c, buf, &r);
    assert_string_equal(r.verdict, "stale");
    assert_int_equal(r.slot, home);
    curl_easy_cleanup(h);   /* its jar now holds the fresh cookie; start clean */
    h = client_new();
    cookie_pool_rotate_epoch(&rig->pool);
    struct cookie_claim cl4 = { c, other, v.gen[other] + 1, v.epoch };
    cookie_token_make(key, &cl4, forged, sizeof forged);
    snprintf(buf, sizeof buf, COOKIE_TOKEN_NAME "=%s", forged);
    fetch(h, W(rig, 0), c, buf, &r);
    assert_string_equal(r.verdict, "stale");
    assert_int_equal(r.slot, home);
    assert_int_equal(r.set_cookie, 1);
    char v2[COOKIE_TOKEN_MAX];
    jar_cookie(h, v2, sizeof v2);
    assert_int_equal(cookie_slot(v2), (int)home);
    char prefix[32];
    snprintf(prefix, sizeof prefix, "1.%u.%u.%u.", home, v.gen[home], v.epoch + 1);
    assert_memory_equal(v2, prefix, strlen(prefix));   /* reissued in the new epoch */
    curl_easy_cleanup(h);
    rig_down(rig);
}

static void test_no_cookie_strategies_ignore_cookies(void **state)
{
    struct cookie_rig *rig = rig_up(&cookie_strategy_modulo, 3, 0);
    struct resp r;
    CURL *h = client_new();
    fetch(h, W(rig, 0), 5, COOKIE_TOKEN_NAME "=1.0.1.1.zzz", &r);
    assert_int_equal(r.set_cookie, 0);
    assert_int_equal(r.slot, cookie_client_hash(5) % 3);
    curl_easy_cleanup(h);
    rig_down(rig);
}

static void test_experiment_pipeline(void **state)
{
    struct cookie_exp_config cfg;
    struct cookie_exp_result res;
    char err[256];
    cookie_exp_config_default(&cfg);
    cfg.experiment = "kill";
    cfg.clients = 12;
    cfg.duration_s = 2.5;
    cfg.event_s = 1.2;
    cfg.web.origin_delay_ms = 2;
    cfg.web.cache_timeout_ms = 1000;
    if (cookie_exp_run(&cfg, &res, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_true(res.load.requests > 12);
    assert_int_equal(res.load.bad_content, 0);
    assert_int_equal(res.n_events, 1);
    assert_true(res.ev[0].ok);
    assert_int_equal(res.leftovers, 0);
    /* every client of the killed server had to move */
    assert_true(res.load.ev[0].clients_moved >= res.load.ev[0].clients_targeted);
    json_t *j = cookie_exp_to_json(&cfg, &res);
    assert_string_equal(json_string_value(json_object_get(j, "strategy")), "cookie");
    json_decref(j);
    cookie_exp_result_free(&res);
    assert_int_equal(cookie_proc_count(), 0);
}

static int setup(void **state)
{
    cookie_proc_init();
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static int teardown(void **state)
{
    curl_global_cleanup();
    return cookie_proc_count() == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_placement),
        cmocka_unit_test(test_failover_rewrites_cookie),
        cmocka_unit_test(test_scaleout),
        cmocka_unit_test(test_tampered_cookies_over_http),
        cmocka_unit_test(test_no_cookie_strategies_ignore_cookies),
        cmocka_unit_test(test_experiment_pipeline),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
