/* prom.c: Prometheus text exposition format parser (see prom.h). One pass,
 * line by line; label names and unescaped values are copied into one scratch
 * buffer per line so the callback sees NUL-terminated strings. */
#include "sim/etcd/prom.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *prom_type_name(prom_type t)
{
    switch (t) {
    case PROM_COUNTER: return "counter";
    case PROM_GAUGE: return "gauge";
    case PROM_HISTOGRAM: return "histogram";
    case PROM_SUMMARY: return "summary";
    default: return "untyped";
    }
}

typedef struct prom_parser {
    const char *line;      /* current line, without its '\n' (and '\r') */
    size_t len, pos;
    int lineno;
    char *scratch;         /* >= len + 1 bytes per string kind, see prom_line_sample */
    size_t scratch_cap, scratch_used;
    char family[256];      /* from the last TYPE line */
    prom_type family_type;
    prom_error *err;
} prom_parser;

static prom_code prom_syntax(prom_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static prom_code prom_syntax(prom_parser *p, const char *fmt, ...)
{
    if (p->err) {
        va_list ap;
        p->err->line = p->lineno;
        p->err->column = (int)p->pos + 1;
        va_start(ap, fmt);
        vsnprintf(p->err->message, sizeof p->err->message, fmt, ap);
        va_end(ap);
    }
    return PROM_ERR_SYNTAX;
}

static bool prom_at_end(const prom_parser *p) { return p->pos >= p->len; }
static char prom_peek(const prom_parser *p) { return p->pos < p->len ? p->line[p->pos] : 0; }

static void prom_skip_blanks(prom_parser *p)
{
    while (p->pos < p->len && (p->line[p->pos] == ' ' || p->line[p->pos] == '\t'))
        p->pos++;
}

static bool prom_is_name_start(char c, bool colon)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}

static bool prom_is_name_char(char c, bool colon)
{
    return prom_is_name_start(c, colon) || (c >= '0' && c <= '9');
}

/* Copies [s, s+n) NUL-terminated into the line's scratch buffer. */
static char *prom_scratch(prom_parser *p, const char *s, size_t n)
{
    char *d = p->scratch + p->scratch_used;
    memcpy(d, s, n);
    d[n] = 0;
    p->scratch_used += n + 1;
    return d;
}

/* A metric name (colon allowed) or label name; returns its length, 0 if none. */
static size_t prom_read_name(prom_parser *p, bool colon)
{
    size_t start = p->pos;
    if (prom_at_end(p) || !prom_is_name_start(p->line[p->pos], colon))
        return 0;
    while (p->pos < p->len && prom_is_name_char(p->line[p->pos], colon))
        p->pos++;
    return p->pos - start;
}

/* A token up to the next blank or end of line. */
static size_t prom_read_token(prom_parser *p)
{
    size_t start = p->pos;
    while (p->pos < p->len && p->line[p->pos] != ' ' && p->line[p->pos] != '\t')
        p->pos++;
    return p->pos - start;
}

static prom_code prom_line_comment(prom_parser *p)
{
    p->pos++;   /* '#' */
    prom_skip_blanks(p);
    size_t kw_start = p->pos;
    size_t kw = prom_read_token(p);
    bool help = kw == 4 && memcmp(p->line + kw_start, "HELP", 4) == 0;
    bool type = kw == 4 && memcmp(p->line + kw_start, "TYPE", 4) == 0;
    if ((!help && !type) || prom_at_end(p))
        return PROM_OK;   /* a plain comment (also "# HELP" alone: nothing follows) */
    prom_skip_blanks(p);
    size_t name_start = p->pos;
    size_t n = prom_read_name(p, true);
    if (n == 0)
        return prom_syntax(p, "%s line without a valid metric name", help ? "HELP" : "TYPE");
    if (!prom_at_end(p) && prom_peek(p) != ' ' && prom_peek(p) != '\t')
        return prom_syntax(p, "invalid character '%c' in metric name", prom_peek(p));
    if (help) {
        /* Only \\ and \n are escapes in HELP text. */
        for (; p->pos < p->len; p->pos++) {
            if (p->line[p->pos] != '\\')
                continue;
            p->pos++;
            if (p->pos >= p->len || (p->line[p->pos] != '\\' && p->line[p->pos] != 'n'))
                return prom_syntax(p, "invalid escape sequence in HELP text");
        }
        return PROM_OK;
    }
    prom_skip_blanks(p);
    size_t t_start = p->pos;
    size_t tl = prom_read_token(p);
    static const struct { const char *s; prom_type t; } types[] = {
        { "counter", PROM_COUNTER }, { "gauge", PROM_GAUGE }, { "histogram", PROM_HISTOGRAM },
        { "summary", PROM_SUMMARY }, { "untyped", PROM_UNTYPED },
    };
    int found = -1;
    for (int k = 0; k < 5; k++)
        if (strlen(types[k].s) == tl && memcmp(types[k].s, p->line + t_start, tl) == 0)
            found = k;
    if (found < 0) {
        p->pos = t_start;
        return prom_syntax(p, "unknown metric type '%.*s'", (int)(tl > 40 ? 40 : tl),
                           p->line + t_start);
    }
    prom_skip_blanks(p);
    if (!prom_at_end(p))
        return prom_syntax(p, "unexpected text after TYPE");
    if (n >= sizeof p->family)
        return prom_syntax(p, "metric name longer than %zu bytes", sizeof p->family - 1);
    memcpy(p->family, p->line + name_start, n);
    p->family[n] = 0;
    p->family_type = types[found].t;
    return PROM_OK;
}

/* Does `name` belong to the current TYPE'd family? */
static bool prom_in_family(const prom_parser *p, const char *name)
{
    size_t fl = strlen(p->family);
    if (fl == 0 || strncmp(name, p->family, fl) != 0)
        return false;
    const char *suffix = name + fl;
    if (*suffix == 0)
        return true;
    if (p->family_type == PROM_HISTOGRAM)
        return !strcmp(suffix, "_bucket") || !strcmp(suffix, "_sum") || !strcmp(suffix, "_count");
    if (p->family_type == PROM_SUMMARY)
        return !strcmp(suffix, "_sum") || !strcmp(suffix, "_count");
    return false;
}

static prom_code prom_read_labels(prom_parser *p, prom_label *labels, size_t *n_labels)
{
    p->pos++;   /* '{' */
    for (;;) {
        prom_skip_blanks(p);
        if (prom_peek(p) == '}') {
            p->pos++;
            return PROM_OK;
        }
        if (prom_at_end(p))
            return prom_syntax(p, "unterminated label set");
        size_t ns = p->pos;
        size_t nl = prom_read_name(p, false);
        if (nl == 0)
            return prom_syntax(p, "invalid label name");
        if (*n_labels >= PROM_MAX_LABELS)
            return prom_syntax(p, "more than %d labels", PROM_MAX_LABELS);
        prom_label *lb = &labels[*n_labels];
        lb->name = prom_scratch(p, p->line + ns, nl);
        for (size_t k = 0; k < *n_labels; k++)
            if (strcmp(labels[k].name, lb->name) == 0) {
                p->pos = ns;
                return prom_syntax(p, "duplicate label '%s'", lb->name);
            }
        prom_skip_blanks(p);
        if (prom_peek(p) != '=')
            return prom_syntax(p, "expected '=' after label name '%s'", lb->name);
        p->pos++;
        prom_skip_blanks(p);
        if (prom_peek(p) != '"')
            return prom_syntax(p, "expected '\"' to open the value of label '%s'", lb->name);
        p->pos++;
        char *v = p->scratch + p->scratch_used;
        size_t vl = 0;
        for (;;) {
            if (prom_at_end(p))
                return prom_syntax(p, "unterminated value of label '%s'", lb->name);
            char c = p->line[p->pos++];
            if (c == '"')
                break;
            if (c == '\\') {
                char e = prom_peek(p);
                if (e == '\\' || e == '"')
                    c = e;
                else if (e == 'n')
                    c = '\n';
                else
                    return prom_syntax(p, "invalid escape sequence in value of label '%s'",
                                       lb->name);
                p->pos++;
            }
            v[vl++] = c;
        }
        v[vl] = 0;
        p->scratch_used += vl + 1;
        lb->value = v;
        lb->value_len = vl;
        (*n_labels)++;
        prom_skip_blanks(p);
        if (prom_peek(p) == ',') {
            p->pos++;
            continue;
        }
        if (prom_peek(p) == '}') {
            p->pos++;
            return PROM_OK;
        }
        return prom_syntax(p, "expected ',' or '}' after the value of label '%s'", lb->name);
    }
}

static bool prom_parse_value(const char *tok, size_t n, double *out)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, tok, n);
    buf[n] = 0;
    /* strtod also reads "nan(chars)" and "0x" forms; Go's ParseFloat takes
     * hex floats but not nan(...), so refuse parentheses. */
    if (strchr(buf, '('))
        return false;
    char *end = NULL;
    errno = 0;
    double v = strtod(buf, &end);
    if (end != buf + n)
        return false;
    *out = v;   /* ERANGE: strtod gives +-HUGE_VAL or 0, as Go does */
    return true;
}

static prom_code prom_line_sample(prom_parser *p, prom_sample_fn fn, void *ud)
{
    prom_label labels[PROM_MAX_LABELS];
    prom_sample s;
    memset(&s, 0, sizeof s);
    s.line = p->lineno;

    size_t ns = p->pos;
    size_t nl = prom_read_name(p, true);
    if (nl == 0)
        return prom_syntax(p, "invalid metric name");
    s.name = prom_scratch(p, p->line + ns, nl);
    prom_skip_blanks(p);
    if (prom_peek(p) == '{') {
        prom_code c = prom_read_labels(p, labels, &s.n_labels);
        if (c != PROM_OK)
            return c;
    }
    s.labels = labels;
    prom_skip_blanks(p);
    size_t vs = p->pos;
    size_t vl = prom_read_token(p);
    if (vl == 0)
        return prom_syntax(p, "missing value for metric '%s'", s.name);
    if (!prom_parse_value(p->line + vs, vl, &s.value)) {
        p->pos = vs;
        return prom_syntax(p, "invalid value '%.*s' for metric '%s'", (int)(vl > 40 ? 40 : vl),
                           p->line + vs, s.name);
    }
    prom_skip_blanks(p);
    if (!prom_at_end(p)) {
        size_t ts = p->pos;
        size_t tl = prom_read_token(p);
        char buf[32];
        char *end = NULL;
        bool ok = tl > 0 && tl < sizeof buf;
        if (ok) {
            memcpy(buf, p->line + ts, tl);
            buf[tl] = 0;
            errno = 0;
            long long t = strtoll(buf, &end, 10);
            ok = end == buf + tl && errno == 0 && (buf[0] == '-' || (buf[0] >= '0' && buf[0] <= '9'));
            s.timestamp_ms = t;
            s.has_timestamp = ok;
        }
        if (!ok) {
            p->pos = ts;
            return prom_syntax(p, "invalid timestamp '%.*s'", (int)(tl > 40 ? 40 : tl),
                               p->line + ts);
        }
        prom_skip_blanks(p);
        if (!prom_at_end(p))
            return prom_syntax(p, "unexpected text after the timestamp");
    }
    if (prom_in_family(p, s.name)) {
        s.family = p->family;
        s.type = p->family_type;
    } else {
        s.family = s.name;
        s.type = PROM_UNTYPED;
    }
    if (fn && fn(&s, ud) != 0)
        return PROM_STOPPED;
    return PROM_OK;
}

prom_code prom_parse(const char *text, size_t len, prom_sample_fn fn, void *ud, prom_error *err)
{
    prom_parser p;
    memset(&p, 0, sizeof p);
    p.err = err;
    if (err)
        memset(err, 0, sizeof *err);
    if (!text && len > 0) {
        if (err)
            snprintf(err->message, sizeof err->message, "prom_parse: no text");
        return PROM_ERR_INVAL;
    }
    prom_code code = PROM_OK;
    size_t off = 0;
    while (off < len && code == PROM_OK) {
        const char *nl = memchr(text + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - text) : len;
        p.line = text + off;
        p.len = end - off;
        p.pos = 0;
        p.lineno++;
        off = end + 1;
        if (p.len > 0 && p.line[p.len - 1] == '\r')
            p.len--;
        const char *zero = memchr(p.line, 0, p.len);
        if (zero) {
            p.pos = (size_t)(zero - p.line);
            code = prom_syntax(&p, "NUL byte in input");
            break;
        }
        /* Names and unescaped values never exceed the line: 2 * len + slack. */
        if (p.scratch_cap < 2 * p.len + 8) {
            size_t cap = 2 * p.len + 256;
            char *ns = realloc(p.scratch, cap);
            if (!ns) {
                code = PROM_ERR_NOMEM;
                if (err)
                    snprintf(err->message, sizeof err->message, "prom_parse: out of memory");
                break;
            }
            p.scratch = ns;
            p.scratch_cap = cap;
        }
        p.scratch_used = 0;
        prom_skip_blanks(&p);
        if (prom_at_end(&p))
            continue;
        if (prom_peek(&p) == '#')
            code = prom_line_comment(&p);
        else
            code = prom_line_sample(&p, fn, ud);
    }
    free(p.scratch);
    return code;
}

const char *prom_label_get(const prom_sample *s, const char *name)
{
    for (size_t k = 0; k < s->n_labels; k++)
        if (strcmp(s->labels[k].name, name) == 0)
            return s->labels[k].value;
    return NULL;
}

/* ---- prom_sum ------------------------------------------------------------ */

typedef struct prom_filter {
    const char *metric;
    size_t n;
    char names[PROM_MAX_LABELS][128];
    char values[PROM_MAX_LABELS][256];
    double sum;
    size_t matched;
} prom_filter;

/* "a=b,c=\"d,e\"" -> pairs. Returns false on a malformed filter. */
static bool prom_filter_parse(const char *s, prom_filter *f)
{
    f->n = 0;
    if (!s)
        return true;
    const char *c = s;
    while (*c) {
        while (*c == ' ')
            c++;
        if (!*c)
            break;
        if (f->n >= PROM_MAX_LABELS)
            return false;
        size_t nl = 0;
        while (prom_is_name_char(c[nl], false))
            nl++;
        if (nl == 0 || nl >= sizeof f->names[0] || !prom_is_name_start(c[0], false))
            return false;
        memcpy(f->names[f->n], c, nl);
        f->names[f->n][nl] = 0;
        c += nl;
        if (*c != '=')
            return false;
        c++;
        size_t vl = 0;
        char *v = f->values[f->n];
        if (*c == '"') {
            c++;
            while (*c && *c != '"') {
                char ch = *c++;
                if (ch == '\\') {
                    if (*c == 'n')
                        ch = '\n';
                    else if (*c == '\\' || *c == '"')
                        ch = *c;
                    else
                        return false;
                    c++;
                }
                if (vl + 1 >= sizeof f->values[0])
                    return false;
                v[vl++] = ch;
            }
            if (*c != '"')
                return false;
            c++;
        } else {
            while (*c && *c != ',') {
                if (vl + 1 >= sizeof f->values[0])
                    return false;
                v[vl++] = *c++;
            }
        }
        v[vl] = 0;
        f->n++;
        while (*c == ' ')
            c++;
        if (*c == ',')
            c++;
        else if (*c)
            return false;
    }
    return true;
}

static int prom_sum_cb(const prom_sample *s, void *ud)
{
    prom_filter *f = ud;
    if (strcmp(s->name, f->metric) != 0)
        return 0;
    for (size_t k = 0; k < f->n; k++) {
        const char *v = prom_label_get(s, f->names[k]);
        if (!v || strcmp(v, f->values[k]) != 0)
            return 0;
    }
    f->sum += s->value;
    f->matched++;
    return 0;
}

prom_code prom_sum(const char *text, size_t len, const char *metric, const char *label_filter,
                   double *out, size_t *n_matched, prom_error *err)
{
    prom_filter *f = NULL;
    prom_code code = PROM_OK;
    if (out)
        *out = 0;
    if (n_matched)
        *n_matched = 0;
    if (err)
        memset(err, 0, sizeof *err);
    if (!metric || !out) {
        if (err)
            snprintf(err->message, sizeof err->message, "prom_sum: metric and out are required");
        return PROM_ERR_INVAL;
    }
    f = calloc(1, sizeof *f);
    if (!f) {
        code = PROM_ERR_NOMEM;
        goto cleanup;
    }
    f->metric = metric;
    if (!prom_filter_parse(label_filter, f)) {
        if (err)
            snprintf(err->message, sizeof err->message,
                     "prom_sum: malformed label filter '%.100s' (want name=value,...)", label_filter);
        code = PROM_ERR_INVAL;
        goto cleanup;
    }
    code = prom_parse(text, len, prom_sum_cb, f, err);
    if (code != PROM_OK)
        goto cleanup;
    *out = f->sum;
    if (n_matched)
        *n_matched = f->matched;
cleanup:
    free(f);
    return code;
}
