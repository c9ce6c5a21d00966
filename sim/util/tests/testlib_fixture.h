/* testlib_fixture.h: reading the recorded test data of sim/etcd/tests/data (etcd
 * responses, watch streams, /metrics pages, fuzz inputs) from the
 * repository, wherever the test runs from. Shared by the sim unit tests.
 * Read failures fail the current cmocka test: a missing fixture is a broken
 * checkout, not something a test can skip. */
#ifndef GEOKV_SIM_TESTS_TESTLIB_FIXTURE_H
#define GEOKV_SIM_TESTS_TESTLIB_FIXTURE_H

#include <stddef.h>

#include <jansson.h>

/* "<GEOKV_ROOT>/<relpath>" into out (GEOKV_ROOT unset or empty: "."). */
void fixture_path(const char *relpath, char *out, size_t out_len);

/* The whole file at path, NUL-terminated (the terminator not counted in
 * *len); free() it. */
char *fixture_read_file(const char *path, size_t *len);

/* The whole file at path in a buffer of exactly *len bytes (1 when empty),
 * not terminated: inputs replayed into parsers, so that AddressSanitizer
 * sees a read one past the end. */
unsigned char *fixture_read_file_exact(const char *path, size_t *len);

/* sim/etcd/tests/data/<name>, NUL-terminated. */
char *fixture_read(const char *name, size_t *len);

/* sim/etcd/tests/data/etcd/<name> (responses recorded from etcd 3.4.23),
 * NUL-terminated, and the same parsed with jansson (json_decref it). */
char *fixture_read_etcd(const char *name, size_t *len);
json_t *fixture_load_etcd_json(const char *name);

#endif
