/* calibrate_cmd.c: `geokv-model calibrate` (see calibrate_cmd.h and
 * calibrate.h for the method). Reads the before-mode setup time per N of the
 * probe sweeps, fits, prints a table or one JSON document. */
#include "model/calibrate_cmd.h"

#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/calib_report.h"
#include "model/calib_sweep.h"
#include "model/calibrate.h"
#include "model/csv.h"
#include "model/fit_json.h"
#include "model/patent.h"
#include "sim/util/util_data.h"
#include "sim/util/util_fs.h"

#define C_NAME "c_line_us"
#define B_NAME "deploy_uplink_Bps"

static const char calibrate_help[] =
    "usage: geokv-model calibrate --probe0 DIR --c0 X --probe1 DIR --c1 Y\n"
    "                       [--patent FILE] [--probe2 DIR --b0 B0 --b2 B2]\n"
    "                       [--base DIR --base-c C [--base-b B]] [--secant DIR --secant-c C [--secant-b B]]\n"
    "                       [--c-bounds LO,HI] [--b-bounds LO,HI] [--max-rel-resid F]\n"
    "                       [--mode before] [--metric setup_s] [--json]\n"
    "\n"
    "Fits the controller's per-line cost c_line_us (us) to the patent's FIG. 7 before\n"
    "series alone (FILE, default results/reference/patent-fig7.csv, columns n, before_s).\n"
    "DIR are sweeps (results/<run-id>/) of mode before that differ only in the parameter:\n"
    "probe0 at c_line_us = X, probe1 at Y. Per N the slope s = (T1 - T0) / (Y - X) of the\n"
    "mean setup time; c* = X + sum s (P - T0) / sum s^2 (gsl_fit_mul) with its standard\n"
    "error from the residuals. With --probe2 (at c = X, deploy_uplink_Bps = B2; the\n"
    "others at B0) deploy_uplink_Bps is fitted too (gsl_multifit_linear); when the\n"
    "before curve cannot determine it the fit falls back to c_line_us alone and says why.\n"
    "--base re-linearises at another sweep (a verification at a previous c*: a secant\n"
    "step), the slope taken between it and --secant (default: the nearer probe).\n"
    "The fit is accepted when c* lies within --c-bounds (default 5,500) and the fitted\n"
    "curve is within --max-rel-resid (default 0.2) of the patent at every N; otherwise it\n"
    "says which part of the curve is missing (the residual per N, at the bound when c*\n"
    "is outside it).\n"
    "Exit status: 0 accepted, 1 computed but rejected, 2 bad options or unreadable input.\n";

typedef struct cal_opts {
    const char *probe0, *probe1, *probe2, *base, *secant, *patent, *mode, *metric;
    double c0, c1, b0, b2, base_c, base_b, secant_c, secant_b, max_rel;
    int have_c0, have_c1, have_b0, have_b2, have_base_c, have_base_b, have_secant_c, have_secant_b;
    double c_lo, c_hi, b_lo, b_hi;
    int json;
} cal_opts;

/* The sweeps and the problem built from them. */
typedef struct cal_input {
    calib_sweep probe[3], base, secant;
    const calib_sweep *tbase, *tpartner;   /* the base and the slope's partner */
    double partner_c, partner_b;
    double skipped[CALIB_SWEEP_MAX_N];     /* patent N missing from a sweep */
    size_t nskipped;
    calib_problem p;
} cal_input;

static int parse_number(const char *s, double *v)
{
    char *end = NULL;
    *v = strtod(s, &end);
    return end == s || *end != '\0' || !isfinite(*v) ? -1 : 0;
}

static int parse_pair(const char *s, double *lo, double *hi)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", s);
    char *comma = strchr(buf, ',');
    if (!comma)
        return -1;
    *comma = '\0';
    return parse_number(buf, lo) != 0 || parse_number(comma + 1, hi) != 0 || !(*lo < *hi) ? -1 : 0;
}

static int parse_cal_opts(int argc, char **argv, cal_opts *o)
{
    enum { O_P0 = 256, O_P1, O_P2, O_C0, O_C1, O_B0, O_B2, O_BASE, O_BASEC, O_BASEB, O_SEC, O_SECC, O_SECB,
           O_PATENT, O_CB, O_BB, O_MAXREL, O_MODE, O_METRIC, O_JSON, O_HELP };
    static const struct option lo[] = {
        {"probe0", required_argument, 0, O_P0}, {"probe1", required_argument, 0, O_P1},
        {"probe2", required_argument, 0, O_P2}, {"c0", required_argument, 0, O_C0},
        {"c1", required_argument, 0, O_C1}, {"b0", required_argument, 0, O_B0},
        {"b2", required_argument, 0, O_B2}, {"base", required_argument, 0, O_BASE},
        {"base-c", required_argument, 0, O_BASEC}, {"base-b", required_argument, 0, O_BASEB},
        {"secant", required_argument, 0, O_SEC}, {"secant-c", required_argument, 0, O_SECC},
        {"secant-b", required_argument, 0, O_SECB}, {"patent", required_argument, 0, O_PATENT},
        {"c-bounds", required_argument, 0, O_CB}, {"b-bounds", required_argument, 0, O_BB},
        {"max-rel-resid", required_argument, 0, O_MAXREL}, {"mode", required_argument, 0, O_MODE},
        {"metric", required_argument, 0, O_METRIC}, {"json", no_argument, 0, O_JSON},
        {"help", no_argument, 0, O_HELP}, {0, 0, 0, 0},
    };
    struct { int id; double *v; int *have; } nums[] = {
        {O_C0, &o->c0, &o->have_c0}, {O_C1, &o->c1, &o->have_c1}, {O_B0, &o->b0, &o->have_b0},
        {O_B2, &o->b2, &o->have_b2}, {O_BASEC, &o->base_c, &o->have_base_c},
        {O_BASEB, &o->base_b, &o->have_base_b}, {O_SECC, &o->secant_c, &o->have_secant_c},
        {O_SECB, &o->secant_b, &o->have_secant_b}, {O_MAXREL, &o->max_rel, NULL},
    };
    int c;
    optind = 0;   /* a full reset: main may have used getopt */
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        int done = 0;
        for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
            if (nums[i].id != c)
                continue;
            if (parse_number(optarg, nums[i].v) != 0) {
                fprintf(stderr, "geokv-model calibrate: '%s' is not a number\n", optarg);
                return -1;
            }
            if (nums[i].have)
                *nums[i].have = 1;
            done = 1;
        }
        if (done)
            continue;
        switch (c) {
        case O_P0: o->probe0 = optarg; break;
        case O_P1: o->probe1 = optarg; break;
        case O_P2: o->probe2 = optarg; break;
        case O_BASE: o->base = optarg; break;
        case O_SEC: o->secant = optarg; break;
        case O_PATENT: o->patent = optarg; break;
        case O_MODE: o->mode = optarg; break;
        case O_METRIC: o->metric = optarg; break;
        case O_JSON: o->json = 1; break;
        case O_CB:
        case O_BB:
            if (parse_pair(optarg, c == O_CB ? &o->c_lo : &o->b_lo, c == O_CB ? &o->c_hi : &o->b_hi) != 0) {
                fprintf(stderr, "geokv-model calibrate: '%s' is not LO,HI with LO < HI\n", optarg);
                return -1;
            }
            break;
        case 'h':
        case O_HELP: return 1;
        default: return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "geokv-model calibrate: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    const char *missing = !o->probe0 ? "--probe0 DIR" : !o->have_c0 ? "--c0 X" : !o->probe1 ? "--probe1 DIR"
                        : !o->have_c1 ? "--c1 Y" : NULL;
    if (!missing && o->probe2 && (!o->have_b0 || !o->have_b2))
        missing = "--b0 and --b2 with --probe2";
    if (!missing && o->base && !o->have_base_c)
        missing = "--base-c with --base";
    if (!missing && o->secant && (!o->base || !o->have_secant_c))
        missing = "--base and --secant-c with --secant";
    if (missing) {
        fprintf(stderr, "geokv-model calibrate: %s is required\n", missing);
        return -1;
    }
    return 0;
}

static int load_patent(const char *path, double *n, double *before, size_t *np)
{
    char err[512];
    csv_table t;
    size_t nn = 0, nb = 0;
    if (csv_read(path, &t, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-model calibrate: %s\n", err);
        return -1;
    }
    int rc = -1;
    if (t.nrows > CALIB_SWEEP_MAX_N) {
        fprintf(stderr, "geokv-model calibrate: %s: more than %d rows\n", path, CALIB_SWEEP_MAX_N);
        goto cleanup;
    }
    if (csv_column_doubles(&t, "n", NULL, 0, n, &nn, err, sizeof err) != 0 ||
        csv_column_doubles(&t, "before_s", NULL, 0, before, &nb, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-model calibrate: %s: %s\n", path, err);
        goto cleanup;
    }
    *np = nn;
    rc = 0;
cleanup:
    csv_free(&t);
    return rc;
}

static int load_sweep(const char *dir, const cal_opts *o, calib_sweep *s)
{
    char err[1200];
    if (calib_sweep_load(dir, o->mode, o->metric, s, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-model calibrate: %s\n", err);
        return -1;
    }
    return 0;
}

/* Loads the sweeps, picks the base and the slope's partner, fills the
 * problem with the agent counts every sweep has. */
static int build_input(const cal_opts *o, cal_input *in)
{
    double pn[CALIB_SWEEP_MAX_N], pb[CALIB_SWEEP_MAX_N];
    double t0[CALIB_MAX_PTS], t2[CALIB_MAX_PTS], tb[CALIB_MAX_PTS], tp[CALIB_MAX_PTS];
    size_t np = 0;
    char pbuf[4096], err[256];
    const char *patent = util_data_or_given(pbuf, sizeof pbuf, o->patent, "results/reference/patent-fig7.csv");
    calib_problem *p = &in->p;

    if (load_patent(patent, pn, pb, &np) != 0 || load_sweep(o->probe0, o, &in->probe[0]) != 0 ||
        load_sweep(o->probe1, o, &in->probe[1]) != 0 || (o->probe2 && load_sweep(o->probe2, o, &in->probe[2]) != 0) ||
        (o->base && load_sweep(o->base, o, &in->base) != 0) ||
        (o->secant && load_sweep(o->secant, o, &in->secant) != 0))
        return -1;
    double b0 = o->have_b0 ? o->b0 : 0;
    in->tbase = o->base ? &in->base : &in->probe[0];
    double base_c = o->base ? o->base_c : o->c0, base_b = o->base && o->have_base_b ? o->base_b : b0;
    if (o->secant) {
        in->tpartner = &in->secant;
        in->partner_c = o->secant_c;
        in->partner_b = o->have_secant_b ? o->secant_b : b0;
    } else if (o->base) {
        int far0 = fabs(o->c0 - base_c) > fabs(o->c1 - base_c) || o->c0 == base_c;
        in->tpartner = far0 ? &in->probe[1] : &in->probe[0];
        in->partner_c = far0 ? o->c1 : o->c0;
        in->partner_b = b0;
    } else {
        in->tpartner = &in->probe[1];
        in->partner_c = o->c1;
        in->partner_b = b0;
    }

    memset(p, 0, sizeof *p);
    p->nparams = o->probe2 ? 2 : 1;
    p->name[0] = C_NAME;
    p->unit[0] = "us";
    p->name[1] = B_NAME;
    p->unit[1] = "B/s";
    p->at[0] = base_c;
    p->at[1] = base_b;
    p->lo[0] = o->c_lo;
    p->hi[0] = o->c_hi;
    p->lo[1] = o->b_lo;
    p->hi[1] = o->b_hi;
    p->max_rel_resid = o->max_rel;
    for (size_t i = 0; i < np; i++) {
        const calib_sweep *need[4] = {in->tbase, in->tpartner, &in->probe[0], o->probe2 ? &in->probe[2] : NULL};
        double v[4];
        int ok = p->n < CALIB_MAX_PTS;
        for (size_t k = 0; k < 4 && ok; k++)
            if (need[k] && calib_sweep_at(need[k], pn[i], &v[k]) != 0)
                ok = 0;
        if (!ok) {
            in->skipped[in->nskipped++] = pn[i];
            continue;
        }
        p->x[p->n] = pn[i];
        p->target[p->n] = pb[i];
        tb[p->n] = p->base[p->n] = v[0];
        tp[p->n] = v[1];
        t0[p->n] = v[2];
        t2[p->n] = o->probe2 ? v[3] : 0;
        p->n++;
    }
    if (p->n == 0) {
        fprintf(stderr, "geokv-model calibrate: no agent count of %s was measured in every sweep\n", patent);
        return -1;
    }
    if (o->probe2 && calib_slope(t0, b0, t2, o->b2, p->n, p->slope[1], err, sizeof err) != 0) {
        fprintf(stderr, "geokv-model calibrate: %s: %s\n", B_NAME, err);
        return -1;
    }
    if (calib_slope_secant(tb, base_c, base_b, tp, in->partner_c, in->partner_b, o->probe2 ? p->slope[1] : NULL,
                           p->n, p->slope[0], err, sizeof err) != 0) {
        fprintf(stderr, "geokv-model calibrate: %s: %s\n", C_NAME, err);
        return -1;
    }
    return 0;
}

static json_t *sweep_json(const calib_sweep *s, double c, double b, int with_b)
{
    json_t *j = json_pack("{s:s,s:s,s:f}", "dir", s->dir, "run_id", s->run_id, C_NAME, c);
    if (with_b)
        json_object_set_new(j, B_NAME, json_real(b));
    json_object_set_new(j, "runs_dropped", json_integer((json_int_t)s->dropped));
    return j;
}

static json_t *param_json(const calib_problem *p, const calib_result *r, size_t k)
{
    json_t *j = json_object();
    json_object_set_new(j, "name", json_string(p->name[k]));
    json_object_set_new(j, "unit", json_string(p->unit[k]));
    json_object_set_new(j, "value", fit_json_number(r->value[k]));
    json_object_set_new(j, "se", fit_json_number(r->se[k]));
    json_object_set_new(j, "clamped", fit_json_number(r->clamped[k]));
    json_object_set_new(j, "lo", json_real(p->lo[k]));
    json_object_set_new(j, "hi", json_real(p->hi[k]));
    json_object_set_new(j, "linearised_at", json_real(p->at[k]));
    return j;
}

static json_t *result_json(const cal_opts *o, const cal_input *in, const calib_result *r)
{
    const calib_problem *p = &in->p;
    json_t *j = json_object(), *params = json_array(), *pts = json_array(), *sk = json_array(),
           *sw = json_object();
    json_object_set_new(j, "command", json_string("calibrate"));
    json_object_set_new(j, "series", json_string("FIG. 7 before"));
    json_object_set_new(j, "mode", json_string(o->mode));
    json_object_set_new(j, "metric", json_string(o->metric));
    json_object_set_new(j, "asked", json_integer((json_int_t)p->nparams));
    for (size_t k = 0; k < r->nparams; k++)
        json_array_append_new(params, param_json(p, r, k));
    json_object_set_new(j, "params", params);
    json_object_set_new(j, "fallback", r->fallback ? json_string(r->fallback_why) : json_null());
    json_object_set_new(j, "cov01", fit_json_number(r->cov01));
    json_object_set_new(j, "dof", json_integer((json_int_t)r->dof));
    json_object_set_new(j, "sse", fit_json_number(r->sse));
    json_object_set_new(j, "sse_base", fit_json_number(r->sse_base));
    json_object_set_new(j, "in_bounds", json_boolean(r->in_bounds));
    json_object_set_new(j, "accepted", json_boolean(r->accepted));
    json_object_set_new(j, "verdict", json_string(r->verdict));
    json_object_set_new(j, "missing", json_string(r->missing));
    json_object_set_new(j, "notes", json_string(r->notes));
    json_object_set_new(j, "max_rel_resid", json_real(p->max_rel_resid > 0 ? p->max_rel_resid
                                                                             : CALIB_DEFAULT_MAX_REL_RESID));
    for (size_t i = 0; i < p->n; i++) {
        json_t *pt = json_pack("{s:f,s:f,s:f,s:f}", "n", p->x[i], "patent_s", p->target[i], "base_s", p->base[i],
                               "slope_c", p->slope[0][i]);
        if (p->nparams == 2)
            json_object_set_new(pt, "slope_b", json_real(p->slope[1][i]));
        json_object_set_new(pt, "fitted_s", fit_json_number(r->fitted[i]));
        json_object_set_new(pt, "residual_s", fit_json_number(r->resid[i]));
        json_object_set_new(pt, "residual_pct", fit_json_number(100 * r->resid[i] / p->target[i]));
        json_object_set_new(pt, "fitted_clamped_s", fit_json_number(r->fitted_clamped[i]));
        json_object_set_new(pt, "residual_clamped_s", fit_json_number(r->resid_clamped[i]));
        json_array_append_new(pts, pt);
    }
    json_object_set_new(j, "points", pts);
    for (size_t i = 0; i < in->nskipped; i++)
        json_array_append_new(sk, json_real(in->skipped[i]));
    json_object_set_new(j, "skipped_n", sk);
    int wb = o->probe2 != NULL;
    json_object_set_new(sw, "probe0", sweep_json(&in->probe[0], o->c0, o->b0, wb));
    json_object_set_new(sw, "probe1", sweep_json(&in->probe[1], o->c1, o->b0, wb));
    if (o->probe2)
        json_object_set_new(sw, "probe2", sweep_json(&in->probe[2], o->c0, o->b2, 1));
    json_object_set_new(sw, "base", sweep_json(in->tbase, p->at[0], p->at[1], wb));
    json_object_set_new(sw, "slope_partner", sweep_json(in->tpartner, in->partner_c, in->partner_b, wb));
    json_object_set_new(j, "sweeps", sw);
    return j;
}

static void print_table(const cal_opts *o, const cal_input *in, const calib_result *r)
{
    const calib_problem *p = &in->p;
    printf("calibrate %s on the patent's FIG. 7 before alone (mean %s of mode %s per N)\n", C_NAME, o->metric,
           o->mode);
    printf("  linearised at %s = %g us (sweep %s), slope from the sweep at %g us (%s)\n", C_NAME, p->at[0],
           in->tbase->run_id, in->partner_c, in->tpartner->run_id);
    for (size_t k = 0; k < r->nparams; k++)
        printf("  %-18s = %.6g +- %.3g %s   (bounds %g .. %g; %zu degrees of freedom)\n", p->name[k], r->value[k],
               r->se[k], p->unit[k], p->lo[k], p->hi[k], r->dof);
    if (p->nparams == 2 && r->fallback)
        printf("  %-18s   not fitted, kept at %g B/s: %s\n", B_NAME, p->at[1], r->fallback_why);
    printf("\n  %4s %10s %10s %12s %10s %10s %7s\n", "N", "patent s", "base s", "slope s/us", "fitted s",
           "resid s", "resid %");
    for (size_t i = 0; i < p->n; i++)
        printf("  %4g %10.2f %10.2f %12.4g %10.2f %+10.2f %+7.1f\n", p->x[i], p->target[i], p->base[i],
               p->slope[0][i], r->fitted[i], r->resid[i], 100 * r->resid[i] / p->target[i]);
    for (size_t i = 0; i < in->nskipped; i++)
        printf("  %4g   (not measured in every sweep: left out)\n", in->skipped[i]);
    printf("\n  %s\n", r->verdict);
    printf("  missing: %s\n", r->missing);
    if (r->notes[0])
        printf("  note: %s\n", r->notes);
}

int calibrate_cmd_main(int argc, char **argv)
{
    cal_opts o = {.mode = "before", .metric = "setup_s", .c_lo = 5, .c_hi = 500, .b_lo = 5e6, .b_hi = 125e6};
    cal_input *in = calloc(1, sizeof *in);
    calib_result r;
    char err[512];
    int rc = 2;
    if (!in) {
        fprintf(stderr, "geokv-model calibrate: out of memory\n");
        return 2;
    }
    int pr = parse_cal_opts(argc, argv, &o);
    if (pr != 0) {
        fputs(calibrate_help, pr > 0 ? stdout : stderr);
        rc = pr > 0 ? 0 : 2;
        goto cleanup;
    }
    if (build_input(&o, in) != 0)
        goto cleanup;
    if (calib_fit(&in->p, &r, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-model %s\n", err);
        goto cleanup;
    }
    if (o.json) {
        json_t *j = result_json(&o, in, &r);
        json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
        printf("\n");
        json_decref(j);
    } else {
        print_table(&o, in, &r);
    }
    rc = r.accepted ? 0 : 1;
cleanup:
    free(in);
    return rc;
}

/* ---- calibrate-report ---- */

static const char report_help[] =
    "usage: geokv-model calibrate-report --dir DIR [--ref REFDIR]\n"
    "\n"
    "Writes DIR/calibration.json and DIR/calibration.md for a calibration directory made by\n"
    "`geokv-bench calibrate` (DIR/steps.json: its sweeps, fits and final values) and prints the\n"
    "markdown: the fitted parameters with standard errors; per N the patent's FIG. 7 before and\n"
    "after beside our fitted before and PREDICTED after, the changes and errors; FIG. 8 beside\n"
    "app_bytes and grpc_bytes; and whether the goals hold. REFDIR: the patent's numbers\n"
    "(default results/reference).\n"
    "Exit status: 0 written, 1 DIR unreadable or a file not written, 2 bad usage.\n";

/* Loads the metric of one mode from a sweep directory named in steps.json;
 * NULL (and why) when the directory is not given or lacks it. */
static const calib_sweep *report_sweep(const char *dir, const char *mode, const char *metric, calib_sweep *s,
                                       char *why, size_t whylen)
{
    if (dir == NULL || *dir == '\0') {
        snprintf(why, whylen, "no %s sweep", mode);
        return NULL;
    }
    if (calib_sweep_load(dir, mode, metric, s, why, whylen) != 0)
        return NULL;
    return s;
}

static int report_build(const char *dir, const char *ref_dir, json_t **out)
{
    char path[4200], err[1200];
    json_error_t je;
    patent_ref ref;
    int rc = -1;
    snprintf(path, sizeof path, "%s/steps.json", dir);
    json_t *doc = json_load_file(path, 0, &je);
    if (!doc) {
        fprintf(stderr, "geokv-model calibrate-report: %s: %s\n", path, je.text);
        return -1;
    }
    if (patent_load(ref_dir, &ref, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-model calibrate-report: %s\n", err);
        goto cleanup;
    }
    const json_t *fin = json_object_get(doc, "final");
    const char *fit_file = json_string_value(json_object_get(fin, "fit"));
    if (fit_file) {
        snprintf(path, sizeof path, "%s/%s", dir, fit_file);
        json_t *fit = json_load_file(path, 0, &je);
        if (!fit) {
            fprintf(stderr, "geokv-model calibrate-report: %s: %s\n", path, je.text);
            goto cleanup;
        }
        json_object_set_new(doc, "fit", fit);
    }
    const char *vdir = json_string_value(json_object_get(fin, "verify"));
    const char *pdir = json_string_value(json_object_get(fin, "predict"));
    calib_sweep *sw = calloc(6, sizeof *sw);
    if (!sw) {
        fprintf(stderr, "geokv-model calibrate-report: out of memory\n");
        goto cleanup;
    }
    char why_b[3][600], why_a[3][600], why[2][1300];
    static const char *const metrics[3] = {"setup_s", "app_bytes", "grpc_bytes"};
    const calib_sweep *b[3], *a[3];
    for (int k = 0; k < 3; k++) {
        b[k] = report_sweep(vdir, "before", metrics[k], &sw[k], why_b[k], sizeof why_b[k]);
        a[k] = report_sweep(pdir, "after", metrics[k], &sw[3 + k], why_a[k], sizeof why_a[k]);
    }
    if (b[0] || a[0])
        json_object_set_new(doc, "fig7", calib_report_fig7(&ref, b[0], a[0]));
    else
        json_object_set_new(doc, "fig7_missing", json_string(why_b[0]));
    const char *whyp[2];
    for (int k = 1; k < 3; k++) {
        snprintf(why[k - 1], sizeof why[k - 1], "%s", !b[k] ? why_b[k] : !a[k] ? why_a[k] : "");
        whyp[k - 1] = why[k - 1];
    }
    json_object_set_new(doc, "fig8", calib_report_fig8(&ref, 2, metrics + 1, b + 1, a + 1, whyp));
    free(sw);
    *out = doc;
    doc = NULL;
    rc = 0;
cleanup:
    json_decref(doc);
    return rc;
}

int calibrate_report_main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"dir", required_argument, 0, 'd'}, {"ref", required_argument, 0, 'r'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *dir = NULL, *ref = NULL;
    char rbuf[4096], path[4200];
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (c == 'd')
            dir = optarg;
        else if (c == 'r')
            ref = optarg;
        else {
            fputs(report_help, c == 'h' ? stdout : stderr);
            return c == 'h' ? 0 : 2;
        }
    }
    if (!dir || optind < argc) {
        fputs(report_help, stderr);
        return 2;
    }
    json_t *doc = NULL;
    if (report_build(dir, util_data_or_given(rbuf, sizeof rbuf, ref, "results/reference"), &doc) != 0)
        return 1;
    int rc = 1;
    snprintf(path, sizeof path, "%s/calibration.json", dir);
    if (json_dump_file(doc, path, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) != 0) {
        fprintf(stderr, "geokv-model calibrate-report: cannot write %s\n", path);
        goto cleanup;
    }
    snprintf(path, sizeof path, "%s/calibration.md", dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "geokv-model calibrate-report: cannot write %s\n", path);
        goto cleanup;
    }
    calib_report_markdown(f, doc);
    if (fclose(f) != 0) {
        fprintf(stderr, "geokv-model calibrate-report: cannot write %s\n", path);
        goto cleanup;
    }
    calib_report_markdown(stdout, doc);
    printf("\nwrote %s/calibration.md and calibration.json\n", dir);
    rc = 0;
cleanup:
    json_decref(doc);
    return rc;
}
