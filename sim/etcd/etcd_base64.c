/* etcd_base64.c: base64 codec (RFC 4648, standard alphabet, padded). */
#include "sim/etcd/etcd_base64.h"

#include <stdint.h>
#include <stdlib.h>

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t etcd_base64_encode(const void *in, size_t n, char *out)
{
    const unsigned char *p = in;
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        out[o++] = b64_alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

/* Value + 1 of each alphabet character, 0 for every other byte: a table
 * instead of range tests, since every key and value of every etcd answer
 * goes through here (the decoder was a fifth of a request's instructions). */
static const unsigned char b64_value1[256] = {
    ['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7, ['H'] = 8,
    ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16,
    ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
    ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
    ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
    ['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
    ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
    ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

int etcd_base64_decode(const char *in, size_t len, char *out, size_t *out_len)
{
    /* Strip up to two '=' of padding; what remains must not leave 1 char. */
    size_t pad = 0;
    while (len > 0 && in[len - 1] == '=' && pad < 2) { len--; pad++; }
    if (len % 4 == 1 || (pad && (len + pad) % 4 != 0))
        return -1;
    const unsigned char *p = (const unsigned char *)in;
    size_t o = 0, i = 0;
    for (; i + 4 <= len; i += 4) {   /* whole quanta: 4 characters -> 3 bytes */
        unsigned a = b64_value1[p[i]], b = b64_value1[p[i + 1]], c = b64_value1[p[i + 2]], d = b64_value1[p[i + 3]];
        if (!a || !b || !c || !d)
            return -1;
        uint32_t v = (a - 1) << 18 | (b - 1) << 12 | (c - 1) << 6 | (d - 1);
        out[o++] = (char)(v >> 16);
        out[o++] = (char)(v >> 8);
        out[o++] = (char)v;
    }
    uint32_t acc = 0;   /* the last 2 or 3 characters, before padding */
    int bits = 0;
    for (; i < len; i++) {
        unsigned v = b64_value1[p[i]];
        if (!v)
            return -1;
        acc = (acc << 6) | (v - 1);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[o] = '\0';
    *out_len = o;
    return 0;
}

int etcd_base64_decode_alloc(const char *in, size_t len, char **out, size_t *out_len)
{
    char *buf = malloc(3 * (len / 4) + 3);
    if (!buf)
        return -1;
    if (etcd_base64_decode(in, len, buf, out_len) != 0) {
        free(buf);
        return -1;
    }
    *out = buf;
    return 0;
}
