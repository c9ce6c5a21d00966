/* bench_schema.c: results/SCHEMA.md's column tables (see bench_schema.h). */
#include "bench/bench_schema.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench_record.h"
#include "sim/util/util_err.h"
#include "sim/util/util_fs.h"

/* What the record says when a value means nothing, beyond the text. */
static const char *valid_note(const bench_column *c)
{
    if (c->src == BENCH_SRC_FN || c->src == BENCH_SRC_FAULT)
        return "";
    switch (c->valid) {
    case BENCH_VALID_COMPLETED:
        return "; null unless the run completed";
    case BENCH_VALID_WAN:
        return "; null without the WAN emulator";
    default:
        return "";
    }
}

static const char *presence_name(bench_col_presence p)
{
    switch (p) {
    case BENCH_PRESENT_RAN:
        return "when the run executed";
    case BENCH_PRESENT_FAULT:
        return "`--fault` sweeps";
    default:
        return "always";
    }
}

/* "| `name` | unit |" with a blank cell for no unit. */
static void name_unit(FILE *f, const bench_column *c)
{
    fprintf(f, "| `%s` | %s%s|", c->name, c->unit, c->unit[0] ? " " : "");
}

void bench_schema_print(FILE *f)
{
    fprintf(f, "%s from the table of columns (sim/cb/cb_counters.h, bench/bench_record.[ch]): edit those, then\n"
               "     run `build/bin/geokv-bench schema --update results/SCHEMA.md` -->\n", BENCH_SCHEMA_BEGIN);
    fprintf(f, "## `summary.csv` columns\n\n| column | unit | meaning |\n|---|---|---|\n");
    for (size_t i = 0; i < bench_n_columns; i++) {
        const bench_column *c = &bench_columns[i];
        if (c->kind != BENCH_KIND_SUMMARY)
            continue;
        name_unit(f, c);
        fprintf(f, " %s%s |\n", c->description, valid_note(c));
    }
    fprintf(f, "\nIn `runs.jsonl` a value that is unknown is null, and the request, lock and time-breakdown\n"
               "columns are missing when the run did not execute; `summary.csv` leaves such cells empty.\n");
    fprintf(f, "\n## `runs.jsonl` keys beyond the `summary.csv` columns\n\n"
               "In the order of a record, with the columns above among them; some only when the run\n"
               "executed (cb_run ran), some only in sweeps with `--fault`.\n\n"
               "| key | unit | present | meaning |\n|---|---|---|---|\n");
    for (size_t i = 0; i < bench_n_columns; i++) {
        const bench_column *c = &bench_columns[i];
        if (c->kind == BENCH_KIND_SUMMARY)
            continue;
        name_unit(f, c);
        fprintf(f, " %s | %s%s |\n", presence_name(c->presence), c->description, valid_note(c));
    }
    fprintf(f, "%s\n", BENCH_SCHEMA_END);
}

char *bench_schema_splice(const char *doc, char *err, size_t err_len)
{
    const char *begin = strstr(doc, BENCH_SCHEMA_BEGIN), *end, *after;
    char *gen = NULL, *out = NULL;
    size_t gen_len = 0;
    FILE *f;

    while (begin && begin != doc && begin[-1] != '\n')
        begin = strstr(begin + 1, BENCH_SCHEMA_BEGIN);
    end = begin ? strstr(begin, BENCH_SCHEMA_END) : NULL;
    if (!begin || !end) {
        util_seterr(err, err_len, "no generated part: expected a line starting \"%s\" and a line \"%s\"",
                     BENCH_SCHEMA_BEGIN, BENCH_SCHEMA_END);
        return NULL;
    }
    after = end + strlen(BENCH_SCHEMA_END);
    if (*after == '\n')
        after++;
    f = open_memstream(&gen, &gen_len);
    if (!f) {
        util_seterr(err, err_len, "out of memory");
        return NULL;
    }
    bench_schema_print(f);
    if (fclose(f) != 0 || !gen) {
        free(gen);
        util_seterr(err, err_len, "out of memory");
        return NULL;
    }
    size_t head = (size_t)(begin - doc), tail = strlen(after);
    out = malloc(head + gen_len + tail + 1);
    if (out) {
        memcpy(out, doc, head);
        memcpy(out + head, gen, gen_len);
        memcpy(out + head + gen_len, after, tail + 1);
    } else {
        util_seterr(err, err_len, "out of memory");
    }
    free(gen);
    return out;
}

/* Rewrites path's generated part (temporary file + rename). */
static int update(const char *path)
{
    char err[512], tmp[4200];
    char *doc = util_slurp(path, NULL), *out = NULL;
    FILE *f = NULL;
    int rc = 1;
    if (!doc) {
        fprintf(stderr, "geokv-bench schema: cannot read %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (!(out = bench_schema_splice(doc, err, sizeof err))) {
        fprintf(stderr, "geokv-bench schema: %s: %s\n", path, err);
        goto cleanup;
    }
    if (strcmp(out, doc) == 0) {
        printf("%s: up to date\n", path);
        rc = 0;
        goto cleanup;
    }
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    if (!(f = fopen(tmp, "w")) || fputs(out, f) == EOF || fclose(f) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "geokv-bench schema: cannot write %s: %s\n", path, strerror(errno));
        if (f)
            unlink(tmp);
        goto cleanup;
    }
    printf("%s: generated part rewritten\n", path);
    rc = 0;
cleanup:
    free(doc);
    free(out);
    return rc;
}

int bench_schema_main(int argc, char **argv)
{
    if (argc == 0) {
        bench_schema_print(stdout);
        return 0;
    }
    if (argc == 2 && strcmp(argv[0], "--update") == 0)
        return update(argv[1]);
    fprintf(argc == 1 && strcmp(argv[0], "--help") == 0 ? stdout : stderr,
            "usage: geokv-bench schema [--update FILE]\n"
            "Prints the column tables of results/SCHEMA.md, generated from the table of columns of a\n"
            "run's record; --update FILE rewrites FILE's generated part in place.\n"
            "Exit status: 0 printed or updated, 1 FILE could not be updated, 2 bad usage.\n");
    return argc == 1 && strcmp(argv[0], "--help") == 0 ? 0 : 2;
}
