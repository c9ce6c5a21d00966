/* bench_metrics.h: the byte counters the bench reads from each etcd member's
 * /metrics (Prometheus text), before and after a run.
 *
 *   etcd_network_client_grpc_sent_bytes_total      gRPC payload bytes to clients
 *   etcd_network_client_grpc_received_bytes_total  gRPC payload bytes from clients
 *   etcd_network_peer_sent_bytes_total{To=...}     raft bytes to each peer (summed)
 *   etcd_network_peer_received_bytes_total{From=...}
 *
 * The gRPC counters are what a native gRPC client moves (protobuf sizes),
 * comparable to the original's logging; the HTTP gateway's JSON/base64 wire
 * bytes are counted separately by the clients themselves.
 */
#ifndef GEOKV_BENCH_METRICS_H
#define GEOKV_BENCH_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "bench/bench_record.h"
#include "sim/etcd/etcd_client.h"

typedef struct bench_counters {
    double grpc_sent, grpc_received, peer_sent, peer_received;
    bool ok;
    char error[160];      /* why not ok (the scrape's err), "" when ok */
} bench_counters;

/* Parses a /metrics text. Counters that are absent count as 0 (etcd omits a
 * labelled family until its first sample). Returns 0, or -1 when the text is
 * not Prometheus exposition format. */
int bench_metrics_parse(const char *text, size_t len, bench_counters *out);

/* GETs url and parses it. On failure out->ok is false and err (and
 * out->error) say why. */
int bench_metrics_scrape(const char *url, int timeout_ms, bench_counters *out, char *err, size_t err_len);
/* Same with TLS (sim/etcd/etcd_client.h's etcd_http_get_secure); sec NULL: plain. */
int bench_metrics_scrape_secure(const char *url, const etcd_security *sec, int timeout_ms, bench_counters *out,
                                char *err, size_t err_len);

/* after - before, into d (d->name set by the caller). ok only when both
 * scrapes were ok and no counter went backwards (a restarted member);
 * d->unavailable then says why. */
void bench_metrics_delta(const bench_counters *before, const bench_counters *after, bench_member_delta *d);

#endif
