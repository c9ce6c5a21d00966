/* cb_ctx.c: the run context's life, one constructor and one destructor for
 * every harness that runs agents (cb_run.c, the scale harness cb_scale.c), so
 * a new context field is set in one place (the profile's cost model and
 * switches too: cb_cost_attach). (The context's helpers that the
 * agents and the controller call while running are in cb_agent.c.) */
#include "sim/cb/cb_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fixed delays scaled by cfg->delay_scale (<= 0: 1), and the ablation
 * switches resolved against the mode's defaults. */
static void ctx_resolve(cb_ctx *x, const cb_run_config *cfg, const cb_mode_ops *ops)
{
    double scale = cfg->delay_scale > 0 ? cfg->delay_scale : 1.0;
    x->d.watch_sleep_s = cfg->delays.watch_sleep_s * scale;
    x->d.iface_config_s = cfg->delays.iface_config_s * scale;
    x->d.public_ip_s = cfg->delays.public_ip_s * scale;
    x->break_lock_delay_s = (cfg->break_lock_delay_s > 0 ? cfg->break_lock_delay_s : 0.2) * scale;
    x->spec_cache = cfg->ablation.spec_cache >= 0 ? cfg->ablation.spec_cache : ops->spec_cache_default;
    x->init_lock = cfg->ablation.init_lock >= 0 ? cfg->ablation.init_lock : ops->init_lock_default;
    x->break_lock = cfg->ablation.break_lock > 0;
}

int cb_ctx_init(cb_ctx *x, const cb_run_config *cfg, const cb_mode_ops *ops, char *err, size_t err_len)
{
    int n = cfg->n_agents > 0 ? cfg->n_agents : 0;
    memset(x, 0, sizeof *x);
    if (cb_rule_type_parse(cfg->rule_type, &x->rule_type) != 0) {
        snprintf(err, err_len, "rule_type must be basic or cost-prioritized");
        return -1;
    }
    x->cfg = cfg;
    x->ops = ops;
    x->n_agents = n;
    ctx_resolve(x, cfg, ops);
    snprintf(x->cladnet, sizeof x->cladnet, "%s", cb_cfg_cladnet(cfg));
    snprintf(x->cidr, sizeof x->cidr, "%s", cb_cfg_cidr(cfg));
    x->session_ttl = cfg->session_ttl_s > 0 ? cfg->session_ttl_s : 60;
    x->redeploy_agent = -1;
    if (n > 0) {
        x->agent_store = calloc((size_t)n, sizeof *x->agent_store);
        x->agents = calloc((size_t)n, sizeof *x->agents);
        x->by_host = calloc((size_t)n, sizeof *x->by_host);
        if (!x->agent_store || !x->agents || !x->by_host) {
            free(x->agent_store);
            free(x->agents);
            free(x->by_host);
            snprintf(err, err_len, "out of memory for %d agents", n);
            return -1;
        }
    }
    cb_sync_init(&x->mu, &x->cv);
    /* the profile (built-in ideal without one): before any agent or
     * controller, which set up their VMs from it */
    if (cb_cost_attach(x) != 0) {
        pthread_mutex_destroy(&x->mu);
        pthread_cond_destroy(&x->cv);
        free(x->agent_store);
        free(x->agents);
        free(x->by_host);
        snprintf(err, err_len, "out of memory for the cost model");
        return -1;
    }
    return 0;
}

cb_agent *cb_ctx_add_agent(cb_ctx *x, int i, const cb_place *place, etcd_client *client)
{
    cb_agent *a = &x->agent_store[i];
    cb_agent_init(a, x, i, place, client);
    x->agents[i] = a;
    x->by_host[i] = i;
    return a;
}

void cb_ctx_destroy(cb_ctx *x)
{
    cb_agent_stop_all(x);
    for (int i = 0; x->agents && i < x->n_agents; i++)
        if (x->agents[i])
            cb_agent_destroy(x->agents[i]);
    cb_timeline_free(x->tl);
    x->tl = NULL;
    free(x->agent_store);
    free(x->agents);
    free(x->by_host);
    x->agent_store = NULL;
    x->agents = NULL;
    x->by_host = NULL;
    cb_cost_detach(x);
    pthread_mutex_destroy(&x->mu);
    pthread_cond_destroy(&x->cv);
}
