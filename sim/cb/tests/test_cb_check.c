/* test_cb_check.c: the checker on synthetic keyspaces: a good one, then one
 * defect at a time (duplicate IP, missing rule entry, wrong IP in a rule,
 * leftover configuring / failed peer, missing peer, IP outside the CIDR). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cb/cb_check.h"
#include "sim/cb/cb_keys.h"
#include "sim/cb/cb_model.h"

#define N 6
#define C "cladnet-geokv1"
#define CIDR "10.10.0.0/24"

typedef struct ks {
    cb_peer peers[N];
    cb_rule rules[N];
    etcd_kv pkv[N], rkv[N];
    int n_peers, n_rules;
} ks;

static void set_kv(etcd_kv *kv, const char *key, char *val, size_t len)
{
    free(kv->key);
    free(kv->value);
    kv->key = strdup(key);
    kv->key_len = strlen(key);
    kv->value = val;
    kv->value_len = len;
}

/* Encode the structs into key-values. */
static void ks_encode(ks *k)
{
    char key[CB_KEY_MAX];
    size_t len;
    for (int i = 0; i < k->n_peers; i++) {
        cb_key_peer(key, C, k->peers[i].host_id);
        char *v = cb_peer_encode(&k->peers[i], &len);
        assert_non_null(v);
        set_kv(&k->pkv[i], key, v, len);
    }
    for (int i = 0; i < k->n_rules; i++) {
        cb_key_rule(key, C, k->peers[i].host_id);
        char *v = cb_rule_encode(&k->rules[i], &len);
        assert_non_null(v);
        set_kv(&k->rkv[i], key, v, len);
    }
}

static int setup(void **state)
{
    ks *k = calloc(1, sizeof *k);
    for (int i = 0; i < N; i++) {
        cb_peer *p = &k->peers[i];
        cb_host_info h;
        cb_host_facts(5, i, &h);
        snprintf(p->cladnet_id, sizeof p->cladnet_id, C);
        cb_host_id(5, i, p->host_id);
        snprintf(p->host_name, sizeof p->host_name, "%s", h.host_name);
        snprintf(p->host_public_ip, sizeof p->host_public_ip, "%s", h.public_ip);
        snprintf(p->ipv4_cidr, sizeof p->ipv4_cidr, CIDR);
        cb_ip_alloc(CIDR, i, p->ip);
        snprintf(p->state, sizeof p->state, "tunneling");
    }
    for (int i = 0; i < N; i++) {
        cb_rule_init(&k->rules[i], C);
        for (int j = 0; j < N; j++) {
            if (j == i)
                continue;
            cb_rule_entry e;
            cb_rule_entry_for(&k->peers[i], &k->peers[j], CB_RULE_BASIC, &e);
            cb_rule_upsert(&k->rules[i], &e);
        }
    }
    k->n_peers = k->n_rules = N;
    *state = k;
    return 0;
}

static int teardown(void **state)
{
    ks *k = *state;
    for (int i = 0; i < N; i++) {
        cb_rule_free(&k->rules[i]);
        free(k->pkv[i].key), free(k->pkv[i].value);
        free(k->rkv[i].key), free(k->rkv[i].value);
    }
    free(k);
    return 0;
}

static bool run(ks *k, char *msg)
{
    ks_encode(k);
    bool ok = cb_check_keyspace(k->pkv, (size_t)k->n_peers, k->rkv, (size_t)k->n_rules, N, CIDR, msg, 512);
    if (!ok)
        printf("    checker says: %s\n", msg);
    return ok;
}

static void test_good(void **state)
{
    char msg[512];
    assert_true(run(*state, msg));
    assert_string_equal(msg, "");
}

static void test_duplicate_ip(void **state)
{
    ks *k = *state;
    char msg[512];
    snprintf(k->peers[4].ip, sizeof k->peers[4].ip, "%s", k->peers[1].ip);
    assert_false(run(k, msg));
    assert_non_null(strstr(msg, "duplicate IP 10.10.0.3"));
    assert_non_null(strstr(msg, k->peers[1].host_id));
    assert_non_null(strstr(msg, k->peers[4].host_id));
}

static void test_missing_entry(void **state)
{
    ks *k = *state;
    char msg[512];
    k->rules[2].n--;   /* drop the last entry */
    assert_false(run(k, msg));
    assert_non_null(strstr(msg, "lists 4 peers, expected 5"));
    assert_non_null(strstr(msg, k->peers[2].host_id));
}

static void test_wrong_ip(void **state)
{
    ks *k = *state;
    char msg[512];
    snprintf(k->rules[3].e[1].peer_ip, sizeof k->rules[3].e[1].peer_ip, "10.10.0.99");
    assert_false(run(k, msg));
    assert_non_null(strstr(msg, "has IP '10.10.0.99' in the rule"));
}

static void test_leftover_configuring(void **state)
{
    ks *k = *state;
    char msg[512];
    snprintf(k->peers[5].state, sizeof k->peers[5].state, "configuring");
    assert_false(run(k, msg));
    assert_non_null(strstr(msg, "left in state 'configuring'"));
}

static void test_failed_peer(void **state)
{
    ks *k = *state;
    char msg[512];
    snprintf(k->peers[0].state, sizeof k->peers[0].state, "failed");
    k->peers[0].ip[0] = '\0';
    assert_false(run(k, msg));
    assert_non_null(strstr(msg, "left in state 'failed'"));
}

static void test_missing_peer_and_rule(void **state)
{
    ks *k = *state;
    char msg[512];
    k->n_peers = N - 1;
    assert_false(run(k, msg));
    assert_non_null(strstr(msg, "expected 6 keys under peer/, found 5"));
    k->n_peers = N;
    k->n_rules = N - 1;
    assert_false(run(k, msg));
    assert_non_null(strstr(msg, "expected 6 keys under networking-rule/, found 5"));
}

static void test_ip_outside_cidr(void **state)
{
    ks *k = *state;
    char msg[512];
    snprintf(k->peers[2].ip, sizeof k->peers[2].ip, "10.10.1.2");
    assert_false(run(k, msg));
    assert_non_null(strstr(msg, "is not a host address of"));
}

static void test_self_and_double_entry(void **state)
{
    ks *k = *state;
    char msg[512];
    cb_rule_entry self;
    cb_rule_entry_for(NULL, &k->peers[1], CB_RULE_BASIC, &self);
    k->rules[1].e[0] = self;   /* replaces the entry of peer 0 with itself */
    assert_false(run(k, msg));
    assert_non_null(strstr(msg, "lists the host itself"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_good, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_ip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_ip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leftover_configuring, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_peer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_peer_and_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ip_outside_cidr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_self_and_double_entry, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
