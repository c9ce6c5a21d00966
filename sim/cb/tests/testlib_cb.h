/* testlib_cb.h: the cluster the cb-network integration tests run on: a local
 * 3-member etcd cluster (no WAN) and n agents placed round-robin over the
 * three regions of the patent's FIG. 6 (Seoul on AWS, Seoul on GCP,
 * Singapore on AWS), every agent seeing all three members. */
#ifndef GEOKV_SIM_TESTS_TESTLIB_CB_H
#define GEOKV_SIM_TESTS_TESTLIB_CB_H

#include "sim/cb/cb_run.h"
#include "sim/rig/etcd_rig.h"

/* Starts the cluster from rc (its n_members is set to 3), fills eps with the
 * members' client URLs and agents[0..n_agents) with places that point at
 * eps (so eps must outlive the runs). Returns 0, or -1 after printing why
 * (*rig NULL). */
int cb_t_cluster_start(etcd_rig_config *rc, etcd_rig **rig, const char *eps[3], cb_place *agents,
                       int n_agents);

#endif
