/* bench_metrics.c: etcd byte counters from /metrics (see bench_metrics.h).
 *
 * A small reader of the Prometheus text format, enough for counters: lines
 * "name{labels} value [timestamp]", comments and blank lines skipped, label
 * values may hold escaped quotes and braces. Samples of one family with
 * different labels (peer bytes per peer) are summed. */
#include "bench/bench_metrics.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/etcd_client.h"

static void set_err(char *err, size_t err_len, const char *fmt, ...)
{
    va_list ap;
    if (err == NULL || err_len == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

static const struct { const char *name; size_t off; } wanted[] = {
    { "etcd_network_client_grpc_sent_bytes_total", offsetof(bench_counters, grpc_sent) },
    { "etcd_network_client_grpc_received_bytes_total", offsetof(bench_counters, grpc_received) },
    { "etcd_network_peer_sent_bytes_total", offsetof(bench_counters, peer_sent) },
    { "etcd_network_peer_received_bytes_total", offsetof(bench_counters, peer_received) },
};

/* Parses one sample line [p, end). Returns 0 and fills name/value, 1 for a
 * line to skip, -1 when malformed. */
static int parse_line(const char *p, const char *end, const char **name, size_t *name_len, double *value)
{
    const char *q;
    char num[64];
    size_t len;
    char *stop;

    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p == end || *p == '#')
        return 1;
    q = p;
    while (q < end && (isalnum((unsigned char)*q) || *q == '_' || *q == ':'))
        q++;
    if (q == p)
        return -1;
    *name = p;
    *name_len = (size_t)(q - p);
    if (q < end && *q == '{') {
        bool quoted = false;
        for (q++; q < end; q++) {
            if (quoted && *q == '\\' && q + 1 < end)
                q++;
            else if (*q == '"')
                quoted = !quoted;
            else if (!quoted && *q == '}')
                break;
        }
        if (q == end)
            return -1;
        q++;
    }
    if (q == end || (*q != ' ' && *q != '\t'))
        return -1;
    while (q < end && (*q == ' ' || *q == '\t'))
        q++;
    len = 0;
    while (q + len < end && q[len] != ' ' && q[len] != '\t' && q[len] != '\r')
        len++;
    if (len == 0 || len >= sizeof num)
        return -1;
    memcpy(num, q, len);
    num[len] = '\0';
    *value = strtod(num, &stop);
    if (*stop != '\0')
        return -1;
    return 0;
}

int bench_metrics_parse(const char *text, size_t len, bench_counters *out)
{
    const char *p = text, *end = text + len;
    memset(out, 0, sizeof *out);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *name;
        size_t name_len;
        double v;
        int rc = parse_line(p, le, &name, &name_len, &v);
        if (rc < 0)
            return -1;
        if (rc == 0 && isfinite(v)) {
            for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++)
                if (strlen(wanted[i].name) == name_len && memcmp(wanted[i].name, name, name_len) == 0)
                    *(double *)((char *)out + wanted[i].off) += v;
        }
        p = nl ? nl + 1 : end;
    }
    out->ok = true;
    return 0;
}

int bench_metrics_scrape(const char *url, int timeout_ms, bench_counters *out, char *err, size_t err_len)
{
    char *body = NULL;
    size_t len = 0;
    etcd_status st;
    int rc = -1;

    memset(out, 0, sizeof *out);
    memset(&st, 0, sizeof st);
    if (etcd_http_get(url, timeout_ms, &body, &len, &st) != ETCD_OK) {
        set_err(err, err_len, "GET %s: %s", url, st.message);
        goto cleanup;
    }
    if (bench_metrics_parse(body, len, out) != 0) {
        set_err(err, err_len, "GET %s: not Prometheus text format", url);
        goto cleanup;
    }
    rc = 0;
cleanup:
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
}
