#include "deflate_scan.h"

#include <string.h>

/* n <= 56 bits from bit `at`, deflate's order (b has 8 readable bytes from
 * at / 8; x86-64 and the other targets we build for are little-endian). */
static inline uint32_t bits(const uint8_t *b, uint64_t at, unsigned n)
{
    uint64_t w;
    memcpy(&w, b + (at >> 3), 8);
    return (uint32_t)((w >> (at & 7)) & ((1u << n) - 1));
}

/* zlib's test of a code's lengths: never over-subscribed, and complete but
 * where every code is one bit long (a code of one symbol), or where there
 * is no code at all and none_ok. */
static int code_ok(const uint8_t *len, unsigned n, int complete_only, int none_ok)
{
    unsigned count[16] = {0};
    for (unsigned i = 0; i < n; i++)
        count[len[i]]++;
    unsigned max = 15;
    while (max > 0 && count[max] == 0)
        max--;
    if (max == 0)
        return none_ok;
    int left = 1;
    for (unsigned l = 1; l <= 15; l++) {
        left = 2 * left - (int)count[l];
        if (left < 0)
            return 0;
    }
    return left == 0 || (!complete_only && max == 1);
}

int gal_deflate_code_lengths(const uint8_t *b, uint64_t nbits, uint64_t at,
                             uint8_t len[GAL_DEFLATE_CODES], unsigned *nlit_out,
                             unsigned *ndist_out, uint64_t *after)
{
    static const uint8_t order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5,
                                      11, 4, 12, 3, 13, 2, 14, 1, 15};
    if (at + 14 > nbits)
        return 0;
    uint32_t head = bits(b, at, 14);
    unsigned nlit = (head & 31) + 257, ndist = ((head >> 5) & 31) + 1;
    unsigned nclen = ((head >> 10) & 15) + 4;
    if (nlit > 286 || ndist > 30)
        return 0;
    at += 14;
    if (at + 3 * nclen > nbits)
        return 0;
    uint8_t clen[19] = {0};
    for (unsigned i = 0; i < nclen; i++, at += 3)
        clen[order[i]] = (uint8_t)bits(b, at, 3);
    if (!code_ok(clen, 19, 1, 0))
        return 0;

    /* the code-length code as a table of 7-bit lookups: symbol and length */
    uint8_t sym_of[128], len_of[128];
    unsigned next[8] = {0}, count[8] = {0};
    for (unsigned s = 0; s < 19; s++)
        count[clen[s]]++;
    count[0] = 0;
    for (unsigned l = 1, code = 0; l <= 7; l++) {
        code = (code + count[l - 1]) << 1;
        next[l] = code;
    }
    for (unsigned s = 0; s < 19; s++) {
        unsigned l = clen[s];
        if (!l)
            continue;
        unsigned code = next[l]++, rev = 0;
        for (unsigned i = 0; i < l; i++)
            rev |= ((code >> i) & 1) << (l - 1 - i);
        for (unsigned fill = rev; fill < 128; fill += 1u << l) {
            sym_of[fill] = (uint8_t)s;
            len_of[fill] = (uint8_t)l;
        }
    }

    unsigned total = nlit + ndist;
    for (unsigned n = 0; n < total;) {
        if (at + 14 > nbits)
            return 0;
        unsigned k = bits(b, at, 7);
        unsigned s = sym_of[k];
        at += len_of[k];
        unsigned rep;
        uint8_t value = 0;
        if (s < 16) {
            len[n++] = (uint8_t)s;
            continue;
        } else if (s == 16) {
            if (n == 0)
                return 0;
            value = len[n - 1];
            rep = 3 + bits(b, at, 2);
            at += 2;
        } else if (s == 17) {
            rep = 3 + bits(b, at, 3);
            at += 3;
        } else {
            rep = 11 + bits(b, at, 7);
            at += 7;
        }
        if (n + rep > total)
            return 0;
        memset(len + n, value, rep);
        n += rep;
    }
    if (len[256] == 0) /* no end-of-block code */
        return 0;
    if (!code_ok(len, nlit, 0, 0) || !code_ok(len + nlit, ndist, 0, 1))
        return 0;
    *nlit_out = nlit;
    *ndist_out = ndist;
    *after = at;
    return 1;
}

int gal_deflate_dynamic_at(const uint8_t *b, uint64_t nbits, uint64_t at)
{
    uint8_t len[GAL_DEFLATE_CODES];
    unsigned nlit, ndist;
    uint64_t after;
    /* not the last block (bit 0), dynamic codes (10) */
    return at + 3 <= nbits && bits(b, at, 3) == 4 &&
           gal_deflate_code_lengths(b, nbits, at + 3, len, &nlit, &ndist, &after);
}

uint64_t gal_deflate_find_dynamic(const uint8_t *b, uint64_t nbits, uint64_t from, uint64_t to)
{
    for (uint64_t at = from; at < to && at + 17 <= nbits; at++) {
        /* the first three bits rule out seven offsets in eight */
        if ((bits(b, at, 3) == 4) && gal_deflate_dynamic_at(b, nbits, at))
            return at;
    }
    return to;
}
