/* etcd_client.c: the client object (configuration, endpoint order, the
 * transport and the background thread it owns), the names of its options,
 * and its accounting as read by callers. Unary calls are etcd_call.c's. */
#include "sim/etcd/etcd_transport.h"

#include <stdlib.h>
#include <string.h>

/* ---- names ------------------------------------------------------------- */

static const char *const policy_names[] = { "round-robin", "pinned", "nearest" };

const char *etcd_policy_name(etcd_policy p)
{
    return (unsigned)p <= ETCD_POLICY_NEAREST ? policy_names[p] : "unknown";
}

int etcd_policy_parse(const char *s, etcd_policy *out)
{
    for (int i = 0; i <= ETCD_POLICY_NEAREST; i++)
        if (s && !strcmp(s, policy_names[i])) {
            *out = (etcd_policy)i;
            return 0;
        }
    return -1;
}

static const char *const optype_names[ETCD_OP_T_COUNT] = {
    "range", "put", "delete", "txn", "lease_grant", "lease_keepalive", "lease_revoke",
    "lease_ttl", "watch", "lock", "unlock", "compact", "maintenance",
};

const char *etcd_optype_name(etcd_optype t)
{
    return (unsigned)t < ETCD_OP_T_COUNT ? optype_names[t] : "unknown";
}

/* ---- accounting -------------------------------------------------------- */

void etcd_client_stats(etcd_client *c, etcd_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!c)
        return;
    out->bytes_sent = atomic_load_explicit(&c->bytes_sent, memory_order_relaxed);
    out->bytes_received = atomic_load_explicit(&c->bytes_received, memory_order_relaxed);
    for (int i = 0; i < ETCD_OP_T_COUNT; i++)
        out->ops[i] = atomic_load_explicit(&c->ops[i], memory_order_relaxed);
    out->errors = atomic_load_explicit(&c->errors, memory_order_relaxed);
    out->retries = atomic_load_explicit(&c->retries, memory_order_relaxed);
    out->timeout_retries = atomic_load_explicit(&c->timeout_retries, memory_order_relaxed);
    out->readbacks = atomic_load_explicit(&c->readbacks, memory_order_relaxed);
    out->watch_events = atomic_load_explicit(&c->watch_events, memory_order_relaxed);
}

void etcd_stats_add(etcd_stats *acc, const etcd_stats *s)
{
    acc->bytes_sent += s->bytes_sent;
    acc->bytes_received += s->bytes_received;
    for (int i = 0; i < ETCD_OP_T_COUNT; i++)
        acc->ops[i] += s->ops[i];
    acc->errors += s->errors;
    acc->retries += s->retries;
    acc->timeout_retries += s->timeout_retries;
    acc->readbacks += s->readbacks;
    acc->watch_events += s->watch_events;
}

/* ---- client ------------------------------------------------------------ */

static const double *sort_rtt;
static int cmp_rtt(const void *a, const void *b)
{
    double x = sort_rtt[*(const size_t *)a], y = sort_rtt[*(const size_t *)b];
    return (x > y) - (x < y);
}

etcd_code etcd_client_new(const etcd_client_config *cfg, etcd_client **out, etcd_status *st)
{
    etcd_code code = ETCD_OK;
    etcd_client *c = NULL;
    if (st) {
        memset(st, 0, sizeof *st);
        st->endpoint = -1;
    }
    if (!cfg || !out || !cfg->endpoints || !cfg->n_endpoints)
        return etcd_set_status(st, ETCD_ERR_INVAL, "etcd_client_new: no endpoints given");
    if (cfg->policy == ETCD_POLICY_PINNED && cfg->pinned >= cfg->n_endpoints)
        return etcd_set_status(st, ETCD_ERR_INVAL, "etcd_client_new: pinned endpoint %zu out of range (have %zu)",
                               cfg->pinned, cfg->n_endpoints);
    if ((unsigned)cfg->policy > ETCD_POLICY_NEAREST)
        return etcd_set_status(st, ETCD_ERR_INVAL, "etcd_client_new: unknown policy %d", (int)cfg->policy);
    CURLcode crc = etcd_curl_init();   /* watches and keepalives use libcurl whatever the transport */
    if (crc != CURLE_OK)
        return etcd_set_status(st, ETCD_ERR_NOMEM, "curl_global_init failed: %s", curl_easy_strerror(crc));

    c = calloc(1, sizeof *c);
    if (!c)
        return etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory creating an etcd client");
    pthread_mutex_init(&c->bg_mu, NULL);
    pthread_mutex_init(&c->auth_mu, NULL);
    c->n_endpoints = cfg->n_endpoints;
    c->endpoints = calloc(c->n_endpoints, sizeof *c->endpoints);
    c->order = calloc(c->n_endpoints, sizeof *c->order);
    if (!c->endpoints || !c->order)
        goto nomem;
    if ((code = etcd_security_copy(c, cfg->security, st)) != ETCD_OK)
        goto cleanup;
    for (size_t i = 0; i < c->n_endpoints; i++) {
        const char *e = cfg->endpoints[i];
        size_t scheme = e && !strncmp(e, "https://", 8) ? 8 : 7;
        if (!e || (strncmp(e, "http://", 7) && scheme != 8) || (i && (scheme == 8) != c->tls)) {
            code = etcd_set_status(st, ETCD_ERR_INVAL,
                                   "etcd endpoint %zu (%s) must start with http:// or https://, as all the others",
                                   i, e ? e : "NULL");
            goto cleanup;
        }
        c->tls = scheme == 8;
        size_t l = strlen(e);
        while (l > scheme && e[l - 1] == '/')
            l--;
        if (!(c->endpoints[i] = strndup(e, l)))
            goto nomem;
        c->order[i] = i;
    }
    c->policy = cfg->policy;
    c->pinned = cfg->pinned;
    if (c->policy == ETCD_POLICY_NEAREST && cfg->endpoint_rtt_ms) {
        static pthread_mutex_t sort_mu = PTHREAD_MUTEX_INITIALIZER;
        pthread_mutex_lock(&sort_mu);
        sort_rtt = cfg->endpoint_rtt_ms;
        qsort(c->order, c->n_endpoints, sizeof *c->order, cmp_rtt);
        pthread_mutex_unlock(&sort_mu);
    }
    c->watch_endpoint = cfg->watch_endpoint >= (int)c->n_endpoints ? -1 : cfg->watch_endpoint;
    c->request_timeout_ms = cfg->request_timeout_ms > 0 ? cfg->request_timeout_ms : 10000;
    c->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 2000;
    c->max_attempts = cfg->max_attempts > 0 ? cfg->max_attempts : 2 * (int)c->n_endpoints;
    c->backoff_max_ms = cfg->backoff_max_ms > 0 ? cfg->backoff_max_ms : 200;
    c->retry_budget = etcd_retry_budget(cfg->retry_budget);
    c->attempt_timeout_ms = etcd_retry_attempt_ms(cfg->attempt_timeout_ms, c->request_timeout_ms, c->retry_budget);

    c->transport = etcd_transport_ops_of(cfg->transport);
    if ((c->tls || c->user) && c->transport != &etcd_transport_curl_ops) {
        code = etcd_set_status(st, ETCD_ERR_INVAL, "the %s transport speaks plain HTTP without authentication: "
                               "use the curl transport for https:// endpoints or a user", c->transport->name);
        goto cleanup;
    }
    if ((code = c->transport->open(c, st)) != ETCD_OK)
        goto cleanup;
    if ((code = etcd_headers_init(c, NULL, st)) != ETCD_OK || (code = etcd_authenticate(c, st)) != ETCD_OK)
        goto cleanup;
    *out = c;
    return ETCD_OK;
nomem:
    code = etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory creating an etcd client");
cleanup:
    etcd_client_free(c);
    return code;
}

void etcd_client_free(etcd_client *c)
{
    if (!c)
        return;
    etcd_bg_shutdown(c);
    if (c->transport)
        c->transport->close(c);
    if (c->endpoints)
        for (size_t i = 0; i < c->n_endpoints; i++)
            free(c->endpoints[i]);
    free(c->endpoints);
    free(c->order);
    curl_slist_free_all(c->headers);
    curl_slist_free_all(c->watch_headers);
    etcd_security_free(c);
    pthread_mutex_destroy(&c->bg_mu);
    free(c);
}
