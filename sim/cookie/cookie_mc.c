#include "sim/cookie/cookie_mc.h"
#include "sim/cookie/cookie_proc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

const char *cookie_mc_binary(void)
{
    const char *b = getenv("GEOKV_MEMCACHED");
    return (b && *b) ? b : "/usr/bin/memcached";
}

static void loopback(struct sockaddr_in *sa, int port)
{
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((unsigned short)port);
    sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

int cookie_mc_free_port(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int port = 0;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    loopback(&sa, 0);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

int cookie_tcp_probe(int port, int timeout_ms)
{
    struct sockaddr_in sa;
    int ok = 0;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return 0;
    loopback(&sa, port);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
        ok = 1;
    } else if (errno == EINPROGRESS) {
        struct pollfd p = { .fd = fd, .events = POLLOUT };
        if (poll(&p, 1, timeout_ms) == 1) {
            int soerr = 0;
            socklen_t l = sizeof soerr;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &l);
            ok = soerr == 0;
        }
    }
    close(fd);
    return ok;
}

int cookie_mc_start(struct cookie_mc *mc, int mem_mb, char *err, size_t errlen)
{
    const char *bin = cookie_mc_binary();
    memset(mc, 0, sizeof *mc);
    /* The free-port probe races with other programs on the machine; retry a
     * few times with a new port when memcached does not come up. */
    for (int attempt = 0; attempt < 5; attempt++) {
        char portbuf[16], membuf[16];
        int port = cookie_mc_free_port();
        if (port == 0) {
            snprintf(err, errlen, "no free loopback port for memcached");
            return -1;
        }
        snprintf(portbuf, sizeof portbuf, "%d", port);
        snprintf(membuf, sizeof membuf, "%d", mem_mb > 0 ? mem_mb : 64);
        /* -u root is only needed (and only accepted) when we are root. */
        char *argv[] = { (char *)bin, "-l", "127.0.0.1", "-p", portbuf, "-U", "0",
                         "-m", membuf, "-t", "1", "-c", "1024",
                         geteuid() == 0 ? "-u" : NULL, "root", NULL };
        pid_t pid;
        if (cookie_proc_spawn(argv, NULL, &pid, err, errlen) != 0)
            return -1;
        for (int waited = 0; waited < 3000; waited += 10) {
            if (cookie_tcp_probe(port, 50)) {
                mc->pid = pid;
                mc->port = port;
                return 0;
            }
            if (!cookie_proc_alive(pid))
                break;
            struct timespec ts = { 0, 10 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
        cookie_proc_stop(pid, 200);
    }
    snprintf(err, errlen, "memcached (%s) did not start on 127.0.0.1 after 5 tries: "
             "run '%s -l 127.0.0.1 -p 11299 -U 0 -vv' by hand to see why", bin, bin);
    return -1;
}

void cookie_mc_stop(struct cookie_mc *mc)
{
    if (mc->pid > 0)
        cookie_proc_stop(mc->pid, 1000);
    mc->pid = 0;
}

int cookie_mc_kill9(struct cookie_mc *mc)
{
    if (mc->pid <= 0)
        return -1;
    int rc = cookie_proc_kill9(mc->pid);
    mc->pid = 0;
    return rc;
}

int cookie_mc_hang(struct cookie_mc *mc)
{
    if (mc->pid <= 0)
        return -1;
    return cookie_proc_signal(mc->pid, SIGSTOP);
}
