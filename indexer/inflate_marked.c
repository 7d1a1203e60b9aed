#include "inflate_marked.h"

#include <pthread.h>
#include <string.h>

#include "deflate_scan.h"

#define MAX_BITS 15
#define FAST_BITS 10
#define WINDOW 32768

/* A Huffman code: a table of FAST_BITS-bit lookups (symbol << 4 | length;
 * 0 for a longer code or a pattern no code has) and, for the rest, the
 * codes counted by length and their symbols in canonical order. */
typedef struct huff {
    uint16_t fast[1u << FAST_BITS];
    uint16_t count[MAX_BITS + 1];
    uint16_t symbol[288];
} huff;

static void build(huff *h, const uint8_t *len, unsigned n)
{
    memset(h->count, 0, sizeof h->count);
    for (unsigned s = 0; s < n; s++)
        h->count[len[s]]++;
    h->count[0] = 0;
    uint16_t offs[MAX_BITS + 2];
    unsigned next[MAX_BITS + 1];
    offs[1] = 0;
    for (unsigned l = 1; l <= MAX_BITS; l++)
        offs[l + 1] = (uint16_t)(offs[l] + h->count[l]);
    for (unsigned l = 1, code = 0; l <= MAX_BITS; l++) {
        code = (code + h->count[l - 1]) << 1;
        next[l] = code;
    }
    memset(h->fast, 0, sizeof h->fast);
    for (unsigned s = 0; s < n; s++) {
        unsigned l = len[s];
        if (!l)
            continue;
        h->symbol[offs[l]++] = (uint16_t)s;
        unsigned code = next[l]++;
        if (l > FAST_BITS)
            continue;
        unsigned rev = 0; /* deflate sends a code's top bit first */
        for (unsigned i = 0; i < l; i++)
            rev |= ((code >> i) & 1) << (l - 1 - i);
        for (unsigned f = rev; f < (1u << FAST_BITS); f += 1u << l)
            h->fast[f] = (uint16_t)(s << 4 | l);
    }
}

/* The next symbol in the low bits of buf, and its length; -1 for a
 * pattern no code has. */
static inline int decode(const huff *h, uint64_t buf, unsigned *used)
{
    uint16_t e = h->fast[buf & ((1u << FAST_BITS) - 1)];
    if (e) {
        *used = e & 15;
        return e >> 4;
    }
    int code = 0, first = 0, index = 0; /* a long code, bit by bit */
    for (unsigned l = 1; l <= MAX_BITS; l++) {
        code |= (int)((buf >> (l - 1)) & 1);
        int count = h->count[l];
        if (code - count < first) {
            *used = l;
            return h->symbol[index + (code - first)];
        }
        index += count;
        first = (first + count) << 1;
        code <<= 1;
    }
    return -1;
}

static huff fixed_lit, fixed_dist;
static pthread_once_t fixed_once = PTHREAD_ONCE_INIT;

static void make_fixed(void)
{
    uint8_t len[288];
    memset(len, 8, 144);
    memset(len + 144, 9, 112);
    memset(len + 256, 7, 24);
    memset(len + 280, 8, 8);
    build(&fixed_lit, len, 288);
    memset(len, 5, 32); /* 30 and 31 decode, and are refused */
    build(&fixed_dist, len, 32);
}

static const uint16_t len_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                      31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t dist_base[30] = {1,    2,    3,    4,    5,    7,     9,     13,    17,  25,
                                       33,   49,   65,   97,   129,  193,   257,   385,   513, 769,
                                       1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

/* Bits from in, lowest first: buf holds cnt of them, from byte pos on. */
typedef struct bits_in {
    const uint8_t *in;
    size_t pos;
    uint64_t buf;
    unsigned cnt;
} bits_in;

/* At least 56 bits in buf (in has readable bytes past its end).  One
 * 8-byte load, as on the little-endian targets we build for: format.h's
 * byte-by-byte gal_get_le64 made the decoder about a tenth slower. */
static inline void refill(bits_in *r)
{
    uint64_t w;
    memcpy(&w, r->in + r->pos, 8);
    r->buf |= w << r->cnt;
    r->pos += (63 - r->cnt) >> 3;
    r->cnt |= 56;
}

static inline void drop(bits_in *r, unsigned n)
{
    r->buf >>= n;
    r->cnt -= n;
}

static inline uint64_t taken(const bits_in *r)
{
    return (uint64_t)r->pos * 8 - r->cnt;
}

static void seek(bits_in *r, uint64_t bit)
{
    r->pos = (size_t)(bit >> 3);
    r->buf = 0;
    r->cnt = 0;
    refill(r);
    drop(r, (unsigned)(bit & 7));
}

int gal_inflate_marked(const uint8_t *in, uint64_t nbits, int at_end, uint64_t start,
                       uint64_t stop, uint16_t *out, size_t limit, size_t *n, uint64_t *end)
{
    pthread_once(&fixed_once, make_fixed);
    const int short_input = at_end ? GAL_MARKED_FAILED : GAL_MARKED_MORE;
    huff lit, dist;
    bits_in r = {in, 0, 0, 0};
    size_t o = 0;
    if (start >= nbits)
        return short_input;
    seek(&r, start);
    for (;;) {
        if (taken(&r) + 3 > nbits)
            return short_input;
        refill(&r);
        unsigned last = r.buf & 1, type = (r.buf >> 1) & 3;
        drop(&r, 3);
        const huff *lc = &fixed_lit, *dc = &fixed_dist;
        if (type == 0) { /* stored: from the next byte, a length and its complement */
            drop(&r, r.cnt & 7);
            uint32_t word = (uint32_t)(r.buf & 0xFFFFFFFFu);
            uint64_t at = taken(&r) / 8 + 4;
            unsigned len = word & 0xFFFF;
            if (at * 8 > nbits)
                return short_input;
            if ((word >> 16) != (~len & 0xFFFF))
                return GAL_MARKED_FAILED;
            if ((at + len) * 8 > nbits)
                return short_input;
            if (o + len > limit)
                return GAL_MARKED_FULL;
            for (unsigned i = 0; i < len; i++)
                out[o++] = in[at + i];
            seek(&r, (at + len) * 8);
        } else if (type == 3) {
            return GAL_MARKED_FAILED;
        } else {
            if (type == 2) {
                uint8_t len[GAL_DEFLATE_CODES];
                unsigned nlit, ndist;
                uint64_t after;
                if (!gal_deflate_code_lengths(in, nbits, taken(&r), len, &nlit, &ndist,
                                              &after))
                    return taken(&r) + 8 * GAL_DEFLATE_HEADER_MAX > nbits ? short_input
                                                                          : GAL_MARKED_FAILED;
                build(&lit, len, nlit);
                build(&dist, len + nlit, ndist);
                lc = &lit;
                dc = &dist;
                seek(&r, after);
            }
            for (;;) {
                if (taken(&r) > nbits)
                    return short_input;
                refill(&r); /* 56 bits: a length and a distance, with their extra bits */
                unsigned used;
                int sym = decode(lc, r.buf, &used);
                if (sym < 0)
                    return GAL_MARKED_FAILED;
                drop(&r, used);
                if (sym < 256) {
                    if (o == limit)
                        return GAL_MARKED_FULL;
                    out[o++] = (uint16_t)sym;
                    continue;
                }
                if (sym == 256)
                    break;
                sym -= 257;
                if (sym >= 29)
                    return GAL_MARKED_FAILED;
                size_t len = len_base[sym] + (size_t)(r.buf & ((1u << len_extra[sym]) - 1));
                drop(&r, len_extra[sym]);
                int ds = decode(dc, r.buf, &used);
                if (ds < 0 || ds >= 30)
                    return GAL_MARKED_FAILED;
                drop(&r, used);
                size_t d = dist_base[ds] + (size_t)(r.buf & ((1u << dist_extra[ds]) - 1));
                drop(&r, dist_extra[ds]);
                if (d > o + WINDOW) /* never, with a whole window: kept so that a
                                       place is always in it */
                    return GAL_MARKED_FAILED;
                if (len > limit - o)
                    return GAL_MARKED_FULL;
                uint16_t *dst = out + o;
                if (d <= o) {
                    const uint16_t *src = dst - d;
                    for (size_t i = 0; i < len; i++) /* overlapping: in order */
                        dst[i] = src[i];
                } else {
                    for (size_t i = 0; i < len; i++) {
                        size_t p = o + i; /* before the piece: a place in the window */
                        dst[i] = p >= d ? out[p - d] : (uint16_t)(256 + WINDOW + p - d);
                    }
                }
                o += len;
            }
        }
        uint64_t at = taken(&r);
        if (at > nbits)
            return short_input;
        if (last || at >= stop) {
            *end = at;
            *n = o;
            return last ? GAL_MARKED_LAST : GAL_MARKED_BOUNDARY;
        }
    }
}
