/* util_clock.h: the one monotonic clock of the project. Every duration the
 * harness measures or waits for is taken from CLOCK_MONOTONIC, so that a
 * wall-clock step (NTP, a suspended VM) never shows up as a latency. */
#ifndef GEOKV_UTIL_CLOCK_H
#define GEOKV_UTIL_CLOCK_H

#include <stdint.h>

/* Nanoseconds on CLOCK_MONOTONIC (an arbitrary origin, never steps). */
uint64_t util_now_ns(void);

/* The same count signed, for deadline arithmetic whose differences may be
 * negative (deadline - now). */
int64_t util_now_ns_i64(void);

/* The same instant in milliseconds. */
double util_now_ms(void);

/* The same instant in seconds. */
double util_now_s(void);

#endif
