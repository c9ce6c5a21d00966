/* fault.c: fault spec parser and timed scheduler (see fault.h). */
#include "sim/fault/fault.h"
#include "sim/util/util_clock.h"
#include "sim/util/util_err.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const verb_names[FAULT_VERB_COUNT] = {
    "kill", "restart", "partition", "heal", "spike", "clear", "redeploy", "freeze-holder", "compact"};

const char *fault_verb_name(fault_verb v)
{
    return (unsigned)v < FAULT_VERB_COUNT ? verb_names[v] : "?";
}

/* The second step each first step accepts (-1: none). */
static int undo_of(fault_verb v)
{
    switch (v) {
    case FAULT_KILL: return FAULT_RESTART;
    case FAULT_PARTITION: return FAULT_HEAL;
    case FAULT_SPIKE: return FAULT_CLEAR;
    default: return -1;
    }
}

/* ---- parsing ---- */

typedef struct pctx {
    char *err;
    size_t err_len;
    int fault;          /* 1-based for messages */
    const char *text;   /* the fault as written */
} pctx;

static int perr(pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(pctx *c, const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(c->err, c->err_len, "fault %d \"%.80s\": %s", c->fault, c->text, what);
    util_one_line(c->err);   /* the spec's own text may hold a newline */
    return -1;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* "250ms", "2s", "1.5m", "3" -> seconds (>= 0, finite). */
static int parse_time(const char *s, double *out)
{
    char *end;
    if (!*s || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !isfinite(v) || v < 0)
        return -1;
    if (*end == '\0' || strcmp(end, "s") == 0)
        *out = v;
    else if (strcmp(end, "ms") == 0)
        *out = v / 1000.0;
    else if (strcmp(end, "m") == 0)
        *out = v * 60.0;
    else
        return -1;
    return isfinite(*out) ? 0 : -1;   /* "1e308m" overflows to inf */
}

static int copy_name(pctx *c, char *dst, const char *src, const char *field)
{
    if (!*src)
        return perr(c, "%s is empty", field);
    if (strlen(src) >= FAULT_NAME_LEN)
        return perr(c, "%s \"%.40s...\" is longer than %d characters", field, src, FAULT_NAME_LEN - 1);
    for (const char *p = src; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.'))
            return perr(c, "%s \"%s\": character '%c' not allowed (letters, digits, - _ .)", field, src, *p);
    snprintf(dst, FAULT_NAME_LEN, "%s", src);
    return 0;
}

#define TIME_HELP "expected a time such as 5s, 250ms or 1.5m"

static int parse_first(pctx *c, char *step, fault_action *a)
{
    char *at = strchr(step, '@');
    if (!at)
        return perr(c, "missing '@TIME' (e.g. kill:sin@5s)");
    *at = '\0';
    char *head = step, *when = at + 1, *arg = strchr(head, ':');
    if (arg)
        *arg++ = '\0';
    head = trim(head);
    int v = -1;
    for (int i = 0; i < FAULT_VERB_COUNT; i++)
        if (strcmp(head, verb_names[i]) == 0)
            v = i;
    if (v < 0 || v == FAULT_RESTART || v == FAULT_HEAL || v == FAULT_CLEAR)
        return perr(c, "kind \"%s\": expected kill, partition, spike, redeploy, freeze-holder or compact", head);
    a->verb = (fault_verb)v;
    /* redeploy's region may follow the time: agent3@4s>gcp-asia-east1 */
    char *after = strchr(when, '>');
    if (after)
        *after++ = '\0';
    when = trim(when);
    if (parse_time(when, &a->t_s) != 0)
        return perr(c, "time \"%s\": " TIME_HELP, when);
    if (after && a->verb != FAULT_REDEPLOY)
        return perr(c, "unexpected \">%s\" after the time (only redeploy takes >REGION there)", after);
    switch (a->verb) {
    case FAULT_KILL:
    case FAULT_PARTITION:
        if (!arg)
            return perr(c, "member missing: %s:MEMBER@TIME", head);
        return copy_name(c, a->target, trim(arg), "member");
    case FAULT_SPIKE: {
        if (!arg)
            return perr(c, "link missing: spike:REGION>MEMBER+DELAY@TIME");
        char *gt = strchr(arg, '>'), *plus = strrchr(arg, '+');
        if (!gt || !plus || plus < gt)
            return perr(c, "link \"%s\": expected REGION>MEMBER+DELAY (e.g. aws-us-east-1>a-sel+200ms)", arg);
        *gt = '\0';
        *plus = '\0';
        if (copy_name(c, a->target, trim(arg), "region") || copy_name(c, a->dest, trim(gt + 1), "member"))
            return -1;
        double d;
        char *ds = trim(plus + 1);
        if (parse_time(ds, &d) != 0 || d <= 0)
            return perr(c, "delay \"%s\": expected a positive delay such as 200ms", ds);
        a->amount = d * 1000.0;
        return 0;
    }
    case FAULT_REDEPLOY: {
        if (!arg)
            return perr(c, "agent missing: redeploy:agentI@TIME>REGION");
        char *gt = strchr(arg, '>');
        if (gt) {
            if (after)
                return perr(c, "region given twice");
            *gt = '\0';
            after = gt + 1;
        }
        if (!after)
            return perr(c, "region missing: redeploy:agentI@TIME>REGION");
        arg = trim(arg);
        char *end;
        if (strncmp(arg, "agent", 5) != 0 || !isdigit((unsigned char)arg[5]))
            return perr(c, "agent \"%s\": expected agentI, I the agent's 0-based index (e.g. agent3)", arg);
        errno = 0;
        long idx = strtol(arg + 5, &end, 10);
        if (errno || *end || idx < 0 || idx > 100000)
            return perr(c, "agent \"%s\": expected agentI, I the agent's 0-based index (e.g. agent3)", arg);
        a->agent = (int)idx;
        return copy_name(c, a->target, arg, "agent") || copy_name(c, a->dest, trim(after), "region") ? -1 : 0;
    }
    case FAULT_FREEZE:
        if (arg) {
            char *ds = trim(arg);
            if (parse_time(ds, &a->amount) != 0 || a->amount <= 0)
                return perr(c, "stall \"%s\": expected a positive duration such as 10s", ds);
        }
        return 0;
    case FAULT_COMPACT:
        if (arg)
            return perr(c, "compact takes no argument (compact@TIME)");
        return 0;
    default:
        return perr(c, "internal: unhandled kind");
    }
}

static int parse_second(pctx *c, char *step, const fault_action *first, fault_action *a)
{
    int want = undo_of(first->verb);
    if (want < 0)
        return perr(c, "%s takes one step only; \"%s\" is one too many", verb_names[first->verb], trim(step));
    char *at = strchr(step, '@');
    if (!at)
        return perr(c, "step \"%s\": missing '@TIME' (e.g. %s@15s)", trim(step), verb_names[want]);
    *at = '\0';
    char *verb = trim(step), *when = trim(at + 1);
    if (strcmp(verb, verb_names[want]) != 0)
        return perr(c, "step \"%s\": after %s expected %s@TIME", verb, verb_names[first->verb], verb_names[want]);
    *a = *first;
    a->verb = (fault_verb)want;
    if (parse_time(when, &a->t_s) != 0)
        return perr(c, "time \"%s\": " TIME_HELP, when);
    if (a->t_s <= first->t_s)
        return perr(c, "%s@%s must come after %s@%gs", verb, when, verb_names[first->verb], first->t_s);
    return 0;
}

static int by_time(const void *x, const void *y)
{
    const fault_action *a = x, *b = y;
    if (a->t_s != b->t_s)
        return a->t_s < b->t_s ? -1 : 1;
    if (a->fault != b->fault)
        return a->fault - b->fault;
    return (int)a->verb - (int)b->verb;
}

int fault_parse(const char *spec, fault_plan *out, char *err, size_t err_len)
{
    int rc = -1;
    memset(out, 0, sizeof *out);
    char *buf = strdup(spec ? spec : "");
    if (!buf) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    if (!*trim(buf)) {
        snprintf(err, err_len, "empty fault spec: expected e.g. kill:sin@5s,restart@15s");
        goto cleanup;
    }
    int k = 0;
    /* split by hand: strtok would skip an empty fault between two ';' */
    for (char *tok = buf, *semi; tok; tok = semi) {
        semi = strchr(tok, ';');
        if (semi)
            *semi++ = '\0';
        k++;
        char orig[128];
        snprintf(orig, sizeof orig, "%s", trim(tok));
        pctx c = {.err = err, .err_len = err_len, .fault = k, .text = orig};
        if (!*orig) {
            perr(&c, "empty fault (two ';' in a row?)");
            goto cleanup;
        }
        if (strncmp(orig, "session-ttl:", 12) == 0) {
            /* a setting, not an action: the sessions' TTL for this run */
            double ttl;
            if (parse_time(trim(orig + 12), &ttl) != 0 || ttl < 1 || ttl > 3600 || ttl != (double)(long)ttl) {
                perr(&c, "session TTL \"%s\": expected whole seconds from 1s to 3600s", trim(orig + 12));
                goto cleanup;
            }
            out->session_ttl_s = (int)ttl;
            continue;
        }
        char *steps = trim(tok), *ssave = NULL;
        fault_action first;
        int n_steps = 0;
        /* count empty steps too: strtok_r would skip ",," */
        if (strstr(steps, ",,") || steps[strlen(steps) - 1] == ',' || steps[0] == ',') {
            perr(&c, "empty step (stray ',')");
            goto cleanup;
        }
        for (char *s = steps;; s = NULL) {
            char *st = strtok_r(s, ",", &ssave);
            if (!st)
                break;
            if (out->n >= FAULT_MAX_ACTIONS) {
                perr(&c, "more than %d actions in the spec", FAULT_MAX_ACTIONS);
                goto cleanup;
            }
            fault_action *a = &out->a[out->n];
            memset(a, 0, sizeof *a);
            if (n_steps == 0) {
                if (parse_first(&c, st, a) != 0)
                    goto cleanup;
                a->fault = k - 1;
                first = *a;
            } else if (parse_second(&c, st, &first, a) != 0) {
                goto cleanup;
            } else if (n_steps > 1) {
                perr(&c, "at most two steps per fault");
                goto cleanup;
            }
            n_steps++;
            out->n++;
        }
    }
    out->n_faults = k;
    qsort(out->a, out->n, sizeof out->a[0], by_time);
    rc = 0;
cleanup:
    free(buf);
    if (rc != 0)
        out->n = 0;
    return rc;
}

double fault_plan_end_s(const fault_plan *p)
{
    return p->n ? p->a[p->n - 1].t_s : 0;
}

void fault_action_format(const fault_action *a, char *buf, size_t len)
{
    switch (a->verb) {
    case FAULT_SPIKE:
        snprintf(buf, len, "spike:%s>%s+%gms@%.3fs", a->target, a->dest, a->amount, a->t_s);
        break;
    case FAULT_CLEAR:
        snprintf(buf, len, "clear:%s>%s@%.3fs", a->target, a->dest, a->t_s);
        break;
    case FAULT_REDEPLOY:
        snprintf(buf, len, "redeploy:%s@%.3fs>%s", a->target, a->t_s, a->dest);
        break;
    case FAULT_FREEZE:
        if (a->amount > 0)
            snprintf(buf, len, "freeze-holder:%gs@%.3fs", a->amount, a->t_s);
        else
            snprintf(buf, len, "freeze-holder@%.3fs", a->t_s);
        break;
    case FAULT_COMPACT:
        snprintf(buf, len, "compact@%.3fs", a->t_s);
        break;
    default:
        snprintf(buf, len, "%s:%s@%.3fs", verb_names[a->verb], a->target, a->t_s);
    }
}

int fault_plan_check(const fault_plan *p, const fault_resolver *r, char *err, size_t err_len)
{
    for (size_t i = 0; i < p->n; i++) {
        const fault_action *a = &p->a[i];
        char what[160];
        fault_action_format(a, what, sizeof what);
        if (r->horizon_s > 0 && !(a->t_s < r->horizon_s)) {
            snprintf(err, err_len, "fault %d (%s): at %gs, not before the run's timeout of %gs, so it would never "
                     "fire (move it earlier or raise --timeout)", a->fault + 1, what, a->t_s, r->horizon_s);
            return -1;
        }
        switch (a->verb) {
        case FAULT_KILL:
        case FAULT_PARTITION:
            if (r->member && r->member(r->ud, a->target) < 0) {
                snprintf(err, err_len, "fault %d (%s): member \"%s\" unknown", a->fault + 1, what, a->target);
                return -1;
            }
            break;
        case FAULT_SPIKE:
            if (r->region && r->region(r->ud, a->target) < 0) {
                snprintf(err, err_len, "fault %d (%s): region \"%s\" unknown", a->fault + 1, what, a->target);
                return -1;
            }
            if (r->member && r->member(r->ud, a->dest) < 0) {
                snprintf(err, err_len, "fault %d (%s): member \"%s\" unknown", a->fault + 1, what, a->dest);
                return -1;
            }
            break;
        case FAULT_REDEPLOY:
            if (r->n_agents > 0 && a->agent >= r->n_agents) {
                snprintf(err, err_len, "fault %d (%s): agent %d out of range (the run has agents 0..%d)",
                         a->fault + 1, what, a->agent, r->n_agents - 1);
                return -1;
            }
            if (r->region && r->region(r->ud, a->dest) < 0) {
                snprintf(err, err_len, "fault %d (%s): region \"%s\" unknown", a->fault + 1, what, a->dest);
                return -1;
            }
            break;
        default:
            break;
        }
    }
    return 0;
}

/* ---- scheduler ---- */

struct fault_sched {
    fault_plan plan;
    fault_ops ops;
    fault_outcome out[FAULT_MAX_ACTIONS];
    pthread_t th;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    size_t next;          /* index of the next action to run */
    bool running;         /* a callback is running */
    double t0;
};

static struct timespec abs_ts(double t)
{
    struct timespec ts;
    ts.tv_sec = (time_t)t;
    ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

static void *sched_main(void *arg)
{
    fault_sched *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->stop && s->next < s->plan.n) {
        const fault_action *a = &s->plan.a[s->next];
        struct timespec dl = abs_ts(s->t0 + a->t_s);
        if (util_now_s() < s->t0 + a->t_s) {
            pthread_cond_timedwait(&s->cv, &s->mu, &dl);
            continue;   /* re-check stop and the clock */
        }
        fault_outcome *o = &s->out[s->next];
        s->running = true;
        pthread_mutex_unlock(&s->mu);
        double t = util_now_s();
        o->actual_s = t - s->t0;
        o->rc = s->ops.fn[a->verb](s->ops.ud, a, o->msg, sizeof o->msg);
        o->took_s = util_now_s() - t;
        o->ran = true;
        pthread_mutex_lock(&s->mu);
        s->running = false;
        s->next++;
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

int fault_sched_start(const fault_plan *p, const fault_ops *ops, fault_sched **out, char *err, size_t err_len)
{
    *out = NULL;
    for (size_t i = 0; i < p->n; i++)
        if (!ops->fn[p->a[i].verb]) {
            snprintf(err, err_len, "fault %d: %s is not supported here", p->a[i].fault + 1,
                     verb_names[p->a[i].verb]);
            return -1;
        }
    fault_sched *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    s->plan = *p;
    s->ops = *ops;
    for (size_t i = 0; i < p->n; i++)
        s->out[i].action = p->a[i];
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    s->t0 = util_now_s();
    if (pthread_create(&s->th, NULL, sched_main, s) != 0) {
        snprintf(err, err_len, "cannot start the fault scheduler thread");
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
        free(s);
        return -1;
    }
    s->started = true;
    *out = s;
    return 0;
}

bool fault_sched_pending(fault_sched *s)
{
    if (!s)
        return false;
    pthread_mutex_lock(&s->mu);
    bool p = !s->stop && (s->next < s->plan.n || s->running);
    pthread_mutex_unlock(&s->mu);
    return p;
}

void fault_sched_stop(fault_sched *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (s->started)
        pthread_join(s->th, NULL);
    s->started = false;
}

const fault_outcome *fault_sched_outcomes(fault_sched *s, size_t *n)
{
    *n = s->plan.n;
    return s->out;
}

int fault_sched_failures(fault_sched *s)
{
    int f = 0;
    for (size_t i = 0; i < s->plan.n; i++)
        if (s->out[i].ran && s->out[i].rc != 0)
            f++;
    return f;
}

void fault_sched_free(fault_sched *s)
{
    if (!s)
        return;
    fault_sched_stop(s);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}
