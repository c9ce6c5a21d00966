/* cpu_floor.c: see cpu_floor.h. */
#include "sim/etcd/cpu_floor.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG 300

typedef struct echo_arg { int lfd; long delay_ns; } echo_arg;

static void nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* Answers each whole message after the delay, like a server that is busy
 * elsewhere for that long (not spinning: the client must really wait). */
static void *echo_main(void *p)
{
    echo_arg *a = p;
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    int fd = accept(a->lfd, NULL, NULL);
    if (fd < 0)
        return NULL;
    nodelay(fd);
    char buf[MSG];
    for (;;) {
        size_t got = 0;
        while (got < MSG) {
            ssize_t n = read(fd, buf + got, MSG - got);
            if (n <= 0)
                goto out;
            got += (size_t)n;
        }
        if (a->delay_ns > 0) {
            struct timespec ts = { a->delay_ns / 1000000000L, a->delay_ns % 1000000000L };
            nanosleep(&ts, NULL);
        }
        if (write(fd, buf, MSG) != MSG)
            break;
    }
out:
    close(fd);
    return NULL;
}

static double thread_cpu_us(void)
{
    struct rusage r;
    getrusage(RUSAGE_THREAD, &r);
    return (double)(r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1e6 + (double)(r.ru_utime.tv_usec + r.ru_stime.tv_usec);
}

static int round_trip(int fd, char *buf)
{
    if (write(fd, buf, MSG) != MSG)
        return -1;
    for (size_t got = 0; got < MSG;) {
        ssize_t n = read(fd, buf + got, MSG - got);
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

double cpu_floor_us(double reply_delay_us, int round_trips)
{
    double result = -1;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t sl = sizeof sa;
    echo_arg a = { .lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0),
                   .delay_ns = (long)(reply_delay_us * 1000.0) };
    int fd = -1;
    bool started = false;
    pthread_t th;
    char buf[MSG];
    memset(buf, 'f', sizeof buf);
    if (a.lfd < 0 || bind(a.lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(a.lfd, 1) < 0 ||
        getsockname(a.lfd, (struct sockaddr *)&sa, &sl) < 0)
        goto cleanup;
    if (pthread_create(&th, NULL, echo_main, &a) != 0)
        goto cleanup;
    started = true;
    if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        goto cleanup;
    nodelay(fd);
    for (int i = 0; i < 20; i++)
        if (round_trip(fd, buf) < 0)
            goto cleanup;
    double c0 = thread_cpu_us();
    for (int i = 0; i < round_trips; i++)
        if (round_trip(fd, buf) < 0)
            goto cleanup;
    result = round_trips > 0 ? (thread_cpu_us() - c0) / round_trips : -1;
cleanup:
    if (fd >= 0)
        close(fd);   /* the echo thread reads EOF and ends */
    if (started) {
        /* wakes its accept() if the client never got through; harmless after */
        shutdown(a.lfd, SHUT_RDWR);
        pthread_join(th, NULL);
    }
    if (a.lfd >= 0)
        close(a.lfd);
    return result;
}
