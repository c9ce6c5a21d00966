/* bench_mpi.h: the MPI side of a spread sweep (bench/bench_dist.h): every
 * hook of bench_dist as an MPI collective over MPI_COMM_WORLD, rank 0 the
 * owner. The only folder that includes <mpi.h>: the rest of the harness
 * builds and runs without MPI. */
#ifndef GEOKV_BENCH_MPI_H
#define GEOKV_BENCH_MPI_H

#include "bench/bench_dist.h"

typedef struct bench_mpi bench_mpi;

/* After MPI_Init: a bench_dist over every rank (listen may be NULL). NULL on
 * out of memory. */
bench_mpi *bench_mpi_new(bench_placement placement, const char *listen);
bench_dist *bench_mpi_dist(bench_mpi *m);
void bench_mpi_free(bench_mpi *m);

/* A collective: rank 0's estimate of every rank's CLOCK_MONOTONIC minus its
 * own (offset[k]) and its error bound (half_rtt[k]), by ping-pong (see
 * bench_mpi.c); arrays of the world size, meaningful on rank 0 only. */
void bench_mpi_clock_offsets(double *offset, double *half_rtt);

#endif
