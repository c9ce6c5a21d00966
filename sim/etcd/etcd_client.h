/* etcd_client.h: an etcd v3 client over etcd's HTTP/JSON gateway (libcurl +
 * jansson). Semantics follow etcd's (see ../shared/reference/etcd-http-api.md).
 *
 * Conventions
 * - Every call returns an etcd_code; ETCD_OK is 0. When `st` is not NULL it
 *   receives the details (gRPC code and message for server errors, HTTP
 *   status, which endpoint). Nothing here aborts or exits.
 * - Keys, values and range ends are byte strings: pointer + length, may hold
 *   any byte including 0x00 and 0xff. Results own their memory; free them with
 *   the matching *_free function (safe on a zeroed struct).
 * - An etcd_client is thread-safe: any number of threads may call it at once.
 *   Every request has a timeout (etcd_client_config.request_timeout_ms): no
 *   call blocks forever.
 * - Accounting (bytes on the wire each way, headers and bodies, watch streams
 *   included; operation counts by type) is per client and readable at any time.
 *   Bytes are exact: the built-in transport counts what it writes to and reads
 *   from its sockets; the CURL transport reads the kernel's per-socket byte
 *   counters (TCP_INFO) after each transfer and when libcurl closes a socket;
 *   watch streams and keepalives are counted in CURLOPT_DEBUGFUNCTION
 *   (HEADER/DATA IN/OUT, raw, chunk framing and trailers included). All three
 *   are checked equal to the WAN emulator's count of the same connections.
 * - Threads: each client starts one background thread on first use of a
 *   session or a watch; it drives every watch stream and every session
 *   keepalive of that client (curl multi). Unary calls run on the caller's
 *   thread over a shared pool of kept-alive connections.
 */
#ifndef GEOKV_ETCD_CLIENT_H
#define GEOKV_ETCD_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- status ------------------------------------------------------------ */

typedef enum etcd_code {
    ETCD_OK = 0,
    ETCD_ERR_INVAL,      /* bad argument from the caller */
    ETCD_ERR_NOMEM,
    ETCD_ERR_CONNECT,    /* no endpoint accepted a connection */
    ETCD_ERR_TIMEOUT,    /* request timeout elapsed */
    ETCD_ERR_HTTP,       /* HTTP error without a gRPC error body */
    ETCD_ERR_GRPC,       /* server answered a gRPC error: see grpc_code */
    ETCD_ERR_PARSE,      /* malformed JSON or unexpected shape */
    ETCD_ERR_CANCELED,   /* watch/lock canceled (by the caller or the server) */
    ETCD_ERR_COMPACTED,  /* watch start revision compacted: compact_revision set */
    ETCD_ERR_LEASE_LOST, /* the lease (session) expired or was revoked */
    ETCD_ERR_CLOSED,     /* object already closed */
} etcd_code;

typedef struct etcd_status {
    etcd_code code;
    int grpc_code;        /* gRPC status code when code == ETCD_ERR_GRPC, else 0 */
    int http_status;      /* last HTTP status seen, 0 if none */
    int endpoint;         /* index of the endpoint that answered (or failed last), -1 if none */
    char message[256];    /* human-readable, never empty when code != ETCD_OK */
    int repeats;          /* times the call was sent again after a lost answer (etcd_retry.h): when
                             > 0, the answer is the repeat's (e.g. the other branch of a txn) */
} etcd_status;

const char *etcd_code_name(etcd_code code);   /* "ETCD_ERR_TIMEOUT" -> "timeout" etc. */

/* ---- client ------------------------------------------------------------ */

typedef enum etcd_policy {
    ETCD_POLICY_ROUND_ROBIN = 0, /* unary requests rotate over endpoints (clientv3 3.5) */
    ETCD_POLICY_PINNED,          /* always `pinned`, others only on failure */
    ETCD_POLICY_NEAREST,         /* lowest `endpoint_rtt_ms` first, others on failure */
} etcd_policy;

const char *etcd_policy_name(etcd_policy p);          /* "round-robin", "pinned", "nearest" */
int etcd_policy_parse(const char *s, etcd_policy *out); /* 0 on success, -1 unknown */

/* Transport of unary requests. Watch streams and session keepalives always
 * run on libcurl's multi interface. NATIVE (the default) is a minimal
 * HTTP/1.1 client over pooled kept-alive sockets (etcd_transport_native.c:
 * Content-Length and chunked bodies, exactly what etcd's gateway speaks).
 * CURL uses pooled libcurl easy handles (etcd_transport_curl.c). Both give
 * the same answers, errors, failover and byte counts (tested); NATIVE is the
 * default because the harness's CPU per request must stay under 30 us, and
 * one libcurl easy transfer costs about five times the instructions of a
 * whole built-in request (callgrind; README, "The etcd client's CPU").
 * A value is a position in the client's list of transports (etcd_transport.c,
 * where adding one takes a line); the enum names the built-in two, any other
 * is found by name. A value outside the list means NATIVE. */
typedef enum etcd_transport {
    ETCD_TRANSPORT_NATIVE = 0,
    ETCD_TRANSPORT_CURL,
} etcd_transport;

const char *etcd_transport_name(etcd_transport t);             /* "native", "curl" */
int etcd_transport_parse(const char *s, etcd_transport *out);   /* 0 on success, -1 unknown */
int etcd_transport_count(void);                                 /* transports are 0 .. count - 1 */
/* Every transport's name, joined by sep (", " gives "native, curl"), into out
 * (NUL-terminated, cut to len); returns the untruncated length, as snprintf. */
size_t etcd_transport_list(char *out, size_t len, const char *sep);

/* Security of a client towards a secured cluster (all strings copied; NULL
 * or "" = not used). https:// endpoints are verified against cacert (else
 * the system's CAs) and present cert/key when given (etcd's
 * --client-cert-auth). With user, the client authenticates once when it is
 * created (POST /v3/auth/authenticate {name, password}) and sends the token
 * as "Authorization: <token>" on every request, watches and keepalives
 * included; a unary request or a watch start answered "invalid auth token"
 * (the token expired) authenticates again and is sent once more. (etcd 3.4
 * does not check the token of a lease keepalive.) A watch refused for
 * "permission denied" fails to start (it is not delivered created and then
 * canceled). TLS and
 * authentication need the curl transport: the built-in one speaks plain
 * HTTP only, and etcd_client_new refuses it with either. */
typedef struct etcd_security {
    const char *cacert, *cert, *key;   /* PEM files */
    const char *user, *password;
} etcd_security;

typedef struct etcd_client_config {
    const char *const *endpoints; /* "http://127.0.0.1:2379" or "https://...", ... (copied) */
    size_t n_endpoints;
    etcd_policy policy;
    size_t pinned;                /* ETCD_POLICY_PINNED: index into endpoints */
    const double *endpoint_rtt_ms;/* ETCD_POLICY_NEAREST: one per endpoint (copied); may be NULL */
    int watch_endpoint;           /* endpoint for watches; -1: chosen per watch like a unary request */
    int request_timeout_ms;       /* per unary request, all retries included; 0 -> 10000 */
    int connect_timeout_ms;       /* 0 -> 2000 */
    int max_attempts;             /* endpoints tried on refused/503; 0 -> 2 * n_endpoints */
    int backoff_max_ms;           /* bounded exponential backoff between attempts; 0 -> 200 */
    int retry_budget;             /* repeats of a call whose answer was lost, when its rule allows
                                     (sim/etcd/etcd_retry.h); 0 -> 2, < 0 -> none */
    int attempt_timeout_ms;       /* per attempt of a call that may be repeated or read back;
                                     0 -> request_timeout_ms / (retry_budget + 1) */
    etcd_transport transport;     /* unary requests: built-in HTTP/1.1 (default) or libcurl */
    const etcd_security *security;/* NULL: plain HTTP, no authentication */
} etcd_client_config;

typedef struct etcd_client etcd_client;

etcd_code etcd_client_new(const etcd_client_config *cfg, etcd_client **out, etcd_status *st);
/* NULL-safe. Stop watches and close sessions first; any left are stopped and
 * freed here (their pointers become invalid; sessions are abandoned, not
 * revoked). */
void etcd_client_free(etcd_client *c);

/* ---- accounting -------------------------------------------------------- */

typedef enum etcd_optype {
    ETCD_OP_T_RANGE = 0, ETCD_OP_T_PUT, ETCD_OP_T_DELETE, ETCD_OP_T_TXN,
    ETCD_OP_T_LEASE_GRANT, ETCD_OP_T_LEASE_KEEPALIVE, ETCD_OP_T_LEASE_REVOKE,
    ETCD_OP_T_LEASE_TTL, ETCD_OP_T_WATCH, ETCD_OP_T_LOCK, ETCD_OP_T_UNLOCK,
    ETCD_OP_T_COMPACT, ETCD_OP_T_MAINTENANCE,
    ETCD_OP_T_COUNT
} etcd_optype;

const char *etcd_optype_name(etcd_optype t);  /* "range", "put", "txn", ... */

typedef struct etcd_stats {
    uint64_t bytes_sent;        /* request line + headers + bodies, all attempts */
    uint64_t bytes_received;    /* status line + headers + bodies, watch streams included */
    uint64_t ops[ETCD_OP_T_COUNT]; /* requests sent by type (attempts, not calls) */
    uint64_t errors;            /* calls that returned != ETCD_OK */
    uint64_t retries;           /* extra attempts: on another endpoint, or after a lost answer */
    uint64_t timeout_retries;   /* of which after a lost answer, the call's rule allowing it */
    uint64_t readbacks;         /* lost answers reconciled by reading back (etcd_retry.h) */
    uint64_t watch_events;      /* events delivered to watch callbacks */
} etcd_stats;

void etcd_client_stats(etcd_client *c, etcd_stats *out);
void etcd_stats_add(etcd_stats *acc, const etcd_stats *s);

/* ---- key-value --------------------------------------------------------- */

typedef struct etcd_header {
    uint64_t cluster_id, member_id;
    int64_t revision;
    uint64_t raft_term;
} etcd_header;

typedef struct etcd_kv {
    char *key;   size_t key_len;     /* NUL-terminated too, for convenience */
    char *value; size_t value_len;   /* NUL-terminated too */
    int64_t create_revision, mod_revision, version, lease;
} etcd_kv;

typedef enum { ETCD_SORT_NONE = 0, ETCD_SORT_ASCEND, ETCD_SORT_DESCEND } etcd_sort_order;
typedef enum { ETCD_SORT_KEY = 0, ETCD_SORT_VERSION, ETCD_SORT_CREATE, ETCD_SORT_MOD,
               ETCD_SORT_VALUE } etcd_sort_target;

/* A range is [key, range_end). prefix=true computes range_end as etcd's
 * GetPrefixRangeEnd; range_end set explicitly wins over prefix. */
typedef struct etcd_range_opts {
    bool prefix;
    const char *range_end; size_t range_end_len;
    int64_t limit, revision;
    bool serializable, keys_only, count_only;
    etcd_sort_order sort_order;
    etcd_sort_target sort_target;
    int64_t min_mod_revision, max_mod_revision, min_create_revision, max_create_revision;
} etcd_range_opts;

typedef struct etcd_range_result {
    etcd_header header;
    etcd_kv *kvs; size_t n_kvs;
    int64_t count;
    bool more;
} etcd_range_result;

/* retry_safe (put, delete): the caller is the key's only writer, so a repeat
 * after a lost answer leaves the store as one call would (etcd_retry.h). */
typedef struct etcd_put_opts { int64_t lease; bool prev_kv; bool ignore_value, ignore_lease; bool retry_safe; } etcd_put_opts;
typedef struct etcd_put_result { etcd_header header; bool has_prev_kv; etcd_kv prev_kv; } etcd_put_result;

typedef struct etcd_delete_opts { bool prefix; const char *range_end; size_t range_end_len; bool prev_kv; bool retry_safe; } etcd_delete_opts;
typedef struct etcd_delete_result { etcd_header header; int64_t deleted; etcd_kv *prev_kvs; size_t n_prev_kvs; } etcd_delete_result;

/* opts may be NULL (defaults); out may be NULL when the caller wants only the status. */
etcd_code etcd_range(etcd_client *c, const char *key, size_t key_len, const etcd_range_opts *opts,
                     etcd_range_result *out, etcd_status *st);
etcd_code etcd_put(etcd_client *c, const char *key, size_t key_len, const char *val, size_t val_len,
                   const etcd_put_opts *opts, etcd_put_result *out, etcd_status *st);
etcd_code etcd_delete(etcd_client *c, const char *key, size_t key_len, const etcd_delete_opts *opts,
                      etcd_delete_result *out, etcd_status *st);

void etcd_kv_free(etcd_kv *kv);
void etcd_range_result_free(etcd_range_result *r);
void etcd_put_result_free(etcd_put_result *r);
void etcd_delete_result_free(etcd_delete_result *r);

/* Prefix range end per etcd: increment the last byte below 0xff and cut after
 * it; an all-0xff (or empty) key gives "\0" (everything from key on).
 * Writes at most max(key_len, 1) bytes to out; returns the length. */
size_t etcd_prefix_range_end(const char *key, size_t key_len, char *out);

/* ---- transactions ------------------------------------------------------ */

typedef enum { ETCD_CMP_VERSION = 0, ETCD_CMP_CREATE, ETCD_CMP_MOD, ETCD_CMP_VALUE, ETCD_CMP_LEASE } etcd_cmp_target;
typedef enum { ETCD_CMP_EQUAL = 0, ETCD_CMP_GREATER, ETCD_CMP_LESS, ETCD_CMP_NOT_EQUAL } etcd_cmp_result;

typedef struct etcd_compare {
    etcd_cmp_target target;
    etcd_cmp_result result;
    const char *key; size_t key_len;
    const char *range_end; size_t range_end_len; /* optional */
    int64_t number;                  /* VERSION, CREATE, MOD, LEASE */
    const char *value; size_t value_len; /* VALUE */
} etcd_compare;

typedef enum { ETCD_REQ_RANGE = 0, ETCD_REQ_PUT, ETCD_REQ_DELETE } etcd_req_type;

typedef struct etcd_request_op {
    etcd_req_type type;
    const char *key; size_t key_len;
    const char *value; size_t value_len; /* PUT */
    etcd_range_opts range;   /* RANGE */
    etcd_put_opts put;       /* PUT */
    etcd_delete_opts del;    /* DELETE */
} etcd_request_op;

typedef struct etcd_response_op {
    etcd_req_type type;
    etcd_range_result range;   /* header carries only revision, as etcd sends */
    etcd_put_result put;
    etcd_delete_result del;
} etcd_response_op;

typedef struct etcd_txn_result {
    etcd_header header;
    bool succeeded;
    etcd_response_op *responses; size_t n_responses;
} etcd_txn_result;

etcd_code etcd_txn(etcd_client *c,
                   const etcd_compare *cmp, size_t n_cmp,
                   const etcd_request_op *success, size_t n_success,
                   const etcd_request_op *failure, size_t n_failure,
                   etcd_txn_result *out, etcd_status *st);
/* The same, but repeated after a lost answer when etcd_txn_repeat_safe
 * holds (etcd_retry.h): the caller accepts the repeat's answer, which is
 * the other branch when the first was applied (st->repeats > 0 says so). */
etcd_code etcd_txn_retryable(etcd_client *c,
                             const etcd_compare *cmp, size_t n_cmp,
                             const etcd_request_op *success, size_t n_success,
                             const etcd_request_op *failure, size_t n_failure,
                             etcd_txn_result *out, etcd_status *st);
void etcd_txn_result_free(etcd_txn_result *r);

/* ---- leases and sessions ---------------------------------------------- */

etcd_code etcd_lease_grant(etcd_client *c, int64_t ttl_s, int64_t id /* 0: server picks */,
                           int64_t *out_id, int64_t *out_ttl, etcd_status *st);
/* One keepalive round trip. A lease that no longer exists gives ETCD_ERR_LEASE_LOST. */
/* (etcd_lease_revoke of an unknown lease: ETCD_ERR_GRPC, grpc_code 5, HTTP 404.) */
etcd_code etcd_lease_keepalive(etcd_client *c, int64_t id, int64_t *out_ttl, etcd_status *st);
etcd_code etcd_lease_revoke(etcd_client *c, int64_t id, etcd_status *st);
typedef struct etcd_lease_ttl {
    int64_t ttl;          /* -1 when the lease does not exist */
    int64_t granted_ttl;
    char **keys; size_t n_keys; size_t *key_lens;
} etcd_lease_ttl;
etcd_code etcd_lease_timetolive(etcd_client *c, int64_t id, bool keys, etcd_lease_ttl *out, etcd_status *st);
void etcd_lease_ttl_free(etcd_lease_ttl *t);

/* A session is a lease kept alive every TTL/3 by the client's background
 * thread (at most 32 keepalives in flight per client, each a POST to the
 * next endpoint by policy; a failed one is retried on the next endpoint with
 * a bounded backoff). When a keepalive finds the lease gone, or keepalives
 * keep failing until the TTL has passed, the session is lost: on_lost is
 * called once, from the background thread (it must not block; it may call
 * etcd_session_close). */
typedef struct etcd_session etcd_session;
typedef void (*etcd_session_lost_fn)(etcd_session *s, void *ud);

etcd_code etcd_session_new(etcd_client *c, int64_t ttl_s, etcd_session_lost_fn on_lost, void *ud,
                           etcd_session **out, etcd_status *st);
int64_t etcd_session_lease(const etcd_session *s);
bool etcd_session_alive(const etcd_session *s);
etcd_client *etcd_session_client(const etcd_session *s);
/* Stop keepalives, revoke the lease (best effort), free. NULL-safe. */
void etcd_session_close(etcd_session *s);
/* Stop keepalives without revoking: the lease expires after its TTL (used to
 * simulate a frozen or crashed holder). Frees the session. */
void etcd_session_abandon(etcd_session *s);

/* ---- watch ------------------------------------------------------------- */

typedef enum { ETCD_EVENT_PUT = 0, ETCD_EVENT_DELETE } etcd_event_type;

typedef struct etcd_event {
    etcd_event_type type;
    etcd_kv kv;
    bool has_prev_kv;
    etcd_kv prev_kv;
} etcd_event;

typedef struct etcd_watch_response {
    etcd_header header;
    int64_t watch_id;
    bool created;
    bool canceled;
    int64_t compact_revision;    /* set when canceled because of compaction */
    char *cancel_reason;         /* may be NULL */
    bool progress;               /* progress notification (no events, header only) */
    /* mid-stream error {"error":{grpc_code,http_code,message}}: error_code != 0 */
    int error_grpc_code, error_http_code;
    char *error_message;
    etcd_event *events; size_t n_events;
} etcd_watch_response;

void etcd_watch_response_free(etcd_watch_response *r);   /* frees r itself too */

typedef struct etcd_watch_opts {
    bool prefix;
    const char *range_end; size_t range_end_len;
    int64_t start_revision;       /* 0: from now */
    bool prev_kv;
    bool progress_notify;
    bool no_put, no_delete;       /* filters */
} etcd_watch_opts;

/* Called once per response, in stream order, never concurrently for one watch.
 * The callback receives ownership of `resp` (free it with
 * etcd_watch_response_free). It may run on a thread shared with other watches:
 * it must not block; queue the work for your own thread. */
typedef void (*etcd_watch_fn)(etcd_watch_response *resp, void *ud);
/* Called once when the stream ends for any reason other than etcd_watch_stop
 * (connection lost, server closed it, HTTP error). May run on the shared
 * thread. `st` describes why: ETCD_ERR_CONNECT/_TIMEOUT (transport),
 * _GRPC (mid-stream error such as 14 "no leader"), _COMPACTED/_CANCELED
 * (canceled watch), _HTTP (non-200 answer), _PARSE (garbage on the stream),
 * _CLOSED (the server ended the stream). `st` is valid during the call only. */
typedef void (*etcd_watch_end_fn)(const etcd_status *st, void *ud);

typedef struct etcd_watch etcd_watch;

/* Opens one HTTP/1.1 stream (one connection) with header
 * Grpc-Metadata-hasleader: true, and returns once the server has answered
 * `created` (delivered to the callback first) or failed. *out is already set
 * when the first callback runs (callbacks may run before this returns);
 * NULL on failure, and then no callback has run. */
etcd_code etcd_watch_start(etcd_client *c, const char *key, size_t key_len, const etcd_watch_opts *opts,
                           etcd_watch_fn on_resp, etcd_watch_end_fn on_end, void *ud,
                           etcd_watch **out, etcd_status *st);
/* Cancel by closing the connection, and free w: call it once for every
 * started watch, also after on_end. After it returns no callback runs for
 * this watch. NULL-safe. Must not be called from this watch's own on_resp
 * (on_end, or another watch's callback, is fine).
 * etcd_watch_start itself must not be called from a callback (it would wait
 * for the thread it runs on): it returns ETCD_ERR_INVAL there.
 * On a canceled response (compaction: compact_revision set) the stream is
 * closed and on_end follows with ETCD_ERR_COMPACTED (or _CANCELED). */
void etcd_watch_stop(etcd_watch *w);

/* ---- mutex (clientv3 concurrency.Mutex, client side) ------------------- */

typedef struct etcd_mutex etcd_mutex;

/* prefix: e.g. "/registry/cloud-adaptive-network/distributed-lock/peer/c1";
 * the lock key is prefix + "/" + lease id in lower-case hex. */
etcd_code etcd_mutex_new(etcd_session *s, const char *prefix, etcd_mutex **out, etcd_status *st);
/* txn put-if-absent + owner range; if not the owner, wait (watch) for the
 * deletion of the key with the largest create revision below ours, repeat.
 * timeout_ms <= 0: wait as long as the session lives. On failure (timeout,
 * session lost) our key is deleted, as clientv3 does. */
etcd_code etcd_mutex_lock(etcd_mutex *m, int timeout_ms, etcd_status *st);
etcd_code etcd_mutex_unlock(etcd_mutex *m, etcd_status *st);
const char *etcd_mutex_key(const etcd_mutex *m);
int64_t etcd_mutex_revision(const etcd_mutex *m);   /* create revision of our key */
/* On: after a wait, range our own key as clientv3 v3.5 does (one more
 * request; a vanished key fails the lock with ETCD_ERR_LEASE_LOST). Default off. */
void etcd_mutex_set_get_after_wait(etcd_mutex *m, bool on);
void etcd_mutex_free(etcd_mutex *m);

/* Server-side lock API (/v3/lock): blocks until held or timeout_ms
 * (<= 0: the client's request timeout); *out_key (malloc'd) is the held key
 * to pass to etcd_unlock_server. On a timeout etcd keeps the waiter's key
 * until its lease ends: revoke the lease (or let it expire). */
etcd_code etcd_lock_server(etcd_client *c, const char *name, int64_t lease, int timeout_ms,
                           char **out_key, size_t *out_key_len, etcd_status *st);
etcd_code etcd_unlock_server(etcd_client *c, const char *key, size_t key_len, etcd_status *st);

/* ---- maintenance (one endpoint at a time) ----------------------------- */

typedef struct etcd_member_status {
    uint64_t member_id, leader_id;
    int64_t db_size, db_size_in_use;
    uint64_t raft_term, raft_index;
    char version[32];
} etcd_member_status;

etcd_code etcd_status_get(etcd_client *c, int endpoint, etcd_member_status *out, etcd_status *st);
etcd_code etcd_compact(etcd_client *c, int64_t revision, bool physical, etcd_status *st);
etcd_code etcd_defragment(etcd_client *c, int endpoint, etcd_status *st);
/* Send to the current leader's endpoint. */
etcd_code etcd_move_leader(etcd_client *c, int endpoint, uint64_t target_member_id, etcd_status *st);

/* GET any URL with the client's timeouts (for /metrics, /health). *out is
 * malloc'd and NUL-terminated. Not counted in the client's accounting. */
etcd_code etcd_http_get(const char *url, int timeout_ms, char **out, size_t *out_len, etcd_status *st);
/* Same over TLS with sec's CA and client certificate (its user is not used:
 * /metrics and /health need no token). sec NULL: etcd_http_get. */
etcd_code etcd_http_get_secure(const char *url, const etcd_security *sec, int timeout_ms, char **out,
                               size_t *out_len, etcd_status *st);

#endif
