/* etcd_transport_native.c: the built-in HTTP/1.1 transport of unary requests
 * (ETCD_TRANSPORT_NATIVE, the default; see etcd_transport.h).
 *
 * Why not libcurl here: on the 2-core machine this project runs on, one
 * libcurl easy transfer over a kept-alive loopback connection costs ~60 us of
 * CPU, twice the harness's whole per-request budget; a plain POST over a
 * pooled socket costs the write and read syscalls (~10 us). Scope is exactly
 * what etcd's gateway speaks: HTTP/1.1 keep-alive, Content-Length or chunked
 * responses (errors come chunked with a trailer), "Connection: close".
 * Byte accounting is exact: everything written to and read from the socket.
 *
 * Connections are pooled per endpoint (a LIFO of idle sockets under a mutex):
 * a thread takes one for the request and gives it back once the response is
 * complete, so any number of threads share them. A reused socket that the
 * server closed meanwhile (EOF or reset before any response byte) is retried
 * once on a fresh connection, as libcurl does.
 */
#include "sim/etcd/etcd_transport.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define ETCD_CONN_POOL_MAX 256     /* idle connections kept per endpoint */

typedef struct etcd_conn { int fd; int tmo_ms; } conn_t;   /* tmo_ms: its SO_RCVTIMEO */

/* One endpoint's address and its idle kept-alive sockets; the transport's
 * state is one per endpoint of the client. */
typedef struct etcd_native_ep {
    struct sockaddr_storage addr;
    socklen_t addr_len;
    char host[128];                /* Host: header value */
    bool resolved;
    pthread_mutex_t mu;
    conn_t idle[ETCD_CONN_POOL_MAX];
    size_t n_idle;
} etcd_native_ep;

static etcd_native_ep *native_ep(etcd_client *c, size_t ep)
{
    return &((etcd_native_ep *)c->transport_state)[ep];
}

/* Resolves endpoint `url`, "http://host:port" (checked by etcd_client_new;
 * IPv6 as [addr]:port), into e, whose pool starts empty. */
static etcd_code native_ep_open(etcd_native_ep *e, const char *url, etcd_status *st)
{
    pthread_mutex_init(&e->mu, NULL);
    const char *hp = url + 7;
    snprintf(e->host, sizeof e->host, "%s", hp);
    char host[128], port[16] = "80";
    const char *colon = NULL;
    if (hp[0] == '[') {
        const char *rb = strchr(hp, ']');
        if (!rb)
            return etcd_set_status(st, ETCD_ERR_INVAL, "etcd endpoint %s: bad IPv6 address", url);
        snprintf(host, sizeof host, "%.*s", (int)(rb - hp - 1), hp + 1);
        colon = rb[1] == ':' ? rb + 1 : NULL;
    } else {
        colon = strrchr(hp, ':');
        snprintf(host, sizeof host, "%.*s", (int)(colon ? (size_t)(colon - hp) : strlen(hp)), hp);
    }
    if (colon)
        snprintf(port, sizeof port, "%s", colon + 1);
    char *slash = strchr(port, '/');
    if (slash)
        *slash = '\0';
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0 || !res)
        return etcd_set_status(st, ETCD_ERR_INVAL, "etcd endpoint %s: cannot resolve %s:%s: %s",
                               url, host, port, gai_strerror(rc));
    memcpy(&e->addr, res->ai_addr, res->ai_addrlen);
    e->addr_len = res->ai_addrlen;
    e->resolved = true;
    freeaddrinfo(res);
    return ETCD_OK;
}

static etcd_code native_open(etcd_client *c, etcd_status *st)
{
    etcd_native_ep *eps = calloc(c->n_endpoints, sizeof *eps);
    if (!eps)
        return etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory creating the etcd transport");
    c->transport_state = eps;
    for (size_t i = 0; i < c->n_endpoints; i++) {
        etcd_code code = native_ep_open(&eps[i], c->endpoints[i], st);
        if (code != ETCD_OK)
            return code;
    }
    return ETCD_OK;
}

static void native_close(etcd_client *c)
{
    etcd_native_ep *eps = c->transport_state;
    if (!eps)
        return;
    for (size_t i = 0; i < c->n_endpoints; i++) {
        for (size_t k = 0; k < eps[i].n_idle; k++)
            close(eps[i].idle[k].fd);
        pthread_mutex_destroy(&eps[i].mu);
    }
    free(eps);
    c->transport_state = NULL;
}

static int remaining_ms(int64_t deadline)
{
    int64_t ms = (deadline - util_now_ns_i64() + 999999) / 1000000;
    return ms < 0 ? 0 : ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

/* Waits for fd to be ready for `events` before deadline: 1 ready, 0 timeout, -1 error. */
static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        struct pollfd p = { .fd = fd, .events = events };
        int ms = remaining_ms(deadline);
        int n = poll(&p, 1, ms);
        if (n > 0)
            return 1;
        if (n == 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

static int set_rcvtimeo(int fd, int ms)
{
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    if (ms <= 0)
        tv.tv_usec = 1000;   /* 0 would mean "no timeout" */
    return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

/* Connects (non-blocking, bounded by the connect timeout), then makes the
 * socket blocking with SO_RCVTIMEO: a request then costs send + recv, no
 * poll(). */
static etcd_code conn_open(etcd_client *c, size_t ep, int64_t deadline, conn_t *out, etcd_status *st)
{
    etcd_native_ep *e = native_ep(c, ep);
    int fd = socket(e->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return etcd_set_status(st, ETCD_ERR_CONNECT, "socket() for %s: %s", c->endpoints[ep], strerror(errno));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&e->addr, e->addr_len) != 0) {
        if (errno != EINPROGRESS) {
            int err = errno;
            close(fd);
            return etcd_set_status(st, ETCD_ERR_CONNECT, "connect to %s: %s", c->endpoints[ep], strerror(err));
        }
        int64_t cdl = util_now_ns_i64() + (int64_t)c->connect_timeout_ms * 1000000;
        int w = wait_fd(fd, POLLOUT, cdl < deadline ? cdl : deadline);
        int err = 0;
        socklen_t el = sizeof err;
        if (w != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
            close(fd);
            if (w == 0)
                return etcd_set_status(st, ETCD_ERR_CONNECT, "connect to %s: timed out", c->endpoints[ep]);
            return etcd_set_status(st, ETCD_ERR_CONNECT, "connect to %s: %s", c->endpoints[ep],
                                   strerror(err ? err : errno));
        }
    }
    int fl = fcntl(fd, F_GETFL);
    struct timeval snd = { c->request_timeout_ms / 1000, (c->request_timeout_ms % 1000) * 1000 };
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0 || set_rcvtimeo(fd, c->request_timeout_ms) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof snd) != 0) {
        int err = errno;
        close(fd);
        return etcd_set_status(st, ETCD_ERR_CONNECT, "setting up the socket to %s: %s", c->endpoints[ep],
                               strerror(err));
    }
    out->fd = fd;
    out->tmo_ms = c->request_timeout_ms;
    return ETCD_OK;
}

static bool conn_take(etcd_native_ep *e, conn_t *out)
{
    bool got = false;
    pthread_mutex_lock(&e->mu);
    if (e->n_idle) {
        *out = e->idle[--e->n_idle];
        got = true;
    }
    pthread_mutex_unlock(&e->mu);
    return got;
}

static void conn_give(etcd_native_ep *e, conn_t cn)
{
    pthread_mutex_lock(&e->mu);
    if (e->n_idle < ETCD_CONN_POOL_MAX) {
        e->idle[e->n_idle++] = cn;
        cn.fd = -1;
    }
    pthread_mutex_unlock(&e->mu);
    if (cn.fd >= 0)
        close(cn.fd);
}

static etcd_code post_on(etcd_client *c, size_t ep, conn_t *cn, const char *req, size_t req_len, int64_t deadline,
                         long *http, etcd_buf *resp, bool *keep, bool *nothing_received, etcd_status *st)
{
    etcd_code code = ETCD_OK;
    etcd_http_resp rp = { .stage = 0 };
    etcd_buf *scratch = etcd_thread_buf(0);
    if (scratch)
        rp.raw = *scratch;
    rp.raw.len = 0;
    int fd = cn->fd;
    *keep = false;
    *nothing_received = true;
    size_t off = 0;
    while (off < req_len) {
        ssize_t n = send(fd, req + off, req_len - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
            atomic_fetch_add_explicit(&c->bytes_sent, (uint64_t)n, memory_order_relaxed);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && util_now_ns_i64() < deadline)
            continue;   /* SO_SNDTIMEO expired before our deadline: keep going */
        code = etcd_set_status(st, n < 0 && errno == EAGAIN ? ETCD_ERR_TIMEOUT : ETCD_ERR_CONNECT,
                               "sending to %s: %s", c->endpoints[ep], n < 0 ? strerror(errno) : "nothing sent");
        goto cleanup;
    }
    for (;;) {
        if (etcd_buf_reserve(&rp.raw, 4096)) {   /* small: one per calling thread is kept */
            code = etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory reading a response");
            goto cleanup;
        }
        /* The blocking recv waits at most the socket's SO_RCVTIMEO: lower it
         * when our deadline is nearer (a syscall only on retries). */
        int rem = remaining_ms(deadline);
        if (rem <= 0) {
            code = etcd_set_status(st, ETCD_ERR_TIMEOUT, "waiting for %s: timed out", c->endpoints[ep]);
            goto cleanup;
        }
        if (cn->tmo_ms > rem) {
            set_rcvtimeo(fd, rem);
            cn->tmo_ms = rem;
        }
        ssize_t n = recv(fd, rp.raw.p + rp.raw.len, rp.raw.cap - rp.raw.len - 1, 0);
        if (n > 0) {
            *nothing_received = false;
            atomic_fetch_add_explicit(&c->bytes_received, (uint64_t)n, memory_order_relaxed);
            rp.raw.len += (size_t)n;
            if (etcd_http_resp_parse(&rp, resp) != 0) {
                code = etcd_set_status(st, ETCD_ERR_HTTP, "malformed HTTP response from %s", c->endpoints[ep]);
                goto cleanup;
            }
            if (rp.stage == 7)
                break;
            /* compact consumed bytes so the raw buffer stays small */
            if (rp.pos == rp.raw.len) {
                rp.raw.len = rp.pos = 0;
            } else if (rp.pos > 65536) {
                memmove(rp.raw.p, rp.raw.p + rp.pos, rp.raw.len - rp.pos);
                rp.raw.len -= rp.pos;
                rp.pos = 0;
            }
            continue;
        }
        if (n == 0) {
            if (rp.stage == 6) {   /* body delimited by the connection's end */
                rp.stage = 7;
                break;
            }
            code = etcd_set_status(st, ETCD_ERR_CONNECT, "%s closed the connection%s", c->endpoints[ep],
                                   *nothing_received ? " before answering" : " mid-response");
            goto cleanup;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            /* SO_RCVTIMEO expired: our deadline, or an older lower timeout */
            if (util_now_ns_i64() >= deadline - 1000000) {
                code = etcd_set_status(st, ETCD_ERR_TIMEOUT, "waiting for %s: timed out", c->endpoints[ep]);
                goto cleanup;
            }
            cn->tmo_ms = remaining_ms(deadline);
            set_rcvtimeo(fd, cn->tmo_ms);
            continue;
        }
        code = etcd_set_status(st, ETCD_ERR_CONNECT, "reading from %s: %s", c->endpoints[ep], strerror(errno));
        goto cleanup;
    }
    *http = rp.status;
    /* Extra bytes after a complete response would desynchronise the next one. */
    *keep = !rp.close_after && rp.pos == rp.raw.len;
cleanup:
    if (scratch) {
        *scratch = rp.raw;
        etcd_thread_buf_trim(scratch);
    } else {
        free(rp.raw.p);
    }
    return code;
}

/* One POST attempt (etcd_transport_ops.post). */
static etcd_code native_post(etcd_client *c, etcd_unary *u, size_t ep, const char *path, const char *body,
                             size_t body_len, int64_t deadline, long *http, bool *retry, etcd_status *st)
{
    etcd_buf *resp = u->resp;
    etcd_native_ep *e = native_ep(c, ep);
    char stackbuf[4096];
    /* The request head, assembled by hand: snprintf showed in profiles. */
    char head[512], num[24];
    size_t pl = strlen(path), hol = strlen(e->host), nl = 0;
    size_t v = body_len;
    do {
        num[sizeof num - 1 - nl++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (pl + hol + nl + 100 > sizeof head)
        return etcd_set_status(st, ETCD_ERR_INVAL, "request path too long: %s", path);
    int hl = 0;
#define HEAD_PUT(s, n) (memcpy(head + hl, (s), (n)), hl += (int)(n))
    HEAD_PUT("POST ", 5);
    HEAD_PUT(path, pl);
    HEAD_PUT(" HTTP/1.1\r\nHost: ", 17);
    HEAD_PUT(e->host, hol);
    HEAD_PUT("\r\nContent-Type: application/json\r\nContent-Length: ", 50);
    HEAD_PUT(num + sizeof num - nl, nl);
    HEAD_PUT("\r\n\r\n", 4);
#undef HEAD_PUT
    size_t req_len = (size_t)hl + body_len;
    char *req = req_len <= sizeof stackbuf ? stackbuf : malloc(req_len);
    etcd_code code;
    *retry = false;
    *http = 0;
    if (!req)
        return etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory building a request");
    memcpy(req, head, (size_t)hl);
    memcpy(req + hl, body, body_len);
    for (int fresh = 0; fresh < 2; fresh++) {
        conn_t cn = { .fd = -1, .tmo_ms = 0 };
        bool reused = !fresh && conn_take(e, &cn);
        if (!reused) {
            code = conn_open(c, ep, deadline, &cn, st);
            if (code != ETCD_OK) {
                *retry = true;
                break;
            }
        }
        bool keep, nothing;
        resp->len = 0;
        code = post_on(c, ep, &cn, req, req_len, deadline, http, resp, &keep, &nothing, st);
        if (code == ETCD_OK && keep)
            conn_give(e, cn);
        else
            close(cn.fd);
        if (code == ETCD_OK)
            break;
        /* A kept-alive socket the server closed while idle: once more, fresh. */
        if (reused && nothing && code == ETCD_ERR_CONNECT && util_now_ns_i64() < deadline)
            continue;
        *retry = code == ETCD_ERR_CONNECT;
        break;
    }
    if (req != stackbuf)
        free(req);
    if (code == ETCD_OK && etcd_buf_reserve(resp, 0) == 0)
        resp->p[resp->len] = '\0';
    return code;
}


/* The body of every answer goes to this thread's buffer, kept between
 * requests (a request must not cost a malloc of its body). */
static etcd_code native_begin(etcd_client *c, etcd_unary *u, etcd_status *st)
{
    etcd_buf *tb = etcd_thread_buf(1);
    u->resp = tb ? tb : &u->own;
    return ETCD_OK;
}

static void native_end(etcd_client *c, etcd_unary *u)
{
    if (u->resp == &u->own) {
        free(u->own.p);
        memset(&u->own, 0, sizeof u->own);
        return;
    }
    u->resp->len = 0;
    etcd_thread_buf_trim(u->resp);
}

const etcd_transport_ops etcd_transport_native_ops = {
    .name = "native",
    .open = native_open,
    .close = native_close,
    .begin = native_begin,
    .end = native_end,
    .post = native_post,
};
