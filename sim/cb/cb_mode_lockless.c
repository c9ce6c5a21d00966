/* cb_mode_lockless.c: our own mode. The agent-side cache of the after mode,
 * initialised from one consistent read instead of under the peer lock; the
 * CLADNet spec cached after its first read. Events are handled exactly as in
 * the after mode (cb_mode_cache_event). */
#include "sim/cb/cb_internal.h"

/* LOCKLESS (ours): read the peers at revision R with one range, watch from
 * R + 1: nothing is missed or seen twice, so neither the lock nor the sleep
 * after the watch is needed. init_lock=1 puts the lock back (ablation). */
static int lockless_setup(cb_agent *a)
{
    cb_ctx *x = a->x;
    char key[CB_KEY_MAX];
    int64_t rev = 0;
    if (cb_mode_cache_start(a) != 0)
        return -1;
    if (x->init_lock && cb_agent_lock(a) != 0)
        return -1;
    cb_key_peer_prefix(key, x->cladnet);
    if (cb_agent_load_peers(a, &rev) || cb_agent_watch(a, key, true, rev + 1, CB_SRC_PEERS))
        return -1;
    if (x->init_lock && cb_agent_unlock(a) != 0)
        return -1;
    return cb_agent_publish_host(a);
}

const cb_mode_ops cb_mode_lockless = {
    .spec_cache_default = 1,
    .init_lock_default = 0,
    .controller_builds_rules = false,
    .agent_setup = lockless_setup,
    .agent_event = cb_mode_cache_event,
};
