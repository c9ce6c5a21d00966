/* geokv-bench-mpi: `geokv-bench run` with its agents spread over MPI ranks.
 *
 *   mpirun -np K geokv-bench-mpi run [--placement region|round-robin] [--listen ADDR] [run options]
 *
 * Every rank gets the same arguments. Rank 0 owns the sweep (clusters, WAN
 * emulator, controller, results: exactly what `geokv-bench run` does); every
 * rank runs its share of each run's agents. Without mpirun it is one rank,
 * which runs everything (the records then say mpi_ranks 1). */
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "bench/bench_dist.h"
#include "bench/bench_sweep.h"
#include "bench/mpi/bench_mpi.h"
#include "sim/util/util_version.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: mpirun -np K geokv-bench-mpi run [--placement region|round-robin] [--listen ADDR] "
               "[geokv-bench run options]\n\n"
               "  --placement region       region r's agents on rank r %% K (one host per region; default)\n"
               "  --placement round-robin  agent i on rank i %% K\n"
               "  --listen ADDR            the WAN emulator's client links listen on ADDR (an address of\n"
               "                           rank 0's host the other ranks reach); default loopback\n"
               "Every other option is `geokv-bench run`'s (geokv-bench run --help).\n\n"
               "Exit status: 0 success, 1 a failed run, 2 bad usage (as geokv-bench run); a rank that\n"
               "fails or is killed ends the whole job, and mpirun reports it.\n");
}

/* Takes --placement and --listen out of argv (in place); 0, or -1 (err printed). */
static int take_options(int *argc, char **argv, bench_placement *placement, const char **listen)
{
    int out = 0;
    for (int i = 0; i < *argc; i++) {
        bool place = strcmp(argv[i], "--placement") == 0, lst = strcmp(argv[i], "--listen") == 0;
        if (!place && !lst) {
            argv[out++] = argv[i];
            continue;
        }
        if (i + 1 >= *argc) {
            fprintf(stderr, "geokv-bench-mpi: %s needs a value\n", argv[i]);
            return -1;
        }
        if (place && bench_dist_placement_parse(argv[i + 1], placement) != 0) {
            fprintf(stderr, "geokv-bench-mpi: --placement: '%s' is not region or round-robin\n", argv[i + 1]);
            return -1;
        }
        if (lst)
            *listen = argv[i + 1];
        i++;
    }
    *argc = out;
    argv[out] = NULL;
    return 0;
}

int main(int argc, char **argv)
{
    bench_placement placement = BENCH_PLACE_REGION;
    const char *listen = NULL;
    int provided, status;
    bench_mpi *m;

    signal(SIGPIPE, SIG_IGN);
    if (util_version_wanted(argc, argv)) {
        util_version_print(stdout, "geokv-bench-mpi");
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "run") != 0) {
        usage(argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) ? stdout : stderr);
        return argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) ? 0 : 2;
    }
    argc -= 2;
    argv += 2;
    if (take_options(&argc, argv, &placement, &listen) != 0)
        return 2;
    /* MPI calls come from the main thread only (cb_run's wait loop) */
    MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    m = bench_mpi_new(placement, listen);
    if (!m) {
        fprintf(stderr, "geokv-bench-mpi: out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    status = bench_sweep_main_dist(argc, argv, bench_mpi_dist(m));
    /* A rank that gave up while rank 0 may still be inside a run's
     * collectives: end the job (mpirun names this rank) rather than wait. */
    if (status != 0 && bench_mpi_dist(m)->rank != 0) {
        fprintf(stderr, "geokv-bench-mpi: rank %d: cannot go on with rank 0 (exit %d)\n", bench_mpi_dist(m)->rank,
                status);
        MPI_Abort(MPI_COMM_WORLD, status);
    }
    bench_mpi_free(m);
    MPI_Finalize();
    return status;
}
