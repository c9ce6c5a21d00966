/* bench_chaos.c: `geokv-bench chaos` (see bench_chaos.h). */
#include "bench/bench_chaos.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_chaos_plan.h"
#include "bench/bench_child.h"
#include "bench/bench_opts.h"
#include "sim/cb/cb_run.h"
#include "sim/util/util_clock.h"
#include "sim/util/util_err.h"
#include "sim/util/util_fs.h"
#include "sim/wan/topology.h"

#define CHAOS_TOPOLOGY "sim/wan/topology/patent-fig6.json"
#define CHAOS_MAX_MODES 8

typedef struct chaos_opts {
    int schedules;
    unsigned long long seed;
    int n;
    char modes[CHAOS_MAX_MODES][32];
    int n_modes;
    char rtt_scale[32];
    double run_timeout_s;       /* each run's cb_run timeout (`run --timeout`) */
    double limit_s;             /* wall-clock limit of one child, baseline and cluster included */
    char out[PATH_MAX / 2];
    bool dry_run;
} chaos_opts;

typedef struct chaos_run {
    int schedule;
    char spec[BENCH_CHAOS_SPEC_LEN];
    const char *mode;
    char outcome[16];           /* green, failed, hung, leftover, error */
    char reason[256];
    long long retries, timeout_retries, readbacks;
    double wall_s;
} chaos_run;

static void usage(FILE *f)
{
    fputs("usage: geokv-bench chaos [options]\n"
          "Runs seeded random fault schedules (kill+restart, partition+heal, spike+clear, redeploy,\n"
          "freeze-holder, compact: one to three of them, with session-ttl:2s) at small N in every\n"
          "mode, each as a `geokv-bench run --fault SPEC` child with a wall-clock limit; checks that\n"
          "every process a run started is gone; prints and records the table of outcomes in\n"
          "<out>/chaos-<stamp>-<seed>/ (chaos.jsonl, chaos.md; each run's directory under runs/).\n"
          "\n"
          "  --schedules K      number of schedules (default 20)\n"
          "  --seed S           seed of the schedules (default 1); schedule i's run seed is S + i\n"
          "  --n N              agents (default 4)\n"
          "  --modes LIST       modes (default every mode: before,after,lockless)\n"
          "  --rtt-scale F      factor on the WAN delays (default 0.2)\n"
          "  --timeout DUR      one run's timeout, passed to run (default 90s)\n"
          "  --limit DUR        wall-clock limit of one child, its baseline and clusters included;\n"
          "                     past it: SIGTERM, 15 s later SIGKILL, outcome \"hung\" (default 300s)\n"
          "  --out DIR          where the chaos directory goes (default results)\n"
          "  --dry-run          print the schedules and exit\n"
          "Exit status: 0 every run green, 1 a run failed, hung or left a process, 2 bad options,\n"
          "130/143 stopped.\n",
          f);
}

static int parse_modes(const char *s, chaos_opts *o, char *err, size_t err_len)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    o->n_modes = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        bool known = false;
        for (const char *const *m = cb_mode_names(); m && *m; m++)
            known |= strcmp(*m, t) == 0;
        if (!known || o->n_modes >= CHAOS_MAX_MODES) {
            util_seterr(err, err_len, "--modes: unknown mode '%s'", t);
            return -1;
        }
        snprintf(o->modes[o->n_modes++], sizeof o->modes[0], "%s", t);
    }
    if (!o->n_modes) {
        util_seterr(err, err_len, "--modes: empty");
        return -1;
    }
    return 0;
}

static int parse_opts(int argc, char **argv, chaos_opts *o, char *err, size_t err_len)
{
    memset(o, 0, sizeof *o);
    o->schedules = 20;
    o->seed = 1;
    o->n = 4;
    snprintf(o->rtt_scale, sizeof o->rtt_scale, "0.2");
    o->run_timeout_s = 90;
    o->limit_s = 300;
    snprintf(o->out, sizeof o->out, "results");
    const char *const *names = cb_mode_names();
    for (; names && *names && o->n_modes < CHAOS_MAX_MODES; names++)
        snprintf(o->modes[o->n_modes++], sizeof o->modes[0], "%s", *names);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;
        if (strcmp(a, "--dry-run") == 0) {
            o->dry_run = true;
            continue;
        }
        if (!v) {
            util_seterr(err, err_len, "%s: unknown option or missing value (see chaos --help)", a);
            return -1;
        }
        i++;
        errno = 0;
        if (strcmp(a, "--schedules") == 0) {
            long k = strtol(v, &end, 10);
            if (*end || k < 1 || k > 1000) {
                util_seterr(err, err_len, "--schedules: '%s' is not a count from 1 to 1000", v);
                return -1;
            }
            o->schedules = (int)k;
        } else if (strcmp(a, "--seed") == 0) {
            o->seed = strtoull(v, &end, 10);
            if (*end || errno) {
                util_seterr(err, err_len, "--seed: '%s' is not a non-negative integer", v);
                return -1;
            }
        } else if (strcmp(a, "--n") == 0) {
            long k = strtol(v, &end, 10);
            if (*end || k < 2 || k > 50) {
                util_seterr(err, err_len, "--n: '%s' is not an agent count from 2 to 50", v);
                return -1;
            }
            o->n = (int)k;
        } else if (strcmp(a, "--modes") == 0) {
            if (parse_modes(v, o, err, err_len) != 0)
                return -1;
        } else if (strcmp(a, "--rtt-scale") == 0) {
            double f = strtod(v, &end);
            if (*end || !(f > 0)) {
                util_seterr(err, err_len, "--rtt-scale: '%s' is not a positive factor", v);
                return -1;
            }
            snprintf(o->rtt_scale, sizeof o->rtt_scale, "%s", v);
        } else if (strcmp(a, "--timeout") == 0 || strcmp(a, "--limit") == 0) {
            double s;
            if (bench_parse_duration(v, &s) != 0 || !(s > 0)) {
                util_seterr(err, err_len, "%s: '%s' is not a positive duration (e.g. 90s, 5m)", a, v);
                return -1;
            }
            *(strcmp(a, "--timeout") == 0 ? &o->run_timeout_s : &o->limit_s) = s;
        } else if (strcmp(a, "--out") == 0) {
            snprintf(o->out, sizeof o->out, "%s", v);
        } else {
            util_seterr(err, err_len, "%s: unknown option (see chaos --help)", a);
            return -1;
        }
    }
    return 0;
}

/* The grammar's member names and the region ids of the default topology. */
static int load_targets(topology **t, const char **members, const char **regions, bench_chaos_targets *tg,
                        int n_agents, char *err, size_t err_len)
{
    char path[PATH_MAX];
    if (topology_load(util_rooted(path, sizeof path, CHAOS_TOPOLOGY), t, err, err_len) != 0)
        return -1;
    for (int i = 0; i < (*t)->n_members; i++)
        members[i] = (*t)->members[i].name;
    for (int i = 0; i < (*t)->n_regions; i++)
        regions[i] = (*t)->regions[i].id;
    *tg = (bench_chaos_targets){ members, (*t)->n_members, regions, (*t)->n_regions, n_agents };
    return 0;
}

/* Every pid in pids.json still alive is killed; returns how many were. */
static int reap_leftovers(const char *run_dir, char *which, size_t len)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%.4000s/pids.json", run_dir);
    json_t *j = json_load_file(path, 0, NULL);
    int left = 0;
    size_t at = 0;
    which[0] = '\0';
    json_t *ms = json_object_get(j, "members"), *m;
    size_t i;
    json_t *all = json_array();
    json_array_append(all, json_object_get(j, "driver"));
    json_array_foreach(ms, i, m)
        json_array_append(all, json_object_get(m, "pid"));
    json_array_foreach(all, i, m) {
        pid_t pid = (pid_t)json_integer_value(m);
        if (pid > 1 && pid != getpid() && kill(pid, 0) == 0) {
            kill(pid, SIGKILL);
            left++;
            int w = snprintf(which + at, at < len ? len - at : 0, "%s%d", left > 1 ? "," : "", (int)pid);
            at += w > 0 ? (size_t)w : 0;
        }
    }
    json_decref(all);
    json_decref(j);
    return left;
}

/* "N fault action(s) failed, first: ACTION: MESSAGE" from the record. */
static void failed_action(json_t *rec, long long n, char *out, size_t len)
{
    json_t *a;
    size_t i;
    json_array_foreach(json_object_get(rec, "fault_actions"), i, a) {
        if (!json_is_true(json_object_get(a, "ok"))) {
            const char *act = json_string_value(json_object_get(a, "action"));
            const char *msg = json_string_value(json_object_get(a, "msg"));
            snprintf(out, len, "%lld fault action(s) failed, first %.60s: %.120s", n, act ? act : "?",
                     msg && *msg ? msg : "did not run");
            return;
        }
    }
    snprintf(out, len, "%lld fault action(s) failed", n);
}

/* The outcome from the child's exit, its record and its log. */
static void judge(chaos_run *r, int rc, int timed_out, const char *run_dir, const char *log)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%.4000s/runs.jsonl", run_dir);
    json_t *rec = NULL;
    size_t len = 0;
    char *text = util_slurp(path, &len);   /* one run: one line */
    if (text) {
        char *nl = memchr(text, '\n', len);
        rec = json_loadb(text, nl ? (size_t)(nl - text) : len, 0, NULL);
        free(text);
    }
    r->retries = json_integer_value(json_object_get(rec, "retries"));
    r->timeout_retries = json_integer_value(json_object_get(rec, "timeout_retries"));
    r->readbacks = json_integer_value(json_object_get(rec, "readbacks"));
    const char *error = json_string_value(json_object_get(rec, "error"));
    const char *checker = json_string_value(json_object_get(rec, "checker_msg"));
    long long fault_failures = json_integer_value(json_object_get(rec, "fault_failures"));
    if (timed_out) {
        snprintf(r->outcome, sizeof r->outcome, "hung");
        snprintf(r->reason, sizeof r->reason, "still running after the limit: stopped (see %.180s)", log);
    } else if (rc == 0) {
        snprintf(r->outcome, sizeof r->outcome, "green");
    } else if (rc == 1 && rec) {
        snprintf(r->outcome, sizeof r->outcome, "failed");
        if (error && *error)
            snprintf(r->reason, sizeof r->reason, "%.250s", error);
        else if (checker && *checker)
            snprintf(r->reason, sizeof r->reason, "checker: %.240s", checker);
        else if (fault_failures > 0)
            failed_action(rec, fault_failures, r->reason, sizeof r->reason);
        else
            snprintf(r->reason, sizeof r->reason, "exit 1 (see %.200s)", log);
    } else {
        snprintf(r->outcome, sizeof r->outcome, "error");
        snprintf(r->reason, sizeof r->reason, "exit %d without a record (see %.180s)", rc, log);
    }
    json_decref(rec);
}

static int run_one(const chaos_opts *o, const char *self, const char *dir, chaos_run *r)
{
    char out[PATH_MAX], log[PATH_MAX], latest[PATH_MAX], run_dir[PATH_MAX] = "";
    char seed[32], n[16], tmo[32];
    snprintf(out, sizeof out, "%.3000s/runs/s%02d-%.31s", dir, r->schedule, r->mode);
    snprintf(log, sizeof log, "%.3100s.log", out);
    snprintf(latest, sizeof latest, "%.3100s/latest", out);
    snprintf(seed, sizeof seed, "%llu", o->seed + (unsigned long long)r->schedule);
    snprintf(n, sizeof n, "%d", o->n);
    snprintf(tmo, sizeof tmo, "%.0fs", o->run_timeout_s);
    char *argv[] = { (char *)self, "run", "--n", n, "--modes", (char *)r->mode, "--reps", "1", "--seed", seed,
                     "--rtt-scale", (char *)o->rtt_scale, "--timeout", tmo, "--fault", r->spec, "--out", out, NULL };
    int fd = -1;
    if (util_mkdirs(out, NULL, 0) != 0 || (fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
        snprintf(r->outcome, sizeof r->outcome, "error");
        snprintf(r->reason, sizeof r->reason, "cannot prepare %.150s: %.80s", out, strerror(errno));
        return -1;
    }
    int timed_out = 0;
    double t0 = util_now_s();
    int rc = bench_child_run_limit(argv, fd, fd, o->limit_s, &timed_out);
    r->wall_s = util_now_s() - t0;
    close(fd);
    if (realpath(latest, run_dir) == NULL)
        snprintf(run_dir, sizeof run_dir, "%s", out);
    judge(r, rc, timed_out, run_dir, log);
    char which[128];
    int left = reap_leftovers(run_dir, which, sizeof which);
    if (left > 0) {
        snprintf(r->outcome, sizeof r->outcome, "leftover");
        snprintf(r->reason, sizeof r->reason, "%d process(es) still running afterwards, killed: pids %s", left,
                 which);
    }
    return rc >= 128 && bench_child_stop_count ? 1 : 0;
}

static json_t *run_json(const chaos_run *r)
{
    return json_pack("{s:i, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:f}", "schedule", r->schedule, "spec", r->spec,
                     "mode", r->mode, "outcome", r->outcome, "reason", r->reason, "retries",
                     (json_int_t)r->retries, "timeout_retries", (json_int_t)r->timeout_retries, "readbacks",
                     (json_int_t)r->readbacks, "wall_s", r->wall_s);
}

static void print_table(FILE *f, const chaos_opts *o, const chaos_run *runs, size_t n, const char *cmd)
{
    fprintf(f, "# Chaos sweep, seed %llu, N = %d, --rtt-scale %s\n\n`%s`\n\n", o->seed, o->n, o->rtt_scale, cmd);
    fprintf(f, "| seed | schedule | mode | outcome | retries | timeout_retries | readbacks | wall_s | reason |\n");
    fprintf(f, "|---|---|---|---|---|---|---|---|---|\n");
    int counts[5] = { 0 };
    static const char *const kinds[5] = { "green", "failed", "hung", "leftover", "error" };
    for (size_t i = 0; i < n; i++) {
        const chaos_run *r = &runs[i];
        fprintf(f, "| %llu | `%s` | %s | %s | %lld | %lld | %lld | %.1f | %s |\n", o->seed + (unsigned long long)r->schedule,
                r->spec, r->mode, r->outcome, r->retries, r->timeout_retries, r->readbacks, r->wall_s, r->reason);
        for (int k = 0; k < 5; k++)
            counts[k] += strcmp(r->outcome, kinds[k]) == 0;
    }
    fprintf(f, "\n%zu runs: %d green, %d failed, %d hung, %d left processes, %d errors\n", n, counts[0], counts[1],
            counts[2], counts[3], counts[4]);
}

static int sweep(const chaos_opts *o, const bench_chaos_targets *tg, const char *cmd)
{
    char self[PATH_MAX], dir[PATH_MAX], path[PATH_MAX + 16], stamp[32];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) {
        fprintf(stderr, "geokv-bench chaos: cannot find this program (/proc/self/exe)\n");
        return 2;
    }
    self[len] = '\0';
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(dir, sizeof dir, "%.2000s/chaos-%s-%llu", o->out, stamp, o->seed);
    char err[256];
    if (util_mkdirs(dir, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-bench chaos: %s: choose a writable --out\n", err);
        return 2;
    }
    size_t total = (size_t)o->schedules * (size_t)o->n_modes, done = 0;
    chaos_run *runs = calloc(total, sizeof *runs);
    if (!runs)
        return 2;
    snprintf(path, sizeof path, "%s/chaos.jsonl", dir);
    FILE *jl = fopen(path, "w");
    bench_child_install_stop();
    int stopped = 0;
    for (int s = 0; s < o->schedules && !stopped; s++)
        for (int m = 0; m < o->n_modes && !stopped; m++) {
            chaos_run *r = &runs[done];
            r->schedule = s;
            r->mode = o->modes[m];
            bench_chaos_schedule(o->seed, s, tg, r->spec, sizeof r->spec);
            fprintf(stderr, "geokv-bench chaos: [%zu/%zu] schedule %d, %s: %s\n", done + 1, total, s, r->mode,
                    r->spec);
            stopped = run_one(o, self, dir, r);
            if (stopped)
                break;
            fprintf(stderr, "geokv-bench chaos: [%zu/%zu] %s%s%s (%.0f s, retries %lld, timeout retries %lld)\n",
                    done + 1, total, r->outcome, r->reason[0] ? ": " : "", r->reason, r->wall_s, r->retries,
                    r->timeout_retries);
            done++;
            if (jl) {
                json_t *j = run_json(r);
                json_dumpf(j, jl, JSON_COMPACT);
                fputc('\n', jl);
                fflush(jl);
                json_decref(j);
            }
        }
    if (jl)
        fclose(jl);
    snprintf(path, sizeof path, "%s/chaos.md", dir);
    FILE *md = fopen(path, "w");
    if (md) {
        print_table(md, o, runs, done, cmd);
        fclose(md);
    }
    print_table(stdout, o, runs, done, cmd);
    printf("\nrecorded in %s (chaos.jsonl, chaos.md)\n", dir);
    int all_green = 1;
    for (size_t i = 0; i < done; i++)
        all_green &= strcmp(runs[i].outcome, "green") == 0;
    free(runs);
    if (stopped)
        return 128 + (int)bench_child_stop_sig;
    return all_green ? 0 : 1;
}

int bench_chaos_main(int argc, char **argv)
{
    chaos_opts o;
    char err[256], cmd[1024] = "geokv-bench chaos";
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        size_t at = strlen(cmd);
        snprintf(cmd + at, sizeof cmd - at, " %s", argv[i]);
    }
    if (parse_opts(argc, argv, &o, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-bench chaos: %s\n", err);
        return 2;
    }
    topology *t = NULL;
    const char *members[TOPO_MAX_MEMBERS], *regions[TOPO_MAX_REGIONS];
    bench_chaos_targets tg;
    if (load_targets(&t, members, regions, &tg, o.n, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-bench chaos: %s\n", err);
        return 2;
    }
    int rc = 0;
    if (o.dry_run) {
        for (int s = 0; s < o.schedules; s++) {
            char spec[BENCH_CHAOS_SPEC_LEN];
            bench_chaos_schedule(o.seed, s, &tg, spec, sizeof spec);
            printf("%d\t%s\n", s, spec);
        }
    } else {
        rc = sweep(&o, &tg, cmd);
    }
    topology_free(t);
    return rc;
}
