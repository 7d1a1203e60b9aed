#include "pfor.h"

#include <string.h>

#include "pfor_simd.h"
#include "varint.h"

/* Bits in v, 0 for 0, without a branch: the histogram below meets zeros
 * and non-zeros in no predictable order (tfs - 1, position gaps of 0). */
static unsigned bits_of(uint32_t v)
{
    return 63u - (unsigned)__builtin_clzll((uint64_t)v << 1 | 1u);
}

size_t gal_pfor_bound(size_t n)
{
    /* the chosen width never costs more than b = 32 without exceptions as
     * gal_pfor_plan_of() estimates it (4n + 1); the estimate counts one byte
     * per exception gap, and the gaps' extra varint bytes add at most n/128
     * since the gaps sum to less than n */
    return 1 + GAL_VARINT_MAX + n * 4 + n / 128 + 8;
}

/* One pass builds a histogram of bit lengths; every width's size follows
 * from it, since a value of L bits is an exception below width L and its
 * high part then takes ceil((L - b) / 7) varint bytes.  Widths are tried
 * from the widest down, and a narrower one must be strictly smaller, so
 * ties favour fewer exceptions (faster decoding). */
void gal_pfor_plan_of(const uint32_t *v, size_t n, gal_pfor_plan *plan)
{
    uint32_t any = 0;
    for (size_t i = 0; i < n; i++)
        any |= v[i];
    unsigned top = bits_of(any);
    /* two histograms, for even and odd values: runs of values of the same
     * length would otherwise wait on each other's increment */
    size_t count[33], odd[33];
    memset(count, 0, (top + 1) * sizeof *count);
    memset(odd, 0, (top + 1) * sizeof *odd);
    size_t i = 0;
    for (; i + 1 < n; i += 2) {
        count[bits_of(v[i])]++;
        odd[bits_of(v[i + 1])]++;
    }
    if (i < n)
        count[bits_of(v[i])]++;
    for (unsigned len = 0; len <= top; len++)
        count[len] += odd[len];
    size_t best_cost = (n * top + 7) / 8 + 1, best_nexc = 0;
    unsigned best = top;
    for (unsigned b = top; b-- > 0;) {
        size_t exc_bytes = 0, nexc = 0;
        for (unsigned len = b + 1; len <= top; len++) {
            nexc += count[len];
            exc_bytes += count[len] * (1 + (len - b + 6) / 7);
        }
        if (exc_bytes >= best_cost) /* exceptions only grow as b shrinks */
            break;
        size_t cost = (n * b + 7) / 8 + exc_bytes + gal_varint_len((uint64_t)nexc << 6 | b);
        if (cost < best_cost) {
            best_cost = cost;
            best = b;
            best_nexc = nexc;
        }
    }
    plan->width = best;
    plan->nexc = best_nexc;
    plan->size = best_cost;
}

size_t gal_pfor_encode(const uint32_t *v, size_t n, const gal_pfor_plan *plan, uint8_t *out)
{
    gal_pfor_plan own;
    if (!plan) {
        gal_pfor_plan_of(v, n, &own);
        plan = &own;
    }
    unsigned b = plan->width;
    uint32_t mask = b == 32 ? 0xFFFFFFFFu : (1u << b) - 1u;
    uint8_t *p = out;
    p += gal_varint_put(p, (uint64_t)plan->nexc << 6 | b);
    if (b) {
        /* 32 bits out at a time: have < 32 before each add and b <= 32,
         * so the 64-bit accumulator never overflows */
        uint64_t acc = 0;
        unsigned have = 0;
        for (size_t i = 0; i < n; i++) {
            acc |= (uint64_t)(v[i] & mask) << have;
            have += b;
            if (have >= 32) {
                p[0] = (uint8_t)acc;
                p[1] = (uint8_t)(acc >> 8);
                p[2] = (uint8_t)(acc >> 16);
                p[3] = (uint8_t)(acc >> 24);
                p += 4;
                acc >>= 32;
                have -= 32;
            }
        }
        for (; have > 0; have = have > 8 ? have - 8 : 0) {
            *p++ = (uint8_t)acc;
            acc >>= 8;
        }
    }
    if (plan->nexc) {
        size_t last = 0;
        for (size_t i = 0; i < n; i++) {
            if ((v[i] & ~mask) == 0)
                continue;
            p += gal_varint_put(p, i - last);
            p += gal_varint_put(p, (uint64_t)v[i] >> b);
            last = i;
        }
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

/* The block header at *p (advanced past it): width, exception count, and
 * the end of the packed values.  -1 when malformed or past end. */
static inline int block_head(const uint8_t **p, const uint8_t *end, size_t n, unsigned *b,
                             uint64_t *nexc, const uint8_t **pend)
{
    uint64_t head;
    if (gal_varint_get(p, end, &head))
        return -1;
    *b = (unsigned)(head & 63);
    *nexc = head >> 6;
    if (*b > 32 || *nexc > n)
        return -1;
    size_t packed = (n * *b + 7) / 8;
    if (packed > (size_t)(end - *p))
        return -1;
    *pend = *p + packed;
    return 0;
}

/* The value of mask's width at bit `bit` of q, whose 8 bytes from bit / 8
 * are readable. */
static inline uint32_t value_at(const uint8_t *q, size_t bit, uint64_t mask)
{
    uint64_t x;
    memcpy(&x, q + (bit >> 3), 8); /* x86-64 and the GPUs' hosts are little-endian */
    return (uint32_t)((x >> (bit & 7)) & mask);
}

/* Values [from, from + count) of v, the first at bit from * b of q, while
 * their 8-byte loads stay before pend.  Returns how many it unpacked.
 * Inlined once per width (b a constant), it compiles to shifts by
 * constants; eight values fill b whole bytes, so inside a group of eight
 * the load offsets and shifts are constants too, and the group's loads
 * do not wait on each other's bit counter. */
static inline size_t unpack_inside(const uint8_t *q, const uint8_t *pend, unsigned b, size_t from,
                                   size_t count, uint32_t *v)
{
    size_t avail = (size_t)(pend - q), bit = from * b;
    if (avail < 8)
        return 0;
    const uint64_t mask = b == 32 ? 0xFFFFFFFFull : (1ull << b) - 1;
    /* value i is inside while its first bit, bit + i * b, lies in a byte
     * at most avail - 8 */
    size_t limit = (avail - 8) * 8 + 7;
    size_t last = limit >= bit ? (limit - bit) / b + 1 : 0;
    if (last > count)
        last = count;
    size_t i = 0, lead = (8 - (from & 7)) & 7; /* values before a group starts */
    for (; i < last && i < lead; i++, bit += b)
        v[i] = value_at(q, bit, mask);
    if (b <= 16 && i + 8 <= last) { /* whole groups with AVX2, where there is */
        size_t g = gal_pfor_unpack_groups(q + (bit >> 3), pend, b, (last - i) / 8, v + i);
        i += 8 * g;
        bit += 8 * g * b;
    }
    for (; i + 8 <= last; i += 8, bit += 8 * (size_t)b) {
        const uint8_t *group = q + (bit >> 3);
#pragma GCC unroll 8
        for (unsigned j = 0; j < 8; j++)
            v[i + j] = value_at(group, j * b, mask);
    }
    for (; i < last; i++, bit += b)
        v[i] = value_at(q, bit, mask);
    return last;
}

/* Values [from, from + count) of [q, pend) that unpack_inside() can reach,
 * by the width's own copy of it; returns how many. */
static inline size_t unpack_by_width(const uint8_t *q, const uint8_t *pend, unsigned b,
                                     size_t from, size_t count, uint32_t *v)
{
    switch (b) {
#define WIDTH(w) case w: return unpack_inside(q, pend, w, from, count, v);
        WIDTH(1) WIDTH(2) WIDTH(3) WIDTH(4) WIDTH(5) WIDTH(6) WIDTH(7) WIDTH(8)
        WIDTH(9) WIDTH(10) WIDTH(11) WIDTH(12) WIDTH(13) WIDTH(14) WIDTH(15) WIDTH(16)
#undef WIDTH
    default: return unpack_inside(q, pend, b, from, count, v);
    }
}

/* unpack_inside() leaves the values that start in a block's last 8 bytes
 * (all of a block of fewer); with the up to 7 values before them in their
 * group of eight, they lie in fewer bytes than this (at 32 bits: 7 + 28). */
#define TAIL_BYTES 48

/* Values [from, from + count) of the packed bits [q, pend) into v. */
static inline void unpack(const uint8_t *q, const uint8_t *pend, unsigned b, size_t from,
                          size_t count, uint32_t *v)
{
    if (b == 0) {
        memset(v, 0, count * sizeof *v);
        return;
    }
    size_t i = unpack_by_width(q, pend, b, from, count, v);
    if (i == count)
        return;
    /* The values left, whose 8-byte loads would pass pend: from a copy of
     * the block's end padded with zeros, starting with their group of
     * eight, so that whole groups unpack as groups there (one at a time,
     * a byte at a time, they were most of a small block's cost). */
    size_t group = (from + i) & ~(size_t)7;
    const uint8_t *at = q + group * b / 8; /* a group starts on a byte */
    size_t left = at <= pend ? (size_t)(pend - at) : SIZE_MAX;
    if (left <= TAIL_BYTES) {
        uint8_t tail[TAIL_BYTES + 16] = {0};
        memcpy(tail, at, left);
        i += unpack_by_width(tail, tail + sizeof tail, b, from + i - group, count - i, v + i);
    }
    /* not for a well-formed block; kept safe */
    uint64_t mask = b == 32 ? 0xFFFFFFFFull : (1ull << b) - 1;
    for (size_t bit = (from + i) * b; i < count; i++, bit += b)
        v[i] = (uint32_t)((load64(q + (bit >> 3), pend) >> (bit & 7)) & mask);
}

/* Walk the nexc exceptions at *p, adding the high bits of those in
 * [from, from + count) to v; stops after the last one in range, so *p is
 * the end of the block only when the range reaches it.  -1 when malformed. */
static inline int patch(const uint8_t **p, const uint8_t *end, size_t n, unsigned b,
                        uint64_t nexc, size_t from, size_t count, uint32_t *v)
{
    size_t idx = 0;
    for (uint64_t e = 0; e < nexc; e++) {
        uint64_t gap, high;
        if (gal_varint_get(p, end, &gap) || gal_varint_get(p, end, &high))
            return -1;
        if ((e > 0 && gap == 0) || gap >= n - idx || (b < 32 && high > (0xFFFFFFFFull >> b)) ||
            (b == 32 && high))
            return -1;
        idx += (size_t)gap;
        if (idx >= from + count)
            return 0; /* exceptions come in index order: none left in range */
        if (idx >= from)
            v[idx - from] |= (uint32_t)(high << b);
    }
    return 0;
}

int gal_pfor_decode(const uint8_t **p, const uint8_t *end, size_t n, uint32_t *v)
{
    const uint8_t *q = *p, *pend;
    unsigned b;
    uint64_t nexc;
    if (block_head(&q, end, n, &b, &nexc, &pend))
        return -1;
    unpack(q, pend, b, 0, n, v);
    q = pend;
    if (patch(&q, end, n, b, nexc, 0, n, v))
        return -1;
    *p = q;
    return 0;
}

int gal_pfor_decode_range(const uint8_t *p, const uint8_t *end, size_t n, size_t from,
                          size_t count, uint32_t *v)
{
    const uint8_t *pend;
    unsigned b;
    uint64_t nexc;
    if (from > n || count > n - from || block_head(&p, end, n, &b, &nexc, &pend))
        return -1;
    unpack(p, pend, b, from, count, v);
    return patch(&pend, end, n, b, nexc, from, count, v);
}
