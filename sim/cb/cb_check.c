/* cb_check.c: verdict on the final keyspace of a run. */
#include "sim/cb/cb_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cb/cb_keys.h"
#include "sim/cb/cb_model.h"
#include "sim/cb/cb_run.h"

typedef struct chk_peer {
    cb_peer p;
    uint32_t ip;
    bool has_rule;
} chk_peer;

static int by_host(const void *a, const void *b)
{
    return strcmp(((const chk_peer *)a)->p.host_id, ((const chk_peer *)b)->p.host_id);
}

static int by_ip(const void *a, const void *b)
{
    const chk_peer *x = *(const chk_peer *const *)a, *y = *(const chk_peer *const *)b;
    return (x->ip > y->ip) - (x->ip < y->ip);
}

static chk_peer *find_host(chk_peer *v, size_t n, const char *host)
{
    chk_peer key;
    snprintf(key.p.host_id, sizeof key.p.host_id, "%s", host);
    return bsearch(&key, v, n, sizeof *v, by_host);
}

bool cb_check_keyspace(const etcd_kv *peers, size_t n_peers, const etcd_kv *rules, size_t n_rules,
                       int n_expected, const char *cidr, char *msg, size_t msg_len)
{
    bool ok = false;
    chk_peer *v = NULL;
    chk_peer **by = NULL;
    cb_rule r;
    cb_rule_init(&r, NULL);
    uint32_t net = 0;
    int plen = 0;
    char err[160];

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        snprintf(msg, msg_len, __VA_ARGS__);                                                       \
        goto cleanup;                                                                              \
    } while (0)

    msg[0] = '\0';
    if (cb_cidr_parse(cidr, &net, &plen) != 0)
        FAIL("checker: CLADNet CIDR '%s' is not a.b.c.d/len", cidr);
    uint32_t bcast = net | (plen == 32 ? 0 : (0xffffffffu >> plen));
    if (n_peers != (size_t)n_expected)
        FAIL("peers: expected %d keys under peer/, found %zu", n_expected, n_peers);
    v = calloc(n_peers ? n_peers : 1, sizeof *v);
    by = calloc(n_peers ? n_peers : 1, sizeof *by);
    if (!v || !by)
        FAIL("checker: out of memory for %zu peers", n_peers);
    for (size_t i = 0; i < n_peers; i++) {
        const etcd_kv *kv = &peers[i];
        size_t hl;
        const char *h = cb_key_last(kv->key, kv->key_len, &hl);
        if (cb_peer_decode(kv->value, kv->value_len, &v[i].p, err, sizeof err) != 0)
            FAIL("peer %s: undecodable value: %s", kv->key, err);
        if (strlen(v[i].p.host_id) != hl || memcmp(v[i].p.host_id, h, hl) != 0)
            FAIL("peer %s: value's hostId '%s' differs from its key", kv->key, v[i].p.host_id);
        if (strcmp(v[i].p.state, CB_STATE_TUNNELING) != 0)
            FAIL("peer %s: left in state '%s' (expected tunneling)", v[i].p.host_id, v[i].p.state);
        if (cb_ip_parse(v[i].p.ip, &v[i].ip) != 0)
            FAIL("peer %s: IP '%s' is not a dotted IPv4 address", v[i].p.host_id, v[i].p.ip);
        if (!cb_ip_in_cidr(v[i].p.ip, cidr) || v[i].ip == net || v[i].ip == bcast)
            FAIL("peer %s: IP %s is not a host address of %s", v[i].p.host_id, v[i].p.ip, cidr);
        by[i] = &v[i];
    }
    qsort(by, n_peers, sizeof *by, by_ip);
    for (size_t i = 1; i < n_peers; i++)
        if (by[i]->ip == by[i - 1]->ip)
            FAIL("duplicate IP %s: peers %s and %s", by[i]->p.ip, by[i - 1]->p.host_id,
                 by[i]->p.host_id);
    qsort(v, n_peers, sizeof *v, by_host);
    for (size_t i = 1; i < n_peers; i++)
        if (strcmp(v[i].p.host_id, v[i - 1].p.host_id) == 0)
            FAIL("peers: host id %s appears twice", v[i].p.host_id);

    if (n_rules != (size_t)n_expected)
        FAIL("rules: expected %d keys under networking-rule/, found %zu", n_expected, n_rules);
    for (size_t i = 0; i < n_rules; i++) {
        const etcd_kv *kv = &rules[i];
        size_t hl;
        const char *h = cb_key_last(kv->key, kv->key_len, &hl);
        char host[CB_STR];
        snprintf(host, sizeof host, "%.*s", (int)(hl < sizeof host ? hl : sizeof host - 1), h);
        chk_peer *self = find_host(v, n_peers, host);
        if (!self)
            FAIL("rule %s: belongs to no peer", kv->key);
        if (self->has_rule)
            FAIL("rule %s: second rule for host %s", kv->key, host);
        self->has_rule = true;
        cb_rule_free(&r);
        if (cb_rule_decode(kv->value, kv->value_len, &r, err, sizeof err) != 0)
            FAIL("rule of %s: undecodable value: %s", host, err);
        if (r.n != n_peers - 1)
            FAIL("rule of %s: lists %zu peers, expected %zu", host, r.n, n_peers - 1);
        for (size_t j = 0; j < r.n; j++) {
            const cb_rule_entry *e = &r.e[j];
            if (strcmp(e->host_id, host) == 0)
                FAIL("rule of %s: lists the host itself", host);
            if (cb_rule_find(&r, e->host_id) != (long)j)
                FAIL("rule of %s: lists peer %s twice", host, e->host_id);
            chk_peer *o = find_host(v, n_peers, e->host_id);
            if (!o)
                FAIL("rule of %s: entry %s is no peer", host, e->host_id);
            if (strcmp(e->peer_ip, o->p.ip) != 0)
                FAIL("rule of %s: peer %s has IP '%s' in the rule but %s in its peer key", host,
                     e->host_id, e->peer_ip, o->p.ip);
        }
    }
#undef FAIL
    ok = true;
cleanup:
    cb_rule_free(&r);
    free(by);
    free(v);
    return ok;
}
