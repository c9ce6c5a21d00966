/* bench_factors_plan.h: the design of `geokv-bench factors` (a 2^k full
 * factorial over what may decide whether the after-mode cache makes setup
 * faster), its command line, the sweeps it runs and an estimate of their
 * wall time. Pure: no I/O, unit-tested.
 *
 * The four factors, each at two levels; the first level (coded -1) is the
 * one `geokv-bench run` uses by default and the one a factor left out of
 * the design (--factors) is held at:
 *   region  controller region: the topology's (Seoul) | aws-us-east-1
 *   start   agents' start schedule: --start all | --start deploy
 *   cost    VMs' CPU cost model of --profile: off (--profile-set
 *           cost_model=false) | on (the profile as written: calibrated once
 *           the calibration has written it)
 *   lock    the after-mode peer lock around cache initialisation:
 *           --init-lock on (the patent's) | off
 *
 * A cell is one combination of levels; its after-vs-before change of setup
 * time is the response. Every cell gets one sweep (`geokv-bench run`, a
 * child process) of mode after. The before runs are shared by the two
 * init-lock levels: only the after and lockless modes read --init-lock (the
 * before-mode agents take no lock, the controller's lock is not that one),
 * so a before sweep at lock off would repeat the lock-on one up to noise.
 * The lock-on cell's sweep therefore runs before and after, the lock-off
 * cell's only after, and both cells use the lock-on sweep's before runs:
 * the design stays balanced (every cell has a before value), a third of
 * the study's time is saved (before mode with the cost model is the slowest
 * run), and the init-lock contrasts see no before-mode noise. Every sweep
 * gets the study's seed (the same host ids, start offsets and order in
 * every cell: common random numbers for the contrasts). */
#ifndef GEOKV_BENCH_FACTORS_PLAN_H
#define GEOKV_BENCH_FACTORS_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bench/bench_opts.h"

#define BENCH_FAC_K          4                  /* factors known */
#define BENCH_FAC_MAX_CELLS  (1 << BENCH_FAC_K)
#define BENCH_FAC_NAME_LEN   64
#define BENCH_FAC_ARGS       48
#define BENCH_FAC_ARG_LEN    1200

typedef enum bench_fac_id {
    BENCH_FAC_REGION = 0,
    BENCH_FAC_START,
    BENCH_FAC_COST,
    BENCH_FAC_LOCK,
} bench_fac_id;

/* The controller region of the second level of region. */
#define BENCH_FAC_FAR_REGION "aws-us-east-1"
/* The region the first level stands for (the topology's controller_region). */
#define BENCH_FAC_NEAR_REGION "aws-ap-northeast-2"

typedef struct bench_fac_def {
    const char *key;            /* "region": its name in --factors and in files */
    const char *title;          /* "controller region" */
    const char *code[2];        /* level codes in cell names: "seoul", "useast1" */
    const char *label[2];       /* short labels for tables and plots: "Seoul", "us-east-1" */
    const char *text[2];        /* the levels in words */
    const char *opts[2];        /* the `run` options of each level, as text */
} bench_fac_def;

/* The factors in design order (the first varies fastest in the standard
 * order of the cells). */
extern const bench_fac_def bench_fac_defs[BENCH_FAC_K];

typedef struct bench_fac_opts {
    int n[BENCH_MAX_N];             /* agent counts of every sweep */
    size_t n_n;
    int reps;
    uint64_t seed;
    bool seed_given;
    double rtt_scale, delay_scale;  /* passed on to every sweep */
    double timeout_s;               /* passed on when > 0 */
    int etcd_fsync;                 /* passed on: 1 on, 0 off, -1 not given */
    unsigned factors;               /* bit i: factor i varied */
    char profile[BENCH_PATH_LEN];   /* the cost factor's profile (default patent-2022) */
    char out[BENCH_PATH_LEN];       /* parent of the study directory */
    bool resume;
    char resume_dir[BENCH_PATH_LEN];/* empty: <out>/factors-latest */
    bool dry_run;
} bench_fac_opts;

/* Defaults: N 20,40, one repetition, every factor, profile patent-2022,
 * scales 1, out results. */
void bench_fac_opts_default(bench_fac_opts *o);

/* Parses the options after `factors`. 0, 1 for --help, -1 with one line in
 * err. */
int bench_fac_opts_parse(int argc, char *const *argv, bench_fac_opts *o, char *err, size_t err_len);

void bench_fac_usage(FILE *f);

/* "region,start,cost,lock" for a factor mask, in design order. */
void bench_fac_mask_text(unsigned mask, char *out, size_t len);
/* The mask of "region,start" (any order, no repeats); -1 with err. */
int bench_fac_mask_parse(const char *s, unsigned *mask, char *err, size_t err_len);

typedef struct bench_fac_cell {
    char name[BENCH_FAC_NAME_LEN];  /* "seoul-all-costoff-lockon": every factor's level code */
    int level[BENCH_FAC_K];         /* 0 first level, 1 second */
    int sweep;                      /* the cell's own sweep (its after runs) */
    int before_sweep;               /* the sweep whose before runs it uses */
} bench_fac_cell;

typedef struct bench_fac_sweep {
    char name[BENCH_FAC_NAME_LEN];  /* its cell's name: the directory cells/<name>/ */
    int cell;
    bool with_before;               /* modes before,after; else after only */
} bench_fac_sweep;

typedef struct bench_fac_plan {
    unsigned varied;                /* factor mask */
    size_t k;                       /* factors varied */
    int order[BENCH_FAC_K];         /* the varied factors, in design order */
    size_t n_cells;                 /* 2^k, in standard order: bit j of the index is
                                       the level of order[j] */
    bench_fac_cell cells[BENCH_FAC_MAX_CELLS];
    size_t n_sweeps;                /* one per cell */
    bench_fac_sweep sweeps[BENCH_FAC_MAX_CELLS];
} bench_fac_plan;

/* The design over the factors of mask (non-empty): cells in standard order,
 * their names and sweeps. */
void bench_fac_plan_build(unsigned mask, bench_fac_plan *p);

/* A cell's name from its levels: the four level codes joined by '-'. */
void bench_fac_cell_name(const int level[BENCH_FAC_K], char *out, size_t len);

/* A command line under construction (fixed storage, no allocation). */
typedef struct bench_fac_argv {
    char s[BENCH_FAC_ARGS][BENCH_FAC_ARG_LEN];
    char *v[BENCH_FAC_ARGS + 1];    /* NULL-terminated */
    size_t n;
    bool overflow;                  /* an argument did not fit */
} bench_fac_argv;

void bench_fac_argv_init(bench_fac_argv *a);
void bench_fac_argv_add(bench_fac_argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The command line as one shell-readable line (arguments quoted when needed). */
void bench_fac_argv_format(const bench_fac_argv *a, char *out, size_t out_len);

/* The command line of sweep i: `self run --n .. --reps .. --seed ..
 * --modes before,after|after --profile P [--profile-set cost_model=false]
 * --start all|deploy [--controller-region aws-us-east-1] --init-lock on|off
 * --rtt-scale .. --delay-scale .. [--timeout ..] [--etcd-fsync ..] --out
 * <study_dir>/cells/<name>`. */
void bench_fac_sweep_argv(const bench_fac_opts *o, const bench_fac_plan *p, size_t i, const char *self,
                          const char *study_dir, bench_fac_argv *a);

/* Estimated wall time of one run at full time (scale 1) and with the
 * scales: see bench_factors_plan.c for the figures it is built from. mode:
 * 0 before, 1 after. */
double bench_fac_estimate_run_s(int mode, int n, const int level[BENCH_FAC_K], double rtt_scale,
                                double delay_scale);
/* Of sweep i: every (mode, N, repetition) run plus the sweep's start. */
double bench_fac_estimate_sweep_s(const bench_fac_opts *o, const bench_fac_plan *p, size_t i);

#endif
