/* testlib_rig.h: the cluster the rig's integration tests start. */
#ifndef GEOKV_TESTLIB_RIG_H
#define GEOKV_TESTLIB_RIG_H

#include "sim/rig/etcd_rig.h"
#include "sim/wan/topology.h"
#include "sim/wan/wan.h"

/* The patent's three members behind the WAN emulator (FIG. 6's topology,
 * read as a data file; wc gives the emulator's seed and RTT scale), with
 * SIGPIPE ignored and the members stopped on a fatal signal. 0, or -1 with
 * the reason printed. */
int rig_t_start_wan_cluster(const wan_config *wc, topology **topo, etcd_rig **rig, wan **w);

#endif
