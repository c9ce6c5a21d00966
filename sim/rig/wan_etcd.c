/* wan_etcd.c: an etcd cluster behind the WAN emulator (see wan_etcd.h). */
#include "sim/rig/wan_etcd.h"

#include <stdio.h>
#include <string.h>

#include "sim/util/util_clock.h"

/* Records the failed step; err gets the full sentence from the caller. */
static void wan_etcd_failed(wan_etcd_report *rep, wan_etcd_step step, int member, const char *detail)
{
    rep->failed = step;
    rep->member = member;
    snprintf(rep->detail, sizeof rep->detail, "%s", detail);
}

/* Steps 2 and 3: the emulator in front of the members' ports, and every
 * member advertising its peer listener. */
static int wan_etcd_front(const topology *t, const wan_config *wan_cfg, etcd_rig *rig, wan **w,
                          wan_etcd_report *rep, char *err, size_t errlen)
{
    int cports[TOPO_MAX_MEMBERS], pports[TOPO_MAX_MEMBERS];
    for (int i = 0; i < rig->n; i++) {
        cports[i] = rig->m[i].client_port;
        pports[i] = rig->m[i].peer_port;
    }
    if (wan_new_from_topology(t, cports, pports, wan_cfg, w, err, errlen) < 0 ||
        wan_start(*w, err, errlen) < 0) {
        wan_etcd_failed(rep, WAN_ETCD_STEP_EMULATOR, -1, err);
        return -1;
    }
    for (int i = 0; i < rig->n; i++) {
        char url[64];
        snprintf(url, sizeof url, "http://127.0.0.1:%d", wan_peer_port(*w, i));
        if (etcd_rig_set_peer_advertise(rig, i, url) != ETCD_OK) {
            snprintf(err, errlen, "etcd rig: cannot set member %d's peer URL to %s", i, url);
            wan_etcd_failed(rep, WAN_ETCD_STEP_ADVERTISE, i, url);
            return -1;
        }
    }
    return 0;
}

/* Step 5: the members still listen where the client links forward to, and
 * the emulator learns their raft ids. */
static int wan_etcd_identify(etcd_rig *rig, wan *w, const int *cports, wan_etcd_report *rep, char *err,
                             size_t errlen)
{
    for (int i = 0; i < rig->n; i++) {
        /* the rig may move an unpinned port that was taken meanwhile: the
         * client links would then point at nothing */
        if (rig->m[i].client_port != cports[i]) {
            snprintf(err, errlen, "etcd member %s moved its client port (%d -> %d) after the emulator was "
                     "built: retry", rig->m[i].name, cports[i], rig->m[i].client_port);
            wan_etcd_failed(rep, WAN_ETCD_STEP_CHECK, i, err);
            return -1;
        }
        if (!rig->m[i].member_id) {
            snprintf(err, errlen, "etcd member %s: raft id unknown after start", rig->m[i].name);
            wan_etcd_failed(rep, WAN_ETCD_STEP_CHECK, i, err);
            return -1;
        }
        wan_set_member_id(w, i, rig->m[i].member_id);
    }
    return 0;
}

int wan_etcd_bring_up(const wan_etcd_config *cfg, etcd_rig **rig_out, wan **w_out, wan_etcd_report *rep_out,
                      char *err, size_t errlen)
{
    const topology *t = cfg->topo;
    etcd_rig *rig = NULL;
    wan *w = NULL;
    etcd_status st;
    etcd_rig_config rc = cfg->rig ? *cfg->rig : (etcd_rig_config){ 0 };
    wan_etcd_report local, *rep = rep_out ? rep_out : &local;
    int cports[TOPO_MAX_MEMBERS];
    double t0;

    *rig_out = NULL;
    *w_out = NULL;
    memset(rep, 0, sizeof *rep);
    rep->member = -1;
    memset(&st, 0, sizeof st);
    if (t->n_members > ETCD_RIG_MAX_MEMBERS) {
        snprintf(err, errlen, "wan_etcd_start: %d members, the rig takes at most %d", t->n_members,
                 ETCD_RIG_MAX_MEMBERS);
        wan_etcd_failed(rep, WAN_ETCD_STEP_RIG, -1, err);
        return -1;
    }
    rc.n_members = t->n_members;
    if (!rc.names[0])
        for (int i = 0; i < t->n_members; i++)
            rc.names[i] = t->members[i].name;
    if (etcd_rig_new(&rc, &rig, &st) != ETCD_OK) {
        snprintf(err, errlen, "etcd rig: %s", st.message);
        wan_etcd_failed(rep, WAN_ETCD_STEP_RIG, -1, st.message);
        goto fail;
    }
    for (int i = 0; i < rig->n; i++)
        cports[i] = rig->m[i].client_port;
    if (!cfg->no_wan && wan_etcd_front(t, cfg->wan, rig, &w, rep, err, errlen) < 0)
        goto fail;
    t0 = util_now_s();
    if (etcd_rig_start(rig, &st) != ETCD_OK) {
        snprintf(err, errlen, "etcd rig: %s", st.message);
        wan_etcd_failed(rep, WAN_ETCD_STEP_START, -1, st.message);
        goto fail;
    }
    rep->rig_start_s = util_now_s() - t0;
    if (w && wan_etcd_identify(rig, w, cports, rep, err, errlen) < 0)
        goto fail;
    *rig_out = rig;
    *w_out = w;
    return 0;
fail:
    wan_etcd_stop(rig, w);
    return -1;
}

int wan_etcd_start(const topology *t, const etcd_rig_config *rig_cfg, const wan_config *wan_cfg,
                   etcd_rig **rig_out, wan **w_out, char *err, size_t errlen)
{
    wan_etcd_config cfg = { .topo = t, .rig = rig_cfg, .wan = wan_cfg };
    return wan_etcd_bring_up(&cfg, rig_out, w_out, NULL, err, errlen);
}

void wan_etcd_stop(etcd_rig *rig, wan *w)
{
    etcd_rig_stop(rig);
    wan_free(w);
}

int wan_etcd_client(wan *w, const int *links, int n, int request_timeout_ms, etcd_client **out,
                    char *err, size_t errlen)
{
    char urls[WAN_MAX_MEMBERS * 4][48];
    const char *eps[WAN_MAX_MEMBERS * 4];
    etcd_status st;
    *out = NULL;
    if (n <= 0 || n > WAN_MAX_MEMBERS * 4) {
        snprintf(err, errlen, "wan_etcd_client: 1..%d links", WAN_MAX_MEMBERS * 4);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        int port = wan_link_port(w, links[i]);
        if (port <= 0) {
            snprintf(err, errlen, "wan_etcd_client: no link %d", links[i]);
            return -1;
        }
        snprintf(urls[i], sizeof urls[i], "http://127.0.0.1:%d", port);
        eps[i] = urls[i];
    }
    etcd_client_config cc = { .endpoints = eps, .n_endpoints = (size_t)n, .policy = ETCD_POLICY_PINNED,
                              .pinned = 0, .watch_endpoint = -1, .request_timeout_ms = request_timeout_ms,
                              .max_attempts = n };
    if (etcd_client_new(&cc, out, &st) != ETCD_OK) {
        snprintf(err, errlen, "etcd client: %s", st.message);
        return -1;
    }
    return 0;
}
