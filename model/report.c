/* report.c: see report.h. */
#include "model/report.h"
#include "model/cmp_run.h"
#include "model/fit_table.h"
#include "sim/util/util_err.h"
#include "sim/util/util_fs.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void config_section(FILE *out, const runfit *rf)
{
    fprintf(out, "## Set-up\n\n");
    if (!rf->config) {
        fprintf(out, "config.json is missing or unreadable: the configuration of this run is unknown.\n\n");
        return;
    }
    const char *key;
    json_t *v;
    json_object_foreach(rf->config, key, v) {
        if (json_is_object(v) || json_is_array(v)) {
            char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
            if (!s)
                continue;
            size_t len = strlen(s);
            fprintf(out, "- **%s**: `%.400s%s`\n", key, s, len > 400 ? "…" : "");
            free(s);
        } else if (json_is_string(v)) {
            fprintf(out, "- **%s**: %s\n", key, json_string_value(v));
        } else if (json_is_integer(v)) {
            fprintf(out, "- **%s**: %lld\n", key, (long long)json_integer_value(v));
        } else if (json_is_number(v)) {
            fprintf(out, "- **%s**: %g\n", key, json_number_value(v));
        } else if (json_is_boolean(v)) {
            fprintf(out, "- **%s**: %s\n", key, json_is_true(v) ? "true" : "false");
        }
    }
    fprintf(out, "\n");
}

static void runs_section(FILE *out, const runfit *rf)
{
    const csv_table *t = &rf->summary;
    int cm = csv_column(t, "mode"), cc = csv_column(t, "checker_ok"), cmsg = csv_column(t, "checker_msg");
    int cn = csv_column(t, "n"), cr = csv_column(t, "rep");
    fprintf(out, "## Runs and the checker's verdicts\n\n");
    fprintf(out, "%zu runs in summary.csv, %zu records in runs.jsonl.\n\n", t->nrows, rf->runs_lines);
    fprintf(out, "| mode | runs | checker ok | checker failed |\n|---|---|---|---|\n");
    for (size_t i = 0; i < rf->nmodes; i++) {
        size_t total = 0, ok = 0;
        for (size_t r = 0; r < t->nrows; r++) {
            if (cm < 0 || strcmp(csv_cell(t, r, (size_t)cm), rf->modes[i]) != 0)
                continue;
            total++;
            if (cc >= 0 && strcmp(csv_cell(t, r, (size_t)cc), "1") == 0)
                ok++;
        }
        fprintf(out, "| %s | %zu | %zu | %zu |\n", rf->modes[i], total, ok, total - ok);
    }
    if (cc < 0)
        fprintf(out, "\nsummary.csv has no checker_ok column: no verdicts.\n");
    size_t shown = 0;
    for (size_t r = 0; cc >= 0 && r < t->nrows && shown < 10; r++) {
        if (strcmp(csv_cell(t, r, (size_t)cc), "1") == 0)
            continue;
        if (shown++ == 0)
            fprintf(out, "\nFailed checks (first 10):\n\n");
        fprintf(out, "- %s N=%s rep %s: %s\n", cm >= 0 ? csv_cell(t, r, (size_t)cm) : "?",
                cn >= 0 ? csv_cell(t, r, (size_t)cn) : "?", cr >= 0 ? csv_cell(t, r, (size_t)cr) : "?",
                cmsg >= 0 && csv_cell(t, r, (size_t)cmsg)[0] ? csv_cell(t, r, (size_t)cmsg) : "(no message)");
    }
    fprintf(out, "\n");
}

/* 1 when summary.csv has the run (mode, n, rep). */
static int run_done(const csv_table *t, const char *mode, long long n, long long rep)
{
    int cm = csv_column(t, "mode"), cn = csv_column(t, "n"), cr = csv_column(t, "rep");
    if (cm < 0 || cn < 0 || cr < 0)
        return 0;
    for (size_t r = 0; r < t->nrows; r++)
        if (strcmp(csv_cell(t, r, (size_t)cm), mode) == 0 && atoll(csv_cell(t, r, (size_t)cn)) == n &&
            atoll(csv_cell(t, r, (size_t)cr)) == rep)
            return 1;
    return 0;
}

/* How much of the planned sweep this report covers: a partial sweep says
 * so at the top and lists the runs it lacks. */
static void coverage_section(FILE *out, const runfit *rf)
{
    cmp_run cr;
    char err[256], line[512];
    if (cmp_run_load(rf->dir, NULL, 0, &cr, err, sizeof err) != 0)
        return;
    cmp_run_coverage(&cr, line, sizeof line);
    if (cr.planned_known && cr.done < cr.planned)
        fprintf(out, "> **Partial sweep: %zu of %zu runs.** Every table, fit and plot below uses only "
                     "the runs done (`geokv-bench run --resume` finishes the sweep).\n\n", cr.done, cr.planned);
    fprintf(out, "Coverage: %s.\n\n", line);
    json_t *order = rf->config ? json_object_get(rf->config, "order") : NULL, *o;
    size_t i, missing = 0;
    json_array_foreach(order, i, o) {
        const char *mode = json_string_value(json_object_get(o, "mode"));
        long long n = json_integer_value(json_object_get(o, "n")), rep = json_integer_value(json_object_get(o, "rep"));
        if (!mode || run_done(&rf->summary, mode, n, rep))
            continue;
        if (missing++ == 0)
            fprintf(out, "Planned but not in summary.csv (first 20):\n\n");
        if (missing <= 20)
            fprintf(out, "- %s N=%lld rep %lld\n", mode, n, rep);
    }
    if (missing)
        fprintf(out, "%s\n", missing > 20 ? "- ...\n" : "");
    cmp_run_free(&cr);
}

static void fmt_p(char *buf, size_t len, int ok, double p)
{
    if (!ok || !isfinite(p))
        snprintf(buf, len, "–");
    else
        snprintf(buf, len, "%.3g", p);
}

/* Plain decimals (no exponents) at a sensible precision. */
static void fmt_mean_sd(char *buf, size_t len, double mean, double sd)
{
    int dec = fabs(mean) >= 1000 ? 0 : fabs(mean) >= 10 ? 1 : 2;
    if (isfinite(sd))
        snprintf(buf, len, "%.*f ± %.*f", dec, mean, dec, sd);
    else
        snprintf(buf, len, "%.*f", dec, mean); /* one run: no spread to show */
}

/* FIG. 7 / FIG. 8 style: our before/after per N of metric mi beside the
 * patent's figure (which: 0 FIG. 7, 1 FIG. 8). */
static void figure_table(FILE *out, const runfit *rf, int mi, int which)
{
    const runfit_metric *m = &rf->m[mi];
    double scale = which ? 1e-3 : 1.0;
    const char *unit = which ? "kB" : "s";
    if (mi == RUNFIT_M_APP) {
        fprintf(out, "### FIG. 8: store I/O as the original counted it (`app_bytes`)\n\n");
        fprintf(out, "Our column is `app_bytes` / 1000 (kB): the sizes the original logged and summed "
                     "(a Get response's protobuf header + key-values, a Put or Txn's value length), "
                     "controller and agents, up to the last rule change. Unlike `grpc_bytes` it leaves out "
                     "watch deliveries, leases, keepalives, lock and claim requests.\n\n");
    } else {
        fprintf(out, "### %s\n\n", which ? "FIG. 8: store I/O (gRPC payload bytes, all members, sent + received)"
                                         : "FIG. 7: initial setup time");
    }
    if (mi == RUNFIT_M_GRPC)
        fprintf(out, "Our column is `grpc_bytes` / 1000 (kB). The patent does not state FIG. 8's unit "
                     "(see results/reference/README.md); its numbers are shown as published.%s\n\n",
                rf->m[RUNFIT_M_APP].ok ? " The original's own count, `app_bytes`, follows." : "");
    if (mi == RUNFIT_M_SETUP)
        fprintf(out, "Our column is `setup_s`, first agent start to the end of setup by the criterion "
                     "**%s** (config.json `end_criterion`: txn = the last rule CAS sent, changed or not, the "
                     "original's last trace of setup; rule = the last write that changed a rule; ips = every "
                     "agent knowing every peer's IP; a run without it measured ips).\n\n", rf->end_criterion);
    if (!m->cmp_ok) {
        fprintf(out, "No before/after comparison: this run lacks one of the modes for `%s`.\n\n", m->column);
        return;
    }
    fprintf(out, "| N | patent before | patent after | patent change | before (%s) mean ± sd | after (%s) mean ± sd | change | Welch p | Mann-Whitney p | runs |\n",
            unit, unit);
    fprintf(out, "|---|---|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < m->cmp.nrows; i++) {
        const cmp_row *r = &m->cmp.rows[i];
        char pb[32] = "–", pa[32] = "–", pc[32] = "–", pw[32], pm[32];
        for (size_t k = 0; rf->have_ref && k < rf->ref.npts; k++) {
            if (rf->ref.n[k] == r->x) {
                snprintf(pb, sizeof pb, "%g", rf->ref.data[which][0][k]);
                snprintf(pa, sizeof pa, "%g", rf->ref.data[which][1][k]);
                snprintf(pc, sizeof pc, "%+g%%", rf->ref.change_pct[which][k]);
            }
        }
        fmt_p(pw, sizeof pw, r->welch_ok, r->welch.p);
        fmt_p(pm, sizeof pm, r->mwu_ok, r->mwu.p);
        char va[64], vb[64];
        fmt_mean_sd(va, sizeof va, r->a.mean * scale, r->a.sd * scale);
        fmt_mean_sd(vb, sizeof vb, r->b.mean * scale, r->b.sd * scale);
        fprintf(out, "| %g | %s | %s | %s | %s | %s | %+.1f%% | %s | %s | %zu / %zu |\n",
                r->x, pb, pa, pc, va, vb, r->change_pct, pw, pm, r->a.n, r->b.n);
    }
    double pmean = NAN;
    if (rf->have_ref) {
        pmean = 0;
        for (size_t k = 0; k < rf->ref.npts; k++)
            pmean += rf->ref.change_pct[which][k];
        pmean /= (double)rf->ref.npts;
    }
    fprintf(out, "\nOverall average change (mean of the per-N changes, as the patent computes it): "
                 "**%+.1f%%** here, %+.1f%% in the patent (its text: \"about %s\").\n",
            m->cmp.mean_change_pct, pmean, which ? "62%" : "26%");
    /* without ties, complete separation has probability 1 / C(na + nb, na) per side */
    size_t na = m->cmp.rows[0].a.n, nb = m->cmp.rows[0].b.n;
    double comb = 1;
    for (size_t k = 1; k <= na; k++)
        comb = comb * (double)(nb + k) / (double)k;
    fprintf(out, "With %zu and %zu repetitions per point the smallest possible two-sided Mann-Whitney p "
                 "is %.2g; Welch's t assumes roughly normal repetitions.\n\n", na, nb,
            fmin(1.0, 2.0 / comb));
}

static void models_section(FILE *out, const runfit *rf)
{
    fprintf(out, "## Models beside FIG. 9 and FIG. 10\n\n");
    fprintf(out, "The patent's models are on normalised axes and it does not say which normalisation. "
                 "`make fit-patent` evaluates the patent's own models on its published points under "
                 "several normalisations; the one where they fit best is used below for this run's "
                 "per-N means as well (fitted like the patent, on the means).\n\n");
    for (int w = 0; w < 2; w++) {
        const runfit_patentfig *pf = &rf->fig[w];
        fprintf(out, "### FIG. %d (%s), f(x) = %s\n\n", pf->figure, w ? "store I/O" : "setup time",
                w ? "a x² + b x" : "a x² + b x + c");
        if (!pf->ok) {
            fprintf(out, "Skipped: %s.\n\n", pf->note);
            continue;
        }
        fprintf(out, "Normalisation: %s; %s.\n\n", patent_xnorm_name(pf->pf.cand[pf->pf.best].x),
                patent_ynorm_name(pf->pf.cand[pf->pf.best].y));
        fprintf(out, "| series | patent a | patent b | patent c | ours a | ours b | ours c | our SSE | patent model's SSE on our points | patent's SSE on its own points |\n");
        fprintf(out, "|---|---|---|---|---|---|---|---|---|---|\n");
        for (int s = 0; s < 2; s++) {
            const double *p = rf->ref.model[w][s];
            const fit_result *r = &pf->ours[s];
            char a[64], b[64], c[64];
            fprintf(out, "| %s | %.4f | %.4f | %.4f | %s | %s | %s | %.4g | %.4g | %.4g |\n",
                    s ? "after" : "before", p[0], p[1], p[2], fit_fmt_coef(a, sizeof a, r->coef[0], r->se[0]),
                    fit_fmt_coef(b, sizeof b, r->coef[1], r->se[1]),
                    w ? "0" : fit_fmt_coef(c, sizeof c, r->coef[2], r->se[2]), r->sse,
                    pf->sse_patent_on_ours[s], pf->pf.s[s].patent_sse_norm);
        }
        fprintf(out, "\n");
    }
}

static void plot_link(FILE *out, const runfit *rf, const char *name, const char *caption)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/plots/%s.png", rf->dir, name);
    if (util_file_exists(path))
        fprintf(out, "![%s](plots/%s.png)\n\n*%s* ([SVG](plots/%s.svg))\n\n", caption, name, caption, name);
    else
        fprintf(out, "- %s: not plotted (run `make plots`%s).\n\n", caption,
                strcmp(name, "completion-cdf") == 0 && !rf->cdf_n ? "; no timelines at that N" : "");
}

void report_markdown(FILE *out, const runfit *rf)
{
    fprintf(out, "# geokv-bench report: run %s\n\n", rf->id);
    if (rf->synthetic)
        fprintf(out, "> **SYNTHETIC DATA.** This directory was made by a test generator from invented "
                     "curves plus noise. None of these numbers are measurements.\n\n");
    fprintf(out, "Generated by `geokv-model report` from summary.csv, runs.jsonl, config.json and "
                 "timelines/ of this directory; the patent's numbers are US 12,393,527 FIG. 7-10 "
                 "(results/reference/).\n\n");
    coverage_section(out, rf);
    config_section(out, rf);
    runs_section(out, rf);
    fprintf(out, "## Before against after\n\n");
    figure_table(out, rf, RUNFIT_M_SETUP, 0);
    figure_table(out, rf, RUNFIT_M_GRPC, 1);
    if (rf->m[RUNFIT_M_APP].ok)
        figure_table(out, rf, RUNFIT_M_APP, 1);
    for (int w = 0; w <= RUNFIT_M_APP; w++) {
        if (!rf->m[w].ok)
            continue;
        for (size_t k = 0; k < rf->norder; k++) {
            if (!rf->m[w].other[k])
                continue;
            fprintf(out, "### %s: %s against %s\n\n", rf->m[w].label, rf->order[k], RUNFIT_BASE_MODE);
            compare_print(out, rf->m[w].other[k], 1);
            fprintf(out, "\n");
        }
    }
    models_section(out, rf);
    fprintf(out, "## Fits in raw units, and which shape the data support\n\n");
    fprintf(out, "Every run is a point (repetitions are not averaged). Standard errors from the "
                 "covariance scaled by the residual variance; models ranked by BIC (AICc also shown). "
                 "The protocol's I/O should grow as O(N³) asymptotically; the power law's k says how fast "
                 "it grows over the measured range.\n");
    for (int i = 0; i <= RUNFIT_M_APP; i++) {
        if (!rf->m[i].ok)
            continue;
        fprintf(out, "\n### %s [%s]\n", rf->m[i].label, rf->m[i].unit);
        groupfit_print(out, &rf->m[i].gf, 200, 1);
    }
    fprintf(out, "\n## Plots\n\n");
    plot_link(out, rf, "setup-time", "Setup time against N, mean ± sd per mode, fitted quadratics");
    plot_link(out, rf, "store-io", rf->m[RUNFIT_M_APP].ok
                                       ? "Store I/O against N, fitted curves: gRPC bytes, and as the original logged it"
                                       : "Store I/O (gRPC bytes) against N, fitted curves");
    plot_link(out, rf, "patent-models", "Normalised fits beside the patent's FIG. 9 and FIG. 10 models");
    plot_link(out, rf, "completion-cdf", "Per-agent completion time, CDF");
    plot_link(out, rf, "time-breakdown", "Where an agent's time goes, per mode");
    if (rf->nnotes) {
        fprintf(out, "## Notes\n\n");
        for (size_t i = 0; i < rf->nnotes; i++)
            fprintf(out, "- %s\n", rf->notes[i]);
        fprintf(out, "\n");
    }
}

int report_write(const runfit *rf, char *err, size_t errlen)
{
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/report.md", rf->dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        util_seterr(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    report_markdown(f, rf);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        util_seterr(err, errlen, "cannot write %s: %s", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}
