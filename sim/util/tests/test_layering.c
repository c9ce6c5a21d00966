/* test_layering.c: the include graph follows the declared layers.
 *
 * The Makefile declares, per folder, the folders it builds on (LAYERS_<dir>,
 * exported as GEOKV_LAYERS="dir=self,dep,...;..."): the same list is the
 * folder's link line. A file may include a project header only from a folder
 * on its own folder's list, so a lower layer never reaches into a higher one
 * and the layering cannot rot silently. The rule is checked first on made-up
 * cases (so the checker itself can fail), then on every .c and .h file of
 * the tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_DIRS 32
#define MAX_DEPS 16
#define PATHLEN 512

typedef struct layer {
    char dir[64];
    char deps[MAX_DEPS][64];
    int n_deps;
} layer;

typedef struct layers {
    layer l[MAX_DIRS];
    int n;
} layers;

/* "dir=a,b;dir2=c;" into t; 0 on success. */
static int layers_parse(const char *spec, layers *t)
{
    memset(t, 0, sizeof *t);
    const char *p = spec;
    while (*p) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 0) {
            if (t->n == MAX_DIRS)
                return -1;
            char item[1024];
            if (len >= sizeof item)
                return -1;
            memcpy(item, p, len);
            item[len] = '\0';
            char *eq = strchr(item, '=');
            if (!eq)
                return -1;
            *eq = '\0';
            layer *l = &t->l[t->n++];
            snprintf(l->dir, sizeof l->dir, "%.63s", item);
            for (char *save = NULL, *d = strtok_r(eq + 1, ",", &save); d; d = strtok_r(NULL, ",", &save)) {
                if (l->n_deps == MAX_DEPS)
                    return -1;
                snprintf(l->deps[l->n_deps++], sizeof l->deps[0], "%.63s", d);
            }
        }
        p += len + (end ? 1 : 0);
    }
    return t->n > 0 ? 0 : -1;
}

/* The folder of t that owns path (the longest "dir/" prefix), or NULL. */
static const layer *layer_owner(const layers *t, const char *path)
{
    const layer *best = NULL;
    size_t best_len = 0;
    for (int i = 0; i < t->n; i++) {
        size_t n = strlen(t->l[i].dir);
        if (strncmp(path, t->l[i].dir, n) == 0 && path[n] == '/' && n > best_len) {
            best = &t->l[i];
            best_len = n;
        }
    }
    return best;
}

/* 0 when file may include inc; else -1 with the reason in why. Includes
 * without a folder (system headers reached through "x.h") are not the
 * project's and pass. */
static int layer_check_include(const layers *t, const char *file, const char *inc, char *why, size_t whylen)
{
    if (!strchr(inc, '/'))
        return 0;
    const layer *from = layer_owner(t, file);
    const layer *to = layer_owner(t, inc);
    if (!from) {
        snprintf(why, whylen, "%s is in no declared folder", file);
        return -1;
    }
    if (!to) {
        snprintf(why, whylen, "%s includes \"%s\", which is in no declared folder", file, inc);
        return -1;
    }
    for (int i = 0; i < from->n_deps; i++)
        if (strcmp(from->deps[i], to->dir) == 0)
            return 0;
    snprintf(why, whylen, "%s (%s) includes \"%s\" from %s, which %s does not build on", file, from->dir, inc,
             to->dir, from->dir);
    return -1;
}

static const char *SAMPLE = "sim/util=sim/util;sim/etcd=sim/etcd,sim/util;"
                            "sim/cb=sim/cb,sim/etcd,sim/util;sim/cookie=sim/cookie,sim/util;";

static void test_parse_and_owner(void **state)
{
    (void)state;
    layers t;
    assert_int_equal(layers_parse(SAMPLE, &t), 0);
    assert_int_equal(t.n, 4);
    assert_string_equal(layer_owner(&t, "sim/cb/tests/test_x.c")->dir, "sim/cb");
    assert_string_equal(layer_owner(&t, "sim/cookie/cookie_web.h")->dir, "sim/cookie");
    assert_null(layer_owner(&t, "sim/cbx/y.c"));
    assert_null(layer_owner(&t, "bench/bench_opts.c"));
    assert_int_equal(layers_parse("", &t), -1);
    assert_int_equal(layers_parse("nodeps", &t), -1);
}

static void test_rule_on_made_up_cases(void **state)
{
    (void)state;
    layers t;
    char why[512];
    assert_int_equal(layers_parse(SAMPLE, &t), 0);
    /* downwards and sideways-within is fine */
    assert_int_equal(layer_check_include(&t, "sim/cb/cb_run.c", "sim/etcd/etcd_client.h", why, sizeof why), 0);
    assert_int_equal(layer_check_include(&t, "sim/cb/tests/t.c", "sim/cb/cb_run.h", why, sizeof why), 0);
    assert_int_equal(layer_check_include(&t, "sim/etcd/etcd_kv.c", "sim/util/util_clock.h", why, sizeof why), 0);
    assert_int_equal(layer_check_include(&t, "sim/etcd/etcd_kv.c", "stdio.h", why, sizeof why), 0);
    /* upwards, sideways across folders, and undeclared folders are not */
    assert_int_equal(layer_check_include(&t, "sim/etcd/etcd_kv.c", "sim/cb/cb_run.h", why, sizeof why), -1);
    assert_non_null(strstr(why, "sim/etcd does not build on"));
    assert_int_equal(layer_check_include(&t, "sim/cookie/c.c", "sim/etcd/etcd_client.h", why, sizeof why), -1);
    assert_int_equal(layer_check_include(&t, "sim/util/u.c", "sim/etcd/etcd_client.h", why, sizeof why), -1);
    assert_int_equal(layer_check_include(&t, "sim/cb/cb_run.c", "sim/old_flat.h", why, sizeof why), -1);
    assert_int_equal(layer_check_include(&t, "sim/stray.c", "sim/util/util_clock.h", why, sizeof why), -1);
}

typedef struct scan {
    const layers *t;
    int files;
    int includes;
    int violations;
} scan;

static void scan_file(scan *s, const char *root, const char *rel)
{
    char path[PATHLEN * 2];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    s->files++;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        const char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncmp(p, "#include", 8) != 0)
            continue;
        p += 8;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != '"')
            continue;
        const char *end = strchr(p + 1, '"');
        if (!end)
            continue;
        char inc[PATHLEN];
        snprintf(inc, sizeof inc, "%.*s", (int)(end - p - 1), p + 1);
        s->includes++;
        char why[1024];
        if (layer_check_include(s->t, rel, inc, why, sizeof why) != 0) {
            print_error("layering: %s\n", why);
            s->violations++;
        }
    }
    fclose(f);
}

static void scan_dir(scan *s, const char *root, const char *rel)
{
    char path[PATHLEN * 2];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char sub[PATHLEN];
        snprintf(sub, sizeof sub, "%s/%s", rel, e->d_name);
        char full[PATHLEN * 2];
        snprintf(full, sizeof full, "%s/%s", root, sub);
        struct stat st;
        if (stat(full, &st) != 0)
            continue;
        size_t n = strlen(e->d_name);
        if (S_ISDIR(st.st_mode))
            scan_dir(s, root, sub);
        else if (n > 2 && e->d_name[n - 2] == '.' && (e->d_name[n - 1] == 'c' || e->d_name[n - 1] == 'h'))
            scan_file(s, root, sub);
    }
    closedir(d);
}

static void test_tree_follows_layers(void **state)
{
    (void)state;
    const char *spec = getenv("GEOKV_LAYERS");
    if (!spec || !*spec) {
        print_message("GEOKV_LAYERS is set by the Makefile; run through `make test`\n");
        skip();
    }
    const char *root = getenv("GEOKV_ROOT");
    if (!root || !*root)
        root = ".";
    layers t;
    assert_int_equal(layers_parse(spec, &t), 0);
    scan s = {&t, 0, 0, 0};
    for (int i = 0; i < t.n; i++)
        scan_dir(&s, root, t.l[i].dir);
    /* Nothing may sit directly in sim/ except what no folder owns: stray
     * library code there would escape the rule. */
    char simdir[PATHLEN * 2];
    snprintf(simdir, sizeof simdir, "%s/sim", root);
    DIR *d = opendir(simdir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n > 2 && e->d_name[n - 2] == '.' && (e->d_name[n - 1] == 'c' || e->d_name[n - 1] == 'h')) {
            print_error("layering: sim/%s belongs in one of the subsystem folders\n", e->d_name);
            s.violations++;
        }
    }
    closedir(d);
    print_message("layering: %d files, %d project includes checked\n", s.files, s.includes);
    assert_true(s.files > 100);
    assert_int_equal(s.violations, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_owner),
        cmocka_unit_test(test_rule_on_made_up_cases),
        cmocka_unit_test(test_tree_follows_layers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
