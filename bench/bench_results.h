/* bench_results.h: a sweep's results directory (results/SCHEMA.md).
 *
 *   <out>/<run-id>/config.json     written once (atomically)
 *   <out>/<run-id>/runs.jsonl      one record per finished run: each line is
 *                                  written with one write() and fsync'd, so a
 *                                  crash leaves whole lines only (a partial
 *                                  tail, if any, is cut on resume)
 *   <out>/<run-id>/summary.csv     rewritten from all records after each run
 *                                  (temporary file, fsync, rename)
 *   <out>/<run-id>/timelines/
 *   <out>/latest -> <run-id>       replaced atomically (symlink + rename)
 */
#ifndef GEOKV_BENCH_RESULTS_H
#define GEOKV_BENCH_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

typedef struct bench_results {
    char dir[1100];          /* <out>/<run-id> */
    char run_id[64];
    int runs_fd;             /* runs.jsonl, O_APPEND */
    json_t *records;         /* every record, loaded ones first */
} bench_results;

/* "YYYYmmdd-HHMMSS-<seed>" for `when` in UTC. */
void bench_run_id(time_t when, uint64_t seed, char *out, size_t out_len);

/* Creates <out>/<run_id>/ and timelines/, opens runs.jsonl.
 * err: one line saying what failed and what to do. 0 on success. */
int bench_results_create(bench_results *r, const char *out, const char *run_id, char *err, size_t err_len);

/* Opens an existing run directory for --resume: loads runs.jsonl (cutting a
 * partial last line), keeps its records. 0 on success. */
int bench_results_open(bench_results *r, const char *dir, char *err, size_t err_len);

void bench_results_close(bench_results *r);

/* Appends one record (a line), fsyncs, keeps a reference in r->records, and
 * rewrites summary.csv. 0 on success. */
int bench_results_append(bench_results *r, json_t *rec, char *err, size_t err_len);

/* True when a record for (mode, n, rep) is already there. */
bool bench_results_has(const bench_results *r, const char *mode, int n, int rep);

/* Writes `j` to <dir>/<name> atomically (tmp + fsync + rename). 0 on success. */
int bench_write_json_atomic(const char *dir, const char *name, const json_t *j, char *err, size_t err_len);

/* Rewrites <dir>/summary.csv from records (array). 0 on success. */
int bench_write_summary(const char *dir, const json_t *records, char *err, size_t err_len);

/* Points <out>/latest at run_id (relative link), atomically. 0 on success. */
int bench_results_link_latest(const char *out, const char *run_id, char *err, size_t err_len);

/* Parses a runs.jsonl text: whole lines that are JSON objects go to
 * *records (new array); *valid_len is the length up to the end of the last
 * whole line; *bad counts whole lines that did not parse. 0 on success. */
int bench_parse_runs(const char *text, size_t len, json_t **records, size_t *valid_len, size_t *bad);

#endif
