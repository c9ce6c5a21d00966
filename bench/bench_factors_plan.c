/* bench_factors_plan.c: the design, command lines and wall-time estimate of
 * `geokv-bench factors` (see bench_factors_plan.h). */
#include "bench/bench_factors_plan.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util/util_err.h"
#include "sim/util/util_list.h"

const bench_fac_def bench_fac_defs[BENCH_FAC_K] = {
    {"region", "controller region", {"seoul", "useast1"}, {"Seoul", "us-east-1"},
     {"Seoul (the topology's controller_region, " BENCH_FAC_NEAR_REGION ")", "us-east-1 (" BENCH_FAC_FAR_REGION ")"},
     {"(the topology's)", "--controller-region " BENCH_FAC_FAR_REGION}},
    {"start", "start schedule", {"all", "deploy"}, {"start all", "deploy"},
     {"all agents at once", "the original's deploy script"},
     {"--start all", "--start deploy"}},
    {"cost", "cost model", {"costoff", "coston"}, {"cost off", "cost on"},
     {"off", "on, the profile's values (calibrated once calibration wrote them)"},
     {"--profile-set cost_model=false", "(the profile as written)"}},
    {"lock", "init lock", {"lockon", "lockoff"}, {"lock on", "lock off"},
     {"on (the patent's after mode)", "off"},
     {"--init-lock on", "--init-lock off"}},
};

#define ALL_FACTORS ((1u << BENCH_FAC_K) - 1u)

void bench_fac_opts_default(bench_fac_opts *o)
{
    memset(o, 0, sizeof *o);
    o->n[0] = 20;
    o->n[1] = 40;
    o->n_n = 2;
    o->reps = 1;
    o->rtt_scale = 1.0;
    o->delay_scale = 1.0;
    o->etcd_fsync = -1;
    o->factors = ALL_FACTORS;
    snprintf(o->profile, sizeof o->profile, "patent-2022");
    snprintf(o->out, sizeof o->out, "results");
}

void bench_fac_mask_text(unsigned mask, char *out, size_t len)
{
    size_t used = 0;
    if (len == 0)
        return;
    out[0] = '\0';
    for (int f = 0; f < BENCH_FAC_K && used < len; f++)
        if (mask & (1u << f))
            used += (size_t)snprintf(out + used, len - used, "%s%s", used ? "," : "", bench_fac_defs[f].key);
}

int bench_fac_mask_parse(const char *s, unsigned *mask, char *err, size_t err_len)
{
    char buf[256], *save = NULL, *tok;
    unsigned m = 0;
    if (s == NULL || *s == '\0' || strlen(s) >= sizeof buf) {
        util_seterr(err, err_len, "--factors: expected a comma-separated list of region, start, cost, lock");
        return -1;
    }
    if (util_list_has_empty(s, ',')) {
        util_seterr(err, err_len, "--factors: empty item in '%s' (a comma at an end or two in a row)", s);
        return -1;
    }
    snprintf(buf, sizeof buf, "%s", s);
    for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        int f = 0;
        while (f < BENCH_FAC_K && strcmp(tok, bench_fac_defs[f].key) != 0)
            f++;
        if (f == BENCH_FAC_K) {
            util_seterr(err, err_len, "--factors: unknown factor '%s' (region, start, cost, lock)", tok);
            return -1;
        }
        if (m & (1u << f)) {
            util_seterr(err, err_len, "--factors: '%s' is listed twice", tok);
            return -1;
        }
        m |= 1u << f;
    }
    if (m == 0) {
        util_seterr(err, err_len, "--factors: expected a comma-separated list of region, start, cost, lock");
        return -1;
    }
    *mask = m;
    return 0;
}

/* ---- the command line ---- */

static int parse_num(const char *opt, const char *s, double lo, double hi, double *out, char *err, size_t err_len)
{
    char *end = NULL;
    errno = 0;
    double v = s ? strtod(s, &end) : NAN;
    if (s == NULL || *s == '\0' || errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < lo || v > hi) {
        util_seterr(err, err_len, "%s: '%s' is not a number in [%g, %g]", opt, s ? s : "", lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

static int copy_text(const char *opt, const char *s, char *dst, size_t len, char *err, size_t err_len)
{
    if (s == NULL || *s == '\0' || strlen(s) >= len) {
        util_seterr(err, err_len, "%s: expected a value of 1 to %zu characters", opt, len - 1);
        return -1;
    }
    snprintf(dst, len, "%s", s);
    return 0;
}

/* One option with its value (name and val split already). */
static int parse_valued(const char *name, const char *val, bench_fac_opts *o, char *err, size_t err_len)
{
    double v;
    if (strcmp(name, "--n") == 0)
        return bench_parse_n_list(val, o->n, &o->n_n, err, err_len);
    if (strcmp(name, "--reps") == 0) {
        if (parse_num(name, val, 1, 1000, &v, err, err_len) != 0 || v != floor(v)) {
            util_seterr(err, err_len, "--reps: '%s' is not a count between 1 and 1000", val);
            return -1;
        }
        o->reps = (int)v;
        return 0;
    }
    if (strcmp(name, "--seed") == 0) {
        char *end = NULL;
        errno = 0;
        unsigned long long s = strtoull(val, &end, 10);
        if (*val == '\0' || *val == '-' || errno != 0 || *end != '\0') {
            util_seterr(err, err_len, "--seed: '%s' is not a non-negative integer", val);
            return -1;
        }
        o->seed = (uint64_t)s;
        o->seed_given = true;
        return 0;
    }
    if (strcmp(name, "--rtt-scale") == 0)
        return parse_num(name, val, 0.01, 100, &o->rtt_scale, err, err_len);
    if (strcmp(name, "--delay-scale") == 0)
        return parse_num(name, val, 0.01, 100, &o->delay_scale, err, err_len);
    if (strcmp(name, "--timeout") == 0) {
        if (bench_parse_duration(val, &o->timeout_s) != 0 || o->timeout_s <= 0) {
            util_seterr(err, err_len, "--timeout: '%s' is not a duration such as 600s or 10m", val);
            return -1;
        }
        return 0;
    }
    if (strcmp(name, "--etcd-fsync") == 0) {
        if (strcmp(val, "on") != 0 && strcmp(val, "off") != 0) {
            util_seterr(err, err_len, "--etcd-fsync: '%s' is not on or off", val);
            return -1;
        }
        o->etcd_fsync = strcmp(val, "on") == 0;
        return 0;
    }
    if (strcmp(name, "--factors") == 0)
        return bench_fac_mask_parse(val, &o->factors, err, err_len);
    if (strcmp(name, "--profile") == 0)
        return copy_text(name, val, o->profile, sizeof o->profile, err, err_len);
    if (strcmp(name, "--out") == 0)
        return copy_text(name, val, o->out, sizeof o->out, err, err_len);
    if (strcmp(name, "--resume") == 0) {
        o->resume = true;
        return copy_text(name, val, o->resume_dir, sizeof o->resume_dir, err, err_len);
    }
    util_seterr(err, err_len, "unknown option '%s' (see geokv-bench factors --help)", name);
    return -1;
}

int bench_fac_opts_parse(int argc, char *const *argv, bench_fac_opts *o, char *err, size_t err_len)
{
    if (err && err_len)
        err[0] = '\0';
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i], *eq, *val;
        char name[64];
        if (strncmp(arg, "--", 2) != 0) {
            util_seterr(err, err_len, "unexpected argument '%s' (options start with --; see --help)", arg);
            return -1;
        }
        eq = strchr(arg, '=');
        snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - arg) : (int)strlen(arg), arg);
        if (strcmp(name, "--help") == 0 || strcmp(name, "--dry-run") == 0 ||
            (strcmp(name, "--resume") == 0 && !eq)) {
            if (eq) {
                util_seterr(err, err_len, "%s takes no value", name);
                return -1;
            }
            if (strcmp(name, "--help") == 0)
                return 1;
            if (strcmp(name, "--dry-run") == 0) {
                o->dry_run = true;
            } else {
                o->resume = true;
                /* optional directory: the next word when it is not an option */
                if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0 &&
                    copy_text("--resume", argv[++i], o->resume_dir, sizeof o->resume_dir, err, err_len) != 0)
                    return -1;
            }
            continue;
        }
        if (eq) {
            val = eq + 1;
        } else if (i + 1 < argc) {
            val = argv[++i];
        } else {
            util_seterr(err, err_len, "%s needs a value (see --help)", name);
            return -1;
        }
        if (parse_valued(name, val, o, err, err_len) != 0)
            return -1;
    }
    return 0;
}

void bench_fac_usage(FILE *f)
{
    fputs("usage: geokv-bench factors [options]\n"
          "\n"
          "A 2^k full factorial of what decides whether the after-mode cache makes setup\n"
          "faster than before mode. Factors (first level = run's default, coded -1):\n"
          "  region  controller region: Seoul (the topology's) | us-east-1 (--controller-region\n"
          "          " BENCH_FAC_FAR_REGION ")\n"
          "  start   --start all | --start deploy\n"
          "  cost    the profile's cost model off (--profile-set cost_model=false) | on (the\n"
          "          profile as written: calibrated once calibration wrote it)\n"
          "  lock    --init-lock on | off (the after-mode peer lock around cache initialisation)\n"
          "Each cell is one `geokv-bench run` of mode after (a child process, its own process\n"
          "group, output in <study>/cells/<cell>.log); the init-lock-on cell's sweep also runs\n"
          "before mode, and both init-lock levels use those before runs (before mode never\n"
          "reads --init-lock). Then `geokv-model factors <study>` writes factors.md,\n"
          "factors.json and factors.png: per cell and N the after-vs-before change of setup_s\n"
          "and app_bytes, the main effects and interactions, where the sign flips.\n"
          "\n"
          "options:\n"
          "  --n LIST            agent counts of every sweep (default 20,40)\n"
          "  --reps K            repetitions per (mode, N) (default 1)\n"
          "  --seed S            every sweep's seed (default: from the clock)\n"
          "  --factors LIST      the factors varied (default region,start,cost,lock); the others\n"
          "                      stay at their first level\n"
          "  --profile NAME|FILE the profile of every sweep, its cost model the cost factor\n"
          "                      (default patent-2022; its cost_model must be on)\n"
          "  --rtt-scale F       passed on to every sweep (default 1)\n"
          "  --delay-scale F     passed on to every sweep (default 1)\n"
          "  --timeout DUR       passed on: give up on one run after DUR\n"
          "  --etcd-fsync on|off passed on\n"
          "  --out DIR           the study goes to DIR/factors-<id>/, DIR/factors-latest points\n"
          "                      at it (default results)\n"
          "  --resume [DIR]      continue the study in DIR (default <out>/factors-latest): cells\n"
          "                      done are skipped, a stopped cell's sweep is resumed; the study's\n"
          "                      own options (steps.json) are used, other options are ignored\n"
          "  --dry-run           print the plan, its command lines and the estimated wall time\n"
          "  --help              this text\n"
          "\n"
          "Exit status: 0 every run green and the analysis written, 1 a run failed (the analysis\n"
          "is still written), 2 bad options, set-up or analysis failure, 130/143 stopped.\n",
          f);
}

/* ---- the design ---- */

void bench_fac_cell_name(const int level[BENCH_FAC_K], char *out, size_t len)
{
    size_t used = 0;
    if (len == 0)
        return;
    out[0] = '\0';
    for (int f = 0; f < BENCH_FAC_K && used < len; f++)
        used += (size_t)snprintf(out + used, len - used, "%s%s", f ? "-" : "", bench_fac_defs[f].code[level[f] ? 1 : 0]);
}

void bench_fac_plan_build(unsigned mask, bench_fac_plan *p)
{
    memset(p, 0, sizeof *p);
    p->varied = mask & ALL_FACTORS;
    for (int f = 0; f < BENCH_FAC_K; f++)
        if (p->varied & (1u << f))
            p->order[p->k++] = f;
    p->n_cells = (size_t)1 << p->k;
    for (size_t i = 0; i < p->n_cells; i++) {
        bench_fac_cell *c = &p->cells[i];
        for (size_t j = 0; j < p->k; j++)
            c->level[p->order[j]] = (int)((i >> j) & 1u);
        bench_fac_cell_name(c->level, c->name, sizeof c->name);
        c->sweep = (int)i;
        bench_fac_sweep *s = &p->sweeps[i];
        snprintf(s->name, sizeof s->name, "%s", c->name);
        s->cell = (int)i;
        s->with_before = c->level[BENCH_FAC_LOCK] == 0;
    }
    p->n_sweeps = p->n_cells;
    /* the before runs of a lock-off cell are its lock-on sibling's */
    for (size_t i = 0; i < p->n_cells; i++) {
        bench_fac_cell *c = &p->cells[i];
        c->before_sweep = (int)i;
        if (!p->sweeps[i].with_before) {
            for (size_t j = 0; j < p->k; j++)
                if (p->order[j] == BENCH_FAC_LOCK)
                    c->before_sweep = (int)(i & ~((size_t)1 << j));
        }
    }
}

/* ---- command lines ---- */

void bench_fac_argv_init(bench_fac_argv *a)
{
    a->n = 0;
    a->overflow = false;
    a->v[0] = NULL;
}

void bench_fac_argv_add(bench_fac_argv *a, const char *fmt, ...)
{
    va_list ap;
    if (a->n >= BENCH_FAC_ARGS) {
        a->overflow = true;
        return;
    }
    va_start(ap, fmt);
    int len = vsnprintf(a->s[a->n], BENCH_FAC_ARG_LEN, fmt, ap);
    va_end(ap);
    if (len < 0 || len >= BENCH_FAC_ARG_LEN)
        a->overflow = true;
    a->v[a->n] = a->s[a->n];
    a->n++;
    a->v[a->n] = NULL;
}

void bench_fac_argv_format(const bench_fac_argv *a, char *out, size_t out_len)
{
    size_t used = 0;
    if (out_len == 0)
        return;
    out[0] = '\0';
    for (size_t i = 0; i < a->n && used + 1 < out_len; i++) {
        const char *s = a->s[i];
        bool plain = *s != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                             "-_./,=:+@%") == strlen(s);
        if (i)
            out[used++] = ' ';
        if (plain) {
            used += (size_t)snprintf(out + used, out_len - used, "%s", s);
        } else {
            used += (size_t)snprintf(out + used, out_len - used, "'");
            for (; *s && used + 5 < out_len; s++) {
                if (*s == '\'')
                    used += (size_t)snprintf(out + used, out_len - used, "'\\''");
                else
                    out[used++] = *s;
            }
            if (used + 1 < out_len)
                out[used++] = '\'';
        }
        if (used >= out_len)
            used = out_len - 1;
        out[used] = '\0';
    }
}

/* The shortest of %.15g and %.17g that reads back as v. */
static const char *num_text(double v, char *buf, size_t len)
{
    snprintf(buf, len, "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, len, "%.17g", v);
    return buf;
}

/* "10,20": the N list. */
static void n_text(const bench_fac_opts *o, char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < o->n_n && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, "%s%d", i ? "," : "", o->n[i]);
}

void bench_fac_sweep_argv(const bench_fac_opts *o, const bench_fac_plan *p, size_t i, const char *self,
                          const char *study_dir, bench_fac_argv *a)
{
    const bench_fac_sweep *s = &p->sweeps[i];
    const bench_fac_cell *c = &p->cells[s->cell];
    char ns[BENCH_MAX_N * 8], num[40];
    n_text(o, ns, sizeof ns);
    bench_fac_argv_init(a);
    bench_fac_argv_add(a, "%s", self);
    bench_fac_argv_add(a, "run");
    bench_fac_argv_add(a, "--n");
    bench_fac_argv_add(a, "%s", ns);
    bench_fac_argv_add(a, "--reps");
    bench_fac_argv_add(a, "%d", o->reps);
    bench_fac_argv_add(a, "--seed");
    bench_fac_argv_add(a, "%llu", (unsigned long long)o->seed);
    bench_fac_argv_add(a, "--modes");
    bench_fac_argv_add(a, "%s", s->with_before ? "before,after" : "after");
    bench_fac_argv_add(a, "--profile");
    bench_fac_argv_add(a, "%s", o->profile);
    if (!c->level[BENCH_FAC_COST]) {
        bench_fac_argv_add(a, "--profile-set");
        bench_fac_argv_add(a, "cost_model=false");
    }
    bench_fac_argv_add(a, "--start");
    bench_fac_argv_add(a, "%s", c->level[BENCH_FAC_START] ? "deploy" : "all");
    if (c->level[BENCH_FAC_REGION]) {
        bench_fac_argv_add(a, "--controller-region");
        bench_fac_argv_add(a, "%s", BENCH_FAC_FAR_REGION);
    }
    bench_fac_argv_add(a, "--init-lock");
    bench_fac_argv_add(a, "%s", c->level[BENCH_FAC_LOCK] ? "off" : "on");
    bench_fac_argv_add(a, "--rtt-scale");
    bench_fac_argv_add(a, "%s", num_text(o->rtt_scale, num, sizeof num));
    bench_fac_argv_add(a, "--delay-scale");
    bench_fac_argv_add(a, "%s", num_text(o->delay_scale, num, sizeof num));
    if (o->timeout_s > 0) {
        bench_fac_argv_add(a, "--timeout");
        bench_fac_argv_add(a, "%ss", num_text(o->timeout_s, num, sizeof num));
    }
    if (o->etcd_fsync >= 0) {
        bench_fac_argv_add(a, "--etcd-fsync");
        bench_fac_argv_add(a, "%s", o->etcd_fsync ? "on" : "off");
    }
    bench_fac_argv_add(a, "--out");
    bench_fac_argv_add(a, "%s/cells/%s", study_dir, s->name);
}

/* ---- the wall-time estimate ----
 *
 * Built from measured sweeps on this 2-core machine (results/FINDINGS.md)
 * at full time, to the run's quiescence (setup_txn_s, the default end, is
 * within a second of it):
 *   before, Seoul, cost off:  19.1, 36.6, 54.0, 70.7, 88.3 s at N = 10..50
 *                             -> 1.73 N + 1.9
 *   after,  Seoul, cost off:  16.5 .. 69.2 s at N = 10..50 plus a 3 s tail
 *                             -> 1.32 N + 6.3
 *   before, cost on:          about 60 s at N = 30 and 140 s at N = 50, about
 *                             19 s at N = 10 -> 0.04875 N^2 + 0.1 N + 13.1
 *                             (never below cost off)
 *   after,  cost on:          47.6 s at N = 30, 73.7 s at N = 50 (a probe of
 *                             the cost model) -> 1.3 N + 8.5 (never below off)
 *   us-east-1 controller:     before x 3.0, after x 1.85 (91.0 / 30.7 s and
 *                             79.9 / 42.9 s at N = 30)
 *   deploy start:             + sleep 5 s, SSH and the agent binary over one
 *                             uplink (18 MB at 90 MB/s per agent) -> 6 + 0.2 N
 * The network and protocol parts scale with the larger of --rtt-scale and
 * --delay-scale; the cost model's CPU is not scaled (the simulated VMs'
 * time is spent as it is). Each run adds 5 s (a fresh cluster, the
 * checker, the stop), each sweep 2 s. */
#define EST_RUN_OVERHEAD_S   5.0
#define EST_SWEEP_OVERHEAD_S 2.0

double bench_fac_estimate_run_s(int mode, int n, const int level[BENCH_FAC_K], double rtt_scale,
                                double delay_scale)
{
    double N = n, scale = fmax(rtt_scale, delay_scale);
    double off = mode == 0 ? 1.73 * N + 1.9 : 1.32 * N + 6.3;
    double on = mode == 0 ? 0.04875 * N * N + 0.1 * N + 13.1 : 1.3 * N + 8.5;
    double cost = level[BENCH_FAC_COST] ? fmax(0.0, on - off) : 0.0;
    double region = level[BENCH_FAC_REGION] ? (mode == 0 ? 3.0 : 1.85) : 1.0;
    double deploy = level[BENCH_FAC_START] ? 6.0 + 0.2 * N : 0.0;
    return EST_RUN_OVERHEAD_S + scale * (off * region + deploy) + cost;
}

double bench_fac_estimate_sweep_s(const bench_fac_opts *o, const bench_fac_plan *p, size_t i)
{
    const bench_fac_sweep *s = &p->sweeps[i];
    const bench_fac_cell *c = &p->cells[s->cell];
    double t = EST_SWEEP_OVERHEAD_S;
    for (size_t j = 0; j < o->n_n; j++) {
        t += o->reps * bench_fac_estimate_run_s(1, o->n[j], c->level, o->rtt_scale, o->delay_scale);
        if (s->with_before)
            t += o->reps * bench_fac_estimate_run_s(0, o->n[j], c->level, o->rtt_scale, o->delay_scale);
    }
    return t;
}
