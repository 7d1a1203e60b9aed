#include "pfor.h"

#include <pthread.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "cpu_clones.h"
#include "format.h" /* gal_put_le32, gal_put_le64 */
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

/* A Rice block of n values with parameter k whose high parts (v >> k) sum
 * to highs: the header byte, the low bits, the unary codes. */
static size_t rice_size(size_t n, unsigned k, uint64_t highs)
{
    return 1 + (n * k + 7) / 8 + (size_t)((n + highs + 7) / 8);
}

/* The best Rice parameter for gaps lies near log2 of their mean, lower
 * when a few large ones raise the mean: the four up to it are weighed
 * exactly, in one pass. */
GAL_CPU_CLONES
void gal_pfor_plan_rice(const uint32_t *v, size_t n, gal_pfor_plan *plan)
{
    if (n == 0 || plan->rice)
        return;
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    unsigned k0 = bits_of((uint32_t)(sum / n)); /* floor(log2(mean)) + 1, 0 for 0 */
    unsigned lo = k0 > 3 ? k0 - 3 : 0;
    if (lo > GAL_PFOR_RICE_MAX_K - 3)
        lo = GAL_PFOR_RICE_MAX_K - 3;
    uint64_t h0 = 0, h1 = 0, h2 = 0, h3 = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t x = v[i] >> lo; /* the others by constants: cheaper shifts */
        h0 += x;
        h1 += x >> 1;
        h2 += x >> 2;
        h3 += x >> 3;
    }
    const uint64_t highs[4] = {h0, h1, h2, h3};
    for (unsigned j = 0; j < 4; j++) {
        size_t size = rice_size(n, lo + j, highs[j]);
        if (size < plan->size) {
            plan->size = size;
            plan->width = lo + j;
            plan->nexc = 0;
            plan->rice = 1;
        }
    }
}

/* One pass builds a histogram of bit lengths; every width's size follows
 * from it, since a value of L bits is an exception below width L and its
 * high part then takes ceil((L - b) / 7) varint bytes.  Widths are tried
 * from the widest down, and a narrower one must be strictly smaller, so
 * ties favour fewer exceptions (faster decoding). */
GAL_CPU_CLONES
void gal_pfor_plan_of(const uint32_t *v, size_t n, gal_pfor_plan *plan)
{
    /* bytes of an exception's high part, d bits above the width: the
     * index gap's byte and ceil(d / 7) varint bytes */
    static const uint8_t exc_len[33] = {1, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 4, 4,
                                        4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6};
    /* two histograms, for even and odd values: runs of values of the same
     * length would otherwise wait on each other's increment.  Fixed sizes,
     * cleared and summed without a call; the widest length found on the way */
    uint32_t count[33] = {0}, odd[33] = {0};
    uint32_t any = 0;
    size_t i = 0;
    for (; i + 1 < n; i += 2) {
        any |= v[i] | v[i + 1];
        count[bits_of(v[i])]++;
        odd[bits_of(v[i + 1])]++;
    }
    if (i < n) {
        any |= v[i];
        count[bits_of(v[i])]++;
    }
    for (unsigned len = 0; len <= 32; len++)
        count[len] += odd[len];
    unsigned top = bits_of(any);
    size_t best_cost = (n * top + 7) / 8 + 1, best_nexc = 0;
    unsigned best = top;
    for (unsigned b = top; b-- > 0;) {
        size_t exc_bytes = 0, nexc = 0;
        for (unsigned len = b + 1; len <= top; len++) {
            nexc += count[len];
            exc_bytes += count[len] * exc_len[len - b];
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
    plan->rice = 0;
}

/* The have bits left in acc, a byte at a time, the last one padded with 0
 * bits; returns the end of what it wrote. */
static uint8_t *put_last_bits(uint8_t *p, uint64_t acc, unsigned have)
{
    for (; have > 0; have = have > 8 ? have - 8 : 0) {
        *p++ = (uint8_t)acc;
        acc >>= 8;
    }
    return p;
}

/* v[0, n)'s low b bits, value i at bit i * b, little-endian, one at a
 * time; returns the end of the last byte written. */
static inline uint8_t *pack_each(const uint32_t *v, size_t n, unsigned b, uint8_t *p)
{
    const uint32_t mask = b == 32 ? 0xFFFFFFFFu : (1u << b) - 1u;
    /* 32 bits out at a time: have < 32 before each add and b <= 32, so the
     * 64-bit accumulator never overflows */
    uint64_t acc = 0;
    unsigned have = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= (uint64_t)(v[i] & mask) << have;
        have += b;
        if (have >= 32) {
            gal_put_le32(p, (uint32_t)acc);
            p += 4;
            acc >>= 32;
            have -= 32;
        }
    }
    return put_last_bits(p, acc, have);
}

/* The same for a width of at most 16 known when inlined: eight values
 * fill b whole bytes, so each group of eight is put together as two
 * halves of four with shifts by constants and stored as b bytes, with no
 * bit counter between them; the values after the last whole group go one
 * at a time. */
static inline uint8_t *pack_groups(const uint32_t *v, size_t n, unsigned b, uint8_t *p)
{
    const uint64_t mask = (1u << b) - 1u;
    const unsigned half = 4 * b; /* the bits of four values, at most 64 */
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t lo = 0, hi = 0;
#pragma GCC unroll 4
        for (unsigned j = 0; j < 4; j++) {
            lo |= (v[i + j] & mask) << (j * b);
            hi |= (v[i + 4 + j] & mask) << (j * b);
        }
        /* little-endian stores, as x86-64 and the GPUs' hosts are */
        if (b <= 8) {
            uint64_t w = lo | hi << half;
            memcpy(p, &w, b);
        } else if (half == 64) {
            memcpy(p, &lo, 8);
            memcpy(p + 8, &hi, 8);
        } else { /* 8 < b < 16; the & 63 only keeps the shifts in range in this
                  * branch's copies for widths that never reach it */
            uint64_t w0 = lo | hi << (half & 63), w1 = hi >> ((64 - half) & 63);
            memcpy(p, &w0, 8);
            memcpy(p + 8, &w1, b - 8);
        }
        p += b;
    }
    return pack_each(v + i, n - i, b, p);
}

/* v[0, n)'s low b bits, value i at bit i * b, little-endian; returns the
 * end of the last byte written.  The widths that postings use (gaps and
 * positions seldom need 16 bits) each get their own copy of pack_groups. */
static uint8_t *pack(const uint32_t *v, size_t n, unsigned b, uint8_t *p)
{
    switch (b) {
    case 0: return p;
#define PACK_WIDTH(w) case w: return pack_groups(v, n, w, p);
    PACK_WIDTH(1) PACK_WIDTH(2) PACK_WIDTH(3) PACK_WIDTH(4) PACK_WIDTH(5) PACK_WIDTH(6)
    PACK_WIDTH(7) PACK_WIDTH(8) PACK_WIDTH(9) PACK_WIDTH(10) PACK_WIDTH(11) PACK_WIDTH(12)
    PACK_WIDTH(13) PACK_WIDTH(14) PACK_WIDTH(15) PACK_WIDTH(16)
#undef PACK_WIDTH
    default: return pack_each(v, n, b, p);
    }
}

/* Each value's high part v >> k in unary: that many 0 bits, then a 1 bit,
 * in little-endian bit order; the last byte padded with 0 bits. */
static uint8_t *put_unary(const uint32_t *v, size_t n, unsigned k, uint8_t *p)
{
    uint64_t acc = 0;
    unsigned have = 0; /* bits of acc used, < 64 between values */
    for (size_t i = 0; i < n; i++) {
        uint64_t zeros = v[i] >> k;
        while (have + zeros >= 64) { /* the zeros fill acc: out with it */
            gal_put_le64(p, acc);
            p += 8;
            zeros -= 64 - have;
            acc = 0;
            have = 0;
        }
        have += (unsigned)zeros;
        acc |= 1ull << have;
        if (++have == 64) {
            gal_put_le64(p, acc);
            p += 8;
            acc = 0;
            have = 0;
        }
    }
    return put_last_bits(p, acc, have);
}

GAL_CPU_CLONES
size_t gal_pfor_encode(const uint32_t *v, size_t n, const gal_pfor_plan *plan, uint8_t *out)
{
    gal_pfor_plan own;
    if (!plan) {
        gal_pfor_plan_of(v, n, &own);
        plan = &own;
    }
    unsigned b = plan->width;
    uint8_t *p = out;
    if (plan->rice) {
        *p++ = (uint8_t)(GAL_PFOR_RICE_TAG + b);
        p = pack(v, n, b, p);
        return (size_t)(put_unary(v, n, b, p) - out);
    }
    p += gal_varint_put(p, (uint64_t)plan->nexc << 6 | b);
    p = pack(v, n, b, p);
    if (plan->nexc) {
        const uint32_t mask = b == 32 ? 0xFFFFFFFFu : (1u << b) - 1u;
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

/* The block header at *p (advanced past it): width (a Rice block's
 * parameter), exception count, whether it is a Rice block, and the end of
 * the packed values.  -1 when malformed or past end. */
static inline int block_head(const uint8_t **p, const uint8_t *end, size_t n, unsigned *b,
                             uint64_t *nexc, int *rice, const uint8_t **pend)
{
    uint64_t head;
    if (gal_varint_get(p, end, &head))
        return -1;
    *b = (unsigned)(head & 63);
    *nexc = head >> 6;
    *rice = *b >= GAL_PFOR_RICE_TAG;
    if (*rice) {
        *b -= GAL_PFOR_RICE_TAG;
        if (*b > GAL_PFOR_RICE_MAX_K || *nexc)
            return -1;
    }
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

/* 1 bits in x, without the library call that __builtin_popcountll is on
 * an x86-64 baseline build. */
static inline unsigned ones_in(uint64_t x)
{
    x -= x >> 1 & 0x5555555555555555ull;
    x = (x & 0x3333333333333333ull) + (x >> 2 & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return (unsigned)(x * 0x0101010101010101ull >> 56);
}

/* One byte of unary codes, read from bit 0: the run of 0 bits before each
 * of its 1 bits (the first counted from bit 0; 0 in lanes past the last),
 * as 32-bit lanes to be copied eight at a time; and how many 1 bits, and
 * the 0 bits after the last one. */
static _Alignas(16) uint32_t unary_runs[256][8];
static struct {
    uint8_t ones, tail;
} unary_ends[256];
static pthread_once_t unary_once = PTHREAD_ONCE_INIT;

static void unary_table_init(void)
{
    for (unsigned byte = 0; byte < 256; byte++) {
        unsigned zeros = 0, ones = 0;
        for (unsigned bit = 0; bit < 8; bit++) {
            if (byte >> bit & 1) {
                unary_runs[byte][ones++] = zeros;
                zeros = 0;
            } else {
                zeros++;
            }
        }
        unary_ends[byte].ones = (uint8_t)ones;
        unary_ends[byte].tail = (uint8_t)zeros;
    }
}

/* dst[0, 8) = runs[0, 8), plus carry in lane 0: in registers, since a
 * store followed by a read of lane 0 waits on the store. */
static inline void copy_runs(uint32_t *dst, const uint32_t *runs, uint32_t carry)
{
#ifdef __SSE2__
    __m128i lo = _mm_load_si128((const __m128i *)runs);
    __m128i hi = _mm_load_si128((const __m128i *)runs + 1);
    _mm_storeu_si128((__m128i *)dst, _mm_add_epi32(lo, _mm_cvtsi32_si128((int)carry)));
    _mm_storeu_si128((__m128i *)dst + 1, hi);
#else
    uint32_t lanes[8];
    memcpy(lanes, runs, sizeof lanes);
    lanes[0] += carry;
    memcpy(dst, lanes, sizeof lanes);
#endif
}

/* High parts found by the table before they are added to their values. */
#define UNARY_BATCH 256

/* The bits of [u, end) from bit on, as many as the 64-bit load at bit's
 * byte holds (0s past end); *wend is the bit after the last of them. */
static inline uint64_t window(const uint8_t *u, const uint8_t *end, size_t bit, size_t *wend)
{
    size_t nbits = (size_t)(end - u) * 8, last = bit + 64 - (bit & 7);
    *wend = last < nbits ? last : nbits;
    return load64(u + (bit >> 3), end) >> (bit & 7);
}

/* A Rice block's unary codes from u: add the high parts of values
 * [from, from + count) of the block, shifted by k, to v.  With block_end
 * (and the range reaching the block's last value), *block_end becomes the
 * end of the codes, whose padding bits must be 0.  -1 when malformed or
 * past end.  A value's high part is the distance from the previous 1 bit
 * to its own.  Three steps:
 *   - values before from are stepped over a 64-bit window at a time while
 *     the window holds no more ends than are left to step over;
 *   - while eight or more values are left, a byte at a time, by a table of
 *     the bytes' runs, added to eight values at once (lanes past the
 *     byte's 1 bits add 0); a loop per 1 bit had a mispredicted exit every
 *     window and cost four times the bit unpacking;
 *   - the rest a 64-bit window at a time, a 1 bit at a time. */
static inline int unary_highs(const uint8_t *u, const uint8_t *end, unsigned k, size_t from,
                              size_t count, uint32_t *v, const uint8_t **block_end)
{
    const uint64_t limit = 0xFFFFFFFFull >> k; /* a larger high part leaves 32 bits */
    const size_t nbits = (size_t)(end - u) * 8, stop = from + count;
    size_t bit = 0, i = 0; /* the next bit, and the value it is in */
    uint64_t run = 0;      /* 0 bits of value i before bit */
    while (i < from) {
        if (bit >= nbits)
            return -1;
        size_t wend;
        uint64_t w = window(u, end, bit, &wend);
        unsigned ones = ones_in(w);
        if (i + ones <= from) {
            i += ones;
            run = ones ? wend - bit - (64 - (unsigned)__builtin_clzll(w)) : run + (wend - bit);
            bit = wend;
            continue;
        }
        /* value from starts after the (from - i)th 1 bit here */
        unsigned t = 0;
        for (; i < from; i++) {
            t = (unsigned)__builtin_ctzll(w);
            w &= w - 1;
        }
        bit += t + 1;
        run = 0;
    }
    if (limit >= 7 && stop - i >= 8) { /* a byte's runs are at most 7 */
        pthread_once(&unary_once, unary_table_init);
        size_t at = bit >> 3, nbytes = (size_t)(end - u);
        unsigned skip = (unsigned)(bit & 7); /* bits of the first byte already read */
        uint32_t highs[UNARY_BATCH + 8];
        while (stop - i >= 8 && at < nbytes) {
            /* a batch of high parts: each byte's eight lanes copied whole
             * (no reads of what the last byte wrote), the lanes past its
             * 1 bits overwritten by the next byte's */
            size_t first = i, got = 0;
            uint64_t over = 0; /* any high part past limit */
            while (got <= UNARY_BATCH - 8 && stop - i >= 8 && at < nbytes) {
                unsigned byte = u[at++] >> skip, ones = unary_ends[byte].ones;
                uint64_t carry = ones ? run : 0;
                over |= (carry + unary_runs[byte][0]) > limit;
                copy_runs(highs + got, unary_runs[byte], (uint32_t)carry);
                run = ones ? (uint64_t)(unary_ends[byte].tail - skip) : run + 8 - skip;
                skip = 0;
                got += ones;
                i += ones;
            }
            if (over || run > limit)
                return -1;
            uint32_t *dst = v + (first - from);
            for (size_t j = 0; j < got; j++)
                dst[j] += highs[j] << k;
        }
        bit = at * 8 + skip;
    }
    while (i < stop) {
        if (bit >= nbits)
            return -1;
        size_t wend;
        uint64_t w = window(u, end, bit, &wend);
        /* where value i's 0 bits began, relative to the window */
        int64_t start = -(int64_t)run;
        while (w) {
            /* w &= w - 1 is the loop's only chain: the 1 bits' places are
             * found independently of each other */
            unsigned t = (unsigned)__builtin_ctzll(w);
            w &= w - 1;
            uint64_t high = (uint64_t)((int64_t)t - start);
            if (high > limit)
                return -1;
            v[i - from] += (uint32_t)(high << k);
            start = (int64_t)t + 1;
            if (++i == stop)
                break;
        }
        if (i == stop) {
            bit += (size_t)start;
            break;
        }
        run = (uint64_t)((int64_t)(wend - bit) - start);
        if (run > limit)
            return -1;
        bit = wend;
    }
    if (block_end) {
        if ((bit & 7) && u[bit >> 3] >> (bit & 7))
            return -1;
        *block_end = u + (bit + 7) / 8;
    }
    return 0;
}

int gal_pfor_decode(const uint8_t **p, const uint8_t *end, size_t n, uint32_t *v)
{
    const uint8_t *q = *p, *pend;
    unsigned b;
    uint64_t nexc;
    int rice;
    if (block_head(&q, end, n, &b, &nexc, &rice, &pend))
        return -1;
    unpack(q, pend, b, 0, n, v);
    q = pend;
    if (rice ? n && unary_highs(pend, end, b, 0, n, v, &q)
             : patch(&q, end, n, b, nexc, 0, n, v))
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
    int rice;
    if (from > n || count > n - from || block_head(&p, end, n, &b, &nexc, &rice, &pend))
        return -1;
    unpack(p, pend, b, from, count, v);
    if (rice)
        return count ? unary_highs(pend, end, b, from, count, v, NULL) : 0;
    return patch(&pend, end, n, b, nexc, from, count, v);
}
