/* etcd_result.h: the bottom of the etcd client: filling an etcd_status, and
 * freeing the result structs of etcd_client.h (declared there). No I/O, no
 * JSON: the codecs, the transports and the calls all build on this, and it
 * calls none of them. */
#ifndef GEOKV_ETCD_RESULT_H
#define GEOKV_ETCD_RESULT_H

#include "sim/etcd/etcd_client.h"

/* Fills st (if not NULL) with code and the formatted message (the code's name
 * when the message comes out empty); returns code. The arguments may include
 * st->message itself (a message that wraps the previous one): it is formatted
 * into a separate buffer first. */
etcd_code etcd_set_status(etcd_status *st, etcd_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
