/* etcd_retry.h: when a unary request whose answer never came is sent again.
 *
 * A request that times out (or whose connection ends before the answer, or
 * that etcd answers "request timed out") may or may not have been applied.
 * Whether it is sent again is decided per operation by one table,
 * etcd_retry_rules (etcd_retry.c), which says why for each line:
 *   REPEAT    sent again: a repeat leaves the store as one would (reads,
 *             keepalives, single-writer puts, guarded CAS transactions);
 *   READBACK  not sent blindly: the call reads back whether the first one
 *             was applied (a lease grant with a client-chosen id);
 *   NEVER     the caller gets the error: a repeat could do what the first
 *             did not intend (a put another writer may have overwritten, a
 *             txn whose caller acts on which branch ran, /v3/lock).
 * The retries are bounded: at most the client's retry_budget repeats per
 * call, each attempt bounded by attempt_timeout_ms, bounded exponential
 * backoff between them, all within the call's request timeout.
 */
#ifndef GEOKV_ETCD_RETRY_H
#define GEOKV_ETCD_RETRY_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/etcd/etcd_client.h"

typedef enum etcd_retry_rule {
    ETCD_RETRY_NEVER = 0,
    ETCD_RETRY_REPEAT,
    ETCD_RETRY_READBACK,
} etcd_retry_rule;

const char *etcd_retry_rule_name(etcd_retry_rule r);   /* "never", "repeat", "read-back" */

/* One line of the table: an operation, the condition under which the rule
 * holds ("" = always), the rule, and the reason. */
typedef struct etcd_retry_entry {
    etcd_optype op;
    bool caller_safe;       /* the line for calls whose caller declared them repeatable */
    etcd_retry_rule rule;
    const char *when;
    const char *why;
} etcd_retry_entry;

extern const etcd_retry_entry etcd_retry_rules[];
extern const size_t etcd_retry_n_rules;

/* The rule of op; caller_safe: the caller declared the call repeatable
 * (etcd_put_opts.retry_safe, etcd_delete_opts.retry_safe, etcd_txn_retryable
 * on a guarded txn). */
etcd_retry_rule etcd_retry_rule_of(etcd_optype op, bool caller_safe);

/* Whether a repeat of this txn after the first was applied changes nothing:
 * either (a) a success-branch put or single-key delete makes one of the
 * EQUAL compares false (create/mod/version revision, or a value the put
 * replaces) and the failure branch only reads, or (b) the failure branch's
 * puts make every compare true (value EQUAL v, and the put writes v) and the
 * success branch only reads. Holds unless someone else undoes the first
 * write between the two, which the caller's protocol must exclude. */
bool etcd_txn_repeat_safe(const etcd_compare *cmp, size_t n_cmp, const etcd_request_op *success,
                          size_t n_success, const etcd_request_op *failure, size_t n_failure);

/* Whether a failed attempt leaves it unknown whether etcd applied it: a
 * timeout after the request went out, or etcd's own "request timed out"
 * (HTTP 503). Other failures (refused connection, "no leader") were not
 * applied and fail over as before, whatever the rule. */
bool etcd_retry_outcome_unknown(etcd_code code, const etcd_status *st);

/* The per-attempt timeout and the budget of a client's configuration:
 * budget_in 0 -> 2, < 0 -> none (every attempt gets the whole request
 * timeout, as before retries existed); attempt_in 0 -> request timeout /
 * (budget + 1). */
int etcd_retry_budget(int budget_in);
int etcd_retry_attempt_ms(int attempt_in, int request_timeout_ms, int budget);

#endif
