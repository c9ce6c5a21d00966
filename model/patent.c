/* patent.c: see patent.h. */
#include "model/patent.h"
#include "model/csv.h"
#include "model/fit_json.h"
#include "model/fit_table.h"
#include "sim/util/util_err.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

static int load_series(const char *dir, const char *file, const char *c_before,
                       const char *c_after, patent_ref *p, int fig, char *err, size_t errlen)
{
    char path[4096], sub[512];
    csv_table t;
    size_t n1, n2, n3, n4;
    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (csv_read(path, &t, sub, sizeof sub) != 0) {
        util_seterr(err, errlen, "%s (the patent's reference data ship in results/reference/)", sub);
        return -1;
    }
    int rc = -1;
    if (t.nrows == 0 || t.nrows > PATENT_MAX_PTS) {
        util_seterr(err, errlen, "%s: expected 1..%d rows, found %zu", path, PATENT_MAX_PTS, t.nrows);
        goto cleanup;
    }
    double n[PATENT_MAX_PTS];
    if (csv_column_doubles(&t, "n", NULL, 0, n, &n1, sub, sizeof sub) != 0 ||
        csv_column_doubles(&t, c_before, NULL, 0, p->data[fig][0], &n2, sub, sizeof sub) != 0 ||
        csv_column_doubles(&t, c_after, NULL, 0, p->data[fig][1], &n3, sub, sizeof sub) != 0 ||
        csv_column_doubles(&t, "change_pct", NULL, 0, p->change_pct[fig], &n4, sub, sizeof sub) != 0) {
        util_seterr(err, errlen, "%s: %s", path, sub);
        goto cleanup;
    }
    if (p->npts && (p->npts != n1 || memcmp(p->n, n, n1 * sizeof *n) != 0)) {
        util_seterr(err, errlen, "%s: its n column differs from patent-fig7.csv's", path);
        goto cleanup;
    }
    p->npts = n1;
    memcpy(p->n, n, n1 * sizeof *n);
    rc = 0;
cleanup:
    csv_free(&t);
    return rc;
}

int patent_load(const char *dir, patent_ref *p, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    if (load_series(dir, "patent-fig7.csv", "before_s", "after_s", p, 0, err, errlen) != 0 ||
        load_series(dir, "patent-fig8.csv", "before_kb", "after_kb", p, 1, err, errlen) != 0)
        return -1;
    char path[4096], sub[512];
    snprintf(path, sizeof path, "%s/patent-models.csv", dir);
    csv_table t;
    if (csv_read(path, &t, sub, sizeof sub) != 0) {
        util_seterr(err, errlen, "%s", sub);
        return -1;
    }
    int rc = -1, seen = 0;
    int cf = csv_column(&t, "figure"), cs = csv_column(&t, "series");
    int ca = csv_column(&t, "a"), cb = csv_column(&t, "b"), cc = csv_column(&t, "c");
    if (cf < 0 || cs < 0 || ca < 0 || cb < 0 || cc < 0) {
        util_seterr(err, errlen, "%s: expected columns figure,series,a,b,c", path);
        goto cleanup;
    }
    for (size_t r = 0; r < t.nrows; r++) {
        const char *fig = csv_cell(&t, r, (size_t)cf), *ser = csv_cell(&t, r, (size_t)cs);
        int fi = strcmp(fig, "fig9") == 0 ? 0 : strcmp(fig, "fig10") == 0 ? 1 : -1;
        int si = strcmp(ser, "before") == 0 ? 0 : strcmp(ser, "after") == 0 ? 1 : -1;
        if (fi < 0 || si < 0) {
            util_seterr(err, errlen, "%s row %zu: unknown figure/series '%s'/'%s'", path, r + 1,
                        fig, ser);
            goto cleanup;
        }
        int cols[3] = {ca, cb, cc};
        for (int k = 0; k < 3; k++) {
            char *end;
            const char *s = csv_cell(&t, r, (size_t)cols[k]);
            p->model[fi][si][k] = strtod(s, &end);
            if (end == s || *end) {
                util_seterr(err, errlen, "%s row %zu: '%s' is not a number", path, r + 1, s);
                goto cleanup;
            }
        }
        seen |= 1 << (fi * 2 + si);
    }
    if (seen != 15) {
        util_seterr(err, errlen, "%s: needs fig9 and fig10, before and after", path);
        goto cleanup;
    }
    rc = 0;
cleanup:
    csv_free(&t);
    return rc;
}

const char *patent_xnorm_name(patent_xnorm x)
{
    return x == PN_X_MINMAX ? "x min-max (N-10)/40" : "x / max (N/50)";
}

const char *patent_ynorm_name(patent_ynorm y)
{
    switch (y) {
    case PN_Y_MINMAX: return "y min-max, per series";
    case PN_Y_MAX: return "y / max, per series";
    case PN_Y_JOINT_MINMAX: return "y min-max, both series";
    case PN_Y_JOINT_MAX: return "y / max, both series";
    default: return "?";
    }
}

int patent_norm_ranges(patent_norm nm, const double *x, size_t n, const double *y,
                       const double *other, size_t nother, norm_range *xr, norm_range *yr,
                       char *err, size_t errlen)
{
    int rc = nm.x == PN_X_MINMAX ? norm_minmax(x, n, xr, err, errlen)
                                 : norm_max(x, n, xr, err, errlen);
    if (rc != 0)
        return -1;
    double all[2 * PATENT_MAX_PTS * 64];
    const double *src = y;
    size_t cnt = n;
    if (nm.y == PN_Y_JOINT_MINMAX || nm.y == PN_Y_JOINT_MAX) {
        if (n + nother > sizeof all / sizeof *all) {
            util_seterr(err, errlen, "too many points to normalise jointly");
            return -1;
        }
        memcpy(all, y, n * sizeof *y);
        memcpy(all + n, other, nother * sizeof *other);
        src = all;
        cnt = n + nother;
    }
    if (nm.y == PN_Y_MINMAX || nm.y == PN_Y_JOINT_MINMAX)
        return norm_minmax(src, cnt, yr, err, errlen);
    return norm_max(src, cnt, yr, err, errlen);
}

void patent_figure_fit_free(patent_figure_fit *f)
{
    for (int s = 0; s < 2; s++) {
        fit_result_free(&f->s[s].raw);
        fit_result_free(&f->s[s].norm);
        for (int k = 0; k < FIT_KIND_COUNT; k++)
            if (f->s[s].all_ok[k])
                fit_result_free(&f->s[s].all[k]);
    }
}

int patent_fit_figure(const patent_ref *p, int which, patent_figure_fit *f, char *err,
                      size_t errlen)
{
    memset(f, 0, sizeof *f);
    f->figure = which ? 10 : 9;
    f->data_figure = which ? 8 : 7;
    f->kind = which ? FIT_QUADRATIC0 : FIT_QUADRATIC;
    size_t n = p->npts;
    const double *x = p->n;
    double u[PATENT_MAX_PTS], v[PATENT_MAX_PTS];
    char sub[512];

    /* 1. which normalisation makes the patent's models fit best */
    int c = 0;
    f->best = -1;
    for (int xi = 0; xi < PN_X_COUNT; xi++) {
        for (int yi = 0; yi < PN_Y_COUNT; yi++, c++) {
            patent_norm nm = {(patent_xnorm)xi, (patent_ynorm)yi};
            f->cand[c] = nm;
            for (int s = 0; s < 2; s++) {
                norm_range xr, yr;
                if (patent_norm_ranges(nm, x, n, p->data[which][s], p->data[which][1 - s], n,
                                       &xr, &yr, err, errlen) != 0)
                    return -1;
                norm_apply_all(&xr, x, u, n);
                norm_apply_all(&yr, p->data[which][s], v, n);
                f->cand_patent_sse[c] += fit_sse_of(FIT_QUADRATIC, p->model[which][s], u, v, n);
                fit_result tmp;
                if (fit_model(f->kind, u, v, n, &tmp, sub, sizeof sub) != 0) {
                    util_seterr(err, errlen, "FIG. %d %s: %s", f->figure, s ? "after" : "before", sub);
                    return -1;
                }
                f->cand_our_sse[c] += tmp.sse;
                fit_result_free(&tmp);
            }
            if (f->best < 0 || f->cand_patent_sse[c] < f->cand_patent_sse[f->best])
                f->best = c;
        }
    }

    /* 2. per series: our fits in raw and best-normalised units, the patent's
     *    model on the same normalised data and mapped back to raw units */
    for (int s = 0; s < 2; s++) {
        patent_series_fit *sf = &f->s[s];
        const double *y = p->data[which][s];
        sf->series = s ? "after" : "before";
        if (patent_norm_ranges(f->cand[f->best], x, n, y, p->data[which][1 - s], n, &sf->xr,
                               &sf->yr, err, errlen) != 0)
            goto fail;
        norm_apply_all(&sf->xr, x, u, n);
        norm_apply_all(&sf->yr, y, v, n);
        if (fit_model(f->kind, x, y, n, &sf->raw, sub, sizeof sub) != 0 ||
            fit_model(f->kind, u, v, n, &sf->norm, sub, sizeof sub) != 0) {
            util_seterr(err, errlen, "FIG. %d %s: %s", f->figure, sf->series, sub);
            goto fail;
        }
        sf->patent_sse_norm = fit_sse_of(FIT_QUADRATIC, p->model[which][s], u, v, n);
        norm_quadratic_to_raw(&sf->xr, &sf->yr, p->model[which][s], sf->patent_raw);
        sf->patent_sse_raw = fit_sse_of(FIT_QUADRATIC, sf->patent_raw, x, y, n);
        for (int k = 0; k < FIT_KIND_COUNT; k++)
            sf->all_ok[k] = fit_model((fit_kind)k, x, y, n, &sf->all[k], NULL, 0) == 0;
    }
    return 0;
fail:
    patent_figure_fit_free(f);
    return -1;
}

static double mean_of(const double *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return n ? s / (double)n : NAN;
}

static json_t *coef_json(const double *c, size_t p)
{
    json_t *a = json_array();
    for (size_t i = 0; i < p; i++)
        json_array_append_new(a, fit_json_number(c[i]));
    return a;
}

static json_t *figure_json(const patent_ref *p, const patent_figure_fit *f)
{
    json_t *o = json_object(), *cands = json_array(), *series = json_object();
    json_object_set_new(o, "figure", json_integer(f->figure));
    json_object_set_new(o, "data_figure", json_integer(f->data_figure));
    json_object_set_new(o, "model", json_string(fit_kind_name(f->kind)));
    for (int c = 0; c < PATENT_NCAND; c++) {
        json_t *cj = json_object();
        json_object_set_new(cj, "x", json_string(patent_xnorm_name(f->cand[c].x)));
        json_object_set_new(cj, "y", json_string(patent_ynorm_name(f->cand[c].y)));
        json_object_set_new(cj, "patent_sse", fit_json_number(f->cand_patent_sse[c]));
        json_object_set_new(cj, "our_sse", fit_json_number(f->cand_our_sse[c]));
        json_array_append_new(cands, cj);
    }
    json_object_set_new(o, "normalisations", cands);
    json_object_set_new(o, "best_normalisation", json_integer(f->best));
    for (int s = 0; s < 2; s++) {
        const patent_series_fit *sf = &f->s[s];
        json_t *sj = json_object(), *all = json_object();
        json_object_set_new(sj, "patent_normalised", coef_json(p->model[f->figure == 10][s], 3));
        json_object_set_new(sj, "patent_sse_normalised", fit_json_number(sf->patent_sse_norm));
        json_object_set_new(sj, "patent_raw", coef_json(sf->patent_raw, 3));
        json_object_set_new(sj, "patent_sse_raw", fit_json_number(sf->patent_sse_raw));
        json_object_set_new(sj, "ours_normalised", fit_result_json(&sf->norm, 1));
        json_object_set_new(sj, "ours_raw", fit_result_json(&sf->raw, 1));
        json_object_set_new(sj, "x_range", coef_json(&sf->xr.lo, 2));
        json_object_set_new(sj, "y_range", coef_json(&sf->yr.lo, 2));
        for (int k = 0; k < FIT_KIND_COUNT; k++)
            if (sf->all_ok[k])
                json_object_set_new(all, fit_kind_name((fit_kind)k), fit_result_json(&sf->all[k], 0));
        json_object_set_new(sj, "models_raw", all);
        json_object_set_new(series, sf->series, sj);
    }
    json_object_set_new(o, "series", series);
    return o;
}

static void print_figure(FILE *out, const patent_ref *p, const patent_figure_fit *f)
{
    int which = f->figure == 10;
    const char *unit = which ? "kB?" : "s";
    char b1[64], b2[64], b3[64];
    fprintf(out, "\n=== FIG. %d: the patent's models of FIG. %d (%s), f(x) = %s on normalised axes\n",
            f->figure, f->data_figure, which ? "store I/O" : "setup time, s",
            which ? "a x^2 + b x" : "a x^2 + b x + c");
    fprintf(out, "Which normalisation reproduces the patent's models? SSE over before+after,\n"
                 "on the published points normalised each way:\n");
    fprintf(out, "  %-22s %-24s %12s %12s\n", "x", "y", "patent SSE", "our LS SSE");
    for (int c = 0; c < PATENT_NCAND; c++)
        fprintf(out, "  %-22s %-24s %12.5f %12.5f%s\n", patent_xnorm_name(f->cand[c].x),
                patent_ynorm_name(f->cand[c].y), f->cand_patent_sse[c], f->cand_our_sse[c],
                c == f->best ? "   <- best for the patent" : "");
    fprintf(out, "Best: %s, %s.\n", patent_xnorm_name(f->cand[f->best].x),
            patent_ynorm_name(f->cand[f->best].y));
    for (int s = 0; s < 2; s++) {
        const patent_series_fit *sf = &f->s[s];
        const double *pm = p->model[which][s];
        fprintf(out, "\n-- %s (x range %g..%g, y range %g..%g %s)\n", sf->series, sf->xr.lo,
                sf->xr.hi, sf->yr.lo, sf->yr.hi, unit);
        fprintf(out, "  %-34s %-22s %-22s %-22s %12s\n", "", "a", "b", "c", "SSE");
        fprintf(out, "  %-34s %-22.4f %-22.4f %-22.4f %12.5f\n", "patent, normalised", pm[0], pm[1],
                pm[2], sf->patent_sse_norm);
        fprintf(out, "  %-34s %-23s %-23s %-23s %11.5f\n", "ours (least squares), normalised",
                fit_fmt_coef(b1, sizeof b1, sf->norm.coef[0], sf->norm.se[0]),
                fit_fmt_coef(b2, sizeof b2, sf->norm.coef[1], sf->norm.se[1]),
                which ? "0 (no intercept)" : fit_fmt_coef(b3, sizeof b3, sf->norm.coef[2], sf->norm.se[2]),
                sf->norm.sse);
        fprintf(out, "  %-34s %-22.6g %-22.6g %-22.6g %12.5g\n", "patent, mapped to raw units",
                sf->patent_raw[0], sf->patent_raw[1], sf->patent_raw[2], sf->patent_sse_raw);
        fprintf(out, "  %-34s %-23s %-23s %-23s %11.5g\n", "ours (least squares), raw units",
                fit_fmt_coef(b1, sizeof b1, sf->raw.coef[0], sf->raw.se[0]),
                fit_fmt_coef(b2, sizeof b2, sf->raw.coef[1], sf->raw.se[1]),
                which ? "0 (no intercept)" : fit_fmt_coef(b3, sizeof b3, sf->raw.coef[2], sf->raw.se[2]),
                sf->raw.sse);
        fprintf(out, "  R^2 ours %.4f; the patent's model has %.1fx our SSE on the same data\n",
                sf->norm.r2, sf->patent_sse_norm / sf->norm.sse);
        fprintf(out, "  Beyond the patent (raw units, %zu points):\n", p->npts);
        fit_table_models(out, sf->all, sf->all_ok, FIT_KIND_COUNT, 0);
        fit_table_verdict(out, sf->all, sf->all_ok, p->n[p->npts - 1], 200, "N");
    }
}

int patent_report(FILE *out, const patent_ref *p, int json, char *err, size_t errlen)
{
    patent_figure_fit f[2];
    if (patent_fit_figure(p, 0, &f[0], err, errlen) != 0)
        return -1;
    if (patent_fit_figure(p, 1, &f[1], err, errlen) != 0) {
        patent_figure_fit_free(&f[0]);
        return -1;
    }
    if (json) {
        json_t *o = json_object();
        json_object_set_new(o, "source", json_string("US 12,393,527 FIG. 7-10 (results/reference)"));
        json_object_set_new(o, "fig9", figure_json(p, &f[0]));
        json_object_set_new(o, "fig10", figure_json(p, &f[1]));
        json_object_set_new(o, "fig7_mean_change_pct", fit_json_number(mean_of(p->change_pct[0], p->npts)));
        json_object_set_new(o, "fig8_mean_change_pct", fit_json_number(mean_of(p->change_pct[1], p->npts)));
        json_dumpf(o, out, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
        fputc('\n', out);
        json_decref(o);
    } else {
        fprintf(out, "Patent US 12,393,527: FIG. 7 / FIG. 8 data, FIG. 9 / FIG. 10 models "
                     "(PyTorch, no uncertainty given) against GSL least squares.\n");
        fprintf(out, "Published rates of change average %.1f%% (FIG. 7; the text says \"about 26%%\") "
                     "and %.1f%% (FIG. 8; \"about 62%%\").\n",
                mean_of(p->change_pct[0], p->npts), mean_of(p->change_pct[1], p->npts));
        print_figure(out, p, &f[0]);
        print_figure(out, p, &f[1]);
        fprintf(out, "\nNote: FIG. 8's unit is not stated in the patent (kB assumed by "
                     "results/SCHEMA.md); the fits do not depend on it.\n");
    }
    patent_figure_fit_free(&f[0]);
    patent_figure_fit_free(&f[1]);
    return 0;
}
