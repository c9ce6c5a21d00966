/* wan_link.c: the delayed TCP forwarder of the WAN emulator: accept, dial,
 * read-timestamp-queue-release, half-close, errors, backpressure, and the
 * event loop (epoll + one absolute CLOCK_MONOTONIC timerfd). See wan.h for the
 * behaviour; everything here runs with w->mu held. */
#include "sim/wan/wan_internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static void set_nodelay(int fd)
{
    int one = 1;
    /* Without it Nagle would hold small writes back by up to an RTT of the
     * local hop and distort every figure. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    /* Kernel receive timestamps: a chunk's arrival is when the kernel got it,
     * not when this thread woke up to read it, so the loop's wake-up latency
     * is not added to the emulated delay. */
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
}

/* read() that also returns the arrival time on CLOCK_MONOTONIC: the kernel's
 * receive timestamp (CLOCK_REALTIME) mapped to the monotonic clock, or now
 * when there is none or it looks wrong (clock step). */
ssize_t wan_read_stamped(int fd, void *buf, size_t len, uint64_t *arrival)
{
    char ctl[CMSG_SPACE(sizeof(struct timespec))];
    struct iovec iov = { buf, len };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
    ssize_t n = recvmsg(fd, &mh, 0);
    uint64_t now = util_now_ns();
    *arrival = now;
    if (n <= 0)
        return n;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_TIMESTAMPNS)
            continue;
        struct timespec ts, rt;
        memcpy(&ts, CMSG_DATA(cm), sizeof ts);
        clock_gettime(CLOCK_REALTIME, &rt);
        int64_t age = ((int64_t)rt.tv_sec - (int64_t)ts.tv_sec) * 1000000000LL + (rt.tv_nsec - ts.tv_nsec);
        if (age > 0 && age < 1000000000LL && (uint64_t)age < now)
            *arrival = now - (uint64_t)age;
    }
    return n;
}

/* ---- epoll interest ----------------------------------------------------- */

/* Interest for one side: read while its direction is not ended and not over
 * the backpressure limit; write-wait while the opposite direction is blocked
 * on it (or the upstream connect is in progress). A side with no interest is
 * taken out of the epoll set, so a half-closed socket cannot spin on EPOLLHUP. */
static void conn_set_interest(wan *w, wan_conn *c, int side)
{
    int fd = c->fd[side];
    if (fd < 0 || c->dead)
        return;
    wan_dir *in = &c->dir[side], *out = &c->dir[1 - side];
    uint32_t want = 0;
    int can_read = !in->rd_eof && in->q.bytes < WAN_QUEUE_MAX;
    if (side == 1 && !c->connected)
        can_read = 0;
    if (can_read)
        want |= EPOLLIN;
    if ((side == 1 && c->connecting) || out->wr_blocked)
        want |= EPOLLOUT;
    struct epoll_event ev = { .events = want, .data.ptr = &c->evh[side] };
    if (!want) {
        if (c->reg[side]) {
            epoll_ctl(w->epfd, EPOLL_CTL_DEL, fd, NULL);
            c->reg[side] = 0;
        }
    } else if (!c->reg[side]) {
        if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) == 0)
            c->reg[side] = 1;
    } else if (want != c->ev[side]) {
        epoll_ctl(w->epfd, EPOLL_CTL_MOD, fd, &ev);
    }
    c->ev[side] = want;
}

/* ---- life cycle --------------------------------------------------------- */

static void conn_destroy(wan *w, wan_conn *c, int reset)
{
    if (c->dead)
        return;
    for (int s = 0; s < 2; s++) {
        if (c->fd[s] >= 0) {
            if (reset) {
                /* close with RST so the other end learns of the failure */
                struct linger lg = { 1, 0 };
                setsockopt(c->fd[s], SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            }
            close(c->fd[s]);   /* also leaves the epoll set */
            c->fd[s] = -1;
        }
        wan_heap_remove(&w->heap, &c->dir[s].hn);
        wan_queue_clear(&c->dir[s].q);
    }
    free(c->sniff);
    c->sniff = NULL;
    if (c->link && c->link->conns_current)
        c->link->conns_current--;
    if (c->prev)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    w->n_conns--;
    /* events of this batch may still point at c: free it after the batch */
    c->dead = 1;
    c->next = w->dead;
    c->prev = NULL;
    w->dead = c;
}

static void free_dead(wan *w)
{
    while (w->dead) {
        wan_conn *c = w->dead;
        w->dead = c->next;
        free(c);
    }
}

void wan_close_all_conns(wan *w)
{
    while (w->conns)
        conn_destroy(w, w->conns, 1);
    free_dead(w);
}

/* Put a direction's head deadline in the heap, or take it out when there is
 * nothing to send, the destination is not writable yet, or the link is
 * blackholed. */
static void dir_schedule(wan *w, wan_dir *d)
{
    wan_conn *c = d->c;
    if (!d->q.head || d->wr_blocked || !c->link || c->link->blackholed || (d->d == 0 && !c->connected)) {
        wan_heap_remove(&w->heap, &d->hn);
        return;
    }
    wan_heap_set(&w->heap, &d->hn, d->q.head->release_ns);
}

static int conn_dial(wan *w, wan_conn *c)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)c->lst->target_port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    set_nodelay(fd);
    c->fd[1] = fd;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
        c->connected = 1;
    } else if (errno == EINPROGRESS) {
        c->connecting = 1;
    } else {
        return -1;
    }
    conn_set_interest(w, c, 1);
    if (c->connected)
        dir_schedule(w, &c->dir[0]);
    return 0;
}

/* The connection now belongs to link l: count it, charge the set-up RTT,
 * dial unless the link is blackholed (then it hangs until heal). */
static int conn_attach(wan *w, wan_conn *c, wan_link *l)
{
    c->link = l;
    l->conns_current++;
    l->conns_total++;
    if (!w->cfg.no_handshake_rtt) {
        /* A real client's connect() returns after one RTT and its first byte
         * lands half an RTT later: first bytes towards the target no earlier
         * than accept + 3 one-way delays, back no earlier than accept + 2. */
        c->dir[0].q.last_release_ns = c->accept_ns + 3 * l->delay_ns;
        c->dir[1].q.last_release_ns = c->accept_ns + 2 * l->delay_ns;
    }
    if (!l->blackholed)
        return conn_dial(w, c);
    return 0;
}

/* ---- data path ---------------------------------------------------------- */

static int dir_enqueue(wan *w, wan_conn *c, int s, const void *buf, size_t n, uint64_t arrival)
{
    wan_link *l = c->link;
    wan_dir *d = &c->dir[s];
    uint64_t dep = wan_bw_depart_ns(&l->tx_free_ns[s], arrival, n, l->bw_Bps);
    int64_t j = wan_jitter_sample_ns(&l->jitter, &w->rng);
    uint64_t rel = wan_release_ns(d->q.last_release_ns, dep, l->delay_ns, j);
    if (wan_queue_push(&d->q, buf, n, rel) < 0)
        return -1;
    l->bytes[s] += n;
    dir_schedule(w, d);
    return 0;
}

int wan_parse_server_from(const unsigned char *head, size_t len, uint64_t *id)
{
    static const char key[] = "\nX-Server-From:";
    size_t kl = sizeof key - 1;
    for (size_t i = 0; i + kl < len; i++) {
        if (head[i] == '\r' && i + 3 < len && memcmp(head + i, "\r\n\r\n", 4) == 0)
            return 0;   /* end of the head */
        if (strncasecmp((const char *)head + i, key, kl) != 0)
            continue;
        size_t p = i + kl;
        while (p < len && (head[p] == ' ' || head[p] == '\t'))
            p++;
        uint64_t v = 0;
        size_t digits = 0;
        for (; p < len && digits < 16; p++, digits++) {
            unsigned char ch = head[p];
            int x = (ch >= '0' && ch <= '9') ? ch - '0' : (ch >= 'a' && ch <= 'f') ? ch - 'a' + 10
                  : (ch >= 'A' && ch <= 'F') ? ch - 'A' + 10 : -1;
            if (x < 0)
                break;
            v = v * 16 + (uint64_t)x;
        }
        if (!digits)
            return 0;
        *id = v;
        return 1;
    }
    return 0;
}

static int head_complete(const unsigned char *b, size_t n)
{
    for (size_t i = 0; i + 3 < n; i++)
        if (b[i] == '\r' && memcmp(b + i, "\r\n\r\n", 4) == 0)
            return 1;
    return 0;
}

/* A peer connection's head is in: pick the pair link, queue the head as it
 * arrived, dial. */
static int conn_resolve_peer(wan *w, wan_conn *c)
{
    uint64_t id;
    int from = -1, to = c->lst->member;
    if (wan_parse_server_from(c->sniff, c->sniff_len, &id)) {
        c->from_id = id;
        c->has_from_id = 1;
    }
    if (c->has_from_id)
        for (int m = 0; m < w->n_members; m++)
            if (w->member_id_known[m] && w->member_id[m] == c->from_id)
                from = m;
    wan_link *l = (from >= 0 && from != to && w->peer[from][to]) ? w->peer[from][to] : w->peer_default[to];
    c->link = NULL;
    if (conn_attach(w, c, l) < 0)
        return -1;
    int rc = 0;
    if (c->sniff_len)
        rc = dir_enqueue(w, c, 0, c->sniff, c->sniff_len, c->sniff_ns);
    free(c->sniff);
    c->sniff = NULL;
    c->sniff_len = 0;
    return rc;
}

static int conn_ingest(wan *w, wan_conn *c, int s, const unsigned char *buf, size_t n, uint64_t now)
{
    if (c->link && s == 1 && !c->swallow && c->link->drop_responses > 0) {
        c->link->drop_responses--;
        c->swallow = 1;
    }
    if (c->link && s == 1 && c->swallow)
        return 0;   /* the answer is lost: the client waits on an open connection */
    if (c->link)
        return dir_enqueue(w, c, s, buf, n, now);
    /* peer head being read (side 0 only: nothing is dialled yet) */
    unsigned char *nb = realloc(c->sniff, c->sniff_len + n);
    if (!nb)
        return -1;
    c->sniff = nb;
    if (!c->sniff_len)
        c->sniff_ns = now;
    memcpy(c->sniff + c->sniff_len, buf, n);
    c->sniff_len += n;
    if (c->sniff_len >= WAN_SNIFF_MAX || head_complete(c->sniff, c->sniff_len))
        return conn_resolve_peer(w, c);
    return 0;
}

static int conn_ingest_eof(wan *w, wan_conn *c, int s, uint64_t now)
{
    wan_dir *d = &c->dir[s];
    if (!c->link && conn_resolve_peer(w, c) < 0)
        return -1;
    d->rd_eof = 1;
    uint64_t rel = wan_release_ns(d->q.last_release_ns, now, c->link->delay_ns, 0);
    if (wan_queue_push_eof(&d->q, rel) < 0)
        return -1;
    dir_schedule(w, d);
    return 0;
}

/* Returns -1 when the connection was destroyed. */
static int conn_on_readable(wan *w, wan_conn *c, int s)
{
    wan_dir *d = &c->dir[s];
    for (int iter = 0; iter < 4; iter++) {
        if (d->rd_eof || d->q.bytes >= WAN_QUEUE_MAX)
            break;
        uint64_t arrival;
        ssize_t n = wan_read_stamped(c->fd[s], w->rbuf, sizeof w->rbuf, &arrival);
        if (n > 0) {
            if (conn_ingest(w, c, s, w->rbuf, (size_t)n, arrival) < 0)
                goto fail;
            if ((size_t)n < sizeof w->rbuf)
                break;
            continue;
        }
        if (n == 0) {
            if (conn_ingest_eof(w, c, s, util_now_ns()) < 0)
                goto fail;
            break;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            break;
        goto fail;
    }
    conn_set_interest(w, c, s);
    return 0;
fail:
    conn_destroy(w, c, 1);
    return -1;
}

/* The emulator's own error: how long after its release time a chunk's first
 * byte is handed to the kernel (timer wake-up, CPU contention, a busy loop). */
static void record_lateness(wan *w, uint64_t release_ns)
{
    uint64_t now = util_now_ns();
    uint64_t late = now > release_ns ? now - release_ns : 0;
    uint64_t b = late / 10000;
    w->late_hist[b < 1000 ? b : 1000]++;
    if (late > w->late_max_ns)
        w->late_max_ns = late;
}

/* Write what is due. Returns -1 when the connection was destroyed. */
static int dir_flush(wan *w, wan_dir *d, uint64_t now)
{
    wan_conn *c = d->c;
    if (!c->link || c->link->blackholed || (d->d == 0 && !c->connected) || d->wr_blocked) {
        dir_schedule(w, d);
        return 0;
    }
    int dst = c->fd[1 - d->d];
    while (wan_queue_due(&d->q, now)) {
        wan_chunk *ch = d->q.head;
        if (ch->eof) {
            shutdown(dst, SHUT_WR);
            d->wr_shut = 1;
            wan_queue_pop(&d->q);
            continue;
        }
        if (ch->off == 0)
            record_lateness(w, ch->release_ns);
        ssize_t n = send(dst, ch->data + ch->off, ch->len - ch->off, MSG_NOSIGNAL);
        if (n > 0) {
            wan_queue_consume(&d->q, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            d->wr_blocked = 1;
            break;
        }
        conn_destroy(w, c, 1);
        return -1;
    }
    if (c->dir[0].wr_shut && c->dir[1].wr_shut) {
        conn_destroy(w, c, 0);   /* both halves closed: done */
        return -1;
    }
    dir_schedule(w, d);
    conn_set_interest(w, c, 1 - d->d);   /* write-wait on dst */
    conn_set_interest(w, c, d->d);       /* source may read again */
    return 0;
}

static int conn_on_writable(wan *w, wan_conn *c, int s)
{
    uint64_t now = util_now_ns();
    if (s == 1 && c->connecting) {
        int err = 0;
        socklen_t el = sizeof err;
        if (getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err) {
            conn_destroy(w, c, 1);   /* target down: the client sees a reset */
            return -1;
        }
        c->connecting = 0;
        c->connected = 1;
        conn_set_interest(w, c, 1);
        return dir_flush(w, &c->dir[0], now);
    }
    wan_dir *d = &c->dir[1 - s];
    d->wr_blocked = 0;
    return dir_flush(w, d, now);
}

static void conn_event(wan *w, wan_conn *c, int s, uint32_t ev)
{
    if (c->dead)
        return;
    if ((ev & EPOLLERR) && s == 1 && c->connecting) {
        conn_destroy(w, c, 1);
        return;
    }
    if ((ev & (EPOLLOUT | EPOLLERR)) && (c->ev[s] & EPOLLOUT))
        if (conn_on_writable(w, c, s) < 0)
            return;
    if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        if (c->ev[s] & EPOLLIN)
            conn_on_readable(w, c, s);
        else if (ev & EPOLLERR)
            conn_destroy(w, c, 1);
    }
}

static void listener_accept(wan *w, wan_listener *l)
{
    for (int i = 0; i < 64; i++) {
        int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED)
                fprintf(stderr, "geokv-wan: accept on port %d: %s\n", l->port, strerror(errno));
            return;
        }
        set_nodelay(fd);
        wan_conn *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            continue;
        }
        c->w = w;
        c->lst = l;
        c->fd[0] = fd;
        c->fd[1] = -1;
        c->accept_ns = util_now_ns();
        for (int s = 0; s < 2; s++) {
            c->evh[s] = (wan_evh){ EVK_CONN, s, c };
            c->dir[s].c = c;
            c->dir[s].d = s;
            wan_hnode_init(&c->dir[s].hn);
        }
        c->next = w->conns;
        if (w->conns)
            w->conns->prev = c;
        w->conns = c;
        w->n_conns++;
        if (l->link && conn_attach(w, c, l->link) < 0) {
            conn_destroy(w, c, 1);
            continue;
        }
        conn_set_interest(w, c, 0);
    }
}

/* ---- emulator-wide ------------------------------------------------------ */

void wan_link_blackhole_changed(wan *w, wan_link *l)
{
    for (wan_conn *c = w->conns, *next; c; c = next) {
        next = c->next;
        if (c->link != l)
            continue;
        if (!l->blackholed && c->fd[1] < 0 && conn_dial(w, c) < 0) {
            conn_destroy(w, c, 1);
            continue;
        }
        dir_schedule(w, &c->dir[0]);
        dir_schedule(w, &c->dir[1]);
    }
    wan_rearm_timer(w);
}

int wan_reset_unidentified(wan *w, uint64_t id)
{
    int n = 0;
    for (wan_conn *c = w->conns, *next; c; c = next) {
        next = c->next;
        if (c->link && c->link->kind == WAN_LINK_PEER_DEFAULT && c->has_from_id && c->from_id == id) {
            conn_destroy(w, c, 1);
            n++;
        }
    }
    wan_rearm_timer(w);
    return n;
}

/* The timerfd wakes the loop one polling window (wan_spin.h) before the next
 * release; the loop then polls without sleeping until the release time (see
 * wan_loop_main). `now` must be the instant loop_timeout() decides with, so
 * that "no timer needed" here and "poll" there are the same condition. */
static void rearm_at(wan *w, uint64_t now)
{
    wan_hnode *top = wan_heap_top(&w->heap);
    uint64_t want = top ? top->key : UINT64_MAX, spin = w->spin.eff_ns;
    if (want != UINT64_MAX && spin) {
        want = want > spin ? want - spin : 1;
        /* already inside the window: the loop is polling, no timer needed
         * (from another thread, arm it anyway: it wakes the loop at once) */
        if (want <= now && pthread_equal(pthread_self(), w->th))
            return;
    }
    if (want == w->armed_ns)
        return;
    struct itimerspec its = { 0 };
    if (want != UINT64_MAX) {
        if (want == 0)
            want = 1;
        its.it_value.tv_sec = (time_t)(want / 1000000000ULL);
        its.it_value.tv_nsec = (long)(want % 1000000000ULL);
    }
    timerfd_settime(w->tfd, TFD_TIMER_ABSTIME, &its, NULL);
    w->armed_ns = want;
    w->armed_set_ns = now;
}

void wan_rearm_timer(wan *w)
{
    rearm_at(w, util_now_ns());
}

/* Write every chunk whose release time has come. */
static void release_due(wan *w)
{
    uint64_t now = util_now_ns();
    wan_hnode *top;
    while ((top = wan_heap_top(&w->heap)) != NULL && top->key <= now) {
        wan_dir *d = (wan_dir *)((char *)top - offsetof(wan_dir, hn));
        wan_heap_remove(&w->heap, top);
        dir_flush(w, d, now);
    }
}

static void on_timer(wan *w)
{
    uint64_t exp;
    if (read(w->tfd, &exp, sizeof exp) < 0) {
        /* EAGAIN: the deadline moved meanwhile; the heap decides */
    }
    w->armed_ns = UINT64_MAX;
    release_due(w);
}

/* epoll_wait's timeout: 0 (poll, do not sleep) when the next release is
 * within the polling window, else -1 (the timerfd wakes the loop). Sleeping
 * until the very deadline would add the wake-up latency of an idle CPU, 50 us
 * to milliseconds on a virtual machine, to the delay. */
static int loop_timeout(wan *w, uint64_t now, bool *spinning)
{
    wan_hnode *top = wan_heap_top(&w->heap);
    uint64_t spin = w->spin.eff_ns;
    *spinning = top && top->key > now && top->key <= now + spin;
    return top && top->key <= now + spin ? 0 : -1;
}

void wan_wake(wan *w)
{
    uint64_t one = 1;
    if (write(w->wakefd, &one, sizeof one) < 0) {
        /* counter full: the loop is awake anyway */
    }
}

int wan_listener_register(wan *w, wan_listener *l)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &l->evh };
    l->evh = (wan_evh){ EVK_LISTEN, 0, l };
    return epoll_ctl(w->epfd, EPOLL_CTL_ADD, l->fd, &ev);
}

int wan_loop_init(wan *w, char *err, size_t errlen)
{
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    w->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    w->armed_ns = UINT64_MAX;
    if (w->epfd < 0 || w->tfd < 0 || w->wakefd < 0) {
        snprintf(err, errlen, "wan: epoll/timerfd/eventfd: %s (out of file descriptors? raise ulimit -n)",
                 strerror(errno));
        return -1;
    }
    w->timer_evh = (wan_evh){ EVK_TIMER, 0, NULL };
    w->wake_evh = (wan_evh){ EVK_WAKE, 0, NULL };
    struct epoll_event e1 = { .events = EPOLLIN, .data.ptr = &w->timer_evh };
    struct epoll_event e2 = { .events = EPOLLIN, .data.ptr = &w->wake_evh };
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->tfd, &e1) < 0 ||
        epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->wakefd, &e2) < 0) {
        snprintf(err, errlen, "wan: epoll_ctl: %s", strerror(errno));
        return -1;
    }
    return 0;
}

void wan_loop_fini(wan *w)
{
    if (w->epfd >= 0)
        close(w->epfd);
    if (w->tfd >= 0)
        close(w->tfd);
    if (w->wakefd >= 0)
        close(w->wakefd);
    w->epfd = w->tfd = w->wakefd = -1;
}

void *wan_loop_main(void *arg)
{
    wan *w = arg;
    struct epoll_event evs[256];
    /* Timer slack of 1 ns: the default 50 us would be a visible error. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    pthread_mutex_lock(&w->mu);
    w->loop_cpu_clock_ok = pthread_getcpuclockid(pthread_self(), &w->loop_cpu_clock) == 0;
    while (!w->stop) {
        uint64_t t0 = util_now_ns();
        bool spinning;
        wan_spin_window(&w->spin, t0);
        rearm_at(w, t0);
        int timeout = loop_timeout(w, t0, &spinning);
        pthread_mutex_unlock(&w->mu);
        int n = epoll_wait(w->epfd, evs, 256, timeout);
        pthread_mutex_lock(&w->mu);
        uint64_t t1 = util_now_ns();
        if (spinning)
            wan_spin_charge(&w->spin, t1 - t0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "geokv-wan: epoll_wait: %s\n", strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++) {
            wan_evh *h = evs[i].data.ptr;
            switch (h->kind) {
            case EVK_TIMER: {
                /* slept on the timer: how late this wake-up was teaches the
                 * automatic polling window (wan_spin.h); learnt after the
                 * release, which the window's recomputation must not delay */
                uint64_t armed = w->armed_ns > w->armed_set_ns ? w->armed_ns : w->armed_set_ns;
                bool slept = timeout < 0 && w->armed_ns != UINT64_MAX;
                on_timer(w);
                if (slept)
                    wan_spin_woke(&w->spin, armed, t1);
                break;
            }
            case EVK_WAKE: {
                uint64_t v;
                if (read(w->wakefd, &v, sizeof v) < 0) {
                    /* nothing pending */
                }
                break;
            }
            case EVK_LISTEN:
                listener_accept(w, h->p);
                break;
            case EVK_CONN:
                conn_event(w, h->p, h->side, evs[i].events);
                break;
            }
        }
        if (timeout == 0)
            release_due(w);
        free_dead(w);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}
