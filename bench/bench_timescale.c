/* bench_timescale.c: validating --time-scale against full time (see
 * bench_timescale.h). */
#include "bench/bench_timescale.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "sim/util/util_err.h"

/* Scales closer than this are the same scale (a factor read back from JSON). */
#define SCALE_EPS 1e-9

static int find_scale(const bench_ts_table *t, double s)
{
    for (size_t i = 0; i < t->n_scales; i++)
        if (fabs(t->scales[i] - s) < SCALE_EPS)
            return (int)i;
    return -1;
}

static int find_n(const bench_ts_table *t, int n)
{
    for (size_t i = 0; i < t->n_n; i++)
        if (t->n[i] == n)
            return (int)i;
    return -1;
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The distinct scales (descending) and agent counts (ascending) of the runs
 * of mode A or B. */
static int collect_axes(const bench_ts_obs *obs, size_t n_obs, bench_ts_table *t, char *err, size_t err_len)
{
    for (size_t i = 0; i < n_obs; i++) {
        const bench_ts_obs *o = &obs[i];
        if (strcmp(o->mode, t->mode_a) != 0 && strcmp(o->mode, t->mode_b) != 0)
            continue;
        if (find_scale(t, o->scale) < 0) {
            if (t->n_scales == BENCH_TS_MAX_SCALES) {
                util_seterr(err, err_len, "more than %d time scales", BENCH_TS_MAX_SCALES);
                return -1;
            }
            t->scales[t->n_scales++] = o->scale;
        }
        if (find_n(t, o->n) < 0) {
            if (t->n_n == BENCH_TS_MAX_N) {
                util_seterr(err, err_len, "more than %d agent counts", BENCH_TS_MAX_N);
                return -1;
            }
            t->n[t->n_n++] = o->n;
        }
    }
    qsort(t->scales, t->n_scales, sizeof t->scales[0], cmp_desc);
    qsort(t->n, t->n_n, sizeof t->n[0], cmp_int);
    if (t->n_scales == 0) {
        util_seterr(err, err_len, "no green run of mode %s or %s", t->mode_a, t->mode_b);
        return -1;
    }
    if (fabs(t->scales[0] - 1.0) > SCALE_EPS) {
        util_seterr(err, err_len, "no run at time scale 1 (full time), the reference: run the sweep at 1 too");
        return -1;
    }
    return 0;
}

static double pct_off(double x, double ref)
{
    return isfinite(x) && isfinite(ref) && ref != 0 ? 100.0 * (x - ref) / ref : NAN;
}

int bench_ts_build(const bench_ts_obs *obs, size_t n_obs, const char *mode_a, const char *mode_b, double tol_pp,
                   bench_ts_table *t, char *err, size_t err_len)
{
    double sum_a[BENCH_TS_MAX_SCALES][BENCH_TS_MAX_N] = {{0}}, sum_b[BENCH_TS_MAX_SCALES][BENCH_TS_MAX_N] = {{0}};

    memset(t, 0, sizeof *t);
    snprintf(t->mode_a, sizeof t->mode_a, "%s", mode_a);
    snprintf(t->mode_b, sizeof t->mode_b, "%s", mode_b);
    t->tol_pp = tol_pp;
    if (collect_axes(obs, n_obs, t, err, err_len) != 0)
        return -1;
    for (size_t i = 0; i < n_obs; i++) {
        const bench_ts_obs *o = &obs[i];
        bool a = strcmp(o->mode, mode_a) == 0, b = strcmp(o->mode, mode_b) == 0;
        if (!(a || b) || !isfinite(o->full_s))
            continue;
        int s = find_scale(t, o->scale), k = find_n(t, o->n);
        bench_ts_cell *c = &t->cell[s][k];
        if (a) {
            sum_a[s][k] += o->full_s;
            c->k_a++;
        } else {
            sum_b[s][k] += o->full_s;
            c->k_b++;
        }
    }
    for (size_t s = 0; s < t->n_scales; s++)
        for (size_t k = 0; k < t->n_n; k++) {
            bench_ts_cell *c = &t->cell[s][k];
            c->mean_a = c->k_a ? sum_a[s][k] / c->k_a : NAN;
            c->mean_b = c->k_b ? sum_b[s][k] / c->k_b : NAN;
            c->change_pct = pct_off(c->mean_a, c->mean_b);
        }
    t->validated = 1.0;
    for (size_t s = 0; s < t->n_scales; s++) {
        double worst = 0;
        for (size_t k = 0; k < t->n_n; k++) {
            bench_ts_cell *c = &t->cell[s][k], *ref = &t->cell[0][k];
            c->err_a_pct = pct_off(c->mean_a, ref->mean_a);
            c->err_b_pct = pct_off(c->mean_b, ref->mean_b);
            c->off_pp = isfinite(c->change_pct) && isfinite(ref->change_pct) ? c->change_pct - ref->change_pct : NAN;
            worst = isfinite(c->off_pp) && isfinite(worst) ? fmax(worst, fabs(c->off_pp)) : NAN;
        }
        t->max_off_pp[s] = worst;
        t->valid[s] = isfinite(worst) && worst <= tol_pp;
    }
    for (size_t s = 0; s < t->n_scales && t->valid[s]; s++)
        t->validated = t->scales[s];
    return 0;
}

static void cell_num(char *out, size_t len, const char *fmt, double v)
{
    if (isfinite(v))
        snprintf(out, len, fmt, v);
    else
        snprintf(out, len, "-");
}

void bench_ts_print(const bench_ts_table *t, FILE *f)
{
    fprintf(f, "setup_full_s (= setup_s / time_scale), mean over the green runs; err = against time scale 1;\n"
               "change = %s against %s; off = change - change at time scale 1 (percentage points)\n\n",
            t->mode_a, t->mode_b);
    fprintf(f, "%6s %4s %10s %8s %10s %8s %9s %8s\n", "scale", "N", t->mode_b, "err%", t->mode_a, "err%",
            "change%", "off pp");
    for (size_t s = 0; s < t->n_scales; s++) {
        for (size_t k = 0; k < t->n_n; k++) {
            const bench_ts_cell *c = &t->cell[s][k];
            char mb[32], eb[32], ma[32], ea[32], ch[32], off[32];
            cell_num(mb, sizeof mb, "%.2f", c->mean_b);
            cell_num(eb, sizeof eb, "%+.1f", c->err_b_pct);
            cell_num(ma, sizeof ma, "%.2f", c->mean_a);
            cell_num(ea, sizeof ea, "%+.1f", c->err_a_pct);
            cell_num(ch, sizeof ch, "%+.1f", c->change_pct);
            cell_num(off, sizeof off, "%+.1f", c->off_pp);
            fprintf(f, "%6g %4d %10s %8s %10s %8s %9s %8s\n", t->scales[s], t->n[k], mb, eb, ma, ea, ch, off);
        }
    }
    fputc('\n', f);
    for (size_t s = 1; s < t->n_scales; s++) {
        char w[32];
        cell_num(w, sizeof w, "%.1f", t->max_off_pp[s]);
        fprintf(f, "time scale %g: change off full time by at most %s pp over N: %s\n", t->scales[s], w,
                t->valid[s] ? "within tolerance" : "OUTSIDE tolerance");
    }
    fprintf(f, "validated time scale: %g (the smallest whose %s-vs-%s change stays within %g pp of full time at "
               "every N, as every larger scale's does)\n",
            t->validated, t->mode_a, t->mode_b, t->tol_pp);
}

static json_t *num_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *table_json(const bench_ts_table *t)
{
    json_t *j = json_pack("{s:s,s:s,s:f,s:f,s:[]}", "a", t->mode_a, "b", t->mode_b, "tol_pp", t->tol_pp,
                          "validated_scale", t->validated, "scales");
    json_t *scales = json_object_get(j, "scales");
    for (size_t s = 0; scales && s < t->n_scales; s++) {
        json_t *rows = json_array();
        for (size_t k = 0; k < t->n_n; k++) {
            const bench_ts_cell *c = &t->cell[s][k];
            json_array_append_new(rows, json_pack("{s:i,s:i,s:i,s:o,s:o,s:o,s:o,s:o,s:o}", "n", t->n[k], "runs_a",
                                                  c->k_a, "runs_b", c->k_b, "mean_a_s", num_or_null(c->mean_a),
                                                  "mean_b_s", num_or_null(c->mean_b), "err_a_pct",
                                                  num_or_null(c->err_a_pct), "err_b_pct", num_or_null(c->err_b_pct),
                                                  "change_pct", num_or_null(c->change_pct), "off_pp",
                                                  num_or_null(c->off_pp)));
        }
        json_array_append_new(scales, json_pack("{s:f,s:o,s:b,s:o}", "scale", t->scales[s], "max_off_pp",
                                                num_or_null(t->max_off_pp[s]), "valid", t->valid[s], "n", rows));
    }
    return j;
}

typedef struct ts_obs_list {
    bench_ts_obs *v;
    size_t n, cap;
    int skipped;                 /* runs not green, or without setup_full_s */
} ts_obs_list;

static int add_record(ts_obs_list *l, const json_t *rec)
{
    json_t *scale = json_object_get(rec, "time_scale"), *full = json_object_get(rec, "setup_full_s");
    const char *mode = json_string_value(json_object_get(rec, "mode"));
    if (!json_is_number(scale) || !json_is_number(full) || mode == NULL ||
        !json_is_true(json_object_get(rec, "checker_ok"))) {
        l->skipped++;
        return 0;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        bench_ts_obs *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n].scale = json_number_value(scale);
    l->v[l->n].mode = strdup(mode);
    l->v[l->n].n = (int)json_integer_value(json_object_get(rec, "n"));
    l->v[l->n].full_s = json_number_value(full);
    if (l->v[l->n].mode == NULL)
        return -1;
    l->n++;
    return 0;
}

/* DIR/runs.jsonl, else DIR/latest/runs.jsonl. */
static int read_sweep(const char *dir, ts_obs_list *l, char *err, size_t err_len)
{
    char path[4096], *line = NULL;
    size_t cap = 0;
    struct stat st;
    FILE *f;
    int rc = 0;
    snprintf(path, sizeof path, "%s/runs.jsonl", dir);
    if (stat(path, &st) != 0)
        snprintf(path, sizeof path, "%s/latest/runs.jsonl", dir);
    f = fopen(path, "r");
    if (f == NULL) {
        util_seterr(err, err_len, "%s: %s (give a sweep's directory or its --out directory)", path, strerror(errno));
        return -1;
    }
    while (rc == 0 && getline(&line, &cap, f) > 0) {
        json_t *rec = json_loads(line, 0, NULL);
        if (rec != NULL)
            rc = add_record(l, rec);
        json_decref(rec);
    }
    if (rc != 0)
        util_seterr(err, err_len, "out of memory reading %s", path);
    free(line);
    fclose(f);
    return rc;
}

static void usage(FILE *f)
{
    fputs("usage: geokv-bench timescale [--a MODE] [--b MODE] [--tol PP] [--json FILE] DIR...\n"
          "  Each DIR is a sweep (or the --out directory of one) of the same runs at one time scale\n"
          "  (`geokv-bench run --time-scale F`), one of them at 1. Prints per scale and N the mean\n"
          "  setup_full_s of mode B and mode A (default before, after) with their error against time\n"
          "  scale 1, the A-vs-B change and how far it lies off scale 1's, and the validated scale:\n"
          "  the smallest whose change stays within --tol percentage points (default 3) of full time\n"
          "  at every N, as every larger scale's does. --json writes the table as JSON too.\n"
          "  `make bench-timescale` runs the sweeps and this.\n"
          "\n"
          "Exit status: 0 table printed, 1 a DIR unreadable, no table (no scale 1) or --json not written,\n"
          "2 bad usage.\n",
          f);
}

int bench_timescale_main(int argc, char **argv)
{
    const char *a = "after", *b = "before", *json_path = NULL;
    double tol = 3.0;
    ts_obs_list l = {0};
    bench_ts_table *t = NULL;
    char err[512];
    int status = 2, n_dirs = 0;

    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(arg, "--a") == 0 || strcmp(arg, "--b") == 0 || strcmp(arg, "--tol") == 0 ||
            strcmp(arg, "--json") == 0) {
            char *end = NULL;
            if (i + 1 >= argc) {
                fprintf(stderr, "geokv-bench timescale: %s needs a value (see --help)\n", arg);
                goto cleanup;
            }
            const char *v = argv[++i];
            if (strcmp(arg, "--a") == 0)
                a = v;
            else if (strcmp(arg, "--b") == 0)
                b = v;
            else if (strcmp(arg, "--json") == 0)
                json_path = v;
            else if ((tol = strtod(v, &end)), end == v || *end != '\0' || !(tol >= 0) || !isfinite(tol)) {
                fprintf(stderr, "geokv-bench timescale: --tol: '%s' is not a non-negative number of points\n", v);
                goto cleanup;
            }
            continue;
        }
        if (strncmp(arg, "--", 2) == 0) {
            fprintf(stderr, "geokv-bench timescale: unknown option '%s' (see --help)\n", arg);
            goto cleanup;
        }
        if (read_sweep(arg, &l, err, sizeof err) != 0) {
            fprintf(stderr, "geokv-bench timescale: %s\n", err);
            status = 1;
            goto cleanup;
        }
        n_dirs++;
    }
    if (n_dirs == 0) {
        fprintf(stderr, "geokv-bench timescale: give the sweeps' directories (see --help)\n");
        goto cleanup;
    }
    t = malloc(sizeof *t);
    if (t == NULL || bench_ts_build(l.v, l.n, a, b, tol, t, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-bench timescale: %s\n", t ? err : "out of memory");
        status = 1;
        goto cleanup;
    }
    if (l.skipped)
        fprintf(stderr, "geokv-bench timescale: %d run(s) left out (not green or no setup_full_s)\n", l.skipped);
    bench_ts_print(t, stdout);
    if (json_path) {
        json_t *j = table_json(t);
        if (j == NULL || json_dump_file(j, json_path, JSON_INDENT(2)) != 0) {
            fprintf(stderr, "geokv-bench timescale: cannot write %s\n", json_path);
            json_decref(j);
            status = 1;
            goto cleanup;
        }
        json_decref(j);
    }
    status = 0;
cleanup:
    for (size_t i = 0; i < l.n; i++)
        free((char *)l.v[i].mode);
    free(l.v);
    free(t);
    return status;
}
