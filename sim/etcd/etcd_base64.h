/* etcd_base64.h: standard base64 with padding, as etcd's JSON gateway uses for
 * every byte field (key, value, range_end, name). */
#ifndef GEOKV_ETCD_BASE64_H
#define GEOKV_ETCD_BASE64_H

#include <stddef.h>

/* Characters needed to encode n bytes, without the terminating NUL. */
#define ETCD_BASE64_LEN(n) (4 * (((n) + 2) / 3))

/* Writes ETCD_BASE64_LEN(n) characters and a NUL to out; returns the length. */
size_t etcd_base64_encode(const void *in, size_t n, char *out);

/* Decodes len characters (padding optional, no whitespace) into out, which
 * must hold at least 3 * (len / 4) + 2 bytes; writes a NUL after the data.
 * Returns 0 and sets *out_len, or -1 on an invalid character or length. */
int etcd_base64_decode(const char *in, size_t len, char *out, size_t *out_len);

/* Convenience: malloc'd decoded copy, NUL-terminated. -1 on bad input or OOM. */
int etcd_base64_decode_alloc(const char *in, size_t len, char **out, size_t *out_len);

#endif
