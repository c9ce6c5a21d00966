/* Unit tests for bench_env: versions and machine facts are present and sane. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bench/bench_env.h"

static void test_versions(void **state)
{
    /* `echo` stands in for etcd: its "--version" output has no "Version:",
     * so the whole line is kept. */
    json_t *v = bench_env_versions("echo");
    (void)state;
    assert_string_equal(json_string_value(json_object_get(v, "etcd")), "--version");
    assert_true(strlen(json_string_value(json_object_get(v, "libcurl"))) > 0);
    assert_true(strchr(json_string_value(json_object_get(v, "gsl")), '.') != NULL);
    assert_string_equal(json_string_value(json_object_get(v, "jansson")), JANSSON_VERSION);
    json_decref(v);
}

static void test_machine(void **state)
{
    json_t *m = bench_env_machine();
    (void)state;
    assert_string_equal(json_string_value(json_object_get(m, "sysname")), "Linux");
    assert_true(json_integer_value(json_object_get(m, "cores")) >= 1);
    assert_true(json_integer_value(json_object_get(m, "memory_bytes")) > (1 << 20));
    json_decref(m);
}

static void test_command_line(void **state)
{
    char out[128];
    (void)state;
    bench_env_command_line("printf 'a b \\nsecond\\n'", out, sizeof out);
    assert_string_equal(out, "a b");
    bench_env_command_line("exit 3", out, sizeof out);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_machine),
        cmocka_unit_test(test_command_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
