/* bench_record.c: run records as JSON and CSV (see bench_record.h). */
#include "bench/bench_record.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* Same order as etcd_optype (sim/etcd/etcd_client.h); kept here so records do not
 * depend on the client library being linked. */
static const char *const op_names[ETCD_OP_T_COUNT] = {
    "range", "put", "delete", "txn", "lease_grant", "lease_keepalive", "lease_revoke",
    "lease_ttl", "watch", "lock", "unlock", "compact", "maintenance",
};

/* The record of one run, in key order.
 *   D(name, presence, kind, unit, description)
 *       not a plain counter (run identity, sums derived from nested detail,
 *       the verdict, arrays): its value is rec_<name>(m) below
 *   CB(GROUP, presence)     the plain counters CB_COUNTERS_<GROUP> of cb_run_result
 *   BENCH(GROUP, presence)  the plain counters BENCH_COUNTERS_<GROUP> of bench_meas
 *   F(name, kind, unit, description)   written by bench_fault_end (bench_fault.c)
 * presence: ALWAYS, RAN (only when cb_run executed), FAULT (faulted sweeps
 * only); kind: SUMMARY (a summary.csv column, in this order), DETAIL,
 * NESTED (an array or object). */
#define BENCH_RECORD(D, CB, BENCH, F)                                                                       \
    D(run_id, ALWAYS, SUMMARY, "", "the sweep's id")                                                        \
    D(mode, ALWAYS, SUMMARY, "", "the mode (`geokv-bench run --help` lists them, sim/cb/cb_modes.c)")        \
    D(n, ALWAYS, SUMMARY, "agents", "number of agents (VMs)")                                                \
    D(rep, ALWAYS, SUMMARY, "", "repetition, from 1")                                                        \
    D(order, ALWAYS, SUMMARY, "", "position of this run in the sweep's (seeded, shuffled) order, from 1")   \
    D(seed, ALWAYS, SUMMARY, "", "sweep seed")                                                               \
    D(rtt_scale, ALWAYS, SUMMARY, "", "factor applied to every WAN delay (0 without the WAN emulator)")     \
    D(delay_scale, ALWAYS, DETAIL, "", "factor applied to the protocol's fixed delays")                     \
    D(time_scale, ALWAYS, SUMMARY, "",                                                                       \
      "the factor the run's times were compressed by as a whole (`--time-scale`; 1 when nothing was "        \
      "scaled): the *_full_s columns are the measured times divided by it; null when --rtt-scale or "        \
      "--delay-scale alone scaled some delays only, which no single factor undoes")                        \
    D(fault, ALWAYS, SUMMARY, "", "fault spec, empty when none")                                            \
    D(leader, ALWAYS, SUMMARY, "", "name of the member that led during the run")                           \
    D(leader_changed, ALWAYS, DETAIL, "", "leadership moved during the run")                               \
    D(completed, ALWAYS, DETAIL, "", "every agent completed before the timeout")                            \
    CB(TIMING, ALWAYS)                                                                                       \
    D(setup_full_s, ALWAYS, SUMMARY, "s",                                                                    \
      "setup_s rescaled to full time: setup_s / time_scale; null unless the run completed and time_scale "   \
      "is known")                                                                                           \
    D(setup_rule_full_s, ALWAYS, DETAIL, "s", "setup_rule_s / time_scale (null as setup_full_s)")           \
    D(setup_ips_full_s, ALWAYS, DETAIL, "s", "setup_ips_s / time_scale (null as setup_full_s)")             \
    D(setup_tunneling_full_s, ALWAYS, DETAIL, "s", "setup_tunneling_s / time_scale (null as setup_full_s)") \
    D(setup_txn_full_s, ALWAYS, DETAIL, "s", "setup_txn_s / time_scale (null as setup_full_s)")             \
    D(profile, ALWAYS, SUMMARY, "", "the fidelity profile (`--profile`; config.json holds its values)")      \
    D(end_criterion, ALWAYS, SUMMARY, "",                                                                    \
      "what setup_s measures: rule, ips or tunneling (`--end`); runs without it measured ips")              \
    D(grpc_bytes, ALWAYS, SUMMARY, "B",                                                                      \
      "sum over members of the delta of `etcd_network_client_grpc_sent_bytes_total + _received_bytes_total` " \
      "(the patent's FIG. 8 quantity, protobuf sizes); null when a member's counters have no delta")        \
    D(grpc_sent_bytes, ALWAYS, SUMMARY, "B", "the sent part of `grpc_bytes`")                               \
    D(grpc_received_bytes, ALWAYS, SUMMARY, "B", "the received part of `grpc_bytes`")                       \
    CB(IO, ALWAYS)                                                                                           \
    D(http_bytes, ALWAYS, SUMMARY, "B", "HTTP wire bytes (headers + bodies, both ways) counted by every client of the run") \
    D(http_sent_bytes, RAN, DETAIL, "B", "the sent part of `http_bytes`")                                   \
    D(http_received_bytes, RAN, DETAIL, "B", "the received part of `http_bytes`")                           \
    D(raft_bytes, ALWAYS, SUMMARY, "B", "delta of `etcd_network_peer_sent_bytes_total` summed over members") \
    D(wan_egress_bytes, ALWAYS, SUMMARY, "B", "bytes that crossed a region boundary on the WAN emulator's links") \
    BENCH(WAN, ALWAYS)                                                                                       \
    D(ops_total, RAN, SUMMARY, "requests", "every request the clients sent")                                \
    D(ops_range, RAN, SUMMARY, "requests", "range requests")                                                \
    D(ops_put, RAN, SUMMARY, "requests", "put requests")                                                    \
    D(ops_delete, RAN, SUMMARY, "requests", "delete requests")                                              \
    D(ops_txn, RAN, SUMMARY, "requests", "transactions")                                                    \
    D(ops_lease, RAN, SUMMARY, "requests", "lease requests: grant, keepalive, revoke, ttl")                  \
    D(ops_watch, RAN, SUMMARY, "requests", "watch requests")                                                \
    D(ops_lock, RAN, SUMMARY, "requests", "lock and unlock requests")                                       \
    D(ops, RAN, NESTED, "requests", "every request type of the client and its count")                      \
    D(errors, RAN, DETAIL, "requests", "requests that failed")                                              \
    D(retries, RAN, DETAIL, "requests",                                                                      \
      "requests sent again: on another endpoint after a refusal or \"no leader\", or after a lost answer "    \
      "when the operation's rule allows it (timeout_retries)")                                                \
    D(timeout_retries, RAN, DETAIL, "requests",                                                              \
      "of retries, those after a lost answer (timeout, etcd's \"request timed out\"): reads, keepalives, "    \
      "single-writer puts, guarded CAS txns (the table in sim/etcd/etcd_retry.c)")                            \
    D(readbacks, RAN, DETAIL, "requests",                                                                    \
      "lost answers of operations that cannot be repeated, reconciled by reading back (lease grants)")        \
    CB(LOCK, RAN)                                                                                            \
    D(watch_events, RAN, SUMMARY, "events", "events delivered to watch callbacks")                          \
    CB(BREAKDOWN, RAN)                                                                                       \
    CB(COST, RAN)                                                                                            \
    D(checker_ok, ALWAYS, SUMMARY, "0/1", "the checker's verdict on the final keyspace")                   \
    D(checker_msg, ALWAYS, SUMMARY, "", "first problem the checker found, empty when ok")                  \
    D(agent_complete_s, RAN, NESTED, "s", "per agent, its completion time since its start; null if it never completed") \
    D(members, ALWAYS, NESTED, "B",                                                                          \
      "per member: name, ok (both scrapes succeeded), grpc_sent_bytes, grpc_received_bytes, "             \
      "peer_sent_bytes, peer_received_bytes (deltas over the run; meaningless unless ok), and when not ok "  \
      "unavailable: why (the member's /metrics could not be read)")                                        \
    D(egress, ALWAYS, NESTED, "B", "per WAN link: from, to (region ids, ? when unknown), kind, bytes")      \
    BENCH(HARNESS, ALWAYS)                                                                                   \
    D(timeline, ALWAYS, DETAIL, "", "the run's timeline, relative to the run directory")                   \
    D(error, ALWAYS, DETAIL, "", "why the run could not run or complete, empty when it did")               \
    F(fault_actions, NESTED, "", "per action: action, planned_s, ran, actual_s, took_s, ok, msg")          \
    F(fault_failures, DETAIL, "actions", "actions that failed or never ran")                                \
    F(fault_baseline_setup_s, DETAIL, "s", "setup time of the faultless baseline on the same cluster")     \
    F(fault_baseline_ok, DETAIL, "", "the baseline completed with the checker green")                      \
    F(fault_baseline_error, DETAIL, "", "why the baseline failed, empty when it did not")                  \
    F(fault_inflation_s, DETAIL, "s", "setup_s - fault_baseline_setup_s")                                   \
    F(fault_inflation_pct, DETAIL, "%", "the inflation in percent of the baseline")                        \
    CB(FAULT, FAULT)

/* jansson refuses NaN and infinities: a number that is not finite is null. */
static json_t *real_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *text(const char *s)
{
    return json_string(s ? s : "");
}

static json_t *count(uint64_t v)
{
    return json_integer((json_int_t)v);
}

/* ---- the columns that are not plain counters ---- */

static json_t *rec_run_id(const bench_meas *m) { return text(m->run_id); }
static json_t *rec_mode(const bench_meas *m) { return text(m->mode); }
static json_t *rec_n(const bench_meas *m) { return json_integer(m->n); }
static json_t *rec_rep(const bench_meas *m) { return json_integer(m->rep); }
static json_t *rec_order(const bench_meas *m) { return json_integer(m->order); }

/* A seed above 2^63 does not fit json_int_t: keep it as text then. */
static json_t *rec_seed(const bench_meas *m)
{
    char buf[32];
    if (m->seed <= (uint64_t)INT64_MAX)
        return json_integer((json_int_t)m->seed);
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)m->seed);
    return json_string(buf);
}

static json_t *rec_rtt_scale(const bench_meas *m) { return json_real(m->rtt_scale); }
static json_t *rec_delay_scale(const bench_meas *m) { return json_real(m->delay_scale); }
static json_t *rec_time_scale(const bench_meas *m)
{
    return m->time_scale > 0 ? json_real(m->time_scale) : json_null();
}

double bench_rescale(double measured, double factor)
{
    return factor > 0 && isfinite(factor) && isfinite(measured) ? measured / factor : NAN;
}

/* A setup time of a completed run, rescaled to full time; null otherwise. */
static json_t *full_time(const bench_meas *m, double measured)
{
    return m->res && m->res->completed ? real_or_null(bench_rescale(measured, m->time_scale)) : json_null();
}

static json_t *rec_setup_full_s(const bench_meas *m) { return full_time(m, m->res ? m->res->setup_s : NAN); }
static json_t *rec_setup_rule_full_s(const bench_meas *m) { return full_time(m, m->res ? m->res->setup_rule_s : NAN); }
static json_t *rec_setup_ips_full_s(const bench_meas *m) { return full_time(m, m->res ? m->res->setup_ips_s : NAN); }
static json_t *rec_setup_tunneling_full_s(const bench_meas *m)
{
    return full_time(m, m->res ? m->res->setup_tunneling_s : NAN);
}
static json_t *rec_setup_txn_full_s(const bench_meas *m) { return full_time(m, m->res ? m->res->setup_txn_s : NAN); }

static json_t *rec_fault(const bench_meas *m) { return text(m->fault); }
static json_t *rec_profile(const bench_meas *m) { return text(m->profile); }
static json_t *rec_end_criterion(const bench_meas *m) { return text(m->end_criterion); }
static json_t *rec_leader(const bench_meas *m) { return text(m->leader); }
static json_t *rec_leader_changed(const bench_meas *m) { return json_boolean(m->leader_changed); }
static json_t *rec_completed(const bench_meas *m) { return json_boolean(m->res && m->res->completed); }

/* Member counters: sums over members, null unless every scrape succeeded. */
typedef enum { MEMBER_GRPC_SENT, MEMBER_GRPC_RECEIVED, MEMBER_GRPC, MEMBER_PEER_SENT } member_sum;

static json_t *members_total(const bench_meas *m, member_sum which)
{
    uint64_t total = 0;
    if (m->n_members <= 0)
        return json_null();
    for (int i = 0; i < m->n_members; i++) {
        const bench_member_delta *d = &m->members[i];
        if (!d->ok)
            return json_null();
        total += which == MEMBER_GRPC_SENT ? d->grpc_sent
               : which == MEMBER_GRPC_RECEIVED ? d->grpc_received
               : which == MEMBER_GRPC ? d->grpc_sent + d->grpc_received : d->peer_sent;
    }
    return count(total);
}

static json_t *rec_grpc_bytes(const bench_meas *m) { return members_total(m, MEMBER_GRPC); }
static json_t *rec_grpc_sent_bytes(const bench_meas *m) { return members_total(m, MEMBER_GRPC_SENT); }
static json_t *rec_grpc_received_bytes(const bench_meas *m) { return members_total(m, MEMBER_GRPC_RECEIVED); }
static json_t *rec_raft_bytes(const bench_meas *m) { return members_total(m, MEMBER_PEER_SENT); }

static json_t *rec_http_bytes(const bench_meas *m)
{
    return m->res ? count(m->res->stats.bytes_sent + m->res->stats.bytes_received) : json_null();
}

static json_t *rec_http_sent_bytes(const bench_meas *m) { return count(m->res->stats.bytes_sent); }
static json_t *rec_http_received_bytes(const bench_meas *m) { return count(m->res->stats.bytes_received); }

/* Egress: bytes between two known, different regions (the emulator's peer
 * probe links have no known source region and are left out). */
static json_t *rec_wan_egress_bytes(const bench_meas *m)
{
    uint64_t egress = 0;
    if (!m->has_wan)
        return json_null();
    for (size_t i = 0; i < m->n_links; i++)
        if (strcmp(m->links[i].from, m->links[i].to) != 0 && strcmp(m->links[i].from, "?") != 0 &&
            strcmp(m->links[i].to, "?") != 0)
            egress += m->links[i].bytes;
    return count(egress);
}

/* Request counts (RAN columns: m->res is set). */
static uint64_t ops_of(const bench_meas *m, etcd_optype t)
{
    return m->res->stats.ops[t];
}

static json_t *rec_ops_total(const bench_meas *m)
{
    uint64_t total = 0;
    for (int t = 0; t < ETCD_OP_T_COUNT; t++)
        total += ops_of(m, (etcd_optype)t);
    return count(total);
}

static json_t *rec_ops_range(const bench_meas *m) { return count(ops_of(m, ETCD_OP_T_RANGE)); }
static json_t *rec_ops_put(const bench_meas *m) { return count(ops_of(m, ETCD_OP_T_PUT)); }
static json_t *rec_ops_delete(const bench_meas *m) { return count(ops_of(m, ETCD_OP_T_DELETE)); }
static json_t *rec_ops_txn(const bench_meas *m) { return count(ops_of(m, ETCD_OP_T_TXN)); }

static json_t *rec_ops_lease(const bench_meas *m)
{
    return count(ops_of(m, ETCD_OP_T_LEASE_GRANT) + ops_of(m, ETCD_OP_T_LEASE_KEEPALIVE) +
                 ops_of(m, ETCD_OP_T_LEASE_REVOKE) + ops_of(m, ETCD_OP_T_LEASE_TTL));
}

static json_t *rec_ops_watch(const bench_meas *m) { return count(ops_of(m, ETCD_OP_T_WATCH)); }
static json_t *rec_ops_lock(const bench_meas *m) { return count(ops_of(m, ETCD_OP_T_LOCK) + ops_of(m, ETCD_OP_T_UNLOCK)); }

static json_t *rec_ops(const bench_meas *m)
{
    json_t *ops = json_object();
    for (int t = 0; ops && t < ETCD_OP_T_COUNT; t++)
        if (json_object_set_new(ops, op_names[t], count(ops_of(m, (etcd_optype)t))) != 0) {
            json_decref(ops);
            return NULL;
        }
    return ops;
}

static json_t *rec_errors(const bench_meas *m) { return count(m->res->stats.errors); }
static json_t *rec_retries(const bench_meas *m) { return count(m->res->stats.retries); }
static json_t *rec_timeout_retries(const bench_meas *m) { return count(m->res->stats.timeout_retries); }
static json_t *rec_readbacks(const bench_meas *m) { return count(m->res->stats.readbacks); }
static json_t *rec_watch_events(const bench_meas *m) { return count(m->res->stats.watch_events); }
static json_t *rec_checker_ok(const bench_meas *m) { return json_boolean(m->res && m->res->checker_ok); }

static json_t *rec_checker_msg(const bench_meas *m)
{
    return json_string(m->res ? m->res->checker_msg : "run did not execute");
}

static json_t *rec_agent_complete_s(const bench_meas *m)
{
    const cb_run_result *r = m->res;
    json_t *agents = json_array();
    for (int i = 0; agents && r->agent_complete_s != NULL && i < r->n_agents; i++)
        if (json_array_append_new(agents, real_or_null(r->agent_complete_s[i])) != 0) {
            json_decref(agents);
            return NULL;
        }
    return agents;
}

static json_t *rec_members(const bench_meas *m)
{
    json_t *members = json_array();
    for (int i = 0; members && i < m->n_members; i++) {
        const bench_member_delta *d = &m->members[i];
        json_t *x = json_pack("{s:s,s:b,s:I,s:I,s:I,s:I}", "name", d->name, "ok", d->ok, "grpc_sent_bytes",
                              (json_int_t)d->grpc_sent, "grpc_received_bytes", (json_int_t)d->grpc_received,
                              "peer_sent_bytes", (json_int_t)d->peer_sent, "peer_received_bytes",
                              (json_int_t)d->peer_received);
        if (x && !d->ok)   /* the counters are not zeros then: say why they are missing */
            json_object_set_new(x, "unavailable", json_string(d->unavailable[0] ? d->unavailable : "unknown"));
        if (json_array_append_new(members, x) != 0) {
            json_decref(members);
            return NULL;
        }
    }
    return members;
}

static json_t *rec_egress(const bench_meas *m)
{
    json_t *links = json_array();
    for (size_t i = 0; links && i < m->n_links; i++) {
        json_t *x = json_pack("{s:s,s:s,s:s,s:I}", "from", m->links[i].from, "to", m->links[i].to, "kind",
                              m->links[i].kind, "bytes", (json_int_t)m->links[i].bytes);
        if (json_array_append_new(links, x) != 0) {
            json_decref(links);
            return NULL;
        }
    }
    return links;
}

static json_t *rec_timeline(const bench_meas *m) { return text(m->timeline); }
static json_t *rec_error(const bench_meas *m) { return text(m->error ? m->error : (m->res ? m->res->error : "")); }

/* ---- the table ---- */

#define COL_D(name_, presence_, kind_, unit_, description_)                                                 \
    {.name = #name_, .unit = unit_, .description = description_, .src = BENCH_SRC_FN,                       \
     .presence = BENCH_PRESENT_##presence_, .kind = BENCH_KIND_##kind_, .fn = rec_##name_},
#define COL_F(name_, kind_, unit_, description_)                                                            \
    {.name = #name_, .unit = unit_, .description = description_, .src = BENCH_SRC_FAULT,                    \
     .presence = BENCH_PRESENT_FAULT, .kind = BENCH_KIND_##kind_},
#define COL_PLAIN(src_, struct_, presence_, name_, type_, unit_, valid_, summary_, description_)           \
    {.name = #name_, .unit = unit_, .description = description_, .src = src_,                               \
     .presence = BENCH_PRESENT_##presence_, .kind = BENCH_KIND_##summary_, .type = BENCH_T_##type_,          \
     .valid = BENCH_VALID_##valid_, .offset = offsetof(struct_, name_)},
#define COL_CB_ALWAYS(...) COL_PLAIN(BENCH_SRC_RESULT, cb_run_result, ALWAYS, __VA_ARGS__)
#define COL_CB_RAN(...) COL_PLAIN(BENCH_SRC_RESULT, cb_run_result, RAN, __VA_ARGS__)
#define COL_CB_FAULT(...) COL_PLAIN(BENCH_SRC_RESULT, cb_run_result, FAULT, __VA_ARGS__)
#define COL_BENCH_ALWAYS(...) COL_PLAIN(BENCH_SRC_MEAS, bench_meas, ALWAYS, __VA_ARGS__)
#define COL_CB(group, presence) CB_COUNTERS_##group(COL_CB_##presence)
#define COL_BENCH(group, presence) BENCH_COUNTERS_##group(COL_BENCH_##presence)

const bench_column bench_columns[] = {BENCH_RECORD(COL_D, COL_CB, COL_BENCH, COL_F)};
const size_t bench_n_columns = sizeof bench_columns / sizeof bench_columns[0];

/* summary.csv: the SUMMARY columns, in the record's order. */
#define CSV_NAME_SUMMARY(name) #name,
#define CSV_NAME_DETAIL(name)
#define CSV_NAME_NESTED(name)
#define CSV_D(name, presence, kind, unit, description) CSV_NAME_##kind(name)
#define CSV_F(name, kind, unit, description) CSV_NAME_##kind(name)
#define CSV_PLAIN(name, type, unit, valid, summary, description) CSV_NAME_##summary(name)
#define CSV_GROUP_CB(group, presence) CB_COUNTERS_##group(CSV_PLAIN)
#define CSV_GROUP_BENCH(group, presence) BENCH_COUNTERS_##group(CSV_PLAIN)

const char *const bench_csv_columns[] = {BENCH_RECORD(CSV_D, CSV_GROUP_CB, CSV_GROUP_BENCH, CSV_F) NULL};

/* A plain counter's value in the record. */
static json_t *plain_value(const bench_column *c, const bench_meas *m)
{
    const void *base = c->src == BENCH_SRC_RESULT ? (const void *)m->res : (const void *)m;
    const char *p;
    double v;
    if (base == NULL || (c->valid == BENCH_VALID_COMPLETED && !(m->res && m->res->completed)) ||
        (c->valid == BENCH_VALID_WAN && !m->has_wan))
        return json_null();
    p = (const char *)base + c->offset;
    switch (c->type) {
    case BENCH_T_F64:
        memcpy(&v, p, sizeof v);
        return c->valid == BENCH_VALID_NONNEG && !(v >= 0) ? json_null() : real_or_null(v);
    case BENCH_T_U64: {
        uint64_t u;
        memcpy(&u, p, sizeof u);
        return count(u);
    }
    case BENCH_T_INT: {
        int i;
        memcpy(&i, p, sizeof i);
        return json_integer(i);
    }
    case BENCH_T_TEXT64:
        return json_stringn(p, strnlen(p, 64));
    default:
        return json_null();
    }
}

static json_t *column_value(const bench_column *c, const bench_meas *m)
{
    return c->src == BENCH_SRC_FN ? c->fn(m) : plain_value(c, m);
}

static int set(json_t *o, const char *k, json_t *v)
{
    return v == NULL ? -1 : json_object_set_new(o, k, v);
}

json_t *bench_record_json(const bench_meas *m)
{
    json_t *o = json_object();
    int rc = 0;

    if (o == NULL)
        return NULL;
    for (size_t i = 0; i < bench_n_columns; i++) {
        const bench_column *c = &bench_columns[i];
        if (c->presence == BENCH_PRESENT_FAULT || (c->presence == BENCH_PRESENT_RAN && m->res == NULL))
            continue;
        rc |= set(o, c->name, column_value(c, m));
    }
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int bench_record_fault_counters(json_t *rec, const cb_run_result *r)
{
    bench_meas m;
    int rc = 0;
    memset(&m, 0, sizeof m);
    m.res = r;
    for (size_t i = 0; r != NULL && i < bench_n_columns; i++) {
        const bench_column *c = &bench_columns[i];
        if (c->presence == BENCH_PRESENT_FAULT && c->src == BENCH_SRC_RESULT)
            rc |= set(rec, c->name, plain_value(c, &m));
    }
    return rc;
}

void bench_format_real(double v, char *out, size_t out_len)
{
    size_t len;
    if (!isfinite(v)) {
        snprintf(out, out_len, "%s", "");
        return;
    }
    snprintf(out, out_len, "%.6f", v);
    len = strlen(out);
    while (len > 0 && out[len - 1] == '0')
        out[--len] = '\0';
    if (len > 0 && out[len - 1] == '.')
        out[--len] = '\0';
    if (strcmp(out, "-0") == 0)
        snprintf(out, out_len, "0");
}

void bench_csv_text(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\n\r") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void bench_csv_header(FILE *f)
{
    for (size_t i = 0; bench_csv_columns[i] != NULL; i++)
        fprintf(f, "%s%s", i ? "," : "", bench_csv_columns[i]);
    fputc('\n', f);
}

void bench_csv_row(FILE *f, const json_t *rec)
{
    for (size_t i = 0; bench_csv_columns[i] != NULL; i++) {
        json_t *v = json_object_get(rec, bench_csv_columns[i]);
        char buf[64];
        if (i)
            fputc(',', f);
        if (v == NULL || json_is_null(v))
            continue;
        if (json_is_integer(v))
            fprintf(f, "%lld", (long long)json_integer_value(v));
        else if (json_is_real(v)) {
            bench_format_real(json_real_value(v), buf, sizeof buf);
            fputs(buf, f);
        } else if (json_is_boolean(v))
            fputc(json_is_true(v) ? '1' : '0', f);
        else if (json_is_string(v))
            bench_csv_text(f, json_string_value(v));
    }
    fputc('\n', f);
}

bool bench_record_key(const json_t *rec, const char **mode, int *n, int *rep)
{
    json_t *jm = json_object_get(rec, "mode"), *jn = json_object_get(rec, "n"), *jr = json_object_get(rec, "rep");
    if (!json_is_string(jm) || !json_is_integer(jn) || !json_is_integer(jr))
        return false;
    *mode = json_string_value(jm);
    *n = (int)json_integer_value(jn);
    *rep = (int)json_integer_value(jr);
    return true;
}
