/* cookie_web: one web server (W1, W2, ...) of the cookie scenario: a real
 * HTTP server (libmicrohttpd, 127.0.0.1 only, a thread per connection) that
 * serves GET /data?client=<id> from the cache pool through a placement
 * strategy, fetching from the origin on a miss.
 *
 * Response headers (for the load generator and the tests):
 *   X-Geokv-Cache: hit | miss        miss = the origin was asked
 *   X-Geokv-Slot: <slot>             the cache slot that now holds the data
 *   X-Geokv-Cookie: <verdict>        what the incoming placement cookie was
 *   X-Geokv-Failover: 0 | 1          a cache server failed during this request
 *   Set-Cookie: geokv_place=...      only from the cookie strategy, on (re)placement
 */
#ifndef GEOKV_COOKIE_WEB_H
#define GEOKV_COOKIE_WEB_H

#include <stddef.h>
#include <stdint.h>

#include "sim/cookie/cookie_pool.h"
#include "sim/cookie/cookie_strategy.h"

struct cookie_web_config {
    unsigned origin_delay_ms;   /* default 20 */
    unsigned value_bytes;       /* size of a client's data, default 512 */
    unsigned cache_timeout_ms;  /* the document's "predetermined time", default 250: on a
                                   loaded 2-core box 100 ms gave false failovers */
    unsigned dead_retry_ms;     /* how long a failed server is skipped, default 2000 */
    int place_random;           /* cookie strategy: random % N instead of hash % N */
    int failover;               /* cookie strategy: enum cookie_failover, default random */
    uint64_t seed;
    unsigned log_limit;         /* rejected cookies logged per verdict, default 5 */
};

struct cookie_web_stats {
    uint64_t requests, hits, misses, failovers, cache_errors, bad_requests;
    uint64_t cookies_set;
    uint64_t verdict[COOKIE_VERDICT_COUNT];
};

struct cookie_web;

void cookie_web_config_default(struct cookie_web_config *c);

/* Start web server `name` bound to 127.0.0.1 on a free port. */
int cookie_web_start(const char *name, const struct cookie_web_config *cfg,
                     struct cookie_pool *pool, const struct cookie_strategy *strategy,
                     struct cookie_web **out, char *err, size_t errlen);
int cookie_web_port(const struct cookie_web *w);
const char *cookie_web_name(const struct cookie_web *w);
void cookie_web_get_stats(struct cookie_web *w, struct cookie_web_stats *out);
/* Stops the daemon (joins its threads) and frees everything; NULL is fine. */
void cookie_web_stop(struct cookie_web *w);

#endif
