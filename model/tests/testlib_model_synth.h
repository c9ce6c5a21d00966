/* testlib_model_synth.h: writes a SYNTHETIC results directory (summary.csv,
 * runs.jsonl, config.json with "synthetic": true, timelines/) in the layout
 * of results/SCHEMA.md, from known curves plus seeded noise, so the model
 * module can be developed and tested before real bench results exist. The
 * numbers are invented; nothing made here may be presented as a
 * measurement. */
#ifndef GEOKV_TESTLIB_MODEL_SYNTH_H
#define GEOKV_TESTLIB_MODEL_SYNTH_H

#include <stddef.h>

typedef struct synth_opts {
    unsigned long seed;
    const int *ns;          /* N values */
    size_t nn;
    int reps;
    int with_lockless;
    int with_timelines;
    const char *extra_mode;  /* non-NULL: one more mode of that name, on lockless's curves */
    int with_app;            /* an app_bytes column (runs recorded since the fidelity profiles) */
} synth_opts;

/* The noise-free curves the generator draws from (mode: 0 before, 1 after,
 * 2 lockless). */
double synth_setup_s(int mode, double n);
double synth_grpc_bytes(int mode, double n);
double synth_app_bytes(int mode, double n);

/* 0 on success; dir is created. */
int synth_write_run(const char *dir, const synth_opts *o);

#endif
