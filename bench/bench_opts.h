/* bench_opts.h: the command line of `geokv-bench run`.
 *
 * Parsing is pure (no I/O, no exit) so it is unit-tested: every error is one
 * line in `err` naming the option and what is accepted; main prints it and
 * exits with status 2.
 */
#ifndef GEOKV_BENCH_OPTS_H
#define GEOKV_BENCH_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BENCH_MAX_N      32
#define BENCH_MAX_MODES  8
#define BENCH_MODE_LEN   32
#define BENCH_PATH_LEN   1024
/* --topology's default: a data file (sim/util/util_data.h), where a given
 * --topology FILE is relative to the current directory. */
#define BENCH_DEFAULT_TOPOLOGY "sim/wan/topology/patent-fig6.json"
#define BENCH_MAX_AGENTS 1000

#define BENCH_MAX_PROFILE_SET 32
#define BENCH_PROFILE_SET_LEN 160

#define BENCH_MAX_ENDPOINTS 7       /* = BENCH_MAX_MEMBERS */
#define BENCH_URL_LEN 256

typedef enum bench_start_kind { BENCH_START_ALL = 0, BENCH_START_GAP, BENCH_START_RANDOM, BENCH_START_DEPLOY } bench_start_kind;

typedef struct bench_opts {
    int n[BENCH_MAX_N];             /* agent counts, in the order given */
    size_t n_n;
    char modes[BENCH_MAX_MODES][BENCH_MODE_LEN];
    size_t n_modes;
    int reps;                       /* repetitions per (mode, N) */
    double rtt_scale;               /* factor on every WAN delay */
    double delay_scale;             /* factor on the protocol's fixed delays */
    double time_scale;              /* --time-scale: every delay together (sets rtt_scale and
                                       delay_scale, and scales the VM cost model and the deploy's
                                       last mile); 0: not given */
    bool rtt_scale_given, delay_scale_given;
    uint64_t seed;
    bool seed_given;                /* false: main picks one from the clock */
    char topology[BENCH_PATH_LEN];
    bool topology_given;            /* false: BENCH_DEFAULT_TOPOLOGY, a data file */
    char controller_region[64];     /* overrides the topology's controller_region; empty: keep */
    bench_start_kind start;
    double start_param_s;           /* gap or window, seconds */
    char start_spec[64];            /* as given (or the profile's), for config.json */
    bool start_from_profile;        /* no --start: the profile's start schedule */
    char out[BENCH_PATH_LEN];       /* parent of the run directories */
    bool resume;
    char resume_dir[BENCH_PATH_LEN];/* empty: <out>/latest */
    char leader[32];                /* member to lead during runs */
    char policy[32];                /* etcd client endpoint policy name */
    char transport[16];             /* etcd client unary transport: native | curl */
    double wan_spin_us;             /* emulator polling window: 0 auto, > 0 fixed us, < 0 off */
    char fault[256];                /* fault scenario (bench_fault.h), empty: none */
    bool no_wan;                    /* agents reach members directly, no emulator */
    double timeout_s;               /* per run */
    bool etcd_fsync;                /* members fsync their WAL (etcd default) */
    int spec_cache, init_lock;      /* ablation switches, -1: the mode's default */
    bool dry_run;                   /* print the run order and exit */
    char profile[BENCH_PATH_LEN];   /* fidelity profile: a name in sim/cb/profiles/ or a .json file */
    char profile_set[BENCH_MAX_PROFILE_SET][BENCH_PROFILE_SET_LEN];   /* KEY=VALUE overrides, in order */
    size_t n_profile_set;
    char end[16];                   /* end of setup for setup_s: rule | ips | tunneling */
    bool transport_given;           /* --transport on the command line */
    /* An existing cluster (--endpoints; bench_external.h): no local members,
     * no emulator. Secrets never come from the command line: the password
     * is read from GEOKV_ETCD_PASSWORD or --password-file when the sweep starts. */
    char endpoints[BENCH_MAX_ENDPOINTS][BENCH_URL_LEN];          /* client URLs, as given */
    char endpoint_regions[BENCH_MAX_ENDPOINTS][64];              /* the region of each (topology id) */
    size_t n_endpoints;             /* 0: a fresh local cluster per run */
    char cacert[BENCH_PATH_LEN], cert[BENCH_PATH_LEN], key[BENCH_PATH_LEN];
    char user[128];
    char password_file[BENCH_PATH_LEN];
    char key_prefix[128];           /* empty: /geokv/<run-id> */
} bench_opts;

/* --endpoints URL@REGION,...: each URL http:// or https:// without user
 * information, each with the topology region id of its member. 0, or -1
 * with one line in err. Pure: the regions are checked against the topology
 * later. */
int bench_parse_endpoints(const char *s, bench_opts *o, char *err, size_t err_len);
/* The factor that rescales a sweep's measured times to full time
 * (full = measured / factor): --time-scale's value; 1 when no delay was
 * scaled; 0 (none) when --rtt-scale or --delay-scale alone scaled some
 * delays but not the others, which no single factor undoes. no_wan: the
 * RTT scale does not matter. */
double bench_opts_rescale_factor(const bench_opts *o);

/* Member names of the patent's cluster, in rig order. */
extern const char *const bench_member_names[3];

/* Defaults; the modes are every mode of the registry (cb_mode_names()), in
 * its order. */
void bench_opts_default(bench_opts *o);

/* Parses argv[0..argc) (options only, no program or subcommand name).
 * valid_modes: NULL-terminated list of accepted mode names.
 * Returns 0 on success, 1 when --help was asked, -1 on error (err filled). */
int bench_opts_parse(int argc, char *const *argv, const char *const *valid_modes,
                     bench_opts *o, char *err, size_t err_len);

/* "250ms", "2s", "1.5m", "3" (seconds) -> seconds. 0 on success, -1 on error. */
int bench_parse_duration(const char *s, double *out_s);

/* --n's comma-separated agent counts (each 1..BENCH_MAX_AGENTS, none twice,
 * at most BENCH_MAX_N) into n[], *n_n: 0, or -1 with one line in err. */
int bench_parse_n_list(const char *s, int n[BENCH_MAX_N], size_t *n_n, char *err, size_t err_len);

/* --start SPEC into o (all, gap:<d>, random:<d>, deploy): 0, or -1 (err). */
int bench_opts_set_start(bench_opts *o, const char *spec, char *err, size_t err_len);

/* Prints the options section of --help, then the registry's modes. */
void bench_opts_usage(FILE *f);

#endif
