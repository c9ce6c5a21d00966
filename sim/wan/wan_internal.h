/* wan_internal.h: structures shared by wan.c (emulator, API, counters) and
 * wan_link.c (connections and the event loop). Not for other modules. */
#ifndef GEOKV_WAN_INTERNAL_H
#define GEOKV_WAN_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "sim/wan/wan.h"
#include "sim/wan/wan_spin.h"
#include "sim/util/util_clock.h"

#define WAN_SNIFF_MAX 8192
#define WAN_NAME_LEN 112

enum { EVK_LISTEN = 1, EVK_CONN, EVK_TIMER, EVK_WAKE };

typedef struct wan_evh {
    int kind;
    int side;            /* EVK_CONN: 0 accepted side, 1 upstream side */
    void *p;
} wan_evh;

struct wan_conn;

typedef struct wan_dir {
    wan_hnode hn;        /* deadline of the head chunk, in the emulator heap */
    struct wan_conn *c;
    int d;               /* 0: fd[0] -> fd[1] (towards the target), 1: back */
    wan_queue q;
    int rd_eof;          /* source side ended (EOF queued) */
    int wr_shut;         /* EOF delivered: shutdown(dst, SHUT_WR) done */
    int wr_blocked;      /* destination socket full: waiting for EPOLLOUT */
} wan_dir;

typedef struct wan_link {
    int id;
    char name[WAN_NAME_LEN];
    wan_link_kind kind;
    int src_region, dst_region;   /* -1: unknown */
    int from_member, to_member;   /* peer links; -1 otherwise */
    double rtt_ms;                /* after rtt_scale */
    uint64_t delay_ns;            /* one way */
    wan_jitter jitter;
    double bw_Bps;                /* bytes per second per direction, 0: no cap */
    int blackholed;
    int drop_responses;           /* answers still to swallow (wan_drop_next_response) */
    uint64_t tx_free_ns[2];
    uint64_t bytes[2];            /* [0] towards the target, [1] back */
    uint64_t conns_current, conns_total;
    struct wan_listener *lst;     /* client links: own listener */
    int target_port;
} wan_link;

typedef struct wan_listener {
    int fd, port;
    int target_port;
    wan_link *link;      /* client listener: its link; peer listener: NULL */
    int member;          /* peer listener: member behind it; -1 otherwise */
    wan_evh evh;
} wan_listener;

typedef struct wan_conn {
    struct wan_conn *prev, *next;   /* emulator's list of connections */
    wan *w;
    wan_listener *lst;
    wan_link *link;      /* NULL while the peer head is being read */
    int fd[2];           /* [0] accepted, [1] upstream (-1 until dialled) */
    int connecting;      /* upstream connect in progress */
    int connected;       /* upstream established */
    uint32_t ev[2];      /* epoll interest registered per side */
    int reg[2];          /* side's fd is in the epoll set */
    int dead;            /* closed; freed after the current event batch */
    int swallow;         /* drops everything the target sends back (a lost answer) */
    wan_evh evh[2];
    wan_dir dir[2];
    uint64_t accept_ns;
    uint64_t from_id;    /* X-Server-From of a peer connection */
    int has_from_id;
    unsigned char *sniff;
    size_t sniff_len;
    uint64_t sniff_ns;
} wan_conn;

struct wan {
    pthread_mutex_t mu;
    pthread_t th;
    int running;
    volatile int stop;
    int epfd, tfd, wakefd;
    wan_evh timer_evh, wake_evh;
    uint64_t armed_ns;           /* deadline the timerfd is set to (UINT64_MAX: none) */
    uint64_t armed_set_ns;       /* when it was set (a deadline already past fires at once) */
    wan_spin spin;               /* polling window before releases, and its budget */
    wan_heap heap;
    wan_config cfg;
    wan_rng rng;

    wan_link **links;
    int n_links, cap_links;
    wan_listener **lsts;
    int n_lsts, cap_lsts;
    wan_conn *conns;
    int n_conns;
    wan_conn *dead;              /* closed connections awaiting free */

    int n_regions;
    char (*region_ids)[TOPO_ID_LEN];

    /* peers */
    int n_members;               /* 1 + highest member index added */
    int member_present[WAN_MAX_MEMBERS];
    char member_name[WAN_MAX_MEMBERS][32];
    int member_region[WAN_MAX_MEMBERS];
    uint64_t member_id[WAN_MAX_MEMBERS];
    int member_id_known[WAN_MAX_MEMBERS];
    wan_listener *peer_lst[WAN_MAX_MEMBERS];
    wan_link *peer[WAN_MAX_MEMBERS][WAN_MAX_MEMBERS];   /* [from][to] */
    wan_link *peer_default[WAN_MAX_MEMBERS];              /* [to] */
    double peer_rtt_raw[WAN_MAX_MEMBERS][WAN_MAX_MEMBERS];/* before scale */
    int client_link[TOPO_MAX_REGIONS][WAN_MAX_MEMBERS];   /* -1 when none */
    int direct_link[WAN_MAX_MEMBERS];

    /* how late each chunk was handed to the kernel after its release time,
     * 10 us buckets up to 10 ms (last bucket: beyond): the emulator's own error */
    uint64_t late_hist[1001];
    uint64_t late_max_ns;
    clockid_t loop_cpu_clock;
    int loop_cpu_clock_ok;
    unsigned char rbuf[65536];
};

/* wan_link.c */
/* read() that also returns the arrival time on CLOCK_MONOTONIC (util_now_ns):
 * the kernel's receive timestamp (needs SO_TIMESTAMPNS on fd), or now when
 * there is none or it looks wrong. Also used by wan-bench on its client side. */
ssize_t wan_read_stamped(int fd, void *buf, size_t len, uint64_t *arrival);
int wan_loop_init(wan *w, char *err, size_t errlen);
void wan_loop_fini(wan *w);
void *wan_loop_main(void *arg);
void wan_wake(wan *w);
int wan_listener_register(wan *w, wan_listener *l);
/* With w->mu held: apply a link's new blackhole state to its connections. */
void wan_link_blackhole_changed(wan *w, wan_link *l);
void wan_rearm_timer(wan *w);
void wan_close_all_conns(wan *w);
/* Reset connections parked on a "p:?:" link whose head named member id `id`
 * (they came before the id was registered): etcd redials them at once and the
 * new connections get the pair's delay. Returns how many. */
int wan_reset_unidentified(wan *w, uint64_t id);
/* Parse "X-Server-From: <hex>" from an HTTP request head; 0 when absent. */
int wan_parse_server_from(const unsigned char *head, size_t len, uint64_t *id);

#endif
