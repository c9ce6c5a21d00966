/* cb_check.h: the final-keyspace checker, as pure logic over key-values
 * (cb_check() in cb_run.h reads them from etcd and calls this).
 *
 * Verdict ok when: exactly n_expected peers under R/peer/{c}/, each decodes,
 * its key's host id matches its value, its state is `tunneling` (nothing left
 * in configuring or failed), its IP lies inside cidr (not the network or
 * broadcast address) and no two peers share an IP; exactly n_expected rules
 * under R/networking-rule/{c}/, one per peer, each listing exactly the
 * n_expected - 1 other peers once, with each one's assigned IP.
 * msg receives the first problem found, precise enough to find it by hand.
 */
#ifndef GEOKV_CB_CHECK_H
#define GEOKV_CB_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/etcd/etcd_client.h"

bool cb_check_keyspace(const etcd_kv *peers, size_t n_peers, const etcd_kv *rules, size_t n_rules,
                       int n_expected, const char *cidr, char *msg, size_t msg_len);

#endif
