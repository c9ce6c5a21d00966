/* compare.c: see compare.h. */
#include "model/compare.h"
#include "model/fit_json.h"
#include "sim/util/util_err.h"
#include "sim/util/util_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static size_t select_x(const double *xs, const double *ys, size_t n, double x, double *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (xs[i] == x)
            out[k++] = ys[i];
    return k;
}

int compare_build(const char *metric, const char *unit, const char *label_a, const double *xa,
                  const double *ya, size_t na, const char *label_b, const double *xb,
                  const double *yb, size_t nb, compare_result *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    snprintf(c->metric, sizeof c->metric, "%s", metric);
    snprintf(c->unit, sizeof c->unit, "%s", unit ? unit : "");
    snprintf(c->label_a, sizeof c->label_a, "%s", label_a);
    snprintf(c->label_b, sizeof c->label_b, "%s", label_b);
    int rc = -1;
    double *xs = malloc((na + 1) * sizeof *xs), *va = malloc((na + 1) * sizeof *va),
           *vb = malloc((nb + 1) * sizeof *vb);
    if (!xs || !va || !vb) {
        util_seterr(err, errlen, "out of memory");
        goto cleanup;
    }
    memcpy(xs, xa, na * sizeof *xs);
    util_sort_doubles(xs, na);
    double sum_a = 0, sum_b = 0, sum_pct = 0;
    for (size_t i = 0; i < na && c->nrows < CMP_MAX_ROWS; i++) {
        if (i > 0 && xs[i] == xs[i - 1])
            continue;
        size_t ka = select_x(xa, ya, na, xs[i], va), kb = select_x(xb, yb, nb, xs[i], vb);
        if (kb == 0)
            continue;
        cmp_row *r = &c->rows[c->nrows];
        r->x = xs[i];
        if (stats_summarize(va, ka, &r->a, err, errlen) != 0 ||
            stats_summarize(vb, kb, &r->b, err, errlen) != 0)
            goto cleanup;
        r->change_pct = 100.0 * (r->b.mean - r->a.mean) / r->a.mean;
        r->welch_ok = stats_welch_test(va, ka, vb, kb, &r->welch, NULL, 0) == 0;
        r->mwu_ok = stats_mann_whitney(va, ka, vb, kb, STATS_TWO_SIDED, 0, &r->mwu, NULL, 0) == 0;
        sum_a += r->a.mean;
        sum_b += r->b.mean;
        sum_pct += r->change_pct;
        c->nrows++;
    }
    if (c->nrows == 0) {
        util_seterr(err, errlen, "%s: no value of x is present in both '%s' and '%s'", metric,
                    label_a, label_b);
        goto cleanup;
    }
    c->mean_change_pct = sum_pct / (double)c->nrows;
    c->total_change_pct = 100.0 * (sum_b - sum_a) / sum_a;
    rc = 0;
cleanup:
    free(xs);
    free(va);
    free(vb);
    return rc;
}

static void fmt_p(char *buf, size_t len, int ok, double p)
{
    if (!ok || !isfinite(p))
        snprintf(buf, len, "-");
    else if (p < 1e-4)
        snprintf(buf, len, "<0.0001");
    else
        snprintf(buf, len, "%.4f", p);
}

void compare_print(FILE *out, const compare_result *c, int markdown)
{
    char pw[32], pm[32];
    const char *u = c->unit[0] ? c->unit : "";
    if (markdown) {
        fprintf(out, "| N | %s (%s) mean ± sd | %s (%s) mean ± sd | change | Welch p | Mann-Whitney p | n |\n",
                c->label_a, u, c->label_b, u);
        fprintf(out, "|---|---|---|---|---|---|---|\n");
    } else {
        fprintf(out, "%s: %s against %s\n", c->metric, c->label_b, c->label_a);
        fprintf(out, "  %6s %24s %24s %9s %9s %9s %7s\n", "N", c->label_a, c->label_b, "change",
                "Welch p", "MWU p", "n");
    }
    for (size_t i = 0; i < c->nrows; i++) {
        const cmp_row *r = &c->rows[i];
        char sa[64], sb[64];
        if (isfinite(r->a.sd))
            snprintf(sa, sizeof sa, "%.4g ± %.2g", r->a.mean, r->a.sd);
        else
            snprintf(sa, sizeof sa, "%.4g", r->a.mean);
        if (isfinite(r->b.sd))
            snprintf(sb, sizeof sb, "%.4g ± %.2g", r->b.mean, r->b.sd);
        else
            snprintf(sb, sizeof sb, "%.4g", r->b.mean);
        fmt_p(pw, sizeof pw, r->welch_ok, r->welch.p);
        fmt_p(pm, sizeof pm, r->mwu_ok, r->mwu.p);
        char ch[32];
        /* A's mean 0 (t_lock_s in before mode): a percentage does not exist */
        if (isfinite(r->change_pct))
            snprintf(ch, sizeof ch, "%+.1f%%", r->change_pct);
        else
            snprintf(ch, sizeof ch, "n/a (A is 0)");
        if (markdown)
            fprintf(out, "| %g | %s | %s | %s | %s | %s%s | %zu / %zu |\n", r->x, sa, sb,
                    ch, pw, pm, r->mwu_ok && r->mwu.exact ? " (exact)" : "", r->a.n, r->b.n);
        else
            fprintf(out, "  %6g %24s %24s %9s %9s %9s %3zu/%-3zu\n", r->x, sa, sb,
                    ch, pw, pm, r->a.n, r->b.n);
    }
    if (!isfinite(c->mean_change_pct) || !isfinite(c->total_change_pct)) {
        fprintf(out, "%soverall average change: n/a (A's mean is 0 at some N)\n", markdown ? "\n" : "  ");
        return;
    }
    fprintf(out, "%soverall average change (mean of the per-N changes, as the patent computes it): "
            "%+.1f%%; change of the summed means: %+.1f%%\n",
            markdown ? "\n" : "  ", c->mean_change_pct, c->total_change_pct);
}

json_t *compare_json(const compare_result *c)
{
    json_t *o = json_object(), *rows = json_array();
    json_object_set_new(o, "metric", json_string(c->metric));
    json_object_set_new(o, "unit", json_string(c->unit));
    json_object_set_new(o, "a", json_string(c->label_a));
    json_object_set_new(o, "b", json_string(c->label_b));
    for (size_t i = 0; i < c->nrows; i++) {
        const cmp_row *r = &c->rows[i];
        json_t *rj = json_object();
        const stats_summary *ss[2] = {&r->a, &r->b};
        const char *names[2] = {"a", "b"};
        json_object_set_new(rj, "n", json_real(r->x));
        for (int k = 0; k < 2; k++) {
            json_t *sj = json_object();
            json_object_set_new(sj, "count", json_integer((json_int_t)ss[k]->n));
            json_object_set_new(sj, "mean", fit_json_number(ss[k]->mean));
            json_object_set_new(sj, "sd", fit_json_number(ss[k]->sd));
            json_object_set_new(sj, "median", fit_json_number(ss[k]->median));
            json_object_set_new(sj, "ci95_lo", fit_json_number(ss[k]->ci_lo));
            json_object_set_new(sj, "ci95_hi", fit_json_number(ss[k]->ci_hi));
            json_object_set_new(rj, names[k], sj);
        }
        json_object_set_new(rj, "change_pct", fit_json_number(r->change_pct));
        json_object_set_new(rj, "welch_t", r->welch_ok ? fit_json_number(r->welch.t) : json_null());
        json_object_set_new(rj, "welch_df", r->welch_ok ? fit_json_number(r->welch.df) : json_null());
        json_object_set_new(rj, "welch_p", r->welch_ok ? fit_json_number(r->welch.p) : json_null());
        json_object_set_new(rj, "mwu_u", r->mwu_ok ? fit_json_number(r->mwu.u) : json_null());
        json_object_set_new(rj, "mwu_p", r->mwu_ok ? fit_json_number(r->mwu.p) : json_null());
        json_object_set_new(rj, "mwu_exact", json_boolean(r->mwu_ok && r->mwu.exact));
        json_array_append_new(rows, rj);
    }
    json_object_set_new(o, "rows", rows);
    json_object_set_new(o, "mean_change_pct", fit_json_number(c->mean_change_pct));
    json_object_set_new(o, "total_change_pct", fit_json_number(c->total_change_pct));
    return o;
}
