/* bench_cluster.c: three etcd members behind the WAN emulator (see
 * bench_cluster.h). */
#include "bench/bench_cluster.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sim/util/util_clock.h"
#include "sim/util/util_err.h"
#include "sim/rig/wan_etcd.h"
#include "sim/wan/wan.h"

static const struct { const char *region, *name; } member_names[] = {
    { "aws-ap-northeast-2", "Seoul-AWS" },
    { "gcp-asia-northeast3", "Seoul-GCP" },
    { "aws-ap-southeast-1", "Singapore" },
};

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

const char *bench_cluster_member_name(const topology *t, int member)
{
    const char *region = t->regions[t->members[member].region].id;
    for (size_t i = 0; i < sizeof member_names / sizeof member_names[0]; i++)
        if (strcmp(region, member_names[i].region) == 0)
            return member_names[i].name;
    return t->members[member].name;
}

void bench_cluster_timeouts(double max_member_rtt_ms, int *heartbeat_ms, int *election_ms)
{
    int hb = (int)ceil(max_member_rtt_ms);
    if (hb < 100)
        hb = 100;
    *heartbeat_ms = hb;
    *election_ms = 10 * hb < 1000 ? 1000 : 10 * hb;
}

int bench_cluster_leader(bench_cluster *c)
{
    return etcd_rig_leader(c->rig);
}

int bench_cluster_admin_client(bench_cluster *c, etcd_client **out, char *err, size_t err_len)
{
    etcd_status st;
    memset(&st, 0, sizeof st);
    if (etcd_rig_client(c->rig, out, &st) != ETCD_OK) {
        util_seterr(err, err_len, "cannot create an etcd client for the cluster: %s", st.message);
        return -1;
    }
    return 0;
}

/* Moves leadership to member `target` and waits until every member agrees. */
static int move_leader(bench_cluster *c, int target, char *err, size_t err_len)
{
    etcd_client *cl = NULL;
    etcd_status st;
    int rc = -1, leader = -1;
    double deadline = util_now_s() + 10.0 + 3.0 * c->election_ms / 1000.0;

    /* Own client with a short timeout: a transfer that works ends within a
     * few heartbeats (the target catches up, then one vote round), and
     * etcd 3.4 sometimes never answers one that did not (seen from
     * Singapore: the default 10 s timeout each time, then 2 election
     * timeouts, 2 s, in about a third of the runs). The leader is polled
     * again after each attempt, so a transfer that succeeded unanswered
     * is seen, and one that failed is sent again until the deadline. */
    {
        const char *urls[ETCD_RIG_MAX_MEMBERS];
        etcd_client_config cc;
        for (int i = 0; i < c->rig->n; i++)
            urls[i] = c->rig->m[i].client_url;
        memset(&cc, 0, sizeof cc);
        memset(&st, 0, sizeof st);
        cc.endpoints = urls;
        cc.n_endpoints = (size_t)c->rig->n;
        cc.watch_endpoint = -1;
        cc.request_timeout_ms = 4 * c->heartbeat_ms;
        cc.max_attempts = 1;
        if (etcd_client_new(&cc, &cl, &st) != ETCD_OK) {
            util_seterr(err, err_len, "cannot create an etcd client for the cluster: %s", st.message);
            return -1;
        }
    }
    while (util_now_s() < deadline) {
        leader = etcd_rig_leader(c->rig);
        if (leader == target) {
            rc = 0;
            break;
        }
        if (leader >= 0) {
            memset(&st, 0, sizeof st);
            /* A failed transfer (election in progress, target behind) is
             * retried until the deadline. */
            double t1 = util_now_s();
            etcd_code mc = etcd_move_leader(cl, leader, c->rig->m[target].member_id, &st);
            c->leader_moves++;
            if (getenv("GEOKV_BENCH_DEBUG"))
                fprintf(stderr, "move leader %s -> %s: %s (%.2f s) %s\n", c->names[leader], c->names[target],
                        etcd_code_name(mc), util_now_s() - t1, mc ? st.message : "");
        }
        sleep_ms(100);
    }
    if (rc != 0)
        util_seterr(err, err_len, "could not move etcd leadership to %s (leader is %s): see the member logs under %s",
                      c->names[target], leader >= 0 ? c->names[leader] : "none", c->rig->base_dir);
    etcd_client_free(cl);
    return rc;
}

static int build_places(bench_cluster *c, char *err, size_t err_len)
{
    const topology *t = c->topo;
    c->urls = calloc((size_t)t->n_regions, sizeof *c->urls);
    c->url_ptrs = calloc((size_t)t->n_regions, sizeof *c->url_ptrs);
    c->rtt_ms = calloc((size_t)t->n_regions, sizeof *c->rtt_ms);
    if (!c->urls || !c->url_ptrs || !c->rtt_ms) {
        util_seterr(err, err_len, "out of memory");
        return -1;
    }
    for (int r = 0; r < t->n_regions; r++) {
        size_t k;
        for (k = 0; k < sizeof c->providers[r] - 1 && t->regions[r].provider[k]; k++)
            c->providers[r][k] = (char)tolower((unsigned char)t->regions[r].provider[k]);
        c->providers[r][k] = '\0';
        for (int m = 0; m < c->n; m++) {
            if (c->wan != NULL) {
                int link = wan_client_link(c->wan, r, m);
                int port = link >= 0 ? wan_link_port(c->wan, link) : -1;
                if (port <= 0) {
                    util_seterr(err, err_len, "WAN emulator has no client link from %s to %s", t->regions[r].id,
                                  c->names[m]);
                    return -1;
                }
                snprintf(c->urls[r][m], sizeof c->urls[r][m], "http://%s:%d", c->listen ? c->listen : "127.0.0.1",
                         port);
                c->rtt_ms[r][m] = topology_rtt_ms(t, r, t->members[m].region);
            } else {
                snprintf(c->urls[r][m], sizeof c->urls[r][m], "%s", c->rig->m[m].client_url);
                c->rtt_ms[r][m] = 0;
            }
            c->url_ptrs[r][m] = c->urls[r][m];
        }
    }
    return 0;
}

/* The members, behind the emulator unless no_wan (sim/rig/wan_etcd.c does
 * the bring-up and its checks); errors worded for the bench's user. */
static int start_members(bench_cluster *c, const wan_etcd_config *wc, char *err, size_t err_len)
{
    wan_etcd_report rep;
    char werr[256];
    if (wan_etcd_bring_up(wc, &c->rig, &c->wan, &rep, werr, sizeof werr) == 0) {
        c->rig_start_s = rep.rig_start_s;
        return 0;
    }
    switch (rep.failed) {
    case WAN_ETCD_STEP_RIG:
        util_seterr(err, err_len, "cannot prepare etcd members: %s", rep.detail);
        break;
    case WAN_ETCD_STEP_EMULATOR:
        util_seterr(err, err_len, "cannot start the WAN emulator: %s", rep.detail);
        break;
    case WAN_ETCD_STEP_ADVERTISE:
        util_seterr(err, err_len, "cannot set the peer URL of %s to the emulator's %s", c->names[rep.member],
                     rep.detail);
        break;
    case WAN_ETCD_STEP_START:
        util_seterr(err, err_len, "etcd cluster did not start: %s", rep.detail);
        break;
    default:
        util_seterr(err, err_len, "%s", werr);
        break;
    }
    return -1;
}

int bench_cluster_start(const bench_cluster_config *cfg, bench_cluster **out, char *err, size_t err_len)
{
    const topology *t = cfg->topo;
    bench_cluster *c = NULL;
    etcd_rig_config rc;
    wan_config wc;
    wan_etcd_config bc = { .topo = t, .rig = &rc, .wan = &wc, .no_wan = cfg->no_wan };
    double t0 = util_now_s(), max_rtt = 0;
    int target = -1;

    *out = NULL;
    if (t->n_members < 1 || t->n_members > ETCD_RIG_MAX_MEMBERS) {
        util_seterr(err, err_len, "topology %s: %d etcd members (1 to %d supported)", t->path, t->n_members,
                      ETCD_RIG_MAX_MEMBERS);
        return -1;
    }
    c = calloc(1, sizeof *c);
    if (c == NULL) {
        util_seterr(err, err_len, "out of memory");
        return -1;
    }
    c->topo = t;
    c->n = t->n_members;
    for (int i = 0; i < c->n; i++) {
        snprintf(c->names[i], sizeof c->names[i], "%s", bench_cluster_member_name(t, i));
        if (strcmp(c->names[i], cfg->leader ? cfg->leader : "Seoul-AWS") == 0)
            target = i;
        for (int j = 0; j < c->n; j++)
            if (j != i && topology_member_rtt_ms(t, i, j) > max_rtt)
                max_rtt = topology_member_rtt_ms(t, i, j);
    }
    if (target < 0) {
        util_seterr(err, err_len, "--leader %s: no such member in topology %s",
                     cfg->leader ? cfg->leader : "Seoul-AWS", t->path);
        goto fail;
    }
    bench_cluster_timeouts(max_rtt, &c->heartbeat_ms, &c->election_ms);

    if (mkdir(cfg->base_dir, 0755) != 0 && errno != EEXIST) {
        util_seterr(err, err_len, "cannot create %s: %s", cfg->base_dir, strerror(errno));
        goto fail;
    }
    memset(&rc, 0, sizeof rc);
    for (int i = 0; i < c->n; i++)
        rc.names[i] = c->names[i];
    rc.base_dir = cfg->base_dir;
    rc.heartbeat_ms = c->heartbeat_ms;
    rc.election_ms = c->election_ms;
    rc.fsync = cfg->fsync;
    rc.start_timeout_ms = cfg->start_timeout_ms > 0 ? cfg->start_timeout_ms : 30000;
    memset(&wc, 0, sizeof wc);
    wc.seed = cfg->seed;
    wc.rtt_scale = 1.0;       /* the topology's own rtt_scale is already set */
    wc.spin_us = cfg->wan_spin_us;
    wc.listen_addr = cfg->listen;
    c->listen = cfg->listen;
    if (start_members(c, &bc, err, err_len) != 0)
        goto fail;
    {
        double t1 = util_now_s();
        if (move_leader(c, target, err, err_len) != 0)
            goto fail;
        c->leader_move_s = util_now_s() - t1;
    }
    c->leader = target;
    if (build_places(c, err, err_len) != 0)
        goto fail;
    c->start_s = util_now_s() - t0;
    *out = c;
    return 0;
fail:
    bench_cluster_stop(c);
    return -1;
}

void bench_cluster_place(const bench_cluster *c, int region, cb_place *out)
{
    memset(out, 0, sizeof *out);
    out->region = c->topo->regions[region].id;
    out->provider = c->providers[region];
    out->endpoints = c->url_ptrs[region];
    out->n_endpoints = (size_t)c->n;
    out->endpoint_rtt_ms = c->rtt_ms[region];
}

int bench_cluster_pids(const bench_cluster *c, pid_t *pids, int max)
{
    int k = 0;
    for (int i = 0; c && c->rig && i < c->rig->n && k < max; i++)
        if (c->rig->m[i].pid > 0)
            pids[k++] = c->rig->m[i].pid;
    return k;
}

void bench_cluster_stop(bench_cluster *c)
{
    if (c == NULL)
        return;
    /* The data are thrown away, so members get SIGKILL (reaped by the rig):
     * on SIGTERM a leader first tries to hand leadership over and waits for
     * it, which costs up to the rig's 3 s grace per run for nothing.
     * Members go before the emulator, so none of them sees it vanish. */
    for (int i = 0; c->rig != NULL && i < c->rig->n; i++)
        if (c->rig->m[i].pid > 0)
            (void)etcd_rig_kill(c->rig, i, SIGKILL);
    wan_etcd_stop(c->rig, c->wan);
    free(c->urls);
    free(c->url_ptrs);
    free(c->rtt_ms);
    free(c);
}
