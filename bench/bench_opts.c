/* bench_opts.c: command-line parsing for `geokv-bench run`.
 *
 * Hand-rolled instead of getopt_long: getopt keeps global state and prints
 * its own messages, and here every error must be exactly one line that the
 * caller prints (exit status 2), and the parser must be callable many times
 * from unit tests.
 */
#include "bench/bench_opts.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cb/cb_profile.h"
#include "sim/cb/cb_run.h"
#include "sim/etcd/etcd_client.h"
#include "sim/util/util_err.h"
#include "sim/util/util_list.h"
#include "sim/wan/wan_spin.h"

const char *const bench_member_names[3] = { "Seoul-AWS", "Seoul-GCP", "Singapore" };

static const char *const bench_policies[] = { "round-robin", "pinned", "nearest", NULL };
static const char *const bench_leaders[] = { "Seoul-AWS", "Seoul-GCP", "Singapore", NULL };

void bench_opts_default(bench_opts *o)
{
    static const int default_n[] = { 10, 20, 30, 40, 50 };
    const char *const *modes = cb_mode_names();   /* every mode, in the registry's order */

    memset(o, 0, sizeof *o);
    for (size_t i = 0; i < sizeof default_n / sizeof default_n[0]; i++)
        o->n[o->n_n++] = default_n[i];
    for (size_t i = 0; modes[i] != NULL && o->n_modes < BENCH_MAX_MODES; i++)
        snprintf(o->modes[o->n_modes++], BENCH_MODE_LEN, "%s", modes[i]);
    o->reps = 3;
    o->rtt_scale = 1.0;
    o->delay_scale = 1.0;
    snprintf(o->topology, sizeof o->topology, "%s", BENCH_DEFAULT_TOPOLOGY);
    o->start = BENCH_START_ALL;
    snprintf(o->start_spec, sizeof o->start_spec, "all");
    o->start_from_profile = true;
    snprintf(o->out, sizeof o->out, "results");
    snprintf(o->leader, sizeof o->leader, "%s", bench_member_names[0]);
    snprintf(o->policy, sizeof o->policy, "round-robin");
    snprintf(o->transport, sizeof o->transport, "native");
    o->timeout_s = 600;
    o->etcd_fsync = true;
    o->spec_cache = -1;
    o->init_lock = -1;
    snprintf(o->profile, sizeof o->profile, "ideal");
    snprintf(o->end, sizeof o->end, "txn");
}

static int parse_double(const char *s, double *out)
{
    char *end = NULL;
    double v;
    if (s == NULL || *s == '\0')
        return -1;
    errno = 0;
    v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    long v;
    if (s == NULL || *s == '\0')
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int bench_parse_duration(const char *s, double *out_s)
{
    char num[64];
    size_t len, unit_at;
    double v, mult = 1.0;

    if (s == NULL)
        return -1;
    len = strlen(s);
    if (len == 0 || len >= sizeof num)
        return -1;
    unit_at = len;
    while (unit_at > 0 && (s[unit_at - 1] == 's' || s[unit_at - 1] == 'm'))
        unit_at--;
    if (strcmp(s + unit_at, "ms") == 0)
        mult = 0.001;
    else if (strcmp(s + unit_at, "s") == 0 || s[unit_at] == '\0')
        mult = 1.0;
    else if (strcmp(s + unit_at, "m") == 0)
        mult = 60.0;
    else
        return -1;
    memcpy(num, s, unit_at);
    num[unit_at] = '\0';
    if (parse_double(num, &v) != 0 || v < 0)
        return -1;
    *out_s = v * mult;
    return 0;
}

int bench_parse_n_list(const char *s, int n[BENCH_MAX_N], size_t *n_n, char *err, size_t err_len)
{
    char buf[512];
    char *save = NULL, *tok;

    if (s == NULL || *s == '\0' || strlen(s) >= sizeof buf) {
        util_seterr(err, err_len, "--n: expected a comma-separated list of agent counts, e.g. --n 10,20,30");
        return -1;
    }
    if (util_list_has_empty(s, ',')) {
        util_seterr(err, err_len, "--n: empty item in '%s' (a comma at an end or two in a row)", s);
        return -1;
    }
    snprintf(buf, sizeof buf, "%s", s);
    *n_n = 0;
    for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        long v;
        if (parse_long(tok, 1, BENCH_MAX_AGENTS, &v) != 0) {
            util_seterr(err, err_len, "--n: '%s' is not an agent count between 1 and %d", tok, BENCH_MAX_AGENTS);
            return -1;
        }
        for (size_t i = 0; i < *n_n; i++) {
            if (n[i] == (int)v) {
                util_seterr(err, err_len, "--n: %ld is listed twice", v);
                return -1;
            }
        }
        if (*n_n == BENCH_MAX_N) {
            util_seterr(err, err_len, "--n: at most %d agent counts", BENCH_MAX_N);
            return -1;
        }
        n[(*n_n)++] = (int)v;
    }
    if (*n_n == 0) {
        util_seterr(err, err_len, "--n: expected a comma-separated list of agent counts, e.g. --n 10,20,30");
        return -1;
    }
    return 0;
}

static bool name_in(const char *name, const char *const *list)
{
    for (size_t i = 0; list != NULL && list[i] != NULL; i++)
        if (strcmp(name, list[i]) == 0)
            return true;
    return false;
}

static void join_names(const char *const *list, char *out, size_t out_len)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; list != NULL && list[i] != NULL && used < out_len; i++)
        used += (size_t)snprintf(out + used, out_len - used, "%s%s", i ? ", " : "", list[i]);
}

static int parse_modes(const char *s, const char *const *valid, bench_opts *o, char *err, size_t err_len)
{
    char buf[512], names[256];
    char *save = NULL, *tok;

    join_names(valid, names, sizeof names);
    if (s == NULL || *s == '\0' || strlen(s) >= sizeof buf) {
        util_seterr(err, err_len, "--modes: expected a comma-separated list of modes (%s)", names);
        return -1;
    }
    if (util_list_has_empty(s, ',')) {
        util_seterr(err, err_len, "--modes: empty item in '%s' (a comma at an end or two in a row)", s);
        return -1;
    }
    snprintf(buf, sizeof buf, "%s", s);
    o->n_modes = 0;
    for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        if (!name_in(tok, valid)) {
            util_seterr(err, err_len, "--modes: unknown mode '%s' (known: %s)", tok, names);
            return -1;
        }
        for (size_t i = 0; i < o->n_modes; i++) {
            if (strcmp(o->modes[i], tok) == 0) {
                util_seterr(err, err_len, "--modes: '%s' is listed twice", tok);
                return -1;
            }
        }
        if (o->n_modes == BENCH_MAX_MODES) {
            util_seterr(err, err_len, "--modes: at most %d modes", BENCH_MAX_MODES);
            return -1;
        }
        snprintf(o->modes[o->n_modes++], BENCH_MODE_LEN, "%s", tok);
    }
    if (o->n_modes == 0) {
        util_seterr(err, err_len, "--modes: expected a comma-separated list of modes (%s)", names);
        return -1;
    }
    return 0;
}

int bench_opts_set_start(bench_opts *o, const char *s, char *err, size_t err_len)
{
    double v;
    if (s != NULL && strcmp(s, "all") == 0) {
        o->start = BENCH_START_ALL;
        o->start_param_s = 0;
    } else if (s != NULL && strncmp(s, "gap:", 4) == 0 && bench_parse_duration(s + 4, &v) == 0) {
        o->start = BENCH_START_GAP;
        o->start_param_s = v;
    } else if (s != NULL && strncmp(s, "random:", 7) == 0 && bench_parse_duration(s + 7, &v) == 0) {
        o->start = BENCH_START_RANDOM;
        o->start_param_s = v;
    } else if (s != NULL && strcmp(s, "deploy") == 0) {
        o->start = BENCH_START_DEPLOY;
        o->start_param_s = 0;
    } else {
        util_seterr(err, err_len,
                    "--start: '%s' is not all, gap:<duration>, random:<duration> or deploy (e.g. gap:2s, random:30s)",
                    s ? s : "");
        return -1;
    }
    snprintf(o->start_spec, sizeof o->start_spec, "%s", s);
    return 0;
}

/* KEY=VALUE of --profile-set: the key a parameter of a profile's "params"
 * and the value of its type and range (the sweep applies it to the loaded
 * profile, which checks a VM class name too). */
static int parse_profile_set(const char *s, bench_opts *o, char *err, size_t err_len)
{
    char key[BENCH_PROFILE_SET_LEN], msg[768];
    const char *eq = strchr(s, '=');
    if (eq == NULL || eq == s || eq[1] == '\0' || strlen(s) >= BENCH_PROFILE_SET_LEN) {
        util_seterr(err, err_len, "--profile-set: '%s' is not KEY=VALUE (e.g. c_line_us=55)", s);
        return -1;
    }
    if (o->n_profile_set == BENCH_MAX_PROFILE_SET) {
        util_seterr(err, err_len, "--profile-set: at most %d overrides", BENCH_MAX_PROFILE_SET);
        return -1;
    }
    snprintf(key, sizeof key, "%.*s", (int)(eq - s), s);
    if (cb_profile_check_set(key, eq + 1, msg, sizeof msg) != 0) {
        util_seterr(err, err_len, "--profile-set %s: %s", s, msg);
        return -1;
    }
    snprintf(o->profile_set[o->n_profile_set++], BENCH_PROFILE_SET_LEN, "%s", s);
    return 0;
}

static int parse_switch(const char *opt, const char *s, int *out, char *err, size_t err_len)
{
    if (strcmp(s, "on") == 0 || strcmp(s, "1") == 0)
        *out = 1;
    else if (strcmp(s, "off") == 0 || strcmp(s, "0") == 0)
        *out = 0;
    else if (strcmp(s, "default") == 0)
        *out = -1;
    else {
        util_seterr(err, err_len, "%s: '%s' is not on, off or default", opt, s);
        return -1;
    }
    return 0;
}

static int copy_path(const char *opt, const char *s, char *dst, size_t dst_len, char *err, size_t err_len)
{
    if (*s == '\0' || strlen(s) >= dst_len) {
        util_seterr(err, err_len, "%s: expected a path of 1 to %zu characters", opt, dst_len - 1);
        return -1;
    }
    snprintf(dst, dst_len, "%s", s);
    return 0;
}

int bench_parse_endpoints(const char *s, bench_opts *o, char *err, size_t err_len)
{
    char buf[BENCH_MAX_ENDPOINTS * (BENCH_URL_LEN + 64)];
    char *save = NULL, *tok;

    if (s == NULL || *s == '\0' || strlen(s) >= sizeof buf) {
        util_seterr(err, err_len, "--endpoints: expected URL@REGION,... (e.g. https://h1:2379@aws-ap-northeast-2)");
        return -1;
    }
    snprintf(buf, sizeof buf, "%s", s);
    o->n_endpoints = 0;
    for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        char *at = strrchr(tok, '@');
        size_t scheme = !strncmp(tok, "https://", 8) ? 8 : !strncmp(tok, "http://", 7) ? 7 : 0;
        if (at == NULL || at[1] == '\0' || scheme == 0 || at - tok <= (ptrdiff_t)scheme) {
            util_seterr(err, err_len, "--endpoints: '%s' is not URL@REGION (an http:// or https:// URL, then @ and "
                        "the topology region of that member)", tok);
            return -1;
        }
        *at = '\0';
        if (strchr(tok, '@') != NULL) {
            util_seterr(err, err_len, "--endpoints: no user or password in a URL (they would be recorded): use "
                        "--user and GEOKV_ETCD_PASSWORD or --password-file");
            return -1;
        }
        if (o->n_endpoints == BENCH_MAX_ENDPOINTS || strlen(tok) >= BENCH_URL_LEN || strlen(at + 1) >= 64) {
            util_seterr(err, err_len, "--endpoints: at most %d endpoints, URLs under %d characters",
                        BENCH_MAX_ENDPOINTS, BENCH_URL_LEN);
            return -1;
        }
        if (o->n_endpoints && (scheme == 8) != !strncmp(o->endpoints[0], "https://", 8)) {
            util_seterr(err, err_len, "--endpoints: all https:// or all http://, not both");
            return -1;
        }
        snprintf(o->endpoints[o->n_endpoints], BENCH_URL_LEN, "%s", tok);
        snprintf(o->endpoint_regions[o->n_endpoints], 64, "%s", at + 1);
        o->n_endpoints++;
    }
    if (o->n_endpoints == 0) {
        util_seterr(err, err_len, "--endpoints: expected URL@REGION,... (e.g. https://h1:2379@aws-ap-northeast-2)");
        return -1;
    }
    return 0;
}

/* The options of an existing cluster, once all are read. */
static int check_external(bench_opts *o, char *err, size_t err_len)
{
    bool tls = o->n_endpoints && !strncmp(o->endpoints[0], "https://", 8);
    if (o->n_endpoints == 0) {
        if (o->cacert[0] || o->cert[0] || o->key[0] || o->user[0] || o->password_file[0] || o->key_prefix[0]) {
            util_seterr(err, err_len, "--cacert, --cert, --key, --user, --password-file and --key-prefix need "
                        "--endpoints (an existing cluster)");
            return -1;
        }
        return 0;
    }
    if (o->fault[0] || o->no_wan) {
        util_seterr(err, err_len, "--endpoints: %s acts on local members and the emulator; an existing cluster has "
                    "neither", o->fault[0] ? "--fault" : "--no-wan");
        return -1;
    }
    if (!tls && (o->cacert[0] || o->cert[0] || o->key[0])) {
        util_seterr(err, err_len, "--cacert, --cert and --key need https:// endpoints");
        return -1;
    }
    if (!o->cert[0] != !o->key[0]) {
        util_seterr(err, err_len, "--cert and --key go together (the client certificate and its key)");
        return -1;
    }
    if (o->password_file[0] && !o->user[0]) {
        util_seterr(err, err_len, "--password-file needs --user");
        return -1;
    }
    if (tls || o->user[0]) {
        if (o->transport_given && strcmp(o->transport, "curl") != 0) {
            util_seterr(err, err_len, "--transport %s speaks plain HTTP without authentication: use --transport curl "
                        "(the default with https:// endpoints or --user)", o->transport);
            return -1;
        }
        snprintf(o->transport, sizeof o->transport, "curl");
    }
    return 0;
}

/* --time-scale F sets --rtt-scale and --delay-scale to F; either given
 * with another value is a contradiction, refused whatever the order. */
static int apply_time_scale(bench_opts *o, char *err, size_t err_len)
{
    if (!(o->time_scale > 0))
        return 0;
    if ((o->rtt_scale_given && o->rtt_scale != o->time_scale) ||
        (o->delay_scale_given && o->delay_scale != o->time_scale)) {
        bool rtt = o->rtt_scale_given && o->rtt_scale != o->time_scale;
        util_seterr(err, err_len, "--time-scale %g conflicts with %s %g: --time-scale sets every delay, "
                    "--rtt-scale and --delay-scale included (give one or the other)", o->time_scale,
                    rtt ? "--rtt-scale" : "--delay-scale", rtt ? o->rtt_scale : o->delay_scale);
        return -1;
    }
    o->rtt_scale = o->time_scale;
    o->delay_scale = o->time_scale;
    return 0;
}

int bench_opts_parse(int argc, char *const *argv, const char *const *valid_modes,
                     bench_opts *o, char *err, size_t err_len)
{
    if (err && err_len)
        err[0] = '\0';
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        char name[64];
        const char *val = NULL;
        const char *eq;
        bool inline_val = false;

        if (strncmp(arg, "--", 2) != 0) {
            util_seterr(err, err_len, "unexpected argument '%s' (options start with --; see --help)", arg);
            return -1;
        }
        eq = strchr(arg, '=');
        if (eq != NULL) {
            size_t len = (size_t)(eq - arg);
            if (len >= sizeof name) {
                util_seterr(err, err_len, "unknown option '%s' (see --help)", arg);
                return -1;
            }
            memcpy(name, arg, len);
            name[len] = '\0';
            val = eq + 1;
            inline_val = true;
        } else {
            snprintf(name, sizeof name, "%s", arg);
        }

        /* Flags without a value. */
        if (strcmp(name, "--help") == 0 || strcmp(name, "--no-wan") == 0 || strcmp(name, "--dry-run") == 0 ||
            (strcmp(name, "--resume") == 0 && !inline_val)) {
            if (inline_val) {
                util_seterr(err, err_len, "%s takes no value", name);
                return -1;
            }
            if (strcmp(name, "--help") == 0)
                return 1;
            if (strcmp(name, "--no-wan") == 0)
                o->no_wan = true;
            else if (strcmp(name, "--dry-run") == 0)
                o->dry_run = true;
            else {
                o->resume = true;
                /* Optional directory: the next word when it is not an option. */
                if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
                    if (copy_path("--resume", argv[++i], o->resume_dir, sizeof o->resume_dir, err, err_len) != 0)
                        return -1;
                }
            }
            continue;
        }
        if (strcmp(name, "--resume") == 0) {
            o->resume = true;
            if (copy_path("--resume", val, o->resume_dir, sizeof o->resume_dir, err, err_len) != 0)
                return -1;
            continue;
        }

        /* A password in argv is visible to every user (ps, /proc) and would
         * be recorded in config.json: refused whatever its form. */
        if (strcmp(name, "--password") == 0 || strcmp(name, "--passwd") == 0 || strcmp(name, "--pass") == 0) {
            util_seterr(err, err_len, "%s: a password on the command line is refused (anyone can read it in ps); "
                        "set GEOKV_ETCD_PASSWORD or give --password-file FILE", name);
            return -1;
        }

        static const char *const with_value[] = {
            "--n", "--modes", "--reps", "--rtt-scale", "--delay-scale", "--seed", "--topology", "--start",
            "--out", "--leader", "--policy", "--transport", "--fault", "--timeout", "--etcd-fsync", "--spec-cache",
            "--init-lock", "--wan-spin", "--controller-region", "--profile", "--profile-set", "--end",
            "--endpoints", "--cacert", "--cert", "--key", "--user", "--password-file", "--key-prefix",
            "--time-scale", NULL
        };
        if (!name_in(name, with_value)) {
            util_seterr(err, err_len, "unknown option '%s' (see --help)", name);
            return -1;
        }
        if (!inline_val) {
            if (i + 1 >= argc) {
                util_seterr(err, err_len, "%s needs a value (see --help)", name);
                return -1;
            }
            val = argv[++i];
        }

        if (strcmp(name, "--n") == 0) {
            if (bench_parse_n_list(val, o->n, &o->n_n, err, err_len) != 0)
                return -1;
        } else if (strcmp(name, "--modes") == 0) {
            if (parse_modes(val, valid_modes, o, err, err_len) != 0)
                return -1;
        } else if (strcmp(name, "--reps") == 0) {
            long v;
            if (parse_long(val, 1, 1000, &v) != 0) {
                util_seterr(err, err_len, "--reps: '%s' is not a repetition count between 1 and 1000", val);
                return -1;
            }
            o->reps = (int)v;
        } else if (strcmp(name, "--rtt-scale") == 0 || strcmp(name, "--delay-scale") == 0) {
            double v;
            bool rtt = strcmp(name, "--rtt-scale") == 0;
            /* Zero is refused for both: a zero RTT scale is --no-wan, and
             * cb_run reads a zero delay scale as "unset" (full delays). */
            if (parse_double(val, &v) != 0 || v <= 0 || v > 100) {
                util_seterr(err, err_len, "%s: '%s' is not a factor above 0 and at most 100 (1 = as measured)", name,
                              val);
                return -1;
            }
            if (rtt) {
                o->rtt_scale = v;
                o->rtt_scale_given = true;
            } else {
                o->delay_scale = v;
                o->delay_scale_given = true;
            }
        } else if (strcmp(name, "--time-scale") == 0) {
            double v;
            if (parse_double(val, &v) != 0 || v <= 0 || v > 1) {
                util_seterr(err, err_len, "--time-scale: '%s' is not a factor above 0 and at most 1 (e.g. 0.25)",
                            val);
                return -1;
            }
            o->time_scale = v;
        } else if (strcmp(name, "--seed") == 0) {
            char *end = NULL;
            unsigned long long v;
            errno = 0;
            v = strtoull(val, &end, 0);
            if (errno != 0 || end == val || *end != '\0' || val[0] == '-') {
                util_seterr(err, err_len, "--seed: '%s' is not an unsigned 64-bit integer", val);
                return -1;
            }
            o->seed = (uint64_t)v;
            o->seed_given = true;
        } else if (strcmp(name, "--topology") == 0) {
            if (copy_path(name, val, o->topology, sizeof o->topology, err, err_len) != 0)
                return -1;
            o->topology_given = true;
        } else if (strcmp(name, "--start") == 0) {
            o->start_from_profile = false;
            if (bench_opts_set_start(o, val, err, err_len) != 0)
                return -1;
        } else if (strcmp(name, "--out") == 0) {
            if (copy_path(name, val, o->out, sizeof o->out, err, err_len) != 0)
                return -1;
        } else if (strcmp(name, "--leader") == 0) {
            if (!name_in(val, bench_leaders)) {
                util_seterr(err, err_len, "--leader: unknown member '%s' (known: Seoul-AWS, Seoul-GCP, Singapore)",
                            val);
                return -1;
            }
            snprintf(o->leader, sizeof o->leader, "%s", val);
        } else if (strcmp(name, "--policy") == 0) {
            if (!name_in(val, bench_policies)) {
                util_seterr(err, err_len, "--policy: unknown endpoint policy '%s' (known: round-robin, pinned, nearest)",
                            val);
                return -1;
            }
            snprintf(o->policy, sizeof o->policy, "%s", val);
        } else if (strcmp(name, "--transport") == 0) {
            etcd_transport t;
            if (etcd_transport_parse(val, &t) != 0) {
                char known[128];
                etcd_transport_list(known, sizeof known, ", ");
                util_seterr(err, err_len, "--transport: unknown transport '%s' (known: %s)", val, known);
                return -1;
            }
            snprintf(o->transport, sizeof o->transport, "%s", val);
            o->transport_given = true;
        } else if (strcmp(name, "--endpoints") == 0) {
            if (bench_parse_endpoints(val, o, err, err_len) != 0)
                return -1;
        } else if (strcmp(name, "--cacert") == 0) {
            if (copy_path(name, val, o->cacert, sizeof o->cacert, err, err_len) != 0)
                return -1;
        } else if (strcmp(name, "--cert") == 0) {
            if (copy_path(name, val, o->cert, sizeof o->cert, err, err_len) != 0)
                return -1;
        } else if (strcmp(name, "--key") == 0) {
            if (copy_path(name, val, o->key, sizeof o->key, err, err_len) != 0)
                return -1;
        } else if (strcmp(name, "--password-file") == 0) {
            if (copy_path(name, val, o->password_file, sizeof o->password_file, err, err_len) != 0)
                return -1;
        } else if (strcmp(name, "--user") == 0) {
            if (*val == '\0' || strlen(val) >= sizeof o->user || strchr(val, ':') != NULL) {
                util_seterr(err, err_len, "--user: expected a user name (no ':', a password after it is refused: "
                            "set GEOKV_ETCD_PASSWORD or give --password-file FILE)");
                return -1;
            }
            snprintf(o->user, sizeof o->user, "%s", val);
        } else if (strcmp(name, "--key-prefix") == 0) {
            size_t n = strlen(val);
            if (n < 2 || n >= sizeof o->key_prefix - 32 || val[0] != '/' || val[n - 1] == '/') {
                util_seterr(err, err_len, "--key-prefix: '%s' is not a key prefix like /geokv/myrun (a leading /, "
                            "no trailing one, under %zu characters)", val, sizeof o->key_prefix - 32);
                return -1;
            }
            snprintf(o->key_prefix, sizeof o->key_prefix, "%s", val);
        } else if (strcmp(name, "--controller-region") == 0) {
            /* checked against the topology once it is loaded */
            if (*val == '\0' || strlen(val) >= sizeof o->controller_region) {
                util_seterr(err, err_len, "--controller-region: expected a region id of the topology");
                return -1;
            }
            snprintf(o->controller_region, sizeof o->controller_region, "%s", val);
        } else if (strcmp(name, "--wan-spin") == 0) {
            if (wan_spin_parse(val, &o->wan_spin_us) != 0) {
                util_seterr(err, err_len, "--wan-spin: '%s' is not auto, off or microseconds (up to 1000000)", val);
                return -1;
            }
        } else if (strcmp(name, "--fault") == 0) {
            if (*val == '\0' || strlen(val) >= sizeof o->fault) {
                util_seterr(err, err_len, "--fault: expected a fault spec of 1 to %zu characters",
                            sizeof o->fault - 1);
                return -1;
            }
            snprintf(o->fault, sizeof o->fault, "%s", val);
        } else if (strcmp(name, "--timeout") == 0) {
            double v;
            if (bench_parse_duration(val, &v) != 0 || v <= 0) {
                util_seterr(err, err_len, "--timeout: '%s' is not a positive duration (e.g. 600s, 10m)", val);
                return -1;
            }
            o->timeout_s = v;
        } else if (strcmp(name, "--etcd-fsync") == 0) {
            int v;
            if (parse_switch(name, val, &v, err, err_len) != 0 || v < 0) {
                util_seterr(err, err_len, "--etcd-fsync: '%s' is not on or off", val);
                return -1;
            }
            o->etcd_fsync = v == 1;
        } else if (strcmp(name, "--spec-cache") == 0) {
            if (parse_switch(name, val, &o->spec_cache, err, err_len) != 0)
                return -1;
        } else if (strcmp(name, "--init-lock") == 0) {
            if (parse_switch(name, val, &o->init_lock, err, err_len) != 0)
                return -1;
        } else if (strcmp(name, "--profile") == 0) {
            /* read when the sweep starts: a name of sim/cb/profiles/ or a file */
            if (copy_path(name, val, o->profile, sizeof o->profile, err, err_len) != 0)
                return -1;
        } else if (strcmp(name, "--profile-set") == 0) {
            if (parse_profile_set(val, o, err, err_len) != 0)
                return -1;
        } else if (strcmp(name, "--end") == 0) {
            cb_end e;
            if (cb_end_parse(val, &e) != 0) {
                util_seterr(err, err_len, "--end: '%s' is not txn, rule, ips or tunneling", val);
                return -1;
            }
            snprintf(o->end, sizeof o->end, "%s", val);
        }
    }
    if (check_external(o, err, err_len) != 0)
        return -1;
    return apply_time_scale(o, err, err_len);
}

double bench_opts_rescale_factor(const bench_opts *o)
{
    if (o->time_scale > 0)
        return o->time_scale;
    if (o->delay_scale == 1.0 && (o->no_wan || o->rtt_scale == 1.0))
        return 1.0;
    return 0;
}

void bench_opts_usage(FILE *f)
{
    const char *const *modes = cb_mode_names();
    char all[256];

    cb_mode_join(all, sizeof all, ",");
    fputs("  --n LIST            agent counts, comma-separated (default 10,20,30,40,50)\n", f);
    fprintf(f, "  --modes LIST        modes, comma-separated (default %s)\n", all);
    fputs(
        "  --reps K            repetitions per (mode, N) (default 3)\n"
        "  --rtt-scale F       factor on every WAN delay (default 1 = the measured RTTs)\n"
        "  --delay-scale F     factor on the protocol's fixed delays (default 1 = the original's)\n"
        "  --time-scale F      compress the whole run: every delay times F (0 < F <= 1): the WAN RTTs\n"
        "                      and the protocol's delays (it sets --rtt-scale and --delay-scale, which\n"
        "                      may then only be given with the same value), the VM cost model, the\n"
        "                      start and deploy schedules with the deploy's last mile; records carry\n"
        "                      time_scale and the setup times rescaled to full time (setup_full_s =\n"
        "                      setup_s / F). etcd's own processing, fsync and the emulator's floor\n"
        "                      do not scale: `make bench-timescale` measures how far F can go\n"
        "  --seed S            sweep seed: run order, host ids, start offsets (default: from the clock)\n"
        "  --topology FILE     regions, RTT matrix, placement (default sim/wan/topology/patent-fig6.json\n"
        "                      of the data directory; a FILE given is relative to the current directory)\n"
        "  --controller-region ID   put the controller in region ID instead of the topology's\n"
        "                      controller_region (an id or short name of one of its regions)\n"
        "  --start SPEC        agent starts: all | gap:2s | random:30s | deploy (default: the profile's,\n"
        "                      all for ideal, deploy for patent-2022); deploy:\n"
        "                      the original's install script on every VM at once (SSH from the profile's\n"
        "                      deploy_region, sleep 5, the agent binary downloaded over one shared\n"
        "                      uplink), its parameters from the profile, scaled by --delay-scale\n"
        "  --profile NAME|FILE fidelity profile: a name in sim/cb/profiles/ (of the data directory)\n"
        "                      or a .json file (default ideal: no VM CPU, the simulation as before;\n"
        "                      patent-2022: the original's logging/JSON CPU and smaller behaviours, its\n"
        "                      cost per log line fitted on FIG. 7 before; `make bench` runs it)\n"
        "  --profile-set KEY=VALUE   override one parameter of the profile's \"params\" (repeatable),\n"
        "                      e.g. c_line_us=55; recorded in config.json (profile_overrides, profile)\n"
        "  --end txn|rule|ips|tunneling  what setup_s and app_bytes measure (default txn): the last\n"
        "                      rule CAS sent, changed or not (the original logs a line before each: its\n"
        "                      last trace of setup, FIG. 7's end), the last write that changed a rule,\n"
        "                      every agent knowing every peer's IP, or every peer tunneling; each is\n"
        "                      also its own column (setup_txn_s, setup_rule_s, ...)\n"
        "  --out DIR           where run directories go (default results)\n"
        "  --resume [DIR]      continue the sweep in DIR (default <out>/latest), skipping finished runs;\n"
        "                      the sweep's own options (config.json) are used, other options are ignored\n"
        "  --leader NAME       member that leads during runs: Seoul-AWS | Seoul-GCP | Singapore\n"
        "                      (default Seoul-AWS)\n"
        "  --policy NAME       client endpoint policy: round-robin | pinned | nearest (default round-robin)\n"
        "  --transport NAME    how the etcd client sends unary requests: native (built-in HTTP/1.1,\n"
        "                      default) | curl (libcurl easy handles); watches always use libcurl\n"
        "  --wan-spin auto|off|US   how long the WAN emulator polls instead of sleeping before each\n"
        "                      release: auto (default) follows its measured wake-up latency, US fixed,\n"
        "                      off sleeps to each deadline; at most 10% of a CPU either way\n"
        "  --fault SPEC        fault scenario, e.g. kill:sin@5s,restart@15s (see Fault scenarios below)\n"
        "  --timeout DUR       give up on one run after DUR (default 600s)\n"
        "  --etcd-fsync on|off members fsync their WAL (default on, as in production)\n"
        "  --spec-cache on|off|default   ablation: cache the CLADNet spec after its first read\n"
        "  --init-lock on|off|default    ablation: take the peer lock around cache initialisation\n"
        "  --no-wan            no WAN emulator: agents reach the members directly (no delays)\n"
        "  --endpoints URL@REGION,...   run against an existing etcd cluster: its client URLs, each with\n"
        "                      the topology region of its member (e.g. https://h1:2379@aws-ap-northeast-2);\n"
        "                      no local members, no emulator, the real network's latency\n"
        "  --cacert FILE       CA of the cluster's https:// endpoints (default: the system's)\n"
        "  --cert FILE, --key FILE   client certificate and key (etcd --client-cert-auth)\n"
        "  --user NAME         etcd user; its password from $GEOKV_ETCD_PASSWORD or --password-file\n"
        "                      (never on the command line)\n"
        "  --password-file FILE   the password, the file's first line\n"
        "  --key-prefix P      every key of the runs under P (default /geokv/<run-id>): must be empty at\n"
        "                      the start, deleted after every run\n"
        "  --dry-run           print the run order and exit\n"
        "  --help              this text\n",
        f);
    fputs("\nModes (sim/cb/cb_modes.c):\n", f);
    for (size_t i = 0; modes[i] != NULL; i++)
        fprintf(f, "  %-10s %s\n", modes[i], cb_mode_description(modes[i]));
}
