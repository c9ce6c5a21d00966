/* csv.h: read a CSV file with a header row into memory, find columns by name,
 * read a column as numbers and list the distinct values of a grouping column.
 *
 * Accepted input (RFC 4180 plus what tidy results files contain): comma
 * separated, fields optionally quoted with '"' (a doubled quote inside a quoted
 * field is one quote, quoted fields may hold commas and newlines), LF or CRLF
 * line ends, a missing final newline, blank lines and lines that start with
 * '#' (comments) are skipped. A row with fewer fields than the header is
 * padded with empty fields; a row with more is an error.
 *
 * Every function that can fail returns 0 on success and -1 on failure with a
 * message in err (which may be NULL).
 */
#ifndef GEOKV_MODEL_CSV_H
#define GEOKV_MODEL_CSV_H

#include <stddef.h>

typedef struct csv_table {
    size_t ncols;
    size_t nrows;      /* data rows, header excluded */
    char **names;      /* ncols column names */
    char **cells;      /* nrows * ncols, row-major; never NULL, "" when empty */
} csv_table;

int csv_parse(const char *text, size_t len, csv_table *t, char *err, size_t errlen);
int csv_read(const char *path, csv_table *t, char *err, size_t errlen);
void csv_free(csv_table *t);

/* Index of the column called name, or -1. */
int csv_column(const csv_table *t, const char *name);
const char *csv_cell(const csv_table *t, size_t row, size_t col);

/* Parse column `name` of every row (rows where keep is not NULL and
 * keep[row] == 0 are skipped) into out (caller allocates nrows doubles);
 * *nout receives the count. Empty or non-numeric cells are an error naming
 * the row, except that they are skipped when skip_bad is non-zero. */
int csv_column_doubles(const csv_table *t, const char *name, const unsigned char *keep,
                       int skip_bad, double *out, size_t *nout, char *err, size_t errlen);

/* Distinct values of column col in order of first appearance. *values is a
 * malloc'ed array of pointers into the table (free only the array). */
int csv_distinct(const csv_table *t, int col, const char ***values, size_t *nvalues,
                 char *err, size_t errlen);

#endif
