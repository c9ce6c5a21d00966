/* test_topology.c: topology parser, validation messages, placement, JSON line finder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/wan/topology.h"
#include "sim/util/tests/testlib_fixture.h"

static const char *BASE =
    "{\n"                                                                                    /* 1 */
    "  \"name\": \"t\",\n"                                                                   /* 2 */
    "  \"intra_region_rtt_ms\": 0.5,\n"                                                      /* 3 */
    "  \"regions\": [\n"                                                                     /* 4 */
    "    {\"id\": \"r1\", \"short\": \"R1\", \"provider\": \"AWS\", \"name\": \"One\", \"vm_spec\": \"t2.micro\"},\n" /* 5 */
    "    {\"id\": \"r2\", \"short\": \"R2\", \"provider\": \"GCP\", \"name\": \"Two\", \"vm_spec\": \"e2-small\"},\n" /* 6 */
    "    {\"id\": \"r3\", \"short\": \"R3\", \"provider\": \"AWS\", \"name\": \"Three\", \"vm_spec\": \"t2.micro\"}\n" /* 7 */
    "  ],\n"                                                                                 /* 8 */
    "  \"rtt_ms\": {\n"                                                                      /* 9 */
    "    \"r1\": {\"r2\": {\"ms\": 10, \"source\": \"C\", \"date\": \"2025\"},\n"            /* 10 */
    "           \"r3\": {\"ms\": 20, \"source\": \"C\", \"date\": \"2025\"}},\n"             /* 11 */
    "    \"r2\": {\"r1\": {\"ms\": 10, \"source\": \"C\", \"date\": \"2025\"},\n"            /* 12 */
    "           \"r3\": {\"ms\": 30, \"source\": \"G\", \"date\": \"2023-11-27\"}},\n"       /* 13 */
    "    \"r3\": {\"r1\": {\"ms\": 20, \"source\": \"C\", \"date\": \"2025\"},\n"            /* 14 */
    "           \"r2\": {\"ms\": 30, \"source\": \"G\", \"date\": \"2023-11-27\"}}\n"        /* 15 */
    "  },\n"                                                                                 /* 16 */
    "  \"etcd_members\": [\n"                                                                /* 17 */
    "    {\"name\": \"m1\", \"region\": \"r1\"},\n"                                          /* 18 */
    "    {\"name\": \"m2\", \"region\": \"r2\"}\n"                                           /* 19 */
    "  ],\n"                                                                                 /* 20 */
    "  \"controller_region\": \"r1\",\n"                                                     /* 21 */
    "  \"agent_placement\": {\"policy\": \"round-robin\", \"regions\": [\"r1\", \"r2\", \"r3\"]}\n" /* 22 */
    "}\n";

/* BASE with the first occurrence of `from` replaced by `to` (must occur). */
static char *mutate(const char *from, const char *to)
{
    const char *at = strstr(BASE, from);
    assert_non_null(at);
    size_t pre = (size_t)(at - BASE), flen = strlen(from), tlen = strlen(to);
    char *s = malloc(strlen(BASE) - flen + tlen + 1);
    assert_non_null(s);
    memcpy(s, BASE, pre);
    memcpy(s + pre, to, tlen);
    strcpy(s + pre + tlen, at + flen);
    return s;
}

static void test_base_parses(void **state)
{
    (void)state;
    topology *t = NULL;
    char err[512];
    assert_int_equal(topology_parse(BASE, "base.json", &t, err, sizeof err), 0);
    assert_non_null(t);
    assert_int_equal(t->n_regions, 3);
    assert_int_equal(t->n_members, 2);
    assert_string_equal(t->regions[1].id, "r2");
    assert_string_equal(t->rtt[1][2].source, "G");
    assert_string_equal(t->rtt[1][2].date, "2023-11-27");
    assert_true(topology_rtt_ms(t, 0, 2) == 20.0);
    assert_true(topology_rtt_ms(t, 1, 1) == 0.5);
    assert_true(topology_member_rtt_ms(t, 0, 1) == 10.0);
    assert_int_equal(topology_region_index(t, "r3"), 2);
    assert_int_equal(topology_region_index(t, "R2"), 1);
    assert_int_equal(topology_region_index(t, "nope"), -1);
    assert_int_equal(topology_member_index(t, "m2"), 1);
    assert_int_equal(topology_set_rtt_scale(t, 0.25), 0);
    assert_true(topology_rtt_ms(t, 1, 2) == 7.5);
    assert_true(topology_rtt_ms(t, 0, 0) == 0.125);
    assert_int_equal(topology_set_rtt_scale(t, -1), -1);
    assert_int_equal(topology_set_rtt_scale(t, 0), -1);
    topology_free(t);
}

typedef struct bad_case {
    const char *from, *to;
    const char *want[3];   /* substrings the message must hold */
} bad_case;

static const bad_case BAD[] = {
    { "\"name\": \"t\",", "\"name\": \"t\"", { "<string>:3:", "syntax" } },
    { "\"name\": \"t\",", "\"name\": \"t\", \"name\": \"u\",", { "<string>:2:", "duplicate" } },
    { "\"r3\": {\"ms\": 30", "\"r3\": {\"ms\": -30", { "<string>:13:", "rtt_ms.r2.r3.ms", "negative RTT" } },
    { "\"r2\": {\"ms\": 30", "\"r2\": {\"ms\": 31", { "<string>:15:", "rtt_ms.r3.r2.ms", "asymmetric" } },
    { ",\n           \"r3\": {\"ms\": 20, \"source\": \"C\", \"date\": \"2025\"}}", "}",
      { "<string>:10:", "rtt_ms.r1.r3", "missing cell" } },
    { "\"r2\": {\"ms\": 30", "\"r9\": {\"ms\": 30", { "<string>:15:", "rtt_ms.r3.r9", "unknown region \"r9\"" } },
    { "\"r3\": {\"r1\"", "\"rX\": {\"r1\"", { "<string>:14:", "rtt_ms.rX", "unknown region \"rX\"" } },
    { "{\"id\": \"r2\"", "{\"id\": \"r1\"", { "<string>:6:", "regions[1].id", "duplicate region id" } },
    { ", \"vm_spec\": \"e2-small\"", "", { "<string>:6:", "regions[1].vm_spec", "missing" } },
    { "{\"ms\": 10", "{\"ms\": \"10\"", { "<string>:10:", "rtt_ms.r1.r2.ms", "must be a number" } },
    { ", \"source\": \"G\"", "", { "<string>:13:", "rtt_ms.r2.r3.source", "missing" } },
    { "\"region\": \"r2\"", "\"region\": \"r7\"", { "<string>:19:", "etcd_members[1].region", "unknown region \"r7\"" } },
    { "{\"name\": \"m2\"", "{\"name\": \"m1\"", { "<string>:19:", "etcd_members[1].name", "duplicate member" } },
    { "\"controller_region\": \"r1\"", "\"controller_region\": \"rx\"", { "<string>:21:", "controller_region", "unknown region" } },
    { "[\"r1\", \"r2\", \"r3\"]", "[\"r1\", \"r2\", \"r4\"]", { "<string>:22:", "agent_placement.regions[2]", "unknown region \"r4\"" } },
    { "[\"r1\", \"r2\", \"r3\"]", "[\"r1\", \"r2\", \"r1\"]", { "<string>:22:", "agent_placement.regions[2]", "twice" } },
    { "\"round-robin\"", "\"random\"", { "<string>:22:", "agent_placement.policy", "unknown policy" } },
    { "\"intra_region_rtt_ms\": 0.5", "\"intra_region_rtt_ms\": -1", { "<string>:3:", "intra_region_rtt_ms", "negative" } },
    { "\"regions\": [", "\"regionz\": [", { "missing \"regions\"" } },
    { "\"etcd_members\": [\n    {\"name\": \"m1\", \"region\": \"r1\"},\n    {\"name\": \"m2\", \"region\": \"r2\"}\n  ]",
      "\"etcd_members\": []", { "<string>:17:", "etcd_members", "non-empty" } },
};

static void test_bad_files(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        char *text = mutate(BAD[i].from, BAD[i].to);
        topology *t = (topology *)1;
        char err[512] = "";
        int rc = topology_parse(text, NULL, &t, err, sizeof err);
        if (rc != -1 || t != NULL)
            fail_msg("case %zu: accepted a bad file", i);
        for (int k = 0; k < 3 && BAD[i].want[k]; k++)
            if (!strstr(err, BAD[i].want[k]))
                fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, err, BAD[i].want[k]);
        /* one line, one error */
        assert_null(strchr(err, '\n'));
        free(text);
    }
}

static void test_load_names_file(void **state)
{
    (void)state;
    char path[] = "/tmp/geokv-topo-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    char *text = mutate("\"r3\": {\"ms\": 30", "\"r3\": {\"ms\": -30");
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    topology *t = NULL;
    char err[512], want[300];
    assert_int_equal(topology_load(path, &t, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s:13: rtt_ms.r2.r3.ms", path);
    assert_non_null(strstr(err, want));
    unlink(path);
    assert_int_equal(topology_load(path, &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot open"));
    free(text);
}

static topology *load_fig6(void)
{
    char path[1024];
    fixture_path("sim/wan/topology/patent-fig6.json", path, sizeof path);
    topology *t = NULL;
    char err[512];
    if (topology_load(path, &t, err, sizeof err) < 0)
        fail_msg("%s", err);
    return t;
}

static void test_patent_fig6(void **state)
{
    (void)state;
    topology *t = load_fig6();
    assert_int_equal(t->n_regions, 10);
    assert_int_equal(t->n_members, 3);
    int asel = topology_region_index(t, "aws-ap-northeast-2");
    int asin = topology_region_index(t, "aws-ap-southeast-1");
    int gsel = topology_region_index(t, "gcp-asia-northeast3");
    int iad = topology_region_index(t, "aws-us-east-1");
    assert_true(asel >= 0 && asin >= 0 && gsel >= 0 && iad >= 0);
    assert_true(topology_rtt_ms(t, asel, asin) == 74);
    assert_true(topology_rtt_ms(t, asel, gsel) == 3);
    assert_true(topology_rtt_ms(t, asin, iad) == 219);
    assert_true(topology_rtt_ms(t, asel, asel) == 0.5);
    assert_string_equal(t->rtt[asin][iad].source, "C");
    assert_string_equal(t->regions[gsel].provider, "GCP");
    assert_string_equal(t->regions[gsel].vm_spec, "e2-small");
    assert_string_equal(t->regions[asel].vm_spec, "t2.micro");
    int ma = topology_member_index(t, "a-sel"), mg = topology_member_index(t, "g-sel"),
        ms = topology_member_index(t, "a-sin");
    assert_true(ma >= 0 && mg >= 0 && ms >= 0);
    assert_int_equal(t->members[ms].region, asin);
    assert_true(topology_member_rtt_ms(t, ma, mg) == 3);
    assert_true(topology_member_rtt_ms(t, mg, ms) == 74);
    assert_int_equal(t->controller_region, asel);
    topology_set_rtt_scale(t, 0.1);
    assert_true(topology_member_rtt_ms(t, ma, ms) > 7.39 && topology_member_rtt_ms(t, ma, ms) < 7.41);
    topology_free(t);
}

static void test_seoul_via_tokyo_variant(void **state)
{
    (void)state;
    char path[1024], err[512];
    fixture_path("sim/wan/topology/patent-fig6-seoul-via-tokyo.json", path, sizeof path);
    topology *t = NULL, *base = load_fig6();
    if (topology_load(path, &t, err, sizeof err) < 0)
        fail_msg("%s", err);
    int ma = topology_member_index(t, "a-sel"), mg = topology_member_index(t, "g-sel");
    assert_true(topology_member_rtt_ms(t, ma, mg) == 32);
    /* everything else as in the base file */
    int diff = 0;
    for (int a = 0; a < t->n_regions; a++)
        for (int b = 0; b < t->n_regions; b++)
            diff += topology_rtt_ms(t, a, b) != topology_rtt_ms(base, a, b);
    assert_int_equal(diff, 2);
    topology_free(t);
    topology_free(base);
}

static void test_placement(void **state)
{
    (void)state;
    topology *t = load_fig6();
    int out[64];
    for (int n = 10; n <= 50; n += 10) {
        int count[TOPO_MAX_REGIONS] = { 0 };
        assert_int_equal(topology_place_agents(t, n, out), 0);
        for (int k = 0; k < n; k++)
            count[out[k]]++;
        for (int r = 0; r < t->n_regions; r++)
            assert_int_equal(count[r], n / 10);
    }
    /* round robin in file order: agent 0 in the first listed region, 11 in the second */
    assert_int_equal(topology_place_agents(t, 12, out), 0);
    assert_int_equal(out[0], t->placement[0]);
    assert_int_equal(out[10], t->placement[0]);
    assert_int_equal(out[11], t->placement[1]);
    assert_int_equal(topology_place_agents(t, -1, out), -1);
    topology_free(t);
}

static void test_to_json_roundtrip(void **state)
{
    (void)state;
    topology *t = load_fig6(), *u = NULL;
    json_t *j = topology_to_json(t);
    assert_non_null(j);
    char *s = json_dumps(j, JSON_INDENT(1));
    char err[512];
    if (topology_parse(s, "dump", &u, err, sizeof err) < 0)
        fail_msg("%s", err);
    assert_int_equal(u->n_regions, t->n_regions);
    for (int a = 0; a < t->n_regions; a++)
        for (int b = 0; b < t->n_regions; b++)
            assert_true(topology_rtt_ms(t, a, b) == topology_rtt_ms(u, a, b));
    assert_int_equal(memcmp(u->placement, t->placement, sizeof t->placement), 0);
    free(s);
    json_decref(j);
    topology_free(t);
    topology_free(u);
}

static void test_json_line(void **state)
{
    (void)state;
    const char *text = "{\n \"a\": [1,\n  {\"b\": \"x}\\\"\",\n   \"c\": {\"d\": 4}}],\n \"e\": 5\n}";
    const char *p1[] = { "a", "[1]", "c", "d" };
    const char *p2[] = { "e" };
    const char *p3[] = { "a", "[1]", "zz" };
    const char *p4[] = { "a", "[0]" };
    assert_int_equal(topology_json_line(text, p1, 4), 4);
    assert_int_equal(topology_json_line(text, p2, 1), 5);
    assert_int_equal(topology_json_line(text, p3, 3), 0);
    assert_int_equal(topology_json_line(text, p4, 2), 2);
    assert_int_equal(topology_json_line(text, p1, 0), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_parses),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_load_names_file),
        cmocka_unit_test(test_patent_fig6),
        cmocka_unit_test(test_seoul_via_tokyo_variant),
        cmocka_unit_test(test_placement),
        cmocka_unit_test(test_to_json_roundtrip),
        cmocka_unit_test(test_json_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
