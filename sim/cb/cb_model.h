/* cb_model.h: the values cb-network keeps in etcd (compact JSON, sizes as the
 * original's: host information ~360 B, peer ~360 B, networking rule
 * ~110 B + 85 B per other peer), IP allocation and rule building.
 *
 * Structs hold fixed-size strings so agents can cache thousands of peers
 * without an allocation per field. Encoders return a malloc'd NUL-terminated
 * string (NULL on allocation failure) and its length; decoders return 0 on
 * success, -1 on malformed input with a reason in err (may be NULL).
 */
#ifndef GEOKV_CB_MODEL_H
#define GEOKV_CB_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CB_STR 48      /* every short string field, NUL included */

typedef enum cb_rule_type { CB_RULE_BASIC = 0, CB_RULE_COST_PRIORITIZED } cb_rule_type;

typedef struct cb_spec {
    char cladnet_id[CB_STR];
    char name[CB_STR];
    char ipv4_cidr[CB_STR];          /* "192.168.0.0/16" */
    char description[96];
    cb_rule_type rule_type;
} cb_spec;

typedef struct cb_host_info {
    char host_name[CB_STR];
    bool is_encrypted;
    char public_ip[CB_STR];
    char private_ip[CB_STR];         /* the NIC's address */
    char private_cidr[CB_STR];       /* the NIC's network, "172.31.0.0/20" */
    char private_ipv6[CB_STR];
} cb_host_info;

typedef struct cb_peer {
    char cladnet_id[CB_STR];
    char host_id[CB_STR];
    char host_name[CB_STR];
    char host_private_cidr[CB_STR];
    char host_private_ip[CB_STR];
    char host_public_ip[CB_STR];
    char ipv4_cidr[CB_STR];          /* the CLADNet's address space */
    char ip[CB_STR];                 /* assigned address, "192.168.0.2" */
    char state[16];                  /* configuring, tunneling, closing, released, failed */
    char provider[16];
    char region[CB_STR];
    char zone[CB_STR];
    char vnet[CB_STR];
    char subnet[CB_STR];
} cb_peer;

/* One entry of a networking rule: how this host reaches one other peer. */
typedef struct cb_rule_entry {
    char host_id[CB_STR];
    char host_name[CB_STR];
    char peer_ip[CB_STR];
    char selected_ip[CB_STR];
    char peer_scope[8];              /* "inter" / "intra" */
    char state[16];
} cb_rule_entry;

typedef struct cb_rule {
    char cladnet_id[CB_STR];
    cb_rule_entry *e;
    size_t n, cap;
} cb_rule;

extern const char *const CB_STATE_CONFIGURING;
extern const char *const CB_STATE_TUNNELING;
extern const char *const CB_STATE_FAILED;
#define CB_CLAIM_VALUE "Vanished in 15 sec"

const char *cb_rule_type_name(cb_rule_type t);
int cb_rule_type_parse(const char *s, cb_rule_type *out);

char *cb_spec_encode(const cb_spec *s, size_t *len);
int cb_spec_decode(const char *json, size_t len, cb_spec *out, char *err, size_t err_len);

char *cb_host_info_encode(const cb_host_info *h, size_t *len);
int cb_host_info_decode(const char *json, size_t len, cb_host_info *out, char *err, size_t err_len);

char *cb_peer_encode(const cb_peer *p, size_t *len);
int cb_peer_decode(const char *json, size_t len, cb_peer *out, char *err, size_t err_len);

void cb_rule_init(cb_rule *r, const char *cladnet_id);
void cb_rule_free(cb_rule *r);
int cb_rule_copy(cb_rule *dst, const cb_rule *src);
char *cb_rule_encode(const cb_rule *r, size_t *len);
int cb_rule_decode(const char *json, size_t len, cb_rule *out, char *err, size_t err_len);
/* Index of host_id in r, -1 when absent. */
long cb_rule_find(const cb_rule *r, const char *host_id);
/* The original's UpdateRule: update the entry of e->host_id in place (every
 * non-empty field of e) or append it. Entries are never removed.
 * Returns 1 when r changed, 0 when it did not, -1 out of memory. */
int cb_rule_upsert(cb_rule *r, const cb_rule_entry *e);

/* The entry `self` keeps for `other` under rule type t: basic -> public IP,
 * scope "inter"; cost-prioritized -> private IP, scope "intra" when provider
 * and region and zone match, else the public IP, "inter". */
void cb_rule_entry_for(const cb_peer *self, const cb_peer *other, cb_rule_type t, cb_rule_entry *out);

/* Parse "a.b.c.d/len" into network address and prefix length. 0 / -1. */
int cb_cidr_parse(const char *cidr, uint32_t *net, int *prefix_len);
/* Peer IP of the original: network address + count + 2. Writes the dotted
 * address to out (CB_STR) and returns 0, or returns 1 when it lies past the
 * broadcast address (the peer gets state `failed`), -1 on a bad CIDR. */
int cb_ip_alloc(const char *cidr, int64_t count, char *out);
/* True when ip ("a.b.c.d", no prefix) lies inside cidr. */
bool cb_ip_in_cidr(const char *ip, const char *cidr);
int cb_ip_parse(const char *ip, uint32_t *out);

/* Simulated VM facts of agent `index`: host name, public and private
 * addresses, NIC network, derived from the index and the seed. */
void cb_host_facts(uint64_t seed, int index, cb_host_info *out);

#endif
