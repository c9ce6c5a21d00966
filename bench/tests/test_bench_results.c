/* Unit tests for bench_record and bench_results: record fields, CSV shape,
 * whole-line appends, resume with a partial tail, atomic latest link. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "bench/bench_record.h"
#include "bench/bench_results.h"
#include "bench/tests/testlib_bench.h"
#include "sim/util/util_fs.h"

static void fake_result(cb_run_result *r, double agents[4])
{
    memset(r, 0, sizeof *r);
    r->completed = true;
    r->setup_s = 12.5;
    r->n_agents = 4;
    r->agent_complete_s = agents;
    r->agent_p50_s = 3.25;
    r->agent_p90_s = 4;
    r->agent_max_s = 4.5;
    r->stats.bytes_sent = 1000;
    r->stats.bytes_received = 2000;
    r->stats.ops[ETCD_OP_T_RANGE] = 5;
    r->stats.ops[ETCD_OP_T_PUT] = 7;
    r->stats.ops[ETCD_OP_T_LEASE_GRANT] = 1;
    r->stats.ops[ETCD_OP_T_LEASE_KEEPALIVE] = 2;
    r->stats.ops[ETCD_OP_T_WATCH] = 3;
    r->stats.ops[ETCD_OP_T_LOCK] = 1;
    r->stats.ops[ETCD_OP_T_UNLOCK] = 1;
    r->stats.watch_events = 42;
    r->lock_wait_sum_s = 1.5;
    r->lock_wait_max_s = 0.75;
    r->checker_ok = true;
}

static json_t *make_record(const char *mode, int n, int rep, const char *msg)
{
    static double agents[4] = { 1, 2, 3, 4 };
    static const bench_link_bytes links[] = {
        { "aws-ap-northeast-2", "aws-ap-southeast-1", "peer", 100 },
        { "aws-ap-northeast-2", "aws-ap-northeast-2", "client", 50 },
        { "gcp-asia-east1", "aws-ap-northeast-2", "client", 30 },
        { "?", "aws-ap-northeast-2", "peer", 7 },
    };
    cb_run_result r;
    bench_meas m;
    json_t *rec;
    fake_result(&r, agents);
    snprintf(r.checker_msg, sizeof r.checker_msg, "%s", msg);
    memset(&m, 0, sizeof m);
    m.run_id = "20261122-030000-7";
    m.mode = mode;
    m.n = n;
    m.rep = rep;
    m.order = 1;
    m.seed = 7;
    m.rtt_scale = 0.05;
    m.time_scale = 0.25;   /* setup_full_s = setup_s / 0.25 */
    m.fault = "";
    m.leader = "Seoul-AWS";
    m.res = &r;
    m.n_members = 2;
    m.members[0] = (bench_member_delta){ "Seoul-AWS", 10, 20, 300, 5, true, "" };
    m.members[1] = (bench_member_delta){ "Singapore", 1, 2, 30, 5, true, "" };
    m.has_wan = true;
    m.links = links;
    m.n_links = 4;
    rec = bench_record_json(&m);
    assert_non_null(rec);
    return rec;
}

static void test_record_fields(void **state)
{
    json_t *rec = make_record("after", 4, 1, "");
    (void)state;
    for (size_t i = 0; bench_csv_columns[i] != NULL; i++)
        if (json_object_get(rec, bench_csv_columns[i]) == NULL)
            fail_msg("column %s missing from the record", bench_csv_columns[i]);
    assert_int_equal(json_integer_value(json_object_get(rec, "grpc_bytes")), 33);
    assert_int_equal(json_integer_value(json_object_get(rec, "grpc_sent_bytes")), 11);
    assert_int_equal(json_integer_value(json_object_get(rec, "grpc_received_bytes")), 22);
    assert_int_equal(json_integer_value(json_object_get(rec, "raft_bytes")), 330);
    assert_int_equal(json_integer_value(json_object_get(rec, "http_bytes")), 3000);
    assert_int_equal(json_integer_value(json_object_get(rec, "wan_egress_bytes")), 130);
    assert_int_equal(json_integer_value(json_object_get(rec, "ops_total")), 20);
    assert_int_equal(json_integer_value(json_object_get(rec, "ops_lease")), 3);
    assert_int_equal(json_integer_value(json_object_get(rec, "ops_lock")), 2);
    assert_int_equal(json_integer_value(json_object_get(rec, "watch_events")), 42);
    assert_true(json_is_true(json_object_get(rec, "checker_ok")));
    assert_int_equal(json_array_size(json_object_get(rec, "agent_complete_s")), 4);
    assert_int_equal(json_array_size(json_object_get(rec, "members")), 2);
    assert_int_equal(json_array_size(json_object_get(rec, "egress")), 4);
    json_decref(rec);
}

static void test_record_failed_scrape(void **state)
{
    cb_run_result r;
    double agents[4] = { 1, 2, 3, 4 };
    bench_meas m;
    json_t *rec;
    (void)state;
    fake_result(&r, agents);
    r.completed = false;
    memset(&m, 0, sizeof m);
    m.mode = "before";
    m.res = &r;
    m.n_members = 1;
    m.members[0] = (bench_member_delta){ "Seoul-AWS", 10, 20, 300, 5, false, "GET /metrics: refused" };
    rec = bench_record_json(&m);
    assert_true(json_is_null(json_object_get(rec, "grpc_bytes")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(rec, "members"), 0),
                                                          "unavailable")),
                        "GET /metrics: refused");
    assert_true(json_is_null(json_object_get(rec, "setup_s")));
    assert_true(json_is_null(json_object_get(rec, "wan_egress_bytes")));
    assert_true(json_is_null(json_object_get(rec, "wan_loop_cpu_s")));
    json_decref(rec);
}

static void test_csv(void **state)
{
    json_t *rec = make_record("before", 10, 2, "peer \"x\", duplicate");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int ncol = 0;
    char *second;
    (void)state;
    while (bench_csv_columns[ncol])
        ncol++;
    bench_csv_header(f);
    bench_csv_row(f, rec);
    fclose(f);
    assert_int_equal(bench_t_csv_fields(buf), ncol);
    second = strchr(buf, '\n') + 1;
    assert_int_equal(bench_t_csv_fields(second), ncol);
    assert_non_null(strstr(second, "20261122-030000-7,before,10,2,1,7,0.05,0.25,,Seoul-AWS,12.5,"));
    assert_non_null(strstr(second, ",1,\"peer \"\"x\"\", duplicate\"\n"));
    /* cells by column name, read back by name */
    {
        static const char *const want[][2] = {
            {"setup_s", "12.5"}, {"setup_full_s", "50"},
            {"agent_p50_s", "3.25"}, {"agent_p90_s", "4"}, {"agent_max_s", "4.5"},
            {"grpc_bytes", "33"}, {"grpc_sent_bytes", "11"}, {"grpc_received_bytes", "22"},
            {"http_bytes", "3000"}, {"raft_bytes", "330"}, {"wan_egress_bytes", "130"},
            {"ops_total", "20"}, {"ops_lease", "3"}, {"ops_lock", "2"}, {"lock_wait_sum_s", "1.5"},
            {"watch_events", "42"}, {"checker_ok", "1"}, {"checker_msg", "peer \"x\", duplicate"},
        };
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
            char cell[256];
            if (bench_t_csv_cell(buf, want[i][0], cell, sizeof cell) != 0)
                fail_msg("no column %s", want[i][0]);
            assert_string_equal(cell, want[i][1]);
        }
    }
    free(buf);
    json_decref(rec);
}

static void test_format_real(void **state)
{
    char b[64];
    (void)state;
    bench_format_real(1.0, b, sizeof b);
    assert_string_equal(b, "1");
    bench_format_real(0.000001, b, sizeof b);
    assert_string_equal(b, "0.000001");
    bench_format_real(1234567.25, b, sizeof b);
    assert_string_equal(b, "1234567.25");
    bench_format_real(-0.0, b, sizeof b);
    assert_string_equal(b, "0");
}

static char tmpdir[256];

static int setup_dir(void **state)
{
    (void)state;
    return bench_t_tmpdir_make(tmpdir, sizeof tmpdir, "bench-test");
}

static int teardown_dir(void **state)
{
    (void)state;
    return bench_t_tmpdir_remove(tmpdir);
}

static size_t count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    int c;
    size_t n = 0;
    assert_non_null(f);
    while ((c = fgetc(f)) != EOF)
        if (c == '\n')
            n++;
    fclose(f);
    return n;
}

static void test_results_dir(void **state)
{
    bench_results r;
    char err[256], path[1200], target[256];
    json_t *rec;
    FILE *f;
    ssize_t tl;
    (void)state;
    assert_int_equal(bench_results_create(&r, tmpdir, "20261122-030000-7", err, sizeof err), 0);
    rec = make_record("after", 4, 1, "");
    assert_int_equal(bench_results_append(&r, rec, err, sizeof err), 0);
    json_decref(rec);
    rec = make_record("before", 4, 1, "");
    assert_int_equal(bench_results_append(&r, rec, err, sizeof err), 0);
    json_decref(rec);
    assert_true(bench_results_has(&r, "after", 4, 1));
    assert_false(bench_results_has(&r, "after", 4, 2));
    bench_results_close(&r);

    snprintf(path, sizeof path, "%s/20261122-030000-7/summary.csv", tmpdir);
    assert_int_equal(count_lines(path), 3);
    snprintf(path, sizeof path, "%s/20261122-030000-7/timelines", tmpdir);
    {
        struct stat sb;
        assert_int_equal(stat(path, &sb), 0);
        assert_true(S_ISDIR(sb.st_mode));
    }

    /* A crash mid-write leaves a partial line: resume cuts it, keeps two. */
    snprintf(path, sizeof path, "%s/20261122-030000-7/runs.jsonl", tmpdir);
    f = fopen(path, "a");
    fputs("{\"mode\":\"lockless\",\"n\":4,", f);
    fclose(f);
    assert_int_equal(bench_results_link_latest(tmpdir, "20261122-030000-7", err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/latest", tmpdir);
    tl = readlink(path, target, sizeof target - 1);
    assert_true(tl > 0);
    target[tl] = '\0';
    assert_string_equal(target, "20261122-030000-7");
    assert_int_equal(bench_results_open(&r, path, err, sizeof err), 0);
    assert_string_equal(r.run_id, "20261122-030000-7");
    assert_int_equal(json_array_size(r.records), 2);
    assert_true(bench_results_has(&r, "before", 4, 1));
    assert_false(bench_results_has(&r, "lockless", 4, 1));
    rec = make_record("lockless", 4, 1, "");
    assert_int_equal(bench_results_append(&r, rec, err, sizeof err), 0);
    json_decref(rec);
    bench_results_close(&r);
    snprintf(path, sizeof path, "%s/20261122-030000-7/runs.jsonl", tmpdir);
    assert_int_equal(count_lines(path), 3);
    {
        json_t *all;
        size_t valid, bad;
        size_t len = 0;
        char *text = util_slurp(path, &len);
        assert_non_null(text);
        assert_int_equal(bench_parse_runs(text, len, &all, &valid, &bad), 0);
        assert_int_equal(json_array_size(all), 3);
        assert_int_equal(valid, len);
        assert_int_equal(bad, 0);
        json_decref(all);
        free(text);
    }
    snprintf(path, sizeof path, "%s/20261122-030000-7/summary.csv", tmpdir);
    assert_int_equal(count_lines(path), 4);
}

static void test_parse_runs_bad(void **state)
{
    const char *text = "{\"a\":1}\nnot json\n\n[1]\n{\"b\":2}\n{\"c\"";
    json_t *all;
    size_t valid, bad;
    (void)state;
    assert_int_equal(bench_parse_runs(text, strlen(text), &all, &valid, &bad), 0);
    assert_int_equal(json_array_size(all), 2);
    assert_int_equal(bad, 2);
    assert_int_equal(valid, strlen(text) - 4);
    json_decref(all);
}

static void test_unwritable(void **state)
{
    bench_results r;
    char err[256];
    (void)state;
    assert_int_not_equal(bench_results_create(&r, "/proc/geokv-no", "x", err, sizeof err), 0);
    assert_non_null(strstr(err, "cannot create"));
    bench_results_close(&r);
    assert_int_not_equal(bench_results_open(&r, "/nonexistent-geokv", err, sizeof err), 0);
    assert_non_null(strstr(err, "cannot resume"));
    bench_results_close(&r);
}

static void test_run_id(void **state)
{
    char id[64];
    (void)state;
    bench_run_id(0, 42, id, sizeof id);
    assert_string_equal(id, "19700101-000000-42");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_fields),
        cmocka_unit_test(test_record_failed_scrape),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_format_real),
        cmocka_unit_test_setup_teardown(test_results_dir, setup_dir, teardown_dir),
        cmocka_unit_test(test_parse_runs_bad),
        cmocka_unit_test(test_unwritable),
        cmocka_unit_test(test_run_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
