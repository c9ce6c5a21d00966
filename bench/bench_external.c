/* bench_external.c: runs against an existing etcd cluster (see
 * bench_external.h). */
#include "bench/bench_external.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cb/cb_keys.h"
#include "sim/util/util_err.h"

struct bench_external {
    const topology *topo;
    int n;
    char urls[BENCH_MAX_ENDPOINTS][BENCH_URL_LEN];
    const char *url_ptrs[BENCH_MAX_ENDPOINTS];
    int region[BENCH_MAX_ENDPOINTS];                 /* topology region of each member */
    char names[BENCH_MAX_ENDPOINTS][32];             /* host:port */
    double rtt_ms[TOPO_MAX_REGIONS][BENCH_MAX_ENDPOINTS];
    char providers[TOPO_MAX_REGIONS][16];
    char cacert[BENCH_PATH_LEN], cert[BENCH_PATH_LEN], key[BENCH_PATH_LEN], user[128];
    char password[512];
    const char *password_source;                     /* "" without a user */
    etcd_security sec;
    etcd_transport transport;
    char prefix[CB_KEY_PREFIX_MAX];
    char versions[BENCH_MAX_ENDPOINTS][96];          /* each member's etcd version, or why unknown */
};

/* The password of --user: --password-file's first line, else the
 * environment; never argv (bench_opts refuses it there). */
static int read_password(bench_external *x, const bench_opts *o, char *err, size_t err_len)
{
    if (!o->user[0]) {
        x->password_source = "";
        return 0;
    }
    if (o->password_file[0]) {
        FILE *f = fopen(o->password_file, "r");
        if (!f) {
            util_seterr(err, err_len, "--password-file %s: %s", o->password_file, strerror(errno));
            return -1;
        }
        if (!fgets(x->password, sizeof x->password, f))
            x->password[0] = '\0';
        fclose(f);
        x->password[strcspn(x->password, "\r\n")] = '\0';
        x->password_source = "file";
    } else if (getenv(BENCH_PASSWORD_ENV)) {
        snprintf(x->password, sizeof x->password, "%s", getenv(BENCH_PASSWORD_ENV));
        x->password_source = "environment " BENCH_PASSWORD_ENV;
    } else {
        util_seterr(err, err_len, "--user %s: no password: set %s or give --password-file FILE", o->user,
                    BENCH_PASSWORD_ENV);
        return -1;
    }
    return 0;
}

static void host_port(const char *url, char *out, size_t len)
{
    const char *h = strstr(url, "://");
    h = h ? h + 3 : url;
    snprintf(out, len, "%.*s", (int)strcspn(h, "/"), h);
}

static int resolve_members(bench_external *x, const bench_opts *o, char *err, size_t err_len)
{
    const topology *t = x->topo;
    x->n = (int)o->n_endpoints;
    for (int m = 0; m < x->n; m++) {
        snprintf(x->urls[m], sizeof x->urls[m], "%s", o->endpoints[m]);
        x->url_ptrs[m] = x->urls[m];
        host_port(x->urls[m], x->names[m], sizeof x->names[m]);
        x->region[m] = topology_region_index(t, o->endpoint_regions[m]);
        if (x->region[m] < 0) {
            util_seterr(err, err_len, "--endpoints: region \"%s\" of %s is not in topology %s",
                        o->endpoint_regions[m], x->names[m], t->path);
            return -1;
        }
    }
    for (int r = 0; r < t->n_regions; r++) {
        size_t k;
        for (k = 0; k < sizeof x->providers[r] - 1 && t->regions[r].provider[k]; k++)
            x->providers[r][k] = (char)tolower((unsigned char)t->regions[r].provider[k]);
        x->providers[r][k] = '\0';
        for (int m = 0; m < x->n; m++)
            x->rtt_ms[r][m] = topology_rtt_ms(t, r, x->region[m]);
    }
    return 0;
}

static int prefix_count(bench_external *x, etcd_client *c, int64_t *count, char *err, size_t err_len)
{
    etcd_range_opts ro = { .prefix = true, .count_only = true };
    etcd_range_result rr = { 0 };
    etcd_status st;
    char key[CB_KEY_PREFIX_MAX + 1];
    snprintf(key, sizeof key, "%s/", x->prefix);
    memset(&st, 0, sizeof st);
    if (etcd_range(c, key, strlen(key), &ro, &rr, &st) != ETCD_OK) {
        util_seterr(err, err_len, "cannot read the key prefix %s on the cluster: %s", key, st.message);
        return -1;
    }
    *count = rr.count;
    etcd_range_result_free(&rr);
    return 0;
}

static int clear_with(bench_external *x, etcd_client *c, char *err, size_t err_len)
{
    etcd_delete_opts d = { .prefix = true };
    etcd_status st;
    char key[CB_KEY_PREFIX_MAX + 1];
    snprintf(key, sizeof key, "%s/", x->prefix);
    memset(&st, 0, sizeof st);
    if (etcd_delete(c, key, strlen(key), &d, NULL, &st) != ETCD_OK) {
        util_seterr(err, err_len, "cannot delete the keys under %s: %s", key, st.message);
        return -1;
    }
    return 0;
}

/* The prefix empty before a new sweep (else refused); a resumed one empties
 * its own. */
static int check_prefix(bench_external *x, bool resume, char *err, size_t err_len)
{
    etcd_client *c = NULL;
    int64_t n = 0;
    int rc = -1;
    if (bench_external_admin_client(x, &c, err, err_len) != 0)
        return -1;
    for (int m = 0; m < x->n; m++) {   /* the cluster's versions, for config.json (best effort) */
        etcd_member_status ms;
        etcd_status st;
        memset(&st, 0, sizeof st);
        if (etcd_status_get(c, m, &ms, &st) == ETCD_OK)
            snprintf(x->versions[m], sizeof x->versions[m], "%s", ms.version);
        else
            snprintf(x->versions[m], sizeof x->versions[m], "unknown: %.80s", st.message);
    }
    if (resume)
        rc = clear_with(x, c, err, err_len);
    else if (prefix_count(x, c, &n, err, err_len) == 0) {
        rc = n == 0 ? 0 : -1;
        if (rc != 0)
            util_seterr(err, err_len, "the key prefix %s/ already holds %lld key(s) on the cluster: refusing to "
                        "run there (choose another --key-prefix, or delete them if they are yours)",
                        x->prefix, (long long)n);
    }
    etcd_client_free(c);
    return rc;
}

/* What the owner and a worker share: the members, the password, the TLS
 * files and user, the transport. */
static int open_common(bench_external *x, const bench_opts *o, char *err, size_t err_len)
{
    if (resolve_members(x, o, err, err_len) != 0 || read_password(x, o, err, err_len) != 0)
        return -1;
    snprintf(x->cacert, sizeof x->cacert, "%s", o->cacert);
    snprintf(x->cert, sizeof x->cert, "%s", o->cert);
    snprintf(x->key, sizeof x->key, "%s", o->key);
    snprintf(x->user, sizeof x->user, "%s", o->user);
    x->sec = (etcd_security){ .cacert = x->cacert, .cert = x->cert, .key = x->key, .user = x->user,
                              .password = x->password };
    if (etcd_transport_parse(o->transport, &x->transport) != 0)
        x->transport = ETCD_TRANSPORT_NATIVE;
    return 0;
}

/* --cacert/--cert/--key readable on this host: a worker first connects
 * inside a run, where a missing file would surface as a run's failure. */
static int check_files(const bench_external *x, char *err, size_t err_len)
{
    const char *opt[] = { "--cacert", "--cert", "--key" }, *path[] = { x->cacert, x->cert, x->key };
    for (int i = 0; i < 3; i++) {
        FILE *f;
        if (!path[i][0])
            continue;
        f = fopen(path[i], "r");
        if (!f) {
            util_seterr(err, err_len, "%s %s: %s", opt[i], path[i], strerror(errno));
            return -1;
        }
        fclose(f);
    }
    return 0;
}

int bench_external_open(const bench_opts *o, const topology *topo, const char *run_id, bool resume,
                        bench_external **out, char *err, size_t err_len)
{
    bench_external *x = calloc(1, sizeof *x);
    char prefix[CB_KEY_PREFIX_MAX];
    *out = NULL;
    if (!x) {
        util_seterr(err, err_len, "out of memory");
        return -1;
    }
    x->topo = topo;
    if (open_common(x, o, err, err_len) != 0)
        goto fail;
    if (o->key_prefix[0])
        snprintf(prefix, sizeof prefix, "%s", o->key_prefix);
    else
        snprintf(prefix, sizeof prefix, "/geokv/%s", run_id);
    if (bench_external_set_prefix(x, prefix, err, err_len) != 0)
        goto fail;
    if (check_prefix(x, resume, err, err_len) != 0)
        goto fail;
    *out = x;
    return 0;
fail:
    bench_external_free(x);
    return -1;
}

int bench_external_open_worker(const bench_opts *o, const topology *topo, const char *prefix,
                               bench_external **out, char *err, size_t err_len)
{
    bench_external *x = calloc(1, sizeof *x);
    *out = NULL;
    if (!x) {
        util_seterr(err, err_len, "out of memory");
        return -1;
    }
    x->topo = topo;
    if (open_common(x, o, err, err_len) != 0 || check_files(x, err, err_len) != 0 ||
        (prefix && bench_external_set_prefix(x, prefix, err, err_len) != 0)) {
        bench_external_free(x);
        return -1;
    }
    *out = x;
    return 0;
}

int bench_external_set_prefix(bench_external *x, const char *prefix, char *err, size_t err_len)
{
    if (strlen(prefix) >= sizeof x->prefix || cb_keys_set_prefix(prefix) != 0) {
        util_seterr(err, err_len, "key prefix %s: not a prefix like /geokv/<run-id>", prefix);
        return -1;
    }
    snprintf(x->prefix, sizeof x->prefix, "%s", prefix);
    return 0;
}

void bench_external_place(const bench_external *x, int region, cb_place *out)
{
    memset(out, 0, sizeof *out);
    out->region = x->topo->regions[region].id;
    out->provider = x->providers[region];
    out->endpoints = x->url_ptrs;
    out->n_endpoints = (size_t)x->n;
    out->endpoint_rtt_ms = x->rtt_ms[region];
}

const etcd_security *bench_external_security(const bench_external *x)
{
    return &x->sec;
}

int bench_external_admin_client(bench_external *x, etcd_client **out, char *err, size_t err_len)
{
    etcd_client_config cc = { .endpoints = x->url_ptrs, .n_endpoints = (size_t)x->n, .watch_endpoint = -1,
                              .transport = x->transport, .security = &x->sec };
    etcd_status st;
    memset(&st, 0, sizeof st);
    if (etcd_client_new(&cc, out, &st) != ETCD_OK) {
        util_seterr(err, err_len, "etcd cluster at %s%s: %s", x->urls[0], x->n > 1 ? ",..." : "",
                    st.message);
        return -1;
    }
    return 0;
}

int bench_external_members(const bench_external *x)
{
    return x->n;
}

const char *bench_external_member_name(const bench_external *x, int i)
{
    return x->names[i];
}

void bench_external_scrape(bench_external *x, int i, int timeout_ms, bench_counters *out)
{
    char url[BENCH_URL_LEN + 16], err[256];
    snprintf(url, sizeof url, "%s/metrics", x->urls[i]);
    (void)bench_metrics_scrape_secure(url, &x->sec, timeout_ms, out, err, sizeof err);
}

int bench_external_clear(bench_external *x, char *err, size_t err_len)
{
    etcd_client *c = NULL;
    if (bench_external_admin_client(x, &c, err, err_len) != 0)
        return -1;
    int rc = clear_with(x, c, err, err_len);
    etcd_client_free(c);
    return rc;
}

const char *bench_external_prefix(const bench_external *x)
{
    return x->prefix;
}

json_t *bench_external_json(const bench_external *x)
{
    json_t *j = json_object(), *eps = json_array();
    char prefix[CB_KEY_PREFIX_MAX + 1];
    for (int m = 0; m < x->n; m++)
        json_array_append_new(eps, json_pack("{s:s,s:s,s:s,s:s}", "name", x->names[m], "url", x->urls[m],
                                             "region", x->topo->regions[x->region[m]].id, "etcd_version",
                                             x->versions[m]));
    snprintf(prefix, sizeof prefix, "%s/", x->prefix);
    json_object_set_new(j, "external", json_true());
    json_object_set_new(j, "endpoints", eps);
    json_object_set_new(j, "tls", json_boolean(!strncmp(x->urls[0], "https://", 8)));
    json_object_set_new(j, "cacert", x->cacert[0] ? json_string(x->cacert) : json_null());
    json_object_set_new(j, "client_cert", x->cert[0] ? json_string(x->cert) : json_null());
    json_object_set_new(j, "user", x->user[0] ? json_string(x->user) : json_null());
    json_object_set_new(j, "password_source", x->user[0] ? json_string(x->password_source) : json_null());
    json_object_set_new(j, "transport", json_string(etcd_transport_name(x->transport)));
    json_object_set_new(j, "key_prefix", json_string(prefix));
    json_object_set_new(j, "wan_emulator", json_false());
    json_object_set_new(j, "clean_state",
                        json_string("every key under key_prefix: empty at the start, deleted after every run"));
    return j;
}

void bench_external_free(bench_external *x)
{
    if (!x)
        return;
    memset(x->password, 0, sizeof x->password);
    free(x);
}
