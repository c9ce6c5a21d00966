/* cb_mode_after.c: AFTER caching, the patent's mechanism (cb-network.md):
 * the agent keeps every peer in a local cache, initialised under the peer
 * lock (watch, 200 ms sleep, get), and builds its own rule from it. The
 * event handler is shared with the lockless mode (cb_mode_lockless.c). */
#include "sim/cb/cb_internal.h"

#include <stdio.h>
#include <string.h>

int cb_mode_cache_start(cb_agent *a)
{
    cb_ctx *x = a->x;
    char key[CB_KEY_MAX];
    if (cb_agent_session(a) != 0)
        return -1;
    cb_key_secret(key, x->cladnet);
    if (cb_agent_watch(a, key, true, 0, CB_SRC_OTHER) || cb_agent_sleep(a, x->d.watch_sleep_s))
        return -1;
    cb_key_control(key, x->cladnet, a->host_id);
    if (cb_agent_watch(a, key, false, 0, CB_SRC_OTHER) || cb_agent_sleep(a, x->d.watch_sleep_s))
        return -1;
    return 0;
}

static int after_setup(cb_agent *a)
{
    cb_ctx *x = a->x;
    char key[CB_KEY_MAX];
    if (cb_mode_cache_start(a) != 0)
        return -1;
    if (x->init_lock && cb_agent_lock(a) != 0)
        return -1;
    cb_key_peer_prefix(key, x->cladnet);
    /* the original sleeps 200 ms after the watch, still holding the lock */
    if (cb_agent_watch(a, key, true, 0, CB_SRC_PEERS) || cb_agent_sleep(a, x->d.watch_sleep_s) ||
        cb_agent_load_peers(a, NULL))
        return -1;
    if (x->init_lock && cb_agent_unlock(a) != 0)
        return -1;
    return cb_agent_publish_host(a);
}

int cb_mode_cache_event(cb_agent *a, int src, const etcd_event *ev)
{
    char err[128];
    if (src != CB_SRC_PEERS || ev->type != ETCD_EVENT_PUT)
        return 0;
    cb_peer p;
    if (cb_peer_decode(ev->kv.value, ev->kv.value_len, &p, err, sizeof err) != 0) {
        cb_ctx_fail(a->x, "agent %d: peer event undecodable: %s", a->index, err);
        return -1;
    }
    bool own = strcmp(p.host_id, a->host_id) == 0;
    /* cost model: "Pushed", the decode, StorePeer's 4 lines */
    if (cb_cost_spend(a->x, &a->vm, 5, 1, 0) != 0)
        return -1;
    if (own) {
        a->self = p;
        a->have_self = true;
        /* as the original's StorePeer: the own state is what its own event says */
        if (a->x->agent_state_from_event)
            snprintf(a->own_state, sizeof a->own_state, "%s", p.state);
    } else {
        cb_agent_cache_store(a, &p);
    }
    /* the original reads the spec on every event; spec_cache keeps the first */
    if (cb_agent_get_spec(a) != 0)
        return -1;
    bool tunneling = strcmp(a->own_state, CB_STATE_TUNNELING) == 0;
    double m = (double)a->n_cache;
    /* every own `configuring` is acted on: a redeployed agent's peer is
     * refreshed to configuring again by the controller */
    if (own && strcmp(p.state, CB_STATE_CONFIGURING) == 0) {
        a->configured = true;
        cb_agent_mark(a, CB_EV_PEER_CONFIGURING_SEEN);
        if (cb_cost_spend(a->x, &a->vm, 1, 0, 0) != 0 || cb_agent_configure_iface(a) != 0)
            return -1;
        cb_agent_rebuild_rule(a);
        /* cost model: 1 line, the rule update (6 per peer + 11, one encode) */
        if (cb_cost_spend(a->x, &a->vm, 1 + (m > 0 ? 6 * m + 11 : 0), 0, m) != 0)
            return -1;
        if (a->n_cache > 0 && cb_agent_cas_rule(a, &a->rule) != 0)
            return -1;
        if (cb_cost_spend(a->x, &a->vm, 1 + 6, 1, 0) != 0)   /* updatePeerState: 6 lines, 1 encode */
            return -1;
        if (cb_agent_put_tunneling(a, &p) != 0)
            return -1;
        /* the original changes only a copy: its own state waits for its own event */
        if (!a->x->agent_state_from_event)
            snprintf(a->own_state, sizeof a->own_state, "%s", CB_STATE_TUNNELING);
        cb_agent_check_complete(a, &a->rule);
    } else if (own && strcmp(p.state, CB_STATE_TUNNELING) == 0) {
        snprintf(a->own_state, sizeof a->own_state, "%s", CB_STATE_TUNNELING);
        cb_agent_rebuild_rule(a);
        /* the original updates its rule only when it knows other peers */
        bool cas = !a->x->agent_state_from_event || a->n_cache > 0;
        if (cb_cost_spend(a->x, &a->vm, 1 + (cas ? 6 * m + 11 : 0), 0, cas ? m : 0) != 0)
            return -1;
        if (cas && cb_agent_cas_rule(a, &a->rule) != 0)
            return -1;
    } else if (!own && tunneling) {
        cb_rule_entry e;
        size_t had = a->rule.n;
        cb_rule_entry_for(a->have_self ? &a->self : NULL, &p, a->spec.rule_type, &e);
        if (cb_rule_upsert(&a->rule, &e) < 0) {
            cb_ctx_fail(a->x, "agent %d: out of memory for its rule", a->index);
            return -1;
        }
        /* cost model: the state check, one pair, the update, one encode */
        if (cb_cost_spend(a->x, &a->vm, 1 + 15 + (a->rule.n > had), 0, (double)a->rule.n) != 0)
            return -1;
        if (cb_agent_cas_rule(a, &a->rule) != 0)
            return -1;
    } else if (!own) {
        if (cb_cost_spend(a->x, &a->vm, 1, 0, 0) != 0)   /* the state check */
            return -1;
    }
    return 0;
}

const cb_mode_ops cb_mode_after = {
    .spec_cache_default = 0,
    .init_lock_default = 1,
    .controller_builds_rules = false,
    .agent_setup = after_setup,
    .agent_event = cb_mode_cache_event,
};
