/* cb_keys.h: the cb-network key schema (../shared/reference/cb-network.md)
 * and the host ids of simulated VMs.
 *
 * Every builder writes a NUL-terminated key into out (CB_KEY_MAX bytes) and
 * returns its length, or -1 when it would not fit. Root R = CB_KEY_ROOT.
 *
 * Every key (claims too) starts with the process's key prefix, "" unless
 * cb_keys_set_prefix set one: runs against a shared cluster keep all their
 * keys under e.g. /geokv/<run-id>, one range to check empty and delete.
 */
#ifndef GEOKV_CB_KEYS_H
#define GEOKV_CB_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "sim/cb/cb_run.h"

#define CB_KEY_MAX 256
#define CB_HOST_ID_LEN 20          /* like the original's xid strings */

#define CB_KEY_PREFIX_MAX 128

/* The prefix of every key: "" (the default) or "/a/b" (a leading '/', no
 * trailing one, under CB_KEY_PREFIX_MAX bytes). Set it before any run starts
 * and not while one goes: it is process-wide. 0, or -1 when malformed. */
int cb_keys_set_prefix(const char *prefix);
const char *cb_keys_prefix(void);

/* R/cladnet-specification/{c} */
int cb_key_spec(char *out, const char *c);
/* R/host-network-information/{c}/ (prefix watched by the controller) and .../{h} */
int cb_key_host_prefix(char *out, const char *c);
int cb_key_host(char *out, const char *c, const char *h);
/* R/peer/{c}/ and R/peer/{c}/{h} */
int cb_key_peer_prefix(char *out, const char *c);
int cb_key_peer(char *out, const char *c, const char *h);
/* R/networking-rule/{c}/ and R/networking-rule/{c}/{h} */
int cb_key_rule_prefix(char *out, const char *c);
int cb_key_rule(char *out, const char *c, const char *h);
/* R/distributed-lock/peer/{c}: the mutex prefix */
int cb_key_lock(char *out, const char *c);
/* R/secret/{c} (watched as a prefix) */
int cb_key_secret(char *out, const char *c);
/* R/control-command/{c}/{h} and R/test-request/{c}/{h} */
int cb_key_control(char *out, const char *c, const char *h);
int cb_key_test_request(char *out, const char *c, const char *h);
/* The controller's workload claim: "lease" + watched key + "-" + revision. */
int cb_key_claim(char *out, const char *watched_key, int64_t revision);
/* Prefix of all claim keys (for clean-up between runs). */
int cb_key_claim_prefix(char *out);

/* The last path segment of key (the host id of a per-host key): pointer into
 * key and its length; the whole key when it has no '/'. */
const char *cb_key_last(const char *key, size_t key_len, size_t *seg_len);

/* Deterministic 20-char host id (base32hex, lower case, like xid) of agent
 * `index` in a run with `seed`; out holds CB_HOST_ID_LEN + 1 bytes. */
void cb_host_id(uint64_t seed, int index, char *out);

/* splitmix64: the one PRNG of the simulation (seeded, reproducible). */
uint64_t cb_rand_next(uint64_t *state);
double cb_rand_unit(uint64_t *state);   /* uniform in [0, 1) */

#endif
