#include "sim/cookie/cookie_origin.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void cookie_origin_content(uint64_t client, char *buf, size_t len)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    char head[40];
    int h = snprintf(head, sizeof head, "client=%llu;", (unsigned long long)client);
    uint64_t x = client * 0x9e3779b97f4a7c15ULL + 1;
    for (size_t i = 0; i < len; i++) {
        if (i < (size_t)h) {
            buf[i] = head[i];
            continue;
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf[i] = alphabet[x % (sizeof alphabet - 1)];
    }
}

void cookie_origin_fetch(uint64_t client, unsigned delay_ms, char *buf, size_t len)
{
    struct timespec ts = { delay_ms / 1000, (long)(delay_ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0)
        ;
    cookie_origin_content(client, buf, len);
}
