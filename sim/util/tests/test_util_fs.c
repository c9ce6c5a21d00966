/* test_util_fs.c: mkdir -p, whole-file reads, existence, and error messages
 * into a caller's buffer, on a fresh directory under /tmp. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/util/util_err.h"
#include "sim/util/util_fs.h"

static char g_dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/geokv-utilfs-XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void test_seterr(void **state)
{
    (void)state;
    char err[8] = "x";
    util_seterr(NULL, 0, "ignored %d", 1);
    util_seterr(err, 0, "ignored %d", 2);
    assert_string_equal(err, "x");
    util_seterr(err, sizeof err, "n=%d", 42);
    assert_string_equal(err, "n=42");
    util_seterr(err, sizeof err, "%s", "truncated here");   /* cut to fit, NUL-terminated */
    assert_string_equal(err, "truncat");
}

static void test_mkdirs(void **state)
{
    (void)state;
    char path[256], err[256] = "";
    snprintf(path, sizeof path, "%s/a/b/c", g_dir);
    assert_int_equal(util_mkdirs(path, err, sizeof err), 0);
    assert_true(is_dir(path));
    assert_int_equal(util_mkdirs(path, err, sizeof err), 0);   /* exists already: fine */
    snprintf(path, sizeof path, "%s/a/d/", g_dir);            /* trailing slash */
    assert_int_equal(util_mkdirs(path, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/a/d", g_dir);
    assert_true(is_dir(path));
    assert_string_equal(err, "");
}

static void test_mkdirs_fails(void **state)
{
    (void)state;
    char file[256], path[300], err[512] = "";
    snprintf(file, sizeof file, "%s/plain", g_dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(path, sizeof path, "%s/sub", file);   /* a directory under a regular file */
    errno = 0;
    assert_int_equal(util_mkdirs(path, err, sizeof err), -1);
    assert_int_equal(errno, ENOTDIR);
    assert_non_null(strstr(err, "cannot create directory"));
    assert_non_null(strstr(err, path));
    errno = 0;
    assert_int_equal(util_mkdirs(path, NULL, 0), -1);   /* no buffer: errno still tells */
    assert_int_equal(errno, ENOTDIR);
    assert_int_equal(util_mkdirs("", err, sizeof err), -1);
    char *long_path = malloc(5000);
    assert_non_null(long_path);
    memset(long_path, 'a', 4999);
    long_path[4999] = '\0';
    assert_int_equal(util_mkdirs(long_path, err, sizeof err), -1);
    assert_non_null(strstr(err, "path too long"));
    free(long_path);
}

/* Larger than the first 64 KiB buffer, so the growth path is exercised. */
static void test_slurp(void **state)
{
    (void)state;
    char path[256];
    size_t n = 200000, len = 0;
    snprintf(path, sizeof path, "%s/data.bin", g_dir);
    unsigned char *want = malloc(n);
    assert_non_null(want);
    for (size_t i = 0; i < n; i++)
        want[i] = (unsigned char)(i * 7 + 3);   /* includes NUL bytes */
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(want, 1, n, f), n);
    fclose(f);
    char *got = util_slurp(path, &len);
    assert_non_null(got);
    assert_int_equal(len, n);
    assert_memory_equal(got, want, n);
    assert_int_equal(got[n], '\0');
    free(got);
    free(want);

    snprintf(path, sizeof path, "%s/empty", g_dir);
    f = fopen(path, "wb");
    assert_non_null(f);
    fclose(f);
    got = util_slurp(path, &len);
    assert_non_null(got);
    assert_int_equal(len, 0);
    assert_string_equal(got, "");
    free(got);

    snprintf(path, sizeof path, "%s/missing", g_dir);
    assert_null(util_slurp(path, NULL));
}

static void test_file_exists(void **state)
{
    (void)state;
    char path[256];
    assert_true(util_file_exists(g_dir));
    snprintf(path, sizeof path, "%s/nothing-here", g_dir);
    assert_false(util_file_exists(path));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seterr),
        cmocka_unit_test(test_mkdirs),
        cmocka_unit_test(test_mkdirs_fails),
        cmocka_unit_test(test_slurp),
        cmocka_unit_test(test_file_exists),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
