/* Unit tests for the pure parts of bench_calibrate: options (own and passed
 * on to the sweeps), a sweep's command line, the profile splice that leaves
 * every other byte alone, and when a secant step earns a second
 * verification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_calib_opts.h"
#include "bench/bench_calib_profile.h"
#include "bench/bench_calibrate.h"
#include "sim/cb/cb_profile.h"

static int parse(bench_calib_opts *o, char *err, size_t len, int argc, ...)
{
    char *argv[32];
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc; i++)
        argv[i] = va_arg(ap, char *);
    va_end(ap);
    bench_calib_opts_default(o);
    return bench_calib_opts_parse(argc, argv, o, err, len);
}

static void test_defaults(void **state)
{
    (void)state;
    bench_calib_opts o;
    char err[256];
    assert_int_equal(parse(&o, err, sizeof err, 0), 0);
    assert_string_equal(o.profile, "patent-2022");
    assert_int_equal(o.run.n_n, 5);
    assert_int_equal(o.run.n[0], 10);
    assert_int_equal(o.run.n[4], 50);
    assert_int_equal(o.run.reps, 1);
    assert_true(o.uplink);
    assert_int_equal(o.iterations, 2);
    assert_true(o.c0 == 30 && o.c1 == 90);
    assert_true(o.c_lo == 5 && o.c_hi == 500);
    assert_false(o.dry_run);
    assert_false(o.run.seed_given);
}

static void test_options(void **state)
{
    (void)state;
    bench_calib_opts o;
    char err[256];
    assert_int_equal(parse(&o, err, sizeof err, 18, "--n", "3,4", "--reps=2", "--seed", "7", "--rtt-scale", "0.1",
                           "--delay-scale=0.2", "--profile", "/tmp/p.json", "--uplink", "off", "--c0", "100",
                           "--c1=900", "--c-bounds", "0,1e5", "--dry-run"), 0);
    assert_int_equal(o.run.n_n, 2);
    assert_int_equal(o.run.n[1], 4);
    assert_int_equal(o.run.reps, 2);
    assert_true(o.run.seed_given && o.run.seed == 7);
    assert_true(o.run.rtt_scale == 0.1 && o.run.delay_scale == 0.2);
    assert_string_equal(o.profile, "/tmp/p.json");
    assert_false(o.uplink);
    assert_true(o.c0 == 100 && o.c1 == 900);
    assert_true(o.c_lo == 0 && o.c_hi == 1e5);
    assert_true(o.dry_run);
    assert_int_equal(parse(&o, err, sizeof err, 1, "--help"), 1);
}

static void test_errors(void **state)
{
    (void)state;
    bench_calib_opts o;
    char err[256];
    assert_int_equal(parse(&o, err, sizeof err, 2, "--modes", "after"), -1);   /* calibrate picks the modes */
    assert_non_null(strstr(err, "unknown option '--modes' for calibrate"));
    assert_int_equal(parse(&o, err, sizeof err, 2, "--profile-set", "c_line_us=5"), -1);
    assert_int_equal(parse(&o, err, sizeof err, 4, "--c0", "50", "--c1", "50"), -1);
    assert_non_null(strstr(err, "must differ"));
    assert_int_equal(parse(&o, err, sizeof err, 2, "--iterations", "3"), -1);
    assert_int_equal(parse(&o, err, sizeof err, 2, "--uplink", "maybe"), -1);
    assert_int_equal(parse(&o, err, sizeof err, 2, "--c-bounds", "500,5"), -1);
    assert_int_equal(parse(&o, err, sizeof err, 2, "--n", "0"), -1);            /* checked as `run` checks it */
    assert_non_null(strstr(err, "--n"));
    assert_int_equal(parse(&o, err, sizeof err, 1, "--c0"), -1);
    assert_non_null(strstr(err, "needs a value"));
    assert_int_equal(parse(&o, err, sizeof err, 1, "stray"), -1);
}

static void test_run_argv(void **state)
{
    (void)state;
    bench_calib_opts o;
    bench_argv a;
    char err[256], line[4096];
    const char *sets[2] = {"c_line_us=61.5", "deploy_uplink_Bps=50000000"};
    assert_int_equal(parse(&o, err, sizeof err, 6, "--n", "3,4", "--seed", "9", "--rtt-scale", "0.2"), 0);
    bench_calib_run_argv(&o, "/x/geokv-bench", "before", "patent-2022", sets, 2, "/r/calib-1/probe-c0", &a);
    assert_false(a.overflow);
    assert_null(a.v[a.n]);
    bench_argv_format(&a, line, sizeof line);
    assert_string_equal(line, "/x/geokv-bench run --modes before --n 3,4 --reps 1 --seed 9 --start deploy --end txn "
                              "--profile patent-2022 --profile-set c_line_us=61.5 --profile-set "
                              "deploy_uplink_Bps=50000000 --rtt-scale 0.2 --timeout 600s --out "
                              "/r/calib-1/probe-c0");
    bench_argv_init(&a);
    bench_argv_add(&a, "a b");
    bench_argv_add(&a, "c_line_us=<fitted>");
    bench_argv_format(&a, line, sizeof line);
    assert_string_equal(line, "'a b' 'c_line_us=<fitted>'");
}

static const char profile_text[] =
    "{\n"
    "  \"name\": \"t\",\n"
    "  \"description\": \"c_line_us is \\\"fitted\\\" later {not an object}\",\n"
    "  \"params\": {\n"
    "    \"cost_model\": {\"value\": true, \"source\": \"x\"},\n"
    "    \"c_line_us\": {\"value\": 40, \"source\": \"prior, with a } brace and \\\"quotes\\\"\"},\n"
    "    \"deploy_uplink_Bps\": {\"value\": 90000000, \"source\": \"prior\"}\n"
    "  }\n"
    "}\n";

static void test_profile_splice(void **state)
{
    (void)state;
    char *out = NULL, err[256];
    const char *obj = "{\"value\": 61.5, \"source\": \"fitted on FIG. 7 before only\"}";
    assert_int_equal(bench_calib_profile_splice(profile_text, "c_line_us", obj, &out, err, sizeof err), 0);
    /* only the one object changed */
    const char *at = strstr(profile_text, "{\"value\": 40");
    size_t head = (size_t)(at - profile_text);
    assert_memory_equal(out, profile_text, head);
    assert_memory_equal(out + head, obj, strlen(obj));
    const char *tail = strstr(profile_text, ",\n    \"deploy_uplink_Bps\"");
    assert_string_equal(out + head + strlen(obj), tail);
    /* and it still loads, with the new value */
    cb_profile p;
    assert_int_equal(cb_profile_parse(out, "test", &p, err, sizeof err), 0);
    assert_true(p.c_line_us == 61.5);
    assert_true(p.deploy.uplink_Bps == 90e6);
    free(out);

    assert_int_equal(bench_calib_profile_splice(profile_text, "deploy_uplink_Bps",
                                                "{\"value\": 5e7, \"source\": \"f\"}", &out, err, sizeof err),
                     0);
    assert_int_equal(cb_profile_parse(out, "test", &p, err, sizeof err), 0);
    assert_true(p.deploy.uplink_Bps == 5e7 && p.c_line_us == 40);
    free(out);

    assert_int_equal(bench_calib_profile_splice(profile_text, "c_peer_decode_us", obj, &out, err, sizeof err), -1);
    assert_non_null(strstr(err, "no object \"c_peer_decode_us\""));
    assert_int_equal(bench_calib_profile_splice("{\"name\": \"x\"}", "c_line_us", obj, &out, err, sizeof err), -1);
    assert_non_null(strstr(err, "no \"params\""));
    assert_int_equal(bench_calib_profile_splice("[1]", "c_line_us", obj, &out, err, sizeof err), -1);
}

static void test_should_refine(void **state)
{
    (void)state;
    assert_true(bench_calib_should_refine(60, 70, 3));      /* 10 us: more than s.e. 3 and 1.2 */
    assert_false(bench_calib_should_refine(60, 62, 3));     /* within the s.e. */
    assert_false(bench_calib_should_refine(60, 61, 0));     /* within 2 % */
    assert_true(bench_calib_should_refine(60, 62, 0));
    assert_false(bench_calib_should_refine(60, 1.0 / 0.0, 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_run_argv),
        cmocka_unit_test(test_profile_splice),
        cmocka_unit_test(test_should_refine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
