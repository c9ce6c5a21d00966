/* etcd_http.c: HTTP/1.1 response framing for the built-in transport
 * (etcd_transport_native.c), and the growable buffers it and the unary calls
 * read into, per-thread ones included. Pure logic, no sockets: unit-tested on
 * raw responses recorded from etcd (tests/test_etcd_http.c).
 */
#include "sim/etcd/etcd_internal.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int etcd_buf_reserve(etcd_buf *b, size_t extra)
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


static const char *find_crlf(const char *p, size_t n)
{
    const char *q = memchr(p, '\n', n);
    return q;
}

/* Case-insensitive "does this header line start with name:" (name given in
 * lower case with its colon). */
static bool header_is(const char *line, size_t ll, const char *name, size_t nl)
{
    return ll >= nl && !strncasecmp(line, name, nl);
}

/* Limits, the same however the bytes arrive (whole or in pieces): a head
 * longer than HEAD_MAX, a chunk-size line or a trailer line longer than
 * LINE_MAX is malformed. */
#define HEAD_MAX 65536
#define CHUNK_LINE_MAX 1024

/* Whether a head line (ll bytes before its LF) holds a control character
 * other than HTAB, or a CR before its end: RFC 9112 allows neither, and
 * readers disagree on them (libcurl ends the head at a line that starts with
 * a bare CR; a NUL ends a C string). */
static bool has_ctl(const char *line, size_t ll)
{
    if (ll && line[ll - 1] == '\r')
        ll--;
    for (size_t i = 0; i < ll; i++)
        if (((unsigned char)line[i] < 0x20 && line[i] != '\t') || line[i] == 0x7f)
            return true;
    return false;
}

/* "HTTP/1.x SSS" then a space (and a reason) or the line's end; ll excludes
 * the LF. The status, or -1. */
static long status_of(const char *p, size_t ll)
{
    if (ll < 12 || strncmp(p, "HTTP/1.", 7) || p[7] < '0' || p[7] > '9' || p[8] != ' ')
        return -1;
    long v = 0;
    for (int i = 9; i < 12; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    if (ll > 12 && p[12] != ' ' && p[12] != '\r')
        return -1;
    return v;
}

/* Content-Length's value: optional blanks, digits, optional blanks and CR.
 * -1 when it is anything else (a sign, a second number, no digits). */
static long long length_of(const char *v, const char *end)
{
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    long long n = 0;
    const char *d = v;
    for (; v < end && *v >= '0' && *v <= '9'; v++) {
        if (n > (LLONG_MAX - 9) / 10)
            return -1;
        n = n * 10 + (*v - '0');
    }
    if (v == d)
        return -1;
    while (v < end && (*v == ' ' || *v == '\t' || *v == '\r'))
        v++;
    return v == end ? n : -1;
}

/* The status line and headers, once the empty line that ends them has
 * arrived. Returns 1 when parsed (rp->pos past the head), 0 when more bytes
 * are needed, -1 when malformed. One pass of memchr over the lines: the
 * head's end and its headers are found together (a memmem for CRLF CRLF
 * and strncasecmp on every line were a fifth of the client's instructions). */
static int head_parse(etcd_http_resp *rp, const char *p, size_t n)
{
    const char *lim = p + n, *nl = find_crlf(p, n);
    if (!nl)
        return n > HEAD_MAX ? -1 : 0;
    /* the status from the status line itself, digits only (strtol would skip
     * blanks, a sign, even a line end) */
    long status = status_of(p, (size_t)(nl - p));
    if (status < 100 || has_ctl(p, (size_t)(nl - p)))
        return -1;
    long long content_length = -1;
    bool chunked = false, close_after = false;
    for (const char *line = nl + 1;;) {
        nl = find_crlf(line, (size_t)(lim - line));
        if (!nl)
            return n > HEAD_MAX ? -1 : 0;
        if ((size_t)(nl + 1 - p) > HEAD_MAX)
            return -1;
        size_t ll = (size_t)(nl - line);
        if (ll == 1 && line[0] == '\r') {   /* CRLF CRLF: the end of the head */
            rp->pos += (size_t)(nl + 1 - p);
            break;
        }
        /* A field line is name ':' value, without control characters.
         * Anything else is refused rather than skipped: a line without a
         * colon, a control character (has_ctl) and a folded continuation (a
         * blank first; obsolete, never sent by etcd, and not unfolded here,
         * so a folded Content-Length would be misread). */
        if (line[0] == ' ' || line[0] == '\t' || !memchr(line, ':', ll) || has_ctl(line, ll))
            return -1;
        /* only three names matter; the first letter rules out the rest */
        switch (line[0] | 0x20) {
        case 'c':
            if (header_is(line, ll, "content-length:", 15)) {
                long long v = length_of(line + 15, nl);
                if (v < 0 || (content_length >= 0 && v != content_length))
                    return -1;   /* not a length, or two different ones */
                content_length = v;
            }
            else if (header_is(line, ll, "connection:", 11) && memmem(line, ll, "close", 5))
                close_after = true;
            break;
        case 't':
            if (header_is(line, ll, "transfer-encoding:", 18) && memmem(line, ll, "chunked", 7))
                chunked = true;
            break;
        default:
            break;
        }
        line = nl + 1;
    }
    rp->status = status;
    rp->content_length = content_length;
    rp->chunked = chunked;
    rp->close_after = close_after;
    return 1;
}

/* Consumes what it can; 0 ok (check stage == 7), -1 malformed. */
int etcd_http_resp_parse(etcd_http_resp *rp, etcd_buf *body)
{
    for (;;) {
        char *p = rp->raw.p + rp->pos;
        size_t n = rp->raw.len - rp->pos;
        switch (rp->stage) {
        case 0: {   /* status line + headers */
            int h = head_parse(rp, p, n);
            if (h <= 0)
                return h;
            if (rp->status < 200 || rp->status == 204 || rp->status == 304) {
                if (rp->status < 200)   /* 1xx: skip, a real response follows */
                    continue;
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
            if (etcd_buf_reserve(body, take))
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
                return n > CHUNK_LINE_MAX ? -1 : 0;
            if ((size_t)(nl - p) > CHUNK_LINE_MAX)
                return -1;
            /* hex digits (strtoull would take blanks, a sign, "0x"), then an
             * extension, blanks or the line's end */
            unsigned long long sz = 0;
            const char *endp = p;
            for (; endp < nl && isxdigit((unsigned char)*endp); endp++) {
                if (sz >> 60)
                    return -1;   /* more than 64 bits */
                sz = sz * 16 + (unsigned)(isdigit((unsigned char)*endp) ? *endp - '0' : (*endp | 0x20) - 'a' + 10);
            }
            if (endp == p || (*endp != ';' && *endp != ' ' && *endp != '\t' && *endp != '\r' && *endp != '\n'))
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
            if (etcd_buf_reserve(body, take))
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
        case 4: {   /* CRLF right after the chunk data */
            if (n == 0 || (n == 1 && p[0] == '\r'))
                return 0;
            if (p[0] == '\n')
                rp->pos += 1;
            else if (p[0] == '\r' && p[1] == '\n')
                rp->pos += 2;
            else
                return -1;
            rp->stage = 2;
            continue;
        }
        case 5: {   /* trailers until an empty line */
            const char *nl = find_crlf(p, n);
            if (!nl)
                return n > HEAD_MAX ? -1 : 0;
            if ((size_t)(nl - p) > HEAD_MAX)
                return -1;
            bool empty = nl == p || (nl == p + 1 && p[0] == '\r');
            rp->pos += (size_t)(nl - p) + 1;
            if (empty)
                rp->stage = 7;
            continue;
        }
        case 6: {
            if (etcd_buf_reserve(body, n))
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

/* Per-thread read buffer, reused: a request must not cost a 32 KiB malloc
 * (that showed up in profiles as malloc_consolidate). Freed at thread exit. */
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static void scratch_free(void *p)
{
    etcd_buf *b = p;
    for (int i = 0; i < 3; i++)
        free(b[i].p);
    free(b);
}
static void scratch_init(void) { pthread_key_create(&scratch_key, scratch_free); }

etcd_buf *etcd_thread_buf(int which)
{
    pthread_once(&scratch_once, scratch_init);
    etcd_buf *b = pthread_getspecific(scratch_key);
    if (!b) {
        b = calloc(3, sizeof *b);
        if (!b || pthread_setspecific(scratch_key, b) != 0) {
            free(b);
            return NULL;
        }
    }
    return &b[which];
}

void etcd_thread_buf_trim(etcd_buf *b)
{
    if (b && b->cap > (1u << 20)) {   /* do not keep a huge buffer per thread */
        free(b->p);
        memset(b, 0, sizeof *b);
    }
}
