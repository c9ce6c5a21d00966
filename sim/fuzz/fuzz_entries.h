/* fuzz_entries.h: the per-target fuzz entry points, shared by the libFuzzer
 * programs (sim/fuzz/fuzz_*.c, clang, `make fuzz`) and the regression unit
 * test (sim/fuzz/tests/test_fuzz_regress.c, normal build, `make test`/`make asan`)
 * that replays every kept input. One copy of the checks, two drivers.
 *
 * Each entry takes arbitrary bytes and checks properties, not only "does not
 * crash":
 *   fuzz_watch_entry     newline-delimited watch stream: the lines the parser
 *                        emits equal a reference split of the input, and the
 *                        decoded responses are the same whether the stream is
 *                        fed whole, cut at input-chosen points, or byte by byte;
 *                        a small max_line refuses exactly an over-long tail.
 *   fuzz_jdiff_entry     unary responses: when the tree-less decoder accepts a
 *                        text that is valid JSON without duplicate keys, the
 *                        jansson decoder accepts it too and both give the
 *                        same result; etcd_json_error classifies the
 *                        same text as an error with a message.
 *   fuzz_prom_entry      Prometheus text: sample invariants, and prom_sum equals
 *                        the sum of prom_parse's samples (with and without a
 *                        label filter).
 *   fuzz_topology_entry  topology JSON: a topology that loads is consistent
 *                        and survives topology_to_json -> topology_parse; an
 *                        error is one line naming the file.
 *
 * A failed property calls FUZZ_FAIL (abort() by default, so libFuzzer keeps
 * the input; the unit test defines it as cmocka's fail_msg).
 */
#ifndef GEOKV_FUZZ_ENTRIES_H
#define GEOKV_FUZZ_ENTRIES_H

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sim/etcd/etcd_json.h"
#include "sim/etcd/prom.h"
#include "sim/wan/topology.h"

#ifndef FUZZ_FAIL
#define FUZZ_FAIL(...) (fprintf(stderr, "fuzz property failed: " __VA_ARGS__), fputc('\n', stderr), abort())
#endif
#define FUZZ_CHECK(cond, ...) do { if (!(cond)) FUZZ_FAIL(__VA_ARGS__); } while (0)

/* ---- a growable byte string, to compare what two runs produced --------- */
typedef struct fz_buf { char *p; size_t len, cap; } fz_buf;

static inline void fz_bytes(fz_buf *b, const void *data, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        FUZZ_CHECK(p, "out of memory growing a digest to %zu bytes", cap);
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static inline void fz_printf(fz_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void fz_printf(fz_buf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    fz_bytes(b, tmp, n < 0 ? 0 : (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Length-prefixed, so binary keys and values compare exactly. */
static inline void fz_blob(fz_buf *b, const char *s, size_t n)
{
    fz_printf(b, "%zu:", n);
    fz_bytes(b, s ? s : "", s ? n : 0);
}

static inline bool fz_equal(const fz_buf *a, const fz_buf *b)
{
    return a->len == b->len && (!a->len || !memcmp(a->p, b->p, a->len));
}

static inline void fz_free(fz_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* ---- etcd decoded structs as digests ------------------------------------ */
static inline void fz_header(fz_buf *b, const etcd_header *h)
{
    fz_printf(b, "h%" PRIu64 ",%" PRIu64 ",%" PRId64 ",%" PRIu64 ";", h->cluster_id, h->member_id, h->revision,
              h->raft_term);
}

static inline void fz_kv(fz_buf *b, const etcd_kv *kv)
{
    /* the decoders promise NUL-terminated key and value */
    FUZZ_CHECK(kv->key && kv->key[kv->key_len] == '\0', "kv key missing or not NUL-terminated");
    FUZZ_CHECK(kv->value && kv->value[kv->value_len] == '\0', "kv value missing or not NUL-terminated");
    fz_bytes(b, "k", 1);
    fz_blob(b, kv->key, kv->key_len);
    fz_blob(b, kv->value, kv->value_len);
    fz_printf(b, "%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ";", kv->create_revision, kv->mod_revision,
              kv->version, kv->lease);
}

static inline void fz_range(fz_buf *b, const etcd_range_result *r)
{
    fz_header(b, &r->header);
    fz_printf(b, "R%zu,%" PRId64 ",%d[", r->n_kvs, r->count, (int)r->more);
    for (size_t i = 0; i < r->n_kvs; i++)
        fz_kv(b, &r->kvs[i]);
    fz_bytes(b, "]", 1);
}

static inline void fz_put(fz_buf *b, const etcd_put_result *r)
{
    fz_header(b, &r->header);
    fz_printf(b, "P%d", (int)r->has_prev_kv);
    if (r->has_prev_kv)
        fz_kv(b, &r->prev_kv);
}

static inline void fz_delete(fz_buf *b, const etcd_delete_result *r)
{
    fz_header(b, &r->header);
    fz_printf(b, "D%" PRId64 ",%zu[", r->deleted, r->n_prev_kvs);
    for (size_t i = 0; i < r->n_prev_kvs; i++)
        fz_kv(b, &r->prev_kvs[i]);
    fz_bytes(b, "]", 1);
}

static inline void fz_txn(fz_buf *b, const etcd_txn_result *r)
{
    fz_header(b, &r->header);
    fz_printf(b, "T%d,%zu[", (int)r->succeeded, r->n_responses);
    for (size_t i = 0; i < r->n_responses; i++) {
        const etcd_response_op *op = &r->responses[i];
        fz_printf(b, "op%d:", (int)op->type);
        switch (op->type) {
        case ETCD_REQ_RANGE: fz_range(b, &op->range); break;
        case ETCD_REQ_PUT: fz_put(b, &op->put); break;
        case ETCD_REQ_DELETE: fz_delete(b, &op->del); break;
        default: FUZZ_FAIL("txn response %zu has unknown type %d", i, (int)op->type);
        }
    }
    fz_bytes(b, "]", 1);
}

static inline void fz_watch_resp(fz_buf *b, const etcd_watch_response *r)
{
    fz_header(b, &r->header);
    fz_printf(b, "W%" PRId64 ",%d,%d,%" PRId64 ",%d,%d,%d,", r->watch_id, (int)r->created, (int)r->canceled,
              r->compact_revision, (int)r->progress, r->error_grpc_code, r->error_http_code);
    fz_blob(b, r->cancel_reason, r->cancel_reason ? strlen(r->cancel_reason) : 0);
    fz_blob(b, r->error_message, r->error_message ? strlen(r->error_message) : 0);
    FUZZ_CHECK(r->n_events == 0 || r->events, "watch response with %zu events and no event array", r->n_events);
    fz_printf(b, "[%zu", r->n_events);
    for (size_t i = 0; i < r->n_events; i++) {
        const etcd_event *e = &r->events[i];
        fz_printf(b, "e%d,%d", (int)e->type, (int)e->has_prev_kv);
        fz_kv(b, &e->kv);
        if (e->has_prev_kv)
            fz_kv(b, &e->prev_kv);
    }
    fz_bytes(b, "]\n", 2);
}

/* ---- watch stream ------------------------------------------------------- */
typedef struct fz_watch_sink {
    fz_buf lines;     /* raw lines as emitted (length-prefixed) */
    fz_buf decoded;   /* decode result of each line, as etcd_watch.c does it */
} fz_watch_sink;

static inline int fz_watch_line(const char *line, size_t len, void *ud)
{
    fz_watch_sink *s = ud;
    FUZZ_CHECK(len > 0, "ndjson emitted an empty line");
    FUZZ_CHECK(line[len] == '\0', "ndjson line of %zu bytes not NUL-terminated at [len]", len);
    FUZZ_CHECK(!memchr(line, '\n', len), "ndjson line holds a newline");
    FUZZ_CHECK(line[0] != ' ' && line[0] != '\t' && line[0] != '\r', "ndjson line starts with a blank");
    FUZZ_CHECK(line[len - 1] != ' ' && line[len - 1] != '\r', "ndjson line ends with a blank");
    fz_blob(&s->lines, line, len);

    /* Decoded as sim/etcd/etcd_watch.c's watch_line does. */
    json_error_t jerr;
    json_t *j = json_loadb(line, len, 0, &jerr);
    if (!j) {
        fz_bytes(&s->decoded, "badjson\n", 8);
        return 0;
    }
    etcd_watch_response *r = (etcd_watch_response *)(uintptr_t)1;   /* must be overwritten */
    etcd_status st;
    memset(&st, 0, sizeof st);
    etcd_code code = etcd_json_watch_resp(j, &r, &st);
    json_decref(j);
    if (code != ETCD_OK) {
        FUZZ_CHECK(r == NULL, "etcd_json_watch_resp failed (%d) but left *out set", (int)code);
        FUZZ_CHECK(st.message[0] != '\0', "etcd_json_watch_resp failed (%d) with an empty message", (int)code);
        FUZZ_CHECK(memchr(st.message, '\0', sizeof st.message), "status message not NUL-terminated");
        fz_printf(&s->decoded, "err%d\n", (int)code);
        return 0;
    }
    FUZZ_CHECK(r != NULL && r != (etcd_watch_response *)(uintptr_t)1, "etcd_json_watch_resp OK without a response");
    fz_watch_resp(&s->decoded, r);
    etcd_watch_response_free(r);
    return 0;
}

/* Feeds data[0..n) cut before each cuts[i] (ascending, <= n). */
static inline void fz_watch_run(const char *data, size_t n, const size_t *cuts, size_t n_cuts, fz_watch_sink *s)
{
    etcd_ndjson p;
    etcd_ndjson_init(&p, 0);
    size_t prev = 0;
    for (size_t i = 0; i <= n_cuts; i++) {
        size_t end = i < n_cuts ? cuts[i] : n;
        int rc = etcd_ndjson_feed(&p, data + prev, end - prev, fz_watch_line, s);
        FUZZ_CHECK(rc == 0, "etcd_ndjson_feed returned %d on a %zu-byte piece", rc, end - prev);
        prev = end;
    }
    int rc = etcd_ndjson_finish(&p, fz_watch_line, s);
    FUZZ_CHECK(rc == 0, "etcd_ndjson_finish returned %d", rc);
    FUZZ_CHECK(p.len == 0, "etcd_ndjson_finish left %zu bytes buffered", p.len);
    etcd_ndjson_free(&p);
}

/* The contract of etcd_json.h, written independently: split at '\n', trim
 * trailing '\r'/' ' and leading ' '/'\t'/'\r', skip blank lines; a last
 * line without '\n' counts. */
static inline void fz_watch_reference_lines(const char *data, size_t n, fz_buf *out)
{
    size_t start = 0;
    while (start < n) {
        const char *nl = memchr(data + start, '\n', n - start);
        size_t end = nl ? (size_t)(nl - data) : n;
        size_t a = start, z = end;
        while (z > a && (data[z - 1] == '\r' || data[z - 1] == ' '))
            z--;
        while (a < z && (data[a] == ' ' || data[a] == '\t' || data[a] == '\r'))
            a++;
        if (z > a)
            fz_blob(out, data + a, z - a);
        start = end + 1;
    }
}

static inline int fz_size_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Input: byte 0 = number of cut points (low 3 bits) and max_line (high 5
 * bits: 1 + 8 * value, for the memory-bound check), then 2 bytes (big
 * endian, modulo the stream length + 1) per cut point, then the stream. */
static inline void fuzz_watch_entry(const uint8_t *data, size_t size)
{
    if (size < 1)
        return;
    size_t n_cuts = data[0] & 7, hdr = 1 + 2 * n_cuts;
    if (size < hdr)
        return;
    const char *stream = (const char *)data + hdr;
    size_t n = size - hdr;
    size_t cuts[8];
    for (size_t i = 0; i < n_cuts; i++)
        cuts[i] = (((size_t)data[1 + 2 * i] << 8) | data[2 + 2 * i]) % (n + 1);
    qsort(cuts, n_cuts, sizeof cuts[0], fz_size_cmp);

    fz_watch_sink whole = { 0 }, split = { 0 }, bytes = { 0 };
    fz_buf ref = { 0 };
    fz_watch_run(stream, n, NULL, 0, &whole);
    fz_watch_reference_lines(stream, n, &ref);
    FUZZ_CHECK(fz_equal(&whole.lines, &ref), "ndjson lines differ from the reference split:\n got %s\nwant %s",
               whole.lines.p ? whole.lines.p : "", ref.p ? ref.p : "");

    fz_watch_run(stream, n, cuts, n_cuts, &split);
    FUZZ_CHECK(fz_equal(&whole.lines, &split.lines), "lines differ when the stream is cut at %zu points", n_cuts);
    FUZZ_CHECK(fz_equal(&whole.decoded, &split.decoded),
               "decoded responses differ when cut at %zu points:\nwhole %s\nsplit %s", n_cuts,
               whole.decoded.p ? whole.decoded.p : "", split.decoded.p ? split.decoded.p : "");

    if (n <= 1024) {   /* byte by byte: quadratic in the worst case, so small inputs only */
        size_t *ones = malloc((n ? n : 1) * sizeof *ones);
        FUZZ_CHECK(ones, "out of memory");
        for (size_t i = 0; i < n; i++)
            ones[i] = i + 1;
        fz_watch_run(stream, n, ones, n ? n - 1 : 0, &bytes);
        free(ones);
        FUZZ_CHECK(fz_equal(&whole.decoded, &bytes.decoded) && fz_equal(&whole.lines, &bytes.lines),
                   "decoded responses differ when fed byte by byte");
    }
    /* The memory bound: fed whole with a small max_line (from byte 0), the
     * complete lines all come out, and the feed fails exactly when the
     * unterminated tail is longer than max_line. */
    size_t max_line = 1 + (size_t)(data[0] >> 3) * 8;
    const char *last_nl = n ? memrchr(stream, '\n', n) : NULL;
    size_t complete = last_nl ? (size_t)(last_nl - stream) + 1 : 0;
    fz_watch_sink bounded = { 0 };
    fz_buf ref_complete = { 0 };
    fz_watch_reference_lines(stream, complete, &ref_complete);
    etcd_ndjson p;
    etcd_ndjson_init(&p, max_line);
    int rc = etcd_ndjson_feed(&p, stream, n, fz_watch_line, &bounded);
    etcd_ndjson_free(&p);
    FUZZ_CHECK(rc == (n - complete > max_line ? -1 : 0), "max_line %zu, tail %zu bytes: feed returned %d", max_line,
               n - complete, rc);
    FUZZ_CHECK(fz_equal(&bounded.lines, &ref_complete), "max_line %zu: complete lines differ", max_line);
    fz_free(&bounded.lines); fz_free(&bounded.decoded);
    fz_free(&ref_complete);

    fz_free(&whole.lines); fz_free(&whole.decoded);
    fz_free(&split.lines); fz_free(&split.decoded);
    fz_free(&bytes.lines); fz_free(&bytes.decoded);
    fz_free(&ref);
}

/* ---- unary responses: tree-less decoder vs jansson ---------------------- */
/* Input: byte 0 selects the response kind (range, put, delete, txn), the rest
 * is the response body. */
static inline void fuzz_jdiff_entry(const uint8_t *data, size_t size)
{
    if (size < 1)
        return;
    int kind = data[0] & 3;
    /* an exact-size heap copy, so ASan sees any read past the end */
    size_t n = size - 1;
    char *text = malloc(n ? n : 1);
    FUZZ_CHECK(text, "out of memory");
    if (n)
        memcpy(text, data + 1, n);

    union { etcd_range_result range; etcd_put_result put; etcd_delete_result del; etcd_txn_result txn; } f, j;
    fz_buf df = { 0 }, dj = { 0 };
    etcd_code cf = ETCD_ERR_PARSE, cj = ETCD_ERR_PARSE;
    switch (kind) {
    case 0: cf = etcd_jfast_range_resp(text, n, &f.range); break;
    case 1: cf = etcd_jfast_put_resp(text, n, &f.put); break;
    case 2: cf = etcd_jfast_delete_resp(text, n, &f.del); break;
    default: cf = etcd_jfast_txn_resp(text, n, &f.txn); break;
    }
    FUZZ_CHECK(cf == ETCD_OK || cf == ETCD_ERR_PARSE, "jfast returned %d", (int)cf);
    if (cf == ETCD_OK) {
        switch (kind) {
        case 0: fz_range(&df, &f.range); etcd_range_result_free(&f.range); break;
        case 1: fz_put(&df, &f.put); etcd_put_result_free(&f.put); break;
        case 2: fz_delete(&df, &f.del); etcd_delete_result_free(&f.del); break;
        default: fz_txn(&df, &f.txn); etcd_txn_result_free(&f.txn); break;
        }
    }

    /* The comparison is defined for texts that are JSON objects without
     * duplicate keys: the tree-less reader is lenient by design about what
     * etcd never sends (it is a fast path, jansson is the reference). */
    json_t *root = json_loadb(text, n, JSON_REJECT_DUPLICATES, NULL);
    if (json_is_object(root)) {
        etcd_status st;
        memset(&st, 0, sizeof st);
        switch (kind) {
        case 0: cj = etcd_json_range_resp(root, &j.range, &st); break;
        case 1: cj = etcd_json_put_resp(root, &j.put, &st); break;
        case 2: cj = etcd_json_delete_resp(root, &j.del, &st); break;
        default: cj = etcd_json_txn_resp(root, &j.txn, &st); break;
        }
        if (cj == ETCD_OK) {
            switch (kind) {
            case 0: fz_range(&dj, &j.range); etcd_range_result_free(&j.range); break;
            case 1: fz_put(&dj, &j.put); etcd_put_result_free(&j.put); break;
            case 2: fz_delete(&dj, &j.del); etcd_delete_result_free(&j.del); break;
            default: fz_txn(&dj, &j.txn); etcd_txn_result_free(&j.txn); break;
            }
        } else {
            FUZZ_CHECK(st.message[0] != '\0', "jansson decoder failed (%d) with an empty message", (int)cj);
        }
        if (cf == ETCD_OK) {
            FUZZ_CHECK(cj == ETCD_OK, "kind %d: tree-less decoder accepted, jansson decoder refused (%d: %s): %.200s",
                       kind, (int)cj, st.message, df.p);
            FUZZ_CHECK(fz_equal(&df, &dj), "kind %d: decoders disagree:\njfast   %s\njansson %s", kind, df.p, dj.p);
        }
    }
    json_decref(root);

    /* The classifier of error answers (and of 200 bodies that decode to
     * nothing) on the same text: always an error with a message. Byte 0 bit 2
     * picks the HTTP status. An empty body must give a printable message
     * (there is no parser error text to show then). */
    long http = (data[0] & 4) ? 503 : 200;
    etcd_status est;
    memset(&est, 0, sizeof est);
    etcd_code ce = etcd_json_error(http, text, n, &est);
    FUZZ_CHECK(ce == ETCD_ERR_GRPC || ce == ETCD_ERR_HTTP || ce == ETCD_ERR_PARSE, "etcd_json_error returned %d",
               (int)ce);
    FUZZ_CHECK(est.code == ce && est.http_status == (int)http, "etcd_json_error: status not filled");
    FUZZ_CHECK(est.message[0] && memchr(est.message, '\0', sizeof est.message), "etcd_json_error: bad message");
    FUZZ_CHECK(ce != ETCD_ERR_HTTP || http != 200, "HTTP error class for a 200");
    if (n == 0) {
        for (const char *c = est.message; *c; c++)
            FUZZ_CHECK(*c >= 0x20 && *c < 0x7f, "etcd_json_error on an empty body: unprintable message");
    }
    fz_free(&df);
    fz_free(&dj);
    free(text);
}

/* ---- Prometheus text ---------------------------------------------------- */
typedef struct fz_prom_acc {
    char first[256];          /* name of the first sample ("" until one) */
    char lname[256];          /* its first label, if any */
    char *lvalue; size_t lvalue_len;
    double sum, lsum;         /* over samples named `first` (all / label matching) */
    size_t n, ln, total;
    int last_line;
} fz_prom_acc;

static inline int fz_prom_sample(const prom_sample *s, void *ud)
{
    fz_prom_acc *a = ud;
    FUZZ_CHECK(s->name && s->name[0], "sample without a name");
    FUZZ_CHECK(s->family && s->family[0], "sample without a family");
    FUZZ_CHECK((int)s->type >= PROM_UNTYPED && (int)s->type <= PROM_SUMMARY, "sample type %d", (int)s->type);
    FUZZ_CHECK(s->n_labels <= PROM_MAX_LABELS, "%zu labels", s->n_labels);
    FUZZ_CHECK(s->n_labels == 0 || s->labels, "labels array missing");
    FUZZ_CHECK(s->line >= 1 && s->line >= a->last_line, "sample line %d after %d", s->line, a->last_line);
    a->last_line = s->line;
    for (size_t i = 0; i < s->n_labels; i++) {
        const prom_label *l = &s->labels[i];
        FUZZ_CHECK(l->name && l->name[0] && l->value, "label %zu incomplete", i);
        FUZZ_CHECK(l->value[l->value_len] == '\0', "label value not NUL-terminated at value_len");
        const char *got = prom_label_get(s, l->name);
        FUZZ_CHECK(got, "prom_label_get misses label %s", l->name);
    }
    a->total++;
    if (!a->first[0] && strlen(s->name) < sizeof a->first) {
        snprintf(a->first, sizeof a->first, "%s", s->name);
        if (s->n_labels && strlen(s->labels[0].name) < sizeof a->lname &&
            !memchr(s->labels[0].value, '\0', s->labels[0].value_len)) {
            snprintf(a->lname, sizeof a->lname, "%s", s->labels[0].name);
            a->lvalue = malloc(s->labels[0].value_len + 1);
            FUZZ_CHECK(a->lvalue, "out of memory");
            memcpy(a->lvalue, s->labels[0].value, s->labels[0].value_len + 1);
            a->lvalue_len = s->labels[0].value_len;
        }
    }
    if (a->first[0] && !strcmp(s->name, a->first)) {
        a->sum += s->value;
        a->n++;
        if (a->lvalue) {
            /* prom_label_get semantics: the first label of that name */
            for (size_t i = 0; i < s->n_labels; i++) {
                if (strcmp(s->labels[i].name, a->lname))
                    continue;
                if (s->labels[i].value_len == a->lvalue_len && !memcmp(s->labels[i].value, a->lvalue, a->lvalue_len)) {
                    a->lsum += s->value;
                    a->ln++;
                }
                break;
            }
        }
    }
    return 0;
}

static inline bool fz_same_double(double x, double y)
{
    return (isnan(x) && isnan(y)) || x == y;
}

static inline void fuzz_prom_entry(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1);   /* exact size, not NUL-terminated */
    FUZZ_CHECK(text, "out of memory");
    if (size)
        memcpy(text, data, size);
    fz_prom_acc a;
    memset(&a, 0, sizeof a);
    prom_error err;
    memset(&err, 0, sizeof err);
    prom_code rc = prom_parse(text, size, fz_prom_sample, &a, &err);
    FUZZ_CHECK(rc == PROM_OK || rc == PROM_ERR_SYNTAX, "prom_parse returned %d", (int)rc);
    if (rc == PROM_ERR_SYNTAX) {
        FUZZ_CHECK(err.line >= 1 && err.message[0] && memchr(err.message, '\0', sizeof err.message),
                   "syntax error without a line or message (line %d)", err.line);
        FUZZ_CHECK(a.last_line <= err.line, "sample from line %d delivered before error on line %d", a.last_line,
                   err.line);
    }
    FUZZ_CHECK(prom_parse(text, size, NULL, NULL, NULL) == rc, "validate-only parse disagrees");

    if (a.first[0]) {
        double sum = -1;
        size_t n = 0;
        prom_code rs = prom_sum(text, size, a.first, NULL, &sum, &n, NULL);
        FUZZ_CHECK(rs == rc, "prom_sum returned %d, prom_parse %d", (int)rs, (int)rc);
        if (rs == PROM_OK) {
            FUZZ_CHECK(n == a.n, "prom_sum matched %zu samples of %s, parse saw %zu", n, a.first, a.n);
            FUZZ_CHECK(fz_same_double(sum, a.sum), "prom_sum %.17g != %.17g", sum, a.sum);
        }
        if (a.lvalue && rs == PROM_OK) {
            /* filter name="value" with the escapes of prom.h */
            fz_buf f = { 0 };
            fz_printf(&f, "%s=\"", a.lname);
            for (size_t i = 0; i < a.lvalue_len; i++) {
                char c = a.lvalue[i];
                if (c == '\\' || c == '"')
                    fz_printf(&f, "\\%c", c);
                else if (c == '\n')
                    fz_bytes(&f, "\\n", 2);
                else
                    fz_bytes(&f, &c, 1);
            }
            fz_bytes(&f, "\"", 1);
            rs = prom_sum(text, size, a.first, f.p, &sum, &n, NULL);
            /* prom.c holds filter names in 128 bytes and values in 256: longer
             * ones are refused (PROM_ERR_INVAL), a limit prom.h does not state
             * (found by this target; regress/prom/long-filter-value). */
            if (rs == PROM_ERR_INVAL && (a.lvalue_len >= 255 || strlen(a.lname) >= 127)) {
                fz_free(&f);
                goto filter_done;
            }
            FUZZ_CHECK(rs == PROM_OK, "prom_sum refused filter %s (%d)", f.p, (int)rs);
            FUZZ_CHECK(n == a.ln, "filter %s matched %zu samples, expected %zu", f.p, n, a.ln);
            FUZZ_CHECK(fz_same_double(sum, a.lsum), "filtered sum %.17g != %.17g", sum, a.lsum);
            fz_free(&f);
        }
    }
filter_done:;
    /* The first line of the input as a label filter: the filter parser on
     * arbitrary text must answer, not crash. */
    const char *nl = size ? memchr(text, '\n', size) : NULL;
    size_t fl = nl ? (size_t)(nl - text) : size;
    if (fl > 512)
        fl = 512;
    char *filter = malloc(fl + 1);
    FUZZ_CHECK(filter, "out of memory");
    if (fl)
        memcpy(filter, text, fl);
    filter[fl] = '\0';
    double s2;
    size_t n2;
    prom_code rf = prom_sum(text, size, a.first[0] ? a.first : "x", filter, &s2, &n2, NULL);
    FUZZ_CHECK(rf == PROM_OK || rf == PROM_ERR_SYNTAX || rf == PROM_ERR_INVAL, "prom_sum with filter: %d", (int)rf);
    free(filter);
    free(a.lvalue);
    free(text);
}

/* ---- topology ----------------------------------------------------------- */
static inline void fz_topo_check(const topology *t)
{
    FUZZ_CHECK(t->n_regions >= 1 && t->n_regions <= TOPO_MAX_REGIONS, "n_regions %d", t->n_regions);
    FUZZ_CHECK(t->n_members >= 0 && t->n_members <= TOPO_MAX_MEMBERS, "n_members %d", t->n_members);
    FUZZ_CHECK(t->controller_region >= 0 && t->controller_region < t->n_regions, "controller_region %d",
               t->controller_region);
    FUZZ_CHECK(t->n_placement >= 0 && t->n_placement <= TOPO_MAX_REGIONS, "n_placement %d", t->n_placement);
    FUZZ_CHECK(memchr(t->name, '\0', sizeof t->name) && memchr(t->description, '\0', sizeof t->description),
               "name/description not NUL-terminated");
    for (int i = 0; i < t->n_regions; i++) {
        const topo_region *r = &t->regions[i];
        FUZZ_CHECK(memchr(r->id, '\0', sizeof r->id) && memchr(r->short_name, '\0', sizeof r->short_name) &&
                   memchr(r->provider, '\0', sizeof r->provider) && memchr(r->name, '\0', sizeof r->name) &&
                   memchr(r->vm_spec, '\0', sizeof r->vm_spec), "region %d strings not NUL-terminated", i);
        FUZZ_CHECK(topology_region_index(t, r->id) == i, "region %s not found at its own index %d", r->id, i);
        for (int k = 0; k < t->n_regions; k++) {
            double ab = topology_rtt_ms(t, i, k), ba = topology_rtt_ms(t, k, i);
            FUZZ_CHECK(fz_same_double(ab, ba), "rtt %d->%d %g != %g", i, k, ab, ba);
            FUZZ_CHECK(!(ab < 0), "negative rtt %d->%d %g", i, k, ab);
        }
    }
    for (int m = 0; m < t->n_members; m++) {
        FUZZ_CHECK(t->members[m].region >= 0 && t->members[m].region < t->n_regions, "member %d region %d", m,
                   t->members[m].region);
        FUZZ_CHECK(topology_member_index(t, t->members[m].name) >= 0, "member %s not found", t->members[m].name);
    }
    for (int p = 0; p < t->n_placement; p++)
        FUZZ_CHECK(t->placement[p] >= 0 && t->placement[p] < t->n_regions, "placement %d = %d", p, t->placement[p]);
    int out[60];
    int rc = topology_place_agents(t, 60, out);
    if (t->n_placement > 0) {
        FUZZ_CHECK(rc == 0, "topology_place_agents failed with a non-empty placement");
        for (int k = 0; k < 60; k++)
            FUZZ_CHECK(out[k] >= 0 && out[k] < t->n_regions, "agent %d placed in region %d", k, out[k]);
    }
}

static inline char *fz_topo_dump(const topology *t)
{
    json_t *j = topology_to_json(t);
    FUZZ_CHECK(j, "topology_to_json returned NULL");
    char *s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(j);
    FUZZ_CHECK(s, "json_dumps of a topology failed");
    return s;
}

static inline void fuzz_topology_entry(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    FUZZ_CHECK(text, "out of memory");
    if (size)
        memcpy(text, data, size);
    text[size] = '\0';
    topology *t = (topology *)(uintptr_t)1;
    char err[512];
    memset(err, 0, sizeof err);
    int rc = topology_parse(text, "fuzz.json", &t, err, sizeof err);
    if (rc != 0) {
        FUZZ_CHECK(rc == -1 && t == NULL, "topology_parse failed (%d) but left *out set", rc);
        FUZZ_CHECK(err[0] && !strchr(err, '\n'), "error is not one line: \"%s\"", err);
        FUZZ_CHECK(strstr(err, "fuzz.json"), "error does not name the file: %s", err);
    } else {
        FUZZ_CHECK(t && t != (topology *)(uintptr_t)1, "topology_parse OK without a topology");
        fz_topo_check(t);
        /* round trip: what topology_to_json writes must load to the same topology */
        char *a = fz_topo_dump(t);
        topology *t2 = NULL;
        char err2[512];
        int rc2 = topology_parse(a, "roundtrip.json", &t2, err2, sizeof err2);
        FUZZ_CHECK(rc2 == 0, "topology_to_json output does not load: %s\n%s", err2, a);
        char *b = fz_topo_dump(t2);
        FUZZ_CHECK(!strcmp(a, b), "round trip changed the topology:\n%s\n%s", a, b);
        free(a);
        free(b);
        topology_free(t2);
        topology_free(t);
    }
    /* The key-path walker: documented for valid JSON text only. */
    json_t *j = json_loads(text, 0, NULL);
    if (j) {
        static const char *const paths[][3] = {
            { "regions", "[0]", "id" }, { "rtt_ms", "aws-ap-northeast-2", "gcp-asia-east1" },
            { "etcd_members", "[2]", "region" }, { "agent_placement", "regions", "[9]" },
        };
        for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
            int line = topology_json_line(text, paths[i], 3);
            FUZZ_CHECK(line >= 0, "topology_json_line returned %d", line);
        }
        json_decref(j);
    }
    free(text);
}

#endif
