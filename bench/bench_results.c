/* bench_results.c: results directory, runs.jsonl, summary.csv, latest link. */
#include "bench/bench_results.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench_record.h"
#include "sim/util/util_err.h"
#include "sim/util/util_fs.h"

void bench_run_id(time_t when, uint64_t seed, char *out, size_t out_len)
{
    struct tm tm;
    char stamp[32];
    gmtime_r(&when, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(out, out_len, "%s-%llu", stamp, (unsigned long long)seed);
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    (void)fsync(fd);
    close(fd);
    return 0;
}

static void results_init(bench_results *r)
{
    memset(r, 0, sizeof *r);
    r->runs_fd = -1;
}

int bench_results_create(bench_results *r, const char *out, const char *run_id, char *err, size_t err_len)
{
    char path[1200];

    results_init(r);
    if ((size_t)snprintf(r->dir, sizeof r->dir, "%s/%s", out, run_id) >= sizeof r->dir) {
        util_seterr(err, err_len, "results directory name too long: %s/%s (use a shorter --out)", out, run_id);
        return -1;
    }
    snprintf(r->run_id, sizeof r->run_id, "%s", run_id);
    snprintf(path, sizeof path, "%s/timelines", r->dir);
    if (util_mkdirs(path, NULL, 0) != 0) {
        util_seterr(err, err_len, "cannot create %s: %s (choose a writable --out)", path, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/runs.jsonl", r->dir);
    r->runs_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (r->runs_fd < 0) {
        util_seterr(err, err_len, "cannot open %s: %s (choose a writable --out)", path, strerror(errno));
        return -1;
    }
    r->records = json_array();
    return r->records ? 0 : -1;
}

int bench_parse_runs(const char *text, size_t len, json_t **records, size_t *valid_len, size_t *bad)
{
    size_t pos = 0;
    *records = json_array();
    *valid_len = 0;
    *bad = 0;
    if (*records == NULL)
        return -1;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t line_len;
        json_t *j;
        json_error_t e;
        if (nl == NULL)
            break;          /* partial last line: not a record */
        line_len = (size_t)(nl - (text + pos));
        if (line_len > 0) {
            j = json_loadb(text + pos, line_len, 0, &e);
            if (json_is_object(j))
                json_array_append_new(*records, j);
            else {
                json_decref(j);
                (*bad)++;
            }
        }
        pos += line_len + 1;
        *valid_len = pos;
    }
    return 0;
}

int bench_results_open(bench_results *r, const char *dir, char *err, size_t err_len)
{
    char path[1200];
    char *text = NULL;
    size_t len = 0, cap = 0, valid = 0, bad = 0;
    ssize_t got;
    const char *slash;
    int fd = -1, rc = -1;

    results_init(r);
    if (strlen(dir) >= sizeof r->dir) {
        util_seterr(err, err_len, "results directory name too long: %s", dir);
        goto cleanup;
    }
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    /* The run id is the last path component (resolving results/latest). */
    {
        char real[4096];
        const char *p = realpath(dir, real) ? real : dir;
        size_t plen = strlen(p);
        while (plen > 1 && p[plen - 1] == '/')
            plen--;
        slash = memrchr(p, '/', plen);
        slash = slash ? slash + 1 : p;
        snprintf(r->run_id, sizeof r->run_id, "%.*s", (int)(plen - (size_t)(slash - p)), slash);
    }
    snprintf(path, sizeof path, "%s/runs.jsonl", r->dir);
    fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        util_seterr(err, err_len, "cannot resume: %s: %s (give the run directory to --resume)", path, strerror(errno));
        goto cleanup;
    }
    for (;;) {
        if (len + 65536 > cap) {
            char *n = realloc(text, cap + 65536 + 1);
            if (n == NULL) {
                util_seterr(err, err_len, "out of memory reading %s", path);
                goto cleanup;
            }
            text = n;
            cap += 65536;
        }
        got = read(fd, text + len, cap - len);
        if (got < 0) {
            util_seterr(err, err_len, "cannot read %s: %s", path, strerror(errno));
            goto cleanup;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    if (bench_parse_runs(text ? text : "", len, &r->records, &valid, &bad) != 0) {
        util_seterr(err, err_len, "out of memory parsing %s", path);
        goto cleanup;
    }
    if (bad > 0)
        fprintf(stderr, "geokv-bench: %s: %zu line(s) are not JSON records; they are kept but ignored\n", path,
                bad);
    if (valid < len) {
        /* A run interrupted in the middle of a write (power loss, SIGKILL)
         * leaves a partial line: cut it so the next append starts a line. */
        fprintf(stderr, "geokv-bench: %s: cutting a partial last line (%zu bytes)\n", path, len - valid);
        if (ftruncate(fd, (off_t)valid) != 0) {
            util_seterr(err, err_len, "cannot truncate %s: %s", path, strerror(errno));
            goto cleanup;
        }
    }
    close(fd);
    fd = -1;
    r->runs_fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (r->runs_fd < 0) {
        util_seterr(err, err_len, "cannot open %s for appending: %s", path, strerror(errno));
        goto cleanup;
    }
    rc = 0;
cleanup:
    if (fd >= 0)
        close(fd);
    free(text);
    return rc;
}

void bench_results_close(bench_results *r)
{
    if (r->runs_fd >= 0)
        close(r->runs_fd);
    r->runs_fd = -1;
    json_decref(r->records);
    r->records = NULL;
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

int bench_results_append(bench_results *r, json_t *rec, char *err, size_t err_len)
{
    char *line = json_dumps(rec, JSON_COMPACT | JSON_REAL_PRECISION(10));
    size_t len;
    int rc = -1;

    if (line == NULL) {
        util_seterr(err, err_len, "cannot encode the run record as JSON");
        return -1;
    }
    len = strlen(line);
    /* One write of line + newline: O_APPEND makes it one piece in the file. */
    {
        char *with_nl = realloc(line, len + 2);
        if (with_nl == NULL) {
            util_seterr(err, err_len, "out of memory writing runs.jsonl");
            goto cleanup;
        }
        line = with_nl;
        line[len] = '\n';
        line[len + 1] = '\0';
    }
    if (write_all(r->runs_fd, line, len + 1) != 0 || fsync(r->runs_fd) != 0) {
        util_seterr(err, err_len, "cannot write %s/runs.jsonl: %s (disk full?)", r->dir, strerror(errno));
        goto cleanup;
    }
    json_array_append(r->records, rec);
    if (bench_write_summary(r->dir, r->records, err, err_len) != 0)
        goto cleanup;
    rc = 0;
cleanup:
    free(line);
    return rc;
}

bool bench_results_has(const bench_results *r, const char *mode, int n, int rep)
{
    size_t i;
    json_t *rec;
    json_array_foreach(r->records, i, rec) {
        const char *m;
        int rn, rr;
        if (bench_record_key(rec, &m, &rn, &rr) && rn == n && rr == rep && strcmp(m, mode) == 0)
            return true;
    }
    return false;
}

/* Opens <dir>/.<name>.tmp for writing. */
static FILE *open_tmp(const char *dir, const char *name, char *tmp, size_t tmp_len)
{
    snprintf(tmp, tmp_len, "%s/.%s.%ld.tmp", dir, name, (long)getpid());
    return fopen(tmp, "w");
}

static int commit_tmp(FILE *f, const char *tmp, const char *dir, const char *name, char *err, size_t err_len)
{
    char final[1200];
    int bad = ferror(f);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        bad = 1;
    if (fclose(f) != 0)
        bad = 1;
    snprintf(final, sizeof final, "%s/%s", dir, name);
    if (bad || rename(tmp, final) != 0) {
        util_seterr(err, err_len, "cannot write %s: %s (disk full or not writable?)", final, strerror(errno));
        unlink(tmp);
        return -1;
    }
    fsync_dir(dir);
    return 0;
}

int bench_write_json_atomic(const char *dir, const char *name, const json_t *j, char *err, size_t err_len)
{
    char tmp[1200];
    FILE *f = open_tmp(dir, name, tmp, sizeof tmp);
    if (f == NULL) {
        util_seterr(err, err_len, "cannot create %s: %s", tmp, strerror(errno));
        return -1;
    }
    if (json_dumpf(j, f, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) != 0) {
        fclose(f);
        unlink(tmp);
        util_seterr(err, err_len, "cannot write %s/%s (disk full?)", dir, name);
        return -1;
    }
    fputc('\n', f);
    return commit_tmp(f, tmp, dir, name, err, err_len);
}

int bench_write_summary(const char *dir, const json_t *records, char *err, size_t err_len)
{
    char tmp[1200];
    size_t i;
    json_t *rec;
    FILE *f = open_tmp(dir, "summary.csv", tmp, sizeof tmp);
    if (f == NULL) {
        util_seterr(err, err_len, "cannot create %s: %s", tmp, strerror(errno));
        return -1;
    }
    bench_csv_header(f);
    json_array_foreach(records, i, rec)
        bench_csv_row(f, rec);
    return commit_tmp(f, tmp, dir, "summary.csv", err, err_len);
}

int bench_results_link_latest(const char *out, const char *run_id, char *err, size_t err_len)
{
    char tmp[1200], link[1200];
    snprintf(tmp, sizeof tmp, "%s/.latest.%ld.tmp", out, (long)getpid());
    snprintf(link, sizeof link, "%s/latest", out);
    unlink(tmp);
    if (symlink(run_id, tmp) != 0 || rename(tmp, link) != 0) {
        util_seterr(err, err_len, "cannot point %s at %s: %s", link, run_id, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}
