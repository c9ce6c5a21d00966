/* testlib_mpi.c: see testlib_mpi.h. */
#include "bench/mpi/tests/testlib_mpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void mpi_t_prepare(char *buf, size_t len)
{
    const char *path = getenv("PATH");
    char dirs[4096];
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    snprintf(dirs, sizeof dirs, "%s", path ? path : "/usr/bin:/bin");
    for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        snprintf(buf, len, "%s/mpirun", d);
        if (access(buf, X_OK) == 0)
            return;
    }
    buf[0] = '\0';
}
