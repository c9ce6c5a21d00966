/* etcd_rig_client.c: an etcd client over a rig's members. Separate from
 * etcd_rig_health.c so the rig links without the client. */
#include "sim/rig/etcd_rig.h"

#include <stdio.h>

etcd_code etcd_rig_client(etcd_rig *r, etcd_client **out, etcd_status *st)
{
    const char *urls[ETCD_RIG_MAX_MEMBERS];
    size_t n = 0;
    if (out)
        *out = NULL;
    if (!r || !out) {
        if (st) {
            st->code = ETCD_ERR_INVAL;
            st->grpc_code = 0;
            st->http_status = 0;
            st->endpoint = -1;
            snprintf(st->message, sizeof st->message, "etcd_rig_client: rig and out are required");
        }
        return ETCD_ERR_INVAL;
    }
    for (int i = 0; i < r->n; i++)
        if (r->m[i].pid > 0)
            urls[n++] = r->m[i].advertise_client_url;
    etcd_client_config cfg = {
        .endpoints = urls,
        .n_endpoints = n,
        .policy = ETCD_POLICY_ROUND_ROBIN,
        .watch_endpoint = -1,
    };
    return etcd_client_new(&cfg, out, st);
}
