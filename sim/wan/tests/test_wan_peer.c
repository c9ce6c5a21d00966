/* test_wan_peer.c: reading the dialling member's id from a raft request head. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sim/wan/wan_internal.h"

static int parse(const char *s, uint64_t *id)
{
    return wan_parse_server_from((const unsigned char *)s, strlen(s), id);
}

static void test_server_from(void **state)
{
    (void)state;
    uint64_t id = 0;
    assert_int_equal(parse("GET /raft/stream/msgapp/8e9e05c52164694d HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "X-Server-From: 8e9e05c52164694d\r\nX-Raft-To: 91bc3c398fb3c146\r\n\r\n", &id), 1);
    assert_true(id == 0x8e9e05c52164694dULL);
    /* header names are case-insensitive; spaces and tabs before the value */
    assert_int_equal(parse("POST /raft HTTP/1.1\r\nx-server-from:\t  ABC\r\n\r\n", &id), 1);
    assert_true(id == 0xabc);
    /* probes carry none */
    assert_int_equal(parse("GET /raft/probing HTTP/1.1\r\nHost: x\r\n\r\n", &id), 0);
    /* not after the end of the head, not without hex digits, not a longer name */
    assert_int_equal(parse("GET / HTTP/1.1\r\n\r\nX-Server-From: 12\r\n", &id), 0);
    assert_int_equal(parse("GET / HTTP/1.1\r\nX-Server-From: zz\r\n\r\n", &id), 0);
    assert_int_equal(parse("GET / HTTP/1.1\r\nX-Server-From-Other: 12\r\n\r\n", &id), 0);
    /* a head cut short (still being read) still yields a complete value */
    assert_int_equal(parse("GET / HTTP/1.1\r\nX-Server-From: 1f", &id), 1);
    assert_true(id == 0x1f);
    assert_int_equal(parse("", &id), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_from),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
