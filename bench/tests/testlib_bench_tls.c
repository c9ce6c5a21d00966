/* testlib_bench_tls.c: a secured etcd for the integration tests (see
 * testlib_bench_tls.h). */
#include "bench/tests/testlib_bench_tls.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include "bench/tests/testlib_bench.h"

static bench_t_tls *running;   /* stopped at exit */

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "testlib_bench_tls: failed (%d): %s\n", rc, cmd);
    return rc;
}

static int free_port(void)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static int make_certs(const char *dir)
{
    return sh("cd %s && "
              "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=geokv-test-ca "
              ">/dev/null 2>&1 && "
              "printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth,clientAuth\\n' > srv.ext && "
              "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=geokv-test-server "
              ">/dev/null 2>&1 && "
              "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 "
              "-extfile srv.ext >/dev/null 2>&1 && "
              "printf 'extendedKeyUsage=clientAuth\\n' > cli.ext && "
              "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /O=geokv-test-client "
              ">/dev/null 2>&1 && "
              "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2 "
              "-extfile cli.ext >/dev/null 2>&1",
              dir);
}

static int start_etcd(bench_t_tls *t, const char *dir)
{
    int cport = free_port(), pport = free_port();
    char listen_c[64], listen_p[64], initial[96], data[300], srv_cert[320], srv_key[320];
    if (cport <= 0 || pport <= 0 || cport == pport)
        return -1;
    snprintf(t->url, sizeof t->url, "https://127.0.0.1:%d", cport);
    snprintf(listen_c, sizeof listen_c, "https://127.0.0.1:%d", cport);
    snprintf(listen_p, sizeof listen_p, "http://127.0.0.1:%d", pport);
    snprintf(initial, sizeof initial, "t1=http://127.0.0.1:%d", pport);
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(srv_cert, sizeof srv_cert, "%s/server.pem", dir);
    snprintf(srv_key, sizeof srv_key, "%s/server.key", dir);
    snprintf(t->log, sizeof t->log, "%s/etcd.log", dir);
    char *argv[] = { "etcd", "--name", "t1", "--data-dir", data, "--listen-client-urls", listen_c,
                     "--advertise-client-urls", listen_c, "--listen-peer-urls", listen_p,
                     "--initial-advertise-peer-urls", listen_p, "--initial-cluster", initial,
                     "--client-cert-auth", "--trusted-ca-file", t->ca, "--cert-file", srv_cert, "--key-file", srv_key,
                     "--unsafe-no-fsync", "--auth-token-ttl", "2", NULL };
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        FILE *f = freopen(t->log, "w", stderr);
        (void)f;
        dup2(2, 1);
        const char *bin = getenv("GEOKV_ETCD");
        execvp(bin && *bin ? bin : "etcd", argv);
        _exit(127);
    }
    t->pid = pid;
    return 0;
}

static int etcdctl(const bench_t_tls *t, const char *user, const char *args)
{
    return sh("etcdctl --endpoints %s --cacert %s --cert %s --key %s %s%s %s >/dev/null", t->url, t->ca, t->cert,
              t->key, user ? "--user " : "", user ? user : "", args);
}

static int wait_healthy(const bench_t_tls *t)
{
    for (int i = 0; i < 100; i++) {
        if (etcdctl(t, NULL, "endpoint health 2>/dev/null") == 0)
            return 0;
        bench_t_sleep(0.1);
    }
    return -1;
}

/* root, and a user allowed /geokv/ only; then auth on. */
static int enable_auth(const bench_t_tls *t)
{
    return etcdctl(t, NULL, "user add root --new-user-password=" BENCH_T_TLS_ROOT_PASSWORD) ||
           etcdctl(t, NULL, "role add root") || etcdctl(t, NULL, "user grant-role root root") ||
           etcdctl(t, NULL, "user add " BENCH_T_TLS_USER " --new-user-password=" BENCH_T_TLS_PASSWORD) ||
           etcdctl(t, NULL, "role add geokv") ||
           etcdctl(t, NULL, "role grant-permission geokv --prefix=true readwrite /geokv/") ||
           etcdctl(t, NULL, "user grant-role " BENCH_T_TLS_USER " geokv") || etcdctl(t, NULL, "auth enable");
}

static void stop_at_exit(void)
{
    if (running)
        bench_t_tls_stop(running);
}

int bench_t_tls_start(bench_t_tls *t, const char *dir)
{
    memset(t, 0, sizeof *t);
    t->pid = -1;
    snprintf(t->ca, sizeof t->ca, "%s/ca.pem", dir);
    snprintf(t->cert, sizeof t->cert, "%s/client.pem", dir);
    snprintf(t->key, sizeof t->key, "%s/client.key", dir);
    if (!running)
        atexit(stop_at_exit);
    running = t;
    if (make_certs(dir) != 0 || start_etcd(t, dir) != 0)
        return -1;
    if (wait_healthy(t) != 0 || enable_auth(t) != 0) {
        bench_t_dump_log(t->log);
        return -1;
    }
    return 0;
}

void bench_t_tls_stop(bench_t_tls *t)
{
    if (t->pid > 0) {
        kill(t->pid, SIGKILL);
        waitpid(t->pid, NULL, 0);
        t->pid = -1;
    }
}

etcd_client *bench_t_tls_client(const bench_t_tls *t, const char *user, const char *password)
{
    const char *eps[] = { t->url };
    etcd_security sec = { .cacert = t->ca, .cert = t->cert, .key = t->key, .user = user, .password = password };
    etcd_client_config cc = { .endpoints = eps, .n_endpoints = 1, .watch_endpoint = -1,
                              .transport = ETCD_TRANSPORT_CURL, .security = &sec };
    etcd_client *c = NULL;
    etcd_status st;
    if (etcd_client_new(&cc, &c, &st) != ETCD_OK)
        fprintf(stderr, "etcd client: %s\n", st.message);
    return c;
}

int64_t bench_t_tls_count(const bench_t_tls *t, const char *prefix)
{
    etcd_client *c = bench_t_tls_client(t, "root", BENCH_T_TLS_ROOT_PASSWORD);
    etcd_range_opts o = { .prefix = true, .count_only = true };
    etcd_range_result r = { 0 };
    etcd_status st;
    int64_t n = -1;
    if (!c)
        return -1;
    if (etcd_range(c, prefix, strlen(prefix), &o, &r, &st) == ETCD_OK)
        n = r.count;
    etcd_range_result_free(&r);
    etcd_client_free(c);
    return n;
}
