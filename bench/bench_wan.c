/* bench_wan.c: per region pair byte deltas of the WAN emulator's links. */
#include "bench/bench_wan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *region_of(const json_t *v)
{
    return json_is_string(v) ? json_string_value(v) : "?";
}

static uint64_t counter(const json_t *link, const char *key)
{
    json_t *v = json_object_get(link, key);
    return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

static const json_t *find_link(const json_t *links, const char *name)
{
    size_t i;
    json_t *l;
    json_array_foreach(links, i, l) {
        const char *n = json_string_value(json_object_get(l, "name"));
        if (n && strcmp(n, name) == 0)
            return l;
    }
    return NULL;
}

static int add(bench_link_bytes **arr, size_t *n, size_t *cap, const char *from, const char *to,
               const char *kind, uint64_t bytes)
{
    if (bytes == 0)
        return 0;
    for (size_t i = 0; i < *n; i++) {
        bench_link_bytes *b = &(*arr)[i];
        if (strcmp(b->from, from) == 0 && strcmp(b->to, to) == 0 && strcmp(b->kind, kind) == 0) {
            b->bytes += bytes;
            return 0;
        }
    }
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        bench_link_bytes *na = realloc(*arr, nc * sizeof *na);
        if (na == NULL)
            return -1;
        *arr = na;
        *cap = nc;
    }
    memset(&(*arr)[*n], 0, sizeof **arr);
    snprintf((*arr)[*n].from, sizeof (*arr)[*n].from, "%s", from);
    snprintf((*arr)[*n].to, sizeof (*arr)[*n].to, "%s", to);
    snprintf((*arr)[*n].kind, sizeof (*arr)[*n].kind, "%s", kind);
    (*arr)[*n].bytes = bytes;
    (*n)++;
    return 0;
}

static int cmp_links(const void *a, const void *b)
{
    const bench_link_bytes *x = a, *y = b;
    int c = strcmp(x->from, y->from);
    if (c == 0)
        c = strcmp(x->to, y->to);
    if (c == 0)
        c = strcmp(x->kind, y->kind);
    return c;
}

bench_link_bytes *bench_wan_link_deltas(const json_t *before, const json_t *after, size_t *n)
{
    const json_t *la = json_object_get(after, "links"), *lb = json_object_get(before, "links");
    bench_link_bytes *arr = NULL;
    size_t cap = 0, i;
    json_t *l;

    *n = 0;
    json_array_foreach(la, i, l) {
        const char *name = json_string_value(json_object_get(l, "name"));
        const char *kind = json_string_value(json_object_get(l, "kind"));
        const json_t *b = name ? find_link(lb, name) : NULL;
        const char *src = region_of(json_object_get(l, "src_region"));
        const char *dst = region_of(json_object_get(l, "dst_region"));
        uint64_t to = counter(l, "bytes_to_target"), from = counter(l, "bytes_from_target");
        uint64_t to0 = b ? counter(b, "bytes_to_target") : 0, from0 = b ? counter(b, "bytes_from_target") : 0;
        if (kind == NULL)
            kind = "?";
        /* Counters only grow; a smaller value would mean another emulator. */
        if (add(&arr, n, &cap, src, dst, kind, to >= to0 ? to - to0 : 0) != 0 ||
            add(&arr, n, &cap, dst, src, kind, from >= from0 ? from - from0 : 0) != 0) {
            free(arr);
            *n = 0;
            return NULL;
        }
    }
    if (*n > 1)
        qsort(arr, *n, sizeof *arr, cmp_links);
    return arr;
}
