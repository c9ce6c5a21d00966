/* etcd_wire.c: byte accounting of the unary libcurl handles from the kernel's
 * own per-socket counters (TCP_INFO), instead of libcurl's debug callback.
 *
 * Why: the debug callback only runs with CURLOPT_VERBOSE, and verbose libcurl
 * formats an informational message (connection reuse, header lines, ...) for
 * every request whether anyone reads it or not. Measured with callgrind
 * (README, "etcd client"), that printf work was about a fifth of the
 * instructions of a unary request. TCP_INFO's tcpi_bytes_sent and
 * tcpi_bytes_received are the payload octets of the connection: the same
 * bytes the debug callback saw (request line, headers, body, chunk framing),
 * counted by the kernel, for one getsockopt per request.
 *
 * Every socket libcurl opens for the handle is registered (sockopt callback,
 * baseline zero); after each transfer the active socket's counters are
 * charged as a delta; when libcurl closes a socket (close-socket callback) its
 * last bytes are charged first, so a failed or reset attempt is counted too.
 * Watch streams and keepalives stay on the debug callback: their counters must
 * move while a stream is still open. */
#include "sim/etcd/etcd_internal.h"

/* <linux/tcp.h>, not glibc's <netinet/tcp.h>: only the kernel's header has the
 * byte counters of struct tcp_info (Linux >= 4.19), and the two conflict. */
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

/* Reads the socket's cumulative payload bytes. 0 on success, -1 when the
 * kernel's tcp_info is too old to carry them (or fd is not TCP). */
static int tcp_bytes(int fd, uint64_t *sent, uint64_t *received)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    memset(&ti, 0, sizeof ti);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
        return -1;
    if (len < offsetof(struct tcp_info, tcpi_bytes_retrans) + sizeof ti.tcpi_bytes_retrans)
        return -1;
    /* a retransmitted segment crosses the wire twice but carries the
     * application's bytes once: count them once, like the debug callback */
    *sent = ti.tcpi_bytes_sent - ti.tcpi_bytes_retrans;
    *received = ti.tcpi_bytes_received;
    return 0;
}

static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static int probe_ok;
static void probe(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    uint64_t s, r;
    probe_ok = fd >= 0 && tcp_bytes(fd, &s, &r) == 0;
    if (fd >= 0)
        close(fd);
}

bool etcd_wire_supported(void)
{
    pthread_once(&probe_once, probe);
    return probe_ok;
}

static etcd_wire_sock *find(etcd_wire *w, int fd)
{
    for (int i = 0; i < w->n; i++)
        if (w->s[i].fd == fd)
            return &w->s[i];
    return NULL;
}

/* Charge what the socket moved since it was last looked at. */
static void charge(etcd_wire *w, etcd_wire_sock *k)
{
    uint64_t sent, received;
    if (tcp_bytes(k->fd, &sent, &received) < 0)
        return;
    if (sent > k->sent)
        atomic_fetch_add_explicit(&w->c->bytes_sent, sent - k->sent, memory_order_relaxed);
    if (received > k->received)
        atomic_fetch_add_explicit(&w->c->bytes_received, received - k->received, memory_order_relaxed);
    k->sent = sent;
    k->received = received;
}

static int on_sockopt(void *ud, curl_socket_t fd, curlsocktype purpose)
{
    etcd_wire *w = ud;
    if (purpose != CURLSOCKTYPE_IPCXN)
        return CURL_SOCKOPT_OK;
    etcd_wire_sock *k = find(w, fd);
    if (!k && w->n < ETCD_WIRE_SOCKS)
        k = &w->s[w->n++];
    if (k)   /* more sockets than slots: the extra one goes uncounted */
        *k = (etcd_wire_sock){ .fd = fd };
    return CURL_SOCKOPT_OK;
}

static int on_close(void *ud, curl_socket_t fd)
{
    etcd_wire *w = ud;
    etcd_wire_sock *k = find(w, fd);
    if (k) {
        charge(w, k);
        *k = w->s[--w->n];
    }
    return close(fd);
}

CURLcode etcd_wire_attach(etcd_wire *w, etcd_client *c, CURL *h)
{
    memset(w, 0, sizeof *w);
    w->c = c;
    CURLcode rc = CURLE_OK;
    rc |= curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, on_sockopt);
    rc |= curl_easy_setopt(h, CURLOPT_SOCKOPTDATA, w);
    rc |= curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, on_close);
    rc |= curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, w);
    return rc;
}

void etcd_wire_after_transfer(etcd_wire *w, CURL *h)
{
    curl_socket_t fd = CURL_SOCKET_BAD;
    if (curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK || fd == CURL_SOCKET_BAD)
        return;   /* closed during the transfer: on_close charged it */
    etcd_wire_sock *k = find(w, fd);
    if (k)
        charge(w, k);
}
