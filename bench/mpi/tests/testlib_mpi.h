/* testlib_mpi.h: what every test of geokv-bench-mpi needs before it starts
 * a real mpirun. */
#ifndef GEOKV_TESTLIB_MPI_H
#define GEOKV_TESTLIB_MPI_H

#include <stddef.h>

/* Lets mpirun's children run as root (Open MPI refuses unless told; CI runs
 * the tests as root) and writes the path of the mpirun on PATH into buf
 * (len bytes): "" when there is none, so the caller can skip and say why. */
void mpi_t_prepare(char *buf, size_t len);

#endif
