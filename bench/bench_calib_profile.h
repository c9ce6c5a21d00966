/* bench_calib_profile.h: a fitted value written into a profile file
 * (sim/cb/cb_profile.h's format) as a one-object edit, so the file keeps its
 * layout and the diff is the one line. */
#ifndef GEOKV_BENCH_CALIB_PROFILE_H
#define GEOKV_BENCH_CALIB_PROFILE_H

#include <stddef.h>

#include <jansson.h>

/* In a profile file's text, replaces the object of params.KEY (the whole
 * {"value": ..., "source": ...}) by obj_text, leaving every other byte as it
 * was (a small diff). *out is malloc'ed. -1 with a message when the text is
 * not an object with "params" holding KEY as an object. */
int bench_calib_profile_splice(const char *text, const char *key, const char *obj_text, char **out, char *err,
                               size_t err_len);

/* Sets params.KEY of the profile file at path to {"value": value, "source":
 * source}, checks that the result still loads as a profile, and replaces the
 * file atomically (a temporary file beside it, fsync, rename). 0, or -1 with
 * a message. */
int bench_calib_profile_write(const char *path, const char *key, json_t *value, const char *source, char *err,
                              size_t err_len);

#endif
