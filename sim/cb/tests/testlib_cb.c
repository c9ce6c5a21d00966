/* testlib_cb.c: see testlib_cb.h. */
#include <stdio.h>

#include "sim/cb/tests/testlib_cb.h"

int cb_t_cluster_start(etcd_rig_config *rc, etcd_rig **rig, const char *eps[3], cb_place *agents,
                       int n_agents)
{
    etcd_status st;
    rc->n_members = 3;
    if (etcd_rig_new(rc, rig, &st) != ETCD_OK || etcd_rig_start(*rig, &st) != ETCD_OK) {
        fprintf(stderr, "etcd rig: %s\n", st.message);
        etcd_rig_stop(*rig);
        *rig = NULL;
        return -1;
    }
    for (int i = 0; i < 3; i++)
        eps[i] = (*rig)->m[i].client_url;
    static const char *const regions[3] = {"aws-ap-northeast-2", "gcp-asia-northeast3", "aws-ap-southeast-1"};
    for (int i = 0; i < n_agents; i++)
        agents[i] = (cb_place){.region = regions[i % 3], .provider = i % 3 == 1 ? "gcp" : "aws",
                               .endpoints = eps, .n_endpoints = 3};
    return 0;
}
