/* util_clock.c: CLOCK_MONOTONIC in the units the project uses. */
#include "sim/util/util_clock.h"

#include <time.h>

uint64_t util_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t util_now_ns_i64(void)
{
    return (int64_t)util_now_ns();
}

double util_now_ms(void)
{
    return (double)util_now_ns() / 1e6;
}

double util_now_s(void)
{
    return (double)util_now_ns() / 1e9;
}
