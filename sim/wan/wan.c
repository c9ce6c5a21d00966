/* wan.c: the WAN emulator object: links, listeners, topology builder, fault
 * API and counters (see wan.h). The forwarding itself is in wan_link.c. */
#include "sim/wan/wan_internal.h"

#include <errno.h>
#include <math.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int wan_new(const wan_config *cfg, wan **out, char *err, size_t errlen)
{
    *out = NULL;
    wan *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "wan: out of memory");
        return -1;
    }
    if (cfg)
        w->cfg = *cfg;
    if (!(w->cfg.rtt_scale > 0))
        w->cfg.rtt_scale = 1.0;
    wan_spin_init(&w->spin, w->cfg.spin_us);
    wan_rng_seed(&w->rng, w->cfg.seed);
    pthread_mutex_init(&w->mu, NULL);
    w->epfd = w->tfd = w->wakefd = -1;
    for (int r = 0; r < TOPO_MAX_REGIONS; r++)
        for (int m = 0; m < WAN_MAX_MEMBERS; m++)
            w->client_link[r][m] = -1;
    for (int m = 0; m < WAN_MAX_MEMBERS; m++)
        w->direct_link[m] = -1;
    if (wan_loop_init(w, err, errlen) < 0) {
        wan_free(w);
        return -1;
    }
    *out = w;
    return 0;
}

void wan_free(wan *w)
{
    if (!w)
        return;
    if (w->running) {
        pthread_mutex_lock(&w->mu);
        w->stop = 1;
        pthread_mutex_unlock(&w->mu);
        wan_wake(w);
        pthread_join(w->th, NULL);
        w->running = 0;
    }
    wan_close_all_conns(w);
    for (int i = 0; i < w->n_lsts; i++) {
        close(w->lsts[i]->fd);
        free(w->lsts[i]);
    }
    for (int i = 0; i < w->n_links; i++)
        free(w->links[i]);
    free(w->lsts);
    free(w->links);
    free(w->region_ids);
    wan_heap_free(&w->heap);
    wan_loop_fini(w);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

int wan_set_regions(wan *w, int n, const char *const *ids)
{
    if (n < 0 || n > TOPO_MAX_REGIONS)
        return -1;
    pthread_mutex_lock(&w->mu);
    free(w->region_ids);
    w->region_ids = calloc((size_t)(n ? n : 1), sizeof *w->region_ids);
    w->n_regions = w->region_ids ? n : 0;
    for (int i = 0; i < w->n_regions; i++)
        snprintf(w->region_ids[i], TOPO_ID_LEN, "%s", ids[i]);
    pthread_mutex_unlock(&w->mu);
    return w->region_ids ? 0 : -1;
}

static void link_set_rtt(wan *w, wan_link *l, double rtt_ms_raw)
{
    l->rtt_ms = rtt_ms_raw * w->cfg.rtt_scale;
    l->delay_ns = (uint64_t)llround(l->rtt_ms * 1e6 / 2.0);
}

static wan_link *link_new(wan *w, const char *name, wan_link_kind kind, int target_port, double rtt_ms,
                          int src_region, int dst_region)
{
    if (w->n_links == w->cap_links) {
        int cap = w->cap_links ? 2 * w->cap_links : 64;
        wan_link **a = realloc(w->links, (size_t)cap * sizeof *a);
        if (!a)
            return NULL;
        w->links = a;
        w->cap_links = cap;
    }
    wan_link *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->id = w->n_links;
    snprintf(l->name, sizeof l->name, "%s", name);
    l->kind = kind;
    l->target_port = target_port;
    l->src_region = src_region;
    l->dst_region = dst_region;
    l->from_member = l->to_member = -1;
    l->jitter = w->cfg.jitter;
    l->bw_Bps = w->cfg.bandwidth_mbps > 0 ? w->cfg.bandwidth_mbps * 1e6 / 8.0 : 0;
    link_set_rtt(w, l, rtt_ms);
    w->links[w->n_links++] = l;
    return l;
}

/* addr: an IPv4 address, NULL or "" for 127.0.0.1. */
static wan_listener *listener_new(wan *w, int target_port, const char *addr, char *err, size_t errlen)
{
    wan_listener *l = NULL;
    int fd = -1;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t sl = sizeof sa;
    if (addr && *addr && inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "wan: listen address '%s' is not an IPv4 address", addr);
        return NULL;
    }
    if (w->n_lsts == w->cap_lsts) {
        int cap = w->cap_lsts ? 2 * w->cap_lsts : 64;
        wan_listener **a = realloc(w->lsts, (size_t)cap * sizeof *a);
        if (!a)
            goto nomem;
        w->lsts = a;
        w->cap_lsts = cap;
    }
    l = calloc(1, sizeof *l);
    if (!l)
        goto nomem;
    /* loopback unless the caller named another address: the emulator is
     * reachable from outside this host only when asked (--listen) */
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 1024) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
        snprintf(err, errlen, "wan: listen on %s: %s (out of ports or file descriptors?)",
                 addr && *addr ? addr : "127.0.0.1", strerror(errno));
        goto fail;
    }
    l->fd = fd;
    l->port = ntohs(sa.sin_port);
    l->target_port = target_port;
    l->member = -1;
    if (wan_listener_register(w, l) < 0) {
        snprintf(err, errlen, "wan: epoll_ctl on listener: %s", strerror(errno));
        goto fail;
    }
    w->lsts[w->n_lsts++] = l;
    return l;
nomem:
    snprintf(err, errlen, "wan: out of memory");
fail:
    if (fd >= 0)
        close(fd);
    free(l);
    return NULL;
}

int wan_add_link(wan *w, const char *name, int target_port, double rtt_ms, int src_region, int dst_region,
                 char *err, size_t errlen)
{
    int id = -1;
    if (!name || !*name || target_port <= 0 || target_port > 65535 || !(rtt_ms >= 0)) {
        snprintf(err, errlen, "wan_add_link: bad argument (name, port 1..65535, rtt >= 0)");
        return -1;
    }
    pthread_mutex_lock(&w->mu);
    for (int i = 0; i < w->n_links; i++)
        if (strcmp(w->links[i]->name, name) == 0) {
            snprintf(err, errlen, "wan_add_link: duplicate link name \"%s\"", name);
            goto cleanup;
        }
    wan_listener *lst = listener_new(w, target_port, w->cfg.listen_addr, err, errlen);
    if (!lst)
        goto cleanup;
    wan_link *l = link_new(w, name, WAN_LINK_CLIENT, target_port, rtt_ms, src_region, dst_region);
    if (!l) {
        snprintf(err, errlen, "wan: out of memory");
        goto cleanup;   /* the listener stays, unused, until wan_free */
    }
    l->lst = lst;
    lst->link = l;
    id = l->id;
cleanup:
    pthread_mutex_unlock(&w->mu);
    return id;
}

static double peer_default_raw(wan *w, int to)
{
    double mx = 0;
    for (int f = 0; f < w->n_members; f++)
        if (f != to && w->member_present[f] && w->peer_rtt_raw[f][to] > mx)
            mx = w->peer_rtt_raw[f][to];
    return mx;
}

int wan_add_peer_member(wan *w, int member, const char *member_name, int target_port, int region,
                        char *err, size_t errlen)
{
    int rc = -1;
    char name[WAN_NAME_LEN];
    if (member < 0 || member >= WAN_MAX_MEMBERS || !member_name || target_port <= 0 || target_port > 65535) {
        snprintf(err, errlen, "wan_add_peer_member: bad argument (member 0..%d, name, port)", WAN_MAX_MEMBERS - 1);
        return -1;
    }
    pthread_mutex_lock(&w->mu);
    if (w->member_present[member]) {
        snprintf(err, errlen, "wan_add_peer_member: member %d added twice", member);
        goto cleanup;
    }
    wan_listener *lst = listener_new(w, target_port, NULL, err, errlen);
    if (!lst)
        goto cleanup;
    lst->member = member;
    w->peer_lst[member] = lst;
    w->member_present[member] = 1;
    snprintf(w->member_name[member], sizeof w->member_name[member], "%s", member_name);
    w->member_region[member] = region;
    if (member + 1 > w->n_members)
        w->n_members = member + 1;
    snprintf(name, sizeof name, "p:?:%s", member_name);
    wan_link *d = link_new(w, name, WAN_LINK_PEER_DEFAULT, target_port, 0, -1, region);
    if (!d)
        goto nomem;
    d->to_member = member;
    w->peer_default[member] = d;
    /* pair links with every member already present, both ways */
    for (int o = 0; o < w->n_members; o++) {
        if (o == member || !w->member_present[o])
            continue;
        for (int k = 0; k < 2; k++) {
            int from = k ? o : member, to = k ? member : o;
            snprintf(name, sizeof name, "p:%s:%s", w->member_name[from], w->member_name[to]);
            wan_link *l = link_new(w, name, WAN_LINK_PEER, w->peer_lst[to]->target_port, 0,
                                   w->member_region[from], w->member_region[to]);
            if (!l)
                goto nomem;
            l->from_member = from;
            l->to_member = to;
            w->peer[from][to] = l;
        }
    }
    rc = 0;
    goto cleanup;
nomem:
    snprintf(err, errlen, "wan: out of memory");
cleanup:
    pthread_mutex_unlock(&w->mu);
    return rc;
}

int wan_set_peer_rtt(wan *w, int a, int b, double rtt_ms)
{
    int rc = -1;
    pthread_mutex_lock(&w->mu);
    if (a < 0 || b < 0 || a >= w->n_members || b >= w->n_members || a == b || !w->peer[a][b] || !(rtt_ms >= 0))
        goto cleanup;
    w->peer_rtt_raw[a][b] = w->peer_rtt_raw[b][a] = rtt_ms;
    link_set_rtt(w, w->peer[a][b], rtt_ms);
    link_set_rtt(w, w->peer[b][a], rtt_ms);
    link_set_rtt(w, w->peer_default[a], peer_default_raw(w, a));
    link_set_rtt(w, w->peer_default[b], peer_default_raw(w, b));
    rc = 0;
cleanup:
    pthread_mutex_unlock(&w->mu);
    return rc;
}

int wan_set_member_id(wan *w, int member, uint64_t id)
{
    if (member < 0 || member >= WAN_MAX_MEMBERS)
        return -1;
    pthread_mutex_lock(&w->mu);
    w->member_id[member] = id;
    w->member_id_known[member] = 1;
    wan_reset_unidentified(w, id);
    pthread_mutex_unlock(&w->mu);
    return 0;
}

int wan_new_from_topology(const topology *t, const int *client_ports, const int *peer_ports,
                          const wan_config *cfg, wan **out, char *err, size_t errlen)
{
    wan *w = NULL;
    wan_config c = cfg ? *cfg : (wan_config){ 0 };
    const char *ids[TOPO_MAX_REGIONS];
    char name[WAN_NAME_LEN];
    *out = NULL;
    if (!(c.rtt_scale > 0))
        c.rtt_scale = 1.0;
    /* the topology's own scale composes with the emulator's */
    c.rtt_scale *= t->rtt_scale > 0 ? t->rtt_scale : 1.0;
    if (wan_new(&c, &w, err, errlen) < 0)
        return -1;
    for (int r = 0; r < t->n_regions; r++)
        ids[r] = t->regions[r].id;
    if (wan_set_regions(w, t->n_regions, ids) < 0)
        goto fail;
    /* raw (unscaled) RTTs: topology_rtt_ms applies t->rtt_scale, divide it back out */
    double tscale = t->rtt_scale > 0 ? t->rtt_scale : 1.0;
    for (int m = 0; m < t->n_members; m++)
        snprintf(w->member_name[m], sizeof w->member_name[m], "%s", t->members[m].name);
    for (int m = 0; m < t->n_members; m++) {
        int mr = t->members[m].region;
        for (int r = 0; r < t->n_regions; r++) {
            snprintf(name, sizeof name, "c:%s:%s", t->regions[r].id, t->members[m].name);
            int id = wan_add_link(w, name, client_ports[m], topology_rtt_ms(t, r, mr) / tscale, r, mr, err, errlen);
            if (id < 0)
                goto fail;
            w->client_link[r][m] = id;
        }
        snprintf(name, sizeof name, "c:direct:%s", t->members[m].name);
        int id = wan_add_link(w, name, client_ports[m], 0, mr, mr, err, errlen);
        if (id < 0)
            goto fail;
        w->direct_link[m] = id;
    }
    if (peer_ports) {
        for (int m = 0; m < t->n_members; m++)
            if (wan_add_peer_member(w, m, t->members[m].name, peer_ports[m], t->members[m].region, err, errlen) < 0)
                goto fail;
        for (int a = 0; a < t->n_members; a++)
            for (int b = a + 1; b < t->n_members; b++)
                wan_set_peer_rtt(w, a, b, topology_member_rtt_ms(t, a, b) / tscale);
    }
    *out = w;
    return 0;
fail:
    wan_free(w);
    return -1;
}

int wan_start(wan *w, char *err, size_t errlen)
{
    if (w->running)
        return 0;
    int e = pthread_create(&w->th, NULL, wan_loop_main, w);
    if (e) {
        snprintf(err, errlen, "wan: cannot start the loop thread: %s", strerror(e));
        return -1;
    }
    w->running = 1;
    return 0;
}

/* ---- lookups -------------------------------------------------------------- */

int wan_link_find(wan *w, const char *name)
{
    int id = -1;
    pthread_mutex_lock(&w->mu);
    for (int i = 0; i < w->n_links && id < 0; i++)
        if (strcmp(w->links[i]->name, name) == 0)
            id = i;
    pthread_mutex_unlock(&w->mu);
    return id;
}

int wan_link_port(wan *w, int link)
{
    int port = -1;
    pthread_mutex_lock(&w->mu);
    if (link >= 0 && link < w->n_links)
        port = w->links[link]->lst ? w->links[link]->lst->port
             : w->peer_lst[w->links[link]->to_member]->port;
    pthread_mutex_unlock(&w->mu);
    return port;
}

int wan_client_link(wan *w, int region, int member)
{
    if (region < 0 || region >= TOPO_MAX_REGIONS || member < 0 || member >= WAN_MAX_MEMBERS)
        return -1;
    return w->client_link[region][member];
}

int wan_direct_link(wan *w, int member)
{
    if (member < 0 || member >= WAN_MAX_MEMBERS)
        return -1;
    return w->direct_link[member];
}

int wan_peer_port(wan *w, int member)
{
    if (member < 0 || member >= WAN_MAX_MEMBERS || !w->peer_lst[member])
        return -1;
    return w->peer_lst[member]->port;
}

int wan_member_find(wan *w, const char *s)
{
    int m = -1;
    pthread_mutex_lock(&w->mu);
    for (int i = 0; i < WAN_MAX_MEMBERS && m < 0; i++)
        if (w->member_name[i][0] && strcmp(w->member_name[i], s) == 0)
            m = i;
    if (m < 0) {
        char *end;
        long v = strtol(s, &end, 10);
        if (!*end && end != s && v >= 0 && v < WAN_MAX_MEMBERS)
            m = (int)v;
    }
    pthread_mutex_unlock(&w->mu);
    return m;
}

int wan_n_links(wan *w)
{
    return w->n_links;
}

const char *wan_link_name(wan *w, int link)
{
    return (link >= 0 && link < w->n_links) ? w->links[link]->name : NULL;
}

/* ---- faults --------------------------------------------------------------- */

int wan_set_link_rtt(wan *w, int link, double rtt_ms)
{
    int rc = -1;
    pthread_mutex_lock(&w->mu);
    if (link >= 0 && link < w->n_links && rtt_ms >= 0) {
        link_set_rtt(w, w->links[link], rtt_ms);
        rc = 0;
    }
    pthread_mutex_unlock(&w->mu);
    return rc;
}

int wan_set_link_jitter(wan *w, int link, const wan_jitter *j)
{
    int rc = -1;
    pthread_mutex_lock(&w->mu);
    if (link >= 0 && link < w->n_links && j && j->sigma_ms >= 0 && j->spike_ms >= 0 &&
        j->spike_prob >= 0 && j->spike_prob <= 1) {
        w->links[link]->jitter = *j;
        rc = 0;
    }
    pthread_mutex_unlock(&w->mu);
    return rc;
}

int wan_set_link_bandwidth(wan *w, int link, double mbps)
{
    int rc = -1;
    pthread_mutex_lock(&w->mu);
    if (link >= 0 && link < w->n_links && mbps >= 0) {
        w->links[link]->bw_Bps = mbps * 1e6 / 8.0;
        rc = 0;
    }
    pthread_mutex_unlock(&w->mu);
    return rc;
}

static void blackhole_locked(wan *w, wan_link *l, bool on)
{
    if (!l || l->blackholed == (int)on)
        return;
    l->blackholed = on;
    wan_link_blackhole_changed(w, l);
}

int wan_set_link_blackhole(wan *w, int link, bool on)
{
    int rc = -1;
    pthread_mutex_lock(&w->mu);
    if (link >= 0 && link < w->n_links) {
        blackhole_locked(w, w->links[link], on);
        rc = 0;
    }
    pthread_mutex_unlock(&w->mu);
    return rc;
}

int wan_drop_next_response(wan *w, int link, int count)
{
    int rc = -1;
    pthread_mutex_lock(&w->mu);
    if (link >= 0 && link < w->n_links && count >= 0) {
        w->links[link]->drop_responses = count;
        rc = 0;
    }
    pthread_mutex_unlock(&w->mu);
    return rc;
}

int wan_partition_member(wan *w, int member, bool on, bool include_clients)
{
    if (member < 0 || member >= WAN_MAX_MEMBERS)
        return -1;
    pthread_mutex_lock(&w->mu);
    for (int o = 0; o < w->n_members; o++) {
        blackhole_locked(w, w->peer[member][o], on);
        blackhole_locked(w, w->peer[o][member], on);
    }
    blackhole_locked(w, w->peer_default[member], on);
    if (include_clients)
    {
        for (int r = 0; r < TOPO_MAX_REGIONS; r++)
            if (w->client_link[r][member] >= 0)
                blackhole_locked(w, w->links[w->client_link[r][member]], on);
        if (w->direct_link[member] >= 0)
            blackhole_locked(w, w->links[w->direct_link[member]], on);
    }
    pthread_mutex_unlock(&w->mu);
    return 0;
}

void wan_heal_all(wan *w)
{
    pthread_mutex_lock(&w->mu);
    for (int i = 0; i < w->n_links; i++)
        blackhole_locked(w, w->links[i], false);
    pthread_mutex_unlock(&w->mu);
}

/* ---- counters ------------------------------------------------------------- */

static const char *kind_name(wan_link_kind k)
{
    return k == WAN_LINK_CLIENT ? "client" : k == WAN_LINK_PEER ? "peer" : "peer-default";
}

static json_t *region_json(wan *w, int r)
{
    if (r < 0)
        return json_null();
    if (r < w->n_regions)
        return json_string(w->region_ids[r]);
    return json_integer(r);
}

double wan_loop_cpu_s(wan *w)
{
    struct timespec ts;
    if (!w->loop_cpu_clock_ok || clock_gettime(w->loop_cpu_clock, &ts) < 0)
        return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void lateness_locked(wan *w, double *p50, double *p99, double *mx)
{
    uint64_t n = 0, acc = 0;
    for (int i = 0; i <= 1000; i++)
        n += w->late_hist[i];
    *p50 = *p99 = 0;
    *mx = (double)w->late_max_ns / 1e3;
    if (!n)
        return;
    int got50 = 0;
    for (int i = 0; i <= 1000; i++) {
        acc += w->late_hist[i];
        /* upper edge of the bucket: never understates the error */
        if (!got50 && acc * 2 >= n) {
            *p50 = (i + 1) * 10.0;
            got50 = 1;
        }
        if (acc * 100 >= n * 99) {
            *p99 = (i + 1) * 10.0;
            break;
        }
    }
    if (*p50 > *mx)
        *p50 = *mx;
    if (*p99 > *mx)
        *p99 = *mx;
}

void wan_timer_lateness(wan *w, double *p50_us, double *p99_us, double *max_us)
{
    pthread_mutex_lock(&w->mu);
    lateness_locked(w, p50_us, p99_us, max_us);
    pthread_mutex_unlock(&w->mu);
}

void wan_timer_lateness_reset(wan *w)
{
    pthread_mutex_lock(&w->mu);
    memset(w->late_hist, 0, sizeof w->late_hist);
    w->late_max_ns = 0;
    pthread_mutex_unlock(&w->mu);
}

static uint64_t egress_locked(wan *w, uint64_t pair[TOPO_MAX_REGIONS][TOPO_MAX_REGIONS], uint64_t *intra)
{
    uint64_t total = 0;
    if (intra)
        *intra = 0;
    for (int i = 0; i < w->n_links; i++) {
        wan_link *l = w->links[i];
        if (l->src_region < 0 || l->dst_region < 0 ||
            l->src_region >= TOPO_MAX_REGIONS || l->dst_region >= TOPO_MAX_REGIONS)
            continue;
        if (l->src_region == l->dst_region) {
            if (intra)
                *intra += l->bytes[0] + l->bytes[1];
            continue;
        }
        if (pair) {
            pair[l->src_region][l->dst_region] += l->bytes[0];
            pair[l->dst_region][l->src_region] += l->bytes[1];
        }
        total += l->bytes[0] + l->bytes[1];
    }
    return total;
}

uint64_t wan_egress_bytes(wan *w)
{
    pthread_mutex_lock(&w->mu);
    uint64_t t = egress_locked(w, NULL, NULL);
    pthread_mutex_unlock(&w->mu);
    return t;
}

static json_t *link_json(wan *w, wan_link *l, int with_counters)
{
    int port = l->lst ? l->lst->port : (l->to_member >= 0 && w->peer_lst[l->to_member] ? w->peer_lst[l->to_member]->port : -1);
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(l->name));
    json_object_set_new(o, "kind", json_string(kind_name(l->kind)));
    json_object_set_new(o, "port", json_integer(port));
    json_object_set_new(o, "target_port", json_integer(l->target_port));
    json_object_set_new(o, "src_region", region_json(w, l->src_region));
    json_object_set_new(o, "dst_region", region_json(w, l->dst_region));
    json_object_set_new(o, "rtt_ms", json_real(l->rtt_ms));
    if (with_counters) {
        json_object_set_new(o, "blackholed", json_boolean(l->blackholed));
        json_object_set_new(o, "bytes_to_target", json_integer((json_int_t)l->bytes[0]));
        json_object_set_new(o, "bytes_from_target", json_integer((json_int_t)l->bytes[1]));
        json_object_set_new(o, "conns_current", json_integer((json_int_t)l->conns_current));
        json_object_set_new(o, "conns_total", json_integer((json_int_t)l->conns_total));
    }
    return o;
}

json_t *wan_links_json(wan *w)
{
    pthread_mutex_lock(&w->mu);
    json_t *root = json_object(), *links = json_array(), *peers = json_array();
    for (int i = 0; i < w->n_links; i++)
        json_array_append_new(links, link_json(w, w->links[i], 0));
    for (int m = 0; m < w->n_members; m++)
        if (w->member_present[m])
            json_array_append_new(peers, json_pack("{s:s,s:i,s:i}", "member", w->member_name[m],
                                                   "port", w->peer_lst[m]->port,
                                                   "target_port", w->peer_lst[m]->target_port));
    json_object_set_new(root, "links", links);
    json_object_set_new(root, "peer_listeners", peers);
    json_object_set_new(root, "rtt_scale", json_real(w->cfg.rtt_scale));
    pthread_mutex_unlock(&w->mu);
    return root;
}

json_t *wan_counters(wan *w)
{
    uint64_t (*pair)[TOPO_MAX_REGIONS] = calloc(TOPO_MAX_REGIONS, sizeof *pair);
    if (!pair)
        return NULL;
    pthread_mutex_lock(&w->mu);
    uint64_t intra = 0, total = egress_locked(w, pair, &intra);
    json_t *root = json_object(), *links = json_array(), *eg = json_array();
    for (int i = 0; i < w->n_links; i++)
        json_array_append_new(links, link_json(w, w->links[i], 1));
    for (int a = 0; a < TOPO_MAX_REGIONS; a++)
        for (int b = 0; b < TOPO_MAX_REGIONS; b++)
            if (pair[a][b])
                json_array_append_new(eg, json_pack("{s:o,s:o,s:I}", "from", region_json(w, a),
                                                    "to", region_json(w, b), "bytes", (json_int_t)pair[a][b]));
    json_object_set_new(root, "links", links);
    json_object_set_new(root, "egress", eg);
    json_object_set_new(root, "egress_total_bytes", json_integer((json_int_t)total));
    json_object_set_new(root, "intra_region_bytes", json_integer((json_int_t)intra));
    json_object_set_new(root, "connections", json_integer(w->n_conns));
    json_object_set_new(root, "loop_cpu_s", json_real(wan_loop_cpu_s(w)));
    /* part of loop_cpu_s: polling before releases instead of sleeping */
    json_object_set_new(root, "spin_us", json_real((double)w->spin.window_ns / 1e3));
    json_object_set_new(root, "spin_auto", json_boolean(w->spin.automatic));
    json_object_set_new(root, "spin_s", json_real((double)w->spin.total_ns / 1e9));
    json_object_set_new(root, "timer_wake_late_p99_us", json_real(wan_spin_wake_p99_us(&w->spin)));
    double l50, l99, lmax;
    lateness_locked(w, &l50, &l99, &lmax);
    json_object_set_new(root, "timer_lateness_us", json_pack("{s:f,s:f,s:f}", "p50", l50, "p99", l99, "max", lmax));
    pthread_mutex_unlock(&w->mu);
    free(pair);
    return root;
}

char *wan_counters_json(wan *w)
{
    json_t *j = wan_counters(w);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return s;
}
