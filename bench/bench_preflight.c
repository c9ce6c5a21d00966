/* bench_preflight.c: see bench_preflight.h. */
#include "bench/bench_preflight.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int executable(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && access(path, X_OK) == 0;
}

int bench_preflight_etcd(char *err, size_t err_len)
{
    const char *bin = getenv("GEOKV_ETCD");
    if (bin && *bin) {
        if (executable(bin))
            return 0;
        snprintf(err, err_len, "GEOKV_ETCD=%s: not an executable file (point it at the etcd binary, or unset it "
                               "to use etcd on PATH; scripts/install-deps.sh installs etcd)", bin);
        return -1;
    }
    const char *path = getenv("PATH");
    char dir[4096];
    for (const char *p = path ? path : "/usr/bin:/bin"; p && *p;) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        if (n > 0 && n < sizeof dir - 8) {
            snprintf(dir, sizeof dir, "%.*s/etcd", (int)n, p);
            if (executable(dir))
                return 0;
        }
        p = colon ? colon + 1 : NULL;
    }
    snprintf(err, err_len, "etcd not found on PATH: run scripts/install-deps.sh, or set GEOKV_ETCD to the etcd binary");
    return -1;
}
