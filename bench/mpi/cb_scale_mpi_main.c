/* cb-scale-mpi: cb-scale's hold part (sim/cb/cb_scale.h) with the held
 * agents spread over MPI ranks: every rank holds --hold-n agents, each with a
 * session and a watch on the peer prefix; rank 0 (which starts a local
 * 3-member cluster unless --endpoints is given, and shares its endpoints)
 * changes one peer and reports the fan-out over all ranks' agents, each
 * arrival put on rank 0's clock by a ping-pong clock offset estimate.
 *
 *   mpirun -np K cb-scale-mpi [--hold-n N] [--share-clients] [--peers N]
 *                             [--init-concurrency K] [--endpoints LIST] [--seed N]
 */
#include <getopt.h>
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/mpi/bench_mpi.h"
#include "sim/cb/cb_scale.h"
#include "sim/util/util_version.h"
#include "sim/rig/etcd_rig.h"

static volatile int g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

typedef struct scale_mpi {
    int rank, ranks;
    double *offset, *half_rtt;
} scale_mpi;

static int mpi_agree(void *ud, int ok)
{
    scale_mpi *m = ud;
    int all = 0;
    bench_mpi_clock_offsets(m->offset, m->half_rtt);
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    return all;
}

static int mpi_gather(void *ud, const double *v, int n, double *all)
{
    (void)ud;
    return MPI_Gather(v, n, MPI_DOUBLE, all, n, MPI_DOUBLE, 0, MPI_COMM_WORLD) == MPI_SUCCESS ? 0 : -1;
}

static double mpi_offset(void *ud, int k)
{
    scale_mpi *m = ud;
    return k > 0 && k < m->ranks ? m->offset[k] : 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: mpirun -np K cb-scale-mpi [options]\n"
               "  --hold-n N         agents held by each rank (default 1000)\n"
               "  --share-clients    one etcd client per rank for its agents (default: one each)\n"
               "  --peers N          peers in the keyspace (default: hold-n)\n"
               "  --init-concurrency K  agents of a rank reading the peers at once (default 8)\n"
               "  --endpoints LIST   etcd client URLs (default: rank 0 starts a local 3-member cluster)\n"
               "  --seed N           (default 1)\n"
               "Rank 0 prints one JSON line and a summary.\n\n"
               "Exit status: 0 every agent saw the change, 1 a failed run, 2 bad usage.\n");
}

/* Rank 0's endpoint list (its own cluster's or --endpoints) to every rank. */
static char *share_endpoints(int rank, const char *mine)
{
    int len = rank == 0 ? (int)strlen(mine) + 1 : 0;
    MPI_Bcast(&len, 1, MPI_INT, 0, MPI_COMM_WORLD);
    char *buf = malloc((size_t)len);
    if (!buf)
        MPI_Abort(MPI_COMM_WORLD, 2);
    if (rank == 0)
        memcpy(buf, mine, (size_t)len);
    MPI_Bcast(buf, len, MPI_CHAR, 0, MPI_COMM_WORLD);
    return buf;
}

int main(int argc, char **argv)
{
    int hold_n = 1000, peers = 0, init_conc = 0, provided, status = 0, o;
    bool share = false;
    const char *endpoints = NULL;
    uint64_t seed = 1;
    static struct option opts[] = {{"hold-n", 1, 0, 'H'}, {"share-clients", 0, 0, 'C'}, {"endpoints", 1, 0, 'e'},
                                   {"seed", 1, 0, 'S'}, {"peers", 1, 0, 'P'}, {"init-concurrency", 1, 0, 'I'},
                                   {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    if (util_version_wanted(argc, argv)) {
        util_version_print(stdout, "cb-scale-mpi");
        return 0;
    }
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
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
    if (hold_n < 1) {
        fprintf(stderr, "cb-scale-mpi: --hold-n must be at least 1\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    cb_scale_raise_fd_limit();
    MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    scale_mpi m;
    MPI_Comm_rank(MPI_COMM_WORLD, &m.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &m.ranks);
    m.offset = calloc((size_t)m.ranks, sizeof *m.offset);
    m.half_rtt = calloc((size_t)m.ranks, sizeof *m.half_rtt);
    if (!m.offset || !m.half_rtt)
        MPI_Abort(MPI_COMM_WORLD, 2);

    etcd_rig *rig = NULL;
    etcd_status st;
    char list[1024] = "";
    if (m.rank == 0 && endpoints) {
        snprintf(list, sizeof list, "%s", endpoints);
    } else if (m.rank == 0) {
        etcd_rig_config rc = {.n_members = 3, .quota_backend_bytes = 8LL << 30};
        if (etcd_rig_new(&rc, &rig, &st) != ETCD_OK || etcd_rig_start(rig, &st) != ETCD_OK) {
            fprintf(stderr, "cb-scale-mpi: could not start a local etcd cluster: %s\n", st.message);
            etcd_rig_stop(rig);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        for (int i = 0; i < rig->n; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? "," : "", rig->m[i].client_url);
    }
    char *buf = share_endpoints(m.rank, list);
    const char *eps[16];
    size_t n_eps = 0;
    for (char *sv = NULL, *t = strtok_r(buf, ",", &sv); t && n_eps < 16; t = strtok_r(NULL, ",", &sv))
        eps[n_eps++] = t;

    cb_scale_dist d = {.owner = m.rank == 0, .processes = m.ranks, .ud = &m, .agree = mpi_agree,
                       .gather = mpi_gather, .clock_offset = mpi_offset};
    cb_scale_config sc = {.endpoints = eps, .n_endpoints = n_eps, .n_agents = hold_n, .n_peers = peers,
                          .init_concurrency = init_conc, .share_clients = share, .seed = seed, .stop = &g_stop,
                          .dist = &d};
    cb_scale_result r;
    int rc = cb_scale_hold(&sc, &r);
    if (m.rank == 0) {
        double bound = 0;
        for (int k = 1; k < m.ranks; k++)
            bound = m.half_rtt[k] > bound ? m.half_rtt[k] : bound;
        printf("{\"part\":\"hold-mpi\",\"ranks\":%d,\"n_per_rank\":%d,\"n\":%d,\"share_clients\":%s,\"seen\":%d,"
               "\"fanout_p50_ms\":%.2f,\"fanout_p99_ms\":%.2f,\"fanout_max_ms\":%.2f,\"clock_bound_ms\":%.4f,"
               "\"rank0_init_s\":%.3f,\"rank0_rss_per_agent_kib\":%.1f,\"error\":\"%s\"}\n",
               m.ranks, hold_n, r.n_agents, share ? "true" : "false", r.n_seen, r.fanout_p50_s * 1e3,
               r.fanout_p99_s * 1e3, r.fanout_max_s * 1e3, bound * 1e3, r.init_s, r.rss_per_agent_kib, r.error);
        printf("\nhold over %d ranks: %d agents (%d each), fan-out of one change p50 %.1f ms p99 %.1f ms max %.1f ms "
               "(clocks within %.3f ms)\n",
               m.ranks, r.n_agents, hold_n, r.fanout_p50_s * 1e3, r.fanout_p99_s * 1e3, r.fanout_max_s * 1e3,
               bound * 1e3);
    }
    if (rc != 0) {
        fprintf(stderr, "cb-scale-mpi: rank %d: %s\n", m.rank, r.error[0] ? r.error : "failed");
        status = 1;
    }
    free(buf);
    free(m.offset);
    free(m.half_rtt);
    etcd_rig_stop(rig);
    MPI_Finalize();
    return status;
}
