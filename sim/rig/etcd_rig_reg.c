/* etcd_rig_reg.c: the rigs alive in this process and their clean-up.
 *
 * Every directory the rig created is in a list of live rigs made of
 * lock-free atomics, so that util_proc's signal handler, once it has killed
 * and reaped the members (they are in its child registry), can remove the
 * directories from our hook with async-signal-safe calls only (openat,
 * getdents64, unlinkat). The normal stop path uses the same remover. Entries
 * carry the pid of the process that made them: a forked child (tests do
 * this) never touches its parent's rigs.
 */
#include "sim/rig/etcd_rig_priv.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sim/util/util_proc.h"

/* ---- live rigs (read by the signal hook: atomics only) ----------------- */

typedef struct rig_reg {
    atomic_int used;              /* 0 free, 1 in use */
    atomic_int owner;             /* getpid() of the process that owns it */
    etcd_rig *rig;                /* for the atexit path */
    char dir[512];                /* to remove; "" when keep_dir */
} rig_reg;

static rig_reg g_reg[RIG_REG_SLOTS];
static pthread_mutex_t g_reg_mu = PTHREAD_MUTEX_INITIALIZER;

int rig_reg_add(etcd_rig *r, const char *dir)
{
    int slot = -1;
    pthread_mutex_lock(&g_reg_mu);
    for (int i = 0; i < RIG_REG_SLOTS; i++) {
        if (atomic_load(&g_reg[i].used) == 0) {
            slot = i;
            break;
        }
    }
    if (slot >= 0) {
        rig_reg *e = &g_reg[slot];
        e->rig = r;
        snprintf(e->dir, sizeof e->dir, "%s", dir ? dir : "");
        atomic_store(&e->owner, (int)getpid());
        atomic_store(&e->used, 1);   /* last: the handler sees a complete entry */
    }
    pthread_mutex_unlock(&g_reg_mu);
    return slot;
}

void rig_reg_remove(int slot)
{
    if (slot < 0)
        return;
    pthread_mutex_lock(&g_reg_mu);
    atomic_store(&g_reg[slot].used, 0);
    g_reg[slot].rig = NULL;
    pthread_mutex_unlock(&g_reg_mu);
}

/* ---- async-signal-safe recursive removal -------------------------------- */

struct rig_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* Removes `name` relative to dirfd, recursing into directories. Uses only
 * async-signal-safe system calls and stack memory, so the signal handler can
 * call it. Deletes in passes from offset 0 because removing entries while
 * reading a directory may make getdents skip some. */
static void rig_rm_at(int dirfd, const char *name, int depth)
{
    if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
        return;
    if (depth > 24)
        return;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    for (int pass = 0; pass < 64; pass++) {
        char buf[2048] __attribute__((aligned(8)));
        int removed = 0;
        if (lseek(fd, 0, SEEK_SET) < 0)
            break;
        for (;;) {
            long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
            if (n <= 0)
                break;
            for (long off = 0; off < n;) {
                struct rig_dirent64 *d = (struct rig_dirent64 *)(buf + off);
                off += d->d_reclen;
                if (d->d_name[0] == '.' && (d->d_name[1] == 0 ||
                                            (d->d_name[1] == '.' && d->d_name[2] == 0)))
                    continue;
                rig_rm_at(fd, d->d_name, depth + 1);
                removed++;
            }
        }
        if (removed == 0)
            break;
    }
    close(fd);
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

void rig_rm_tree(const char *path)
{
    if (path && path[0])
        rig_rm_at(AT_FDCWD, path, 0);
}

/* ---- cleanup on signals and exit ---------------------------------------- */

/* Runs in util_proc's signal handler, after it killed and reaped every
 * member: removes the directories of this process's live rigs. */
static void rig_on_signal_cleanup(void)
{
    int me = (int)getpid();
    for (int s = 0; s < RIG_REG_SLOTS; s++) {
        rig_reg *e = &g_reg[s];
        if (!atomic_load(&e->used) || atomic_load(&e->owner) != me)
            continue;
        rig_rm_tree(e->dir);
        atomic_store(&e->used, 0);
    }
}

void etcd_rig_install_signal_cleanup(void)
{
    (void)util_proc_on_signal(rig_on_signal_cleanup);
    util_proc_install_signal_cleanup();
}

static void rig_atexit(void)
{
    int me = (int)getpid();
    for (int s = 0; s < RIG_REG_SLOTS; s++) {
        rig_reg *e = &g_reg[s];
        if (!atomic_load(&e->used) || atomic_load(&e->owner) != me || !e->rig)
            continue;
        etcd_rig *r = e->rig;
        rig_stop_members(r);
        rig_rm_tree(e->dir);
        ((rig_priv *)r->priv)->slot = -1;
        atomic_store(&e->used, 0);
    }
}

/* fork() in another thread of this process: only the forking thread exists in
 * the child, and locks may have been held by the others. */
static void rig_atfork_child(void)
{
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    memcpy(&g_reg_mu, &mu, sizeof mu);
    rig_spawner_atfork_child();
}

static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void rig_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pthread_atfork(NULL, NULL, rig_atfork_child);
    /* util_proc's atexit hook first, so ours runs before it: members stop
     * in leader order, then the registry catches anything left. */
    util_proc_init();
    (void)util_proc_on_signal(rig_on_signal_cleanup);
    atexit(rig_atexit);
}

void rig_init(void)
{
    pthread_once(&g_once, rig_init_once);
}
