/* util_fs.c: see util_fs.h. */
#include "sim/util/util_fs.h"
#include "sim/util/util_err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int util_mkdirs(const char *path, char *err, size_t errlen)
{
    char buf[4096];
    if (path[0] == '\0') {
        util_seterr(err, errlen, "cannot create a directory with an empty name");
        errno = ENOENT;
        return -1;
    }
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        util_seterr(err, errlen, "path too long: %s", path);
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
                int e = errno;
                util_seterr(err, errlen, "cannot create directory %s: %s", buf, strerror(e));
                errno = e;
                return -1;
            }
            *p = c;
            if (c == '\0')
                break;
        }
    }
    return 0;
}

char *util_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0, r;
    char *buf = malloc(cap + 1);
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        if (len)
            *len = n;
    }
    return buf;
}

int util_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

const char *util_rooted(char *buf, size_t len, const char *rel)
{
    const char *root = getenv("GEOKV_ROOT");
    if (rel[0] != '/' && root && root[0] && access(rel, F_OK) != 0)
        snprintf(buf, len, "%s/%s", root, rel);
    else
        snprintf(buf, len, "%s", rel);
    return buf;
}
