/* bench_env.c: tool versions and machine description (see bench_env.h). */
#include "bench/bench_env.h"

#include <curl/curl.h>
#include <gsl/gsl_version.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

void bench_env_command_line(const char *cmd, char *out, size_t out_len)
{
    char full[2048];
    FILE *p;
    size_t len;

    out[0] = '\0';
    snprintf(full, sizeof full, "%s 2>/dev/null", cmd);
    p = popen(full, "r");
    if (p == NULL)
        return;
    if (fgets(out, (int)out_len, p) == NULL)
        out[0] = '\0';
    /* Drain the rest so the child does not die of SIGPIPE mid-write. */
    {
        char sink[256];
        while (fgets(sink, sizeof sink, p) != NULL)
            ;
    }
    pclose(p);
    len = strlen(out);
    while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r' || out[len - 1] == ' '))
        out[--len] = '\0';
}

static void shell_quote(const char *s, char *out, size_t out_len)
{
    size_t k = 0;
    if (out_len < 3) {
        if (out_len)
            out[0] = '\0';
        return;
    }
    out[k++] = '\'';
    for (; *s && k + 5 < out_len; s++) {
        if (*s == '\'') {
            memcpy(out + k, "'\\''", 4);
            k += 4;
        } else
            out[k++] = *s;
    }
    out[k++] = '\'';
    out[k] = '\0';
}

json_t *bench_env_versions(const char *etcd_bin)
{
    char cmd[1200], q[1100], line[256];
    const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
    json_t *o = json_object();

    shell_quote(etcd_bin && *etcd_bin ? etcd_bin : "etcd", q, sizeof q);
    snprintf(cmd, sizeof cmd, "%s --version", q);
    /* "etcd Version: 3.4.23" is the first line of etcd --version. */
    bench_env_command_line(cmd, line, sizeof line);
    {
        const char *v = strstr(line, "Version: ");
        json_object_set_new(o, "etcd", json_string(v ? v + 9 : (*line ? line : "unknown")));
    }
    json_object_set_new(o, "libcurl", json_string(cv && cv->version ? cv->version : "unknown"));
    json_object_set_new(o, "gsl", json_string(gsl_version));
    json_object_set_new(o, "jansson", json_string(JANSSON_VERSION));
    json_object_set_new(o, "compiler", json_string(__VERSION__));
    return o;
}

json_t *bench_env_machine(void)
{
    struct utsname u;
    json_t *o = json_object();
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (uname(&u) == 0) {
        json_object_set_new(o, "sysname", json_string(u.sysname));
        json_object_set_new(o, "release", json_string(u.release));
        json_object_set_new(o, "version", json_string(u.version));
        json_object_set_new(o, "machine", json_string(u.machine));
    }
    json_object_set_new(o, "cores", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
    if (pages > 0 && page > 0)
        json_object_set_new(o, "memory_bytes", json_integer((json_int_t)pages * page));
    {
        char cpu[256];
        bench_env_command_line("sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1", cpu, sizeof cpu);
        if (*cpu)
            json_object_set_new(o, "cpu", json_string(cpu));
    }
    return o;
}
