/* Unit tests for bench_opts: defaults, every option, and one-line errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "bench/bench_opts.h"
#include "sim/cb/cb_run.h"

static const char *const modes[] = { "before", "after", "lockless", NULL };

static int parse(bench_opts *o, char *err, size_t err_len, int argc, ...)
{
    char *argv[64];
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc; i++)
        argv[i] = va_arg(ap, char *);
    va_end(ap);
    bench_opts_default(o);
    return bench_opts_parse(argc, argv, modes, o, err, err_len);
}

static void test_defaults(void **state)
{
    bench_opts o;
    char err[256];
    (void)state;
    assert_int_equal(parse(&o, err, sizeof err, 0), 0);
    assert_int_equal(o.n_n, 5);
    assert_int_equal(o.n[0], 10);
    assert_int_equal(o.n[4], 50);
    /* every mode of the registry, in its order */
    {
        const char *const *reg = cb_mode_names();
        size_t k = 0;
        for (; reg[k]; k++) {
            assert_true(k < o.n_modes);
            assert_string_equal(o.modes[k], reg[k]);
        }
        assert_int_equal(o.n_modes, k);
        assert_true(k <= BENCH_MAX_MODES);   /* else the default sweep would drop modes */
    }
    assert_int_equal(o.reps, 3);
    assert_true(o.rtt_scale == 1.0);
    assert_true(o.delay_scale == 1.0);
    assert_false(o.seed_given);
    assert_string_equal(o.leader, "Seoul-AWS");
    assert_string_equal(o.policy, "round-robin");
    assert_int_equal(o.start, BENCH_START_ALL);
    assert_false(o.resume);
    assert_false(o.no_wan);
    assert_string_equal(o.fault, "");
    assert_true(o.wan_spin_us == 0);   /* automatic */
    assert_string_equal(o.controller_region, "");   /* the topology's */
    assert_string_equal(o.profile, "ideal");
    assert_int_equal(o.n_profile_set, 0);
    assert_string_equal(o.end, "txn");
}

/* The fidelity options: profile, overrides in order, deploy start, end. */
static void test_fidelity_options(void **state)
{
    bench_opts o;
    char err[256];
    (void)state;
    assert_int_equal(parse(&o, err, sizeof err, 9, "--profile", "patent-2022", "--profile-set", "c_line_us=55",
                           "--profile-set=cost_model=off", "--start", "deploy", "--end", "tunneling"),
                     0);
    assert_string_equal(o.profile, "patent-2022");
    assert_int_equal(o.n_profile_set, 2);
    assert_string_equal(o.profile_set[0], "c_line_us=55");
    assert_string_equal(o.profile_set[1], "cost_model=off");
    assert_int_equal(o.start, BENCH_START_DEPLOY);
    assert_string_equal(o.start_spec, "deploy");
    assert_string_equal(o.end, "tunneling");
    assert_int_equal(parse(&o, err, sizeof err, 4, "--profile", "my/p.json", "--end", "ips"), 0);
    assert_string_equal(o.profile, "my/p.json");
    assert_string_equal(o.end, "ips");
    /* a VM class name is checked against the loaded profile later, not here */
    assert_int_equal(parse(&o, err, sizeof err, 2, "--profile-set", "aws_vm=m5.large"), 0);
}

static void test_all_options(void **state)
{
    bench_opts o;
    char err[256];
    (void)state;
    assert_int_equal(parse(&o, err, sizeof err, 32, "--n", "4,8", "--modes=after,before", "--reps", "2",
                           "--rtt-scale", "0.2", "--delay-scale=0.05", "--seed", "0x10", "--topology", "t.json",
                           "--start", "gap:250ms", "--out", "/tmp/x", "--leader", "Singapore", "--policy",
                           "nearest", "--fault", "kill:sin@5s", "--no-wan", "--timeout", "2m",
                           "--spec-cache", "off", "--wan-spin", "250", "--controller-region", "aws-us-east-1",
                           "--resume"),
                     0);
    assert_int_equal(o.n_n, 2);
    assert_int_equal(o.n[1], 8);
    assert_int_equal(o.n_modes, 2);
    assert_string_equal(o.modes[0], "after");
    assert_int_equal(o.reps, 2);
    assert_true(o.rtt_scale == 0.2);
    assert_true(o.delay_scale == 0.05);
    assert_true(o.seed_given);
    assert_int_equal(o.seed, 16);
    assert_string_equal(o.topology, "t.json");
    assert_int_equal(o.start, BENCH_START_GAP);
    assert_true(o.start_param_s > 0.2499 && o.start_param_s < 0.2501);
    assert_string_equal(o.start_spec, "gap:250ms");
    assert_string_equal(o.out, "/tmp/x");
    assert_string_equal(o.leader, "Singapore");
    assert_string_equal(o.policy, "nearest");
    assert_string_equal(o.fault, "kill:sin@5s");
    assert_true(o.no_wan);
    assert_true(o.timeout_s == 120);
    assert_int_equal(o.spec_cache, 0);
    assert_int_equal(o.init_lock, -1);
    assert_true(o.wan_spin_us == 250);
    assert_string_equal(o.controller_region, "aws-us-east-1");
    assert_true(o.resume);
    assert_string_equal(o.resume_dir, "");
}

static void test_resume_dir(void **state)
{
    bench_opts o;
    char err[256];
    (void)state;
    assert_int_equal(parse(&o, err, sizeof err, 3, "--resume", "results/x", "--no-wan"), 0);
    assert_true(o.resume);
    assert_string_equal(o.resume_dir, "results/x");
    assert_true(o.no_wan);
    assert_int_equal(parse(&o, err, sizeof err, 1, "--resume=results/y"), 0);
    assert_string_equal(o.resume_dir, "results/y");
}

static void test_start_random(void **state)
{
    bench_opts o;
    char err[256];
    (void)state;
    assert_int_equal(parse(&o, err, sizeof err, 2, "--start", "random:30s"), 0);
    assert_int_equal(o.start, BENCH_START_RANDOM);
    assert_true(o.start_param_s == 30);
    assert_int_equal(parse(&o, err, sizeof err, 2, "--start", "random:1.5m"), 0);
    assert_true(o.start_param_s == 90);
}

static void test_help(void **state)
{
    bench_opts o;
    char err[256];
    (void)state;
    assert_int_equal(parse(&o, err, sizeof err, 3, "--n", "4", "--help"), 1);
}

/* --help lists every mode of the registry with its description, and the
 * default of --modes is all of them. */
static void test_usage_lists_modes(void **state)
{
    char *buf = NULL, all[256], line[512];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    (void)state;
    bench_opts_usage(f);
    fclose(f);
    cb_mode_join(all, sizeof all, ",");
    snprintf(line, sizeof line, "(default %s)", all);
    assert_non_null(strstr(buf, line));
    for (const char *const *m = cb_mode_names(); *m; m++) {
        snprintf(line, sizeof line, "\n  %-10s %s\n", *m, cb_mode_description(*m));
        assert_non_null(strstr(buf, line));
    }
    free(buf);
}

static void test_durations(void **state)
{
    double v;
    (void)state;
    assert_int_equal(bench_parse_duration("3", &v), 0);
    assert_true(v == 3);
    assert_int_equal(bench_parse_duration("2ms", &v), 0);
    assert_true(v == 0.002);
    assert_int_equal(bench_parse_duration("2s", &v), 0);
    assert_true(v == 2);
    assert_int_equal(bench_parse_duration("2m", &v), 0);
    assert_true(v == 120);
    assert_int_equal(bench_parse_duration("", &v), -1);
    assert_int_equal(bench_parse_duration("s", &v), -1);
    assert_int_equal(bench_parse_duration("-1s", &v), -1);
    assert_int_equal(bench_parse_duration("2h", &v), -1);
    assert_int_equal(bench_parse_duration("2sm", &v), -1);
    assert_int_equal(bench_parse_duration("1x", &v), -1);
}

/* Each bad command line gives -1 and one line naming the culprit. */
static void test_errors(void **state)
{
    static const struct { const char *a, *b, *needle; } cases[] = {
        { "--n", "", "--n" },
        { "--n", "10,x", "'x'" },
        { "--n", "0", "'0'" },
        { "--n", "10,10", "twice" },
        { "--n", "10,,20", "--n: empty item in '10,,20'" },
        { "--n", ",10", "empty item" },
        { "--n", "10,", "empty item" },
        { "--n", ",", "empty item" },
        { "--modes", "after,,before", "--modes: empty item" },
        { "--modes", "after,", "--modes: empty item" },
        { "--n", "1001", "1001" },
        { "--modes", "fast", "unknown mode 'fast'" },
        { "--modes", "after,after", "twice" },
        { "--reps", "0", "--reps" },
        { "--reps", "2x", "--reps" },
        { "--rtt-scale", "-1", "--rtt-scale" },
        { "--rtt-scale", "nan", "--rtt-scale" },
        { "--rtt-scale", "0", "--rtt-scale" },
        { "--delay-scale", "abc", "--delay-scale" },
        { "--delay-scale", "0", "above 0" },
        { "--seed", "-3", "--seed" },
        { "--seed", "12z", "--seed" },
        { "--start", "soon", "--start" },
        { "--start", "gap:", "--start" },
        { "--start", "random:-2s", "--start" },
        { "--leader", "Tokyo", "Tokyo" },
        { "--policy", "random", "random" },
        { "--timeout", "0", "--timeout" },
        { "--etcd-fsync", "maybe", "--etcd-fsync" },
        { "--spec-cache", "yes", "--spec-cache" },
        { "--wan-spin", "soon", "--wan-spin" },
        { "--wan-spin", "1e7", "--wan-spin" },
        { "--bogus", "1", "unknown option '--bogus'" },
        { "stray", "1", "unexpected argument 'stray'" },
        { "--topology", "", "--topology" },
        { "--profile", "", "--profile" },
        { "--profile-set", "c_line=5", "unknown profile parameter 'c_line'" },
        { "--profile-set", "c_line_us=fast", "'fast' is not a number" },
        { "--profile-set", "c_line_us=-1", "out of range" },
        { "--profile-set", "cost_model=maybe", "not true or false" },
        { "--profile-set", "c_line_us", "not KEY=VALUE" },
        { "--profile-set", "=5", "not KEY=VALUE" },
        { "--profile-set", "c_line_us=", "not KEY=VALUE" },
        { "--end", "last", "--end: 'last' is not txn, rule, ips or tunneling" },
        { "--start", "deploy:5s", "--start" },
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bench_opts o;
        char err[256];
        int rc = parse(&o, err, sizeof err, 2, cases[i].a, cases[i].b);
        if (rc != -1 || strstr(err, cases[i].needle) == NULL || strchr(err, '\n') != NULL)
            fail_msg("case %zu (%s %s): rc %d, err '%s'", i, cases[i].a, cases[i].b, rc, err);
    }
    {
        bench_opts o;
        char err[256];
        assert_int_equal(parse(&o, err, sizeof err, 1, "--reps"), -1);
        assert_non_null(strstr(err, "needs a value"));
        assert_int_equal(parse(&o, err, sizeof err, 1, "--no-wan=1"), -1);
        assert_non_null(strstr(err, "takes no value"));
    }
}

/* An existing cluster: URL@REGION, TLS files, user; curl chosen for https;
 * secrets and contradictions refused, each with one line naming the fix. */
static void test_external_options(void **state)
{
    bench_opts o;
    char err[256];
    (void)state;
    assert_int_equal(parse(&o, err, sizeof err, 12, "--endpoints",
                           "https://h1:2379@aws-ap-northeast-2,https://h2:2379/@gcp-asia-northeast3", "--cacert",
                           "ca.pem", "--cert", "c.pem", "--key", "c.key", "--user", "geo", "--key-prefix",
                           "/geokv/x"),
                     0);
    assert_int_equal(o.n_endpoints, 2);
    assert_string_equal(o.endpoints[0], "https://h1:2379");
    assert_string_equal(o.endpoint_regions[0], "aws-ap-northeast-2");
    assert_string_equal(o.endpoints[1], "https://h2:2379/");
    assert_string_equal(o.endpoint_regions[1], "gcp-asia-northeast3");
    assert_string_equal(o.cacert, "ca.pem");
    assert_string_equal(o.user, "geo");
    assert_string_equal(o.key_prefix, "/geokv/x");
    assert_string_equal(o.transport, "curl");   /* the native transport has no TLS */
    assert_int_equal(parse(&o, err, sizeof err, 2, "--endpoints", "http://h1:2379@aws-ap-northeast-2"), 0);
    assert_string_equal(o.transport, "native");  /* plain HTTP, no user: unchanged */

    static const struct { const char *a[6]; const char *needle; } bad[] = {
        { { "--password", "x" }, "a password on the command line is refused" },
        { { "--endpoints", "https://h1@aws-ap-northeast-2", "--password=x" }, "a password on the command line" },
        { { "--endpoints", "https://h1:2379@aws-ap-northeast-2", "--user", "geo:pw" }, "--user: expected a user name" },
        { { "--endpoints", "https://geo:pw@h1:2379@aws-ap-northeast-2" }, "no user or password in a URL" },
        { { "--endpoints", "https://h1:2379" }, "is not URL@REGION" },
        { { "--endpoints", "h1:2379@aws-ap-northeast-2" }, "is not URL@REGION" },
        { { "--endpoints", "https://h1@r1,http://h2@r2" }, "all https:// or all http://" },
        { { "--cacert", "ca.pem" }, "need --endpoints" },
        { { "--endpoints", "http://h1@r1", "--cacert", "ca.pem" }, "need https:// endpoints" },
        { { "--endpoints", "https://h1@r1", "--cert", "c.pem" }, "--cert and --key go together" },
        { { "--endpoints", "https://h1@r1", "--transport", "native" }, "use --transport curl" },
        { { "--endpoints", "http://h1@r1", "--user", "geo", "--transport", "native" }, "use --transport curl" },
        { { "--endpoints", "https://h1@r1", "--fault", "kill:sin@5s" }, "--fault acts on local members" },
        { { "--endpoints", "https://h1@r1", "--password-file", "f" }, "--password-file needs --user" },
        { { "--endpoints", "https://h1@r1", "--key-prefix", "/geokv/x/" }, "--key-prefix: '/geokv/x/'" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int argc = 0;
        while (argc < 6 && bad[i].a[argc])
            argc++;
        bench_opts_default(&o);
        err[0] = '\0';
        assert_int_equal(bench_opts_parse(argc, (char *const *)bad[i].a, modes, &o, err, sizeof err), -1);
        if (!strstr(err, bad[i].needle))
            fail_msg("case %zu: '%s' does not say '%s'", i, err, bad[i].needle);
        assert_null(strchr(err, '\n'));
    }
}

/* --time-scale sets --rtt-scale and --delay-scale, in either order; a
 * different explicit value of either is refused (one line); the rescale
 * factor is its value, 1 with nothing scaled, none (0) when only some
 * delays were scaled. */
static void test_time_scale(void **state)
{
    bench_opts o;
    char err[256];
    (void)state;
    assert_int_equal(parse(&o, err, sizeof err, 0), 0);
    assert_true(o.time_scale == 0 && bench_opts_rescale_factor(&o) == 1.0);
    assert_int_equal(parse(&o, err, sizeof err, 2, "--time-scale", "0.25"), 0);
    assert_true(o.time_scale == 0.25 && o.rtt_scale == 0.25 && o.delay_scale == 0.25);
    assert_true(bench_opts_rescale_factor(&o) == 0.25);
    assert_int_equal(parse(&o, err, sizeof err, 1, "--time-scale=1"), 0);
    assert_true(o.rtt_scale == 1.0 && bench_opts_rescale_factor(&o) == 1.0);
    /* the same value given twice is no contradiction, in either order */
    assert_int_equal(parse(&o, err, sizeof err, 4, "--rtt-scale", "0.5", "--time-scale", "0.5"), 0);
    assert_int_equal(parse(&o, err, sizeof err, 4, "--time-scale", "0.5", "--delay-scale", "0.5"), 0);
    assert_true(o.rtt_scale == 0.5 && o.delay_scale == 0.5);
    assert_int_equal(parse(&o, err, sizeof err, 4, "--time-scale", "0.5", "--rtt-scale", "0.2"), -1);
    assert_non_null(strstr(err, "--time-scale 0.5 conflicts with --rtt-scale 0.2"));
    assert_null(strchr(err, '\n'));
    assert_int_equal(parse(&o, err, sizeof err, 4, "--delay-scale", "0.3", "--time-scale", "0.5"), -1);
    assert_non_null(strstr(err, "conflicts with --delay-scale 0.3"));
    /* partial scaling: no single factor undoes it */
    assert_int_equal(parse(&o, err, sizeof err, 2, "--rtt-scale", "0.2"), 0);
    assert_true(bench_opts_rescale_factor(&o) == 0);
    assert_int_equal(parse(&o, err, sizeof err, 2, "--delay-scale", "0.2"), 0);
    assert_true(bench_opts_rescale_factor(&o) == 0);
    /* without the WAN the RTT scale does not matter */
    assert_int_equal(parse(&o, err, sizeof err, 3, "--rtt-scale", "0.2", "--no-wan"), 0);
    assert_true(bench_opts_rescale_factor(&o) == 1.0);
    {
        static const char *const bad[] = { "0", "-0.5", "1.01", "2", "abc", "", "nan", "inf", "0.5x" };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            int rc = parse(&o, err, sizeof err, 2, "--time-scale", bad[i]);
            if (rc != -1 || strstr(err, "--time-scale") == NULL || strchr(err, '\n') != NULL)
                fail_msg("--time-scale '%s': rc %d, err '%s'", bad[i], rc, err);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_all_options),
        cmocka_unit_test(test_fidelity_options),
        cmocka_unit_test(test_resume_dir),
        cmocka_unit_test(test_start_random),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_usage_lists_modes),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_external_options),
        cmocka_unit_test(test_time_scale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
