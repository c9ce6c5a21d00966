/* bench_calib_opts.c: the command line of `geokv-bench calibrate` and the
 * command lines it starts (see bench_calib_opts.h). */
#include "bench/bench_calib_opts.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cb/cb_run.h"
#include "sim/util/util_data.h"
#include "sim/util/util_err.h"

/* ---- command lines ---- */

void bench_argv_init(bench_argv *a)
{
    a->n = 0;
    a->overflow = false;
    a->v[0] = NULL;
}

void bench_argv_add(bench_argv *a, const char *fmt, ...)
{
    va_list ap;
    if (a->n == BENCH_CALIB_ARGS) {
        a->overflow = true;
        return;
    }
    va_start(ap, fmt);
    int len = vsnprintf(a->s[a->n], BENCH_CALIB_ARG_LEN, fmt, ap);
    va_end(ap);
    if (len < 0 || len >= BENCH_CALIB_ARG_LEN)
        a->overflow = true;
    a->v[a->n] = a->s[a->n];
    a->v[++a->n] = NULL;
}

void bench_argv_format(const bench_argv *a, char *out, size_t out_len)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < a->n && used + 1 < out_len; i++) {
        const char *s = a->v[i];
        int plain = *s != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                            "-_./=,:+@%") == strlen(s);
        int n = snprintf(out + used, out_len - used, plain ? "%s%s" : "%s'%s'", i ? " " : "", s);
        if (n < 0)
            return;
        used += (size_t)n;
    }
}

const char *bench_calib_num(double v, char *buf, size_t len)
{
    snprintf(buf, len, "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, len, "%.17g", v);
    return buf;
}

void bench_calib_run_argv(const bench_calib_opts *o, const char *self, const char *mode, const char *profile,
                          const char *const *sets, size_t nsets, const char *out_dir, bench_argv *a)
{
    char list[512] = "", b[40];
    size_t used = 0;
    for (size_t i = 0; i < o->run.n_n && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%d", i ? "," : "", o->run.n[i]);
    bench_argv_init(a);
    bench_argv_add(a, "%s", self);
    bench_argv_add(a, "run");
    bench_argv_add(a, "--modes");
    bench_argv_add(a, "%s", mode);
    bench_argv_add(a, "--n");
    bench_argv_add(a, "%s", list);
    bench_argv_add(a, "--reps");
    bench_argv_add(a, "%d", o->run.reps);
    bench_argv_add(a, "--seed");
    bench_argv_add(a, "%llu", (unsigned long long)o->run.seed);
    bench_argv_add(a, "--start");
    bench_argv_add(a, "deploy");
    bench_argv_add(a, "--end");
    bench_argv_add(a, "txn");   /* FIG. 7's end: the last rule CAS sent */
    bench_argv_add(a, "--profile");
    bench_argv_add(a, "%s", profile);
    for (size_t i = 0; i < nsets; i++) {
        bench_argv_add(a, "--profile-set");
        bench_argv_add(a, "%s", sets[i]);
    }
    if (o->run.rtt_scale != 1.0) {
        bench_argv_add(a, "--rtt-scale");
        bench_argv_add(a, "%s", bench_calib_num(o->run.rtt_scale, b, sizeof b));
    }
    if (o->run.delay_scale != 1.0) {
        bench_argv_add(a, "--delay-scale");
        bench_argv_add(a, "%s", bench_calib_num(o->run.delay_scale, b, sizeof b));
    }
    if (!o->run.etcd_fsync) {
        bench_argv_add(a, "--etcd-fsync");
        bench_argv_add(a, "off");
    }
    bench_argv_add(a, "--timeout");
    bench_argv_add(a, "%ss", bench_calib_num(o->run.timeout_s, b, sizeof b));
    bench_argv_add(a, "--out");
    bench_argv_add(a, "%s", out_dir);
}

/* ---- options ---- */

void bench_calib_opts_default(bench_calib_opts *o)
{
    memset(o, 0, sizeof *o);
    bench_opts_default(&o->run);
    o->run.reps = 1;
    snprintf(o->profile, sizeof o->profile, "patent-2022");
    util_data_path(o->ref, sizeof o->ref, "results/reference");
    snprintf(o->out, sizeof o->out, "results");
    o->c0 = 30;
    o->c1 = 90;
    o->uplink = true;
    o->b2 = 30e6;
    o->iterations = 2;
    o->c_lo = 5;
    o->c_hi = 500;
}

static int number(const char *s, double *v)
{
    char *end = NULL;
    if (s == NULL || *s == '\0')
        return -1;
    errno = 0;
    *v = strtod(s, &end);
    return errno != 0 || *end != '\0' || !isfinite(*v) ? -1 : 0;
}

/* One option of calibrate's own: 1 consumed (with *used values), 0 not
 * ours, -1 error. */
static int own_option(const char *name, const char *val, bench_calib_opts *o, char *err, size_t err_len)
{
    double v, w;
    char buf[128];
    if (strcmp(name, "--profile") == 0 || strcmp(name, "--ref") == 0 || strcmp(name, "--out") == 0) {
        char *dst = name[2] == 'p' ? o->profile : name[2] == 'r' ? o->ref : o->out;
        if (*val == '\0' || strlen(val) >= BENCH_PATH_LEN) {
            util_seterr(err, err_len, "%s: expected a path of 1 to %d characters", name, BENCH_PATH_LEN - 1);
            return -1;
        }
        snprintf(dst, BENCH_PATH_LEN, "%s", val);
    } else if (strcmp(name, "--c0") == 0 || strcmp(name, "--c1") == 0) {
        if (number(val, &v) != 0 || v < 0 || v > 1e5) {
            util_seterr(err, err_len, "%s: '%s' is not a per-line cost in us (0 to 100000)", name, val);
            return -1;
        }
        *(name[3] == '0' ? &o->c0 : &o->c1) = v;
    } else if (strcmp(name, "--b2") == 0) {
        if (number(val, &v) != 0 || v < 1e3 || v > 1e11) {
            util_seterr(err, err_len, "--b2: '%s' is not an uplink in bytes/s (1e3 to 1e11)", val);
            return -1;
        }
        o->b2 = v;
    } else if (strcmp(name, "--uplink") == 0) {
        if (strcmp(val, "on") != 0 && strcmp(val, "off") != 0) {
            util_seterr(err, err_len, "--uplink: '%s' is not on or off", val);
            return -1;
        }
        o->uplink = strcmp(val, "on") == 0;
    } else if (strcmp(name, "--iterations") == 0) {
        if (strcmp(val, "1") != 0 && strcmp(val, "2") != 0) {
            util_seterr(err, err_len, "--iterations: '%s' is not 1 or 2", val);
            return -1;
        }
        o->iterations = val[0] - '0';
    } else if (strcmp(name, "--max-rel-resid") == 0) {
        if (number(val, &v) != 0 || v <= 0 || v > 10) {
            util_seterr(err, err_len, "--max-rel-resid: '%s' is not a fraction above 0 (0.2 = 20 %%)", val);
            return -1;
        }
        o->max_rel_resid = v;
    } else if (strcmp(name, "--c-bounds") == 0) {
        char *comma;
        snprintf(buf, sizeof buf, "%s", val);
        comma = strchr(buf, ',');
        if (comma)
            *comma = '\0';
        if (!comma || number(buf, &v) != 0 || number(comma + 1, &w) != 0 || !(0 <= v && v < w && w <= 1e5)) {
            util_seterr(err, err_len, "--c-bounds: '%s' is not LO,HI in us with 0 <= LO < HI <= 100000", val);
            return -1;
        }
        o->c_lo = v;
        o->c_hi = w;
    } else {
        return 0;
    }
    return 1;
}

int bench_calib_opts_parse(int argc, char *const *argv, bench_calib_opts *o, char *err, size_t err_len)
{
    static const char *const passed_on[] = {"--n", "--reps", "--seed", "--rtt-scale", "--delay-scale", "--timeout",
                                            "--etcd-fsync", NULL};
    char *run_argv[64];
    int run_argc = 0;
    if (err && err_len)
        err[0] = '\0';
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i], *eq = strchr(arg, '='), *val;
        char name[64];
        if (strcmp(arg, "--help") == 0)
            return 1;
        if (strcmp(arg, "--dry-run") == 0) {
            o->dry_run = true;
            continue;
        }
        if (strncmp(arg, "--", 2) != 0 || (eq ? (size_t)(eq - arg) : strlen(arg)) >= sizeof name) {
            util_seterr(err, err_len, "unexpected argument '%s' (see geokv-bench calibrate --help)", arg);
            return -1;
        }
        snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - arg) : (int)strlen(arg), arg);
        if (eq) {
            val = eq + 1;
        } else if (i + 1 < argc) {
            val = argv[++i];
        } else {
            util_seterr(err, err_len, "%s needs a value (see geokv-bench calibrate --help)", name);
            return -1;
        }
        int r = own_option(name, val, o, err, err_len);
        if (r < 0)
            return -1;
        if (r > 0)
            continue;
        bool known = false;
        for (size_t k = 0; passed_on[k]; k++)
            known = known || strcmp(name, passed_on[k]) == 0;
        if (!known) {
            util_seterr(err, err_len, "unknown option '%s' for calibrate (see geokv-bench calibrate --help)", name);
            return -1;
        }
        if (run_argc + 2 > (int)(sizeof run_argv / sizeof run_argv[0])) {
            util_seterr(err, err_len, "too many options");
            return -1;
        }
        run_argv[run_argc++] = (char *)arg;   /* "--n=10,20" whole, or "--n" then its value */
        if (!eq)
            run_argv[run_argc++] = (char *)val;
    }
    if (bench_opts_parse(run_argc, run_argv, cb_mode_names(), &o->run, err, err_len) != 0)
        return -1;
    if (o->c0 == o->c1) {
        util_seterr(err, err_len, "--c0 and --c1 must differ (the slope is taken between them)");
        return -1;
    }
    return 0;
}

void bench_calib_usage(FILE *f)
{
    fputs("usage: geokv-bench calibrate [--n LIST] [--reps R] [--seed S] [--profile NAME|FILE] [--dry-run]\n"
          "                             [--c0 US] [--c1 US] [--uplink on|off] [--b2 BPS] [--iterations 1|2]\n"
          "                             [--max-rel-resid F] [--c-bounds LO,HI] [--ref DIR] [--out DIR]\n"
          "                             [--rtt-scale F] [--delay-scale F] [--timeout DUR] [--etcd-fsync on|off]\n"
          "\n"
          "Fits the cost model's free parameters to the patent's FIG. 7 *before* series alone, then\n"
          "PREDICTS the after series and both FIG. 8 series with them (never refitted):\n"
          "  1. probe sweeps of mode before (start deploy) at c_line_us = c0 and c1 (and, with\n"
          "     --uplink on, at c0 with deploy_uplink_Bps = b2), one seed for all;\n"
          "  2. geokv-model calibrate: c_line_us (and deploy_uplink_Bps) with standard errors; rejected\n"
          "     when outside the bounds or off the patent by more than the tolerance at some N, saying\n"
          "     which part of the curve is missing;\n"
          "  3. a verification sweep at the fit and a secant re-linearisation there; a second\n"
          "     verification when that moves c_line_us by more than its s.e. and 2 % (--iterations 2);\n"
          "  4. the value(s) written into the profile (sim/cb/profiles/NAME.json for a built-in name,\n"
          "     else the FILE) with their source, only when the fit was accepted and verified;\n"
          "  5. the prediction: a sweep of mode after at the fitted value(s);\n"
          "  6. <out>/<calib-id>/calibration.md and calibration.json (printed), steps.json, fit-*.json.\n"
          "\n"
          "options:\n"
          "  --n LIST            agent counts (default 10,20,30,40,50)\n"
          "  --reps R            repetitions per sweep and N (default 1)\n"
          "  --seed S            the one seed of every sweep (default: from the clock)\n"
          "  --profile NAME|FILE the profile to calibrate (default patent-2022; its cost model must be on)\n"
          "  --c0 US, --c1 US    the probes' c_line_us (default 30 and 90)\n"
          "  --uplink on|off     also fit deploy_uplink_Bps (default on; falls back to c_line_us alone\n"
          "                      when the before curve cannot determine it)\n"
          "  --b2 BPS            the uplink probe's deploy_uplink_Bps (default 30e6)\n"
          "  --iterations 1|2    verification sweeps at most (default 2)\n"
          "  --max-rel-resid F   tolerance at every N, a fraction (default 0.2)\n"
          "  --c-bounds LO,HI    bounds of c_line_us in us (default 5,500)\n"
          "  --ref DIR           the patent's numbers (default results/reference)\n"
          "  --out DIR           where the calibration directory goes (default results)\n"
          "  --rtt-scale F, --delay-scale F, --timeout DUR, --etcd-fsync on|off\n"
          "                      passed on to every sweep (see run --help)\n"
          "  --dry-run           print the plan (every command) and exit\n"
          "\n"
          "Exit status: 0 fit accepted, profile written, every run green; 1 fit rejected or a run\n"
          "failed (the report says which); 2 bad options or set-up; 128+signal when stopped.\n",
          f);
}
