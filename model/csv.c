/* csv.c: see csv.h. */
#include "model/csv.h"
#include "sim/util/util_err.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growable array of strings (one parsed record). */
typedef struct strvec {
    char **v;
    size_t n, cap;
} strvec;

static int strvec_push(strvec *s, char *str)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        char **nv = realloc(s->v, cap * sizeof *nv);
        if (!nv)
            return -1;
        s->v = nv;
        s->cap = cap;
    }
    s->v[s->n++] = str;
    return 0;
}

static void strvec_clear(strvec *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    s->n = 0;
}

/* Parse one record starting at *pos. Returns 1 when a record was read,
 * 0 at end of input, -1 on error. Skips blank and comment lines. */
static int read_record(const char *text, size_t len, size_t *pos, size_t *line, strvec *rec,
                       char *err, size_t errlen)
{
    size_t p = *pos;
    /* skip blank lines and comments */
    for (;;) {
        if (p >= len)
            return 0;
        if (text[p] == '\n') { p++; (*line)++; continue; }
        if (text[p] == '\r' && p + 1 < len && text[p + 1] == '\n') { p += 2; (*line)++; continue; }
        if (text[p] == '#') {
            while (p < len && text[p] != '\n')
                p++;
            continue;
        }
        break;
    }
    size_t start_line = *line;
    char *buf = malloc(len - p + 1);
    if (!buf) {
        util_seterr(err, errlen, "out of memory reading CSV");
        return -1;
    }
    for (;;) {
        size_t bl = 0;
        int quoted = 0;
        if (p < len && text[p] == '"') {
            quoted = 1;
            p++;
            for (;;) {
                if (p >= len) {
                    util_seterr(err, errlen, "CSV line %zu: quoted field not closed", start_line);
                    free(buf);
                    return -1;
                }
                if (text[p] == '"') {
                    if (p + 1 < len && text[p + 1] == '"') { buf[bl++] = '"'; p += 2; continue; }
                    p++;
                    break;
                }
                if (text[p] == '\n')
                    (*line)++;
                buf[bl++] = text[p++];
            }
        }
        while (p < len && text[p] != ',' && text[p] != '\n' &&
               !(text[p] == '\r' && (p + 1 >= len || text[p + 1] == '\n'))) {
            if (quoted) {
                util_seterr(err, errlen, "CSV line %zu: text after closing quote", start_line);
                free(buf);
                return -1;
            }
            buf[bl++] = text[p++];
        }
        buf[bl] = '\0';
        char *field = strdup(buf);
        if (!field || strvec_push(rec, field) != 0) {
            free(field);
            free(buf);
            util_seterr(err, errlen, "out of memory reading CSV");
            return -1;
        }
        if (p < len && text[p] == ',') {
            p++;
            continue;
        }
        if (p < len && text[p] == '\r')
            p++;
        if (p < len && text[p] == '\n') {
            p++;
            (*line)++;
        }
        break;
    }
    free(buf);
    *pos = p;
    return 1;
}

int csv_parse(const char *text, size_t len, csv_table *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    strvec rec = {0};
    size_t pos = 0, line = 1, cap = 0;
    int rc = -1;

    /* a UTF-8 byte order mark is not part of the first column name */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    int r = read_record(text, len, &pos, &line, &rec, err, errlen);
    if (r < 0)
        goto cleanup;
    if (r == 0) {
        util_seterr(err, errlen, "CSV is empty: expected a header row");
        goto cleanup;
    }
    t->ncols = rec.n;
    t->names = rec.v;
    rec = (strvec){0};
    for (size_t i = 0; i < t->ncols; i++) {
        if (t->names[i][0] == '\0') {
            util_seterr(err, errlen, "CSV header: column %zu has no name", i + 1);
            goto cleanup;
        }
    }
    for (;;) {
        size_t rec_line = line;
        r = read_record(text, len, &pos, &line, &rec, err, errlen);
        if (r < 0)
            goto cleanup;
        if (r == 0)
            break;
        if (rec.n > t->ncols) {
            util_seterr(err, errlen, "CSV line %zu: %zu fields but the header has %zu",
                    rec_line, rec.n, t->ncols);
            goto cleanup;
        }
        while (rec.n < t->ncols) {
            char *e = strdup("");
            if (!e || strvec_push(&rec, e) != 0) {
                free(e);
                util_seterr(err, errlen, "out of memory reading CSV");
                goto cleanup;
            }
        }
        if ((t->nrows + 1) * t->ncols > cap) {
            size_t ncap = cap ? cap * 2 : t->ncols * 64;
            char **nc = realloc(t->cells, ncap * sizeof *nc);
            if (!nc) {
                util_seterr(err, errlen, "out of memory reading CSV");
                goto cleanup;
            }
            t->cells = nc;
            cap = ncap;
        }
        memcpy(t->cells + t->nrows * t->ncols, rec.v, t->ncols * sizeof *rec.v);
        t->nrows++;
        rec.n = 0;
    }
    rc = 0;
cleanup:
    strvec_clear(&rec);
    free(rec.v);
    if (rc != 0)
        csv_free(t);
    return rc;
}

int csv_read(const char *path, csv_table *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    int rc = -1;
    char *text = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        util_seterr(err, errlen, "cannot open %s: %s", path, strerror(errno));
        goto cleanup;
    }
    size_t cap = 65536, len = 0, n;
    text = malloc(cap);
    if (!text)
        goto nomem;
    while ((n = fread(text + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            char *nt = realloc(text, cap * 2);
            if (!nt)
                goto nomem;
            text = nt;
            cap *= 2;
        }
    }
    if (ferror(f)) {
        util_seterr(err, errlen, "cannot read %s: %s", path, strerror(errno));
        goto cleanup;
    }
    char sub[512];
    if (csv_parse(text, len, t, sub, sizeof sub) != 0) {
        util_seterr(err, errlen, "%s: %s", path, sub);
        goto cleanup;
    }
    rc = 0;
    goto cleanup;
nomem:
    util_seterr(err, errlen, "out of memory reading %s", path);
cleanup:
    free(text);
    if (f)
        fclose(f);
    return rc;
}

void csv_free(csv_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; t->names && i < t->ncols; i++)
        free(t->names[i]);
    for (size_t i = 0; t->cells && i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->names);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

int csv_column(const csv_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->names[i], name) == 0)
            return (int)i;
    return -1;
}

const char *csv_cell(const csv_table *t, size_t row, size_t col)
{
    if (row >= t->nrows || col >= t->ncols)
        return "";
    return t->cells[row * t->ncols + col];
}

static void list_columns(const csv_table *t, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < t->ncols && used + 1 < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? "," : "", t->names[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

int csv_column_doubles(const csv_table *t, const char *name, const unsigned char *keep,
                       int skip_bad, double *out, size_t *nout, char *err, size_t errlen)
{
    int col = csv_column(t, name);
    *nout = 0;
    if (col < 0) {
        char cols[400];
        list_columns(t, cols, sizeof cols);
        util_seterr(err, errlen, "no column '%s' (columns: %s)", name, cols);
        return -1;
    }
    for (size_t r = 0; r < t->nrows; r++) {
        if (keep && !keep[r])
            continue;
        const char *s = csv_cell(t, r, (size_t)col);
        char *end = NULL;
        errno = 0;
        double v = strtod(s, &end);
        while (end && (*end == ' ' || *end == '\t'))
            end++;
        int bad = s[0] == '\0' || end == s || *end != '\0' || errno == ERANGE || !isfinite(v);
        if (bad) {
            if (skip_bad)
                continue;
            util_seterr(err, errlen, "column '%s', data row %zu: '%s' is not a finite number",
                    name, r + 1, s);
            return -1;
        }
        out[(*nout)++] = v;
    }
    return 0;
}

int csv_distinct(const csv_table *t, int col, const char ***values, size_t *nvalues,
                 char *err, size_t errlen)
{
    *values = NULL;
    *nvalues = 0;
    if (col < 0 || (size_t)col >= t->ncols) {
        util_seterr(err, errlen, "no such column");
        return -1;
    }
    const char **v = malloc((t->nrows ? t->nrows : 1) * sizeof *v);
    if (!v) {
        util_seterr(err, errlen, "out of memory");
        return -1;
    }
    size_t n = 0;
    for (size_t r = 0; r < t->nrows; r++) {
        const char *s = csv_cell(t, r, (size_t)col);
        size_t i;
        for (i = 0; i < n; i++)
            if (strcmp(v[i], s) == 0)
                break;
        if (i == n)
            v[n++] = s;
    }
    *values = v;
    *nvalues = n;
    return 0;
}
