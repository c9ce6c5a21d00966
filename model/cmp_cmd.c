/* cmp_cmd.c: see cmp_cmd.h. */
#include "model/cmp_cmd.h"
#include "model/cmp_format.h"
#include "model/cmp_plot.h"
#include "model/cmp_table.h"
#include "sim/util/util_data.h"
#include "sim/util/util_fs.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The columns compared unless --metric says otherwise: the patent's two
 * quantities (setup_s; app_bytes and grpc_bytes for FIG. 8) and what
 * explains them. */
static const char *const default_metrics[] = {
    "setup_s", "agent_p90_s", "app_bytes", "grpc_bytes", "http_bytes", "wan_egress_bytes",
    "ops_total", "t_lock_s", "lock_wait_sum_s",
};
#define MAX_METRICS 32

static void usage(FILE *out)
{
    fputs("usage: geokv-model compare OLD NEW [NEW2 ...] [--format text|md|csv|json]\n"
          "                       [--alpha 0.05] [--metric COL[,COL]]... [--force]\n"
          "                       [--report DIR [--scripts DIR]]\n"
          "       geokv-model compare [--run DIR] [--run-b DIR2] [--a MODE] [--b MODE] ...\n"
          "                       (the older form: two modes of one run, or of two runs)\n"
          "\n"
          "Compares whole runs, as benchstat does: OLD and each NEW are results directories,\n"
          "`latest` (results/latest) or `reference` (results/reference: the patent's FIG. 7/8\n"
          "averages, one value per point). For every metric, mode and N present in OLD and a\n"
          "NEW: the mean of the green runs (completed, checker green) with its (1 - alpha)\n"
          "Student-t interval, and NEW's change against OLD with its Welch interval; `~` marks\n"
          "a change that Welch's two-sided t-test does not find significant at --alpha\n"
          "(default 0.05), `?` a point with fewer than 2 samples a side (never testable; a\n"
          "warning says so). Columns are labelled by run id and the code version in config.json.\n"
          "\n"
          "Every format starts with what differs in config.json between the runs, each run's\n"
          "coverage (runs planned, done, failed, checker-red) and every mode, N or metric\n"
          "present in one run only, with the reason. Runs whose topology, rtt_scale, no_wan,\n"
          "delay_scale, delays, profile or end_criterion differ measure different things: they\n"
          "are refused (exit 2, naming the key and both values) unless --force, which compares\n"
          "them and keeps the warning at the top. Other differences (version, transport,\n"
          "controller region, start, seed, machine, ...) are listed and compared.\n"
          "\n"
          "  --format F     text (default), md, csv (preamble as '#' lines), json\n"
          "  --metric COL   compare only these summary.csv columns (repeatable; default setup_s,\n"
          "                 agent_p90_s, app_bytes, grpc_bytes, http_bytes, wan_egress_bytes,\n"
          "                 ops_total, t_lock_s, lock_wait_sum_s)\n"
          "  --report DIR   also write DIR/compare.md and overlay plots of setup_s and the\n"
          "                 store I/O against N (gnuplot, scripts/compare.gp; --scripts DIR)\n"
          "\n"
          "Exit status: 0 compared, 1 failure, 2 bad usage or incomparable runs.\n",
          out);
}

int cmp_cmd_is_legacy(int argc, char **argv)
{
    static const char *const legacy[] = {"--run", "--run-b", "--a", "--b"};
    /* options of either form whose value is the next word, not a run */
    static const char *const valued[] = {"--metric", "--format", "--alpha", "--report", "--scripts"};
    int positional = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 0;
        int skip = 0;
        for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
            skip |= strcmp(argv[i], valued[k]) == 0;
        if (skip) {
            i++;
            continue;
        }
        for (size_t k = 0; k < sizeof legacy / sizeof legacy[0]; k++) {
            size_t len = strlen(legacy[k]);
            if (strncmp(argv[i], legacy[k], len) == 0 && (argv[i][len] == '\0' || argv[i][len] == '='))
                return 1;
        }
        if (argv[i][0] != '-')
            positional++;
    }
    return positional == 0;
}

typedef struct cmd_opts {
    const char *format, *report, *scripts;
    const char *metrics[MAX_METRICS];
    size_t nmetrics;
    double alpha;
    int force;
    const char *runs[CMP_MAX_RUNS];
    size_t nruns;
} cmd_opts;

static int add_metrics(cmd_opts *o, char *list)
{
    char *save = NULL;
    for (char *m = strtok_r(list, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
        int dup = 0;
        for (size_t i = 0; i < o->nmetrics && !dup; i++)
            dup = strcmp(o->metrics[i], m) == 0;
        if (dup) {
            fprintf(stderr, "geokv-model compare: --metric %s given twice; compared once\n", m);
            continue;
        }
        if (o->nmetrics == MAX_METRICS) {
            fprintf(stderr, "geokv-model compare: at most %d metrics\n", MAX_METRICS);
            return -1;
        }
        o->metrics[o->nmetrics++] = m;
    }
    return 0;
}

/* 0 parsed, 1 --help, -1 bad usage (message printed). */
static int parse(int argc, char **argv, cmd_opts *o)
{
    enum { O_FORMAT = 256, O_ALPHA, O_METRIC, O_FORCE, O_REPORT, O_SCRIPTS, O_HELP };
    static const struct option lo[] = {
        {"format", required_argument, 0, O_FORMAT}, {"alpha", required_argument, 0, O_ALPHA},
        {"metric", required_argument, 0, O_METRIC}, {"force", no_argument, 0, O_FORCE},
        {"report", required_argument, 0, O_REPORT}, {"scripts", required_argument, 0, O_SCRIPTS},
        {"help", no_argument, 0, O_HELP}, {0, 0, 0, 0},
    };
    int c;
    char *end;
    o->alpha = 0.05;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case O_FORMAT: o->format = optarg; break;
        case O_REPORT: o->report = optarg; break;
        case O_SCRIPTS: o->scripts = optarg; break;
        case O_FORCE: o->force = 1; break;
        case O_METRIC:
            if (add_metrics(o, optarg) != 0)
                return -1;
            break;
        case O_ALPHA:
            o->alpha = strtod(optarg, &end);
            if (end == optarg || *end || !(o->alpha > 0 && o->alpha < 1)) {
                fprintf(stderr, "geokv-model compare: --alpha wants a number between 0 and 1 (e.g. 0.05), got '%s'\n", optarg);
                return -1;
            }
            break;
        case 'h':
        case O_HELP: return 1;
        default:
            fprintf(stderr, "geokv-model compare: see --help\n");
            return -1;
        }
    }
    for (int i = optind; i < argc; i++) {
        if (o->nruns == CMP_MAX_RUNS) {
            fprintf(stderr, "geokv-model compare: at most %d runs\n", CMP_MAX_RUNS);
            return -1;
        }
        o->runs[o->nruns++] = argv[i];
    }
    if (o->nruns < 2) {
        fprintf(stderr, "geokv-model compare: give an OLD and at least one NEW run (results directories, "
                "`latest` or `reference`); see --help\n");
        return -1;
    }
    return 0;
}

/* `latest` names results/latest (the user's results); `reference` names the
 * patent's numbers, which ship with the programs (a data file, found next to
 * them or under the install prefix, never through the current folder). */
static const char *resolve(const char *arg, char *buf, size_t len)
{
    if (strcmp(arg, "reference") == 0)
        return util_data_path(buf, len, "results/reference");
    if (strcmp(arg, "latest") == 0)
        return util_rooted(buf, len, "results/latest");
    return util_rooted(buf, len, arg);
}

/* Refusal: every incomparable key with both values, and what to do. */
static int refuse(const cmp_table *t)
{
    fprintf(stderr, "geokv-model compare: the runs measure different things, so their numbers are not comparable:\n");
    for (size_t i = 0; i < t->diffs.n; i++) {
        const cmp_diff *d = &t->diffs.d[i];
        if (d->cls == CMP_DIFF_INCOMPARABLE)
            fprintf(stderr, "  %s differs: %s in %s, %s in %s\n", d->key, d->old_v, t->runs[0].id,
                    d->new_v, t->runs[d->run].id);
    }
    fprintf(stderr, "rerun one of them with the same settings, or pass --force to compare anyway "
            "(the warning then stays at the top of the comparison)\n");
    return 2;
}

static int check_metrics(const cmp_run *runs, size_t nruns, const cmd_opts *o)
{
    for (size_t m = 0; m < o->nmetrics; m++) {
        int any = 0;
        for (size_t j = 0; j < nruns && !any; j++)
            any = cmp_run_has_metric(&runs[j], m);
        if (!any) {
            fprintf(stderr, "geokv-model compare: --metric %s: no run has a value of it (the columns "
                    "are in results/SCHEMA.md)\n", o->metrics[m]);
            return -1;
        }
    }
    return 0;
}

int cmp_cmd_main(int argc, char **argv)
{
    cmd_opts o;
    memset(&o, 0, sizeof o);
    int pr = parse(argc, argv, &o);
    if (pr != 0) {
        if (pr > 0)
            usage(stdout);
        return pr > 0 ? 0 : 2;
    }
    cmp_fmt fmt = CMP_FMT_TEXT;
    if (o.format && cmp_format_parse(o.format, &fmt) != 0) {
        fprintf(stderr, "geokv-model compare: --format is text, md, csv or json, not '%s'\n", o.format);
        return 2;
    }
    int user_metrics = o.nmetrics > 0;
    if (!user_metrics)
        for (size_t i = 0; i < sizeof default_metrics / sizeof default_metrics[0]; i++)
            o.metrics[o.nmetrics++] = default_metrics[i];
    cmp_run runs[CMP_MAX_RUNS];
    cmp_table t;
    size_t loaded = 0;
    int rc = 2, have_table = 0;
    char err[1024], buf[4096];
    memset(&t, 0, sizeof t);
    for (; loaded < o.nruns; loaded++) {
        const char *dir = resolve(o.runs[loaded], buf, sizeof buf);
        if (cmp_run_load(dir, o.metrics, o.nmetrics, &runs[loaded], err, sizeof err) != 0) {
            fprintf(stderr, "geokv-model compare: %s\n", err);
            rc = util_file_exists(dir) ? 1 : 2;
            goto cleanup;
        }
    }
    if (user_metrics && check_metrics(runs, loaded, &o) != 0)
        goto cleanup;
    if (cmp_table_build(runs, loaded, o.metrics, o.nmetrics, o.alpha, &t, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-model compare: %s\n", err);
        rc = 1;
        goto cleanup;
    }
    have_table = 1;
    if (cmp_config_incomparable(&t.diffs) > 0 && !o.force) {
        rc = refuse(&t);
        goto cleanup;
    }
    t.forced = cmp_config_incomparable(&t.diffs) > 0;
    cmp_format_print(stdout, &t, fmt);
    fflush(stdout);
    rc = 0;
    if (t.nrows == 0) {
        fprintf(stderr, "geokv-model compare: the runs have no mode and N in common to compare\n");
        rc = 1;
    }
    if (o.report) {
        char rb[4096], sb[4096];
        const char *rdir = util_rooted(rb, sizeof rb, o.report);
        const char *scripts = util_data_or_given(sb, sizeof sb, o.scripts, "scripts");
        if (cmp_plot_report(&t, rdir, scripts, err, sizeof err) != 0) {
            fprintf(stderr, "geokv-model compare: %s\n", err);
            rc = 1;
        } else {
            fprintf(stderr, "wrote %s/compare.md\n", rdir);
        }
    }
cleanup:
    if (have_table)
        cmp_table_free(&t);
    for (size_t j = 0; j < loaded; j++)
        cmp_run_free(&runs[j]);
    return rc;
}
