/* cmp_format.c: see cmp_format.h. */
#include "model/cmp_format.h"
#include "model/fit_json.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

static const char *const verdict_names[] = {"changed", "~", "too_few"};

int cmp_format_parse(const char *name, cmp_fmt *f)
{
    if (strcmp(name, "text") == 0 || strcmp(name, "table") == 0)
        *f = CMP_FMT_TEXT;
    else if (strcmp(name, "md") == 0 || strcmp(name, "markdown") == 0)
        *f = CMP_FMT_MARKDOWN;
    else if (strcmp(name, "csv") == 0)
        *f = CMP_FMT_CSV;
    else if (strcmp(name, "json") == 0)
        *f = CMP_FMT_JSON;
    else
        return -1;
    return 0;
}

typedef struct scale {
    double div;
    const char *name;
} scale;

static scale pick_scale(cmp_unit u, double mag)
{
    mag = fabs(mag);
    if (u == CMP_UNIT_SECONDS)
        return mag >= 1 || mag == 0 ? (scale){1, "s"} : mag >= 1e-3 ? (scale){1e-3, "ms"}
                                                                    : (scale){1e-6, "us"};
    if (u == CMP_UNIT_BYTES)
        return mag >= 1e6 ? (scale){1e6, "MB"} : mag >= 1e3 ? (scale){1e3, "kB"} : (scale){1, "B"};
    return (scale){1, ""};
}

/* four significant digits, no exponent below 10^9 */
static void fmt_num(double v, char *buf, size_t len)
{
    double a = fabs(v);
    if (v == 0) {
        snprintf(buf, len, "0");
        return;
    }
    int dec = a >= 1000 ? 0 : a >= 100 ? 1 : a >= 10 ? 2 : 3;
    if (a >= 1e9)
        snprintf(buf, len, "%.4g", v);
    else
        snprintf(buf, len, "%.*f", dec, v);
}

static void fmt_scaled(double v, scale s, char *buf, size_t len)
{
    char num[40];
    if (!s.name[0] && v == floor(v) && fabs(v) < 1e9)
        snprintf(num, sizeof num, "%.0f", v);    /* a count of whole things */
    else
        fmt_num(v / s.div, num, sizeof num);
    snprintf(buf, len, "%s%s%s", num, s.name[0] ? " " : "", s.name);
}

void cmp_format_value(double v, cmp_unit u, char *buf, size_t len)
{
    fmt_scaled(v, pick_scale(u, v), buf, len);
}

static void fmt_sample(const cmp_table_row *row, size_t j, cmp_unit u, char *buf, size_t len)
{
    if (!row->have[j]) {
        snprintf(buf, len, "-");
        return;
    }
    const cmp_sample *s = &row->s[j];
    scale sc = pick_scale(u, row->s[0].mean != 0 ? row->s[0].mean : s->mean);
    char m[64], h[40];
    fmt_scaled(s->mean, sc, m, sizeof m);
    if (s->n >= 2) {
        fmt_num((s->ci_hi - s->mean) / sc.div, h, sizeof h);
        snprintf(buf, len, "%s ± %s n=%zu", m, h, s->n);
    } else {
        snprintf(buf, len, "%s n=%zu", m, s->n);
    }
}

static void fmt_p(double p, char *buf, size_t len)
{
    if (p < 1e-4)
        snprintf(buf, len, "p<0.0001");
    else
        snprintf(buf, len, "p=%.3g", p);
}

void cmp_format_change(const cmp_table_row *row, size_t j, char *buf, size_t len)
{
    const cmp_change *c = &row->ch[j];
    char p[32];
    if (!row->have[0] || !row->have[j]) {
        snprintf(buf, len, "-");
        return;
    }
    fmt_p(c->p, p, sizeof p);
    if (c->verdict == CMP_TOO_FEW) {
        if (c->pct_ok)
            snprintf(buf, len, "? %+.1f%% (too few samples to test)", c->pct);
        else
            snprintf(buf, len, "? n/a, old is 0 (too few samples to test)");
    } else if (c->verdict == CMP_SAME) {
        snprintf(buf, len, "~ %s", p);
    } else if (!c->pct_ok) {
        snprintf(buf, len, "n/a (old is 0) %s", p);
    } else {
        snprintf(buf, len, "%+.1f%% [%+.1f%%, %+.1f%%] %s", c->pct, c->pct_lo, c->pct_hi, p);
    }
}

static const char *unit_name(cmp_unit u)
{
    return u == CMP_UNIT_SECONDS ? "s" : u == CMP_UNIT_BYTES ? "B" : "";
}

/* One line of the preamble: "- " in Markdown, "  " after prefix otherwise
 * ("" for text, "# " for CSV). */
static void item(FILE *out, int md, const char *prefix, const char *fmt, ...)
{
    va_list ap;
    fputs(md ? "- " : prefix, out);
    if (!md)
        fputs("  ", out);
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
    fputc('\n', out);
}

/* "" when nothing was forced, else the warning every format leads with. */
static void forced_message(const cmp_table *t, char *buf, size_t len)
{
    buf[0] = '\0';
    if (!t->forced)
        return;
    size_t used = (size_t)snprintf(buf, len, "WARNING: compared with --force although the runs measure "
                                   "different things (");
    for (size_t i = 0, k = 0; i < t->diffs.n && used < len; i++)
        if (t->diffs.d[i].cls == CMP_DIFF_INCOMPARABLE)
            used += (size_t)snprintf(buf + used, len - used, "%s%s", k++ ? ", " : "", t->diffs.d[i].key);
    if (used < len)
        snprintf(buf + used, len - used, " differ): a change below may be due to them");
}

static void print_preamble(FILE *out, const cmp_table *t, const char *prefix, int md)
{
    char lbl[256], line[CMP_MSG_LEN + 512];
    int conf = (int)lround(100 * (1 - t->alpha));
    fprintf(out, "%sgeokv-model compare: old = ", md ? "## " : prefix);
    cmp_table_label(&t->runs[0], lbl, sizeof lbl);
    fprintf(out, "%s [%s]", lbl, t->runs[0].path);
    for (size_t j = 1; j < t->nruns; j++) {
        cmp_table_label(&t->runs[j], lbl, sizeof lbl);
        fprintf(out, ", new = %s [%s]", lbl, t->runs[j].path);
    }
    fprintf(out, "\n%s", md ? "\n" : "");
    forced_message(t, line, sizeof line);
    if (line[0])
        fprintf(out, md ? "> **%s**\n\n" : "%s%s\n", md ? line : prefix, line);
    fprintf(out, "%s%d%% intervals (Student t for a mean, Welch for a change); a change is "
            "significant when Welch's two-sided t-test gives p < %g (alpha), else `~`\n",
            md ? "" : prefix, conf, t->alpha);
    if (md)
        fprintf(out, "\n### Config differences\n\n%s", t->diffs.n ? "" : "none\n");
    else
        fprintf(out, "%sconfig differences (config.json):%s\n", prefix, t->diffs.n ? "" : " none");
    for (size_t i = 0; i < t->diffs.n; i++) {
        const cmp_diff *d = &t->diffs.d[i];
        const char *tag = d->cls != CMP_DIFF_INCOMPARABLE ? ""
                        : t->forced ? "  WARNING: INCOMPARABLE, compared anyway (--force)"
                                    : "  INCOMPARABLE";
        char who[160] = "";
        if (t->nruns > 2)
            snprintf(who, sizeof who, "[%s] ", t->runs[d->run].id);
        item(out, md, prefix, "%s%s: %s -> %s%s", who, d->key, d->old_v, d->new_v, tag);
    }
    for (size_t j = 0; j < t->nruns; j++)
        if (t->runs[j].reference || !t->runs[j].config)
            item(out, md, prefix, "%s: no config.json to compare%s", t->runs[j].id,
                 t->runs[j].reference ? " (the patent's numbers)" : "");
    if (md)
        fprintf(out, "\n### Coverage\n\nThe statistics use only runs that completed with the checker green.\n\n");
    else
        fprintf(out, "%scoverage (the statistics use only runs that completed with the checker green):\n", prefix);
    for (size_t j = 0; j < t->nruns; j++) {
        cmp_run_coverage(&t->runs[j], line, sizeof line);
        item(out, md, prefix, "%s", line);
    }
    for (size_t i = 0; i < t->ndropped; i++)
        item(out, md, prefix, "dropped: %s", t->dropped[i]);
    if (t->nwarnings) {
        if (md)
            fprintf(out, "\n### Warnings\n\n");
        else
            fprintf(out, "%swarnings:\n", prefix);
    }
    for (size_t i = 0; i < t->nwarnings; i++)
        item(out, md, prefix, "%s", t->warnings[i]);
    fprintf(out, "\n");
}

/* Column widths of one metric's text table: the widest label or cell. */
static void text_widths(const cmp_table *t, size_t m, int *ws, int *wc)
{
    char cell[160];
    cmp_unit u = cmp_metric_unit(t->metrics[m]);
    for (size_t j = 0; j < t->nruns; j++) {
        cmp_table_label(&t->runs[j], cell, sizeof cell);
        ws[j] = (int)strlen(cell);
        wc[j] = 6;
    }
    for (size_t r = 0; r < t->nrows; r++) {
        if (t->rows[r].metric != m)
            continue;
        for (size_t j = 0; j < t->nruns; j++) {
            fmt_sample(&t->rows[r], j, u, cell, sizeof cell);
            /* "±" is two bytes and one column */
            int len = (int)strlen(cell) - (strstr(cell, "±") ? 1 : 0);
            ws[j] = len > ws[j] ? len : ws[j];
            cmp_format_change(&t->rows[r], j, cell, sizeof cell);
            wc[j] = (int)strlen(cell) > wc[j] ? (int)strlen(cell) : wc[j];
        }
    }
}

static void text_cell(FILE *out, const char *cell, int width)
{
    int len = (int)strlen(cell) - (strstr(cell, "±") ? 1 : 0);
    fprintf(out, "  %s%*s", cell, width > len ? width - len : 0, "");
}

static void print_tables(FILE *out, const cmp_table *t, int md)
{
    char cell[160], lbl[256];
    int ws[CMP_MAX_RUNS], wc[CMP_MAX_RUNS];
    for (size_t m = 0; m < t->nmetrics; m++) {
        int any = 0;
        for (size_t r = 0; r < t->nrows && !any; r++)
            any = t->rows[r].metric == m;
        if (!any)
            continue;
        cmp_unit u = cmp_metric_unit(t->metrics[m]);
        if (md) {
            fprintf(out, "### %s\n\n| mode | N |", t->metrics[m]);
            for (size_t j = 0; j < t->nruns; j++) {
                cmp_table_label(&t->runs[j], lbl, sizeof lbl);
                fprintf(out, " %s |%s", lbl, j ? " change |" : "");
            }
            fprintf(out, "\n|---|---:|");
            for (size_t j = 0; j < t->nruns; j++)
                fprintf(out, "---:|%s", j ? "---|" : "");
            fprintf(out, "\n");
        } else {
            text_widths(t, m, ws, wc);
            fprintf(out, "%s (mean ± %d%% CI)\n  %-10s %4s", t->metrics[m],
                    (int)lround(100 * (1 - t->alpha)), "mode", "N");
            for (size_t j = 0; j < t->nruns; j++) {
                cmp_table_label(&t->runs[j], lbl, sizeof lbl);
                text_cell(out, lbl, ws[j]);
                if (j)
                    text_cell(out, "change", j + 1 < t->nruns ? wc[j] : 0);
            }
            fprintf(out, "\n");
        }
        for (size_t r = 0; r < t->nrows; r++) {
            const cmp_table_row *row = &t->rows[r];
            if (row->metric != m)
                continue;
            if (md)
                fprintf(out, "| %s | %d |", row->mode, row->n);
            else
                fprintf(out, "  %-10s %4d", row->mode, row->n);
            for (size_t j = 0; j < t->nruns; j++) {
                fmt_sample(row, j, u, cell, sizeof cell);
                if (md)
                    fprintf(out, " %s |", cell);
                else
                    text_cell(out, cell, ws[j]);
                if (j) {
                    cmp_format_change(row, j, cell, sizeof cell);
                    if (md)
                        fprintf(out, " %s |", cell);
                    else
                        text_cell(out, cell, j + 1 < t->nruns ? wc[j] : 0);
                }
            }
            fprintf(out, "\n");
        }
        fprintf(out, "\n");
    }
}

static void csv_num(FILE *out, double v)
{
    if (isfinite(v))
        fprintf(out, ",%.10g", v);
    else
        fprintf(out, ",");
}

/* quoted only when it holds a comma, quote or line break (results/SCHEMA.md) */
static void csv_text(FILE *out, const char *s)
{
    fputc(',', out);
    if (!strpbrk(s, ",\"\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void print_csv(FILE *out, const cmp_table *t)
{
    print_preamble(out, t, "# ", 0);
    fprintf(out, "metric,unit,mode,n,old_run,old_version,new_run,new_version,old_count,old_mean,"
            "old_ci_lo,old_ci_hi,new_count,new_mean,new_ci_lo,new_ci_hi,diff,diff_lo,diff_hi,"
            "change_pct,change_lo_pct,change_hi_pct,welch_t,welch_df,p,verdict\n");
    for (size_t r = 0; r < t->nrows; r++) {
        const cmp_table_row *row = &t->rows[r];
        for (size_t j = 1; j < t->nruns; j++) {
            if (!row->have[j])
                continue;
            const cmp_change *c = &row->ch[j];
            fprintf(out, "%s,%s,%s,%d", t->metrics[row->metric],
                    unit_name(cmp_metric_unit(t->metrics[row->metric])), row->mode, row->n);
            csv_text(out, t->runs[0].id);
            csv_text(out, t->runs[0].version);
            csv_text(out, t->runs[j].id);
            csv_text(out, t->runs[j].version);
            const cmp_sample *ss[2] = {&row->s[0], &row->s[j]};
            for (int k = 0; k < 2; k++) {
                fprintf(out, ",%zu", ss[k]->n);
                csv_num(out, ss[k]->mean);
                csv_num(out, ss[k]->ci_lo);
                csv_num(out, ss[k]->ci_hi);
            }
            csv_num(out, c->diff);
            csv_num(out, c->diff_lo);
            csv_num(out, c->diff_hi);
            csv_num(out, c->pct);
            csv_num(out, c->pct_lo);
            csv_num(out, c->pct_hi);
            csv_num(out, c->t);
            csv_num(out, c->df);
            csv_num(out, c->p);
            fprintf(out, ",%s\n", verdict_names[c->verdict]);
        }
    }
}

static json_t *sample_json(const cmp_sample *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "count", json_integer((json_int_t)s->n));
    json_object_set_new(o, "mean", fit_json_number(s->mean));
    json_object_set_new(o, "sd", fit_json_number(s->sd));
    json_object_set_new(o, "ci_lo", fit_json_number(s->ci_lo));
    json_object_set_new(o, "ci_hi", fit_json_number(s->ci_hi));
    return o;
}

static json_t *change_json(const cmp_change *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "verdict", json_string(verdict_names[c->verdict]));
    json_object_set_new(o, "diff", fit_json_number(c->diff));
    json_object_set_new(o, "diff_lo", fit_json_number(c->diff_lo));
    json_object_set_new(o, "diff_hi", fit_json_number(c->diff_hi));
    json_object_set_new(o, "change_pct", c->pct_ok ? fit_json_number(c->pct) : json_null());
    json_object_set_new(o, "change_lo_pct", c->pct_ok ? fit_json_number(c->pct_lo) : json_null());
    json_object_set_new(o, "change_hi_pct", c->pct_ok ? fit_json_number(c->pct_hi) : json_null());
    json_object_set_new(o, "welch_t", fit_json_number(c->t));
    json_object_set_new(o, "welch_df", fit_json_number(c->df));
    json_object_set_new(o, "p", fit_json_number(c->p));
    return o;
}

static json_t *strings_json(char (*list)[CMP_MSG_LEN], size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(list[i]));
    return a;
}

json_t *cmp_format_json(const cmp_table *t)
{
    json_t *o = json_object(), *runs = json_array(), *diffs = json_array(), *rows = json_array();
    char line[CMP_MSG_LEN + 64];
    json_object_set_new(o, "alpha", json_real(t->alpha));
    json_object_set_new(o, "test", json_string("Welch two-sided t-test; intervals: Student t (mean), Welch (change)"));
    json_object_set_new(o, "forced", json_boolean(t->forced));
    forced_message(t, line, sizeof line);
    json_object_set_new(o, "forced_warning", line[0] ? json_string(line) : json_null());
    for (size_t j = 0; j < t->nruns; j++) {
        const cmp_run *r = &t->runs[j];
        json_t *rj = json_object(), *cov = json_object();
        json_object_set_new(rj, "role", json_string(j ? "new" : "old"));
        json_object_set_new(rj, "id", json_string(r->id));
        json_object_set_new(rj, "version", r->version[0] ? json_string(r->version) : json_null());
        json_object_set_new(rj, "path", json_string(r->path));
        json_object_set_new(rj, "reference", json_boolean(r->reference));
        json_object_set_new(cov, "planned", r->planned_known ? json_integer((json_int_t)r->planned) : json_null());
        json_object_set_new(cov, "done", json_integer((json_int_t)r->done));
        json_object_set_new(cov, "failed", json_integer((json_int_t)r->failed));
        json_object_set_new(cov, "checker_red", json_integer((json_int_t)r->red));
        json_object_set_new(cov, "partial", json_boolean(r->planned_known && r->done < r->planned));
        cmp_run_coverage(r, line, sizeof line);
        json_object_set_new(cov, "text", json_string(line));
        json_object_set_new(rj, "coverage", cov);
        json_array_append_new(runs, rj);
    }
    for (size_t i = 0; i < t->diffs.n; i++) {
        const cmp_diff *d = &t->diffs.d[i];
        json_t *dj = json_object();
        json_object_set_new(dj, "key", json_string(d->key));
        json_object_set_new(dj, "old", json_string(d->old_v));
        json_object_set_new(dj, "new", json_string(d->new_v));
        json_object_set_new(dj, "run", json_string(t->runs[d->run].id));
        json_object_set_new(dj, "incomparable", json_boolean(d->cls == CMP_DIFF_INCOMPARABLE));
        json_array_append_new(diffs, dj);
    }
    for (size_t r = 0; r < t->nrows; r++) {
        const cmp_table_row *row = &t->rows[r];
        json_t *rj = json_object(), *samples = json_array(), *changes = json_array();
        json_object_set_new(rj, "metric", json_string(t->metrics[row->metric]));
        json_object_set_new(rj, "unit", json_string(unit_name(cmp_metric_unit(t->metrics[row->metric]))));
        json_object_set_new(rj, "mode", json_string(row->mode));
        json_object_set_new(rj, "n", json_integer(row->n));
        for (size_t j = 0; j < t->nruns; j++) {
            json_array_append_new(samples, row->have[j] ? sample_json(&row->s[j]) : json_null());
            if (j)
                json_array_append_new(changes, row->have[j] ? change_json(&row->ch[j]) : json_null());
        }
        json_object_set_new(rj, "samples", samples);
        json_object_set_new(rj, "changes", changes);
        json_array_append_new(rows, rj);
    }
    json_object_set_new(o, "runs", runs);
    json_object_set_new(o, "config_diff", diffs);
    json_object_set_new(o, "dropped", strings_json(t->dropped, t->ndropped));
    json_object_set_new(o, "warnings", strings_json(t->warnings, t->nwarnings));
    json_object_set_new(o, "rows", rows);
    return o;
}

void cmp_format_print(FILE *out, const cmp_table *t, cmp_fmt f)
{
    if (f == CMP_FMT_JSON) {
        json_t *j = cmp_format_json(t);
        json_dumpf(j, out, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
        fputc('\n', out);
        json_decref(j);
    } else if (f == CMP_FMT_CSV) {
        print_csv(out, t);
    } else {
        print_preamble(out, t, "", f == CMP_FMT_MARKDOWN);
        print_tables(out, t, f == CMP_FMT_MARKDOWN);
    }
}
