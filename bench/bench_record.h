/* bench_record.h: one run's record, as a JSON object (a runs.jsonl line)
 * and as a summary.csv row (results/SCHEMA.md).
 *
 * runs.jsonl is the source of truth: summary.csv is always regenerated from
 * the records, so a resumed sweep and a fresh one give the same CSV.
 */
#ifndef GEOKV_BENCH_RECORD_H
#define GEOKV_BENCH_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "sim/cb/cb_run.h"

#define BENCH_MAX_MEMBERS 7

/* Counter deltas of one member over a run (from its /metrics). */
typedef struct bench_member_delta {
    char name[32];
    uint64_t grpc_sent, grpc_received;   /* etcd_network_client_grpc_{sent,received}_bytes_total */
    uint64_t peer_sent, peer_received;   /* etcd_network_peer_{sent,received}_bytes_total */
    bool ok;                             /* both scrapes succeeded */
} bench_member_delta;

/* Bytes one WAN link carried during a run, direction from -> to. */
typedef struct bench_link_bytes {
    char from[64], to[64];               /* region ids, "?" when unknown */
    char kind[16];                       /* "client" or "peer" */
    uint64_t bytes;
} bench_link_bytes;

typedef struct bench_meas {
    const char *run_id;
    const char *mode;
    int n, rep, order;
    uint64_t seed;
    double rtt_scale;
    double delay_scale;
    const char *fault;                   /* "" when none */
    const char *leader;                  /* member that led during the run */
    bool leader_changed;                 /* leadership moved during the run */
    double wall_s;                       /* whole run incl. cluster start/stop */
    double cluster_start_s;              /* fresh cluster up, leader moved */
    double rig_start_s, leader_move_s;   /* parts of cluster_start_s */
    int leader_moves;                    /* move-leader requests it took */
    double run_call_s;                   /* cb_run() from call to return (set-up and teardown of clients) */
    double stop_s;                       /* cluster stop: members, emulator, data dirs */
    const cb_run_result *res;
    bench_member_delta members[BENCH_MAX_MEMBERS];
    int n_members;
    bool has_wan;                        /* the run went through the WAN emulator */
    double wan_loop_cpu_s, wan_spin_s;   /* emulator loop CPU during the run, and its polling part */
    const bench_link_bytes *links;       /* per (from, to, kind): bytes during the run */
    size_t n_links;
    const char *timeline;                /* path relative to the run directory */
    const char *error;                   /* "" or why the run could not run/complete */
} bench_meas;

/* Builds the runs.jsonl object (new reference). NULL on allocation failure. */
json_t *bench_record_json(const bench_meas *m);

/* summary.csv column names, in order, NULL-terminated. */
extern const char *const bench_csv_columns[];

/* Writes the header line / one row for a record object. */
void bench_csv_header(FILE *f);
void bench_csv_row(FILE *f, const json_t *rec);

/* Appends a CSV field for a text (quoted only with a comma, quote or newline). */
void bench_csv_text(FILE *f, const char *s);
/* Formats a real as a plain decimal (no exponent, trailing zeros trimmed). */
void bench_format_real(double v, char *out, size_t out_len);

/* The (mode, n, rep) triple of a record; false when a field is missing. */
bool bench_record_key(const json_t *rec, const char **mode, int *n, int *rep);

#endif
