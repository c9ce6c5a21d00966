/* wan_ctl.c: line protocol over a unix socket for the WAN emulator (see wan_ctl.h). */
#include "sim/wan/wan_ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct wan_ctl {
    wan *w;
    int fd;
    int stop_pipe[2];
    pthread_t th;
    char path[108];
    char dir[96];         /* temp directory we made, "" when the caller gave a path */
};

static char *reply_error(const char *fmt, const char *arg)
{
    char msg[256];
    snprintf(msg, sizeof msg, fmt, arg ? arg : "");
    json_t *j = json_pack("{s:b,s:s}", "ok", 0, "error", msg);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

static char *reply_ok(json_t *result /* stolen, may be NULL */)
{
    json_t *j = json_pack("{s:b}", "ok", 1);
    if (result)
        json_object_set_new(j, "result", result);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

static int parse_onoff(const char *s, bool *on)
{
    if (!s)
        return -1;
    if (!strcasecmp(s, "on") || !strcmp(s, "1") || !strcasecmp(s, "true")) {
        *on = true;
        return 0;
    }
    if (!strcasecmp(s, "off") || !strcmp(s, "0") || !strcasecmp(s, "false")) {
        *on = false;
        return 0;
    }
    return -1;
}

static int parse_num(const char *s, double *v)
{
    char *end;
    if (!s)
        return -1;
    *v = strtod(s, &end);
    return (*end || end == s || !(*v >= 0)) ? -1 : 0;
}

char *wan_ctl_exec(wan *w, const char *line)
{
    char buf[512], *tok[8] = { 0 }, *save = NULL;
    int n = 0;
    snprintf(buf, sizeof buf, "%s", line);
    for (char *t = strtok_r(buf, " \t\r\n", &save); t && n < 8; t = strtok_r(NULL, " \t\r\n", &save))
        tok[n++] = t;
    if (n == 0)
        return reply_error("empty command (try: help)", NULL);
    const char *cmd = tok[0];
    if (!strcmp(cmd, "help"))
        return reply_ok(json_string("links | counters | rtt LINK MS | jitter LINK SIGMA_MS [SPIKE_MS PROB] | "
                                    "bandwidth LINK MBPS | blackhole LINK on|off | "
                                    "partition MEMBER on|off [clients] | heal | member-id MEMBER HEX"));
    if (!strcmp(cmd, "links"))
        return reply_ok(wan_links_json(w));
    if (!strcmp(cmd, "counters"))
        return reply_ok(wan_counters(w));
    if (!strcmp(cmd, "heal")) {
        wan_heal_all(w);
        return reply_ok(NULL);
    }
    if (!strcmp(cmd, "partition") || !strcmp(cmd, "member-id")) {
        if (n < 3)
            return reply_error("usage: %s", !strcmp(cmd, "partition") ? "partition MEMBER on|off [clients]"
                                                                        : "member-id MEMBER HEX");
        int m = wan_member_find(w, tok[1]);
        if (m < 0)
            return reply_error("unknown member \"%s\" (a name from the topology or an index)", tok[1]);
        if (!strcmp(cmd, "member-id")) {
            char *end;
            unsigned long long id = strtoull(tok[2], &end, 16);
            if (*end || end == tok[2])
                return reply_error("bad member id \"%s\" (hex, as in X-Server-From)", tok[2]);
            wan_set_member_id(w, m, (uint64_t)id);
            return reply_ok(NULL);
        }
        bool on;
        if (parse_onoff(tok[2], &on) < 0)
            return reply_error("expected on or off, got \"%s\"", tok[2]);
        bool clients = n > 3 && !strcmp(tok[3], "clients");
        if (n > 3 && !clients)
            return reply_error("unknown option \"%s\" (only \"clients\")", tok[3]);
        wan_partition_member(w, m, on, clients);
        return reply_ok(NULL);
    }
    /* per-link commands */
    if (strcmp(cmd, "rtt") && strcmp(cmd, "jitter") && strcmp(cmd, "bandwidth") && strcmp(cmd, "blackhole"))
        return reply_error("unknown command \"%s\" (try: help)", cmd);
    if (n < 3)
        return reply_error("usage: %s LINK VALUE", cmd);
    int link = wan_link_find(w, tok[1]);
    if (link < 0)
        return reply_error("unknown link \"%s\" (see: links)", tok[1]);
    double v;
    if (!strcmp(cmd, "blackhole")) {
        bool on;
        if (parse_onoff(tok[2], &on) < 0)
            return reply_error("expected on or off, got \"%s\"", tok[2]);
        wan_set_link_blackhole(w, link, on);
        return reply_ok(NULL);
    }
    if (parse_num(tok[2], &v) < 0)
        return reply_error("bad number \"%s\" (>= 0)", tok[2]);
    if (!strcmp(cmd, "rtt")) {
        wan_set_link_rtt(w, link, v);
    } else if (!strcmp(cmd, "bandwidth")) {
        wan_set_link_bandwidth(w, link, v);
    } else {
        wan_jitter j = { .sigma_ms = v };
        if (n >= 5 && (parse_num(tok[3], &j.spike_ms) < 0 || parse_num(tok[4], &j.spike_prob) < 0))
            return reply_error("bad spike size or probability near \"%s\"", tok[3]);
        if (wan_set_link_jitter(w, link, &j) < 0)
            return reply_error("jitter out of range (probability 0..1)", NULL);
    }
    return reply_ok(NULL);
}

/* One client: commands until it closes. Lines longer than the buffer are
 * answered with an error and dropped. */
static void serve_client(wan_ctl *c, int fd)
{
    char buf[4096];
    size_t len = 0;
    for (;;) {
        struct pollfd p[2] = { { fd, POLLIN, 0 }, { c->stop_pipe[0], POLLIN, 0 } };
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        if (p[1].revents)
            return;
        ssize_t k = read(fd, buf + len, sizeof buf - 1 - len);
        if (k <= 0)
            return;
        len += (size_t)k;
        buf[len] = '\0';
        char *nl;
        while ((nl = memchr(buf, '\n', len)) != NULL) {
            *nl = '\0';
            char *reply = wan_ctl_exec(c->w, buf);
            if (reply) {
                size_t rl = strlen(reply);
                if (write(fd, reply, rl) < 0 || write(fd, "\n", 1) < 0) {
                    free(reply);
                    return;
                }
                free(reply);
            }
            size_t used = (size_t)(nl - buf) + 1;
            memmove(buf, nl + 1, len - used);
            len -= used;
        }
        if (len == sizeof buf - 1) {
            const char *e = "{\"ok\":false,\"error\":\"line too long\"}\n";
            if (write(fd, e, strlen(e)) < 0)
                return;
            len = 0;
        }
    }
}

static void *ctl_main(void *arg)
{
    wan_ctl *c = arg;
    for (;;) {
        struct pollfd p[2] = { { c->fd, POLLIN, 0 }, { c->stop_pipe[0], POLLIN, 0 } };
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[1].revents)
            break;
        int fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        serve_client(c, fd);
        close(fd);
    }
    return NULL;
}

int wan_ctl_start(wan *w, const char *path, wan_ctl **out, char *err, size_t errlen)
{
    *out = NULL;
    wan_ctl *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "wan_ctl: out of memory");
        return -1;
    }
    c->w = w;
    c->fd = -1;
    c->stop_pipe[0] = c->stop_pipe[1] = -1;
    if (!path) {
        const char *tmp = getenv("TMPDIR");
        snprintf(c->dir, sizeof c->dir, "%s/geokv-wan-XXXXXX", tmp && *tmp && strlen(tmp) < 60 ? tmp : "/tmp");
        if (!mkdtemp(c->dir)) {
            snprintf(err, errlen, "wan_ctl: mkdtemp %s: %s", c->dir, strerror(errno));
            c->dir[0] = '\0';
            goto fail;
        }
        snprintf(c->path, sizeof c->path, "%s/ctl.sock", c->dir);
    } else {
        if (strlen(path) >= sizeof c->path) {
            snprintf(err, errlen, "wan_ctl: socket path too long (at most %zu bytes)", sizeof c->path - 1);
            goto fail;
        }
        snprintf(c->path, sizeof c->path, "%s", path);
    }
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    memcpy(sa.sun_path, c->path, strlen(c->path) + 1);
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || bind(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(c->fd, 8) < 0) {
        snprintf(err, errlen, "wan_ctl: listen on %s: %s (remove a stale socket file?)", c->path, strerror(errno));
        goto fail;
    }
    if (pipe2(c->stop_pipe, O_CLOEXEC) < 0 || pthread_create(&c->th, NULL, ctl_main, c) != 0) {
        snprintf(err, errlen, "wan_ctl: cannot start the control thread");
        goto fail;
    }
    *out = c;
    return 0;
fail:
    if (c->fd >= 0) {
        close(c->fd);
        unlink(c->path);
    }
    if (c->stop_pipe[0] >= 0) {
        close(c->stop_pipe[0]);
        close(c->stop_pipe[1]);
    }
    if (c->dir[0])
        rmdir(c->dir);
    free(c);
    return -1;
}

const char *wan_ctl_path(const wan_ctl *c)
{
    return c->path;
}

void wan_ctl_stop(wan_ctl *c)
{
    if (!c)
        return;
    if (write(c->stop_pipe[1], "x", 1) < 0) {
        /* the pipe cannot be full: one byte */
    }
    pthread_join(c->th, NULL);
    close(c->fd);
    unlink(c->path);
    if (c->dir[0])
        rmdir(c->dir);
    close(c->stop_pipe[0]);
    close(c->stop_pipe[1]);
    free(c);
}
