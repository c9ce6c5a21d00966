/* bench_calib_profile.c: writing a fitted value into a profile file (see
 * bench_calib_profile.h). */
#include "bench/bench_calib_profile.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cb/cb_profile.h"
#include "sim/util/util_err.h"
#include "sim/util/util_fs.h"

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* p at a '"': just past the closing quote, or NULL. */
static const char *string_end(const char *p)
{
    for (p++; *p; p++) {
        if (*p == '\\' && p[1])
            p++;
        else if (*p == '"')
            return p + 1;
    }
    return NULL;
}

/* p at a JSON value: just past it, or NULL. */
static const char *value_end(const char *p)
{
    if (*p == '"')
        return string_end(p);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        for (; *p; p++) {
            if (*p == '"') {
                p = string_end(p);
                if (!p)
                    return NULL;
                p--;
            } else if (*p == '{' || *p == '[') {
                depth++;
            } else if (*p == '}' || *p == ']') {
                if (--depth == 0)
                    return p + 1;
            }
        }
        return NULL;
    }
    while (*p && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' && *p != '\t' && *p != '\r')
        p++;
    return p;
}

/* obj at a '{': the value of member key, or NULL. */
static const char *member(const char *obj, const char *key)
{
    size_t klen = strlen(key);
    const char *p = skip_ws(obj + 1);
    while (*p == '"') {
        const char *ke = string_end(p);
        if (!ke)
            return NULL;
        const char *colon = skip_ws(ke);
        if (*colon != ':')
            return NULL;
        const char *v = skip_ws(colon + 1);
        if ((size_t)(ke - p) == klen + 2 && strncmp(p + 1, key, klen) == 0)
            return v;
        const char *ve = value_end(v);
        if (!ve)
            return NULL;
        p = skip_ws(ve);
        if (*p != ',')
            return NULL;
        p = skip_ws(p + 1);
    }
    return NULL;
}

int bench_calib_profile_splice(const char *text, const char *key, const char *obj_text, char **out, char *err,
                               size_t err_len)
{
    const char *root = skip_ws(text), *params, *v, *ve;
    if (*root != '{' || !(params = member(root, "params")) || *params != '{') {
        util_seterr(err, err_len, "the profile has no \"params\" object");
        return -1;
    }
    if (!(v = member(params, key)) || *v != '{' || !(ve = value_end(v))) {
        util_seterr(err, err_len, "the profile's \"params\" has no object \"%s\"", key);
        return -1;
    }
    size_t head = (size_t)(v - text), mid = strlen(obj_text), tail = strlen(ve);
    char *s = malloc(head + mid + tail + 1);
    if (!s) {
        util_seterr(err, err_len, "out of memory");
        return -1;
    }
    memcpy(s, text, head);
    memcpy(s + head, obj_text, mid);
    memcpy(s + head + mid, ve, tail + 1);
    *out = s;
    return 0;
}

/* Writes text to path atomically (a temporary file beside it, fsync, rename). */
static int write_text_atomic(const char *path, const char *text, char *err, size_t err_len)
{
    char tmp[PATH_MAX + 32];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        util_seterr(err, err_len, "cannot create %s: %s", tmp, strerror(errno));
        return -1;
    }
    int bad = fputs(text, f) < 0;
    bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        util_seterr(err, err_len, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int bench_calib_profile_write(const char *path, const char *key, json_t *value, const char *source, char *err,
                               size_t err_len)
{
    char *text = util_slurp(path, NULL), *obj = NULL, *out = NULL;
    json_t *o = json_object();
    cb_profile p;
    int rc = -1;
    if (!text) {
        util_seterr(err, err_len, "cannot read %s", path);
        goto cleanup;
    }
    json_object_set(o, "value", value);
    json_object_set_new(o, "source", json_string(source));
    obj = json_dumps(o, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    if (!obj || bench_calib_profile_splice(text, key, obj, &out, err, err_len) != 0)
        goto cleanup;
    if (cb_profile_parse(out, path, &p, err, err_len) != 0)
        goto cleanup;
    if (write_text_atomic(path, out, err, err_len) != 0)
        goto cleanup;
    rc = 0;
cleanup:
    free(out);
    free(obj);
    free(text);
    json_decref(o);
    return rc;
}
