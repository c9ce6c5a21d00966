/* etcd_http.c: the built-in HTTP/1.1 transport of unary requests.
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
#include "sim/etcd_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

etcd_code etcd_native_init(etcd_client *c, etcd_status *st)
{
    c->native = calloc(c->n_endpoints, sizeof *c->native);
    if (!c->native)
        return etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory creating the etcd transport");
    for (size_t i = 0; i < c->n_endpoints; i++) {
        etcd_native_ep *e = &c->native[i];
        pthread_mutex_init(&e->mu, NULL);
        /* "http://host:port" (checked by etcd_client_new); IPv6 as [addr]:port */
        const char *hp = c->endpoints[i] + 7;
        snprintf(e->host, sizeof e->host, "%s", hp);
        char host[128], port[16] = "80";
        const char *colon = NULL;
        if (hp[0] == '[') {
            const char *rb = strchr(hp, ']');
            if (!rb)
                return etcd_set_status(st, ETCD_ERR_INVAL, "etcd endpoint %s: bad IPv6 address", c->endpoints[i]);
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
                                   c->endpoints[i], host, port, gai_strerror(rc));
        memcpy(&e->addr, res->ai_addr, res->ai_addrlen);
        e->addr_len = res->ai_addrlen;
        e->resolved = true;
        freeaddrinfo(res);
    }
    return ETCD_OK;
}

void etcd_native_free(etcd_client *c)
{
    if (!c->native)
        return;
    for (size_t i = 0; i < c->n_endpoints; i++) {
        for (size_t k = 0; k < c->native[i].n_idle; k++)
            close(c->native[i].idle[k]);
        pthread_mutex_destroy(&c->native[i].mu);
    }
    free(c->native);
    c->native = NULL;
}

static int remaining_ms(int64_t deadline)
{
    int64_t ms = (deadline - etcd_now_ns() + 999999) / 1000000;
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

static etcd_code conn_open(etcd_client *c, size_t ep, int64_t deadline, int *out, etcd_status *st)
{
    etcd_native_ep *e = &c->native[ep];
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
        int64_t cdl = etcd_now_ns() + (int64_t)c->connect_timeout_ms * 1000000;
        int w = wait_fd(fd, POLLOUT, cdl < deadline ? cdl : deadline);
        int err = 0;
        socklen_t el = sizeof err;
        if (w == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0) {
            *out = fd;
            return ETCD_OK;
        }
        close(fd);
        if (w == 0)
            return etcd_set_status(st, ETCD_ERR_CONNECT, "connect to %s: timed out", c->endpoints[ep]);
        return etcd_set_status(st, ETCD_ERR_CONNECT, "connect to %s: %s", c->endpoints[ep],
                               strerror(err ? err : errno));
    }
    *out = fd;
    return ETCD_OK;
}

static int conn_take(etcd_native_ep *e)
{
    int fd = -1;
    pthread_mutex_lock(&e->mu);
    if (e->n_idle)
        fd = e->idle[--e->n_idle];
    pthread_mutex_unlock(&e->mu);
    return fd;
}

static void conn_give(etcd_native_ep *e, int fd)
{
    pthread_mutex_lock(&e->mu);
    if (e->n_idle < ETCD_CONN_POOL_MAX) {
        e->idle[e->n_idle++] = fd;
        fd = -1;
    }
    pthread_mutex_unlock(&e->mu);
    if (fd >= 0)
        close(fd);
}

static int buf_reserve(etcd_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p)
        return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

/* Response parser state over the raw bytes in `raw`. */
typedef struct resp_parser {
    etcd_buf raw;          /* bytes read from the socket, not yet consumed */
    size_t pos;            /* parse position in raw */
    int stage;             /* 0 headers, 1 body by length, 2 chunk size, 3 chunk data, 4 chunk CRLF, 5 trailers, 6 until EOF, 7 done */
    long status;
    long long content_length;
    bool chunked, close_after;
    size_t chunk_left;
} resp_parser;

static const char *find_crlf(const char *p, size_t n)
{
    const char *q = memchr(p, '\n', n);
    return q;
}

/* Consumes what it can; 0 ok (check stage == 7), -1 malformed. */
static int parse_resp(resp_parser *rp, etcd_buf *body)
{
    for (;;) {
        char *p = rp->raw.p + rp->pos;
        size_t n = rp->raw.len - rp->pos;
        switch (rp->stage) {
        case 0: {   /* status line + headers */
            const char *end = memmem(p, n, "\r\n\r\n", 4);
            if (end)
                end += 4;
            if (!end) {
                if (n > 65536)
                    return -1;
                return 0;
            }
            if (n < 12 || strncmp(p, "HTTP/1.", 7))
                return -1;
            rp->status = strtol(p + 9, NULL, 10);
            if (rp->status < 100 || rp->status > 999)
                return -1;
            rp->content_length = -1;
            for (const char *line = find_crlf(p, (size_t)(end - p)) + 1; line < end;) {
                const char *nl = find_crlf(line, (size_t)(end - line));
                if (!nl)
                    break;
                size_t ll = (size_t)(nl - line);
                if (ll >= 15 && !strncasecmp(line, "Content-Length:", 15))
                    rp->content_length = strtoll(line + 15, NULL, 10);
                else if (ll >= 18 && !strncasecmp(line, "Transfer-Encoding:", 18) &&
                         memmem(line, ll, "chunked", 7))
                    rp->chunked = true;
                else if (ll >= 11 && !strncasecmp(line, "Connection:", 11) && memmem(line, ll, "close", 5))
                    rp->close_after = true;
                line = nl + 1;
            }
            rp->pos += (size_t)(end - p);
            if (rp->status < 200 || rp->status == 204 || rp->status == 304) {
                if (rp->status < 200) {   /* 1xx: skip, a real response follows */
                    rp->chunked = rp->close_after = false;
                    continue;
                }
                rp->stage = 7;
            } else if (rp->chunked)
                rp->stage = 2;
            else if (rp->content_length >= 0)
                rp->stage = rp->content_length ? 1 : 7;
            else {
                rp->stage = 6;
                rp->close_after = true;
            }
            continue;
        }
        case 1: {
            size_t want = (size_t)rp->content_length - body->len;
            size_t take = n < want ? n : want;
            if (buf_reserve(body, take))
                return -1;
            memcpy(body->p + body->len, p, take);
            body->len += take;
            rp->pos += take;
            if (body->len == (size_t)rp->content_length)
                rp->stage = 7;
            else
                return 0;
            continue;
        }
        case 2: {
            const char *nl = find_crlf(p, n);
            if (!nl)
                return n > 1024 ? -1 : 0;
            char *endp;
            unsigned long long sz = strtoull(p, &endp, 16);
            if (endp == p)
                return -1;
            rp->pos += (size_t)(nl - p) + 1;
            rp->chunk_left = (size_t)sz;
            rp->stage = sz ? 3 : 5;
            continue;
        }
        case 3: {
            size_t take = n < rp->chunk_left ? n : rp->chunk_left;
            if (!take)
                return 0;
            if (buf_reserve(body, take))
                return -1;
            memcpy(body->p + body->len, p, take);
            body->len += take;
            rp->pos += take;
            rp->chunk_left -= take;
            if (rp->chunk_left)
                return 0;
            rp->stage = 4;
            continue;
        }
        case 4: {   /* CRLF after chunk data */
            const char *nl = find_crlf(p, n);
            if (!nl)
                return n > 2 ? -1 : 0;
            rp->pos += (size_t)(nl - p) + 1;
            rp->stage = 2;
            continue;
        }
        case 5: {   /* trailers until an empty line */
            const char *nl = find_crlf(p, n);
            if (!nl)
                return n > 65536 ? -1 : 0;
            bool empty = nl == p || (nl == p + 1 && p[0] == '\r');
            rp->pos += (size_t)(nl - p) + 1;
            if (empty)
                rp->stage = 7;
            continue;
        }
        case 6: {
            if (buf_reserve(body, n))
                return -1;
            memcpy(body->p + body->len, p, n);
            body->len += n;
            rp->pos += n;
            return 0;
        }
        default:
            return 0;
        }
    }
}

static etcd_code post_on(etcd_client *c, size_t ep, int fd, const char *req, size_t req_len, int64_t deadline,
                         long *http, etcd_buf *resp, bool *keep, bool *nothing_received, etcd_status *st)
{
    etcd_code code = ETCD_OK;
    resp_parser rp = { .stage = 0 };
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
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int w = wait_fd(fd, POLLOUT, deadline);
            if (w == 0) {
                code = etcd_set_status(st, ETCD_ERR_TIMEOUT, "sending to %s: timed out", c->endpoints[ep]);
                goto cleanup;
            }
            if (w > 0)
                continue;
        }
        code = etcd_set_status(st, ETCD_ERR_CONNECT, "sending to %s: %s", c->endpoints[ep], strerror(errno));
        goto cleanup;
    }
    /* The answer cannot be there yet: wait first, saving a recv() that
     * would only say EAGAIN. */
    bool readable = false;
    for (;;) {
        if (!readable) {
            int w = wait_fd(fd, POLLIN, deadline);
            if (w == 0) {
                code = etcd_set_status(st, ETCD_ERR_TIMEOUT, "waiting for %s: timed out", c->endpoints[ep]);
                goto cleanup;
            }
            if (w < 0) {
                code = etcd_set_status(st, ETCD_ERR_CONNECT, "waiting for %s: %s", c->endpoints[ep], strerror(errno));
                goto cleanup;
            }
            readable = true;
        }
        if (buf_reserve(&rp.raw, 16384)) {
            code = etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory reading a response");
            goto cleanup;
        }
        ssize_t n = recv(fd, rp.raw.p + rp.raw.len, rp.raw.cap - rp.raw.len - 1, 0);
        if (n > 0) {
            *nothing_received = false;
            atomic_fetch_add_explicit(&c->bytes_received, (uint64_t)n, memory_order_relaxed);
            rp.raw.len += (size_t)n;
            if (parse_resp(&rp, resp) != 0) {
                code = etcd_set_status(st, ETCD_ERR_HTTP, "malformed HTTP response from %s", c->endpoints[ep]);
                goto cleanup;
            }
            if (rp.stage == 7)
                break;
            readable = (size_t)n == rp.raw.cap - 1 - (rp.raw.len - (size_t)n);   /* buffer filled: more may wait */
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
            readable = false;
            continue;
        }
        code = etcd_set_status(st, ETCD_ERR_CONNECT, "reading from %s: %s", c->endpoints[ep], strerror(errno));
        goto cleanup;
    }
    *http = rp.status;
    /* Extra bytes after a complete response would desynchronise the next one. */
    *keep = !rp.close_after && rp.pos == rp.raw.len;
cleanup:
    free(rp.raw.p);
    return code;
}

etcd_code etcd_native_post(etcd_client *c, size_t ep, const char *path, const char *body, size_t body_len,
                           int64_t deadline, long *http, etcd_buf *resp, bool *retry, etcd_status *st)
{
    etcd_native_ep *e = &c->native[ep];
    char stackbuf[4096];
    char head[512];
    int hl = snprintf(head, sizeof head,
                      "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                      path, e->host, body_len);
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
        int fd = fresh ? -1 : conn_take(e);
        bool reused = fd >= 0;
        if (fd < 0) {
            code = conn_open(c, ep, deadline, &fd, st);
            if (code != ETCD_OK) {
                *retry = true;
                break;
            }
        }
        bool keep, nothing;
        resp->len = 0;
        code = post_on(c, ep, fd, req, req_len, deadline, http, resp, &keep, &nothing, st);
        if (code == ETCD_OK && keep)
            conn_give(e, fd);
        else
            close(fd);
        if (code == ETCD_OK)
            break;
        /* A kept-alive socket the server closed while idle: once more, fresh. */
        if (reused && nothing && code == ETCD_ERR_CONNECT && etcd_now_ns() < deadline)
            continue;
        *retry = code == ETCD_ERR_CONNECT;
        break;
    }
    if (req != stackbuf)
        free(req);
    if (code == ETCD_OK && buf_reserve(resp, 0) == 0)
        resp->p[resp->len] = '\0';
    return code;
}
