/* factors_cmd.c: `geokv-model factors DIR` (see factors_cmd.h). */
#include "model/factors_cmd.h"

#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model/factors_out.h"
#include "model/factors_study.h"
#include "sim/util/util_data.h"
#include "sim/util/util_fs.h"

extern char **environ;

static void usage(FILE *f)
{
    fputs("usage: geokv-model factors DIR [--ref DIR] [--scripts DIR]\n"
          "\n"
          "The analysis of a factor study made by `geokv-bench factors` (DIR holds its\n"
          "steps.json): per cell and N the after-vs-before change of setup_s and of app_bytes\n"
          "(means over the green runs), the main effects and every interaction by the\n"
          "difference-of-means convention, per N and over N, Lenth's margin of error when the\n"
          "design has 7 or more effects, which cells have the patent's sign, where the sign\n"
          "flips. Writes DIR/factors.json, DIR/factors.md (with the section \"What decides whether\n"
          "the cache helps\") and DIR/factors.png (gnuplot on SCRIPTS/factors.gp), and prints a\n"
          "summary. --ref: the patent's numbers (default results/reference); --scripts: the\n"
          "gnuplot scripts (default scripts/).\n"
          "Exit status: 0 written, 1 when the plot failed, 2 bad usage or DIR cannot be read.\n",
          f);
}

static int write_file(const char *dir, const char *name, void (*fn)(FILE *, const fs_study *), const fs_study *s)
{
    char path[FS_PATH + 64], tmp[FS_PATH + 80];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "geokv-model factors: cannot write %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    fn(f, s);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "geokv-model factors: cannot write %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static void write_json(FILE *f, const fs_study *s)
{
    json_t *j = fs_json(s);
    json_dumpf(j, f, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    fputc('\n', f);
    json_decref(j);
}

/* gnuplot on scripts/factors.gp; 0 when it exited 0 and left the PNG. */
static int plot(const fs_study *s, const char *scripts)
{
    char expr[8192], script[FS_PATH + 32], ns[256] = "", title[512], out[FS_PATH + 32];
    size_t used = 0, tu = 0;
    for (size_t j = 0; j < s->nn && used < sizeof ns; j++)
        used += (size_t)snprintf(ns + used, sizeof ns - used, "%s%d", j ? " " : "", s->n[j]);
    tu += (size_t)snprintf(title, sizeof title, "2^%zu design over ", s->k);
    for (size_t j = 0; j < s->k && tu < sizeof title; j++)
        tu += (size_t)snprintf(title + tu, sizeof title - tu, "%s%s", j ? ", " : "", s->f[s->order[j]].title);
    for (size_t j = 0, held = 0; j < s->nf && tu < sizeof title; j++)
        if (!s->f[j].varied)
            tu += (size_t)snprintf(title + tu, sizeof title - tu, "%s%s", held++ ? ", " : "; held: ",
                                   s->f[j].label[0]);
    snprintf(script, sizeof script, "%s/factors.gp", scripts);
    char ptxt[32] = "NaN";
    if (s->have_patent)
        snprintf(ptxt, sizeof ptxt, "%.2f", s->patent_mean);
    snprintf(expr, sizeof expr,
             "scriptdir='%.2000s'; datafile='%.2000s/factors-plot.dat'; outbase='%.2000s/factors'; fmt='png'; "
             "ns='%s'; patent=%s; design='%.400s'",
             scripts, s->dir, s->dir, ns, ptxt, title);
    char *argv[] = {"gnuplot", "-e", expr, script, NULL};
    pid_t pid;
    int err = posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ);
    if (err != 0) {
        fprintf(stderr, "geokv-model factors: cannot run gnuplot: %s (install it: scripts/install-deps.sh)\n",
                strerror(err));
        return -1;
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    snprintf(out, sizeof out, "%s/factors.png", s->dir);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || access(out, R_OK) != 0) {
        fprintf(stderr, "geokv-model factors: gnuplot failed on %s\n", script);
        return -1;
    }
    return 0;
}

int factors_cmd_main(int argc, char **argv)
{
    const char *dir = NULL, *ref = NULL, *scripts = NULL;
    char rb[FS_PATH], sb[FS_PATH], err[1024];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if ((strcmp(argv[i], "--ref") == 0 || strcmp(argv[i], "--scripts") == 0) && i + 1 < argc) {
            *(strcmp(argv[i], "--ref") == 0 ? &ref : &scripts) = argv[i + 1];
            i++;
        } else if (argv[i][0] != '-' && !dir) {
            dir = argv[i];
        } else {
            fprintf(stderr, "geokv-model factors: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (!dir) {
        usage(stderr);
        return 2;
    }
    fs_study *s = malloc(sizeof *s);
    if (!s) {
        fprintf(stderr, "geokv-model factors: out of memory\n");
        return 2;
    }
    int rc = 2;
    if (fs_load(dir, util_data_or_given(rb, sizeof rb, ref, "results/reference"), s, err, sizeof err) != 0) {
        fprintf(stderr, "geokv-model factors: %s\n", err);
        goto cleanup;
    }
    if (write_file(dir, "factors.json", write_json, s) != 0 || write_file(dir, "factors.md", fs_markdown, s) != 0 ||
        write_file(dir, "factors-plot.dat", fs_plot_data, s) != 0)
        goto cleanup;
    rc = plot(s, util_data_or_given(sb, sizeof sb, scripts, "scripts")) == 0 ? 0 : 1;
    fs_print(stdout, s);
    printf("wrote %s/factors.md, factors.json%s\n", dir, rc == 0 ? ", factors.png" : " (no plot)");
cleanup:
    free(s);
    return rc;
}
