/* cb-scale: `make bench-scale`. (1) the full protocol at N agents (default
 * 100) in lockless mode with scaled delays, checker green; (2) 1,000 agents
 * initialised and holding in one process, the fan-out of one peer change,
 * harness CPU per etcd request and resident memory per agent. Starts its own
 * local 3-member cluster unless --endpoints is given. */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "sim/cb/cb_run.h"
#include "sim/cb/cb_scale.h"
#include "sim/rig/etcd_rig.h"
#include "sim/util/util_list.h"
#include "sim/util/util_version.h"

static volatile int g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: cb-scale [options]\n"
               "  --protocol-n N     agents of the full-protocol run (default 100; 0 skips it)\n"
               "  --delay-scale S    its delay scale (default 0.05)\n"
               "  --hold-n N         agents held at once (default 1000; 0 skips it)\n"
               "  --share-clients    one etcd client for all held agents (default: one each)\n"
               "  --peers N          peers in the keyspace the held agents read (default: hold-n)\n"
               "  --init-concurrency K  held agents reading the peers at once (default 8)\n"
               "  --endpoints LIST   etcd client URLs (default: start a local 3-member cluster)\n"
               "  --seed N           (default 1)\n"
               "  -h, --help\n"
               "  --version          program, version and git describe of the build\n"
               "Prints one JSON object per part, then a summary.\n"
               "Exit status: 0 when both parts pass, 1 when one failed (or etcd did not start),\n"
               "2 bad usage.\n");
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec * 1e-6;
}

int main(int argc, char **argv)
{
    if (util_version_wanted(argc, argv)) {
        util_version_print(stdout, "cb-scale");
        return 0;
    }
    int proto_n = 100, hold_n = 1000, peers = 0, init_conc = 0;
    double scale = 0.05;
    bool share = false;
    const char *endpoints = NULL;
    uint64_t seed = 1;
    static struct option opts[] = {{"protocol-n", 1, 0, 'p'}, {"delay-scale", 1, 0, 'd'}, {"hold-n", 1, 0, 'H'},
                                   {"share-clients", 0, 0, 'C'}, {"endpoints", 1, 0, 'e'}, {"seed", 1, 0, 'S'},
                                   {"peers", 1, 0, 'P'}, {"init-concurrency", 1, 0, 'I'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 'p': proto_n = atoi(optarg); break;
        case 'd': scale = atof(optarg); break;
        case 'H': hold_n = atoi(optarg); break;
        case 'C': share = true; break;
        case 'e': endpoints = optarg; break;
        case 'S': seed = strtoull(optarg, NULL, 10); break;
        case 'P': peers = atoi(optarg); break;
        case 'I': init_conc = atoi(optarg); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (endpoints && util_list_has_empty(endpoints, ',')) {
        fprintf(stderr, "cb-scale: --endpoints: empty item in '%s' (a comma at an end or two in a row)\n", endpoints);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    cb_scale_raise_fd_limit();

    int status = 0;
    etcd_rig *rig = NULL;
    etcd_status st;
    const char *eps[16];
    size_t n_eps = 0;
    char *buf = NULL;
    cb_place *places = NULL;
    if (endpoints) {
        buf = strdup(endpoints);
        for (char *sv = NULL, *t = strtok_r(buf, ",", &sv); t && n_eps < 16; t = strtok_r(NULL, ",", &sv))
            eps[n_eps++] = t;
    } else {
        etcd_rig_config rc = {.n_members = 3, .quota_backend_bytes = 8LL << 30};
        if (etcd_rig_new(&rc, &rig, &st) != ETCD_OK || etcd_rig_start(rig, &st) != ETCD_OK) {
            fprintf(stderr, "cb-scale: could not start a local etcd cluster: %s\n", st.message);
            etcd_rig_stop(rig);
            return 1;
        }
        for (int i = 0; i < rig->n; i++)
            eps[n_eps++] = rig->m[i].client_url;
    }

    if (proto_n > 0 && !g_stop) {
        cb_run_config cfg;
        cb_run_result res;
        cb_run_config_default(&cfg);
        places = calloc((size_t)proto_n, sizeof *places);
        for (int i = 0; places && i < proto_n; i++)
            places[i] = (cb_place){.region = "local", .provider = "local", .endpoints = eps, .n_endpoints = n_eps};
        cfg.mode = "lockless";
        cfg.n_agents = proto_n;
        cfg.agents = places;
        cfg.controller = places[0];
        cfg.delay_scale = scale;
        cfg.seed = seed;
        cfg.stop = &g_stop;
        cfg.request_timeout_ms = 30000;
        double c0 = cpu_s();
        if (!places || cb_run(&cfg, &res, &st) != ETCD_OK) {
            fprintf(stderr, "cb-scale: protocol run could not start: %s\n", places ? st.message : "out of memory");
            status = 1;
        } else {
            double cpu = cpu_s() - c0;
            uint64_t ops = 0;
            for (int t = 0; t < ETCD_OP_T_COUNT; t++)
                ops += res.stats.ops[t];
            printf("{\"part\":\"protocol\",\"mode\":\"lockless\",\"n\":%d,\"delay_scale\":%g,\"completed\":%s,"
                   "\"setup_s\":%.3f,\"agent_p50_s\":%.3f,\"agent_max_s\":%.3f,\"ops_total\":%llu,"
                   "\"http_bytes\":%llu,\"watch_events\":%llu,\"harness_cpu_s\":%.3f,\"cpu_us_per_request\":%.1f,"
                   "\"checker_ok\":%s,\"checker_msg\":\"%s\",\"error\":\"%s\"}\n",
                   proto_n, scale, res.completed ? "true" : "false", res.setup_s, res.agent_p50_s, res.agent_max_s,
                   (unsigned long long)ops,
                   (unsigned long long)(res.stats.bytes_sent + res.stats.bytes_received),
                   (unsigned long long)res.stats.watch_events, cpu, ops ? cpu * 1e6 / (double)ops : 0.0,
                   res.checker_ok ? "true" : "false", res.checker_msg, res.error);
            fflush(stdout);
            if (!res.completed || !res.checker_ok)
                status = 1;
            cb_run_result_free(&res);
        }
    }

    if (hold_n > 0 && !g_stop) {
        cb_scale_config sc = {.endpoints = eps, .n_endpoints = n_eps, .n_agents = hold_n, .n_peers = peers,
                              .init_concurrency = init_conc, .share_clients = share,
                              .seed = seed, .stop = &g_stop};
        cb_scale_result r;
        int rc = cb_scale_hold(&sc, &r);
        printf("{\"part\":\"hold\",\"n\":%d,\"share_clients\":%s,\"held\":%d,\"seen\":%d,\"init_s\":%.3f,"
               "\"fanout_p50_ms\":%.2f,\"fanout_p99_ms\":%.2f,\"fanout_max_ms\":%.2f,\"init_requests\":%llu,"
               "\"init_cpu_s\":%.3f,\"cpu_us_per_request\":%.1f,\"hold_cpu_cores\":%.4f,\"rss_base_mib\":%.1f,"
               "\"rss_held_mib\":%.1f,\"rss_per_agent_kib\":%.1f,\"threads\":%d,\"error\":\"%s\"}\n",
               r.n_agents, share ? "true" : "false", r.n_held, r.n_seen, r.init_s, r.fanout_p50_s * 1e3,
               r.fanout_p99_s * 1e3, r.fanout_max_s * 1e3, (unsigned long long)r.init_requests, r.init_cpu_s,
               r.cpu_us_per_request, r.hold_cpu_s_per_s, r.rss_base_mib, r.rss_held_mib, r.rss_per_agent_kib,
               r.threads, r.error);
        printf("\nhold: %d agents held (%d threads), init %.1f s, fan-out of one change p50 %.1f ms p99 %.1f ms "
               "max %.1f ms,\n      harness %.0f us CPU per etcd request, %.0f KiB resident per agent, %.3f cores "
               "while holding\n",
               r.n_held, r.threads, r.init_s, r.fanout_p50_s * 1e3, r.fanout_p99_s * 1e3, r.fanout_max_s * 1e3,
               r.cpu_us_per_request, r.rss_per_agent_kib, r.hold_cpu_s_per_s);
        if (rc != 0) {
            fprintf(stderr, "cb-scale: hold part failed: %s\n", r.error);
            status = 1;
        }
    }
    free(places);
    free(buf);
    etcd_rig_stop(rig);
    return status;
}
