/* etcd_json.h: JSON codecs of etcd's HTTP/JSON gateway (requests built as
 * jansson objects, responses decoded into the structs of etcd_client.h) and
 * the incremental newline-delimited parser of watch streams. Pure logic, no
 * I/O: unit-tested on responses recorded from a real etcd 3.4.23
 * (sim/etcd/tests/data/etcd/).
 *
 * Gateway facts this relies on: byte fields are base64; int64 fields come back
 * as strings (numbers also accepted here); zero values are omitted, so a
 * missing field means 0 / false / empty.
 */
#ifndef GEOKV_ETCD_JSON_H
#define GEOKV_ETCD_JSON_H

#include <jansson.h>

#include "sim/etcd/etcd_client.h"
#include "sim/etcd/etcd_result.h"

/* ---- requests as text ---------------------------------------------------
 * The hot path writes request bodies straight into a buffer (no jansson
 * tree, no escaping needed: every string is base64 or an enum name). The
 * json_t encoders below are these plus json_loadb, so the unit tests of the
 * shapes cover both. Each returns 0, or -1 on OOM / invalid option. */
typedef struct etcd_jw { char *p; size_t len, cap; } etcd_jw;
int etcd_jw_watch_req(etcd_jw *w, const char *key, size_t key_len, const etcd_watch_opts *o);
int etcd_jw_range_req(etcd_jw *w, const char *key, size_t key_len, const etcd_range_opts *o);
int etcd_jw_put_req(etcd_jw *w, const char *key, size_t key_len, const char *val, size_t val_len,
                    const etcd_put_opts *o);
int etcd_jw_delete_req(etcd_jw *w, const char *key, size_t key_len, const etcd_delete_opts *o);
int etcd_jw_txn_req(etcd_jw *w, const etcd_compare *cmp, size_t n_cmp,
                    const etcd_request_op *success, size_t n_success,
                    const etcd_request_op *failure, size_t n_failure);
void etcd_jw_free(etcd_jw *w);

/* ---- requests: new json objects (NULL on OOM or invalid argument) ------ */
json_t *etcd_json_range_req(const char *key, size_t key_len, const etcd_range_opts *o);
json_t *etcd_json_put_req(const char *key, size_t key_len, const char *val, size_t val_len,
                          const etcd_put_opts *o);
json_t *etcd_json_delete_req(const char *key, size_t key_len, const etcd_delete_opts *o);
json_t *etcd_json_txn_req(const etcd_compare *cmp, size_t n_cmp,
                          const etcd_request_op *success, size_t n_success,
                          const etcd_request_op *failure, size_t n_failure);
json_t *etcd_json_watch_req(const char *key, size_t key_len, const etcd_watch_opts *o);
/* Adds base64(data) under name. 0 or -1. */
int etcd_json_set_bytes(json_t *obj, const char *name, const char *data, size_t len);
/* Adds an int64 as a JSON string, as the gateway itself writes them. */
int etcd_json_set_int64(json_t *obj, const char *name, int64_t v);
/* Compact serialization; malloc'd, caller frees. */
char *etcd_json_dump(const json_t *obj, size_t *len);

/* ---- responses --------------------------------------------------------- */
/* Each fills *out (zeroed first) from a decoded response object, or returns
 * ETCD_ERR_PARSE with a message naming the bad field in st. */
etcd_code etcd_json_header(const json_t *resp, etcd_header *out, etcd_status *st);
etcd_code etcd_json_kv(const json_t *kv, etcd_kv *out, etcd_status *st);
etcd_code etcd_json_range_resp(const json_t *resp, etcd_range_result *out, etcd_status *st);
etcd_code etcd_json_put_resp(const json_t *resp, etcd_put_result *out, etcd_status *st);
etcd_code etcd_json_delete_resp(const json_t *resp, etcd_delete_result *out, etcd_status *st);
etcd_code etcd_json_txn_resp(const json_t *resp, etcd_txn_result *out, etcd_status *st);
etcd_code etcd_json_lease_grant_resp(const json_t *resp, int64_t *id, int64_t *ttl, etcd_status *st);
/* {"result":{...,"TTL":"n"}}; no TTL (or TTL <= 0) -> ETCD_ERR_LEASE_LOST. */
etcd_code etcd_json_keepalive_resp(const json_t *resp, int64_t *ttl, etcd_status *st);
etcd_code etcd_json_timetolive_resp(const json_t *resp, etcd_lease_ttl *out, etcd_status *st);
etcd_code etcd_json_status_resp(const json_t *resp, etcd_member_status *out, etcd_status *st);
/* Tree-less fast path (etcd_jfast.c) for the hot responses, from the text.
 * ETCD_ERR_PARSE means "not handled here": decode with jansson instead. */
etcd_code etcd_jfast_range_resp(const char *text, size_t len, etcd_range_result *out);
etcd_code etcd_jfast_put_resp(const char *text, size_t len, etcd_put_result *out);
etcd_code etcd_jfast_delete_resp(const char *text, size_t len, etcd_delete_result *out);
etcd_code etcd_jfast_txn_resp(const char *text, size_t len, etcd_txn_result *out);

/* One line of a watch stream: {"result":{...}} or {"error":{...}}. *out malloc'd. */
etcd_code etcd_json_watch_resp(const json_t *line, etcd_watch_response **out, etcd_status *st);

/* Int64 field that may be a string or a number; missing -> 0. -1 on a bad value. */
int etcd_json_int64(const json_t *obj, const char *name, int64_t *out);
int etcd_json_uint64(const json_t *obj, const char *name, uint64_t *out);

/* Classifies a non-200 (or unparsable 200) unary answer: a gRPC error body
 * {"error":"...","message":"...","code":N} -> ETCD_ERR_GRPC with grpc_code
 * and message; any other non-200 -> ETCD_ERR_HTTP; a 200 body that is not a
 * JSON object -> ETCD_ERR_PARSE. Sets st (may be NULL). */
etcd_code etcd_json_error(long http_status, const char *body, size_t len, etcd_status *st);

/* ---- incremental newline-delimited JSON -------------------------------- */
/* Feed arbitrary chunks; on_line sees each complete line (without the '\n',
 * blank lines skipped), whatever the chunk boundaries. A line is passed in a
 * buffer NUL-terminated at [len]. on_line returning non-zero stops the feed
 * and is returned. max_line (0 -> 64 MiB) bounds memory on a garbage stream. */
typedef int (*etcd_ndjson_fn)(const char *line, size_t len, void *ud);
typedef struct etcd_ndjson {
    char *buf;
    size_t len, cap;
    size_t scanned;     /* bytes of buf already known to hold no '\n' */
    size_t max_line;
} etcd_ndjson;
void etcd_ndjson_init(etcd_ndjson *p, size_t max_line);
int etcd_ndjson_feed(etcd_ndjson *p, const char *data, size_t n, etcd_ndjson_fn on_line, void *ud);
/* End of stream: a last line without '\n' is passed to on_line. */
int etcd_ndjson_finish(etcd_ndjson *p, etcd_ndjson_fn on_line, void *ud);
void etcd_ndjson_free(etcd_ndjson *p);

#endif
