/* testlib_fixture.c: see testlib_fixture.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "sim/util/tests/testlib_fixture.h"

void fixture_path(const char *relpath, char *out, size_t out_len)
{
    const char *root = getenv("GEOKV_ROOT");
    snprintf(out, out_len, "%s/%s", root && root[0] ? root : ".", relpath);
}

/* Reads path into a buffer of the file's size plus `extra` bytes. */
static unsigned char *read_whole(const char *path, size_t extra, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open fixture %s (run from the repository root or set GEOKV_ROOT)", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    size_t size = (size_t)n + extra;
    unsigned char *b = malloc(size > 0 ? size : 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

char *fixture_read_file(const char *path, size_t *len)
{
    char *b = (char *)read_whole(path, 1, len);
    b[*len] = '\0';
    return b;
}

unsigned char *fixture_read_file_exact(const char *path, size_t *len)
{
    return read_whole(path, 0, len);
}

char *fixture_read(const char *name, size_t *len)
{
    char rel[1024], path[2048];
    snprintf(rel, sizeof rel, "sim/etcd/tests/data/%s", name);
    fixture_path(rel, path, sizeof path);
    return fixture_read_file(path, len);
}

char *fixture_read_etcd(const char *name, size_t *len)
{
    char rel[512];
    snprintf(rel, sizeof rel, "etcd/%s", name);
    return fixture_read(rel, len);
}

json_t *fixture_load_etcd_json(const char *name)
{
    char rel[1024], path[2048];
    snprintf(rel, sizeof rel, "sim/etcd/tests/data/etcd/%s", name);
    fixture_path(rel, path, sizeof path);
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);
    if (!j)
        fail_msg("cannot load fixture %s: %s (run from the repository root or set GEOKV_ROOT)", path, err.text);
    return j;
}
