/* bench_progress.c: progress line and ETA (see bench_progress.h). */
#include "bench/bench_progress.h"

#include <math.h>
#include <stdio.h>

double bench_run_weight(int n)
{
    /* A fresh cluster and the fixed delays cost about as much as ten agents'
     * share of the protocol: rough, but it only steers the ETA. */
    return 10.0 + (double)n;
}

double bench_eta_s(double elapsed_s, double done_w, double remaining_w)
{
    if (done_w <= 0 || elapsed_s < 0)
        return -1;
    return elapsed_s / done_w * remaining_w;
}

void bench_format_duration(double s, char *out, size_t out_len)
{
    long t;
    if (s < 0 || !isfinite(s)) {
        snprintf(out, out_len, "?");
        return;
    }
    t = lround(s);
    if (t < 60)
        snprintf(out, out_len, "%lds", t);
    else if (t < 3600)
        snprintf(out, out_len, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(out, out_len, "%ldh%02ldm%02lds", t / 3600, (t / 60) % 60, t % 60);
}

void bench_progress_format(char *out, size_t out_len, int k, int total, const char *mode, int n, int rep,
                           double elapsed_s, double eta_s, int agents_done, int n_agents)
{
    char el[32], eta[32];
    bench_format_duration(elapsed_s, el, sizeof el);
    bench_format_duration(eta_s, eta, sizeof eta);
    snprintf(out, out_len, "run %d/%d %s N=%d rep %d | %s elapsed, ETA %s | agents %d/%d", k, total, mode, n,
             rep, el, eta, agents_done, n_agents);
}
