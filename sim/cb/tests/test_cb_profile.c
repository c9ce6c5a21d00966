/* test_cb_profile.c: profile files: the two shipped ones load with the
 * values they state, bad files fail with a message naming what is wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sim/cb/cb_profile.h"

static void test_ideal_default(void **state)
{
    (void)state;
    cb_profile p;
    cb_profile_ideal(&p);
    assert_string_equal(p.name, "ideal");
    assert_false(p.cost_model);
    assert_false(p.agent_state_from_event || p.second_public_ip || p.mutex_get_after_wait);
    assert_true(p.run_sleep_s == 0);
    assert_non_null(cb_profile_region_class(&p, "aws-us-east-1"));
    assert_string_equal(cb_profile_region_class(&p, "gcp-asia-northeast3")->name, "e2-small");
    assert_string_equal(cb_profile_region_class(&p, "aws-us-east-1")->name, "t2.micro");
}

static void test_shipped_files(void **state)
{
    (void)state;
    cb_profile p, ideal;
    char err[512] = "";
    cb_profile_ideal(&ideal);
    int rc = cb_profile_load("ideal", &p, err, sizeof err);
    if (rc != 0)
        print_error("%s\n", err);
    assert_int_equal(rc, 0);
    /* the file is the built-in ideal */
    assert_false(p.cost_model);
    assert_memory_equal(&p.deploy, &ideal.deploy, sizeof p.deploy);
    assert_false(p.agent_state_from_event || p.second_public_ip || p.mutex_get_after_wait);
    assert_true(p.run_sleep_s == 0 && p.c_line_us == 0);
    rc = cb_profile_load("patent-2022", &p, err, sizeof err);
    if (rc != 0)
        print_error("%s\n", err);
    assert_int_equal(rc, 0);
    assert_string_equal(p.name, "patent-2022");
    assert_true(p.cost_model);
    assert_true(p.c_line_us == 40);
    assert_true(p.deploy.uplink_Bps == 90e6 && p.deploy.binary_bytes == 18e6);
    assert_true(p.agent_state_from_event && p.second_public_ip && p.mutex_get_after_wait);
    assert_true(p.run_sleep_s == 0.2);
    assert_true(strstr(p.path, "sim/cb/profiles/patent-2022.json") != NULL);
}

static void expect_bad(const char *text, const char *needle)
{
    cb_profile p;
    char err[512] = "";
    assert_int_equal(cb_profile_parse(text, "t.json", &p, err, sizeof err), -1);
    if (!strstr(err, needle))
        print_error("message \"%s\" lacks \"%s\"\n", err, needle);
    assert_non_null(strstr(err, needle));
}

static void test_good_minimal(void **state)
{
    (void)state;
    cb_profile p;
    char err[256];
    const char *t = "{\"name\": \"x\", \"params\": {\"c_line_us\": {\"value\": 55.5, \"source\": \"fitted on FIG. 7 before\"},"
                    " \"run_sleep_s\": {\"value\": 0.2, \"source\": \"code\"}},"
                    " \"vm_classes\": {\"t2.micro\": {\"speed\": {\"value\": 0.5, \"source\": \"guess\"}},"
                    " \"e2-small\": {\"vcpus\": {\"value\": 2, \"source\": \"pub\"}}}}";
    assert_int_equal(cb_profile_parse(t, "t.json", &p, err, sizeof err), 0);
    assert_true(p.c_line_us == 55.5 && p.run_sleep_s == 0.2);
    assert_false(p.cost_model);   /* not named: stays ideal */
    assert_true(cb_profile_class(&p, "t2.micro")->speed == 0.5);
    assert_int_equal(cb_profile_class(&p, "e2-small")->vcpus, 2);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    expect_bad("{\"name\": \"x\", ", "not JSON");
    expect_bad("[1]", "expected a JSON object");
    expect_bad("{\"params\": {}}", "\"name\"");
    expect_bad("{\"name\": \"x\", \"parms\": {}}", "unknown top-level field \"parms\"");
    expect_bad("{\"name\": \"x\", \"params\": {\"c_line\": {\"value\": 1, \"source\": \"s\"}}}",
               "unknown parameter \"c_line\"");
    expect_bad("{\"name\": \"x\", \"params\": {\"c_line_us\": {\"value\": 1}}}", "c_line_us: no \"source\"");
    expect_bad("{\"name\": \"x\", \"params\": {\"c_line_us\": 40}}", "c_line_us: expected {");
    expect_bad("{\"name\": \"x\", \"params\": {\"c_line_us\": {\"value\": \"40\", \"source\": \"s\"}}}",
               "c_line_us: expected a number");
    expect_bad("{\"name\": \"x\", \"params\": {\"c_line_us\": {\"value\": -1, \"source\": \"s\"}}}",
               "c_line_us: -1 out of range");
    expect_bad("{\"name\": \"x\", \"params\": {\"cost_model\": {\"value\": 1, \"source\": \"s\"}}}",
               "cost_model: expected true or false");
    expect_bad("{\"name\": \"x\", \"params\": {\"controller_vm\": {\"value\": \"m5.large\", \"source\": \"s\"}}}",
               "VM class \"m5.large\" is not in vm_classes");
    expect_bad("{\"name\": \"x\", \"vm_classes\": {\"t2.micro\": {\"speed\": {\"value\": 0, \"source\": \"s\"}}}}",
               "vm_classes.t2.micro.speed: expected a number in (0, 100]");
    expect_bad("{\"name\": \"x\", \"params\": {\"c_line_us\": {\"value\": 1, \"source\": \"s\", \"vlaue\": 2}}}",
               "unknown field \"vlaue\"");
    cb_profile p;
    char err[256];
    assert_int_equal(cb_profile_load("no-such-profile", &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot read"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ideal_default),
        cmocka_unit_test(test_shipped_files),
        cmocka_unit_test(test_good_minimal),
        cmocka_unit_test(test_bad_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
