/* cb_fidelity.c: what the original measured, counted the original's way:
 * per agent the time of the last change to its rule, and the I/O sizes it
 * logged (protobuf size of Get responses, value length of Put and Txn). */
#include "sim/cb/cb_internal.h"

#include "sim/etcd/etcd_pbsize.h"

void cb_fid_rule_written(cb_ctx *x, cb_agent *a, double t)
{
    if (!a)
        return;
    uint64_t b = cb_fid_app_bytes(x);
    pthread_mutex_lock(&x->mu);
    if (t > a->t_rule_changed) {
        a->t_rule_changed = t;
        a->app_bytes_at_rule_change = b;
    }
    pthread_mutex_unlock(&x->mu);
}

void cb_fid_rule_txn(cb_ctx *x, double t)
{
    pthread_mutex_lock(&x->mu);
    if (t > x->last_rule_txn)
        x->last_rule_txn = t;
    pthread_mutex_unlock(&x->mu);
}

void cb_fid_bytes_get(cb_ctx *x, const etcd_range_result *r)
{
    __atomic_fetch_add(&x->app_bytes, (uint64_t)etcd_pb_range_logged_size(r), __ATOMIC_RELAXED);
}

void cb_fid_bytes_put(cb_ctx *x, size_t value_len)
{
    __atomic_fetch_add(&x->app_bytes, (uint64_t)value_len, __ATOMIC_RELAXED);
}

uint64_t cb_fid_app_bytes(cb_ctx *x)
{
    return __atomic_load_n(&x->app_bytes, __ATOMIC_RELAXED);
}

void cb_fid_mutex_opts(cb_ctx *x, etcd_mutex *m)
{
    if (m)
        etcd_mutex_set_get_after_wait(m, x->mutex_get_after_wait);
}
