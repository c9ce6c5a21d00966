/* cb_dist.c: the owner's view of a run spread over several processes
 * (cb_run_dist in cb_run.h): each process describes what it ran in one JSON
 * block; the owner merges every other block into its own context, so that
 * cb_run's measurement runs unchanged on the whole run.
 *
 * Times travel relative to each process's t0 (its barrier exit) with that t0
 * on its own clock, and are placed on the owner's clock as
 * t0_k - offset_k + rel, offset_k being the dist's estimate of process k's
 * clock minus the owner's (clock_offset; 0 without it, e.g. one host, one
 * clock): a process that left the barrier late started its agents late, and
 * its times say so. */
#include "sim/cb/cb_internal.h"
#include "sim/cb/cb_end.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double rel(const cb_ctx *x, double t)
{
    return t > 0 ? t - x->t0 : -1;
}

/* rel (>= 0, else never) on the owner's clock; shift = t0_k - offset_k - the owner's t0. */
static double back(const cb_ctx *x, double shift, double r)
{
    return r >= 0 ? x->t0 + shift + r : 0;
}

static void timeline_line(const char *agent, const char *region, cb_event ev, double t_s, void *ud)
{
    json_array_append_new(ud, json_pack("[s,s,i,f]", agent, region, (int)ev, t_s));
}

static json_t *stats_json(const etcd_stats *s)
{
    json_t *a = json_pack("[I,I,I,I,I]", (json_int_t)s->bytes_sent, (json_int_t)s->bytes_received,
                          (json_int_t)s->errors, (json_int_t)s->retries, (json_int_t)s->watch_events);
    for (int i = 0; i < ETCD_OP_T_COUNT; i++)
        json_array_append_new(a, json_integer((json_int_t)s->ops[i]));
    return a;
}

static void stats_add_json(etcd_stats *acc, const json_t *a)
{
    etcd_stats s;
    memset(&s, 0, sizeof s);
    s.bytes_sent = (uint64_t)json_integer_value(json_array_get(a, 0));
    s.bytes_received = (uint64_t)json_integer_value(json_array_get(a, 1));
    s.errors = (uint64_t)json_integer_value(json_array_get(a, 2));
    s.retries = (uint64_t)json_integer_value(json_array_get(a, 3));
    s.watch_events = (uint64_t)json_integer_value(json_array_get(a, 4));
    for (int i = 0; i < ETCD_OP_T_COUNT; i++)
        s.ops[i] = (uint64_t)json_integer_value(json_array_get(a, 5 + (size_t)i));
    etcd_stats_add(acc, &s);
}

static double vm_cpu(cb_agent *a)
{
    double c = 0;
    if (a->vm.ready) {
        pthread_mutex_lock(&a->vm.mu);
        c = a->vm.spent_s;
        pthread_mutex_unlock(&a->vm.mu);
    }
    return c;
}

/* This process's last rule change (by any of its threads, on any agent). */
static int last_rule_change(cb_ctx *x)
{
    int best = -1;
    for (int i = 0; i < x->n_agents; i++)
        if (x->agents[i]->t_rule_changed > 0 &&
            (best < 0 || x->agents[i]->t_rule_changed > x->agents[best]->t_rule_changed))
            best = i;
    return best;
}

static json_t *block_json(cb_ctx *x, const etcd_stats *mine)
{
    const cb_run_dist *d = x->cfg->dist;
    json_t *agents = json_array(), *tl = json_array();
    pthread_mutex_lock(&x->mu);
    int rule = last_rule_change(x);
    for (int i = 0; i < x->n_agents; i++) {
        cb_agent *a = x->agents[i];
        /* the owner's controller stamps rule changes of agents it does not run */
        if (!d->local[i] && a->t_rule_changed <= 0)
            continue;
        json_array_append_new(agents, json_pack("[i,b,b,f,f,f,f,f,I,f]", i, d->local[i] != 0, a->complete,
                                                rel(x, a->t_start), rel(x, a->t_complete), a->t_lock, a->t_fixed,
                                                rel(x, a->t_rule_changed), (json_int_t)a->app_bytes_at_rule_change,
                                                d->local[i] ? vm_cpu(a) : 0.0));
    }
    json_t *b = json_pack("{s:b,s:s,s:i,s:i,s:f,s:f,s:f,s:f,s:I,s:I,s:I,s:f,s:I,s:[f,f,I],s:[i,i,i,i,i,i]}",
                          "owner", d->owner, "error", x->error, "n_complete", x->n_complete,
                          "n_tunneling", x->n_tunneling, "first_start", rel(x, x->first_start),
                          "last_complete", rel(x, x->last_complete), "last_tunneling", rel(x, x->last_tunneling),
                          "last_txn", rel(x, x->last_rule_txn), "bytes", (json_int_t)cb_fid_app_bytes(x),
                          "bytes_txn", (json_int_t)x->app_bytes_at_txn,
                          "bytes_complete", (json_int_t)x->app_bytes_last_complete,
                          "rule_t", rule >= 0 ? rel(x, x->agents[rule]->t_rule_changed) : -1.0,
                          "rule_bytes", (json_int_t)(rule >= 0 ? x->agents[rule]->app_bytes_at_rule_change : 0),
                          "lock", x->lock_wait_sum, x->lock_wait_max, (json_int_t)x->lock_acq,
                          "faults", x->watch_resumes, x->watch_relists, x->lock_retries, x->sessions_renewed,
                          x->freezes, x->freeze_passed);
    pthread_mutex_unlock(&x->mu);
    cb_timeline_each(x->tl, timeline_line, tl);
    json_object_set_new(b, "t0", json_real(x->t0));
    json_object_set_new(b, "stats", stats_json(mine));
    json_object_set_new(b, "agents", agents);
    json_object_set_new(b, "timeline", tl);
    return b;
}

static double jnum(const json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

static uint64_t jint(const json_t *o, const char *k)
{
    return (uint64_t)json_integer_value(json_object_get(o, k));
}

static void later(double *dst, double t)
{
    if (t > *dst)
        *dst = t;
}

/* Another process's agents and timeline into x (owner). */
static void merge_agents(cb_ctx *x, double shift, const json_t *b, cb_dist_merge *m)
{
    size_t k;
    json_t *e;
    json_array_foreach(json_object_get(b, "agents"), k, e) {
        int i = (int)json_integer_value(json_array_get(e, 0));
        if (i < 0 || i >= x->n_agents)
            continue;
        cb_agent *a = x->agents[i];
        double changed = back(x, shift, json_number_value(json_array_get(e, 7)));
        if (changed > a->t_rule_changed) {
            a->t_rule_changed = changed;
            a->app_bytes_at_rule_change = (uint64_t)json_integer_value(json_array_get(e, 8));
        }
        if (!json_is_true(json_array_get(e, 1)))
            continue;
        a->complete = json_is_true(json_array_get(e, 2));
        a->t_start = back(x, shift, json_number_value(json_array_get(e, 3)));
        a->t_complete = back(x, shift, json_number_value(json_array_get(e, 4)));
        a->t_lock = json_number_value(json_array_get(e, 5));
        a->t_fixed = json_number_value(json_array_get(e, 6));
        m->agent_cpu[i] = json_number_value(json_array_get(e, 9));
    }
    json_array_foreach(json_object_get(b, "timeline"), k, e)
        cb_timeline_add(x->tl, json_string_value(json_array_get(e, 0)), json_string_value(json_array_get(e, 1)),
                        (cb_event)json_integer_value(json_array_get(e, 2)),
                        back(x, shift, json_number_value(json_array_get(e, 3))));
}

/* Another process's stamps and counters into x and m (owner). */
static void merge_counters(cb_ctx *x, double shift, const json_t *b, cb_dist_merge *m)
{
    const json_t *lock = json_object_get(b, "lock"), *f = json_object_get(b, "faults");
    double first = back(x, shift, jnum(b, "first_start"));
    if (first > 0 && (x->first_start == 0 || first < x->first_start))
        x->first_start = first;
    later(&x->last_complete, back(x, shift, jnum(b, "last_complete")));
    later(&x->last_tunneling, back(x, shift, jnum(b, "last_tunneling")));
    later(&x->last_rule_txn, back(x, shift, jnum(b, "last_txn")));
    x->n_complete += (int)jint(b, "n_complete");
    x->n_tunneling += (int)jint(b, "n_tunneling");
    __atomic_fetch_add(&x->app_bytes, jint(b, "bytes"), __ATOMIC_RELAXED);
    x->lock_wait_sum += json_number_value(json_array_get(lock, 0));
    if (json_number_value(json_array_get(lock, 1)) > x->lock_wait_max)
        x->lock_wait_max = json_number_value(json_array_get(lock, 1));
    x->lock_acq += (uint64_t)json_integer_value(json_array_get(lock, 2));
    x->watch_resumes += (int)json_integer_value(json_array_get(f, 0));
    x->watch_relists += (int)json_integer_value(json_array_get(f, 1));
    x->lock_retries += (int)json_integer_value(json_array_get(f, 2));
    x->sessions_renewed += (int)json_integer_value(json_array_get(f, 3));
    x->freezes += (int)json_integer_value(json_array_get(f, 4));
    x->freeze_passed += (int)json_integer_value(json_array_get(f, 5));
    stats_add_json(&m->stats, json_object_get(b, "stats"));
}

/* The sizes logged up to each kind of moment: every process's count at its
 * own last event of that kind (cb_run.h says why this is not exact). */
static void merge_bytes(const json_t *b, cb_dist_merge *m, uint64_t *complete_bytes)
{
    uint64_t at_complete = jint(b, "bytes_complete");
    *complete_bytes += at_complete;
    if (jnum(b, "rule_t") >= 0) {
        m->rule_bytes += jint(b, "rule_bytes");
        m->any_rule = true;
    } else {
        m->rule_bytes += at_complete;
    }
    if (jnum(b, "last_txn") >= 0) {
        m->txn_bytes += jint(b, "bytes_txn");
        m->any_txn = true;
    } else {
        m->txn_bytes += at_complete;
    }
}

static int parse_blocks(char **blocks, int n, json_t **out, char *err, size_t err_len)
{
    for (int k = 0; k < n; k++) {
        json_error_t je;
        out[k] = json_loads(blocks[k], 0, &je);
        if (!json_is_object(out[k])) {
            snprintf(err, err_len, "rank %d: unreadable run block: %s", k, je.text);
            return -1;
        }
    }
    return 0;
}

/* Owner: every block (its own first, as it was before any merge). */
static int merge_all(cb_ctx *x, json_t **b, int n, cb_dist_merge *m, char *err, size_t err_len)
{
    uint64_t complete_bytes = 0;
    for (int i = 0; i < x->n_agents; i++)
        if (x->cfg->dist->local[i])
            m->agent_cpu[i] = vm_cpu(x->agents[i]);
    for (int k = 0; k < n; k++)
        merge_bytes(b[k], m, &complete_bytes);
    for (int k = 0; k < n; k++) {
        const char *e = json_string_value(json_object_get(b[k], "error"));
        if (e && *e && !m->error[0])
            snprintf(m->error, sizeof m->error, "rank %d: %.230s", k, e);
        if (json_is_true(json_object_get(b[k], "owner")))
            continue;
        const cb_run_dist *d = x->cfg->dist;
        double shift = jnum(b[k], "t0") - (d->clock_offset ? d->clock_offset(d->ud, k) : 0) - x->t0;
        merge_agents(x, shift, b[k], m);
        merge_counters(x, shift, b[k], m);
    }
    if (x->n_complete == x->n_agents)
        x->app_bytes_all_ips = complete_bytes;
    if (x->n_tunneling == x->n_agents)
        x->all_tunneling = x->last_tunneling;
    (void)err;
    (void)err_len;
    return 0;
}

int cb_dist_collect(cb_ctx *x, cb_dist_merge *m, const etcd_stats *mine, char *err, size_t err_len)
{
    const cb_run_dist *d = x->cfg->dist;
    char **blocks = NULL, *text = NULL;
    json_t **parsed = NULL;
    int n = 0, rc = -1;
    json_t *b = block_json(x, mine);
    memset(m, 0, sizeof *m);
    text = b ? json_dumps(b, JSON_COMPACT) : NULL;
    json_decref(b);
    if (!text) {
        snprintf(err, err_len, "out of memory describing this process's run");
        /* the collective must still happen: an empty block */
    }
    if (d->gather(d->ud, text ? text : "{}", &blocks, &n) != 0) {
        snprintf(err, err_len, "gathering the processes' runs failed");
        goto cleanup;
    }
    if (!d->owner) {
        rc = text ? 0 : -1;
        goto cleanup;
    }
    m->agent_cpu = calloc((size_t)x->n_agents, sizeof *m->agent_cpu);
    parsed = calloc((size_t)n, sizeof *parsed);
    if (!m->agent_cpu || !parsed) {
        snprintf(err, err_len, "out of memory merging the processes' runs");
        goto cleanup;
    }
    if (parse_blocks(blocks, n, parsed, err, err_len) != 0)
        goto cleanup;
    pthread_mutex_lock(&x->mu);
    rc = merge_all(x, parsed, n, m, err, err_len);
    pthread_mutex_unlock(&x->mu);
cleanup:
    for (int k = 0; parsed && k < n; k++)
        json_decref(parsed[k]);
    free(parsed);
    for (int k = 0; blocks && k < n; k++)
        free(blocks[k]);
    free(blocks);
    free(text);
    return rc;
}

void cb_dist_finish(cb_ctx *x, const cb_dist_merge *m, cb_run_result *res)
{
    double sum = 0, max = 0;
    cb_end_times t;
    etcd_stats_add(&res->stats, &m->stats);
    for (int i = 0; m->agent_cpu && i < x->n_agents; i++) {
        sum += m->agent_cpu[i];
        if (m->agent_cpu[i] > max)
            max = m->agent_cpu[i];
    }
    res->agent_cpu_mean_s = x->n_agents > 0 ? sum / x->n_agents : 0;
    res->agent_cpu_max_s = max;
    memset(&t, 0, sizeof t);
    t.rule_bytes = m->any_rule ? m->rule_bytes : res->app_bytes_first_end;
    t.txn_bytes = m->any_txn ? m->txn_bytes : t.rule_bytes;
    res->app_bytes_rule = t.rule_bytes;
    res->app_bytes = cb_end_pick_bytes(x->cfg->end, &t, res->app_bytes_first_end, res->app_bytes_quiescent);
    /* the error named by its rank, over the owner's "another process failed" */
    if (m->error[0]) {
        snprintf(res->error, sizeof res->error, "%s", m->error);
        res->completed = false;
    }
}

void cb_dist_merge_free(cb_dist_merge *m)
{
    free(m->agent_cpu);
    m->agent_cpu = NULL;
}
