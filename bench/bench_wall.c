/* bench_wall.c: where a sweep's wall time went (see bench_wall.h). */
#include "bench/bench_wall.h"

#include <stdio.h>

static double num(const json_t *rec, const char *key)
{
    json_t *v = json_object_get(rec, key);
    return json_is_number(v) ? json_number_value(v) : 0;
}

void bench_wall_add(bench_wall *w, const json_t *rec)
{
    double setup = num(rec, "setup_s"), quiescent = num(rec, "quiescent_s");
    w->setup_s += setup;
    if (quiescent > setup)
        w->drain_s += quiescent - setup;
    /* what the sweep waited for; records before cluster_wait_s waited it all */
    w->cluster_start_s += json_is_number(json_object_get(rec, "cluster_wait_s")) ? num(rec, "cluster_wait_s")
                                                                                : num(rec, "cluster_start_s");
    w->runs++;
}

void bench_wall_finish(bench_wall *w, double wall_s)
{
    w->wall_s = wall_s;
    w->other_s = wall_s - w->setup_s - w->drain_s - w->cluster_start_s;
}

void bench_wall_from_json(bench_wall *w, const json_t *j)
{
    w->wall_s = num(j, "wall_s");
    w->setup_s = num(j, "setup_s");
    w->drain_s = num(j, "drain_s");
    w->cluster_start_s = num(j, "cluster_start_s");
    w->other_s = num(j, "other_s");
    w->runs = (int)num(j, "runs");
}

double bench_wall_ratio(const bench_wall *w)
{
    return w->setup_s > 0 ? w->wall_s / w->setup_s : 0;
}

json_t *bench_wall_json(const bench_wall *w)
{
    return json_pack("{s:f,s:f,s:f,s:f,s:f,s:i,s:f}", "wall_s", w->wall_s, "setup_s", w->setup_s, "drain_s",
                     w->drain_s, "cluster_start_s", w->cluster_start_s, "other_s", w->other_s, "runs", w->runs,
                     "wall_per_setup", bench_wall_ratio(w));
}

static double pct(double part, double whole)
{
    return whole > 0 ? 100.0 * part / whole : 0;
}

void bench_wall_format(const bench_wall *w, char *out, size_t out_len)
{
    snprintf(out, out_len,
             "wall %.1f s = setup %.1f s (%.1f%%) + drain %.1f s (%.1f%%) + cluster start %.1f s (%.1f%%) + "
             "other %.1f s (%.1f%%); wall/setup %.2f over %d run(s)",
             w->wall_s, w->setup_s, pct(w->setup_s, w->wall_s), w->drain_s, pct(w->drain_s, w->wall_s),
             w->cluster_start_s, pct(w->cluster_start_s, w->wall_s), w->other_s, pct(w->other_s, w->wall_s),
             bench_wall_ratio(w), w->runs);
}
