/* fuzz_entries_input.h: fuzz entry points for the parsers of the harness's
 * own input and of HTTP framing, shared like fuzz_entries.h (whose
 * growable-buffer helpers and FUZZ_FAIL/FUZZ_CHECK they use) by the libFuzzer
 * programs (sim/fuzz/fuzz_http.c, fuzz_fault.c, fuzz_opts.c) and the
 * regression unit test (sim/fuzz/tests/test_fuzz_regress.c).
 *
 *   fuzz_http_entry   the built-in transport's HTTP/1.1 response reader
 *                     (etcd_http_resp_parse, sim/etcd/etcd_http.c): the same
 *                     outcome (error, incomplete, or status + body + bytes
 *                     left over) whether the bytes arrive whole, cut at
 *                     input-chosen points or byte by byte; it never reads
 *                     past the bytes it was given (exact-size buffers, ASan);
 *                     a Content-Length body has exactly that length.
 *                     Differential (byte 0 bit 0): a response the built-in
 *                     reader accepts is served to libcurl over loopback TCP
 *                     (no thread: see fz_http_curl); when libcurl accepts it
 *                     too, both give the same status and body.
 *   fuzz_fault_entry  the fault-spec parser (sim/fault/fault.c): an accepted
 *                     plan is sorted by time, every time finite and >= 0, a
 *                     second step after its first, names within the
 *                     grammar's characters; the formatted actions parse back
 *                     to the same plan; an error is one line naming the fault.
 *   fuzz_opts_entry   the option parsers of geokv-bench run, calibrate and
 *                     factors (bench/bench_opts.c, bench_calib_opts.c,
 *                     bench_factors_plan.c) on an argv cut from the input at
 *                     NUL bytes (byte 0 picks the parser): the result is -1
 *                     with one line, 1 (--help) or 0 with options within
 *                     their documented ranges; parsing twice gives the same
 *                     options (no hidden state); the command lines calibrate
 *                     and factors build for their sweeps parse as `run`
 *                     options and carry the same N, repetitions and seed.
 */
#ifndef GEOKV_FUZZ_ENTRIES_INPUT_H
#define GEOKV_FUZZ_ENTRIES_INPUT_H

#include <ctype.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "sim/fuzz/fuzz_entries.h"
#include "sim/etcd/etcd_internal.h"
#include "sim/fault/fault.h"
#include "bench/bench_calib_opts.h"
#include "bench/bench_factors_plan.h"
#include "bench/bench_opts.h"
#include "sim/cb/cb_run.h"

/* ---- HTTP/1.1 responses ------------------------------------------------- */
typedef struct fz_http_out {
    int rc;                 /* -1 malformed, 0 incomplete, 1 complete */
    long status;
    fz_buf body;
    size_t left;            /* bytes after a complete response (given, not parsed) */
    long long content_length;
    bool chunked;
} fz_http_out;

/* Feeds data[0..n-1] to the parser in pieces ending at cuts[0..ncuts-1]
 * (ascending, then n), as the transport does: append to the raw buffer,
 * parse, drop the consumed bytes once all are consumed. The raw buffer is
 * reallocated to exactly the bytes received each time, so a read past them
 * is a heap overflow ASan reports. eof: the peer closed after the last byte
 * (a body delimited by the connection's end is then complete). */
static inline void fz_http_feed(const uint8_t *data, size_t n, const size_t *cuts, size_t ncuts, bool eof,
                                fz_http_out *o)
{
    etcd_http_resp rp;
    memset(&rp, 0, sizeof rp);
    etcd_buf body = { 0 };
    memset(o, 0, sizeof *o);
    size_t from = 0;
    for (size_t k = 0; k <= ncuts && o->rc == 0; k++) {
        size_t to = k < ncuts ? cuts[k] : n;
        if (to < from || to > n)
            continue;
        size_t keep = rp.raw.len - rp.pos, add = to - from;
        char *p = malloc(keep + add ? keep + add : 1);
        FUZZ_CHECK(p, "out of memory");
        if (keep)
            memcpy(p, rp.raw.p + rp.pos, keep);
        if (add)
            memcpy(p + keep, data + from, add);
        free(rp.raw.p);
        rp.raw.p = p;
        rp.raw.len = rp.raw.cap = keep + add;
        rp.pos = 0;
        from = to;
        int rc = etcd_http_resp_parse(&rp, &body);
        FUZZ_CHECK(rc == 0 || rc == -1, "etcd_http_resp_parse returned %d", rc);
        FUZZ_CHECK(rp.pos <= rp.raw.len, "parse position %zu past the %zu bytes", rp.pos, rp.raw.len);
        if (rc < 0)
            o->rc = -1;
        else if (rp.stage == 7)
            o->rc = 1;
    }
    if (o->rc == 0 && eof && rp.stage == 6)
        o->rc = 1;
    if (o->rc == 1) {
        o->status = rp.status;
        o->content_length = rp.content_length;
        o->chunked = rp.chunked;
        o->left = rp.raw.len - rp.pos + (n - from);
        fz_bytes(&o->body, body.p ? body.p : "", body.len);
    }
    free(rp.raw.p);
    free(body.p);
}

static inline void fz_http_same(const fz_http_out *a, const fz_http_out *b, const char *how)
{
    FUZZ_CHECK(a->rc == b->rc, "fed %s: outcome %d, fed whole: %d", how, b->rc, a->rc);
    if (a->rc != 1)
        return;
    FUZZ_CHECK(a->status == b->status, "fed %s: status %ld, fed whole: %ld", how, b->status, a->status);
    FUZZ_CHECK(fz_equal(&a->body, &b->body), "fed %s: body of %zu bytes, fed whole: %zu", how, b->body.len,
               a->body.len);
    FUZZ_CHECK(a->left == b->left, "fed %s: %zu bytes left over, fed whole: %zu", how, b->left, a->left);
}

/* libcurl's reading of the same bytes, served over loopback TCP without a
 * thread: curl connects to a listener of ours (the kernel completes the
 * connection from the backlog), and in its pre-request callback we accept it,
 * write the whole response and shut our write side; curl then sends its
 * request (left unread) and reads the response to its end. (Handing curl one
 * end of a socketpair as an already-connected socket fails in libcurl 7.88:
 * it still tries to connect it.) */
typedef struct fz_curl_srv { const uint8_t *data; size_t n; int fd; } fz_curl_srv;

static inline int fz_curl_listener(int *port)
{
    static int fd = -1, p;
    if (fd < 0) {
        struct sockaddr_in a;
        socklen_t al = sizeof a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        FUZZ_CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 16) == 0 &&
                   getsockname(fd, (struct sockaddr *)&a, &al) == 0, "cannot listen on 127.0.0.1");
        p = ntohs(a.sin_port);
    }
    *port = p;
    return fd;
}

static inline int fz_curl_prereq(void *ud, char *ip, char *local_ip, int port, int local_port)
{
    (void)ip;
    (void)local_ip;
    (void)port;
    (void)local_port;
    fz_curl_srv *s = ud;
    int lport;
    s->fd = accept(fz_curl_listener(&lport), NULL, NULL);
    FUZZ_CHECK(s->fd >= 0, "accepting libcurl's connection failed");
    size_t off = 0;
    while (off < s->n) {
        ssize_t w = write(s->fd, s->data + off, s->n - off);
        FUZZ_CHECK(w > 0, "writing the response to libcurl failed");
        off += (size_t)w;
    }
    shutdown(s->fd, SHUT_WR);
    return CURL_PREREQFUNC_OK;
}

static inline size_t fz_curl_body(char *p, size_t size, size_t nmemb, void *ud)
{
    fz_bytes(ud, p, size * nmemb);
    return size * nmemb;
}

/* 0 when curl read a complete response (status and body out), else curl's
 * error code; -1 for responses over 64 KiB (not tried: the kernel's buffer
 * must hold the whole response, nobody reads while we write). */
static inline int fz_http_curl(const uint8_t *data, size_t n, long *status, fz_buf *body)
{
    if (n > 65536)
        return -1;
    static CURL *h;
    if (!h) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        h = curl_easy_init();
        FUZZ_CHECK(h, "curl_easy_init failed");
    }
    int port;
    fz_curl_listener(&port);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v3/kv/range", port);
    fz_curl_srv s = { data, n, -1 };
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, fz_curl_prereq);
    curl_easy_setopt(h, CURLOPT_PREREQDATA, &s);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fz_curl_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (getenv("FZ_CURL_VERBOSE")) curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 2000L);
    curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    CURLcode rc = curl_easy_perform(h);
    if (s.fd >= 0)
        close(s.fd);
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    return (int)rc;
}

static inline void fuzz_http_entry(const uint8_t *data, size_t size)
{
    /* Byte 0: the differential on (bit 0) or off; bytes 1..7 cut points;
     * the response from byte 8 (short inputs: everything from byte 1). */
    if (size < 1)
        return;
    bool diff = data[0] & 1;
    size_t head = size > 8 ? 8 : 1;
    const uint8_t *d = data + head;
    size_t n = size - head;

    fz_http_out whole, piece, byte;
    fz_http_feed(d, n, NULL, 0, true, &whole);
    size_t cuts[7] = { 0 }, nc = 0;
    for (size_t i = 1; i < head && n; i++) {
        size_t c = (size_t)data[i] * n / 256;
        if (!nc || c >= cuts[nc - 1])
            cuts[nc++] = c;
    }
    fz_http_feed(d, n, cuts, nc, true, &piece);
    fz_http_same(&whole, &piece, "in pieces");
    if (n <= 4096) {
        size_t *all = malloc((n ? n : 1) * sizeof *all);
        FUZZ_CHECK(all, "out of memory");
        for (size_t i = 0; i < n; i++)
            all[i] = i + 1;
        fz_http_feed(d, n, all, n, true, &byte);
        fz_http_same(&whole, &byte, "byte by byte");
        free(all);
        fz_free(&byte.body);
    }
    if (whole.rc == 1) {
        FUZZ_CHECK(whole.status >= 100 && whole.status <= 999, "status %ld", whole.status);
        if (!whole.chunked && whole.content_length >= 0 && whole.status >= 200 && whole.status != 204 &&
            whole.status != 304)
            FUZZ_CHECK(whole.body.len == (size_t)whole.content_length, "Content-Length %lld, body of %zu bytes",
                       whole.content_length, whole.body.len);
    }
    /* libcurl only reads what the built-in reader accepted: the comparison is
     * defined there, and libcurl 7.88.1 itself has a heap-use-after-free on
     * some malformed heads (regress/http/libcurl-7.88-use-after-free). */
    if (diff && whole.rc == 1) {
        long cstatus = 0;
        fz_buf cbody = { 0 };
        int crc = fz_http_curl(d, n, &cstatus, &cbody);
        if (crc == 0) {
            FUZZ_CHECK(cstatus == whole.status, "libcurl read status %ld, the built-in reader %ld", cstatus,
                       whole.status);
            FUZZ_CHECK(fz_equal(&cbody, &whole.body), "libcurl read a body of %zu bytes, the built-in reader %zu",
                       cbody.len, whole.body.len);
        }
        fz_free(&cbody);
    }
    fz_free(&whole.body);
    fz_free(&piece.body);
}

/* ---- fault specs -------------------------------------------------------- */
static inline bool fz_fault_name_ok(const char *s)
{
    FUZZ_CHECK(memchr(s, '\0', FAULT_NAME_LEN), "name not NUL-terminated");
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '-' || *s == '_' || *s == '.'))
            return false;
    return true;
}

static inline void fz_fault_digest(fz_buf *b, const fault_plan *p)
{
    fz_printf(b, "n%zu,ttl%d;", p->n, p->session_ttl_s);
    for (size_t i = 0; i < p->n; i++) {
        const fault_action *a = &p->a[i];
        fz_printf(b, "%d@%.17g:%s>%s+%.17g#%d;", (int)a->verb, a->t_s, a->target, a->dest, a->amount, a->agent);
    }
}

/* The spec an accepted plan stands for, rebuilt from its actions: the first
 * steps with their second steps, in the grammar's syntax. */
static inline void fz_fault_rebuild(const fault_plan *p, fz_buf *b)
{
    bool used[FAULT_MAX_ACTIONS] = { false };
    for (size_t i = 0; i < p->n; i++) {
        const fault_action *a = &p->a[i];
        if (used[i] || a->verb == FAULT_RESTART || a->verb == FAULT_HEAL || a->verb == FAULT_CLEAR)
            continue;
        used[i] = true;
        if (b->len)
            fz_bytes(b, ";", 1);
        switch (a->verb) {
        case FAULT_SPIKE:
            fz_printf(b, "spike:%s>%s+%.17gms@%.17g", a->target, a->dest, a->amount, a->t_s);
            break;
        case FAULT_REDEPLOY:
            fz_printf(b, "redeploy:%s@%.17g>%s", a->target, a->t_s, a->dest);
            break;
        case FAULT_FREEZE:
            if (a->amount > 0)
                fz_printf(b, "freeze-holder:%.17g@%.17g", a->amount, a->t_s);
            else
                fz_printf(b, "freeze-holder@%.17g", a->t_s);
            break;
        case FAULT_COMPACT:
            fz_printf(b, "compact@%.17g", a->t_s);
            break;
        default:
            fz_printf(b, "%s:%s@%.17g", fault_verb_name(a->verb), a->target, a->t_s);
        }
        for (size_t j = 0; j < p->n; j++) {
            const fault_action *s = &p->a[j];
            if (!used[j] && s->fault == a->fault && j != i) {
                used[j] = true;
                fz_printf(b, ",%s@%.17g", fault_verb_name(s->verb), s->t_s);
            }
        }
    }
    if (p->session_ttl_s)
        fz_printf(b, "%ssession-ttl:%d", b->len ? ";" : "", p->session_ttl_s);
}

static inline int fz_fault_known(void *ud, const char *name)
{
    (void)ud;
    return strcmp(name, "sin") == 0 || strcmp(name, "a-sel") == 0 ? 0 : -1;
}

static inline void fuzz_fault_entry(const uint8_t *data, size_t size)
{
    char *spec = malloc(size + 1);
    FUZZ_CHECK(spec, "out of memory");
    if (size)
        memcpy(spec, data, size);
    spec[size] = '\0';
    fault_plan p;
    char err[256];
    memset(err, 0, sizeof err);
    int rc = fault_parse(spec, &p, err, sizeof err);
    if (rc != 0) {
        FUZZ_CHECK(rc == -1 && p.n == 0, "fault_parse failed (%d) with %zu actions", rc, p.n);
        FUZZ_CHECK(err[0] && !strchr(err, '\n') && memchr(err, '\0', sizeof err), "error not one line: %s", err);
        free(spec);
        return;
    }
    FUZZ_CHECK(p.n <= FAULT_MAX_ACTIONS, "%zu actions", p.n);
    for (size_t i = 0; i < p.n; i++) {
        const fault_action *a = &p.a[i];
        FUZZ_CHECK((unsigned)a->verb < FAULT_VERB_COUNT, "verb %d", (int)a->verb);
        FUZZ_CHECK(isfinite(a->t_s) && a->t_s >= 0, "action %zu at %g s", i, a->t_s);
        FUZZ_CHECK(isfinite(a->amount) && a->amount >= 0, "action %zu amount %g", i, a->amount);
        FUZZ_CHECK(i == 0 || p.a[i - 1].t_s <= a->t_s, "actions not sorted by time at %zu", i);
        FUZZ_CHECK(a->fault >= 0 && a->fault < p.n_faults, "action %zu of fault %d of %d", i, a->fault, p.n_faults);
        FUZZ_CHECK(fz_fault_name_ok(a->target) && fz_fault_name_ok(a->dest), "action %zu: name outside the grammar",
                   i);
        if (a->verb == FAULT_RESTART || a->verb == FAULT_HEAL || a->verb == FAULT_CLEAR) {
            bool first = false;
            for (size_t j = 0; j < p.n; j++)
                if (p.a[j].fault == a->fault && j != i && p.a[j].t_s < a->t_s)
                    first = true;
            FUZZ_CHECK(first, "second step %zu without an earlier first step", i);
        }
        char text[256];
        fault_action_format(a, text, sizeof text);
        FUZZ_CHECK(text[0] && memchr(text, '\0', sizeof text), "fault_action_format gave nothing");
    }
    FUZZ_CHECK(p.session_ttl_s == 0 || (p.session_ttl_s >= 1 && p.session_ttl_s <= 3600), "session TTL %d",
               p.session_ttl_s);
    /* The plan, written back in the grammar, parses to the same plan. */
    fz_buf re = { 0 }, d1 = { 0 }, d2 = { 0 };
    fz_fault_rebuild(&p, &re);
    if (re.len) {
        fault_plan q;
        char err2[256];
        FUZZ_CHECK(fault_parse(re.p, &q, err2, sizeof err2) == 0, "the plan written back does not parse: %s\n%s", err2,
                   re.p);
        /* faults are numbered by position: compare without that number */
        for (size_t i = 0; i < p.n; i++)
            p.a[i].fault = q.a[i].fault = 0;
        fz_fault_digest(&d1, &p);
        fz_fault_digest(&d2, &q);
        FUZZ_CHECK(fz_equal(&d1, &d2), "the plan written back parses differently:\n%s\n%s\n%s", re.p, d1.p, d2.p);
    }
    /* The checks against names and the run's timeout answer in one line. */
    fault_resolver r = { .member = fz_fault_known, .region = fz_fault_known, .n_agents = 4, .horizon_s = 600 };
    if (fault_plan_check(&p, &r, err, sizeof err) != 0)
        FUZZ_CHECK(err[0] && !strchr(err, '\n'), "fault_plan_check error not one line: %s", err);
    fz_free(&re);
    fz_free(&d1);
    fz_free(&d2);
    free(spec);
}

/* ---- option parsers ----------------------------------------------------- */
#define FZ_MAX_ARGS 40

/* argv from data cut at NUL bytes (each argument an exact-size heap copy). */
static inline int fz_argv(const uint8_t *data, size_t size, char **argv)
{
    int argc = 0;
    size_t start = 0;
    for (size_t i = 0; i <= size && argc < FZ_MAX_ARGS; i++) {
        if (i < size && data[i] != '\0')
            continue;
        size_t len = i - start;
        argv[argc] = malloc(len + 1);
        FUZZ_CHECK(argv[argc], "out of memory");
        if (len)
            memcpy(argv[argc], data + start, len);
        argv[argc][len] = '\0';
        argc++;
        start = i + 1;
    }
    argv[argc] = NULL;
    return argc;
}

static inline void fz_opts_check_run(const bench_opts *o)
{
    const char *const *modes = cb_mode_names();
    FUZZ_CHECK(o->n_n >= 1 && o->n_n <= BENCH_MAX_N, "%zu agent counts", o->n_n);
    for (size_t i = 0; i < o->n_n; i++) {
        FUZZ_CHECK(o->n[i] >= 1 && o->n[i] <= BENCH_MAX_AGENTS, "agent count %d", o->n[i]);
        for (size_t j = 0; j < i; j++)
            FUZZ_CHECK(o->n[i] != o->n[j], "agent count %d twice", o->n[i]);
    }
    FUZZ_CHECK(o->n_modes >= 1 && o->n_modes <= BENCH_MAX_MODES, "%zu modes", o->n_modes);
    for (size_t i = 0; i < o->n_modes; i++) {
        bool known = false;
        for (size_t k = 0; modes[k]; k++)
            known |= strcmp(modes[k], o->modes[i]) == 0;
        FUZZ_CHECK(known, "mode '%s' accepted", o->modes[i]);
    }
    FUZZ_CHECK(o->reps >= 1 && o->reps <= 1000, "reps %d", o->reps);
    FUZZ_CHECK(o->rtt_scale > 0 && o->rtt_scale <= 100, "rtt scale %g", o->rtt_scale);
    FUZZ_CHECK(o->delay_scale > 0 && o->delay_scale <= 100, "delay scale %g", o->delay_scale);
    FUZZ_CHECK(isfinite(o->timeout_s) && o->timeout_s > 0, "timeout %g", o->timeout_s);
    FUZZ_CHECK(isfinite(o->start_param_s) && o->start_param_s >= 0, "start parameter %g", o->start_param_s);
    FUZZ_CHECK(o->spec_cache >= -1 && o->spec_cache <= 1 && o->init_lock >= -1 && o->init_lock <= 1,
               "switches %d %d", o->spec_cache, o->init_lock);
    FUZZ_CHECK(memchr(o->topology, '\0', sizeof o->topology) && memchr(o->out, '\0', sizeof o->out) &&
               memchr(o->fault, '\0', sizeof o->fault) && memchr(o->profile, '\0', sizeof o->profile),
               "a path not NUL-terminated");
}

/* `self run ...` from calibrate or factors: parses as run options. */
static inline void fz_opts_child(char *const *v, size_t n, const int *want_n, size_t want_n_n, int reps,
                                 const char *who)
{
    FUZZ_CHECK(n >= 2 && !strcmp(v[1], "run"), "%s: the sweep's command line does not start with 'self run'", who);
    bench_opts c;
    char err[512];
    bench_opts_default(&c);
    int rc = bench_opts_parse((int)n - 2, v + 2, cb_mode_names(), &c, err, sizeof err);
    FUZZ_CHECK(rc == 0, "%s: the sweep's command line does not parse as run options: %s", who, err);
    FUZZ_CHECK(c.n_n == want_n_n && !memcmp(c.n, want_n, want_n_n * sizeof *want_n), "%s: the sweep's N differ",
               who);
    FUZZ_CHECK(c.reps == reps, "%s: the sweep runs %d repetitions, asked %d", who, c.reps, reps);
}

static inline void fuzz_opts_entry(const uint8_t *data, size_t size)
{
    if (size < 1)
        return;
    int which = data[0] % 3;
    char *argv[FZ_MAX_ARGS + 1];
    int argc = size > 1 ? fz_argv(data + 1, size - 1, argv) : 0;
    if (size <= 1)
        argv[0] = NULL;
    char err[1024], err2[1024];
    memset(err, 0, sizeof err);
    if (which == 0) {
        bench_opts a, b;
        bench_opts_default(&a);
        bench_opts_default(&b);
        int rc = bench_opts_parse(argc, argv, cb_mode_names(), &a, err, sizeof err);
        int rc2 = bench_opts_parse(argc, argv, cb_mode_names(), &b, err2, sizeof err2);
        FUZZ_CHECK(rc == rc2 && !memcmp(&a, &b, sizeof a), "run: parsing the same argv twice differs");
        FUZZ_CHECK(rc >= -1 && rc <= 1, "run: bench_opts_parse returned %d", rc);
        if (rc == -1)
            FUZZ_CHECK(err[0] && !strchr(err, '\n'), "run: error not one line: %s", err);
        if (rc == 0)
            fz_opts_check_run(&a);
    } else if (which == 1) {
        bench_calib_opts *a = malloc(sizeof *a), *b = malloc(sizeof *b);
        FUZZ_CHECK(a && b, "out of memory");
        bench_calib_opts_default(a);
        bench_calib_opts_default(b);
        int rc = bench_calib_opts_parse(argc, argv, a, err, sizeof err);
        int rc2 = bench_calib_opts_parse(argc, argv, b, err2, sizeof err2);
        FUZZ_CHECK(rc == rc2 && !memcmp(a, b, sizeof *a), "calibrate: parsing the same argv twice differs");
        FUZZ_CHECK(rc >= -1 && rc <= 1, "calibrate: returned %d", rc);
        if (rc == -1)
            FUZZ_CHECK(err[0] && !strchr(err, '\n'), "calibrate: error not one line: %s", err);
        if (rc == 0) {
            fz_opts_check_run(&a->run);
            FUZZ_CHECK(a->c_lo >= 0 && a->c_lo < a->c_hi, "calibrate: bounds %g..%g", a->c_lo, a->c_hi);
            bench_argv *v = malloc(sizeof *v);
            FUZZ_CHECK(v, "out of memory");
            bench_calib_run_argv(a, "self", "before", a->profile, NULL, 0, "out", v);
            if (!v->overflow)
                fz_opts_child(v->v, v->n, a->run.n, a->run.n_n, a->run.reps, "calibrate");
            free(v);
        }
        free(a);
        free(b);
    } else {
        bench_fac_opts a, b;
        bench_fac_opts_default(&a);
        bench_fac_opts_default(&b);
        int rc = bench_fac_opts_parse(argc, argv, &a, err, sizeof err);
        int rc2 = bench_fac_opts_parse(argc, argv, &b, err2, sizeof err2);
        FUZZ_CHECK(rc == rc2 && !memcmp(&a, &b, sizeof a), "factors: parsing the same argv twice differs");
        FUZZ_CHECK(rc >= -1 && rc <= 1, "factors: returned %d", rc);
        if (rc == -1)
            FUZZ_CHECK(err[0] && !strchr(err, '\n'), "factors: error not one line: %s", err);
        if (rc == 0 && !a.resume) {
            FUZZ_CHECK(a.factors != 0 && a.factors < (1u << BENCH_FAC_K), "factors: mask %#x", a.factors);
            bench_fac_plan *p = malloc(sizeof *p);
            bench_fac_argv *v = malloc(sizeof *v);
            FUZZ_CHECK(p && v, "out of memory");
            bench_fac_plan_build(a.factors, p);
            for (size_t i = 0; i < p->n_sweeps; i++) {
                bench_fac_sweep_argv(&a, p, i, "self", "study", v);
                if (!v->overflow)
                    fz_opts_child(v->v, v->n, a.n, a.n_n, a.reps, "factors");
            }
            free(p);
            free(v);
        }
    }
    for (int i = 0; i < argc; i++)
        free(argv[i]);
}

#endif
