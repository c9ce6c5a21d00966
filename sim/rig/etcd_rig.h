/* etcd_rig.h: start and stop real etcd members on 127.0.0.1 with free ports
 * and their own data directories. Used by the integration tests, the bench
 * driver and scripts/etcd-rig (for humans).
 *
 * Two phases, so a WAN emulator can sit between members:
 *   etcd_rig_new()    picks free ports and directories, fills members[];
 *   (optionally)      etcd_rig_set_peer_advertise() / _set_client_advertise()
 *                     so members announce the emulator's ports instead;
 *   etcd_rig_start()  launches the members and waits until the cluster is healthy.
 * If a port turns out busy at start (another process took it after it was
 * picked), etcd_rig_start() moves it and starts over with empty data dirs; the
 * client and peer ports of a member whose advertise URL was overridden never
 * move (a proxy forwards to them): that start fails with a clear message.
 * etcd_rig_stop() stops every member it started (SIGTERM, then SIGKILL after a
 * grace period), reaps them and removes directories it created. Members are
 * started with PR_SET_PDEATHSIG(SIGKILL) from a spawner thread that lives as
 * long as the process, in their own process group, and every live rig is also stopped by
 * an atexit handler and by SIGINT/SIGTERM when etcd_rig_install_signal_cleanup()
 * was called, so no member outlives its creator.
 */
#ifndef GEOKV_ETCD_RIG_H
#define GEOKV_ETCD_RIG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sim/etcd/etcd_client.h"

#define ETCD_RIG_MAX_MEMBERS 7

typedef struct etcd_rig_config {
    int n_members;              /* 1..ETCD_RIG_MAX_MEMBERS */
    const char *names[ETCD_RIG_MAX_MEMBERS]; /* member names; NULL -> "m0", "m1", ... */
    const char *etcd_bin;       /* NULL -> $GEOKV_ETCD or "etcd" on PATH */
    const char *base_dir;       /* parent of the rig's fresh mkdtemp directory
                                 * (<base_dir>/etcd-rig-XXXXXX, see etcd_rig.base_dir);
                                 * NULL -> $TMPDIR or /tmp. Created if missing. */
    bool keep_dir;              /* do not remove the rig's directory on stop */
    int heartbeat_ms;           /* 0 -> etcd default (100) */
    int election_ms;            /* 0 -> etcd default (1000) */
    bool fsync;                 /* false -> --unsafe-no-fsync (tests, benchmarks on tmpfs-like disks) */
    int64_t quota_backend_bytes;/* 0 -> default */
    const char *log_level;      /* NULL -> "error" */
    int start_timeout_ms;       /* 0 -> 20000; also used by restart */
} etcd_rig_config;

typedef struct etcd_rig_member {
    char name[32];
    int client_port, peer_port, metrics_port;
    char client_url[64];        /* http://127.0.0.1:<client_port> (where it listens) */
    char peer_url[64];          /* http://127.0.0.1:<peer_port>   (where it listens) */
    char metrics_url[80];       /* http://127.0.0.1:<metrics_port>/metrics */
    char advertise_peer_url[64];   /* what it announces; = peer_url unless overridden */
    char advertise_client_url[64]; /* = client_url unless overridden */
    char data_dir[512];         /* <base_dir>/<name>/data */
    char log_path[512];         /* member's stderr: <base_dir>/<name>/etcd.log */
    pid_t pid;                  /* 0 when not running */
    uint64_t member_id;         /* known after start */
} etcd_rig_member;

typedef struct etcd_rig {
    etcd_rig_config cfg;
    char base_dir[512];         /* the rig's own directory, removed on stop unless keep_dir */
    int n;
    etcd_rig_member m[ETCD_RIG_MAX_MEMBERS];
    /* private */
    void *priv;
} etcd_rig;

/* Clear error text goes to st->message (missing etcd binary: says to run
 * scripts/install-deps.sh; busy port; unwritable directory). */
etcd_code etcd_rig_new(const etcd_rig_config *cfg, etcd_rig **out, etcd_status *st);
etcd_code etcd_rig_set_peer_advertise(etcd_rig *r, int i, const char *url);
etcd_code etcd_rig_set_client_advertise(etcd_rig *r, int i, const char *url);
etcd_code etcd_rig_start(etcd_rig *r, etcd_status *st);
/* Stops all members, removes what it created, frees r. NULL-safe. */
void etcd_rig_stop(etcd_rig *r);

/* Fault helpers for tests and the bench. A rig is driven by one thread at a
 * time (etcd_rig_leader may be called from any thread). */
etcd_code etcd_rig_kill(etcd_rig *r, int i, int sig);          /* sends sig, reaps on SIGKILL */
/* Stops member i if it still runs (SIGTERM, SIGKILL after 3 s), starts it
 * again on the same data dir and ports, and waits until the cluster is healthy. */
etcd_code etcd_rig_restart(etcd_rig *r, int i, etcd_status *st);
/* Every running member answers /health true and all agree on a running leader;
 * records member ids. timeout_ms <= 0 -> cfg.start_timeout_ms. */
etcd_code etcd_rig_wait_healthy(etcd_rig *r, int timeout_ms, etcd_status *st);
/* Member i's process runs (started, and neither exited nor reaped). */
bool etcd_rig_running(const etcd_rig *r, int i);

/* A client over the running members' advertise_client_url (= client_url
 * unless overridden), policy round-robin. Lives in etcd_rig_client.c. */
etcd_code etcd_rig_client(etcd_rig *r, etcd_client **out, etcd_status *st);
/* Index of the current leader, or -1. */
int etcd_rig_leader(etcd_rig *r);

/* On SIGINT, SIGTERM and SIGHUP: SIGKILL and reap every member of this
 * process's live rigs (with every other child in the process's child
 * registry, sim/util/util_proc.h), remove their directories
 * (async-signal-safe), then die of the same signal with its default action.
 * Replaces the process's own handlers for those signals (install yours after
 * it and call nothing of the rig from them, or stop the rigs yourself).
 * Idempotent. Without it, members still die with the process (PDEATHSIG) but
 * directories stay. */
void etcd_rig_install_signal_cleanup(void);

/* A currently free TCP port on 127.0.0.1 (bindable with SO_REUSEADDR, as
 * etcd binds), drawn at random below the ephemeral port range so that
 * outgoing connections cannot take it; 0 on error. Still racy with other
 * processes: etcd_rig_start retries on "address already in use". */
int etcd_rig_free_port(void);

#endif
