/* cb_model.c: JSON codecs of the cb-network values, IP allocation, rules. */
#include "sim/cb/cb_model.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cb/cb_keys.h"

const char *const CB_STATE_CONFIGURING = "configuring";
const char *const CB_STATE_TUNNELING = "tunneling";
const char *const CB_STATE_FAILED = "failed";

const char *cb_rule_type_name(cb_rule_type t)
{
    return t == CB_RULE_COST_PRIORITIZED ? "cost-prioritized" : "basic";
}

int cb_rule_type_parse(const char *s, cb_rule_type *out)
{
    if (!s || strcmp(s, "basic") == 0) {
        *out = CB_RULE_BASIC;
        return 0;
    }
    if (strcmp(s, "cost-prioritized") == 0) {
        *out = CB_RULE_COST_PRIORITIZED;
        return 0;
    }
    return -1;
}

static void set_err(char *err, size_t err_len, const char *what)
{
    if (err && err_len)
        snprintf(err, err_len, "%s", what);
}

static char *dump(json_t *o, size_t *len)
{
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (s && len)
        *len = strlen(s);
    return s;
}

static json_t *load(const char *json, size_t len, char *err, size_t err_len)
{
    json_error_t je;
    json_t *o = json_loadb(json, len, 0, &je);
    if (!o) {
        if (err && err_len)
            snprintf(err, err_len, "invalid JSON: %s", je.text);
        return NULL;
    }
    if (!json_is_object(o)) {
        set_err(err, err_len, "JSON value is not an object");
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Copy string member `name` of o into dst (cap bytes). Missing -> "" and
 * -1 when required. */
static int get_str(json_t *o, const char *name, char *dst, size_t cap, bool required)
{
    json_t *v = json_object_get(o, name);
    dst[0] = '\0';
    if (!json_is_string(v))
        return required ? -1 : 0;
    snprintf(dst, cap, "%s", json_string_value(v));
    return 0;
}

/* ---- spec ---- */

char *cb_spec_encode(const cb_spec *s, size_t *len)
{
    return dump(json_pack("{s:s, s:s, s:s, s:s, s:s}", "cladnetId", s->cladnet_id, "name", s->name,
                          "ipv4AddressSpace", s->ipv4_cidr, "description", s->description,
                          "ruleType", cb_rule_type_name(s->rule_type)),
                len);
}

int cb_spec_decode(const char *json, size_t len, cb_spec *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    json_t *o = load(json, len, err, err_len);
    if (!o)
        return -1;
    char rt[32];
    int rc = 0;
    if (get_str(o, "cladnetId", out->cladnet_id, sizeof out->cladnet_id, true) ||
        get_str(o, "ipv4AddressSpace", out->ipv4_cidr, sizeof out->ipv4_cidr, true)) {
        set_err(err, err_len, "spec: cladnetId or ipv4AddressSpace missing");
        rc = -1;
    }
    get_str(o, "name", out->name, sizeof out->name, false);
    get_str(o, "description", out->description, sizeof out->description, false);
    get_str(o, "ruleType", rt, sizeof rt, false);
    if (rc == 0 && cb_rule_type_parse(rt[0] ? rt : NULL, &out->rule_type) != 0) {
        set_err(err, err_len, "spec: unknown ruleType (basic or cost-prioritized)");
        rc = -1;
    }
    json_decref(o);
    return rc;
}

/* ---- host network information ---- */

char *cb_host_info_encode(const cb_host_info *h, size_t *len)
{
    /* lo + one NIC, as a VM reports them: what makes the original's ~360 B. */
    json_t *nics = json_pack("[{s:s, s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s, s:s, s:s}]",
                             "name", "lo", "version", "IPv4", "ipv4", "127.0.0.1", "ipv4Cidr",
                             "127.0.0.0/8", "ipv6", "::1", "ipv6Cidr", "::1/128",
                             "name", "ens5", "version", "IPv4", "ipv4", h->private_ip, "ipv4Cidr",
                             h->private_cidr, "ipv6", h->private_ipv6, "ipv6Cidr", "fe80::/64");
    if (!nics)
        return NULL;
    return dump(json_pack("{s:s, s:b, s:s, s:o}", "hostName", h->host_name, "isEncrypted",
                          h->is_encrypted, "publicIPAddress", h->public_ip, "networkInterfaces", nics),
                len);
}

int cb_host_info_decode(const char *json, size_t len, cb_host_info *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    json_t *o = load(json, len, err, err_len);
    if (!o)
        return -1;
    int rc = 0;
    if (get_str(o, "hostName", out->host_name, sizeof out->host_name, true) ||
        get_str(o, "publicIPAddress", out->public_ip, sizeof out->public_ip, true)) {
        set_err(err, err_len, "host information: hostName or publicIPAddress missing");
        rc = -1;
    }
    out->is_encrypted = json_is_true(json_object_get(o, "isEncrypted"));
    json_t *nics = json_object_get(o, "networkInterfaces"), *nic;
    size_t i;
    json_array_foreach(nics, i, nic) {
        char name[CB_STR];
        get_str(nic, "name", name, sizeof name, false);
        if (strcmp(name, "lo") == 0)
            continue;
        get_str(nic, "ipv4", out->private_ip, sizeof out->private_ip, false);
        get_str(nic, "ipv4Cidr", out->private_cidr, sizeof out->private_cidr, false);
        get_str(nic, "ipv6", out->private_ipv6, sizeof out->private_ipv6, false);
        break;
    }
    json_decref(o);
    return rc;
}

/* ---- peer ---- */

char *cb_peer_encode(const cb_peer *p, size_t *len)
{
    json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:s}", "providerName", p->provider, "regionId",
                          p->region, "availabilityZoneId", p->zone, "virtualNetworkId", p->vnet,
                          "subnetId", p->subnet);
    if (!d)
        return NULL;
    return dump(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "cladnetId",
                          p->cladnet_id, "hostId", p->host_id, "hostName", p->host_name,
                          "hostPrivateIpv4Cidr", p->host_private_cidr, "hostPrivateIp",
                          p->host_private_ip, "hostPublicIp", p->host_public_ip, "ipv4Cidr",
                          p->ipv4_cidr, "ip", p->ip, "state", p->state, "details", d),
                len);
}

int cb_peer_decode(const char *json, size_t len, cb_peer *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof *out);
    json_t *o = load(json, len, err, err_len);
    if (!o)
        return -1;
    int rc = 0;
    if (get_str(o, "hostId", out->host_id, sizeof out->host_id, true) ||
        get_str(o, "state", out->state, sizeof out->state, true)) {
        set_err(err, err_len, "peer: hostId or state missing");
        rc = -1;
    }
    get_str(o, "cladnetId", out->cladnet_id, sizeof out->cladnet_id, false);
    get_str(o, "hostName", out->host_name, sizeof out->host_name, false);
    get_str(o, "hostPrivateIpv4Cidr", out->host_private_cidr, sizeof out->host_private_cidr, false);
    get_str(o, "hostPrivateIp", out->host_private_ip, sizeof out->host_private_ip, false);
    get_str(o, "hostPublicIp", out->host_public_ip, sizeof out->host_public_ip, false);
    get_str(o, "ipv4Cidr", out->ipv4_cidr, sizeof out->ipv4_cidr, false);
    get_str(o, "ip", out->ip, sizeof out->ip, false);
    json_t *d = json_object_get(o, "details");
    if (json_is_object(d)) {
        get_str(d, "providerName", out->provider, sizeof out->provider, false);
        get_str(d, "regionId", out->region, sizeof out->region, false);
        get_str(d, "availabilityZoneId", out->zone, sizeof out->zone, false);
        get_str(d, "virtualNetworkId", out->vnet, sizeof out->vnet, false);
        get_str(d, "subnetId", out->subnet, sizeof out->subnet, false);
    }
    json_decref(o);
    return rc;
}

/* ---- networking rule ---- */

void cb_rule_init(cb_rule *r, const char *cladnet_id)
{
    memset(r, 0, sizeof *r);
    snprintf(r->cladnet_id, sizeof r->cladnet_id, "%s", cladnet_id ? cladnet_id : "");
}

void cb_rule_free(cb_rule *r)
{
    free(r->e);
    r->e = NULL;
    r->n = r->cap = 0;
}

int cb_rule_copy(cb_rule *dst, const cb_rule *src)
{
    cb_rule_init(dst, src->cladnet_id);
    if (src->n == 0)
        return 0;
    dst->e = malloc(src->n * sizeof *dst->e);
    if (!dst->e)
        return -1;
    memcpy(dst->e, src->e, src->n * sizeof *dst->e);
    dst->n = dst->cap = src->n;
    return 0;
}

char *cb_rule_encode(const cb_rule *r, size_t *len)
{
    json_t *ids = json_array(), *names = json_array(), *pips = json_array(), *sips = json_array(),
           *scopes = json_array(), *states = json_array();
    for (size_t i = 0; i < r->n && ids && names && pips && sips && scopes && states; i++) {
        const cb_rule_entry *e = &r->e[i];
        json_array_append_new(ids, json_string(e->host_id));
        json_array_append_new(names, json_string(e->host_name));
        json_array_append_new(pips, json_string(e->peer_ip));
        json_array_append_new(sips, json_string(e->selected_ip));
        json_array_append_new(scopes, json_string(e->peer_scope));
        json_array_append_new(states, json_string(e->state));
    }
    /* "o" steals the references, also on failure. */
    return dump(json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "cladnetId", r->cladnet_id, "hostId",
                          ids, "hostName", names, "peerIP", pips, "selectedIP", sips, "peerScope",
                          scopes, "state", states),
                len);
}

static int rule_reserve(cb_rule *r, size_t want)
{
    if (want <= r->cap)
        return 0;
    size_t cap = r->cap ? r->cap * 2 : 8;
    while (cap < want)
        cap *= 2;
    cb_rule_entry *e = realloc(r->e, cap * sizeof *e);
    if (!e)
        return -1;
    r->e = e;
    r->cap = cap;
    return 0;
}

int cb_rule_decode(const char *json, size_t len, cb_rule *out, char *err, size_t err_len)
{
    static const char *const fields[6] = {"hostId", "hostName", "peerIP", "selectedIP", "peerScope", "state"};
    cb_rule_init(out, NULL);
    json_t *o = load(json, len, err, err_len);
    if (!o)
        return -1;
    int rc = -1;
    json_t *arr[6];
    get_str(o, "cladnetId", out->cladnet_id, sizeof out->cladnet_id, false);
    size_t n = 0;
    for (int f = 0; f < 6; f++) {
        arr[f] = json_object_get(o, fields[f]);
        /* The original's Go encoder writes a nil slice as null. */
        if (json_is_null(arr[f]) || !arr[f]) {
            arr[f] = NULL;
            if (f > 0 && n != 0)
                goto bad_len;
            continue;
        }
        if (!json_is_array(arr[f])) {
            if (err && err_len)
                snprintf(err, err_len, "rule: %s is not an array", fields[f]);
            goto cleanup;
        }
        if (f == 0)
            n = json_array_size(arr[f]);
        else if (json_array_size(arr[f]) != n)
            goto bad_len;
    }
    if (rule_reserve(out, n) != 0) {
        set_err(err, err_len, "rule: out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        cb_rule_entry *e = &out->e[i];
        memset(e, 0, sizeof *e);
        char *dst[6] = {e->host_id, e->host_name, e->peer_ip, e->selected_ip, e->peer_scope, e->state};
        size_t cap[6] = {sizeof e->host_id, sizeof e->host_name, sizeof e->peer_ip,
                         sizeof e->selected_ip, sizeof e->peer_scope, sizeof e->state};
        for (int f = 0; f < 6; f++) {
            const char *s = arr[f] ? json_string_value(json_array_get(arr[f], i)) : NULL;
            snprintf(dst[f], cap[f], "%s", s ? s : "");
        }
    }
    out->n = n;
    rc = 0;
    goto cleanup;
bad_len:
    set_err(err, err_len, "rule: the parallel arrays differ in length");
cleanup:
    json_decref(o);
    if (rc != 0)
        cb_rule_free(out);
    return rc;
}

long cb_rule_find(const cb_rule *r, const char *host_id)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->e[i].host_id, host_id) == 0)
            return (long)i;
    return -1;
}

static int update_field(char *dst, size_t cap, const char *src)
{
    if (!src[0] || strcmp(dst, src) == 0)
        return 0;
    snprintf(dst, cap, "%s", src);
    return 1;
}

int cb_rule_upsert(cb_rule *r, const cb_rule_entry *e)
{
    long i = cb_rule_find(r, e->host_id);
    if (i < 0) {
        if (rule_reserve(r, r->n + 1) != 0)
            return -1;
        r->e[r->n++] = *e;
        return 1;
    }
    cb_rule_entry *d = &r->e[i];
    int changed = 0;
    changed |= update_field(d->host_name, sizeof d->host_name, e->host_name);
    changed |= update_field(d->peer_ip, sizeof d->peer_ip, e->peer_ip);
    changed |= update_field(d->selected_ip, sizeof d->selected_ip, e->selected_ip);
    changed |= update_field(d->peer_scope, sizeof d->peer_scope, e->peer_scope);
    changed |= update_field(d->state, sizeof d->state, e->state);
    return changed;
}

void cb_rule_entry_for(const cb_peer *self, const cb_peer *other, cb_rule_type t, cb_rule_entry *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->host_id, sizeof out->host_id, "%s", other->host_id);
    snprintf(out->host_name, sizeof out->host_name, "%s", other->host_name);
    snprintf(out->peer_ip, sizeof out->peer_ip, "%s", other->ip);
    snprintf(out->state, sizeof out->state, "%s", other->state);
    bool same_place = self && strcmp(self->provider, other->provider) == 0 &&
                      strcmp(self->region, other->region) == 0 && strcmp(self->zone, other->zone) == 0;
    if (t == CB_RULE_COST_PRIORITIZED && same_place) {
        snprintf(out->selected_ip, sizeof out->selected_ip, "%s", other->host_private_ip);
        snprintf(out->peer_scope, sizeof out->peer_scope, "intra");
    } else {
        snprintf(out->selected_ip, sizeof out->selected_ip, "%s", other->host_public_ip);
        snprintf(out->peer_scope, sizeof out->peer_scope, "inter");
    }
}

/* ---- addresses ---- */

int cb_ip_parse(const char *ip, uint32_t *out)
{
    unsigned a, b, c, d;
    char tail;
    if (sscanf(ip, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 || c > 255 ||
        d > 255)
        return -1;
    *out = (a << 24) | (b << 16) | (c << 8) | d;
    return 0;
}

int cb_cidr_parse(const char *cidr, uint32_t *net, int *prefix_len)
{
    char ip[32];
    int plen;
    char tail;
    const char *slash = strchr(cidr, '/');
    if (!slash || (size_t)(slash - cidr) >= sizeof ip)
        return -1;
    memcpy(ip, cidr, (size_t)(slash - cidr));
    ip[slash - cidr] = '\0';
    if (sscanf(slash + 1, "%d%c", &plen, &tail) != 1 || plen < 0 || plen > 32)
        return -1;
    uint32_t addr;
    if (cb_ip_parse(ip, &addr) != 0)
        return -1;
    uint32_t mask = plen == 0 ? 0 : 0xffffffffu << (32 - plen);
    *net = addr & mask;
    *prefix_len = plen;
    return 0;
}

static void ip_format(uint32_t a, char *out)
{
    snprintf(out, CB_STR, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

int cb_ip_alloc(const char *cidr, int64_t count, char *out)
{
    uint32_t net;
    int plen;
    out[0] = '\0';
    if (cb_cidr_parse(cidr, &net, &plen) != 0 || count < 0)
        return -1;
    uint64_t broadcast = (uint64_t)net + (plen == 32 ? 0 : (0xffffffffu >> plen));
    uint64_t ip = (uint64_t)net + (uint64_t)count + 2;
    if (ip > broadcast)
        return 1;
    ip_format((uint32_t)ip, out);
    return 0;
}

bool cb_ip_in_cidr(const char *ip, const char *cidr)
{
    uint32_t a, net;
    int plen;
    if (cb_ip_parse(ip, &a) != 0 || cb_cidr_parse(cidr, &net, &plen) != 0)
        return false;
    uint32_t mask = plen == 0 ? 0 : 0xffffffffu << (32 - plen);
    return (a & mask) == net;
}

void cb_host_facts(uint64_t seed, int index, cb_host_info *out)
{
    uint64_t st = seed ^ (0x5bd1e995ULL * (uint64_t)(index + 1));
    uint64_t r = cb_rand_next(&st);
    memset(out, 0, sizeof *out);
    /* 13-char names keep a rule entry at the original's ~85 B. */
    snprintf(out->host_name, sizeof out->host_name, "cbnet-vm-%04d", index % 10000);
    out->is_encrypted = false;
    /* Public addresses from ranges the clouds use; private ones in 172.31/16. */
    snprintf(out->public_ip, sizeof out->public_ip, "%u.%u.%u.%u", 3u + (unsigned)(r % 50),
             (unsigned)((r >> 8) & 255), (unsigned)((r >> 16) & 255), 1u + (unsigned)((r >> 24) % 254));
    snprintf(out->private_ip, sizeof out->private_ip, "172.31.%u.%u", (unsigned)((r >> 32) & 15),
             1u + (unsigned)((r >> 40) % 254));
    snprintf(out->private_cidr, sizeof out->private_cidr, "172.31.0.0/20");
    snprintf(out->private_ipv6, sizeof out->private_ipv6, "fe80::%x:%x:%x:%x",
             (unsigned)((r >> 48) & 0xffff), (unsigned)((r >> 8) & 0xffff),
             (unsigned)((r >> 24) & 0xffff), (unsigned)(r & 0xffff));
}
