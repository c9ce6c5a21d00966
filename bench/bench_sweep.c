/* bench_sweep.c: the sweep loop of `geokv-bench run` (see bench_sweep.h).
 *
 * Clean state: every (mode, N, repetition) run gets a FRESH cluster (new
 * members with empty data dirs, a new WAN emulator, leadership moved to the
 * chosen member, the CLADNet spec written), and the cluster is stopped and
 * its data dirs removed after the run. A three-member start on this machine
 * takes a couple of seconds, small beside a run, and a fresh cluster leaves
 * no doubt about leftover keys, leases, watchers, revisions, database size,
 * raft log or TCP connections from the previous run, which wipe + compact +
 * defragment would each have to be trusted to reset. The next run's cluster
 * starts while the current run stops (prestart_launch), so most of a start
 * is not waited for.
 */
#include "bench/bench_sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_cluster.h"
#include "bench/bench_dist.h"
#include "bench/bench_env.h"
#include "bench/bench_external.h"
#include "bench/bench_fault.h"
#include "bench/bench_preflight.h"
#include "bench/bench_metrics.h"
#include "bench/bench_order.h"
#include "bench/bench_progress.h"
#include "bench/bench_record.h"
#include "bench/bench_results.h"
#include "bench/bench_wall.h"
#include "bench/bench_wan.h"
#include "sim/cb/cb_profile.h"
#include "sim/cb/cb_run.h"
#include "sim/wan/topology.h"
#include "sim/wan/wan.h"
#include "sim/util/util_clock.h"
#include "sim/util/util_data.h"
#include "sim/util/util_version.h"

volatile sig_atomic_t bench_stop_signal;
/* cb_run_config.stop wants a volatile int: sig_atomic_t is int on Linux. */
static volatile int bench_stop_flag;

#define METRICS_TIMEOUT_MS 5000

typedef struct sweep {
    bench_opts o;
    int argc;
    char **argv;
    topology *topo;
    bench_results res;
    bench_triple *order;
    size_t total;
    json_t *pids;              /* pids.json content */
    bool tty;
    double t0;                 /* sweep start, monotonic */
    double done_w, remaining_w;
    double run_t0;
    int k;                     /* position of the current run (1-based, counting skipped ones) */
    const bench_triple *cur;
    pthread_mutex_t progress_mu;
    int runs_done, runs_failed;
    bench_fault *fault;        /* --fault (bench_fault.c), NULL: none */
    cb_profile profile;        /* --profile with the --profile-set overrides applied */
    char *resume_profile;      /* --resume: the profile config.json embeds (JSON text), NULL: none */
    cb_end end;                /* --end */
    int deploy_region;         /* --start deploy: the profile's deploy_region in the topology */
    bench_external *ext;       /* --endpoints: an existing cluster instead of a fresh one per run */
    bench_wall wall;           /* where the sweep's wall time went (wall.json) */
    const bench_triple *next;  /* the run after the current one, NULL: none */
    struct prestart {          /* the next run's cluster, started while the current run stops */
        pthread_t th;
        bool running;          /* launched, not joined yet */
        const bench_triple *t; /* the run it is for */
        bench_cluster_config cc;
        char base[1400];
        bench_cluster *c;      /* after the join: the cluster, NULL when it failed (err) */
        char err[512];
    } pre;
    double wall_before;        /* --resume: the wall time of the earlier invocations */
    bench_dist *dist;          /* runs spread over processes (bench_dist.h), NULL: one process */
} sweep;

static void logf_(sweep *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(sweep *s, const char *fmt, ...)
{
    va_list ap;
    pthread_mutex_lock(&s->progress_mu);
    if (s->tty)
        fputs("\r\033[K", stderr);
    fputs("geokv-bench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    pthread_mutex_unlock(&s->progress_mu);
}

static void on_signal(int sig)
{
    if (bench_stop_signal != 0) {
        /* Second signal: stop waiting for a clean end. Members die with us
         * (PR_SET_PDEATHSIG in the rig). */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    bench_stop_signal = sig;
    bench_stop_flag = 1;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

static void draw_progress(sweep *s, int agents_done)
{
    char line[256];
    double elapsed = util_now_s() - s->t0;
    double eta = bench_eta_s(elapsed - (util_now_s() - s->run_t0), s->done_w, s->remaining_w);
    if (!s->tty || s->cur == NULL)
        return;
    bench_progress_format(line, sizeof line, s->k, (int)s->total, s->o.modes[s->cur->mode], s->cur->n,
                          s->cur->rep, elapsed, eta, agents_done, s->cur->n);
    pthread_mutex_lock(&s->progress_mu);
    fprintf(stderr, "\r\033[K%s", line);
    fflush(stderr);
    pthread_mutex_unlock(&s->progress_mu);
}

static void on_progress(int agents_done, int n_agents, void *ud)
{
    (void)n_agents;
    draw_progress(ud, agents_done);
}

/* The seed of one run: a function of the sweep seed and the triple only, so
 * a resumed sweep gives a run the same host ids and start offsets. */
static uint64_t run_seed(uint64_t seed, const char *mode, int n, int rep)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = mode; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    h ^= seed + ((uint64_t)n << 32) + (uint64_t)rep;
    return bench_rand_next(&h);
}

static json_t *options_json(const bench_opts *o)
{
    json_t *j = json_object(), *n = json_array(), *modes = json_array();
    for (size_t i = 0; i < o->n_n; i++)
        json_array_append_new(n, json_integer(o->n[i]));
    for (size_t i = 0; i < o->n_modes; i++)
        json_array_append_new(modes, json_string(o->modes[i]));
    json_object_set_new(j, "n", n);
    json_object_set_new(j, "modes", modes);
    json_object_set_new(j, "reps", json_integer(o->reps));
    json_object_set_new(j, "rtt_scale", json_real(o->rtt_scale));
    json_object_set_new(j, "delay_scale", json_real(o->delay_scale));
    json_object_set_new(j, "time_scale", json_real(o->time_scale));   /* 0: not given */
    json_object_set_new(j, "seed", json_integer((json_int_t)o->seed));
    json_object_set_new(j, "topology", json_string(o->topology));
    json_object_set_new(j, "controller_region", json_string(o->controller_region));
    json_object_set_new(j, "start", json_string(o->start_spec));
    json_object_set_new(j, "out", json_string(o->out));
    json_object_set_new(j, "leader", json_string(o->leader));
    json_object_set_new(j, "policy", json_string(o->policy));
    json_object_set_new(j, "transport", json_string(o->transport));
    json_object_set_new(j, "wan_spin", o->wan_spin_us == 0 ? json_string("auto")
                                       : o->wan_spin_us < 0 ? json_string("off") : json_real(o->wan_spin_us));
    json_object_set_new(j, "fault", json_string(o->fault));
    json_object_set_new(j, "no_wan", json_boolean(o->no_wan));
    json_object_set_new(j, "timeout_s", json_real(o->timeout_s));
    json_object_set_new(j, "etcd_fsync", json_boolean(o->etcd_fsync));
    json_object_set_new(j, "spec_cache", json_integer(o->spec_cache));
    json_object_set_new(j, "init_lock", json_integer(o->init_lock));
    json_object_set_new(j, "profile", json_string(o->profile));
    json_object_set_new(j, "end", json_string(o->end));
    return j;
}

/* --profile-set, as given, in order. */
static json_t *profile_overrides_json(const bench_opts *o)
{
    json_t *a = json_array();
    for (size_t i = 0; i < o->n_profile_set; i++)
        json_array_append_new(a, json_string(o->profile_set[i]));
    return a;
}

/* Every mode geokv-bench knows, in the registry's order: geokv-model reads
 * it back as the display order of a run's modes (and their colours). */
static json_t *mode_order_json(void)
{
    json_t *a = json_array();
    for (const char *const *m = cb_mode_names(); *m; m++)
        json_array_append_new(a, json_string(*m));
    return a;
}

static int write_config(sweep *s, char *err, size_t err_len)
{
    json_t *c = json_object(), *argv = json_array(), *order = json_array(), *cluster = json_object(),
           *members = json_array(), *delays = json_object();
    char created[32];
    int hb, el, rc;
    double max_rtt = 0;
    time_t now = time(NULL);
    struct tm tm;
    cb_delays d;

    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    for (int i = 0; i < s->argc; i++)
        json_array_append_new(argv, json_string(s->argv[i]));
    for (size_t i = 0; i < s->total; i++)
        json_array_append_new(order, json_pack("{s:i,s:s,s:i,s:i}", "order", s->order[i].order, "mode",
                                               s->o.modes[s->order[i].mode], "n", s->order[i].n, "rep",
                                               s->order[i].rep));
    for (int i = 0; i < s->topo->n_members; i++) {
        json_array_append_new(members, json_pack("{s:s,s:s}", "name", bench_cluster_member_name(s->topo, i),
                                                 "region", s->topo->regions[s->topo->members[i].region].id));
        for (int j = 0; j < s->topo->n_members; j++)
            if (j != i && topology_member_rtt_ms(s->topo, i, j) > max_rtt)
                max_rtt = topology_member_rtt_ms(s->topo, i, j);
    }
    bench_cluster_timeouts(max_rtt, &hb, &el);
    if (s->ext) {   /* an existing cluster: its endpoints, not the topology's members */
        json_decref(cluster);
        json_decref(members);
        cluster = bench_external_json(s->ext);
        goto delays;
    }
    json_object_set_new(cluster, "members", members);
    json_object_set_new(cluster, "heartbeat_ms", json_integer(hb));
    json_object_set_new(cluster, "election_ms", json_integer(el));
    json_object_set_new(cluster, "fsync", json_boolean(s->o.etcd_fsync));
    json_object_set_new(cluster, "wan_emulator", json_boolean(!s->o.no_wan));
    json_object_set_new(cluster, "leader", json_string(s->o.leader));
    json_object_set_new(cluster, "clean_state", json_string("fresh cluster per run"));
delays:
    cb_delays_default(&d);
    json_object_set_new(delays, "watch_sleep_s", json_real(d.watch_sleep_s * s->o.delay_scale));
    json_object_set_new(delays, "iface_config_s", json_real(d.iface_config_s * s->o.delay_scale));
    json_object_set_new(delays, "public_ip_s", json_real(d.public_ip_s * s->o.delay_scale));

    json_object_set_new(c, "run_id", json_string(s->res.run_id));
    json_object_set_new(c, "created_utc", json_string(created));
    json_object_set_new(c, "seed", json_integer((json_int_t)s->o.seed));
    json_object_set_new(c, "argv", argv);
    json_object_set_new(c, "command", json_string("geokv-bench run"));
    json_object_set_new(c, "options", options_json(&s->o));
    json_object_set_new(c, "mode_order", mode_order_json());
    json_object_set_new(c, "topology", topology_to_json(s->topo));
    json_object_set_new(c, "cluster", cluster);
    json_object_set_new(c, "delays", delays);
    /* the end of setup setup_s measures; runs before this key measured "ips" */
    json_object_set_new(c, "end_criterion", json_string(cb_end_name(s->end)));
    /* the profile as the runs used it: every value with its source */
    json_object_set_new(c, "profile", cb_profile_json(&s->profile));
    json_object_set_new(c, "profile_overrides", profile_overrides_json(&s->o));
    json_object_set_new(c, "order", order);
    json_object_set_new(c, "versions", bench_env_versions(getenv("GEOKV_ETCD") ? getenv("GEOKV_ETCD") : "etcd"));
    /* what this binary was built from (stamped at build time), not the
     * work tree beside it, which may have moved on */
    json_object_set_new(c, "version", json_string(util_version_project));
    json_object_set_new(c, "git_describe", json_string(util_version_git));
    json_object_set_new(c, "machine", bench_env_machine());
    rc = bench_write_json_atomic(s->res.dir, "config.json", c, err, err_len);
    json_decref(c);
    return rc;
}

static void write_pids(sweep *s)
{
    char err[256];
    if (bench_write_json_atomic(s->res.dir, "pids.json", s->pids, err, sizeof err) != 0)
        logf_(s, "warning: %s", err);
}

static void record_pids(sweep *s, const bench_cluster *c, const char *run_name)
{
    json_t *members = json_object_get(s->pids, "members");
    for (int i = 0; i < c->rig->n; i++)
        json_array_append_new(members, json_pack("{s:s,s:s,s:i}", "run", run_name, "name", c->names[i], "pid",
                                                 (int)c->rig->m[i].pid));
    write_pids(s);
}

/* Byte counters of every WAN link, keyed by link name, for deltas. */
static json_t *wan_snapshot(bench_cluster *c)
{
    return c->wan ? wan_counters(c->wan) : NULL;
}

static void scrape_all(sweep *s, bench_cluster *c, bench_counters *out)
{
    for (int i = 0; i < c->n; i++) {
        char err[256];
        if (bench_metrics_scrape(c->rig->m[i].metrics_url, METRICS_TIMEOUT_MS, &out[i], err, sizeof err) != 0)
            logf_(s, "warning: metrics of %s: %s", c->names[i], err);
    }
}

/* Every endpoint's counters (an existing cluster). */
static void scrape_external(sweep *s, bench_counters *out)
{
    for (int i = 0; i < bench_external_members(s->ext); i++) {
        bench_external_scrape(s->ext, i, METRICS_TIMEOUT_MS, &out[i]);
        if (!out[i].ok)
            logf_(s, "warning: metrics of %s: %s", bench_external_member_name(s->ext, i), out[i].error);
    }
}

/* The run's cluster, existing or fresh: its members' counters; where a
 * process of a region reaches it. */
static void scrape_members(sweep *s, bench_cluster *c, bench_counters *out)
{
    if (s->ext)
        scrape_external(s, out);
    else
        scrape_all(s, c, out);
}

static void place(const sweep *s, const bench_cluster *c, int region, cb_place *out)
{
    if (s->ext)
        bench_external_place(s->ext, region, out);
    else
        bench_cluster_place(c, region, out);
}

/* --time-scale's factor, 1 when not given. */
static double time_factor(const bench_opts *o)
{
    return o->time_scale > 0 ? o->time_scale : 1.0;
}

/* The cluster of run t: members' data under <run dir>/etcd, its WAN seed
 * from the run's. */
static void cluster_config(const sweep *s, const bench_triple *t, char *base, size_t base_len,
                           bench_cluster_config *cc)
{
    snprintf(base, base_len, "%s/etcd", s->res.dir);
    memset(cc, 0, sizeof *cc);
    cc->topo = s->topo;
    cc->no_wan = s->o.no_wan;
    cc->base_dir = base;
    cc->fsync = s->o.etcd_fsync;
    cc->leader = s->o.leader;
    cc->seed = run_seed(s->o.seed, s->o.modes[t->mode], t->n, t->rep);
    cc->wan_spin_us = s->o.wan_spin_us;
    cc->listen = s->dist ? s->dist->listen : NULL;
}

static void *prestart_main(void *arg)
{
    struct prestart *p = arg;
    if (bench_cluster_start(&p->cc, &p->c, p->err, sizeof p->err) != 0)
        p->c = NULL;
    return NULL;
}

/* cb_run's on_quiescent: the current run has measured everything it times,
 * so the next run's cluster starts now, while this one stops, is checked
 * and recorded (what it still counts, bytes and the final keyspace, is not
 * timing). Not with --fault: a fault scenario owns its cluster's life; not
 * with --endpoints: an existing cluster is not started. */
static void prestart_launch(void *ud)
{
    sweep *s = ud;
    if (s->fault || s->ext || s->next == NULL || s->pre.running || bench_stop_flag)
        return;
    memset(&s->pre, 0, sizeof s->pre);
    s->pre.t = s->next;
    cluster_config(s, s->next, s->pre.base, sizeof s->pre.base, &s->pre.cc);
    s->pre.running = pthread_create(&s->pre.th, NULL, prestart_main, &s->pre) == 0;
}

/* The cluster started ahead for run t, joined: 1 (*c set, or err when it
 * failed to start), or 0 when none was started for t. */
static int prestart_take(sweep *s, const bench_triple *t, bench_cluster **c, char *err, size_t err_len)
{
    if (!s->pre.running || s->pre.t != t)
        return 0;
    pthread_join(s->pre.th, NULL);
    s->pre.running = false;
    *c = s->pre.c;
    if (*c == NULL)
        snprintf(err, err_len, "%s", s->pre.err);
    return 1;
}

/* A cluster started ahead and not used (the sweep stopped): stopped. */
static void prestart_discard(sweep *s)
{
    if (!s->pre.running)
        return;
    pthread_join(s->pre.th, NULL);
    s->pre.running = false;
    bench_cluster_stop(s->pre.c);
    s->pre.c = NULL;
}

/* The configuration of the run of triple t (seed: its run_seed) with agents
 * placed in regions[] (t->n), each region reached through region_places[]
 * (a bench_cluster's, or as a spread sweep's owner shared them). places
 * (t->n) and *deploy_out (--start deploy, malloc'd) are the caller's. 0, or
 * -1 (err). */
static int run_config(sweep *s, const bench_triple *t, uint64_t seed, const int *regions,
                      const cb_place *region_places, cb_place *places, double **deploy_out, cb_run_config *cfg,
                      char *err, size_t err_len)
{
    for (int i = 0; i < t->n; i++)
        places[i] = region_places[regions[i]];
    cb_run_config_default(cfg);
    cfg->mode = s->o.modes[t->mode];
    cfg->n_agents = t->n;
    cfg->agents = places;
    cfg->controller = region_places[s->topo->controller_region];
    if (etcd_policy_parse(s->o.policy, &cfg->policy) != 0)
        cfg->policy = ETCD_POLICY_ROUND_ROBIN;
    if (etcd_transport_parse(s->o.transport, &cfg->transport) != 0)
        cfg->transport = ETCD_TRANSPORT_NATIVE;
    cb_delays_default(&cfg->delays);
    cfg->delay_scale = s->o.delay_scale;
    cfg->time_scale = s->o.time_scale;
    cfg->security = s->ext ? bench_external_security(s->ext) : NULL;
    if (s->o.spec_cache >= 0)
        cfg->ablation.spec_cache = s->o.spec_cache;
    if (s->o.init_lock >= 0)
        cfg->ablation.init_lock = s->o.init_lock;
    cfg->start = s->o.start == BENCH_START_GAP ? CB_START_GAP
              : s->o.start == BENCH_START_RANDOM ? CB_START_RANDOM
              : s->o.start == BENCH_START_DEPLOY ? CB_START_DEPLOY : CB_START_ALL;
    if (cfg->start == CB_START_DEPLOY) {
        /* from the deploy host's region to each agent's, as the run's WAN has them */
        double *deploy_rtt = *deploy_out = calloc((size_t)t->n, sizeof *deploy_rtt);
        if (!deploy_rtt) {
            snprintf(err, err_len, "out of memory");
            return -1;
        }
        for (int i = 0; i < t->n; i++)
            deploy_rtt[i] = s->o.no_wan ? 0 : topology_rtt_ms(s->topo, s->deploy_region, regions[i]);
        cfg->deploy_rtt_ms = deploy_rtt;
    }
    cfg->profile = &s->profile;
    cfg->end = s->end;
    /* the start schedule is a delay too: --time-scale compresses it with the rest */
    cfg->start_gap_s = s->o.start == BENCH_START_GAP ? s->o.start_param_s * time_factor(&s->o) : 0;
    cfg->start_window_s = s->o.start == BENCH_START_RANDOM ? s->o.start_param_s * time_factor(&s->o) : 0;
    cfg->seed = seed;
    cfg->timeout_s = s->o.timeout_s;
    cfg->progress = on_progress;
    cfg->progress_ud = s;
    cfg->stop = &bench_stop_flag;
    cfg->skip_reset = true;      /* a fresh cluster (an empty prefix) holds nothing but the spec */
    return 0;
}

/* ---- a sweep spread over processes (bench_dist.h) ---- */

/* Where every region reaches the cluster, as a shared run message carries
 * it: the strings point into the message, which must outlive the places. */
typedef struct dist_regions {
    cb_place place[TOPO_MAX_REGIONS];
    const char *urls[TOPO_MAX_REGIONS][ETCD_RIG_MAX_MEMBERS];
    double rtt[TOPO_MAX_REGIONS][ETCD_RIG_MAX_MEMBERS];
} dist_regions;

/* The owner's message for one run: the triple, its seed and, per region,
 * the endpoints (through that region's emulator links) with their RTTs. */
static json_t *dist_run_msg(sweep *s, const bench_triple *t, uint64_t seed, const cb_place *region_places)
{
    json_t *regs = json_array();
    for (int r = 0; r < s->topo->n_regions; r++) {
        json_t *urls = json_array(), *rtt = json_array();
        for (size_t m = 0; m < region_places[r].n_endpoints; m++) {
            json_array_append_new(urls, json_string(region_places[r].endpoints[m]));
            const double *rtt_ms = region_places[r].endpoint_rtt_ms;
            json_array_append_new(rtt, json_real(rtt_ms ? rtt_ms[m] : 0));
        }
        json_array_append_new(regs, json_pack("{s:s,s:o,s:o}", "provider",
                                              region_places[r].provider ? region_places[r].provider : "",
                                              "urls", urls, "rtt", rtt));
    }
    json_t *msg = json_pack("{s:i,s:i,s:i,s:i,s:I,s:o}", "mode", t->mode, "n", t->n, "rep", t->rep, "order",
                            t->order, "seed", (json_int_t)seed, "regions", regs);
    /* an existing cluster: every rank's keys under the owner's prefix (the
     * credentials each rank reads on its own host, never sent) */
    if (msg && s->ext)
        json_object_set_new(msg, "key_prefix", json_string(bench_external_prefix(s->ext)));
    return msg;
}

static int dist_regions_from(sweep *s, const json_t *msg, dist_regions *dr)
{
    const json_t *regs = json_object_get(msg, "regions");
    if (json_array_size(regs) != (size_t)s->topo->n_regions)
        return -1;
    memset(dr, 0, sizeof *dr);
    for (int r = 0; r < s->topo->n_regions; r++) {
        const json_t *reg = json_array_get(regs, (size_t)r), *urls = json_object_get(reg, "urls");
        size_t n = json_array_size(urls);
        if (n == 0 || n > ETCD_RIG_MAX_MEMBERS)
            return -1;
        for (size_t m = 0; m < n; m++) {
            dr->urls[r][m] = json_string_value(json_array_get(urls, m));
            dr->rtt[r][m] = json_number_value(json_array_get(json_object_get(reg, "rtt"), m));
        }
        dr->place[r].region = s->topo->regions[r].id;
        dr->place[r].provider = json_string_value(json_object_get(reg, "provider"));
        dr->place[r].endpoints = dr->urls[r];
        dr->place[r].n_endpoints = n;
        dr->place[r].endpoint_rtt_ms = dr->rtt[r];
    }
    return 0;
}

/* Owner, right before cb_run: shares the run (with --listen its endpoints
 * name that address: bench_cluster_config.listen), gives cfg the dist hooks
 * and this rank's agents. */
static int dist_share_run(sweep *s, const bench_triple *t, uint64_t seed, const cb_place *region_places,
                          const int *regions, unsigned char **local, cb_run_config *cfg, char *err, size_t err_len)
{
    json_t *msg = dist_run_msg(s, t, seed, region_places);
    char *text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
    int rc = -1;
    *local = calloc((size_t)t->n, 1);
    if (!text || !*local) {
        snprintf(err, err_len, "out of memory sharing the run");
        goto cleanup;
    }
    if (s->dist->share(s->dist->run.ud, text, NULL) != 0) {
        snprintf(err, err_len, "sharing the run with the other ranks failed");
        goto cleanup;
    }
    bench_dist_local(s->dist, regions, t->n, *local);
    s->dist->run.local = *local;
    cfg->dist = &s->dist->run;
    rc = 0;
cleanup:
    json_decref(msg);
    free(text);
    return rc;
}

/* One shared run on a rank that does not own the sweep. 0, or -1 when the
 * message cannot be used (the owner and this rank disagree: a bug). */
static int dist_worker_run(sweep *s, const json_t *msg)
{
    dist_regions dr;
    bench_triple t = {.mode = (int)json_integer_value(json_object_get(msg, "mode")),
                      .n = (int)json_integer_value(json_object_get(msg, "n")),
                      .rep = (int)json_integer_value(json_object_get(msg, "rep")),
                      .order = (int)json_integer_value(json_object_get(msg, "order"))};
    uint64_t seed = (uint64_t)json_integer_value(json_object_get(msg, "seed"));
    const char *prefix = json_string_value(json_object_get(msg, "key_prefix"));
    cb_place *places = calloc((size_t)(t.n > 0 ? t.n : 1), sizeof *places);
    int *regions = calloc((size_t)(t.n > 0 ? t.n : 1), sizeof *regions);
    unsigned char *local = calloc((size_t)(t.n > 0 ? t.n : 1), 1);
    double *deploy_rtt = NULL;
    char err[512];
    cb_run_config cfg;
    cb_run_result r;
    etcd_status st;
    int rc = -1;
    memset(&r, 0, sizeof r);
    if (!places || !regions || !local || t.mode < 0 || (size_t)t.mode >= s->o.n_modes || t.n < 1 ||
        dist_regions_from(s, msg, &dr) != 0 || topology_place_agents(s->topo, t.n, regions) != 0) {
        fprintf(stderr, "geokv-bench: rank %d: unusable run message\n", s->dist->rank);
        goto cleanup;
    }
    if (s->ext && (!prefix || !prefix[0] || bench_external_set_prefix(s->ext, prefix, err, sizeof err) != 0)) {
        fprintf(stderr, "geokv-bench: rank %d: the run message holds no usable key prefix for --endpoints\n",
                s->dist->rank);
        goto cleanup;
    }
    if (run_config(s, &t, seed, regions, dr.place, places, &deploy_rtt, &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-bench: rank %d: %s\n", s->dist->rank, err);
        goto cleanup;
    }
    cfg.progress = NULL;
    bench_dist_local(s->dist, regions, t.n, local);
    s->dist->run.local = local;
    cfg.dist = &s->dist->run;
    if (cb_run(&cfg, &r, &st) != ETCD_OK)
        fprintf(stderr, "geokv-bench: rank %d: run %s N=%d rep %d: %s\n", s->dist->rank, s->o.modes[t.mode], t.n,
                t.rep, st.message);
    s->dist->columns(s->dist->run.ud, NULL);
    rc = 0;
cleanup:
    cb_run_result_free(&r);
    free(places);
    free(regions);
    free(local);
    free(deploy_rtt);
    return rc;
}

/* A rank that does not own the sweep: runs what the owner shares until it
 * says the sweep is over. 0, or 2 when the ranks cannot go on together. */
static int dist_worker_loop(sweep *s)
{
    for (;;) {
        char *text = NULL;
        json_t *msg;
        int rc;
        if (s->dist->share(s->dist->run.ud, NULL, &text) != 0)
            return 2;
        msg = json_loads(text, 0, NULL);
        free(text);
        if (!msg || json_is_true(json_object_get(msg, "done"))) {
            json_decref(msg);
            return msg ? 0 : 2;
        }
        rc = dist_worker_run(s, msg);
        json_decref(msg);
        if (rc != 0)
            return 2;
    }
}

static int run_one(sweep *s, const bench_triple *t, json_t **out_rec)
{
    const char *mode = s->o.modes[t->mode];
    char name[96], base[1400], timeline[1400], rel_timeline[160], err[512] = "", leader_name[32];
    bench_cluster_config cc;
    bench_cluster *c = NULL;
    etcd_client *admin = NULL;
    cb_run_config cfg;
    cb_run_result r;
    cb_place *places = NULL, region_places[TOPO_MAX_REGIONS];
    int *regions = NULL;
    unsigned char *local = NULL;
    double *deploy_rtt = NULL;
    bench_counters before[ETCD_RIG_MAX_MEMBERS], after[ETCD_RIG_MAX_MEMBERS];
    bench_link_bytes *links = NULL;
    size_t n_links = 0;
    json_t *wan_before = NULL, *wan_after = NULL;
    bench_meas m;
    etcd_status st;
    double t0 = util_now_s();
    int rc = -1, leader_after;
    bool ran = false;

    memset(&r, 0, sizeof r);
    memset(&m, 0, sizeof m);   /* m.run_call_s is set before the record is built */
    memset(before, 0, sizeof before);
    memset(after, 0, sizeof after);
    memset(&st, 0, sizeof st);
    snprintf(name, sizeof name, "%s-n%d-r%d", mode, t->n, t->rep);
    snprintf(rel_timeline, sizeof rel_timeline, "timelines/%s.jsonl", name);
    snprintf(timeline, sizeof timeline, "%s/%s", s->res.dir, rel_timeline);
    unlink(timeline);   /* a run interrupted earlier may have left a partial one */

    cluster_config(s, t, base, sizeof base, &cc);
    if (!s->ext) {
        if (prestart_take(s, t, &c, err, sizeof err) == 0) {
            prestart_discard(s);   /* started for another run: not expected, but never leaked */
            if (bench_cluster_start(&cc, &c, err, sizeof err) != 0)
                c = NULL;
        }
        m.cluster_wait_s = util_now_s() - t0;
        if (c == NULL)
            goto record;
        record_pids(s, c, name);
    }
    if (bench_stop_flag)
        goto record;

    /* Placement: FIG. 6 round robin over the regions. */
    regions = calloc((size_t)t->n, sizeof *regions);
    places = calloc((size_t)t->n, sizeof *places);
    if (!regions || !places || topology_place_agents(s->topo, t->n, regions) != 0) {
        snprintf(err, sizeof err, "cannot place %d agents on topology %s", t->n, s->topo->path);
        goto record;
    }
    for (int g = 0; g < s->topo->n_regions; g++)
        place(s, c, g, &region_places[g]);
    if (run_config(s, t, cc.seed, regions, region_places, places, &deploy_rtt, &cfg, err, sizeof err) != 0)
        goto record;
    cfg.timeline_path = timeline;
    cfg.on_quiescent = prestart_launch;
    cfg.quiescent_ud = s;

    if ((s->ext ? bench_external_admin_client(s->ext, &admin, err, sizeof err)
                : bench_cluster_admin_client(c, &admin, err, sizeof err)) != 0)
        goto record;
    if (cb_write_spec(admin, &cfg, &st) != ETCD_OK) {
        snprintf(err, sizeof err, "cannot write the CLADNet spec: %s", st.message);
        goto record;
    }

    /* --fault: faultless baseline first, then arm the scheduler (bench_fault.c) */
    if (s->fault && bench_fault_begin(s->fault, c, admin, &cfg, s->res.dir, s->pids, name, err, sizeof err) != 0)
        goto record;
    scrape_members(s, c, before);
    wan_before = c ? wan_snapshot(c) : NULL;
    if (s->dist && dist_share_run(s, t, cc.seed, region_places, regions, &local, &cfg, err, sizeof err) != 0)
        goto record;
    ran = true;
    m.run_call_s = util_now_s();
    if (cb_run(&cfg, &r, &st) != ETCD_OK)
        snprintf(err, sizeof err, "run failed: %s", st.message);
    else if (!r.completed)
        snprintf(err, sizeof err, "%s", bench_stop_flag ? "stopped by signal"
                                        : r.error[0] ? r.error : "run did not complete before its timeout");
    m.run_call_s = util_now_s() - m.run_call_s;
    if (s->fault)
        bench_fault_stop(s->fault);   /* no fault action may run once the cluster goes */
    scrape_members(s, c, after);
    wan_after = c ? wan_snapshot(c) : NULL;
    if (wan_before && wan_after) {
        links = bench_wan_link_deltas(wan_before, wan_after, &n_links);
        m.wan_loop_cpu_s = json_real_value(json_object_get(wan_after, "loop_cpu_s")) -
                           json_real_value(json_object_get(wan_before, "loop_cpu_s"));
        m.wan_spin_s = json_real_value(json_object_get(wan_after, "spin_s")) -
                       json_real_value(json_object_get(wan_before, "spin_s"));
    }

record:
    leader_after = c ? bench_cluster_leader(c) : -1;
    m.run_id = s->res.run_id;
    m.mode = mode;
    m.n = t->n;
    m.rep = t->rep;
    m.order = t->order;
    m.seed = s->o.seed;
    m.rtt_scale = s->o.no_wan || s->ext ? 0 : s->o.rtt_scale;
    m.delay_scale = s->o.delay_scale;
    m.time_scale = bench_opts_rescale_factor(&s->o);
    m.fault = s->o.fault;
    m.profile = s->profile.name;
    m.end_criterion = cb_end_name(s->end);
    /* a copy: the record is built after bench_cluster_stop frees c->names */
    snprintf(leader_name, sizeof leader_name, "%s", c ? c->names[leader_after >= 0 ? leader_after : c->leader] : "");
    m.leader = leader_name;
    m.leader_changed = c && leader_after != c->leader;
    m.cluster_start_s = c ? c->start_s : 0;
    m.rig_start_s = c ? c->rig_start_s : 0;
    m.leader_move_s = c ? c->leader_move_s : 0;
    m.leader_moves = c ? c->leader_moves : 0;
    m.res = ran ? &r : NULL;
    if ((c || s->ext) && ran) {
        m.n_members = c ? c->n : bench_external_members(s->ext);
        for (int i = 0; i < m.n_members; i++) {
            bench_metrics_delta(&before[i], &after[i], &m.members[i]);
            snprintf(m.members[i].name, sizeof m.members[i].name, "%s",
                     c ? c->names[i] : bench_external_member_name(s->ext, i));
        }
    }
    m.has_wan = c && c->wan && ran;
    m.links = links;
    m.n_links = n_links;
    m.timeline = ran ? rel_timeline : "";
    m.error = err;
    etcd_client_free(admin);
    admin = NULL;
    m.stop_s = util_now_s();
    bench_cluster_stop(c);     /* every member and the emulator, on every path */
    c = NULL;
    /* an existing cluster left as found: the run's keys go, on every path */
    if (s->ext) {
        char cerr[512];
        if (bench_external_clear(s->ext, cerr, sizeof cerr) != 0) {
            logf_(s, "warning: %s", cerr);
            if (!err[0])
                snprintf(err, sizeof err, "%s", cerr);
        }
    }
    m.stop_s = util_now_s() - m.stop_s;
    m.wall_s = util_now_s() - t0;
    *out_rec = bench_record_json(&m);
    if (s->dist && ran)
        s->dist->columns(s->dist->run.ud, *out_rec);   /* a collective: after every shared run */
    rc = ran && r.completed && r.checker_ok && err[0] == '\0' ? 0 : -1;
    if (s->fault && ran && bench_fault_end(s->fault, &r, *out_rec) > 0)
        rc = -1;   /* a fault that did not happen as planned: not the scenario asked for */

    json_decref(wan_before);
    json_decref(wan_after);
    free(links);
    free(places);
    free(regions);
    free(local);
    free(deploy_rtt);
    cb_run_result_free(&r);
    return rc;
}

/* --profile read (a name in the data directory's sim/cb/profiles, or a
 * file), the --profile-set overrides applied in order, --end resolved;
 * --start deploy needs the profile's deploy_region in the topology. 0, or
 * -1 (err). */
static int load_profile(sweep *s, char *err, size_t err_len)
{
    char msg[768];
    if (s->resume_profile) {
        /* a resumed sweep goes on with the profile its first runs used, even
         * if the file changed since: config.json holds it, overrides applied */
        json_t *j = json_loads(s->resume_profile, 0, NULL);
        const char *path = json_string_value(json_object_get(j, "path"));
        int rc = cb_profile_parse(s->resume_profile, "config.json", &s->profile, msg, sizeof msg);
        if (rc == 0)
            snprintf(s->profile.path, sizeof s->profile.path, "%s", path ? path : "");
        json_decref(j);
        if (rc != 0) {
            snprintf(err, err_len, "cannot resume: the profile in config.json: %s", msg);
            return -1;
        }
    } else if (cb_profile_load(s->o.profile, &s->profile, msg, sizeof msg) != 0) {
        snprintf(err, err_len, "--profile: %s", msg);
        return -1;
    }
    for (size_t i = 0; !s->resume_profile && i < s->o.n_profile_set; i++) {
        char key[BENCH_PROFILE_SET_LEN], src[BENCH_PROFILE_SET_LEN + 32];
        const char *kv = s->o.profile_set[i], *eq = strchr(kv, '=');
        snprintf(key, sizeof key, "%.*s", (int)(eq - kv), kv);
        snprintf(src, sizeof src, "--profile-set %s", kv);
        if (cb_profile_set(&s->profile, key, eq + 1, src, msg, sizeof msg) != 0) {
            snprintf(err, err_len, "--profile-set %s: %s", kv, msg);
            return -1;
        }
    }
    if (s->o.start_from_profile && bench_opts_set_start(&s->o, s->profile.start, msg, sizeof msg) != 0) {
        snprintf(err, err_len, "profile %s: its start schedule: %s", s->profile.name, msg);
        return -1;
    }
    if (cb_end_parse(s->o.end, &s->end) != 0) {
        snprintf(err, err_len, "--end: '%s' is not txn, rule, ips or tunneling", s->o.end);
        return -1;
    }
    s->deploy_region = topology_region_index(s->topo, s->profile.deploy_region);
    if (s->o.start == BENCH_START_DEPLOY && s->deploy_region < 0) {
        snprintf(err, err_len, "--start deploy: profile %s: its deploy_region \"%s\" is not a region of topology %s",
                 s->profile.name, s->profile.deploy_region, s->topo->path);
        return -1;
    }
    return 0;
}

static int load_resume(sweep *s, char *err, size_t err_len)
{
    char dir[BENCH_PATH_LEN], path[BENCH_PATH_LEN + 64];
    json_t *cfg = NULL, *argv;
    json_error_t je;
    bench_opts o;
    char **args = NULL;
    size_t n;
    int rc = -1;

    if (s->o.resume_dir[0])
        snprintf(dir, sizeof dir, "%s", s->o.resume_dir);
    else
        snprintf(dir, sizeof dir, "%.1000s/latest", s->o.out);
    snprintf(path, sizeof path, "%s/config.json", dir);
    cfg = json_load_file(path, 0, &je);
    if (cfg == NULL) {
        snprintf(err, err_len, "cannot resume: %.600s: %s (give the run directory: --resume results/<run-id>)",
                 path, je.text);
        goto cleanup;
    }
    argv = json_object_get(cfg, "argv");
    n = json_array_size(argv);
    args = calloc(n + 1, sizeof *args);
    for (size_t i = 0; args && i < n; i++)
        args[i] = (char *)json_string_value(json_array_get(argv, i));
    bench_opts_default(&o);
    if (args == NULL || bench_opts_parse((int)n, args, cb_mode_names(), &o, err, err_len) != 0) {
        char inner[256];
        snprintf(inner, sizeof inner, "%s", err);
        snprintf(err, err_len, "cannot resume: %.600s: stored options do not parse: %s", path, inner);
        goto cleanup;
    }
    o.seed = (uint64_t)json_integer_value(json_object_get(cfg, "seed"));
    o.seed_given = true;
    if (json_is_object(json_object_get(cfg, "profile")))
        s->resume_profile = json_dumps(json_object_get(cfg, "profile"), 0);
    o.resume = true;
    snprintf(o.resume_dir, sizeof o.resume_dir, "%s", dir);
    snprintf(o.out, sizeof o.out, "%s", s->o.out);
    s->o = o;
    rc = 0;
cleanup:
    free(args);
    json_decref(cfg);
    return rc;
}

/* A number of a record for the human table; "-" when the record has none
 * (run failed, or a member restarted so its counters have no delta). */
static void cell(const json_t *rec, const char *key, const char *fmt_real, int width, char *out, size_t out_len)
{
    json_t *v = json_object_get(rec, key);
    if (json_is_integer(v))
        snprintf(out, out_len, "%*lld", width, (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(out, out_len, fmt_real, width, json_real_value(v));
    else
        snprintf(out, out_len, "%*s", width, "-");
}

static void print_summary(sweep *s)
{
    size_t i;
    json_t *rec;
    /* a compressed sweep also shows its setup time at full time */
    bool full = s->o.time_scale > 0 && s->o.time_scale != 1.0;
    printf("%-9s %4s %4s %10s%s %12s %12s %8s\n", "mode", "n", "rep", "setup_s", full ? " setup_full_s" : "",
           "grpc_bytes", "http_bytes", "checker");
    json_array_foreach(s->res.records, i, rec) {
        char setup[32], setup_full[32] = "", grpc[32], http[32];
        cell(rec, "setup_s", "%*.3f", 10, setup, sizeof setup);
        if (full) {
            setup_full[0] = ' ';
            cell(rec, "setup_full_s", "%*.3f", 12, setup_full + 1, sizeof setup_full - 1);
        }
        cell(rec, "grpc_bytes", "%*.0f", 12, grpc, sizeof grpc);
        cell(rec, "http_bytes", "%*.0f", 12, http, sizeof http);
        printf("%-9s %4lld %4lld %s%s %s %s %8s\n", json_string_value(json_object_get(rec, "mode")),
               (long long)json_integer_value(json_object_get(rec, "n")),
               (long long)json_integer_value(json_object_get(rec, "rep")), setup, setup_full, grpc, http,
               json_is_true(json_object_get(rec, "checker_ok")) ? "ok" : "FAILED");
    }
}

/* --resume: the split so far, from wall.json (none: from zero). */
static void load_wall(sweep *s)
{
    char path[sizeof s->res.dir + 16];
    json_t *j;
    snprintf(path, sizeof path, "%s/wall.json", s->res.dir);
    j = json_load_file(path, 0, NULL);
    if (j != NULL) {
        bench_wall_from_json(&s->wall, j);
        s->wall_before = s->wall.wall_s;
    }
    json_decref(j);
}

/* The wall-time split of the sweep's runs: printed, and written to wall.json
 * in the run directory (a resumed sweep adds this invocation's to it). */
static void report_wall(sweep *s, double wall_s)
{
    char line[512], err[256];
    json_t *j;
    bench_wall_finish(&s->wall, s->wall_before + wall_s);
    bench_wall_format(&s->wall, line, sizeof line);
    logf_(s, "%s", line);
    j = bench_wall_json(&s->wall);
    if (j == NULL || bench_write_json_atomic(s->res.dir, "wall.json", j, err, sizeof err) != 0)
        logf_(s, "warning: wall.json: %s", j ? err : "out of memory");
    json_decref(j);
}

int bench_sweep_main(int argc, char **argv)
{
    return bench_sweep_main_dist(argc, argv, NULL);
}

int bench_sweep_main_dist(int argc, char **argv, bench_dist *dist)
{
    sweep s;
    char err[1024] = "";
    int status = 2;
    bool results_open = false;

    memset(&s, 0, sizeof s);
    s.dist = dist;
    pthread_mutex_init(&s.progress_mu, NULL);
    s.argc = argc;
    s.argv = argv;
    s.tty = isatty(STDERR_FILENO);
    bench_opts_default(&s.o);
    switch (bench_opts_parse(argc, argv, cb_mode_names(), &s.o, err, sizeof err)) {
    case 1:
        printf("usage: geokv-bench run [options]\n\n");
        bench_opts_usage(stdout);
        bench_fault_usage(stdout);
        printf("\nExit status: 0 every run completed with the checker green, 1 a run failed,\n"
               "2 bad options or set-up, 130/143 stopped by SIGINT/SIGTERM.\n");
        return 0;
    case -1:
        fprintf(stderr, "geokv-bench: %s\n", err);
        return 2;
    default:
        break;
    }
    if (s.o.resume && load_resume(&s, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-bench: %s\n", err);
        return 2;
    }
    if (!s.o.seed_given) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        s.o.seed = ((uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec * 1000003ULL ^ (uint64_t)getpid()) % 100000000ULL;
        s.o.seed_given = true;
    }
    {
        char path[BENCH_PATH_LEN + PATH_MAX + 2];
        /* the default is a data file; a given --topology FILE is a path */
        if (s.o.topology_given)
            snprintf(path, sizeof path, "%s", s.o.topology);
        else
            util_data_path(path, sizeof path, s.o.topology);
        if (topology_load(path, &s.topo, err, sizeof err) != 0) {
            fprintf(stderr, "geokv-bench: %s\n", err);
            return 2;
        }
        if (topology_set_rtt_scale(s.topo, s.o.rtt_scale) != 0) {
            fprintf(stderr, "geokv-bench: --rtt-scale %g rejected by the topology\n", s.o.rtt_scale);
            goto cleanup;
        }
        if (s.o.controller_region[0]) {
            int r = topology_region_index(s.topo, s.o.controller_region);
            if (r < 0) {
                fprintf(stderr, "geokv-bench: --controller-region: region \"%s\" is not in %s\n",
                        s.o.controller_region, path);
                goto cleanup;   /* status 2: bad input */
            }
            s.topo->controller_region = r;
        }
    }
    if (load_profile(&s, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-bench: %s\n", err);
        goto cleanup;   /* status 2: bad input */
    }
    if (s.o.fault[0]) {
        int min_n = s.o.n_n ? s.o.n[0] : 0;   /* a redeployed agent must exist in every run */
        for (size_t i = 0; i < s.o.n_n; i++)
            min_n = s.o.n[i] < min_n ? s.o.n[i] : min_n;
        if (bench_fault_prepare(s.o.fault, s.topo, min_n, s.o.no_wan, s.o.timeout_s, &s.fault, err, sizeof err) != 0) {
            fprintf(stderr, "geokv-bench: %s\n", err);
            goto cleanup;
        }
    }
    s.total = bench_order_build(s.o.n_modes, s.o.n, s.o.n_n, s.o.reps, s.o.seed, &s.order);
    if (s.total == 0) {
        fprintf(stderr, "geokv-bench: cannot build the run order (out of memory)\n");
        goto cleanup;
    }
    if (s.o.dry_run) {
        printf("order,mode,n,rep\n");
        for (size_t i = 0; i < s.total; i++)
            printf("%d,%s,%d,%d\n", s.order[i].order, s.o.modes[s.order[i].mode], s.order[i].n, s.order[i].rep);
        status = 0;
        goto cleanup;
    }

    if (s.dist && s.dist->run.owner == false) {
        /* every rank read the same options, topology and profile; the owner drives */
        if (s.o.n_endpoints &&
            bench_external_open_worker(&s.o, s.topo, NULL, &s.ext, err, sizeof err) != 0) {
            fprintf(stderr, "geokv-bench: rank %d: %s\n", s.dist->rank, err);
            goto cleanup;   /* status 2: this host lacks the password or a TLS file */
        }
        install_signals();
        status = dist_worker_loop(&s);
        goto cleanup;
    }
    /* before anything is created (bench_preflight.c); an existing cluster needs no local etcd */
    if (s.o.n_endpoints == 0 && bench_preflight_etcd(err, sizeof err) != 0) {
        fprintf(stderr, "geokv-bench: %s\n", err);
        goto cleanup;
    }
    if (s.o.resume) {
        if (bench_results_open(&s.res, s.o.resume_dir, err, sizeof err) != 0) {
            fprintf(stderr, "geokv-bench: %s\n", err);
            goto cleanup;
        }
        results_open = true;
        if (s.o.n_endpoints && bench_external_open(&s.o, s.topo, s.res.run_id, true, &s.ext, err, sizeof err) != 0) {
            fprintf(stderr, "geokv-bench: %s\n", err);
            goto cleanup;
        }
    } else {
        char run_id[64];
        bench_run_id(time(NULL), s.o.seed, run_id, sizeof run_id);
        /* the cluster reachable, the credentials right and the key prefix
         * empty, before a results directory exists */
        if (s.o.n_endpoints && bench_external_open(&s.o, s.topo, run_id, false, &s.ext, err, sizeof err) != 0) {
            fprintf(stderr, "geokv-bench: %s\n", err);
            goto cleanup;
        }
        if (bench_results_create(&s.res, s.o.out, run_id, err, sizeof err) != 0 ||
            write_config(&s, err, sizeof err) != 0 ||
            bench_results_link_latest(s.o.out, run_id, err, sizeof err) != 0) {
            fprintf(stderr, "geokv-bench: %s\n", err);
            results_open = true;
            goto cleanup;
        }
    }
    results_open = true;
    if (s.o.resume)
        load_wall(&s);
    s.pids = json_pack("{s:i,s:[]}", "driver", (int)getpid(), "members");
    install_signals();

    /* Weights for the ETA: only the runs still to do count. */
    for (size_t i = 0; i < s.total; i++)
        if (!bench_results_has(&s.res, s.o.modes[s.order[i].mode], s.order[i].n, s.order[i].rep))
            s.remaining_w += bench_run_weight(s.order[i].n);
    logf_(&s, "sweep %s: %zu runs (%zu modes x %zu N x %d reps), seed %llu, results in %s", s.res.run_id, s.total,
          s.o.n_modes, s.o.n_n, s.o.reps, (unsigned long long)s.o.seed, s.res.dir);
    if (s.ext)
        logf_(&s, "existing cluster: %zu endpoint(s), every key under %s/ (deleted after every run)",
              s.o.n_endpoints, bench_external_prefix(s.ext));
    s.t0 = util_now_s();
    status = 0;
    for (size_t i = 0; i < s.total && !bench_stop_flag; i++) {
        const bench_triple *t = &s.order[i];
        const char *mode = s.o.modes[t->mode];
        json_t *rec = NULL;
        int rc;
        s.k = (int)i + 1;
        if (bench_results_has(&s.res, mode, t->n, t->rep)) {
            logf_(&s, "run %d/%zu %s N=%d rep %d: already recorded, skipped", s.k, s.total, mode, t->n, t->rep);
            continue;
        }
        s.cur = t;
        s.next = NULL;
        for (size_t j = i + 1; j < s.total && s.next == NULL; j++)
            if (!bench_results_has(&s.res, s.o.modes[s.order[j].mode], s.order[j].n, s.order[j].rep))
                s.next = &s.order[j];
        s.run_t0 = util_now_s();
        if (!s.tty)
            logf_(&s, "run %d/%zu %s N=%d rep %d: starting", s.k, s.total, mode, t->n, t->rep);
        draw_progress(&s, 0);
        rc = run_one(&s, t, &rec);
        if (bench_stop_flag && rc != 0) {
            /* An interrupted run is not a result: it is not recorded, so
             * --resume runs it again. */
            json_decref(rec);
            logf_(&s, "run %d/%zu %s N=%d rep %d: interrupted, not recorded", s.k, s.total, mode, t->n, t->rep);
            break;
        }
        if (rec == NULL || bench_results_append(&s.res, rec, err, sizeof err) != 0) {
            logf_(&s, "cannot record run %s N=%d rep %d: %s", mode, t->n, t->rep, rec ? err : "out of memory");
            json_decref(rec);
            status = 1;
            break;
        }
        bench_wall_add(&s.wall, rec);
        s.done_w += bench_run_weight(t->n);
        s.remaining_w -= bench_run_weight(t->n);
        s.runs_done++;
        {
            const char *e = json_string_value(json_object_get(rec, "error"));
            char el[32], eta[32], setup[32];
            cell(rec, "setup_s", "%*.3f", 1, setup, sizeof setup);
            bench_format_duration(util_now_s() - s.t0, el, sizeof el);
            bench_format_duration(bench_eta_s(util_now_s() - s.t0, s.done_w, s.remaining_w), eta, sizeof eta);
            logf_(&s, "run %d/%zu %s N=%d rep %d: %s setup %s s, checker %s%s%s | %s elapsed, ETA %s", s.k,
                  s.total, mode, t->n, t->rep, rc == 0 ? "ok," : "FAILED,", setup,
                  json_is_true(json_object_get(rec, "checker_ok")) ? "green" : "red", e && *e ? ": " : "",
                  e ? e : "", el, eta);
        }
        if (rc != 0) {
            s.runs_failed++;
            status = 1;
        }
        json_decref(rec);
        s.cur = NULL;
    }
    prestart_discard(&s);   /* the sweep stopped before the run it was for */
    if (s.tty)
        fputs("\r\033[K", stderr);
    print_summary(&s);
    if (s.fault)
        bench_fault_print_summary(s.fault, s.res.records, stdout);
    report_wall(&s, util_now_s() - s.t0);
    {
        char el[32];
        bench_format_duration(util_now_s() - s.t0, el, sizeof el);
        fprintf(stderr, "geokv-bench: %d run(s) this time (%d failed) in %s; %zu of %zu recorded; results: %s\n",
                s.runs_done, s.runs_failed, el, json_array_size(s.res.records), s.total, s.res.dir);
    }
    if (bench_stop_signal) {
        fprintf(stderr, "geokv-bench: stopped by signal %d; finished runs are in %s; continue with "
                        "%s run --resume %s\n",
                (int)bench_stop_signal, s.res.dir, s.dist ? "mpirun ... geokv-bench-mpi" : "geokv-bench", s.res.dir);
        status = 128 + (int)bench_stop_signal;
    }
cleanup:
    /* the other ranks wait for the owner's word on every path */
    if (s.dist && s.dist->run.owner && s.dist->share(s.dist->run.ud, "{\"done\":true}", NULL) != 0 && status == 0)
        status = 2;
    bench_external_free(s.ext);
    if (results_open)
        bench_results_close(&s.res);
    json_decref(s.pids);
    bench_fault_free(s.fault);
    free(s.resume_profile);
    free(s.order);
    topology_free(s.topo);
    pthread_mutex_destroy(&s.progress_mu);
    return status;
}
