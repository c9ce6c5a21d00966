/* factors_study.c: a factor study's data and analysis (see factors_study.h). */
#include "model/factors_study.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/csv.h"
#include "model/patent.h"
#include "sim/util/util_err.h"

void fs_note(fs_study *s, const char *fmt, ...)
{
    va_list ap;
    if (s->nnotes >= FS_MAX_NOTES)
        return;
    va_start(ap, fmt);
    vsnprintf(s->notes[s->nnotes++], FS_NOTE_LEN, fmt, ap);
    va_end(ap);
}

void fs_effect_name(const fs_study *s, unsigned mask, char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t j = 0; j < s->k && used < len; j++)
        if (mask & (1u << j))
            used += (size_t)snprintf(out + used, len - used, "%s%s", used ? " x " : "", s->f[s->order[j]].key);
}

void fs_cell_label(const fs_study *s, const fs_cell *c, char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t j = 0; j < s->k && used < len; j++) {
        const fs_factor *f = &s->f[s->order[j]];
        used += (size_t)snprintf(out + used, len - used, "%s%s", j ? ", " : "", f->label[c->level[s->order[j]]]);
    }
}

static void copy_str(char *dst, size_t len, const json_t *v, const char *dflt)
{
    const char *t = json_string_value(v);
    snprintf(dst, len, "%s", t ? t : dflt);
}

/* ---- steps.json ---- */

static int load_design(fs_study *s, const json_t *steps, char *err, size_t errlen)
{
    json_t *fs = json_object_get(json_object_get(steps, "design"), "factors"), *f;
    size_t i;
    if (!json_is_array(fs) || json_array_size(fs) == 0 || json_array_size(fs) > FS_MAX_FACTORS) {
        util_seterr(err, errlen, "%s/steps.json: no design.factors (1 to %d)", s->dir, FS_MAX_FACTORS);
        return -1;
    }
    json_array_foreach(fs, i, f) {
        fs_factor *d = &s->f[s->nf++];
        json_t *lv = json_object_get(f, "levels");
        copy_str(d->key, sizeof d->key, json_object_get(f, "key"), "?");
        copy_str(d->title, sizeof d->title, json_object_get(f, "title"), d->key);
        d->varied = json_is_true(json_object_get(f, "varied"));
        if (json_array_size(lv) != 2) {
            util_seterr(err, errlen, "%s/steps.json: factor %s has not two levels", s->dir, d->key);
            return -1;
        }
        for (int l = 0; l < 2; l++) {
            json_t *L = json_array_get(lv, (size_t)l);
            copy_str(d->code[l], sizeof d->code[l], json_object_get(L, "code"), "?");
            copy_str(d->label[l], sizeof d->label[l], json_object_get(L, "label"), d->code[l]);
            copy_str(d->text[l], sizeof d->text[l], json_object_get(L, "text"), d->label[l]);
            copy_str(d->opts[l], sizeof d->opts[l], json_object_get(L, "options"), "");
        }
    }
    /* the varied factors in design order (the order of design.factors) */
    for (size_t j = 0; j < s->nf; j++)
        if (s->f[j].varied)
            s->order[s->k++] = (int)j;
    if (s->k == 0 || s->k > FACTORS_MAX_K) {
        util_seterr(err, errlen, "%s/steps.json: %zu factors varied (1 to %d)", s->dir, s->k, FACTORS_MAX_K);
        return -1;
    }
    s->ncells = (size_t)1 << s->k;
    return 0;
}

static int load_options(fs_study *s, const json_t *steps, char *err, size_t errlen)
{
    json_t *o = json_object_get(steps, "options"), *nl = json_object_get(o, "n"), *v;
    size_t i;
    if (!json_is_array(nl) || json_array_size(nl) == 0 || json_array_size(nl) > FS_MAX_N) {
        util_seterr(err, errlen, "%s/steps.json: options.n is not a list of 1 to %d agent counts", s->dir, FS_MAX_N);
        return -1;
    }
    json_array_foreach(nl, i, v)
        s->n[s->nn++] = (int)json_integer_value(v);
    s->reps = (int)json_integer_value(json_object_get(o, "reps"));
    s->rtt_scale = json_number_value(json_object_get(o, "rtt_scale"));
    s->delay_scale = json_number_value(json_object_get(o, "delay_scale"));
    copy_str(s->id, sizeof s->id, json_object_get(steps, "study_id"), "?");
    copy_str(s->git, sizeof s->git, json_object_get(steps, "git_describe"), "?");
    copy_str(s->status, sizeof s->status, json_object_get(steps, "status"), "?");
    s->estimate_s = json_number_value(json_object_get(steps, "estimate_s"));
    return 0;
}

static const json_t *find_sweep(const json_t *steps, const char *name)
{
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(steps, "sweeps"), i, w) {
        const char *n = json_string_value(json_object_get(w, "name"));
        if (n && strcmp(n, name) == 0)
            return w;
    }
    return NULL;
}

/* The run directory of a sweep that is done, "" otherwise. */
static void sweep_dir(fs_study *s, const json_t *steps, const char *name, char *out, size_t len)
{
    const json_t *w = find_sweep(steps, name);
    const char *st = json_string_value(json_object_get(w, "status"));
    const char *d = json_string_value(json_object_get(w, "dir"));
    out[0] = '\0';
    if (!w)
        fs_note(s, "steps.json has no sweep %s", name);
    else if (st && strcmp(st, "done") == 0 && d)
        snprintf(out, len, "%s", d);
}

static int load_cells(fs_study *s, const json_t *steps, char *err, size_t errlen)
{
    json_t *cells = json_object_get(steps, "cells"), *c;
    bool seen[FACTORS_MAX_CELLS] = {false};
    size_t i;
    if (json_array_size(cells) != s->ncells) {
        util_seterr(err, errlen, "%s/steps.json: %zu cells, the design of %zu factors has %zu", s->dir,
                    json_array_size(cells), s->k, s->ncells);
        return -1;
    }
    json_array_foreach(cells, i, c) {
        json_t *lv = json_object_get(c, "levels");
        int level[FS_MAX_FACTORS] = {0};
        size_t idx = 0;
        for (size_t j = 0; j < s->nf; j++) {
            const char *code = json_string_value(json_object_get(lv, s->f[j].key));
            if (!code || (strcmp(code, s->f[j].code[0]) != 0 && strcmp(code, s->f[j].code[1]) != 0)) {
                util_seterr(err, errlen, "%s/steps.json: cell %zu: factor %s has no level of the design", s->dir, i,
                            s->f[j].key);
                return -1;
            }
            level[j] = strcmp(code, s->f[j].code[1]) == 0;
        }
        for (size_t j = 0; j < s->k; j++)
            idx |= (size_t)level[s->order[j]] << j;
        if (seen[idx]) {
            util_seterr(err, errlen, "%s/steps.json: two cells with the same levels", s->dir);
            return -1;
        }
        seen[idx] = true;
        fs_cell *cl = &s->cells[idx];
        memcpy(cl->level, level, sizeof level);
        copy_str(cl->name, sizeof cl->name, json_object_get(c, "name"), "?");
        copy_str(cl->sweep, sizeof cl->sweep, json_object_get(c, "sweep"), cl->name);
        copy_str(cl->before_sweep, sizeof cl->before_sweep, json_object_get(c, "before_sweep"), cl->sweep);
        sweep_dir(s, steps, cl->sweep, cl->after_dir, sizeof cl->after_dir);
        sweep_dir(s, steps, cl->before_sweep, cl->before_dir, sizeof cl->before_dir);
    }
    json_t *w;
    json_array_foreach(json_object_get(steps, "sweeps"), i, w)
        s->wall_s += json_number_value(json_object_get(w, "wall_s"));
    return 0;
}

/* ---- a sweep's results ---- */

static int n_index(const fs_study *s, long n)
{
    for (size_t i = 0; i < s->nn; i++)
        if (s->n[i] == n)
            return (int)i;
    return -1;
}

/* Means of setup_s and app_bytes per N over mode's green runs in dir. */
static int read_means(fs_study *s, const char *dir, const char *mode, double out[FS_METRICS][FS_MAX_N], int *count)
{
    char path[FS_PATH + 32], err[512];
    double sum[FS_METRICS][FS_MAX_N] = {{0}};
    int cnt[FS_METRICS][FS_MAX_N] = {{0}};
    csv_table t;
    static const char *const cols[FS_METRICS] = {"setup_s", "app_bytes"};
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    if (csv_read(path, &t, err, sizeof err) != 0) {
        fs_note(s, "%s", err);
        return -1;
    }
    int cm = csv_column(&t, "mode"), cn = csv_column(&t, "n"), ck = csv_column(&t, "checker_ok");
    int cv[FS_METRICS] = {csv_column(&t, cols[0]), csv_column(&t, cols[1])};
    if (cm < 0 || cn < 0 || ck < 0 || cv[FS_SETUP] < 0) {
        fs_note(s, "%s lacks mode, n, checker_ok or setup_s", path);
        csv_free(&t);
        return -1;
    }
    for (size_t r = 0; r < t.nrows; r++) {
        const char *ok = csv_cell(&t, r, (size_t)ck);
        int ni = n_index(s, strtol(csv_cell(&t, r, (size_t)cn), NULL, 10));
        if (strcmp(csv_cell(&t, r, (size_t)cm), mode) != 0 || ni < 0 || (strcmp(ok, "1") != 0 && strcmp(ok, "true") != 0))
            continue;
        for (int m = 0; m < FS_METRICS; m++) {
            const char *v = cv[m] >= 0 ? csv_cell(&t, r, (size_t)cv[m]) : "";
            char *end;
            double x = strtod(v, &end);
            if (*v && !*end && isfinite(x)) {
                sum[m][ni] += x;
                cnt[m][ni]++;
            }
        }
    }
    for (size_t i = 0; i < s->nn; i++) {
        for (int m = 0; m < FS_METRICS; m++)
            out[m][i] = cnt[m][i] ? sum[m][i] / cnt[m][i] : NAN;
        count[i] = cnt[FS_SETUP][i];
    }
    csv_free(&t);
    return 0;
}

/* The profile and end criterion a sweep ran with (its config.json). */
static void read_config(fs_study *s, fs_cell *c)
{
    char path[FS_PATH + 32];
    snprintf(path, sizeof path, "%s/config.json", c->after_dir);
    json_t *cfg = json_load_file(path, 0, NULL);
    json_t *params = json_object_get(json_object_get(cfg, "profile"), "params");
    json_t *cl = json_object_get(params, "c_line_us");
    if (!cfg) {
        fs_note(s, "cell %s: no %s", c->name, path);
        return;
    }
    c->cost_model = json_is_true(json_object_get(json_object_get(params, "cost_model"), "value"));
    c->c_line_us = json_is_number(json_object_get(cl, "value")) ? json_number_value(json_object_get(cl, "value")) : NAN;
    copy_str(c->c_line_src, sizeof c->c_line_src, json_object_get(cl, "source"), "");
    copy_str(c->end, sizeof c->end, json_object_get(cfg, "end_criterion"), "?");
    json_decref(cfg);
}

static void load_cell_data(fs_study *s, fs_cell *c)
{
    for (size_t i = 0; i < s->nn; i++)
        for (int m = 0; m < FS_METRICS; m++)
            c->before[m][i] = c->after[m][i] = NAN;
    if (!c->after_dir[0] || !c->before_dir[0]) {
        fs_note(s, "cell %s: its %s sweep is not done", c->name, !c->after_dir[0] ? "own" : "before");
        return;
    }
    read_means(s, c->before_dir, "before", c->before, c->n_before);
    read_means(s, c->after_dir, "after", c->after, c->n_after);
    read_config(s, c);
}

/* What the cells have in common: the cost model's c_line_us, the end. */
static void summarise_config(fs_study *s)
{
    bool c_differs = false;
    s->end[0] = '\0';
    for (size_t i = 0; i < s->ncells; i++) {
        const fs_cell *c = &s->cells[i];
        if (c->end[0] && !s->end[0])
            snprintf(s->end, sizeof s->end, "%s", c->end);
        else if (c->end[0] && strcmp(c->end, s->end) != 0)
            snprintf(s->end, sizeof s->end, "mixed");
        if (!c->cost_model)
            continue;
        if (!s->cost_on_seen) {
            s->cost_on_seen = s->have_c_line = true;
            s->c_line_us = c->c_line_us;
            snprintf(s->c_line_src, sizeof s->c_line_src, "%s", c->c_line_src);
        } else if (c->c_line_us != s->c_line_us) {
            c_differs = true;
        }
    }
    for (size_t i = 0; i < s->ncells && !s->have_c_line; i++) {
        const fs_cell *c = &s->cells[i];
        if (isfinite(c->c_line_us) && c->end[0]) {
            s->have_c_line = true;
            s->c_line_us = c->c_line_us;
            snprintf(s->c_line_src, sizeof s->c_line_src, "%s", c->c_line_src);
        }
    }
    if (c_differs)
        fs_note(s, "the cost-on cells ran with different c_line_us values (the profile changed during the study); "
                   "the one shown is the first cell's");
    if (strcmp(s->end, "mixed") == 0)
        fs_note(s, "the cells measured setup_s to different ends (config.json end_criterion)");
}

static void load_patent(fs_study *s, const char *ref)
{
    patent_ref p;
    char err[512];
    if (!ref || patent_load(ref, &p, err, sizeof err) != 0) {
        fs_note(s, "no patent reference (%s): no comparison with FIG. 7", ref ? err : "none given");
        return;
    }
    double sum = 0;
    for (size_t i = 0; i < p.npts; i++)
        sum += p.change_pct[0][i];
    s->have_patent = p.npts > 0;
    s->patent_mean = p.npts ? sum / (double)p.npts : NAN;
    for (size_t j = 0; j < s->nn; j++) {
        s->patent_change[j] = NAN;
        for (size_t i = 0; i < p.npts; i++)
            if (p.n[i] == s->n[j])
                s->patent_change[j] = p.change_pct[0][i];
    }
}

int fs_load(const char *dir, const char *ref, fs_study *s, char *err, size_t errlen)
{
    char path[FS_PATH + 32];
    json_error_t je;
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    snprintf(path, sizeof path, "%s/steps.json", dir);
    json_t *steps = json_load_file(path, 0, &je);
    int rc = -1;
    if (!steps) {
        util_seterr(err, errlen, "%s: %s (a directory made by `geokv-bench factors`)", path, je.text);
        return -1;
    }
    if (load_design(s, steps, err, errlen) != 0 || load_options(s, steps, err, errlen) != 0 ||
        load_cells(s, steps, err, errlen) != 0)
        goto cleanup;
    for (size_t i = 0; i < s->ncells; i++)
        load_cell_data(s, &s->cells[i]);
    summarise_config(s);
    load_patent(s, ref);
    fs_analyse(s);
    rc = 0;
cleanup:
    json_decref(steps);
    return rc;
}

/* ---- the analysis ---- */

void fs_analyse(fs_study *s)
{
    double y[FACTORS_MAX_CELLS];
    unsigned masks[FACTORS_MAX_CELLS];
    size_t nm = factors_effect_masks(s->k, masks);
    for (size_t i = 0; i < s->ncells; i++) {
        fs_cell *c = &s->cells[i];
        for (int m = 0; m < FS_METRICS; m++) {
            double sum = 0;
            bool all = true;
            for (size_t j = 0; j < s->nn; j++) {
                double b = c->before[m][j], a = c->after[m][j];
                c->change[m][j] = isfinite(a) && isfinite(b) && b > 0 ? 100.0 * (a - b) / b : NAN;
                all = all && isfinite(c->change[m][j]);
                sum += c->change[m][j];
            }
            c->change[m][s->nn] = all ? sum / (double)s->nn : NAN;
        }
    }
    for (int m = 0; m < FS_METRICS; m++) {
        for (size_t j = 0; j <= s->nn; j++) {
            for (size_t i = 0; i < s->ncells; i++)
                y[i] = s->cells[i].change[m][j];
            s->eff_ok[m][j] = factors_effects(s->k, y, s->eff[m][j]) == 0;
            s->pse_ok[m][j] = false;
            if (s->eff_ok[m][j] && nm >= 7) {
                double e[FACTORS_MAX_CELLS];
                for (size_t t = 0; t < nm; t++)
                    e[t] = s->eff[m][j][masks[t]];
                s->pse_ok[m][j] = factors_lenth(e, nm, &s->pse[m][j]) == 0;
            }
        }
    }
}
