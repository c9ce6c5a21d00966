/* testlib_bench_tls.h: a secured etcd for the integration tests that run
 * against an existing cluster (--endpoints).
 *
 * bench_t_tls_start makes a CA, a server certificate (127.0.0.1) and a
 * client certificate with openssl in dir, starts one etcd 3.4 member on
 * loopback https ports with --client-cert-auth, creates the root user and a
 * user BENCH_T_TLS_USER whose role may only read and write /geokv/, and
 * enables authentication (etcdctl, with the client certificate). A key of
 * the runs outside their prefix is then refused by etcd and fails the run.
 * The member is stopped by its pid in bench_t_tls_stop, at exit, and by the
 * kernel if the test dies (PR_SET_PDEATHSIG).
 *
 * The client certificate has no CommonName: etcd 3.4's gateway refuses a
 * client certificate that carries one ("CommonName of client sending a
 * request against gateway will be ignored").
 */
#ifndef GEOKV_TESTLIB_BENCH_TLS_H
#define GEOKV_TESTLIB_BENCH_TLS_H

#include <stdint.h>
#include <sys/types.h>

#include "sim/etcd/etcd_client.h"

#define BENCH_T_TLS_USER "geo"
#define BENCH_T_TLS_PASSWORD "geo-secret-7"
#define BENCH_T_TLS_ROOT_PASSWORD "root-secret-9"

typedef struct bench_t_tls {
    char url[64];                          /* https://127.0.0.1:PORT */
    char ca[320], cert[320], key[320];     /* the CA, the client certificate and its key */
    char log[320];                         /* the member's output */
    pid_t pid;
} bench_t_tls;

/* Certificates in dir (which must exist), the member up and healthy, auth
 * on. 0, or -1 (the member's log copied to stderr where it got that far). */
int bench_t_tls_start(bench_t_tls *t, const char *dir);

/* Stops the member (SIGKILL by pid, reaped); nothing when not running. */
void bench_t_tls_stop(bench_t_tls *t);

/* A client of the member as user (root sees every key); NULL on failure
 * (printed). */
etcd_client *bench_t_tls_client(const bench_t_tls *t, const char *user, const char *password);

/* Keys under prefix, read as root; -1 when they cannot be read. */
int64_t bench_t_tls_count(const bench_t_tls *t, const char *prefix);

#endif
