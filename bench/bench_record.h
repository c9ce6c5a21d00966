/* bench_record.h: one run's record, as a JSON object (a runs.jsonl line)
 * and as a summary.csv row (results/SCHEMA.md).
 *
 * runs.jsonl is the source of truth: summary.csv is always regenerated from
 * the records, so a resumed sweep and a fresh one give the same CSV.
 *
 * One table of columns (bench_columns, built in bench_record.c from the
 * record's layout and the plain-counter lists CB_COUNTERS_* of
 * sim/cb/cb_counters.h and BENCH_COUNTERS_* below) gives the record's keys
 * in order, the summary.csv columns and the column tables of
 * results/SCHEMA.md (bench_schema.c, `geokv-bench schema`).
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
    char unavailable[160];               /* why not ok, "" when ok */
} bench_member_delta;

/* Bytes one WAN link carried during a run, direction from -> to. */
typedef struct bench_link_bytes {
    char from[64], to[64];               /* region ids, "?" when unknown */
    char kind[16];                       /* "client" or "peer" */
    uint64_t bytes;
} bench_link_bytes;

/* The plain counters the bench driver measures around a run; same shape as
 * sim/cb/cb_counters.h: X(name, type, unit, valid, summary, description),
 * valid WAN = null in the record without the WAN emulator. Each line is a
 * field of bench_meas and a key of the record (bench_record.c places the
 * group). */
#define BENCH_COUNTERS_WAN(X)                                                                               \
    X(wan_loop_cpu_s, F64, "s", WAN, DETAIL, "CPU seconds of the WAN emulator's loop thread during the run") \
    X(wan_spin_s, F64, "s", WAN, DETAIL,                                                                  \
      "the part of wan_loop_cpu_s spent polling just before releases (at most 10% of one CPU; "            \
      "the window is config.json's wan_spin)")

#define BENCH_COUNTERS_HARNESS(X)                                                                           \
    X(wall_s, F64, "s", ALWAYS, DETAIL,                                                                   \
      "the whole run, cluster start (its cluster_wait_s) and stop included")                                \
    X(cluster_start_s, F64, "s", ALWAYS, DETAIL, "fresh cluster up and its leader moved")                 \
    X(cluster_wait_s, F64, "s", ALWAYS, DETAIL,                                                           \
      "of cluster_start_s, the part the sweep waited for: a cluster started ahead, while the previous "   \
      "run stopped and was recorded, costs only what was left")                                             \
    X(rig_start_s, F64, "s", ALWAYS, DETAIL, "of cluster_start_s: the members and the emulator starting") \
    X(leader_move_s, F64, "s", ALWAYS, DETAIL, "of cluster_start_s: moving the leader")                   \
    X(leader_moves, INT, "requests", ALWAYS, DETAIL, "move-leader requests it took")                      \
    X(run_call_s, F64, "s", ALWAYS, DETAIL, "cb_run() from call to return (set-up and teardown of clients)") \
    X(stop_s, F64, "s", ALWAYS, DETAIL, "cluster stop: members, emulator, data directories")

#define BENCH_COUNTERS(X) BENCH_COUNTERS_WAN(X) BENCH_COUNTERS_HARNESS(X)

typedef struct bench_meas {
    const char *run_id;
    const char *mode;
    int n, rep, order;
    uint64_t seed;
    double rtt_scale;
    double delay_scale;
    double time_scale;                   /* rescale factor (bench_opts_rescale_factor), 0: none */
    const char *fault;                   /* "" when none */
    const char *profile;                 /* the fidelity profile's name */
    const char *end_criterion;           /* what setup_s measures: rule | ips | tunneling */
    const char *leader;                  /* member that led during the run */
    bool leader_changed;                 /* leadership moved during the run */
    const cb_run_result *res;            /* NULL: the run did not execute */
    bench_member_delta members[BENCH_MAX_MEMBERS];
    int n_members;
    bool has_wan;                        /* the run went through the WAN emulator */
    const bench_link_bytes *links;       /* per (from, to, kind): bytes during the run */
    size_t n_links;
    const char *timeline;                /* path relative to the run directory */
    const char *error;                   /* "" or why the run could not run/complete */
    /* wan_loop_cpu_s, wan_spin_s, wall_s, ..., stop_s: BENCH_COUNTERS above */
    BENCH_COUNTERS(CB_COUNTER_FIELD)
} bench_meas;

/* ---- the table of columns ---- */

typedef enum bench_col_src {
    BENCH_SRC_FN,        /* not a plain counter: computed from bench_meas by its own function */
    BENCH_SRC_RESULT,    /* a plain counter of cb_run_result (CB_COUNTERS_*) */
    BENCH_SRC_MEAS,      /* a plain counter of bench_meas (BENCH_COUNTERS_*) */
    BENCH_SRC_FAULT      /* written by bench_fault_end (bench_fault.c) */
} bench_col_src;

typedef enum bench_col_presence {
    BENCH_PRESENT_ALWAYS,
    BENCH_PRESENT_RAN,   /* only when cb_run executed */
    BENCH_PRESENT_FAULT  /* only in faulted sweeps */
} bench_col_presence;

typedef enum bench_col_kind {
    BENCH_KIND_SUMMARY,  /* a summary.csv column too */
    BENCH_KIND_DETAIL,   /* runs.jsonl only */
    BENCH_KIND_NESTED    /* runs.jsonl only, an array or object */
} bench_col_kind;

typedef enum bench_col_type { BENCH_T_OTHER, BENCH_T_F64, BENCH_T_U64, BENCH_T_INT, BENCH_T_TEXT64 } bench_col_type;
typedef enum bench_col_valid { BENCH_VALID_ALWAYS, BENCH_VALID_COMPLETED, BENCH_VALID_NONNEG, BENCH_VALID_WAN } bench_col_valid;

typedef struct bench_column {
    const char *name, *unit, *description;
    bench_col_src src;
    bench_col_presence presence;
    bench_col_kind kind;
    bench_col_type type;                 /* plain counters */
    bench_col_valid valid;               /* plain counters */
    size_t offset;                       /* plain counters: in cb_run_result or bench_meas */
    json_t *(*fn)(const bench_meas *m);  /* BENCH_SRC_FN: the value, a new reference */
} bench_column;

/* Every top-level key of a record, in the record's order. */
extern const bench_column bench_columns[];
extern const size_t bench_n_columns;

/* A time measured in a run compressed by factor, at full time: measured /
 * factor; NaN (null in a record) when factor is not > 0 or either is not
 * finite. */
double bench_rescale(double measured, double factor);

/* Builds the runs.jsonl object (new reference). NULL on allocation failure. */
json_t *bench_record_json(const bench_meas *m);

/* Adds the fault counters of r (the columns of presence FAULT that are
 * plain counters) to a record. 0 on success. */
int bench_record_fault_counters(json_t *rec, const cb_run_result *r);

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
