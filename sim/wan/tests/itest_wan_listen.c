/* itest_wan_listen.c: wan_config.listen_addr. Client links listen on the
 * given address and nowhere else (127.0.0.2, an address of this host's
 * loopback interface that is not 127.0.0.1: a connection to 127.0.0.1 on the
 * link's port is refused), forward to the echo server behind them, and peer
 * listeners stay on 127.0.0.1; an address that is not IPv4 is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim/wan/wan.h"
#include "sim/wan/wan_echo.h"

static int echo_port;

static int group_setup(void **state)
{
    char err[256];
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    if (wan_echo_start(&echo_port, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

/* A connected socket to addr:port, or -1. */
static int dial_addr(const char *addr, int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || inet_pton(AF_INET, addr, &sa.sin_addr) != 1 ||
        connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static void test_client_link_on_given_address(void **state)
{
    wan_config cfg = {.seed = 1, .rtt_scale = 1.0, .listen_addr = "127.0.0.2"};
    wan *w = NULL;
    char err[256], buf[5] = "";
    (void)state;
    assert_int_equal(wan_new(&cfg, &w, err, sizeof err), 0);
    int id = wan_add_link(w, "c:far:0", echo_port, 2.0, -1, -1, err, sizeof err);
    if (id < 0)
        fail_msg("link on 127.0.0.2: %s", err);
    assert_int_equal(wan_add_peer_member(w, 0, "m0", echo_port, 0, err, sizeof err), 0);
    assert_int_equal(wan_start(w, err, sizeof err), 0);
    int port = wan_link_port(w, id);
    assert_true(dial_addr("127.0.0.1", port) < 0);   /* not on loopback's 127.0.0.1 */
    int fd = dial_addr("127.0.0.2", port);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "ping", 4), 4);
    size_t got = 0;
    while (got < 4) {
        ssize_t r = read(fd, buf + got, 4 - got);
        assert_true(r > 0);
        got += (size_t)r;
    }
    assert_memory_equal(buf, "ping", 4);   /* through the link to the echo server */
    close(fd);
    /* the peer listener stays where the local members dial it */
    fd = dial_addr("127.0.0.1", wan_peer_port(w, 0));
    assert_true(fd >= 0);
    close(fd);
    wan_free(w);
}

static void test_bad_address_refused(void **state)
{
    wan_config cfg = {.seed = 1, .rtt_scale = 1.0, .listen_addr = "seoul.example"};
    wan *w = NULL;
    char err[256] = "";
    (void)state;
    assert_int_equal(wan_new(&cfg, &w, err, sizeof err), 0);
    assert_true(wan_add_link(w, "c:far:0", echo_port, 2.0, -1, -1, err, sizeof err) < 0);
    assert_non_null(strstr(err, "seoul.example"));
    wan_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_link_on_given_address),
        cmocka_unit_test(test_bad_address_refused),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
