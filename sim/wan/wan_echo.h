/* wan_echo.h: a tiny TCP echo server on 127.0.0.1, the far end of ping-pongs
 * through the WAN emulator (wan-bench and the WAN integration tests put it
 * behind emulated links in place of an etcd member). */
#ifndef GEOKV_SIM_WAN_ECHO_H
#define GEOKV_SIM_WAN_ECHO_H

#include <stddef.h>

/* Starts the echo server on an ephemeral port of 127.0.0.1; *port is set.
 * It runs until the process exits (an accept thread plus one detached thread
 * per connection): every byte read is written back, TCP_NODELAY, and the
 * client's FIN is answered with a FIN (half-close travels back). Returns 0, or
 * -1 with a message in err. */
int wan_echo_start(int *port, char *err, size_t err_len);

/* The server under both the echo and the stamping reflector (wan_reflect.h):
 * listens on an ephemeral port of 127.0.0.1 (*port is set), and an accept
 * thread starts per_conn on a detached thread for each connection, with the
 * socket (TCP_NODELAY) as (void *)(intptr_t)fd; per_conn closes it. name
 * prefixes errors. Returns 0, or -1 with a message in err. */
int wan_loopback_serve(void *(*per_conn)(void *), const char *name, int *port, char *err, size_t err_len);

/* Writes all n bytes to a blocking socket (retrying short writes and
 * EINTR). Returns 0, or -1 when the peer is gone or the write failed. */
int wan_write_all(int fd, const void *buf, size_t n);

/* Connects to 127.0.0.1:port (an echo server or an emulator link in front of
 * one) with TCP_NODELAY. Returns the socket, or -1 with errno set. */
int wan_echo_dial(int port);

#endif
