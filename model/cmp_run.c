/* cmp_run.c: see cmp_run.h. */
#include "model/cmp_run.h"
#include "model/patent.h"
#include "sim/util/util_err.h"
#include "sim/util/util_fs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

cmp_unit cmp_metric_unit(const char *metric)
{
    size_t len = strlen(metric);
    if (len > 2 && strcmp(metric + len - 2, "_s") == 0)
        return CMP_UNIT_SECONDS;
    if (len > 6 && strcmp(metric + len - 6, "_bytes") == 0)
        return CMP_UNIT_BYTES;
    return CMP_UNIT_COUNT;
}

static void add_mode(cmp_run *r, const char *mode)
{
    for (size_t i = 0; i < r->nmodes; i++)
        if (strcmp(r->modes[i], mode) == 0)
            return;
    if (r->nmodes < CMP_MAX_MODES)
        snprintf(r->modes[r->nmodes++], CMP_NAME_LEN, "%s", mode);
}

const cmp_cell *cmp_run_cell(const cmp_run *r, const char *mode, int n, size_t metric)
{
    for (size_t i = 0; i < r->ncells; i++) {
        const cmp_cell *c = &r->cells[i];
        if (c->n == n && c->metric == metric && strcmp(c->mode, mode) == 0)
            return c;
    }
    return NULL;
}

int cmp_run_has_metric(const cmp_run *r, size_t metric)
{
    for (size_t i = 0; i < r->ncells; i++)
        if (r->cells[i].metric == metric)
            return 1;
    return 0;
}

int cmp_run_planned(const cmp_run *r, const char *mode, int n)
{
    json_t *order = r->config ? json_object_get(r->config, "order") : NULL, *o;
    size_t i;
    if (!json_is_array(order))
        return 1;
    json_array_foreach(order, i, o) {
        const char *m = json_string_value(json_object_get(o, "mode"));
        if (m && strcmp(m, mode) == 0 && json_integer_value(json_object_get(o, "n")) == n)
            return 1;
    }
    return 0;
}

int cmp_run_add(cmp_run *r, const char *mode, int n, size_t metric, double v)
{
    cmp_cell *c = (cmp_cell *)cmp_run_cell(r, mode, n, metric);
    if (!c) {
        if (r->ncells == r->cap) {
            size_t cap = r->cap ? 2 * r->cap : 64;
            cmp_cell *nc = realloc(r->cells, cap * sizeof *nc);
            if (!nc)
                return -1;
            r->cells = nc;
            r->cap = cap;
        }
        c = &r->cells[r->ncells++];
        memset(c, 0, sizeof *c);
        snprintf(c->mode, sizeof c->mode, "%s", mode);
        c->n = n;
        c->metric = metric;
        add_mode(r, mode);
    }
    if (c->nv == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 4;
        double *nv = realloc(c->v, cap * sizeof *nv);
        if (!nv)
            return -1;
        c->v = nv;
        c->cap = cap;
    }
    c->v[c->nv++] = v;
    return 0;
}

void cmp_run_free(cmp_run *r)
{
    for (size_t i = 0; i < r->ncells; i++)
        free(r->cells[i].v);
    free(r->cells);
    json_decref(r->config);
    memset(r, 0, sizeof *r);
}

/* The patent's FIG. 7 (seconds) and FIG. 8 (printed numbers, taken as kB as
 * results/reference/README.md explains) as one value per (mode, N). FIG. 8
 * stands for both byte columns: app_bytes is what the original logged,
 * grpc_bytes etcd's own count of the same traffic. */
static int load_reference(const char *dir, const char *const *metrics, size_t nmetrics,
                          cmp_run *r, char *err, size_t errlen)
{
    patent_ref p;
    static const char *const series[2] = {"before", "after"};
    if (patent_load(dir, &p, err, errlen) != 0)
        return -1;
    r->reference = 1;
    snprintf(r->id, sizeof r->id, "patent");
    snprintf(r->version, sizeof r->version, "US 12,393,527 FIG. 7/8");
    for (size_t m = 0; m < nmetrics; m++) {
        int fig = strcmp(metrics[m], "setup_s") == 0 ? 0
                : strcmp(metrics[m], "app_bytes") == 0 || strcmp(metrics[m], "grpc_bytes") == 0 ? 1
                : -1;
        if (fig < 0)
            continue;
        for (int s = 0; s < 2; s++)
            for (size_t i = 0; i < p.npts; i++)
                if (cmp_run_add(r, series[s], (int)p.n[i], m,
                                p.data[fig][s][i] * (fig == 1 ? 1000.0 : 1.0)) != 0) {
                    util_seterr(err, errlen, "out of memory");
                    return -1;
                }
    }
    r->planned = r->done = 2 * p.npts;
    r->planned_known = 1;
    return 0;
}

static void set_identity(cmp_run *r, const char *dir)
{
    const char *id = r->config ? json_string_value(json_object_get(r->config, "run_id")) : NULL;
    const char *slash = strrchr(dir, '/');
    char real[4096];
    /* results/latest is a link: name the run it points at */
    if (!id && realpath(dir, real) != NULL && (slash = strrchr(real, '/')) != NULL)
        id = slash + 1;
    snprintf(r->id, sizeof r->id, "%s", id ? id : slash ? slash + 1 : dir);
    /* the release names the tool, git describe the exact code that ran */
    const char *v = r->config ? json_string_value(json_object_get(r->config, "version")) : NULL;
    const char *g = r->config ? json_string_value(json_object_get(r->config, "git_describe")) : NULL;
    snprintf(r->version, sizeof r->version, "%s%s%s", v ? v : "", v && g ? " " : "", g ? g : "");
}

static void set_plan(cmp_run *r)
{
    json_t *order = r->config ? json_object_get(r->config, "order") : NULL;
    if (json_is_array(order)) {
        r->planned = json_array_size(order);
        r->planned_known = 1;
    }
}

/* One runs.jsonl record: coverage, then its values when it counts. */
static int take_record(cmp_run *r, json_t *rec, const char *const *metrics, size_t nmetrics)
{
    const char *mode = json_string_value(json_object_get(rec, "mode"));
    json_t *nj = json_object_get(rec, "n"), *err = json_object_get(rec, "error");
    if (!mode || !json_is_integer(nj))
        return 0;
    r->done++;
    if (json_is_false(json_object_get(rec, "completed")) ||
        (json_is_string(err) && json_string_length(err) > 0)) {
        r->failed++;
        add_mode(r, mode);
        return 0;
    }
    if (!json_is_true(json_object_get(rec, "checker_ok"))) {
        r->red++;
        add_mode(r, mode);
        return 0;
    }
    for (size_t m = 0; m < nmetrics; m++) {
        json_t *v = json_object_get(rec, metrics[m]);
        if (json_is_number(v) && isfinite(json_number_value(v)) &&
            cmp_run_add(r, mode, (int)json_integer_value(nj), m, json_number_value(v)) != 0)
            return -1;
    }
    return 0;
}

static int load_sweep(const char *dir, const char *const *metrics, size_t nmetrics, cmp_run *r,
                      char *err, size_t errlen)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/config.json", dir);
    r->config = json_load_file(path, 0, NULL);
    /* the run's own display order first, so modes keep their places */
    json_t *order = r->config ? json_object_get(r->config, "mode_order") : NULL, *m;
    size_t i;
    set_identity(r, dir);
    set_plan(r);
    snprintf(path, sizeof path, "%s/runs.jsonl", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        util_seterr(err, errlen, "%s: cannot read (not a results directory? `geokv-bench run` writes one)", path);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    while (rc == 0 && getline(&line, &cap, f) > 0) {
        json_t *rec = json_loads(line, 0, NULL);
        if (json_is_object(rec) && take_record(r, rec, metrics, nmetrics) != 0) {
            util_seterr(err, errlen, "out of memory");
            rc = -1;
        }
        json_decref(rec);
    }
    free(line);
    fclose(f);
    if (rc == 0 && json_is_array(order)) {
        /* reorder the modes seen by mode_order, keeping unknown ones last */
        char seen[CMP_MAX_MODES][CMP_NAME_LEN];
        size_t nseen = r->nmodes;
        memcpy(seen, r->modes, sizeof seen);
        r->nmodes = 0;
        json_array_foreach(order, i, m) {
            for (size_t k = 0; k < nseen; k++)
                if (json_is_string(m) && strcmp(seen[k], json_string_value(m)) == 0)
                    add_mode(r, seen[k]);
        }
        for (size_t k = 0; k < nseen; k++)
            add_mode(r, seen[k]);
    }
    return rc;
}

int cmp_run_load(const char *dir, const char *const *metrics, size_t nmetrics, cmp_run *r,
                 char *err, size_t errlen)
{
    char path[4200];
    struct stat sb;
    memset(r, 0, sizeof *r);
    snprintf(r->path, sizeof r->path, "%s", dir);
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        util_seterr(err, errlen, "%s: no such directory", dir);
        return -1;
    }
    snprintf(path, sizeof path, "%s/patent-fig7.csv", dir);
    int rc = access(path, R_OK) == 0 ? load_reference(dir, metrics, nmetrics, r, err, errlen)
                                     : load_sweep(dir, metrics, nmetrics, r, err, errlen);
    if (rc != 0)
        cmp_run_free(r);
    return rc;
}

void cmp_run_coverage(const cmp_run *r, char *buf, size_t len)
{
    if (r->reference) {
        snprintf(buf, len, "%s: the patent's published averages, one value per mode and N "
                 "(FIG. 8's unit taken as kB); no run-level data", r->id);
        return;
    }
    char planned[96] = "";
    if (r->planned_known)
        snprintf(planned, sizeof planned, " of %zu planned%s", r->planned,
                 r->done < r->planned ? " (PARTIAL sweep)" : "");
    snprintf(buf, len, "%s: %zu run(s) done%s, %zu failed, %zu checker-red", r->id, r->done, planned,
             r->failed, r->red);
}
