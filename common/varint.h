/*
 * varint.h — LEB128 variable-length integers, the postings' basic unit.
 * Seven bits per byte, low bits first, high bit set on all but the last byte.
 */
#ifndef GAL_VARINT_H
#define GAL_VARINT_H

#include <stddef.h>
#include <stdint.h>

#define GAL_VARINT_MAX 10

/* Write v at out (room for GAL_VARINT_MAX bytes); returns bytes written. */
static inline size_t gal_varint_put(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

/* Bytes gal_varint_put writes for v. */
static inline size_t gal_varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* Read a varint from [*p, end); advances *p.  Returns 0, or -1 when the
 * input ends inside the varint or it is longer than 64 bits allow. */
static inline int gal_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    const uint8_t *q = *p;
    uint64_t x = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (q >= end)
            return -1;
        uint8_t b = *q++;
        x |= (uint64_t)(b & 0x7F) << shift;
        if (b < 0x80) {
            *p = q;
            *v = x;
            return 0;
        }
    }
    return -1;
}

/* 32-bit variant; values above UINT32_MAX are an error. */
static inline int gal_varint_get32(const uint8_t **p, const uint8_t *end, uint32_t *v)
{
    uint64_t x;
    if (gal_varint_get(p, end, &x) || x > UINT32_MAX)
        return -1;
    *v = (uint32_t)x;
    return 0;
}

static inline uint64_t gal_zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t gal_unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

#endif
