/* etcd_rig_health.c: is a rig's cluster up? /health and status queries,
 * the members' logs quoted in errors, and the wait for a healthy cluster.
 *
 * Health checks and status queries use plain libcurl + jansson here, so the
 * rig does not depend on the etcd client (etcd_rig_client() lives in
 * etcd_rig_client.c).
 */
#include "sim/rig/etcd_rig_priv.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define RIG_HTTP_TIMEOUT_MS 1000

/* ---- HTTP (plain libcurl, small bodies) --------------------------------- */

typedef struct rig_buf {
    char data[4096];
    size_t len;
} rig_buf;

static size_t rig_write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    rig_buf *b = ud;
    size_t n = size * nmemb;
    size_t room = sizeof b->data - 1 - b->len;
    size_t take = n < room ? n : room;
    memcpy(b->data + b->len, ptr, take);
    b->len += take;
    b->data[b->len] = 0;
    return n;
}

/* GET (body NULL) or POST JSON. Returns the HTTP status, 0 on transport error. */
static long rig_http(const char *url, const char *body, rig_buf *out)
{
    out->len = 0;
    out->data[0] = 0;
    CURL *h = curl_easy_init();
    if (!h)
        return 0;
    struct curl_slist *hdr = NULL;
    long code = 0;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)RIG_HTTP_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 500L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, rig_write_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(h, CURLOPT_PROXY, "");   /* never through an http_proxy */
    if (body) {
        hdr = curl_slist_append(hdr, "Content-Type: application/json");
        hdr = curl_slist_append(hdr, "Expect:");
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    }
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    return code;
}

static uint64_t rig_json_u64(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_string(v))
        return strtoull(json_string_value(v), NULL, 10);
    if (json_is_integer(v))
        return (uint64_t)json_integer_value(v);
    return 0;
}

typedef struct rig_mstatus {
    uint64_t member_id, leader_id, raft_term;
} rig_mstatus;

static bool rig_member_status(const etcd_rig_member *m, rig_mstatus *out)
{
    rig_buf b;
    char url[128];
    memset(out, 0, sizeof *out);
    snprintf(url, sizeof url, "%s/v3/maintenance/status", m->client_url);
    if (rig_http(url, "{}", &b) != 200)
        return false;
    json_t *root = json_loads(b.data, 0, NULL);
    if (!root)
        return false;
    out->member_id = rig_json_u64(json_object_get(root, "header"), "member_id");
    out->leader_id = rig_json_u64(root, "leader");
    out->raft_term = rig_json_u64(root, "raftTerm");
    json_decref(root);
    return out->member_id != 0;
}

static bool rig_member_healthy(const etcd_rig_member *m)
{
    rig_buf b;
    char url[128];
    snprintf(url, sizeof url, "%s/health", m->client_url);
    if (rig_http(url, NULL, &b) != 200)
        return false;
    json_t *root = json_loads(b.data, 0, NULL);
    bool ok = root && json_is_string(json_object_get(root, "health")) &&
              strcmp(json_string_value(json_object_get(root, "health")), "true") == 0;
    json_decref(root);
    return ok;
}

/* ---- members' logs ------------------------------------------------------ */

/* The last lines of a member's log, on one line, for st->message. */
static void rig_log_tail(const etcd_rig_member *m, char *out, size_t cap)
{
    out[0] = 0;
    int fd = open(m->log_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    char buf[1024];
    off_t size = lseek(fd, 0, SEEK_END);
    off_t from = size > (off_t)sizeof buf - 1 ? size - (off_t)sizeof buf + 1 : 0;
    ssize_t n = pread(fd, buf, sizeof buf - 1, from);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = 0;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = 0;
    /* Keep what fits, from the end; newlines become " | ". */
    size_t want = cap > 1 ? cap - 1 : 0;
    const char *s = buf;
    size_t len = (size_t)n;
    if (len > want) {
        s = buf + (len - want);
        len = want;
    }
    size_t o = 0;
    for (size_t k = 0; k < len && o + 1 < cap; k++) {
        if (s[k] == '\n') {
            if (o + 3 >= cap)
                break;
            memcpy(out + o, " | ", 3);
            o += 3;
        } else {
            out[o++] = s[k];
        }
    }
    out[o] = 0;
}

bool rig_log_contains(const etcd_rig_member *m, const char *needle)
{
    FILE *f = fopen(m->log_path, "r");
    if (!f)
        return false;
    char line[2048];
    bool found = false;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

/* ---- health ------------------------------------------------------------ */

/* Waits until every running member answers /health true and they agree on a
 * leader that is one of them. Records member ids. Returns ETCD_ERR_TIMEOUT,
 * or ETCD_ERR_CONNECT when a member exited (*exited = its index). */
etcd_code rig_wait_healthy(etcd_rig *r, int timeout_ms, int *exited, etcd_status *st)
{
    double deadline = util_now_ms() + timeout_ms;
    char why[160] = "no member answered yet";
    int why_member = -1;   /* whose log to quote on timeout */
    *exited = -1;
    for (;;) {
        bool all = true;
        uint64_t leader = 0;
        int running = 0;
        for (int i = 0; i < r->n && all; i++) {
            etcd_rig_member *m = &r->m[i];
            if (m->pid <= 0)
                continue;
            int ws = 0;
            if (rig_reap_nowait(r, i, &ws)) {
                *exited = i;
                char tail[200];
                rig_log_tail(m, tail, sizeof tail);
                return rig_fail(st, ETCD_ERR_CONNECT, "etcd member %s exited (%s %d): %s", m->name,
                                WIFSIGNALED(ws) ? "signal" : "status",
                                WIFSIGNALED(ws) ? WTERMSIG(ws) : WEXITSTATUS(ws), tail);
            }
            running++;
            rig_mstatus ms;
            if (!rig_member_healthy(m)) {
                snprintf(why, sizeof why, "member %s not healthy at %s/health", m->name,
                         m->client_url);
                why_member = i;
                all = false;
            } else if (!rig_member_status(m, &ms) || ms.leader_id == 0) {
                snprintf(why, sizeof why, "member %s reports no leader", m->name);
                why_member = i;
                all = false;
            } else {
                m->member_id = ms.member_id;
                if (leader && leader != ms.leader_id) {
                    snprintf(why, sizeof why, "members disagree on the leader");
                    all = false;
                }
                leader = ms.leader_id;
            }
        }
        if (all && running > 0) {
            bool known = false;
            for (int i = 0; i < r->n; i++)
                if (r->m[i].pid > 0 && r->m[i].member_id == leader)
                    known = true;
            /* The leader may be a stopped member only briefly; require a live one. */
            if (known) {
                rig_ok(st);
                return ETCD_OK;
            }
            snprintf(why, sizeof why, "leader %llx is not a running member",
                     (unsigned long long)leader);
        }
        if (running == 0)
            return rig_fail(st, ETCD_ERR_CONNECT, "etcd_rig: no member is running");
        if (util_now_ms() >= deadline) {
            char tail[120] = "";
            if (why_member >= 0)
                rig_log_tail(&r->m[why_member], tail, sizeof tail);
            return rig_fail(st, ETCD_ERR_TIMEOUT, "etcd cluster not healthy after %d ms: %s%s%s",
                            timeout_ms, why, tail[0] ? "; log: " : "", tail);
        }
        rig_sleep_ms(50);
    }
}

etcd_code etcd_rig_wait_healthy(etcd_rig *r, int timeout_ms, etcd_status *st)
{
    if (!r)
        return rig_fail(st, ETCD_ERR_INVAL, "etcd_rig_wait_healthy: no rig");
    int exited;
    return rig_wait_healthy(r, timeout_ms > 0 ? timeout_ms : r->cfg.start_timeout_ms, &exited, st);
}

int etcd_rig_leader(etcd_rig *r)
{
    if (!r)
        return -1;
    int best = -1;
    uint64_t best_term = 0;
    for (int i = 0; i < r->n; i++) {
        if (r->m[i].pid <= 0)
            continue;
        rig_mstatus ms;
        if (!rig_member_status(&r->m[i], &ms))
            continue;
        r->m[i].member_id = ms.member_id;
        /* A member that believes it leads, in the newest term. */
        if (ms.leader_id == ms.member_id && (best < 0 || ms.raft_term > best_term)) {
            best = i;
            best_term = ms.raft_term;
        }
    }
    return best;
}
