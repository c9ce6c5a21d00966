#include "sim/cookie/cookie_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#define HMAC_HEX 64

static const char *verdict_names[COOKIE_VERDICT_COUNT] = {
    "ok", "absent", "malformed", "forged", "stale", "foreign",
};

const char *cookie_verdict_name(enum cookie_verdict v)
{
    return (v >= 0 && v < COOKIE_VERDICT_COUNT) ? verdict_names[v] : "?";
}

static int sign(const unsigned char *key, const struct cookie_claim *c, char hex[HMAC_HEX + 1])
{
    char msg[160];
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    int n = snprintf(msg, sizeof msg, "geokv-place|1|%llu|%u|%u|%u",
                     (unsigned long long)c->client, c->slot, c->slot_gen, c->epoch);
    if (n < 0 || (size_t)n >= sizeof msg)
        return -1;
    if (!HMAC(EVP_sha256(), key, COOKIE_TOKEN_KEYLEN, (const unsigned char *)msg,
              (size_t)n, mac, &maclen) || maclen != 32)
        return -1;
    for (unsigned i = 0; i < maclen; i++)
        snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    hex[HMAC_HEX] = '\0';
    return 0;
}

int cookie_token_make(const unsigned char *key, const struct cookie_claim *claim,
                      char *out, size_t outlen)
{
    char hex[HMAC_HEX + 1];
    if (sign(key, claim, hex) != 0)
        return -1;
    int n = snprintf(out, outlen, "1.%u.%u.%u.%s", claim->slot, claim->slot_gen,
                     claim->epoch, hex);
    return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

/* Parse a decimal unsigned field ending at '.' or NUL: 1-9 digits, no
 * leading zero unless the number is 0. Returns a pointer after the field. */
static const char *parse_uint(const char *p, unsigned *out)
{
    unsigned v = 0;
    int digits = 0;
    if (*p == '0' && p[1] >= '0' && p[1] <= '9')
        return NULL;
    while (*p >= '0' && *p <= '9') {
        if (++digits > 9)
            return NULL;
        v = v * 10 + (unsigned)(*p - '0');
        p++;
    }
    if (digits == 0)
        return NULL;
    *out = v;
    return p;
}

enum cookie_verdict cookie_token_check(const struct cookie_trust *trust, uint64_t client,
                                       const char *value, unsigned *slot)
{
    struct cookie_claim c = { .client = client };
    char want[HMAC_HEX + 1];
    const char *p = value;

    if (value == NULL || *value == '\0')
        return COOKIE_ABSENT;
    if (strnlen(value, COOKIE_TOKEN_MAX) >= COOKIE_TOKEN_MAX)
        return COOKIE_MALFORMED;
    if (p[0] != '1' || p[1] != '.')
        return COOKIE_MALFORMED;
    p += 2;
    if (!(p = parse_uint(p, &c.slot)) || *p++ != '.')
        return COOKIE_MALFORMED;
    if (!(p = parse_uint(p, &c.slot_gen)) || *p++ != '.')
        return COOKIE_MALFORMED;
    if (!(p = parse_uint(p, &c.epoch)) || *p++ != '.')
        return COOKIE_MALFORMED;
    if (strlen(p) != HMAC_HEX || strspn(p, "0123456789abcdef") != HMAC_HEX)
        return COOKIE_MALFORMED;
    if (sign(trust->key, &c, want) != 0)
        return COOKIE_MALFORMED;
    if (CRYPTO_memcmp(want, p, HMAC_HEX) != 0)
        return COOKIE_FORGED;
    /* Authentic from here on: the remaining checks are about age. */
    if (c.epoch != trust->epoch)
        return COOKIE_STALE;
    if (c.slot >= trust->n_slots)
        return COOKIE_FOREIGN;
    if (c.slot_gen != trust->slot_gen[c.slot])
        return COOKIE_STALE;
    *slot = c.slot;
    return COOKIE_OK;
}
