/* itest_wan.c: the WAN emulator over real sockets on 127.0.0.1 with an echo
 * server started here: RTT lower bounds, byte counters, blackhole and heal,
 * half-close, peer-link identification by X-Server-From, many connections,
 * and wan-bench's stamping reflector behind a link.
 * Only lower bounds on time are asserted (upper bounds are `make bench-wan`). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sim/wan/wan.h"
#include "sim/wan/wan_echo.h"
#include "sim/wan/wan_reflect.h"
#include "sim/wan/wan_spin.h"
#include "sim/util/util_clock.h"

/* ---- echo server -------------------------------------------------------- */

static int echo_port;

static int group_setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    char err[256];
    if (wan_echo_start(&echo_port, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

/* ---- helpers ------------------------------------------------------------ */

static int dial(int port)
{
    int fd = wan_echo_dial(port);
    assert_true(fd >= 0);
    return fd;
}

/* Read exactly n bytes within timeout_ms; returns bytes read. */
static size_t read_n(int fd, void *buf, size_t n, int timeout_ms)
{
    size_t got = 0;
    double end = util_now_ms() + timeout_ms;
    while (got < n) {
        int left = (int)(end - util_now_ms());
        if (left <= 0)
            break;
        struct pollfd p = { fd, POLLIN, 0 };
        if (poll(&p, 1, left) <= 0)
            break;
        ssize_t k = read(fd, (char *)buf + got, n - got);
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    return got;
}

static void write_all(int fd, const void *buf, size_t n)
{
    for (size_t off = 0; off < n;) {
        ssize_t k = write(fd, (const char *)buf + off, n - off);
        assert_true(k > 0);
        off += (size_t)k;
    }
}

/* One ping-pong of len bytes; returns the round trip in ms. */
static double ping(int fd, size_t len)
{
    char out[4096], in[4096];
    assert_true(len <= sizeof out);
    memset(out, 'p', len);
    double t0 = util_now_ms();
    write_all(fd, out, len);
    assert_int_equal(read_n(fd, in, len, 5000), len);
    double dt = util_now_ms() - t0;
    assert_memory_equal(in, out, len);
    return dt;
}

static json_t *link_counters(wan *w, const char *name)
{
    json_t *all = wan_counters(w), *links = json_object_get(all, "links"), *l, *found = NULL;
    size_t i;
    json_array_foreach(links, i, l)
        if (strcmp(json_string_value(json_object_get(l, "name")), name) == 0)
            found = json_incref(l);
    json_decref(all);
    assert_non_null(found);
    return found;
}

static json_int_t counter(wan *w, const char *name, const char *key)
{
    json_t *l = link_counters(w, name);
    json_int_t v = json_integer_value(json_object_get(l, key));
    json_decref(l);
    return v;
}

static int flag(wan *w, const char *name, const char *key)
{
    json_t *l = link_counters(w, name);
    int v = json_is_true(json_object_get(l, key));
    json_decref(l);
    return v;
}

static wan *new_wan(void)
{
    wan *w = NULL;
    char err[256];
    wan_config cfg = { .seed = 1 };
    if (wan_new(&cfg, &w, err, sizeof err) < 0)
        fail_msg("%s", err);
    return w;
}

static void start(wan *w)
{
    char err[256];
    if (wan_start(w, err, sizeof err) < 0)
        fail_msg("%s", err);
}

/* ---- tests -------------------------------------------------------------- */

static void test_rtt_lower_bound(void **state)
{
    (void)state;
    wan *w = new_wan();
    char err[256];
    int id = wan_add_link(w, "l20", echo_port, 20.0, 0, 1, err, sizeof err);
    assert_true(id >= 0);
    start(w);
    double t0 = util_now_ms();
    int fd = dial(wan_link_port(w, id));
    /* the first exchange pays the emulated connection set-up RTT too */
    double first = ping(fd, 64);
    assert_true(util_now_ms() - t0 >= 40.0);
    assert_true(first >= 20.0);
    for (int i = 0; i < 10; i++) {
        double rtt = ping(fd, i % 2 ? 4096 : 64);
        if (rtt < 20.0)
            fail_msg("round trip %.3f ms through a 20 ms link", rtt);
    }
    close(fd);
    wan_free(w);
}

static double spin_s(wan *w)
{
    json_t *c = wan_counters(w);
    double v = json_real_value(json_object_get(c, "spin_s"));
    json_decref(c);
    return v;
}

/* Polling before releases (the default, automatic window) never releases
 * early, really polls, and stays within its budget of 10% of a CPU; with it
 * off the loop never polls. */
static void test_spin_before_release(void **state)
{
    (void)state;
    for (int on = 1; on >= 0; on--) {
        wan *w = NULL;
        char err[256];
        wan_config cfg = { .seed = 1, .spin_us = on ? 0 : -1 };
        if (wan_new(&cfg, &w, err, sizeof err) < 0)
            fail_msg("%s", err);
        int id = wan_add_link(w, "spin", echo_port, 6.0, -1, -1, err, sizeof err);
        assert_true(id >= 0);
        start(w);
        int fd = dial(wan_link_port(w, id));
        double t0 = util_now_ms();
        for (int i = 0; i < 30; i++) {
            double rtt = ping(fd, 64);
            if (rtt < 6.0)
                fail_msg("round trip %.3f ms through a 6 ms link (spin %s)", rtt, on ? "on" : "off");
        }
        double elapsed_s = (util_now_ms() - t0) / 1e3, spun = spin_s(w);
        printf("spin %s: %.1f ms polled in %.0f ms of ping-pong\n", on ? "on" : "off", spun * 1e3, elapsed_s * 1e3);
        if (on)
            assert_true(spun > 0);
        else
            assert_true(spun == 0);
        /* the default window is the automatic one, within its bounds */
        json_t *c = wan_counters(w);
        double win_us = json_real_value(json_object_get(c, "spin_us"));
        assert_true(json_is_true(json_object_get(c, "spin_auto")) == on);
        if (on && !(win_us * 1e3 >= WAN_SPIN_AUTO_MIN_NS && win_us * 1e3 <= WAN_SPIN_AUTO_MAX_NS))
            fail_msg("automatic polling window %.1f us", win_us);
        json_decref(c);
        /* a release every ~0.25 ms for a second: polling 100 us before each
         * would take about half a CPU; the budget holds it to a tenth */
        char m[64], back[64];
        memset(m, 's', sizeof m);
        double spun0 = spun, b0 = util_now_ms();
        for (int i = 0; i < 4000 && util_now_ms() - b0 < 1000; i++) {
            write_all(fd, m, sizeof m);
            struct timespec ts = { 0, 250000 };
            nanosleep(&ts, NULL);
        }
        for (double sent_until = util_now_ms(); util_now_ms() - sent_until < 100;) {
            if (read_n(fd, back, sizeof back, 50) == 0)
                break;   /* drained */
        }
        double burst_s = (util_now_ms() - b0) / 1e3, burst_spun = spin_s(w) - spun0;
        printf("spin %s: %.1f ms polled in a %.0f ms burst\n", on ? "on" : "off", burst_spun * 1e3, burst_s * 1e3);
        if (on)
            assert_true(burst_spun <= 0.1 * burst_s + 0.01);   /* + one window's rounding */
        else
            assert_true(burst_spun == 0);
        close(fd);
        wan_free(w);
    }
}

/* The stamping reflector (wan-bench's far end) behind a 20 ms link: replies
 * have the message's length and bytes, its turnaround is a plausible
 * duration, and the round trip less the turnaround still covers the link's
 * RTT (taking the reflector out never makes the link look faster than it
 * is). Two messages in one write come back as two; a malformed length
 * closes the connection. */
static void test_reflector(void **state)
{
    (void)state;
    char err[256];
    int rport;
    if (wan_reflect_start(&rport, err, sizeof err) < 0)
        fail_msg("%s", err);
    wan *w = NULL;
    wan_config cfg = { .seed = 1 };
    assert_int_equal(wan_new(&cfg, &w, err, sizeof err), 0);
    int id = wan_add_link(w, "refl", rport, 20.0, -1, -1, err, sizeof err);
    assert_true(id >= 0);
    start(w);
    int fd = dial(wan_link_port(w, id));
    unsigned char out[2 * 200], in[2 * 200];
    for (int i = 0; i < 8; i++) {
        size_t len = i % 2 ? 200 : WAN_REFLECT_MIN;
        memset(out, 'a' + i, len);
        wan_reflect_frame(out, (uint32_t)len);
        double t0 = util_now_ms();
        write_all(fd, out, len);
        assert_int_equal(read_n(fd, in, len, 5000), len);
        double rtt = util_now_ms() - t0, turn = (double)wan_reflect_turnaround_ns(in) / 1e6;
        assert_memory_equal(in, out, 4);                       /* the length header */
        assert_memory_equal(in + 12, out + 12, len - 12);      /* the payload */
        if (!(turn >= 0 && turn < 1000 && rtt - turn >= 20.0))
            fail_msg("round trip %.3f ms, reflector turnaround %.3f ms, through a 20 ms link", rtt, turn);
    }
    /* two in one write */
    memset(out, 'z', sizeof out);
    wan_reflect_frame(out, 200);
    wan_reflect_frame(out + 200, 200);
    write_all(fd, out, sizeof out);
    assert_int_equal(read_n(fd, in, sizeof in, 5000), sizeof in);
    assert_memory_equal(in + 200, out + 200, 4);
    /* a length below the minimum: the reflector hangs up */
    wan_reflect_frame(out, 3);
    write_all(fd, out, 12);
    char b;
    assert_int_equal(read_n(fd, &b, 1, 5000), 0);
    close(fd);
    wan_free(w);
}

static void test_counters(void **state)
{
    (void)state;
    wan *w = new_wan();
    char err[256];
    const char *regions[] = { "ra", "rb" };
    wan_set_regions(w, 2, regions);
    int id = wan_add_link(w, "cnt", echo_port, 1.0, 0, 1, err, sizeof err);
    assert_true(id >= 0);
    start(w);
    int fd = dial(wan_link_port(w, id));
    size_t total = 0;
    for (int i = 0; i < 20; i++) {
        ping(fd, 1000 + (size_t)i);
        total += 1000 + (size_t)i;
    }
    assert_int_equal(counter(w, "cnt", "bytes_to_target"), (json_int_t)total);
    assert_int_equal(counter(w, "cnt", "bytes_from_target"), (json_int_t)total);
    assert_int_equal(counter(w, "cnt", "conns_current"), 1);
    assert_int_equal(counter(w, "cnt", "conns_total"), 1);
    assert_int_equal(wan_egress_bytes(w), 2 * total);
    json_t *c = wan_counters(w), *eg = json_object_get(c, "egress");
    assert_int_equal(json_array_size(eg), 2);
    json_t *e0 = json_array_get(eg, 0);
    assert_string_equal(json_string_value(json_object_get(e0, "from")), "ra");
    assert_string_equal(json_string_value(json_object_get(e0, "to")), "rb");
    assert_int_equal(json_integer_value(json_object_get(e0, "bytes")), (json_int_t)total);
    json_decref(c);
    char *s = wan_counters_json(w);
    assert_non_null(strstr(s, "\"name\":\"cnt\""));
    free(s);
    close(fd);
    /* the close travels through the link; the connection then goes away */
    double end = util_now_ms() + 3000;
    while (counter(w, "cnt", "conns_current") != 0 && util_now_ms() < end)
        usleep(5000);
    assert_int_equal(counter(w, "cnt", "conns_current"), 0);
    wan_free(w);
}

static void test_blackhole_and_heal(void **state)
{
    (void)state;
    wan *w = new_wan();
    char err[256], buf[64];
    int id = wan_add_link(w, "bh", echo_port, 2.0, -1, -1, err, sizeof err);
    assert_true(id >= 0);
    start(w);
    int fd = dial(wan_link_port(w, id));
    ping(fd, 64);
    assert_int_equal(wan_set_link_blackhole(w, id, true), 0);
    write_all(fd, "stalled-one", 11);
    assert_int_equal(read_n(fd, buf, 11, 300), 0);          /* existing connection stalls */
    int fd2 = dial(wan_link_port(w, id));                    /* new one is accepted ... */
    write_all(fd2, "stalled-two", 11);
    assert_int_equal(read_n(fd2, buf, 11, 300), 0);          /* ... and hangs */
    assert_int_equal(counter(w, "bh", "conns_current"), 2);
    assert_true(flag(w, "bh", "blackholed"));
    wan_heal_all(w);
    assert_int_equal(read_n(fd, buf, 11, 3000), 11);         /* queued bytes delivered */
    assert_memory_equal(buf, "stalled-one", 11);
    assert_int_equal(read_n(fd2, buf, 11, 3000), 11);        /* hung connection connected */
    assert_memory_equal(buf, "stalled-two", 11);
    ping(fd, 64);
    ping(fd2, 4096);
    close(fd);
    close(fd2);
    assert_int_equal(wan_set_link_blackhole(w, 99, true), -1);
    wan_free(w);
}

static void test_half_close(void **state)
{
    (void)state;
    wan *w = new_wan();
    char err[256];
    int id = wan_add_link(w, "hc", echo_port, 4.0, -1, -1, err, sizeof err);
    start(w);
    int fd = dial(wan_link_port(w, id));
    static char big[300000], back[300000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 7);
    write_all(fd, big, sizeof big);
    shutdown(fd, SHUT_WR);                                   /* half-close after the data */
    assert_int_equal(read_n(fd, back, sizeof back, 5000), sizeof back);
    assert_memory_equal(back, big, sizeof big);
    char c;
    struct pollfd p = { fd, POLLIN, 0 };
    assert_int_equal(poll(&p, 1, 3000), 1);
    assert_int_equal(read(fd, &c, 1), 0);                    /* the echo's FIN came through */
    close(fd);
    wan_free(w);
}

static void test_bandwidth_cap(void **state)
{
    (void)state;
    wan *w = new_wan();
    char err[256];
    int id = wan_add_link(w, "bw", echo_port, 0.0, -1, -1, err, sizeof err);
    assert_int_equal(wan_set_link_bandwidth(w, id, 8.0), 0);   /* 1 MB/s each way */
    start(w);
    int fd = dial(wan_link_port(w, id));
    static char big[200000], back[200000];
    memset(big, 'z', sizeof big);
    double t0 = util_now_ms();
    write_all(fd, big, sizeof big);
    assert_int_equal(read_n(fd, back, sizeof back, 10000), sizeof back);
    /* 200 kB at 1 MB/s: at least 200 ms (the two directions overlap) */
    assert_true(util_now_ms() - t0 >= 200.0);
    assert_memory_equal(back, big, sizeof big);
    close(fd);
    wan_free(w);
}

static void test_delay_change(void **state)
{
    (void)state;
    wan *w = new_wan();
    char err[256];
    int id = wan_add_link(w, "spike", echo_port, 2.0, -1, -1, err, sizeof err);
    start(w);
    int fd = dial(wan_link_port(w, id));
    ping(fd, 64);
    assert_int_equal(wan_set_link_rtt(w, id, 60.0), 0);
    assert_true(ping(fd, 64) >= 60.0);
    assert_int_equal(wan_set_link_rtt(w, id, 2.0), 0);
    assert_true(ping(fd, 64) >= 2.0);
    close(fd);
    wan_free(w);
}

static void test_peer_identification(void **state)
{
    (void)state;
    wan *w = new_wan();
    char err[256], buf[256];
    /* three "members" whose peer ports are all the echo server */
    assert_int_equal(wan_add_peer_member(w, 0, "m0", echo_port, 0, err, sizeof err), 0);
    assert_int_equal(wan_add_peer_member(w, 1, "m1", echo_port, 1, err, sizeof err), 0);
    assert_int_equal(wan_add_peer_member(w, 2, "m2", echo_port, 2, err, sizeof err), 0);
    assert_int_equal(wan_set_peer_rtt(w, 0, 1, 10.0), 0);
    assert_int_equal(wan_set_peer_rtt(w, 1, 2, 80.0), 0);
    assert_int_equal(wan_set_peer_rtt(w, 0, 2, 80.0), 0);
    start(w);
    wan_set_member_id(w, 0, 0xabcdef12345ULL);
    const char head[] = "GET /raft/stream/message/1 HTTP/1.1\r\nHost: x\r\n"
                        "x-server-from: abcdef12345\r\nX-Raft-To: 2\r\n\r\n";
    int fd = dial(wan_peer_port(w, 1));
    write_all(fd, head, sizeof head - 1);
    assert_int_equal(read_n(fd, buf, sizeof head - 1, 5000), sizeof head - 1);
    assert_memory_equal(buf, head, sizeof head - 1);
    assert_true(ping(fd, 64) >= 10.0);
    assert_int_equal(counter(w, "p:m0:m1", "bytes_to_target"), (json_int_t)(sizeof head - 1 + 64));
    assert_int_equal(counter(w, "p:m0:m1", "conns_total"), 1);
    assert_int_equal(counter(w, "p:?:m1", "conns_total"), 0);
    close(fd);
    /* a probe without the header gets the member's largest pair delay (80) */
    const char probe[] = "GET /raft/probing HTTP/1.1\r\nHost: x\r\n\r\n";
    fd = dial(wan_peer_port(w, 1));
    write_all(fd, probe, sizeof probe - 1);
    assert_int_equal(read_n(fd, buf, sizeof probe - 1, 5000), sizeof probe - 1);
    assert_true(ping(fd, 64) >= 80.0);
    assert_int_equal(counter(w, "p:?:m1", "conns_total"), 1);
    close(fd);
    /* partitioning m1 stalls its pair links */
    assert_int_equal(wan_partition_member(w, 1, true, false), 0);
    assert_true(flag(w, "p:m0:m1", "blackholed"));
    assert_true(flag(w, "p:m1:m2", "blackholed"));
    assert_false(flag(w, "p:m0:m2", "blackholed"));
    fd = dial(wan_peer_port(w, 1));
    write_all(fd, head, sizeof head - 1);
    assert_int_equal(read_n(fd, buf, sizeof head - 1, 300), 0);
    assert_int_equal(wan_partition_member(w, 1, false, false), 0);
    assert_int_equal(read_n(fd, buf, sizeof head - 1, 3000), sizeof head - 1);
    close(fd);
    wan_free(w);
}

static void test_parse_server_from_edge(void **state)
{
    (void)state;
    /* a header value after the end of the head does not count */
    wan *w = new_wan();
    char err[256], buf[128];
    assert_int_equal(wan_add_peer_member(w, 0, "a", echo_port, 0, err, sizeof err), 0);
    assert_int_equal(wan_add_peer_member(w, 1, "b", echo_port, 1, err, sizeof err), 0);
    wan_set_peer_rtt(w, 0, 1, 4.0);
    start(w);
    wan_set_member_id(w, 0, 0x10);
    const char msg[] = "POST /raft HTTP/1.1\r\nHost: x\r\n\r\nX-Server-From: 10\r\n";
    int fd = dial(wan_peer_port(w, 1));
    write_all(fd, msg, sizeof msg - 1);
    assert_int_equal(read_n(fd, buf, sizeof msg - 1, 3000), sizeof msg - 1);
    assert_int_equal(counter(w, "p:?:b", "conns_total"), 1);
    assert_int_equal(counter(w, "p:a:b", "conns_total"), 0);
    close(fd);
    wan_free(w);
}

/* A connection that came before its member's id was known sits on the
 * default link; registering the id resets it so etcd redials onto the pair. */
static void test_reset_on_member_id(void **state)
{
    (void)state;
    wan *w = new_wan();
    char err[256], buf[256];
    assert_int_equal(wan_add_peer_member(w, 0, "x", echo_port, 0, err, sizeof err), 0);
    assert_int_equal(wan_add_peer_member(w, 1, "y", echo_port, 1, err, sizeof err), 0);
    wan_set_peer_rtt(w, 0, 1, 2.0);
    start(w);
    const char head[] = "GET /raft/stream/msgapp/2 HTTP/1.1\r\nX-Server-From: 77\r\n\r\n";
    const char probe[] = "GET /raft/probing HTTP/1.1\r\n\r\n";
    int fd = dial(wan_peer_port(w, 1)), fp = dial(wan_peer_port(w, 1));
    write_all(fd, head, sizeof head - 1);
    write_all(fp, probe, sizeof probe - 1);
    assert_int_equal(read_n(fd, buf, sizeof head - 1, 3000), sizeof head - 1);
    assert_int_equal(read_n(fp, buf, sizeof probe - 1, 3000), sizeof probe - 1);
    assert_int_equal(counter(w, "p:?:y", "conns_current"), 2);
    wan_set_member_id(w, 0, 0x77);
    struct pollfd p = { fd, POLLIN, 0 };
    assert_int_equal(poll(&p, 1, 3000), 1);
    assert_true(read(fd, buf, 1) <= 0);                   /* reset */
    assert_int_equal(counter(w, "p:?:y", "conns_current"), 1);   /* the probe stays */
    close(fd);
    fd = dial(wan_peer_port(w, 1));                        /* the redial lands on the pair */
    write_all(fd, head, sizeof head - 1);
    assert_int_equal(read_n(fd, buf, sizeof head - 1, 3000), sizeof head - 1);
    assert_int_equal(counter(w, "p:x:y", "conns_current"), 1);
    ping(fp, 64);
    close(fd);
    close(fp);
    wan_free(w);
}

static void test_many_connections(void **state)
{
    (void)state;
    enum { N = 1000 };
    wan *w = new_wan();
    char err[256];
    int id = wan_add_link(w, "many", echo_port, 10.0, -1, -1, err, sizeof err);
    start(w);
    int fds[N];
    for (int i = 0; i < N; i++)
        fds[i] = dial(wan_link_port(w, id));
    for (int i = 0; i < N; i++)
        write_all(fds[i], "0123456789", 10);
    for (int i = 0; i < N; i++) {
        char buf[10];
        assert_int_equal(read_n(fds[i], buf, 10, 10000), 10);
        assert_memory_equal(buf, "0123456789", 10);
    }
    assert_int_equal(counter(w, "many", "conns_current"), N);
    assert_int_equal(counter(w, "many", "bytes_to_target"), 10 * N);
    for (int i = 0; i < N; i++)
        close(fds[i]);
    wan_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rtt_lower_bound),
        cmocka_unit_test(test_counters),
        cmocka_unit_test(test_spin_before_release),
        cmocka_unit_test(test_reflector),
        cmocka_unit_test(test_blackhole_and_heal),
        cmocka_unit_test(test_half_close),
        cmocka_unit_test(test_delay_change),
        cmocka_unit_test(test_bandwidth_cap),
        cmocka_unit_test(test_peer_identification),
        cmocka_unit_test(test_parse_server_from_edge),
        cmocka_unit_test(test_reset_on_member_id),
        cmocka_unit_test(test_many_connections),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
