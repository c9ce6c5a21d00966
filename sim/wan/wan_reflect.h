/* wan_reflect.h: a stamping TCP reflector on 127.0.0.1, the far end of
 * wan-bench's accuracy ping-pongs.
 *
 * Why not the plain echo (wan_echo.h): a round trip through the emulator
 * includes the far end's turnaround, and on an idle virtual machine the echo
 * thread's own wake-up (its vCPU halted between messages) is 0.1-0.3 ms of
 * it, which is neither the emulated link nor the emulator. Like a TWAMP
 * session reflector (RFC 5357), this one writes into each reply how long it
 * held the message, so the sender can take the reflector's time out of the
 * round trip. The raw round trip is reported too.
 *
 * Framing: each message starts with its total length (4 bytes, big endian,
 * WAN_REFLECT_MIN..WAN_REFLECT_MAX). The reflector reads a whole message,
 * then sends it back with bytes 4..11 replaced by its turnaround in
 * nanoseconds (big endian): from the kernel's receive timestamp of the read
 * that completed the message (SO_TIMESTAMPNS) to just before the reply's
 * write. When one read completes several messages, the timestamp is that of
 * the read's last segment, so the turnaround can only be understated and the
 * corrected round trip only overstated. */
#ifndef GEOKV_SIM_WAN_REFLECT_H
#define GEOKV_SIM_WAN_REFLECT_H

#include <stddef.h>
#include <stdint.h>

#define WAN_REFLECT_MIN 12
#define WAN_REFLECT_MAX 65536

/* Starts the reflector on an ephemeral port of 127.0.0.1; *port is set. It
 * runs until the process exits (an accept thread plus one detached thread
 * per connection; a malformed length closes that connection). Returns 0, or
 * -1 with a message in err. */
int wan_reflect_start(int *port, char *err, size_t err_len);

/* Writes the length header into a message buffer of `len` bytes. */
void wan_reflect_frame(unsigned char *msg, uint32_t len);

/* The turnaround the reflector wrote into a reply, in nanoseconds. */
uint64_t wan_reflect_turnaround_ns(const unsigned char *reply);

#endif
