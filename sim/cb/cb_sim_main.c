/* cb-sim: run the simulated cb-network once per mode, against given etcd
 * endpoints or a local cluster it starts itself, and print the results as
 * JSON lines, then a table. */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cb/cb_profile.h"
#include "sim/cb/cb_run.h"
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
    char modes[256];
    cb_mode_join(modes, sizeof modes, ", ");
    fprintf(f,
            "usage: cb-sim [options]\n"
            "Runs one controller and N simulated cb-network agents against etcd, once per mode,\n"
            "checks the final keyspace, prints one JSON object per run, then a table.\n\n"
            "  --mode LIST         %s or a comma list (default after)\n", modes);
    fprintf(f,
            "  -n, --agents N      agents (default 10)\n"
            "  --endpoints LIST    etcd client URLs, comma-separated; without it a local\n"
            "                      cluster is started on 127.0.0.1 (--members, default 3)\n"
            "  --members K         members of the local cluster\n"
            "  --delay-scale S     multiply the original's fixed delays (default 1)\n"
            "  --public-ip-s S     public-IP lookup delay before scaling (default 0.25)\n"
            "  --watch-sleep-s S   sleep after each watch set-up before scaling (default 0.2)\n"
            "  --iface-s S         tunnel interface configuration before scaling (default 2)\n"
            "  --start SPEC        all | gap:SECONDS | random:WINDOW | deploy (default all); deploy:\n"
            "                      the profile's deploy schedule, every agent --deploy-rtt-ms away\n"
            "                      from the deploy host (no topology here)\n"
            "  --deploy-rtt-ms MS  RTT from the deploy host to every agent (default 0)\n"
            "  --profile NAME|FILE fidelity profile: sim/cb/profiles/NAME.json of the data directory\n"
            "                      ($GEOKV_DATA, else beside the program) or a file (default: the\n"
            "                      built-in ideal)\n"
            "  --profile-set K=V   override one parameter of the profile (repeatable)\n"
            "  --end CRITERION     what setup_s measures: txn (default) | rule | ips | tunneling\n"
            "  --seed N            host ids, random starts (default 1)\n"
            "  --policy P          round-robin | pinned | nearest (default round-robin)\n"
            "  --transport T       unary requests: native (built-in HTTP/1.1, default) | curl\n"
            "  --rule-type T       basic | cost-prioritized (default basic)\n"
            "  --spec-cache 0|1    ablation: cache the CLADNet spec (default: the mode's)\n"
            "  --init-lock 0|1     ablation: lock around cache initialisation (default: the mode's)\n"
            "  --break-lock        debug: the controller skips the peer lock (expect duplicate IPs)\n"
            "  --replicas K        controller replicas (default 1)\n"
            "  --share-clients     one etcd client per endpoint list instead of per agent\n"
            "  --timeline PATH     JSONL timeline (mode name is appended when several modes)\n"
            "  --timeout S         give up a run after S seconds (default 600)\n"
            "  -h, --help          this text\n"
            "  --version           program, version and git describe of the build\n"
            "Exit status: 0 when every run completed with the checker green, 1 otherwise, 2 on usage.\n");
}

/* Sum of a counter over a member's /metrics text. */
static double metric_sum(const char *text, const char *name)
{
    double sum = 0;
    size_t nl = strlen(name);
    for (const char *p = text; p && *p;) {
        const char *eol = strchr(p, '\n');
        if (strncmp(p, name, nl) == 0 && (p[nl] == ' ' || p[nl] == '{')) {
            const char *sp = NULL;
            for (const char *q = p; *q && q != eol; q++)
                if (*q == ' ')
                    sp = q;
            if (sp)
                sum += strtod(sp + 1, NULL);
        }
        p = eol ? eol + 1 : NULL;
    }
    return sum;
}

static double grpc_bytes(etcd_rig *rig)
{
    double total = 0;
    for (int i = 0; rig && i < rig->n; i++) {
        char *text = NULL;
        size_t len;
        etcd_status st;
        if (etcd_http_get(rig->m[i].metrics_url, 5000, &text, &len, &st) != ETCD_OK)
            continue;
        total += metric_sum(text, "etcd_network_client_grpc_received_bytes_total") +
                 metric_sum(text, "etcd_network_client_grpc_sent_bytes_total");
        free(text);
    }
    return total;
}

int main(int argc, char **argv)
{
    if (util_version_wanted(argc, argv)) {
        util_version_print(stdout, "cb-sim");
        return 0;
    }
    cb_run_config cfg;
    cb_run_config_default(&cfg);
    const char *modes = "after", *endpoints = NULL, *timeline = NULL, *profile_name = NULL;
    const char *sets[32];
    int n_sets = 0;
    double deploy_rtt = 0;
    double *deploy_rtts = NULL;
    static cb_profile profile;   /* large: not on the stack */
    char perr[768];
    int members = 3, n = 10;
    static struct option opts[] = {
        {"mode", 1, 0, 'm'}, {"agents", 1, 0, 'n'}, {"endpoints", 1, 0, 'e'}, {"members", 1, 0, 'M'},
        {"delay-scale", 1, 0, 'd'}, {"public-ip-s", 1, 0, 'P'},
        {"watch-sleep-s", 1, 0, 'W'}, {"iface-s", 1, 0, 'I'}, {"start", 1, 0, 's'}, {"seed", 1, 0, 'S'},
        {"policy", 1, 0, 'p'}, {"rule-type", 1, 0, 'r'}, {"spec-cache", 1, 0, 'c'}, {"init-lock", 1, 0, 'l'},
        {"break-lock", 0, 0, 'b'}, {"replicas", 1, 0, 'R'}, {"share-clients", 0, 0, 'C'},
        {"transport", 1, 0, 'X'}, {"profile", 1, 0, 'F'}, {"profile-set", 1, 0, 'K'}, {"end", 1, 0, 'E'},
        {"deploy-rtt-ms", 1, 0, 'D'},
        {"timeline", 1, 0, 't'}, {"timeout", 1, 0, 'T'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
        switch (o) {
        case 'm': modes = optarg; break;
        case 'n': n = atoi(optarg); break;
        case 'e': endpoints = optarg; break;
        case 'M': members = atoi(optarg); break;
        case 'd': cfg.delay_scale = atof(optarg); break;
        case 'P': cfg.delays.public_ip_s = atof(optarg); break;
        case 'W': cfg.delays.watch_sleep_s = atof(optarg); break;
        case 'I': cfg.delays.iface_config_s = atof(optarg); break;
        case 's':
            if (strcmp(optarg, "all") == 0)
                cfg.start = CB_START_ALL;
            else if (strncmp(optarg, "gap:", 4) == 0)
                cfg.start = CB_START_GAP, cfg.start_gap_s = atof(optarg + 4);
            else if (strncmp(optarg, "random:", 7) == 0)
                cfg.start = CB_START_RANDOM, cfg.start_window_s = atof(optarg + 7);
            else if (strcmp(optarg, "deploy") == 0)
                cfg.start = CB_START_DEPLOY;
            else {
                fprintf(stderr, "cb-sim: --start %s: use all, gap:S, random:W or deploy\n", optarg);
                return 2;
            }
            break;
        case 'F': profile_name = optarg; break;
        case 'K':
            if (n_sets == (int)(sizeof sets / sizeof sets[0])) {
                fprintf(stderr, "cb-sim: --profile-set: at most %zu\n", sizeof sets / sizeof sets[0]);
                return 2;
            }
            sets[n_sets++] = optarg;
            break;
        case 'E':
            if (cb_end_parse(optarg, &cfg.end) != 0) {
                fprintf(stderr, "cb-sim: --end %s: use txn, rule, ips or tunneling\n", optarg);
                return 2;
            }
            break;
        case 'D':
            deploy_rtt = atof(optarg);
            if (!(deploy_rtt >= 0)) {
                fprintf(stderr, "cb-sim: --deploy-rtt-ms %s: use a non-negative number\n", optarg);
                return 2;
            }
            break;
        case 'S': cfg.seed = strtoull(optarg, NULL, 10); break;
        case 'X':
            if (etcd_transport_parse(optarg, &cfg.transport) != 0) {
                char known[128];
                etcd_transport_list(known, sizeof known, " or ");
                fprintf(stderr, "cb-sim: --transport %s: use %s\n", optarg, known);
                return 2;
            }
            break;
        case 'p':
            if (etcd_policy_parse(optarg, &cfg.policy) != 0) {
                fprintf(stderr, "cb-sim: --policy %s: use round-robin, pinned or nearest\n", optarg);
                return 2;
            }
            break;
        case 'r': cfg.rule_type = optarg; break;
        case 'c': cfg.ablation.spec_cache = atoi(optarg); break;
        case 'l': cfg.ablation.init_lock = atoi(optarg); break;
        case 'b': cfg.ablation.break_lock = 1; break;
        case 'R': cfg.controller_replicas = atoi(optarg); break;
        case 'C': cfg.share_region_clients = true; break;
        case 't': timeline = optarg; break;
        case 'T': cfg.timeout_s = atof(optarg); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (n < 1 || members < 1 || members > ETCD_RIG_MAX_MEMBERS) {
        fprintf(stderr, "cb-sim: need -n >= 1 and 1 <= --members <= %d\n", ETCD_RIG_MAX_MEMBERS);
        return 2;
    }
    if (util_list_has_empty(modes, ',') || (endpoints && util_list_has_empty(endpoints, ','))) {
        fprintf(stderr, "cb-sim: --%s: empty item in '%s' %s\n", util_list_has_empty(modes, ',') ? "mode" : "endpoints",
                util_list_has_empty(modes, ',') ? modes : endpoints, "(a comma at an end or two in a row)");
        return 2;
    }
    /* the profile: --profile, else the built-in ideal (deploy needs one: take it then) */
    if (profile_name || n_sets > 0 || cfg.start == CB_START_DEPLOY) {
        if (profile_name) {
            if (cb_profile_load(profile_name, &profile, perr, sizeof perr) != 0) {
                fprintf(stderr, "cb-sim: --profile: %s\n", perr);
                return 2;
            }
        } else {
            cb_profile_ideal(&profile);
        }
        for (int i = 0; i < n_sets; i++) {
            char key[128], src[192];
            const char *eq = strchr(sets[i], '=');
            if (!eq || eq == sets[i] || (size_t)(eq - sets[i]) >= sizeof key) {
                fprintf(stderr, "cb-sim: --profile-set '%s' is not KEY=VALUE (e.g. c_line_us=55)\n", sets[i]);
                return 2;
            }
            snprintf(key, sizeof key, "%.*s", (int)(eq - sets[i]), sets[i]);
            snprintf(src, sizeof src, "--profile-set %s", sets[i]);
            if (cb_profile_set(&profile, key, eq + 1, src, perr, sizeof perr) != 0) {
                fprintf(stderr, "cb-sim: --profile-set %s: %s\n", sets[i], perr);
                return 2;
            }
        }
        cfg.profile = &profile;
    }
    if (cfg.start == CB_START_DEPLOY) {
        deploy_rtts = calloc((size_t)n, sizeof *deploy_rtts);
        if (!deploy_rtts)
            return 1;
        for (int i = 0; i < n; i++)
            deploy_rtts[i] = deploy_rtt;
        cfg.deploy_rtt_ms = deploy_rtts;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    int status = 1;
    etcd_rig *rig = NULL;
    etcd_status st;
    char *eps_buf = NULL;
    const char *eps[16];
    size_t n_eps = 0;
    cb_place *places = NULL;
    char *list = NULL;
    if (endpoints) {
        eps_buf = strdup(endpoints);
        for (char *save = NULL, *tok = strtok_r(eps_buf, ",", &save); tok && n_eps < 16;
             tok = strtok_r(NULL, ",", &save))
            eps[n_eps++] = tok;
    } else {
        etcd_rig_config rc = {.n_members = members};
        if (etcd_rig_new(&rc, &rig, &st) != ETCD_OK || etcd_rig_start(rig, &st) != ETCD_OK) {
            fprintf(stderr, "cb-sim: could not start a local etcd cluster: %s\n", st.message);
            goto cleanup;
        }
        for (int i = 0; i < rig->n; i++)
            eps[n_eps++] = rig->m[i].client_url;
    }
    places = calloc((size_t)n, sizeof *places);
    if (!places)
        goto cleanup;
    for (int i = 0; i < n; i++)
        places[i] = (cb_place){.region = "local", .provider = "local", .endpoints = eps, .n_endpoints = n_eps};
    cfg.n_agents = n;
    cfg.agents = places;
    cfg.controller = places[0];
    cfg.stop = &g_stop;

    list = strdup(modes);
    json_t *all = json_array();
    status = 0;
    for (char *save = NULL, *mode = strtok_r(list, ",", &save); mode && !g_stop; mode = strtok_r(NULL, ",", &save)) {
        char tl[512];
        cfg.mode = mode;
        cfg.timeline_path = NULL;
        if (timeline) {
            if (strchr(modes, ','))
                snprintf(tl, sizeof tl, "%s.%s", timeline, mode);
            else
                snprintf(tl, sizeof tl, "%s", timeline);
            cfg.timeline_path = tl;
        }
        cb_run_result res;
        double g0 = grpc_bytes(rig);
        if (cb_run(&cfg, &res, &st) != ETCD_OK) {
            fprintf(stderr, "cb-sim: %s run could not start: %s\n", mode, st.message);
            status = 1;
            continue;
        }
        double g1 = grpc_bytes(rig);
        uint64_t ops = 0;
        json_t *ob = json_object();
        for (int t = 0; t < ETCD_OP_T_COUNT; t++) {
            ops += res.stats.ops[t];
            if (res.stats.ops[t])
                json_object_set_new(ob, etcd_optype_name((etcd_optype)t), json_integer((json_int_t)res.stats.ops[t]));
        }
        json_t *j = json_pack(
            "{s:s, s:s, s:s, s:i, s:f, s:I, s:b, s:f, s:f, s:f, s:f, s:I, s:o, s:I, s:I, s:f, s:I, s:f, s:f, s:I,"
            " s:f, s:f, s:f, s:b, s:s, s:s, s:{s:i, s:i, s:b, s:i}}",
            "mode", mode, "policy", etcd_policy_name(cfg.policy),
            "transport", etcd_transport_name(cfg.transport), "n", n, "delay_scale", cfg.delay_scale, "seed", (json_int_t)cfg.seed,
            "completed", res.completed, "setup_s", res.setup_s, "agent_p50_s", res.agent_p50_s,
            "agent_p90_s", res.agent_p90_s, "agent_max_s", res.agent_max_s, "ops_total", (json_int_t)ops,
            "ops", ob, "http_bytes_sent", (json_int_t)res.stats.bytes_sent, "http_bytes_received",
            (json_int_t)res.stats.bytes_received, "grpc_bytes", rig ? g1 - g0 : -1.0,
            "watch_events", (json_int_t)res.stats.watch_events, "lock_wait_sum_s", res.lock_wait_sum_s,
            "lock_wait_max_s", res.lock_wait_max_s, "lock_acquisitions", (json_int_t)res.lock_acquisitions,
            "t_lock_s", res.t_lock_s, "t_fixed_s", res.t_fixed_s, "t_other_s", res.t_other_s,
            "checker_ok", res.checker_ok, "checker_msg", res.checker_msg, "error", res.error, "ablation",
            "spec_cache", cfg.ablation.spec_cache, "init_lock", cfg.ablation.init_lock, "break_lock",
            cfg.ablation.break_lock > 0, "controller_replicas", cfg.controller_replicas);
        /* the fidelity measures */
        if (j)
            json_object_update_new(
                j, json_pack("{s:s, s:s, s:f, s:f, s:f, s:f, s:I, s:I, s:I, s:I, s:f, s:f, s:f}", "profile",
                             cfg.profile ? cfg.profile->name : "ideal", "end_criterion", cb_end_name(cfg.end),
                             "setup_rule_s", res.setup_rule_s, "setup_ips_s", res.setup_ips_s,
                             "setup_tunneling_s", res.setup_tunneling_s, "setup_txn_s", res.setup_txn_s,
                             "app_bytes", (json_int_t)res.app_bytes,
                             "app_bytes_first_end", (json_int_t)res.app_bytes_first_end, "app_bytes_quiescent",
                             (json_int_t)res.app_bytes_quiescent, "ctl_cost_lines",
                             (json_int_t)res.ctl_cost_lines, "ctl_cpu_s", res.ctl_cpu_s, "agent_cpu_mean_s",
                             res.agent_cpu_mean_s, "agent_cpu_max_s", res.agent_cpu_max_s));
        char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        if (s)
            printf("%s\n", s);
        fflush(stdout);
        free(s);
        json_array_append_new(all, j);
        if (!res.completed || !res.checker_ok)
            status = 1;
        cb_run_result_free(&res);
    }
    printf("\n%-9s %5s %9s %9s %9s %8s %12s %12s %9s %8s  %s\n", "mode", "n", "setup_s", "p50_s", "max_s", "ops",
           "http_bytes", "grpc_bytes", "lockwait", "checker", "message");
    size_t i;
    json_t *j;
    json_array_foreach(all, i, j) {
        printf("%-9s %5d %9.3f %9.3f %9.3f %8lld %12lld %12.0f %9.3f %8s  %s%s\n",
               json_string_value(json_object_get(j, "mode")), n,
               json_real_value(json_object_get(j, "setup_s")), json_real_value(json_object_get(j, "agent_p50_s")),
               json_real_value(json_object_get(j, "agent_max_s")),
               (long long)json_integer_value(json_object_get(j, "ops_total")),
               (long long)(json_integer_value(json_object_get(j, "http_bytes_sent")) +
                           json_integer_value(json_object_get(j, "http_bytes_received"))),
               json_real_value(json_object_get(j, "grpc_bytes")),
               json_real_value(json_object_get(j, "lock_wait_sum_s")),
               json_is_true(json_object_get(j, "checker_ok")) ? "ok" : "FAILED",
               json_string_value(json_object_get(j, "checker_msg")),
               json_string_value(json_object_get(j, "error")));
    }
    json_decref(all);
cleanup:
    free(list);
    free(places);
    free(eps_buf);
    free(deploy_rtts);
    etcd_rig_stop(rig);
    return status;
}
