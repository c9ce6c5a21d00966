/* cb_mode_before.c: BEFORE caching, the control group (cb-network.md): the
 * agent watches only its own peer and rule keys; the controller builds every
 * rule (cb_controller.c). */
#include "sim/cb/cb_internal.h"

#include <stdio.h>
#include <string.h>

static int before_event(cb_agent *a, int src, const etcd_event *ev);

/* Redeploy only (a fault, never in a plain run): the new incarnation
 * watches its rule from now, but the controller may already have written
 * the final rule while the old one was dying, and a rule that does not
 * change is not written again: read it once, as a restarted process must. */
static int before_reget_rule(cb_agent *a, const char *key)
{
    etcd_status st;
    etcd_range_result r = {0};
    int rc = 0;
    if (etcd_range(a->client, key, strlen(key), NULL, &r, &st) != ETCD_OK) {
        if (!a->killed && !cb_ctx_stopping(a->x))
            cb_ctx_fail(a->x, "agent %d (%s): rule get after redeploy failed: %s", a->index, a->host_id, st.message);
        return -1;
    }
    if (r.n_kvs == 1) {
        etcd_event ev = {.type = ETCD_EVENT_PUT, .kv = r.kvs[0]};
        rc = before_event(a, CB_SRC_RULE_OWN, &ev);
    }
    etcd_range_result_free(&r);
    return rc;
}

static int before_setup(cb_agent *a)
{
    cb_ctx *x = a->x;
    char key[CB_KEY_MAX];
    cb_key_secret(key, x->cladnet);
    if (cb_agent_watch(a, key, true, 0, CB_SRC_OTHER) || cb_agent_sleep(a, x->d.watch_sleep_s))
        return -1;
    cb_key_control(key, x->cladnet, a->host_id);
    if (cb_agent_watch(a, key, false, 0, CB_SRC_OTHER) || cb_agent_sleep(a, x->d.watch_sleep_s))
        return -1;
    cb_key_peer(key, x->cladnet, a->host_id);
    if (cb_agent_watch(a, key, false, 0, CB_SRC_PEER_OWN) || cb_agent_sleep(a, x->d.watch_sleep_s))
        return -1;
    cb_key_rule(key, x->cladnet, a->host_id);
    if (cb_agent_watch(a, key, false, 0, CB_SRC_RULE_OWN) || cb_agent_sleep(a, x->d.watch_sleep_s))
        return -1;
    if (a->redeployed && before_reget_rule(a, key) != 0)
        return -1;
    return cb_agent_publish_host(a);
}

static int before_event(cb_agent *a, int src, const etcd_event *ev)
{
    char err[128];
    if (ev->type != ETCD_EVENT_PUT)
        return 0;
    if (src == CB_SRC_PEER_OWN) {
        cb_peer p;
        if (cb_peer_decode(ev->kv.value, ev->kv.value_len, &p, err, sizeof err) != 0) {
            cb_ctx_fail(a->x, "agent %d: own peer undecodable: %s", a->index, err);
            return -1;
        }
        a->self = p;
        a->have_self = true;
        snprintf(a->own_state, sizeof a->own_state, "%s", p.state);
        /* cost model: the watch line, the decode, StorePeer's 4 lines */
        if (cb_cost_spend(a->x, &a->vm, 5, 1, 0) != 0)
            return -1;
        /* Every `configuring` is acted on, not only the first: after a
         * redeploy the controller refreshes the peer (configuring again)
         * once it handles the new host information. */
        if (strcmp(p.state, CB_STATE_CONFIGURING) != 0)
            return 0;
        a->configured = true;
        cb_agent_mark(a, CB_EV_PEER_CONFIGURING_SEEN);
        if (cb_agent_configure_iface(a) != 0 || cb_agent_put_tunneling(a, &p) != 0)
            return -1;
        /* one agent: no rule ever comes; redeployed: its rule may have
         * come (or been read) before its tunnel was up */
        cb_agent_check_complete(a, &a->rule);
        return 0;
    }
    if (src == CB_SRC_RULE_OWN) {
        /* install the rule in memory: no etcd I/O */
        cb_rule r;
        if (cb_rule_decode(ev->kv.value, ev->kv.value_len, &r, err, sizeof err) != 0) {
            cb_ctx_fail(a->x, "agent %d: own rule undecodable: %s", a->index, err);
            return -1;
        }
        cb_rule_free(&a->rule);
        a->rule = r;
        /* cost model: the watch line, the decode, 4 lines installing it */
        if (cb_cost_spend(a->x, &a->vm, 5, 0, (double)r.n) != 0)
            return -1;
        cb_agent_check_complete(a, &a->rule);
    }
    return 0;
}

const cb_mode_ops cb_mode_before = {
    .spec_cache_default = 0,
    .init_lock_default = 0,
    .controller_builds_rules = true,
    .agent_setup = before_setup,
    .agent_event = before_event,
};
