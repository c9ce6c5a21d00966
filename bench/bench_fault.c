/* bench_fault.c: fault scenarios in geokv-bench (see bench_fault.h). */
#include "bench/bench_fault.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bench/bench_record.h"
#include "bench/bench_results.h"
#include "sim/rig/etcd_rig.h"
#include "sim/fault/fault.h"
#include "sim/wan/wan.h"

struct bench_fault {
    char spec[256];
    fault_plan plan;
    const topology *topo;
    bool no_wan;
    /* per run */
    bench_cluster *c;
    etcd_client *admin;
    cb_run_ctl *ctl;
    fault_sched *sched;
    cb_place redeploy_place;
    const char *run_dir;
    json_t *pids;
    const char *run_name;
    double baseline_s;
    bool baseline_ok;
    char baseline_err[512];
    char start_err[256];
};

/* ---- names ---- */

/* A member by topology name (a-sin), bench name (Singapore), the part of the
 * topology name after its dash (sin), or index; case-insensitive. */
static int member_of(const topology *t, const char *name)
{
    int found = -1;
    char *end;
    long idx = strtol(name, &end, 10);
    if (*name && !*end && idx >= 0 && idx < t->n_members)
        return (int)idx;
    for (int i = 0; i < t->n_members; i++) {
        const char *tn = t->members[i].name, *dash = strchr(tn, '-');
        if (strcasecmp(tn, name) == 0 || strcasecmp(bench_cluster_member_name(t, i), name) == 0)
            return i;
        if (dash && strcasecmp(dash + 1, name) == 0)
            found = found == -1 ? i : -2;   /* ambiguous short name */
    }
    return found >= 0 ? found : -1;
}

static int resolve_member(void *ud, const char *name)
{
    return member_of(ud, name);
}

static int resolve_region(void *ud, const char *name)
{
    return topology_region_index(ud, name);
}

void bench_fault_usage(FILE *f)
{
    fprintf(f,
            "\nFault scenarios (--fault SPEC; times count from the agents' start):\n"
            "  kill:MEMBER@T[,restart@T2]          SIGKILL a member, start it again at T2\n"
            "  partition:MEMBER@T[,heal@T2]        cut the member's raft links in the WAN emulator\n"
            "  spike:REGION>MEMBER+D@T[,clear@T2]  add D (e.g. 200ms, not scaled) to a client link's RTT\n"
            "  redeploy:agentI@T>REGION            kill agent I (0-based) and start it again in REGION\n"
            "  freeze-holder[:D]@T                 the next lock holder stops its keepalives and stalls D\n"
            "                                      (default 2.5 x session TTL): the lock must pass on\n"
            "  compact@T                           compact the store at its current revision\n"
            "  session-ttl:D                       agents'/controller's session TTL (default 60s)\n"
            "  Several faults: separate with ';'. MEMBER: a-sel, Seoul-AWS, sin, Singapore, or an index.\n"
            "  e.g. --fault 'kill:sin@5s,restart@15s'  --fault 'redeploy:agent3@4s>gcp-asia-east1'\n"
            "  Each faulted run is preceded by a faultless baseline of the same (mode, N, seed) on the\n"
            "  same fresh cluster; records get fault_baseline_setup_s and fault_inflation_s.\n");
}

int bench_fault_prepare(const char *spec, const topology *t, int min_n, bool no_wan, double timeout_s, bench_fault **out,
                        char *err, size_t err_len)
{
    char e[256];
    *out = NULL;
    bench_fault *f = calloc(1, sizeof *f);
    if (!f) {
        snprintf(err, err_len, "--fault: out of memory");
        return -1;
    }
    snprintf(f->spec, sizeof f->spec, "%s", spec);
    f->topo = t;
    f->no_wan = no_wan;
    fault_resolver r = {.member = resolve_member, .region = resolve_region, .ud = (void *)t, .n_agents = min_n,
                        .horizon_s = timeout_s};
    if (fault_parse(spec, &f->plan, e, sizeof e) != 0 || fault_plan_check(&f->plan, &r, e, sizeof e) != 0) {
        snprintf(err, err_len, "--fault: %s", e);
        free(f);
        return -1;
    }
    for (size_t i = 0; i < f->plan.n; i++) {
        fault_verb v = f->plan.a[i].verb;
        if (no_wan && (v == FAULT_PARTITION || v == FAULT_SPIKE)) {
            snprintf(err, err_len, "--fault: %s needs the WAN emulator: drop --no-wan", fault_verb_name(v));
            free(f);
            return -1;
        }
    }
    *out = f;
    return 0;
}

/* ---- actions ---- */

static int act_kill(void *ud, const fault_action *a, char *err, size_t len)
{
    bench_fault *f = ud;
    int m = member_of(f->topo, a->target);
    if (m < 0 || etcd_rig_kill(f->c->rig, m, SIGKILL) != ETCD_OK) {
        snprintf(err, len, "cannot kill member %s", a->target);
        return -1;
    }
    snprintf(err, len, "SIGKILL %s", f->c->names[m]);
    return 0;
}

static int act_restart(void *ud, const fault_action *a, char *err, size_t len)
{
    bench_fault *f = ud;
    etcd_status st;
    int m = member_of(f->topo, a->target);
    if (m < 0 || etcd_rig_restart(f->c->rig, m, &st) != ETCD_OK) {
        snprintf(err, len, "cannot restart member %s: %s", a->target, m < 0 ? "unknown" : st.message);
        return -1;
    }
    if (f->pids && f->run_dir) {
        char e[256];
        json_array_append_new(json_object_get(f->pids, "members"),
                              json_pack("{s:s,s:s,s:i}", "run", f->run_name, "name", f->c->names[m], "pid",
                                        (int)f->c->rig->m[m].pid));
        bench_write_json_atomic(f->run_dir, "pids.json", f->pids, e, sizeof e);
    }
    snprintf(err, len, "%s restarted (pid %d)", f->c->names[m], (int)f->c->rig->m[m].pid);
    return 0;
}

static int act_partition(void *ud, const fault_action *a, char *err, size_t len)
{
    bench_fault *f = ud;
    int m = member_of(f->topo, a->target);
    bool on = a->verb == FAULT_PARTITION;
    if (m < 0 || !f->c->wan || wan_partition_member(f->c->wan, m, on, false) != 0) {
        snprintf(err, len, "cannot %s member %s", on ? "partition" : "heal", a->target);
        return -1;
    }
    snprintf(err, len, "%s's raft links %s", f->c->names[m], on ? "blackholed" : "restored");
    return 0;
}

static int act_spike(void *ud, const fault_action *a, char *err, size_t len)
{
    bench_fault *f = ud;
    int r = topology_region_index(f->topo, a->target), m = member_of(f->topo, a->dest);
    int link = r >= 0 && m >= 0 && f->c->wan ? wan_client_link(f->c->wan, r, m) : -1;
    if (link < 0) {
        snprintf(err, len, "no client link %s -> %s", a->target, a->dest);
        return -1;
    }
    double base = f->c->rtt_ms[r][m], rtt = a->verb == FAULT_SPIKE ? base + a->amount : base;
    if (wan_set_link_rtt(f->c->wan, link, rtt) != 0) {
        snprintf(err, len, "cannot set the RTT of %s", wan_link_name(f->c->wan, link));
        return -1;
    }
    snprintf(err, len, "%s RTT %.1f ms", wan_link_name(f->c->wan, link), rtt);
    return 0;
}

static int act_redeploy(void *ud, const fault_action *a, char *err, size_t len)
{
    bench_fault *f = ud;
    int r = topology_region_index(f->topo, a->dest);
    if (r < 0) {
        snprintf(err, len, "unknown region %s", a->dest);
        return -1;
    }
    bench_cluster_place(f->c, r, &f->redeploy_place);
    return cb_run_redeploy(f->ctl, a->agent, &f->redeploy_place, err, len);
}

static int act_freeze(void *ud, const fault_action *a, char *err, size_t len)
{
    bench_fault *f = ud;
    return cb_run_freeze_holder(f->ctl, a->amount, err, len);
}

static int act_compact(void *ud, const fault_action *a, char *err, size_t len)
{
    bench_fault *f = ud;
    etcd_status st;
    etcd_range_result r = {0};
    etcd_range_opts o = {.count_only = true};
    (void)a;
    if (etcd_range(f->admin, "/", 1, &o, &r, &st) != ETCD_OK) {
        snprintf(err, len, "cannot read the revision: %s", st.message);
        return -1;
    }
    int64_t rev = r.header.revision;
    etcd_range_result_free(&r);
    etcd_code cc = etcd_compact(f->admin, rev, true, &st);
    if (cc != ETCD_OK && st.grpc_code == 11) {
        /* nothing written since the last compaction: nothing to compact */
        snprintf(err, len, "already compacted at revision %lld", (long long)rev);
        return 0;
    }
    if (cc != ETCD_OK) {
        snprintf(err, len, "compaction at %lld failed: %s", (long long)rev, st.message);
        return -1;
    }
    snprintf(err, len, "compacted at revision %lld", (long long)rev);
    return 0;
}

static void on_start(cb_run_ctl *ctl, void *ud)
{
    bench_fault *f = ud;
    fault_ops ops = {.ud = f};
    (void)ctl;
    ops.fn[FAULT_KILL] = act_kill;
    ops.fn[FAULT_RESTART] = act_restart;
    ops.fn[FAULT_PARTITION] = act_partition;
    ops.fn[FAULT_HEAL] = act_partition;
    ops.fn[FAULT_SPIKE] = act_spike;
    ops.fn[FAULT_CLEAR] = act_spike;
    ops.fn[FAULT_REDEPLOY] = act_redeploy;
    ops.fn[FAULT_FREEZE] = act_freeze;
    ops.fn[FAULT_COMPACT] = act_compact;
    if (fault_sched_start(&f->plan, &ops, &f->sched, f->start_err, sizeof f->start_err) != 0)
        fprintf(stderr, "geokv-bench: fault scheduler: %s\n", f->start_err);
}

static bool hold(void *ud)
{
    bench_fault *f = ud;
    return fault_sched_pending(f->sched);
}

int bench_fault_begin(bench_fault *f, bench_cluster *c, etcd_client *admin, cb_run_config *cfg,
                      const char *run_dir, json_t *pids, const char *run_name, char *err, size_t err_len)
{
    etcd_status st;
    cb_run_result br;
    f->c = c;
    f->admin = admin;
    f->run_dir = run_dir;
    f->pids = pids;
    f->run_name = run_name;
    f->sched = NULL;
    f->baseline_s = -1;
    f->baseline_ok = false;
    f->baseline_err[0] = f->start_err[0] = '\0';
    if (f->plan.session_ttl_s > 0)
        cfg->session_ttl_s = f->plan.session_ttl_s;

    /* the faultless baseline, same everything */
    cb_run_config b = *cfg;
    b.ctl = NULL;
    b.timeline_path = NULL;
    b.progress = NULL;
    memset(&br, 0, sizeof br);
    if (cb_run(&b, &br, &st) != ETCD_OK) {
        snprintf(f->baseline_err, sizeof f->baseline_err, "%s", st.message);
    } else {
        f->baseline_ok = br.completed && br.checker_ok;
        f->baseline_s = br.completed ? br.setup_s : -1;
        snprintf(f->baseline_err, sizeof f->baseline_err, "%s", br.error[0] ? br.error
                                                                 : br.checker_ok ? "" : br.checker_msg);
    }
    cb_run_result_free(&br);
    if (cfg->stop && *cfg->stop) {
        snprintf(err, err_len, "stopped by signal");
        return -1;
    }
    if (cb_reset(admin, cfg, &st) != ETCD_OK) {
        snprintf(err, err_len, "after the faultless baseline, cannot reset the keyspace: %s", st.message);
        return -1;
    }
    cb_run_ctl_free(f->ctl);
    f->ctl = cb_run_ctl_new(on_start, hold, f);
    if (!f->ctl) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    cfg->ctl = f->ctl;
    return 0;
}

void bench_fault_stop(bench_fault *f)
{
    if (f)
        fault_sched_stop(f->sched);
}

int bench_fault_end(bench_fault *f, const cb_run_result *r, json_t *rec)
{
    int failures = 0;
    json_t *acts = json_array();
    fault_sched_stop(f->sched);
    if (f->sched) {
        size_t n;
        const fault_outcome *o = fault_sched_outcomes(f->sched, &n);
        for (size_t i = 0; i < n; i++) {
            char what[160];
            fault_action_format(&o[i].action, what, sizeof what);
            json_array_append_new(acts, json_pack("{s:s,s:f,s:b,s:f,s:f,s:b,s:s}", "action", what, "planned_s",
                                                  o[i].action.t_s, "ran", o[i].ran, "actual_s", o[i].actual_s,
                                                  "took_s", o[i].took_s, "ok", o[i].ran && o[i].rc == 0, "msg",
                                                  o[i].msg));
            if (o[i].ran && o[i].rc != 0)
                failures++;
            if (!o[i].ran)
                failures++;
        }
    } else {
        failures = (int)f->plan.n;
    }
    double infl = r && r->completed && f->baseline_s > 0 ? r->setup_s - f->baseline_s : 0;
    bool has = r && r->completed && f->baseline_s > 0;
    if (rec) {
        json_object_set_new(rec, "fault_actions", acts);
        acts = NULL;
        json_object_set_new(rec, "fault_failures", json_integer(failures));
        json_object_set_new(rec, "fault_baseline_setup_s", f->baseline_s >= 0 ? json_real(f->baseline_s) : json_null());
        json_object_set_new(rec, "fault_baseline_ok", json_boolean(f->baseline_ok));
        json_object_set_new(rec, "fault_baseline_error", json_string(f->baseline_err));
        json_object_set_new(rec, "fault_inflation_s", has ? json_real(infl) : json_null());
        json_object_set_new(rec, "fault_inflation_pct", has ? json_real(100.0 * infl / f->baseline_s) : json_null());
        bench_record_fault_counters(rec, r);   /* redeploys, ..., sessions_renewed (cb_counters.h) */
    }
    json_decref(acts);
    if (r)
        fprintf(stderr,
                "geokv-bench: fault %s: baseline setup %.3f s, with the fault %.3f s: inflation %+.3f s (%+.0f%%); "
                "%d action(s) failed; watch resumes %d (re-lists %d), lock retries %d, sessions renewed %d, redeploys %d (redeploy_s %.3f), freezes %d "
                "(lock passed %d)\n",
                f->spec, f->baseline_s, r->completed ? r->setup_s : -1.0, infl,
                has ? 100.0 * infl / f->baseline_s : 0.0, failures, r->watch_resumes, r->watch_relists, r->lock_retries, r->sessions_renewed,
                r->redeploys, r->redeploy_s, r->freezes, r->freeze_lock_passed);
    fault_sched_free(f->sched);
    f->sched = NULL;
    cb_run_ctl_free(f->ctl);
    f->ctl = NULL;
    f->c = NULL;
    f->admin = NULL;
    return failures;
}

void bench_fault_print_summary(const bench_fault *f, json_t *records, FILE *out)
{
    size_t i;
    json_t *rec;
    fprintf(out, "\nfault: %s (inflation = setup with the fault - faultless baseline on the same cluster)\n", f->spec);
    fprintf(out, "%-9s %4s %4s %11s %11s %11s %8s %11s %8s\n", "mode", "n", "rep", "baseline_s", "faulted_s",
            "inflation_s", "infl_%", "redeploy_s", "checker");
    json_array_foreach(records, i, rec) {
        json_t *b = json_object_get(rec, "fault_baseline_setup_s"), *s = json_object_get(rec, "setup_s"),
               *inf = json_object_get(rec, "fault_inflation_s"), *pct = json_object_get(rec, "fault_inflation_pct"),
               *rd = json_object_get(rec, "redeploy_s");
        char rds[24] = "-";
        if (!json_object_get(rec, "fault_actions"))
            continue;
        if (json_is_number(rd))
            snprintf(rds, sizeof rds, "%.3f", json_number_value(rd));
        fprintf(out, "%-9s %4lld %4lld %11.3f %11.3f %+11.3f %+8.0f %11s %8s\n",
                json_string_value(json_object_get(rec, "mode")),
                (long long)json_integer_value(json_object_get(rec, "n")),
                (long long)json_integer_value(json_object_get(rec, "rep")), json_is_number(b) ? json_number_value(b) : -1.0,
                json_is_number(s) ? json_number_value(s) : -1.0, json_is_number(inf) ? json_number_value(inf) : 0.0,
                json_is_number(pct) ? json_number_value(pct) : 0.0,
                rds, json_is_true(json_object_get(rec, "checker_ok")) ? "ok" : "FAILED");
    }
}

void bench_fault_free(bench_fault *f)
{
    if (!f)
        return;
    fault_sched_free(f->sched);
    cb_run_ctl_free(f->ctl);
    free(f);
}
