/* test_cb_profile.c: profile files: the two shipped ones load with the
 * values they state, bad files fail with a message naming what is wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
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
    assert_string_equal(p.start, "all");
    rc = cb_profile_load("patent-2022", &p, err, sizeof err);
    if (rc != 0)
        print_error("%s\n", err);
    assert_int_equal(rc, 0);
    assert_string_equal(p.name, "patent-2022");
    assert_true(p.cost_model);
    /* the per-line cost is calibrated (make calibrate rewrites it): within
     * the calibration's bounds, its source saying prior or fitted */
    assert_true(p.c_line_us >= 5 && p.c_line_us <= 500);
    assert_string_equal(p.start, "deploy");
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

/* --profile-set: one parameter by name, checked as the file's are, its
 * source recorded; an unknown name or a bad value is one line. */
static void test_set(void **state)
{
    (void)state;
    cb_profile p;
    char err[1024] = "";
    cb_profile_ideal(&p);
    assert_int_equal(cb_profile_set(&p, "c_line_us", "55", "--profile-set c_line_us=55", err, sizeof err), 0);
    assert_true(p.c_line_us == 55);
    assert_int_equal(cb_profile_set(&p, "cost_model", "on", "s", err, sizeof err), 0);
    assert_true(p.cost_model);
    assert_int_equal(cb_profile_set(&p, "controller_vm", "e2-small", "s", err, sizeof err), 0);
    assert_string_equal(p.controller_vm, "e2-small");
    int i;
    for (i = 0; cb_profile_param_name((size_t)i) && strcmp(cb_profile_param_name((size_t)i), "c_line_us"); i++)
        ;
    assert_string_equal(p.src[i], "--profile-set c_line_us=55");

    assert_int_equal(cb_profile_set(&p, "c_line", "55", "s", err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown profile parameter 'c_line'"));
    assert_non_null(strstr(err, "c_line_us"));
    assert_null(strchr(err, '\n'));
    assert_int_equal(cb_profile_set(&p, "c_line_us", "fast", "s", err, sizeof err), -1);
    assert_non_null(strstr(err, "'fast' is not a number"));
    assert_int_equal(cb_profile_set(&p, "c_line_us", "-3", "s", err, sizeof err), -1);
    assert_non_null(strstr(err, "out of range"));
    assert_int_equal(cb_profile_set(&p, "cost_model", "maybe", "s", err, sizeof err), -1);
    assert_non_null(strstr(err, "not true or false"));
    assert_int_equal(cb_profile_set(&p, "aws_vm", "m5.large", "s", err, sizeof err), -1);
    assert_non_null(strstr(err, "m5.large"));
    /* a refused value changes nothing */
    assert_true(p.c_line_us == 55);
    assert_string_equal(p.aws_vm, "t2.micro");
}

/* The JSON form holds every parameter with its source and reads back as
 * the same profile. */
static void test_json_round_trip(void **state)
{
    (void)state;
    cb_profile p, q;
    char err[512] = "";
    assert_int_equal(cb_profile_load("patent-2022", &p, err, sizeof err), 0);
    assert_int_equal(cb_profile_set(&p, "deploy_uplink_Bps", "5e7", "--profile-set deploy_uplink_Bps=5e7", err,
                                    sizeof err), 0);
    json_t *j = cb_profile_json(&p);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "patent-2022");
    assert_non_null(strstr(json_string_value(json_object_get(j, "path")), "patent-2022.json"));
    json_t *ps = json_object_get(j, "params");
    size_t n = 0;
    while (cb_profile_param_name(n))
        n++;
    assert_int_equal(json_object_size(ps), n);
    json_t *c = json_object_get(ps, "c_line_us");
    assert_true(json_number_value(json_object_get(c, "value")) == p.c_line_us);
    const char *csrc = json_string_value(json_object_get(c, "source"));
    assert_true(strstr(csrc, "prior") != NULL || strstr(csrc, "fitted") != NULL);
    c = json_object_get(ps, "deploy_uplink_Bps");
    assert_string_equal(json_string_value(json_object_get(c, "source")), "--profile-set deploy_uplink_Bps=5e7");
    char *text = json_dumps(j, 0);
    assert_int_equal(cb_profile_parse(text, "embedded", &q, err, sizeof err), 0);
    assert_true(q.deploy.uplink_Bps == 5e7 && q.c_line_us == p.c_line_us && q.cost_model && q.mutex_get_after_wait);
    assert_string_equal(q.src[0], p.src[0]);
    assert_true(cb_profile_class(&q, "t2.micro")->vcpus == 1);
    free(text);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ideal_default),
        cmocka_unit_test(test_shipped_files),
        cmocka_unit_test(test_good_minimal),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_json_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
