/* bench_progress.h: what the sweep tells the user while it runs.
 *
 * On a terminal one line on stderr is redrawn in place ("run 4/30 after
 * N=20 rep 1 | 1m02s elapsed, ETA 8m10s | agents 12/20"); otherwise (a log
 * file, make's output in CI) one plain line per run start and end. The ETA
 * weighs each remaining run by its agent count, since setup time grows with
 * N, using the time the finished runs took per unit of weight.
 */
#ifndef GEOKV_BENCH_PROGRESS_H
#define GEOKV_BENCH_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

/* Weight of one run with n agents in the ETA (fixed cost + per-agent cost). */
double bench_run_weight(int n);

/* Seconds left: elapsed_s spent on runs of total weight done_w, remaining_w
 * to go. Negative when unknown (nothing finished yet). */
double bench_eta_s(double elapsed_s, double done_w, double remaining_w);

/* "7s", "2m05s", "1h02m03s"; "?" for a negative value. */
void bench_format_duration(double s, char *out, size_t out_len);

/* The progress line (no newline). */
void bench_progress_format(char *out, size_t out_len, int k, int total, const char *mode, int n, int rep,
                           double elapsed_s, double eta_s, int agents_done, int n_agents);

#endif
