/* cb_profile.c: fidelity profiles (see cb_profile.h). */
#include "sim/cb/cb_profile.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util/util_data.h"

enum { P_BOOL, P_NUM, P_STR };

/* One parameter of the file: its name, type, where it goes, its bounds. */
typedef struct prof_param {
    const char *name;
    int type;
    size_t off;
    double lo, hi;
} prof_param;

#define PNUM(n, f, l, h) {n, P_NUM, offsetof(cb_profile, f), l, h}
#define PBOOL(n, f) {n, P_BOOL, offsetof(cb_profile, f), 0, 1}
#define PSTR(n, f) {n, P_STR, offsetof(cb_profile, f), 0, 0}

static const prof_param params[] = {
    PBOOL("cost_model", cost_model),
    PNUM("c_line_us", c_line_us, 0, 1e5),
    PNUM("c_peer_decode_us", c_peer_decode_us, 0, 1e5),
    PNUM("c_rule_codec_per_entry_us", c_rule_codec_per_entry_us, 0, 1e5),
    PNUM("c_iface_exec_us", c_iface_exec_us, 0, 1e7),
    PNUM("file_hook_factor", file_hook_factor, 1, 10),
    PNUM("controller_speed", controller_speed, 0.01, 100),
    PSTR("controller_vm", controller_vm),
    PSTR("aws_vm", aws_vm),
    PSTR("gcp_vm", gcp_vm),
    PSTR("deploy_region", deploy_region),
    PSTR("start", start),
    PNUM("deploy_k_ssh", deploy.k_ssh, 0, 100),
    PNUM("deploy_script_s", deploy.script_s, 0, 600),
    PNUM("deploy_sleep_s", deploy.sleep_s, 0, 600),
    PNUM("deploy_binary_bytes", deploy.binary_bytes, 1, 1e10),
    PNUM("deploy_uplink_Bps", deploy.uplink_Bps, 1e3, 1e11),
    PNUM("deploy_window_bytes", deploy.window_bytes, 1e3, 1e10),
    PNUM("deploy_init_cwnd_bytes", deploy.init_cwnd_bytes, 1e3, 1e9),
    PNUM("deploy_post_s", deploy.post_s, 0, 600),
    PNUM("deploy_jitter_s", deploy.jitter_s, 0, 600),
    PNUM("deploy_last_mile_ms", deploy.last_mile_ms, 0, 1e4),
    PBOOL("deploy_equal_weights", deploy.equal_weights),
    PBOOL("agent_state_from_event", agent_state_from_event),
    PNUM("run_sleep_s", run_sleep_s, 0, 60),
    PBOOL("second_public_ip", second_public_ip),
    PBOOL("mutex_get_after_wait", mutex_get_after_wait),
};

#define N_PARAMS (sizeof params / sizeof params[0])
_Static_assert(sizeof params / sizeof params[0] <= CB_PROFILE_MAX_PARAMS, "raise CB_PROFILE_MAX_PARAMS");

static const char ideal_src[] = "built-in ideal (cb_profile_ideal)";

const char *cb_profile_param_name(size_t i)
{
    return i < N_PARAMS ? params[i].name : NULL;
}

void cb_profile_ideal(cb_profile *p)
{
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "ideal");
    snprintf(p->description, sizeof p->description,
             "built-in: only etcd round trips and the original's fixed delays cost time");
    for (size_t i = 0; i < N_PARAMS; i++)
        snprintf(p->src[i], sizeof p->src[i], "%s", ideal_src);
    p->file_hook_factor = 1.0;
    p->controller_speed = 1.0;
    snprintf(p->controller_vm, sizeof p->controller_vm, "t2.micro");
    snprintf(p->aws_vm, sizeof p->aws_vm, "t2.micro");
    snprintf(p->gcp_vm, sizeof p->gcp_vm, "e2-small");
    p->classes[0] = (cb_vm_class){.name = "t2.micro", .vcpus = 1, .speed = 1.0};
    p->classes[1] = (cb_vm_class){.name = "e2-small", .vcpus = 2, .speed = 1.0};
    p->n_classes = 2;
    for (int i = 0; i < p->n_classes; i++) {
        snprintf(p->classes[i].vcpus_src, sizeof p->classes[i].vcpus_src, "%s", ideal_src);
        snprintf(p->classes[i].speed_src, sizeof p->classes[i].speed_src, "%s", ideal_src);
    }
    snprintf(p->deploy_region, sizeof p->deploy_region, "aws-ap-northeast-2");
    snprintf(p->start, sizeof p->start, "all");
    p->deploy = (cb_deploy_params){.k_ssh = 9, .script_s = 0.2, .sleep_s = 5.0, .binary_bytes = 18e6,
                                   .uplink_Bps = 90e6, .window_bytes = 4e6, .init_cwnd_bytes = 14600,
                                   .post_s = 0.2, .jitter_s = 0.3, .last_mile_ms = 5.0};
}

static int perr(char *err, size_t n, const char *src, const char *fmt, const char *what)
{
    char m[256];
    snprintf(m, sizeof m, fmt, what);
    snprintf(err, n, "profile %s: %s", src, m);
    return -1;
}

/* {"value": v, "source": "..."}: checks the source (copied to out_src,
 * CB_PROFILE_SRC bytes), returns the value. */
static json_t *sourced(json_t *e, const char *src, const char *name, char *out_src, char *err, size_t n)
{
    if (!json_is_object(e)) {
        perr(err, n, src, "%s: expected {\"value\": ..., \"source\": \"...\"}", name);
        return NULL;
    }
    json_t *s = json_object_get(e, "source");
    if (!json_is_string(s) || !json_string_length(s)) {
        perr(err, n, src, "%s: no \"source\" (every value says where it comes from)", name);
        return NULL;
    }
    const char *k;
    json_t *v;
    json_object_foreach(e, k, v) {
        if (strcmp(k, "value") != 0 && strcmp(k, "source") != 0 && strcmp(k, "note") != 0) {
            char m[160];
            snprintf(m, sizeof m, "%s: unknown field \"%.60s\"", name, k);
            perr(err, n, src, "%s", m);
            return NULL;
        }
    }
    v = json_object_get(e, "value");
    if (!v)
        perr(err, n, src, "%s: no \"value\"", name);
    else
        snprintf(out_src, CB_PROFILE_SRC, "%s", json_string_value(s));
    return v;
}

static int param_index(const char *name)
{
    for (size_t i = 0; name && i < N_PARAMS; i++)
        if (strcmp(params[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int set_param(cb_profile *p, const prof_param *d, json_t *v, const char *src, char *err, size_t n)
{
    char *base = (char *)p + d->off;
    char m[200];
    switch (d->type) {
    case P_BOOL:
        if (!json_is_boolean(v))
            return perr(err, n, src, "%s: expected true or false", d->name);
        *(bool *)base = json_is_true(v);
        return 0;
    case P_STR:
        if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) >= CB_PROFILE_STR)
            return perr(err, n, src, "%s: expected a non-empty string (< 64 characters)", d->name);
        snprintf(base, CB_PROFILE_STR, "%s", json_string_value(v));
        return 0;
    default: {
        if (!json_is_number(v))
            return perr(err, n, src, "%s: expected a number", d->name);
        double x = json_number_value(v);
        if (!isfinite(x) || x < d->lo || x > d->hi) {
            snprintf(m, sizeof m, "%s: %g out of range [%g, %g]", d->name, x, d->lo, d->hi);
            return perr(err, n, src, "%s", m);
        }
        *(double *)base = x;
        return 0;
    }
    }
}

static int parse_classes(cb_profile *p, json_t *cl, const char *src, char *err, size_t n)
{
    if (!json_is_object(cl))
        return perr(err, n, src, "%s: expected an object of classes", "vm_classes");
    p->n_classes = 0;
    const char *name;
    json_t *c;
    json_object_foreach(cl, name, c) {
        char what[160];
        if (p->n_classes >= CB_PROFILE_MAX_CLASSES)
            return perr(err, n, src, "vm_classes: more than %s classes", "8");
        if (!json_is_object(c) || strlen(name) == 0 || strlen(name) >= CB_PROFILE_STR)
            return perr(err, n, src, "vm_classes.%s: expected an object (name < 64 characters)", name);
        cb_vm_class *k = &p->classes[p->n_classes];
        memset(k, 0, sizeof *k);
        snprintf(k->name, sizeof k->name, "%s", name);
        k->vcpus = 1;
        k->speed = 1.0;
        snprintf(k->vcpus_src, sizeof k->vcpus_src, "not in the file: 1");
        snprintf(k->speed_src, sizeof k->speed_src, "not in the file: 1");
        const char *f;
        json_t *e;
        json_object_foreach(c, f, e) {
            char fsrc[CB_PROFILE_SRC];
            snprintf(what, sizeof what, "vm_classes.%.60s.%.40s", name, f);
            json_t *v = sourced(e, src, what, fsrc, err, n);
            if (!v)
                return -1;
            if (strcmp(f, "vcpus") == 0)
                snprintf(k->vcpus_src, sizeof k->vcpus_src, "%s", fsrc);
            else if (strcmp(f, "speed") == 0)
                snprintf(k->speed_src, sizeof k->speed_src, "%s", fsrc);
            if (strcmp(f, "vcpus") == 0) {
                if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 256)
                    return perr(err, n, src, "%s: expected an integer in [1, 256]", what);
                k->vcpus = (int)json_integer_value(v);
            } else if (strcmp(f, "speed") == 0) {
                if (!json_is_number(v) || !(json_number_value(v) > 0) || json_number_value(v) > 100)
                    return perr(err, n, src, "%s: expected a number in (0, 100]", what);
                k->speed = json_number_value(v);
            } else {
                return perr(err, n, src, "%s: unknown field (vcpus, speed)", what);
            }
        }
        p->n_classes++;
    }
    return 0;
}

static int check_classes(const cb_profile *p, const char *src, char *err, size_t n)
{
    const char *need[] = {p->controller_vm, p->aws_vm, p->gcp_vm};
    for (size_t i = 0; i < 3; i++)
        if (!cb_profile_class(p, need[i]))
            return perr(err, n, src, "VM class \"%s\" is not in vm_classes", need[i]);
    return 0;
}

int cb_profile_parse(const char *text, const char *src, cb_profile *p, char *err, size_t err_len)
{
    json_error_t je;
    int rc = -1;
    cb_profile_ideal(p);
    json_t *root = json_loads(text, 0, &je);
    if (!root) {
        char m[200];
        snprintf(m, sizeof m, "line %d: %s", je.line, je.text);
        return perr(err, err_len, src, "not JSON: %s", m);
    }
    if (!json_is_object(root)) {
        perr(err, err_len, src, "%s", "expected a JSON object");
        goto cleanup;
    }
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v) {
        if (strcmp(k, "name") && strcmp(k, "description") && strcmp(k, "params") && strcmp(k, "vm_classes") &&
            strcmp(k, "path")) {
            perr(err, err_len, src, "unknown top-level field \"%s\" (name, description, params, vm_classes)", k);
            goto cleanup;
        }
    }
    json_t *desc = json_object_get(root, "description");
    p->description[0] = '\0';
    if (json_is_string(desc))
        snprintf(p->description, sizeof p->description, "%s", json_string_value(desc));
    json_t *name = json_object_get(root, "name");
    if (!json_is_string(name) || json_string_length(name) == 0 || json_string_length(name) >= CB_PROFILE_STR) {
        perr(err, err_len, src, "%s", "\"name\": expected a non-empty string (< 64 characters)");
        goto cleanup;
    }
    snprintf(p->name, sizeof p->name, "%s", json_string_value(name));
    json_t *cl = json_object_get(root, "vm_classes");
    if (cl && parse_classes(p, cl, src, err, err_len) != 0)
        goto cleanup;
    json_t *ps = json_object_get(root, "params");
    if (ps && !json_is_object(ps)) {
        perr(err, err_len, src, "%s", "\"params\": expected an object");
        goto cleanup;
    }
    json_object_foreach(ps, k, v) {
        int i = param_index(k);
        if (i < 0) {
            perr(err, err_len, src, "unknown parameter \"%s\"", k);
            goto cleanup;
        }
        char vsrc[CB_PROFILE_SRC];
        json_t *val = sourced(v, src, k, vsrc, err, err_len);
        if (!val || set_param(p, &params[i], val, src, err, err_len) != 0)
            goto cleanup;
        snprintf(p->src[i], sizeof p->src[i], "%s", vsrc);
    }
    if (check_classes(p, src, err, err_len) != 0)
        goto cleanup;
    rc = 0;
cleanup:
    json_decref(root);
    return rc;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *b = realloc(buf, cap);
            if (!b) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = b;
        }
        size_t r = fread(buf + len, 1, cap - len - 1, f);
        len += r;
        if (r == 0)
            break;
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

int cb_profile_load(const char *name_or_file, cb_profile *p, char *err, size_t err_len)
{
    char path[sizeof p->path];
    const char *s = name_or_file;
    size_t l = s ? strlen(s) : 0;
    if (!s || l == 0) {
        snprintf(err, err_len, "profile: no name given");
        return -1;
    }
    if (strchr(s, '/') || (l > 5 && strcmp(s + l - 5, ".json") == 0)) {
        snprintf(path, sizeof path, "%s", s);
    } else {
        char rel[300];
        snprintf(rel, sizeof rel, "sim/cb/profiles/%s.json", s);
        util_data_path(path, sizeof path, rel);
    }
    char *text = read_file(path);
    if (!text) {
        snprintf(err, err_len, "profile %s: cannot read %s (a name in sim/cb/profiles/ or a .json file)", s, path);
        return -1;
    }
    int rc = cb_profile_parse(text, path, p, err, err_len);
    free(text);
    if (rc == 0)
        snprintf(p->path, sizeof p->path, "%s", path);
    return rc;
}

const cb_vm_class *cb_profile_class(const cb_profile *p, const char *name)
{
    for (int i = 0; name && i < p->n_classes; i++)
        if (strcmp(p->classes[i].name, name) == 0)
            return &p->classes[i];
    return NULL;
}

const cb_vm_class *cb_profile_region_class(const cb_profile *p, const char *region)
{
    if (region && strncmp(region, "gcp-", 4) == 0)
        return cb_profile_class(p, p->gcp_vm);
    return cb_profile_class(p, p->aws_vm);
}

/* A value given as text, as the JSON value of the parameter's type; NULL
 * (err filled) when it is not one. */
static json_t *text_value(const prof_param *d, const char *value, char *err, size_t n)
{
    char *end = NULL;
    switch (d->type) {
    case P_BOOL:
        if (!strcmp(value, "true") || !strcmp(value, "on") || !strcmp(value, "1"))
            return json_true();
        if (!strcmp(value, "false") || !strcmp(value, "off") || !strcmp(value, "0"))
            return json_false();
        snprintf(err, n, "%s: '%s' is not true or false (on/off, 1/0)", d->name, value);
        return NULL;
    case P_STR:
        return json_string(value);
    default: {
        double x = strtod(value, &end);
        if (end == value || *end != '\0' || !isfinite(x)) {
            snprintf(err, n, "%s: '%s' is not a number", d->name, value);
            return NULL;
        }
        return json_real(x);
    }
    }
}

static int profile_set(cb_profile *p, const char *key, const char *value, const char *source, bool classes,
                       char *err, size_t err_len)
{
    int i = param_index(key);
    char msg[512];
    if (i < 0) {
        size_t used = 0;
        used += (size_t)snprintf(msg + used, sizeof msg - used, "unknown profile parameter '%s' (known:",
                                 key ? key : "");
        for (size_t k = 0; k < N_PARAMS && used < sizeof msg; k++)
            used += (size_t)snprintf(msg + used, sizeof msg - used, " %s", params[k].name);
        if (used < sizeof msg)
            snprintf(msg + used, sizeof msg - used, ")");
        snprintf(err, err_len, "%s", msg);
        return -1;
    }
    json_t *v = text_value(&params[i], value ? value : "", err, err_len);
    if (!v)
        return -1;
    cb_profile q = *p;   /* a class-name parameter must name a class: check before keeping it */
    int rc = set_param(&q, &params[i], v, q.name, err, err_len);
    json_decref(v);
    if (rc == 0 && (!classes || (rc = check_classes(&q, q.name, err, err_len)) == 0)) {
        snprintf(q.src[i], sizeof q.src[i], "%s", source ? source : "override");
        *p = q;
    }
    return rc;
}

int cb_profile_set(cb_profile *p, const char *key, const char *value, const char *source, char *err,
                   size_t err_len)
{
    return profile_set(p, key, value, source, true, err, err_len);
}

int cb_profile_check_set(const char *key, const char *value, char *err, size_t err_len)
{
    static cb_profile scratch;   /* large: not on the caller's stack */
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&mu);
    cb_profile_ideal(&scratch);
    int rc = profile_set(&scratch, key, value, "check", false, err, err_len);
    pthread_mutex_unlock(&mu);
    return rc;
}

static json_t *param_json(const cb_profile *p, const prof_param *d)
{
    const char *base = (const char *)p + d->off;
    switch (d->type) {
    case P_BOOL:
        return json_boolean(*(const bool *)base);
    case P_STR:
        return json_string(base);
    default:
        return json_real(*(const double *)base);
    }
}

static json_t *with_source(json_t *v, const char *src)
{
    return json_pack("{s:o,s:s}", "value", v, "source", src);
}

json_t *cb_profile_json(const cb_profile *p)
{
    json_t *ps = json_object(), *cl = json_object();
    for (size_t i = 0; ps && i < N_PARAMS; i++)
        json_object_set_new(ps, params[i].name, with_source(param_json(p, &params[i]), p->src[i]));
    for (int i = 0; cl && i < p->n_classes; i++) {
        const cb_vm_class *k = &p->classes[i];
        json_object_set_new(cl, k->name, json_pack("{s:o,s:o}", "vcpus",
                                                   with_source(json_integer(k->vcpus), k->vcpus_src), "speed",
                                                   with_source(json_real(k->speed), k->speed_src)));
    }
    return json_pack("{s:s,s:s,s:s,s:o,s:o}", "name", p->name, "path", p->path, "description", p->description,
                     "params", ps, "vm_classes", cl);
}
