/* geokv-bench: reproduce the patent's FIG. 7 and FIG. 8 end to end.
 *
 *   geokv-bench run [options]      the sweep (see `geokv-bench run --help`)
 *   geokv-bench compare|report|fit|plots|predict ...
 *                                  handed to geokv-model (same directory),
 *                                  which owns the statistics and the report
 *                                  (compare OLD NEW ...: runs side by side)
 *   geokv-bench schema [--update FILE]
 *                                  results/SCHEMA.md's column tables
 *   geokv-bench calibrate [options]
 *                                  fit the cost model on FIG. 7 before, predict
 *                                  the rest (see `geokv-bench calibrate --help`)
 *   geokv-bench factors [options]  the factor study: a 2^k design of sweeps
 *                                  (see `geokv-bench factors --help`)
 *   geokv-bench timescale DIR...   --time-scale checked against full time
 *                                  (see `geokv-bench timescale --help`)
 *   geokv-bench chaos [options]    seeded random fault schedules in every mode
 *                                  (see `geokv-bench chaos --help`)
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench_calibrate.h"
#include "bench/bench_chaos.h"
#include "bench/bench_factors.h"
#include "bench/bench_opts.h"
#include "bench/bench_schema.h"
#include "bench/bench_sweep.h"
#include "bench/bench_timescale.h"
#include "sim/util/util_version.h"

static void usage(FILE *f)
{
    fputs("usage: geokv-bench [run] [options]\n"
          "       geokv-bench compare OLD NEW [NEW2 ...] [options]   runs side by side, benchstat\n"
          "                                            style (see compare --help)\n"
          "       geokv-bench compare|report|fit|plots|predict [args]   (runs geokv-model)\n"
          "       geokv-bench schema [--update FILE]   results/SCHEMA.md's column tables\n"
          "       geokv-bench calibrate [options]      fit the cost model on FIG. 7 before, predict\n"
          "                                            after and FIG. 8 (see calibrate --help)\n"
          "       geokv-bench factors [options]        the factor study: what decides whether the\n"
          "                                            cache helps (see factors --help)\n"
          "       geokv-bench timescale DIR...         sweeps at several --time-scale against full\n"
          "                                            time (see timescale --help)\n"
          "       geokv-bench chaos [options]          seeded random fault schedules in every mode, a\n"
          "                                            table of outcomes (see chaos --help)\n"
          "\n"
          "Runs the patent's experiment: a 3-member etcd cluster (Seoul-AWS, Seoul-GCP, Singapore)\n"
          "behind a user-space WAN emulator, the simulated cb-network controller and N agents placed\n"
          "round robin over the FIG. 6 regions, for every (mode, N, repetition) in a seeded shuffled\n"
          "order, each run on a fresh cluster. Writes results/<run-id>/ (config.json, runs.jsonl,\n"
          "summary.csv, timelines/; see results/SCHEMA.md) and points results/latest at it.\n"
          "Ctrl-C stops the current run and every child; finished runs stay recorded; --resume\n"
          "continues.\n"
          "\n"
          "run options:\n",
          f);
    bench_opts_usage(f);
    fputs("\n--version prints the program, its version and the git describe of the build.\n"
          "\nExit status: 0 every run completed with the checker green, 1 a run failed,\n"
          "2 bad options or set-up, 130/143 stopped by SIGINT/SIGTERM.\n",
          f);
}

/* geokv-model lives next to this program (build/bin/). */
static int exec_model(char **argv)
{
    char self[PATH_MAX], model[PATH_MAX + 16];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    char *slash;
    if (n > 0) {
        self[n] = '\0';
        slash = strrchr(self, '/');
        if (slash != NULL) {
            *slash = '\0';
            snprintf(model, sizeof model, "%s/geokv-model", self);
            execv(model, argv);
        }
    }
    execvp("geokv-model", argv);
    fprintf(stderr, "geokv-bench: cannot run geokv-model (%s): build it with `make`\n", strerror(errno));
    return 2;
}

int main(int argc, char **argv)
{
    if (util_version_wanted(argc, argv)) {
        util_version_print(stdout, "geokv-bench");
        return 0;
    }
    const char *cmd = argc > 1 ? argv[1] : "run";

    signal(SIGPIPE, SIG_IGN);
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "run") == 0)
        return bench_sweep_main(argc - 2, argv + 2);
    if (strncmp(cmd, "--", 2) == 0 || argc == 1)
        return bench_sweep_main(argc - 1, argv + 1);
    if (strcmp(cmd, "calibrate") == 0)
        return bench_calibrate_main(argc - 2, argv + 2);
    if (strcmp(cmd, "factors") == 0)
        return bench_factors_main(argc - 2, argv + 2);
    if (strcmp(cmd, "timescale") == 0)
        return bench_timescale_main(argc - 2, argv + 2);
    if (strcmp(cmd, "chaos") == 0)
        return bench_chaos_main(argc - 2, argv + 2);
    if (strcmp(cmd, "schema") == 0)
        return bench_schema_main(argc - 2, argv + 2);
    if (strcmp(cmd, "compare") == 0 || strcmp(cmd, "report") == 0 || strcmp(cmd, "fit") == 0 ||
        strcmp(cmd, "plots") == 0 || strcmp(cmd, "predict") == 0) {
        argv[0] = "geokv-model";
        return exec_model(argv);
    }
    fprintf(stderr, "geokv-bench: unknown command '%s' (run, compare, report, fit, plots, predict, schema, calibrate, factors, timescale, chaos; see --help)\n",
            cmd);
    return 2;
}
