/* etcd_kv.c: range, put, delete range and txn. */
#include "sim/etcd/etcd_internal.h"

#include <stdlib.h>
#include <string.h>

/* Hot path: body text decoded by the tree-less reader; anything it does not
 * handle goes through jansson, which also produces the precise error. */
typedef enum { RESP_RANGE, RESP_PUT, RESP_DELETE, RESP_TXN } resp_kind;

static etcd_code call_fast(etcd_client *c, etcd_optype op, etcd_retry_rule rule, const char *path, etcd_jw *w,
                           int rc, resp_kind kind, void *out, etcd_status *st)
{
    etcd_code code;
    etcd_buf *text = NULL;
    if (rc != 0) {
        etcd_jw_free(w);
        return etcd_set_status(st, ETCD_ERR_INVAL, "%s: invalid option (or out of memory) encoding the request", path);
    }
    code = etcd_call_text(c, op, rule, path, w->p, w->len, &text, st);
    etcd_jw_free(w);
    if (code != ETCD_OK)
        return code;
    switch (kind) {
    case RESP_RANGE: code = etcd_jfast_range_resp(text->p, text->len, out); break;
    case RESP_PUT: code = etcd_jfast_put_resp(text->p, text->len, out); break;
    case RESP_DELETE: code = etcd_jfast_delete_resp(text->p, text->len, out); break;
    case RESP_TXN: code = etcd_jfast_txn_resp(text->p, text->len, out); break;
    }
    if (code == ETCD_OK)
        return ETCD_OK;
    json_error_t jerr;
    json_t *j = json_loadb(text->p, text->len, 0, &jerr);
    if (!j || !json_is_object(j)) {
        json_decref(j);
        return etcd_json_error(200, text->p, text->len, st);
    }
    switch (kind) {
    case RESP_RANGE: code = etcd_json_range_resp(j, out, st); break;
    case RESP_PUT: code = etcd_json_put_resp(j, out, st); break;
    case RESP_DELETE: code = etcd_json_delete_resp(j, out, st); break;
    case RESP_TXN: code = etcd_json_txn_resp(j, out, st); break;
    }
    json_decref(j);
    return code;
}

static etcd_code check_key(etcd_client *c, const char *key, size_t key_len, etcd_status *st)
{
    if (st) {
        memset(st, 0, sizeof *st);
        st->endpoint = -1;
    }
    if (!c)
        return etcd_set_status(st, ETCD_ERR_INVAL, "etcd client is NULL");
    if (!key || !key_len)
        return etcd_set_status(st, ETCD_ERR_INVAL, "etcd key is empty");
    return ETCD_OK;
}

etcd_code etcd_range(etcd_client *c, const char *key, size_t key_len, const etcd_range_opts *opts,
                     etcd_range_result *out, etcd_status *st)
{
    etcd_range_result tmp;
    etcd_jw w = { 0 };
    etcd_code code = check_key(c, key, key_len, st);
    if (out)
        memset(out, 0, sizeof *out);
    if (code != ETCD_OK)
        return etcd_count_error(c, code);
    code = call_fast(c, ETCD_OP_T_RANGE, etcd_retry_rule_of(ETCD_OP_T_RANGE, false), "/v3/kv/range", &w, etcd_jw_range_req(&w, key, key_len, opts), RESP_RANGE,
                     out ? out : &tmp, st);
    if (!out && code == ETCD_OK)
        etcd_range_result_free(&tmp);
    return etcd_count_error(c, code);
}

etcd_code etcd_put(etcd_client *c, const char *key, size_t key_len, const char *val, size_t val_len,
                   const etcd_put_opts *opts, etcd_put_result *out, etcd_status *st)
{
    etcd_put_result tmp;
    etcd_jw w = { 0 };
    etcd_code code = check_key(c, key, key_len, st);
    if (out)
        memset(out, 0, sizeof *out);
    if (code == ETCD_OK && val_len && !val)
        code = etcd_set_status(st, ETCD_ERR_INVAL, "etcd_put: value is NULL with length %zu", val_len);
    if (code != ETCD_OK)
        return etcd_count_error(c, code);
    code = call_fast(c, ETCD_OP_T_PUT, etcd_retry_rule_of(ETCD_OP_T_PUT, opts && opts->retry_safe), "/v3/kv/put", &w,
                     etcd_jw_put_req(&w, key, key_len, val, val_len, opts),
                     RESP_PUT, out ? out : &tmp, st);
    if (!out && code == ETCD_OK)
        etcd_put_result_free(&tmp);
    return etcd_count_error(c, code);
}

etcd_code etcd_delete(etcd_client *c, const char *key, size_t key_len, const etcd_delete_opts *opts,
                      etcd_delete_result *out, etcd_status *st)
{
    etcd_delete_result tmp;
    etcd_jw w = { 0 };
    etcd_code code = check_key(c, key, key_len, st);
    if (out)
        memset(out, 0, sizeof *out);
    if (code != ETCD_OK)
        return etcd_count_error(c, code);
    code = call_fast(c, ETCD_OP_T_DELETE, etcd_retry_rule_of(ETCD_OP_T_DELETE, opts && opts->retry_safe),
                     "/v3/kv/deleterange", &w, etcd_jw_delete_req(&w, key, key_len, opts),
                     RESP_DELETE, out ? out : &tmp, st);
    if (!out && code == ETCD_OK)
        etcd_delete_result_free(&tmp);
    return etcd_count_error(c, code);
}

static etcd_code txn_call(etcd_client *c, etcd_retry_rule rule, const etcd_compare *cmp, size_t n_cmp,
                          const etcd_request_op *success, size_t n_success, const etcd_request_op *failure,
                          size_t n_failure, etcd_txn_result *out, etcd_status *st)
{
    etcd_txn_result tmp;
    if (st) {
        memset(st, 0, sizeof *st);
        st->endpoint = -1;
    }
    if (out)
        memset(out, 0, sizeof *out);
    if (!c || (n_cmp && !cmp) || (n_success && !success) || (n_failure && !failure))
        return etcd_count_error(c, etcd_set_status(st, ETCD_ERR_INVAL, "etcd_txn: NULL client or operation array"));
    etcd_jw w = { 0 };
    etcd_code code = call_fast(c, ETCD_OP_T_TXN, rule, "/v3/kv/txn", &w,
                               etcd_jw_txn_req(&w, cmp, n_cmp, success, n_success, failure, n_failure), RESP_TXN,
                               out ? out : &tmp, st);
    if (!out && code == ETCD_OK)
        etcd_txn_result_free(&tmp);
    return etcd_count_error(c, code);
}

etcd_code etcd_txn(etcd_client *c,
                   const etcd_compare *cmp, size_t n_cmp,
                   const etcd_request_op *success, size_t n_success,
                   const etcd_request_op *failure, size_t n_failure,
                   etcd_txn_result *out, etcd_status *st)
{
    return txn_call(c, etcd_retry_rule_of(ETCD_OP_T_TXN, false), cmp, n_cmp, success, n_success, failure,
                    n_failure, out, st);
}

etcd_code etcd_txn_retryable(etcd_client *c,
                             const etcd_compare *cmp, size_t n_cmp,
                             const etcd_request_op *success, size_t n_success,
                             const etcd_request_op *failure, size_t n_failure,
                             etcd_txn_result *out, etcd_status *st)
{
    bool safe = (!n_cmp || cmp) && (!n_success || success) && (!n_failure || failure) &&
                etcd_txn_repeat_safe(cmp, n_cmp, success, n_success, failure, n_failure);
    return txn_call(c, etcd_retry_rule_of(ETCD_OP_T_TXN, safe), cmp, n_cmp, success, n_success, failure,
                    n_failure, out, st);
}
