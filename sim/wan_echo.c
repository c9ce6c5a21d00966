/* wan_echo.c: see wan_echo.h. */
#include "sim/wan_echo.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

static void set_nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
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
        for (ssize_t off = 0; off < n;) {
            ssize_t k = write(fd, buf + off, (size_t)(n - off));
            if (k <= 0)
                goto out;
            off += k;
        }
    }
    shutdown(fd, SHUT_WR);
out:
    close(fd);
    return NULL;
}

static void *echo_main(void *arg)
{
    int lfd = (int)(intptr_t)arg;
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            continue;
        set_nodelay(fd);
        pthread_t th;
        if (pthread_create(&th, NULL, echo_conn, (void *)(intptr_t)fd) == 0)
            pthread_detach(th);
        else
            close(fd);
    }
    return NULL;
}

int wan_echo_start(int *port, char *err, size_t err_len)
{
    int rc = -1;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t sl = sizeof sa;
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 1024) < 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0) {
        snprintf(err, err_len, "echo server: cannot listen on 127.0.0.1: %s", strerror(errno));
        goto cleanup;
    }
    pthread_t th;
    int e = pthread_create(&th, NULL, echo_main, (void *)(intptr_t)lfd);
    if (e != 0) {
        snprintf(err, err_len, "echo server: cannot start its thread: %s", strerror(e));
        goto cleanup;
    }
    pthread_detach(th);
    *port = ntohs(sa.sin_port);
    lfd = -1;   /* owned by the accept thread from now on */
    rc = 0;
cleanup:
    if (lfd >= 0)
        close(lfd);
    return rc;
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
