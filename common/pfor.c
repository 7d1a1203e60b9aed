#include "pfor.h"

#include <string.h>

#include "varint.h"

static unsigned bits_of(uint32_t v)
{
    return v ? 32u - (unsigned)__builtin_clz(v) : 0u;
}

static size_t varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

size_t gal_pfor_bound(size_t n)
{
    /* worst case: b = 32 and no exceptions, plus the header */
    return 1 + GAL_VARINT_MAX + n * 4 + 8;
}

/* Exact size of the block with width b. */
static size_t block_size(const uint32_t *v, size_t n, unsigned b)
{
    uint32_t mask = b == 32 ? 0xFFFFFFFFu : (1u << b) - 1u;
    size_t size = 0, nexc = 0, last = 0;
    for (size_t i = 0; i < n; i++) {
        if ((v[i] & ~mask) == 0)
            continue;
        size += varint_len(i - last) + varint_len((uint64_t)v[i] >> b);
        last = i;
        nexc++;
    }
    return 1 + varint_len(nexc) + (n * b + 7) / 8 + size;
}

/* Pick the width that makes the block smallest: estimate every width from
 * a histogram of bit lengths, then take the estimate's choice only if its
 * exact size beats plain 32-bit packing, so a block never exceeds
 * gal_pfor_bound(). */
static unsigned best_width(const uint32_t *v, size_t n)
{
    size_t count[33] = {0};
    for (size_t i = 0; i < n; i++)
        count[bits_of(v[i])]++;
    size_t best_cost = (size_t)-1;
    unsigned best = 32;
    size_t wider = 0; /* values needing more than b bits */
    for (int b = 32; b >= 0; b--) {
        /* an exception costs its index gap (~1 byte) and its high part */
        size_t cost = (n * (size_t)b + 7) / 8 + wider * (2 + (size_t)(32 - b) / 16);
        if (cost <= best_cost) {
            best_cost = cost;
            best = (unsigned)b;
        }
        wider += count[b];
    }
    if (best < 32 && block_size(v, n, best) > block_size(v, n, 32))
        best = 32;
    return best;
}

size_t gal_pfor_encode(const uint32_t *v, size_t n, uint8_t *out)
{
    unsigned b = n ? best_width(v, n) : 0;
    uint32_t mask = b == 32 ? 0xFFFFFFFFu : (1u << b) - 1u;
    size_t nexc = 0;
    for (size_t i = 0; i < n; i++)
        nexc += (v[i] & ~mask) != 0;
    uint8_t *p = out;
    *p++ = (uint8_t)b;
    p += gal_varint_put(p, nexc);
    uint64_t acc = 0;
    unsigned have = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= (uint64_t)(v[i] & mask) << have;
        have += b;
        while (have >= 8) {
            *p++ = (uint8_t)acc;
            acc >>= 8;
            have -= 8;
        }
    }
    if (have)
        *p++ = (uint8_t)acc;
    size_t last = 0;
    for (size_t i = 0; i < n; i++) {
        if ((v[i] & ~mask) == 0)
            continue;
        p += gal_varint_put(p, i - last);
        p += gal_varint_put(p, (uint64_t)v[i] >> b);
        last = i;
    }
    return (size_t)(p - out);
}

/* Read 8 bytes at q without reading past end. */
static uint64_t load64(const uint8_t *q, const uint8_t *end)
{
    uint64_t x = 0;
    if (end - q >= 8) {
        memcpy(&x, q, 8); /* x86-64 and the GPUs' hosts are little-endian */
        return x;
    }
    for (int k = 0; q + k < end; k++)
        x |= (uint64_t)q[k] << (8 * k);
    return x;
}

int gal_pfor_decode(const uint8_t **p, const uint8_t *end, size_t n, uint32_t *v)
{
    const uint8_t *q = *p;
    if (q >= end)
        return -1;
    unsigned b = *q++;
    uint64_t nexc;
    if (b > 32 || gal_varint_get(&q, end, &nexc) || nexc > n)
        return -1;
    size_t packed = (n * b + 7) / 8;
    if (packed > (size_t)(end - q))
        return -1;
    const uint8_t *pend = q + packed;
    uint64_t mask = b == 32 ? 0xFFFFFFFFull : (1ull << b) - 1;
    if (b == 0) {
        memset(v, 0, n * sizeof *v);
    } else {
        size_t bit = 0;
        for (size_t i = 0; i < n; i++, bit += b)
            v[i] = (uint32_t)((load64(q + (bit >> 3), pend) >> (bit & 7)) & mask);
    }
    q = pend;
    size_t idx = 0;
    for (uint64_t e = 0; e < nexc; e++) {
        uint64_t gap, high;
        if (gal_varint_get(&q, end, &gap) || gal_varint_get(&q, end, &high))
            return -1;
        if ((e > 0 && gap == 0) || gap >= n - idx || (b < 32 && high > (0xFFFFFFFFull >> b)) ||
            (b == 32 && high))
            return -1;
        idx += (size_t)gap;
        v[idx] |= (uint32_t)(high << b);
    }
    *p = q;
    return 0;
}
