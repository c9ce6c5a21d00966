/* bench_factors.c: `geokv-bench factors` (see bench_factors.h).
 *
 * Each sweep is this program's `run` in a child process (bench_child.h) and
 * the analysis is geokv-model's: the sweeps stay exactly what `geokv-bench
 * run` records (each resumable on its own), and the statistics stay in the
 * model module, which bench does not link. steps.json is rewritten after
 * every sweep, so a stopped study goes on with --resume: sweeps done are
 * skipped, a stopped one is resumed with `run --resume`, which skips its
 * finished runs. */
#include "bench/bench_factors.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_child.h"
#include "bench/bench_factors_plan.h"
#include "bench/bench_results.h"
#include "sim/cb/cb_profile.h"
#include "sim/util/util_clock.h"
#include "sim/util/util_data.h"
#include "sim/util/util_err.h"
#include "sim/util/util_fs.h"
#include "sim/util/util_version.h"
#include "sim/wan/topology.h"

#define FAC_TOPOLOGY "sim/wan/topology/patent-fig6.json"

typedef struct fac_ctx {
    bench_fac_opts o;
    bench_fac_plan p;
    char self[PATH_MAX], model[PATH_MAX + 16];
    char id[96];
    char dir[BENCH_PATH_LEN + 128];
    char git[128];
    char profile_path[PATH_MAX];
    double c_line_us;
    char c_line_src[CB_PROFILE_SRC];
    json_t *steps;                   /* steps.json */
    int runs_failed;                 /* a sweep exited 1 */
    double est_total_s, est_done_s, wall_done_s;
    double t0;
} fac_ctx;

static void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void progress(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "geokv-bench factors: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void duration_text(double s, char *out, size_t len)
{
    long t = lround(s);
    if (t >= 3600)
        snprintf(out, len, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(out, len, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(out, len, "%lds", t);
}

static int save_steps(fac_ctx *c)
{
    char err[512];
    if (bench_write_json_atomic(c->dir, "steps.json", c->steps, err, sizeof err) != 0) {
        progress("%s", err);
        return -1;
    }
    return 0;
}

static void set_status(fac_ctx *c, const char *status)
{
    json_object_set_new(c->steps, "status", json_string(status));
    save_steps(c);
}

/* ---- set-up: the programs, the profile, the topology ---- */

static int find_programs(fac_ctx *c, char *err, size_t err_len)
{
    ssize_t n = readlink("/proc/self/exe", c->self, sizeof c->self - 1);
    if (n <= 0) {
        util_seterr(err, err_len, "cannot find this program (/proc/self/exe): %s", strerror(errno));
        return -1;
    }
    c->self[n] = '\0';
    snprintf(c->model, sizeof c->model, "%s", c->self);
    char *slash = strrchr(c->model, '/');
    snprintf(slash ? slash + 1 : c->model, sizeof c->model - (size_t)(slash ? slash + 1 - c->model : 0),
             "geokv-model");
    if (access(c->model, X_OK) != 0) {
        util_seterr(err, err_len, "geokv-model is not beside %s: build it with `make`", c->self);
        return -1;
    }
    return 0;
}

/* The cost factor's "on" must be on, and its c_line_us is reported. */
static int check_profile(fac_ctx *c, char *err, size_t err_len)
{
    cb_profile *p = malloc(sizeof *p);
    int rc = -1;
    if (!p) {
        util_seterr(err, err_len, "out of memory");
        return -1;
    }
    if (cb_profile_load(c->o.profile, p, err, err_len) != 0)
        goto cleanup;
    if ((c->o.factors & (1u << BENCH_FAC_COST)) && !p->cost_model) {
        util_seterr(err, err_len, "--profile %s has its cost model off, so both cost levels would be the same: "
                    "use a profile with \"cost_model\" on (patent-2022)", c->o.profile);
        goto cleanup;
    }
    if (realpath(p->path, c->profile_path) == NULL)
        snprintf(c->profile_path, sizeof c->profile_path, "%s", p->path);
    c->c_line_us = p->c_line_us;
    for (size_t i = 0; cb_profile_param_name(i); i++)
        if (strcmp(cb_profile_param_name(i), "c_line_us") == 0)
            snprintf(c->c_line_src, sizeof c->c_line_src, "%s", p->src[i]);
    rc = 0;
cleanup:
    free(p);
    return rc;
}

/* The region factor's levels must be what they say: the topology's
 * controller region Seoul, and us-east-1 one of its regions. */
static int check_topology(char *err, size_t err_len)
{
    char path[PATH_MAX + 64];
    topology *t = NULL;
    util_data_path(path, sizeof path, FAC_TOPOLOGY);
    if (topology_load(path, &t, err, err_len) != 0)
        return -1;
    int near = topology_region_index(t, BENCH_FAC_NEAR_REGION), far = topology_region_index(t, BENCH_FAC_FAR_REGION);
    int rc = 0;
    if (near < 0 || t->controller_region != near || far < 0) {
        util_seterr(err, err_len, "%s: the region factor needs the controller in %s and a region %s", path,
                    BENCH_FAC_NEAR_REGION, BENCH_FAC_FAR_REGION);
        rc = -1;
    }
    topology_free(t);
    return rc;
}

/* ---- steps.json ---- */

static json_t *opts_json(const bench_fac_opts *o)
{
    char fac[64];
    json_t *nl = json_array();
    for (size_t i = 0; i < o->n_n; i++)
        json_array_append_new(nl, json_integer(o->n[i]));
    bench_fac_mask_text(o->factors, fac, sizeof fac);
    return json_pack("{s:o,s:i,s:I,s:f,s:f,s:f,s:i,s:s,s:s}", "n", nl, "reps", o->reps, "seed", (json_int_t)o->seed,
                     "rtt_scale", o->rtt_scale, "delay_scale", o->delay_scale, "timeout_s", o->timeout_s,
                     "etcd_fsync", o->etcd_fsync, "factors", fac, "profile", o->profile);
}

/* The options of a study being resumed (its steps.json). */
static int opts_from_json(const json_t *j, bench_fac_opts *o, char *err, size_t err_len)
{
    json_t *nl = json_object_get(j, "n"), *v;
    size_t i;
    const char *fac = json_string_value(json_object_get(j, "factors"));
    const char *prof = json_string_value(json_object_get(j, "profile"));
    if (!json_is_array(nl) || json_array_size(nl) == 0 || json_array_size(nl) > BENCH_MAX_N || !fac || !prof ||
        !json_is_integer(json_object_get(j, "reps")) || !json_is_integer(json_object_get(j, "seed"))) {
        util_seterr(err, err_len, "steps.json: \"options\" is incomplete");
        return -1;
    }
    o->n_n = 0;
    json_array_foreach(nl, i, v)
        o->n[o->n_n++] = (int)json_integer_value(v);
    o->reps = (int)json_integer_value(json_object_get(j, "reps"));
    o->seed = (uint64_t)json_integer_value(json_object_get(j, "seed"));
    o->seed_given = true;
    o->rtt_scale = json_number_value(json_object_get(j, "rtt_scale"));
    o->delay_scale = json_number_value(json_object_get(j, "delay_scale"));
    o->timeout_s = json_number_value(json_object_get(j, "timeout_s"));
    o->etcd_fsync = (int)json_integer_value(json_object_get(j, "etcd_fsync"));
    snprintf(o->profile, sizeof o->profile, "%s", prof);
    return bench_fac_mask_parse(fac, &o->factors, err, err_len);
}

static json_t *design_json(const bench_fac_plan *p)
{
    json_t *fs = json_array();
    for (int f = 0; f < BENCH_FAC_K; f++) {
        const bench_fac_def *d = &bench_fac_defs[f];
        json_t *lv = json_array();
        for (int l = 0; l < 2; l++)
            json_array_append_new(lv, json_pack("{s:s,s:s,s:s,s:s,s:i}", "code", d->code[l], "label", d->label[l],
                                                "text", d->text[l], "options", d->opts[l], "coded", l ? 1 : -1));
        json_array_append_new(fs, json_pack("{s:s,s:s,s:b,s:o}", "key", d->key, "title", d->title, "varied",
                                            (p->varied >> f) & 1u, "levels", lv));
    }
    json_t *order = json_array();
    for (size_t j = 0; j < p->k; j++)
        json_array_append_new(order, json_string(bench_fac_defs[p->order[j]].key));
    return json_pack("{s:o,s:o,s:s}", "factors", fs, "varied", order, "cell_order",
                     "standard order: the first varied factor changes fastest");
}

static json_t *cells_json(const bench_fac_plan *p)
{
    json_t *cells = json_array();
    for (size_t i = 0; i < p->n_cells; i++) {
        const bench_fac_cell *cl = &p->cells[i];
        json_t *lv = json_object();
        for (int f = 0; f < BENCH_FAC_K; f++)
            json_object_set_new(lv, bench_fac_defs[f].key, json_string(bench_fac_defs[f].code[cl->level[f]]));
        json_array_append_new(cells, json_pack("{s:s,s:o,s:s,s:s}", "name", cl->name, "levels", lv, "sweep",
                                               p->sweeps[cl->sweep].name, "before_sweep",
                                               p->sweeps[cl->before_sweep].name));
    }
    return cells;
}

static json_t *sweeps_json(fac_ctx *c)
{
    json_t *sw = json_array();
    bench_fac_argv *a = malloc(sizeof *a);
    if (!a)
        return sw;
    for (size_t i = 0; i < c->p.n_sweeps; i++) {
        json_t *args = json_array();
        bench_fac_sweep_argv(&c->o, &c->p, i, c->self, c->dir, a);
        for (size_t k = 0; k < a->n; k++)
            json_array_append_new(args, json_string(a->v[k]));
        json_array_append_new(sw, json_pack("{s:s,s:s,s:o,s:f,s:s,s:n,s:n,s:n,s:n,s:i}", "name", c->p.sweeps[i].name,
                                            "modes", c->p.sweeps[i].with_before ? "before,after" : "after", "argv",
                                            args, "estimate_s", bench_fac_estimate_sweep_s(&c->o, &c->p, i),
                                            "status", "pending", "exit", "dir", "run_id", "wall_s", "starts", 0));
    }
    free(a);
    return sw;
}

static json_t *steps_new(fac_ctx *c)
{
    char created[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *prof = json_pack("{s:s,s:s,s:f,s:s}", "given", c->o.profile, "path", c->profile_path, "c_line_us",
                             c->c_line_us, "c_line_us_source", c->c_line_src);
    return json_pack("{s:s,s:s,s:s,s:I,s:s,s:o,s:o,s:f,s:o,s:o,s:o,s:s}", "study_id", c->id, "created", created,
                     "git_describe", c->git, "seed", (json_int_t)c->o.seed, "status", "running", "options",
                     opts_json(&c->o), "profile_at_start", prof, "estimate_s", c->est_total_s, "design",
                     design_json(&c->p), "cells", cells_json(&c->p), "sweeps", sweeps_json(c), "before_runs",
                     "shared by the two init-lock levels: the lock-on cell's sweep runs before and after, the "
                     "lock-off cell's only after (before mode never reads --init-lock)");
}

/* ---- one sweep ---- */

/* Mean setup_s of mode at N over a sweep's green runs, NAN when none. */
static double mean_setup(const char *run_dir, const char *mode, int n)
{
    char path[PATH_MAX + 32];
    size_t len = 0, valid = 0, bad = 0, i;
    json_t *recs = NULL, *r;
    double sum = 0;
    int k = 0;
    snprintf(path, sizeof path, "%s/runs.jsonl", run_dir);
    char *text = util_slurp(path, &len);
    if (!text || bench_parse_runs(text, len, &recs, &valid, &bad) != 0) {
        free(text);
        return NAN;
    }
    json_array_foreach(recs, i, r) {
        const char *m = json_string_value(json_object_get(r, "mode"));
        json_t *s = json_object_get(r, "setup_s");
        if (m && strcmp(m, mode) == 0 && json_integer_value(json_object_get(r, "n")) == n &&
            json_is_true(json_object_get(r, "checker_ok")) && json_is_number(s)) {
            sum += json_number_value(s);
            k++;
        }
    }
    json_decref(recs);
    free(text);
    return k ? sum / k : NAN;
}

static json_t *sweep_entry(fac_ctx *c, const char *name)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(c->steps, "sweeps"), i, s) {
        const char *sn = json_string_value(json_object_get(s, "name"));
        if (sn && strcmp(sn, name) == 0)
            return s;
    }
    return NULL;
}

/* "N=20 +12.3%, N=40 -5.1%": the cell's after-vs-before change so far. */
static void change_text(fac_ctx *c, size_t cell, char *out, size_t len)
{
    const bench_fac_cell *cl = &c->p.cells[cell];
    json_t *sa = sweep_entry(c, c->p.sweeps[cl->sweep].name), *sb = sweep_entry(c, c->p.sweeps[cl->before_sweep].name);
    const char *da = json_string_value(json_object_get(sa, "dir")), *db = json_string_value(json_object_get(sb, "dir"));
    size_t used = 0;
    out[0] = '\0';
    if (!da || !db) {
        snprintf(out, len, "its before runs are not done yet");
        return;
    }
    used += (size_t)snprintf(out, len, "setup after vs before:");
    for (size_t i = 0; i < c->o.n_n && used < len; i++) {
        double b = mean_setup(db, "before", c->o.n[i]), a = mean_setup(da, "after", c->o.n[i]);
        if (isfinite(a) && isfinite(b) && b > 0)
            used += (size_t)snprintf(out + used, len - used, " N=%d %+.1f%%", c->o.n[i], 100 * (a - b) / b);
        else
            used += (size_t)snprintf(out + used, len - used, " N=%d -", c->o.n[i]);
    }
}

/* Runs sweep i (or resumes it). Returns its exit status: 0 green, 1 a run
 * failed, >= 2 failed or stopped. */
static int do_sweep(fac_ctx *c, size_t i)
{
    const bench_fac_sweep *s = &c->p.sweeps[i];
    json_t *e = sweep_entry(c, s->name);
    char cell_out[sizeof c->dir + 160], latest[sizeof cell_out + 16], log[sizeof cell_out + 8], run_dir[PATH_MAX];
    char est[32], took[32], left[32], chg[256];
    bench_fac_argv *a = malloc(sizeof *a);
    int fd = -1, rc = 2;
    if (!a || !e)
        goto cleanup;
    snprintf(cell_out, sizeof cell_out, "%s/cells/%s", c->dir, s->name);
    snprintf(latest, sizeof latest, "%s/latest", cell_out);
    snprintf(log, sizeof log, "%s.log", cell_out);
    /* a sweep that got as far as its config.json is resumed, runs and all */
    char cfg[sizeof latest + 16];
    snprintf(cfg, sizeof cfg, "%s/config.json", latest);
    bool resume = util_file_exists(cfg);
    if (resume) {
        bench_fac_argv_init(a);
        bench_fac_argv_add(a, "%s", c->self);
        bench_fac_argv_add(a, "run");
        bench_fac_argv_add(a, "--resume");
        bench_fac_argv_add(a, "%s", latest);
    } else {
        bench_fac_sweep_argv(&c->o, &c->p, i, c->self, c->dir, a);
    }
    if (a->overflow || util_mkdirs(cell_out, NULL, 0) != 0 ||
        (fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0) {
        progress("cannot prepare %s (%s)", cell_out, strerror(errno));
        goto cleanup;
    }
    double est_s = json_number_value(json_object_get(e, "estimate_s"));
    duration_text(est_s, est, sizeof est);
    progress("[%zu/%zu] %s: %s%s, %zu runs, about %s; output in %s", i + 1, c->p.n_sweeps, s->name,
             resume ? "resuming its sweep, " : "", s->with_before ? "before,after" : "after",
             c->o.n_n * (size_t)c->o.reps * (s->with_before ? 2 : 1), est, log);
    json_object_set_new(e, "status", json_string("running"));
    json_object_set_new(e, "starts", json_integer(json_integer_value(json_object_get(e, "starts")) + 1));
    save_steps(c);
    double t0 = util_now_s();
    rc = bench_child_run(a->v, fd, fd);
    double wall = util_now_s() - t0;
    if (rc < 0)
        rc = 2;
    json_object_set_new(e, "exit", json_integer(rc));
    json_object_set_new(e, "wall_s", json_real(wall + json_number_value(json_object_get(e, "wall_s"))));
    if (rc < 2 && realpath(latest, run_dir) == NULL) {
        progress("the %s sweep left no %s; see %s", s->name, latest, log);
        rc = 2;
    }
    if (rc < 2) {
        const char *slash = strrchr(run_dir, '/');
        json_object_set_new(e, "dir", json_string(run_dir));
        json_object_set_new(e, "run_id", json_string(slash ? slash + 1 : run_dir));
        json_object_set_new(e, "status", json_string("done"));
        if (rc == 1)
            c->runs_failed = 1;
        c->est_done_s += est_s;
        c->wall_done_s += wall;
    } else {
        json_object_set_new(e, "status", json_string(rc >= 128 ? "stopped" : "failed"));
    }
    save_steps(c);
    duration_text(wall, took, sizeof took);
    if (rc >= 2) {
        progress("[%zu/%zu] %s: %s after %s (exit %d); see %s", i + 1, c->p.n_sweeps, s->name,
                 rc >= 128 ? "stopped" : "FAILED", took, rc, log);
        goto cleanup;
    }
    /* what is left, by the estimate scaled by how far it was off so far */
    double left_s = 0;
    for (size_t j = i + 1; j < c->p.n_sweeps; j++) {
        json_t *ej = sweep_entry(c, c->p.sweeps[j].name);
        const char *st = json_string_value(json_object_get(ej, "status"));
        if (!st || strcmp(st, "done") != 0)
            left_s += json_number_value(json_object_get(ej, "estimate_s"));
    }
    if (c->est_done_s > 0)
        left_s *= c->wall_done_s / c->est_done_s;
    duration_text(left_s, left, sizeof left);
    change_text(c, (size_t)s->cell, chg, sizeof chg);
    duration_text(util_now_s() - c->t0, est, sizeof est);
    progress("[%zu/%zu] %s: done in %s, %s; %s | %s elapsed, about %s left", i + 1, c->p.n_sweeps, s->name, took,
             rc == 0 ? "every run green" : "a run FAILED", chg, est, left);
cleanup:
    if (fd >= 0)
        close(fd);
    free(a);
    return rc;
}

/* geokv-model factors <dir>: its stdout is ours. 0 when it wrote the files. */
static int analyse(fac_ctx *c)
{
    char *argv[] = {c->model, "factors", c->dir, NULL};
    progress("analysis: geokv-model factors %s", c->dir);
    int rc = bench_child_run(argv, -1, -1);
    if (rc != 0)
        progress("geokv-model factors failed (exit %d)", rc);
    return rc == 0 ? 0 : 2;
}

static int link_latest(fac_ctx *c)
{
    char link[BENCH_PATH_LEN + 32], tmp[BENCH_PATH_LEN + 64];
    snprintf(link, sizeof link, "%s/factors-latest", c->o.out);
    snprintf(tmp, sizeof tmp, "%s/.factors-latest.%ld", c->o.out, (long)getpid());
    unlink(tmp);
    if (symlink(c->id, tmp) != 0 || rename(tmp, link) != 0) {
        progress("cannot point %s at %s: %s", link, c->id, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* ---- the plan (--dry-run) ---- */

static void print_plan(fac_ctx *c)
{
    char fac[64], line[8192], est[32];
    bench_fac_argv *a = malloc(sizeof *a);
    size_t runs = 0;
    if (!a)
        return;
    bench_fac_mask_text(c->p.varied, fac, sizeof fac);
    printf("geokv-bench factors: plan, seed %llu, into %s (nothing is run)\n", (unsigned long long)c->o.seed, c->dir);
    printf("design: 2^%zu = %zu cells over %s; the response is the after-vs-before change of setup_s (and of "
           "app_bytes) per cell and N\n", c->p.k, c->p.n_cells, fac);
    for (int f = 0; f < BENCH_FAC_K; f++) {
        const bench_fac_def *d = &bench_fac_defs[f];
        bool varied = (c->p.varied >> f) & 1u;
        printf("  %-6s %-17s -1: %s [%s]", d->key, d->title, d->text[0], d->opts[0]);
        if (varied)
            printf("\n  %-6s %-17s +1: %s [%s]\n", "", "", d->text[1], d->opts[1]);
        else
            printf("  (held there: not in --factors)\n");
    }
    printf("profile %s (%s): c_line_us = %g us, source \"%s\"\n", c->o.profile, c->profile_path, c->c_line_us,
           c->c_line_src);
    printf("N = ");
    for (size_t i = 0; i < c->o.n_n; i++)
        printf("%s%d", i ? "," : "", c->o.n[i]);
    printf(", %d repetition%s, --rtt-scale %g --delay-scale %g; before runs shared by the two init-lock levels "
           "(before mode never reads --init-lock)\n", c->o.reps, c->o.reps > 1 ? "s" : "", c->o.rtt_scale,
           c->o.delay_scale);
    printf("sweeps (each a child process, output in cells/<cell>.log):\n");
    for (size_t i = 0; i < c->p.n_sweeps; i++) {
        const bench_fac_sweep *s = &c->p.sweeps[i];
        size_t nr = c->o.n_n * (size_t)c->o.reps * (s->with_before ? 2 : 1);
        runs += nr;
        bench_fac_sweep_argv(&c->o, &c->p, i, c->self, c->dir, a);
        bench_fac_argv_format(a, line, sizeof line);
        duration_text(bench_fac_estimate_sweep_s(&c->o, &c->p, i), est, sizeof est);
        printf("%2zu. %s (%s; %zu runs, about %s%s%s): %s\n", i + 1, s->name, s->with_before ? "before,after" : "after",
               nr, est, s->with_before ? "" : "; before runs of ",
               s->with_before ? "" : c->p.sweeps[c->p.cells[s->cell].before_sweep].name, line);
    }
    printf("%2zu. analysis: %s factors %s (factors.md, factors.json, factors.png)\n", c->p.n_sweeps + 1, c->model,
           c->dir);
    duration_text(c->est_total_s, est, sizeof est);
    printf("%zu runs in %zu sweeps; estimated wall time %s (%.0f min; from run times measured at full time on this "
           "machine, see bench/bench_factors_plan.c)\n", runs, c->p.n_sweeps, est, c->est_total_s / 60);
    free(a);
}

/* ---- main ---- */

static int setup_new(fac_ctx *c, char *err, size_t err_len)
{
    if (!c->o.seed_given) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        c->o.seed = ((uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec * 1000003ULL ^ (uint64_t)getpid()) % 100000000ULL;
        c->o.seed_given = true;
    }
    char rid[64];
    bench_run_id(time(NULL), c->o.seed, rid, sizeof rid);
    snprintf(c->id, sizeof c->id, "factors-%s", rid);
    if ((size_t)snprintf(c->dir, sizeof c->dir, "%s/%s", c->o.out, c->id) >= sizeof c->dir) {
        util_seterr(err, err_len, "--out: path too long");
        return -1;
    }
    return 0;
}

/* --resume: the study's own options and state from its steps.json. */
static int setup_resume(fac_ctx *c, char *err, size_t err_len)
{
    char given[BENCH_PATH_LEN + 32], real[PATH_MAX], path[PATH_MAX + 16];
    json_error_t je;
    if (c->o.resume_dir[0])
        snprintf(given, sizeof given, "%s", c->o.resume_dir);
    else
        snprintf(given, sizeof given, "%s/factors-latest", c->o.out);
    if (realpath(given, real) == NULL) {
        util_seterr(err, err_len, "--resume: %s: %s", given, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/steps.json", real);
    c->steps = json_load_file(path, 0, &je);
    if (!c->steps) {
        util_seterr(err, err_len, "--resume: %s: %s", path, je.text);
        return -1;
    }
    if (opts_from_json(json_object_get(c->steps, "options"), &c->o, err, err_len) != 0)
        return -1;
    const char *id = json_string_value(json_object_get(c->steps, "study_id"));
    snprintf(c->id, sizeof c->id, "%s", id ? id : "");
    if (strlen(real) >= sizeof c->dir) {
        util_seterr(err, err_len, "--resume: path too long: %s", real);
        return -1;
    }
    memcpy(c->dir, real, strlen(real) + 1);
    return 0;
}

/* The plan of a resumed study must be the one its steps.json lists. */
static int check_resumed_plan(fac_ctx *c, char *err, size_t err_len)
{
    json_t *sw = json_object_get(c->steps, "sweeps");
    if (json_array_size(sw) != c->p.n_sweeps) {
        util_seterr(err, err_len, "--resume: steps.json lists %zu sweeps, the design %zu", json_array_size(sw),
                    c->p.n_sweeps);
        return -1;
    }
    for (size_t i = 0; i < c->p.n_sweeps; i++)
        if (!sweep_entry(c, c->p.sweeps[i].name)) {
            util_seterr(err, err_len, "--resume: steps.json has no sweep %s", c->p.sweeps[i].name);
            return -1;
        }
    return 0;
}

static int run_study(fac_ctx *c)
{
    int rc = 0;
    for (size_t i = 0; i < c->p.n_sweeps; i++) {
        json_t *e = sweep_entry(c, c->p.sweeps[i].name);
        const char *st = json_string_value(json_object_get(e, "status"));
        if (st && strcmp(st, "done") == 0) {
            if (json_integer_value(json_object_get(e, "exit")) == 1)
                c->runs_failed = 1;
            progress("[%zu/%zu] %s: done before, skipped", i + 1, c->p.n_sweeps, c->p.sweeps[i].name);
            continue;
        }
        if (bench_child_stop_sig)
            break;
        rc = do_sweep(c, i);
        if (rc >= 2)
            break;
    }
    char status[256];
    if (bench_child_stop_sig) {
        snprintf(status, sizeof status, "stopped by signal %d", (int)bench_child_stop_sig);
        set_status(c, status);
        progress("stopped; what was done is in %s (continue with --resume %s)", c->dir, c->dir);
        return 128 + (int)bench_child_stop_sig;
    }
    if (rc >= 2) {
        set_status(c, "failed: a sweep failed");
        progress("a sweep failed; see %s (continue with --resume %s)", c->dir, c->dir);
        return 2;
    }
    set_status(c, c->runs_failed ? "sweeps done, a run failed" : "sweeps done");
    if (analyse(c) != 0) {
        set_status(c, "failed: the analysis");
        return 2;
    }
    set_status(c, c->runs_failed ? "complete, a run failed" : "complete");
    return c->runs_failed ? 1 : 0;
}

int bench_factors_main(int argc, char **argv)
{
    fac_ctx *c = calloc(1, sizeof *c);
    char err[1200];
    int status = 2;
    if (!c) {
        fprintf(stderr, "geokv-bench factors: out of memory\n");
        return 2;
    }
    bench_fac_opts_default(&c->o);
    int pr = bench_fac_opts_parse(argc, argv, &c->o, err, sizeof err);
    if (pr != 0) {
        if (pr > 0)
            bench_fac_usage(stdout);
        else
            fprintf(stderr, "geokv-bench factors: %s\n", err);
        status = pr > 0 ? 0 : 2;
        goto cleanup;
    }
    if ((c->o.resume ? setup_resume(c, err, sizeof err) : setup_new(c, err, sizeof err)) != 0 ||
        find_programs(c, err, sizeof err) != 0 || check_profile(c, err, sizeof err) != 0 ||
        ((c->o.factors & (1u << BENCH_FAC_REGION)) && check_topology(err, sizeof err) != 0)) {
        fprintf(stderr, "geokv-bench factors: %s\n", err);
        goto cleanup;
    }
    bench_fac_plan_build(c->o.factors, &c->p);
    for (size_t i = 0; i < c->p.n_sweeps; i++)
        c->est_total_s += bench_fac_estimate_sweep_s(&c->o, &c->p, i);
    snprintf(c->git, sizeof c->git, "%s", util_version_git);   /* this build's, not the tree's */
    if (c->o.dry_run) {
        print_plan(c);
        status = 0;
        goto cleanup;
    }
    if (c->o.resume) {
        if (check_resumed_plan(c, err, sizeof err) != 0) {
            fprintf(stderr, "geokv-bench factors: %s\n", err);
            goto cleanup;
        }
    } else {
        c->steps = steps_new(c);
        if (util_mkdirs(c->dir, err, sizeof err) != 0 || save_steps(c) != 0) {
            fprintf(stderr, "geokv-bench factors: %s\n", err);
            goto cleanup;
        }
        link_latest(c);
    }
    bench_child_install_stop();
    c->t0 = util_now_s();
    char est[32];
    duration_text(c->est_total_s, est, sizeof est);
    progress("%s: 2^%zu cells, %zu sweeps, seed %llu, estimated %s; into %s", c->id, c->p.k, c->p.n_sweeps,
             (unsigned long long)c->o.seed, est, c->dir);
    status = run_study(c);
    duration_text(util_now_s() - c->t0, est, sizeof est);
    progress("finished (exit %d) in %s; everything is in %s", status, est, c->dir);
cleanup:
    json_decref(c->steps);
    free(c);
    return status;
}
