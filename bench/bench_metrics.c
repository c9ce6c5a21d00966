/* bench_metrics.c: etcd byte counters from /metrics (see bench_metrics.h),
 * read with the project's Prometheus text parser (sim/etcd/prom.h). Samples of one
 * family with different labels (peer bytes per peer) are summed. */
#include "bench/bench_metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util/util_err.h"
#include "sim/etcd/etcd_client.h"
#include "sim/etcd/prom.h"

static const struct { const char *name; size_t off; } wanted[] = {
    { "etcd_network_client_grpc_sent_bytes_total", offsetof(bench_counters, grpc_sent) },
    { "etcd_network_client_grpc_received_bytes_total", offsetof(bench_counters, grpc_received) },
    { "etcd_network_peer_sent_bytes_total", offsetof(bench_counters, peer_sent) },
    { "etcd_network_peer_received_bytes_total", offsetof(bench_counters, peer_received) },
};

int bench_metrics_parse(const char *text, size_t len, bench_counters *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
        double v = 0;
        prom_error e;
        if (prom_sum(text, len, wanted[i].name, NULL, &v, NULL, &e) != PROM_OK || !isfinite(v))
            return -1;
        *(double *)((char *)out + wanted[i].off) = v;
    }
    out->ok = true;
    return 0;
}

int bench_metrics_scrape(const char *url, int timeout_ms, bench_counters *out, char *err, size_t err_len)
{
    return bench_metrics_scrape_secure(url, NULL, timeout_ms, out, err, err_len);
}

int bench_metrics_scrape_secure(const char *url, const etcd_security *sec, int timeout_ms, bench_counters *out,
                                char *err, size_t err_len)
{
    char *body = NULL;
    size_t len = 0;
    etcd_status st;
    int rc = -1;

    memset(out, 0, sizeof *out);
    memset(&st, 0, sizeof st);
    if (etcd_http_get_secure(url, sec, timeout_ms, &body, &len, &st) != ETCD_OK) {
        util_seterr(err, err_len, "GET %s: %s", url, st.message);
        goto cleanup;
    }
    if (bench_metrics_parse(body, len, out) != 0) {
        util_seterr(err, err_len, "GET %s: not Prometheus text format", url);
        goto cleanup;
    }
    rc = 0;
cleanup:
    if (rc != 0)
        snprintf(out->error, sizeof out->error, "%s", err);
    free(body);
    return rc;
}

static uint64_t diff(double a, double b, bool *ok)
{
    if (b < a) {
        *ok = false;
        return 0;
    }
    return (uint64_t)llround(b - a);
}

void bench_metrics_delta(const bench_counters *before, const bench_counters *after, bench_member_delta *d)
{
    bool ok = before->ok && after->ok;
    d->grpc_sent = diff(before->grpc_sent, after->grpc_sent, &ok);
    d->grpc_received = diff(before->grpc_received, after->grpc_received, &ok);
    d->peer_sent = diff(before->peer_sent, after->peer_sent, &ok);
    d->peer_received = diff(before->peer_received, after->peer_received, &ok);
    d->ok = ok;
    if (!ok)
        snprintf(d->unavailable, sizeof d->unavailable, "%s",
                 before->error[0] ? before->error
                 : after->error[0] ? after->error
                 : before->ok && after->ok ? "a counter went backwards (member restarted)" : "not scraped");
}
