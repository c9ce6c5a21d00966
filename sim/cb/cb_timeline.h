/* cb_timeline.h: per-agent event timeline of a run, written as JSONL
 * (results/SCHEMA.md): {"agent":"<host id>","region":"<region>","event":"<name>","t_s":<s>}.
 * Times are CLOCK_MONOTONIC seconds since the run's start. Thread-safe. */
#ifndef GEOKV_CB_TIMELINE_H
#define GEOKV_CB_TIMELINE_H

#include <stddef.h>

typedef enum cb_event {
    CB_EV_START = 0, CB_EV_LOCK_ASKED, CB_EV_LOCK_HELD, CB_EV_LOCK_RELEASED, CB_EV_HOST_INFO_PUT,
    CB_EV_PEER_CONFIGURING_SEEN, CB_EV_TUNNELING_PUT, CB_EV_RULE_COMPLETE, CB_EV_COUNT
} cb_event;

const char *cb_event_name(cb_event e);

typedef struct cb_timeline cb_timeline;

cb_timeline *cb_timeline_new(double t0);
void cb_timeline_free(cb_timeline *tl);
/* agent and region are copied. t is a util_now_s() value. */
void cb_timeline_add(cb_timeline *tl, const char *agent, const char *region, cb_event ev, double t);
size_t cb_timeline_count(cb_timeline *tl);
/* One JSONL line (with '\n') into buf; returns its length, or -1 when it does not fit. */
int cb_timeline_encode(char *buf, size_t cap, const char *agent, const char *region, cb_event ev,
                       double t_s);
/* Calls fn for every entry, in insertion order (t_s since the run's start);
 * fn must not call back into tl. */
typedef void (*cb_timeline_fn)(const char *agent, const char *region, cb_event ev, double t_s, void *ud);
void cb_timeline_each(cb_timeline *tl, cb_timeline_fn fn, void *ud);
/* Writes every line, sorted by time. 0 on success, -1 (errno set) otherwise. */
int cb_timeline_write(cb_timeline *tl, const char *path);

#endif
