/* util_data.c: see util_data.h. */
#include "sim/util/util_data.h"
#include "sim/util/util_fs.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DATA_SHARE "share/geokv-bench"
#define DATA_TREE_MARK "sim/wan/topology"

static int is_dir(const char *dir, const char *sub)
{
    char p[PATH_MAX + 64];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, sub);
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The running program's directory into dir; -1 when /proc is unreadable. */
static int exe_dir(char *dir, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", dir, len - 1);
    char *slash;
    if (n <= 0)
        return -1;
    dir[n] = '\0';
    slash = strrchr(dir, '/');
    if (slash == NULL)
        return -1;
    *slash = '\0';
    return 0;
}

/* Walks from the program's directory up to "/", looking for an installed
 * share/geokv-bench or the source tree. */
static int found_from_exe(char *buf, size_t len)
{
    char dir[PATH_MAX];
    if (exe_dir(dir, sizeof dir) != 0)
        return -1;
    for (;;) {
        const char *d = dir[0] ? dir : "/";
        if (is_dir(d, DATA_SHARE)) {
            snprintf(buf, len, "%s/%s", dir, DATA_SHARE);
            return 0;
        }
        if (is_dir(d, DATA_TREE_MARK)) {
            snprintf(buf, len, "%s", d);
            return 0;
        }
        char *slash = strrchr(dir, '/');
        if (slash == NULL || dir[0] == '\0')
            return -1;
        *slash = '\0';
    }
}

const char *util_data_root(char *buf, size_t len)
{
    const char *env = getenv("GEOKV_DATA");
    if (env == NULL || env[0] == '\0')
        env = getenv("GEOKV_ROOT");
    if (env != NULL && env[0] != '\0') {
        snprintf(buf, len, "%s", env);
        return buf;
    }
    if (found_from_exe(buf, len) == 0)
        return buf;
    {
        char dir[PATH_MAX];
        if (exe_dir(dir, sizeof dir) == 0)
            snprintf(buf, len, "%s/../%s", dir, DATA_SHARE);
        else
            snprintf(buf, len, "%s", ".");
    }
    return buf;
}

const char *util_data_path(char *buf, size_t len, const char *rel)
{
    char root[PATH_MAX];
    if (rel[0] == '/')
        snprintf(buf, len, "%s", rel);
    else
        snprintf(buf, len, "%s/%s", util_data_root(root, sizeof root), rel);
    return buf;
}

const char *util_data_or_given(char *buf, size_t len, const char *given, const char *name)
{
    return given ? util_rooted(buf, len, given) : util_data_path(buf, len, name);
}
