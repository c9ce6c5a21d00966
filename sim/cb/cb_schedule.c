/* cb_schedule.c: when each agent starts. */
#include "sim/cb/cb_schedule.h"

#include <math.h>
#include <stdlib.h>

#include "sim/cb/cb_keys.h"

int cb_schedule_offsets(cb_start kind, double gap_s, double window_s, uint64_t seed, int n,
                        double *offsets)
{
    uint64_t st = seed ^ 0x51ed270b27a3c1f5ULL;
    if (n < 0)
        return -1;
    switch (kind) {
    case CB_START_ALL:
        for (int i = 0; i < n; i++)
            offsets[i] = 0;
        return 0;
    case CB_START_GAP:
        if (gap_s < 0)
            return -1;
        for (int i = 0; i < n; i++)
            offsets[i] = i * gap_s;
        return 0;
    case CB_START_RANDOM:
        if (window_s < 0)
            return -1;
        for (int i = 0; i < n; i++)
            offsets[i] = cb_rand_unit(&st) * window_s;
        return 0;
    case CB_START_DEPLOY:
        return -1;   /* needs the RTTs: cb_schedule_deploy */
    }
    return -1;
}

static bool bad(double v)
{
    return !isfinite(v) || v < 0;
}

static int deploy_params_ok(const cb_deploy_params *p)
{
    return p && !bad(p->k_ssh) && !bad(p->script_s) && !bad(p->sleep_s) && !bad(p->post_s) &&
           !bad(p->jitter_s) && !bad(p->last_mile_ms) && !bad(p->window_bytes) && !bad(p->init_cwnd_bytes) &&
           isfinite(p->binary_bytes) && p->binary_bytes > 0 && isfinite(p->uplink_Bps) && p->uplink_Bps > 0;
}

/* Rates of the active flows: the uplink shared in proportion to weight,
 * no flow above its cap, what a capped flow leaves given to the others
 * (water-filling). O(n^2) at worst. */
static void water_fill(int n, const bool *active, const double *w, const double *cap, double B, double *rate,
                       bool *free_set)
{
    double left = B;
    for (int i = 0; i < n; i++) {
        rate[i] = 0;
        free_set[i] = active[i];
    }
    for (;;) {
        double sumw = 0;
        for (int i = 0; i < n; i++)
            if (free_set[i])
                sumw += w[i];
        if (sumw <= 0)
            return;
        double lambda = left / sumw;
        bool capped = false;
        for (int i = 0; i < n; i++)
            if (free_set[i] && cap[i] > 0 && lambda * w[i] >= cap[i]) {
                rate[i] = cap[i];
                left -= cap[i];
                free_set[i] = false;
                capped = true;
            }
        if (!capped) {
            for (int i = 0; i < n; i++)
                if (free_set[i])
                    rate[i] = lambda * w[i];
            return;
        }
        if (left < 0)
            left = 0;
    }
}

int cb_schedule_fluid(const cb_deploy_params *p, const double *rtt_s, const double *start_s, int n, double *dl_s)
{
    if (n < 0 || !deploy_params_ok(p))
        return -1;
    if (n == 0)
        return 0;
    double *rem = malloc((size_t)n * sizeof *rem), *w = malloc((size_t)n * sizeof *w);
    double *cap = malloc((size_t)n * sizeof *cap), *rate = malloc((size_t)n * sizeof *rate);
    bool *done = calloc((size_t)n, sizeof *done), *active = calloc((size_t)n, sizeof *active);
    bool *scratch = calloc((size_t)n, sizeof *scratch);
    int rc = -1;
    if (!rem || !w || !cap || !rate || !done || !active || !scratch)
        goto cleanup;
    double S = p->binary_bytes, t = INFINITY;
    for (int i = 0; i < n; i++) {
        double r = rtt_s[i] > 1e-6 ? rtt_s[i] : 1e-6;
        if (bad(rtt_s[i]) || bad(start_s[i]))
            goto cleanup;
        rem[i] = S;
        w[i] = p->equal_weights ? 1.0 : 1.0 / r;
        cap[i] = p->window_bytes > 0 ? p->window_bytes / r : 0;   /* 0: no cap */
        if (start_s[i] < t)
            t = start_s[i];
    }
    for (int left = n; left > 0;) {
        double next_arrival = INFINITY;
        bool any = false;
        for (int i = 0; i < n; i++) {
            active[i] = !done[i] && start_s[i] <= t;
            any |= active[i];
            if (!done[i] && start_s[i] > t && start_s[i] < next_arrival)
                next_arrival = start_s[i];
        }
        if (!any) {
            t = next_arrival;
            continue;
        }
        water_fill(n, active, w, cap, p->uplink_Bps, rate, scratch);
        double dt = next_arrival - t;
        int first = -1;
        for (int i = 0; i < n; i++)
            if (active[i] && rate[i] > 0 && rem[i] / rate[i] <= dt) {
                dt = rem[i] / rate[i];
                first = i;
            }
        for (int i = 0; i < n; i++)
            if (active[i])
                rem[i] -= rate[i] * dt;
        t += dt;
        for (int i = 0; i < n; i++)
            if (active[i] && (i == first || rem[i] <= S * 1e-12)) {
                done[i] = true;
                left--;
                double ss = 0, win = p->window_bytes > 0 && p->window_bytes < S ? p->window_bytes : S;
                if (p->init_cwnd_bytes > 0 && win > p->init_cwnd_bytes)
                    ss = rtt_s[i] * log2(win / p->init_cwnd_bytes);
                dl_s[i] = t - start_s[i] + ss;
            }
    }
    rc = 0;
cleanup:
    free(rem);
    free(w);
    free(cap);
    free(rate);
    free(done);
    free(active);
    free(scratch);
    return rc;
}

void cb_deploy_scaled(const cb_deploy_params *p, double f, cb_deploy_params *out)
{
    *out = *p;
    if (!(f > 0))
        f = 1.0;
    out->script_s = p->script_s * f;
    out->sleep_s = p->sleep_s * f;
    out->post_s = p->post_s * f;
    out->jitter_s = p->jitter_s * f;
    out->uplink_Bps = p->uplink_Bps / f;
}

void cb_deploy_time_scaled(const cb_deploy_params *p, double delay_f, double time_f, cb_deploy_params *out)
{
    cb_deploy_scaled(p, delay_f, out);
    if (time_f > 0)
        out->last_mile_ms = p->last_mile_ms * time_f;
}

int cb_schedule_deploy(const cb_deploy_params *p, const double *rtt_ms, int n, uint64_t seed, double *offsets)
{
    if (n < 0 || !deploy_params_ok(p))
        return -1;
    if (n == 0)
        return 0;
    uint64_t st = seed ^ 0x9e3779b97f4a7c15ULL;
    double *rtt = malloc((size_t)n * sizeof *rtt), *arr = malloc((size_t)n * sizeof *arr);
    double *dl = malloc((size_t)n * sizeof *dl);
    int rc = -1;
    if (!rtt || !arr || !dl)
        goto cleanup;
    for (int i = 0; i < n; i++) {
        if (bad(rtt_ms[i]))
            goto cleanup;
        rtt[i] = (rtt_ms[i] + p->last_mile_ms) / 1000.0;
        arr[i] = p->k_ssh * rtt[i] + p->script_s + p->sleep_s;
    }
    if (cb_schedule_fluid(p, rtt, arr, n, dl) != 0)
        goto cleanup;
    double lo = INFINITY;
    for (int i = 0; i < n; i++) {
        offsets[i] = arr[i] + dl[i] + p->post_s + cb_rand_unit(&st) * p->jitter_s;
        if (offsets[i] < lo)
            lo = offsets[i];
    }
    for (int i = 0; i < n; i++)
        offsets[i] -= lo;
    rc = 0;
cleanup:
    free(rtt);
    free(arr);
    free(dl);
    return rc;
}
