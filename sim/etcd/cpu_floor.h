/* cpu_floor.h: what one blocking request/response costs any client on this
 * machine, so that a client's CPU per request can be read against it.
 *
 * On a virtual machine the CPU charged to a thread for a write + a blocking
 * read grows with how long the server takes to answer (the wake-up from an
 * idle virtual CPU is charged to the woken thread): measured here with a bare
 * loopback echo, about 12 us at an immediate answer and 30-35 us at
 * 0.5-1 ms, the latency of an etcd put. etcd-bench-client prints this floor
 * beside its own figures (make bench-client). */
#ifndef GEOKV_SIM_CPU_FLOOR_H
#define GEOKV_SIM_CPU_FLOOR_H

/* CPU time (user + system) of one client thread per round trip of a 300-byte
 * message over loopback TCP to an echo thread that answers after
 * reply_delay_us, over `round_trips` round trips (after a warm-up). Returns
 * microseconds, or -1 when a socket or thread could not be set up. */
double cpu_floor_us(double reply_delay_us, int round_trips);

#endif
