/* etcd_rig_priv.h: what the files of the rig share; not for other modules.
 *
 * The rig (etcd_rig.h) is split by concern:
 *   etcd_rig_member.c  member processes: the spawner thread, spawn, reap,
 *                      stop; etcd_rig_start/_stop/_kill/_restart/_running
 *   etcd_rig_config.c  ports, the etcd binary, names, data directories and
 *                      command lines; etcd_rig_new, the advertise setters
 *   etcd_rig_health.c  /health and status queries, members' logs, waiting
 *                      for a healthy cluster; etcd_rig_leader
 *   etcd_rig_reg.c     the live rigs (for their directories), the clean-up
 *                      on exit and on signals (with sim/util/util_proc.h)
 */
#ifndef GEOKV_ETCD_RIG_PRIV_H
#define GEOKV_ETCD_RIG_PRIV_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/rig/etcd_rig.h"
#include "sim/util/util_clock.h"

#define RIG_REG_SLOTS 32          /* live rigs per process */

typedef struct rig_priv {
    char etcd_bin[PATH_MAX];
    char token[64];
    bool created_base;
    int slot;                     /* registry slot, -1 if none */
    bool started;
} rig_priv;

/* ---- etcd_rig_member.c --------------------------------------------------- */

void rig_sleep_ms(int ms);
etcd_code rig_fail(etcd_status *st, etcd_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void rig_ok(etcd_status *st);
void rig_spawner_atfork_child(void);
bool rig_reap_nowait(etcd_rig *r, int i, int *wstatus);
void rig_stop_members(etcd_rig *r);

/* ---- etcd_rig_config.c --------------------------------------------------- */

typedef struct rig_args {
    char *argv[48];
    int n;
    char store[8192];
    size_t used;
} rig_args;

void rig_build_args(const etcd_rig *r, int i, rig_args *a);
char **rig_envp(void);
etcd_code rig_repick_busy(etcd_rig *r, int i, etcd_status *st);

/* ---- etcd_rig_health.c --------------------------------------------------- */

bool rig_log_contains(const etcd_rig_member *m, const char *needle);
etcd_code rig_wait_healthy(etcd_rig *r, int timeout_ms, int *exited, etcd_status *st);

/* ---- etcd_rig_reg.c ------------------------------------------------------ */

/* Once per process: libcurl, the fork handler, the exit and signal clean-up. */
void rig_init(void);
int rig_reg_add(etcd_rig *r, const char *dir);
void rig_reg_remove(int slot);
void rig_rm_tree(const char *path);

#endif
