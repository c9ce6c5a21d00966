/* Unit tests for bench_factors_plan: the command line of `geokv-bench
 * factors`, the design (cells in standard order, their names, which sweep
 * runs before mode for which cell), each sweep's command line (accepted by
 * `run`'s own parser, with the options of its levels) and the wall-time
 * estimate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench/bench_factors_plan.h"
#include "bench/bench_opts.h"
#include "sim/cb/cb_run.h"

static int parse(bench_fac_opts *o, char *err, size_t err_len, int argc, ...)
{
    char *argv[64];
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc; i++)
        argv[i] = va_arg(ap, char *);
    va_end(ap);
    bench_fac_opts_default(o);
    return bench_fac_opts_parse(argc, argv, o, err, err_len);
}

static void test_defaults(void **state)
{
    bench_fac_opts o;
    char err[256], fac[64];
    (void)state;
    assert_int_equal(parse(&o, err, sizeof err, 0), 0);
    assert_int_equal(o.n_n, 2);
    assert_int_equal(o.n[0], 20);
    assert_int_equal(o.n[1], 40);
    assert_int_equal(o.reps, 1);
    assert_false(o.seed_given);
    assert_true(o.rtt_scale == 1.0 && o.delay_scale == 1.0);
    assert_int_equal(o.etcd_fsync, -1);
    assert_true(o.timeout_s == 0);
    assert_string_equal(o.profile, "patent-2022");
    assert_string_equal(o.out, "results");
    bench_fac_mask_text(o.factors, fac, sizeof fac);
    assert_string_equal(fac, "region,start,cost,lock");
    assert_false(o.resume || o.dry_run);
}

static void test_options(void **state)
{
    bench_fac_opts o;
    char err[256], fac[64];
    (void)state;
    assert_int_equal(parse(&o, err, sizeof err, 17, "--n", "3,4", "--reps=2", "--seed", "11", "--factors",
                           "start,region", "--rtt-scale", "0.2", "--delay-scale=0.25", "--timeout", "90s",
                           "--etcd-fsync", "off", "--out", "/tmp/x", "--dry-run"), 0);
    assert_int_equal(o.n_n, 2);
    assert_int_equal(o.n[1], 4);
    assert_int_equal(o.reps, 2);
    assert_true(o.seed_given);
    assert_int_equal((int)o.seed, 11);
    bench_fac_mask_text(o.factors, fac, sizeof fac);
    assert_string_equal(fac, "region,start");   /* design order, whatever the order given */
    assert_true(o.rtt_scale == 0.2 && o.delay_scale == 0.25 && o.timeout_s == 90);
    assert_int_equal(o.etcd_fsync, 0);
    assert_string_equal(o.out, "/tmp/x");
    assert_true(o.dry_run);

    assert_int_equal(parse(&o, err, sizeof err, 1, "--resume"), 0);
    assert_true(o.resume);
    assert_string_equal(o.resume_dir, "");
    assert_int_equal(parse(&o, err, sizeof err, 3, "--resume", "results/factors-x", "--dry-run"), 0);
    assert_string_equal(o.resume_dir, "results/factors-x");
    assert_true(o.dry_run);
    assert_int_equal(parse(&o, err, sizeof err, 2, "--resume", "--dry-run"), 0);
    assert_string_equal(o.resume_dir, "");
    assert_int_equal(parse(&o, err, sizeof err, 1, "--help"), 1);
}

static void expect_error(const char *needle, int argc, ...)
{
    bench_fac_opts o;
    char err[256], *argv[16];
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc; i++)
        argv[i] = va_arg(ap, char *);
    va_end(ap);
    bench_fac_opts_default(&o);
    assert_int_equal(bench_fac_opts_parse(argc, argv, &o, err, sizeof err), -1);
    if (strstr(err, needle) == NULL)
        fail_msg("error '%s' does not contain '%s'", err, needle);
    assert_null(strchr(err, '\n'));
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("unknown factor 'speed'", 2, "--factors", "speed");
    expect_error("'cost' is listed twice", 2, "--factors", "cost,lock,cost");
    expect_error("--factors", 2, "--factors", ",");
    expect_error("--factors: empty item in 'cost,,lock'", 2, "--factors", "cost,,lock");
    expect_error("--n: empty item", 2, "--n", "10,20,");
    expect_error("--n: '0'", 2, "--n", "0");
    expect_error("--n: 20 is listed twice", 2, "--n", "20,20");
    expect_error("--n: '2.5'", 2, "--n", "2.5");
    expect_error("--reps", 2, "--reps", "0");
    expect_error("--seed", 2, "--seed", "-3");
    expect_error("--rtt-scale", 2, "--rtt-scale", "0");
    expect_error("--timeout", 2, "--timeout", "soon");
    expect_error("--etcd-fsync", 2, "--etcd-fsync", "maybe");
    expect_error("unknown option '--modes'", 2, "--modes", "after");
    expect_error("--dry-run takes no value", 1, "--dry-run=1");
    expect_error("needs a value", 1, "--n");
    expect_error("unexpected argument 'x'", 1, "x");
}

static void test_full_design(void **state)
{
    bench_fac_plan p;
    (void)state;
    bench_fac_plan_build(0xf, &p);
    assert_int_equal(p.k, 4);
    assert_int_equal(p.n_cells, 16);
    assert_int_equal(p.n_sweeps, 16);
    /* standard order: region changes fastest, lock slowest */
    assert_string_equal(p.cells[0].name, "seoul-all-costoff-lockon");
    assert_string_equal(p.cells[1].name, "useast1-all-costoff-lockon");
    assert_string_equal(p.cells[2].name, "seoul-deploy-costoff-lockon");
    assert_string_equal(p.cells[4].name, "seoul-all-coston-lockon");
    assert_string_equal(p.cells[8].name, "seoul-all-costoff-lockoff");
    assert_string_equal(p.cells[15].name, "useast1-deploy-coston-lockoff");
    for (size_t i = 0; i < 16; i++) {
        const bench_fac_cell *c = &p.cells[i];
        for (int f = 0; f < BENCH_FAC_K; f++)
            assert_int_equal(c->level[f], (int)((i >> f) & 1u));
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(c->name, p.cells[j].name);
        assert_int_equal(c->sweep, (int)i);
        assert_string_equal(p.sweeps[i].name, c->name);
        /* lock on: its own sweep runs before and after; lock off: after only,
         * the before runs of the cell with every other level the same */
        assert_int_equal(p.sweeps[i].with_before, c->level[BENCH_FAC_LOCK] == 0);
        const bench_fac_cell *b = &p.cells[c->before_sweep];
        assert_true(p.sweeps[c->before_sweep].with_before);
        for (int f = 0; f < BENCH_FAC_LOCK; f++)
            assert_int_equal(b->level[f], c->level[f]);
        assert_int_equal(c->before_sweep, (int)(i & 7u));
    }
}

static void test_subset_designs(void **state)
{
    bench_fac_plan p;
    unsigned mask;
    char err[128];
    (void)state;
    assert_int_equal(bench_fac_mask_parse("region,start", &mask, err, sizeof err), 0);
    bench_fac_plan_build(mask, &p);
    assert_int_equal(p.k, 2);
    assert_int_equal(p.n_cells, 4);
    /* the other factors at their first level: cost off, lock on */
    assert_string_equal(p.cells[0].name, "seoul-all-costoff-lockon");
    assert_string_equal(p.cells[3].name, "useast1-deploy-costoff-lockon");
    for (size_t i = 0; i < 4; i++) {
        assert_true(p.sweeps[i].with_before);
        assert_int_equal(p.cells[i].before_sweep, (int)i);
    }
    assert_int_equal(bench_fac_mask_parse("lock,cost", &mask, err, sizeof err), 0);
    bench_fac_plan_build(mask, &p);
    assert_int_equal(p.order[0], BENCH_FAC_COST);
    assert_int_equal(p.order[1], BENCH_FAC_LOCK);
    assert_string_equal(p.cells[1].name, "seoul-all-coston-lockon");
    assert_string_equal(p.cells[3].name, "seoul-all-coston-lockoff");
    assert_false(p.sweeps[3].with_before);
    assert_int_equal(p.cells[3].before_sweep, 1);
    assert_int_equal(p.cells[2].before_sweep, 0);
}

static bool has_pair(const bench_fac_argv *a, const char *opt, const char *val)
{
    for (size_t i = 0; i + 1 < a->n; i++)
        if (strcmp(a->v[i], opt) == 0 && strcmp(a->v[i + 1], val) == 0)
            return true;
    return false;
}

static bool has_arg(const bench_fac_argv *a, const char *opt)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i], opt) == 0)
            return true;
    return false;
}

/* Every sweep's command line is one `run` accepts, with its levels' options. */
static void test_sweep_argv(void **state)
{
    bench_fac_opts o;
    bench_fac_plan p;
    bench_fac_argv *a = malloc(sizeof *a);
    bench_opts *ro = malloc(sizeof *ro);
    char err[512];
    (void)state;
    assert_non_null(a);
    assert_non_null(ro);
    assert_int_equal(parse(&o, err, sizeof err, 10, "--n", "3,4", "--seed", "9", "--rtt-scale", "0.2",
                           "--delay-scale", "0.2", "--etcd-fsync", "off"), 0);
    bench_fac_plan_build(o.factors, &p);
    for (size_t i = 0; i < p.n_sweeps; i++) {
        const bench_fac_cell *c = &p.cells[p.sweeps[i].cell];
        char out[256];
        bench_fac_sweep_argv(&o, &p, i, "/bin/geokv-bench", "/tmp/study", a);
        assert_false(a->overflow);
        assert_string_equal(a->v[0], "/bin/geokv-bench");
        assert_string_equal(a->v[1], "run");
        assert_null(a->v[a->n]);
        bench_opts_default(ro);
        if (bench_opts_parse((int)a->n - 2, a->v + 2, cb_mode_names(), ro, err, sizeof err) != 0)
            fail_msg("sweep %s: run rejects its command line: %s", p.sweeps[i].name, err);
        snprintf(out, sizeof out, "/tmp/study/cells/%s", c->name);
        assert_string_equal(ro->out, out);
        assert_int_equal(ro->n_n, 2);
        assert_int_equal(ro->reps, 1);
        assert_true(ro->seed_given);
        assert_int_equal((int)ro->seed, 9);
        assert_true(ro->rtt_scale == 0.2 && ro->delay_scale == 0.2);
        assert_false(ro->etcd_fsync);
        assert_string_equal(ro->profile, "patent-2022");
        assert_int_equal(ro->n_modes, c->level[BENCH_FAC_LOCK] ? 1 : 2);
        assert_string_equal(ro->modes[ro->n_modes - 1], "after");
        if (ro->n_modes == 2)
            assert_string_equal(ro->modes[0], "before");
        assert_string_equal(ro->controller_region, c->level[BENCH_FAC_REGION] ? "aws-us-east-1" : "");
        assert_int_equal(ro->start, c->level[BENCH_FAC_START] ? BENCH_START_DEPLOY : BENCH_START_ALL);
        assert_int_equal((int)ro->n_profile_set, c->level[BENCH_FAC_COST] ? 0 : 1);
        if (!c->level[BENCH_FAC_COST])
            assert_string_equal(ro->profile_set[0], "cost_model=false");
        assert_int_equal(ro->init_lock, c->level[BENCH_FAC_LOCK] ? 0 : 1);
        assert_true(has_pair(a, "--init-lock", c->level[BENCH_FAC_LOCK] ? "off" : "on"));
        assert_false(has_arg(a, "--timeout"));
    }
    o.timeout_s = 90;
    o.etcd_fsync = -1;
    bench_fac_sweep_argv(&o, &p, 0, "/bin/geokv-bench", "/tmp/study", a);
    assert_true(has_pair(a, "--timeout", "90s"));
    assert_false(has_arg(a, "--etcd-fsync"));
    free(a);
    free(ro);
}

static void test_argv_format(void **state)
{
    bench_fac_argv a;
    char line[256];
    (void)state;
    bench_fac_argv_init(&a);
    bench_fac_argv_add(&a, "/bin/x");
    bench_fac_argv_add(&a, "--out");
    bench_fac_argv_add(&a, "a dir/it's");
    bench_fac_argv_add(&a, "%d,%d", 20, 40);
    bench_fac_argv_format(&a, line, sizeof line);
    assert_string_equal(line, "/bin/x --out 'a dir/it'\\''s' 20,40");
    assert_false(a.overflow);
}

static void test_estimate(void **state)
{
    int base[BENCH_FAC_K] = {0, 0, 0, 0}, lv[BENCH_FAC_K];
    (void)state;
    for (int mode = 0; mode < 2; mode++) {
        double e20 = bench_fac_estimate_run_s(mode, 20, base, 1, 1), e40 = bench_fac_estimate_run_s(mode, 40, base, 1, 1);
        assert_true(e40 > e20 && e20 > 5);
        for (int f = 0; f < BENCH_FAC_LOCK; f++) {
            memcpy(lv, base, sizeof lv);
            lv[f] = 1;
            if (!(bench_fac_estimate_run_s(mode, 40, lv, 1, 1) > e40))
                fail_msg("mode %d: factor %s at its second level does not add time", mode, bench_fac_defs[f].key);
        }
        memcpy(lv, base, sizeof lv);
        lv[BENCH_FAC_LOCK] = 1;
        assert_true(bench_fac_estimate_run_s(mode, 40, lv, 1, 1) == e40);
        /* the scales shorten the network part, never below the fixed cost */
        assert_true(bench_fac_estimate_run_s(mode, 40, base, 0.2, 0.2) < e40);
        assert_true(bench_fac_estimate_run_s(mode, 40, base, 0.2, 1) == e40);
    }
    /* before with the cost model grows faster than linearly */
    memcpy(lv, base, sizeof lv);
    lv[BENCH_FAC_COST] = 1;
    double c20 = bench_fac_estimate_run_s(0, 20, lv, 1, 1), c40 = bench_fac_estimate_run_s(0, 40, lv, 1, 1),
           c60 = bench_fac_estimate_run_s(0, 60, lv, 1, 1);
    assert_true(c60 - c40 > c40 - c20);
    /* the cost model's CPU is not scaled by --rtt-scale/--delay-scale */
    double cost_scaled = bench_fac_estimate_run_s(0, 40, lv, 0.2, 0.2) - bench_fac_estimate_run_s(0, 40, base, 0.2, 0.2);
    double cost_full = c40 - bench_fac_estimate_run_s(0, 40, base, 1, 1);
    assert_true(cost_full > 1 && fabs(cost_scaled - cost_full) < 1e-9);

    /* a sweep: its runs plus its start; the lock-off sweep has no before runs */
    bench_fac_opts o;
    bench_fac_plan p;
    bench_fac_opts_default(&o);
    bench_fac_plan_build(o.factors, &p);
    double s0 = bench_fac_estimate_sweep_s(&o, &p, 0), s8 = bench_fac_estimate_sweep_s(&o, &p, 8);
    double runs0 = 0, runs8 = 0;
    for (size_t j = 0; j < o.n_n; j++) {
        runs0 += bench_fac_estimate_run_s(0, o.n[j], p.cells[0].level, 1, 1) +
                 bench_fac_estimate_run_s(1, o.n[j], p.cells[0].level, 1, 1);
        runs8 += bench_fac_estimate_run_s(1, o.n[j], p.cells[8].level, 1, 1);
    }
    assert_true(s0 > runs0 && s0 - runs0 < 10);
    assert_true(s8 > runs8 && s8 - runs8 < 10);
    o.reps = 2;
    assert_true(bench_fac_estimate_sweep_s(&o, &p, 0) > 1.9 * s0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_full_design),
        cmocka_unit_test(test_subset_designs),
        cmocka_unit_test(test_sweep_argv),
        cmocka_unit_test(test_argv_format),
        cmocka_unit_test(test_estimate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
