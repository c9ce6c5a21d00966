/* etcd_auth.c: a client's security towards a secured cluster (see
 * etcd_security in etcd_client.h): the TLS options of its libcurl handles,
 * user authentication through the gateway (POST /v3/auth/authenticate), and
 * the header lists that carry the token.
 *
 * A renewed token replaces the header lists under auth_mu; the old lists are
 * kept until the client is freed, because pooled, watch and keepalive
 * handles may still point at them (curl reads CURLOPT_HTTPHEADER when a
 * transfer starts). Renewals are rare (a token expires after etcd's
 * --auth-token-ttl without use), so the few lists kept cost nothing.
 */
#include "sim/etcd/etcd_transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct curl_slist *build(const char *token, bool watch);

static char *dup_or_null(const char *s)
{
    return s && *s ? strdup(s) : NULL;
}

static bool missing_copy(const char *src, const char *dst)
{
    return src && *src && !dst;
}

etcd_code etcd_security_copy(etcd_client *c, const etcd_security *sec, etcd_status *st)
{
    if (!sec)
        return ETCD_OK;
    c->cacert = dup_or_null(sec->cacert);
    c->cert = dup_or_null(sec->cert);
    c->key = dup_or_null(sec->key);
    c->user = dup_or_null(sec->user);
    c->password = c->user ? strdup(sec->password ? sec->password : "") : NULL;
    c->plain_headers = c->user ? build(NULL, false) : NULL;
    if (missing_copy(sec->cacert, c->cacert) || missing_copy(sec->cert, c->cert) ||
        missing_copy(sec->key, c->key) || missing_copy(sec->user, c->user) ||
        (c->user && (!c->password || !c->plain_headers)))
        return etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory creating an etcd client");
    return ETCD_OK;
}

CURLcode etcd_tls_setup(const etcd_client *c, CURL *h)
{
    CURLcode rc = CURLE_OK;
    if (!c->tls)
        return CURLE_OK;
    rc |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (c->cacert)
        rc |= curl_easy_setopt(h, CURLOPT_CAINFO, c->cacert);
    if (c->cert)
        rc |= curl_easy_setopt(h, CURLOPT_SSLCERT, c->cert);
    if (c->key)
        rc |= curl_easy_setopt(h, CURLOPT_SSLKEY, c->key);
    return rc;
}

/* Set on the thread that authenticates, during the request: etcd refuses an
 * authenticate request that carries an expired token ("invalid auth token"),
 * so that one goes without. */
static _Thread_local bool authenticating;

struct curl_slist *etcd_headers(etcd_client *c, bool watch)
{
    if (authenticating && !watch)
        return c->plain_headers;
    pthread_mutex_lock(&c->auth_mu);
    struct curl_slist *h = watch ? c->watch_headers : c->headers;
    pthread_mutex_unlock(&c->auth_mu);
    return h;
}

static struct curl_slist *build(const char *token, bool watch)
{
    char auth[4096];
    struct curl_slist *l = curl_slist_append(NULL, "Content-Type: application/json");
    l = l ? curl_slist_append(l, "Expect:") : NULL;
    if (l && watch)
        l = curl_slist_append(l, "Grpc-Metadata-hasleader: true");
    if (l && token) {
        snprintf(auth, sizeof auth, "Authorization: %s", token);
        struct curl_slist *t = curl_slist_append(l, auth);
        if (!t)
            curl_slist_free_all(l);
        l = t;
    }
    return l;
}

static int retire(etcd_client *c, struct curl_slist *l)
{
    if (!l)
        return 0;
    struct curl_slist **r = realloc(c->retired, (c->n_retired + 1) * sizeof *r);
    if (!r)
        return -1;
    c->retired = r;
    c->retired[c->n_retired++] = l;
    return 0;
}

etcd_code etcd_headers_init(etcd_client *c, const char *token, etcd_status *st)
{
    struct curl_slist *h = build(token, false), *w = build(token, true);
    etcd_code code = ETCD_OK;
    pthread_mutex_lock(&c->auth_mu);
    if (!h || !w || retire(c, c->headers) != 0 || (c->headers = NULL, retire(c, c->watch_headers) != 0)) {
        curl_slist_free_all(h);
        curl_slist_free_all(w);
        code = etcd_set_status(st, ETCD_ERR_NOMEM, "out of memory building the etcd request headers");
    } else {
        c->headers = h;
        c->watch_headers = w;
    }
    pthread_mutex_unlock(&c->auth_mu);
    return code;
}

etcd_code etcd_authenticate(etcd_client *c, etcd_status *st)
{
    json_t *resp = NULL;
    if (!c->user)
        return ETCD_OK;
    json_t *req = json_pack("{s:s,s:s}", "name", c->user, "password", c->password);
    authenticating = true;
    etcd_code code = etcd_call(c, ETCD_OP_T_MAINTENANCE, "/v3/auth/authenticate", req, -1, 0, &resp, st);
    authenticating = false;
    if (code != ETCD_OK) {
        char msg[sizeof st->message];
        snprintf(msg, sizeof msg, "%s", st->message);
        etcd_set_status(st, code, "etcd authentication of user '%s' failed: %s", c->user, msg);
        return code;
    }
    const char *token = json_string_value(json_object_get(resp, "token"));
    if (!token || !*token)
        code = etcd_set_status(st, ETCD_ERR_PARSE,
                               "etcd authentication of user '%s' gave no token (is auth enabled on the cluster?)",
                               c->user);
    else
        code = etcd_headers_init(c, token, st);
    json_decref(resp);
    return code;
}

bool etcd_auth_token_invalid(const etcd_status *st)
{
    return st->code == ETCD_ERR_GRPC && (st->grpc_code == 16 || strstr(st->message, "invalid auth token"));
}

void etcd_security_free(etcd_client *c)
{
    curl_slist_free_all(c->plain_headers);
    for (size_t i = 0; i < c->n_retired; i++)
        curl_slist_free_all(c->retired[i]);
    free(c->retired);
    if (c->password)
        memset(c->password, 0, strlen(c->password));
    free(c->cacert);
    free(c->cert);
    free(c->key);
    free(c->user);
    free(c->password);
    pthread_mutex_destroy(&c->auth_mu);
}
