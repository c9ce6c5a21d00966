/* geokv-wan: run the user-space WAN emulator for a topology in front of
 * running etcd members (or any TCP servers) on 127.0.0.1. See --help. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "sim/wan/topology.h"
#include "sim/wan/wan.h"
#include "sim/wan/wan_spin.h"
#include "sim/wan/wan_ctl.h"
#include "sim/util/util_version.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: geokv-wan --topology FILE --member NAME=CLIENT_PORT[,PEER_PORT] ... [options]\n"
        "\n"
        "Rootless geo-WAN emulator: listens on 127.0.0.1 (client links: --listen) and forwards, with\n"
        "each link's one-way delay (RTT/2) per direction:\n"
        "  c:<region>:<member>  one port per (region, etcd member) -> member's client port\n"
        "  c:direct:<member>    zero delay -> member's client port\n"
        "  peer listener        per member -> member's peer port; advertise it as the\n"
        "                       member's peer URL; pair delays via X-Server-From\n"
        "Prints one JSON line {ctl, links, peer_listeners, rtt_scale} on stdout at\n"
        "start, and one line {counters} when stopped (SIGINT/SIGTERM).\n"
        "\n"
        "options:\n"
        "  --topology FILE        topology JSON (e.g. sim/wan/topology/patent-fig6.json)\n"
        "  --member NAME=C[,P]    client port C (and peer port P) of topology member NAME;\n"
        "                         give every member; without peer ports only client\n"
        "                         links are made\n"
        "  --member-id NAME=HEX   register a member's raft id now (also via the control socket)\n"
        "  --rtt-scale F          multiply every delay by F (> 0), default 1\n"
        "  --jitter-ms S          normal jitter sigma per chunk, default 0\n"
        "  --spike-ms MS          size of rare extra delays, default 0\n"
        "  --spike-prob P         probability of a spike per chunk (0..1), default 0\n"
        "  --bandwidth-mbps B     cap per link direction, default none\n"
        "  --no-handshake-rtt     do not charge one RTT for a new connection's set-up\n"
        "  --spin-us auto|off|US  poll instead of sleeping before each release: auto (default)\n"
        "                         follows the measured timer wake-up latency (p99, 50 us..2 ms),\n"
        "                         US a fixed window, off always sleeps; at most 10%% of a CPU\n"
        "  --seed N               jitter seed, default 1\n"
        "  --ctl PATH             control socket path (default: a new private temp dir)\n"
        "  --listen ADDR          client links listen on IPv4 ADDR instead of 127.0.0.1, so\n"
        "                         clients on other hosts reach them (peer listeners stay local)\n"
        "  -h, --help             this text\n"
        "      --version          program, version and git describe of the build\n"
        "\n"
        "Exit status: 0 stopped by SIGINT/SIGTERM after serving, 1 could not start (topology,\n"
        "ports), 2 bad usage.\n"
        "\n"
        "control socket: one command per line, JSON reply per line; `help` lists them\n"
        "(rtt, jitter, bandwidth, blackhole, partition, heal, member-id, links, counters).\n"
        "Blackholed links stall (nothing is refused): see sim/wan/wan.h.\n");
}

typedef struct member_arg { char name[32]; int client, peer; } member_arg;

int main(int argc, char **argv)
{
    if (util_version_wanted(argc, argv)) {
        util_version_print(stdout, "geokv-wan");
        return 0;
    }
    const char *topo_path = NULL, *ctl_path = NULL;
    member_arg members[TOPO_MAX_MEMBERS];
    char ids[TOPO_MAX_MEMBERS][64];
    int n_members = 0, n_ids = 0;
    wan_config cfg = { .seed = 1, .rtt_scale = 1.0 };
    static const struct option opts[] = {
        { "topology", required_argument, 0, 't' }, { "member", required_argument, 0, 'm' },
        { "member-id", required_argument, 0, 'i' }, { "rtt-scale", required_argument, 0, 's' },
        { "jitter-ms", required_argument, 0, 'j' }, { "spike-ms", required_argument, 0, 'k' },
        { "spike-prob", required_argument, 0, 'p' }, { "bandwidth-mbps", required_argument, 0, 'b' },
        { "no-handshake-rtt", no_argument, 0, 'H' }, { "seed", required_argument, 0, 'S' },
        { "ctl", required_argument, 0, 'c' }, { "spin-us", required_argument, 0, 'U' },
        { "listen", required_argument, 0, 'L' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
    int o;
    char *end;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 't': topo_path = optarg; break;
        case 'c': ctl_path = optarg; break;
        case 'L': cfg.listen_addr = optarg; break;
        case 'H': cfg.no_handshake_rtt = true; break;
        case 'U':
            if (wan_spin_parse(optarg, &cfg.spin_us) < 0) {
                fprintf(stderr, "geokv-wan: bad value \"%s\" for --spin-us (auto, off or microseconds)\n", optarg);
                return 2;
            }
            break;
        case 'S': cfg.seed = strtoull(optarg, NULL, 10); break;
        case 'm': {
            if (n_members >= TOPO_MAX_MEMBERS) {
                fprintf(stderr, "geokv-wan: too many --member (at most %d)\n", TOPO_MAX_MEMBERS);
                return 2;
            }
            member_arg *m = &members[n_members];
            const char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg || (size_t)(eq - optarg) >= sizeof m->name) {
                fprintf(stderr, "geokv-wan: --member %s: expected NAME=CLIENT_PORT[,PEER_PORT]\n", optarg);
                return 2;
            }
            memcpy(m->name, optarg, (size_t)(eq - optarg));
            m->name[eq - optarg] = '\0';
            m->peer = 0;
            m->client = (int)strtol(eq + 1, &end, 10);
            if (*end == ',')
                m->peer = (int)strtol(end + 1, &end, 10);
            if (*end || m->client <= 0 || m->client > 65535 || m->peer < 0 || m->peer > 65535) {
                fprintf(stderr, "geokv-wan: --member %s: bad port (1..65535)\n", optarg);
                return 2;
            }
            n_members++;
            break;
        }
        case 'i':
            if (n_ids >= TOPO_MAX_MEMBERS || strlen(optarg) >= sizeof ids[0] || !strchr(optarg, '=')) {
                fprintf(stderr, "geokv-wan: --member-id %s: expected NAME=HEX\n", optarg);
                return 2;
            }
            snprintf(ids[n_ids++], sizeof ids[0], "%s", optarg);
            break;
        case 's': case 'j': case 'k': case 'p': case 'b': {
            double v = strtod(optarg, &end);
            if (*end || end == optarg || !(v >= 0) || (o == 's' && !(v > 0)) || (o == 'p' && v > 1)) {
                fprintf(stderr, "geokv-wan: bad value \"%s\" for --%s\n", optarg,
                        o == 's' ? "rtt-scale" : o == 'j' ? "jitter-ms" : o == 'k' ? "spike-ms"
                        : o == 'p' ? "spike-prob (0..1)" : "bandwidth-mbps");
                return 2;
            }
            if (o == 's') cfg.rtt_scale = v;
            if (o == 'j') cfg.jitter.sigma_ms = v;
            if (o == 'k') cfg.jitter.spike_ms = v;
            if (o == 'p') cfg.jitter.spike_prob = v;
            if (o == 'b') cfg.bandwidth_mbps = v;
            break;
        }
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!topo_path || optind < argc) {
        fprintf(stderr, "geokv-wan: %s (see --help)\n", topo_path ? "unexpected argument" : "--topology FILE is required");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);

    int rc = 1;
    char err[512];
    topology *t = NULL;
    wan *w = NULL;
    wan_ctl *ctl = NULL;
    int cports[TOPO_MAX_MEMBERS] = { 0 }, pports[TOPO_MAX_MEMBERS] = { 0 }, all_peers = 1;
    if (topology_load(topo_path, &t, err, sizeof err) < 0) {
        fprintf(stderr, "geokv-wan: %s\n", err);
        goto cleanup;
    }
    for (int i = 0; i < n_members; i++) {
        int m = topology_member_index(t, members[i].name);
        if (m < 0) {
            fprintf(stderr, "geokv-wan: --member %s: not an etcd member of %s\n", members[i].name, topo_path);
            goto cleanup;
        }
        cports[m] = members[i].client;
        pports[m] = members[i].peer;
    }
    for (int m = 0; m < t->n_members; m++) {
        if (!cports[m]) {
            fprintf(stderr, "geokv-wan: no --member %s=CLIENT_PORT[,PEER_PORT] (every member of the topology needs one)\n",
                    t->members[m].name);
            goto cleanup;
        }
        if (!pports[m])
            all_peers = 0;
    }
    /* Block the stop signals before any thread starts, so sigwait gets them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    if (wan_new_from_topology(t, cports, all_peers ? pports : NULL, &cfg, &w, err, sizeof err) < 0 ||
        wan_start(w, err, sizeof err) < 0 || wan_ctl_start(w, ctl_path, &ctl, err, sizeof err) < 0) {
        fprintf(stderr, "geokv-wan: %s\n", err);
        goto cleanup;
    }
    for (int i = 0; i < n_ids; i++) {
        char *eq = strchr(ids[i], '=');
        *eq = '\0';
        int m = topology_member_index(t, ids[i]);
        unsigned long long id = strtoull(eq + 1, &end, 16);
        if (m < 0 || *end || end == eq + 1) {
            fprintf(stderr, "geokv-wan: --member-id %s=%s: unknown member or bad hex id\n", ids[i], eq + 1);
            goto cleanup;
        }
        wan_set_member_id(w, m, (uint64_t)id);
    }
    json_t *info = wan_links_json(w);
    json_object_set_new(info, "ctl", json_string(wan_ctl_path(ctl)));
    json_object_set_new(info, "topology", json_string(topo_path));
    char *s = json_dumps(info, JSON_COMPACT);
    printf("%s\n", s);
    fflush(stdout);
    free(s);
    json_decref(info);
    if (!all_peers)
        fprintf(stderr, "geokv-wan: no peer ports given: client links only\n");

    int sig = 0;
    sigwait(&stop, &sig);
    s = wan_counters_json(w);
    printf("%s\n", s ? s : "{}");
    fflush(stdout);
    free(s);
    rc = 0;
cleanup:
    wan_ctl_stop(ctl);
    wan_free(w);
    topology_free(t);
    return rc;
}
