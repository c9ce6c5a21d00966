/* util_version.c: see util_version.h. */
#include "sim/util/util_version.h"

#include <string.h>

void util_version_print(FILE *f, const char *prog)
{
    fprintf(f, "%s %s (git %s)\n", prog, util_version_project, util_version_git);
}

int util_version_wanted(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return 0;
        if (strcmp(argv[i], "--version") == 0)
            return 1;
    }
    return 0;
}
