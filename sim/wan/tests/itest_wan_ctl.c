/* itest_wan_ctl.c: the standalone geokv-wan program, run as a child: its
 * start-up JSON, forwarding through a topology link, the control socket
 * (delay change, blackhole, heal, counters, errors), counters at exit, and a
 * clear error for a bad topology file. The "members" are an echo server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "sim/wan/wan_echo.h"
#include "sim/util/util_clock.h"

static int echo_port;
static char g_bin[1024], g_topo[1024];

static int group_setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    const char *bin = getenv("GEOKV_BIN"), *root = getenv("GEOKV_ROOT");
    snprintf(g_bin, sizeof g_bin, "%s/geokv-wan", bin ? bin : "build/bin");
    snprintf(g_topo, sizeof g_topo, "%s/sim/wan/topology/patent-fig6.json", root ? root : ".");
    char err[256];
    if (wan_echo_start(&echo_port, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

typedef struct child { pid_t pid; FILE *out; int err_fd; } child;

static pid_t g_child;   /* killed by the teardown when a test fails midway */

static int group_teardown(void **state)
{
    (void)state;
    if (g_child > 0) {
        kill(g_child, SIGKILL);
        waitpid(g_child, NULL, 0);
        g_child = 0;
    }
    return 0;
}

static child spawn(char *const argv[])
{
    int po[2], pe[2];
    assert_int_equal(pipe(po), 0);
    assert_int_equal(pipe(pe), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        execv(argv[0], argv);
        _exit(127);
    }
    g_child = pid;
    close(po[1]);
    close(pe[1]);
    child c = { pid, fdopen(po[0], "r"), pe[0] };
    return c;
}

static int child_wait(child *c)
{
    int st = 0;
    waitpid(c->pid, &st, 0);
    c->pid = 0;
    g_child = 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static json_t *read_json_line(FILE *f)
{
    char line[1 << 16];
    if (!fgets(line, sizeof line, f))
        return NULL;
    return json_loads(line, 0, NULL);
}

static int dial_tcp(int port)
{
    int fd = wan_echo_dial(port);
    assert_true(fd >= 0);
    return fd;
}

/* Round trip of a 32-byte message, ms; -1 when nothing came back in timeout_ms. */
static double ping(int fd, int timeout_ms)
{
    char m[32], r[32];
    memset(m, 'x', sizeof m);
    double t0 = util_now_ms();
    assert_int_equal(write(fd, m, sizeof m), (ssize_t)sizeof m);
    size_t got = 0;
    while (got < sizeof r) {
        struct pollfd p = { fd, POLLIN, 0 };
        int left = timeout_ms - (int)(util_now_ms() - t0);
        if (left <= 0 || poll(&p, 1, left) <= 0)
            return -1;
        ssize_t k = read(fd, r + got, sizeof r - got);
        if (k <= 0)
            return -1;
        got += (size_t)k;
    }
    return util_now_ms() - t0;
}

static FILE *ctl_open(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fdopen(fd, "r+");
}

static json_t *ctl_cmd(FILE *f, const char *cmd)
{
    fprintf(f, "%s\n", cmd);
    fflush(f);
    json_t *j = read_json_line(f);
    assert_non_null(j);
    return j;
}

static int link_port(json_t *info, const char *name)
{
    json_t *links = json_object_get(info, "links"), *l;
    size_t i;
    json_array_foreach(links, i, l)
        if (!strcmp(json_string_value(json_object_get(l, "name")), name))
            return (int)json_integer_value(json_object_get(l, "port"));
    fail_msg("no link %s", name);
    return -1;
}

static json_t *find_link(json_t *links, const char *name)
{
    json_t *l;
    size_t i;
    json_array_foreach(links, i, l)
        if (!strcmp(json_string_value(json_object_get(l, "name")), name))
            return l;
    return NULL;
}

static void test_program_and_control(void **state)
{
    (void)state;
    char m1[64], m2[64], m3[64];
    snprintf(m1, sizeof m1, "a-sel=%d,%d", echo_port, echo_port);
    snprintf(m2, sizeof m2, "g-sel=%d,%d", echo_port, echo_port);
    snprintf(m3, sizeof m3, "a-sin=%d,%d", echo_port, echo_port);
    char *argv[] = { g_bin, "--topology", g_topo, "--member", m1, "--member", m2, "--member", m3,
                     "--rtt-scale", "0.1", NULL };
    child c = spawn(argv);
    json_t *info = read_json_line(c.out);
    if (!info) {
        char e[512] = "";
        ssize_t k = read(c.err_fd, e, sizeof e - 1);
        kill(c.pid, SIGKILL);
        child_wait(&c);
        fail_msg("geokv-wan printed no JSON: %s", k > 0 ? e : "");
    }
    const char *ctl = json_string_value(json_object_get(info, "ctl"));
    assert_non_null(ctl);
    char ctl_path[100];
    snprintf(ctl_path, sizeof ctl_path, "%s", ctl);
    /* 10 regions x 3 members + 3 direct client links, 6 pair + 3 default peer links */
    assert_int_equal(json_array_size(json_object_get(info, "links")), 30 + 3 + 6 + 3);
    assert_int_equal(json_array_size(json_object_get(info, "peer_listeners")), 3);

    /* us-east-1 -> a-sel is 179 ms, scaled by 0.1 */
    int fd = dial_tcp(link_port(info, "c:aws-us-east-1:a-sel"));
    assert_true(ping(fd, 5000) >= 17.9);
    assert_true(ping(fd, 5000) >= 17.9);

    FILE *cf = ctl_open(ctl_path);
    json_t *r = ctl_cmd(cf, "rtt c:aws-us-east-1:a-sel 500");   /* 50 ms after scaling */
    assert_true(json_is_true(json_object_get(r, "ok")));
    json_decref(r);
    assert_true(ping(fd, 5000) >= 50.0);

    r = ctl_cmd(cf, "blackhole c:aws-us-east-1:a-sel on");
    assert_true(json_is_true(json_object_get(r, "ok")));
    json_decref(r);
    assert_true(ping(fd, 300) < 0);                             /* stalls */
    r = ctl_cmd(cf, "heal");
    json_decref(r);
    char rest[32];
    struct pollfd p = { fd, POLLIN, 0 };
    assert_int_equal(poll(&p, 1, 3000), 1);                     /* the stalled ping arrives */
    assert_true(read(fd, rest, sizeof rest) > 0);

    r = ctl_cmd(cf, "partition a-sin on clients");
    assert_true(json_is_true(json_object_get(r, "ok")));
    json_decref(r);
    r = ctl_cmd(cf, "counters");
    json_t *links = json_object_get(json_object_get(r, "result"), "links");
    assert_true(json_is_true(json_object_get(find_link(links, "p:a-sel:a-sin"), "blackholed")));
    assert_true(json_is_true(json_object_get(find_link(links, "c:direct:a-sin"), "blackholed")));
    assert_false(json_is_true(json_object_get(find_link(links, "c:direct:a-sel"), "blackholed")));
    json_int_t sent = json_integer_value(json_object_get(find_link(links, "c:aws-us-east-1:a-sel"), "bytes_to_target"));
    assert_int_equal(sent, 4 * 32);
    json_decref(r);

    r = ctl_cmd(cf, "blackhole no-such-link on");
    assert_false(json_is_true(json_object_get(r, "ok")));
    assert_non_null(strstr(json_string_value(json_object_get(r, "error")), "unknown link"));
    json_decref(r);
    r = ctl_cmd(cf, "rtt c:direct:a-sel -5");
    assert_false(json_is_true(json_object_get(r, "ok")));
    json_decref(r);
    fclose(cf);
    close(fd);

    /* stop: counters on stdout, exit 0, control socket removed */
    kill(c.pid, SIGTERM);
    json_t *fin = read_json_line(c.out);
    assert_non_null(fin);
    assert_true(json_integer_value(json_object_get(fin, "egress_total_bytes")) >= 4 * 32 * 2);
    json_decref(fin);
    assert_int_equal(child_wait(&c), 0);
    struct stat sb;
    assert_int_not_equal(stat(ctl_path, &sb), 0);
    fclose(c.out);
    close(c.err_fd);
    json_decref(info);
}

static void test_bad_topology(void **state)
{
    (void)state;
    char path[] = "/tmp/geokv-wan-topo-XXXXXX";
    int tfd = mkstemp(path);
    assert_true(tfd >= 0);
    const char *text = "{\n  \"name\": \"x\",\n  \"intra_region_rtt_ms\": -2\n}\n";
    assert_int_equal(write(tfd, text, strlen(text)), (ssize_t)strlen(text));
    close(tfd);
    char *argv[] = { g_bin, "--topology", path, "--member", "a=1", NULL };
    child c = spawn(argv);
    char e[1024] = "";
    size_t got = 0;
    ssize_t k;
    while (got < sizeof e - 1 && (k = read(c.err_fd, e + got, sizeof e - 1 - got)) > 0)
        got += (size_t)k;
    assert_int_equal(child_wait(&c), 1);
    char want[128];
    snprintf(want, sizeof want, "%s:3: intra_region_rtt_ms", path);
    if (!strstr(e, want))
        fail_msg("stderr \"%s\" lacks \"%s\"", e, want);
    unlink(path);
    fclose(c.out);
    close(c.err_fd);

    char *argv2[] = { g_bin, "--topology", g_topo, "--member", "nobody=5", NULL };
    c = spawn(argv2);
    got = 0;
    memset(e, 0, sizeof e);
    while (got < sizeof e - 1 && (k = read(c.err_fd, e + got, sizeof e - 1 - got)) > 0)
        got += (size_t)k;
    assert_int_equal(child_wait(&c), 1);
    assert_non_null(strstr(e, "nobody"));
    fclose(c.out);
    close(c.err_fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_program_and_control),
        cmocka_unit_test(test_bad_topology),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
