/* Integration test: geokv-bench run against an existing, secured etcd
 * cluster (--endpoints, bench/bench_external.h).
 *
 * The group set-up starts one etcd 3.4 member with client-certificate
 * authentication and users (testlib_bench_tls.h): the user "geo" may only
 * read and write /geokv/, so a key of the runs outside their prefix would be
 * refused by etcd and fail the run.
 */
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "bench/tests/testlib_bench.h"
#include "bench/tests/testlib_bench_tls.h"
#include "sim/etcd/etcd_client.h"
#include "sim/util/util_fs.h"

#define PASSWORD BENCH_T_TLS_PASSWORD
#define ROOT_PASSWORD BENCH_T_TLS_ROOT_PASSWORD

static char tmpdir[256], endpoint[96];
static bench_t_tls tls;

static int setup(void **state)
{
    (void)state;
    if (bench_t_tmpdir_make(tmpdir, sizeof tmpdir, "itest-external") != 0 || bench_t_tls_start(&tls, tmpdir) != 0)
        return -1;
    snprintf(endpoint, sizeof endpoint, "%s@aws-ap-northeast-2", tls.url);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    bench_t_tls_stop(&tls);
    return bench_t_tmpdir_remove(tmpdir);
}

/* A client of the test cluster as `user` (root sees every key). */
static etcd_client *client(const char *user, const char *password)
{
    return bench_t_tls_client(&tls, user, password);
}

static int64_t count_keys(const char *prefix)
{
    int64_t n = bench_t_tls_count(&tls, prefix);
    assert_true(n >= 0);
    return n;
}

/* Runs geokv-bench run with the cluster's options and extra args; the exit
 * status; the output in out_log. env_password NULL: GEOKV_ETCD_PASSWORD unset. */
static int bench(const char *env_password, const char *out_log, const char *const *extra)
{
    char prog[512], out[320];
    const char *argv[40];
    int k = 0;
    bench_t_program("geokv-bench", prog, sizeof prog);
    snprintf(out, sizeof out, "%s/results", tmpdir);
    argv[k++] = prog;
    argv[k++] = "run";
    const char *base[] = { "--n", "3", "--reps", "1", "--seed", "7", "--delay-scale", "0.05", "--timeout", "40s",
                           "--out", out, "--endpoints", endpoint, "--cacert", tls.ca, "--cert", tls.cert,
                           "--key", tls.key, "--user", "geo", NULL };
    for (int i = 0; base[i]; i++)
        argv[k++] = base[i];
    for (int i = 0; extra && extra[i]; i++)
        argv[k++] = extra[i];
    argv[k] = NULL;
    if (env_password)
        setenv("GEOKV_ETCD_PASSWORD", env_password, 1);
    else
        unsetenv("GEOKV_ETCD_PASSWORD");
    unlink(out_log);
    pid_t pid = bench_t_spawn((char *const *)argv, out_log);
    int rc = bench_t_wait(pid, 55);
    unsetenv("GEOKV_ETCD_PASSWORD");
    return rc;
}

static bool log_has(const char *log, const char *needle)
{
    size_t len = 0;
    char *text = util_slurp(log, &len);
    bool has = text && strstr(text, needle);
    if (!has)
        bench_t_dump_log(log);
    free(text);
    return has;
}

static void test_sweep_over_tls_with_auth(void **state)
{
    char log[320], dir[320], why[256], path[400];
    (void)state;
    snprintf(log, sizeof log, "%s/sweep.log", tmpdir);
    const char *extra[] = { "--modes", "before,after,lockless", NULL };
    int rc = bench(PASSWORD, log, extra);
    if (rc != 0)
        bench_t_dump_log(log);
    assert_int_equal(rc, 0);

    snprintf(dir, sizeof dir, "%s/results/latest", tmpdir);
    json_t *runs = bench_t_load_runs(dir, why, sizeof why);
    if (!runs)
        fail_msg("%s", why);
    assert_int_equal(json_array_size(runs), 3);
    if (bench_t_check_summary(dir, 3, why, sizeof why) != 0)
        fail_msg("%s", why);
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r) {
        assert_true(json_is_true(json_object_get(r, "completed")));
        assert_true(json_is_true(json_object_get(r, "checker_ok")));
        assert_string_equal(json_string_value(json_object_get(r, "error")), "");
        /* the member's /metrics read over TLS with the client certificate */
        assert_true(json_integer_value(json_object_get(r, "grpc_bytes")) > 0);
        json_t *m0 = json_array_get(json_object_get(r, "members"), 0);
        assert_true(json_is_true(json_object_get(m0, "ok")));
        assert_null(json_object_get(m0, "unavailable"));
    }
    json_decref(runs);

    snprintf(path, sizeof path, "%s/config.json", dir);
    size_t len = 0;
    char *text = util_slurp(path, &len);
    assert_non_null(text);
    assert_null(strstr(text, PASSWORD));   /* the password is recorded nowhere */
    json_t *cfg = json_loads(text, 0, NULL);
    free(text);
    json_t *cl = json_object_get(cfg, "cluster");
    assert_true(json_is_true(json_object_get(cl, "external")));
    assert_true(json_is_true(json_object_get(cl, "tls")));
    assert_string_equal(json_string_value(json_object_get(cl, "user")), "geo");
    assert_string_equal(json_string_value(json_object_get(cl, "transport")), "curl");
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(cl, "endpoints"), 0), "url")),
                        tls.url);
    const char *ver = json_string_value(
        json_object_get(json_array_get(json_object_get(cl, "endpoints"), 0), "etcd_version"));
    assert_non_null(ver);
    assert_int_equal(strncmp(ver, "3.4.", 4), 0);
    const char *prefix = json_string_value(json_object_get(cl, "key_prefix"));
    assert_non_null(prefix);
    assert_int_equal(strncmp(prefix, "/geokv/", 7), 0);
    /* the cluster is left as found: nothing under the prefix, nothing anywhere */
    assert_int_equal(count_keys(prefix), 0);
    assert_int_equal(count_keys("/"), 0);

    /* --resume: what an interrupted run left under the sweep's own prefix
     * is deleted instead of refused, and nothing is run again */
    char leftover[256], rlog[320];
    etcd_status st;
    snprintf(leftover, sizeof leftover, "%sregistry/left-over", prefix);
    etcd_client *c = client("geo", PASSWORD);
    assert_non_null(c);
    assert_int_equal(etcd_put(c, leftover, strlen(leftover), "v", 1, NULL, NULL, &st), ETCD_OK);
    etcd_client_free(c);
    snprintf(rlog, sizeof rlog, "%s/resume.log", tmpdir);
    const char *resume[] = { "--resume", dir, NULL };
    rc = bench(PASSWORD, rlog, resume);
    if (rc != 0)
        bench_t_dump_log(rlog);
    assert_int_equal(rc, 0);
    assert_true(log_has(rlog, "already recorded, skipped"));
    assert_int_equal(count_keys("/"), 0);
    json_decref(cfg);
}

static void test_prefix_not_empty_is_refused(void **state)
{
    char log[320];
    etcd_status st;
    (void)state;
    etcd_client *c = client("geo", PASSWORD);
    assert_non_null(c);
    assert_int_equal(etcd_put(c, "/geokv/taken/k", 14, "v", 1, NULL, NULL, &st), ETCD_OK);
    snprintf(log, sizeof log, "%s/taken.log", tmpdir);
    const char *extra[] = { "--modes", "after", "--key-prefix", "/geokv/taken", NULL };
    assert_int_equal(bench(PASSWORD, log, extra), 2);
    assert_true(log_has(log, "already holds 1 key(s)"));
    assert_int_equal(count_keys("/geokv/taken/"), 1);   /* not ours: left alone */
    etcd_delete_opts d = { .prefix = true };
    assert_int_equal(etcd_delete(c, "/geokv/taken/", 13, &d, NULL, &st), ETCD_OK);
    etcd_client_free(c);
}

static void test_password_on_argv_is_refused(void **state)
{
    char log[320];
    (void)state;
    snprintf(log, sizeof log, "%s/argv.log", tmpdir);
    const char *extra[] = { "--password", PASSWORD, NULL };
    assert_int_equal(bench(PASSWORD, log, extra), 2);
    assert_true(log_has(log, "a password on the command line is refused"));
    const char *extra2[] = { "--user", "geo:" PASSWORD, NULL };
    assert_int_equal(bench(PASSWORD, log, extra2), 2);
    assert_true(log_has(log, "--user: expected a user name"));
    assert_int_equal(bench(NULL, log, NULL), 2);   /* a user and no password anywhere */
    assert_true(log_has(log, "no password: set GEOKV_ETCD_PASSWORD or give --password-file"));
}

static void test_wrong_password_fails_clearly(void **state)
{
    char log[320], pwfile[320], results[320];
    (void)state;
    snprintf(log, sizeof log, "%s/wrong.log", tmpdir);
    snprintf(pwfile, sizeof pwfile, "%s/password", tmpdir);
    FILE *f = fopen(pwfile, "w");
    assert_non_null(f);
    fputs("not-the-password\n", f);
    fclose(f);
    const char *extra[] = { "--password-file", pwfile, NULL };
    snprintf(results, sizeof results, "%s/results", tmpdir);
    assert_int_equal(bench(PASSWORD, log, extra), 2);   /* the file wins over the environment */
    assert_true(log_has(log, "etcd authentication of user 'geo' failed"));
    assert_true(log_has(log, "invalid user ID or password"));
}

static void on_watch(etcd_watch_response *r, void *ud)
{
    int *events = ud;
    __atomic_add_fetch(events, (int)r->n_events, __ATOMIC_SEQ_CST);
    etcd_watch_response_free(r);
}

/* The member gives tokens a 2 s life (--auth-token-ttl 2): a request after
 * that is answered "invalid auth token", and the client authenticates again
 * and sends it once more. */
static void test_expired_token_is_renewed(void **state)
{
    etcd_status st;
    etcd_stats s;
    (void)state;
    etcd_client *c = client("geo", PASSWORD);
    assert_non_null(c);
    assert_int_equal(etcd_put(c, "/geokv/ttl/k", 12, "v", 1, NULL, NULL, &st), ETCD_OK);
    bench_t_sleep(3.5);
    if (etcd_put(c, "/geokv/ttl/k", 12, "w", 1, NULL, NULL, &st) != ETCD_OK)
        fail_msg("put after the token expired: %s", st.message);
    etcd_client_stats(c, &s);
    assert_int_equal(s.ops[ETCD_OP_T_MAINTENANCE], 2);   /* authenticate, then once more */
    /* a watch started with an expired token, too (etcd answers it created
     * and canceled: "invalid auth token") */
    bench_t_sleep(3.5);
    etcd_watch *w = NULL;
    etcd_watch_opts wo = { .prefix = true };
    int events = 0;
    if (etcd_watch_start(c, "/geokv/ttl/", 11, &wo, on_watch, NULL, &events, &w, &st) != ETCD_OK)
        fail_msg("watch after the token expired: %s (%s)", st.message, etcd_code_name(st.code));
    assert_int_equal(etcd_put(c, "/geokv/ttl/k", 12, "x", 1, NULL, NULL, &st), ETCD_OK);
    for (int i = 0; i < 50 && __atomic_load_n(&events, __ATOMIC_SEQ_CST) == 0; i++)
        bench_t_sleep(0.1);
    etcd_watch_stop(w);
    assert_int_equal(events, 1);   /* the watch works: its put arrived */
    etcd_client_stats(c, &s);
    assert_int_equal(s.ops[ETCD_OP_T_MAINTENANCE], 3);   /* the watch renewed the token */
    /* keepalives (every TTL/3 = 1 s) alone, long past the token's life:
     * etcd does not check the token on a lease keepalive, so the session lives */
    etcd_session *sess = NULL;
    assert_int_equal(etcd_session_new(c, 3, NULL, NULL, &sess, &st), ETCD_OK);
    bench_t_sleep(5.0);
    assert_true(etcd_session_alive(sess));
    etcd_client_stats(c, &s);
    assert_true(s.ops[ETCD_OP_T_LEASE_KEEPALIVE] >= 3);
    etcd_session_close(sess);
    etcd_delete_opts d = { .prefix = true };
    assert_int_equal(etcd_delete(c, "/geokv/ttl/", 11, &d, NULL, &st), ETCD_OK);
    etcd_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password_on_argv_is_refused),
        cmocka_unit_test(test_wrong_password_fails_clearly),
        cmocka_unit_test(test_expired_token_is_renewed),
        cmocka_unit_test(test_sweep_over_tls_with_auth),
        cmocka_unit_test(test_prefix_not_empty_is_refused),
    };
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, setup, teardown);
}
