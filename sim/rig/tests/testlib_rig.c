/* testlib_rig.c: see testlib_rig.h. */
#include "sim/rig/tests/testlib_rig.h"

#include <signal.h>
#include <stdio.h>

#include "sim/rig/wan_etcd.h"
#include "sim/util/util_data.h"

int rig_t_start_wan_cluster(const wan_config *wc, topology **topo, etcd_rig **rig, wan **w)
{
    char err[512], path[1024];
    etcd_rig_config rc = { .start_timeout_ms = 40000 };
    signal(SIGPIPE, SIG_IGN);
    etcd_rig_install_signal_cleanup();
    if (topology_load(util_data_path(path, sizeof path, "sim/wan/topology/patent-fig6.json"), topo, err,
                      sizeof err) < 0 ||
        wan_etcd_start(*topo, &rc, wc, rig, w, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}
