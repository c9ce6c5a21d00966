/* etcd_json.c: request encoders and response decoders of etcd's JSON gateway,
 * and the newline-delimited stream splitter. */
#include "sim/etcd/etcd_json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/etcd/etcd_base64.h"

/* ---- requests ---------------------------------------------------------- */

int etcd_json_set_bytes(json_t *obj, const char *name, const char *data, size_t len)
{
    char stackbuf[256];
    size_t need = ETCD_BASE64_LEN(len) + 1;
    char *b = need <= sizeof stackbuf ? stackbuf : malloc(need);
    if (!b)
        return -1;
    size_t n = etcd_base64_encode(data, len, b);
    int rc = json_object_set_new(obj, name, json_stringn(b, n));
    if (b != stackbuf)
        free(b);
    return rc;
}

int etcd_json_set_int64(json_t *obj, const char *name, int64_t v)
{
    char b[24];
    int n = snprintf(b, sizeof b, "%" PRId64, v);
    return json_object_set_new(obj, name, json_stringn(b, (size_t)n));
}

char *etcd_json_dump(const json_t *obj, size_t *len)
{
    char *s = json_dumps(obj, JSON_COMPACT);
    if (s && len)
        *len = strlen(s);
    return s;
}

/* ---- text writer -------------------------------------------------------- */

void etcd_jw_free(etcd_jw *w)
{
    free(w->p);
    memset(w, 0, sizeof *w);
}

static int jw_reserve(etcd_jw *w, size_t n)
{
    if (w->len + n + 1 <= w->cap)
        return 0;
    size_t cap = w->cap ? w->cap : 256;
    while (cap < w->len + n + 1)
        cap *= 2;
    char *p = realloc(w->p, cap);
    if (!p)
        return -1;
    w->p = p;
    w->cap = cap;
    return 0;
}

static int jw_raw(etcd_jw *w, const char *s, size_t n)
{
    if (jw_reserve(w, n))
        return -1;
    memcpy(w->p + w->len, s, n);
    w->len += n;
    w->p[w->len] = '\0';
    return 0;
}

#define JW_LIT(w, s) jw_raw((w), (s), sizeof(s) - 1)

/* ,"name": (the comma when not first in the object) */
static int jw_key(etcd_jw *w, const char *name)
{
    size_t n = strlen(name);
    if (jw_reserve(w, n + 4))
        return -1;
    if (w->len && w->p[w->len - 1] != '{' && w->p[w->len - 1] != '[')
        w->p[w->len++] = ',';
    w->p[w->len++] = '"';
    memcpy(w->p + w->len, name, n);
    w->len += n;
    w->p[w->len++] = '"';
    w->p[w->len++] = ':';
    w->p[w->len] = '\0';
    return 0;
}

static int jw_bytes(etcd_jw *w, const char *name, const char *data, size_t len)
{
    if (jw_key(w, name) || jw_reserve(w, ETCD_BASE64_LEN(len) + 2))
        return -1;
    w->p[w->len++] = '"';
    w->len += etcd_base64_encode(data, len, w->p + w->len);
    w->p[w->len++] = '"';
    w->p[w->len] = '\0';
    return 0;
}

static int jw_i64(etcd_jw *w, const char *name, int64_t v)
{
    char b[24];
    char *e = b + sizeof b, *q = e;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--q = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--q = '-';
    if (jw_key(w, name) || jw_reserve(w, (size_t)(e - q) + 2))
        return -1;
    w->p[w->len++] = '"';
    memcpy(w->p + w->len, q, (size_t)(e - q));
    w->len += (size_t)(e - q);
    w->p[w->len++] = '"';
    w->p[w->len] = '\0';
    return 0;
}

static int jw_i64_nz(etcd_jw *w, const char *name, int64_t v) { return v ? jw_i64(w, name, v) : 0; }

static int jw_true(etcd_jw *w, const char *name, bool v)
{
    return v ? (jw_key(w, name) || JW_LIT(w, "true")) : 0;
}

static int jw_enum(etcd_jw *w, const char *name, const char *v)
{
    return jw_key(w, name) || JW_LIT(w, "\"") || jw_raw(w, v, strlen(v)) || JW_LIT(w, "\"");
}

static const char *const sort_order_names[] = { "NONE", "ASCEND", "DESCEND" };
static const char *const sort_target_names[] = { "KEY", "VERSION", "CREATE", "MOD", "VALUE" };

size_t etcd_prefix_range_end(const char *key, size_t key_len, char *out)
{
    /* etcd's GetPrefixRangeEnd: drop trailing 0xff bytes, increment the last
     * remaining one; nothing left means "no upper bound", spelt "\0". */
    for (size_t i = key_len; i > 0; i--) {
        unsigned char b = (unsigned char)key[i - 1];
        if (b < 0xff) {
            memcpy(out, key, i - 1);
            out[i - 1] = (char)(b + 1);
            return i;
        }
    }
    out[0] = '\0';
    return 1;
}

/* Explicit range_end wins over prefix. */
static int jw_range_end(etcd_jw *w, const char *key, size_t key_len, bool prefix,
                        const char *range_end, size_t range_end_len)
{
    if (range_end && range_end_len)
        return jw_bytes(w, "range_end", range_end, range_end_len);
    if (!prefix)
        return 0;
    char stackbuf[256];
    char *b = key_len <= sizeof stackbuf ? stackbuf : malloc(key_len ? key_len : 1);
    if (!b)
        return -1;
    size_t n = etcd_prefix_range_end(key, key_len, b);
    int rc = jw_bytes(w, "range_end", b, n);
    if (b != stackbuf)
        free(b);
    return rc;
}

int etcd_jw_range_req(etcd_jw *w, const char *key, size_t key_len, const etcd_range_opts *o)
{
    static const etcd_range_opts none;
    if (!o)
        o = &none;
    if ((unsigned)o->sort_order > ETCD_SORT_DESCEND || (unsigned)o->sort_target > ETCD_SORT_VALUE)
        return -1;
    if (JW_LIT(w, "{") || jw_bytes(w, "key", key, key_len) ||
        jw_range_end(w, key, key_len, o->prefix, o->range_end, o->range_end_len) ||
        jw_i64_nz(w, "limit", o->limit) || jw_i64_nz(w, "revision", o->revision) ||
        (o->sort_order != ETCD_SORT_NONE && jw_enum(w, "sort_order", sort_order_names[o->sort_order])) ||
        (o->sort_target != ETCD_SORT_KEY && jw_enum(w, "sort_target", sort_target_names[o->sort_target])) ||
        jw_true(w, "serializable", o->serializable) || jw_true(w, "keys_only", o->keys_only) ||
        jw_true(w, "count_only", o->count_only) || jw_i64_nz(w, "min_mod_revision", o->min_mod_revision) ||
        jw_i64_nz(w, "max_mod_revision", o->max_mod_revision) ||
        jw_i64_nz(w, "min_create_revision", o->min_create_revision) ||
        jw_i64_nz(w, "max_create_revision", o->max_create_revision) || JW_LIT(w, "}"))
        return -1;
    return 0;
}

int etcd_jw_put_req(etcd_jw *w, const char *key, size_t key_len, const char *val, size_t val_len,
                    const etcd_put_opts *o)
{
    static const etcd_put_opts none;
    if (!o)
        o = &none;
    if (JW_LIT(w, "{") || jw_bytes(w, "key", key, key_len) || (val_len && jw_bytes(w, "value", val, val_len)) ||
        jw_i64_nz(w, "lease", o->lease) || jw_true(w, "prev_kv", o->prev_kv) ||
        jw_true(w, "ignore_value", o->ignore_value) || jw_true(w, "ignore_lease", o->ignore_lease) ||
        JW_LIT(w, "}"))
        return -1;
    return 0;
}

int etcd_jw_delete_req(etcd_jw *w, const char *key, size_t key_len, const etcd_delete_opts *o)
{
    static const etcd_delete_opts none;
    if (!o)
        o = &none;
    if (JW_LIT(w, "{") || jw_bytes(w, "key", key, key_len) ||
        jw_range_end(w, key, key_len, o->prefix, o->range_end, o->range_end_len) ||
        jw_true(w, "prev_kv", o->prev_kv) || JW_LIT(w, "}"))
        return -1;
    return 0;
}

static const char *const cmp_target_names[] = { "VERSION", "CREATE", "MOD", "VALUE", "LEASE" };
static const char *const cmp_result_names[] = { "EQUAL", "GREATER", "LESS", "NOT_EQUAL" };

static int jw_compare(etcd_jw *w, const etcd_compare *c)
{
    if ((unsigned)c->target > ETCD_CMP_LEASE || (unsigned)c->result > ETCD_CMP_NOT_EQUAL)
        return -1;
    if (JW_LIT(w, "{") || jw_bytes(w, "key", c->key, c->key_len) ||
        (c->range_end && c->range_end_len && jw_bytes(w, "range_end", c->range_end, c->range_end_len)) ||
        jw_enum(w, "target", cmp_target_names[c->target]) || jw_enum(w, "result", cmp_result_names[c->result]))
        return -1;
    /* The compared field is always written, 0 included: it selects the
     * oneof target_union (etcd reads a missing one as 0 anyway). */
    int rc = 0;
    switch (c->target) {
    case ETCD_CMP_VERSION: rc = jw_i64(w, "version", c->number); break;
    case ETCD_CMP_CREATE:  rc = jw_i64(w, "create_revision", c->number); break;
    case ETCD_CMP_MOD:     rc = jw_i64(w, "mod_revision", c->number); break;
    case ETCD_CMP_LEASE:   rc = jw_i64(w, "lease", c->number); break;
    case ETCD_CMP_VALUE:   rc = jw_bytes(w, "value", c->value ? c->value : "", c->value ? c->value_len : 0); break;
    }
    return rc || JW_LIT(w, "}");
}

static int jw_request_op(etcd_jw *w, const etcd_request_op *op)
{
    switch (op->type) {
    case ETCD_REQ_RANGE:
        return JW_LIT(w, "{\"request_range\":") || etcd_jw_range_req(w, op->key, op->key_len, &op->range) ||
               JW_LIT(w, "}");
    case ETCD_REQ_PUT:
        return JW_LIT(w, "{\"request_put\":") ||
               etcd_jw_put_req(w, op->key, op->key_len, op->value, op->value_len, &op->put) || JW_LIT(w, "}");
    case ETCD_REQ_DELETE:
        return JW_LIT(w, "{\"request_delete_range\":") ||
               etcd_jw_delete_req(w, op->key, op->key_len, &op->del) || JW_LIT(w, "}");
    default:
        return -1;
    }
}

static int jw_ops(etcd_jw *w, const char *name, const etcd_request_op *ops, size_t n)
{
    if (!n)
        return 0;
    if (jw_key(w, name) || JW_LIT(w, "["))
        return -1;
    for (size_t i = 0; i < n; i++)
        if ((i && JW_LIT(w, ",")) || jw_request_op(w, &ops[i]))
            return -1;
    return JW_LIT(w, "]");
}

int etcd_jw_txn_req(etcd_jw *w, const etcd_compare *cmp, size_t n_cmp,
                    const etcd_request_op *success, size_t n_success,
                    const etcd_request_op *failure, size_t n_failure)
{
    if (JW_LIT(w, "{"))
        return -1;
    if (n_cmp) {
        if (jw_key(w, "compare") || JW_LIT(w, "["))
            return -1;
        for (size_t i = 0; i < n_cmp; i++)
            if ((i && JW_LIT(w, ",")) || jw_compare(w, &cmp[i]))
                return -1;
        if (JW_LIT(w, "]"))
            return -1;
    }
    if (jw_ops(w, "success", success, n_success) || jw_ops(w, "failure", failure, n_failure) || JW_LIT(w, "}"))
        return -1;
    return 0;
}

/* json_t versions: the text parsed back (used by tests and cold paths). */
static json_t *jw_to_json(etcd_jw *w, int rc)
{
    json_t *j = rc == 0 ? json_loadb(w->p, w->len, 0, NULL) : NULL;
    etcd_jw_free(w);
    return j;
}

json_t *etcd_json_range_req(const char *key, size_t key_len, const etcd_range_opts *o)
{
    etcd_jw w = { 0 };
    return jw_to_json(&w, etcd_jw_range_req(&w, key, key_len, o));
}

json_t *etcd_json_put_req(const char *key, size_t key_len, const char *val, size_t val_len,
                          const etcd_put_opts *o)
{
    etcd_jw w = { 0 };
    return jw_to_json(&w, etcd_jw_put_req(&w, key, key_len, val, val_len, o));
}

json_t *etcd_json_delete_req(const char *key, size_t key_len, const etcd_delete_opts *o)
{
    etcd_jw w = { 0 };
    return jw_to_json(&w, etcd_jw_delete_req(&w, key, key_len, o));
}

json_t *etcd_json_txn_req(const etcd_compare *cmp, size_t n_cmp,
                          const etcd_request_op *success, size_t n_success,
                          const etcd_request_op *failure, size_t n_failure)
{
    etcd_jw w = { 0 };
    return jw_to_json(&w, etcd_jw_txn_req(&w, cmp, n_cmp, success, n_success, failure, n_failure));
}

static int jw_filters(etcd_jw *w, const etcd_watch_opts *o)
{
    if (!o->no_put && !o->no_delete)
        return 0;
    return jw_key(w, "filters") || JW_LIT(w, "[") || (o->no_put && JW_LIT(w, "\"NOPUT\"")) ||
           (o->no_put && o->no_delete && JW_LIT(w, ",")) || (o->no_delete && JW_LIT(w, "\"NODELETE\"")) ||
           JW_LIT(w, "]");
}

int etcd_jw_watch_req(etcd_jw *w, const char *key, size_t key_len, const etcd_watch_opts *o)
{
    static const etcd_watch_opts none;
    if (!o)
        o = &none;
    if (JW_LIT(w, "{\"create_request\":{") || jw_bytes(w, "key", key, key_len) ||
        jw_range_end(w, key, key_len, o->prefix, o->range_end, o->range_end_len) ||
        jw_i64_nz(w, "start_revision", o->start_revision) || jw_true(w, "prev_kv", o->prev_kv) ||
        jw_true(w, "progress_notify", o->progress_notify) || jw_filters(w, o) || JW_LIT(w, "}}"))
        return -1;
    return 0;
}

json_t *etcd_json_watch_req(const char *key, size_t key_len, const etcd_watch_opts *o)
{
    etcd_jw w = { 0 };
    return jw_to_json(&w, etcd_jw_watch_req(&w, key, key_len, o));
}

/* ---- response helpers --------------------------------------------------- */

int etcd_json_int64(const json_t *obj, const char *name, int64_t *out)
{
    json_t *v = json_object_get(obj, name);
    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return 0;
    }
    if (!json_is_string(v))
        return -1;
    const char *s = json_string_value(v);
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = x;
    return 0;
}

int etcd_json_uint64(const json_t *obj, const char *name, uint64_t *out)
{
    json_t *v = json_object_get(obj, name);
    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_integer(v)) {
        *out = (uint64_t)json_integer_value(v);
        return 0;
    }
    if (!json_is_string(v))
        return -1;
    const char *s = json_string_value(v);
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || end == s || *end || *s == '-')
        return -1;
    *out = x;
    return 0;
}

static int get_bool(const json_t *obj, const char *name, bool *out)
{
    json_t *v = json_object_get(obj, name);
    *out = false;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v))
        return -1;
    *out = json_is_true(v);
    return 0;
}

/* Missing -> empty (non-NULL, NUL-terminated) buffer. */
static int get_bytes(const json_t *obj, const char *name, char **out, size_t *len)
{
    json_t *v = json_object_get(obj, name);
    *out = NULL;
    *len = 0;
    if (!v || json_is_null(v)) {
        *out = calloc(1, 1);
        return *out ? 0 : -1;
    }
    if (!json_is_string(v))
        return -1;
    return etcd_base64_decode_alloc(json_string_value(v), json_string_length(v), out, len);
}

#define PARSE_FAIL(what) \
    do { code = etcd_set_status(st, ETCD_ERR_PARSE, "etcd response: bad or missing %s", what); goto cleanup; } while (0)

etcd_code etcd_json_header(const json_t *resp, etcd_header *out, etcd_status *st)
{
    memset(out, 0, sizeof *out);
    json_t *h = json_object_get(resp, "header");
    if (!h)
        return ETCD_OK;
    if (!json_is_object(h) || etcd_json_uint64(h, "cluster_id", &out->cluster_id) ||
        etcd_json_uint64(h, "member_id", &out->member_id) ||
        etcd_json_int64(h, "revision", &out->revision) ||
        etcd_json_uint64(h, "raft_term", &out->raft_term))
        return etcd_set_status(st, ETCD_ERR_PARSE, "etcd response: bad header");
    return ETCD_OK;
}

etcd_code etcd_json_kv(const json_t *kv, etcd_kv *out, etcd_status *st)
{
    etcd_code code = ETCD_OK;
    memset(out, 0, sizeof *out);
    if (!json_is_object(kv))
        PARSE_FAIL("kv object");
    if (get_bytes(kv, "key", &out->key, &out->key_len))
        PARSE_FAIL("kv.key");
    if (get_bytes(kv, "value", &out->value, &out->value_len))
        PARSE_FAIL("kv.value");
    if (etcd_json_int64(kv, "create_revision", &out->create_revision) ||
        etcd_json_int64(kv, "mod_revision", &out->mod_revision) ||
        etcd_json_int64(kv, "version", &out->version) ||
        etcd_json_int64(kv, "lease", &out->lease))
        PARSE_FAIL("kv revision/version/lease");
cleanup:
    if (code != ETCD_OK)
        etcd_kv_free(out);
    return code;
}

/* An optional array of kvs. */
static etcd_code kv_array(const json_t *resp, const char *name, etcd_kv **out, size_t *n, etcd_status *st)
{
    etcd_code code = ETCD_OK;
    json_t *a = json_object_get(resp, name);
    *out = NULL;
    *n = 0;
    if (!a || json_is_null(a))
        return ETCD_OK;
    if (!json_is_array(a))
        return etcd_set_status(st, ETCD_ERR_PARSE, "etcd response: %s is not an array", name);
    size_t na = json_array_size(a);
    if (!na)
        return ETCD_OK;
    *out = calloc(na, sizeof **out);
    if (!*out)
        return etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory decoding %s", name);
    for (size_t i = 0; i < na; i++) {
        code = etcd_json_kv(json_array_get(a, i), &(*out)[i], st);
        if (code != ETCD_OK)
            break;
        (*n)++;
    }
    if (code != ETCD_OK) {
        for (size_t i = 0; i < *n; i++)
            etcd_kv_free(&(*out)[i]);
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return code;
}

etcd_code etcd_json_range_resp(const json_t *resp, etcd_range_result *out, etcd_status *st)
{
    etcd_code code;
    memset(out, 0, sizeof *out);
    if (!json_is_object(resp))
        return etcd_set_status(st, ETCD_ERR_PARSE, "etcd range response is not a JSON object");
    if ((code = etcd_json_header(resp, &out->header, st)) != ETCD_OK)
        return code;
    if (etcd_json_int64(resp, "count", &out->count) || get_bool(resp, "more", &out->more))
        return etcd_set_status(st, ETCD_ERR_PARSE, "etcd range response: bad count/more");
    return kv_array(resp, "kvs", &out->kvs, &out->n_kvs, st);
}

etcd_code etcd_json_put_resp(const json_t *resp, etcd_put_result *out, etcd_status *st)
{
    etcd_code code;
    memset(out, 0, sizeof *out);
    if (!json_is_object(resp))
        return etcd_set_status(st, ETCD_ERR_PARSE, "etcd put response is not a JSON object");
    if ((code = etcd_json_header(resp, &out->header, st)) != ETCD_OK)
        return code;
    json_t *p = json_object_get(resp, "prev_kv");
    if (p && !json_is_null(p)) {
        if ((code = etcd_json_kv(p, &out->prev_kv, st)) != ETCD_OK)
            return code;
        out->has_prev_kv = true;
    }
    return ETCD_OK;
}

etcd_code etcd_json_delete_resp(const json_t *resp, etcd_delete_result *out, etcd_status *st)
{
    etcd_code code;
    memset(out, 0, sizeof *out);
    if (!json_is_object(resp))
        return etcd_set_status(st, ETCD_ERR_PARSE, "etcd delete response is not a JSON object");
    if ((code = etcd_json_header(resp, &out->header, st)) != ETCD_OK)
        return code;
    if (etcd_json_int64(resp, "deleted", &out->deleted))
        return etcd_set_status(st, ETCD_ERR_PARSE, "etcd delete response: bad deleted");
    return kv_array(resp, "prev_kvs", &out->prev_kvs, &out->n_prev_kvs, st);
}

etcd_code etcd_json_txn_resp(const json_t *resp, etcd_txn_result *out, etcd_status *st)
{
    etcd_code code = ETCD_OK;
    memset(out, 0, sizeof *out);
    if (!json_is_object(resp))
        return etcd_set_status(st, ETCD_ERR_PARSE, "etcd txn response is not a JSON object");
    if ((code = etcd_json_header(resp, &out->header, st)) != ETCD_OK)
        return code;
    if (get_bool(resp, "succeeded", &out->succeeded))
        return etcd_set_status(st, ETCD_ERR_PARSE, "etcd txn response: bad succeeded");
    json_t *a = json_object_get(resp, "responses");
    if (!a || json_is_null(a))
        return ETCD_OK;
    if (!json_is_array(a))
        return etcd_set_status(st, ETCD_ERR_PARSE, "etcd txn response: responses is not an array");
    size_t n = json_array_size(a);
    if (!n)
        return ETCD_OK;
    out->responses = calloc(n, sizeof *out->responses);
    if (!out->responses)
        return etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory decoding txn responses");
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(a, i), *v;
        etcd_response_op *r = &out->responses[i];
        if ((v = json_object_get(o, "response_range"))) {
            r->type = ETCD_REQ_RANGE;
            code = etcd_json_range_resp(v, &r->range, st);
        } else if ((v = json_object_get(o, "response_put"))) {
            r->type = ETCD_REQ_PUT;
            code = etcd_json_put_resp(v, &r->put, st);
        } else if ((v = json_object_get(o, "response_delete_range"))) {
            r->type = ETCD_REQ_DELETE;
            code = etcd_json_delete_resp(v, &r->del, st);
        } else {
            code = etcd_set_status(st, ETCD_ERR_PARSE, "etcd txn response %zu: unknown response type", i);
        }
        if (code != ETCD_OK)
            break;
        out->n_responses++;
    }
    if (code != ETCD_OK)
        etcd_txn_result_free(out);
    return code;
}

/* LeaseGrantResponse carries an "error" string field of its own. */
etcd_code etcd_json_lease_grant_resp(const json_t *resp, int64_t *id, int64_t *ttl, etcd_status *st)
{
    if (!json_is_object(resp))
        return etcd_set_status(st, ETCD_ERR_PARSE, "etcd lease grant response is not a JSON object");
    json_t *e = json_object_get(resp, "error");
    if (json_is_string(e) && json_string_length(e))
        return etcd_set_status(st, ETCD_ERR_GRPC, "lease grant: %s", json_string_value(e));
    if (etcd_json_int64(resp, "ID", id) || etcd_json_int64(resp, "TTL", ttl) || *id == 0)
        return etcd_set_status(st, ETCD_ERR_PARSE, "etcd lease grant response: bad or missing ID/TTL");
    return ETCD_OK;
}

etcd_code etcd_json_keepalive_resp(const json_t *resp, int64_t *ttl, etcd_status *st)
{
    json_t *r = json_object_get(resp, "result");
    *ttl = 0;
    if (!json_is_object(r))
        return etcd_set_status(st, ETCD_ERR_PARSE, "etcd keepalive response: no result object");
    if (etcd_json_int64(r, "TTL", ttl))
        return etcd_set_status(st, ETCD_ERR_PARSE, "etcd keepalive response: bad TTL");
    if (*ttl <= 0)
        return etcd_set_status(st, ETCD_ERR_LEASE_LOST, "lease expired or revoked (keepalive answered no TTL)");
    return ETCD_OK;
}

etcd_code etcd_json_timetolive_resp(const json_t *resp, etcd_lease_ttl *out, etcd_status *st)
{
    etcd_code code = ETCD_OK;
    memset(out, 0, sizeof *out);
    if (!json_is_object(resp))
        return etcd_set_status(st, ETCD_ERR_PARSE, "etcd timetolive response is not a JSON object");
    if (etcd_json_int64(resp, "TTL", &out->ttl) || etcd_json_int64(resp, "grantedTTL", &out->granted_ttl))
        return etcd_set_status(st, ETCD_ERR_PARSE, "etcd timetolive response: bad TTL/grantedTTL");
    json_t *a = json_object_get(resp, "keys");
    if (!a || json_is_null(a))
        return ETCD_OK;
    if (!json_is_array(a))
        return etcd_set_status(st, ETCD_ERR_PARSE, "etcd timetolive response: keys is not an array");
    size_t n = json_array_size(a);
    if (!n)
        return ETCD_OK;
    out->keys = calloc(n, sizeof *out->keys);
    out->key_lens = calloc(n, sizeof *out->key_lens);
    if (!out->keys || !out->key_lens) {
        code = etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory decoding lease keys");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *k = json_array_get(a, i);
        if (!json_is_string(k) ||
            etcd_base64_decode_alloc(json_string_value(k), json_string_length(k), &out->keys[i], &out->key_lens[i]))
            PARSE_FAIL("lease key");
        out->n_keys++;
    }
cleanup:
    if (code != ETCD_OK)
        etcd_lease_ttl_free(out);
    return code;
}

etcd_code etcd_json_status_resp(const json_t *resp, etcd_member_status *out, etcd_status *st)
{
    memset(out, 0, sizeof *out);
    etcd_header h;
    etcd_code code = etcd_json_header(resp, &h, st);
    if (code != ETCD_OK)
        return code;
    out->member_id = h.member_id;
    if (etcd_json_uint64(resp, "leader", &out->leader_id) ||
        etcd_json_int64(resp, "dbSize", &out->db_size) ||
        etcd_json_int64(resp, "dbSizeInUse", &out->db_size_in_use) ||
        etcd_json_uint64(resp, "raftIndex", &out->raft_index) ||
        etcd_json_uint64(resp, "raftTerm", &out->raft_term))
        return etcd_set_status(st, ETCD_ERR_PARSE, "etcd status response: bad numeric field");
    json_t *v = json_object_get(resp, "version");
    if (json_is_string(v))
        snprintf(out->version, sizeof out->version, "%s", json_string_value(v));
    return ETCD_OK;
}

static etcd_code event_json(const json_t *e, etcd_event *out, etcd_status *st)
{
    etcd_code code = ETCD_OK;
    memset(out, 0, sizeof *out);
    json_t *t = json_object_get(e, "type");
    if (!json_is_object(e))
        PARSE_FAIL("event object");
    if (!t || json_is_null(t) || (json_is_string(t) && !strcmp(json_string_value(t), "PUT")))
        out->type = ETCD_EVENT_PUT;   /* PUT is the zero value: omitted */
    else if (json_is_string(t) && !strcmp(json_string_value(t), "DELETE"))
        out->type = ETCD_EVENT_DELETE;
    else
        PARSE_FAIL("event type");
    if ((code = etcd_json_kv(json_object_get(e, "kv"), &out->kv, st)) != ETCD_OK)
        goto cleanup;
    json_t *p = json_object_get(e, "prev_kv");
    if (p && !json_is_null(p)) {
        if ((code = etcd_json_kv(p, &out->prev_kv, st)) != ETCD_OK)
            goto cleanup;
        out->has_prev_kv = true;
    }
cleanup:
    if (code != ETCD_OK) {
        etcd_kv_free(&out->kv);
        etcd_kv_free(&out->prev_kv);
    }
    return code;
}

etcd_code etcd_json_watch_resp(const json_t *line, etcd_watch_response **out, etcd_status *st)
{
    etcd_code code = ETCD_OK;
    etcd_watch_response *w = calloc(1, sizeof *w);
    *out = NULL;
    if (!w)
        return etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory decoding a watch response");
    if (!json_is_object(line))
        PARSE_FAIL("watch line (not a JSON object)");
    json_t *err = json_object_get(line, "error");
    if (err && !json_is_null(err)) {
        /* Mid-stream error: {"error":{"grpc_code":14,"http_code":503,"message":...}} */
        int64_t g = 0, h = 0;
        if (!json_is_object(err) || etcd_json_int64(err, "grpc_code", &g) || etcd_json_int64(err, "http_code", &h))
            PARSE_FAIL("watch error object");
        json_t *m = json_object_get(err, "message");
        w->error_grpc_code = g ? (int)g : 2;   /* never 0: 0 means "no error" */
        w->error_http_code = (int)h;
        w->error_message = strdup(json_is_string(m) ? json_string_value(m) : "watch stream error");
        if (!w->error_message)
            PARSE_FAIL("watch error (out of memory)");
        goto cleanup;
    }
    json_t *r = json_object_get(line, "result");
    if (!json_is_object(r))
        PARSE_FAIL("watch result object");
    if ((code = etcd_json_header(r, &w->header, st)) != ETCD_OK)
        goto cleanup;
    if (etcd_json_int64(r, "watch_id", &w->watch_id) || get_bool(r, "created", &w->created) ||
        get_bool(r, "canceled", &w->canceled) ||
        etcd_json_int64(r, "compact_revision", &w->compact_revision))
        PARSE_FAIL("watch result field (watch_id/created/canceled/compact_revision)");
    json_t *reason = json_object_get(r, "cancel_reason");
    if (json_is_string(reason) && json_string_length(reason) &&
        !(w->cancel_reason = strdup(json_string_value(reason))))
        PARSE_FAIL("cancel_reason (out of memory)");
    json_t *ev = json_object_get(r, "events");
    if (ev && !json_is_null(ev)) {
        if (!json_is_array(ev))
            PARSE_FAIL("watch events (not an array)");
        size_t n = json_array_size(ev);
        if (n && !(w->events = calloc(n, sizeof *w->events)))
            PARSE_FAIL("watch events (out of memory)");
        for (size_t i = 0; i < n; i++) {
            if ((code = event_json(json_array_get(ev, i), &w->events[i], st)) != ETCD_OK)
                goto cleanup;
            w->n_events++;
        }
    }
    /* A progress notification is a bare header: no events, not created/canceled. */
    w->progress = !w->created && !w->canceled && w->n_events == 0;
cleanup:
    if (code != ETCD_OK) {
        etcd_watch_response_free(w);
        return code;
    }
    *out = w;
    return ETCD_OK;
}

etcd_code etcd_json_error(long http_status, const char *body, size_t len, etcd_status *st)
{
    json_error_t jerr = { .text = "empty body" };   /* json_loadb is skipped for an empty body */
    json_t *o = body && len ? json_loadb(body, len, 0, &jerr) : NULL;
    etcd_code code;
    if (st)
        st->http_status = (int)http_status;
    json_t *code_v = o ? json_object_get(o, "code") : NULL;
    json_t *msg = o ? json_object_get(o, "message") : NULL;
    if (!msg || !json_is_string(msg))
        msg = o ? json_object_get(o, "error") : NULL;
    if (json_is_integer(code_v) && json_integer_value(code_v) != 0) {
        code = etcd_set_status(st, ETCD_ERR_GRPC, "etcd error (gRPC code %d, HTTP %ld): %s",
                               (int)json_integer_value(code_v), http_status,
                               json_is_string(msg) ? json_string_value(msg) : "(no message)");
        if (st)
            st->grpc_code = (int)json_integer_value(code_v);
    } else if (http_status != 200) {
        int shown = (int)(len > 120 ? 120 : len);
        code = etcd_set_status(st, ETCD_ERR_HTTP, "etcd answered HTTP %ld: %.*s", http_status, shown,
                               body ? body : "");
    } else {
        int shown = (int)(len > 80 ? 80 : len);
        code = etcd_set_status(st, ETCD_ERR_PARSE, "etcd answered malformed JSON (%s): %.*s",
                               o ? "not the expected object" : jerr.text, shown, body ? body : "");
    }
    json_decref(o);
    return code;
}

/* ---- newline-delimited JSON ------------------------------------------- */

void etcd_ndjson_init(etcd_ndjson *p, size_t max_line)
{
    memset(p, 0, sizeof *p);
    p->max_line = max_line ? max_line : (size_t)64 << 20;
}

static int ndjson_emit(const char *line, size_t len, etcd_ndjson_fn fn, void *ud)
{
    while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
        len--;
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
        i++;
    if (i == len)
        return 0;
    return fn(line + i, len - i, ud);
}

int etcd_ndjson_feed(etcd_ndjson *p, const char *data, size_t n, etcd_ndjson_fn on_line, void *ud)
{
    /* Fast path: nothing buffered, process complete lines in place. The
     * caller's data is not NUL-terminated, so a line is copied only when it
     * is the last partial one. */
    if (p->len + n + 1 > p->cap) {
        size_t cap = p->cap ? p->cap : 4096;
        while (cap < p->len + n + 1)
            cap *= 2;
        char *b = realloc(p->buf, cap);
        if (!b)
            return -1;
        p->buf = b;
        p->cap = cap;
    }
    memcpy(p->buf + p->len, data, n);
    p->len += n;
    size_t start = 0;
    size_t pos = p->scanned;
    int rc = 0;
    for (;;) {
        char *nl = memchr(p->buf + pos, '\n', p->len - pos);
        if (!nl)
            break;
        size_t end = (size_t)(nl - p->buf);
        p->buf[end] = '\0';
        /* Keep the NUL contract even after trimming: the emitter passes a
         * length and the byte at [len] is either '\0' or trailing space. */
        size_t l = end - start;
        while (l && (p->buf[start + l - 1] == '\r' || p->buf[start + l - 1] == ' '))
            p->buf[start + --l] = '\0';
        rc = ndjson_emit(p->buf + start, l, on_line, ud);
        start = end + 1;
        pos = start;
        if (rc)
            break;
    }
    if (start) {
        memmove(p->buf, p->buf + start, p->len - start);
        p->len -= start;
        pos -= start;
    }
    p->scanned = rc ? 0 : p->len;
    if (!rc && p->len > p->max_line)
        return -1;
    return rc;
}

int etcd_ndjson_finish(etcd_ndjson *p, etcd_ndjson_fn on_line, void *ud)
{
    int rc = 0;
    if (p->len) {
        p->buf[p->len] = '\0';
        size_t l = p->len;
        while (l && (p->buf[l - 1] == '\r' || p->buf[l - 1] == ' '))
            p->buf[--l] = '\0';
        rc = ndjson_emit(p->buf, l, on_line, ud);
    }
    p->len = 0;
    p->scanned = 0;
    return rc;
}

void etcd_ndjson_free(etcd_ndjson *p)
{
    free(p->buf);
    memset(p, 0, sizeof *p);
}
