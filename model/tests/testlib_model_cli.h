/* testlib_model_cli.h: running the real geokv-model program from a test. */
#ifndef GEOKV_MODEL_TESTS_TESTLIB_MODEL_CLI_H
#define GEOKV_MODEL_TESTS_TESTLIB_MODEL_CLI_H

/* Runs `cd CWD && $GEOKV_BIN/geokv-model ARGS REDIRECT` through the shell
 * (GEOKV_BIN unset: build/bin; cwd NULL: $GEOKV_ROOT, else "."; redirect is
 * a shell fragment for stderr such as "2>&1" or "2>/tmp/x/stderr.txt").
 * Returns its exit status (-1 when it could not run) and its whole stdout,
 * malloc'ed, in *out when out is not NULL. */
int model_t_run_cli(const char *cwd, const char *args, const char *redirect, char **out);

#endif
