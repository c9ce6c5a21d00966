/* cmp_plot.c: see cmp_plot.h. */
#include "model/cmp_plot.h"
#include "model/cmp_format.h"
#include "sim/util/util_err.h"
#include "sim/util/util_fs.h"

#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

/* One file per (run, mode): n, mean, interval low, high (the mean when one
 * sample), in the unit the plot shows. */
static int write_series(const cmp_table *t, size_t m, size_t j, const char *mode,
                        const char *datadir, double div, char *err, size_t errlen)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s-r%zu-%s.dat", datadir, t->metrics[m], j, mode);
    FILE *f = fopen(path, "w");
    if (!f) {
        util_seterr(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "# %s, mode %s, run %s: n mean lo hi\n", t->metrics[m], mode, t->runs[j].id);
    int k = 0;
    for (size_t r = 0; r < t->nrows; r++) {
        const cmp_table_row *row = &t->rows[r];
        if (row->metric != m || strcmp(row->mode, mode) != 0 || !row->have[j])
            continue;
        const cmp_sample *s = &row->s[j];
        double lo = isfinite(s->ci_lo) ? s->ci_lo : s->mean, hi = isfinite(s->ci_hi) ? s->ci_hi : s->mean;
        fprintf(f, "%d %.10g %.10g %.10g\n", row->n, s->mean / div, lo / div, hi / div);
        k++;
    }
    fclose(f);
    return k;
}

static int run_gnuplot(const char *expr, const char *script)
{
    char *argv[] = {"gnuplot", "-e", (char *)expr, (char *)script, NULL};
    pid_t pid;
    int status;
    if (posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ) != 0)
        return -1;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static size_t metric_index(const cmp_table *t, const char *name)
{
    for (size_t m = 0; m < t->nmetrics; m++)
        if (strcmp(t->metrics[m], name) == 0)
            return m;
    return (size_t)-1;
}

static int all_have(const cmp_table *t, size_t m)
{
    for (size_t j = 0; j < t->nruns; j++)
        if (!cmp_run_has_metric(&t->runs[j], m))
            return 0;
    return 1;
}

/* One plot: its data, then gnuplot for png and svg. 1 drawn, 0 nothing to
 * draw, -1 failed (message in err). */
static int plot_metric(const cmp_table *t, size_t m, const char *dir, const char *scripts,
                       char *err, size_t errlen)
{
    char datadir[4300], series[2048] = "", runids[1200] = "", allmodes[512] = "", word[160];
    snprintf(datadir, sizeof datadir, "%s/compare-data", dir);
    if (util_mkdirs(datadir, err, errlen) != 0)
        return -1;
    int bytes = cmp_metric_unit(t->metrics[m]) == CMP_UNIT_BYTES;
    double div = bytes ? 1000.0 : 1.0;
    for (size_t j = 0; j < t->nruns; j++) {
        snprintf(word, sizeof word, "%s%s", j ? " " : "", t->runs[j].id);
        strncat(runids, word, sizeof runids - strlen(runids) - 1);
        for (size_t i = 0; i < t->runs[j].nmodes; i++) {
            const char *mode = t->runs[j].modes[i];
            int k = write_series(t, m, j, mode, datadir, div, err, errlen);
            if (k < 0)
                return -1;
            if (k == 0)
                continue;
            snprintf(word, sizeof word, "%s%zu:%s", series[0] ? " " : "", j, mode);
            strncat(series, word, sizeof series - strlen(series) - 1);
            if (!strstr(allmodes, mode)) {
                snprintf(word, sizeof word, "%s%s", allmodes[0] ? " " : "", mode);
                strncat(allmodes, word, sizeof allmodes - strlen(allmodes) - 1);
            }
        }
    }
    if (!series[0])
        return 0;
    /* the metric's name in an enhanced-text title: '_' escaped */
    char label[160] = "", *p = label;
    const char *what = strcmp(t->metrics[m], "setup_s") == 0 ? "setup time" : bytes ? "store I/O" : "";
    p += snprintf(label, 64, "%s%s", what, what[0] ? " (" : "");
    for (const char *c = t->metrics[m]; *c && p < label + sizeof label - 4; c++) {
        if (*c == '_')
            *p++ = '\\';
        *p++ = *c;
    }
    snprintf(p, 3, "%s", what[0] ? ")" : "");
    const char *fmts[2] = {"png", "svg"};
    for (int f = 0; f < 2; f++) {
        char expr[8192], script[4200];
        snprintf(script, sizeof script, "%s/compare.gp", scripts);
        snprintf(expr, sizeof expr,
                 "scriptdir='%.1000s'; datadir='%.1200s'; metric='%s'; series='%s'; runids='%s'; "
                 "allmodes='%s'; outbase='%.1200s/compare-%s'; fmt='%s'; ylabel='%s'; title='%s against N'",
                 scripts, datadir, t->metrics[m], series, runids, allmodes, dir, t->metrics[m], fmts[f],
                 bytes ? "kB" : "s", label);
        if (run_gnuplot(expr, script) != 0) {
            util_seterr(err, errlen, "gnuplot failed on %s (%s): is gnuplot installed? "
                        "(scripts/install-deps.sh)", script, fmts[f]);
            return -1;
        }
    }
    return 1;
}

int cmp_plot_report(const cmp_table *t, const char *dir, const char *scripts, char *err,
                    size_t errlen)
{
    char path[4300], perr[512];
    const char *plots[2] = {"setup_s", NULL};
    int rc = 0, drawn[2] = {0, 0};
    if (util_mkdirs(dir, err, errlen) != 0)
        return -1;
    size_t app = metric_index(t, "app_bytes"), grpc = metric_index(t, "grpc_bytes");
    plots[1] = app != (size_t)-1 && all_have(t, app) ? "app_bytes"
             : grpc != (size_t)-1 ? "grpc_bytes" : NULL;
    perr[0] = '\0';
    for (int i = 0; i < 2; i++) {
        size_t m = plots[i] ? metric_index(t, plots[i]) : (size_t)-1;
        if (m == (size_t)-1)
            continue;
        drawn[i] = plot_metric(t, m, dir, scripts, perr, sizeof perr);
        if (drawn[i] < 0)
            rc = -1;
    }
    snprintf(path, sizeof path, "%s/compare.md", dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        util_seterr(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    cmp_format_print(f, t, CMP_FMT_MARKDOWN);
    fprintf(f, "### Plots\n\n");
    for (int i = 0; i < 2; i++) {
        if (drawn[i] > 0)
            fprintf(f, "![%s against N](compare-%s.png)\n\n", plots[i], plots[i]);
        else if (plots[i])
            fprintf(f, "- %s: no plot (%s)\n", plots[i], drawn[i] < 0 ? perr : "no data in common");
    }
    fclose(f);
    if (rc != 0)
        util_seterr(err, errlen, "%s", perr);
    return rc;
}
