/* wan-bench: accuracy and cost of the WAN emulator (`make bench-wan`).
 *
 * 1. Delay accuracy: ping-pong of 64 B and 4 KiB messages through links at
 *    3, 38, 74 and 219 ms RTT, at 1, 100 and 2,000 messages/s. Messages are
 *    sent open-loop on a fixed schedule, pipelined over a few connections
 *    (2,000/s x 219 ms means ~440 messages in flight); the echo returns them
 *    in order, so the k-th message back on a connection is the k-th sent.
 *    Reported: measured minus configured RTT, p50/p99/max, per cell, with the
 *    reply's arrival taken from the client socket's kernel receive timestamp
 *    (and, for comparison, when the client thread woke up). The far end is a
 *    stamping reflector (wan_reflect.h): each reply carries how long the
 *    reflector held it, so two figures come out per message: the raw round
 *    trip, which includes the reflector's turnaround (its own wake-up on an
 *    idle machine), and the net one, without it, as TWAMP (RFC 5357)
 *    measures a link. Both include the loopback hops, so both are upper
 *    bounds on the emulator's error; the emulator's own lateness (chunk
 *    written to the kernel minus its release time) is printed beside them.
 * 2. Cost through a zero-delay link: bulk throughput (MB/s of payload, echoed)
 *    and the emulator loop thread's CPU time per message (64 B ping-pongs,
 *    closed loop, 8 connections).
 * Output: one JSON document on stdout (and --json FILE), then a table on
 * stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "sim/wan/wan_echo.h"
#include "sim/wan/wan_reflect.h"
#include "sim/wan/wan_spin.h"
#include "sim/wan/wan_internal.h"
#include "sim/util/util_stats.h"
#include "sim/util/util_list.h"
#include "sim/util/util_version.h"

#define MAX_CONNS 16
#define MAX_SAMPLES 16384
#define MAX_MSG 4096

static int echo_port, reflect_port;

static int read_all(int fd, void *buf, size_t n)
{
    for (size_t off = 0; off < n;) {
        ssize_t k = read(fd, (char *)buf + off, n - off);
        if (k <= 0)
            return -1;
        off += (size_t)k;
    }
    return 0;
}

/* ---- the host's share ----------------------------------------------------- */

/* Jiffies of the machine ("cpu" line of /proc/stat): all, and stolen by the
 * hypervisor (time this virtual machine was ready to run and was not). A
 * virtual CPU descheduled for milliseconds delays a release by as much,
 * whatever the emulator does; the table shows the share beside each cell. */
static int cpu_jiffies(unsigned long long *total, unsigned long long *steal)
{
    unsigned long long v[8] = { 0 };
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return -1;
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                   &v[6], &v[7]);
    fclose(f);
    if (n < 8)
        return -1;
    *total = 0;
    for (int i = 0; i < 8; i++)
        *total += v[i];
    *steal = v[7];
    return 0;
}

/* ---- one accuracy cell --------------------------------------------------- */

typedef struct conn_state {
    int fd;
    uint64_t sent_at[MAX_SAMPLES];   /* ring of send times, FIFO */
    size_t head, tail;
    size_t rx_partial;               /* bytes of the current message received */
    unsigned char hdr[WAN_REFLECT_MIN];   /* its head: length and the reflector's turnaround */
} conn_state;

typedef struct cell_result {
    double rtt_ms, rate;
    int size, conns;
    size_t sent, received;
    double p50_ms, p99_ms, max_ms, min_ms;   /* measured - configured, kernel rx stamp */
    double net_p50_ms, net_p99_ms, net_max_ms;   /* same less the reflector's turnaround */
    double turn_p50_ms, turn_p99_ms;         /* the reflector's turnaround itself */
    double user_p50_ms, user_p99_ms;         /* raw, rx taken when the client woke up */
} cell_result;

/* Sorts v and stores its p50, p99 and max. */
static void quantiles(double *v, size_t n, double *p50, double *p99, double *mx)
{
    util_sort_doubles(v, n);
    *p50 = util_percentile_sorted(v, n, 0.50);
    *p99 = util_percentile_sorted(v, n, 0.99);
    *mx = n ? v[n - 1] : 0;
}

static int run_cell(wan *w, int link, double rtt_ms, int size, double rate, double duration_s,
                    size_t min_msgs, cell_result *out)
{
    static conn_state cs[MAX_CONNS];
    static double samples[MAX_SAMPLES], net_samples[MAX_SAMPLES], turn_samples[MAX_SAMPLES],
        user_samples[MAX_SAMPLES];
    static unsigned char msg[MAX_MSG];
    static char rbuf[65536];
    int nconn = rate >= 1000 ? 8 : 1;
    size_t total = (size_t)(rate * duration_s);
    if (total < min_msgs)
        total = min_msgs;
    if (total > MAX_SAMPLES)
        total = MAX_SAMPLES;
    memset(msg, 'm', sizeof msg);
    wan_reflect_frame(msg, (uint32_t)size);
    memset(out, 0, sizeof *out);
    out->rtt_ms = rtt_ms;
    out->rate = rate;
    out->size = size;
    out->conns = nconn;
    for (int c = 0; c < nconn; c++) {
        memset(&cs[c], 0, sizeof cs[c]);
        cs[c].fd = wan_echo_dial(wan_link_port(w, link));
        if (cs[c].fd < 0)
            return -1;
        /* The reply time below is read from the kernel's receive timestamp
         * (wan_read_stamped); without this option there is none and it falls
         * back to the time the read returned, wake-up latency included. */
        int one = 1;
        setsockopt(cs[c].fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
        /* warm up: the first exchange pays the emulated connection set-up */
        if (wan_write_all(cs[c].fd, msg, (size_t)size) < 0 || read_all(cs[c].fd, rbuf, (size_t)size) < 0)
            return -1;
    }
    struct pollfd pf[MAX_CONNS];
    size_t nsamp = 0, sent = 0;
    uint64_t t0 = util_now_ns() + 1000000, interval = (uint64_t)(1e9 / rate);
    uint64_t deadline_all = t0 + (uint64_t)((double)total * 1e9 / rate) + (uint64_t)(rtt_ms * 1e6) + 3000000000ULL;
    while (nsamp < total) {
        uint64_t now = util_now_ns();
        if (now > deadline_all)
            break;
        /* send everything that is due */
        while (sent < total && t0 + sent * interval <= now) {
            conn_state *c = &cs[sent % (size_t)nconn];
            c->sent_at[c->tail++ % MAX_SAMPLES] = util_now_ns();
            if (wan_write_all(c->fd, msg, (size_t)size) < 0)
                return -1;
            sent++;
        }
        uint64_t next = sent < total ? t0 + sent * interval : deadline_all;
        now = util_now_ns();
        struct timespec to = { 0, 0 };
        if (next > now) {
            to.tv_sec = (time_t)((next - now) / 1000000000ULL);
            to.tv_nsec = (long)((next - now) % 1000000000ULL);
        }
        for (int c = 0; c < nconn; c++)
            pf[c] = (struct pollfd){ cs[c].fd, POLLIN, 0 };
        int n = ppoll(pf, (nfds_t)nconn, &to, NULL);
        if (n <= 0)
            continue;
        uint64_t rx_user = util_now_ns();
        for (int c = 0; c < nconn; c++) {
            if (!(pf[c].revents & POLLIN))
                continue;
            /* arrival at the client's kernel leaves the bench client's own
             * wake-up latency out of the figure; the echo's turnaround stays in */
            uint64_t rx;
            ssize_t k = wan_read_stamped(cs[c].fd, rbuf, sizeof rbuf, &rx);
            if (k <= 0)
                return -1;
            const unsigned char *p = (const unsigned char *)rbuf;
            size_t got = (size_t)k;
            while (got > 0) {
                size_t need = (size_t)size - cs[c].rx_partial;
                size_t take = got < need ? got : need;
                for (size_t i = cs[c].rx_partial; i < WAN_REFLECT_MIN && i < cs[c].rx_partial + take; i++)
                    cs[c].hdr[i] = p[i - cs[c].rx_partial];
                cs[c].rx_partial += take;
                p += take;
                got -= take;
                if (cs[c].rx_partial == (size_t)size) {
                    cs[c].rx_partial = 0;
                    uint64_t s = cs[c].sent_at[cs[c].head++ % MAX_SAMPLES];
                    double turn_ms = (double)wan_reflect_turnaround_ns(cs[c].hdr) / 1e6;
                    if (nsamp < MAX_SAMPLES) {
                        user_samples[nsamp] = (double)(rx_user - s) / 1e6 - rtt_ms;
                        turn_samples[nsamp] = turn_ms;
                        net_samples[nsamp] = (double)(rx - s) / 1e6 - turn_ms - rtt_ms;
                        samples[nsamp++] = (double)(rx - s) / 1e6 - rtt_ms;
                    }
                }
            }
        }
    }
    for (int c = 0; c < nconn; c++)
        close(cs[c].fd);
    out->sent = sent;
    out->received = nsamp;
    double ignored;
    quantiles(samples, nsamp, &out->p50_ms, &out->p99_ms, &out->max_ms);
    out->min_ms = nsamp ? samples[0] : 0;
    quantiles(net_samples, nsamp, &out->net_p50_ms, &out->net_p99_ms, &out->net_max_ms);
    quantiles(turn_samples, nsamp, &out->turn_p50_ms, &out->turn_p99_ms, &ignored);
    quantiles(user_samples, nsamp, &out->user_p50_ms, &out->user_p99_ms, &ignored);
    return nsamp == total ? 0 : -1;
}

/* ---- cost through a zero-delay link ------------------------------------ */

typedef struct bulk_arg { int fd; volatile int stop; uint64_t bytes; } bulk_arg;

static void *bulk_sender(void *p)
{
    bulk_arg *a = p;
    static char buf[65536];
    memset(buf, 'b', sizeof buf);
    while (!a->stop) {
        ssize_t k = write(a->fd, buf, sizeof buf);
        if (k <= 0)
            break;
        a->bytes += (uint64_t)k;
    }
    return NULL;
}

static int run_throughput(wan *w, int link, double duration_s, double *mbps, double *cpu_per_mb_ms)
{
    int fd = wan_echo_dial(wan_link_port(w, link));
    if (fd < 0)
        return -1;
    bulk_arg a = { .fd = fd };
    pthread_t th;
    static char buf[65536];
    double cpu0 = wan_loop_cpu_s(w);
    uint64_t t0 = util_now_ns(), recv = 0, end = t0 + (uint64_t)(duration_s * 1e9);
    if (pthread_create(&th, NULL, bulk_sender, &a) != 0)
        return -1;
    while (util_now_ns() < end) {
        ssize_t k = read(fd, buf, sizeof buf);
        if (k <= 0)
            break;
        recv += (uint64_t)k;
    }
    double secs = (double)(util_now_ns() - t0) / 1e9, cpu = wan_loop_cpu_s(w) - cpu0;
    a.stop = 1;
    shutdown(fd, SHUT_RDWR);
    pthread_join(th, NULL);
    close(fd);
    /* every echoed byte crossed the emulator twice */
    *mbps = (double)recv / 1e6 / secs;
    *cpu_per_mb_ms = recv ? cpu * 1e3 / ((double)recv * 2 / 1e6) : 0;
    return recv ? 0 : -1;
}

static int run_cpu_per_msg(wan *w, int link, double duration_s, double *msgs_per_s, double *cpu_us_per_msg)
{
    enum { NC = 8 };
    int fds[NC];
    char m[64], r[64];
    memset(m, 'c', sizeof m);
    for (int i = 0; i < NC; i++)
        if ((fds[i] = wan_echo_dial(wan_link_port(w, link))) < 0)
            return -1;
    for (int i = 0; i < NC; i++)
        if (wan_write_all(fds[i], m, sizeof m) < 0)
            return -1;
    double cpu0 = wan_loop_cpu_s(w);
    uint64_t t0 = util_now_ns(), end = t0 + (uint64_t)(duration_s * 1e9), n = 0;
    struct pollfd pf[NC];
    while (util_now_ns() < end) {
        for (int i = 0; i < NC; i++)
            pf[i] = (struct pollfd){ fds[i], POLLIN, 0 };
        if (poll(pf, NC, 100) <= 0)
            continue;
        for (int i = 0; i < NC; i++)
            if (pf[i].revents & POLLIN) {
                if (read_all(fds[i], r, sizeof r) < 0 || wan_write_all(fds[i], m, sizeof m) < 0)
                    return -1;
                n++;
            }
    }
    double secs = (double)(util_now_ns() - t0) / 1e9, cpu = wan_loop_cpu_s(w) - cpu0;
    for (int i = 0; i < NC; i++)
        close(fds[i]);
    *msgs_per_s = (double)n / secs;
    *cpu_us_per_msg = n ? cpu * 1e6 / (double)n : 0;
    return n ? 0 : -1;
}

/* ---- one cell's report --------------------------------------------------- */

typedef struct accuracy_tally { int cells, ok50, ok99, net_ok50, net_ok99, miss_steal; } accuracy_tally;

static const char *verdict(int ok50, int ok99)
{
    return ok50 && ok99 ? "ok" : !ok50 && !ok99 ? "miss p50+p99" : !ok50 ? "miss p50" : "miss p99";
}

/* The cell's JSON object, its table line on stderr, and its count in t.
 * steal_pct < 0: unknown. */
static json_t *cell_report(wan *w, const cell_result *cr, double steal_pct, int cell_rc, accuracy_tally *t)
{
    int ok50 = cr->p50_ms <= 0.3, ok99 = cr->p99_ms <= 1.0;
    int net_ok50 = cr->net_p50_ms <= 0.3, net_ok99 = cr->net_p99_ms <= 1.0;
    t->cells++;
    t->ok50 += ok50;
    t->ok99 += ok99;
    t->net_ok50 += net_ok50;
    t->net_ok99 += net_ok99;
    if ((!ok50 || !ok99) && steal_pct >= 1.0)
        t->miss_steal++;
    double l50, l99, lmax;
    wan_timer_lateness(w, &l50, &l99, &lmax);
    json_t *wc = wan_counters(w);
    double spin_us = json_real_value(json_object_get(wc, "spin_us"));
    json_decref(wc);
    json_t *o = json_pack("{s:f,s:i,s:f,s:i,s:I,s:I,s:f,s:f,s:f,s:f,s:f,s:f,s:b,s:b}", "rtt_ms", cr->rtt_ms, "size",
                          cr->size, "rate_per_s", cr->rate, "conns", cr->conns, "sent", (json_int_t)cr->sent,
                          "received", (json_int_t)cr->received, "excess_min_ms", cr->min_ms, "excess_p50_ms",
                          cr->p50_ms, "excess_p99_ms", cr->p99_ms, "excess_max_ms", cr->max_ms,
                          "excess_user_rx_p50_ms", cr->user_p50_ms, "excess_user_rx_p99_ms", cr->user_p99_ms,
                          "meets_p50_target", ok50, "meets_p99_target", ok99);
    json_object_set_new(o, "net", json_pack("{s:f,s:f,s:f,s:b,s:b}", "excess_p50_ms", cr->net_p50_ms,
                                            "excess_p99_ms", cr->net_p99_ms, "excess_max_ms", cr->net_max_ms,
                                            "meets_p50_target", net_ok50, "meets_p99_target", net_ok99));
    json_object_set_new(o, "reflector_turnaround_ms", json_pack("{s:f,s:f}", "p50", cr->turn_p50_ms,
                                                                "p99", cr->turn_p99_ms));
    json_object_set_new(o, "host_steal_pct", steal_pct >= 0 ? json_real(steal_pct) : json_null());
    json_object_set_new(o, "emulator_timer_late_us", json_pack("{s:f,s:f,s:f}", "p50", l50, "p99", l99, "max", lmax));
    json_object_set_new(o, "emulator_spin_us_at_end", json_real(spin_us));
    char steal_s[16] = "-", late_s[32];
    if (steal_pct >= 0)
        snprintf(steal_s, sizeof steal_s, "%.1f", steal_pct);
    snprintf(late_s, sizeof late_s, "%.0f/%.0f", l50, l99);
    fprintf(stderr, "%-6g %-5d %-6g %-5d %-5zu %8.3f %8.3f %8.3f  %8.3f %8.3f %8.3f  %11s %5.0f %6s  %s / %s%s\n",
            cr->rtt_ms, cr->size, cr->rate, cr->conns, cr->received, cr->p50_ms, cr->p99_ms, cr->max_ms,
            cr->net_p50_ms, cr->net_p99_ms, cr->turn_p99_ms, late_s, spin_us, steal_s, verdict(ok50, ok99),
            verdict(net_ok50, net_ok99), cell_rc < 0 ? "  (lost messages!)" : "");
    return o;
}

/* ---- main --------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f,
        "usage: wan-bench [options]\n"
        "Measure the WAN emulator: delay accuracy (ping-pong through links at\n"
        "configured RTTs and message rates) and cost through a zero-delay link.\n"
        "Prints a JSON document on stdout, then a table on stderr.\n\n"
        "  --rtts LIST       RTTs in ms (default 3,38,74,219)\n"
        "  --rates LIST      messages per second (default 1,100,2000)\n"
        "  --sizes LIST      message sizes in bytes, 12..4096 (default 64,4096)\n"
        "  --duration S      seconds per cell (default 2)\n"
        "  --min-msgs N      messages per cell at least (default 20: at 1 msg/s a cell takes 20 s)\n"
        "  --spin-us auto|off|US  how long the emulator polls instead of sleeping before each\n"
        "                    release: auto (default) follows its measured timer wake-up latency,\n"
        "                    US fixed, off sleeps on the timer up to the deadline\n"
        "  --json FILE       also write the JSON document to FILE\n"
        "  --quick           one size (64), rates 100,2000, 1 s cells\n"
        "  -h, --help        this text\n"
        "  --version         program, version and git describe of the build\n"
        "Exit status: 0 every cell measured and written, 1 a cell or the output failed,\n"
        "2 bad usage.\n"
        "Targets: measured - configured RTT <= 0.3 ms at p50, <= 1 ms at p99; judged\n"
        "on the raw round trip and on the net one (less the reflector's turnaround).\n"
        "Sizes are %d..%d bytes: each message carries a length and the reflector's stamp.\n",
        WAN_REFLECT_MIN, MAX_MSG);
}

static int parse_list(const char *s, double *out, int max)
{
    int n = 0;
    if (util_list_has_empty(s, ','))
        return -1;   /* strtok would skip the empty item */
    char *copy = strdup(s), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t && n < max; t = strtok_r(NULL, ",", &save)) {
        char *end;
        out[n] = strtod(t, &end);
        if (*end || out[n] < 0) {
            free(copy);
            return -1;
        }
        n++;
    }
    free(copy);
    return n;
}

int main(int argc, char **argv)
{
    if (util_version_wanted(argc, argv)) {
        util_version_print(stdout, "wan-bench");
        return 0;
    }
    double rtts[8] = { 3, 38, 74, 219 }, rates[8] = { 1, 100, 2000 }, sizes[8] = { 64, 4096 };
    int nr = 4, nq = 3, ns = 2;
    double duration = 2.0, spin_us = 0;
    long min_msgs = 20;
    const char *json_path = NULL;
    static const struct option opts[] = {
        { "rtts", required_argument, 0, 'r' }, { "rates", required_argument, 0, 'q' },
        { "sizes", required_argument, 0, 's' }, { "duration", required_argument, 0, 'd' },
        { "json", required_argument, 0, 'j' }, { "quick", no_argument, 0, 'Q' },
        { "spin-us", required_argument, 0, 'S' }, { "min-msgs", required_argument, 0, 'm' },
        { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
    int o;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 'r': nr = parse_list(optarg, rtts, 8); break;
        case 'q': nq = parse_list(optarg, rates, 8); break;
        case 's': ns = parse_list(optarg, sizes, 8); break;
        case 'd': duration = atof(optarg); break;
        case 'j': json_path = optarg; break;
        case 'S':
            if (wan_spin_parse(optarg, &spin_us) < 0) {
                fprintf(stderr, "wan-bench: bad --spin-us \"%s\" (auto, off or microseconds)\n", optarg);
                return 2;
            }
            break;
        case 'm': min_msgs = atol(optarg); break;
        case 'Q': ns = 1; sizes[0] = 64; nq = 2; rates[0] = 100; rates[1] = 2000; duration = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (nr <= 0 || nq <= 0 || ns <= 0 || !(duration > 0) || min_msgs < 1 || min_msgs > MAX_SAMPLES) {
        fprintf(stderr, "wan-bench: bad --rtts/--rates/--sizes/--duration/--min-msgs (see --help)\n");
        return 2;
    }
    for (int i = 0; i < ns; i++)
        if (sizes[i] < WAN_REFLECT_MIN || sizes[i] > MAX_MSG) {
            fprintf(stderr, "wan-bench: message size must be %d..%d\n", WAN_REFLECT_MIN, MAX_MSG);
            return 2;
        }
    for (int i = 0; i < nq; i++)
        if (!(rates[i] > 0)) {
            fprintf(stderr, "wan-bench: rates must be > 0\n");
            return 2;
        }
    signal(SIGPIPE, SIG_IGN);
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    char err[256];
    if (wan_echo_start(&echo_port, err, sizeof err) < 0 || wan_reflect_start(&reflect_port, err, sizeof err) < 0) {
        fprintf(stderr, "wan-bench: %s\n", err);
        return 1;
    }
    wan *w = NULL;
    wan_config cfg = { .seed = 1, .spin_us = spin_us };
    if (wan_new(&cfg, &w, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    int links[8], zero;
    for (int i = 0; i < nr; i++) {
        char name[32];
        snprintf(name, sizeof name, "rtt-%g", rtts[i]);
        if ((links[i] = wan_add_link(w, name, reflect_port, rtts[i], -1, -1, err, sizeof err)) < 0) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
    }
    if ((zero = wan_add_link(w, "zero", echo_port, 0, -1, -1, err, sizeof err)) < 0 ||
        wan_start(w, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }

    int rc = 0;
    json_t *root = json_object(), *cells = json_array();
    char host[64] = "";
    gethostname(host, sizeof host - 1);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    double load0[3] = { 0 };
    getloadavg(load0, 3);
    fprintf(stderr, "wan-bench: %ld CPUs, load average %.2f at start (other jobs on this machine distort p99)\n",
            ncpu, load0[0]);
    json_object_set_new(root, "bench", json_string("wan"));
    json_t *conf = json_pack("{s:f,s:I,s:s,s:i,s:s,s:s}", "cell_duration_s", duration, "min_msgs_per_cell",
                             (json_int_t)min_msgs, "host", host, "cpus", (int)ncpu, "far_end",
                             "stamping reflector (sim/wan/wan_reflect.h)", "note",
                             "shared machine: other jobs may run concurrently");
    json_object_set_new(conf, "emulator_spin", spin_us == 0 ? json_string("auto")
                                               : spin_us < 0 ? json_string("off") : json_real(spin_us));
    json_object_set_new(root, "config", conf);
    fprintf(stderr, "measured - configured RTT (ms), reply time = client kernel rx stamp: raw p50/p99/max, and net\n"
                    "p50/p99 = raw less the reflector's turnaround (turn_p99: that turnaround); emu_late: how late\n"
                    "the emulator wrote chunks, p50/p99 (us); spin: its polling window at the cell's end (us);\n"
                    "steal%%: CPU time the hypervisor took from this machine during the cell\n");
    fprintf(stderr, "%-6s %-5s %-6s %-5s %-5s %8s %8s %8s  %8s %8s %8s  %11s %5s %6s  %s\n", "rtt_ms", "size",
            "rate/s", "conns", "msgs", "p50", "p99", "max", "net_p50", "net_p99", "turn_p99", "emu_late_us", "spin",
            "steal%", "target raw / net");
    accuracy_tally tally = { 0 };
    for (int si = 0; si < ns; si++)
        for (int ri = 0; ri < nr; ri++)
            for (int qi = 0; qi < nq; qi++) {
                cell_result cr;
                wan_timer_lateness_reset(w);
                unsigned long long tot0 = 0, st0 = 0, tot1 = 0, st1 = 0;
                int have_steal = cpu_jiffies(&tot0, &st0) == 0;
                int cell_rc = run_cell(w, links[ri], rtts[ri], (int)sizes[si], rates[qi], duration,
                                       (size_t)min_msgs, &cr);
                if (cell_rc < 0)
                    rc = 1;
                have_steal = have_steal && cpu_jiffies(&tot1, &st1) == 0 && tot1 > tot0;
                double steal_pct = have_steal ? 100.0 * (double)(st1 - st0) / (double)(tot1 - tot0) : -1;
                json_array_append_new(cells, cell_report(w, &cr, steal_pct, cell_rc, &tally));
            }
    json_object_set_new(root, "accuracy", cells);
    json_object_set_new(root, "accuracy_summary",
                        json_pack("{s:i,s:i,s:i,s:i,s:i,s:i}", "cells", tally.cells, "meet_p50", tally.ok50,
                                  "meet_p99", tally.ok99, "net_meet_p50", tally.net_ok50, "net_meet_p99",
                                  tally.net_ok99, "misses_with_host_steal_ge_1pct", tally.miss_steal));
    fprintf(stderr, "targets: raw round trip: p50 <= 0.3 ms in %d/%d cells, p99 <= 1 ms in %d/%d;\n"
            "         net of the reflector's turnaround: p50 in %d/%d, p99 in %d/%d;\n"
            "         %d cell(s) missing a raw target ran while the hypervisor stole >= 1%% of the machine\n",
            tally.ok50, tally.cells, tally.ok99, tally.cells, tally.net_ok50, tally.cells, tally.net_ok99,
            tally.cells, tally.miss_steal);

    double mbps = 0, cpu_mb = 0, mps = 0, cpu_msg = 0;
    if (run_throughput(w, zero, duration, &mbps, &cpu_mb) < 0 ||
        run_cpu_per_msg(w, zero, duration, &mps, &cpu_msg) < 0)
        rc = 1;
    json_object_set_new(root, "zero_delay", json_pack("{s:f,s:f,s:f,s:f}",
        "throughput_MBps", mbps, "loop_cpu_ms_per_MB_forwarded", cpu_mb,
        "pingpong_msgs_per_s", mps, "loop_cpu_us_per_msg", cpu_msg));
    fprintf(stderr, "\nzero-delay link: throughput %.1f MB/s echoed (loop CPU %.2f ms per MB forwarded); "
            "64 B ping-pong x8 conns: %.0f msg/s, loop CPU %.1f us per message (both directions)\n",
            mbps, cpu_mb, mps, cpu_msg);

    double load1[3] = { 0 };
    getloadavg(load1, 3);
    json_object_set_new(json_object_get(root, "config"), "loadavg_1min_start", json_real(load0[0]));
    json_object_set_new(json_object_get(root, "config"), "loadavg_1min_end", json_real(load1[0]));
    fprintf(stderr, "load average %.2f at end\n", load1[0]);
    char *text = json_dumps(root, JSON_INDENT(2));
    printf("%s\n", text);
    if (json_path) {
        FILE *f = fopen(json_path, "w");
        if (!f || fprintf(f, "%s\n", text) < 0) {
            fprintf(stderr, "wan-bench: cannot write %s\n", json_path);
            rc = 1;
        }
        if (f)
            fclose(f);
    }
    free(text);
    json_decref(root);
    wan_free(w);
    return rc;
}
