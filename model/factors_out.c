/* factors_out.c: a factor study's outputs (see factors_out.h). */
#include "model/factors_out.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define POOLED(s) ((s)->nn)

/* Signs of a cell's setup change over the N values: -1 every N negative
 * (after faster: the patent's sign), +1 every N positive, 0 mixed or zero,
 * 2 missing data. */
static int cell_sign(const fs_study *s, const fs_cell *c)
{
    int neg = 0, pos = 0;
    for (size_t j = 0; j < s->nn; j++) {
        double v = c->change[FS_SETUP][j];
        if (!isfinite(v))
            return 2;
        neg += v < 0;
        pos += v > 0;
    }
    return neg == (int)s->nn ? -1 : pos == (int)s->nn ? 1 : 0;
}

static const char *sign_text(int sg)
{
    return sg == -1 ? "yes" : sg == 1 ? "no" : sg == 0 ? "mixed" : "no data";
}

static void pct(double v, char *out, size_t len)
{
    if (isfinite(v) && fabs(v) < 0.05)
        snprintf(out, len, "0.0%%");
    else if (isfinite(v))
        snprintf(out, len, "%+.1f%%", v);
    else
        snprintf(out, len, "-");
}

static void pp(double v, char *out, size_t len)
{
    if (isfinite(v) && fabs(v) < 0.05)
        snprintf(out, len, "0.0");   /* no "-0.0" */
    else if (isfinite(v))
        snprintf(out, len, "%+.1f", v);
    else
        snprintf(out, len, "-");
}

static void num(double v, const char *fmt, char *out, size_t len)
{
    if (isfinite(v))
        snprintf(out, len, fmt, v);
    else
        snprintf(out, len, "-");
}

static void n_list(const fs_study *s, char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t j = 0; j < s->nn && used < len; j++)
        used += (size_t)snprintf(out + used, len - used, "%s%d", j ? (j + 1 == s->nn ? " and " : ", ") : "", s->n[j]);
}

/* Appends to a summary line. */
static void cat(char *line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cat(char *line, const char *fmt, ...)
{
    size_t used = strlen(line);
    va_list ap;
    if (used + 1 >= FS_SUMMARY_LEN)
        return;
    va_start(ap, fmt);
    vsnprintf(line + used, FS_SUMMARY_LEN - used, fmt, ap);
    va_end(ap);
}

/* ---- the summary ---- */

static void summary_signs(const fs_study *s, char *line)
{
    size_t cnt[4] = {0}, listed = 0;
    char ns[128], lab[256];
    n_list(s, ns, sizeof ns);
    for (size_t i = 0; i < s->ncells; i++)
        cnt[cell_sign(s, &s->cells[i]) + 1]++;
    cat(line, "%zu of %zu cells have the patent's sign (after faster than before) at every N (%s)", cnt[0],
        s->ncells, ns);
    for (size_t i = 0; i < s->ncells && cnt[0] <= 6; i++) {
        if (cell_sign(s, &s->cells[i]) != -1)
            continue;
        fs_cell_label(s, &s->cells[i], lab, sizeof lab);
        cat(line, "%s%s", listed++ ? "; " : ": ", lab);
    }
    cat(line, "; after is slower at every N in %zu", cnt[2]);
    if (cnt[1])
        cat(line, ", the sign differs between N values in %zu", cnt[1]);
    if (cnt[3])
        cat(line, ", %zu have no data yet", cnt[3]);
    cat(line, ".");
}

static void summary_range(const fs_study *s, char *line)
{
    int lo = -1, hi = -1;
    char a[32], b[32], la[256], lb[256];
    for (size_t i = 0; i < s->ncells; i++) {
        double v = s->cells[i].change[FS_SETUP][POOLED(s)];
        if (!isfinite(v))
            continue;
        if (lo < 0 || v < s->cells[lo].change[FS_SETUP][POOLED(s)])
            lo = (int)i;
        if (hi < 0 || v > s->cells[hi].change[FS_SETUP][POOLED(s)])
            hi = (int)i;
    }
    if (lo < 0) {
        cat(line, "No cell has its before and after runs at every N yet: no change to report.");
        return;
    }
    pct(s->cells[lo].change[FS_SETUP][POOLED(s)], a, sizeof a);
    pct(s->cells[hi].change[FS_SETUP][POOLED(s)], b, sizeof b);
    fs_cell_label(s, &s->cells[lo], la, sizeof la);
    fs_cell_label(s, &s->cells[hi], lb, sizeof lb);
    cat(line, "The change of setup time, mean over N, runs from %s (%s) to %s (%s)", a, la, b, lb);
    if (s->have_patent)
        cat(line, "; the patent's FIG. 7 mean is %+.1f%%", s->patent_mean);
    cat(line, ".");
}

/* Masks of the effects sorted by |pooled effect|, largest first. */
static size_t effects_by_size(const fs_study *s, int metric, unsigned *masks)
{
    size_t nm = factors_effect_masks(s->k, masks);
    const double *e = s->eff[metric][POOLED(s)];
    for (size_t a = 1; a < nm; a++) {
        unsigned v = masks[a];
        size_t b = a;
        while (b > 0 && fabs(e[masks[b - 1]]) < fabs(e[v])) {
            masks[b] = masks[b - 1];
            b--;
        }
        masks[b] = v;
    }
    return nm;
}

/* Whether effect mask has the pooled effect's sign at every N. */
static bool same_sign_every_n(const fs_study *s, int metric, unsigned mask)
{
    double p = s->eff[metric][POOLED(s)][mask];
    for (size_t j = 0; j < s->nn; j++) {
        double v = s->eff[metric][j][mask];
        if (!s->eff_ok[metric][j] || (p < 0) != (v < 0) || v == 0)
            return false;
    }
    return true;
}

static void summary_effects(const fs_study *s, char *line)
{
    unsigned masks[FACTORS_MAX_CELLS];
    char name[128];
    if (!s->eff_ok[FS_SETUP][POOLED(s)]) {
        cat(line, "Effects need every cell's change at every N; some are missing (see the notes).");
        return;
    }
    size_t nm = effects_by_size(s, FS_SETUP, masks);
    cat(line, "Largest effects on the change of setup time (mean over N; difference of means, percentage points): ");
    for (size_t t = 0; t < nm && t < 3; t++) {
        unsigned m = masks[t];
        double v = s->eff[FS_SETUP][POOLED(s)][m];
        fs_effect_name(s, m, name, sizeof name);
        cat(line, "%s%s %+.1f", t ? "; " : "", name, v);
        if (factors_order(m) == 1) {
            const fs_factor *f = &s->f[s->order[__builtin_ctz(m)]];
            cat(line, " (%s rather than %s makes after %s relative to before)", f->label[1], f->label[0],
                v < 0 ? "faster" : "slower");
        } else {
            cat(line, " (an interaction: one factor's effect depends on the other's level)");
        }
        if (s->nn > 1)
            cat(line, ", %s", same_sign_every_n(s, FS_SETUP, m) ? "the same sign at every N" : "NOT the same sign at every N");
    }
    cat(line, ".");
}

static void summary_noise(const fs_study *s, char *line)
{
    unsigned masks[FACTORS_MAX_CELLS];
    char name[128];
    size_t listed = 0;
    if (!s->pse_ok[FS_SETUP][POOLED(s)]) {
        cat(line, "With %zu effects there are too few for Lenth's pseudo standard error, and with %d repetition%s "
                  "there is no replicate error: read effects smaller than their spread between N values with care.",
            s->ncells - 1, s->reps, s->reps == 1 ? "" : "s");
        return;
    }
    const factors_pse *l = &s->pse[FS_SETUP][POOLED(s)];
    size_t nm = effects_by_size(s, FS_SETUP, masks);
    if (!(l->pse > 0)) {
        cat(line, "Lenth's pseudo standard error is 0 (the smaller effects are exactly zero): it gives no margin of "
                  "error here.");
        return;
    }
    cat(line, "Lenth's margin of error for one effect is +-%.1f points (PSE %.2f, %.1f df; +-%.1f for all %zu at "
              "once); beyond it: ", l->me, l->pse, l->df, l->sme, nm);
    for (size_t t = 0; t < nm; t++) {
        double v = s->eff[FS_SETUP][POOLED(s)][masks[t]];
        if (fabs(v) <= l->me)
            break;
        fs_effect_name(s, masks[t], name, sizeof name);
        cat(line, "%s%s%s", listed++ ? ", " : "", name, fabs(v) > l->sme ? " (also beyond the simultaneous one)" : "");
    }
    cat(line, "%s.", listed ? "" : "none");
}

static void summary_flips(const fs_study *s, char *line)
{
    double y[FACTORS_MAX_CELLS];
    size_t any = 0;
    for (size_t i = 0; i < s->ncells; i++)
        y[i] = s->cells[i].change[FS_SETUP][POOLED(s)];
    cat(line, "Where the sign flips (mean over N): ");
    for (size_t j = 0; j < s->k; j++) {
        factors_flip fl;
        const fs_factor *f = &s->f[s->order[j]];
        if (factors_flips(s->k, j, y, &fl) != 0 || fl.flips == 0)
            continue;
        cat(line, "%s%s from %s to %s flips it in %zu of %zu pairs of cells", any++ ? "; " : "", f->title, f->label[0],
            f->label[1], fl.flips, fl.pairs);
        if (fl.to_negative == fl.flips)
            cat(line, ", each time to after faster");
        else if (fl.to_negative == 0)
            cat(line, ", each time to after slower");
        else
            cat(line, " (%zu to after faster)", fl.to_negative);
    }
    if (!any)
        cat(line, "no single factor flips the sign between two cells that differ only in it");
    cat(line, ".");
}

static void summary_patent(const fs_study *s, char *line)
{
    int best = -1;
    size_t near = 0;
    char lab[256];
    if (!s->have_patent)
        return;
    for (size_t i = 0; i < s->ncells; i++) {
        double v = s->cells[i].change[FS_SETUP][POOLED(s)];
        if (!isfinite(v))
            continue;
        near += fabs(v - s->patent_mean) <= 10;
        if (best < 0 || fabs(v - s->patent_mean) < fabs(s->cells[best].change[FS_SETUP][POOLED(s)] - s->patent_mean))
            best = (int)i;
    }
    if (best < 0)
        return;
    fs_cell_label(s, &s->cells[best], lab, sizeof lab);
    cat(line, "Closest to the patent's %+.1f%%: %s at %+.1f%% (%.1f points away); %zu cell%s within 10 points of it.",
        s->patent_mean, lab, s->cells[best].change[FS_SETUP][POOLED(s)],
        fabs(s->cells[best].change[FS_SETUP][POOLED(s)] - s->patent_mean), near, near == 1 ? " is" : "s are");
}

static void summary_io(const fs_study *s, char *line)
{
    double lo = INFINITY, hi = -INFINITY;
    unsigned masks[FACTORS_MAX_CELLS];
    char name[128];
    for (size_t i = 0; i < s->ncells; i++) {
        double v = s->cells[i].change[FS_APP][POOLED(s)];
        if (isfinite(v)) {
            lo = fmin(lo, v);
            hi = fmax(hi, v);
        }
    }
    if (!isfinite(lo))
        return;
    cat(line, "Store I/O as the original logged it (app_bytes), after vs before, mean over N: %+.1f%% to %+.1f%%", lo, hi);
    if (s->eff_ok[FS_APP][POOLED(s)]) {
        effects_by_size(s, FS_APP, masks);
        fs_effect_name(s, masks[0], name, sizeof name);
        cat(line, "; its largest effect: %s %+.1f points", name, s->eff[FS_APP][POOLED(s)][masks[0]]);
    }
    cat(line, ".");
}

size_t fs_summary(const fs_study *s, char lines[][FS_SUMMARY_LEN], size_t max)
{
    void (*const parts[])(const fs_study *, char *) = {summary_signs, summary_range, summary_effects, summary_noise,
                                                       summary_flips, summary_patent, summary_io};
    size_t n = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0] && n < max; i++) {
        lines[n][0] = '\0';
        parts[i](s, lines[n]);
        if (lines[n][0])
            n++;
    }
    return n;
}

/* ---- JSON ---- */

static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *effects_json(const fs_study *s, int metric, size_t j)
{
    unsigned masks[FACTORS_MAX_CELLS];
    char name[128];
    size_t nm = factors_effect_masks(s->k, masks);
    json_t *arr = json_array();
    for (size_t t = 0; t < nm; t++) {
        json_t *fs = json_array();
        for (size_t b = 0; b < s->k; b++)
            if (masks[t] & (1u << b))
                json_array_append_new(fs, json_string(s->f[s->order[b]].key));
        fs_effect_name(s, masks[t], name, sizeof name);
        json_array_append_new(arr, json_pack("{s:s,s:o,s:i,s:o}", "name", name, "factors", fs, "order",
                                             factors_order(masks[t]), "value_pp",
                                             s->eff_ok[metric][j] ? jnum(s->eff[metric][j][masks[t]]) : json_null()));
    }
    json_t *o = json_pack("{s:o,s:o}", "grand_mean_pct", s->eff_ok[metric][j] ? jnum(s->eff[metric][j][0]) : json_null(),
                          "effects", arr);
    if (s->pse_ok[metric][j]) {
        const factors_pse *l = &s->pse[metric][j];
        json_object_set_new(o, "lenth", json_pack("{s:f,s:f,s:f,s:f,s:f}", "s0", l->s0, "pse", l->pse, "df", l->df,
                                                  "me", l->me, "sme", l->sme));
    }
    return o;
}

static json_t *metric_json(const fs_study *s, int metric)
{
    json_t *per = json_array();
    for (size_t j = 0; j < s->nn; j++) {
        json_t *e = effects_json(s, metric, j);
        json_object_set_new(e, "n", json_integer(s->n[j]));
        json_array_append_new(per, e);
    }
    return json_pack("{s:o,s:o}", "per_n", per, "pooled", effects_json(s, metric, POOLED(s)));
}

static json_t *cells_json(const fs_study *s)
{
    static const char *const mk[FS_METRICS] = {"setup_s", "app_bytes"};
    json_t *arr = json_array();
    char lab[256];
    for (size_t i = 0; i < s->ncells; i++) {
        const fs_cell *c = &s->cells[i];
        json_t *lv = json_object(), *coded = json_object(), *per = json_array();
        for (size_t f = 0; f < s->nf; f++) {
            json_object_set_new(lv, s->f[f].key, json_string(s->f[f].code[c->level[f]]));
            json_object_set_new(coded, s->f[f].key, json_integer(c->level[f] ? 1 : -1));
        }
        for (size_t j = 0; j < s->nn; j++) {
            json_t *pn = json_pack("{s:i,s:i,s:i}", "n", s->n[j], "before_runs", c->n_before[j], "after_runs",
                                   c->n_after[j]);
            for (int m = 0; m < FS_METRICS; m++) {
                char key[64];
                snprintf(key, sizeof key, "before_%s", mk[m]);
                json_object_set_new(pn, key, jnum(c->before[m][j]));
                snprintf(key, sizeof key, "after_%s", mk[m]);
                json_object_set_new(pn, key, jnum(c->after[m][j]));
                snprintf(key, sizeof key, "%s_change_pct", mk[m]);
                json_object_set_new(pn, key, jnum(c->change[m][j]));
            }
            json_array_append_new(per, pn);
        }
        fs_cell_label(s, c, lab, sizeof lab);
        int sg = cell_sign(s, c);
        json_array_append_new(arr, json_pack("{s:s,s:s,s:i,s:o,s:o,s:o,s:o,s:o,s:s,s:s,s:s,s:s}", "name", c->name,
                                             "label", lab, "index", (int)i, "levels", lv, "coded", coded, "per_n", per,
                                             "setup_s_change_pct_mean", jnum(c->change[FS_SETUP][POOLED(s)]),
                                             "app_bytes_change_pct_mean", jnum(c->change[FS_APP][POOLED(s)]),
                                             "patent_sign", sign_text(sg), "sweep", c->sweep, "before_sweep",
                                             c->before_sweep, "end_criterion", c->end));
    }
    return arr;
}

json_t *fs_json(const fs_study *s)
{
    char lines[FS_SUMMARY_MAX][FS_SUMMARY_LEN];
    size_t nl = fs_summary(s, lines, FS_SUMMARY_MAX);
    json_t *sum = json_array(), *notes = json_array(), *nl_ = json_array(), *fac = json_array(), *patent;
    for (size_t i = 0; i < nl; i++)
        json_array_append_new(sum, json_string(lines[i]));
    for (size_t i = 0; i < s->nnotes; i++)
        json_array_append_new(notes, json_string(s->notes[i]));
    for (size_t j = 0; j < s->nn; j++)
        json_array_append_new(nl_, json_integer(s->n[j]));
    for (size_t f = 0; f < s->nf; f++)
        json_array_append_new(fac, json_pack("{s:s,s:s,s:b,s:[s,s],s:[s,s],s:[s,s]}", "key", s->f[f].key, "title",
                                             s->f[f].title, "varied", s->f[f].varied, "levels", s->f[f].code[0],
                                             s->f[f].code[1], "labels", s->f[f].label[0], s->f[f].label[1], "options",
                                             s->f[f].opts[0], s->f[f].opts[1]));
    if (s->have_patent) {
        json_t *pn = json_array();
        for (size_t j = 0; j < s->nn; j++)
            json_array_append_new(pn, json_pack("{s:i,s:o}", "n", s->n[j], "change_pct", jnum(s->patent_change[j])));
        patent = json_pack("{s:f,s:o}", "fig7_mean_change_pct", s->patent_mean, "per_n", pn);
    } else {
        patent = json_null();
    }
    return json_pack("{s:s,s:s,s:s,s:o,s:i,s:f,s:f,s:s,s:o,s:o,s:s,s:s,s:o,s:{s:o,s:o},s:o,s:o,s:f,s:f,s:o}",
                     "study_id", s->id, "git_describe", s->git, "status", s->status, "n", nl_, "reps", s->reps,
                     "rtt_scale", s->rtt_scale, "delay_scale", s->delay_scale, "end_criterion", s->end, "cost_model",
                     s->have_c_line ? json_pack("{s:f,s:s,s:b}", "c_line_us", s->c_line_us, "c_line_us_source",
                                                s->c_line_src, "on_in_some_cell", s->cost_on_seen)
                                    : json_null(),
                     "factors", fac, "response",
                     "change_pct = 100 (mean after - mean before) / mean before over green runs, per N; mean = mean "
                     "over N",
                     "convention",
                     "effect = mean change where the effect's contrast (product of its factors' -1/+1 codes) is +1 "
                     "minus the mean where it is -1, in percentage points: twice the +-1-coded regression coefficient",
                     "cells", cells_json(s), "effects", "setup_s", metric_json(s, FS_SETUP), "app_bytes",
                     metric_json(s, FS_APP), "patent", patent, "summary", sum, "sweeps_wall_s", s->wall_s,
                     "estimate_s", s->estimate_s, "notes", notes);
}

/* ---- markdown ---- */

static void md_design(FILE *f, const fs_study *s)
{
    fprintf(f, "## Design\n\n| factor | -1 | +1 | in this design |\n|---|---|---|---|\n");
    for (size_t j = 0; j < s->nf; j++) {
        const fs_factor *d = &s->f[j];
        fprintf(f, "| %s (%s) | %s%s%s%s | %s%s%s%s | %s |\n", d->key, d->title, d->text[0], d->opts[0][0] ? " `" : "",
                d->opts[0], d->opts[0][0] ? "`" : "", d->text[1], d->opts[1][0] ? " `" : "", d->opts[1],
                d->opts[1][0] ? "`" : "", d->varied ? "varied" : "held at -1");
    }
    fprintf(f, "\nThe before runs are shared by the two init-lock levels: the init-lock-on cell's sweep runs before "
               "and after, the init-lock-off cell's only after (before mode never reads `--init-lock`). Every sweep "
               "has the study's seed.\n\n"
               "Response: the after-vs-before change in percent, 100 (after - before) / before, of the means over the "
               "green runs at each N; *mean* is the mean over the N values. Effects follow the difference-of-means "
               "convention: the mean change where the effect's contrast (the product of its factors' -1/+1 codes) "
               "is +1 minus the mean where it is -1, in percentage points (twice the +-1-coded regression "
               "coefficient).\n\n");
}

static void md_cells(FILE *f, const fs_study *s)
{
    char a[32], b[32], c3[32];
    fprintf(f, "## Cells\n\n| # | cell |");
    for (size_t j = 0; j < s->k; j++)
        fprintf(f, " %s |", s->f[s->order[j]].key);
    for (size_t j = 0; j < s->nn; j++)
        fprintf(f, " N=%d before s | after s | change |", s->n[j]);
    fprintf(f, " change, mean | app_bytes change, mean | patent's sign |\n|---|---|");
    for (size_t j = 0; j < s->k; j++)
        fprintf(f, "---|");
    for (size_t j = 0; j < s->nn; j++)
        fprintf(f, "---:|---:|---:|");
    fprintf(f, "---:|---:|---|\n");
    for (size_t i = 0; i < s->ncells; i++) {
        const fs_cell *c = &s->cells[i];
        fprintf(f, "| %zu | `%s` |", i + 1, c->name);
        for (size_t j = 0; j < s->k; j++)
            fprintf(f, " %s |", s->f[s->order[j]].label[c->level[s->order[j]]]);
        for (size_t j = 0; j < s->nn; j++) {
            num(c->before[FS_SETUP][j], "%.1f", a, sizeof a);
            num(c->after[FS_SETUP][j], "%.1f", b, sizeof b);
            pct(c->change[FS_SETUP][j], c3, sizeof c3);
            fprintf(f, " %s | %s | %s |", a, b, c3);
        }
        pct(c->change[FS_SETUP][POOLED(s)], a, sizeof a);
        pct(c->change[FS_APP][POOLED(s)], b, sizeof b);
        fprintf(f, " **%s** | %s | %s |\n", a, b, sign_text(cell_sign(s, c)));
    }
    if (s->have_patent) {
        fprintf(f, "| | patent FIG. 7 |");
        for (size_t j = 0; j < s->k; j++)
            fprintf(f, " |");
        for (size_t j = 0; j < s->nn; j++) {
            pct(s->patent_change[j], c3, sizeof c3);
            fprintf(f, " | | %s |", c3);
        }
        fprintf(f, " %+.1f%% (N = 10..50) | | yes |\n", s->patent_mean);
    }
    fprintf(f, "\n*patent's sign*: yes when after is faster than before at every N, no when slower at every N.\n\n");
}

static void md_effects(FILE *f, const fs_study *s, int metric, const char *title)
{
    unsigned masks[FACTORS_MAX_CELLS];
    char name[128], v[32];
    size_t nm = factors_effect_masks(s->k, masks);
    fprintf(f, "## %s\n\n| effect | order |", title);
    for (size_t j = 0; j < s->nn; j++)
        fprintf(f, " N=%d |", s->n[j]);
    fprintf(f, " mean over N |\n|---|---:|");
    for (size_t j = 0; j <= s->nn; j++)
        fprintf(f, "---:|");
    fprintf(f, "\n| (mean change) | 0 |");
    for (size_t j = 0; j <= s->nn; j++) {
        pct(s->eff_ok[metric][j] ? s->eff[metric][j][0] : NAN, v, sizeof v);
        fprintf(f, " %s |", v);
    }
    fprintf(f, "\n");
    const factors_pse *l = s->pse_ok[metric][POOLED(s)] ? &s->pse[metric][POOLED(s)] : NULL;
    for (size_t t = 0; t < nm; t++) {
        fs_effect_name(s, masks[t], name, sizeof name);
        fprintf(f, "| %s | %d |", name, factors_order(masks[t]));
        for (size_t j = 0; j <= s->nn; j++) {
            pp(s->eff_ok[metric][j] ? s->eff[metric][j][masks[t]] : NAN, v, sizeof v);
            bool strong = j == POOLED(s) && l && l->pse > 0 && fabs(s->eff[metric][j][masks[t]]) > l->me;
            fprintf(f, " %s%s%s |", strong ? "**" : "", v, strong ? "**" : "");
        }
        fprintf(f, "\n");
    }
    if (l && !(l->pse > 0))
        fprintf(f, "\nLenth's pseudo standard error is 0 (the smaller effects are exactly zero): no margin of error.\n");
    else if (l)
        fprintf(f, "\nLenth's pseudo standard error of the effects (mean over N): PSE %.2f points, %.1f df; margin of "
                   "error +-%.1f (one effect, 95%%), +-%.1f (all %zu at once). Effects beyond the margin are in bold.\n",
                l->pse, l->df, l->me, l->sme, nm);
    else
        fprintf(f, "\nToo few effects (%zu) for Lenth's pseudo standard error%s.\n", nm,
                s->reps == 1 ? "; with one repetition per cell there is no replicate error" : "");
    fprintf(f, "\n");
}

void fs_markdown(FILE *f, const fs_study *s)
{
    char lines[FS_SUMMARY_MAX][FS_SUMMARY_LEN], ns[128];
    size_t nl = fs_summary(s, lines, FS_SUMMARY_MAX);
    n_list(s, ns, sizeof ns);
    fprintf(f, "# Factor study: what decides whether the cache helps\n\n");
    fprintf(f, "Study `%s` (`git describe` %s), status: %s. A 2^%zu full factorial over ", s->id, s->git, s->status,
            s->k);
    for (size_t j = 0; j < s->k; j++)
        fprintf(f, "%s%s", j ? (j + 1 == s->k ? " and " : ", ") : "", s->f[s->order[j]].title);
    fprintf(f, "; N = %s, %d repetition%s per mode and N, `--rtt-scale %g --delay-scale %g`; setup_s measured to "
               "the end `%s` (config.json end_criterion).\n\n",
            ns, s->reps, s->reps == 1 ? "" : "s", s->rtt_scale, s->delay_scale, s->end[0] ? s->end : "?");
    if (s->cost_on_seen)
        fprintf(f, "Cost model of the cost-on cells: c_line_us = %g us, source \"%s\" (the profile as the sweeps "
                   "recorded it in config.json).\n\n", s->c_line_us, s->c_line_src);
    else if (s->have_c_line)
        fprintf(f, "No cell ran with the cost model on; the profile's c_line_us = %g us, source \"%s\" (config.json), "
                   "was not spent.\n\n", s->c_line_us, s->c_line_src);
    else
        fprintf(f, "No cell ran with the cost model on.\n\n");
    if (s->wall_s > 0)
        fprintf(f, "The sweeps took %.0f min of wall time (the plan estimated %.0f min).\n\n", s->wall_s / 60,
                s->estimate_s / 60);
    md_design(f, s);
    md_cells(f, s);
    md_effects(f, s, FS_SETUP, "Effects on the change of setup time (percentage points)");
    md_effects(f, s, FS_APP, "Effects on the change of app_bytes (percentage points)");
    fprintf(f, "## What decides whether the cache helps\n\n");
    for (size_t i = 0; i < nl; i++)
        fprintf(f, "- %s\n", lines[i]);
    fprintf(f, "\n![After-vs-before change of setup time per cell, sorted, with zero and the patent's mean marked]"
               "(factors.png)\n\n");
    if (s->nnotes) {
        fprintf(f, "## Notes\n\n");
        for (size_t i = 0; i < s->nnotes; i++)
            fprintf(f, "- %s\n", s->notes[i]);
        fprintf(f, "\n");
    }
}

/* ---- the plot's data and the terminal ---- */

void fs_plot_data(FILE *f, const fs_study *s)
{
    size_t idx[FACTORS_MAX_CELLS];
    char lab[256];
    for (size_t i = 0; i < s->ncells; i++)
        idx[i] = i;
    /* by the mean change, cells without one last */
    for (size_t a = 1; a < s->ncells; a++) {
        size_t v = idx[a], b = a;
        double x = s->cells[v].change[FS_SETUP][POOLED(s)];
        while (b > 0) {
            double y = s->cells[idx[b - 1]].change[FS_SETUP][POOLED(s)];
            bool before = isfinite(x) && (!isfinite(y) || x < y);
            if (!before)
                break;
            idx[b] = idx[b - 1];
            b--;
        }
        idx[b] = v;
    }
    fprintf(f, "# index \"cell\"");
    for (size_t j = 0; j < s->nn; j++)
        fprintf(f, " change_n%d", s->n[j]);
    fprintf(f, " change_mean (percent; sorted by change_mean)\n");
    for (size_t i = 0; i < s->ncells; i++) {
        const fs_cell *c = &s->cells[idx[i]];
        fs_cell_label(s, c, lab, sizeof lab);
        fprintf(f, "%zu \"%s\"", i, lab);
        for (size_t j = 0; j <= s->nn; j++) {
            double v = c->change[FS_SETUP][j];
            if (isfinite(v))
                fprintf(f, " %.4f", v);
            else
                fprintf(f, " NaN");
        }
        fprintf(f, "\n");
    }
}

void fs_print(FILE *f, const fs_study *s)
{
    char lines[FS_SUMMARY_MAX][FS_SUMMARY_LEN], lab[256], v[32];
    size_t nl = fs_summary(s, lines, FS_SUMMARY_MAX);
    fprintf(f, "factor study %s: after vs before, setup time", s->id);
    for (size_t j = 0; j < s->nn; j++)
        fprintf(f, ", N=%d", s->n[j]);
    fprintf(f, ", mean\n");
    for (size_t i = 0; i < s->ncells; i++) {
        fs_cell_label(s, &s->cells[i], lab, sizeof lab);
        fprintf(f, "  %-44s", lab);
        for (size_t j = 0; j <= s->nn; j++) {
            pct(s->cells[i].change[FS_SETUP][j], v, sizeof v);
            fprintf(f, " %8s", v);
        }
        fprintf(f, "\n");
    }
    for (size_t i = 0; i < nl; i++)
        fprintf(f, "- %s\n", lines[i]);
    for (size_t i = 0; i < s->nnotes; i++)
        fprintf(f, "  note: %s\n", s->notes[i]);
}
