/* etcd_bench_client_main.c: etcd-bench-client, the client's own figures
 * against a local 3-member cluster started by the rig (or --endpoints):
 * p50/p99 latency (per-thread util_hist histograms merged; percentiles as
 * util_percentile_sorted's, within 1/64) and requests/s of put, linearizable
 * range and serializable range with 1 and 16 concurrent callers sharing one client, this process's
 * CPU time per request (getrusage(RUSAGE_SELF): etcd runs in other processes,
 * so it is excluded by construction), and the ratio of the client's byte
 * counters to etcd's own gRPC byte counters for the same workload.
 * --scale N also opens N sessions + N watches on one client (the simulation's
 * 1,000-agent shape) and reports threads, set-up time and event delivery.
 * Output: one JSON object on stdout, then a human table on stderr. */
#include <inttypes.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <jansson.h>

#include "sim/etcd/cpu_floor.h"
#include "sim/etcd/etcd_client.h"
#include "sim/rig/etcd_rig.h"
#include "sim/etcd/prom.h"
#include "sim/util/util_clock.h"
#include "sim/util/util_hist.h"
#include "sim/util/util_list.h"
#include "sim/util/util_version.h"

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double cpu_user_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
}

enum { OP_PUT, OP_RANGE_LIN, OP_RANGE_SER, N_OPS };
static const char *const op_names[N_OPS] = { "put", "range-linearizable", "range-serializable" };

typedef struct worker {
    etcd_client *c;
    int op, id;
    int64_t deadline;
    size_t value_size;
    util_hist h;   /* latencies in ns */
    uint64_t errors;
    char last_error[256];
} worker;

static void *worker_main(void *arg)
{
    worker *w = arg;
    char key[64], *val = malloc(w->value_size + 1);
    memset(val, 'v', w->value_size);
    int kl = snprintf(key, sizeof key, "/bench/%03d", w->id);
    etcd_range_opts ser = { .serializable = true };
    etcd_status st;
    if (w->op != OP_PUT)
        etcd_put(w->c, key, (size_t)kl, val, w->value_size, NULL, NULL, &st);
    while (util_now_ns_i64() < w->deadline) {
        int64_t t0 = util_now_ns_i64();
        etcd_code rc;
        if (w->op == OP_PUT)
            rc = etcd_put(w->c, key, (size_t)kl, val, w->value_size, NULL, NULL, &st);
        else
            rc = etcd_range(w->c, key, (size_t)kl, w->op == OP_RANGE_SER ? &ser : NULL, NULL, &st);
        if (rc != ETCD_OK) {
            w->errors++;
            snprintf(w->last_error, sizeof w->last_error, "%s", st.message);
            continue;
        }
        int64_t ns = util_now_ns_i64() - t0;
        util_hist_record(&w->h, ns > 0 ? (uint64_t)ns : 0);
    }
    free(val);
    return NULL;
}

/* One counter (no labels) from a /metrics text, via the project's Prometheus
 * parser (sim/etcd/prom.h). */
static double metric(const char *text, const char *name)
{
    double v = 0;
    size_t matched = 0;
    if (prom_sum(text, strlen(text), name, NULL, &v, &matched, NULL) != PROM_OK || matched != 1)
        return NAN;
    return v;
}

/* Sum of etcd's gRPC byte counters over the members; NAN when unknown. */
static void etcd_grpc_bytes(char **metrics_urls, int n, double *recv, double *sent)
{
    *recv = *sent = 0;
    for (int i = 0; i < n; i++) {
        char *text = NULL;
        if (!metrics_urls[i] || etcd_http_get(metrics_urls[i], 5000, &text, NULL, NULL) != ETCD_OK) {
            *recv = *sent = NAN;
            return;
        }
        *recv += metric(text, "etcd_network_client_grpc_received_bytes_total");
        *sent += metric(text, "etcd_network_client_grpc_sent_bytes_total");
        free(text);
    }
}

typedef struct cfg {
    int members, duration_ms, scale;
    size_t value_size;
    int clients[8], n_clients;
    const char *endpoints;
    etcd_transport transport;
} cfg;

static json_t *run_cell(etcd_client *c, char **murls, int n_members, int op, int conc, const cfg *cf)
{
    worker *ws = calloc((size_t)conc, sizeof *ws);
    pthread_t *th = calloc((size_t)conc, sizeof *th);
    if (!ws || !th) {
        fprintf(stderr, "etcd-bench-client: out of memory\n");
        exit(1);
    }
    etcd_stats s0, s1;
    double r0, sn0, r1, sn1;
    etcd_grpc_bytes(murls, n_members, &r0, &sn0);
    etcd_client_stats(c, &s0);
    double cpu0 = cpu_s(), ucpu0 = cpu_user_s();
    int64_t t0 = util_now_ns_i64();
    for (int i = 0; i < conc; i++) {
        ws[i] = (worker){ .c = c, .op = op, .id = i, .deadline = t0 + (int64_t)cf->duration_ms * 1000000,
                          .value_size = cf->value_size };
        pthread_create(&th[i], NULL, worker_main, &ws[i]);
    }
    util_hist *all = calloc(1, sizeof *all);   /* 30 KiB: off the stack */
    if (!all) {
        fprintf(stderr, "etcd-bench-client: out of memory\n");
        exit(1);
    }
    uint64_t errors = 0;
    const char *last_error = "";
    for (int i = 0; i < conc; i++) {
        pthread_join(th[i], NULL);
        util_hist_merge(all, &ws[i].h);
        errors += ws[i].errors;
        if (ws[i].errors)
            last_error = ws[i].last_error;
    }
    double wall = (util_now_ns_i64() - t0) / 1e9;
    double cpu = cpu_s() - cpu0, ucpu = cpu_user_s() - ucpu0;
    etcd_client_stats(c, &s1);
    etcd_grpc_bytes(murls, n_members, &r1, &sn1);
    uint64_t sent = s1.bytes_sent - s0.bytes_sent, recvd = s1.bytes_received - s0.bytes_received;
    json_t *o = json_pack("{s:s,s:i,s:I,s:I,s:f,s:f,s:f,s:f,s:f,s:I,s:I,s:f,s:f}",
                          "op", op_names[op], "clients", conc, "requests", (json_int_t)all->count,
                          "errors", (json_int_t)errors, "seconds", wall,
                          "p50_us", util_hist_percentile(all, 0.50) / 1000,
                          "p99_us", util_hist_percentile(all, 0.99) / 1000,
                          "requests_per_s", (double)all->count / wall,
                          "cpu_us_per_request", all->count ? cpu * 1e6 / (double)all->count : 0.0,
                          "client_bytes_sent", (json_int_t)sent, "client_bytes_received", (json_int_t)recvd,
                          "etcd_grpc_bytes_received", r1 - r0, "etcd_grpc_bytes_sent", sn1 - sn0);
    json_object_set_new(o, "cpu_user_us_per_request", json_real(all->count ? ucpu * 1e6 / (double)all->count : 0.0));
    if (errors)
        json_object_set_new(o, "last_error", json_string(last_error));
    if (isfinite(r1 - r0) && r1 > r0)
        json_object_set_new(o, "ratio_sent_vs_etcd_received", json_real(sent / (r1 - r0)));
    if (isfinite(sn1 - sn0) && sn1 > sn0)
        json_object_set_new(o, "ratio_received_vs_etcd_sent", json_real(recvd / (sn1 - sn0)));
    free(all);
    free(ws);
    free(th);
    return o;
}

/* ---- --scale: N sessions + N watches on one client -------------------- */

static atomic_long g_events;
static void scale_on_resp(etcd_watch_response *r, void *ud)
{
    atomic_fetch_add(&g_events, (long)r->n_events);
    etcd_watch_response_free(r);
}

static int proc_threads(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int n = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "Threads:", 8))
            n = atoi(line + 8);
    if (f)
        fclose(f);
    return n;
}

typedef struct scale_arg { etcd_client *c; int from, to; etcd_session **s; etcd_watch **w; int failures; } scale_arg;

static void *scale_setup(void *arg)
{
    scale_arg *a = arg;
    for (int i = a->from; i < a->to; i++) {
        char key[64];
        int kl = snprintf(key, sizeof key, "/scale/%05d", i);
        etcd_status st;
        if (etcd_session_new(a->c, 60, NULL, NULL, &a->s[i], &st) != ETCD_OK ||
            etcd_watch_start(a->c, key, (size_t)kl, NULL, scale_on_resp, NULL, NULL, &a->w[i], &st) != ETCD_OK) {
            if (!a->failures++)
                fprintf(stderr, "scale: agent %d: %s\n", i, st.message);
        }
    }
    return NULL;
}

static json_t *run_scale(etcd_client *c, int n)
{
    etcd_session **s = calloc((size_t)n, sizeof *s);
    etcd_watch **w = calloc((size_t)n, sizeof *w);
    enum { SETUP_THREADS = 16 };
    pthread_t th[SETUP_THREADS];
    scale_arg args[SETUP_THREADS];
    int threads_before = proc_threads();
    double cpu0 = cpu_s();
    int64_t t0 = util_now_ns_i64();
    for (int i = 0; i < SETUP_THREADS; i++) {
        args[i] = (scale_arg){ .c = c, .from = n * i / SETUP_THREADS, .to = n * (i + 1) / SETUP_THREADS, .s = s, .w = w };
        pthread_create(&th[i], NULL, scale_setup, &args[i]);
    }
    int failures = 0;
    for (int i = 0; i < SETUP_THREADS; i++) {
        pthread_join(th[i], NULL);
        failures += args[i].failures;
    }
    double setup_s = (util_now_ns_i64() - t0) / 1e9;
    int threads_open = proc_threads();
    atomic_store(&g_events, 0);
    int64_t t1 = util_now_ns_i64();
    for (int i = 0; i < n; i++) {
        char key[64];
        int kl = snprintf(key, sizeof key, "/scale/%05d", i);
        etcd_put(c, key, (size_t)kl, "x", 1, NULL, NULL, NULL);
    }
    while (atomic_load(&g_events) < n - failures && util_now_ns_i64() - t1 < 30000000000LL) {
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
    double deliver_s = (util_now_ns_i64() - t1) / 1e9;
    long events = atomic_load(&g_events);
    int alive = 0;
    for (int i = 0; i < n; i++)
        alive += etcd_session_alive(s[i]);
    for (int i = 0; i < n; i++) {
        etcd_watch_stop(w[i]);
        etcd_session_close(s[i]);
    }
    etcd_delete_opts pre = { .prefix = true };
    etcd_delete(c, "/scale/", 7, &pre, NULL, NULL);
    free(s);
    free(w);
    return json_pack("{s:i,s:i,s:f,s:i,s:i,s:I,s:f,s:i,s:f}", "agents", n, "failures", failures,
                     "setup_seconds", setup_s, "threads_before", threads_before, "threads_with_all_open",
                     threads_open, "events_delivered", (json_int_t)events, "put_and_deliver_seconds", deliver_s,
                     "sessions_alive", alive, "cpu_seconds", cpu_s() - cpu0);
}

/* A fixed CPU workload (decode one recorded etcd range response), so that
 * figures from a loaded or slow machine can be compared with a quiet one.
 * Not measured on an idle machine here; my estimate for an idle modern x86
 * core is ~2 us. */
static double calibration_us(void)
{
    static const char doc[] =
        "{\"header\":{\"cluster_id\":\"7627732619255946941\",\"member_id\":\"15332735175710452016\","
        "\"revision\":\"5\",\"raft_term\":\"2\"},\"kvs\":[{\"key\":\"L3cvYg==\",\"create_revision\":\"4\","
        "\"mod_revision\":\"4\",\"version\":\"1\",\"value\":\"eCJ5\"}],\"count\":\"1\"}";
    enum { N = 20000 };
    double t0 = cpu_s();
    size_t sink = 0;
    for (int i = 0; i < N; i++) {
        json_t *j = json_loadb(doc, sizeof doc - 1, 0, NULL);
        sink += json_object_size(j);
        json_decref(j);
    }
    return sink ? (cpu_s() - t0) * 1e6 / N : 0;
}

static double loadavg1(void)
{
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1)
            l = -1;
        fclose(f);
    }
    return l;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: etcd-bench-client [options]\n"
            "Benchmarks the etcd client against a local 3-member cluster it starts (etcd_rig).\n"
            "Prints one JSON object (configuration + results) on stdout, a table on stderr.\n\n"
            "  --members N        cluster size (default 3)\n"
            "  --endpoints URLS   use a running cluster instead (comma-separated client URLs;\n"
            "                     byte ratios then need --metrics URLS)\n"
            "  --metrics URLS     /metrics URLs of those members, comma-separated\n"
            "  --duration-ms MS   per cell (default 3000)\n"
            "  --clients LIST     concurrent callers per cell (default 1,16)\n"
            "  --value-size B     put value size (default 100)\n"
            "  --scale N          also open N sessions + N watches on one client (default 0)\n"
            "  --transport T      unary transport: native (the client's default), curl, or both (default)\n"
            "  --help\n"
            "  --version          program, version and git describe of the build\n"
            "Exit status: 0 every cell measured, 1 a failed run (etcd, a request), 2 bad usage.\n");
}

static int split(char *s, char **out, int max)
{
    int n = 0;
    for (char *t = strtok(s, ","); t && n < max; t = strtok(NULL, ","))
        out[n++] = t;
    return n;
}

int main(int argc, char **argv)
{
    if (util_version_wanted(argc, argv)) {
        util_version_print(stdout, "etcd-bench-client");
        return 0;
    }
    cfg cf = { .members = 3, .duration_ms = 3000, .value_size = 100, .clients = { 1, 16 }, .n_clients = 2 };
    char *eps_arg = NULL, *met_arg = NULL;
    unsigned transports = ~0u;   /* bit t: the client's transport t; "both" (default): every one */
    static const struct option opts[] = {
        { "members", required_argument, 0, 'm' }, { "endpoints", required_argument, 0, 'e' },
        { "metrics", required_argument, 0, 'M' }, { "duration-ms", required_argument, 0, 'd' },
        { "clients", required_argument, 0, 'c' }, { "value-size", required_argument, 0, 'v' },
        { "scale", required_argument, 0, 's' }, { "transport", required_argument, 0, 't' },
        { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
    };
    int o;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case 'm': cf.members = atoi(optarg); break;
        case 'e': eps_arg = optarg; break;
        case 'M': met_arg = optarg; break;
        case 'd': cf.duration_ms = atoi(optarg); break;
        case 'v': cf.value_size = (size_t)atol(optarg); break;
        case 's': cf.scale = atoi(optarg); break;
        case 't': {
            etcd_transport tr;
            if (!strcmp(optarg, "both"))
                transports = ~0u;
            else if (etcd_transport_parse(optarg, &tr) == 0)
                transports = 1u << tr;
            else {
                usage(stderr);
                return 2;
            }
            break;
        }
        case 'c': {
            char *list[8];
            if (util_list_has_empty(optarg, ',')) {
                fprintf(stderr, "etcd-bench-client: --clients: empty item in '%s' (a comma at an end or two in a row)\n", optarg);
                return 2;
            }
            cf.n_clients = split(optarg, list, 8);
            for (int i = 0; i < cf.n_clients; i++)
                cf.clients[i] = atoi(list[i]);
            break;
        }
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if ((eps_arg && util_list_has_empty(eps_arg, ',')) || (met_arg && util_list_has_empty(met_arg, ','))) {
        fprintf(stderr, "etcd-bench-client: --endpoints/--metrics: empty item in '%s' (a comma at an end or two in a row)\n",
                eps_arg && util_list_has_empty(eps_arg, ',') ? eps_arg : met_arg);
        return 2;
    }
    if (cf.members < 1 || cf.members > ETCD_RIG_MAX_MEMBERS || cf.duration_ms <= 0 || cf.n_clients < 1) {
        usage(stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    etcd_rig_install_signal_cleanup();
    etcd_rig *rig = NULL;
    etcd_client *c = NULL;
    etcd_status st;
    char *eps[ETCD_RIG_MAX_MEMBERS] = { 0 }, *murls[ETCD_RIG_MAX_MEMBERS] = { 0 };
    int n = 0, rc = 1;
    if (eps_arg) {
        n = split(eps_arg, eps, ETCD_RIG_MAX_MEMBERS);
        if (met_arg)
            split(met_arg, murls, ETCD_RIG_MAX_MEMBERS);
    } else {
        etcd_rig_config rcfg = { .n_members = cf.members };
        if (etcd_rig_new(&rcfg, &rig, &st) != ETCD_OK || etcd_rig_start(rig, &st) != ETCD_OK) {
            fprintf(stderr, "etcd-bench-client: cannot start the cluster: %s\n", st.message);
            goto cleanup;
        }
        n = rig->n;
        for (int i = 0; i < n; i++) {
            eps[i] = rig->m[i].client_url;
            murls[i] = rig->m[i].metrics_url;
        }
    }
    json_t *results = json_array();
    for (int t = 0; t < etcd_transport_count(); t++) {
        if (!(transports & (1u << t)))
            continue;
        etcd_client_config ccfg = { .endpoints = (const char *const *)eps, .n_endpoints = (size_t)n,
                                    .policy = ETCD_POLICY_ROUND_ROBIN, .watch_endpoint = -1,
                                    .transport = (etcd_transport)t };
        etcd_client_free(c);
        c = NULL;
        if (etcd_client_new(&ccfg, &c, &st) != ETCD_OK) {
            fprintf(stderr, "etcd-bench-client: %s\n", st.message);
            goto cleanup;
        }
        for (int op = 0; op < N_OPS; op++)
            for (int k = 0; k < cf.n_clients; k++) {
                json_t *cell = run_cell(c, murls, murls[0] ? n : 0, op, cf.clients[k], &cf);
                json_object_set_new(cell, "transport", json_string(etcd_transport_name((etcd_transport)t)));
                /* One caller: what a bare write + blocking read costs on this
                 * machine when the answer takes as long as etcd's p50. */
                double p50 = json_real_value(json_object_get(cell, "p50_us")), floor_us = -1;
                if (cf.clients[k] == 1 && p50 > 0) {
                    int rts = (int)(1e6 / p50);
                    floor_us = cpu_floor_us(p50, rts < 200 ? 200 : rts > 2000 ? 2000 : rts);
                }
                json_object_set_new(cell, "cpu_floor_us_per_request", floor_us >= 0 ? json_real(floor_us) : json_null());
                json_array_append_new(results, cell);
            }
    }
    json_t *doc = json_pack("{s:s,s:{s:i,s:i,s:I,s:s,s:s},s:o}", "tool", "etcd-bench-client", "config",
                            "members", n, "duration_ms", cf.duration_ms, "value_size", (json_int_t)cf.value_size,
                            "policy", "round-robin", "etcd_version", "3.4.23 (Debian etcd-server)",
                            "results", results);
    json_object_set_new(doc, "calibration_json_decode_us", json_real(calibration_us()));
    json_object_set_new(doc, "loadavg_1min", json_real(loadavg1()));
    if (cf.scale > 0)
        json_object_set_new(doc, "scale", run_scale(c, cf.scale));
    char *text = json_dumps(doc, JSON_INDENT(2));
    printf("%s\n", text);
    free(text);
    fprintf(stderr, "\n%-7s %-19s %7s %9s %9s %10s %9s %9s %9s %8s %8s %6s\n", "transport", "op", "clients", "p50_us",
            "p99_us", "req/s", "cpu_us/req", "user_us/req", "floor_us", "sent/etcd", "recv/etcd", "errors");
    size_t i;
    json_t *r;
    json_array_foreach(results, i, r) {
        char floor_s[16] = "-";
        json_t *fl = json_object_get(r, "cpu_floor_us_per_request");
        if (json_is_real(fl))
            snprintf(floor_s, sizeof floor_s, "%.1f", json_real_value(fl));
        fprintf(stderr, "%-7s %-19s %7d %9.0f %9.0f %10.0f %9.1f %9.1f %9s %8.2f %8.2f %6" JSON_INTEGER_FORMAT "\n",
                json_string_value(json_object_get(r, "transport")), json_string_value(json_object_get(r, "op")),
                (int)json_integer_value(json_object_get(r, "clients")),
                json_real_value(json_object_get(r, "p50_us")), json_real_value(json_object_get(r, "p99_us")),
                json_real_value(json_object_get(r, "requests_per_s")),
                json_real_value(json_object_get(r, "cpu_us_per_request")),
                json_real_value(json_object_get(r, "cpu_user_us_per_request")), floor_s,
                json_real_value(json_object_get(r, "ratio_sent_vs_etcd_received")),
                json_real_value(json_object_get(r, "ratio_received_vs_etcd_sent")),
                json_integer_value(json_object_get(r, "errors")));
    }
    fprintf(stderr, "machine: reference JSON decode %.2f us (estimate for an idle core: ~2 us), load average %.1f;"
                    " CPU is getrusage(RUSAGE_SELF) of this process (etcd excluded)\n"
                    "floor_us: CPU of a bare loopback write + blocking read answered after the cell's p50, the\n"
                    "least any client pays per request on this machine (1 caller only; see sim/etcd/cpu_floor.h)\n",
            json_real_value(json_object_get(doc, "calibration_json_decode_us")),
            json_real_value(json_object_get(doc, "loadavg_1min")));
    json_t *sc = json_object_get(doc, "scale");
    if (sc)
        fprintf(stderr, "scale: %d agents (session + watch each) on one client: set-up %.2f s, %d threads open, "
                        "%" JSON_INTEGER_FORMAT " events delivered in %.2f s, %d sessions alive, %d failures\n",
                (int)json_integer_value(json_object_get(sc, "agents")),
                json_real_value(json_object_get(sc, "setup_seconds")),
                (int)json_integer_value(json_object_get(sc, "threads_with_all_open")),
                json_integer_value(json_object_get(sc, "events_delivered")),
                json_real_value(json_object_get(sc, "put_and_deliver_seconds")),
                (int)json_integer_value(json_object_get(sc, "sessions_alive")),
                (int)json_integer_value(json_object_get(sc, "failures")));
    json_decref(doc);
    rc = 0;
cleanup:
    etcd_client_free(c);
    etcd_rig_stop(rig);
    return rc;
}
