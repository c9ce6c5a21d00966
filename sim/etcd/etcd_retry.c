/* etcd_retry.c: the table of retry rules per operation and the pure logic
 * behind it (etcd_retry.h). etcd_call.c applies it. */
#include "sim/etcd/etcd_retry.h"

#include <string.h>

/* The one place that says which operations are sent again after a lost
 * answer, and why. A line with caller_safe applies when the caller declared
 * the call repeatable; the first matching line wins. */
const etcd_retry_entry etcd_retry_rules[] = {
    { ETCD_OP_T_RANGE, false, ETCD_RETRY_REPEAT, "",
      "a read changes nothing; the repeat's answer is as fresh as the first's" },
    { ETCD_OP_T_LEASE_TTL, false, ETCD_RETRY_REPEAT, "", "a read of the lease" },
    { ETCD_OP_T_LEASE_KEEPALIVE, false, ETCD_RETRY_REPEAT, "",
      "a repeat only refreshes the TTL once more (sessions also resend their own keepalives)" },
    { ETCD_OP_T_PUT, true, ETCD_RETRY_REPEAT, "etcd_put_opts.retry_safe",
      "the caller is the key's only writer: a repeat writes the value the store already holds" },
    { ETCD_OP_T_PUT, false, ETCD_RETRY_NEVER, "",
      "another writer may have written the key since: a repeat would overwrite the newer value" },
    { ETCD_OP_T_DELETE, true, ETCD_RETRY_REPEAT, "etcd_delete_opts.retry_safe",
      "the caller is the key's only writer: a repeat deletes nothing more" },
    { ETCD_OP_T_DELETE, false, ETCD_RETRY_NEVER, "",
      "another writer may have created the key since: a repeat would delete it" },
    { ETCD_OP_T_TXN, true, ETCD_RETRY_REPEAT, "etcd_txn_retryable and etcd_txn_repeat_safe",
      "the compare fails harmlessly on a repeat (the first's write guards it) and the caller accepts "
      "the repeat's branch as the answer (the mutex's create: its else branch reads its own key back)" },
    { ETCD_OP_T_TXN, false, ETCD_RETRY_NEVER, "",
      "the caller acts on which branch ran (e.g. a claim is mine only if my put ran): a repeat "
      "would answer the other branch" },
    { ETCD_OP_T_LEASE_GRANT, false, ETCD_RETRY_READBACK, "",
      "a repeat would grant a second lease: the client picks the id, and after a lost answer asks "
      "the lease's time-to-live; it grants again only when the lease does not exist" },
    { ETCD_OP_T_LEASE_REVOKE, false, ETCD_RETRY_REPEAT, "",
      "revoking twice leaves the lease revoked (the repeat answers \"not found\", the caller's error)" },
    { ETCD_OP_T_UNLOCK, false, ETCD_RETRY_REPEAT, "", "deletes the held key: a repeat deletes nothing more" },
    { ETCD_OP_T_LOCK, false, ETCD_RETRY_NEVER, "",
      "/v3/lock queues a waiter key per request: a repeat would queue a second one" },
    { ETCD_OP_T_COMPACT, false, ETCD_RETRY_REPEAT, "",
      "compacting at a revision twice leaves the store as once; the repeat's \"required revision has been "
      "compacted\" says the first was applied, and etcd_compact takes it as done" },
    { ETCD_OP_T_MAINTENANCE, false, ETCD_RETRY_NEVER, "",
      "pinned to one member (status, defragment, leader transfer): the caller decides" },
    { ETCD_OP_T_WATCH, false, ETCD_RETRY_NEVER, "", "streams resume themselves from a revision (etcd_watch.c)" },
};
const size_t etcd_retry_n_rules = sizeof etcd_retry_rules / sizeof etcd_retry_rules[0];

const char *etcd_retry_rule_name(etcd_retry_rule r)
{
    switch (r) {
    case ETCD_RETRY_REPEAT: return "repeat";
    case ETCD_RETRY_READBACK: return "read-back";
    case ETCD_RETRY_NEVER: default: return "never";
    }
}

etcd_retry_rule etcd_retry_rule_of(etcd_optype op, bool caller_safe)
{
    for (size_t i = 0; i < etcd_retry_n_rules; i++) {
        const etcd_retry_entry *e = &etcd_retry_rules[i];
        if (e->op == op && (!e->caller_safe || caller_safe))
            return e->rule;
    }
    return ETCD_RETRY_NEVER;
}

static bool only_reads(const etcd_request_op *ops, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ops[i].type != ETCD_REQ_RANGE)
            return false;
    return true;
}

static bool same_key(const etcd_compare *c, const etcd_request_op *o)
{
    return !c->range_end_len && c->key_len == o->key_len && !memcmp(c->key, o->key, o->key_len);
}

/* After write o, is compare c false? */
static bool write_falsifies(const etcd_compare *c, const etcd_request_op *o)
{
    if (c->result != ETCD_CMP_EQUAL || !same_key(c, o))
        return false;
    if (o->type == ETCD_REQ_PUT) {
        switch (c->target) {
        case ETCD_CMP_CREATE: return c->number == 0;   /* the key exists after the put */
        case ETCD_CMP_MOD:
        case ETCD_CMP_VERSION: return true;            /* both grow with every put */
        case ETCD_CMP_VALUE:
            return c->value_len != o->value_len || memcmp(c->value, o->value, o->value_len) != 0;
        case ETCD_CMP_LEASE: default: return false;
        }
    }
    if (o->type == ETCD_REQ_DELETE && !o->del.prefix && !o->del.range_end_len)
        return (c->target == ETCD_CMP_CREATE || c->target == ETCD_CMP_MOD || c->target == ETCD_CMP_VERSION) &&
               c->number > 0;                          /* all three are 0 once deleted */
    return false;
}

/* After write o, is compare c true? */
static bool write_satisfies(const etcd_compare *c, const etcd_request_op *o)
{
    return c->result == ETCD_CMP_EQUAL && same_key(c, o) && o->type == ETCD_REQ_PUT &&
           c->target == ETCD_CMP_VALUE && c->value_len == o->value_len &&
           memcmp(c->value, o->value, o->value_len) == 0;
}

bool etcd_txn_repeat_safe(const etcd_compare *cmp, size_t n_cmp, const etcd_request_op *success,
                          size_t n_success, const etcd_request_op *failure, size_t n_failure)
{
    if (only_reads(success, n_success) && only_reads(failure, n_failure))
        return true;
    if (only_reads(failure, n_failure)) {
        for (size_t i = 0; i < n_cmp; i++)
            for (size_t j = 0; j < n_success; j++)
                if (write_falsifies(&cmp[i], &success[j]))
                    return true;
        return false;
    }
    if (only_reads(success, n_success) && n_cmp > 0) {
        for (size_t i = 0; i < n_cmp; i++) {
            bool sat = false;
            for (size_t j = 0; j < n_failure && !sat; j++)
                sat = write_satisfies(&cmp[i], &failure[j]);
            if (!sat)
                return false;
        }
        return true;
    }
    return false;
}

bool etcd_retry_outcome_unknown(etcd_code code, const etcd_status *st)
{
    if (code == ETCD_ERR_TIMEOUT)
        return true;
    /* etcd's ErrTimeout, ErrTimeoutDueToLeaderFail, ErrTimeoutDueToConnectionLost:
     * the proposal may still commit. */
    return st && st->http_status == 503 && strstr(st->message, "timed out") != NULL;
}

int etcd_retry_budget(int budget_in)
{
    return budget_in == 0 ? 2 : budget_in < 0 ? 0 : budget_in;
}

int etcd_retry_attempt_ms(int attempt_in, int request_timeout_ms, int budget)
{
    if (budget <= 0)
        return request_timeout_ms;
    if (attempt_in > 0)
        return attempt_in < request_timeout_ms ? attempt_in : request_timeout_ms;
    return request_timeout_ms / (budget + 1);
}
