/* cmp_config.c: see cmp_config.h. */
#include "model/cmp_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prefixes (a key equal to one, or below it) that make runs incomparable. */
static const char *const incomparable[] = {
    "topology", "options.rtt_scale", "options.no_wan", "options.delay_scale", "delays",
    "profile.name", "profile.params", "profile_overrides", "end_criterion",
};

/* Objects whose every key is compared one by one. */
static const char *const walked[] = {"options", "versions", "machine", "cluster", "delays"};

/* Single keys compared as a whole (objects by equality). */
static const char *const single[] = {
    "version", "git_describe", "end_criterion", "profile.name", "profile.params",
    "profile_overrides", "topology.name", "topology.rtt_ms", "topology.intra_region_rtt_ms",
    "topology.etcd_members", "topology.regions",
};

/* Written per run, or a copy of another key: never a difference worth showing. */
static const char *const ignored[] = {"options.out"};

cmp_diff_class cmp_config_class(const char *key)
{
    for (size_t i = 0; i < sizeof incomparable / sizeof incomparable[0]; i++) {
        size_t len = strlen(incomparable[i]);
        if (strncmp(key, incomparable[i], len) == 0 && (key[len] == '\0' || key[len] == '.'))
            return CMP_DIFF_INCOMPARABLE;
    }
    return CMP_DIFF_WARN;
}

static const json_t *get_dotted(const json_t *o, const char *key)
{
    char part[96];
    while (o && *key) {
        size_t len = strcspn(key, ".");
        snprintf(part, sizeof part, "%.*s", (int)len, key);
        o = json_object_get(o, part);
        key += len;
        if (*key == '.')
            key++;
    }
    return o;
}

static void show(const json_t *v, char *buf, size_t len)
{
    if (!v) {
        snprintf(buf, len, "(absent)");
        return;
    }
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
    if (s && strlen(s) < len && strlen(s) <= 60)
        snprintf(buf, len, "%s", s);
    else if (json_is_object(v))
        snprintf(buf, len, "<object of %zu keys>", json_object_size(v));
    else if (json_is_array(v))
        snprintf(buf, len, "<array of %zu>", json_array_size(v));
    else
        snprintf(buf, len, "%.56s...", s ? s : "?");
    free(s);
}

static int push(cmp_diffs *out, const char *key, const json_t *a, const json_t *b, size_t run)
{
    if (out->n == out->cap) {
        size_t cap = out->cap ? 2 * out->cap : 16;
        cmp_diff *nd = realloc(out->d, cap * sizeof *nd);
        if (!nd)
            return -1;
        out->d = nd;
        out->cap = cap;
    }
    cmp_diff *d = &out->d[out->n++];
    memset(d, 0, sizeof *d);
    snprintf(d->key, sizeof d->key, "%s", key);
    show(a, d->old_v, sizeof d->old_v);
    show(b, d->new_v, sizeof d->new_v);
    d->cls = cmp_config_class(key);
    d->run = run;
    return 0;
}

static int is_ignored(const char *key)
{
    for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
        if (strcmp(key, ignored[i]) == 0)
            return 1;
    return 0;
}

/* end_criterion's absence means "ips" (results/SCHEMA.md) */
static const json_t *value_of(const json_t *cfg, const char *key, json_t *ips)
{
    const json_t *v = get_dotted(cfg, key);
    if (!v && strcmp(key, "end_criterion") == 0)
        return ips;
    return v;
}

static int compare_values(const json_t *a, const json_t *b, const char *key, size_t run,
                          int depth, cmp_diffs *all)
{
    if (is_ignored(key) || (!a && !b) || (a && b && json_equal((json_t *)a, (json_t *)b)))
        return 0;
    if (!json_is_object(a) || !json_is_object(b) || depth >= 3)
        return push(all, key, a, b, run);
    /* name the member that differs (profile.params.c_line_us.value), not
     * the whole object */
    const char *k;
    json_t *v;
    char sub[96];
    json_object_foreach((json_t *)a, k, v) {
        snprintf(sub, sizeof sub, "%.40s.%.50s", key, k);
        if (compare_values(v, json_object_get(b, k), sub, run, depth + 1, all) != 0)
            return -1;
    }
    json_object_foreach((json_t *)b, k, v) {
        if (json_object_get(a, k))
            continue;
        snprintf(sub, sizeof sub, "%.40s.%.50s", key, k);
        if (compare_values(NULL, v, sub, run, depth + 1, all) != 0)
            return -1;
    }
    return 0;
}

static int compare_key(const json_t *old, const json_t *new_, const char *key, size_t run,
                       json_t *ips, cmp_diffs *all)
{
    return compare_values(value_of(old, key, ips), value_of(new_, key, ips), key, run, 0, all);
}

static int walk(const json_t *old, const json_t *new_, const char *obj, size_t run, json_t *ips,
                cmp_diffs *all)
{
    const json_t *oa = json_object_get(old, obj), *ob = json_object_get(new_, obj);
    const char *k;
    json_t *v;
    char key[96];
    json_object_foreach((json_t *)oa, k, v) {
        snprintf(key, sizeof key, "%s.%s", obj, k);
        if (compare_key(old, new_, key, run, ips, all) != 0)
            return -1;
    }
    json_object_foreach((json_t *)ob, k, v) {
        if (json_object_get(oa, k))
            continue;
        snprintf(key, sizeof key, "%s.%s", obj, k);
        if (compare_key(old, new_, key, run, ips, all) != 0)
            return -1;
    }
    return 0;
}

int cmp_config_diff(const json_t *old, const json_t *new_, size_t run, cmp_diffs *out)
{
    if (!old || !new_)
        return 0;
    cmp_diffs all = {0};
    json_t *ips = json_string("ips");
    int rc = -1;
    for (size_t i = 0; i < sizeof single / sizeof single[0]; i++)
        if (compare_key(old, new_, single[i], run, ips, &all) != 0)
            goto cleanup;
    for (size_t i = 0; i < sizeof walked / sizeof walked[0]; i++)
        if (walk(old, new_, walked[i], run, ips, &all) != 0)
            goto cleanup;
    /* incomparable first: the reason for a refusal leads */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < all.n; i++) {
            cmp_diff_class want = pass == 0 ? CMP_DIFF_INCOMPARABLE : CMP_DIFF_WARN;
            if (all.d[i].cls != want)
                continue;
            if (out->n == out->cap) {
                size_t cap = out->cap ? 2 * out->cap : 16;
                cmp_diff *nd = realloc(out->d, cap * sizeof *nd);
                if (!nd)
                    goto cleanup;
                out->d = nd;
                out->cap = cap;
            }
            out->d[out->n++] = all.d[i];
        }
    rc = 0;
cleanup:
    json_decref(ips);
    free(all.d);
    return rc;
}

size_t cmp_config_incomparable(const cmp_diffs *d)
{
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++)
        k += d->d[i].cls == CMP_DIFF_INCOMPARABLE;
    return k;
}

void cmp_config_free(cmp_diffs *d)
{
    free(d->d);
    memset(d, 0, sizeof *d);
}
