/* bench_mpi.c: bench_dist's hooks as MPI collectives.
 *
 * Errors: MPI_COMM_WORLD keeps MPI_ERRORS_ARE_FATAL, so a rank that dies or
 * fails a collective ends the whole job (mpirun stops every rank and names
 * the rank that failed); the hooks' -1 returns are for completeness.
 *
 * Barrier skew: the ranks' CLOCK_MONOTONIC clocks are unrelated across hosts,
 * so before each start barrier rank 0 estimates every rank's clock offset by
 * ping-pong (Cristian's method: rank k answers its clock t_k to a ping sent
 * at t_a and received back at t_b on rank 0; offset = t_k - (t_a + t_b) / 2,
 * the sample with the smallest round trip of SKEW_ROUNDS kept, its error at
 * most half that round trip). cb_run places every rank's times on rank 0's
 * clock with these offsets (clock_offset). After the run each rank's
 * barrier-exit time, moved onto rank 0's clock by its offset, is compared
 * with rank 0's: barrier_skew_s is the largest difference, how far apart the
 * ranks' agents' clocks started; barrier_skew_bound_s the largest half round
 * trip, the uncertainty of every offset (and so of the skew, and of the
 * other ranks' times on rank 0's clock). */
#include "bench/mpi/bench_mpi.h"

#include <math.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util/util_clock.h"

#define SKEW_ROUNDS 8

struct bench_mpi {
    bench_dist d;
    double *offset;       /* rank 0: per rank, its clock minus rank 0's */
    double *half_rtt;     /* rank 0: per rank, the error bound of offset */
    double exit_t;        /* this rank's barrier exit (its own clock) */
};

void bench_mpi_clock_offsets(double *offset, double *half_rtt)
{
    int rank, ranks;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    for (int k = 1; k < ranks; k++) {
        for (int i = 0; i < SKEW_ROUNDS; i++) {
            double t_k = 0;
            if (rank == 0) {
                double t_a = util_now_s();
                MPI_Send(&t_a, 1, MPI_DOUBLE, k, 1, MPI_COMM_WORLD);
                MPI_Recv(&t_k, 1, MPI_DOUBLE, k, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                double t_b = util_now_s(), half = (t_b - t_a) / 2;
                if (i == 0 || half < half_rtt[k]) {
                    half_rtt[k] = half;
                    offset[k] = t_k - (t_a + t_b) / 2;
                }
            } else if (rank == k) {
                MPI_Recv(&t_k, 1, MPI_DOUBLE, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                t_k = util_now_s();
                MPI_Send(&t_k, 1, MPI_DOUBLE, 0, 2, MPI_COMM_WORLD);
            }
        }
    }
}

static int mpi_barrier(void *ud)
{
    bench_mpi *m = ud;
    bench_mpi_clock_offsets(m->offset, m->half_rtt);
    int rc = MPI_Barrier(MPI_COMM_WORLD);
    m->exit_t = util_now_s();
    return rc == MPI_SUCCESS ? 0 : -1;
}

static int mpi_sum(void *ud, const double *in, double *out, int n)
{
    (void)ud;
    return MPI_Allreduce(in, out, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD) == MPI_SUCCESS ? 0 : -1;
}

static int mpi_gather(void *ud, const char *block, char ***blocks, int *n_blocks)
{
    bench_mpi *m = ud;
    int len = (int)strlen(block) + 1, ranks = m->d.ranks, rc = -1;
    int *lens = NULL, *displs = NULL;
    char *all = NULL;
    *blocks = NULL;
    *n_blocks = 0;
    if (m->d.rank == 0) {
        lens = calloc((size_t)ranks, sizeof *lens);
        displs = calloc((size_t)ranks, sizeof *displs);
        if (!lens || !displs)
            MPI_Abort(MPI_COMM_WORLD, 2);   /* the others are already in the collective */
    }
    if (MPI_Gather(&len, 1, MPI_INT, lens, 1, MPI_INT, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
        goto cleanup;
    size_t total = 0;
    for (int k = 0; m->d.rank == 0 && k < ranks; k++) {
        displs[k] = (int)total;
        total += (size_t)lens[k];
    }
    if (m->d.rank == 0 && !(all = malloc(total)))
        MPI_Abort(MPI_COMM_WORLD, 2);
    if (MPI_Gatherv(block, len, MPI_CHAR, all, lens, displs, MPI_CHAR, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
        goto cleanup;
    if (m->d.rank == 0) {
        *blocks = calloc((size_t)ranks, sizeof **blocks);
        for (int k = 0; *blocks && k < ranks; k++)
            (*blocks)[k] = strdup(all + displs[k]);
        *n_blocks = *blocks ? ranks : 0;
        if (!*blocks)
            goto cleanup;
    }
    rc = 0;
cleanup:
    free(all);
    free(lens);
    free(displs);
    return rc;
}

static int mpi_share(void *ud, const char *msg, char **out)
{
    bench_mpi *m = ud;
    int len = m->d.rank == 0 ? (int)strlen(msg) + 1 : 0;
    if (MPI_Bcast(&len, 1, MPI_INT, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
        return -1;
    if (m->d.rank == 0)
        return MPI_Bcast((void *)msg, len, MPI_CHAR, 0, MPI_COMM_WORLD) == MPI_SUCCESS ? 0 : -1;
    *out = malloc((size_t)len);
    if (!*out)
        MPI_Abort(MPI_COMM_WORLD, 2);
    if (MPI_Bcast(*out, len, MPI_CHAR, 0, MPI_COMM_WORLD) != MPI_SUCCESS) {
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

static double mpi_clock_offset(void *ud, int rank)
{
    bench_mpi *m = ud;
    return rank > 0 && rank < m->d.ranks ? m->offset[rank] : 0;
}

/* Every rank's barrier exit to rank 0, which adds the spread run's columns. */
static void mpi_columns(void *ud, json_t *rec)
{
    bench_mpi *m = ud;
    double *exits = m->d.rank == 0 ? calloc((size_t)m->d.ranks, sizeof *exits) : NULL;
    if (m->d.rank == 0 && !exits)
        MPI_Abort(MPI_COMM_WORLD, 2);
    MPI_Gather(&m->exit_t, 1, MPI_DOUBLE, exits, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (m->d.rank != 0 || !rec) {
        free(exits);
        return;
    }
    double skew = 0, bound = 0;
    for (int k = 1; k < m->d.ranks; k++) {
        double d = fabs(exits[k] - m->offset[k] - exits[0]);
        if (d > skew)
            skew = d;
        if (m->half_rtt[k] > bound)
            bound = m->half_rtt[k];
    }
    json_object_set_new(rec, "mpi_ranks", json_integer(m->d.ranks));
    json_object_set_new(rec, "mpi_placement", json_string(bench_dist_placement_name(m->d.placement)));
    json_object_set_new(rec, "barrier_skew_s", json_real(skew));
    json_object_set_new(rec, "barrier_skew_bound_s", json_real(bound));
    free(exits);
}

bench_mpi *bench_mpi_new(bench_placement placement, const char *listen)
{
    bench_mpi *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    MPI_Comm_rank(MPI_COMM_WORLD, &m->d.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &m->d.ranks);
    m->offset = calloc((size_t)m->d.ranks, sizeof *m->offset);
    m->half_rtt = calloc((size_t)m->d.ranks, sizeof *m->half_rtt);
    if (!m->offset || !m->half_rtt) {
        bench_mpi_free(m);
        return NULL;
    }
    m->d.placement = placement;
    m->d.listen = listen;
    m->d.run.owner = m->d.rank == 0;
    m->d.run.ud = m;
    m->d.run.barrier = mpi_barrier;
    m->d.run.sum = mpi_sum;
    m->d.run.gather = mpi_gather;
    m->d.run.clock_offset = mpi_clock_offset;
    m->d.share = mpi_share;
    m->d.columns = mpi_columns;
    return m;
}

bench_dist *bench_mpi_dist(bench_mpi *m)
{
    return &m->d;
}

void bench_mpi_free(bench_mpi *m)
{
    if (!m)
        return;
    free(m->offset);
    free(m->half_rtt);
    free(m);
}
