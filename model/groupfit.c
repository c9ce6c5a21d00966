/* groupfit.c: see groupfit.h. */
#include "model/groupfit.h"
#include "model/fit_json.h"
#include "model/fit_table.h"
#include "sim/util/util_err.h"
#include "sim/util/util_fs.h"
#include "sim/util/util_stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int parse_num(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return s[0] != '\0' && end != s && *end == '\0' && errno != ERANGE && isfinite(*v);
}

static void summarize_levels(gf_group *g)
{
    double *xs = malloc(g->n * sizeof *xs), *vals = malloc(g->n * sizeof *vals);
    if (!xs || !vals)
        goto cleanup;
    memcpy(xs, g->x, g->n * sizeof *xs);
    util_sort_doubles(xs, g->n);
    g->nlev = 0;
    for (size_t i = 0; i < g->n && g->nlev < GF_MAX_LEVELS; i++) {
        if (i > 0 && xs[i] == xs[i - 1])
            continue;
        size_t k = 0;
        for (size_t j = 0; j < g->n; j++)
            if (g->x[j] == xs[i])
                vals[k++] = g->y[j];
        g->lev_x[g->nlev] = xs[i];
        stats_summarize(vals, k, &g->lev[g->nlev], NULL, 0);
        g->nlev++;
    }
cleanup:
    free(xs);
    free(vals);
}

static int build(const csv_table *t, const char *xcol, const char *ycol, const char *gcol,
                 const char *where_col, const char *where_val, int normalize, groupfit *gf,
                 char *err, size_t errlen)
{
    memset(gf, 0, sizeof *gf);
    snprintf(gf->xcol, sizeof gf->xcol, "%s", xcol);
    snprintf(gf->ycol, sizeof gf->ycol, "%s", ycol);
    snprintf(gf->gcol, sizeof gf->gcol, "%s", gcol ? gcol : "");
    int cx = csv_column(t, xcol), cy = csv_column(t, ycol);
    int cg = gcol ? csv_column(t, gcol) : -1, cw = where_col ? csv_column(t, where_col) : -1;
    const char *missing = cx < 0 ? xcol : cy < 0 ? ycol : (gcol && cg < 0) ? gcol
                        : (where_col && cw < 0) ? where_col : NULL;
    if (missing) {
        util_seterr(err, errlen, "no column '%s' in the table (it has %zu columns, first '%s')",
                    missing, t->ncols, t->ncols ? t->names[0] : "");
        return -1;
    }
    for (size_t r = 0; r < t->nrows; r++) {
        if (cw >= 0 && strcmp(csv_cell(t, r, (size_t)cw), where_val) != 0)
            continue;
        double x, y;
        if (!parse_num(csv_cell(t, r, (size_t)cx), &x) || !parse_num(csv_cell(t, r, (size_t)cy), &y)) {
            gf->skipped++;
            continue;
        }
        const char *name = cg >= 0 ? csv_cell(t, r, (size_t)cg) : "all";
        size_t gi;
        for (gi = 0; gi < gf->ngroups; gi++)
            if (strcmp(gf->g[gi].name, name) == 0)
                break;
        if (gi == gf->ngroups) {
            if (gf->ngroups == GF_MAX_GROUPS) {
                util_seterr(err, errlen, "more than %d groups in column '%s'", GF_MAX_GROUPS, gcol);
                groupfit_free(gf);
                return -1;
            }
            snprintf(gf->g[gi].name, sizeof gf->g[gi].name, "%s", name);
            gf->g[gi].x = malloc(t->nrows * sizeof(double));
            gf->g[gi].y = malloc(t->nrows * sizeof(double));
            gf->ngroups++;
            if (!gf->g[gi].x || !gf->g[gi].y) {
                util_seterr(err, errlen, "out of memory");
                groupfit_free(gf);
                return -1;
            }
        }
        gf_group *g = &gf->g[gi];
        g->x[g->n] = x;
        g->y[g->n] = y;
        g->n++;
    }
    if (gf->ngroups == 0) {
        util_seterr(err, errlen, "no row has numbers in both '%s' and '%s' (%zu rows%s)", xcol,
                    ycol, t->nrows, where_col ? " after the filter" : "");
        return -1;
    }
    gf->normalized = normalize;
    for (size_t gi = 0; gi < gf->ngroups; gi++) {
        gf_group *g = &gf->g[gi];
        if (normalize) {
            if (norm_minmax(g->x, g->n, &g->xr, err, errlen) != 0 ||
                norm_minmax(g->y, g->n, &g->yr, err, errlen) != 0) {
                char sub[256];
                snprintf(sub, sizeof sub, "%s", err ? err : "");
                util_seterr(err, errlen, "group %s: %s", g->name, sub);
                groupfit_free(gf);
                return -1;
            }
            norm_apply_all(&g->xr, g->x, g->x, g->n);
            norm_apply_all(&g->yr, g->y, g->y, g->n);
        }
        summarize_levels(g);
        for (int k = 0; k < FIT_KIND_COUNT; k++)
            g->ok[k] = fit_model((fit_kind)k, g->x, g->y, g->n, &g->fits[k], g->why[k],
                                 sizeof g->why[k]) == 0;
    }
    return 0;
}

int groupfit_build(const csv_table *t, const char *xcol, const char *ycol, const char *gcol,
                   const char *where_col, const char *where_val, groupfit *gf, char *err,
                   size_t errlen)
{
    return build(t, xcol, ycol, gcol, where_col, where_val, 0, gf, err, errlen);
}

int groupfit_build_normalized(const csv_table *t, const char *xcol, const char *ycol,
                              const char *gcol, const char *where_col, const char *where_val,
                              groupfit *gf, char *err, size_t errlen)
{
    return build(t, xcol, ycol, gcol, where_col, where_val, 1, gf, err, errlen);
}

void groupfit_free(groupfit *gf)
{
    for (size_t gi = 0; gi < gf->ngroups; gi++) {
        gf_group *g = &gf->g[gi];
        for (int k = 0; k < FIT_KIND_COUNT; k++)
            if (g->ok[k])
                fit_result_free(&g->fits[k]);
        free(g->x);
        free(g->y);
    }
    memset(gf, 0, sizeof *gf);
}

void groupfit_order(groupfit *gf, const char *const *order, size_t n)
{
    size_t placed = 0;
    for (size_t k = 0; k < n; k++) {
        for (size_t gi = placed; gi < gf->ngroups; gi++) {
            if (strcmp(gf->g[gi].name, order[k]) != 0)
                continue;
            if (gi != placed) {
                gf_group tmp = gf->g[gi];
                memmove(&gf->g[placed + 1], &gf->g[placed], (gi - placed) * sizeof gf->g[0]);
                gf->g[placed] = tmp;
            }
            placed++;
            break;
        }
    }
}

const gf_group *groupfit_find(const groupfit *gf, const char *name)
{
    for (size_t i = 0; i < gf->ngroups; i++)
        if (strcmp(gf->g[i].name, name) == 0)
            return &gf->g[i];
    return NULL;
}

void groupfit_print(FILE *out, const groupfit *gf, double xlimit, int markdown)
{
    for (size_t gi = 0; gi < gf->ngroups; gi++) {
        const gf_group *g = &gf->g[gi];
        if (markdown) {
            fprintf(out, "\n**%s = %s**: %s against %s, %zu points\n\n", gf->gcol[0] ? gf->gcol : "group",
                    g->name, gf->ycol, gf->xcol, g->n);
            fprintf(out, "| %s | runs | mean | sd | median | 95%% CI of the mean |\n|---|---|---|---|---|---|\n",
                    gf->xcol);
            for (size_t l = 0; l < g->nlev; l++)
                if (g->lev[l].n > 1)
                    fprintf(out, "| %g | %zu | %.4g | %.3g | %.4g | %.4g .. %.4g |\n", g->lev_x[l],
                            g->lev[l].n, g->lev[l].mean, g->lev[l].sd, g->lev[l].median,
                            g->lev[l].ci_lo, g->lev[l].ci_hi);
                else
                    fprintf(out, "| %g | %zu | %.4g | – | %.4g | – |\n", g->lev_x[l], g->lev[l].n,
                            g->lev[l].mean, g->lev[l].median);
            fprintf(out, "\n");
        } else {
            fprintf(out, "\n== %s%s%s: %s against %s, %zu points\n", gf->gcol[0] ? gf->gcol : "",
                    gf->gcol[0] ? " = " : "", g->name, gf->ycol, gf->xcol, g->n);
            if (gf->normalized)
                fprintf(out, "  min-max normalised: x' = (x - %g) / %g, y' = (y - %g) / %g\n",
                        g->xr.lo, g->xr.hi - g->xr.lo, g->yr.lo, g->yr.hi - g->yr.lo);
            fprintf(out, "  %8s %4s %12s %10s %12s %27s\n", gf->xcol, "runs", "mean", "sd", "median",
                    "95% CI of the mean");
            for (size_t l = 0; l < g->nlev; l++)
                if (g->lev[l].n > 1)
                    fprintf(out, "  %8g %4zu %12.5g %10.3g %12.5g %13.5g .. %-11.5g\n", g->lev_x[l],
                            g->lev[l].n, g->lev[l].mean, g->lev[l].sd, g->lev[l].median,
                            g->lev[l].ci_lo, g->lev[l].ci_hi);
                else
                    fprintf(out, "  %8g %4zu %12.5g %10s %12.5g %27s\n", g->lev_x[l], g->lev[l].n,
                            g->lev[l].mean, "-", g->lev[l].median, "-");
        }
        fit_table_models(out, g->fits, g->ok, FIT_KIND_COUNT, markdown);
        for (int k = 0; k < FIT_KIND_COUNT; k++)
            if (!g->ok[k])
                fprintf(out, "%s  %s: not fitted: %s\n", markdown ? "\n" : "",
                        fit_kind_name((fit_kind)k), g->why[k]);
        if (!markdown && g->ok[FIT_QUADRATIC]) {
            const fit_result *q = &g->fits[FIT_QUADRATIC];
            fprintf(out, "  quadratic residuals (y - f(x)) at %s =", gf->xcol);
            for (size_t i = 0; i < q->n && i < 60; i++)
                fprintf(out, "%s %g: %.4g", i ? "," : "", q->x[i], q->resid[i]);
            fprintf(out, "%s\n", q->n > 60 ? ", ... (all in --json)" : "");
        }
        if (markdown)
            fprintf(out, "\n");
        double xmax = g->nlev ? g->lev_x[g->nlev - 1] : 0;
        fit_table_verdict(out, g->fits, g->ok, xmax, xlimit, gf->xcol);
    }
}

json_t *groupfit_json(const groupfit *gf)
{
    json_t *o = json_object(), *groups = json_object();
    json_object_set_new(o, "x", json_string(gf->xcol));
    json_object_set_new(o, "y", json_string(gf->ycol));
    json_object_set_new(o, "group", gf->gcol[0] ? json_string(gf->gcol) : json_null());
    json_object_set_new(o, "skipped_rows", json_integer((json_int_t)gf->skipped));
    json_object_set_new(o, "normalized", json_boolean(gf->normalized));
    for (size_t gi = 0; gi < gf->ngroups; gi++) {
        const gf_group *g = &gf->g[gi];
        json_t *gj = json_object(), *lev = json_array(), *fits = json_object();
        for (size_t l = 0; l < g->nlev; l++) {
            json_t *lj = json_object();
            json_object_set_new(lj, "x", json_real(g->lev_x[l]));
            json_object_set_new(lj, "n", json_integer((json_int_t)g->lev[l].n));
            json_object_set_new(lj, "mean", fit_json_number(g->lev[l].mean));
            json_object_set_new(lj, "sd", fit_json_number(g->lev[l].sd));
            json_object_set_new(lj, "median", fit_json_number(g->lev[l].median));
            json_object_set_new(lj, "ci95_lo", fit_json_number(g->lev[l].ci_lo));
            json_object_set_new(lj, "ci95_hi", fit_json_number(g->lev[l].ci_hi));
            json_array_append_new(lev, lj);
        }
        for (int k = 0; k < FIT_KIND_COUNT; k++) {
            if (g->ok[k]) {
                json_t *fj = fit_result_json(&g->fits[k], 1);
                if (!fit_ranked(&g->fits[k])) {
                    char why[256];
                    fit_unranked_why(&g->fits[k], why, sizeof why);
                    json_object_set_new(fj, "not_ranked", json_string(why));
                }
                json_object_set_new(fits, fit_kind_name((fit_kind)k), fj);
            } else {
                json_t *e = json_object();
                json_object_set_new(e, "error", json_string(g->why[k]));
                json_object_set_new(fits, fit_kind_name((fit_kind)k), e);
            }
        }
        int bb = fit_best_index(g->fits, g->ok, FIT_KIND_COUNT, 'b');
        if (gf->normalized) {
            json_object_set_new(gj, "x_range", json_pack("[f,f]", g->xr.lo, g->xr.hi));
            json_object_set_new(gj, "y_range", json_pack("[f,f]", g->yr.lo, g->yr.hi));
        }
        json_object_set_new(gj, "levels", lev);
        json_object_set_new(gj, "fits", fits);
        json_object_set_new(gj, "best_by_bic", bb >= 0 ? json_string(fit_kind_name((fit_kind)bb)) : json_null());
        json_object_set_new(groups, g->name, gj);
    }
    json_object_set_new(o, "groups", groups);
    return o;
}

/* File names: keep [A-Za-z0-9._-], replace the rest. */
static void safe_name(char *dst, size_t len, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < len; i++) {
        char c = src[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
        dst[i] = ok ? c : '_';
    }
    dst[i] = '\0';
    if (i == 0)
        snprintf(dst, len, "empty");
}

int groupfit_write_dat(const groupfit *gf, const char *dir, const char *prefix, double x_to,
                       char *err, size_t errlen)
{
    if (util_mkdirs(dir, err, errlen) != 0)
        return -1;
    for (size_t gi = 0; gi < gf->ngroups; gi++) {
        const gf_group *g = &gf->g[gi];
        char name[80], path[4096];
        safe_name(name, sizeof name, g->name);
        snprintf(path, sizeof path, "%s/%s-%s.dat", dir, prefix, name);
        FILE *f = fopen(path, "w");
        if (!f) {
            util_seterr(err, errlen, "cannot write %s: %s", path, strerror(errno));
            return -1;
        }
        fprintf(f, "# %s against %s, group %s: x mean sd median ci_lo ci_hi n\n", gf->ycol,
                gf->xcol, g->name);
        for (size_t l = 0; l < g->nlev; l++)
            fprintf(f, "%.10g %.10g %.10g %.10g %.10g %.10g %zu\n", g->lev_x[l], g->lev[l].mean,
                    isfinite(g->lev[l].sd) ? g->lev[l].sd : 0.0, g->lev[l].median,
                    g->lev[l].ci_lo, g->lev[l].ci_hi, g->lev[l].n);
        fclose(f);

        snprintf(path, sizeof path, "%s/%s-%s-curves.dat", dir, prefix, name);
        f = fopen(path, "w");
        if (!f) {
            util_seterr(err, errlen, "cannot write %s: %s", path, strerror(errno));
            return -1;
        }
        fprintf(f, "# fitted curves: x quadratic quadratic0 cubic power quad_pi95_lo quad_pi95_hi\n");
        double x0 = g->nlev ? g->lev_x[0] * 0.8 : 0, x1 = x_to;
        if (g->nlev && x1 < g->lev_x[g->nlev - 1])
            x1 = g->lev_x[g->nlev - 1];
        for (int i = 0; i <= 200; i++) {
            double x = x0 + (x1 - x0) * i / 200.0, v[FIT_KIND_COUNT];
            for (int k = 0; k < FIT_KIND_COUNT; k++)
                v[k] = g->ok[k] && (k != FIT_POWER || x > 0) ? fit_eval(&g->fits[k], x) : NAN;
            fit_prediction pr;
            if (!g->ok[FIT_QUADRATIC] ||
                fit_predict(&g->fits[FIT_QUADRATIC], x, 0.95, &pr, NULL, 0) != 0)
                pr.lo = pr.hi = NAN;
            fprintf(f, "%.8g %.8g %.8g %.8g %.8g %.8g %.8g\n", x, v[FIT_QUADRATIC],
                    v[FIT_QUADRATIC0], v[FIT_CUBIC], v[FIT_POWER], pr.lo, pr.hi);
        }
        fclose(f);
    }
    return 0;
}
