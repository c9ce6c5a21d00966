/* etcd-rig: start a real etcd (one member or a cluster) on 127.0.0.1 for a
 * human or a script, print where it is, keep it until Ctrl-C (or until a
 * given command exits), then stop it and remove its directory. */
#include "sim/rig/etcd_rig.h"
#include "sim/util/util_list.h"
#include "sim/util/util_version.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f,
"usage: etcd-rig [options] [-- COMMAND [ARG...]]\n"
"\n"
"Starts N real etcd members on 127.0.0.1 (free ports, a fresh temporary\n"
"directory), waits until the cluster is healthy and has a leader, prints the\n"
"endpoints, then keeps them running until Ctrl-C / SIGTERM. With a COMMAND,\n"
"runs it with ETCDCTL_API=3, ETCDCTL_ENDPOINTS and GEOKV_ETCD_ENDPOINTS (client\n"
"URLs) and GEOKV_ETCD_METRICS (metrics URLs, comma-separated) set, and stops\n"
"the cluster when it exits (exit status: the command's). Every member and the\n"
"directory are removed on exit unless --keep-dir.\n"
"\n"
"Output (stdout): one JSON object (members with name, pid, member_id, URLs,\n"
"data_dir, log; leader; endpoints; metrics), then shell lines to paste:\n"
"  export ETCDCTL_API=3 ETCDCTL_ENDPOINTS=... GEOKV_ETCD_ENDPOINTS=... GEOKV_ETCD_METRICS=...\n"
"\n"
"options:\n"
"  -n, --members N      members, 1..%d (default 3)\n"
"      --names A,B,C    member names (default m0,m1,...)\n"
"      --heartbeat MS   --heartbeat-interval (default etcd's, 100)\n"
"      --election MS    --election-timeout (default etcd's, 1000)\n"
"      --fsync          keep etcd's fsync (default: --unsafe-no-fsync)\n"
"      --log-level L    etcd log level (default error); logs: <dir>/<name>/etcd.log\n"
"      --base-dir DIR   parent of the temporary directory (default $TMPDIR or /tmp)\n"
"      --keep-dir       keep the directory (data and logs) on exit\n"
"      --timeout MS     how long to wait for a healthy cluster (default 20000)\n"
"      --json-only      print only the JSON object\n"
"  -h, --help           this text\n"
"      --version        program, version and git describe of the build\n"
"\n"
"Exit status: with a COMMAND, the command's (128+N when a signal N ended it); without,\n"
"0 when stopped by a signal; 1 the cluster did not start; 2 bad usage.\n"
"\n"
"environment: GEOKV_ETCD = etcd binary (default: etcd on PATH, /usr/bin/etcd)\n",
            ETCD_RIG_MAX_MEMBERS);
}

static json_t *rig_json(const etcd_rig *r, int leader)
{
    json_t *root = json_object();
    json_t *members = json_array();
    char endpoints[ETCD_RIG_MAX_MEMBERS * 72] = "", metrics[ETCD_RIG_MAX_MEMBERS * 88] = "";
    size_t off = 0, moff = 0;
    for (int i = 0; i < r->n; i++) {
        const etcd_rig_member *m = &r->m[i];
        char id[24];
        snprintf(id, sizeof id, "%016llx", (unsigned long long)m->member_id);
        json_array_append_new(members, json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
            "name", m->name, "pid", (int)m->pid, "member_id", id,
            "client_url", m->client_url, "peer_url", m->peer_url,
            "metrics_url", m->metrics_url, "advertise_peer_url", m->advertise_peer_url,
            "data_dir", m->data_dir, "log", m->log_path));
        off += (size_t)snprintf(endpoints + off, sizeof endpoints - off, "%s%s", i ? "," : "",
                                m->advertise_client_url);
        moff += (size_t)snprintf(metrics + moff, sizeof metrics - moff, "%s%s", i ? "," : "",
                                 m->metrics_url);
    }
    json_object_set_new(root, "members", members);
    json_object_set_new(root, "leader", leader >= 0 ? json_string(r->m[leader].name) : json_null());
    json_object_set_new(root, "endpoints", json_string(endpoints));
    json_object_set_new(root, "metrics", json_string(metrics));
    json_object_set_new(root, "base_dir", json_string(r->base_dir));
    return root;
}

static int parse_int(const char *s, const char *what, int lo, int hi)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!s[0] || *end || v < lo || v > hi) {
        fprintf(stderr, "etcd-rig: %s must be an integer in %d..%d, got '%s'\n", what, lo, hi, s);
        exit(2);
    }
    return (int)v;
}

int main(int argc, char **argv)
{
    if (util_version_wanted(argc, argv)) {
        util_version_print(stdout, "etcd-rig");
        return 0;
    }
    enum { O_NAMES = 256, O_HB, O_EL, O_FSYNC, O_LOG, O_BASE, O_KEEP, O_TIMEOUT, O_JSON };
    static const struct option opts[] = {
        { "members", required_argument, NULL, 'n' }, { "names", required_argument, NULL, O_NAMES },
        { "heartbeat", required_argument, NULL, O_HB }, { "election", required_argument, NULL, O_EL },
        { "fsync", no_argument, NULL, O_FSYNC }, { "log-level", required_argument, NULL, O_LOG },
        { "base-dir", required_argument, NULL, O_BASE }, { "keep-dir", no_argument, NULL, O_KEEP },
        { "timeout", required_argument, NULL, O_TIMEOUT }, { "json-only", no_argument, NULL, O_JSON },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
    };
    etcd_rig_config cfg = { .n_members = 3 };
    char *names = NULL;
    bool json_only = false;
    int c;
    while ((c = getopt_long(argc, argv, "+n:h", opts, NULL)) != -1) {
        switch (c) {
        case 'n': cfg.n_members = parse_int(optarg, "--members", 1, ETCD_RIG_MAX_MEMBERS); break;
        case O_NAMES: names = optarg; break;
        case O_HB: cfg.heartbeat_ms = parse_int(optarg, "--heartbeat", 1, 60000); break;
        case O_EL: cfg.election_ms = parse_int(optarg, "--election", 1, 600000); break;
        case O_FSYNC: cfg.fsync = true; break;
        case O_LOG: cfg.log_level = optarg; break;
        case O_BASE: cfg.base_dir = optarg; break;
        case O_KEEP: cfg.keep_dir = true; break;
        case O_TIMEOUT: cfg.start_timeout_ms = parse_int(optarg, "--timeout", 1, 3600000); break;
        case O_JSON: json_only = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (names && util_list_has_empty(names, ',')) {
        fprintf(stderr, "etcd-rig: --names: empty item in '%s' (a comma at an end or two in a row)\n", names);
        return 2;
    }
    if (names) {
        int k = 0;
        for (char *save = NULL, *t = strtok_r(names, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            if (k >= ETCD_RIG_MAX_MEMBERS) {
                fprintf(stderr, "etcd-rig: at most %d names\n", ETCD_RIG_MAX_MEMBERS);
                return 2;
            }
            cfg.names[k++] = t;
        }
        if (k != cfg.n_members) {
            fprintf(stderr, "etcd-rig: %d names for %d members\n", k, cfg.n_members);
            return 2;
        }
    }
    char **cmd = optind < argc ? argv + optind : NULL;

    /* Signals are handled synchronously (sigwait): block them before any
     * thread exists so every thread inherits the mask. Members get a clean
     * mask from the rig. */
    signal(SIGPIPE, SIG_IGN);
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    sigaddset(&sigs, SIGCHLD);
    sigprocmask(SIG_BLOCK, &sigs, NULL);

    etcd_status st;
    etcd_rig *r = NULL;
    if (etcd_rig_new(&cfg, &r, &st) != ETCD_OK || etcd_rig_start(r, &st) != ETCD_OK) {
        fprintf(stderr, "etcd-rig: %s\n", st.message);
        etcd_rig_stop(r);
        return 1;
    }

    json_t *j = rig_json(r, etcd_rig_leader(r));
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    const char *endpoints = json_string_value(json_object_get(j, "endpoints"));
    const char *metrics = json_string_value(json_object_get(j, "metrics"));
    printf("%s\n", text);
    if (!json_only) {
        printf("\n# paste into a shell:\nexport ETCDCTL_API=3 ETCDCTL_ENDPOINTS=%s GEOKV_ETCD_ENDPOINTS=%s "
               "GEOKV_ETCD_METRICS=%s\n", endpoints, endpoints, metrics);
        if (!cmd)
            printf("# running; Ctrl-C stops every member%s\n",
                   cfg.keep_dir ? "" : " and removes the directory");
    }
    fflush(stdout);

    int rc = 0;
    pid_t child = 0;
    if (cmd) {
        setenv("ETCDCTL_API", "3", 1);
        setenv("ETCDCTL_ENDPOINTS", endpoints, 1);
        setenv("GEOKV_ETCD_ENDPOINTS", endpoints, 1);
        setenv("GEOKV_ETCD_METRICS", metrics, 1);
        child = fork();
        if (child == 0) {
            sigprocmask(SIG_UNBLOCK, &sigs, NULL);
            signal(SIGPIPE, SIG_DFL);
            execvp(cmd[0], cmd);
            fprintf(stderr, "etcd-rig: cannot run %s: %s\n", cmd[0], strerror(errno));
            _exit(127);
        }
        if (child < 0) {
            fprintf(stderr, "etcd-rig: fork: %s\n", strerror(errno));
            rc = 1;
        }
    }
    free(text);
    json_decref(j);

    while (rc == 0 || child > 0) {
        int sig = 0;
        if (sigwait(&sigs, &sig) != 0)
            continue;
        if (sig == SIGCHLD) {
            int ws;
            if (child > 0 && waitpid(child, &ws, WNOHANG) == child) {
                rc = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
                child = 0;
                break;
            }
            /* a member died: the rig reaps it on stop */
            continue;
        }
        if (child > 0) {
            kill(child, sig);   /* let the command finish; we stop when it exits */
            continue;
        }
        fprintf(stderr, "etcd-rig: %s, stopping\n", strsignal(sig));
        break;
    }
    etcd_rig_stop(r);
    return rc;
}
