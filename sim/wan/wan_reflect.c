/* wan_reflect.c: see wan_reflect.h. */
#include "sim/wan/wan_reflect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim/wan/wan_echo.h"
#include "sim/wan/wan_internal.h"

void wan_reflect_frame(unsigned char *msg, uint32_t len)
{
    for (int i = 0; i < 4; i++)
        msg[i] = (unsigned char)(len >> (24 - 8 * i));
}

static uint32_t get_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t wan_reflect_turnaround_ns(const unsigned char *reply)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | reply[4 + i];
    return v;
}

static void put_be64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

/* Sends back every whole message in buf[0..*have), stamped with its
 * turnaround since `arrival`; keeps a partial tail. -1: malformed or the
 * write failed. */
static int reflect_whole(int fd, unsigned char *buf, size_t *have, uint64_t arrival)
{
    size_t off = 0;
    while (*have - off >= 4) {
        uint32_t len = get_be32(buf + off);
        if (len < WAN_REFLECT_MIN || len > WAN_REFLECT_MAX)
            return -1;
        if (*have - off < len)
            break;
        uint64_t now = util_now_ns();
        put_be64(buf + off + 4, now > arrival ? now - arrival : 0);
        if (wan_write_all(fd, buf + off, len) < 0)
            return -1;
        off += len;
    }
    memmove(buf, buf + off, *have - off);
    *have -= off;
    return 0;
}

static void *reflect_conn(void *arg)
{
    int fd = (int)(intptr_t)arg;
    unsigned char *buf = malloc(2 * WAN_REFLECT_MAX);
    size_t have = 0;
    /* The turnaround is measured, but keep it short anyway: no timer slack. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
    while (buf) {
        uint64_t arrival;
        ssize_t n = wan_read_stamped(fd, buf + have, 2 * WAN_REFLECT_MAX - have, &arrival);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            shutdown(fd, SHUT_WR);
            break;
        }
        have += (size_t)n;
        if (reflect_whole(fd, buf, &have, arrival) < 0)
            break;
    }
    free(buf);
    close(fd);
    return NULL;
}

int wan_reflect_start(int *port, char *err, size_t err_len)
{
    return wan_loopback_serve(reflect_conn, "reflector", port, err, err_len);
}
