/* test_fuzz_regress.c: replays every input kept for the libFuzzer targets
 * (sim/fuzz/regress/<target>/: inputs that once crashed or broke a property;
 * sim/fuzz/corpus/<target>/: seeds built from the recorded fixtures) through
 * the same entry functions the fuzzers run (sim/fuzz/fuzz_entries.h and
 * fuzz_entries_input.h; the http entry's libcurl differential included), in the
 * normal build, so `make test` and `make asan` keep every fixed bug fixed
 * without clang. Fuzzing itself is `make fuzz` (not part of CI). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A broken property fails the current test with the entry's message and
 * the input being replayed. */
static const char *fz_current = "";
#define FUZZ_FAIL(...) do { print_error("replaying %s\n", fz_current); fail_msg(__VA_ARGS__); } while (0)
#include "sim/fuzz/fuzz_entries.h"
#include "sim/fuzz/fuzz_entries_input.h"
#include "sim/util/tests/testlib_fixture.h"

typedef void (*fuzz_entry_fn)(const uint8_t *data, size_t size);

/* Replays every regular file of sim/fuzz/<kind>/<target>/; returns how many. */
static int replay_dir(const char *kind, const char *target, fuzz_entry_fn entry)
{
    char rel[256], dir[1024];
    snprintf(rel, sizeof rel, "sim/fuzz/%s/%s", kind, target);
    fixture_path(rel, dir, sizeof dir);
    DIR *d = opendir(dir);
    if (!d)
        return 0;   /* no regression inputs yet for this target */
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len;
        uint8_t *data = fixture_read_file_exact(path, &len);
        fz_current = path;
        entry(data, len);
        fz_current = "";
        free(data);
        n++;
    }
    closedir(d);
    return n;
}

static void replay(const char *target, fuzz_entry_fn entry)
{
    int seeds = replay_dir("corpus", target, entry);
    int regress = replay_dir("regress", target, entry);
    print_message("%s: %d seeds, %d regression inputs replayed\n", target, seeds, regress);
    if (seeds == 0)
        fail_msg("no seed corpus for %s in sim/fuzz/corpus/%s (run from the repository root or set GEOKV_ROOT)",
                 target, target);
}

static void test_watch(void **state) { replay("watch", fuzz_watch_entry); }
static void test_jdiff(void **state) { replay("jdiff", fuzz_jdiff_entry); }
static void test_prom(void **state) { replay("prom", fuzz_prom_entry); }
static void test_topology(void **state) { replay("topology", fuzz_topology_entry); }
static void test_http(void **state) { replay("http", fuzz_http_entry); }
static void test_fault(void **state) { replay("fault", fuzz_fault_entry); }
static void test_opts(void **state) { replay("opts", fuzz_opts_entry); }

/* The entries check properties, not only survival: a stream whose lines the
 * parser got wrong, or decoders that disagree, must fail. These hand-made
 * inputs go through the same entries and must pass, so a property that can
 * never fail would show up as a seed that never exercises it. */
static void test_entries_accept_known_good(void **state)
{
    static const char watch[] = "\x02\x00\x05\x00\x30"
                                "{\"result\":{\"header\":{\"revision\":\"2\"},\"events\":[{\"kv\":{\"key\":\"YQ==\","
                                "\"value\":\"dg==\",\"mod_revision\":\"2\"}}]}}\r\n\n  {\"result\":{\"created\":true}}";
    fuzz_watch_entry((const uint8_t *)watch, sizeof watch - 1);
    static const char range[] = "\x00{\"header\":{\"revision\":\"7\"},\"kvs\":[{\"key\":\"YQ==\",\"value\":\"\","
                                "\"version\":\"1\"}],\"count\":\"1\"}";
    fuzz_jdiff_entry((const uint8_t *)range, sizeof range - 1);
    static const char prom[] = "# TYPE a counter\na{x=\"1\"} 2\na{x=\"2\"} 3\na{x=\"1\"} 4\nb 1\n";
    fuzz_prom_entry((const uint8_t *)prom, sizeof prom - 1);
    fuzz_fault_entry((const uint8_t *)"kill:sin@5s,restart@15s", 23);
}

/* The http entry's differential is real: libcurl reads the bytes served over
 * the socketpair (a chunked body, and a length-delimited one) and the
 * built-in reader gives the same. */
static void test_http_differential_reads(void **state)
{
    static const char *const rs[] = {
        "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x\r\nde\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    };
    static const char *const bodies[] = { "abcde", "hello" };
    static const long codes[] = { 404, 200 };
    (void)state;
    for (int i = 0; i < 2; i++) {
        long status = 0;
        fz_buf body = { 0 };
        assert_int_equal(fz_http_curl((const uint8_t *)rs[i], strlen(rs[i]), &status, &body), 0);
        assert_int_equal(status, codes[i]);
        assert_int_equal(body.len, strlen(bodies[i]));
        assert_memory_equal(body.p, bodies[i], body.len);
        fz_free(&body);
        fz_http_out o;
        fz_http_feed((const uint8_t *)rs[i], strlen(rs[i]), NULL, 0, true, &o);
        assert_int_equal(o.rc, 1);
        assert_int_equal(o.status, codes[i]);
        assert_int_equal(o.body.len, strlen(bodies[i]));
        fz_free(&o.body);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entries_accept_known_good),
        cmocka_unit_test(test_http_differential_reads),
        cmocka_unit_test(test_watch),
        cmocka_unit_test(test_jdiff),
        cmocka_unit_test(test_prom),
        cmocka_unit_test(test_topology),
        cmocka_unit_test(test_http),
        cmocka_unit_test(test_fault),
        cmocka_unit_test(test_opts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
