/* geokv-model: fits, predictions, comparisons, the patent's models, plots and
 * the report, from results CSVs (results/SCHEMA.md) or any CSV with a header.
 * Reads results; never runs a benchmark. */
#include "model/calibrate_cmd.h"
#include "model/cmp_cmd.h"
#include "model/compare.h"
#include "model/csv.h"
#include "model/factors_cmd.h"
#include "model/fit.h"
#include "model/fit_json.h"
#include "model/groupfit.h"
#include "model/patent.h"
#include "model/report.h"
#include "model/runfit.h"
#include "sim/util/util_data.h"
#include "sim/util/util_fs.h"
#include "sim/util/util_version.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

typedef struct opts {
    const char *run, *run_b, *ref, *csv, *x, *y, *group, *where, *model, *a, *b, *metric,
        *format, *scripts, *formats;
    double at, level, xlimit;
    int json, cdf_n, at_set, normalize;
} opts;

static void usage_main(FILE *out)
{
    fprintf(out,
        "usage: geokv-model <command> [options]\n"
        "\n"
        "Fits, predictions, before/after comparisons, the patent's FIG. 9/10 models,\n"
        "plots and report.md from bench results (results/<run-id>/) or any CSV.\n"
        "\n"
        "commands:\n"
        "  fit         fit quadratic, no-intercept quadratic, cubic and power law per group\n"
        "  predict     a fitted model's value at x with a prediction interval\n"
        "  compare     runs against runs (benchstat style: intervals, `~`, config diff, coverage),\n"
        "              or before against after within a run (--run)\n"
        "  fit-patent  least squares on the patent's FIG. 7/8 numbers beside its FIG. 9/10 models\n"
        "  plots       write <run>/fit/ data and draw <run>/plots/*.png and *.svg with gnuplot\n"
        "  report      write <run>/report.md (and <run>/fit/)\n"
        "  calibrate   fit the cost model to the patent's FIG. 7 before series from probe sweeps\n"
        "  calibrate-report  calibration.md and .json of a `geokv-bench calibrate` directory\n"
        "  factors     the analysis of a `geokv-bench factors` study: effects, factors.md/.json/.png\n"
        "\n"
        "`geokv-model <command> --help` describes each command's options; --version prints\n"
        "the program, its version and the git describe of the build.\n"
        "\n"
        "Exit status: 0 success, 1 a failed run (input missing or unreadable, a fit or plot\n"
        "that failed), 2 bad usage; each command's --help gives its own.\n");
}

static const char *help_text(const char *cmd)
{
    if (strcmp(cmd, "fit") == 0)
        return "usage: geokv-model fit [--run DIR] [--ref DIR] [--cdf-n N] [--json]\n"
               "       geokv-model fit --csv FILE --x COL --y COL [--group COL] [--where COL=VAL]\n"
               "                       [--normalize] [--xlimit X] [--json]\n"
               "\n"
               "With --run (default results/latest): fits setup_s, grpc_bytes, app_bytes (when\n"
               "recorded), http_bytes, wan_egress_bytes and ops_total against n per mode, compares\n"
               "before/after, fits\n"
               "the patent's FIG. 9/10 forms on normalised means, writes DIR/fit/fits.json and\n"
               "the gnuplot data, and prints the tables (or the JSON with --json).\n"
               "With --csv: any column pair of any CSV; --group splits by a column, --where keeps\n"
               "only rows where COL equals VAL. --normalize fits on min-max normalised x and y\n"
               "(per group; the ranges are printed). --xlimit: how far to check the quadratic's\n"
               "extrapolation against the cubic and power law (default 200).\n";
    if (strcmp(cmd, "predict") == 0)
        return "usage: geokv-model predict --at X [--model quadratic|quadratic0|cubic|power]\n"
               "                       [--level 0.95] [--json]\n"
               "                       (--csv FILE --x COL --y COL [--group COL] | --run DIR [--y COL])\n"
               "\n"
               "Fits the model (default quadratic) per group and prints its value at X with the\n"
               "standard error of the fitted mean and a prediction interval for a new run.\n"
               "With --run the table is DIR/summary.csv, x = n, group = mode, y = setup_s unless given.\n";
    if (strcmp(cmd, "compare") == 0)
        return "usage: geokv-model compare OLD NEW [NEW2 ...] [options]   (see compare --help)\n"
               "       geokv-model compare [--run DIR] [--run-b DIR2] [--a MODE] [--b MODE]\n"
               "                       [--metric COL] [--format table|markdown|json]\n"
               "\n"
               "Sample A = mode --a (default before) of --run (default results/latest); sample B =\n"
               "mode --b (default after) of --run-b if given, else of the same run. Per N: mean ±\n"
               "sd, change in percent ((B - A) / A), Welch's t p and Mann-Whitney U p (exact without\n"
               "ties), and the overall average change. --metric defaults to setup_s, grpc_bytes and,\n"
               "when both runs recorded it, app_bytes (the I/O the original logged).\n";
    if (strcmp(cmd, "fit-patent") == 0)
        return "usage: geokv-model fit-patent [--ref DIR] [--json]\n"
               "\n"
               "Reads DIR (default results/reference) patent-fig7.csv, patent-fig8.csv and\n"
               "patent-models.csv; finds which normalisation reproduces the FIG. 9/10 models best;\n"
               "prints for FIG. 7 before/after and FIG. 8 before/after our least-squares\n"
               "coefficients in raw and normalised units, the SSE of the patent's model beside\n"
               "ours on the same normalised data, and cubic / power-law fits ranked by AIC/BIC.\n";
    if (strcmp(cmd, "plots") == 0)
        return "usage: geokv-model plots [--run DIR] [--ref DIR] [--scripts DIR] [--formats png,svg]\n"
               "                       [--cdf-n N]\n"
               "\n"
               "Writes DIR/fit/ and runs gnuplot on SCRIPTS/*.gp (default scripts/) to draw\n"
               "DIR/plots/: setup-time, store-io, patent-models, completion-cdf (N = 50 by default),\n"
               "time-breakdown. Plots whose data are missing are skipped with a note.\n";
    if (strcmp(cmd, "report") == 0)
        return "usage: geokv-model report [--run DIR] [--ref DIR] [--cdf-n N]\n"
               "\n"
               "Writes DIR/fit/ and DIR/report.md (default DIR results/latest). Plots are linked\n"
               "when `geokv-model plots` made them.\n";
    return NULL;
}

static int parse_opts(int argc, char **argv, opts *o)
{
    enum { O_RUN = 256, O_RUNB, O_REF, O_CSV, O_X, O_Y, O_GROUP, O_WHERE, O_MODEL, O_A, O_B,
           O_METRIC, O_FORMAT, O_SCRIPTS, O_FORMATS, O_AT, O_LEVEL, O_XLIMIT, O_JSON, O_CDFN,
           O_HELP, O_NORM };
    static const struct option lo[] = {
        {"run", required_argument, 0, O_RUN}, {"run-b", required_argument, 0, O_RUNB},
        {"ref", required_argument, 0, O_REF}, {"csv", required_argument, 0, O_CSV},
        {"x", required_argument, 0, O_X}, {"y", required_argument, 0, O_Y},
        {"group", required_argument, 0, O_GROUP}, {"where", required_argument, 0, O_WHERE},
        {"model", required_argument, 0, O_MODEL}, {"a", required_argument, 0, O_A},
        {"b", required_argument, 0, O_B}, {"metric", required_argument, 0, O_METRIC},
        {"format", required_argument, 0, O_FORMAT}, {"scripts", required_argument, 0, O_SCRIPTS},
        {"formats", required_argument, 0, O_FORMATS}, {"at", required_argument, 0, O_AT},
        {"level", required_argument, 0, O_LEVEL}, {"xlimit", required_argument, 0, O_XLIMIT},
        {"json", no_argument, 0, O_JSON}, {"cdf-n", required_argument, 0, O_CDFN},
        {"help", no_argument, 0, O_HELP}, {"normalize", no_argument, 0, O_NORM},
        {0, 0, 0, 0},
    };
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case O_RUN: o->run = optarg; break;
        case O_RUNB: o->run_b = optarg; break;
        case O_REF: o->ref = optarg; break;
        case O_CSV: o->csv = optarg; break;
        case O_X: o->x = optarg; break;
        case O_Y: o->y = optarg; break;
        case O_GROUP: o->group = optarg; break;
        case O_WHERE: o->where = optarg; break;
        case O_MODEL: o->model = optarg; break;
        case O_A: o->a = optarg; break;
        case O_B: o->b = optarg; break;
        case O_METRIC: o->metric = optarg; break;
        case O_FORMAT: o->format = optarg; break;
        case O_SCRIPTS: o->scripts = optarg; break;
        case O_FORMATS: o->formats = optarg; break;
        case O_JSON: o->json = 1; break;
        case O_NORM: o->normalize = 1; break;
        case O_AT:
        case O_LEVEL:
        case O_XLIMIT:
        case O_CDFN: {
            double v = strtod(optarg, &end);
            if (end == optarg || *end || !isfinite(v)) {
                fprintf(stderr, "geokv-model: '%s' is not a number\n", optarg);
                return -1;
            }
            if (c == O_AT) { o->at = v; o->at_set = 1; }
            else if (c == O_LEVEL) o->level = v;
            else if (c == O_XLIMIT) o->xlimit = v;
            else o->cdf_n = (int)v;
            break;
        }
        case 'h':
        case O_HELP: return 1;
        default: return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "geokv-model: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return 0;
}

static int load_table(const opts *o, csv_table *t, const char **x, const char **group)
{
    char err[512], path[4096];
    if (o->csv) {
        if (!o->x || !o->y) {
            fprintf(stderr, "geokv-model: --csv needs --x COL and --y COL\n");
            return -1;
        }
        snprintf(path, sizeof path, "%s", o->csv);
        *x = o->x;
        *group = o->group;
    } else {
        char rb[4096];
        snprintf(path, sizeof path, "%s/summary.csv", util_rooted(rb, sizeof rb, o->run ? o->run : "results/latest"));
        *x = o->x ? o->x : "n";
        *group = o->group ? o->group : "mode";
    }
    if (csv_read(path, t, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-model: %s\n", err);
        return -1;
    }
    return 0;
}

/* A run's modes in its display order (runfit_mode_order); the groups of a
 * --csv table, or of another column, stay in order of first appearance. */
static void order_run_groups(const opts *o, const csv_table *t, const char *group, groupfit *gf)
{
    char rb[4096], path[4200], order[RUNFIT_MAX_MODES][RUNFIT_MODE_LEN];
    const char *names[RUNFIT_MAX_MODES];
    if (o->csv || !group || strcmp(group, "mode") != 0)
        return;
    snprintf(path, sizeof path, "%s/config.json", util_rooted(rb, sizeof rb, o->run ? o->run : "results/latest"));
    json_t *cfg = json_load_file(path, 0, NULL);
    size_t n = runfit_mode_order(cfg, t, order, RUNFIT_MAX_MODES);
    for (size_t i = 0; i < n; i++)
        names[i] = order[i];
    groupfit_order(gf, names, n);
    json_decref(cfg);
}

static int split_where(const opts *o, char *col, size_t len, const char **val)
{
    if (!o->where)
        return 0;
    const char *eq = strchr(o->where, '=');
    if (!eq || eq == o->where) {
        fprintf(stderr, "geokv-model: --where wants COL=VALUE, got '%s'\n", o->where);
        return -1;
    }
    snprintf(col, len, "%.*s", (int)(eq - o->where), o->where);
    *val = eq + 1;
    return 1;
}

static int cmd_fit_csv(const opts *o)
{
    csv_table t;
    const char *x, *group, *wval = NULL;
    char wcol[128], err[512];
    int w = split_where(o, wcol, sizeof wcol, &wval);
    if (w < 0 || load_table(o, &t, &x, &group) != 0)
        return 1;
    groupfit gf;
    int rc = 1;
    if ((o->normalize ? groupfit_build_normalized : groupfit_build)(&t, x, o->y, group,
            w ? wcol : NULL, wval, &gf, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-model: %s\n", err);
        goto cleanup;
    }
    order_run_groups(o, &t, group, &gf);
    if (o->json) {
        json_t *j = groupfit_json(&gf);
        json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
        printf("\n");
        json_decref(j);
    } else {
        if (gf.skipped)
            printf("(%zu rows without numbers in %s/%s skipped)\n", gf.skipped, x, o->y);
        groupfit_print(stdout, &gf, o->xlimit > 0 ? o->xlimit : 200, 0);
    }
    groupfit_free(&gf);
    rc = 0;
cleanup:
    csv_free(&t);
    return rc;
}

static int load_run(const opts *o, runfit *rf)
{
    char err[1024], rb[4096], fb[4096];
    const char *dir = util_rooted(rb, sizeof rb, o->run ? o->run : "results/latest");
    const char *ref = util_data_or_given(fb, sizeof fb, o->ref, "results/reference");
    if (runfit_load(dir, ref, o->cdf_n > 0 ? o->cdf_n : 50, rf, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-model: %s\n", err);
        return -1;
    }
    if (runfit_write(rf, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-model: %s\n", err);
        runfit_free(rf);
        return -1;
    }
    return 0;
}

static int cmd_fit(const opts *o)
{
    if (o->csv || o->y)
        return cmd_fit_csv(o);
    runfit rf;
    if (load_run(o, &rf) != 0)
        return 1;
    if (o->json) {
        json_t *j = runfit_json(&rf);
        json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
        printf("\n");
        json_decref(j);
    } else {
        runfit_print(stdout, &rf);
        printf("\nwrote %s/fit/ (fits.json and gnuplot data)\n", rf.dir);
    }
    runfit_free(&rf);
    return 0;
}

static int cmd_predict(const opts *o)
{
    if (!o->at_set) {
        fprintf(stderr, "geokv-model predict: --at X is required (e.g. --at 100)\n");
        return 2;
    }
    fit_kind kind = FIT_QUADRATIC;
    if (o->model && fit_kind_parse(o->model, &kind) != 0) {
        fprintf(stderr, "geokv-model: unknown model '%s' (quadratic, quadratic0, cubic, power)\n", o->model);
        return 2;
    }
    double level = o->level > 0 ? o->level : 0.95;
    opts oo = *o;
    if (!oo.y)
        oo.y = "setup_s";
    csv_table t;
    const char *x, *group, *wval = NULL;
    char wcol[128], err[512];
    int w = split_where(o, wcol, sizeof wcol, &wval);
    if (w < 0 || load_table(&oo, &t, &x, &group) != 0)
        return 1;
    groupfit gf;
    if (groupfit_build(&t, x, oo.y, group, w ? wcol : NULL, wval, &gf, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-model: %s\n", err);
        csv_free(&t);
        return 1;
    }
    order_run_groups(&oo, &t, group, &gf);
    json_t *arr = json_array();
    int failed = 0;
    if (!o->json)
        printf("%s at %s = %g, %s model, %.0f%% prediction interval\n", oo.y, x, o->at,
               fit_kind_name(kind), level * 100);
    for (size_t g = 0; g < gf.ngroups; g++) {
        const gf_group *gr = &gf.g[g];
        fit_prediction pr;
        if (!gr->ok[kind]) {
            fprintf(stderr, "geokv-model: %s: %s\n", gr->name, gr->why[kind]);
            failed = 1;
            continue;
        }
        if (fit_predict(&gr->fits[kind], o->at, level, &pr, err, sizeof err) != 0) {
            fprintf(stderr, "geokv-model: %s: %s\n", gr->name, err);
            failed = 1;
            continue;
        }
        double xmax = gr->nlev ? gr->lev_x[gr->nlev - 1] : 0, xmin = gr->nlev ? gr->lev_x[0] : 0;
        int extrap = o->at > xmax || o->at < xmin;
        /* beyond the measured range, check whether the other shapes still
         * agree with this one at X (within its prediction interval) */
        double diverge = NAN;
        const char *diverge_model = NULL;
        for (int k = 0; extrap && o->at > xmax && k < FIT_KIND_COUNT; k++) {
            if (k == (int)kind || !gr->ok[k] || (k == FIT_QUADRATIC0 && kind == FIT_QUADRATIC))
                continue;
            double dx = fit_divergence_x(&gr->fits[kind], &gr->fits[k], xmax, o->at, 1.0, level);
            if (!isnan(dx) && (isnan(diverge) || dx < diverge)) {
                diverge = dx;
                diverge_model = fit_kind_name((fit_kind)k);
            }
        }
        if (o->json) {
            json_t *j = json_object();
            json_object_set_new(j, "group", json_string(gr->name));
            json_object_set_new(j, "model", json_string(fit_kind_name(kind)));
            json_object_set_new(j, "x", json_real(o->at));
            json_object_set_new(j, "y", fit_json_number(pr.y));
            json_object_set_new(j, "se_mean", fit_json_number(pr.se_mean));
            json_object_set_new(j, "pi_lo", fit_json_number(pr.lo));
            json_object_set_new(j, "pi_hi", fit_json_number(pr.hi));
            json_object_set_new(j, "level", json_real(level));
            json_object_set_new(j, "extrapolated", json_boolean(extrap));
            json_object_set_new(j, "shapes_diverge_at", fit_json_number(diverge));
            json_object_set_new(j, "diverging_model", diverge_model ? json_string(diverge_model) : json_null());
            json_array_append_new(arr, j);
        } else {
            printf("  %-10s %12.5g  (s.e. of the mean %.3g; interval %.5g .. %.5g)%s\n", gr->name,
                   pr.y, pr.se_mean, pr.lo, pr.hi,
                   extrap ? "  extrapolated beyond the measured range" : "");
            if (diverge_model)
                printf("  %-10s   caution: the %s fit leaves this interval at %s = %g, so the value at "
                       "%g depends on the assumed shape\n", "", diverge_model, x, diverge, o->at);
        }
    }
    if (o->json) {
        json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
        printf("\n");
    }
    json_decref(arr);
    groupfit_free(&gf);
    csv_free(&t);
    return failed;
}

static int cmd_compare(const opts *o)
{
    const char *ma = o->a ? o->a : "before", *mb = o->b ? o->b : "after";
    const char *metrics[3] = {o->metric ? o->metric : "setup_s", o->metric ? NULL : "grpc_bytes", NULL};
    const char *fmt = o->format ? o->format : (o->json ? "json" : "table");
    if (strcmp(fmt, "table") && strcmp(fmt, "markdown") && strcmp(fmt, "json")) {
        fprintf(stderr, "geokv-model: --format is table, markdown or json\n");
        return 2;
    }
    char ra[4096], rbuf[4096], pa[4200], pb[4200], err[512];
    const char *dir_a = util_rooted(ra, sizeof ra, o->run ? o->run : "results/latest");
    const char *dir_b = o->run_b ? util_rooted(rbuf, sizeof rbuf, o->run_b) : dir_a;
    snprintf(pa, sizeof pa, "%s/summary.csv", dir_a);
    snprintf(pb, sizeof pb, "%s/summary.csv", dir_b);
    csv_table ta, tb;
    if (csv_read(pa, &ta, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-model: %s\n", err);
        return 1;
    }
    if (csv_read(pb, &tb, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-model: %s\n", err);
        csv_free(&ta);
        return 1;
    }
    /* the original's own I/O count, by default when both runs have it */
    if (!o->metric && csv_column(&ta, "app_bytes") >= 0 && csv_column(&tb, "app_bytes") >= 0)
        metrics[2] = "app_bytes";
    json_t *all = json_array();
    int rc = 0;
    for (int i = 0; i < 3; i++) {
        if (!metrics[i])
            continue;
        groupfit ga, gb;
        if (groupfit_build(&ta, "n", metrics[i], "mode", "mode", ma, &ga, err, sizeof err) != 0) {
            fprintf(stderr, "geokv-model: %s, mode %s: %s\n", pa, ma, err);
            rc = 1;
            continue;
        }
        if (groupfit_build(&tb, "n", metrics[i], "mode", "mode", mb, &gb, err, sizeof err) != 0) {
            fprintf(stderr, "geokv-model: %s, mode %s: %s\n", pb, mb, err);
            groupfit_free(&ga);
            rc = 1;
            continue;
        }
        char la[256], lb[256];
        snprintf(la, sizeof la, "%s%s%.200s", ma, o->run_b ? "@" : "", o->run_b ? dir_a : "");
        snprintf(lb, sizeof lb, "%s%s%.200s", mb, o->run_b ? "@" : "", o->run_b ? dir_b : "");
        compare_result c;
        const char *unit = strcmp(metrics[i], "setup_s") == 0 ? "s"
                         : strstr(metrics[i], "bytes") ? "B" : "";
        if (compare_build(metrics[i], unit, la, ga.g[0].x, ga.g[0].y, ga.g[0].n, lb, gb.g[0].x,
                          gb.g[0].y, gb.g[0].n, &c, err, sizeof err) != 0) {
            fprintf(stderr, "geokv-model: %s\n", err);
            rc = 1;
        } else if (strcmp(fmt, "json") == 0) {
            json_array_append_new(all, compare_json(&c));
        } else {
            if (strcmp(fmt, "markdown") == 0)
                printf("### %s: %s against %s\n\n", metrics[i], lb, la);
            compare_print(stdout, &c, strcmp(fmt, "markdown") == 0);
            printf("\n");
        }
        groupfit_free(&ga);
        groupfit_free(&gb);
    }
    if (strcmp(fmt, "json") == 0) {
        json_dumpf(all, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
        printf("\n");
    }
    json_decref(all);
    csv_free(&ta);
    csv_free(&tb);
    return rc;
}

static int cmd_fit_patent(const opts *o)
{
    char fb[4096], err[512];
    const char *ref = util_data_or_given(fb, sizeof fb, o->ref, "results/reference");
    patent_ref p;
    if (patent_load(ref, &p, err, sizeof err) != 0 || patent_report(stdout, &p, o->json, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-model: %s\n", err);
        return 1;
    }
    return 0;
}

/* Runs gnuplot on one script; 0 when it exited with status 0. */
static int run_gnuplot(const char *scriptdir, const char *script, const char *fitdir,
                       const char *outbase, const char *term, const char *modes,
                       const char *allmodes, int cdf_n, int synthetic)
{
    char expr[14848];
    snprintf(expr, sizeof expr, "scriptdir='%.4000s'; fitdir='%.4200s'; outbase='%.4300s'; "
             "fmt='%.15s'; modes='%.500s'; allmodes='%.500s'; cdfn=%d; synthetic=%d",
             scriptdir, fitdir, outbase, term, modes, allmodes, cdf_n, synthetic);
    char *argv[] = {"gnuplot", "-e", expr, (char *)script, NULL};
    pid_t pid;
    int err = posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ);
    if (err != 0) {
        fprintf(stderr, "geokv-model: cannot run gnuplot: %s (install it: scripts/install-deps.sh)\n",
                strerror(err));
        return -1;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int cmd_plots(const opts *o)
{
    runfit rf;
    if (load_run(o, &rf) != 0)
        return 1;
    char sb[4096], plotdir[4200], fitdir[4200], err[512], modes[512] = "", allmodes[512] = "";
    const char *scripts = util_data_or_given(sb, sizeof sb, o->scripts, "scripts");
    snprintf(plotdir, sizeof plotdir, "%s/plots", rf.dir);
    snprintf(fitdir, sizeof fitdir, "%s/fit", rf.dir);
    if (util_mkdirs(plotdir, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-model: %s\n", err);
        runfit_free(&rf);
        return 1;
    }
    for (size_t i = 0; i < rf.nmodes; i++) {
        strncat(modes, i ? " " : "", sizeof modes - strlen(modes) - 1);
        strncat(modes, rf.modes[i], sizeof modes - strlen(modes) - 1);
    }
    /* every mode known, in order: a mode's colour is its place in this list */
    for (size_t i = 0; i < rf.norder; i++) {
        strncat(allmodes, i ? " " : "", sizeof allmodes - strlen(allmodes) - 1);
        strncat(allmodes, rf.order[i], sizeof allmodes - strlen(allmodes) - 1);
    }
    struct { const char *name; int have; const char *why; } plots[] = {
        {"setup-time", rf.m[0].ok, "no setup_s"},
        {"store-io", rf.m[1].ok, "no grpc_bytes in summary.csv"},
        {"patent-models", rf.fig[0].ok || rf.fig[1].ok, "needs before and after with 3+ N and the reference data"},
        {"completion-cdf", rf.cdf_n != 0, "no timelines at the CDF's N"},
        {"time-breakdown", rf.have_breakdown, "no t_lock_s/t_fixed_s/t_other_s columns"},
    };
    const char *formats = o->formats ? o->formats : "png,svg";
    int rc = 0;
    for (size_t i = 0; i < sizeof plots / sizeof plots[0]; i++) {
        if (!plots[i].have) {
            printf("  skip %-15s (%s)\n", plots[i].name, plots[i].why);
            continue;
        }
        char script[4300], outbase[4300];
        snprintf(script, sizeof script, "%s/%s.gp", scripts, plots[i].name);
        snprintf(outbase, sizeof outbase, "%s/%s", plotdir, plots[i].name);
        for (const char *f = formats; *f;) {
            size_t len = strcspn(f, ",");
            char term[16];
            snprintf(term, sizeof term, "%.*s", (int)len, f);
            if (run_gnuplot(scripts, script, fitdir, outbase, term, modes, allmodes, rf.cdf_n,
                            rf.synthetic) != 0) {
                fprintf(stderr, "geokv-model: gnuplot failed on %s (%s)\n", script, term);
                rc = 1;
            } else {
                printf("  wrote %s.%s\n", outbase, term);
            }
            f += len;
            if (*f == ',')
                f++;
        }
    }
    for (size_t i = 0; i < rf.nnotes; i++)
        printf("  note: %s\n", rf.notes[i]);
    runfit_free(&rf);
    return rc;
}

static int cmd_report(const opts *o)
{
    runfit rf;
    char err[512];
    if (load_run(o, &rf) != 0)
        return 1;
    int rc = report_write(&rf, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "geokv-model: %s\n", err);
    else
        printf("wrote %s/report.md%s\n", rf.dir, rf.synthetic ? " (SYNTHETIC data)" : "");
    runfit_free(&rf);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (util_version_wanted(argc, argv)) {
        util_version_print(stdout, "geokv-model");
        return 0;
    }
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage_main(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "calibrate") == 0)
        return calibrate_cmd_main(argc - 1, argv + 1);
    if (strcmp(cmd, "calibrate-report") == 0)
        return calibrate_report_main(argc - 1, argv + 1);
    if (strcmp(cmd, "factors") == 0)
        return factors_cmd_main(argc - 1, argv + 1);
    if (strcmp(cmd, "compare") == 0 && !cmp_cmd_is_legacy(argc - 1, argv + 1))
        return cmp_cmd_main(argc - 1, argv + 1);
    const char *help = help_text(cmd);
    if (!help) {
        fprintf(stderr, "geokv-model: unknown command '%s'\n\n", cmd);
        usage_main(stderr);
        return 2;
    }
    opts o = {0};
    int pr = parse_opts(argc - 1, argv + 1, &o);
    if (pr != 0) {
        fputs(help, pr > 0 ? stdout : stderr);
        if (pr > 0)
            fputs("\nExit status: 0 success, 1 a failed run (input missing or unreadable, a fit or\n"
                  "plot that failed), 2 bad usage.\n", stdout);
        return pr > 0 ? 0 : 2;
    }
    if (strcmp(cmd, "fit") == 0)
        return cmd_fit(&o);
    if (strcmp(cmd, "predict") == 0)
        return cmd_predict(&o);
    if (strcmp(cmd, "compare") == 0)
        return cmd_compare(&o);
    if (strcmp(cmd, "fit-patent") == 0)
        return cmd_fit_patent(&o);
    if (strcmp(cmd, "plots") == 0)
        return cmd_plots(&o);
    return cmd_report(&o);
}
