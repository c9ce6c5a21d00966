/* etcd_transport.c: the list of unary transports (etcd_transport.h). Its
 * order is the value of etcd_client_config.transport: the enum in
 * etcd_client.h names the first two, any further one is reached by name. */
#include "sim/etcd/etcd_transport.h"

#include <stdio.h>
#include <string.h>

static const etcd_transport_ops *const transports[] = {
    &etcd_transport_native_ops,   /* ETCD_TRANSPORT_NATIVE, the default */
    &etcd_transport_curl_ops,     /* ETCD_TRANSPORT_CURL */
};

#define N_TRANSPORTS ((int)(sizeof transports / sizeof transports[0]))

int etcd_transport_count(void)
{
    return N_TRANSPORTS;
}

const char *etcd_transport_name(etcd_transport t)
{
    return (unsigned)t < (unsigned)N_TRANSPORTS ? transports[t]->name : "unknown";
}

int etcd_transport_parse(const char *s, etcd_transport *out)
{
    for (int i = 0; i < N_TRANSPORTS; i++)
        if (s && !strcmp(s, transports[i]->name)) {
            *out = (etcd_transport)i;
            return 0;
        }
    return -1;
}

size_t etcd_transport_list(char *out, size_t len, const char *sep)
{
    size_t n = 0;
    if (len)
        out[0] = '\0';
    for (int i = 0; i < N_TRANSPORTS; i++) {
        int w = snprintf(out + (n < len ? n : len), n < len ? len - n : 0, "%s%s", i ? sep : "",
                         transports[i]->name);
        n += w > 0 ? (size_t)w : 0;
    }
    return n;
}

const etcd_transport_ops *etcd_transport_ops_of(etcd_transport t)
{
    return (unsigned)t < (unsigned)N_TRANSPORTS ? transports[t] : transports[0];
}
