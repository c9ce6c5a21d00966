/* Unit tests: the bench's CSV rows and markdown section, from synthetic runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sim/cookie/cookie_report.h"
#include "sim/util/util_fs.h"

static json_t *run(const char *exp, const char *strategy, const char *event, double moved,
                   double theory, double targeted, double affected)
{
    json_t *r = json_pack("{s:s, s:s, s:i, s:f, s:f, s:f, s:f, s:i, s:i, s:i, s:f, s:{s:i}}",
                          "experiment", exp, "strategy", strategy, "requests", 1000,
                          "hit_ratio", 0.98, "hit_ratio_steady", 1.0, "p50_ms", 0.5,
                          "p99_ms", 2.0, "errors", 0, "bad_content", 0, "failovers", 2,
                          "req_per_s", 900.0, "config", "n_cache", 3);
    json_t *evs = json_array();
    if (event)
        json_array_append_new(evs, json_pack("{s:s, s:f, s:f, s:f, s:f, s:f, s:i, s:f}",
                                             "event", event, "t_s", 2.5, "moved_frac", moved,
                                             "theory_moved", theory, "targeted_frac", targeted,
                                             "affected_frac", affected, "origin_fetches", 29,
                                             "new_slot_share", 0.0));
    json_object_set_new(r, "events", evs);
    return r;
}

static void test_csv_rows_have_every_column(void **state)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cookie_report_csv_header(f);
    json_t *a = run("steady", "cookie", NULL, 0, 0, 0, 0);
    json_t *b = run("kill", "modulo", "kill", 0.67, 0.6667, 0.29, 0.67);
    cookie_report_csv_rows(f, a);
    cookie_report_csv_rows(f, b);
    fclose(f);
    int lines = 0;
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        int commas = 0;
        for (char *p = l; *p; p++)
            commas += *p == ',';
        assert_int_equal(commas, 20);
        lines++;
    }
    assert_int_equal(lines, 3);
    free(text);
    json_decref(a);
    json_decref(b);
}

static void test_markdown_states_the_claims(void **state)
{
    char dir[] = "/tmp/geokv-cookie-report-XXXXXX", path[128];
    assert_non_null(mkdtemp(dir));
    json_t *runs = json_array();
    json_array_append_new(runs, run("steady", "cookie", NULL, 0, 0, 0, 0));
    json_array_append_new(runs, run("kill", "cookie", "kill", 0.29, 1.0 / 3, 0.29, 0.29));
    json_array_append_new(runs, run("scaleout", "cookie", "scaleout", 0.0, 0.0, 0, 0));
    json_array_append_new(runs, run("scaleout", "modulo", "scaleout", 0.78, 0.75, 0, 0.78));
    json_t *config = json_pack("{s:i, s:i, s:s}", "n_cache", 3, "n_web", 2, "run_id", "t");
    assert_int_equal(cookie_report_markdown(dir, config, runs, NULL), 0);
    snprintf(path, sizeof path, "%s/cookie-report.md", dir);
    char *md = util_slurp(path, NULL);
    assert_non_null(md);
    assert_non_null(strstr(md, "*Scale-out moves nothing* (cookie): 0.0% of clients changed server -> the claim holds."));
    assert_non_null(strstr(md, "| scaleout | modulo | – | 78.0% | 75.0% |"));
    assert_non_null(strstr(md, "affects only its own data* (cookie): 29.0%"));
    assert_null(strstr(md, "![hit ratio"));           /* no plot, no image link */
    free(md);
    unlink(path);
    snprintf(path, sizeof path, "%s/remap.csv", dir);
    char *csv = util_slurp(path, NULL);
    assert_non_null(csv);
    assert_non_null(strstr(csv, "scaleout,scaleout,modulo,3,0.78,0.75,0.78\n"));
    assert_non_null(strstr(csv, "kill,kill,cookie,3,0.29,0.333333,0.29\n"));
    free(csv);
    unlink(path);
    rmdir(dir);
    json_decref(runs);
    json_decref(config);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_rows_have_every_column),
        cmocka_unit_test(test_markdown_states_the_claims),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
