/* util_version.h: the version every program reports, stamped in at build
 * time: the project's version (the VERSION file) and `git describe --always
 * --dirty` of the tree it was built from. The values live in a file make
 * generates (build/gen/util_version_stamp.c), rewritten only when they
 * change, so a new commit relinks the programs without recompiling them,
 * and a copied or installed binary still names the commit it was built
 * from, whatever tree sits beside it. */
#ifndef GEOKV_UTIL_VERSION_H
#define GEOKV_UTIL_VERSION_H

#include <stdio.h>

extern const char util_version_project[];   /* "0.1.0" */
extern const char util_version_git[];       /* "1f5b700-dirty"; "unknown" without git */

/* "PROG VERSION (git DESCRIBE)" and a newline on f. */
void util_version_print(FILE *f, const char *prog);

/* Nonzero when "--version" is one of argv[1..argc-1] before a "--": every
 * program and every subcommand answers it, so main checks it first. */
int util_version_wanted(int argc, char **argv);

#endif
