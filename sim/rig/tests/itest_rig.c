/* itest_rig.c: the etcd test rig against real etcd members. Every test
 * checks that nothing is left behind: no member process (kill(pid, 0) ==
 * ESRCH) and no directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/rig/etcd_rig.h"

static etcd_rig *g_rig;   /* stopped by the teardown if a test fails midway */
/* Left by a failing child-process test: members re-parented to us (we are a
 * subreaper) and a directory the dead child could not remove. */
static pid_t g_orphans[ETCD_RIG_MAX_MEMBERS];
static char g_orphan_dir[64];

static int teardown_rig(void **state)
{
    (void)state;
    etcd_rig_stop(g_rig);
    g_rig = NULL;
    for (int i = 0; i < ETCD_RIG_MAX_MEMBERS; i++) {
        if (g_orphans[i] > 0 && kill(g_orphans[i], SIGKILL) == 0)
            waitpid(g_orphans[i], NULL, 0);
        g_orphans[i] = 0;
    }
    if (g_orphan_dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_orphan_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", g_orphan_dir);
        g_orphan_dir[0] = 0;
    }
    return 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static bool dir_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static bool pid_gone(pid_t pid)
{
    return kill(pid, 0) == -1 && errno == ESRCH;
}

typedef struct snap {
    int n;
    pid_t pids[ETCD_RIG_MAX_MEMBERS];
    char dir[512];
} snap;

static void snap_take(const etcd_rig *r, snap *s)
{
    s->n = r->n;
    for (int i = 0; i < r->n; i++)
        s->pids[i] = r->m[i].pid;
    snprintf(s->dir, sizeof s->dir, "%s", r->base_dir);
}

static void assert_nothing_left(const snap *s)
{
    for (int i = 0; i < s->n; i++)
        if (s->pids[i] > 0)
            assert_true(pid_gone(s->pids[i]));
    assert_false(dir_exists(s->dir));
}

/* ---- plain HTTP to etcd's gateway (the rig must not need the client) ---- */

static size_t sink(char *p, size_t sz, size_t n, void *ud)
{
    char *buf = ud;
    size_t have = strlen(buf), take = sz * n;
    if (have + take > 1023)
        take = 1023 - have;
    memcpy(buf + have, p, take);
    buf[have + take] = 0;
    return sz * n;
}

static long http_post(const char *base, const char *path, const char *body, char out[1024])
{
    char url[160];
    snprintf(url, sizeof url, "%s%s", base, path);
    out[0] = 0;
    CURL *h = curl_easy_init();
    assert_non_null(h);
    struct curl_slist *hdr = curl_slist_append(NULL, "Expect:");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    long code = 0;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    return code;
}

/* key "rig-test" */
#define KEY_B64 "cmlnLXRlc3Q="

static void put_value(const char *base, const char *value_b64)
{
    char body[256], out[1024];
    snprintf(body, sizeof body, "{\"key\":\"%s\",\"value\":\"%s\"}", KEY_B64, value_b64);
    assert_int_equal(http_post(base, "/v3/kv/put", body, out), 200);
    assert_non_null(strstr(out, "\"revision\""));
}

static void assert_value(const char *base, const char *value_b64)
{
    char out[1024];
    assert_int_equal(http_post(base, "/v3/kv/range", "{\"key\":\"" KEY_B64 "\"}", out), 200);
    char want[128];
    snprintf(want, sizeof want, "\"value\":\"%s\"", value_b64);
    assert_non_null(strstr(out, want));
}

/* Listen on 127.0.0.1:port so that etcd cannot. SO_REUSEADDR as etcd uses
 * it: TIME_WAIT leftovers of an earlier user of the port do not get in the way. */
static int occupy_port(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 1), 0);
    return fd;
}

static etcd_rig *start_rig(int n, const char *base_dir)
{
    etcd_rig_config cfg = { .n_members = n, .base_dir = base_dir };
    etcd_rig *r = NULL;
    etcd_status st;
    if (etcd_rig_new(&cfg, &r, &st) != ETCD_OK || etcd_rig_start(r, &st) != ETCD_OK) {
        fprintf(stderr, "rig start failed: %s\n", st.message);
        etcd_rig_stop(r);
        return NULL;
    }
    return r;
}

/* ---- tests ---------------------------------------------------------------- */

static void test_single_member(void **state)
{
    (void)state;
    g_rig = start_rig(1, NULL);
    assert_non_null(g_rig);
    assert_true(etcd_rig_running(g_rig, 0));
    assert_int_not_equal(g_rig->m[0].member_id, 0);
    assert_int_equal(etcd_rig_leader(g_rig), 0);
    assert_true(dir_exists(g_rig->m[0].data_dir));
    assert_true(dir_exists(g_rig->m[0].log_path));
    put_value(g_rig->m[0].client_url, "djE=");
    assert_value(g_rig->m[0].client_url, "djE=");

    snap s;
    snap_take(g_rig, &s);
    etcd_rig_stop(g_rig);
    g_rig = NULL;
    assert_nothing_left(&s);
}

static void test_three_members_kill_restart(void **state)
{
    (void)state;
    etcd_status st;
    g_rig = start_rig(3, NULL);
    assert_non_null(g_rig);
    etcd_rig *r = g_rig;
    int leader = etcd_rig_leader(r);
    assert_true(leader >= 0 && leader < 3);
    for (int i = 0; i < 3; i++) {
        assert_int_not_equal(r->m[i].member_id, 0);
        for (int k = 0; k < i; k++) {
            assert_int_not_equal(r->m[i].member_id, r->m[k].member_id);
            assert_int_not_equal(r->m[i].client_port, r->m[k].client_port);
        }
    }
    snap s;
    snap_take(r, &s);

    /* kill -9 the leader: the other two elect a new one and serve a put */
    uint64_t killed_id = r->m[leader].member_id;
    assert_int_equal(etcd_rig_kill(r, leader, SIGKILL), ETCD_OK);
    assert_false(etcd_rig_running(r, leader));
    assert_true(pid_gone(s.pids[leader]));
    assert_int_equal(etcd_rig_wait_healthy(r, 20000, &st), ETCD_OK);
    int other = (leader + 1) % 3;
    put_value(r->m[other].client_url, "djI=");
    int new_leader = etcd_rig_leader(r);
    assert_true(new_leader >= 0 && new_leader != leader);

    /* restart it on the same data dir: same member id, it catches up */
    assert_int_equal(etcd_rig_restart(r, leader, &st), ETCD_OK);
    assert_true(etcd_rig_running(r, leader));
    assert_int_equal(r->m[leader].member_id, killed_id);
    assert_value(r->m[leader].client_url, "djI=");
    s.pids[leader] = r->m[leader].pid;

    /* SIGTERM: the member exits by itself and no longer counts as running;
     * restart reaps it and starts it again */
    int third = 3 - leader - other;
    assert_int_equal(etcd_rig_kill(r, third, SIGTERM), ETCD_OK);
    for (int t = 0; t < 100 && etcd_rig_running(r, third); t++)
        sleep_ms(50);
    assert_false(etcd_rig_running(r, third));
    assert_int_equal(etcd_rig_restart(r, third, &st), ETCD_OK);
    assert_true(etcd_rig_running(r, third));
    s.pids[third] = r->m[third].pid;

    /* a frozen member must not stall the stop (SIGCONT after SIGTERM) */
    assert_int_equal(etcd_rig_kill(r, other, SIGSTOP), ETCD_OK);
    etcd_rig_stop(r);
    g_rig = NULL;
    assert_nothing_left(&s);
}

/* The rig's client over all running members (the etcd client's own tests
 * cover its semantics; this checks the rig hands it the right endpoints). */
static void test_rig_client(void **state)
{
    (void)state;
    etcd_status st;
    setenv("GEOKV_ETCD", "/usr/bin/etcd", 1);   /* the override, pointing at the real one */
    g_rig = start_rig(3, NULL);
    unsetenv("GEOKV_ETCD");
    assert_non_null(g_rig);
    etcd_client *c = NULL;
    assert_int_equal(etcd_rig_client(g_rig, &c, &st), ETCD_OK);
    for (int k = 0; k < 3; k++) {   /* round-robin: every member serves one */
        char key[16];
        snprintf(key, sizeof key, "rc%d", k);
        assert_int_equal(etcd_put(c, key, strlen(key), "v", 1, NULL, NULL, &st), ETCD_OK);
    }
    etcd_range_result rr;
    memset(&rr, 0, sizeof rr);
    etcd_range_opts ro = { .prefix = true };
    assert_int_equal(etcd_range(c, "rc", 2, &ro, &rr, &st), ETCD_OK);
    assert_int_equal(rr.n_kvs, 3);
    etcd_range_result_free(&rr);
    etcd_client_free(c);

    /* after a kill, a new rig client lists only the running members. When
     * the killed member led, a put may meet the election ("request timed
     * out"); this one writer putting one value may repeat it safely, which
     * the client does only when told. */
    assert_int_equal(etcd_rig_kill(g_rig, 2, SIGKILL), ETCD_OK);
    assert_int_equal(etcd_rig_client(g_rig, &c, &st), ETCD_OK);
    etcd_put_opts po = { .retry_safe = true };
    for (int k = 0; k < 4; k++)
        if (etcd_put(c, "after", 5, "kill", 4, &po, NULL, &st) != ETCD_OK)
            fail_msg("put %d after the kill: %s", k, st.message);
    etcd_client_free(c);
    snap s;
    snap_take(g_rig, &s);
    etcd_rig_stop(g_rig);
    g_rig = NULL;
    assert_nothing_left(&s);
}

static void test_busy_port_is_retried(void **state)
{
    (void)state;
    etcd_rig_config cfg = { .n_members = 1 };
    etcd_status st;
    assert_int_equal(etcd_rig_new(&cfg, &g_rig, &st), ETCD_OK);
    int busy = g_rig->m[0].client_port;
    int fd = occupy_port(busy);

    etcd_code code = etcd_rig_start(g_rig, &st);
    close(fd);
    if (code != ETCD_OK)
        fprintf(stderr, "start: %s\n", st.message);
    assert_int_equal(code, ETCD_OK);
    assert_int_not_equal(g_rig->m[0].client_port, busy);
    put_value(g_rig->m[0].client_url, "djM=");
    snap s;
    snap_take(g_rig, &s);
    etcd_rig_stop(g_rig);
    g_rig = NULL;
    assert_nothing_left(&s);
}

/* A proxied member's client port cannot move: the start fails, clearly. */
static void test_busy_pinned_port_fails_clearly(void **state)
{
    (void)state;
    etcd_rig_config cfg = { .n_members = 1 };
    etcd_status st;
    assert_int_equal(etcd_rig_new(&cfg, &g_rig, &st), ETCD_OK);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", etcd_rig_free_port());
    assert_int_equal(etcd_rig_set_peer_advertise(g_rig, 0, url), ETCD_OK);
    int busy = g_rig->m[0].client_port;
    int fd = occupy_port(busy);
    etcd_code code = etcd_rig_start(g_rig, &st);
    close(fd);
    assert_int_equal(code, ETCD_ERR_CONNECT);
    assert_int_equal(g_rig->m[0].client_port, busy);
    assert_non_null(strstr(st.message, "cannot move it"));
    assert_false(etcd_rig_running(g_rig, 0));
    assert_int_equal(etcd_rig_set_peer_advertise(g_rig, 0, url), ETCD_ERR_INVAL); /* after start */
    snap s;
    snap_take(g_rig, &s);
    etcd_rig_stop(g_rig);
    g_rig = NULL;
    assert_nothing_left(&s);
}

static void test_clear_errors(void **state)
{
    (void)state;
    etcd_rig *r = (etcd_rig *)0x1;
    etcd_status st;
    etcd_rig_config cfg = { .n_members = 1, .etcd_bin = "/nonexistent/etcd" };
    assert_int_equal(etcd_rig_new(&cfg, &r, &st), ETCD_ERR_INVAL);
    assert_null(r);
    assert_non_null(strstr(st.message, "etcd not found"));
    assert_non_null(strstr(st.message, "scripts/install-deps.sh"));

    setenv("GEOKV_ETCD", "/nonexistent/etcd-from-env", 1);
    etcd_rig_config cfg2 = { .n_members = 1 };
    assert_int_equal(etcd_rig_new(&cfg2, &r, &st), ETCD_ERR_INVAL);
    assert_non_null(strstr(st.message, "etcd-from-env"));
    unsetenv("GEOKV_ETCD");

    /* a regular file as parent directory: unwritable even for root */
    char file[] = "/tmp/itest-rig-file-XXXXXX", base[64];
    int fd = mkstemp(file);
    assert_true(fd >= 0);
    close(fd);
    snprintf(base, sizeof base, "%s/sub", file);
    etcd_rig_config cfg3 = { .n_members = 1, .base_dir = base };
    etcd_code code = etcd_rig_new(&cfg3, &r, &st);
    unlink(file);
    assert_int_equal(code, ETCD_ERR_INVAL);
    assert_non_null(strstr(st.message, base));
    assert_non_null(strstr(st.message, "writable"));

    /* a member that dies at start: its status and last log lines */
    char fake[] = "/tmp/itest-rig-fake-etcd-XXXXXX";
    int ffd = mkstemp(fake);
    assert_true(ffd >= 0);
    static const char script[] = "#!/bin/sh\necho 'line one' >&2\necho 'fake etcd: boom' >&2\nexit 3\n";
    assert_int_equal(write(ffd, script, sizeof script - 1), (ssize_t)(sizeof script - 1));
    close(ffd);
    chmod(fake, 0755);
    etcd_rig_config cfg7 = { .n_members = 1, .etcd_bin = fake, .start_timeout_ms = 5000 };
    assert_int_equal(etcd_rig_new(&cfg7, &g_rig, &st), ETCD_OK);
    code = etcd_rig_start(g_rig, &st);
    unlink(fake);
    assert_int_equal(code, ETCD_ERR_CONNECT);
    assert_non_null(strstr(st.message, "status 3"));
    assert_non_null(strstr(st.message, "line one | fake etcd: boom"));
    assert_false(etcd_rig_running(g_rig, 0));
    snap s;
    snap_take(g_rig, &s);
    etcd_rig_stop(g_rig);
    g_rig = NULL;
    assert_nothing_left(&s);

    etcd_rig_config cfg4 = { .n_members = 0 };
    assert_int_equal(etcd_rig_new(&cfg4, &r, &st), ETCD_ERR_INVAL);
    etcd_rig_config cfg5 = { .n_members = ETCD_RIG_MAX_MEMBERS + 1 };
    assert_int_equal(etcd_rig_new(&cfg5, &r, &st), ETCD_ERR_INVAL);
    etcd_rig_config cfg6 = { .n_members = 2, .names = { "a", "a" } };
    assert_int_equal(etcd_rig_new(&cfg6, &r, &st), ETCD_ERR_INVAL);
    assert_non_null(strstr(st.message, "duplicate"));
}

/* PDEATHSIG fires when the forking *thread* exits: a rig started from a
 * thread that ends must keep its members. */
static void *start_in_thread(void *arg)
{
    *(etcd_rig **)arg = start_rig(1, NULL);
    return NULL;
}

static void test_rig_outlives_starting_thread(void **state)
{
    (void)state;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, start_in_thread, &g_rig), 0);
    pthread_join(t, NULL);
    assert_non_null(g_rig);
    sleep_ms(300);
    assert_true(etcd_rig_running(g_rig, 0));
    assert_false(pid_gone(g_rig->m[0].pid));
    etcd_status st;
    assert_int_equal(etcd_rig_wait_healthy(g_rig, 5000, &st), ETCD_OK);
    put_value(g_rig->m[0].client_url, "djQ=");
    snap s;
    snap_take(g_rig, &s);
    etcd_rig_stop(g_rig);
    g_rig = NULL;
    assert_nothing_left(&s);
}

/* ---- a child process runs a rig; the parent ends it in various ways ------ */

typedef struct child_report {
    int n;
    pid_t pids[ETCD_RIG_MAX_MEMBERS];
    char dir[512];
} child_report;

enum child_end { CHILD_PAUSE, CHILD_EXIT };

/* Forks a child that starts an n-member rig, reports its pids and directory
 * through a pipe and then pauses (or calls exit(0) without stopping the rig). */
static pid_t fork_rig_child(int n, const char *base_dir, bool signal_cleanup, enum child_end end,
                            child_report *rep)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        close(p[0]);
        if (signal_cleanup)
            etcd_rig_install_signal_cleanup();
        etcd_rig *r = start_rig(n, base_dir);
        child_report c = { 0 };
        if (r) {
            c.n = r->n;
            for (int i = 0; i < r->n; i++)
                c.pids[i] = r->m[i].pid;
            snprintf(c.dir, sizeof c.dir, "%s", r->base_dir);
        }
        if (write(p[1], &c, sizeof c) != (ssize_t)sizeof c)
            _exit(3);
        close(p[1]);
        if (!r)
            _exit(2);
        if (end == CHILD_EXIT)
            exit(0);   /* the rig's atexit handler must clean up */
        for (;;)
            pause();
    }
    close(p[1]);
    memset(rep, 0, sizeof *rep);
    ssize_t got = read(p[0], rep, sizeof *rep);
    close(p[0]);
    assert_int_equal(got, (ssize_t)sizeof *rep);
    assert_int_equal(rep->n, n);
    for (int i = 0; i < n; i++)
        assert_false(pid_gone(rep->pids[i]));
    assert_true(dir_exists(rep->dir));
    return child;
}

static void test_sigkill_parent_leaves_no_member(void **state)
{
    (void)state;
    /* Orphaned members are re-parented to us, so we can reap them and see
     * how they died (and a zombie does not count as alive). */
    assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    char base[] = "/tmp/itest-rig-XXXXXX";
    assert_non_null(mkdtemp(base));
    snprintf(g_orphan_dir, sizeof g_orphan_dir, "%s", base);
    child_report rep;
    pid_t child = fork_rig_child(2, base, false, CHILD_PAUSE, &rep);
    memcpy(g_orphans, rep.pids, sizeof g_orphans);
    kill(child, SIGKILL);
    int ws;
    assert_int_equal(waitpid(child, &ws, 0), child);
    assert_true(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL);

    int gone = 0;
    for (int t = 0; t < 100 && gone < rep.n; t++) {
        gone = 0;
        for (int i = 0; i < rep.n; i++) {
            int mws;
            pid_t w = waitpid(rep.pids[i], &mws, WNOHANG);
            if (w == rep.pids[i]) {
                g_orphans[i] = 0;
                assert_true(WIFSIGNALED(mws) && WTERMSIG(mws) == SIGKILL);
                rep.pids[i] = -rep.pids[i];
            }
            if (rep.pids[i] < 0 || pid_gone(rep.pids[i]))
                gone++;
        }
        if (gone < rep.n)
            sleep_ms(50);
    }
    assert_int_equal(gone, rep.n);
    /* A SIGKILLed process cannot remove its directory: the teardown does. */
    assert_true(dir_exists(rep.dir));
}

static void test_sigint_with_cleanup(void **state)
{
    (void)state;
    child_report rep;
    pid_t child = fork_rig_child(3, NULL, true, CHILD_PAUSE, &rep);
    kill(child, SIGINT);
    int ws;
    assert_int_equal(waitpid(child, &ws, 0), child);
    assert_true(WIFSIGNALED(ws));
    assert_int_equal(WTERMSIG(ws), SIGINT);
    snap s = { .n = rep.n };
    memcpy(s.pids, rep.pids, sizeof s.pids);
    snprintf(s.dir, sizeof s.dir, "%s", rep.dir);
    assert_nothing_left(&s);
}

static void test_exit_without_stop(void **state)
{
    (void)state;
    child_report rep;
    pid_t child = fork_rig_child(1, NULL, false, CHILD_EXIT, &rep);
    int ws;
    assert_int_equal(waitpid(child, &ws, 0), child);
    assert_true(WIFEXITED(ws));
    assert_int_equal(WEXITSTATUS(ws), 0);
    snap s = { .n = rep.n };
    memcpy(s.pids, rep.pids, sizeof s.pids);
    snprintf(s.dir, sizeof s.dir, "%s", rep.dir);
    assert_nothing_left(&s);
}

/* ---- build/bin/etcd-rig, the program for humans ------------------------- */

/* Runs etcd-rig with args, reads its JSON from stdout into *out. */
static pid_t run_rig_program(char *const args[], snap *out)
{
    const char *bin_dir = getenv("GEOKV_BIN");
    char bin[1024];
    snprintf(bin, sizeof bin, "%s/etcd-rig", bin_dir && bin_dir[0] ? bin_dir : "build/bin");
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        char *argv[16] = { bin };
        for (int k = 0; args[k] && k < 14; k++)
            argv[k + 1] = args[k];
        execv(bin, argv);
        _exit(127);
    }
    close(p[1]);
    FILE *f = fdopen(p[0], "r");
    assert_non_null(f);
    json_error_t jerr;
    json_t *j = json_loadf(f, JSON_DISABLE_EOF_CHECK, &jerr);
    fclose(f);
    if (!j)
        fprintf(stderr, "etcd-rig output: %s\n", jerr.text);
    assert_non_null(j);
    json_t *members = json_object_get(j, "members");
    memset(out, 0, sizeof *out);
    out->n = (int)json_array_size(members);
    for (int i = 0; i < out->n && i < ETCD_RIG_MAX_MEMBERS; i++)
        out->pids[i] = (pid_t)json_integer_value(json_object_get(json_array_get(members, i), "pid"));
    snprintf(out->dir, sizeof out->dir, "%s", json_string_value(json_object_get(j, "base_dir")));
    assert_non_null(json_string_value(json_object_get(j, "endpoints")));
    assert_non_null(json_string_value(json_object_get(j, "leader")));
    json_decref(j);
    return child;
}

static void test_program_ctrl_c(void **state)
{
    (void)state;
    char *const args[] = { "-n", "2", "--json-only", NULL };
    snap s;
    pid_t child = run_rig_program(args, &s);
    assert_int_equal(s.n, 2);
    for (int i = 0; i < s.n; i++)
        assert_false(pid_gone(s.pids[i]));
    assert_true(dir_exists(s.dir));
    kill(child, SIGINT);
    int ws;
    assert_int_equal(waitpid(child, &ws, 0), child);
    assert_true(WIFEXITED(ws));
    assert_int_equal(WEXITSTATUS(ws), 0);
    assert_nothing_left(&s);
}

static void test_program_command(void **state)
{
    (void)state;
    /* the command sees the endpoints; its exit status is the program's */
    char *const args[] = { "-n", "1", "--json-only", "--", "sh", "-c",
                           "case \"$GEOKV_ETCD_ENDPOINTS,$GEOKV_ETCD_METRICS\" in "
                           "http://127.0.0.1:*,http://127.0.0.1:*/metrics) exit 7;; esac; exit 1",
                           NULL };
    snap s;
    pid_t child = run_rig_program(args, &s);
    int ws;
    assert_int_equal(waitpid(child, &ws, 0), child);
    assert_true(WIFEXITED(ws));
    assert_int_equal(WEXITSTATUS(ws), 7);
    assert_nothing_left(&s);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_clear_errors, teardown_rig),
        cmocka_unit_test_teardown(test_single_member, teardown_rig),
        cmocka_unit_test_teardown(test_three_members_kill_restart, teardown_rig),
        cmocka_unit_test_teardown(test_rig_client, teardown_rig),
        cmocka_unit_test_teardown(test_busy_port_is_retried, teardown_rig),
        cmocka_unit_test_teardown(test_busy_pinned_port_fails_clearly, teardown_rig),
        cmocka_unit_test_teardown(test_rig_outlives_starting_thread, teardown_rig),
        cmocka_unit_test_teardown(test_sigkill_parent_leaves_no_member, teardown_rig),
        cmocka_unit_test_teardown(test_sigint_with_cleanup, teardown_rig),
        cmocka_unit_test_teardown(test_exit_without_stop, teardown_rig),
        cmocka_unit_test_teardown(test_program_ctrl_c, teardown_rig),
        cmocka_unit_test_teardown(test_program_command, teardown_rig),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
