/* Unit tests for util_data (where data files are found) and
 * util_version_wanted (the --version check every main makes first). */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sim/util/util_data.h"
#include "sim/util/util_version.h"

static char tree[PATH_MAX];

static int setup(void **state)
{
    const char *r = getenv("GEOKV_ROOT");
    (void)state;
    return realpath(r && *r ? r : ".", tree) ? 0 : -1;
}

static void test_env_order(void **state)
{
    char buf[PATH_MAX];
    (void)state;
    setenv("GEOKV_ROOT", "/old/name", 1);
    setenv("GEOKV_DATA", "/data/dir", 1);
    assert_string_equal(util_data_path(buf, sizeof buf, "sim/cb/profiles/ideal.json"),
                        "/data/dir/sim/cb/profiles/ideal.json");
    unsetenv("GEOKV_DATA");
    assert_string_equal(util_data_root(buf, sizeof buf), "/old/name");
    setenv("GEOKV_DATA", "", 1);   /* empty counts as unset */
    assert_string_equal(util_data_root(buf, sizeof buf), "/old/name");
    assert_string_equal(util_data_path(buf, sizeof buf, "/abs/file.json"), "/abs/file.json");
    unsetenv("GEOKV_DATA");
    setenv("GEOKV_ROOT", tree, 1);
}

/* Without either variable: found from this program, which lives in the
 * tree's build directory, never from the current directory. */
static void test_found_from_program(void **state)
{
    char buf[PATH_MAX], want[PATH_MAX + 64];
    (void)state;
    unsetenv("GEOKV_DATA");
    unsetenv("GEOKV_ROOT");
    assert_int_equal(chdir("/"), 0);
    assert_string_equal(util_data_root(buf, sizeof buf), tree);
    snprintf(want, sizeof want, "%s/scripts/setup-time.gp", tree);
    assert_string_equal(util_data_or_given(buf, sizeof buf, NULL, "scripts/setup-time.gp"), want);
    assert_string_equal(util_data_or_given(buf, sizeof buf, "my/scripts", "scripts"), "my/scripts");
    assert_int_equal(chdir(tree), 0);
    setenv("GEOKV_ROOT", tree, 1);
}

static void test_version_wanted(void **state)
{
    char *a[] = { "prog", "run", "--n", "10", "--version", NULL };
    char *b[] = { "etcd-rig", "--", "etcd", "--version", NULL };
    char *c[] = { "prog", "--versions", NULL };
    (void)state;
    assert_true(util_version_wanted(5, a));
    assert_false(util_version_wanted(4, a));
    assert_false(util_version_wanted(4, b));   /* a wrapped command's own option */
    assert_false(util_version_wanted(2, c));
    assert_true(strlen(util_version_project) > 0 && strlen(util_version_git) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_env_order),
        cmocka_unit_test(test_found_from_program),
        cmocka_unit_test(test_version_wanted),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
