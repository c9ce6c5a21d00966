/* cb_timeline.c: thread-safe event collection and JSONL output. */
#include "sim/cb/cb_timeline.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const names[CB_EV_COUNT] = {
    "start", "lock_asked", "lock_held", "lock_released", "host_info_put",
    "peer_configuring_seen", "tunneling_put", "rule_complete",
};

typedef struct tl_entry {
    char agent[48];
    char region[48];
    cb_event ev;
    double t_s;
} tl_entry;

struct cb_timeline {
    pthread_mutex_t mu;
    double t0;
    tl_entry *e;
    size_t n, cap;
};

const char *cb_event_name(cb_event e)
{
    return (unsigned)e < CB_EV_COUNT ? names[e] : "unknown";
}

cb_timeline *cb_timeline_new(double t0)
{
    cb_timeline *tl = calloc(1, sizeof *tl);
    if (!tl)
        return NULL;
    pthread_mutex_init(&tl->mu, NULL);
    tl->t0 = t0;
    return tl;
}

void cb_timeline_free(cb_timeline *tl)
{
    if (!tl)
        return;
    pthread_mutex_destroy(&tl->mu);
    free(tl->e);
    free(tl);
}

void cb_timeline_add(cb_timeline *tl, const char *agent, const char *region, cb_event ev, double t)
{
    if (!tl)
        return;
    pthread_mutex_lock(&tl->mu);
    if (tl->n == tl->cap) {
        size_t cap = tl->cap ? tl->cap * 2 : 256;
        tl_entry *e = realloc(tl->e, cap * sizeof *e);
        if (!e) {
            /* A lost timeline line must not stop the run; the count shows it. */
            pthread_mutex_unlock(&tl->mu);
            return;
        }
        tl->e = e;
        tl->cap = cap;
    }
    tl_entry *x = &tl->e[tl->n++];
    snprintf(x->agent, sizeof x->agent, "%s", agent ? agent : "");
    snprintf(x->region, sizeof x->region, "%s", region ? region : "");
    x->ev = ev;
    x->t_s = t - tl->t0;
    pthread_mutex_unlock(&tl->mu);
}

size_t cb_timeline_count(cb_timeline *tl)
{
    pthread_mutex_lock(&tl->mu);
    size_t n = tl->n;
    pthread_mutex_unlock(&tl->mu);
    return n;
}

/* JSON string escaping for the few characters that need it. */
static int put_json_str(char *buf, size_t cap, size_t *at, const char *s)
{
    if (*at + 1 >= cap)
        return -1;
    buf[(*at)++] = '"';
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char tmp[8];
        const char *w = tmp;
        if (c == '"' || c == '\\')
            snprintf(tmp, sizeof tmp, "\\%c", c);
        else if (c < 0x20)
            snprintf(tmp, sizeof tmp, "\\u%04x", c);
        else
            tmp[0] = (char)c, tmp[1] = '\0';
        size_t l = strlen(w);
        if (*at + l + 1 >= cap)
            return -1;
        memcpy(buf + *at, w, l);
        *at += l;
    }
    buf[(*at)++] = '"';
    return 0;
}

int cb_timeline_encode(char *buf, size_t cap, const char *agent, const char *region, cb_event ev,
                       double t_s)
{
    size_t at = 0;
    int n;
#define LIT(s)                                                                                     \
    do {                                                                                           \
        size_t l_ = strlen(s);                                                                     \
        if (at + l_ >= cap)                                                                        \
            return -1;                                                                             \
        memcpy(buf + at, s, l_);                                                                   \
        at += l_;                                                                                  \
    } while (0)
    LIT("{\"agent\":");
    if (put_json_str(buf, cap, &at, agent) != 0)
        return -1;
    LIT(",\"region\":");
    if (put_json_str(buf, cap, &at, region) != 0)
        return -1;
    LIT(",\"event\":");
    if (put_json_str(buf, cap, &at, cb_event_name(ev)) != 0)
        return -1;
#undef LIT
    n = snprintf(buf + at, cap - at, ",\"t_s\":%.6f}\n", t_s);
    if (n < 0 || (size_t)n >= cap - at)
        return -1;
    return (int)(at + (size_t)n);
}

static int by_time(const void *a, const void *b)
{
    const tl_entry *x = a, *y = b;
    return (x->t_s > y->t_s) - (x->t_s < y->t_s);
}

void cb_timeline_each(cb_timeline *tl, cb_timeline_fn fn, void *ud)
{
    if (!tl)
        return;
    pthread_mutex_lock(&tl->mu);
    for (size_t i = 0; i < tl->n; i++)
        fn(tl->e[i].agent, tl->e[i].region, tl->e[i].ev, tl->e[i].t_s, ud);
    pthread_mutex_unlock(&tl->mu);
}

int cb_timeline_write(cb_timeline *tl, const char *path)
{
    int rc = -1;
    pthread_mutex_lock(&tl->mu);
    FILE *f = fopen(path, "w");
    if (!f)
        goto cleanup;
    /* Stable enough: ties keep insertion order on glibc's merge sort. */
    qsort(tl->e, tl->n, sizeof *tl->e, by_time);
    for (size_t i = 0; i < tl->n; i++) {
        char line[256];
        int l = cb_timeline_encode(line, sizeof line, tl->e[i].agent, tl->e[i].region, tl->e[i].ev,
                                   tl->e[i].t_s);
        if (l < 0 || fwrite(line, 1, (size_t)l, f) != (size_t)l) {
            errno = l < 0 ? EOVERFLOW : errno;
            fclose(f);
            goto cleanup;
        }
    }
    rc = fclose(f) == 0 ? 0 : -1;
cleanup:
    pthread_mutex_unlock(&tl->mu);
    return rc;
}
