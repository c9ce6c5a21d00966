/* factors_study.h: a factor study's data and analysis, from the directory
 * `geokv-bench factors` wrote (steps.json, and per sweep its run directory
 * with summary.csv and config.json).
 *
 * The response of a cell at N is the after-vs-before change in percent,
 *     change = 100 (mean after - mean before) / mean before,
 * of setup_s (the run's end criterion, config.json end_criterion) and of
 * app_bytes (the sizes the original logged), each mean over the green runs
 * (checker_ok) of that mode and N: the after runs from the cell's own sweep,
 * the before runs from the sweep steps.json names as its before_sweep.
 * "Pooled" is the mean of a cell's changes over the N values. Effects
 * (factors.h, difference of means, in percentage points) are computed per N
 * and pooled, over the varied factors only. */
#ifndef GEOKV_MODEL_FACTORS_STUDY_H
#define GEOKV_MODEL_FACTORS_STUDY_H

#include <stdbool.h>
#include <stddef.h>

#include "model/factors.h"

#define FS_MAX_FACTORS 6
#define FS_MAX_N       16
#define FS_PATH        1200
#define FS_MAX_NOTES   16
#define FS_NOTE_LEN    512

enum { FS_SETUP = 0, FS_APP = 1, FS_METRICS = 2 };

typedef struct fs_factor {
    char key[32], title[64];
    char code[2][32], label[2][32], text[2][160], opts[2][96];
    bool varied;
} fs_factor;

typedef struct fs_cell {
    char name[64];
    int level[FS_MAX_FACTORS];         /* per factor of the study, 0 or 1 */
    char sweep[64], before_sweep[64];
    char after_dir[FS_PATH], before_dir[FS_PATH];   /* "" when not done */
    /* per N index: means over green runs, and how many runs */
    double before[FS_METRICS][FS_MAX_N], after[FS_METRICS][FS_MAX_N];
    int n_before[FS_MAX_N], n_after[FS_MAX_N];
    /* change in percent per N index, and pooled at [nn]; NAN when missing */
    double change[FS_METRICS][FS_MAX_N + 1];
    /* from the sweep's config.json */
    bool cost_model;
    double c_line_us;
    char c_line_src[320];
    char end[16];
} fs_cell;

typedef struct fs_study {
    char dir[FS_PATH];
    char id[128], git[128], status[128];
    size_t nf;
    fs_factor f[FS_MAX_FACTORS];
    size_t k;                          /* varied factors */
    int order[FS_MAX_FACTORS];         /* their indices into f, in design order */
    size_t nn;
    int n[FS_MAX_N];
    int reps;
    double rtt_scale, delay_scale;
    size_t ncells;                     /* 2^k */
    fs_cell cells[FACTORS_MAX_CELLS];  /* in standard order over the varied factors */
    double wall_s, estimate_s;         /* the sweeps' wall time so far and the plan's estimate */
    /* effects [metric][N index, nn = pooled][mask]; ok when every cell had a value */
    double eff[FS_METRICS][FS_MAX_N + 1][FACTORS_MAX_CELLS];
    bool eff_ok[FS_METRICS][FS_MAX_N + 1];
    factors_pse pse[FS_METRICS][FS_MAX_N + 1];
    bool pse_ok[FS_METRICS][FS_MAX_N + 1];
    /* the cost model's c_line_us of the cost-on cells (the first found), or
     * when none ran with it on, the profile's value all the same */
    bool have_c_line, cost_on_seen;
    double c_line_us;
    char c_line_src[320];
    char end[16];                      /* the cells' end criterion ("mixed" when they differ) */
    /* the patent's FIG. 7 change: per N (NAN where it has none) and its mean */
    bool have_patent;
    double patent_change[FS_MAX_N];
    double patent_mean;
    size_t nnotes;
    char notes[FS_MAX_NOTES][FS_NOTE_LEN];
} fs_study;

/* Loads dir/steps.json and every done sweep's summary.csv and config.json,
 * then analyses (fs_analyse). ref: the patent's reference directory
 * (patent-fig7.csv), NULL or unreadable: no patent comparison (a note).
 * 0, or -1 with err. The study is large: allocate it. */
int fs_load(const char *dir, const char *ref, fs_study *s, char *err, size_t errlen);

/* Changes and effects from the cells' means (after fs_load, or after
 * filling the means by hand as the tests do). */
void fs_analyse(fs_study *s);

/* Adds a note (printf-style); ignored beyond FS_MAX_NOTES. */
void fs_note(fs_study *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "region x start": an effect's name from its mask over the varied factors. */
void fs_effect_name(const fs_study *s, unsigned mask, char *out, size_t len);

/* A cell's label for tables and the plot: the varied factors' levels in
 * words ("us-east-1, deploy, cost on, lock off"). */
void fs_cell_label(const fs_study *s, const fs_cell *c, char *out, size_t len);

#endif
