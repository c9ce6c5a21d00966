/* bench_chaos_plan.c: seeded random fault schedules (bench_chaos_plan.h). */
#include "bench/bench_chaos_plan.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum { K_KILL, K_PARTITION, K_SPIKE, K_REDEPLOY, K_FREEZE, K_COMPACT, K_COUNT };

static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int pick(uint64_t *s, int n)
{
    return (int)(next(s) % (uint64_t)n);
}

/* A time in [lo, hi] seconds on a 0.1 s grid. */
static double draw_s(uint64_t *s, double lo, double hi)
{
    int steps = (int)((hi - lo) * 10 + 0.5);
    return lo + pick(s, steps + 1) / 10.0;
}

/* Appends ";" + one to spec. */
static int append(char *spec, size_t len, size_t *at, const char *one, int n)
{
    if (n < 0 || *at + (size_t)n + 2 > len)
        return -1;
    spec[(*at)++] = ';';
    memcpy(spec + *at, one, (size_t)n + 1);
    *at += (size_t)n;
    return 0;
}

static int fault(uint64_t *s, int kind, const bench_chaos_targets *t, char *spec, size_t len, size_t *at)
{
    static const int spikes_ms[] = { 50, 100, 200, 400 };
    double t1 = draw_s(s, 0.1, 2.5), t2 = t1 + draw_s(s, 0.3, 2.0);
    const char *m = t->members[pick(s, t->n_members)];
    const char *r = t->regions[pick(s, t->n_regions)];
    int agent = pick(s, t->n_agents), spike = spikes_ms[pick(s, 4)];
    char one[256];
    int n;
    switch (kind) {
    case K_KILL: n = snprintf(one, sizeof one, "kill:%s@%.1fs,restart@%.1fs", m, t1, t2); break;
    case K_PARTITION: n = snprintf(one, sizeof one, "partition:%s@%.1fs,heal@%.1fs", m, t1, t2); break;
    case K_SPIKE: n = snprintf(one, sizeof one, "spike:%s>%s+%dms@%.1fs,clear@%.1fs", r, m, spike, t1, t2); break;
    case K_REDEPLOY: n = snprintf(one, sizeof one, "redeploy:agent%d@%.1fs>%s", agent, t1, r); break;
    case K_FREEZE: n = snprintf(one, sizeof one, "freeze-holder@%.1fs", t1); break;
    case K_COMPACT: default: n = snprintf(one, sizeof one, "compact@%.1fs", t1); break;
    }
    return n < (int)sizeof one ? append(spec, len, at, one, n) : -1;
}

int bench_chaos_schedule(uint64_t seed, int index, const bench_chaos_targets *t, char *spec, size_t spec_len)
{
    if (!t || t->n_members <= 0 || t->n_regions <= 0 || t->n_agents <= 0 || !spec || spec_len < 32)
        return -1;
    uint64_t s = seed ^ ((uint64_t)(index + 1) * 0xd1b54a32d192ed03ULL);
    next(&s);
    size_t at = (size_t)snprintf(spec, spec_len, "session-ttl:2s");
    int n_faults = 1 + pick(&s, 3);
    bool used[K_COUNT] = { false };
    for (int i = 0; i < n_faults; i++) {
        int k = pick(&s, K_COUNT);
        while (used[k])
            k = (k + 1) % K_COUNT;
        used[k] = true;
        if (fault(&s, k, t, spec, spec_len, &at) != 0)
            return -1;
    }
    return 0;
}
