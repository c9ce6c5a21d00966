/* factors_cmd.h: the command `geokv-model factors DIR`: the analysis of a
 * factor study made by `geokv-bench factors` (factors_study.h), written to
 * DIR/factors.json, DIR/factors.md and DIR/factors.png (gnuplot,
 * scripts/factors.gp), with a short summary on stdout. argv[0] is the
 * command's name; the return value is the exit status. */
#ifndef GEOKV_MODEL_FACTORS_CMD_H
#define GEOKV_MODEL_FACTORS_CMD_H

int factors_cmd_main(int argc, char **argv);

#endif
