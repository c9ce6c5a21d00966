/* etcd_transport.h: the unary transports of the etcd client, one table of
 * operations each, and the list of them.
 *
 * A transport carries one unary request (a POST with a JSON body) to one
 * endpoint and brings back the status and body of the answer. Choosing the
 * endpoint, failover and backoff, the operation counters and decoding the
 * answer are etcd_call.c's, the same for every transport; the client never
 * asks which one it has. Watch streams and session keepalives are not unary:
 * they always run on libcurl's multi interface (etcd_watch.c).
 *
 *   native  etcd_transport_native.c  built-in HTTP/1.1 over pooled sockets (default)
 *   curl    etcd_transport_curl.c    pooled libcurl easy handles
 *
 * The list (etcd_transport.c) is what etcd_client_config.transport indexes
 * and what etcd_transport_parse and etcd_transport_name read, so option
 * parsing (--transport NAME) derives from it. Adding a transport is one file
 * defining its etcd_transport_ops plus one line in that list.
 *
 * Every transport:
 * - charges every byte it writes to or reads from the network for a request
 *   (request line, headers and body; status line, headers, body as framed,
 *   chunk framing and trailers; failed attempts and reconnects included) to
 *   c->bytes_sent and c->bytes_received, as it happens or right after;
 * - lets any number of threads run requests on one client at once;
 * - bounds every attempt by its deadline (the caller checks it between them).
 */
#ifndef GEOKV_ETCD_TRANSPORT_H
#define GEOKV_ETCD_TRANSPORT_H

#include "sim/etcd/etcd_internal.h"

/* One unary request's use of the transport, from before its first attempt
 * to after its last. */
typedef struct etcd_unary {
    etcd_buf *resp;   /* body of the last answer, de-chunked, NUL-terminated; set by begin */
    etcd_buf own;     /* resp when the transport has no buffer of its own for it */
    void *h;          /* the transport's per-request state */
} etcd_unary;

struct etcd_transport_ops {
    const char *name;   /* as --transport spells it */
    /* Once per client, before any request: make the per-endpoint state (the
     * native transport resolves every endpoint) in c->transport_state. */
    etcd_code (*open)(etcd_client *c, etcd_status *st);
    /* Closes idle connections and frees c->transport_state; also after a
     * failed open. */
    void (*close)(etcd_client *c);
    etcd_code (*begin)(etcd_client *c, etcd_unary *u, etcd_status *st);
    void (*end)(etcd_client *c, etcd_unary *u);
    /* One POST of body to path on endpoint ep before deadline (monotonic ns).
     * ETCD_OK: an answer arrived, *http is its status and u->resp its body.
     * Otherwise st says why and *retry whether another endpoint may succeed. */
    etcd_code (*post)(etcd_client *c, etcd_unary *u, size_t ep, const char *path, const char *body,
                      size_t body_len, int64_t deadline, long *http, bool *retry, etcd_status *st);
};

extern const etcd_transport_ops etcd_transport_native_ops;
extern const etcd_transport_ops etcd_transport_curl_ops;

/* The list's entry t; the first (native) for a value outside the list. */
const etcd_transport_ops *etcd_transport_ops_of(etcd_transport t);

#endif
