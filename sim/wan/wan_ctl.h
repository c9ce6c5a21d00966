/* wan_ctl.h: control socket of the WAN emulator, for the standalone program
 * (geokv-wan) and scripts. A unix stream socket (by default ctl.sock in a
 * fresh private temp directory, so nothing listens on the network); one
 * command per line, one JSON reply per line:
 *
 *   links                          -> {"ok":true,"result":{links, peer_listeners, rtt_scale}}
 *   counters                       -> {"ok":true,"result":{links, egress, ...}}
 *   rtt LINK MS                    new RTT for a link (rtt_scale applies)
 *   jitter LINK SIGMA_MS [SPIKE_MS SPIKE_PROB]
 *   bandwidth LINK MBPS            0: no cap
 *   blackhole LINK on|off
 *   partition MEMBER on|off [clients]   MEMBER: name or index; "clients" also cuts its client links
 *   heal                           every blackhole off
 *   member-id MEMBER HEX           register a member's raft id (X-Server-From)
 *   help
 * Errors: {"ok":false,"error":"..."}. LINK is a link name ("c:aws-us-east-1:a-sel",
 * "p:a-sel:a-sin", ...) as listed by `links`.
 *
 * Try it:  echo counters | socat - UNIX-CONNECT:/tmp/geokv-wan-XXXX/ctl.sock
 *     or:  python3 -c ... / nc -U (OpenBSD netcat)
 */
#ifndef GEOKV_WAN_CTL_H
#define GEOKV_WAN_CTL_H

#include <stddef.h>

#include "sim/wan/wan.h"

typedef struct wan_ctl wan_ctl;

/* Listen on `path` (NULL: a new private temp directory's ctl.sock) and serve
 * commands from a thread until wan_ctl_stop. */
int wan_ctl_start(wan *w, const char *path, wan_ctl **out, char *err, size_t errlen);
const char *wan_ctl_path(const wan_ctl *c);
/* Stop serving, remove the socket (and the temp directory it made). NULL-safe. */
void wan_ctl_stop(wan_ctl *c);

/* Run one command line; returns a malloc'd one-line JSON reply (no newline). */
char *wan_ctl_exec(wan *w, const char *line);

#endif
