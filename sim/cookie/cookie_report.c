#include "sim/cookie/cookie_report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static double jnum(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *jstr(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static void csv_num(FILE *f, double x)
{
    if (isnan(x))
        fputs(",", f);
    else
        fprintf(f, ",%.6g", x);
}

void cookie_report_csv_header(FILE *f)
{
    fputs("experiment,strategy,requests,hit_ratio,hit_ratio_steady,p50_ms,p99_ms,errors,"
          "bad_content,event,t_s,targeted_frac,affected_frac,moved_frac,theory_moved,"
          "origin_fetches,extra_origin,p99_1s_ms,max_1s_ms,recover_s,new_slot_share\n", f);
}

static void csv_common(FILE *f, const json_t *run)
{
    fprintf(f, "%s,%s", jstr(run, "experiment"), jstr(run, "strategy"));
    csv_num(f, jnum(run, "requests"));
    csv_num(f, jnum(run, "hit_ratio"));
    csv_num(f, jnum(run, "hit_ratio_steady"));
    csv_num(f, jnum(run, "p50_ms"));
    csv_num(f, jnum(run, "p99_ms"));
    csv_num(f, jnum(run, "errors"));
    csv_num(f, jnum(run, "bad_content"));
}

void cookie_report_csv_rows(FILE *f, const json_t *run)
{
    static const char *const cols[] = { "t_s", "targeted_frac", "affected_frac", "moved_frac",
                                        "theory_moved", "origin_fetches", "extra_origin",
                                        "p99_1s_ms", "max_1s_ms", "recover_s", "new_slot_share" };
    const json_t *evs = json_object_get(run, "events");
    size_t i;
    const json_t *ev;
    if (json_array_size(evs) == 0) {
        csv_common(f, run);
        fputs(",,,,,,,,,,,,\n", f);   /* event + 11 event columns, empty */
        return;
    }
    json_array_foreach(evs, i, ev) {
        csv_common(f, run);
        fprintf(f, ",%s", jstr(ev, "event"));
        for (size_t c = 0; c < sizeof cols / sizeof *cols; c++)
            csv_num(f, jnum(ev, cols[c]));
        fputc('\n', f);
    }
}

int cookie_report_timeline(const char *dir, const struct cookie_exp_config *cfg,
                           const struct cookie_exp_result *res)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/timeline", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/timeline/%s-%s.csv", dir, cfg->experiment,
             cfg->strategy->name);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    const struct cookie_load_result *L = &res->load;
    fputs("t_s,requests,hits,misses,errors,hit_ratio,origin_per_s,max_lat_ms,cookie_rejects\n", f);
    for (unsigned b = 0; b < L->n_buckets; b++) {
        const struct cookie_bucket *k = &L->buckets[b];
        if (k->requests == 0)
            continue;
        fprintf(f, "%.3f,%u,%u,%u,%u,%.4f,%.1f,%.2f,%u\n", (b + 0.5) * cfg->bucket_s,
                k->requests, k->hits, k->misses, k->errors, (double)k->hits / k->requests,
                k->misses / cfg->bucket_s, k->max_lat_us / 1000.0, k->cookie_rejects);
    }
    return fclose(f) == 0 ? 0 : -1;
}

static const json_t *find_run(const json_t *runs, const char *exp, const char *strategy)
{
    size_t i;
    const json_t *r;
    json_array_foreach(runs, i, r) {
        if (strcmp(jstr(r, "experiment"), exp) == 0 && strcmp(jstr(r, "strategy"), strategy) == 0)
            return r;
    }
    return NULL;
}

static const json_t *event_of(const json_t *run, const char *name)
{
    size_t i;
    const json_t *e;
    json_array_foreach(json_object_get(run, "events"), i, e) {
        if (strcmp(jstr(e, "event"), name) == 0)
            return e;
    }
    return NULL;
}

static void md_pct(FILE *f, double x)
{
    if (isnan(x))
        fputs(" – |", f);
    else
        fprintf(f, " %.1f%% |", 100 * x);
}

static void md_num(FILE *f, const char *fmt, double x)
{
    if (isnan(x)) {
        fputs(" – |", f);
        return;
    }
    fputc(' ', f);
    fprintf(f, fmt, x);
    fputs(" |", f);
}

/* The document's two claims and the cost it does not mention, stated from
 * the measured numbers (the thresholds are for reading, not for tests). */
static void claims(FILE *f, const json_t *runs)
{
    const json_t *so = find_run(runs, "scaleout", "cookie");
    const json_t *kill = find_run(runs, "kill", "cookie");
    const json_t *kk = find_run(runs, "scaleout", "ketama");
    const json_t *loss = find_run(runs, "cookieloss", "cookie");
    const json_t *e;
    fprintf(f, "\nReading the table:\n\n");
    if (so && (e = event_of(so, "scaleout")))
        fprintf(f, "- *Scale-out moves nothing* (cookie): %.1f%% of clients changed server "
                "-> the claim %s.\n", 100 * jnum(e, "moved_frac"),
                jnum(e, "moved_frac") == 0 ? "holds" : "does not hold in this run");
    if (kill && (e = event_of(kill, "kill")))
        fprintf(f, "- *A failed server affects only its own data* (cookie): %.1f%% of clients "
                "had a miss after the kill; %.1f%% of clients were on the killed server "
                "-> the claim %s.\n", 100 * jnum(e, "affected_frac"),
                100 * jnum(e, "targeted_frac"),
                jnum(e, "affected_frac") <= jnum(e, "targeted_frac") + 0.02
                    ? "holds" : "does not hold in this run (see failovers: a loaded machine "
                                "makes healthy servers miss the timeout)");
    if (so && kk && (e = event_of(so, "scaleout"))) {
        const json_t *ek = event_of(kk, "scaleout");
        fprintf(f, "- What it costs: existing clients never move, so the added server gets "
                "only new clients: %.1f%% of the clients were on it at the end of the run "
                "(ketama: %.1f%%, 1/(N+1) = the balanced share).\n",
                100 * jnum(e, "new_slot_share"), ek ? 100 * jnum(ek, "new_slot_share") : NAN);
    }
    if (loss && (e = event_of(loss, "cookieloss")))
        fprintf(f, "- The cookie is the only record of placement: after a scale-out, clients "
                "that lose it are re-placed by hash %% (N+1); %.1f%% of all clients moved "
                "(theory %.1f%%).\n", 100 * jnum(e, "moved_frac"), 100 * jnum(e, "theory_moved"));
    fprintf(f, "- A hung server (no RST, unlike kill -9 on loopback) is only detected by the "
            "timeout, which is what the latency columns of the *hang* rows show.\n");
}

int cookie_report_markdown(const char *dir, const json_t *config, const json_t *runs,
                           const char *plot_rel)
{
    static const char *const strategies[] = { "cookie", "modulo", "ketama" };
    static const char *const remap_exps[][2] = {
        { "kill", "kill" }, { "hang", "hang" }, { "scaleout", "scaleout" },
        { "cookieloss", "cookieloss" } };
    char path[1024];
    FILE *f;

    /* remap.csv: measured moved fraction next to theory, per event. */
    snprintf(path, sizeof path, "%s/remap.csv", dir);
    if (!(f = fopen(path, "w")))
        return -1;
    fputs("experiment,event,strategy,n_before,moved_frac,theory_moved,affected_frac\n", f);
    for (size_t x = 0; x < 4; x++)
        for (size_t s = 0; s < 3; s++) {
            const json_t *r = find_run(runs, remap_exps[x][0], strategies[s]);
            const json_t *e = r ? event_of(r, remap_exps[x][1]) : NULL;
            if (!e)
                continue;
            /* cookie loss comes after the scale-out: N+1 servers by then */
            fprintf(f, "%s,%s,%s,%d", remap_exps[x][0], remap_exps[x][1], strategies[s],
                    (int)jnum(json_object_get(r, "config"), "n_cache") +
                        (strcmp(remap_exps[x][0], "cookieloss") == 0));
            csv_num(f, jnum(e, "moved_frac"));
            csv_num(f, jnum(e, "theory_moved"));
            csv_num(f, jnum(e, "affected_frac"));
            fputc('\n', f);
        }
    if (fclose(f) != 0)
        return -1;

    snprintf(path, sizeof path, "%s/cookie-report.md", dir);
    if (!(f = fopen(path, "w")))
        return -1;
    int n = (int)jnum(config, "n_cache");
    fprintf(f, "## Second scenario: cookie-pinned cache placement (JP 6492123 B2)\n\n");
    fprintf(f, "Real memcached servers (%s, N = %d) behind %d libmicrohttpd web servers on "
            "127.0.0.1, %d libcurl clients each with its own cookie jar, requests spread "
            "at random over the web servers, think time %d ms, origin delay %d ms, cache "
            "timeout %d ms. Run `%s`, seed %d, `git describe` %s.\n\n",
            jstr(config, "memcached_version"), n, (int)jnum(config, "n_web"),
            (int)jnum(config, "clients"), (int)jnum(config, "think_ms"),
            (int)jnum(config, "origin_delay_ms"), (int)jnum(config, "cache_timeout_ms"),
            jstr(config, "run_id"), (int)jnum(config, "seed"), jstr(config, "git_describe"));
    fprintf(f, "The document claims that a failed cache server affects only its own "
            "clients' data and that growing from N to N+1 servers moves no data. "
            "Measured (fractions of clients, from what the clients saw):\n\n");
    fprintf(f, "| event | strategy | clients on the failed server / losing cookies | "
            "moved (measured) | moved (theory) | clients with a miss | "
            "origin fetches | p99 first 1 s (ms) | max first 1 s (ms) | recovery (s) | "
            "requests that met a cache failure |\n");
    fprintf(f, "|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (size_t x = 0; x < 4; x++)
        for (size_t s = 0; s < 3; s++) {
            const json_t *r = find_run(runs, remap_exps[x][0], strategies[s]);
            const json_t *e = r ? event_of(r, remap_exps[x][1]) : NULL;
            if (!e)
                continue;
            fprintf(f, "| %s | %s |", remap_exps[x][0], strategies[s]);
            md_pct(f, strcmp(remap_exps[x][0], "scaleout") == 0 ? NAN : jnum(e, "targeted_frac"));
            md_pct(f, jnum(e, "moved_frac"));
            md_pct(f, jnum(e, "theory_moved"));
            md_pct(f, jnum(e, "affected_frac"));
            md_num(f, "%.0f", jnum(e, "origin_fetches"));
            md_num(f, "%.1f", jnum(e, "p99_1s_ms"));
            md_num(f, "%.1f", jnum(e, "max_1s_ms"));
            md_num(f, "%.2f", jnum(e, "recover_s"));
            md_num(f, "%.0f", jnum(r, "failovers"));
            fputc('\n', f);
        }
    claims(f, runs);
    fprintf(f, "\nTheory: kill of one of N: cookie and ketama 1/N, modulo (hash %% live "
            "count) the exact share of keys whose server changes; scale-out N -> N+1: "
            "modulo N/(N+1), ketama 1/(N+1), cookie 0; cookie loss (after scale-out) of a "
            "share f of clients (f = the share of jars actually emptied): cookie f x N/(N+1) "
            "(re-placed by hash %% (N+1)), others 0. The 1/N of a kill is the expected share of "
            "clients on one server; the actual share is in the third column.\n\n");

    fprintf(f, "Steady state and load after a scale-out:\n\n");
    fprintf(f, "| strategy | hit ratio (steady) | p50 (ms) | p99 (ms) | req/s | "
            "share of clients on the new server after scale-out | bad content |\n");
    fprintf(f, "|---|---|---|---|---|---|---|\n");
    for (size_t s = 0; s < 3; s++) {
        const json_t *r = find_run(runs, "steady", strategies[s]);
        const json_t *so = find_run(runs, "scaleout", strategies[s]);
        const json_t *e = so ? event_of(so, "scaleout") : NULL;
        if (!r)
            continue;
        fprintf(f, "| %s |", strategies[s]);
        md_pct(f, jnum(r, "hit_ratio_steady"));
        md_num(f, "%.2f", jnum(r, "p50_ms"));
        md_num(f, "%.2f", jnum(r, "p99_ms"));
        md_num(f, "%.0f", jnum(r, "req_per_s"));
        md_pct(f, e ? jnum(e, "new_slot_share") : NAN);
        md_num(f, "%.0f", jnum(r, "bad_content"));
        fputc('\n', f);
    }
    if (plot_rel)
        fprintf(f, "\n![hit ratio over time](%s)\n\n*Hit ratio per %.2f s bucket; dashed lines: "
                "fault / scale-out / cookie loss.*\n", plot_rel, jnum(config, "bucket_s"));
    fprintf(f, "\nFiles: `runs.jsonl` (one object per run, with its configuration), "
            "`summary.csv`, `remap.csv`, `timeline/<experiment>-<strategy>.csv`.\n");
    return fclose(f) == 0 ? 0 : -1;
}
