/* cmp_cmd.h: `geokv-model compare OLD NEW [NEW2 ...]`: the benchstat-style
 * comparison of whole runs (every mode and metric at once), with its config
 * diff, coverage and, with --report DIR, the overlay plots. Exit status: 0
 * compared, 1 a failure (unreadable data, nothing in common, a plot or file
 * that could not be written), 2 bad usage or incomparable runs without
 * --force. */
#ifndef GEOKV_MODEL_CMP_CMD_H
#define GEOKV_MODEL_CMP_CMD_H

/* argv[0] is "compare". */
int cmp_cmd_main(int argc, char **argv);

/* 1 when argv (argv[0] "compare") asks for the older one-run form
 * (--run, --run-b, --a, --b, or no run given at all). */
int cmp_cmd_is_legacy(int argc, char **argv);

#endif
