/* test_cb_model.c: key schema, JSON codecs, rule building and sizes, IP
 * allocation, start schedule, timeline encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cb/cb_keys.h"
#include "sim/cb/cb_model.h"
#include "sim/cb/cb_schedule.h"
#include "sim/cb/cb_timeline.h"

#define CLADNET "cladnet-geokv1"

static void test_keys(void **state)
{
    (void)state;
    char k[CB_KEY_MAX];
    int kl = cb_key_spec(k, "c1");
    assert_int_equal(kl, (int)strlen(k));
    assert_string_equal(k, "/registry/cloud-adaptive-network/cladnet-specification/c1");
    cb_key_host(k, "c1", "h1");
    assert_string_equal(k, "/registry/cloud-adaptive-network/host-network-information/c1/h1");
    cb_key_host_prefix(k, "c1");
    assert_string_equal(k, "/registry/cloud-adaptive-network/host-network-information/c1/");
    cb_key_peer(k, "c1", "h1");
    assert_string_equal(k, "/registry/cloud-adaptive-network/peer/c1/h1");
    cb_key_rule(k, "c1", "h1");
    assert_string_equal(k, "/registry/cloud-adaptive-network/networking-rule/c1/h1");
    cb_key_lock(k, "c1");
    assert_string_equal(k, "/registry/cloud-adaptive-network/distributed-lock/peer/c1");
    cb_key_claim(k, "/registry/cloud-adaptive-network/peer/c1/h1", 42);
    assert_string_equal(k, "lease/registry/cloud-adaptive-network/peer/c1/h1-42");
    size_t l;
    const char *lk = "lease/registry/x/h1";
    const char *last = cb_key_last(lk, strlen(lk), &l);
    assert_int_equal(l, 2);
    assert_memory_equal(last, "h1", 2);
    char big[300];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(cb_key_peer(k, "c1", big), -1);

    /* Under a prefix every key, claims and their prefix too, lies inside it. */
    assert_int_equal(cb_keys_set_prefix("/geokv/r1/"), -1);
    assert_int_equal(cb_keys_set_prefix("geokv/r1"), -1);
    assert_int_equal(cb_keys_set_prefix("/geokv/r1"), 0);
    assert_int_equal(cb_key_peer(k, "c1", "h1"), (int)strlen("/geokv/r1/registry/cloud-adaptive-network/peer/c1/h1"));
    assert_string_equal(k, "/geokv/r1/registry/cloud-adaptive-network/peer/c1/h1");
    char claim[CB_KEY_MAX];
    cb_key_claim(claim, k, 42);
    assert_string_equal(claim, "/geokv/r1/lease/registry/cloud-adaptive-network/peer/c1/h1-42");
    cb_key_claim_prefix(claim);
    assert_string_equal(claim, "/geokv/r1/lease/registry/cloud-adaptive-network/");
    cb_key_lock(k, "c1");
    assert_string_equal(k, "/geokv/r1/registry/cloud-adaptive-network/distributed-lock/peer/c1");
    assert_int_equal(cb_keys_set_prefix(""), 0);
    cb_key_claim_prefix(claim);
    assert_string_equal(claim, "lease/registry/cloud-adaptive-network/");

    char a[CB_HOST_ID_LEN + 1], b[CB_HOST_ID_LEN + 1], a2[CB_HOST_ID_LEN + 1];
    cb_host_id(7, 0, a);
    cb_host_id(7, 1, b);
    cb_host_id(7, 0, a2);
    assert_int_equal(strlen(a), CB_HOST_ID_LEN);
    assert_string_equal(a, a2);
    assert_string_not_equal(a, b);
    for (int i = 0; i < CB_HOST_ID_LEN; i++)
        assert_non_null(strchr("0123456789abcdefghijklmnopqrstuv", a[i]));
}

static void make_peer(cb_peer *p, int i, const char *state)
{
    cb_host_info h;
    cb_host_facts(99, i, &h);
    memset(p, 0, sizeof *p);
    snprintf(p->cladnet_id, sizeof p->cladnet_id, CLADNET);
    cb_host_id(99, i, p->host_id);
    snprintf(p->host_name, sizeof p->host_name, "%s", h.host_name);
    snprintf(p->host_private_cidr, sizeof p->host_private_cidr, "%s", h.private_cidr);
    snprintf(p->host_private_ip, sizeof p->host_private_ip, "%s", h.private_ip);
    snprintf(p->host_public_ip, sizeof p->host_public_ip, "%s", h.public_ip);
    snprintf(p->ipv4_cidr, sizeof p->ipv4_cidr, "192.168.0.0/16");
    assert_int_equal(cb_ip_alloc("192.168.0.0/16", i, p->ip), 0);
    snprintf(p->state, sizeof p->state, "%s", state);
    snprintf(p->provider, sizeof p->provider, i % 2 ? "gcp" : "aws");
    snprintf(p->region, sizeof p->region, i % 2 ? "asia-northeast3" : "ap-northeast-2");
    snprintf(p->zone, sizeof p->zone, i % 2 ? "asia-northeast3-a" : "ap-northeast-2a");
    /* vnet and subnet stay empty, as the simulated agents leave them */
}

static void test_codecs_round_trip(void **state)
{
    (void)state;
    size_t len;
    cb_spec s = {0}, s2;
    snprintf(s.cladnet_id, sizeof s.cladnet_id, CLADNET);
    snprintf(s.name, sizeof s.name, "geokv");
    snprintf(s.ipv4_cidr, sizeof s.ipv4_cidr, "192.168.0.0/16");
    snprintf(s.description, sizeof s.description, "geokv-bench CLADNet");
    s.rule_type = CB_RULE_COST_PRIORITIZED;
    char *j = cb_spec_encode(&s, &len);
    assert_non_null(j);
    assert_int_equal(cb_spec_decode(j, len, &s2, NULL, 0), 0);
    assert_memory_equal(&s, &s2, sizeof s);
    free(j);

    cb_host_info h, h2;
    cb_host_facts(1, 3, &h);
    j = cb_host_info_encode(&h, &len);
    assert_non_null(j);
    assert_in_range(len, 330, 390);   /* the original's ~360 B */
    assert_int_equal(cb_host_info_decode(j, len, &h2, NULL, 0), 0);
    assert_memory_equal(&h, &h2, sizeof h);
    free(j);

    cb_peer p, p2;
    make_peer(&p, 5, "configuring");
    j = cb_peer_encode(&p, &len);
    assert_non_null(j);
    assert_in_range(len, 340, 410);   /* ~360 B (~395 with our 20-char ids and details) */
    assert_int_equal(cb_peer_decode(j, len, &p2, NULL, 0), 0);
    assert_memory_equal(&p, &p2, sizeof p);
    free(j);

    char err[128];
    assert_int_equal(cb_peer_decode("{\"hostId\":1}", 12, &p2, err, sizeof err), -1);
    assert_int_equal(cb_peer_decode("nope", 4, &p2, err, sizeof err), -1);
    assert_non_null(strstr(err, "invalid JSON"));
}

static void test_rule_sizes_and_round_trip(void **state)
{
    (void)state;
    cb_peer peers[101];
    for (int i = 0; i < 101; i++)
        make_peer(&peers[i], i, "tunneling");
    size_t len0 = 0, len_prev = 0;
    for (int n = 1; n <= 101; n++) {
        cb_rule r;
        cb_rule_init(&r, CLADNET);
        for (int i = 1; i < n; i++) {
            cb_rule_entry e;
            cb_rule_entry_for(&peers[0], &peers[i], CB_RULE_BASIC, &e);
            assert_int_equal(cb_rule_upsert(&r, &e), 1);
        }
        size_t len;
        char *j = cb_rule_encode(&r, &len);
        assert_non_null(j);
        if (n == 1) {
            len0 = len;
            assert_in_range(len, 105, 115);   /* ~110 B */
        } else {
            /* ~85 B per other peer, within a few bytes */
            double per = (double)(len - len0) / (n - 1);
            assert_true(per > 80 && per < 90);
            assert_true(len > len_prev);
        }
        len_prev = len;
        cb_rule back;
        assert_int_equal(cb_rule_decode(j, len, &back, NULL, 0), 0);
        assert_int_equal(back.n, r.n);
        assert_string_equal(back.cladnet_id, CLADNET);
        if (r.n)
            assert_memory_equal(back.e, r.e, r.n * sizeof *r.e);
        cb_rule_free(&back);
        free(j);
        cb_rule_free(&r);
    }
}

static void test_rule_upsert_and_types(void **state)
{
    (void)state;
    cb_peer a, b, c;
    make_peer(&a, 0, "tunneling");   /* aws */
    make_peer(&b, 2, "configuring"); /* aws, same region and zone */
    make_peer(&c, 1, "tunneling");   /* gcp */
    cb_rule_entry e;
    cb_rule_entry_for(&a, &b, CB_RULE_BASIC, &e);
    assert_string_equal(e.selected_ip, b.host_public_ip);
    assert_string_equal(e.peer_scope, "inter");
    assert_string_equal(e.peer_ip, b.ip);
    cb_rule_entry_for(&a, &b, CB_RULE_COST_PRIORITIZED, &e);
    assert_string_equal(e.selected_ip, b.host_private_ip);
    assert_string_equal(e.peer_scope, "intra");
    cb_rule_entry ec;
    cb_rule_entry_for(&a, &c, CB_RULE_COST_PRIORITIZED, &ec);
    assert_string_equal(ec.selected_ip, c.host_public_ip);
    assert_string_equal(ec.peer_scope, "inter");

    cb_rule r;
    cb_rule_init(&r, CLADNET);
    assert_int_equal(cb_rule_upsert(&r, &e), 1);
    assert_int_equal(cb_rule_upsert(&r, &e), 0);      /* unchanged */
    assert_int_equal(cb_rule_upsert(&r, &ec), 1);
    snprintf(e.state, sizeof e.state, "tunneling");
    assert_int_equal(cb_rule_upsert(&r, &e), 1);      /* updated in place */
    assert_int_equal(r.n, 2);
    assert_int_equal(cb_rule_find(&r, b.host_id), 0);
    assert_string_equal(r.e[0].state, "tunneling");
    assert_int_equal(cb_rule_find(&r, "nobody"), -1);
    cb_rule copy;
    assert_int_equal(cb_rule_copy(&copy, &r), 0);
    assert_int_equal(copy.n, 2);
    cb_rule_free(&copy);
    cb_rule_free(&r);

    cb_rule bad;
    const char *j = "{\"cladnetId\":\"x\",\"hostId\":[\"a\"],\"hostName\":[],\"peerIP\":[\"1\"],"
                    "\"selectedIP\":[\"1\"],\"peerScope\":[\"inter\"],\"state\":[\"x\"]}";
    char err[128];
    assert_int_equal(cb_rule_decode(j, strlen(j), &bad, err, sizeof err), -1);
    assert_non_null(strstr(err, "differ"));
    /* Go's nil slices are null */
    j = "{\"cladnetId\":\"x\",\"hostId\":null,\"hostName\":null,\"peerIP\":null,"
        "\"selectedIP\":null,\"peerScope\":null,\"state\":null}";
    assert_int_equal(cb_rule_decode(j, strlen(j), &bad, err, sizeof err), 0);
    assert_int_equal(bad.n, 0);
    cb_rule_free(&bad);
}

static void test_ip_alloc(void **state)
{
    (void)state;
    char ip[CB_STR];
    assert_int_equal(cb_ip_alloc("192.168.0.0/16", 0, ip), 0);
    assert_string_equal(ip, "192.168.0.2");
    assert_int_equal(cb_ip_alloc("192.168.0.0/16", 254, ip), 0);
    assert_string_equal(ip, "192.168.1.0");
    /* host bits in the CIDR are masked away */
    assert_int_equal(cb_ip_alloc("10.1.2.3/24", 1, ip), 0);
    assert_string_equal(ip, "10.1.2.3");
    /* /29: network .0, broadcast .7: counts 0..5 fit (.2 .. .7), 6 is past it */
    assert_int_equal(cb_ip_alloc("10.0.0.0/29", 5, ip), 0);
    assert_string_equal(ip, "10.0.0.7");
    assert_int_equal(cb_ip_alloc("10.0.0.0/29", 6, ip), 1);
    assert_string_equal(ip, "");
    assert_int_equal(cb_ip_alloc("10.0.0.0/30", 100, ip), 1);
    assert_int_equal(cb_ip_alloc("255.255.255.0/24", 300, ip), 1);   /* no 32-bit wrap */
    assert_int_equal(cb_ip_alloc("10.0.0.0", 0, ip), -1);
    assert_int_equal(cb_ip_alloc("10.0.0.0/33", 0, ip), -1);
    assert_int_equal(cb_ip_alloc("10.0.0.300/8", 0, ip), -1);
    assert_true(cb_ip_in_cidr("192.168.3.4", "192.168.0.0/16"));
    assert_false(cb_ip_in_cidr("192.169.3.4", "192.168.0.0/16"));
    assert_false(cb_ip_in_cidr("x", "192.168.0.0/16"));
}

static void test_schedule(void **state)
{
    (void)state;
    double a[50], b[50], c[50];
    assert_int_equal(cb_schedule_offsets(CB_START_ALL, 0, 0, 1, 50, a), 0);
    for (int i = 0; i < 50; i++)
        assert_true(a[i] == 0);
    assert_int_equal(cb_schedule_offsets(CB_START_GAP, 0.5, 0, 1, 50, a), 0);
    assert_true(a[0] == 0 && a[49] == 24.5);
    assert_int_equal(cb_schedule_offsets(CB_START_RANDOM, 0, 10, 42, 50, a), 0);
    assert_int_equal(cb_schedule_offsets(CB_START_RANDOM, 0, 10, 42, 50, b), 0);
    assert_int_equal(cb_schedule_offsets(CB_START_RANDOM, 0, 10, 43, 50, c), 0);
    assert_memory_equal(a, b, sizeof a);
    assert_memory_not_equal(a, c, sizeof a);
    double lo = 10, hi = 0;
    for (int i = 0; i < 50; i++) {
        assert_true(a[i] >= 0 && a[i] < 10);
        lo = a[i] < lo ? a[i] : lo;
        hi = a[i] > hi ? a[i] : hi;
    }
    assert_true(hi - lo > 5);   /* spread over the window, not clumped */
    assert_int_equal(cb_schedule_offsets(CB_START_GAP, -1, 0, 1, 5, a), -1);
    assert_int_equal(cb_schedule_offsets((cb_start)9, 0, 0, 1, 5, a), -1);
}

static void test_timeline(void **state)
{
    (void)state;
    char line[256];
    int n = cb_timeline_encode(line, sizeof line, "abc", "aws-ap-northeast-2", CB_EV_LOCK_HELD, 1.25);
    assert_int_equal(n, (int)strlen(line));
    assert_string_equal(line, "{\"agent\":\"abc\",\"region\":\"aws-ap-northeast-2\",\"event\":"
                              "\"lock_held\",\"t_s\":1.250000}\n");
    n = cb_timeline_encode(line, sizeof line, "a\"b", "r\\", CB_EV_START, 0);
    assert_string_equal(line, "{\"agent\":\"a\\\"b\",\"region\":\"r\\\\\",\"event\":\"start\",\"t_s\":0.000000}\n");
    assert_int_equal(cb_timeline_encode(line, 20, "abc", "r", CB_EV_START, 0), -1);
    for (int e = 0; e < CB_EV_COUNT; e++)
        assert_string_not_equal(cb_event_name((cb_event)e), "unknown");
    assert_string_equal(cb_event_name(CB_EV_RULE_COMPLETE), "rule_complete");

    cb_timeline *tl = cb_timeline_new(100.0);
    assert_non_null(tl);
    cb_timeline_add(tl, "h2", "r", CB_EV_RULE_COMPLETE, 103.0);
    cb_timeline_add(tl, "h1", "r", CB_EV_START, 100.5);
    assert_int_equal(cb_timeline_count(tl), 2);
    char path[] = "/tmp/test_cb_timeline_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(cb_timeline_write(tl, path), 0);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    assert_non_null(strstr(line, "\"event\":\"start\",\"t_s\":0.500000"));
    assert_non_null(fgets(line, sizeof line, f));
    assert_non_null(strstr(line, "\"rule_complete\",\"t_s\":3.000000"));
    assert_null(fgets(line, sizeof line, f));
    fclose(f);
    unlink(path);
    cb_timeline_free(tl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_codecs_round_trip),
        cmocka_unit_test(test_rule_sizes_and_round_trip),
        cmocka_unit_test(test_rule_upsert_and_types),
        cmocka_unit_test(test_ip_alloc),
        cmocka_unit_test(test_schedule),
        cmocka_unit_test(test_timeline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
