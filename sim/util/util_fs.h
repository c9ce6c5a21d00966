/* util_fs.h: files and directories: mkdir -p, reading a whole file, and
 * whether a path exists. */
#ifndef GEOKV_UTIL_FS_H
#define GEOKV_UTIL_FS_H

#include <stddef.h>

/* mkdir -p: creates path and its missing parents (mode 0777 less the
 * umask); existing directories are fine. 0 on success; -1 with a message in
 * err (util_seterr) and errno left as the failing mkdir set it. */
int util_mkdirs(const char *path, char *err, size_t errlen);

/* Whole file into a malloc'ed NUL-terminated buffer (its length, without the
 * NUL, in *len when len is not NULL); NULL when it cannot be opened or memory
 * runs out. */
char *util_slurp(const char *path, size_t *len);

/* Nonzero when path exists (stat succeeds). */
int util_file_exists(const char *path);

/* rel as given when it is absolute, exists, or GEOKV_ROOT is unset; else
 * "$GEOKV_ROOT/rel" (the repository root, which make exports), so that a
 * program run from another folder still finds the repository's files.
 * Written into buf (len bytes), which is returned. */
const char *util_rooted(char *buf, size_t len, const char *rel);

#endif
