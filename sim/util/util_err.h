/* util_err.h: error messages into a caller's buffer. Functions that can fail
 * take (char *err, size_t errlen) and fill it with what failed and what to do. */
#ifndef GEOKV_UTIL_ERR_H
#define GEOKV_UTIL_ERR_H

#include <stddef.h>

#if defined(__GNUC__)
#define UTIL_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define UTIL_PRINTF(a, b)
#endif

/* printf into err (ignored when err is NULL or errlen is 0). The message is
 * one line: control characters (a newline in a quoted argument) come out as
 * '?' (util_one_line). */
void util_seterr(char *err, size_t errlen, const char *fmt, ...) UTIL_PRINTF(3, 4);

/* Replaces every control character of s (below 0x20, and 0x7f) with '?', so
 * text from the user or the network quoted in a message keeps it one line. */
void util_one_line(char *s);

#endif
