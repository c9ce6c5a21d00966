/* util.h: small helpers shared by the model module: error messages into a
 * caller's buffer, directories, reading whole files. */
#ifndef GEOKV_MODEL_UTIL_H
#define GEOKV_MODEL_UTIL_H

#include <stddef.h>

#if defined(__GNUC__)
#define MODEL_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MODEL_PRINTF(a, b)
#endif

/* printf into err (ignored when err is NULL or errlen is 0). */
void model_seterr(char *err, size_t errlen, const char *fmt, ...) MODEL_PRINTF(3, 4);

/* mkdir -p; 0 on success. */
int model_mkdirs(const char *path, char *err, size_t errlen);

/* Whole file into a malloc'ed NUL-terminated buffer; NULL when unreadable. */
char *model_slurp(const char *path, size_t *len);

int model_file_exists(const char *path);

#endif
