/* runfit.c: see runfit.h. */
#include "model/runfit.h"
#include "model/fit_json.h"
#include "model/fit_table.h"
#include "sim/util/util_err.h"
#include "sim/util/util_fs.h"
#include "sim/util/util_stats.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *column, *unit, *label;
} metrics[RUNFIT_NMETRICS] = {
    {"setup_s", "s", "setup time (FIG. 7)"},
    {"grpc_bytes", "B", "store I/O, gRPC bytes (FIG. 8)"},
    {"app_bytes", "B", "store I/O as the original logged it (FIG. 8)"},
    {"http_bytes", "B", "HTTP wire bytes"},
    {"wan_egress_bytes", "B", "WAN egress bytes"},
    {"ops_total", "requests", "requests"},
};

static void note(runfit *rf, const char *fmt, ...) UTIL_PRINTF(2, 3);
static void note(runfit *rf, const char *fmt, ...)
{
    if (rf->nnotes >= RUNFIT_MAX_NOTES)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rf->notes[rf->nnotes++], sizeof rf->notes[0], fmt, ap);
    va_end(ap);
}

static size_t add_mode(char order[][RUNFIT_MODE_LEN], size_t n, size_t max, const char *mode)
{
    if (!mode || !*mode || n >= max)
        return n;
    for (size_t i = 0; i < n; i++)
        if (strcmp(order[i], mode) == 0)
            return n;
    snprintf(order[n], RUNFIT_MODE_LEN, "%s", mode);
    return n + 1;
}

size_t runfit_mode_order(const json_t *config, const csv_table *summary,
                         char order[][RUNFIT_MODE_LEN], size_t max)
{
    size_t n = 0, i, nv;
    const char **vals;
    json_t *list = json_object_get(config, "mode_order"), *v;
    if (!json_is_array(list))
        list = json_object_get(json_object_get(config, "options"), "modes");
    json_array_foreach(list, i, v)
        n = add_mode(order, n, max, json_string_value(v));
    int col = summary ? csv_column(summary, "mode") : -1;
    if (col >= 0 && csv_distinct(summary, col, &vals, &nv, NULL, 0) == 0) {
        for (i = 0; i < nv; i++)
            n = add_mode(order, n, max, vals[i]);
        free(vals);
    }
    return n;
}

/* The modes of the data, in the display order. */
static void collect_modes(runfit *rf)
{
    int col = csv_column(&rf->summary, "mode");
    const char **vals;
    size_t nv;
    rf->norder = runfit_mode_order(rf->config, &rf->summary, rf->order, RUNFIT_MAX_MODES);
    if (col < 0 || csv_distinct(&rf->summary, col, &vals, &nv, NULL, 0) != 0)
        return;
    for (size_t k = 0; k < rf->norder; k++)
        for (size_t i = 0; i < nv; i++)
            if (strcmp(vals[i], rf->order[k]) == 0)
                snprintf(rf->modes[rf->nmodes++], sizeof rf->modes[0], "%s", vals[i]);
    if (nv > rf->nmodes)
        note(rf, "more than %d modes: only the first %d are analysed", RUNFIT_MAX_MODES, RUNFIT_MAX_MODES);
    free(vals);
}

/* Groups of a per-mode fit in the display order. */
static void order_groups(const runfit *rf, groupfit *gf)
{
    const char *names[RUNFIT_MAX_MODES];
    for (size_t i = 0; i < rf->nmodes; i++)
        names[i] = rf->modes[i];
    groupfit_order(gf, names, rf->nmodes);
}

static int is_base_or_patent(const char *mode)
{
    return strcmp(mode, RUNFIT_BASE_MODE) == 0 || strcmp(mode, RUNFIT_PATENT_MODE) == 0;
}

static int mode_index(const runfit *rf, const char *mode)
{
    for (size_t i = 0; i < rf->nmodes; i++)
        if (strcmp(rf->modes[i], mode) == 0)
            return (int)i;
    return -1;
}

static void build_compare(runfit_metric *m, const char *a, const char *b, compare_result *c,
                          int *ok)
{
    const gf_group *ga = groupfit_find(&m->gf, a), *gb = groupfit_find(&m->gf, b);
    *ok = ga && gb &&
          compare_build(m->column, m->unit, a, ga->x, ga->y, ga->n, b, gb->x, gb->y, gb->n, c,
                        NULL, 0) == 0;
}

/* Our per-N means of before and after, normalised the way that best
 * reproduced the patent's models, fitted with the patent's form. */
static void fit_patent_figure(runfit *rf, int which)
{
    runfit_patentfig *pf = &rf->fig[which];
    runfit_metric *m = &rf->m[which];
    pf->figure = which ? 10 : 9;
    if (!rf->have_ref) {
        snprintf(pf->note, sizeof pf->note, "no patent reference data");
        return;
    }
    char err[256];
    if (patent_fit_figure(&rf->ref, which, &pf->pf, err, sizeof err) != 0) {
        snprintf(pf->note, sizeof pf->note, "patent fit failed: %.200s", err);
        return;
    }
    const gf_group *g[2] = {m->ok ? groupfit_find(&m->gf, RUNFIT_BASE_MODE) : NULL,
                            m->ok ? groupfit_find(&m->gf, RUNFIT_PATENT_MODE) : NULL};
    if (!g[0] || !g[1] || g[0]->nlev < 3 || g[1]->nlev < 3) {
        snprintf(pf->note, sizeof pf->note, "needs modes before and after with at least 3 values of N "
                 "each in %s", m->column);
        return;
    }
    double mean[2][GF_MAX_LEVELS], u[GF_MAX_LEVELS], v[GF_MAX_LEVELS];
    for (int s = 0; s < 2; s++)
        for (size_t l = 0; l < g[s]->nlev; l++)
            mean[s][l] = g[s]->lev[l].mean;
    fit_kind kind = which ? FIT_QUADRATIC0 : FIT_QUADRATIC;
    patent_norm nm = pf->pf.cand[pf->pf.best];
    for (int s = 0; s < 2; s++) {
        norm_range xr, yr;
        if (patent_norm_ranges(nm, g[s]->lev_x, g[s]->nlev, mean[s], mean[1 - s], g[1 - s]->nlev,
                               &xr, &yr, err, sizeof err) != 0) {
            snprintf(pf->note, sizeof pf->note, "cannot normalise our %s data: %.200s",
                     s ? "after" : "before", err);
            if (s)
                fit_result_free(&pf->ours[0]);
            return;
        }
        norm_apply_all(&xr, g[s]->lev_x, u, g[s]->nlev);
        norm_apply_all(&yr, mean[s], v, g[s]->nlev);
        if (fit_model(kind, u, v, g[s]->nlev, &pf->ours[s], err, sizeof err) != 0) {
            snprintf(pf->note, sizeof pf->note, "fit of our normalised %s means: %.200s",
                     s ? "after" : "before", err);
            if (s)
                fit_result_free(&pf->ours[0]);
            return;
        }
        pf->sse_patent_on_ours[s] = fit_sse_of(FIT_QUADRATIC, rf->ref.model[which][s], u, v,
                                               g[s]->nlev);
    }
    pf->ok = 1;
}

/* Per-agent completion: rule_complete t_s minus start t_s, pooled over the
 * repetitions of each mode at N = cdf_n. */
static void load_cdf(runfit *rf, int cdf_n)
{
    char tdir[4096];
    snprintf(tdir, sizeof tdir, "%s/timelines", rf->dir);
    DIR *d = opendir(tdir);
    if (!d) {
        note(rf, "no timelines/ directory: completion CDF skipped");
        return;
    }
    struct dirent *e;
    size_t files = 0;
    while ((e = readdir(d)) != NULL) {
        char mode[64];
        int n = 0, rep = 0;
        if (sscanf(e->d_name, "%63[^-]-n%d-r%d.jsonl", mode, &n, &rep) != 3 || n != cdf_n)
            continue;
        int mi = mode_index(rf, mode);
        if (mi < 0)
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", tdir, e->d_name);
        char *text = util_slurp(path, NULL);
        if (!text)
            continue;
        files++;
        /* agents: name -> start, complete (small N: linear search is fine) */
        size_t cap = 256, na = 0;
        struct agent { char name[128]; double start, done; } *ag = calloc(cap, sizeof *ag);
        for (char *line = strtok(text, "\n"); line && ag; line = strtok(NULL, "\n")) {
            json_t *o = json_loads(line, 0, NULL);
            if (!o)
                continue;
            const char *an = json_string_value(json_object_get(o, "agent"));
            const char *ev = json_string_value(json_object_get(o, "event"));
            json_t *tj = json_object_get(o, "t_s");
            if (an && ev && json_is_number(tj)) {
                size_t i;
                for (i = 0; i < na; i++)
                    if (strcmp(ag[i].name, an) == 0)
                        break;
                if (i == na && na < cap) {
                    snprintf(ag[na].name, sizeof ag[na].name, "%s", an);
                    ag[na].start = ag[na].done = NAN;
                    na++;
                }
                if (i < na) {
                    if (strcmp(ev, "start") == 0)
                        ag[i].start = json_number_value(tj);
                    else if (strcmp(ev, "rule_complete") == 0)
                        ag[i].done = json_number_value(tj);
                }
            }
            json_decref(o);
        }
        for (size_t i = 0; ag && i < na; i++) {
            if (!isfinite(ag[i].start) || !isfinite(ag[i].done))
                continue;
            double *nv = realloc(rf->cdf_vals[mi], (rf->cdf_count[mi] + 1) * sizeof *nv);
            if (!nv)
                break;
            rf->cdf_vals[mi] = nv;
            nv[rf->cdf_count[mi]++] = ag[i].done - ag[i].start;
        }
        free(ag);
        free(text);
    }
    closedir(d);
    if (files == 0) {
        note(rf, "no timelines for N = %d: completion CDF skipped", cdf_n);
        return;
    }
    rf->cdf_n = cdf_n;
    for (size_t i = 0; i < rf->nmodes; i++)
        if (rf->cdf_count[i])
            util_sort_doubles(rf->cdf_vals[i], rf->cdf_count[i]);
}

int runfit_load(const char *dir, const char *ref_dir, int cdf_n, runfit *rf, char *err,
                size_t errlen)
{
    memset(rf, 0, sizeof *rf);
    snprintf(rf->dir, sizeof rf->dir, "%s", dir);
    /* the id: the directory's own name, through a results/latest link */
    char real[4096];
    const char *base = realpath(dir, real) ? real : dir;
    const char *slash = strrchr(base, '/');
    snprintf(rf->id, sizeof rf->id, "%.250s", slash ? slash + 1 : base);

    char path[4096], sub[512];
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    if (csv_read(path, &rf->summary, sub, sizeof sub) != 0) {
        util_seterr(err, errlen, "%s (run `make bench` or pass RUN=results/<run-id>)", sub);
        return -1;
    }
    if (rf->summary.nrows == 0) {
        util_seterr(err, errlen, "%s has no runs yet", path);
        csv_free(&rf->summary);
        return -1;
    }
    snprintf(path, sizeof path, "%s/config.json", dir);
    json_error_t jerr;
    rf->config = util_file_exists(path) ? json_load_file(path, 0, &jerr) : NULL;
    if (!rf->config)
        note(rf, "config.json missing or unreadable: set-up section left short");
    else
        rf->synthetic = json_is_true(json_object_get(rf->config, "synthetic"));
    snprintf(path, sizeof path, "%s/runs.jsonl", dir);
    char *runs = util_slurp(path, NULL);
    if (runs) {
        for (char *p = runs; *p; p++)
            if (*p == '\n')
                rf->runs_lines++;
        free(runs);
    } else {
        note(rf, "runs.jsonl missing");
    }
    int cc = csv_column(&rf->summary, "checker_ok");
    for (size_t r = 0; cc >= 0 && r < rf->summary.nrows; r++)
        if (strcmp(csv_cell(&rf->summary, r, (size_t)cc), "1") != 0)
            rf->checker_fail++;

    /* runs from before the end criterion existed measured every IP known */
    const char *end = json_string_value(json_object_get(rf->config, "end_criterion"));
    snprintf(rf->end_criterion, sizeof rf->end_criterion, "%s", end ? end : "ips");
    collect_modes(rf);
    for (int i = 0; i < RUNFIT_NMETRICS; i++) {
        runfit_metric *m = &rf->m[i];
        m->column = metrics[i].column;
        m->unit = metrics[i].unit;
        m->label = metrics[i].label;
        if (i == RUNFIT_M_APP && csv_column(&rf->summary, m->column) < 0) {
            note(rf, "summary.csv has no app_bytes (recorded since the fidelity profiles): FIG. 8 "
                     "shows grpc_bytes only");
            continue;
        }
        m->ok = groupfit_build(&rf->summary, "n", m->column, "mode", NULL, NULL, &m->gf, sub,
                               sizeof sub) == 0;
        if (!m->ok) {
            note(rf, "%s: %s", m->column, sub);
            continue;
        }
        order_groups(rf, &m->gf);
        build_compare(m, RUNFIT_BASE_MODE, RUNFIT_PATENT_MODE, &m->cmp, &m->cmp_ok);
        for (size_t k = 0; k < rf->norder; k++) {
            int ok = 0;
            if (is_base_or_patent(rf->order[k]) || !(m->other[k] = malloc(sizeof *m->other[k])))
                continue;
            build_compare(m, RUNFIT_BASE_MODE, rf->order[k], m->other[k], &ok);
            if (!ok) {
                free(m->other[k]);
                m->other[k] = NULL;
            }
        }
    }
    if (!rf->m[0].ok) {
        util_seterr(err, errlen, "%s/summary.csv: cannot analyse setup_s against n: %s", dir,
                    rf->notes[rf->nnotes - 1]);
        runfit_free(rf);
        return -1;
    }
    if (ref_dir && patent_load(ref_dir, &rf->ref, sub, sizeof sub) == 0)
        rf->have_ref = 1;
    else
        note(rf, "patent reference data not loaded (%s): FIG. 9/10 comparison skipped",
             ref_dir ? sub : "no directory given");
    fit_patent_figure(rf, 0);
    fit_patent_figure(rf, 1);
    for (int i = 0; i < 2; i++)
        if (!rf->fig[i].ok)
            note(rf, "FIG. %d comparison: %s", rf->fig[i].figure, rf->fig[i].note);
    load_cdf(rf, cdf_n);
    rf->have_breakdown = csv_column(&rf->summary, "t_lock_s") >= 0 &&
                         csv_column(&rf->summary, "t_fixed_s") >= 0 &&
                         csv_column(&rf->summary, "t_other_s") >= 0;
    if (!rf->have_breakdown)
        note(rf, "summary.csv lacks t_lock_s/t_fixed_s/t_other_s: time breakdown skipped");
    return 0;
}

void runfit_free(runfit *rf)
{
    for (int i = 0; i < RUNFIT_NMETRICS; i++) {
        if (rf->m[i].ok)
            groupfit_free(&rf->m[i].gf);
        for (int k = 0; k < RUNFIT_MAX_MODES; k++)
            free(rf->m[i].other[k]);
    }
    for (int i = 0; i < 2; i++) {
        if (rf->fig[i].ok) {
            fit_result_free(&rf->fig[i].ours[0]);
            fit_result_free(&rf->fig[i].ours[1]);
        }
        patent_figure_fit_free(&rf->fig[i].pf);
    }
    for (int i = 0; i < RUNFIT_MAX_MODES; i++)
        free(rf->cdf_vals[i]);
    if (rf->config)
        json_decref(rf->config);
    csv_free(&rf->summary);
    memset(rf, 0, sizeof *rf);
}

static FILE *open_dat(const char *fitdir, const char *name, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", fitdir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        util_seterr(err, errlen, "cannot write %s: %s", path, strerror(errno));
    return f;
}

static int write_patent_fig(const runfit *rf, int which, const char *fitdir, char *err,
                            size_t errlen)
{
    const runfit_patentfig *pf = &rf->fig[which];
    char name[64];
    FILE *f;
    /* the patent's published points on the patent's best normalisation */
    snprintf(name, sizeof name, "fig%d-patent-points.dat", pf->figure);
    if (!(f = open_dat(fitdir, name, err, errlen)))
        return -1;
    fprintf(f, "# FIG. %d data normalised (%s; %s): u before after\n", pf->pf.data_figure,
            patent_xnorm_name(pf->pf.cand[pf->pf.best].x), patent_ynorm_name(pf->pf.cand[pf->pf.best].y));
    for (size_t i = 0; i < rf->ref.npts; i++)
        fprintf(f, "%.6g %.6g %.6g\n", norm_apply(&pf->pf.s[0].xr, rf->ref.n[i]),
                norm_apply(&pf->pf.s[0].yr, rf->ref.data[which][0][i]),
                norm_apply(&pf->pf.s[1].yr, rf->ref.data[which][1][i]));
    fclose(f);

    snprintf(name, sizeof name, "fig%d-norm.txt", pf->figure);
    if (!(f = open_dat(fitdir, name, err, errlen)))
        return -1;
    fprintf(f, "normalisation: %s; %s\n", patent_xnorm_name(pf->pf.cand[pf->pf.best].x),
            patent_ynorm_name(pf->pf.cand[pf->pf.best].y));
    fclose(f);
    snprintf(name, sizeof name, "fig%d-ours-points.dat", pf->figure);
    if (!(f = open_dat(fitdir, name, err, errlen)))
        return -1;
    fprintf(f, "# this run's per-N means, normalised the same way: series u v (index 0 before, 1 after)\n");
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < pf->ours[s].n; i++)
            fprintf(f, "%.6g %.6g\n", pf->ours[s].x[i], pf->ours[s].y[i]);
        fprintf(f, "\n\n");
    }
    fclose(f);

    snprintf(name, sizeof name, "fig%d-curves.dat", pf->figure);
    if (!(f = open_dat(fitdir, name, err, errlen)))
        return -1;
    fprintf(f, "# u patent_before patent_after ours_before ours_after\n");
    for (int i = 0; i <= 100; i++) {
        double u = i / 100.0;
        fprintf(f, "%.4f %.6g %.6g %.6g %.6g\n", u,
                fit_eval_coef(FIT_QUADRATIC, rf->ref.model[which][0], u),
                fit_eval_coef(FIT_QUADRATIC, rf->ref.model[which][1], u),
                fit_eval(&pf->ours[0], u), fit_eval(&pf->ours[1], u));
    }
    fclose(f);
    return 0;
}

int runfit_write(runfit *rf, char *err, size_t errlen)
{
    char fitdir[4096];
    snprintf(fitdir, sizeof fitdir, "%s/fit", rf->dir);
    if (util_mkdirs(fitdir, err, errlen) != 0)
        return -1;
    for (int i = 0; i < RUNFIT_NMETRICS; i++) {
        if (!rf->m[i].ok)
            continue;
        double xmax = 0;
        for (size_t g = 0; g < rf->m[i].gf.ngroups; g++)
            for (size_t l = 0; l < rf->m[i].gf.g[g].nlev; l++)
                xmax = fmax(xmax, rf->m[i].gf.g[g].lev_x[l]);
        if (groupfit_write_dat(&rf->m[i].gf, fitdir, rf->m[i].column, xmax, err, errlen) != 0)
            return -1;
    }
    for (int w = 0; w < 2; w++)
        if (rf->fig[w].ok && write_patent_fig(rf, w, fitdir, err, errlen) != 0)
            return -1;
    FILE *f;
    if (rf->have_ref) {
        /* FIG. 7 in seconds, for setup-time.gp to draw beside our means */
        if (!(f = open_dat(fitdir, "fig7-patent-raw.dat", err, errlen)))
            return -1;
        fprintf(f, "# the patent's FIG. 7 (results/reference/patent-fig7.csv): n before_s after_s\n");
        for (size_t i = 0; i < rf->ref.npts; i++)
            fprintf(f, "%g %g %g\n", rf->ref.n[i], rf->ref.data[0][0][i], rf->ref.data[0][1][i]);
        fclose(f);
    }
    if (rf->cdf_n) {
        for (size_t i = 0; i < rf->nmodes; i++) {
            char name[96];
            snprintf(name, sizeof name, "cdf-%s.dat", rf->modes[i]);
            if (!(f = open_dat(fitdir, name, err, errlen)))
                return -1;
            fprintf(f, "# per-agent completion (rule_complete - start) at N = %d, mode %s: seconds "
                       "cumulative_fraction\n", rf->cdf_n, rf->modes[i]);
            for (size_t k = 0; k < rf->cdf_count[i]; k++)
                fprintf(f, "%.6g %.6g\n", rf->cdf_vals[i][k], (double)(k + 1) / (double)rf->cdf_count[i]);
            fclose(f);
        }
    }
    if (rf->have_breakdown) {
        static const char *cols[3] = {"t_lock_s", "t_fixed_s", "t_other_s"};
        groupfit parts[3];
        int ok = 1;
        for (int c = 0; c < 3; c++)
            if (groupfit_build(&rf->summary, "n", cols[c], "mode", NULL, NULL, &parts[c], NULL, 0) != 0) {
                for (int d = 0; d < c; d++)
                    groupfit_free(&parts[d]);
                ok = 0;
                break;
            }
        if (ok) {
            for (size_t i = 0; i < rf->nmodes; i++) {
                char name[96];
                snprintf(name, sizeof name, "breakdown-%s.dat", rf->modes[i]);
                if (!(f = open_dat(fitdir, name, err, errlen)))
                    break;
                fprintf(f, "# mean over runs of the per-agent mean: n lock_s fixed_s other_s\n");
                const gf_group *g[3];
                for (int c = 0; c < 3; c++)
                    g[c] = groupfit_find(&parts[c], rf->modes[i]);
                for (size_t l = 0; g[0] && g[1] && g[2] && l < g[0]->nlev; l++)
                    fprintf(f, "%g %.6g %.6g %.6g\n", g[0]->lev_x[l], g[0]->lev[l].mean,
                            l < g[1]->nlev ? g[1]->lev[l].mean : NAN,
                            l < g[2]->nlev ? g[2]->lev[l].mean : NAN);
                fclose(f);
            }
            for (int c = 0; c < 3; c++)
                groupfit_free(&parts[c]);
        }
    }
    /* modes list for the gnuplot scripts */
    if (!(f = open_dat(fitdir, "modes.txt", err, errlen)))
        return -1;
    for (size_t i = 0; i < rf->nmodes; i++)
        fprintf(f, "%s%s", i ? " " : "", rf->modes[i]);
    fprintf(f, "\n");
    fclose(f);

    json_t *j = runfit_json(rf);
    char path[4200];
    snprintf(path, sizeof path, "%s/fits.json", fitdir);
    int rc = json_dump_file(j, path, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    json_decref(j);
    if (rc != 0) {
        util_seterr(err, errlen, "cannot write %s", path);
        return -1;
    }
    return 0;
}

json_t *runfit_json(const runfit *rf)
{
    json_t *o = json_object(), *ms = json_object(), *notes = json_array(), *figs = json_object();
    json_object_set_new(o, "run_id", json_string(rf->id));
    json_object_set_new(o, "synthetic", json_boolean(rf->synthetic));
    json_object_set_new(o, "runs", json_integer((json_int_t)rf->summary.nrows));
    json_object_set_new(o, "checker_failures", json_integer((json_int_t)rf->checker_fail));
    json_object_set_new(o, "end_criterion", json_string(rf->end_criterion));
    for (int i = 0; i < RUNFIT_NMETRICS; i++) {
        const runfit_metric *m = &rf->m[i];
        if (!m->ok)
            continue;
        json_t *mj = json_object();
        json_object_set_new(mj, "unit", json_string(m->unit));
        json_object_set_new(mj, "fits", groupfit_json(&m->gf));
        json_object_set_new(mj, RUNFIT_BASE_MODE "_vs_" RUNFIT_PATENT_MODE,
                            m->cmp_ok ? compare_json(&m->cmp) : json_null());
        for (size_t k = 0; k < rf->norder; k++) {
            char key[96];
            if (is_base_or_patent(rf->order[k]))
                continue;
            snprintf(key, sizeof key, "%s_vs_%s", RUNFIT_BASE_MODE, rf->order[k]);
            json_object_set_new(mj, key, m->other[k] ? compare_json(m->other[k]) : json_null());
        }
        json_object_set_new(ms, m->column, mj);
    }
    json_object_set_new(o, "metrics", ms);
    for (int w = 0; w < 2; w++) {
        const runfit_patentfig *pf = &rf->fig[w];
        json_t *fj = json_object();
        if (pf->ok) {
            json_object_set_new(fj, "normalisation_x", json_string(patent_xnorm_name(pf->pf.cand[pf->pf.best].x)));
            json_object_set_new(fj, "normalisation_y", json_string(patent_ynorm_name(pf->pf.cand[pf->pf.best].y)));
            for (int s = 0; s < 2; s++) {
                json_t *sj = json_object();
                json_object_set_new(sj, "ours", fit_result_json(&pf->ours[s], 1));
                json_object_set_new(sj, "patent_sse_on_ours", fit_json_number(pf->sse_patent_on_ours[s]));
                json_object_set_new(fj, s ? "after" : "before", sj);
            }
        } else {
            json_object_set_new(fj, "skipped", json_string(pf->note));
        }
        json_object_set_new(figs, w ? "fig10" : "fig9", fj);
    }
    json_object_set_new(o, "patent_models", figs);
    for (size_t i = 0; i < rf->nnotes; i++)
        json_array_append_new(notes, json_string(rf->notes[i]));
    json_object_set_new(o, "notes", notes);
    return o;
}

void runfit_print(FILE *out, const runfit *rf)
{
    fprintf(out, "Run %s: %zu runs, modes:", rf->id, rf->summary.nrows);
    for (size_t i = 0; i < rf->nmodes; i++)
        fprintf(out, " %s", rf->modes[i]);
    fprintf(out, "%s\n", rf->synthetic ? "   ** SYNTHETIC DATA, not measurements **" : "");
    fprintf(out, "setup_s: end of setup by criterion %s\n", rf->end_criterion);
    for (int i = 0; i <= RUNFIT_M_APP; i++) {
        const runfit_metric *m = &rf->m[i];
        if (!m->ok)
            continue;
        fprintf(out, "\n######## %s [%s]\n", m->label, m->unit);
        groupfit_print(out, &m->gf, 200, 0);
        if (m->cmp_ok) {
            fprintf(out, "\n");
            compare_print(out, &m->cmp, 0);
        }
        for (size_t k = 0; k < rf->norder; k++) {
            if (!m->other[k])
                continue;
            fprintf(out, "\n");
            compare_print(out, m->other[k], 0);
        }
    }
    for (int w = 0; w < 2; w++) {
        const runfit_patentfig *pf = &rf->fig[w];
        if (!pf->ok)
            continue;
        fprintf(out, "\nFIG. %d form on this run's normalised per-N means (%s; %s):\n", pf->figure,
                patent_xnorm_name(pf->pf.cand[pf->pf.best].x),
                patent_ynorm_name(pf->pf.cand[pf->pf.best].y));
        for (int s = 0; s < 2; s++) {
            const fit_result *r = &pf->ours[s];
            const double *pm = rf->ref.model[w][s];
            fprintf(out, "  %-6s ours a=%.4f b=%.4f c=%.4f (SSE %.5f)   patent a=%.4f b=%.4f c=%.4f "
                    "(SSE on our points %.5f)\n", s ? "after" : "before", r->coef[0], r->coef[1],
                    w ? 0.0 : r->coef[2], r->sse, pm[0], pm[1], pm[2], pf->sse_patent_on_ours[s]);
        }
    }
    if (rf->nnotes) {
        fprintf(out, "\nNotes:\n");
        for (size_t i = 0; i < rf->nnotes; i++)
            fprintf(out, "  - %s\n", rf->notes[i]);
    }
}
