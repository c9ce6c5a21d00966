/* cookie_origin: the slow backend behind the cache. Content is a pure
 * function of the client id, so a client can check it got its own data. */
#ifndef GEOKV_COOKIE_ORIGIN_H
#define GEOKV_COOKIE_ORIGIN_H

#include <stddef.h>
#include <stdint.h>

#define COOKIE_ORIGIN_MAX_BYTES 65536

/* Write the len-byte content of client into buf (len <= COOKIE_ORIGIN_MAX_BYTES). */
void cookie_origin_content(uint64_t client, char *buf, size_t len);

/* Sleep delay_ms, then write the content (what a miss costs). */
void cookie_origin_fetch(uint64_t client, unsigned delay_ms, char *buf, size_t len);

#endif
