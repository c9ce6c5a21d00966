/* etcd_pbsize.h: protobuf encoded sizes of etcd messages, as gogo/protobuf's
 * Size() returns them (what the original cb-network logged as
 * "GetResponse size (bytes)": ResponseHeader.Size() + sum KeyValue.Size()).
 * A field at its zero value is not encoded. Pure. */
#ifndef GEOKV_ETCD_PBSIZE_H
#define GEOKV_ETCD_PBSIZE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/etcd/etcd_client.h"

/* Bytes of v as a varint (a negative int64 is 10). */
size_t etcd_pb_varint_len(uint64_t v);
/* ResponseHeader{cluster_id=1, member_id=2, revision=3, raft_term=4}. */
size_t etcd_pb_header_size(const etcd_header *h);
/* KeyValue{key=1, create_revision=2, mod_revision=3, version=4, value=5, lease=6}. */
size_t etcd_pb_kv_size(const etcd_kv *kv);
/* header + every kv of a range response (count-only: the header alone). */
size_t etcd_pb_range_logged_size(const etcd_range_result *r);

#endif
