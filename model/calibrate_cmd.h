/* calibrate_cmd.h: the commands `geokv-model calibrate` (the fit of the cost
 * model on the patent's FIG. 7 before series, from probe sweeps) and
 * `geokv-model calibrate-report` (calibration.md and calibration.json of a
 * calibration directory made by `geokv-bench calibrate`).
 * argv[0] is the command's name; the return value is the exit status. */
#ifndef GEOKV_MODEL_CALIBRATE_CMD_H
#define GEOKV_MODEL_CALIBRATE_CMD_H

int calibrate_cmd_main(int argc, char **argv);
int calibrate_report_main(int argc, char **argv);

#endif
