/* cmp_format.h: a comparison (cmp_table.h) printed for people (text,
 * Markdown) and programs (CSV, JSON). Every format starts with the same
 * preamble: the runs with their ids and versions, the test used, the config
 * differences (an overridden incomparable one as a warning), the coverage of
 * each run, what was dropped and why, and the sample-size warnings. Text and
 * Markdown print values in units a person reads (s, ms, kB, MB); CSV and JSON
 * keep the base units of results/SCHEMA.md (s, B). CSV carries the preamble
 * as '#' comment lines before its header. */
#ifndef GEOKV_MODEL_CMP_FORMAT_H
#define GEOKV_MODEL_CMP_FORMAT_H

#include <jansson.h>
#include <stdio.h>

#include "model/cmp_table.h"

typedef enum cmp_fmt { CMP_FMT_TEXT, CMP_FMT_MARKDOWN, CMP_FMT_CSV, CMP_FMT_JSON } cmp_fmt;

/* "text", "md"/"markdown", "csv", "json"; -1 when unknown. */
int cmp_format_parse(const char *name, cmp_fmt *f);

/* v in the unit of the metric, scaled for reading: "4.25 MB", "17.6 s",
 * "350 ms", "577". */
void cmp_format_value(double v, cmp_unit u, char *buf, size_t len);

/* The verdict cell of run j's change in row, as text ("-9.7% [-15.1%, -4.3%]
 * p=0.012", "~ p=0.41", "? too few samples", "n/a (old is 0)"). */
void cmp_format_change(const cmp_table_row *row, size_t j, char *buf, size_t len);

void cmp_format_print(FILE *out, const cmp_table *t, cmp_fmt f);
json_t *cmp_format_json(const cmp_table *t);

#endif
