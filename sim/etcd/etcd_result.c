/* etcd_result.c: status helpers and the destructors of the client's result
 * structs (etcd_result.h). */
#include "sim/etcd/etcd_result.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- status ------------------------------------------------------------ */

const char *etcd_code_name(etcd_code code)
{
    switch (code) {
    case ETCD_OK: return "ok";
    case ETCD_ERR_INVAL: return "invalid-argument";
    case ETCD_ERR_NOMEM: return "out-of-memory";
    case ETCD_ERR_CONNECT: return "connect";
    case ETCD_ERR_TIMEOUT: return "timeout";
    case ETCD_ERR_HTTP: return "http";
    case ETCD_ERR_GRPC: return "grpc";
    case ETCD_ERR_PARSE: return "parse";
    case ETCD_ERR_CANCELED: return "canceled";
    case ETCD_ERR_COMPACTED: return "compacted";
    case ETCD_ERR_LEASE_LOST: return "lease-lost";
    case ETCD_ERR_CLOSED: return "closed";
    }
    return "unknown";
}

etcd_code etcd_set_status(etcd_status *st, etcd_code code, const char *fmt, ...)
{
    if (!st)
        return code;
    st->code = code;
    if (code == ETCD_OK) {
        st->message[0] = '\0';
        return code;
    }
    /* vsnprintf into the buffer it reads from is undefined (and with glibc
     * truncates the wrapped message to nothing): format aside, then copy. */
    char msg[sizeof st->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    memcpy(st->message, msg, sizeof msg);
    if (!st->message[0])
        snprintf(st->message, sizeof st->message, "%s", etcd_code_name(code));
    return code;
}

/* ---- key-value results ------------------------------------------------- */

void etcd_kv_free(etcd_kv *kv)
{
    if (!kv)
        return;
    free(kv->key);
    free(kv->value);
    memset(kv, 0, sizeof *kv);
}

static void kvs_free(etcd_kv *kvs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        etcd_kv_free(&kvs[i]);
    free(kvs);
}

void etcd_range_result_free(etcd_range_result *r)
{
    if (!r)
        return;
    kvs_free(r->kvs, r->n_kvs);
    memset(r, 0, sizeof *r);
}

void etcd_put_result_free(etcd_put_result *r)
{
    if (!r)
        return;
    etcd_kv_free(&r->prev_kv);
    memset(r, 0, sizeof *r);
}

void etcd_delete_result_free(etcd_delete_result *r)
{
    if (!r)
        return;
    kvs_free(r->prev_kvs, r->n_prev_kvs);
    memset(r, 0, sizeof *r);
}

void etcd_txn_result_free(etcd_txn_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_responses; i++) {
        etcd_range_result_free(&r->responses[i].range);
        etcd_put_result_free(&r->responses[i].put);
        etcd_delete_result_free(&r->responses[i].del);
    }
    free(r->responses);
    memset(r, 0, sizeof *r);
}

/* ---- lease and watch results ------------------------------------------- */

void etcd_lease_ttl_free(etcd_lease_ttl *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_keys; i++)
        free(t->keys[i]);
    free(t->keys);
    free(t->key_lens);
    memset(t, 0, sizeof *t);
}

void etcd_watch_response_free(etcd_watch_response *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_events; i++) {
        etcd_kv_free(&r->events[i].kv);
        etcd_kv_free(&r->events[i].prev_kv);
    }
    free(r->events);
    free(r->cancel_reason);
    free(r->error_message);
    free(r);
}
