/* testlib_model_cli.c: see testlib_model_cli.h. */
#include "model/tests/testlib_model_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

int model_t_run_cli(const char *cwd, const char *args, const char *redirect, char **out)
{
    char full[4096];
    const char *root = getenv("GEOKV_ROOT"), *bin = getenv("GEOKV_BIN");
    if (!cwd)
        cwd = root && root[0] ? root : ".";
    snprintf(full, sizeof full, "cd '%s' && '%s'/geokv-model %s %s", cwd, bin ? bin : "build/bin", args,
             redirect ? redirect : "");
    FILE *p = popen(full, "r");
    if (!p)
        return -1;
    size_t cap = 1 << 16, len = 0, n;
    char *buf = malloc(cap);
    while (buf && (n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (len + 1 >= cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb)
                break;
            buf = nb;
        }
    }
    int st = pclose(p);
    if (buf)
        buf[len] = '\0';
    if (out)
        *out = buf;
    else
        free(buf);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
