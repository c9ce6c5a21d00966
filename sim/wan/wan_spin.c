/* wan_spin.c: see wan_spin.h. */
#include "sim/wan/wan_spin.h"
#include "sim/util/util_stats.h"

#include <stdlib.h>
#include <string.h>

int wan_spin_parse(const char *arg, double *spin_us)
{
    if (!strcmp(arg, "auto")) {
        *spin_us = 0;
        return 0;
    }
    if (!strcmp(arg, "off")) {
        *spin_us = -1;
        return 0;
    }
    char *end;
    double v = strtod(arg, &end);
    if (end == arg || *end || !(v <= 1e6))   /* !(<=) also refuses NaN */
        return -1;
    *spin_us = v > 0 ? v : -1;
    return 0;
}

void wan_spin_init(wan_spin *s, double spin_us)
{
    memset(s, 0, sizeof *s);
    s->automatic = spin_us == 0;
    if (s->automatic)
        s->window_ns = WAN_SPIN_AUTO_START_NS;
    else if (spin_us > 0)
        s->window_ns = (uint64_t)(spin_us * 1000.0);
    s->eff_ns = s->window_ns;
}

uint64_t wan_spin_window(wan_spin *s, uint64_t now)
{
    if (now - s->period_start_ns >= WAN_SPIN_PERIOD_NS) {
        s->period_start_ns = now;
        s->period_used_ns = 0;
    }
    s->eff_ns = s->period_used_ns < WAN_SPIN_BUDGET_NS ? s->window_ns : 0;
    return s->eff_ns;
}

void wan_spin_charge(wan_spin *s, uint64_t spent_ns)
{
    s->period_used_ns += spent_ns;
    s->total_ns += spent_ns;
}

/* The p99 of the ring by the project's one definition (util_percentile_sorted). */
static double late_p99_us(const wan_spin *s)
{
    size_t n = s->wakeups < WAN_SPIN_SAMPLES ? (size_t)s->wakeups : WAN_SPIN_SAMPLES;
    double v[WAN_SPIN_SAMPLES];
    for (size_t i = 0; i < n; i++)
        v[i] = s->late_us[i];
    util_sort_doubles(v, n);
    return util_percentile_sorted(v, n, 0.99);
}

void wan_spin_woke(wan_spin *s, uint64_t armed_ns, uint64_t now)
{
    if (!s->automatic)
        return;
    uint64_t late = now > armed_ns ? (now - armed_ns) / 1000 : 0;
    s->late_us[s->wakeups % WAN_SPIN_SAMPLES] = late > UINT32_MAX ? UINT32_MAX : (uint32_t)late;
    s->wakeups++;
    if (s->wakeups % WAN_SPIN_RECOMPUTE)
        return;
    /* The window must cover the wake-up itself; 1.25 x + 20 us leaves room
     * for the p99 to be an underestimate of the next few hundred wake-ups. */
    uint64_t w = (uint64_t)(late_p99_us(s) * 1250) + 20000;
    if (w < WAN_SPIN_AUTO_MIN_NS)
        w = WAN_SPIN_AUTO_MIN_NS;
    if (w > WAN_SPIN_AUTO_MAX_NS)
        w = WAN_SPIN_AUTO_MAX_NS;
    s->window_ns = w;
}

double wan_spin_wake_p99_us(const wan_spin *s)
{
    return late_p99_us(s);
}
