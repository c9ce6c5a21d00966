/* etcd_pbsize.c: protobuf sizes of etcd messages (see etcd_pbsize.h). */
#include "sim/etcd/etcd_pbsize.h"

size_t etcd_pb_varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* a varint field with a one-byte tag (field numbers < 16) */
static size_t vfield(uint64_t v)
{
    return v ? 1 + etcd_pb_varint_len(v) : 0;
}

static size_t bfield(size_t len)
{
    return len ? 1 + etcd_pb_varint_len(len) + len : 0;
}

size_t etcd_pb_header_size(const etcd_header *h)
{
    return vfield(h->cluster_id) + vfield(h->member_id) + vfield((uint64_t)h->revision) + vfield(h->raft_term);
}

size_t etcd_pb_kv_size(const etcd_kv *kv)
{
    return bfield(kv->key_len) + vfield((uint64_t)kv->create_revision) + vfield((uint64_t)kv->mod_revision) +
           vfield((uint64_t)kv->version) + bfield(kv->value_len) + vfield((uint64_t)kv->lease);
}

size_t etcd_pb_range_logged_size(const etcd_range_result *r)
{
    size_t s = etcd_pb_header_size(&r->header);
    for (size_t i = 0; i < r->n_kvs; i++)
        s += etcd_pb_kv_size(&r->kvs[i]);
    return s;
}
