/* geokv-cookie: the second scenario of geokv-bench. Cookie-pinned cache
 * placement (JP 6492123 B2) on real memcached servers, measured against
 * hash % N and ketama consistent hashing. See --help. */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <libmemcached/memcached.h>
#include <math.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "sim/cookie/cookie_exp.h"
#include "sim/cookie/cookie_mc.h"
#include "sim/cookie/cookie_proc.h"
#include "sim/cookie/cookie_report.h"
#include "sim/util/util_data.h"
#include "sim/util/util_list.h"
#include "sim/util/util_version.h"

static void usage(FILE *f)
{
    fputs(
"usage: geokv-cookie run   [options]   one experiment, one strategy; JSON on stdout\n"
"       geokv-cookie bench [options]   every experiment x strategy; writes a results dir\n"
"       geokv-cookie --help\n"
"\n"
"Starts N memcached servers (127.0.0.1, free ports) and W web servers\n"
"(libmicrohttpd), drives C libcurl clients (one cookie jar each) against them\n"
"and reports hit ratio, latency and what moved when a cache server dies or one\n"
"is added. Every process started is stopped on exit, also on Ctrl-C.\n"
"\n"
"experiments: steady      no event\n"
"             kill        kill -9 cache slot --fault-slot at --event-s\n"
"             hang        SIGSTOP that slot (only the timeout detects it)\n"
"             scaleout    add a server (N -> N+1) at --event-s\n"
"             cookieloss  scale-out at --event-s, then --loss-fraction of clients\n"
"                         lose their cookies at --event2-s\n"
"strategies:  cookie (the document's), modulo (hash % live N), ketama\n"
"\n"
"options:\n"
"  -s, --strategy NAME      run: strategy (default cookie)\n"
"  -e, --experiment NAME    run: experiment (default steady)\n"
"      --strategies LIST    bench: comma list (default cookie,modulo,ketama)\n"
"      --experiments LIST   bench: comma list (default steady,kill,hang,scaleout,cookieloss)\n"
"  -n, --servers N          cache servers (default 3)\n"
"  -w, --web W              web servers (default 2)\n"
"  -c, --clients C          simulated clients (default 100)\n"
"      --think-ms MS        pause after each response (default 100)\n"
"  -d, --duration S         seconds per run (default 7)\n"
"      --event-s S          first event time (default 2.5)\n"
"      --event2-s S         second event time, cookieloss (default: halfway to the end)\n"
"      --fault-slot K       slot killed / hung (default 0)\n"
"      --loss-fraction F    share of clients losing cookies (default 0.5)\n"
"      --origin-ms MS       origin delay on a miss (default 20)\n"
"      --timeout-ms MS      cache server timeout, the document's set time (default 250)\n"
"      --dead-retry-ms MS   how long a web server skips a failed cache server (default 2000)\n"
"      --value-bytes B      size of a client's data (default 512)\n"
"      --place hash|random  cookie strategy first placement (default hash)\n"
"      --failover MODE      cookie strategy, where a dead server's client goes:\n"
"                           random (default), order (next live slot), hash (hash % live)\n"
"      --bucket-s S         timeline bucket (default 0.1)\n"
"      --seed N             (default 1)\n"
"  -o, --out DIR            bench: results dir (default results/cookie-<time>-<seed>)\n"
"      --no-plot            bench: skip gnuplot\n"
"  -h, --help\n"
"      --version            program, version and git describe of the build\n"
"\n"
"Exit status: 0 success, 1 a failed run (a process, a request, an output), 2 bad usage.\n"
"\n"
"bench writes config.json, runs.jsonl, summary.csv, remap.csv, timeline/*.csv,\n"
"plots/cookie-hitratio.{png,svg} and cookie-report.md, and links\n"
"results/cookie-latest to it.\n", f);
}

struct opts {
    struct cookie_exp_config exp;
    const char *strategies, *experiments, *out;
    int no_plot;
};

static int parse_uint(const char *s, unsigned *out, unsigned lo, unsigned hi)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int parse_double(const char *s, double *out, double lo, double hi)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || end == s || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
    enum { O_THINK = 256, O_EV, O_EV2, O_SLOT, O_LOSS, O_ORIGIN, O_TIMEOUT, O_DEAD, O_VALUE,
           O_PLACE, O_FAILOVER, O_BUCKET, O_SEED, O_NOPLOT, O_STRATS, O_EXPS };
    static const struct option lo[] = {
        { "strategy", 1, 0, 's' }, { "experiment", 1, 0, 'e' }, { "servers", 1, 0, 'n' },
        { "web", 1, 0, 'w' }, { "clients", 1, 0, 'c' }, { "duration", 1, 0, 'd' },
        { "out", 1, 0, 'o' }, { "help", 0, 0, 'h' }, { "think-ms", 1, 0, O_THINK },
        { "event-s", 1, 0, O_EV }, { "event2-s", 1, 0, O_EV2 }, { "fault-slot", 1, 0, O_SLOT },
        { "loss-fraction", 1, 0, O_LOSS }, { "origin-ms", 1, 0, O_ORIGIN },
        { "timeout-ms", 1, 0, O_TIMEOUT }, { "dead-retry-ms", 1, 0, O_DEAD },
        { "value-bytes", 1, 0, O_VALUE }, { "place", 1, 0, O_PLACE }, { "failover", 1, 0, O_FAILOVER },
        { "bucket-s", 1, 0, O_BUCKET }, { "seed", 1, 0, O_SEED }, { "no-plot", 0, 0, O_NOPLOT },
        { "strategies", 1, 0, O_STRATS }, { "experiments", 1, 0, O_EXPS }, { 0, 0, 0, 0 },
    };
    struct cookie_exp_config *e = &o->exp;
    int c, bad = 0, ev2_set = 0;
    unsigned u;
    while ((c = getopt_long(argc, argv, "s:e:n:w:c:d:o:h", lo, NULL)) != -1) {
        switch (c) {
        case 's':
            if (!(e->strategy = cookie_strategy_find(optarg))) {
                fprintf(stderr, "geokv-cookie: unknown strategy '%s' (cookie, modulo, ketama)\n", optarg);
                bad = 1;
            }
            break;
        case 'e':
            e->experiment = optarg;
            if (!cookie_exp_known(optarg)) {
                fprintf(stderr, "geokv-cookie: unknown experiment '%s' (see --help)\n", optarg);
                bad = 1;
            }
            break;
        case 'n': bad |= parse_uint(optarg, &e->n_cache, 1, COOKIE_MAX_SLOTS - 2) != 0; break;
        case 'w': bad |= parse_uint(optarg, &e->n_web, 1, COOKIE_LOAD_MAX_WEB) != 0; break;
        case 'c': bad |= parse_uint(optarg, &e->clients, 1, 20000) != 0; break;
        case 'd': bad |= parse_double(optarg, &e->duration_s, 1, 3600) != 0; break;
        case 'o': o->out = optarg; break;
        case 'h': usage(stdout); exit(0);
        case O_THINK: bad |= parse_uint(optarg, &e->think_ms, 0, 60000) != 0; break;
        case O_EV: bad |= parse_double(optarg, &e->event_s, 0, 3600) != 0; break;
        case O_EV2: bad |= parse_double(optarg, &e->event2_s, 0, 3600) != 0; ev2_set = 1; break;
        case O_SLOT: bad |= parse_uint(optarg, &e->fault_slot, 0, COOKIE_MAX_SLOTS) != 0; break;
        case O_LOSS: bad |= parse_double(optarg, &e->loss_fraction, 0, 1) != 0; break;
        case O_ORIGIN: bad |= parse_uint(optarg, &e->web.origin_delay_ms, 0, 10000) != 0; break;
        case O_TIMEOUT: bad |= parse_uint(optarg, &e->web.cache_timeout_ms, 1, 60000) != 0; break;
        case O_DEAD: bad |= parse_uint(optarg, &e->web.dead_retry_ms, 0, 600000) != 0; break;
        case O_VALUE: bad |= parse_uint(optarg, &e->web.value_bytes, 32, 65536) != 0; break;
        case O_PLACE:
            if (strcmp(optarg, "hash") == 0)
                e->web.place_random = 0;
            else if (strcmp(optarg, "random") == 0)
                e->web.place_random = 1;
            else
                bad = 1;
            break;
        case O_FAILOVER:
            if ((e->web.failover = cookie_failover_parse(optarg)) < 0) {
                fprintf(stderr, "geokv-cookie: unknown failover '%s' (random, order, hash)\n", optarg);
                bad = 1;
            }
            break;
        case O_BUCKET: bad |= parse_double(optarg, &e->bucket_s, 0.01, 60) != 0; break;
        case O_SEED: bad |= parse_uint(optarg, &u, 0, 4000000000u) != 0; e->seed = u; break;
        case O_NOPLOT: o->no_plot = 1; break;
        case O_STRATS: o->strategies = optarg; break;
        case O_EXPS: o->experiments = optarg; break;
        default: bad = 1;
        }
    }
    /* Without --event2-s the cookie loss comes halfway between the first
     * event and the end. */
    if (!ev2_set)
        e->event2_s = e->event_s + (e->duration_s - e->event_s) / 2;
    if (!bad && (e->event_s >= e->duration_s || e->event2_s >= e->duration_s ||
                 e->event2_s <= e->event_s)) {
        fprintf(stderr, "geokv-cookie: need --event-s < --event2-s < --duration\n");
        bad = 1;
    }
    if (!bad && (util_list_has_empty(o->strategies, ',') || util_list_has_empty(o->experiments, ','))) {
        fprintf(stderr, "geokv-cookie: --strategies/--experiments: empty item %s\n", "(a comma at an end or two in a row)");
        return -1;
    }
    if (bad)
        fprintf(stderr, "geokv-cookie: bad option value (see --help)\n");
    return bad ? -1 : optind;
}

static void print_human(const struct cookie_exp_config *cfg, const struct cookie_exp_result *r)
{
    fprintf(stderr, "%-10s %-7s req=%-6llu hit=%.3f steady=%.3f p50=%.2fms p99=%.2fms "
            "err=%llu bad=%llu", cfg->experiment, cfg->strategy->name,
            (unsigned long long)r->load.requests, r->hit_ratio, r->hit_ratio_warm, r->p50_ms,
            r->p99_ms, (unsigned long long)r->load.errors,
            (unsigned long long)r->load.bad_content);
    if (r->load.errors)
        fprintf(stderr, " (first error: %s)", r->load.first_error);
    for (unsigned e = 0; e < r->n_events; e++) {
        const struct cookie_exp_event *x = &r->ev[e];
        fprintf(stderr, "\n    %-10s at %.2fs: moved=%.3f (theory %.3f) affected=%.3f "
                "origin=%llu p99_1s=%.1fms max_1s=%.1fms recover=%.2fs%s",
                cookie_event_name(x->kind), x->t_s, x->moved_frac, x->theory_moved,
                x->affected_frac, (unsigned long long)x->origin_fetches, x->p99_1s_ms,
                x->max_1s_ms, x->recover_s, x->ok ? "" : " EVENT FAILED");
    }
    fputc('\n', stderr);
}

static int cmd_run(struct opts *o)
{
    struct cookie_exp_result res;
    char err[512];
    if (cookie_exp_run(&o->exp, &res, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-cookie: %s\n", err);
        return 1;
    }
    json_t *j = cookie_exp_to_json(&o->exp, &res);
    char *s = json_dumps(j, JSON_COMPACT);
    printf("%s\n", s ? s : "{}");
    free(s);
    json_decref(j);
    print_human(&o->exp, &res);
    cookie_exp_result_free(&res);
    return res.leftovers ? 1 : 0;
}

static void capture(const char *cmd, char *buf, size_t len)
{
    buf[0] = '\0';
    FILE *p = popen(cmd, "r");
    if (!p)
        return;
    if (fgets(buf, (int)len, p))
        buf[strcspn(buf, "\n")] = '\0';
    pclose(p);
}

static json_t *bench_config(const struct opts *o, const char *run_id)
{
    char mcver[128], cmd[300];
    struct utsname u;
    snprintf(cmd, sizeof cmd, "%s -V 2>/dev/null", cookie_mc_binary());
    capture(cmd, mcver, sizeof mcver);
    uname(&u);
    const struct cookie_exp_config *e = &o->exp;
    json_t *c = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:f, s:f, s:f, s:f, s:f, s:i, s:i, "
                     "s:i, s:i, s:i, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i}",
                     "run_id", run_id, "strategies", o->strategies, "experiments", o->experiments,
                     "n_cache", (int)e->n_cache, "n_web", (int)e->n_web, "clients", (int)e->clients,
                     "think_ms", (int)e->think_ms, "duration_s", e->duration_s,
                     "event_s", e->event_s, "event2_s", e->event2_s, "bucket_s", e->bucket_s,
                     "loss_fraction", e->loss_fraction, "fault_slot", (int)e->fault_slot,
                     "origin_delay_ms", (int)e->web.origin_delay_ms,
                     "cache_timeout_ms", (int)e->web.cache_timeout_ms,
                     "dead_retry_ms", (int)e->web.dead_retry_ms,
                     "value_bytes", (int)e->web.value_bytes,
                     "place", e->web.place_random ? "random" : "hash", "seed", (json_int_t)e->seed,
                     "memcached_version", mcver, "libmemcached_version", LIBMEMCACHED_VERSION_STRING,
                     "libcurl_version", curl_version(), "libmicrohttpd_version", MHD_get_version(),
                     "jansson_version", JANSSON_VERSION, "openssl_version",
                     OpenSSL_version(OPENSSL_VERSION), "git_describe", util_version_git, "uname", u.release,
                     "cores", (int)sysconf(_SC_NPROCESSORS_ONLN));
    if (c)
        json_object_set_new(c, "failover", json_string(cookie_failover_name(
                                               (enum cookie_failover)e->web.failover)));
    return c;
}

static int run_gnuplot(const char *dir, const struct cookie_exp_config *e)
{
    char cmd[2048], script[1024];
    util_data_path(script, sizeof script, "scripts/cookie-hitratio.gp");
    if (access(script, R_OK) != 0) {
        fprintf(stderr, "geokv-cookie: %s not found (set GEOKV_DATA to the directory holding "
                "scripts/); no plot\n", script);
        return -1;
    }
    int rc = 0;
    for (int svg = 0; svg < 2; svg++) {
        snprintf(cmd, sizeof cmd,
                 "gnuplot -e \"dir='%s'; fmt='%s'; ev1=%g; ev2=%g; nserv=%u; dur=%g; loss=%g\" '%s'",
                 dir, svg ? "svg" : "png", e->event_s, e->event2_s, e->n_cache, e->duration_s,
                 e->loss_fraction, script);
        if (system(cmd) != 0) {
            fprintf(stderr, "geokv-cookie: gnuplot failed: %s\n", cmd);
            rc = -1;
        }
    }
    return rc;
}

static int cmd_bench(struct opts *o)
{
    char dir[512], run_id[64], path[700], err[512];
    time_t now = time(NULL);
    struct tm tm;
    int rc = 1, failures = 0;
    json_t *runs = json_array(), *config = NULL;
    FILE *jl = NULL, *csv = NULL;

    gmtime_r(&now, &tm);
    snprintf(run_id, sizeof run_id, "cookie-%04d%02d%02d-%02d%02d%02d-%llu", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (unsigned long long)o->exp.seed);
    if (o->out)
        snprintf(dir, sizeof dir, "%s", o->out);
    else
        snprintf(dir, sizeof dir, "results/%s", run_id);
    mkdir("results", 0755);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "geokv-cookie: cannot create %s: %s\n", dir, strerror(errno));
        goto cleanup;
    }
    snprintf(path, sizeof path, "%s/plots", dir);
    mkdir(path, 0755);
    config = bench_config(o, run_id);
    snprintf(path, sizeof path, "%s/config.json", dir);
    if (json_dump_file(config, path, JSON_INDENT(2)) != 0) {
        fprintf(stderr, "geokv-cookie: cannot write %s\n", path);
        goto cleanup;
    }
    snprintf(path, sizeof path, "%s/runs.jsonl", dir);
    jl = fopen(path, "w");
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    csv = fopen(path, "w");
    if (!jl || !csv) {
        fprintf(stderr, "geokv-cookie: cannot write files in %s\n", dir);
        goto cleanup;
    }
    cookie_report_csv_header(csv);

    char exps[256], strats[256];
    snprintf(exps, sizeof exps, "%s", o->experiments);
    fprintf(stderr, "geokv-cookie bench -> %s\n", dir);
    for (char *se, *e = strtok_r(exps, ",", &se); e; e = strtok_r(NULL, ",", &se)) {
        snprintf(strats, sizeof strats, "%s", o->strategies);
        for (char *ss, *s = strtok_r(strats, ",", &ss); s; s = strtok_r(NULL, ",", &ss)) {
            struct cookie_exp_config cfg = o->exp;
            struct cookie_exp_result res;
            cfg.experiment = e;
            cfg.strategy = cookie_strategy_find(s);
            if (!cfg.strategy || !cookie_exp_known(e)) {
                fprintf(stderr, "geokv-cookie: unknown strategy '%s' or experiment '%s'\n", s, e);
                goto cleanup;
            }
            if (cookie_exp_run(&cfg, &res, err, sizeof err) != 0) {
                fprintf(stderr, "geokv-cookie: %s/%s failed: %s\n", e, s, err);
                failures++;
                continue;
            }
            print_human(&cfg, &res);
            json_t *j = cookie_exp_to_json(&cfg, &res);
            json_dumpf(j, jl, JSON_COMPACT);
            fputc('\n', jl);
            fflush(jl);
            cookie_report_csv_rows(csv, j);
            fflush(csv);
            cookie_report_timeline(dir, &cfg, &res);
            json_array_append_new(runs, j);
            failures += res.leftovers != 0 || res.load.bad_content != 0;
            cookie_exp_result_free(&res);
        }
    }
    int plotted = !o->no_plot && run_gnuplot(dir, &o->exp) == 0;
    if (cookie_report_markdown(dir, config, runs, plotted ? "plots/cookie-hitratio.png" : NULL) != 0)
        fprintf(stderr, "geokv-cookie: writing %s/cookie-report.md failed\n", dir);
    if (!o->out) {
        unlink("results/cookie-latest");
        if (symlink(run_id, "results/cookie-latest") != 0)
            fprintf(stderr, "geokv-cookie: cannot link results/cookie-latest: %s\n", strerror(errno));
    }
    snprintf(path, sizeof path, "cat '%s/cookie-report.md' >&2", dir);
    if (system(path) != 0)
        fprintf(stderr, "geokv-cookie: cannot show the report\n");
    fprintf(stderr, "geokv-cookie: results in %s%s\n", dir,
            failures ? " (SOME RUNS FAILED)" : "");
    rc = failures ? 1 : 0;
cleanup:
    if (jl)
        fclose(jl);
    if (csv)
        fclose(csv);
    json_decref(runs);
    json_decref(config);
    return rc;
}

int main(int argc, char **argv)
{
    if (util_version_wanted(argc, argv)) {
        util_version_print(stdout, "geokv-cookie");
        return 0;
    }
    struct opts o = { .strategies = "cookie,modulo,ketama",
                      .experiments = "steady,kill,hang,scaleout,cookieloss" };
    cookie_exp_config_default(&o.exp);
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    if (parse_args(argc - 1, argv + 1, &o) < 0)
        return 2;
    cookie_proc_init();   /* atexit + SIGINT/SIGTERM: no memcached survives us */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "geokv-cookie: curl_global_init failed\n");
        return 1;
    }
    int rc;
    if (strcmp(cmd, "run") == 0) {
        rc = cmd_run(&o);
    } else if (strcmp(cmd, "bench") == 0) {
        rc = cmd_bench(&o);
    } else {
        fprintf(stderr, "geokv-cookie: unknown command '%s' (run, bench, --help)\n", cmd);
        rc = 2;
    }
    curl_global_cleanup();
    return rc;
}
