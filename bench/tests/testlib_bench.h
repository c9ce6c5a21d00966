/* testlib_bench.h: helpers for the bench driver's integration tests: run
 * build/bin/geokv-bench, read its files, check them against results/SCHEMA.md. */
#ifndef GEOKV_TESTLIB_BENCH_H
#define GEOKV_TESTLIB_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

/* Creates a fresh directory /tmp/geokv-<tag>-XXXXXX into dir; 0 on success,
 * -1 when it cannot (a cmocka group setup returns that as is). */
int bench_t_tmpdir_make(char *dir, size_t dir_len, const char *tag);

/* rm -rf dir; 0 on success, -1 otherwise (for a cmocka group teardown). */
int bench_t_tmpdir_remove(const char *dir);

/* Sleeps s seconds (fractions too). */
void bench_t_sleep(double s);

/* Copies the geokv-bench output in log to stderr, so a failing test shows
 * why; nothing when log is unreadable. */
void bench_t_dump_log(const char *log);

/* Fields in the CSV line (up to its newline or NUL); commas inside double
 * quotes do not separate. */
size_t bench_t_csv_fields(const char *line);

/* The cell of `column` in the first data row of CSV text (header line,
 * then rows), quoting undone, into out; -1 when there is no such column. */
int bench_t_csv_cell(const char *text, const char *column, char *out, size_t outlen);

/* Path of a program in $GEOKV_BIN (or build/bin). */
void bench_t_program(const char *name, char *out, size_t out_len);

/* Starts argv (argv[0] a path) with stdout/stderr appended to log_path;
 * returns the pid, -1 on failure. */
pid_t bench_t_spawn(char *const *argv, const char *log_path);

/* Waits for pid at most timeout_s (then SIGKILLs it); returns the exit
 * status, 128+signal when killed by a signal, -1 on timeout or when pid is
 * not a child's (<= 0, a failed bench_t_spawn). */
int bench_t_wait(pid_t pid, double timeout_s);

/* Loads runs.jsonl of dir: every line must be a JSON object holding every
 * summary.csv column; returns the records (new array), NULL (and a message
 * in why) when a line is not. */
json_t *bench_t_load_runs(const char *dir, char *why, size_t why_len);

/* Checks summary.csv of dir: header = the schema's columns, n_rows rows, each
 * with as many fields. 0 when fine, else -1 and why. */
int bench_t_check_summary(const char *dir, size_t n_rows, char *why, size_t why_len);

/* Waits (at most timeout_s) until dir/pids.json lists at least `members`
 * members, i.e. a cluster of the wanted run is up; false on timeout. */
bool bench_t_wait_members(const char *dir, int members, double timeout_s);

/* Gives up on a geokv-bench child: SIGKILLs and reaps pid, then copies its
 * output in log to stderr (the caller then fails with its own message). */
void bench_t_abandon(pid_t pid, const char *log);

/* Pids listed in dir/pids.json ("members"[].pid) that are still alive (not
 * counting zombies); -1 when pids.json is unreadable. *listed gets how many
 * are listed. */
int bench_t_alive_members(const char *dir, int *listed);

/* Runs cmd with /bin/sh; its stdout (add 2>&1 for stderr) into a malloc'ed
 * NUL-terminated *out (NULL: discarded). Returns its exit status, -1 when
 * it could not run or a signal ended it. */
int bench_t_sh(const char *cmd, char **out);

/* What --version of program name must print: "NAME VERSION (git DESCRIBE)\n"
 * with VERSION the tree's VERSION file and DESCRIBE `git describe --always
 * --dirty` of the tree now ("unknown" without git). */
void bench_t_version_line(const char *name, char *out, size_t out_len);

#endif
