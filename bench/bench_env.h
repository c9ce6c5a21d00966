/* bench_env.h: what config.json records about the machine and the tools, so
 * a result can be traced to what produced it: etcd, libcurl, GSL and jansson
 * versions, uname, cores and memory. */
#ifndef GEOKV_BENCH_ENV_H
#define GEOKV_BENCH_ENV_H

#include <stddef.h>

#include <jansson.h>

/* {"etcd": "...", "libcurl": "...", "gsl": "...", "jansson": "..."}.
 * etcd_bin: the binary the rig will start (its --version is asked). */
json_t *bench_env_versions(const char *etcd_bin);

/* {"sysname","release","version","machine","cores","memory_bytes"}. */
json_t *bench_env_machine(void);

/* First line of a command's stdout (trimmed), or "" on failure. The command
 * runs with /bin/sh; stderr is discarded. */
void bench_env_command_line(const char *cmd, char *out, size_t out_len);

#endif
