/* cb_run.c: one run of the simulated cb-network: reset the keyspace, start
 * the controller, start the agents on schedule, wait for every agent to
 * complete and the system to settle, collect the measurements, check. */
#include "sim/cb/cb_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cb/cb_check.h"
#include "sim/cb/cb_end.h"
#include "sim/cb/cb_schedule.h"

void cb_delays_default(cb_delays *d)
{
    d->watch_sleep_s = 0.2;
    d->iface_config_s = 2.0;
    /* One HTTPS round trip to an outside "what is my IP" service from a cloud
     * VM; the original's logs do not give it, 0.25 s is a typical figure. */
    d->public_ip_s = 0.25;
}

void cb_run_config_default(cb_run_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->mode = "after";
    cfg->policy = ETCD_POLICY_ROUND_ROBIN;
    cb_delays_default(&cfg->delays);
    cfg->delay_scale = 1.0;
    cfg->ablation.spec_cache = -1;
    cfg->ablation.init_lock = -1;
    cfg->ablation.break_lock = 0;
    cfg->start = CB_START_ALL;
    cfg->end = CB_END_TXN;
    cfg->seed = 1;
    cfg->timeout_s = 600;
    cfg->controller_replicas = 1;
}

const char *cb_cfg_cladnet(const cb_run_config *cfg)
{
    return cfg->cladnet_id ? cfg->cladnet_id : CB_DEFAULT_CLADNET;
}

const char *cb_cfg_cidr(const cb_run_config *cfg)
{
    return cfg->ipv4_cidr ? cfg->ipv4_cidr : "192.168.0.0/16";
}

etcd_code cb_write_spec(etcd_client *c, const cb_run_config *cfg, etcd_status *st)
{
    cb_spec s = {0};
    char key[CB_KEY_MAX];
    size_t len;
    snprintf(s.cladnet_id, sizeof s.cladnet_id, "%s", cb_cfg_cladnet(cfg));
    snprintf(s.name, sizeof s.name, "geokv");
    snprintf(s.ipv4_cidr, sizeof s.ipv4_cidr, "%s", cb_cfg_cidr(cfg));
    snprintf(s.description, sizeof s.description, "geokv-bench simulated CLADNet");
    if (cb_rule_type_parse(cfg->rule_type, &s.rule_type) != 0) {
        if (st) {
            memset(st, 0, sizeof *st);
            st->code = ETCD_ERR_INVAL;
            snprintf(st->message, sizeof st->message, "unknown rule type '%s' (basic or cost-prioritized)",
                     cfg->rule_type);
        }
        return ETCD_ERR_INVAL;
    }
    char *v = cb_spec_encode(&s, &len);
    if (!v)
        return ETCD_ERR_NOMEM;
    cb_key_spec(key, s.cladnet_id);
    etcd_put_opts once = {.retry_safe = true};   /* the driver is the spec's only writer */
    etcd_code rc = etcd_put(c, key, strlen(key), v, len, &once, NULL, st);
    free(v);
    return rc;
}

etcd_code cb_reset(etcd_client *c, const cb_run_config *cfg, etcd_status *st)
{
    const char *cl = cb_cfg_cladnet(cfg);
    char keys[6][CB_KEY_MAX];
    cb_key_peer_prefix(keys[0], cl);
    cb_key_host_prefix(keys[1], cl);
    cb_key_rule_prefix(keys[2], cl);
    cb_key_lock(keys[3], cl);
    cb_key_claim_prefix(keys[4]);
    snprintf(keys[5], CB_KEY_MAX, "%s%s/test-request/%s/", cb_keys_prefix(), CB_KEY_ROOT, cl);
    etcd_delete_opts o = {.prefix = true};
    for (int i = 0; i < 6; i++) {
        etcd_code rc = etcd_delete(c, keys[i], strlen(keys[i]), &o, NULL, st);
        if (rc != ETCD_OK)
            return rc;
    }
    return ETCD_OK;
}

etcd_code cb_check(etcd_client *c, const cb_run_config *cfg, bool *ok, char *msg, size_t msg_len,
                   etcd_status *st)
{
    char pk[CB_KEY_MAX], rk[CB_KEY_MAX];
    etcd_range_result peers = {0}, rules = {0};
    etcd_range_opts o = {.prefix = true};
    cb_key_peer_prefix(pk, cb_cfg_cladnet(cfg));
    cb_key_rule_prefix(rk, cb_cfg_cladnet(cfg));
    *ok = false;
    etcd_code rc = etcd_range(c, pk, strlen(pk), &o, &peers, st);
    /* both reads at one revision, so the verdict is on one snapshot */
    if (rc == ETCD_OK) {
        o.revision = peers.header.revision;
        rc = etcd_range(c, rk, strlen(rk), &o, &rules, st);
    }
    if (rc == ETCD_OK)
        *ok = cb_check_keyspace(peers.kvs, peers.n_kvs, rules.kvs, rules.n_kvs, cfg->n_agents,
                                cb_cfg_cidr(cfg), msg, msg_len);
    else
        snprintf(msg, msg_len, "checker: could not read the keyspace: %s", st ? st->message : "");
    etcd_range_result_free(&peers);
    etcd_range_result_free(&rules);
    return rc;
}

void cb_run_result_free(cb_run_result *r)
{
    free(r->agent_complete_s);
    r->agent_complete_s = NULL;
}

static cb_ctx *g_sort_ctx;   /* qsort has no user pointer; cb_run is not reentrant while sorting */
static pthread_mutex_t g_sort_mu = PTHREAD_MUTEX_INITIALIZER;

static int by_host_id(const void *a, const void *b)
{
    return strcmp(g_sort_ctx->agents[*(const int *)a]->host_id, g_sort_ctx->agents[*(const int *)b]->host_id);
}

static etcd_code set_st(etcd_status *st, etcd_code code, const char *msg)
{
    if (st) {
        memset(st, 0, sizeof *st);
        st->code = code;
        st->endpoint = -1;
        snprintf(st->message, sizeof st->message, "%s", msg);
    }
    return code;
}

static etcd_code make_client(const cb_run_config *cfg, const cb_place *p, etcd_client **out, etcd_status *st)
{
    etcd_client_config cc = {.endpoints = p->endpoints, .n_endpoints = p->n_endpoints,
                             .policy = cfg->policy, .transport = cfg->transport, .endpoint_rtt_ms = p->endpoint_rtt_ms,
                             .watch_endpoint = -1, .request_timeout_ms = cfg->request_timeout_ms,
                             .security = cfg->security};
    return etcd_client_new(&cc, out, st);
}

static bool same_endpoints(const cb_place *a, const cb_place *b)
{
    if (a->n_endpoints != b->n_endpoints)
        return false;
    for (size_t i = 0; i < a->n_endpoints; i++)
        if (strcmp(a->endpoints[i], b->endpoints[i]) != 0)
            return false;
    return true;
}

/* ---- fault hooks ---- */

struct cb_run_ctl {
    pthread_mutex_t mu;          /* held while a hook runs: cb_run detaches under it */
    cb_ctx *x;                   /* the running run, NULL outside one */
    cb_run_start_fn on_start;
    cb_run_hold_fn hold;
    void *ud;
};

cb_run_ctl *cb_run_ctl_new(cb_run_start_fn on_start, cb_run_hold_fn hold, void *ud)
{
    cb_run_ctl *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    pthread_mutex_init(&c->mu, NULL);
    c->on_start = on_start;
    c->hold = hold;
    c->ud = ud;
    return c;
}

void cb_run_ctl_free(cb_run_ctl *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static void ctl_attach(cb_run_ctl *c, cb_ctx *x)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    c->x = x;
    pthread_mutex_unlock(&c->mu);
}

static int hook_err(char *err, size_t len, const char *msg)
{
    snprintf(err, len, "%s", msg);
    return -1;
}

int cb_run_redeploy(cb_run_ctl *c, int i, const cb_place *place, char *err, size_t err_len)
{
    etcd_status st;
    int rc = -1;
    if (!c)
        return hook_err(err, err_len, "no run control");
    pthread_mutex_lock(&c->mu);
    cb_ctx *x = c->x;
    if (!x) {
        hook_err(err, err_len, "no run in progress");
        goto cleanup;
    }
    if (i < 0 || i >= x->n_agents) {
        snprintf(err, err_len, "agent %d out of range (0..%d)", i, x->n_agents - 1);
        goto cleanup;
    }
    cb_agent *a = x->agents[i];
    if (!a->started) {
        snprintf(err, err_len, "agent %d has not started", i);
        goto cleanup;
    }
    etcd_client *nc = NULL;
    etcd_client_config cc = {.endpoints = place->endpoints, .n_endpoints = place->n_endpoints,
                             .policy = x->cfg->policy, .transport = x->cfg->transport,
                             .endpoint_rtt_ms = place->endpoint_rtt_ms,
                             .watch_endpoint = -1, .request_timeout_ms = x->cfg->request_timeout_ms,
                             .security = x->cfg->security};
    if (etcd_client_new(&cc, &nc, &st) != ETCD_OK) {
        snprintf(err, err_len, "new client for agent %d: %s", i, st.message);
        goto cleanup;
    }
    /* kill: the thread notices at its next step; its cleanup closes the
     * watches and abandons the session (killed) */
    a->killed = 1;
    pthread_mutex_lock(&x->mu);
    pthread_cond_broadcast(&x->cv);
    pthread_mutex_unlock(&x->mu);
    cb_queue_wake(&a->q);
    cb_agent_join(a);
    bool was_complete = a->complete, was_tunneling = a->tunneling_put;
    cb_agent_reset(a, place, nc);
    pthread_mutex_lock(&x->mu);
    if (was_complete)
        x->n_complete--;
    if (was_tunneling)
        x->n_tunneling--;
    x->redeploys++;
    x->redeploy_agent = i;
    pthread_mutex_unlock(&x->mu);
    if (cb_agent_start(a) != 0) {
        cb_ctx_fail(x, "could not start redeployed agent %d", i);
        hook_err(err, err_len, "could not start the agent's thread");
        goto cleanup;
    }
    snprintf(err, err_len, "agent %d (%s) killed%s, started again in %s", i, a->host_id,
             was_complete ? " after completing" : " mid-setup", place->region);
    rc = 0;
cleanup:
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int cb_run_freeze_holder(cb_run_ctl *c, double stall_s, char *err, size_t err_len)
{
    if (!c)
        return hook_err(err, err_len, "no run control");
    pthread_mutex_lock(&c->mu);
    cb_ctx *x = c->x;
    int rc = -1;
    if (x) {
        double s = stall_s > 0 ? stall_s : 2.5 * x->session_ttl;
        pthread_mutex_lock(&x->mu);
        x->freeze_armed_s = s;
        pthread_mutex_unlock(&x->mu);
        snprintf(err, err_len, "armed: the next lock holder freezes %.1f s (session TTL %d s)", s, x->session_ttl);
        rc = 0;
    } else {
        hook_err(err, err_len, "no run in progress");
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

static bool all_idle(cb_ctx *x, cb_controller **ctl, int n_ctl)
{
    for (int i = 0; i < x->n_agents; i++)
        if (!cb_queue_idle(&x->agents[i]->q))
            return false;
    for (int i = 0; i < n_ctl; i++)
        if (!cb_controller_idle(ctl[i]))
            return false;
    return true;
}

/* ---- one run, phase by phase ---- */

/* What one cb_run holds; run_cleanup releases it, the run's one exit. */
typedef struct run_state {
    const cb_run_config *cfg;
    cb_run_result *res;
    etcd_status *st;
    int n, n_ctl;
    cb_ctx x;
    bool ctx_init;
    etcd_client *admin;               /* reset, spec, checker; not counted in the run's stats */
    etcd_client **clients;            /* clients[i]: agent i's (maybe shared) */
    bool *owns;                       /* clients[i] was made for agent i */
    double *offsets;                  /* agent start offsets */
    etcd_client **ctl_clients;
    cb_controller **ctl;
    cb_dist_merge dm;                 /* cfg->dist: what the other processes ran (owner) */
} run_state;

/* This process runs agent i: always without dist. */
static bool run_local(const run_state *r, int i)
{
    return !r->cfg->dist || r->cfg->dist->local[i];
}

/* This process owns the run (keyspace, controller, checker, result). */
static bool run_owner(const cb_run_config *cfg)
{
    return !cfg->dist || cfg->dist->owner;
}

/* Refuses a configuration that cannot run, before anything is made. */
static etcd_code run_validate(const cb_run_config *cfg, const cb_mode_ops **ops, etcd_status *st)
{
    char msg[256];
    int n = cfg->n_agents;
    cb_rule_type rule_type;
    *ops = cb_mode_find(cfg->mode);
    if (!*ops) {
        char known[128];
        cb_mode_join(known, sizeof known, ", ");
        snprintf(msg, sizeof msg, "unknown mode '%s' (%s)", cfg->mode ? cfg->mode : "", known);
        return set_st(st, ETCD_ERR_INVAL, msg);
    }
    if (n < 1 || !cfg->agents || !cfg->controller.endpoints || cfg->controller.n_endpoints == 0)
        return set_st(st, ETCD_ERR_INVAL, "cb_run: need n_agents >= 1, agents[] and controller endpoints");
    for (int i = 0; i < n; i++)
        if (!cfg->agents[i].endpoints || cfg->agents[i].n_endpoints == 0 || !cfg->agents[i].region)
            return set_st(st, ETCD_ERR_INVAL, "cb_run: every agent needs a region and endpoints");
    if (cb_rule_type_parse(cfg->rule_type, &rule_type) != 0)
        return set_st(st, ETCD_ERR_INVAL, "cb_run: rule_type must be basic or cost-prioritized");
    if (cfg->end != CB_END_RULE && cfg->end != CB_END_IPS && cfg->end != CB_END_TUNNELING && cfg->end != CB_END_TXN)
        return set_st(st, ETCD_ERR_INVAL, "cb_run: end must be rule, ips or tunneling");
    if (cfg->dist && (!cfg->dist->local || !cfg->dist->barrier || !cfg->dist->sum || !cfg->dist->gather))
        return set_st(st, ETCD_ERR_INVAL, "cb_run: dist needs local[], barrier, sum and gather");
    if (cfg->dist && cfg->ctl)
        return set_st(st, ETCD_ERR_INVAL, "cb_run: faults (ctl) are not supported in a run spread over processes");
    if (cfg->start == CB_START_DEPLOY && !cfg->profile)
        return set_st(st, ETCD_ERR_INVAL,
                      "cb_run: the deploy start schedule needs a profile with deploy parameters "
                      "(cfg.profile, e.g. sim/cb/profiles/patent-2022.json); none was given");
    if (cfg->start == CB_START_DEPLOY && !cfg->deploy_rtt_ms)
        return set_st(st, ETCD_ERR_INVAL,
                      "cb_run: the deploy start schedule needs the RTT from the deploy region to every agent "
                      "(cfg.deploy_rtt_ms)");
    return ETCD_OK;
}

/* The context, the run's arrays and the start schedule. */
static etcd_code run_open(run_state *r, const cb_mode_ops *ops)
{
    const cb_run_config *cfg = r->cfg;
    char msg[256];
    int n = r->n, n_ctl = r->n_ctl;
    if (cb_ctx_init(&r->x, cfg, ops, msg, sizeof msg) != 0)
        return set_st(r->st, ETCD_ERR_NOMEM, "cb_run: out of memory");
    r->ctx_init = true;
    r->res->n_agents = n;
    r->clients = calloc((size_t)n, sizeof *r->clients);
    r->owns = calloc((size_t)n, sizeof *r->owns);
    r->offsets = calloc((size_t)n, sizeof *r->offsets);
    /* n_ctl is 0 in a process of a spread run that does not own it */
    r->ctl = calloc((size_t)(n_ctl ? n_ctl : 1), sizeof *r->ctl);
    r->ctl_clients = calloc((size_t)(n_ctl ? n_ctl : 1), sizeof *r->ctl_clients);
    r->res->agent_complete_s = calloc((size_t)n, sizeof *r->res->agent_complete_s);
    if (!r->clients || !r->owns || !r->offsets || !r->ctl || !r->ctl_clients || !r->res->agent_complete_s)
        return set_st(r->st, ETCD_ERR_NOMEM, "cb_run: out of memory");
    if (cfg->start == CB_START_DEPLOY) {
        cb_deploy_params dp;
        cb_deploy_time_scaled(&cfg->profile->deploy, cfg->delay_scale, cfg->time_scale, &dp);
        if (cb_schedule_deploy(&dp, cfg->deploy_rtt_ms, n, cfg->seed, r->offsets) != 0) {
            snprintf(msg, sizeof msg, "cb_run: profile %s: its deploy parameters or the deploy RTTs are not usable "
                     "(negative, not finite, or no uplink/binary size)", cfg->profile->name);
            return set_st(r->st, ETCD_ERR_INVAL, msg);
        }
    } else if (cb_schedule_offsets(cfg->start, cfg->start_gap_s, cfg->start_window_s, cfg->seed, n, r->offsets) != 0)
        return set_st(r->st, ETCD_ERR_INVAL, "cb_run: bad start schedule (negative gap or window)");
    return ETCD_OK;
}

/* The admin client; the previous run's keys gone (unless skip_reset); the
 * spec written if the cluster has none. */
static etcd_code run_keyspace(run_state *r)
{
    char key[CB_KEY_MAX];
    etcd_range_result rr = {0};
    etcd_range_opts o = {.count_only = true};
    etcd_code rc;
    if (!run_owner(r->cfg))
        return ETCD_OK;
    if ((rc = make_client(r->cfg, &r->cfg->controller, &r->admin, r->st)) != ETCD_OK)
        return rc;
    if (!r->cfg->skip_reset && (rc = cb_reset(r->admin, r->cfg, r->st)) != ETCD_OK)
        return rc;
    cb_key_spec(key, r->x.cladnet);
    if ((rc = etcd_range(r->admin, key, strlen(key), &o, &rr, r->st)) != ETCD_OK)
        return rc;
    int64_t have = rr.count;
    etcd_range_result_free(&rr);
    if (have == 0)
        return cb_write_spec(r->admin, r->cfg, r->st);
    return ETCD_OK;
}

/* Every agent with its client (one per agent, or per endpoint list with
 * share_region_clients), indexed by host id; host ids must be distinct. */
static etcd_code run_agents(run_state *r)
{
    const cb_run_config *cfg = r->cfg;
    cb_ctx *x = &r->x;
    etcd_code rc;
    for (int i = 0; i < r->n; i++) {
        /* an agent another process runs: here only its identity and place */
        if (!run_local(r, i)) {
            cb_ctx_add_agent(x, i, &cfg->agents[i], NULL)->offset_s = r->offsets[i];
            continue;
        }
        if (cfg->share_region_clients)
            for (int j = 0; j < i; j++)
                if (r->clients[j] && same_endpoints(&cfg->agents[i], &cfg->agents[j])) {
                    r->clients[i] = r->clients[j];
                    break;
                }
        if (!r->clients[i]) {
            if ((rc = make_client(cfg, &cfg->agents[i], &r->clients[i], r->st)) != ETCD_OK)
                return rc;
            r->owns[i] = true;
        }
        cb_ctx_add_agent(x, i, &cfg->agents[i], r->clients[i])->offset_s = r->offsets[i];
    }
    pthread_mutex_lock(&g_sort_mu);
    g_sort_ctx = x;
    qsort(x->by_host, (size_t)r->n, sizeof *x->by_host, by_host_id);
    pthread_mutex_unlock(&g_sort_mu);
    for (int i = 1; i < r->n; i++)
        if (strcmp(x->agents[x->by_host[i]]->host_id, x->agents[x->by_host[i - 1]]->host_id) == 0)
            return set_st(r->st, ETCD_ERR_INVAL, "cb_run: two agents drew the same host id: change the seed");
    return ETCD_OK;
}

/* The controller replicas, each with its own client, running. */
static etcd_code run_controllers(run_state *r)
{
    etcd_code rc;
    for (int k = 0; k < r->n_ctl; k++) {
        if ((rc = make_client(r->cfg, &r->cfg->controller, &r->ctl_clients[k], r->st)) != ETCD_OK)
            return rc;
        r->ctl[k] = cb_controller_new(&r->x, k, r->ctl_clients[k]);
        if (!r->ctl[k])
            return set_st(r->st, ETCD_ERR_NOMEM, "cb_run: out of memory");
        if (cb_controller_start(r->ctl[k]) != 0)
            return set_st(r->st, ETCD_ERR_CONNECT, r->x.error[0] ? r->x.error : "controller start failed");
    }
    return ETCD_OK;
}

/* The clock starts; the agents' threads start (each waits its offset); the
 * fault hooks attach and the caller's on_start runs. */
static void run_start(run_state *r)
{
    const cb_run_config *cfg = r->cfg;
    cb_ctx *x = &r->x;
    /* spread run: every process's clock starts at the barrier's exit */
    if (cfg->dist && cfg->dist->barrier(cfg->dist->ud) != 0)
        cb_ctx_fail(x, "the start barrier failed");
    x->t0 = util_now_s();
    x->tl = cb_timeline_new(x->t0);
    for (int i = 0; i < r->n; i++)
        if (run_local(r, i) && cb_agent_start(x->agents[i]) != 0) {
            cb_ctx_fail(x, "could not start agent thread %d (raise ulimit -u?)", i);
            break;
        }
    ctl_attach(cfg->ctl, x);
    if (cfg->ctl && cfg->ctl->on_start)
        cfg->ctl->on_start(cfg->ctl, cfg->ctl->ud);
}

/* Waits until every agent is complete and the system settled (res->completed),
 * or a failure, the caller's stop or the timeout ends the run (res->error). */
static void run_wait(run_state *r)
{
    const cb_run_config *cfg = r->cfg;
    cb_run_result *res = r->res;
    cb_ctx *x = &r->x;
    int n = r->n;
    double timeout = cfg->timeout_s > 0 ? cfg->timeout_s : 600;
    int last_reported = -1;
    for (;;) {
        pthread_mutex_lock(&x->mu);
        int done = x->n_complete, tun = x->n_tunneling;
        bool failed = x->stop;
        pthread_mutex_unlock(&x->mu);
        if (done != last_reported && cfg->progress) {
            cfg->progress(done, n, cfg->progress_ud);
            last_reported = done;
        }
        if (failed || (cfg->stop && *cfg->stop) || util_now_s() - x->t0 > timeout)
            break;
        /* faults still to come keep the run open */
        bool held = cfg->ctl && cfg->ctl->hold && cfg->ctl->hold(cfg->ctl->ud);
        if (done == n && !held) {
            res->completed = true;
            /* settle: every agent tunneling and nobody with work queued,
             * twice in a row, so the checker sees the final keyspace */
            if (tun == n && all_idle(x, r->ctl, r->n_ctl)) {
                double quiet = util_now_s();   /* confirmed by the second look */
                cb_ctx_sleep(x, 0.1);
                if (all_idle(x, r->ctl, r->n_ctl)) {
                    pthread_mutex_lock(&x->mu);
                    res->quiescent_s = quiet - x->first_start;
                    pthread_mutex_unlock(&x->mu);
                    if (cfg->on_quiescent)
                        cfg->on_quiescent(cfg->quiescent_ud);
                    break;
                }
            }
        }
        cb_ctx_sleep(x, 0.05);
    }
    if (!res->completed && !x->error[0]) {
        if (cfg->stop && *cfg->stop)
            snprintf(res->error, sizeof res->error, "stopped by the caller");
        else
            snprintf(res->error, sizeof res->error, "timeout after %.0f s: %d of %d agents complete", timeout,
                     x->n_complete, n);
    }
    if (x->error[0])
        snprintf(res->error, sizeof res->error, "%s", x->error);
}

static void run_counters(run_state *r);

/* run_wait of a spread run, in every process: the decision to go on or end
 * is taken on the sum of every process's progress, so every process leaves
 * the loop after the same number of sums (the hook is a collective). */
enum { DW_DONE, DW_TUN, DW_BUSY, DW_FAILED, DW_STOPPED, DW_TIMEOUT, DW_N };

static void run_wait_dist(run_state *r)
{
    const cb_run_config *cfg = r->cfg;
    cb_ctx *x = &r->x;
    double timeout = cfg->timeout_s > 0 ? cfg->timeout_s : 600, in[DW_N], all[DW_N];
    int n = r->n, last_reported = -1, quiet = 0;
    for (;;) {
        pthread_mutex_lock(&x->mu);
        in[DW_DONE] = x->n_complete;
        in[DW_TUN] = x->n_tunneling;
        in[DW_FAILED] = x->stop ? 1 : 0;
        pthread_mutex_unlock(&x->mu);
        in[DW_BUSY] = all_idle(x, r->ctl, r->n_ctl) ? 0 : 1;
        in[DW_STOPPED] = cfg->stop && *cfg->stop ? 1 : 0;
        in[DW_TIMEOUT] = util_now_s() - x->t0 > timeout ? 1 : 0;
        if (cfg->dist->sum(cfg->dist->ud, in, all, DW_N) != 0) {
            cb_ctx_fail(x, "summing the processes' progress failed");
            break;
        }
        if ((int)all[DW_DONE] != last_reported && cfg->progress && cfg->dist->owner) {
            cfg->progress((int)all[DW_DONE], n, cfg->progress_ud);
            last_reported = (int)all[DW_DONE];
        }
        if (all[DW_FAILED] > 0 || all[DW_STOPPED] > 0 || all[DW_TIMEOUT] > 0)
            break;
        if ((int)all[DW_DONE] == n) {
            r->res->completed = true;
            /* settle as run_wait does: everyone tunneling, nobody busy, twice in a row */
            quiet = (int)all[DW_TUN] == n && all[DW_BUSY] == 0 ? quiet + 1 : 0;
            if (quiet >= 2)
                break;
        }
        cb_ctx_sleep(x, quiet ? 0.1 : 0.05);
    }
    if (r->res->completed || x->error[0])
        ;
    else if (all[DW_STOPPED] > 0)
        snprintf(r->res->error, sizeof r->res->error, "stopped by the caller");
    else if (all[DW_FAILED] > 0)
        snprintf(r->res->error, sizeof r->res->error, "another process failed");
    else
        snprintf(r->res->error, sizeof r->res->error, "timeout after %.0f s: %d of %d agents complete", timeout,
                 (int)all[DW_DONE], n);
    if (x->error[0])
        snprintf(r->res->error, sizeof r->res->error, "%s", x->error);
}

/* Spread run, every process after run_stop: the others send what they ran,
 * the owner merges it into its context. */
static void run_collect(run_state *r)
{
    char err[256] = "";
    etcd_stats mine;
    memset(&mine, 0, sizeof mine);
    if (!r->cfg->dist->owner) {
        run_counters(r);
        mine = r->res->stats;
    }
    if (cb_dist_collect(&r->x, &r->dm, &mine, err, sizeof err) != 0 && r->cfg->dist->owner && !r->res->error[0]) {
        snprintf(r->res->error, sizeof r->res->error, "%s", err);
        r->res->completed = false;
    }
}

/* Spread run: whether every process could set its part up (a collective,
 * so that none waits at the barrier for one that gave up). */
static etcd_code run_agree(run_state *r, etcd_code rc)
{
    double mine = rc != ETCD_OK ? 1 : 0, all = 0;
    if (r->cfg->dist->sum(r->cfg->dist->ud, &mine, &all, 1) != 0)
        return set_st(r->st, ETCD_ERR_CANCELED, "cb_run: summing the processes' set-up failed");
    if (rc == ETCD_OK && all > 0)
        return set_st(r->st, ETCD_ERR_CANCELED, "cb_run: another process could not set its part of the run up");
    return rc;
}

/* Detaches the fault hooks (waits for a running one), then stops and joins
 * every agent and controller: from here nothing changes what is measured. */
static void run_stop(run_state *r)
{
    ctl_attach(r->cfg->ctl, NULL);
    cb_agent_stop_all(&r->x);
    for (int i = 0; i < r->n; i++)
        cb_agent_join(r->x.agents[i]);
    for (int k = 0; k < r->n_ctl; k++)
        cb_controller_stop(r->ctl[k]);
}

/* Per-agent completion times, their percentiles and the mean split of an
 * agent's time into lock waits, fixed delays and the rest. */
static void run_agent_times(run_state *r)
{
    cb_run_result *res = r->res;
    int n = r->n;
    size_t nc = 0;
    double sum_lock = 0, sum_fixed = 0, sum_other = 0;
    for (int i = 0; i < n; i++) {
        cb_agent *a = r->x.agents[i];
        if (!a->complete) {
            res->agent_complete_s[i] = -1;
            continue;
        }
        double t = a->t_complete - a->t_start;
        res->agent_complete_s[i] = t;
        sum_lock += a->t_lock;
        sum_fixed += a->t_fixed;
        sum_other += t - a->t_lock - a->t_fixed;
        nc++;
    }
    if (nc) {
        double *s = malloc(nc * sizeof *s);
        if (s) {
            size_t k = 0;
            for (int i = 0; i < n; i++)
                if (res->agent_complete_s[i] >= 0)
                    s[k++] = res->agent_complete_s[i];
            util_sort_doubles(s, nc);
            res->agent_p50_s = util_percentile_sorted(s, nc, 0.5);
            res->agent_p90_s = util_percentile_sorted(s, nc, 0.9);
            res->agent_max_s = s[nc - 1];
            free(s);
        }
        res->t_lock_s = sum_lock / (double)nc;
        res->t_fixed_s = sum_fixed / (double)nc;
        res->t_other_s = sum_other / (double)nc;
    }
}

/* The run's request stats (every client but the admin's) and its counters. */
static void run_counters(run_state *r)
{
    cb_run_result *res = r->res;
    cb_ctx *x = &r->x;
    int n = r->n, n_ctl = r->n_ctl;
    res->lock_wait_sum_s = x->lock_wait_sum;
    res->lock_wait_max_s = x->lock_wait_max;
    res->lock_acquisitions = x->lock_acq;
    for (int k = 0; k < n_ctl; k++) {
        etcd_stats s;
        if (!r->ctl_clients[k])
            continue;
        etcd_client_stats(r->ctl_clients[k], &s);
        etcd_stats_add(&res->stats, &s);
    }
    for (int i = 0; i < n; i++) {
        etcd_stats s;
        if (!r->owns[i])
            continue;
        etcd_client_stats(r->clients[i], &s);
        etcd_stats_add(&res->stats, &s);
    }
    for (int i = 0; i < n; i++) {
        etcd_stats s;
        if (!x->agents[i]->own_client)
            continue;
        etcd_client_stats(x->agents[i]->own_client, &s);
        etcd_stats_add(&res->stats, &s);
    }
    res->redeploys = x->redeploys;
    res->redeploy_agent = x->redeploy_agent;
    res->redeploy_s = -1;
    if (x->redeploy_agent >= 0) {
        cb_agent *a = x->agents[x->redeploy_agent];
        snprintf(res->redeploy_region, sizeof res->redeploy_region, "%s", a->place->region);
        if (a->complete)
            res->redeploy_s = a->t_complete - a->t_redeploy;
    }
    res->freezes = x->freezes;
    res->freeze_lock_passed = x->freeze_passed;
    res->watch_resumes = x->watch_resumes;
    res->watch_relists = x->watch_relists;
    res->lock_retries = x->lock_retries;
    res->claim_readbacks = x->claim_readbacks;
    res->sessions_renewed = x->sessions_renewed;
}

/* The CPU the VMs spent (cost model; zeros with it off). */
static void run_cost(run_state *r)
{
    cb_run_result *res = r->res;
    double lines = 0, sum = 0, max = 0;
    for (int k = 0; k < r->n_ctl; k++) {
        double c, l;
        cb_controller_cost(r->ctl[k], &c, &l);
        res->ctl_cpu_s += c;
        lines += l;
    }
    res->ctl_cost_lines = (uint64_t)(lines + 0.5);
    for (int i = 0; i < r->n; i++) {
        cb_vm *vm = &r->x.agents[i]->vm;
        double c = 0;
        if (vm->ready) {
            pthread_mutex_lock(&vm->mu);
            c = vm->spent_s;
            pthread_mutex_unlock(&vm->mu);
        }
        sum += c;
        if (c > max)
            max = c;
    }
    res->agent_cpu_mean_s = r->n > 0 ? sum / r->n : 0;
    res->agent_cpu_max_s = max;
}

/* The end of setup by each criterion, setup_s by the run's, and the I/O
 * counted the original's way at those moments. The run waited for
 * quiescence, so the last rule change has been seen. */
static void run_ends(run_state *r)
{
    cb_run_result *res = r->res;
    cb_ctx *x = &r->x;
    double *changed = calloc((size_t)r->n, sizeof *changed);
    uint64_t *bytes = calloc((size_t)r->n, sizeof *bytes);
    cb_end_times t;
    res->app_bytes_quiescent = cb_fid_app_bytes(x);
    pthread_mutex_lock(&x->mu);
    for (int i = 0; changed && bytes && i < r->n; i++) {
        changed[i] = x->agents[i]->t_rule_changed;
        bytes[i] = x->agents[i]->app_bytes_at_rule_change;
    }
    cb_end_stamps s = {.first_start = x->first_start, .all_ips = x->last_complete,
                       .all_tunneling = x->all_tunneling, .last_txn = x->last_rule_txn,
                       .bytes_at_txn = x->app_bytes_at_txn,
                       .rule_changed = changed, .bytes_at_change = bytes,
                       .n = changed && bytes ? r->n : 0, .bytes_all_ips = x->app_bytes_all_ips};
    pthread_mutex_unlock(&x->mu);
    cb_end_compute(&s, &t);
    res->setup_rule_s = t.rule_s;
    res->setup_ips_s = t.ips_s;
    res->setup_tunneling_s = t.tunneling_s;
    res->setup_txn_s = t.txn_s;
    res->setup_s = cb_end_pick(r->cfg->end, &t);
    res->app_bytes_first_end = x->app_bytes_all_ips;
    res->app_bytes_rule = t.rule_bytes;
    res->app_bytes = cb_end_pick_bytes(r->cfg->end, &t, res->app_bytes_first_end, res->app_bytes_quiescent);
    free(changed);
    free(bytes);
}

/* What the stopped run measured; a run that failed is not complete. */
static void run_measure(run_state *r)
{
    cb_run_result *res = r->res;
    if (!res->completed || r->x.error[0])
        res->completed = false;
    run_ends(r);
    run_agent_times(r);
    run_counters(r);
    run_cost(r);
}

/* The timeline file, and the verdict on the final keyspace. */
static void run_check(run_state *r)
{
    const cb_run_config *cfg = r->cfg;
    cb_run_result *res = r->res;
    etcd_status cst;
    if (cfg->timeline_path && r->x.tl && cb_timeline_write(r->x.tl, cfg->timeline_path) != 0 && !res->error[0])
        snprintf(res->error, sizeof res->error, "could not write timeline %s", cfg->timeline_path);
    if (cb_check(r->admin, cfg, &res->checker_ok, res->checker_msg, sizeof res->checker_msg, &cst) != ETCD_OK)
        res->checker_ok = false;
}

/* Releases whatever the run made, on success and on every failure: the
 * controllers, then the context (it joins the agents), then the clients. */
static void run_cleanup(run_state *r, etcd_code rc)
{
    if (r->ctx_init) {
        ctl_attach(r->cfg->ctl, NULL);
        cb_agent_stop_all(&r->x);
    }
    for (int k = 0; r->ctl && k < r->n_ctl; k++)
        cb_controller_free(r->ctl[k]);
    if (r->ctx_init)
        cb_ctx_destroy(&r->x);
    for (int k = 0; r->ctl_clients && k < r->n_ctl; k++)
        etcd_client_free(r->ctl_clients[k]);
    for (int i = 0; r->clients && r->owns && i < r->n; i++)
        if (r->owns[i])
            etcd_client_free(r->clients[i]);
    etcd_client_free(r->admin);
    free(r->clients);
    free(r->owns);
    free(r->offsets);
    free(r->ctl);
    free(r->ctl_clients);
    if (rc != ETCD_OK) {
        cb_run_result_free(r->res);
        if (!r->res->error[0] && r->st)
            snprintf(r->res->error, sizeof r->res->error, "%s", r->st->message);
    }
}

etcd_code cb_run(const cb_run_config *cfg, cb_run_result *res, etcd_status *st)
{
    const cb_mode_ops *ops;
    run_state r = {.cfg = cfg, .res = res, .st = st, .n = cfg->n_agents,
                   .n_ctl = !run_owner(cfg) ? 0 : cfg->controller_replicas > 1 ? cfg->controller_replicas : 1};
    memset(res, 0, sizeof *res);
    etcd_code rc = run_validate(cfg, &ops, st);
    if (rc != ETCD_OK)
        return rc;
    if ((rc = run_open(&r, ops)) == ETCD_OK && (rc = run_keyspace(&r)) == ETCD_OK &&
        (rc = run_agents(&r)) == ETCD_OK)
        rc = run_controllers(&r);
    if (cfg->dist)
        rc = run_agree(&r, rc);
    if (rc != ETCD_OK)
        goto cleanup;
    run_start(&r);
    if (cfg->dist)
        run_wait_dist(&r);
    else
        run_wait(&r);
    run_stop(&r);
    if (cfg->dist)
        run_collect(&r);
    if (run_owner(cfg)) {
        run_measure(&r);
        if (cfg->dist)
            cb_dist_finish(&r.x, &r.dm, res);
        run_check(&r);
    }
cleanup:
    cb_dist_merge_free(&r.dm);
    run_cleanup(&r, rc);
    return rc;
}
