/* cookie_token: the placement cookie, signed so that the web servers never
 * trust what a client made up (the source document trusts the cookie as is).
 *
 * Value (cookie-safe ASCII, at most COOKIE_TOKEN_MAX-1 chars):
 *     1.<slot>.<slot_gen>.<epoch>.<hmac>
 * hmac = hex(HMAC-SHA256(key, "geokv-place|1|<client>|<slot>|<slot_gen>|<epoch>")),
 * so a cookie is bound to one client, one cache slot and one incarnation of
 * the server in that slot. HMAC is OpenSSL's libcrypto (not hand-rolled). */
#ifndef GEOKV_COOKIE_TOKEN_H
#define GEOKV_COOKIE_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define COOKIE_TOKEN_MAX 128
#define COOKIE_TOKEN_KEYLEN 32
#define COOKIE_TOKEN_NAME "geokv_place"

enum cookie_verdict {
    COOKIE_OK = 0,       /* valid: use the slot it names */
    COOKIE_ABSENT,       /* no cookie: first visit (or cookies lost) */
    COOKIE_MALFORMED,    /* does not parse */
    COOKIE_FORGED,       /* parses, but the HMAC does not match */
    COOKIE_STALE,        /* signed by us, but for an older key epoch or an older
                            incarnation of the server in that slot */
    COOKIE_FOREIGN,      /* signed by us, but names a slot outside the pool */
    COOKIE_VERDICT_COUNT
};

const char *cookie_verdict_name(enum cookie_verdict v);

struct cookie_claim {
    uint64_t client;
    unsigned slot;
    unsigned slot_gen;
    unsigned epoch;
};

/* What the verifier checks a claim against. */
struct cookie_trust {
    const unsigned char *key;  /* COOKIE_TOKEN_KEYLEN bytes */
    unsigned epoch;            /* current key epoch; older ones are stale */
    unsigned n_slots;          /* slots 0..n_slots-1 exist */
    const unsigned *slot_gen;  /* current incarnation per slot */
};

/* Write the signed value of claim into out (COOKIE_TOKEN_MAX bytes). */
int cookie_token_make(const unsigned char *key, const struct cookie_claim *claim,
                      char *out, size_t outlen);

/* Check value (may be NULL = absent) for client. On COOKIE_OK, *slot is the
 * slot to use. Never reads past a NUL; rejects anything not exactly the
 * format above (no signs, no leading zeros, bounded lengths). */
enum cookie_verdict cookie_token_check(const struct cookie_trust *trust, uint64_t client,
                                       const char *value, unsigned *slot);

#endif
