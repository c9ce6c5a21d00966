/* cb_cost.c: the VM cost model (see cb_cost.h). */
#include "sim/cb/cb_cost.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <time.h>

#include "sim/cb/cb_internal.h"

/* ---- line counts ---- */

double cb_cost_lines_peer_source(int n, int appends)
{
    /* per source: 11 fixed, n "A peer", per other destination 4 (2 in
     * SelectDestinationByRuleType, "Selected IP", "A rule"), +1 per new
     * entry; 2 in the caller before the goroutine starts */
    return 5.0 * n + 9.0 + appends;
}

double cb_cost_lines_peer_event(int n, int appends)
{
    if (n < 2)
        return 18;
    return 5.0 * n * n + 9.0 * n + 22.0 + appends;
}

double cb_cost_lines_peer_event_locked(int n, int appends)
{
    /* outside the lock: the watch line, 5 in the claim, 2 before Lock, 2 after Unlock */
    return cb_cost_lines_peer_event(n, appends) - 10;
}

double cb_cost_lines_host_event(void) { return 39; }
double cb_cost_lines_host_event_locked(void) { return 26; }

double cb_cost_lines_init_lock(int k) { return 5.0 + 6.0 * k; }

/* every after-mode event: "Pushed", StorePeer 4, getRuleType 7 */
#define AGENT_EV_COMMON 12

double cb_cost_lines_agent_event(int kind, int m, int appends)
{
    switch (kind) {
    case CB_COST_EV_OWN_CONFIGURING:
        /* 1 + interface 14 + 1, rule update 6m + 11 only with other peers, 1 + state put 6 */
        return AGENT_EV_COMMON + 1 + 14 + 1 + (m > 0 ? 6.0 * m + 11 : 0) + 1 + 6;
    case CB_COST_EV_OWN_TUNNELING:
        return AGENT_EV_COMMON + 1 + 6.0 * m + 11;
    case CB_COST_EV_OTHER:
        return AGENT_EV_COMMON + 1;
    case CB_COST_EV_OTHER_TUNNELING:
        /* one pair (4, +1 when new), UpdateNetworkingRule 4, 5 around the CAS, End */
        return AGENT_EV_COMMON + 1 + 15 + appends;
    }
    return 0;
}

double cb_cost_lines_run_before(int N)
{
    double s = 0;
    for (int k = 1; k <= N; k++)
        s += cb_cost_lines_peer_event(k, k >= 2 ? 2 * (k - 1) : 0);
    return s + N * cb_cost_lines_peer_event(N, 0);
}

/* ---- the server ---- */

double cb_vm_slot(double now, double *busy_until, double cost_s, double speed)
{
    if (!(cost_s > 0))
        return now;
    double start = now > *busy_until ? now : *busy_until;
    *busy_until = start + cost_s / (speed > 0 ? speed : 1.0);
    return *busy_until;
}

void cb_vm_init(cb_vm *vm, const cb_cost *k, const cb_vm_class *cls, double speed_factor, double file_factor)
{
    memset(vm, 0, sizeof *vm);
    pthread_mutex_init(&vm->mu, NULL);
    snprintf(vm->cls, sizeof vm->cls, "%s", cls ? cls->name : "");
    vm->speed = (cls ? cls->speed : 1.0) * (speed_factor > 0 ? speed_factor : 1.0);
    vm->line_s = k->line_s * (file_factor > 0 ? file_factor : 1.0);
    vm->ready = true;
}

void cb_vm_destroy(cb_vm *vm)
{
    if (vm->ready)
        pthread_mutex_destroy(&vm->mu);
    vm->ready = false;
}

static cb_profile g_ideal;
static pthread_once_t g_ideal_once = PTHREAD_ONCE_INIT;

static void ideal_init(void)
{
    cb_profile_ideal(&g_ideal);
}

int cb_cost_attach(cb_ctx *x)
{
    pthread_once(&g_ideal_once, ideal_init);
    const cb_profile *p = x->cfg && x->cfg->profile ? x->cfg->profile : &g_ideal;
    double scale = x->cfg && x->cfg->delay_scale > 0 ? x->cfg->delay_scale : 1.0;
    x->profile = p;
    x->cost = NULL;
    x->agent_state_from_event = p->agent_state_from_event;
    x->run_sleep_s = p->run_sleep_s * scale;
    x->second_public_ip = p->second_public_ip;
    x->mutex_get_after_wait = p->mutex_get_after_wait;
    if (!p->cost_model)
        return 0;
    cb_cost *k = calloc(1, sizeof *k);
    if (!k)
        return -1;
    /* a run compressed as a whole (time_scale) compresses the VMs' CPU too */
    double ts = x->cfg && x->cfg->time_scale > 0 ? x->cfg->time_scale : 1.0;
    k->prof = p;
    k->line_s = p->c_line_us * 1e-6 * ts;
    k->peer_decode_s = p->c_peer_decode_us * 1e-6 * ts;
    k->rule_entry_s = p->c_rule_codec_per_entry_us * 1e-6 * ts;
    k->iface_s = p->c_iface_exec_us * 1e-6 * ts;
    x->cost = k;
    return 0;
}

void cb_cost_detach(cb_ctx *x)
{
    free(x->cost);
    x->cost = NULL;
}

/* Sleeps until t (a util_now_s() time) unless the run stops first. */
static int sleep_until(cb_ctx *x, double t)
{
    struct timespec dl;
    double sec = floor(t);
    dl.tv_sec = (time_t)sec;
    dl.tv_nsec = (long)((t - sec) * 1e9);
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&x->mu);
    while (!x->stop && util_now_s() < t) {
        if (pthread_cond_timedwait(&x->cv, &x->mu, &dl) == ETIMEDOUT)
            break;
    }
    int rc = x->stop ? -1 : 0;
    pthread_mutex_unlock(&x->mu);
    return rc;
}

static double cost_s(const cb_cost *k, const cb_vm *vm, double lines, double codecs, double entries)
{
    return lines * vm->line_s + codecs * k->peer_decode_s + entries * k->rule_entry_s;
}

static int spend_s(cb_ctx *x, cb_vm *vm, double c)
{
    if (!(c > 0))
        return 0;
    pthread_mutex_lock(&vm->mu);
    double finish = cb_vm_slot(util_now_s(), &vm->busy_until, c, vm->speed);
    vm->spent_s += c / vm->speed;
    pthread_mutex_unlock(&vm->mu);
    return sleep_until(x, finish);
}

static void count_lines(cb_vm *vm, double lines)
{
    pthread_mutex_lock(&vm->mu);
    vm->lines += lines;
    pthread_mutex_unlock(&vm->mu);
}

int cb_cost_spend(cb_ctx *x, cb_vm *vm, double lines, double codecs, double entries)
{
    if (!x->cost || !vm || !vm->ready)
        return 0;
    count_lines(vm, lines);
    return spend_s(x, vm, cost_s(x->cost, vm, lines, codecs, entries));
}

int cb_cost_charge(cb_ctx *x, cb_vm *vm, double *pending_s, double lines, double codecs, double entries)
{
    if (!x->cost || !vm || !vm->ready)
        return 0;
    count_lines(vm, lines);
    *pending_s += cost_s(x->cost, vm, lines, codecs, entries);
    if (*pending_s < 1e-3)
        return 0;
    return cb_cost_flush(x, vm, pending_s);
}

int cb_cost_flush(cb_ctx *x, cb_vm *vm, double *pending_s)
{
    if (!x->cost || !vm || !vm->ready)
        return 0;
    double c = *pending_s;
    *pending_s = 0;
    return spend_s(x, vm, c);
}

int cb_cost_iface(cb_ctx *x, cb_vm *vm)
{
    if (!x->cost || !vm || !vm->ready)
        return 0;
    return spend_s(x, vm, x->cost->iface_s);
}
