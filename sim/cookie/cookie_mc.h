/* cookie_mc: one real memcached server on 127.0.0.1, started and stopped by
 * the harness (Debian's /usr/bin/memcached, or $GEOKV_MEMCACHED). */
#ifndef GEOKV_COOKIE_MC_H
#define GEOKV_COOKIE_MC_H

#include <stddef.h>
#include <sys/types.h>

struct cookie_mc {
    pid_t pid;   /* 0 once stopped */
    int port;
};

/* Find a free loopback port; 0 on failure. */
int cookie_mc_free_port(void);

/* Start memcached -l 127.0.0.1 -p PORT -U 0 on a free port and wait until it
 * accepts connections. mem_mb: cache size. Returns 0, or -1 with err set. */
int cookie_mc_start(struct cookie_mc *mc, int mem_mb, char *err, size_t errlen);

/* Graceful stop (SIGTERM, then SIGKILL); safe to call twice. */
void cookie_mc_stop(struct cookie_mc *mc);

/* Fault injection. kill9: SIGKILL now (the process is reaped, pid kept in
 * mc->pid = 0). hang: SIGSTOP, so connections stay open but nothing answers
 * (the case where only the timeout detects the failure). */
int cookie_mc_kill9(struct cookie_mc *mc);
int cookie_mc_hang(struct cookie_mc *mc);

/* 1 when a TCP connect to 127.0.0.1:port succeeds within timeout_ms. */
int cookie_tcp_probe(int port, int timeout_ms);

/* The memcached binary used ($GEOKV_MEMCACHED or /usr/bin/memcached). */
const char *cookie_mc_binary(void);

#endif
