/* cb_keys.c: key builders of the cb-network schema and simulated host ids. */
#include "sim/cb/cb_keys.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Set once before any run (cb_keys_set_prefix); read-only while runs go. */
static char key_prefix[CB_KEY_PREFIX_MAX];

int cb_keys_set_prefix(const char *prefix)
{
    size_t n = prefix ? strlen(prefix) : 0;
    if (n >= sizeof key_prefix || (n && (prefix[0] != '/' || prefix[n - 1] == '/')))
        return -1;
    memcpy(key_prefix, prefix ? prefix : "", n + 1);
    return 0;
}

const char *cb_keys_prefix(void)
{
    return key_prefix;
}

static int key_fmt(char *out, const char *fmt, ...)
{
    va_list ap;
    size_t p = strlen(key_prefix);
    memcpy(out, key_prefix, p + 1);
    va_start(ap, fmt);
    int n = vsnprintf(out + p, CB_KEY_MAX - p, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= CB_KEY_MAX - p) {
        out[0] = '\0';
        return -1;
    }
    return n + (int)p;
}

int cb_key_spec(char *out, const char *c)
{
    return key_fmt(out, "%s/cladnet-specification/%s", CB_KEY_ROOT, c);
}

int cb_key_host_prefix(char *out, const char *c)
{
    return key_fmt(out, "%s/host-network-information/%s/", CB_KEY_ROOT, c);
}

int cb_key_host(char *out, const char *c, const char *h)
{
    return key_fmt(out, "%s/host-network-information/%s/%s", CB_KEY_ROOT, c, h);
}

int cb_key_peer_prefix(char *out, const char *c)
{
    return key_fmt(out, "%s/peer/%s/", CB_KEY_ROOT, c);
}

int cb_key_peer(char *out, const char *c, const char *h)
{
    return key_fmt(out, "%s/peer/%s/%s", CB_KEY_ROOT, c, h);
}

int cb_key_rule_prefix(char *out, const char *c)
{
    return key_fmt(out, "%s/networking-rule/%s/", CB_KEY_ROOT, c);
}

int cb_key_rule(char *out, const char *c, const char *h)
{
    return key_fmt(out, "%s/networking-rule/%s/%s", CB_KEY_ROOT, c, h);
}

int cb_key_lock(char *out, const char *c)
{
    return key_fmt(out, "%s/distributed-lock/peer/%s", CB_KEY_ROOT, c);
}

int cb_key_secret(char *out, const char *c)
{
    return key_fmt(out, "%s/secret/%s", CB_KEY_ROOT, c);
}

int cb_key_control(char *out, const char *c, const char *h)
{
    return key_fmt(out, "%s/control-command/%s/%s", CB_KEY_ROOT, c, h);
}

int cb_key_test_request(char *out, const char *c, const char *h)
{
    return key_fmt(out, "%s/test-request/%s/%s", CB_KEY_ROOT, c, h);
}

int cb_key_claim(char *out, const char *watched_key, int64_t revision)
{
    /* the watched key carries the prefix already: the claim puts it first */
    size_t p = strlen(key_prefix);
    if (p && !strncmp(watched_key, key_prefix, p))
        watched_key += p;
    return key_fmt(out, p ? "/lease%s-%lld" : "lease%s-%lld", watched_key, (long long)revision);
}

int cb_key_claim_prefix(char *out)
{
    return key_fmt(out, key_prefix[0] ? "/lease%s/" : "lease%s/", CB_KEY_ROOT);
}

const char *cb_key_last(const char *key, size_t key_len, size_t *seg_len)
{
    size_t i = key_len;
    while (i > 0 && key[i - 1] != '/')
        i--;
    *seg_len = key_len - i;
    return key + i;
}

uint64_t cb_rand_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double cb_rand_unit(uint64_t *state)
{
    return (double)(cb_rand_next(state) >> 11) * (1.0 / 9007199254740992.0);
}

void cb_host_id(uint64_t seed, int index, char *out)
{
    static const char alphabet[] = "0123456789abcdefghijklmnopqrstuv";
    uint64_t st = seed * 0x100000001b3ULL + (uint64_t)index;
    uint64_t a = cb_rand_next(&st), b = cb_rand_next(&st);
    /* 20 chars x 5 bits = 100 bits: 60 from a, 40 from b. Random-looking
     * like xids, so peers sort in no particular order; the run still checks
     * its ids for collisions (cb_run). */
    for (int i = 0; i < 12; i++)
        out[i] = alphabet[(a >> (5 * i)) & 31];
    for (int i = 0; i < 8; i++)
        out[12 + i] = alphabet[(b >> (5 * i)) & 31];
    out[CB_HOST_ID_LEN] = '\0';
}
