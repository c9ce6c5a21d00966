/* topology.c: topology file parser, validation and agent placement (see topology.h). */
#include "sim/wan/topology.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- locating a key path in JSON text ----------------------------------- */

/* A minimal walker over valid JSON text: enough to skip values and match
 * object keys, counting lines. Keys are compared on their raw (escaped) text,
 * which is exact for the plain identifiers topology files use. */
typedef struct jwalk { const char *p; int line; } jwalk;

static void jw_ws(jwalk *w)
{
    while (*w->p == ' ' || *w->p == '\t' || *w->p == '\r' || *w->p == '\n') {
        if (*w->p == '\n')
            w->line++;
        w->p++;
    }
}

/* At a '"': copy the raw string body into out (truncated), move past it. */
static int jw_string(jwalk *w, char *out, size_t outlen)
{
    size_t n = 0;
    if (*w->p != '"')
        return -1;
    w->p++;
    while (*w->p && *w->p != '"') {
        if (*w->p == '\\' && w->p[1])
            w->p++;
        if (out && n + 1 < outlen)
            out[n++] = *w->p;
        if (*w->p == '\n')
            w->line++;
        w->p++;
    }
    if (out && outlen)
        out[n] = '\0';
    if (*w->p != '"')
        return -1;
    w->p++;
    return 0;
}

static int jw_skip_value(jwalk *w)
{
    jw_ws(w);
    char c = *w->p;
    if (c == '"')
        return jw_string(w, NULL, 0);
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        w->p++;
        jw_ws(w);
        if (*w->p == close) {
            w->p++;
            return 0;
        }
        for (;;) {
            if (c == '{') {
                if (jw_string(w, NULL, 0) < 0)
                    return -1;
                jw_ws(w);
                if (*w->p != ':')
                    return -1;
                w->p++;
            }
            if (jw_skip_value(w) < 0)
                return -1;
            jw_ws(w);
            if (*w->p == ',') {
                w->p++;
                jw_ws(w);
                continue;
            }
            if (*w->p == close) {
                w->p++;
                return 0;
            }
            return -1;
        }
    }
    if (!c)
        return -1;
    /* number, true, false, null */
    while (*w->p && !strchr(",]} \t\r\n", *w->p))
        w->p++;
    return 0;
}

static int jw_find(jwalk *w, const char *const *path, int npath)
{
    jw_ws(w);
    if (npath == 0)
        return w->line;
    if (*w->p == '{') {
        w->p++;
        jw_ws(w);
        while (*w->p == '"') {
            char key[128];
            if (jw_string(w, key, sizeof key) < 0)
                return 0;
            jw_ws(w);
            if (*w->p != ':')
                return 0;
            w->p++;
            if (strcmp(key, path[0]) == 0)
                return jw_find(w, path + 1, npath - 1);
            if (jw_skip_value(w) < 0)
                return 0;
            jw_ws(w);
            if (*w->p == ',') {
                w->p++;
                jw_ws(w);
            }
        }
        return 0;
    }
    if (*w->p == '[') {
        int want, i = 0;
        if (sscanf(path[0], "[%d]", &want) != 1)
            return 0;
        w->p++;
        jw_ws(w);
        while (*w->p && *w->p != ']') {
            if (i == want)
                return jw_find(w, path + 1, npath - 1);
            if (jw_skip_value(w) < 0)
                return 0;
            jw_ws(w);
            if (*w->p == ',') {
                w->p++;
                jw_ws(w);
            }
            i++;
        }
        return 0;
    }
    return 0;
}

int topology_json_line(const char *text, const char *const *path, int npath)
{
    jwalk w = { text, 1 };
    if (!text)
        return 0;
    return jw_find(&w, path, npath);
}

/* ---- errors ------------------------------------------------------------- */

typedef struct parse_ctx {
    const char *text;
    const char *name;
    char *err;
    size_t errlen;
} parse_ctx;

#define PATH_MAX_DEPTH 6

/* Report one error at a key path: "FILE:LINE: a.b[2].c: message". The line is
 * that of the deepest element of the path found in the text, so a missing key
 * points at its parent object. */
static int topo_fail(parse_ctx *cx, const char *const *path, int npath, const char *fmt, ...)
{
    char field[256] = "";
    size_t off = 0;
    int line = 0;
    for (int n = npath; n >= 0 && line == 0; n--)
        line = topology_json_line(cx->text, path, n);
    for (int i = 0; i < npath && off < sizeof field; i++) {
        int w = snprintf(field + off, sizeof field - off, "%s%s",
                         (i > 0 && path[i][0] != '[') ? "." : "", path[i]);
        if (w > 0)
            off += (size_t)w;
    }
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (cx->err && cx->errlen)
        snprintf(cx->err, cx->errlen, "%s:%d: %s: %s", cx->name, line, npath ? field : "(top)", msg);
    return -1;
}

/* Copy a required string member into dst; error names the field. */
static int get_string(parse_ctx *cx, json_t *obj, const char *key, char *dst, size_t dstlen,
                      const char **path, int npath, int required)
{
    json_t *v = json_object_get(obj, key);
    path[npath] = key;
    if (!v) {
        if (!required) {
            dst[0] = '\0';
            return 0;
        }
        return topo_fail(cx, path, npath + 1, "missing (add a string \"%s\")", key);
    }
    if (!json_is_string(v))
        return topo_fail(cx, path, npath + 1, "must be a string");
    const char *s = json_string_value(v);
    if (required && !*s)
        return topo_fail(cx, path, npath + 1, "must not be empty");
    if (strlen(s) >= dstlen)
        return topo_fail(cx, path, npath + 1, "too long (at most %zu characters)", dstlen - 1);
    memcpy(dst, s, strlen(s) + 1);
    return 0;
}

static int region_by_id(const topology *t, const char *id)
{
    for (int i = 0; i < t->n_regions; i++)
        if (strcmp(t->regions[i].id, id) == 0)
            return i;
    return -1;
}

int topology_region_index(const topology *t, const char *id)
{
    int i = region_by_id(t, id);
    if (i >= 0)
        return i;
    for (i = 0; i < t->n_regions; i++)
        if (t->regions[i].short_name[0] && strcasecmp(t->regions[i].short_name, id) == 0)
            return i;
    return -1;
}

int topology_member_index(const topology *t, const char *name)
{
    for (int i = 0; i < t->n_members; i++)
        if (strcmp(t->members[i].name, name) == 0)
            return i;
    return -1;
}

/* ---- sections ----------------------------------------------------------- */

static int parse_regions(parse_ctx *cx, json_t *root, topology *t)
{
    const char *path[PATH_MAX_DEPTH] = { "regions" };
    json_t *arr = json_object_get(root, "regions");
    if (!arr)
        return topo_fail(cx, path, 0, "missing \"regions\" (an array of region objects)");
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return topo_fail(cx, path, 1, "must be a non-empty array of region objects");
    if (json_array_size(arr) > TOPO_MAX_REGIONS)
        return topo_fail(cx, path, 1, "too many regions (at most %d)", TOPO_MAX_REGIONS);
    size_t i;
    json_t *r;
    json_array_foreach(arr, i, r) {
        char idx[24];
        snprintf(idx, sizeof idx, "[%zu]", i);
        path[1] = idx;
        if (!json_is_object(r))
            return topo_fail(cx, path, 2, "must be an object with id, provider, name, vm_spec");
        topo_region *g = &t->regions[i];
        if (get_string(cx, r, "id", g->id, sizeof g->id, path, 2, 1) < 0 ||
            get_string(cx, r, "short", g->short_name, sizeof g->short_name, path, 2, 0) < 0 ||
            get_string(cx, r, "provider", g->provider, sizeof g->provider, path, 2, 1) < 0 ||
            get_string(cx, r, "name", g->name, sizeof g->name, path, 2, 1) < 0 ||
            get_string(cx, r, "vm_spec", g->vm_spec, sizeof g->vm_spec, path, 2, 1) < 0)
            return -1;
        for (size_t k = 0; k < i; k++) {
            if (strcmp(t->regions[k].id, g->id) == 0) {
                path[2] = "id";
                return topo_fail(cx, path, 3, "duplicate region id \"%s\" (also regions[%zu])", g->id, k);
            }
            if (g->short_name[0] && strcmp(t->regions[k].short_name, g->short_name) == 0) {
                path[2] = "short";
                return topo_fail(cx, path, 3, "duplicate short name \"%s\" (also regions[%zu])",
                                 g->short_name, k);
            }
        }
        t->n_regions = (int)i + 1;
    }
    return 0;
}

static int parse_rtt(parse_ctx *cx, json_t *root, topology *t)
{
    const char *path[PATH_MAX_DEPTH] = { "rtt_ms" };
    json_t *m = json_object_get(root, "rtt_ms");
    if (!m)
        return topo_fail(cx, path, 0, "missing \"rtt_ms\" (object: region -> region -> {ms, source, date})");
    if (!json_is_object(m))
        return topo_fail(cx, path, 1, "must be an object keyed by region id");
    const char *ka;
    json_t *row;
    json_object_foreach(m, ka, row) {
        path[1] = ka;
        int a = region_by_id(t, ka);
        if (a < 0)
            return topo_fail(cx, path, 2, "unknown region \"%s\" (not in \"regions\")", ka);
        if (!json_is_object(row))
            return topo_fail(cx, path, 2, "must be an object keyed by region id");
        const char *kb;
        json_t *cell;
        json_object_foreach(row, kb, cell) {
            path[2] = kb;
            int b = region_by_id(t, kb);
            if (b < 0)
                return topo_fail(cx, path, 3, "unknown region \"%s\" (not in \"regions\")", kb);
            if (!json_is_object(cell))
                return topo_fail(cx, path, 3, "must be an object {\"ms\": N, \"source\": S, \"date\": D}");
            topo_cell *c = &t->rtt[a][b];
            json_t *ms = json_object_get(cell, "ms");
            path[3] = "ms";
            if (!ms)
                return topo_fail(cx, path, 3, "missing \"ms\" (round-trip time in milliseconds)");
            if (!json_is_number(ms))
                return topo_fail(cx, path, 4, "must be a number of milliseconds");
            c->ms = json_number_value(ms);
            if (!(c->ms >= 0) || !isfinite(c->ms))
                return topo_fail(cx, path, 4, "negative RTT %g ms (must be >= 0)", c->ms);
            if (get_string(cx, cell, "source", c->source, sizeof c->source, path, 3, 1) < 0 ||
                get_string(cx, cell, "date", c->date, sizeof c->date, path, 3, 1) < 0)
                return -1;
            c->present = 1;
        }
    }
    /* Completeness and symmetry, in region order so the first error is stable. */
    for (int a = 0; a < t->n_regions; a++) {
        for (int b = 0; b < t->n_regions; b++) {
            if (a == b)
                continue;
            path[1] = t->regions[a].id;
            path[2] = t->regions[b].id;
            path[3] = "ms";
            if (!t->rtt[a][b].present)
                return topo_fail(cx, path, 3, "missing cell %s -> %s (every pair of regions needs both directions)",
                                 t->regions[a].id, t->regions[b].id);
            if (b < a && fabs(t->rtt[a][b].ms - t->rtt[b][a].ms) > 1e-9)
                return topo_fail(cx, path, 4, "asymmetric cells: %s -> %s is %g ms but %s -> %s is %g ms "
                                 "(RTTs are symmetric: make them equal)",
                                 t->regions[a].id, t->regions[b].id, t->rtt[a][b].ms,
                                 t->regions[b].id, t->regions[a].id, t->rtt[b][a].ms);
        }
    }
    return 0;
}

static int parse_members(parse_ctx *cx, json_t *root, topology *t)
{
    const char *path[PATH_MAX_DEPTH] = { "etcd_members" };
    json_t *arr = json_object_get(root, "etcd_members");
    if (!arr)
        return topo_fail(cx, path, 0, "missing \"etcd_members\" (array of {name, region})");
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return topo_fail(cx, path, 1, "must be a non-empty array of {name, region}");
    if (json_array_size(arr) > TOPO_MAX_MEMBERS)
        return topo_fail(cx, path, 1, "too many members (at most %d)", TOPO_MAX_MEMBERS);
    size_t i;
    json_t *m;
    json_array_foreach(arr, i, m) {
        char idx[24], region[TOPO_ID_LEN];
        snprintf(idx, sizeof idx, "[%zu]", i);
        path[1] = idx;
        if (!json_is_object(m))
            return topo_fail(cx, path, 2, "must be an object {name, region}");
        topo_member *tm = &t->members[i];
        if (get_string(cx, m, "name", tm->name, sizeof tm->name, path, 2, 1) < 0 ||
            get_string(cx, m, "region", region, sizeof region, path, 2, 1) < 0)
            return -1;
        path[2] = "region";
        tm->region = region_by_id(t, region);
        if (tm->region < 0)
            return topo_fail(cx, path, 3, "unknown region \"%s\" (not in \"regions\")", region);
        for (size_t k = 0; k < i; k++)
            if (strcmp(t->members[k].name, tm->name) == 0) {
                path[2] = "name";
                return topo_fail(cx, path, 3, "duplicate member name \"%s\"", tm->name);
            }
        t->n_members = (int)i + 1;
    }
    return 0;
}

static int parse_placement(parse_ctx *cx, json_t *root, topology *t)
{
    const char *path[PATH_MAX_DEPTH] = { "controller_region" };
    char id[TOPO_ID_LEN];
    if (get_string(cx, root, "controller_region", id, sizeof id, path, 0, 1) < 0)
        return -1;
    t->controller_region = region_by_id(t, id);
    if (t->controller_region < 0)
        return topo_fail(cx, path, 1, "unknown region \"%s\" (not in \"regions\")", id);

    path[0] = "agent_placement";
    json_t *ap = json_object_get(root, "agent_placement");
    if (!ap)
        return topo_fail(cx, path, 0, "missing \"agent_placement\" ({policy, regions})");
    if (!json_is_object(ap))
        return topo_fail(cx, path, 1, "must be an object {\"policy\": \"round-robin\", \"regions\": [...]}");
    char policy[32];
    if (get_string(cx, ap, "policy", policy, sizeof policy, path, 1, 1) < 0)
        return -1;
    path[1] = "policy";
    if (strcmp(policy, "round-robin") != 0)
        return topo_fail(cx, path, 2, "unknown policy \"%s\" (only \"round-robin\")", policy);
    path[1] = "regions";
    json_t *arr = json_object_get(ap, "regions");
    if (!arr)
        return topo_fail(cx, path, 1, "missing (array of region ids)");
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return topo_fail(cx, path, 2, "must be a non-empty array of region ids");
    if (json_array_size(arr) > TOPO_MAX_REGIONS)
        return topo_fail(cx, path, 2, "too many entries (at most %d)", TOPO_MAX_REGIONS);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        char idx[24];
        snprintf(idx, sizeof idx, "[%zu]", i);
        path[2] = idx;
        if (!json_is_string(v))
            return topo_fail(cx, path, 3, "must be a region id string");
        int r = region_by_id(t, json_string_value(v));
        if (r < 0)
            return topo_fail(cx, path, 3, "unknown region \"%s\" (not in \"regions\")", json_string_value(v));
        for (size_t k = 0; k < i; k++)
            if (t->placement[k] == r)
                return topo_fail(cx, path, 3, "region \"%s\" listed twice", json_string_value(v));
        t->placement[i] = r;
        t->n_placement = (int)i + 1;
    }
    return 0;
}

static int parse_root(parse_ctx *cx, json_t *root, topology *t)
{
    const char *path[PATH_MAX_DEPTH] = { NULL };
    if (!json_is_object(root))
        return topo_fail(cx, path, 0, "the file must hold one JSON object");
    if (get_string(cx, root, "name", t->name, sizeof t->name, path, 0, 1) < 0 ||
        get_string(cx, root, "description", t->description, sizeof t->description, path, 0, 0) < 0)
        return -1;
    path[0] = "intra_region_rtt_ms";
    json_t *intra = json_object_get(root, "intra_region_rtt_ms");
    if (!intra)
        return topo_fail(cx, path, 0, "missing \"intra_region_rtt_ms\" (RTT inside one region, ms)");
    if (!json_is_number(intra))
        return topo_fail(cx, path, 1, "must be a number of milliseconds");
    t->intra_region_rtt_ms = json_number_value(intra);
    if (!(t->intra_region_rtt_ms >= 0))
        return topo_fail(cx, path, 1, "negative RTT %g ms (must be >= 0)", t->intra_region_rtt_ms);
    if (parse_regions(cx, root, t) < 0 || parse_rtt(cx, root, t) < 0 ||
        parse_members(cx, root, t) < 0 || parse_placement(cx, root, t) < 0)
        return -1;
    return 0;
}

int topology_parse(const char *text, const char *name, topology **out, char *err, size_t errlen)
{
    int rc = -1;
    json_t *root = NULL;
    topology *t = NULL;
    json_error_t je;
    parse_ctx cx = { text, name ? name : "<string>", err, errlen };

    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        snprintf(err, errlen, "%s:%d: column %d: JSON syntax: %s (fix the file's syntax)",
                 cx.name, je.line, je.column, je.text);
        goto cleanup;
    }
    t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "%s: out of memory", cx.name);
        goto cleanup;
    }
    snprintf(t->path, sizeof t->path, "%s", cx.name);
    t->rtt_scale = 1.0;
    if (parse_root(&cx, root, t) < 0)
        goto cleanup;
    *out = t;
    t = NULL;
    rc = 0;
cleanup:
    free(t);
    json_decref(root);
    return rc;
}

int topology_load(const char *path, topology **out, char *err, size_t errlen)
{
    int rc = -1;
    char *text = NULL;
    FILE *f = fopen(path, "rb");
    *out = NULL;
    if (!f) {
        snprintf(err, errlen, "%s: cannot open topology file (check the path given to --topology)", path);
        goto cleanup;
    }
    if (fseek(f, 0, SEEK_END) < 0)
        goto read_error;
    long len = ftell(f);
    if (len < 0 || len > (16L << 20) || fseek(f, 0, SEEK_SET) < 0)
        goto read_error;
    text = malloc((size_t)len + 1);
    if (!text || fread(text, 1, (size_t)len, f) != (size_t)len)
        goto read_error;
    text[len] = '\0';
    rc = topology_parse(text, path, out, err, errlen);
    goto cleanup;
read_error:
    snprintf(err, errlen, "%s: cannot read topology file (empty, too large or unreadable)", path);
cleanup:
    if (f)
        fclose(f);
    free(text);
    return rc;
}

void topology_free(topology *t)
{
    free(t);
}

int topology_set_rtt_scale(topology *t, double f)
{
    if (!(f > 0) || !isfinite(f))
        return -1;
    t->rtt_scale = f;
    return 0;
}

double topology_rtt_ms(const topology *t, int a, int b)
{
    if (a < 0 || b < 0 || a >= t->n_regions || b >= t->n_regions)
        return 0;
    double ms;
    if (a == b)
        ms = t->rtt[a][a].present ? t->rtt[a][a].ms : t->intra_region_rtt_ms;
    else
        ms = t->rtt[a][b].ms;
    return ms * t->rtt_scale;
}

double topology_member_rtt_ms(const topology *t, int ma, int mb)
{
    if (ma < 0 || mb < 0 || ma >= t->n_members || mb >= t->n_members)
        return 0;
    return topology_rtt_ms(t, t->members[ma].region, t->members[mb].region);
}

int topology_place_agents(const topology *t, int n, int *out_regions)
{
    if (n < 0 || t->n_placement <= 0)
        return -1;
    for (int k = 0; k < n; k++)
        out_regions[k] = t->placement[k % t->n_placement];
    return 0;
}

json_t *topology_to_json(const topology *t)
{
    json_t *root = json_object(), *regions = json_array(), *rtt = json_object(),
           *members = json_array(), *ap = json_object(), *order = json_array();
    if (!root || !regions || !rtt || !members || !ap || !order)
        goto fail;
    json_object_set_new(root, "name", json_string(t->name));
    if (t->description[0])
        json_object_set_new(root, "description", json_string(t->description));
    json_object_set_new(root, "intra_region_rtt_ms", json_real(t->intra_region_rtt_ms));
    json_object_set_new(root, "rtt_scale", json_real(t->rtt_scale));
    for (int i = 0; i < t->n_regions; i++) {
        const topo_region *g = &t->regions[i];
        json_t *r = json_pack("{s:s,s:s,s:s,s:s}", "id", g->id, "provider", g->provider,
                              "name", g->name, "vm_spec", g->vm_spec);
        if (r && g->short_name[0])
            json_object_set_new(r, "short", json_string(g->short_name));
        json_array_append_new(regions, r);
        json_t *row = json_object();
        for (int j = 0; j < t->n_regions; j++) {
            const topo_cell *c = &t->rtt[i][j];
            if (c->present)
                json_object_set_new(row, t->regions[j].id,
                                    json_pack("{s:f,s:s,s:s}", "ms", c->ms, "source", c->source, "date", c->date));
        }
        json_object_set_new(rtt, g->id, row);
    }
    for (int i = 0; i < t->n_members; i++)
        json_array_append_new(members, json_pack("{s:s,s:s}", "name", t->members[i].name,
                                                 "region", t->regions[t->members[i].region].id));
    for (int i = 0; i < t->n_placement; i++)
        json_array_append_new(order, json_string(t->regions[t->placement[i]].id));
    json_object_set_new(root, "regions", regions);
    json_object_set_new(root, "rtt_ms", rtt);
    json_object_set_new(root, "etcd_members", members);
    json_object_set_new(root, "controller_region", json_string(t->regions[t->controller_region].id));
    json_object_set_new(ap, "policy", json_string("round-robin"));
    json_object_set_new(ap, "regions", order);
    json_object_set_new(root, "agent_placement", ap);
    return root;
fail:
    json_decref(root);
    json_decref(regions);
    json_decref(rtt);
    json_decref(members);
    json_decref(ap);
    json_decref(order);
    return NULL;
}
