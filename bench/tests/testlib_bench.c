/* testlib_bench.c: see testlib_bench.h. */
#include "bench/tests/testlib_bench.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_record.h"
#include "sim/util/util_fs.h"

int bench_t_tmpdir_make(char *dir, size_t dir_len, const char *tag)
{
    snprintf(dir, dir_len, "/tmp/geokv-%s-XXXXXX", tag);
    return mkdtemp(dir) ? 0 : -1;
}

int bench_t_tmpdir_remove(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

void bench_t_sleep(double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    nanosleep(&ts, NULL);
}

void bench_t_dump_log(const char *log)
{
    char *t = util_slurp(log, NULL);
    if (t) {
        fprintf(stderr, "--- geokv-bench output:\n%s---\n", t);
        free(t);
    }
}

void bench_t_program(const char *name, char *out, size_t out_len)
{
    const char *bin = getenv("GEOKV_BIN");
    snprintf(out, out_len, "%s/%s", bin && *bin ? bin : "build/bin", name);
}

pid_t bench_t_spawn(char *const *argv, const char *log_path)
{
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

int bench_t_wait(pid_t pid, double timeout_s)
{
    struct timespec ts = { 0, 50 * 1000 * 1000 };
    int status;
    /* A failed spawn (-1) must not reach kill() below: kill(-1, SIGKILL)
     * would signal every process of the user, other helpers' included. */
    if (pid <= 0)
        return -1;
    for (double waited = 0; waited < timeout_s; waited += 0.05) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

json_t *bench_t_load_runs(const char *dir, char *why, size_t why_len)
{
    char path[1200];
    size_t len;
    char *text, *line, *save = NULL;
    json_t *all = json_array();
    int k = 0;

    snprintf(path, sizeof path, "%s/runs.jsonl", dir);
    text = util_slurp(path, &len);
    if (text == NULL) {
        snprintf(why, why_len, "cannot read %s", path);
        json_decref(all);
        return NULL;
    }
    if (len > 0 && text[len - 1] != '\n') {
        snprintf(why, why_len, "%s does not end with a whole line", path);
        goto fail;
    }
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_error_t e;
        json_t *j = json_loads(line, 0, &e);
        k++;
        if (!json_is_object(j)) {
            snprintf(why, why_len, "%s line %d is not a JSON object: %s", path, k, e.text);
            json_decref(j);
            goto fail;
        }
        for (size_t c = 0; bench_csv_columns[c]; c++)
            if (json_object_get(j, bench_csv_columns[c]) == NULL) {
                snprintf(why, why_len, "%s line %d lacks %s", path, k, bench_csv_columns[c]);
                json_decref(j);
                goto fail;
            }
        json_array_append_new(all, j);
    }
    free(text);
    return all;
fail:
    free(text);
    json_decref(all);
    return NULL;
}

size_t bench_t_csv_fields(const char *line)
{
    size_t n = 1;
    bool quoted = false;
    for (const char *p = line; *p && *p != '\n'; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (*p == ',' && !quoted)
            n++;
    }
    return n;
}

/* Field k of one CSV line (RFC 4180 quoting undone) into out; -1 when the
 * line has fewer fields. *next (may be NULL) gets the start of the next line. */
static int csv_field(const char *line, size_t k, char *out, size_t outlen, const char **next)
{
    size_t idx = 0, o = 0;
    bool quoted = false;
    const char *p = line;
    for (;; p++) {
        char ch = *p;
        if (quoted) {
            if (ch == '\0')
                break;
            if (ch == '"' && p[1] == '"') {
                if (idx == k && o + 1 < outlen)
                    out[o++] = '"';
                p++;
            } else if (ch == '"') {
                quoted = false;
            } else if (idx == k && o + 1 < outlen) {
                out[o++] = ch;
            }
            continue;
        }
        if (ch == '"') {
            quoted = true;
        } else if (ch == ',' || ch == '\n' || ch == '\0') {
            if (idx == k) {
                out[o] = '\0';
                if (next) {
                    while (*p && *p != '\n')
                        p++;
                    *next = *p ? p + 1 : p;
                }
                return 0;
            }
            if (ch != ',')
                return -1;
            idx++;
        } else if (idx == k && o + 1 < outlen) {
            out[o++] = ch;
        }
    }
    return -1;
}

int bench_t_csv_cell(const char *text, const char *column, char *out, size_t outlen)
{
    char name[128];
    const char *row = NULL;
    for (size_t k = 0; csv_field(text, k, name, sizeof name, &row) == 0; k++)
        if (strcmp(name, column) == 0)
            return csv_field(row, k, out, outlen, NULL);
    return -1;
}

int bench_t_check_summary(const char *dir, size_t n_rows, char *why, size_t why_len)
{
    char path[1200], header[2048] = "";
    size_t ncol = 0, rows = 0, off = 0;
    char *text = NULL, *p;
    int rc = -1;

    for (; bench_csv_columns[ncol]; ncol++)
        off += (size_t)snprintf(header + off, sizeof header - off, "%s%s", ncol ? "," : "", bench_csv_columns[ncol]);
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    text = util_slurp(path, NULL);
    if (text == NULL) {
        snprintf(why, why_len, "cannot read %s", path);
        return -1;
    }
    if (strncmp(text, header, strlen(header)) != 0 || text[strlen(header)] != '\n') {
        snprintf(why, why_len, "%s: header differs from the schema", path);
        goto cleanup;
    }
    for (p = strchr(text, '\n') + 1; *p; p = strchr(p, '\n') + 1) {
        if (bench_t_csv_fields(p) != ncol) {
            snprintf(why, why_len, "%s row %zu has %zu fields, not %zu", path, rows + 1, bench_t_csv_fields(p), ncol);
            goto cleanup;
        }
        rows++;
        if (strchr(p, '\n') == NULL)
            break;
    }
    if (rows != n_rows) {
        snprintf(why, why_len, "%s has %zu rows, not %zu", path, rows, n_rows);
        goto cleanup;
    }
    rc = 0;
cleanup:
    free(text);
    return rc;
}

int bench_t_alive_members(const char *dir, int *listed)
{
    char path[1200];
    json_error_t e;
    json_t *j, *m;
    size_t i;
    int alive = 0;

    snprintf(path, sizeof path, "%s/pids.json", dir);
    j = json_load_file(path, 0, &e);
    *listed = 0;
    if (j == NULL)
        return -1;
    json_array_foreach(json_object_get(j, "members"), i, m) {
        pid_t pid = (pid_t)json_integer_value(json_object_get(m, "pid"));
        char stat_path[64], *st;
        (*listed)++;
        if (pid <= 0 || kill(pid, 0) != 0)
            continue;
        /* A zombie (state Z) is dead, only not reaped yet. */
        snprintf(stat_path, sizeof stat_path, "/proc/%d/stat", (int)pid);
        st = util_slurp(stat_path, NULL);
        if (st != NULL) {
            char *rp = strrchr(st, ')');
            if (!(rp && rp[1] == ' ' && rp[2] == 'Z'))
                alive++;
            free(st);
        }
    }
    json_decref(j);
    return alive;
}

bool bench_t_wait_members(const char *dir, int members, double timeout_s)
{
    for (double w = 0; w < timeout_s; w += 0.1) {
        int listed = 0;
        if (bench_t_alive_members(dir, &listed) >= 0 && listed >= members)
            return true;
        bench_t_sleep(0.1);
    }
    return false;
}

void bench_t_abandon(pid_t pid, const char *log)
{
    if (pid > 0) {
        kill(pid, SIGKILL);
        bench_t_wait(pid, 10);
    }
    bench_t_dump_log(log);
}

int bench_t_sh(const char *cmd, char **out)
{
    FILE *p = popen(cmd, "r");
    size_t cap = 1 << 14, len = 0, n;
    char *buf;
    int st;
    if (out)
        *out = NULL;
    if (!p)
        return -1;
    buf = malloc(cap);
    while (buf && (n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (len + 1 >= cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
    }
    {
        char sink[256];   /* drain what did not fit, so the child can finish */
        while (fread(sink, 1, sizeof sink, p) > 0)
            ;
    }
    st = pclose(p);
    if (buf)
        buf[len] = '\0';
    if (out)
        *out = buf;
    else
        free(buf);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void bench_t_version_line(const char *name, char *out, size_t out_len)
{
    const char *root = getenv("GEOKV_ROOT");
    char cmd[4200], path[4200], *git = NULL, *ver;
    if (!root || !*root)
        root = ".";
    snprintf(path, sizeof path, "%s/VERSION", root);
    ver = util_slurp(path, NULL);
    snprintf(cmd, sizeof cmd, "git -C '%s' describe --always --dirty 2>/dev/null || echo unknown", root);
    bench_t_sh(cmd, &git);
    if (ver)
        ver[strcspn(ver, "\n")] = '\0';
    if (git)
        git[strcspn(git, "\n")] = '\0';
    snprintf(out, out_len, "%s %s (git %s)\n", name, ver ? ver : "?", git ? git : "?");
    free(ver);
    free(git);
}
