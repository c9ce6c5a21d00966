/* prom.h: a parser for the Prometheus text exposition format (version 0.0.4),
 * as served by etcd's /metrics, and helpers to read counters from it.
 *
 * Accepted: comments, "# HELP name text" (escapes \\ and \n), "# TYPE name
 * counter|gauge|histogram|summary|untyped", blank lines, samples
 *   name{label="value",...} value [timestamp_ms]
 * with label values escaped as \\, \" and \n, an optional trailing comma in
 * the label set, values as Go's ParseFloat reads them (1, -2.5e-3, +Inf,
 * -Inf, NaN), an optional integer timestamp, blanks and tabs between tokens,
 * and "\r\n" line ends. Anything else is a syntax error with its line and
 * column; the parser never aborts on bad input.
 *
 * Metrics used by geokv-bench (etcd 3.4):
 *   etcd_network_client_grpc_received_bytes_total   counter, no labels
 *   etcd_network_client_grpc_sent_bytes_total       counter, no labels
 *   etcd_network_peer_sent_bytes_total{To="<member id hex>"}
 *   etcd_network_peer_received_bytes_total{From="<member id hex>"}
 *   etcd_network_peer_round_trip_time_seconds{To=...}  histogram
 *     (_bucket{le=...}, _sum, _count)
 */
#ifndef GEOKV_PROM_H
#define GEOKV_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROM_MAX_LABELS 32

typedef enum prom_code {
    PROM_OK = 0,
    PROM_ERR_SYNTAX,     /* malformed input: see prom_error */
    PROM_ERR_NOMEM,
    PROM_ERR_INVAL,      /* bad argument (e.g. a malformed label filter) */
    PROM_STOPPED,        /* the callback returned non-zero (not an error) */
} prom_code;

typedef enum prom_type {
    PROM_UNTYPED = 0, PROM_COUNTER, PROM_GAUGE, PROM_HISTOGRAM, PROM_SUMMARY,
} prom_type;

const char *prom_type_name(prom_type t);   /* "counter", ... */

typedef struct prom_label {
    const char *name;      /* NUL-terminated */
    const char *value;     /* unescaped, NUL-terminated (may hold '\n') */
    size_t value_len;
} prom_label;

/* One sample. Strings are valid only during the callback. */
typedef struct prom_sample {
    const char *name;      /* "etcd_network_peer_round_trip_time_seconds_bucket" */
    const char *family;    /* per the last TYPE line: "etcd_network_peer_round_trip_time_seconds";
                            * = name for a sample outside any TYPE'd family */
    prom_type type;        /* of the family; PROM_UNTYPED when no TYPE line covers it */
    const prom_label *labels;
    size_t n_labels;
    double value;
    bool has_timestamp;
    int64_t timestamp_ms;
    int line;              /* 1-based */
} prom_sample;

typedef struct prom_error {
    int line, column;      /* 1-based; 0 when not about a position */
    char message[160];
} prom_error;

/* Return non-zero to stop parsing (prom_parse then returns PROM_STOPPED). */
typedef int (*prom_sample_fn)(const prom_sample *s, void *ud);

/* Parses text[0..len) and calls fn (may be NULL: validate only) for every
 * sample, in order. On PROM_ERR_SYNTAX, err (may be NULL) says where and
 * what; samples before the bad line have been delivered. */
prom_code prom_parse(const char *text, size_t len, prom_sample_fn fn, void *ud, prom_error *err);

/* Value of label `name` in s, or NULL. */
const char *prom_label_get(const prom_sample *s, const char *name);

/* Sums the samples named exactly `metric` whose labels match every
 * name=value pair of `label_filter` ("To=8211f1d0f64f3269,le=+Inf"; values may
 * be double-quoted with the escapes above; NULL or "" matches all).
 * *out = sum (0 when nothing matched); *n_matched (may be NULL) = samples
 * summed. A metric that does not appear is not an error: check n_matched. */
prom_code prom_sum(const char *text, size_t len, const char *metric, const char *label_filter,
                   double *out, size_t *n_matched, prom_error *err);

#endif
