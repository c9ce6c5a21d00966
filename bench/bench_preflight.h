/* bench_preflight.h: checks made before a sweep creates anything, so that a
 * missing tool is one clear line and exit status 2, not a results
 * directory holding one failed run. */
#ifndef GEOKV_BENCH_PREFLIGHT_H
#define GEOKV_BENCH_PREFLIGHT_H

#include <stddef.h>

/* The etcd binary the rig will start ($GEOKV_ETCD, else "etcd" on PATH) is
 * an executable file. 0, or -1 with one line in err saying what to do. */
int bench_preflight_etcd(char *err, size_t err_len);

#endif
