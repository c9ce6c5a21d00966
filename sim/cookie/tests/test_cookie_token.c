/* Unit tests: the signed placement cookie, against a table of tampered values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sim/cookie/cookie_token.h"

static const unsigned char key[COOKIE_TOKEN_KEYLEN] = "0123456789abcdef0123456789abcdef";
static const unsigned char other_key[COOKIE_TOKEN_KEYLEN] = "ffffffffffffffffffffffffffffffff";
static const unsigned gens[3] = { 1, 1, 2 };
static const struct cookie_trust trust = { key, 3, 3, gens };

static void make(const unsigned char *k, uint64_t client, unsigned slot, unsigned gen,
                 unsigned epoch, char *out)
{
    struct cookie_claim c = { client, slot, gen, epoch };
    assert_int_equal(cookie_token_make(k, &c, out, COOKIE_TOKEN_MAX), 0);
}

static void test_round_trip(void **state)
{
    char tok[COOKIE_TOKEN_MAX];
    for (unsigned slot = 0; slot < 3; slot++) {
        unsigned got = 99;
        make(key, 42, slot, gens[slot], 3, tok);
        assert_int_equal(cookie_token_check(&trust, 42, tok, &got), COOKIE_OK);
        assert_int_equal(got, slot);
    }
}

/* Replace the last hex digit with a different one. */
static void flip_last(char *tok)
{
    size_t n = strlen(tok);
    tok[n - 1] = tok[n - 1] == '0' ? '1' : '0';
}

static void test_tampered_table(void **state)
{
    char good[COOKIE_TOKEN_MAX], hex[80], buf[512];
    make(key, 42, 1, 1, 3, good);
    const char *mac = strrchr(good, '.') + 1;
    snprintf(hex, sizeof hex, "%s", mac);

    struct { const char *what; char value[512]; enum cookie_verdict want; } t[40];
    int n = 0;
#define ROW(w, v, verdict) do { t[n].what = (w); snprintf(t[n].value, sizeof t[n].value, "%s", (v)); t[n].want = (verdict); n++; } while (0)
    ROW("empty", "", COOKIE_ABSENT);
    ROW("garbage", "hello", COOKIE_MALFORMED);
    snprintf(buf, sizeof buf, "2.1.1.3.%s", hex);   ROW("wrong version", buf, COOKIE_MALFORMED);
    ROW("no mac", "1.1.1.3", COOKIE_MALFORMED);
    ROW("empty mac", "1.1.1.3.", COOKIE_MALFORMED);
    snprintf(buf, sizeof buf, "1.-1.1.3.%s", hex);  ROW("negative slot", buf, COOKIE_MALFORMED);
    snprintf(buf, sizeof buf, "1.+1.1.3.%s", hex);  ROW("plus sign", buf, COOKIE_MALFORMED);
    snprintf(buf, sizeof buf, "1.01.1.3.%s", hex);  ROW("leading zero", buf, COOKIE_MALFORMED);
    snprintf(buf, sizeof buf, "1.1234567890.1.3.%s", hex); ROW("slot too long", buf, COOKIE_MALFORMED);
    snprintf(buf, sizeof buf, "1..1.3.%s", hex);    ROW("empty field", buf, COOKIE_MALFORMED);
    snprintf(buf, sizeof buf, "1.1.1.3.1.%s", hex); ROW("extra field", buf, COOKIE_MALFORMED);
    snprintf(buf, sizeof buf, "1.1.1.3.%.63s", hex); ROW("short mac", buf, COOKIE_MALFORMED);
    snprintf(buf, sizeof buf, "1.1.1.3.%s0", hex);  ROW("long mac", buf, COOKIE_MALFORMED);
    snprintf(buf, sizeof buf, "%s", good);
    for (char *p = strrchr(buf, '.') + 1; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    ROW("upper-case mac", buf, strcmp(buf, good) == 0 ? COOKIE_OK : COOKIE_MALFORMED);
    snprintf(buf, sizeof buf, "%s ", good);         ROW("trailing space", buf, COOKIE_MALFORMED);
    snprintf(buf, sizeof buf, " %s", good);         ROW("leading space", buf, COOKIE_MALFORMED);
    snprintf(buf, sizeof buf, "%s;x=1", good);      ROW("trailing junk", buf, COOKIE_MALFORMED);
    snprintf(buf, sizeof buf, "1.1.1.3.%.60sxyzw", hex); ROW("non-hex mac", buf, COOKIE_MALFORMED);
    memset(buf, '1', 300); buf[300] = '\0';         ROW("oversized", buf, COOKIE_MALFORMED);
    snprintf(buf, sizeof buf, "%s", good); flip_last(buf); ROW("mac bit flipped", buf, COOKIE_FORGED);
    snprintf(buf, sizeof buf, "1.0.1.3.%s", hex);   ROW("slot changed, mac kept", buf, COOKIE_FORGED);
    snprintf(buf, sizeof buf, "1.2.1.3.%s", hex);   ROW("slot 2 claimed", buf, COOKIE_FORGED);
    snprintf(buf, sizeof buf, "1.1.2.3.%s", hex);   ROW("gen changed, mac kept", buf, COOKIE_FORGED);
    snprintf(buf, sizeof buf, "1.1.1.4.%s", hex);   ROW("epoch changed, mac kept", buf, COOKIE_FORGED);
    snprintf(buf, sizeof buf, "1.1.1.3.%064d", 0);  ROW("zero mac", buf, COOKIE_FORGED);
    make(other_key, 42, 1, 1, 3, buf);              ROW("signed with another key", buf, COOKIE_FORGED);
    make(key, 43, 1, 1, 3, buf);                    ROW("another client's cookie", buf, COOKIE_FORGED);
    make(key, 42, 1, 1, 2, buf);                    ROW("old key epoch", buf, COOKIE_STALE);
    make(key, 42, 1, 1, 4, buf);                    ROW("future key epoch", buf, COOKIE_STALE);
    make(key, 42, 2, 1, 3, buf);                    ROW("old server incarnation", buf, COOKIE_STALE);
    make(key, 42, 3, 1, 3, buf);                    ROW("slot outside the pool", buf, COOKIE_FOREIGN);
    make(key, 42, 15, 1, 3, buf);                   ROW("slot far outside", buf, COOKIE_FOREIGN);
    ROW("the good one", good, COOKIE_OK);
#undef ROW
    for (int i = 0; i < n; i++) {
        unsigned slot = 77;
        enum cookie_verdict v = cookie_token_check(&trust, 42, t[i].value, &slot);
        if (v != t[i].want)
            fail_msg("row '%s' (%.60s): got %s, want %s", t[i].what, t[i].value,
                     cookie_verdict_name(v), cookie_verdict_name(t[i].want));
        if (v != COOKIE_OK)
            assert_int_equal(slot, 77);   /* the slot is only written for valid cookies */
    }
    assert_int_equal(cookie_token_check(&trust, 42, NULL, NULL), COOKIE_ABSENT);
}

static void test_verdict_names(void **state)
{
    assert_string_equal(cookie_verdict_name(COOKIE_FORGED), "forged");
    assert_string_equal(cookie_verdict_name(COOKIE_VERDICT_COUNT), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_tampered_table),
        cmocka_unit_test(test_verdict_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
