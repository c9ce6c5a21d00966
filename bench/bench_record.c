/* bench_record.c: run records as JSON and CSV (see bench_record.h). */
#include "bench/bench_record.h"

#include <math.h>
#include <string.h>

/* Same order as etcd_optype (sim/etcd/etcd_client.h); kept here so records do not
 * depend on the client library being linked. */
static const char *const op_names[ETCD_OP_T_COUNT] = {
    "range", "put", "delete", "txn", "lease_grant", "lease_keepalive", "lease_revoke",
    "lease_ttl", "watch", "lock", "unlock", "compact", "maintenance",
};

const char *const bench_csv_columns[] = {
    "run_id", "mode", "n", "rep", "order", "seed", "rtt_scale", "fault", "leader",
    "setup_s", "agent_p50_s", "agent_p90_s", "agent_max_s",
    "grpc_bytes", "grpc_sent_bytes", "grpc_received_bytes", "http_bytes", "raft_bytes", "wan_egress_bytes",
    "ops_total", "ops_range", "ops_put", "ops_delete", "ops_txn", "ops_lease", "ops_watch", "ops_lock",
    "lock_wait_sum_s", "lock_wait_max_s", "watch_events", "t_lock_s", "t_fixed_s", "t_other_s",
    "checker_ok", "checker_msg",
    NULL
};

/* jansson refuses NaN and infinities: a number that is not finite is null. */
static json_t *real_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static int set(json_t *o, const char *k, json_t *v)
{
    return v == NULL ? -1 : json_object_set_new(o, k, v);
}

json_t *bench_record_json(const bench_meas *m)
{
    const cb_run_result *r = m->res;
    json_t *o = json_object(), *ops = NULL, *members = NULL, *links = NULL, *agents = NULL;
    uint64_t gs = 0, gr = 0, raft = 0, egress = 0, total = 0;
    bool members_ok = m->n_members > 0;
    int rc = 0;

    if (o == NULL)
        return NULL;
    rc |= set(o, "run_id", json_string(m->run_id ? m->run_id : ""));
    rc |= set(o, "mode", json_string(m->mode ? m->mode : ""));
    rc |= set(o, "n", json_integer(m->n));
    rc |= set(o, "rep", json_integer(m->rep));
    rc |= set(o, "order", json_integer(m->order));
    /* A seed above 2^63 does not fit json_int_t: keep it as text then. */
    if (m->seed <= (uint64_t)INT64_MAX)
        rc |= set(o, "seed", json_integer((json_int_t)m->seed));
    else {
        char buf[32];
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)m->seed);
        rc |= set(o, "seed", json_string(buf));
    }
    rc |= set(o, "rtt_scale", json_real(m->rtt_scale));
    rc |= set(o, "delay_scale", json_real(m->delay_scale));
    rc |= set(o, "fault", json_string(m->fault ? m->fault : ""));
    rc |= set(o, "leader", json_string(m->leader ? m->leader : ""));
    rc |= set(o, "leader_changed", json_boolean(m->leader_changed));

    rc |= set(o, "completed", json_boolean(r && r->completed));
    rc |= set(o, "setup_s", r && r->completed ? real_or_null(r->setup_s) : json_null());
    rc |= set(o, "agent_p50_s", r && r->completed ? real_or_null(r->agent_p50_s) : json_null());
    rc |= set(o, "agent_p90_s", r && r->completed ? real_or_null(r->agent_p90_s) : json_null());
    rc |= set(o, "agent_max_s", r && r->completed ? real_or_null(r->agent_max_s) : json_null());

    for (int i = 0; i < m->n_members; i++) {
        if (!m->members[i].ok)
            members_ok = false;
        gs += m->members[i].grpc_sent;
        gr += m->members[i].grpc_received;
        raft += m->members[i].peer_sent;
    }
    rc |= set(o, "grpc_bytes", members_ok ? json_integer((json_int_t)(gs + gr)) : json_null());
    rc |= set(o, "grpc_sent_bytes", members_ok ? json_integer((json_int_t)gs) : json_null());
    rc |= set(o, "grpc_received_bytes", members_ok ? json_integer((json_int_t)gr) : json_null());
    if (r) {
        rc |= set(o, "http_bytes", json_integer((json_int_t)(r->stats.bytes_sent + r->stats.bytes_received)));
        rc |= set(o, "http_sent_bytes", json_integer((json_int_t)r->stats.bytes_sent));
        rc |= set(o, "http_received_bytes", json_integer((json_int_t)r->stats.bytes_received));
    } else {
        rc |= set(o, "http_bytes", json_null());
    }
    rc |= set(o, "raft_bytes", members_ok ? json_integer((json_int_t)raft) : json_null());

    /* Egress: bytes between two known, different regions (the emulator's
     * peer probe links have no known source region and are left out). */
    for (size_t i = 0; i < m->n_links; i++)
        if (strcmp(m->links[i].from, m->links[i].to) != 0 && strcmp(m->links[i].from, "?") != 0 &&
            strcmp(m->links[i].to, "?") != 0)
            egress += m->links[i].bytes;
    rc |= set(o, "wan_egress_bytes", m->has_wan ? json_integer((json_int_t)egress) : json_null());
    rc |= set(o, "wan_loop_cpu_s", m->has_wan ? json_real(m->wan_loop_cpu_s) : json_null());
    rc |= set(o, "wan_spin_s", m->has_wan ? json_real(m->wan_spin_s) : json_null());

    if (r) {
        uint64_t lease = r->stats.ops[ETCD_OP_T_LEASE_GRANT] + r->stats.ops[ETCD_OP_T_LEASE_KEEPALIVE] +
                         r->stats.ops[ETCD_OP_T_LEASE_REVOKE] + r->stats.ops[ETCD_OP_T_LEASE_TTL];
        ops = json_object();
        for (int t = 0; t < ETCD_OP_T_COUNT; t++) {
            total += r->stats.ops[t];
            rc |= set(ops, op_names[t], json_integer((json_int_t)r->stats.ops[t]));
        }
        rc |= set(o, "ops_total", json_integer((json_int_t)total));
        rc |= set(o, "ops_range", json_integer((json_int_t)r->stats.ops[ETCD_OP_T_RANGE]));
        rc |= set(o, "ops_put", json_integer((json_int_t)r->stats.ops[ETCD_OP_T_PUT]));
        rc |= set(o, "ops_delete", json_integer((json_int_t)r->stats.ops[ETCD_OP_T_DELETE]));
        rc |= set(o, "ops_txn", json_integer((json_int_t)r->stats.ops[ETCD_OP_T_TXN]));
        rc |= set(o, "ops_lease", json_integer((json_int_t)lease));
        rc |= set(o, "ops_watch", json_integer((json_int_t)r->stats.ops[ETCD_OP_T_WATCH]));
        rc |= set(o, "ops_lock", json_integer((json_int_t)(r->stats.ops[ETCD_OP_T_LOCK] +
                                                             r->stats.ops[ETCD_OP_T_UNLOCK])));
        rc |= set(o, "ops", ops);
        rc |= set(o, "errors", json_integer((json_int_t)r->stats.errors));
        rc |= set(o, "retries", json_integer((json_int_t)r->stats.retries));
        rc |= set(o, "lock_wait_sum_s", real_or_null(r->lock_wait_sum_s));
        rc |= set(o, "lock_wait_max_s", real_or_null(r->lock_wait_max_s));
        rc |= set(o, "lock_acquisitions", json_integer((json_int_t)r->lock_acquisitions));
        rc |= set(o, "watch_events", json_integer((json_int_t)r->stats.watch_events));
        rc |= set(o, "t_lock_s", real_or_null(r->t_lock_s));
        rc |= set(o, "t_fixed_s", real_or_null(r->t_fixed_s));
        rc |= set(o, "t_other_s", real_or_null(r->t_other_s));
        rc |= set(o, "checker_ok", json_boolean(r->checker_ok));
        rc |= set(o, "checker_msg", json_string(r->checker_msg));
        agents = json_array();
        for (int i = 0; r->agent_complete_s != NULL && i < r->n_agents; i++)
            rc |= json_array_append_new(agents, real_or_null(r->agent_complete_s[i]));
        rc |= set(o, "agent_complete_s", agents);
    } else {
        rc |= set(o, "checker_ok", json_false());
        rc |= set(o, "checker_msg", json_string("run did not execute"));
    }

    members = json_array();
    for (int i = 0; members && i < m->n_members; i++) {
        const bench_member_delta *d = &m->members[i];
        json_t *x = json_object();
        rc |= set(x, "name", json_string(d->name));
        rc |= set(x, "ok", json_boolean(d->ok));
        rc |= set(x, "grpc_sent_bytes", json_integer((json_int_t)d->grpc_sent));
        rc |= set(x, "grpc_received_bytes", json_integer((json_int_t)d->grpc_received));
        rc |= set(x, "peer_sent_bytes", json_integer((json_int_t)d->peer_sent));
        rc |= set(x, "peer_received_bytes", json_integer((json_int_t)d->peer_received));
        rc |= json_array_append_new(members, x);
    }
    rc |= set(o, "members", members);

    links = json_array();
    for (size_t i = 0; links && i < m->n_links; i++) {
        json_t *x = json_object();
        rc |= set(x, "from", json_string(m->links[i].from));
        rc |= set(x, "to", json_string(m->links[i].to));
        rc |= set(x, "kind", json_string(m->links[i].kind));
        rc |= set(x, "bytes", json_integer((json_int_t)m->links[i].bytes));
        rc |= json_array_append_new(links, x);
    }
    rc |= set(o, "egress", links);

    rc |= set(o, "wall_s", real_or_null(m->wall_s));
    rc |= set(o, "cluster_start_s", real_or_null(m->cluster_start_s));
    rc |= set(o, "rig_start_s", real_or_null(m->rig_start_s));
    rc |= set(o, "leader_move_s", real_or_null(m->leader_move_s));
    rc |= set(o, "leader_moves", json_integer(m->leader_moves));
    rc |= set(o, "run_call_s", real_or_null(m->run_call_s));
    rc |= set(o, "stop_s", real_or_null(m->stop_s));
    rc |= set(o, "timeline", json_string(m->timeline ? m->timeline : ""));
    rc |= set(o, "error", json_string(m->error ? m->error : (r ? r->error : "")));
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
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
