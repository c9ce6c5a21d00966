/* etcd_maint.c: member status, compaction, defragmentation, leader transfer. */
#include "sim/etcd/etcd_internal.h"

#include <stdio.h>
#include <string.h>

etcd_code etcd_status_get(etcd_client *c, int endpoint, etcd_member_status *out, etcd_status *st)
{
    json_t *resp = NULL;
    etcd_member_status tmp;
    if (out)
        memset(out, 0, sizeof *out);
    if (!c) {
        if (st)
            memset(st, 0, sizeof *st);
        return etcd_set_status(st, ETCD_ERR_INVAL, "etcd_status_get: NULL client");
    }
    etcd_code code = etcd_call(c, ETCD_OP_T_MAINTENANCE, "/v3/maintenance/status", json_object(), endpoint, 0,
                               &resp, st);
    if (code == ETCD_OK)
        code = etcd_json_status_resp(resp, out ? out : &tmp, st);
    json_decref(resp);
    return etcd_count_error(c, code);
}

etcd_code etcd_compact(etcd_client *c, int64_t revision, bool physical, etcd_status *st)
{
    json_t *resp = NULL, *req = json_object();
    if (!c || revision <= 0) {
        json_decref(req);
        if (st)
            memset(st, 0, sizeof *st);
        return etcd_count_error(c, etcd_set_status(st, ETCD_ERR_INVAL, "etcd_compact: need a client and a revision > 0"));
    }
    if (req && (etcd_json_set_int64(req, "revision", revision) ||
                (physical && json_object_set_new(req, "physical", json_true())))) {
        json_decref(req);
        req = NULL;
    }
    etcd_status local;
    if (!st)
        st = &local;
    etcd_code code = etcd_call(c, ETCD_OP_T_COMPACT, "/v3/kv/compaction", req, -1, 0, &resp, st);
    json_decref(resp);
    /* Repeated after a lost answer (etcd_retry.c): "already compacted" then
     * says the first one was applied. */
    if (code == ETCD_ERR_GRPC && st->repeats > 0 && strstr(st->message, "required revision has been compacted")) {
        code = ETCD_OK;
        st->code = ETCD_OK;
        st->message[0] = '\0';
    }
    return etcd_count_error(c, code);
}

etcd_code etcd_defragment(etcd_client *c, int endpoint, etcd_status *st)
{
    json_t *resp = NULL;
    if (!c || endpoint < 0) {
        if (st)
            memset(st, 0, sizeof *st);
        return etcd_count_error(c, etcd_set_status(st, ETCD_ERR_INVAL, "etcd_defragment: need a client and an endpoint"));
    }
    /* Defragmenting a large db takes long: give it the longer of 60 s and the request timeout. */
    int timeout = c->request_timeout_ms > 60000 ? c->request_timeout_ms : 60000;
    etcd_code code = etcd_call(c, ETCD_OP_T_MAINTENANCE, "/v3/maintenance/defragment", json_object(), endpoint,
                               timeout, &resp, st);
    json_decref(resp);
    return etcd_count_error(c, code);
}

/* endpoint < 0: find the leader by asking each endpoint's status. */
etcd_code etcd_move_leader(etcd_client *c, int endpoint, uint64_t target_member_id, etcd_status *st)
{
    json_t *resp = NULL, *req;
    if (!c || !target_member_id) {
        if (st)
            memset(st, 0, sizeof *st);
        return etcd_count_error(c, etcd_set_status(st, ETCD_ERR_INVAL, "etcd_move_leader: need a client and a target member id"));
    }
    if (endpoint < 0) {
        for (size_t i = 0; i < c->n_endpoints && endpoint < 0; i++) {
            etcd_member_status ms;
            if (etcd_status_get(c, (int)i, &ms, NULL) == ETCD_OK && ms.leader_id && ms.leader_id == ms.member_id)
                endpoint = (int)i;
        }
        if (endpoint < 0)
            return etcd_count_error(c, etcd_set_status(st, ETCD_ERR_CONNECT,
                                                       "etcd_move_leader: no endpoint reports itself as leader"));
    }
    req = json_object();
    if (req && etcd_json_set_int64(req, "targetID", (int64_t)target_member_id)) {
        json_decref(req);
        req = NULL;
    }
    /* targetID is a uint64: written as an unsigned decimal string. */
    if (req) {
        char b[24];
        snprintf(b, sizeof b, "%llu", (unsigned long long)target_member_id);
        json_object_set_new(req, "targetID", json_string(b));
    }
    etcd_code code = etcd_call(c, ETCD_OP_T_MAINTENANCE, "/v3/maintenance/transfer-leadership", req, endpoint, 0,
                               &resp, st);
    json_decref(resp);
    return etcd_count_error(c, code);
}
