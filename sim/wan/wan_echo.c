/* wan_echo.c: see wan_echo.h. */
#include "sim/wan/wan_echo.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

static void set_nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int wan_write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static void *echo_conn(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[65536];
    /* The echo's turnaround is part of every round trip wan-bench measures:
     * keep the kernel from batching this thread's wake-ups. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0)
            break;
        if (wan_write_all(fd, buf, (size_t)n) < 0)
            goto out;
    }
    shutdown(fd, SHUT_WR);
out:
    close(fd);
    return NULL;
}

typedef struct serve_arg { int lfd; void *(*per_conn)(void *); } serve_arg;

static void *serve_accept(void *arg)
{
    serve_arg a = *(serve_arg *)arg;
    free(arg);
    for (;;) {
        int fd = accept(a.lfd, NULL, NULL);
        if (fd < 0)
            continue;
        set_nodelay(fd);
        pthread_t th;
        if (pthread_create(&th, NULL, a.per_conn, (void *)(intptr_t)fd) == 0)
            pthread_detach(th);
        else
            close(fd);
    }
    return NULL;
}

int wan_loopback_serve(void *(*per_conn)(void *), const char *name, int *port, char *err, size_t err_len)
{
    int rc = -1;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t sl = sizeof sa;
    serve_arg *a = NULL;
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 1024) < 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0) {
        snprintf(err, err_len, "%s: cannot listen on 127.0.0.1: %s", name, strerror(errno));
        goto cleanup;
    }
    if (!(a = malloc(sizeof *a))) {
        snprintf(err, err_len, "%s: out of memory", name);
        goto cleanup;
    }
    *a = (serve_arg){ lfd, per_conn };
    pthread_t th;
    int e = pthread_create(&th, NULL, serve_accept, a);
    if (e != 0) {
        snprintf(err, err_len, "%s: cannot start its thread: %s", name, strerror(e));
        goto cleanup;
    }
    pthread_detach(th);
    *port = ntohs(sa.sin_port);
    lfd = -1;   /* both owned by the accept thread from now on */
    a = NULL;
    rc = 0;
cleanup:
    free(a);
    if (lfd >= 0)
        close(lfd);
    return rc;
}

int wan_echo_start(int *port, char *err, size_t err_len)
{
    return wan_loopback_serve(echo_conn, "echo server", port, err, err_len);
}

int wan_echo_dial(int port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    set_nodelay(fd);
    return fd;
}
