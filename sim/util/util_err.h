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

/* printf into err (ignored when err is NULL or errlen is 0). */
void util_seterr(char *err, size_t errlen, const char *fmt, ...) UTIL_PRINTF(3, 4);

#endif
