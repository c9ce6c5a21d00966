/* etcd_jfast.c: a tree-less reader of etcd's hot responses (range, put,
 * delete, txn). jansson builds a tree of objects and hash tables per
 * response; in profiles of etcd-bench-client that was the largest user-space
 * cost per request. This reader walks the text once and fills the result
 * structs directly.
 *
 * It is deliberately narrow: strings with escapes, nesting beyond the known
 * shapes, or anything unexpected make it return ETCD_ERR_PARSE, and the
 * caller then decodes the same text with jansson (etcd_json_*_resp), which
 * gives the precise error. Unknown fields are skipped. Unit tests check both
 * decoders agree on every recorded response.
 */
#include "sim/etcd/etcd_json.h"

#include <stdlib.h>
#include <string.h>

#include "sim/etcd/etcd_base64.h"

typedef struct jr { const char *p, *end; } jr;

static void ws(jr *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
        r->p++;
}

static int eat(jr *r, char c)
{
    ws(r);
    if (r->p < r->end && *r->p == c) {
        r->p++;
        return 0;
    }
    return -1;
}

static bool peek(jr *r, char c)
{
    ws(r);
    return r->p < r->end && *r->p == c;
}

/* Bytes that end the scan of a string: its closing quote, an escape (left
 * to jansson), a control character (invalid). One table look-up a byte,
 * four at a time: base64 values make strings most of a response. */
static const unsigned char str_stop[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['"'] = 1, ['\\'] = 1,
};

/* A string without escapes: pointer into the text and length. */
static int str(jr *r, const char **s, size_t *n)
{
    if (eat(r, '"'))
        return -1;
    const unsigned char *q = (const unsigned char *)r->p, *end = (const unsigned char *)r->end;
    while (end - q >= 4 && !(str_stop[q[0]] | str_stop[q[1]] | str_stop[q[2]] | str_stop[q[3]]))
        q += 4;
    while (q < end && !str_stop[*q])
        q++;
    if (q >= end || *q != '"')
        return -1;   /* unterminated, an escape or a control character */
    *s = r->p;
    *n = (size_t)((const char *)q - r->p);
    r->p = (const char *)q + 1;
    return 0;
}

static int key(jr *r, const char **s, size_t *n)
{
    return str(r, s, n) || eat(r, ':') ? -1 : 0;   /* -1, never 1: members() returns 1 for "end" */
}

static bool is(const char *s, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    return n == l && !memcmp(s, lit, l);
}

/* int64 as "123" or 123 */
static int i64(jr *r, int64_t *out)
{
    ws(r);
    bool quoted = r->p < r->end && *r->p == '"';
    if (quoted)
        r->p++;
    bool neg = r->p < r->end && *r->p == '-';
    if (neg)
        r->p++;
    uint64_t v = 0;
    const char *start = r->p;
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
        if (v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*r->p++ - '0');
    }
    if (r->p == start || (quoted && (r->p >= r->end || *r->p++ != '"')))   /* no blank before the quote, as jansson+strtoll */
        return -1;
    if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
        return -1;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

static int u64(jr *r, uint64_t *out)
{
    ws(r);
    bool quoted = r->p < r->end && *r->p == '"';
    if (quoted)
        r->p++;
    uint64_t v = 0;
    const char *start = r->p;
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
        uint64_t d = (uint64_t)(*r->p - '0');
        /* 19 digits always fit in 64 bits: only a 20th (etcd's ids have
         * 19-20) needs the overflow check, with its division */
        if (r->p - start >= 19 && v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
        r->p++;
    }
    if (r->p == start || (quoted && (r->p >= r->end || *r->p++ != '"')))   /* no blank before the quote, as jansson+strtoll */
        return -1;
    *out = v;
    return 0;
}

static int boolean(jr *r, bool *out)
{
    ws(r);
    if (r->end - r->p >= 4 && !memcmp(r->p, "true", 4)) {
        r->p += 4;
        *out = true;
        return 0;
    }
    if (r->end - r->p >= 5 && !memcmp(r->p, "false", 5)) {
        r->p += 5;
        *out = false;
        return 0;
    }
    return -1;
}

/* Skips any value (used for unknown fields). */
static int skip(jr *r, int depth)
{
    if (depth > 32)
        return -1;
    ws(r);
    if (r->p >= r->end)
        return -1;
    char c = *r->p;
    if (c == '"') {
        for (r->p++; r->p < r->end && *r->p != '"'; r->p++)
            if (*r->p == '\\' && ++r->p >= r->end)
                return -1;
        if (r->p >= r->end)
            return -1;
        r->p++;
        return 0;
    }
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        r->p++;
        if (peek(r, close)) {
            r->p++;
            return 0;
        }
        for (;;) {
            if (c == '{' && (!peek(r, '"') || skip(r, depth + 1) || eat(r, ':')))
                return -1;
            if (skip(r, depth + 1))
                return -1;
            if (peek(r, ',')) {
                r->p++;
                continue;
            }
            return eat(r, close);
        }
    }
    /* number or literal */
    const char *start = r->p;
    while (r->p < r->end && (strchr("+-.eE", *r->p) || (*r->p >= '0' && *r->p <= '9') ||
                             (*r->p >= 'a' && *r->p <= 'z')))
        r->p++;
    return r->p == start ? -1 : 0;
}

/* Iterates the members of an object: call with first=true, then until it
 * returns 1 (end). 0: k, kn hold the next key, positioned at its value. */
static int members(jr *r, bool *first, const char **k, size_t *kn)
{
    if (*first) {
        *first = false;
        if (eat(r, '{'))
            return -1;
        if (peek(r, '}')) {
            r->p++;
            return 1;
        }
    } else {
        if (peek(r, '}')) {
            r->p++;
            return 1;
        }
        if (eat(r, ','))
            return -1;
    }
    return key(r, k, kn);
}

static int header(jr *r, etcd_header *h)
{
    bool first = true;
    const char *k;
    size_t kn;
    int m;
    while ((m = members(r, &first, &k, &kn)) == 0) {
        int rc;
        if (is(k, kn, "revision"))
            rc = i64(r, &h->revision);
        else if (is(k, kn, "cluster_id"))
            rc = u64(r, &h->cluster_id);
        else if (is(k, kn, "member_id"))
            rc = u64(r, &h->member_id);
        else if (is(k, kn, "raft_term"))
            rc = u64(r, &h->raft_term);
        else
            rc = skip(r, 0);
        if (rc)
            return -1;
    }
    return m < 0 ? -1 : 0;
}

static int b64field(jr *r, char **out, size_t *len)
{
    const char *s;
    size_t n;
    if (str(r, &s, &n))
        return -1;
    free(*out);
    *out = NULL;
    return etcd_base64_decode_alloc(s, n, out, len);
}

static int kv(jr *r, etcd_kv *out)
{
    bool first = true;
    const char *k;
    size_t kn;
    int m;
    while ((m = members(r, &first, &k, &kn)) == 0) {
        int rc;
        if (is(k, kn, "key"))
            rc = b64field(r, &out->key, &out->key_len);
        else if (is(k, kn, "value"))
            rc = b64field(r, &out->value, &out->value_len);
        else if (is(k, kn, "create_revision"))
            rc = i64(r, &out->create_revision);
        else if (is(k, kn, "mod_revision"))
            rc = i64(r, &out->mod_revision);
        else if (is(k, kn, "version"))
            rc = i64(r, &out->version);
        else if (is(k, kn, "lease"))
            rc = i64(r, &out->lease);
        else
            rc = skip(r, 0);
        if (rc)
            return -1;
    }
    if (m < 0)
        return -1;
    /* missing key/value are empty, as in the jansson decoder */
    if (!out->key && !(out->key = calloc(1, 1)))
        return -1;
    if (!out->value && !(out->value = calloc(1, 1)))
        return -1;
    return 0;
}

static int kv_list(jr *r, etcd_kv **out, size_t *n)
{
    size_t cap = 0;
    if (*n)
        return -1;   /* the key came twice: the capacity of *out is unknown here; jansson decides */
    if (eat(r, '['))
        return -1;
    if (peek(r, ']')) {
        r->p++;
        return 0;
    }
    for (;;) {
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 4;
            etcd_kv *p = realloc(*out, nc * sizeof *p);
            if (!p)
                return -1;
            *out = p;
            cap = nc;
        }
        memset(&(*out)[*n], 0, sizeof **out);
        (*n)++;   /* counted first so a failure frees a partial kv too */
        if (kv(r, &(*out)[*n - 1]))
            return -1;
        if (peek(r, ',')) {
            r->p++;
            continue;
        }
        return eat(r, ']');
    }
}

static int range_obj(jr *r, etcd_range_result *out)
{
    bool first = true;
    const char *k;
    size_t kn;
    int m, seen_header = 0;
    while ((m = members(r, &first, &k, &kn)) == 0) {
        int rc;
        if (is(k, kn, "header"))
            rc = seen_header++ ? -1 : header(r, &out->header);   /* twice: jansson decides */
        else if (is(k, kn, "kvs"))
            rc = kv_list(r, &out->kvs, &out->n_kvs);
        else if (is(k, kn, "count"))
            rc = i64(r, &out->count);
        else if (is(k, kn, "more"))
            rc = boolean(r, &out->more);
        else
            rc = skip(r, 0);
        if (rc)
            return -1;
    }
    return m < 0 ? -1 : 0;
}

static int put_obj(jr *r, etcd_put_result *out)
{
    bool first = true;
    const char *k;
    size_t kn;
    int m, seen_header = 0;
    while ((m = members(r, &first, &k, &kn)) == 0) {
        int rc;
        if (is(k, kn, "header"))
            rc = seen_header++ ? -1 : header(r, &out->header);   /* twice: jansson decides */
        else if (is(k, kn, "prev_kv")) {
            if (out->has_prev_kv)
                return -1;   /* the key came twice: jansson (last one wins) decides */
            out->has_prev_kv = true;
            rc = kv(r, &out->prev_kv);
        } else
            rc = skip(r, 0);
        if (rc)
            return -1;
    }
    return m < 0 ? -1 : 0;
}

static int delete_obj(jr *r, etcd_delete_result *out)
{
    bool first = true;
    const char *k;
    size_t kn;
    int m, seen_header = 0;
    while ((m = members(r, &first, &k, &kn)) == 0) {
        int rc;
        if (is(k, kn, "header"))
            rc = seen_header++ ? -1 : header(r, &out->header);   /* twice: jansson decides */
        else if (is(k, kn, "deleted"))
            rc = i64(r, &out->deleted);
        else if (is(k, kn, "prev_kvs"))
            rc = kv_list(r, &out->prev_kvs, &out->n_prev_kvs);
        else
            rc = skip(r, 0);
        if (rc)
            return -1;
    }
    return m < 0 ? -1 : 0;
}

static int txn_obj(jr *r, etcd_txn_result *out)
{
    bool first = true;
    const char *k;
    size_t kn;
    int m, seen_header = 0;
    size_t cap = 0;
    while ((m = members(r, &first, &k, &kn)) == 0) {
        int rc = 0;
        if (is(k, kn, "header"))
            rc = seen_header++ ? -1 : header(r, &out->header);   /* twice: jansson decides */
        else if (is(k, kn, "succeeded"))
            rc = boolean(r, &out->succeeded);
        else if (is(k, kn, "responses")) {
            if (out->n_responses)
                return -1;   /* the key came twice: jansson (last one wins) decides */
            if (eat(r, '['))
                return -1;
            if (peek(r, ']')) {
                r->p++;
                continue;
            }
            for (;;) {
                if (out->n_responses == cap) {
                    size_t nc = cap ? cap * 2 : 4;
                    etcd_response_op *p = realloc(out->responses, nc * sizeof *p);
                    if (!p)
                        return -1;
                    out->responses = p;
                    cap = nc;
                }
                etcd_response_op *op = &out->responses[out->n_responses++];
                memset(op, 0, sizeof *op);
                bool f2 = true;
                const char *k2;
                size_t kn2;
                int m2, seen = 0;
                while ((m2 = members(r, &f2, &k2, &kn2)) == 0) {
                    int rc2;
                    if (is(k2, kn2, "response_range")) {
                        op->type = ETCD_REQ_RANGE;
                        rc2 = range_obj(r, &op->range);
                    } else if (is(k2, kn2, "response_put")) {
                        op->type = ETCD_REQ_PUT;
                        rc2 = put_obj(r, &op->put);
                    } else if (is(k2, kn2, "response_delete_range")) {
                        op->type = ETCD_REQ_DELETE;
                        rc2 = delete_obj(r, &op->del);
                    } else
                        return -1;   /* unknown response type: jansson reports it */
                    if (rc2)
                        return -1;
                    seen++;
                }
                if (m2 < 0 || seen != 1)
                    return -1;
                if (peek(r, ',')) {
                    r->p++;
                    continue;
                }
                if (eat(r, ']'))
                    return -1;
                break;
            }
        } else
            rc = skip(r, 0);
        if (rc)
            return -1;
    }
    return m < 0 ? -1 : 0;
}

static etcd_code finish(jr *r, int rc)
{
    ws(r);
    return rc == 0 && r->p == r->end ? ETCD_OK : ETCD_ERR_PARSE;
}

etcd_code etcd_jfast_range_resp(const char *text, size_t len, etcd_range_result *out)
{
    jr r = { text, text + len };
    memset(out, 0, sizeof *out);
    etcd_code code = finish(&r, range_obj(&r, out));
    if (code != ETCD_OK)
        etcd_range_result_free(out);
    return code;
}

etcd_code etcd_jfast_put_resp(const char *text, size_t len, etcd_put_result *out)
{
    jr r = { text, text + len };
    memset(out, 0, sizeof *out);
    etcd_code code = finish(&r, put_obj(&r, out));
    if (code != ETCD_OK)
        etcd_put_result_free(out);
    return code;
}

etcd_code etcd_jfast_delete_resp(const char *text, size_t len, etcd_delete_result *out)
{
    jr r = { text, text + len };
    memset(out, 0, sizeof *out);
    etcd_code code = finish(&r, delete_obj(&r, out));
    if (code != ETCD_OK)
        etcd_delete_result_free(out);
    return code;
}

etcd_code etcd_jfast_txn_resp(const char *text, size_t len, etcd_txn_result *out)
{
    jr r = { text, text + len };
    memset(out, 0, sizeof *out);
    etcd_code code = finish(&r, txn_obj(&r, out));
    if (code != ETCD_OK)
        etcd_txn_result_free(out);
    return code;
}
