/* calib_sweep.c: see calib_sweep.h. */
#include "model/calib_sweep.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/csv.h"
#include "sim/util/util_err.h"

static int cell_number(const char *s, double *v)
{
    char *end = NULL;
    if (s == NULL || *s == '\0')
        return -1;
    errno = 0;
    *v = strtod(s, &end);
    return end == s || *end != '\0' || errno == ERANGE || !isfinite(*v) ? -1 : 0;
}

static void read_run_id(calib_sweep *s)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/config.json", s->dir);
    json_t *cfg = json_load_file(path, 0, NULL);
    const char *id = json_string_value(json_object_get(cfg, "run_id"));
    if (id != NULL && *id) {
        snprintf(s->run_id, sizeof s->run_id, "%s", id);
    } else {
        size_t len = strlen(s->dir);
        while (len > 1 && s->dir[len - 1] == '/')
            len--;
        size_t start = len;
        while (start > 0 && s->dir[start - 1] != '/')
            start--;
        snprintf(s->run_id, sizeof s->run_id, "%.*s", (int)(len - start), s->dir + start);
    }
    json_decref(cfg);
}

/* Index of agent count n in s (appended, in order, when new); -1 when full. */
static int level(calib_sweep *s, double n)
{
    size_t i = 0;
    while (i < s->nlev && s->n[i] < n)
        i++;
    if (i < s->nlev && s->n[i] == n)
        return (int)i;
    if (s->nlev == CALIB_SWEEP_MAX_N)
        return -1;
    memmove(&s->n[i + 1], &s->n[i], (s->nlev - i) * sizeof s->n[0]);
    memmove(&s->mean[i + 1], &s->mean[i], (s->nlev - i) * sizeof s->mean[0]);
    memmove(&s->sd[i + 1], &s->sd[i], (s->nlev - i) * sizeof s->sd[0]);
    memmove(&s->count[i + 1], &s->count[i], (s->nlev - i) * sizeof s->count[0]);
    s->n[i] = n;
    s->mean[i] = s->sd[i] = 0;   /* running mean and sum of squared deviations (Welford) */
    s->count[i] = 0;
    s->nlev++;
    return (int)i;
}

int calib_sweep_load(const char *dir, const char *mode, const char *column, calib_sweep *s, char *err,
                     size_t errlen)
{
    char path[1100], e[512];
    csv_table t;
    int rc = -1;
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    snprintf(s->mode, sizeof s->mode, "%s", mode);
    snprintf(s->column, sizeof s->column, "%s", column);
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    if (csv_read(path, &t, e, sizeof e) != 0) {
        util_seterr(err, errlen, "%s", e);
        return -1;
    }
    int cn = csv_column(&t, "n"), cm = csv_column(&t, "mode"), cv = csv_column(&t, column),
        cc = csv_column(&t, "checker_ok");
    if (cn < 0 || cm < 0 || cv < 0) {
        util_seterr(err, errlen, "%s: no column '%s'", path, cn < 0 ? "n" : cm < 0 ? "mode" : column);
        goto cleanup;
    }
    for (size_t r = 0; r < t.nrows; r++) {
        double n, v, ok = 1;
        if (strcmp(csv_cell(&t, r, (size_t)cm), mode) != 0 || cell_number(csv_cell(&t, r, (size_t)cn), &n) != 0)
            continue;
        if (cell_number(csv_cell(&t, r, (size_t)cv), &v) != 0 ||
            (cc >= 0 && (cell_number(csv_cell(&t, r, (size_t)cc), &ok) != 0 || ok != 1))) {
            s->dropped++;
            continue;
        }
        int i = level(s, n);
        if (i < 0) {
            util_seterr(err, errlen, "%s: more than %d agent counts", path, CALIB_SWEEP_MAX_N);
            goto cleanup;
        }
        double d = v - s->mean[i];
        s->count[i]++;
        s->mean[i] += d / (double)s->count[i];
        s->sd[i] += d * (v - s->mean[i]);
    }
    if (s->nlev == 0) {
        util_seterr(err, errlen, "%s: no run of mode %s with a number in '%s'%s", path, mode, column,
                    s->dropped ? " and a green checker" : "");
        goto cleanup;
    }
    for (size_t i = 0; i < s->nlev; i++)
        s->sd[i] = s->count[i] > 1 ? sqrt(s->sd[i] / (double)(s->count[i] - 1)) : NAN;
    read_run_id(s);
    rc = 0;
cleanup:
    csv_free(&t);
    return rc;
}

int calib_sweep_at(const calib_sweep *s, double n, double *mean)
{
    for (size_t i = 0; i < s->nlev; i++) {
        if (s->n[i] == n) {
            *mean = s->mean[i];
            return 0;
        }
    }
    return -1;
}
