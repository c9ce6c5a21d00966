/* cmp_table.c: see cmp_table.h. */
#include "model/cmp_table.h"
#include "sim/util/util_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cmp_table_label(const cmp_run *r, char *buf, size_t len)
{
    if (r->version[0])
        snprintf(buf, len, "%.120s (%.120s)", r->id, r->version);
    else
        snprintf(buf, len, "%s", r->id);
}

static int add_msg(char (**list)[CMP_MSG_LEN], size_t *n, const char *fmt, ...)
{
    char msg[CMP_MSG_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*list)[i], msg) == 0)
            return 0;
    char (*nl)[CMP_MSG_LEN] = realloc(*list, (*n + 1) * sizeof *nl);
    if (!nl)
        return -1;
    *list = nl;
    memcpy(nl[(*n)++], msg, CMP_MSG_LEN);
    return 0;
}

static int has_mode(const cmp_run *r, const char *mode)
{
    for (size_t i = 0; i < r->nmodes; i++)
        if (strcmp(r->modes[i], mode) == 0)
            return 1;
    return 0;
}

static int has_n(const cmp_run *r, const char *mode, int n)
{
    for (size_t i = 0; i < r->ncells; i++)
        if (r->cells[i].n == n && strcmp(r->cells[i].mode, mode) == 0)
            return 1;
    return 0;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Every N of mode in any run, sorted; *count gets how many. */
static int *all_ns(const cmp_run *runs, size_t nruns, const char *mode, size_t *count)
{
    size_t cap = 0, k = 0;
    for (size_t j = 0; j < nruns; j++)
        cap += runs[j].ncells;
    int *ns = malloc((cap + 1) * sizeof *ns);
    if (!ns)
        return NULL;
    for (size_t j = 0; j < nruns; j++)
        for (size_t i = 0; i < runs[j].ncells; i++) {
            const cmp_cell *c = &runs[j].cells[i];
            int dup = 0;
            for (size_t q = 0; q < k && !dup; q++)
                dup = ns[q] == c->n;
            if (!dup && strcmp(c->mode, mode) == 0)
                ns[k++] = c->n;
        }
    qsort(ns, k, sizeof *ns, cmp_int);
    *count = k;
    return ns;
}

static const char *why_missing(const cmp_run *r, const char *mode, int n)
{
    if (r->reference)
        return "the patent published no such point";
    if (!cmp_run_planned(r, mode, n))
        return "not in its plan";
    return "planned, but no run of it completed with the checker green (or it has not run yet)";
}

/* The N values of mode that one of old and r has and the other lacks, one
 * line per side and reason: "before N=10,20: only in patent (...)". */
static int drop_ns(cmp_table *t, const cmp_run *r, const char *mode, const int *ns, size_t nn)
{
    const cmp_run *old = &t->runs[0];
    for (int side = 0; side < 2; side++) {
        const cmp_run *has = side ? r : old, *lacks = side ? old : r;
        const char *reasons[3] = {NULL, NULL, NULL};
        char lists[3][200];
        size_t nr = 0;
        for (size_t q = 0; q < nn; q++) {
            if (!has_n(has, mode, ns[q]) || has_n(lacks, mode, ns[q]))
                continue;
            const char *why = why_missing(lacks, mode, ns[q]);
            size_t k = 0;
            while (k < nr && strcmp(reasons[k], why) != 0)
                k++;
            if (k == nr) {
                reasons[nr] = why;
                lists[nr++][0] = '\0';
            }
            char one[16];
            snprintf(one, sizeof one, "%s%d", lists[k][0] ? "," : "", ns[q]);
            strncat(lists[k], one, sizeof lists[k] - strlen(lists[k]) - 1);
        }
        for (size_t k = 0; k < nr; k++)
            if (add_msg(&t->dropped, &t->ndropped, "%s N=%s: only in %s (%s: %s)", mode, lists[k],
                        has->id, lacks->id, reasons[k]) != 0)
                return -1;
    }
    return 0;
}

/* Modes, N values and metrics that only some runs have: each is named
 * with the reason, never dropped silently. */
static int note_dropped(cmp_table *t)
{
    const cmp_run *old = &t->runs[0];
    for (size_t j = 1; j < t->nruns; j++) {
        const cmp_run *r = &t->runs[j];
        for (int side = 0; side < 2; side++) {
            const cmp_run *a = side ? r : old, *b = side ? old : r;
            for (size_t i = 0; i < a->nmodes; i++) {
                if (has_mode(b, a->modes[i]))
                    continue;
                if (add_msg(&t->dropped, &t->ndropped, "mode %s: only in %s (%s: %s)", a->modes[i],
                            a->id, b->id, b->reference ? "the patent has no such mode"
                            : "no run of it completed with the checker green, or not in its plan") != 0)
                    return -1;
            }
        }
        for (size_t i = 0; i < old->nmodes; i++) {
            const char *m = old->modes[i];
            size_t nn;
            if (!has_mode(r, m))
                continue;
            int *ns = all_ns(t->runs, t->nruns, m, &nn);
            if (!ns)
                return -1;
            int rc = drop_ns(t, r, m, ns, nn);
            free(ns);
            if (rc != 0)
                return -1;
        }
        for (int side = 0; side < 2; side++) {
            const cmp_run *has = side ? r : old, *lacks = side ? old : r;
            char names[200] = "";
            for (size_t m = 0; m < t->nmetrics; m++) {
                if (!cmp_run_has_metric(has, m) || cmp_run_has_metric(lacks, m))
                    continue;
                if (names[0])
                    strncat(names, ", ", sizeof names - strlen(names) - 1);
                strncat(names, t->metrics[m], sizeof names - strlen(names) - 1);
            }
            if (names[0] &&
                add_msg(&t->dropped, &t->ndropped, "metric(s) %s: only in %s (%s: %s)", names, has->id,
                        lacks->id, lacks->reference ? "the patent published no such quantity"
                        : "not recorded (an older run, or no green run)") != 0)
                return -1;
        }
    }
    return 0;
}

static cmp_table_row *new_row(cmp_table *t)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        cmp_table_row *nr = realloc(t->rows, cap * sizeof *nr);
        if (!nr)
            return NULL;
        t->rows = nr;
        t->cap = cap;
    }
    cmp_table_row *row = &t->rows[t->nrows++];
    memset(row, 0, sizeof *row);
    return row;
}

static int fill_row(cmp_table *t, cmp_table_row *row, char *err, size_t errlen)
{
    for (size_t j = 0; j < t->nruns; j++) {
        const cmp_cell *c = cmp_run_cell(&t->runs[j], row->mode, row->n, row->metric);
        if (!c)
            continue;
        if (cmp_stats_sample(c->v, c->nv, t->alpha, &row->s[j], err, errlen) != 0)
            return -1;
        row->have[j] = 1;
    }
    for (size_t j = 1; j < t->nruns; j++) {
        if (!row->have[j])
            continue;
        cmp_stats_change(&row->s[0], &row->s[j], t->alpha, &row->ch[j]);
    }
    return 0;
}

/* One warning per new run and mode, listing every N whose samples are too
 * small to ever show a significant change. */
static int warn_too_few(cmp_table *t)
{
    const cmp_run *old = &t->runs[0];
    for (size_t j = 1; j < t->nruns; j++)
        for (size_t i = 0; i < old->nmodes; i++) {
            char ns[200] = "", one[16];
            int seen[64];
            size_t nseen = 0;
            for (size_t r = 0; r < t->nrows; r++) {
                const cmp_table_row *row = &t->rows[r];
                int dup = 0;
                if (!row->have[j] || row->ch[j].verdict != CMP_TOO_FEW ||
                    strcmp(row->mode, old->modes[i]) != 0)
                    continue;
                for (size_t q = 0; q < nseen && !dup; q++)
                    dup = seen[q] == row->n;
                if (dup || nseen == sizeof seen / sizeof seen[0])
                    continue;
                seen[nseen++] = row->n;
                snprintf(one, sizeof one, "%s%d", ns[0] ? "," : "", row->n);
                strncat(ns, one, sizeof ns - strlen(ns) - 1);
            }
            if (ns[0] && add_msg(&t->warnings, &t->nwarnings,
                                 "%s N=%s, %s against %s: fewer than 2 green samples on a side, so no "
                                 "change can ever be significant there (`?`); run more repetitions "
                                 "(--reps 3 or more)", old->modes[i], ns, t->runs[j].id, old->id) != 0)
                return -1;
        }
    return 0;
}

static int build_rows(cmp_table *t, char *err, size_t errlen)
{
    const cmp_run *old = &t->runs[0];
    for (size_t m = 0; m < t->nmetrics; m++)
        for (size_t i = 0; i < old->nmodes; i++) {
            size_t nn;
            int *ns = all_ns(t->runs, t->nruns, old->modes[i], &nn);
            if (!ns)
                return -1;
            for (size_t q = 0; q < nn; q++) {
                int others = 0;
                if (!cmp_run_cell(old, old->modes[i], ns[q], m))
                    continue;
                for (size_t j = 1; j < t->nruns; j++)
                    others += cmp_run_cell(&t->runs[j], old->modes[i], ns[q], m) != NULL;
                if (!others)
                    continue;
                cmp_table_row *row = new_row(t);
                if (!row) {
                    free(ns);
                    return -1;
                }
                row->metric = m;
                snprintf(row->mode, sizeof row->mode, "%s", old->modes[i]);
                row->n = ns[q];
                if (fill_row(t, row, err, errlen) != 0) {
                    free(ns);
                    return -1;
                }
            }
            free(ns);
        }
    return 0;
}

int cmp_table_build(const cmp_run *runs, size_t nruns, const char *const *metrics,
                    size_t nmetrics, double alpha, cmp_table *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    if (nruns < 2 || nruns > CMP_MAX_RUNS) {
        util_seterr(err, errlen, "compare takes 2 to %d runs, got %zu", CMP_MAX_RUNS, nruns);
        return -1;
    }
    t->alpha = alpha;
    t->runs = runs;
    t->nruns = nruns;
    t->metrics = metrics;
    t->nmetrics = nmetrics;
    for (size_t j = 1; j < nruns; j++)
        if (cmp_config_diff(runs[0].config, runs[j].config, j, &t->diffs) != 0)
            goto oom;
    if (note_dropped(t) != 0)
        goto oom;
    err[0] = '\0';
    if (build_rows(t, err, errlen) != 0 || warn_too_few(t) != 0) {
        if (!err[0])
            goto oom;
        cmp_table_free(t);
        return -1;
    }
    return 0;
oom:
    util_seterr(err, errlen, "out of memory");
    cmp_table_free(t);
    return -1;
}

void cmp_table_free(cmp_table *t)
{
    cmp_config_free(&t->diffs);
    free(t->rows);
    free(t->dropped);
    free(t->warnings);
    memset(t, 0, sizeof *t);
}
