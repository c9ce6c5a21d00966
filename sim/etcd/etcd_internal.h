/* etcd_internal.h: what the etcd_*.c files share (not for other modules).
 *
 * The files call one another only downwards, in this order:
 *   etcd_result.c        status, destructors of the result structs
 *   etcd_base64.c, etcd_json.c, etcd_jfast.c, etcd_http.c
 *                        codecs: JSON gateway bodies, HTTP/1.1 framing, buffers
 *   etcd_wire.c, etcd_transport_native.c, etcd_transport_curl.c, etcd_transport.c
 *                        unary transports and their list (etcd_transport.h)
 *   etcd_call.c, etcd_auth.c   unary calls: endpoint policy, failover, decoding;
 *                        TLS options, authentication and its token (renewed
 *                        from etcd_call.c when it expired)
 *   etcd_watch.c         the background thread: watch streams, keepalives
 *   etcd_kv.c, etcd_lease.c, etcd_maint.c, then etcd_mutex.c   the API calls
 *   etcd_client.c        the client object, which opens and closes the rest
 * etcd_call.c reaches the transport only through c->transport.
 */
#ifndef GEOKV_ETCD_INTERNAL_H
#define GEOKV_ETCD_INTERNAL_H

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

#include "sim/etcd/etcd_client.h"
#include "sim/etcd/etcd_json.h"
#include "sim/etcd/etcd_retry.h"
#include "sim/util/util_clock.h"

#define ETCD_KA_INFLIGHT_MAX 32    /* concurrent keepalive requests per client */

typedef struct etcd_bg etcd_bg;
typedef struct etcd_transport_ops etcd_transport_ops;   /* etcd_transport.h */

typedef struct etcd_buf { char *p; size_t len, cap; } etcd_buf;

struct etcd_client {
    char **endpoints;
    size_t n_endpoints;
    etcd_policy policy;
    size_t pinned;
    size_t *order;                 /* NEAREST: endpoints by rtt; else identity */
    int watch_endpoint;
    int request_timeout_ms, connect_timeout_ms, max_attempts, backoff_max_ms;
    int retry_budget, attempt_timeout_ms;   /* repeats after a lost answer (etcd_retry.h) */

    atomic_uint_fast64_t rr;       /* round-robin cursor */

    struct curl_slist *headers;        /* Content-Type + empty Expect: (+ Authorization: token) */
    struct curl_slist *watch_headers;  /* + Grpc-Metadata-hasleader: true */
    /* Security (etcd_auth.c): TLS files and credentials, copied; the token's
     * header lists above are replaced under auth_mu when it is renewed, the
     * old ones kept (handles may still point at them) until the client goes. */
    char *cacert, *cert, *key, *user, *password;
    struct curl_slist *plain_headers;  /* without a token: authenticate sends these */
    bool tls;                          /* the endpoints are https:// */
    pthread_mutex_t auth_mu;
    struct curl_slist **retired;
    size_t n_retired;

    /* accounting */
    atomic_uint_fast64_t bytes_sent, bytes_received, errors, retries, watch_events;
    atomic_uint_fast64_t timeout_retries, readbacks;
    atomic_uint_fast64_t ops[ETCD_OP_T_COUNT];

    /* unary requests: the transport's operations and its state (its open/close) */
    const etcd_transport_ops *transport;
    void *transport_state;

    /* background thread (watch streams + session keepalives), started lazily */
    pthread_mutex_t bg_mu;
    etcd_bg *bg;
};

/* Deadlines are signed nanoseconds of the project's clock (util_now_ns_i64). */

/* libcurl (etcd_transport_curl.c). curl_global_init, once per process;
 * returns its result. */
CURLcode etcd_curl_init(void);
/* Sets the accounting callbacks (CURLOPT_DEBUGFUNCTION) and the common
 * options on a fresh easy handle. */
CURLcode etcd_easy_setup(etcd_client *c, CURL *h);

/* Byte accounting of a unary libcurl handle from TCP_INFO (etcd_wire.c):
 * the sockets libcurl opened for it and what each had moved when last read. */
#define ETCD_WIRE_SOCKS 8   /* libcurl's per-handle connection cache keeps 5 */
typedef struct etcd_wire_sock { int fd; uint64_t sent, received; } etcd_wire_sock;
typedef struct etcd_wire {
    etcd_client *c;
    int n;
    etcd_wire_sock s[ETCD_WIRE_SOCKS];
} etcd_wire;
/* Whether this kernel's TCP_INFO carries byte counters (Linux >= 4.19);
 * when not, unary handles fall back to the debug callback (verbose). */
bool etcd_wire_supported(void);
/* Installs the socket callbacks on h; w must outlive h (curl_easy_cleanup
 * closes the sockets through it). */
CURLcode etcd_wire_attach(etcd_wire *w, etcd_client *c, CURL *h);
/* Charges the bytes of h's active connection since last read. */
void etcd_wire_after_transfer(etcd_wire *w, CURL *h);

/* Security (etcd_auth.c). Copies sec into c (c->tls already set). */
etcd_code etcd_security_copy(etcd_client *c, const etcd_security *sec, etcd_status *st);
/* The TLS options of c on an easy handle (none without TLS). */
CURLcode etcd_tls_setup(const etcd_client *c, CURL *h);
/* The header list every unary request (watch: every watch) carries now. */
struct curl_slist *etcd_headers(etcd_client *c, bool watch);
/* Builds the header lists, with the token when c has a user. */
etcd_code etcd_headers_init(etcd_client *c, const char *token, etcd_status *st);
/* Authenticates c's user and installs the new token (once at creation,
 * again when a token expired). No user: ETCD_OK, nothing sent. */
etcd_code etcd_authenticate(etcd_client *c, etcd_status *st);
/* Whether st is etcd's answer to an invalid or expired token. */
bool etcd_auth_token_invalid(const etcd_status *st);
void etcd_security_free(etcd_client *c);

/* Grows b to hold extra more bytes and a NUL (etcd_http.c). 0, or -1 on OOM. */
int etcd_buf_reserve(etcd_buf *b, size_t extra);

/* HTTP/1.1 response parser of the built-in transport: append received bytes
 * to raw, call parse; stage 7 means complete (status, body de-chunked into
 * body, trailers skipped). Returns -1 on a malformed response. */
typedef struct etcd_http_resp {
    etcd_buf raw;          /* bytes read from the socket */
    size_t pos;            /* parse position in raw */
    int stage;             /* 0 headers, 1 body by length, 2 chunk size, 3 chunk data, 4 chunk CRLF,
                            * 5 trailers, 6 body until EOF, 7 done */
    long status;
    long long content_length;
    bool chunked, close_after;
    size_t chunk_left;
} etcd_http_resp;
int etcd_http_resp_parse(etcd_http_resp *rp, etcd_buf *body);

/* Per-thread reusable buffers (0: raw socket reads, 1: response bodies,
 * 2: body text handed to the fast decoders). */
etcd_buf *etcd_thread_buf(int which);
void etcd_thread_buf_trim(etcd_buf *b);

/* ---- unary calls (etcd_call.c) ---- */

/* Index of the endpoint for attempt `attempt` of a request whose first
 * endpoint was `first` (from etcd_pick_first). */
size_t etcd_pick_first(etcd_client *c);
size_t etcd_pick_next(etcd_client *c, size_t first, int attempt);

/* One unary POST to `path` (e.g. "/v3/kv/put") with JSON body `req`
 * (consumed). endpoint >= 0 pins it to one endpoint (no failover);
 * timeout_ms <= 0 uses the client's. On ETCD_OK *resp is the decoded body. */
etcd_code etcd_call(etcd_client *c, etcd_optype op, const char *path, json_t *req, int endpoint,
                    int timeout_ms, json_t **resp, etcd_status *st);

/* Same with a ready body (the hot path: see etcd_jw_*). */
etcd_code etcd_call_raw(etcd_client *c, etcd_optype op, const char *path, const char *body, size_t body_len,
                        int endpoint, int timeout_ms, json_t **resp, etcd_status *st);
/* Same with the rule of a call whose caller declared it repeatable, and a
 * 200 body that comes back as text in *text (etcd_thread_buf(2),
 * valid until this thread's next call), not parsed. */
etcd_code etcd_call_text(etcd_client *c, etcd_optype op, etcd_retry_rule rule, const char *path, const char *body,
                         size_t body_len, etcd_buf **text, etcd_status *st);

/* Error counting happens in the public functions: one per failed call. */
etcd_code etcd_count_error(etcd_client *c, etcd_code code);

/* Background thread (etcd_watch.c). */
etcd_code etcd_bg_ensure(etcd_client *c, etcd_status *st);
void etcd_bg_shutdown(etcd_client *c);

etcd_code etcd_bg_add_session(etcd_client *c, etcd_session *s, etcd_status *st);
void etcd_bg_remove_session(etcd_client *c, etcd_session *s);
bool etcd_bg_on_thread(etcd_client *c);

#endif

/* Session state; fields below `bg-owned` are touched only by the background thread. */
struct etcd_session {
    etcd_client *c;
    int64_t lease, ttl;
    etcd_session_lost_fn on_lost;
    void *ud;
    atomic_bool alive;
    /* bg-owned */
    int64_t next_due_ns, last_ok_ns;
    void *inflight;
    int attempt;
    size_t first_ep;
    bool lost_reported;
};
