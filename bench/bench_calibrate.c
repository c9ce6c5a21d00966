/* bench_calibrate.c: `geokv-bench calibrate` (see bench_calibrate.h).
 *
 * Each sweep is this program's `run` in a child process, and each fit is
 * geokv-model: the sweeps stay exactly what `geokv-bench run` does (same
 * records, same checks, resumable by hand), and the statistics stay in the
 * model module, which bench does not link. A child runs in its own process
 * group: Ctrl-C reaches only this process, which passes the signal on once,
 * so the run stops cleanly (its finished runs recorded) and the calibration
 * stops after it.
 */
#include "bench/bench_calibrate.h"
#include "bench/bench_child.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_calib_opts.h"
#include "bench/bench_calib_profile.h"
#include "bench/bench_results.h"
#include "sim/cb/cb_profile.h"
#include "sim/util/util_err.h"
#include "sim/util/util_fs.h"
#include "sim/util/util_proc.h"
#include "sim/util/util_version.h"

#define C_NAME "c_line_us"
#define B_NAME "deploy_uplink_Bps"

bool bench_calib_should_refine(double c_prev, double c_next, double se)
{
    double move = fabs(c_next - c_prev);
    return isfinite(move) && move > fmax(isfinite(se) ? se : 0, 0.02 * fabs(c_prev));
}

/* ---- the orchestration ---- */

typedef struct calib_ctx {
    bench_calib_opts o;
    char self[PATH_MAX], model[PATH_MAX + 16];
    char id[96];
    char dir[BENCH_PATH_LEN + 128];
    char git[128];
    char profile_path[PATH_MAX];
    double b0;                       /* the profile's deploy_uplink_Bps (the prior) */
    json_t *steps;                   /* steps.json */
    char probe[3][PATH_MAX];         /* run directories of the probes */
    int runs_failed;                 /* a sweep exited 1 */
    int step, nsteps;
} calib_ctx;

static void progress(calib_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress(calib_ctx *c, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "geokv-bench calibrate: ");
    if (c->step > 0)
        fprintf(stderr, "[%d/%d] ", c->step, c->nsteps);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static int save_steps(calib_ctx *c)
{
    char err[512];
    if (c->o.dry_run)
        return 0;
    if (bench_write_json_atomic(c->dir, "steps.json", c->steps, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-bench calibrate: %s\n", err);
        return -1;
    }
    return 0;
}

/* Runs argv (argv[0] a path) as a child in its own process group
 * (bench_child), stdout to out_path (NULL: to our stderr, keeping our
 * stdout for the report). Returns its exit status, 128+signal when it died
 * of one, -1 when it could not be started. */
static int run_child(char *const *argv, const char *out_path)
{
    int fd = -1;
    if (out_path && (fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
        fprintf(stderr, "geokv-bench calibrate: cannot create %s: %s\n", out_path, strerror(errno));
        return -1;
    }
    int rc = bench_child_run(argv, fd >= 0 ? fd : STDERR_FILENO, -1);
    if (fd >= 0)
        close(fd);
    return rc;
}

/* A value for a command line (fmt NULL: exact, num()); "<fitted>" in a
 * plan, where it is not known yet. */
static void value_text(double v, const char *fmt, char *out, size_t len)
{
    if (isnan(v))
        snprintf(out, len, "<fitted>");
    else if (fmt == NULL)
        bench_calib_num(v, out, len);
    else
        snprintf(out, len, fmt, v);
}

/* The value as a sweep runs it and the profile records it: c_line_us to six
 * significant digits, deploy_uplink_Bps to whole bytes/s. */
static double as_run(double v, bool is_b)
{
    char buf[64];
    if (isnan(v))
        return v;
    snprintf(buf, sizeof buf, is_b ? "%.0f" : "%.6g", v);
    return strtod(buf, NULL);
}

static json_t *settings_json(double c, double b, bool with_b, bool from_profile)
{
    json_t *s = json_object();
    json_object_set_new(s, C_NAME, json_real(c));
    if (with_b)
        json_object_set_new(s, B_NAME, json_real(b));
    if (from_profile)
        json_object_set_new(s, "from", json_string("the profile as written"));
    return s;
}

/* One sweep into <dir>/<name>/<run-id>/; its run directory into run_dir.
 * Returns the run's exit status (0 green, 1 a run failed), or >= 2. */
static int do_sweep(calib_ctx *c, const char *name, const char *role, const char *mode, double cval, double bval,
                    bool set_b, bool use_profile_values, char *run_dir, size_t run_dir_len)
{
    char sets[2][160], out_dir[sizeof c->dir + 64], link[sizeof out_dir + 16], line[8192];
    const char *setp[2] = {sets[0], sets[1]};
    size_t nsets = 0;
    bench_argv *a = malloc(sizeof *a);
    int rc;
    if (!a)
        return 2;
    char cs[32], bs[32];
    value_text(cval, "%.6g", cs, sizeof cs);
    value_text(bval, "%.0f", bs, sizeof bs);
    if (!use_profile_values) {
        snprintf(sets[nsets++], sizeof sets[0], C_NAME "=%s", cs);
        if (set_b)
            snprintf(sets[nsets++], sizeof sets[0], B_NAME "=%s", bs);
    }
    snprintf(out_dir, sizeof out_dir, "%s/%s", c->dir, name);
    bench_calib_run_argv(&c->o, c->self, mode, c->o.profile, setp, nsets, out_dir, a);
    c->step++;
    if (c->o.dry_run) {
        bench_argv_format(a, line, sizeof line);
        printf("%d. %s (%s, mode %s): %s\n", c->step, name, role, mode, line);
        snprintf(run_dir, run_dir_len, "%s/<run-id>", out_dir);
        free(a);
        return 0;
    }
    progress(c, "%s: %s sweep, mode %s, %zu runs, at %s = %s us%s%s%s", name, role, mode,
             c->o.run.n_n * (size_t)c->o.run.reps, C_NAME, cs, set_b ? ", " B_NAME " = " : "", set_b ? bs : "",
             set_b ? " B/s" : "");
    rc = a->overflow ? -1 : run_child(a->v, NULL);
    free(a);
    if (rc < 0)
        return 2;
    snprintf(link, sizeof link, "%s/latest", out_dir);
    if (rc < 2 && realpath(link, run_dir) == NULL) {
        fprintf(stderr, "geokv-bench calibrate: the %s sweep left no %s\n", name, link);
        rc = 2;
    }
    if (rc == 1)
        c->runs_failed = 1;
    json_t *sw = json_pack("{s:s,s:s,s:s,s:i}", "name", name, "role", role, "mode", mode, "status", rc);
    json_object_set_new(sw, "settings", settings_json(cval, bval, set_b, use_profile_values));
    if (rc < 2) {
        const char *slash = strrchr(run_dir, '/');
        json_object_set_new(sw, "dir", json_string(run_dir));
        json_object_set_new(sw, "run_id", json_string(slash ? slash + 1 : run_dir));
    }
    json_array_append_new(json_object_get(c->steps, "sweeps"), sw);
    if (save_steps(c) != 0)
        return 2;
    progress(c, "%s: %s (%s)", name, rc == 0 ? "done, every run green" : rc == 1 ? "done, a run FAILED" : "stopped",
             rc < 2 ? run_dir : out_dir);
    return rc;
}

/* geokv-model calibrate with the probes plus extra options; its JSON (from
 * <dir>/<file>) into *fit. Returns 0 accepted, 1 rejected, 2 failed. */
static int do_fit(calib_ctx *c, const char *file, const char *what, const bench_argv *extra, json_t **fit)
{
    char path[sizeof c->dir + 64], line[8192], ref[BENCH_PATH_LEN + 32];
    bench_argv *a = malloc(sizeof *a);
    json_error_t je;
    if (!a)
        return 2;
    bench_argv_init(a);
    bench_argv_add(a, "%s", c->model);
    bench_argv_add(a, "calibrate");
    bench_argv_add(a, "--probe0");
    bench_argv_add(a, "%s", c->probe[0]);
    bench_argv_add(a, "--c0");
    bench_argv_add(a, "%.17g", c->o.c0);
    bench_argv_add(a, "--probe1");
    bench_argv_add(a, "%s", c->probe[1]);
    bench_argv_add(a, "--c1");
    bench_argv_add(a, "%.17g", c->o.c1);
    if (c->o.uplink) {
        bench_argv_add(a, "--probe2");
        bench_argv_add(a, "%s", c->probe[2]);
        bench_argv_add(a, "--b0");
        bench_argv_add(a, "%.17g", c->b0);
        bench_argv_add(a, "--b2");
        bench_argv_add(a, "%.17g", c->o.b2);
    }
    snprintf(ref, sizeof ref, "%s/patent-fig7.csv", c->o.ref);
    bench_argv_add(a, "--patent");
    bench_argv_add(a, "%s", ref);
    bench_argv_add(a, "--c-bounds");
    bench_argv_add(a, "%.17g,%.17g", c->o.c_lo, c->o.c_hi);
    if (c->o.max_rel_resid > 0) {
        bench_argv_add(a, "--max-rel-resid");
        bench_argv_add(a, "%.17g", c->o.max_rel_resid);
    }
    for (size_t i = 0; extra && i < extra->n; i++)
        bench_argv_add(a, "%s", extra->v[i]);
    bench_argv_add(a, "--json");
    snprintf(path, sizeof path, "%s/%s", c->dir, file);
    c->step++;
    if (c->o.dry_run) {
        bench_argv_format(a, line, sizeof line);
        printf("%d. %s: %s > %s\n", c->step, what, line, path);
        free(a);
        return 0;
    }
    progress(c, "%s -> %s", what, path);
    int rc = a->overflow ? -1 : run_child(a->v, path);
    free(a);
    if (rc != 0 && rc != 1) {
        fprintf(stderr, "geokv-bench calibrate: geokv-model calibrate failed (exit %d)\n", rc);
        return 2;
    }
    *fit = json_load_file(path, 0, &je);
    if (!*fit) {
        fprintf(stderr, "geokv-bench calibrate: %s: %s\n", path, je.text);
        return 2;
    }
    json_t *p0 = json_array_get(json_object_get(*fit, "params"), 0);
    progress(c, "fit: %s = %.5g +- %.3g us; %s", C_NAME, json_number_value(json_object_get(p0, "value")),
             json_number_value(json_object_get(p0, "se")), json_string_value(json_object_get(*fit, "verdict")));
    if (json_is_string(json_object_get(*fit, "fallback")))
        progress(c, "%s not fitted: %s", B_NAME, json_string_value(json_object_get(*fit, "fallback")));
    return rc;
}

/* The fit's value of parameter name within its bounds; dflt when absent. */
static double fit_value(const json_t *fit, const char *name, double dflt, double *se)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(fit, "params"), i, p) {
        const char *pn = json_string_value(json_object_get(p, "name"));
        if (pn && strcmp(pn, name) == 0) {
            if (se)
                *se = json_number_value(json_object_get(p, "se"));
            return json_number_value(json_object_get(p, "clamped"));
        }
    }
    if (se)
        *se = NAN;
    return dflt;
}

/* Whether every point of a fit linearised at a verification sweep has the
 * verification (its base) within the tolerance of the patent. */
static bool base_within(const json_t *fit)
{
    double tol = json_number_value(json_object_get(fit, "max_rel_resid"));
    size_t i;
    json_t *pt;
    json_array_foreach(json_object_get(fit, "points"), i, pt) {
        double p = json_number_value(json_object_get(pt, "patent_s"));
        double b = json_number_value(json_object_get(pt, "base_s"));
        if (!(fabs(p - b) <= tol * fabs(p)))
            return false;
    }
    return json_array_size(json_object_get(fit, "points")) > 0;
}

typedef struct calib_iter {
    json_t *fit;                     /* the fit whose value was verified */
    char fit_file[32];
    double c, se, b;
    bool has_b;
    char verify_dir[PATH_MAX];
    json_t *at_verify;               /* the fit re-linearised at the verification */
    char at_file[32];
} calib_iter;

static void record_iteration(calib_ctx *c, const calib_iter *it)
{
    json_t *p0 = json_array_get(json_object_get(it->fit, "params"), 0);
    const char *slash = strrchr(it->verify_dir, '/');
    json_t *j = json_pack("{s:s,s:f,s:f,s:f,s:s,s:s,s:s}", "fit", it->fit_file, "linearised_at",
                          json_number_value(json_object_get(p0, "linearised_at")), C_NAME, it->c, "se", it->se,
                          "verify", it->verify_dir, "verify_run_id", slash ? slash + 1 : it->verify_dir,
                          "fit_at_verify", it->at_file);
    json_object_set_new(j, B_NAME, it->has_b ? json_real(it->b) : json_null());
    json_object_set_new(j, "verify_sse", json_object_get(it->at_verify, "sse_base")
                                             ? json_deep_copy(json_object_get(it->at_verify, "sse_base"))
                                             : json_null());
    json_object_set_new(j, "verify_within_tolerance", json_boolean(it->at_verify && base_within(it->at_verify)));
    json_array_append_new(json_object_get(c->steps, "iterations"), j);
}

/* Verifies the value of it->fit: a before sweep there, then the fit
 * re-linearised at it (secant with prev's verification when given). */
static int verify(calib_ctx *c, calib_iter *it, const calib_iter *prev, int k)
{
    char name[32], what[96];
    bench_argv *extra = malloc(sizeof *extra);
    int rc;
    if (!extra)
        return 2;
    snprintf(name, sizeof name, "verify-%d", k);
    rc = do_sweep(c, name, "verification", "before", it->c, it->b, it->has_b, false, it->verify_dir,
                  sizeof it->verify_dir);
    if (rc >= 2)
        goto cleanup;
    bench_argv_init(extra);
    bench_argv_add(extra, "--base");
    bench_argv_add(extra, "%s", it->verify_dir);
    char v[32];
    value_text(it->c, NULL, v, sizeof v);
    bench_argv_add(extra, "--base-c");
    bench_argv_add(extra, "%s", v);
    value_text(it->b, NULL, v, sizeof v);
    bench_argv_add(extra, "--base-b");
    bench_argv_add(extra, "%s", v);
    if (prev) {
        bench_argv_add(extra, "--secant");
        bench_argv_add(extra, "%s", prev->verify_dir);
        value_text(prev->c, NULL, v, sizeof v);
        bench_argv_add(extra, "--secant-c");
        bench_argv_add(extra, "%s", v);
        value_text(prev->b, NULL, v, sizeof v);
        bench_argv_add(extra, "--secant-b");
        bench_argv_add(extra, "%s", v);
    }
    snprintf(it->at_file, sizeof it->at_file, "fit-at-verify-%d.json", k);
    snprintf(what, sizeof what, "the fit re-linearised at %s (secant step)", name);
    rc = do_fit(c, it->at_file, what, extra, &it->at_verify);
    if (rc >= 2)
        goto cleanup;
    if (!c->o.dry_run) {
        record_iteration(c, it);
        if (save_steps(c) != 0)
            rc = 2;
    }
    rc = rc >= 2 ? rc : 0;
cleanup:
    free(extra);
    return rc;
}

static void iter_from_fit(calib_ctx *c, calib_iter *it, json_t *fit, const char *file)
{
    memset(it, 0, sizeof *it);
    it->fit = fit;
    snprintf(it->fit_file, sizeof it->fit_file, "%s", file);
    it->c = as_run(fit_value(fit, C_NAME, c->o.c0, &it->se), false);
    it->has_b = json_array_size(json_object_get(fit, "params")) > 1;
    it->b = as_run(fit_value(fit, B_NAME, c->b0, NULL), true);
    if (c->o.dry_run) {
        it->c = NAN;
        it->b = c->o.uplink ? NAN : c->b0;
        it->has_b = c->o.uplink;
    }
}

/* The source string written beside a fitted value. */
static void source_text(calib_ctx *c, const calib_iter *it, double value, double se, const char *unit, char *out,
                        size_t len)
{
    size_t used = (size_t)snprintf(out, len, "fitted on FIG. 7 before only: %.6g +- %.3g %s, runs ", value, se, unit);
    size_t i;
    json_t *sw;
    json_array_foreach(json_object_get(c->steps, "sweeps"), i, sw) {
        const char *role = json_string_value(json_object_get(sw, "role"));
        const char *dir = json_string_value(json_object_get(sw, "dir"));
        const char *id = json_string_value(json_object_get(sw, "run_id"));
        if (!role || !id || used >= len)
            continue;
        bool probe = strcmp(role, "probe") == 0;
        bool final_verify = dir && strcmp(dir, it->verify_dir) == 0;
        if (probe || final_verify)
            used += (size_t)snprintf(out + used, len - used, "%s%s", out[used - 1] == ' ' ? "" : ", ", id);
    }
    if (used < len)
        snprintf(out + used, len - used, " (%.100s), commit %.100s", c->id, c->git);
}

static int write_profile(calib_ctx *c, const calib_iter *it)
{
    char src[1024], err[1024];
    json_t *prof = json_object_get(c->steps, "profile");
    source_text(c, it, it->c, it->se, "us", src, sizeof src);
    json_t *v = json_real(it->c);
    int rc = bench_calib_profile_write(c->profile_path, C_NAME, v, src, err, sizeof err);
    json_decref(v);
    json_object_set_new(prof, "source", json_string(src));
    if (rc == 0 && it->has_b) {
        double se_b = NAN;
        fit_value(it->fit, B_NAME, c->b0, &se_b);
        source_text(c, it, it->b, se_b, "B/s", src, sizeof src);
        v = json_integer((json_int_t)llround(it->b));
        rc = bench_calib_profile_write(c->profile_path, B_NAME, v, src, err, sizeof err);
        json_decref(v);
        json_object_set_new(prof, "source_" B_NAME, json_string(src));
    }
    if (rc != 0) {
        fprintf(stderr, "geokv-bench calibrate: cannot write the profile: %s\n", err);
        json_object_set_new(prof, "why_not", json_string(err));
        return -1;
    }
    json_object_set_new(prof, "written", json_true());
    progress(c, "wrote %s = %.6g us%s into %s", C_NAME, it->c, it->has_b ? " and " B_NAME : "", c->profile_path);
    return 0;
}

static int report(calib_ctx *c)
{
    bench_argv *a = malloc(sizeof *a);
    char line[4096];
    if (!a)
        return 2;
    bench_argv_init(a);
    bench_argv_add(a, "%s", c->model);
    bench_argv_add(a, "calibrate-report");
    bench_argv_add(a, "--dir");
    bench_argv_add(a, "%s", c->dir);
    bench_argv_add(a, "--ref");
    bench_argv_add(a, "%s", c->o.ref);
    c->step++;
    if (c->o.dry_run) {
        bench_argv_format(a, line, sizeof line);
        printf("%d. report: %s (calibration.md, calibration.json)\n", c->step, line);
        free(a);
        return 0;
    }
    progress(c, "report");
    fflush(stdout);
    /* the report's stdout is ours: run it with stdout kept */
    int rc = -1;
    pid_t pid = fork();
    if (pid == 0) {
        execv(a->v[0], a->v);
        _exit(127);
    }
    if (pid > 0) {
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    }
    free(a);
    return rc == 0 ? 0 : 2;
}

static int setup(calib_ctx *c, char *err, size_t err_len)
{
    cb_profile *p = malloc(sizeof *p);
    ssize_t n = readlink("/proc/self/exe", c->self, sizeof c->self - 1);
    int rc = -1;
    if (!p)
        return -1;
    if (n <= 0) {
        util_seterr(err, err_len, "cannot find this program (/proc/self/exe): %s", strerror(errno));
        goto cleanup;
    }
    c->self[n] = '\0';
    snprintf(c->model, sizeof c->model, "%s", c->self);
    char *slash = strrchr(c->model, '/');
    snprintf(slash ? slash + 1 : c->model, sizeof c->model - (size_t)(slash ? slash + 1 - c->model : 0),
             "geokv-model");
    if (access(c->model, X_OK) != 0) {
        util_seterr(err, err_len, "geokv-model is not beside %s: build it with `make`", c->self);
        goto cleanup;
    }
    if (cb_profile_load(c->o.profile, p, err, err_len) != 0)
        goto cleanup;
    if (!p->cost_model) {
        util_seterr(err, err_len, "profile %s has its cost model off, so c_line_us changes nothing: calibrate a "
                    "profile with \"cost_model\" on (patent-2022)", c->o.profile);
        goto cleanup;
    }
    if (realpath(p->path, c->profile_path) == NULL) {
        util_seterr(err, err_len, "profile %s: %s: %s", c->o.profile, p->path, strerror(errno));
        goto cleanup;
    }
    c->b0 = p->deploy.uplink_Bps;
    if (c->o.uplink && c->o.b2 == c->b0) {
        util_seterr(err, err_len, "--b2 equals the profile's deploy_uplink_Bps (%g): the uplink probe must differ",
                    c->b0);
        goto cleanup;
    }
    if (!c->o.run.seed_given) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        c->o.run.seed = ((uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec * 1000003ULL ^ (uint64_t)getpid()) % 100000000ULL;
        c->o.run.seed_given = true;
    }
    char rid[64];
    bench_run_id(time(NULL), c->o.run.seed, rid, sizeof rid);
    snprintf(c->id, sizeof c->id, "calib-%s", rid);
    snprintf(c->dir, sizeof c->dir, "%s/%s", c->o.out, c->id);
    rc = 0;
cleanup:
    free(p);
    return rc;
}

static json_t *steps_new(calib_ctx *c)
{
    char created[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *nl = json_array();
    for (size_t i = 0; i < c->o.run.n_n; i++)
        json_array_append_new(nl, json_integer(c->o.run.n[i]));
    json_t *opts = json_pack("{s:o,s:i,s:f,s:f,s:f,s:f,s:b,s:f,s:i,s:f,s:f,s:f,s:s,s:b}", "n", nl, "reps",
                             c->o.run.reps,
                             "c0", c->o.c0, "c1", c->o.c1, "b0", c->b0, "b2", c->o.b2, "uplink", c->o.uplink,
                             "max_rel_resid", c->o.max_rel_resid, "iterations", c->o.iterations, "rtt_scale",
                             c->o.run.rtt_scale, "delay_scale", c->o.run.delay_scale, "timeout_s", c->o.run.timeout_s,
                             "ref", c->o.ref, "etcd_fsync", c->o.run.etcd_fsync);
    json_object_set_new(opts, "c_bounds", json_pack("[f,f]", c->o.c_lo, c->o.c_hi));
    return json_pack("{s:s,s:s,s:s,s:I,s:s,s:o,s:{s:s,s:s,s:b,s:s},s:[],s:[],s:{}}", "calib_id", c->id, "created",
                     created, "git_describe", c->git, "seed", (json_int_t)c->o.run.seed, "status", "running",
                     "options", opts, "profile", "given", c->o.profile, "path", c->profile_path, "written", 0,
                     "why_not", "not yet", "sweeps", "iterations", "final");
}

static void set_status(calib_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_status(calib_ctx *c, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    json_object_set_new(c->steps, "status", json_string(buf));
    save_steps(c);
}

/* A child's status that ends the calibration: 2 or a signal's. */
static int fatal(calib_ctx *c, int rc, const char *what)
{
    if (bench_child_stop_sig) {
        set_status(c, "stopped by signal %d during %s", (int)bench_child_stop_sig, what);
        fprintf(stderr, "geokv-bench calibrate: stopped during %s; what was done is in %s\n", what, c->dir);
        return 128 + (int)bench_child_stop_sig;
    }
    set_status(c, "failed during %s (exit %d)", what, rc);
    fprintf(stderr, "geokv-bench calibrate: %s failed (exit %d); see %s\n", what, rc, c->dir);
    return rc >= 128 ? rc : 2;
}

static int calibrate(calib_ctx *c)
{
    static const char *const probe_names[3] = {"probe-c0", "probe-c1", "probe-b2"};
    calib_iter it[2];
    json_t *fit1 = NULL;
    int rc, nit = 0, status;
    memset(it, 0, sizeof it);

    for (int k = 0; k < (c->o.uplink ? 3 : 2); k++) {
        double cv = k == 1 ? c->o.c1 : c->o.c0;
        rc = do_sweep(c, probe_names[k], "probe", "before", cv, k == 2 ? c->o.b2 : c->b0, c->o.uplink, false,
                      c->probe[k], sizeof c->probe[k]);
        if (rc >= 2 || bench_child_stop_sig)
            return fatal(c, rc, probe_names[k]);
    }
    rc = do_fit(c, "fit-1.json", "the fit on the probes", NULL, &fit1);
    iter_from_fit(c, &it[0], fit1, "fit-1.json");   /* it[0] owns fit1 */
    if (rc >= 2 || bench_child_stop_sig) {
        status = fatal(c, rc, "the fit");
        goto cleanup;
    }
    if (c->o.dry_run)
        printf("   (the sweeps below run at the fitted value, within its bounds)\n");
    rc = verify(c, &it[0], NULL, 1);
    if (rc >= 2 || bench_child_stop_sig) {
        status = fatal(c, rc, "verify-1");
        goto cleanup;
    }
    nit = 1;
    if (c->o.iterations >= 2) {
        double next = c->o.dry_run ? NAN : fit_value(it[0].at_verify, C_NAME, it[0].c, NULL);
        bool in_bounds = c->o.dry_run || json_is_true(json_object_get(it[0].at_verify, "in_bounds"));
        if (c->o.dry_run) {
            printf("   (only when the secant step moves %s by more than its s.e. and 2 %%:)\n", C_NAME);
        } else if (!in_bounds || !bench_calib_should_refine(it[0].c, next, it[0].se)) {
            progress(c, "no second verification: the secant step goes to %s = %.5g us (%s)", C_NAME, next,
                     in_bounds ? "within the first fit's standard error or 2 %" : "out of bounds");
        }
        if (c->o.dry_run || (in_bounds && bench_calib_should_refine(it[0].c, next, it[0].se))) {
            iter_from_fit(c, &it[1], json_incref(it[0].at_verify), it[0].at_file);
            rc = verify(c, &it[1], &it[0], 2);
            if (rc >= 2 || bench_child_stop_sig) {
                status = fatal(c, rc, "verify-2");
                goto cleanup;
            }
            nit = 2;
        }
    }
    /* the verified value closest to the patent's before */
    int best = 0;
    for (int k = 1; k < nit; k++)
        if (json_number_value(json_object_get(it[k].at_verify, "sse_base")) <
            json_number_value(json_object_get(it[0].at_verify, "sse_base")))
            best = k;
    const calib_iter *fin = &it[best];
    bool accepted = json_is_true(json_object_get(fin->fit, "accepted"));
    bool verified = fin->at_verify && base_within(fin->at_verify);
    json_t *prof = json_object_get(c->steps, "profile");
    c->step++;
    if (c->o.dry_run) {
        printf("%d. write %s%s into %s with the source \"fitted on FIG. 7 before only: ...\" (only when the fit is "
               "accepted and its verification within the tolerance at every N)\n", c->step, C_NAME,
               c->o.uplink ? " (and " B_NAME " unless the fit falls back)" : "", c->profile_path);
    } else if (accepted && verified) {
        if (write_profile(c, fin) != 0) {
            status = fatal(c, 2, "writing the profile");
            goto cleanup;
        }
    } else {
        json_object_set_new(prof, "why_not", json_string(!accepted ? "the fit was rejected"
                                                                   : "the verification sweep is off the patent's "
                                                                     "before by more than the tolerance at some N"));
        progress(c, "the profile is left unchanged: %s", json_string_value(json_object_get(prof, "why_not")));
    }
    json_t *final = json_object_get(c->steps, "final");
    if (!c->o.dry_run) {
        json_object_set_new(final, "fit", json_string(fin->fit_file));
        json_object_set_new(final, "verify", json_string(fin->verify_dir));
        json_object_set_new(final, "accepted", json_boolean(accepted));
        json_object_set_new(final, "verified", json_boolean(verified));
        json_object_set_new(c->steps, "run_" C_NAME, json_real(fin->c));
        json_object_set_new(final, "run_" C_NAME, json_real(fin->c));
        json_object_set_new(final, "run_" B_NAME, json_real(fin->b));
        save_steps(c);
    }
    char pdir[PATH_MAX];
    bool written = json_is_true(json_object_get(prof, "written"));
    rc = do_sweep(c, "predict", "PREDICTION", "after", fin->c, fin->b, fin->has_b, written, pdir, sizeof pdir);
    if (rc >= 2 || bench_child_stop_sig) {
        status = fatal(c, rc, "the prediction");
        goto cleanup;
    }
    if (!c->o.dry_run) {
        json_object_set_new(final, "predict", json_string(pdir));
        set_status(c, "%s", !accepted         ? "rejected"
                            : !verified       ? "not verified"
                            : c->runs_failed  ? "complete, a run failed"
                                              : "complete");
    }
    if (report(c) != 0) {
        status = fatal(c, 2, "the report");
        goto cleanup;
    }
    status = c->o.dry_run || (accepted && verified && !c->runs_failed) ? 0 : 1;
cleanup:
    for (int k = 0; k < 2; k++) {
        json_decref(it[k].fit);
        json_decref(it[k].at_verify);
    }
    return status;
}

int bench_calibrate_main(int argc, char **argv)
{
    calib_ctx *c = calloc(1, sizeof *c);
    char err[1200];
    int status = 2;
    if (!c) {
        fprintf(stderr, "geokv-bench calibrate: out of memory\n");
        return 2;
    }
    bench_calib_opts_default(&c->o);
    int pr = bench_calib_opts_parse(argc, argv, &c->o, err, sizeof err);
    if (pr != 0) {
        if (pr > 0)
            bench_calib_usage(stdout);
        else
            fprintf(stderr, "geokv-bench calibrate: %s\n", err);
        status = pr > 0 ? 0 : 2;
        goto cleanup;
    }
    if (setup(c, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-bench calibrate: %s\n", err);
        goto cleanup;
    }
    snprintf(c->git, sizeof c->git, "%s", util_version_git);   /* this build's, not the tree's */
    c->nsteps = (c->o.uplink ? 3 : 2) + 1 + 2 * c->o.iterations + 1 + 1 + 1;
    c->steps = steps_new(c);
    if (c->o.dry_run) {
        char nlist[512] = "";
        for (size_t i = 0, used = 0; i < c->o.run.n_n && used < sizeof nlist; i++)
            used += (size_t)snprintf(nlist + used, sizeof nlist - used, "%s%d", i ? "," : "", c->o.run.n[i]);
        printf("geokv-bench calibrate: plan, seed %llu, into %s (nothing is run)\n",
               (unsigned long long)c->o.run.seed, c->dir);
        status = calibrate(c);
        size_t per = c->o.run.n_n * (size_t)c->o.run.reps, probes = c->o.uplink ? 3 : 2;
        printf("(step %d runs with the profile as written, without --profile-set, when step %d wrote it)\n"
               "%zu to %zu runs: sweeps of %zu (N = %s, %d repetition%s each)\n", c->step - 1, c->step - 2,
               (probes + 2) * per, (probes + 1 + (size_t)c->o.iterations) * per, per, nlist, c->o.run.reps,
               c->o.run.reps > 1 ? "s" : "");
        goto cleanup;
    }
    if (util_mkdirs(c->dir, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-bench calibrate: %s\n", err);
        goto cleanup;
    }
    if (save_steps(c) != 0)
        goto cleanup;
    bench_child_install_stop();
    progress(c, "%s: seed %llu, profile %s, into %s", c->id, (unsigned long long)c->o.run.seed, c->profile_path,
             c->dir);
    status = calibrate(c);
    progress(c, "finished (exit %d); everything is in %s", status, c->dir);
cleanup:
    json_decref(c->steps);
    free(c);
    return status;
}
