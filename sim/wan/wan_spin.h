/* wan_spin.h: how long the WAN emulator's loop polls instead of sleeping
 * before a release, and the budget that bounds what that polling costs.
 *
 * Why poll at all: the loop sleeps on a timerfd, and an idle virtual CPU
 * takes from tens of microseconds to milliseconds to wake up (on this
 * project's Firecracker machines there is no cpuidle driver: an idle vCPU
 * halts and the host must schedule it again). A timer armed for the release
 * time itself would make every release late by that wake-up. So the timer is
 * armed one polling window early and the loop polls (epoll_wait with a zero
 * timeout) through the rest.
 *
 * How long the window is:
 * - fixed (spin_us > 0): that many microseconds, always;
 * - automatic (spin_us == 0, the default): the loop measures how late each of
 *   its timer wake-ups is, and the window follows the p99 of the last
 *   WAN_SPIN_SAMPLES of them (times 1.25 plus 20 us of margin, between
 *   WAN_SPIN_AUTO_MIN_NS and WAN_SPIN_AUTO_MAX_NS). A machine that wakes in
 *   30 us polls ~60 us; one that wakes in 400 us now and then polls ~520 us;
 * - off (spin_us < 0): sleep to the deadline.
 * Either way polling is bounded to WAN_SPIN_BUDGET_NS of every
 * WAN_SPIN_PERIOD_NS (10% of one CPU): a busy emulator (the bench's 50
 * agents, a release every few microseconds) would otherwise poll through
 * every gap and take a core from etcd; once a period's budget is spent the
 * loop sleeps to each deadline until the next period.
 *
 * Pure logic, no clock of its own: every call is given `now`. Not thread
 * safe; the emulator calls it with its mutex held. */
#ifndef GEOKV_SIM_WAN_SPIN_H
#define GEOKV_SIM_WAN_SPIN_H

#include <stdbool.h>
#include <stdint.h>

#define WAN_SPIN_PERIOD_NS   100000000ULL   /* budget period: 100 ms */
#define WAN_SPIN_BUDGET_NS    10000000ULL   /* polling allowed per period: 10 ms */
#define WAN_SPIN_SAMPLES      256           /* timer wake-ups the automatic window looks at */
#define WAN_SPIN_RECOMPUTE    32            /* recompute the p99 every this many wake-ups */
#define WAN_SPIN_AUTO_START_NS  200000ULL   /* automatic window before enough wake-ups are seen */
#define WAN_SPIN_AUTO_MIN_NS     50000ULL
#define WAN_SPIN_AUTO_MAX_NS   2000000ULL

typedef struct wan_spin {
    bool automatic;
    uint64_t window_ns;        /* the fixed window, or the learned one; 0: off */
    uint64_t eff_ns;           /* window_ns, or 0 while this period's budget is spent */
    uint64_t period_start_ns;
    uint64_t period_used_ns;   /* polling in the current period */
    uint64_t total_ns;         /* all polling so far */
    uint64_t wakeups;          /* timer wake-ups seen (automatic mode) */
    uint32_t late_us[WAN_SPIN_SAMPLES];   /* ring of wake-up lateness, microseconds */
} wan_spin;

/* Parses a --spin-us argument: "auto" -> 0, "off" or a number <= 0 -> -1,
 * a number > 0 (microseconds, at most 1 s) -> itself. Returns 0, or -1 on
 * anything else. */
int wan_spin_parse(const char *arg, double *spin_us);

/* spin_us > 0: fixed window; 0: automatic; < 0: never poll. */
void wan_spin_init(wan_spin *s, double spin_us);

/* The polling window to use now (0: sleep to the deadline): the window, or 0
 * when the budget of the period containing `now` is spent. */
uint64_t wan_spin_window(wan_spin *s, uint64_t now);

/* The loop polled for spent_ns (charged to the budget and the total). */
void wan_spin_charge(wan_spin *s, uint64_t spent_ns);

/* The loop slept on its timer, armed for armed_ns, and runs again at now:
 * one lateness sample for the automatic window. */
void wan_spin_woke(wan_spin *s, uint64_t armed_ns, uint64_t now);

/* p99 of the recorded wake-up lateness (util_percentile_sorted), in microseconds (0 when none). */
double wan_spin_wake_p99_us(const wan_spin *s);

#endif
