/*
 * tokenizer_rules.h — the tokenizer contract between indexer, query and kernels.
 *
 * This one header compiles as C11 on the host and as OpenCL C 1.2 on the
 * device (the host prepends it to every kernel source), so both sides decode,
 * classify, fold and hash bytes identically.  Nothing here allocates or keeps
 * state between calls; every function is a pure function of the bytes.
 *
 * The rules (DESIGN.md, "Tokenizer rules"):
 *  - input is UTF-8; a token is a maximal run of word characters;
 *  - word characters: ASCII letters and digits, and every well-formed non-ASCII
 *    code point outside the separator ranges listed in gal_cp_is_word();
 *  - each byte of malformed UTF-8 (bad lead, truncated, overlong, surrogate,
 *    beyond U+10FFFF) is a separator of its own;
 *  - folding: ASCII A-Z, and the simple lower-case mapping of U+00C0-U+00DE,
 *    U+0100-U+017F, U+0391-U+03AB, U+0400-U+042F (U+0130 folds to 'i');
 *  - a token longer than GAL_MAX_TERM_BYTES after folding keeps its position
 *    but is not indexed (its hash is GAL_HASH_NONE).
 *
 * Changing anything here changes every index: bump GAL_TOKENIZER_VERSION.
 */
#ifndef GAL_TOKENIZER_RULES_H
#define GAL_TOKENIZER_RULES_H

#if defined(__OPENCL_VERSION__) || defined(__OPENCL_C_VERSION__)
typedef uchar gal_u8;
typedef uint gal_u32;
typedef int gal_i32;
typedef ulong gal_u64;
#define GAL_FN inline __attribute__((always_inline))
#define GAL_TEXT __global const gal_u8 *
/* trailing zero bits of x != 0 (OpenCL C 1.2 has popcount, not ctz) */
#define GAL_CTZ64(x) ((gal_u32)popcount(((x) & (0u - (x))) - 1u))
#else
#include <stdint.h>
typedef uint8_t gal_u8;
typedef uint32_t gal_u32;
typedef int32_t gal_i32;
typedef uint64_t gal_u64;
#define GAL_FN static inline
#define GAL_TEXT const gal_u8 *
/* one instruction, where a portable popcount is a libgcc call */
#define GAL_CTZ64(x) ((gal_u32)__builtin_ctzll(x))
#endif

#define GAL_TOKENIZER_VERSION 1u
#define GAL_MAX_TERM_BYTES 64u
/* Positions left empty between the title and the body, so that no phrase or
 * proximity window of up to this many tokens can join the two fields. */
#define GAL_TITLE_BODY_GAP 16u
/* Hash value of a token that is too long to index. Real hashes are never 0. */
#define GAL_HASH_NONE 0ull
/* Seeds keep namespaces apart: a word and an entity with the same letters
 * get different keys. */
#define GAL_SEED_WORD 0x243F6A8885A308D3ull
#define GAL_SEED_ENTITY 0x13198A2E03707344ull

/* Decode the code point starting at text[i] (i < end).  Returns the number of
 * bytes consumed (1..4) and stores the code point in *cp, or -1 when the byte
 * at i does not start a well-formed sequence; then exactly one byte is
 * consumed so that every malformed byte stands alone as a separator. */
GAL_FN gal_u32 gal_utf8_decode(GAL_TEXT text, gal_u32 i, gal_u32 end, gal_i32 *cp)
{
    gal_u32 b0 = text[i];
    if (b0 < 0x80u) {
        *cp = (gal_i32)b0;
        return 1;
    }
    *cp = -1;
    if (b0 < 0xC2u || b0 > 0xF4u) /* continuation, overlong C0/C1, F5..FF */
        return 1;
    if (b0 < 0xE0u) {
        if (i + 1 >= end)
            return 1;
        gal_u32 b1 = text[i + 1];
        if ((b1 & 0xC0u) != 0x80u)
            return 1;
        *cp = (gal_i32)(((b0 & 0x1Fu) << 6) | (b1 & 0x3Fu));
        return 2;
    }
    if (b0 < 0xF0u) {
        if (i + 2 >= end)
            return 1;
        gal_u32 b1 = text[i + 1], b2 = text[i + 2];
        if ((b1 & 0xC0u) != 0x80u || (b2 & 0xC0u) != 0x80u)
            return 1;
        if (b0 == 0xE0u && b1 < 0xA0u) /* overlong */
            return 1;
        if (b0 == 0xEDu && b1 >= 0xA0u) /* UTF-16 surrogate */
            return 1;
        *cp = (gal_i32)(((b0 & 0x0Fu) << 12) | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu));
        return 3;
    }
    if (i + 3 >= end)
        return 1;
    gal_u32 b1 = text[i + 1], b2 = text[i + 2], b3 = text[i + 3];
    if ((b1 & 0xC0u) != 0x80u || (b2 & 0xC0u) != 0x80u || (b3 & 0xC0u) != 0x80u)
        return 1;
    if (b0 == 0xF0u && b1 < 0x90u) /* overlong */
        return 1;
    if (b0 == 0xF4u && b1 >= 0x90u) /* beyond U+10FFFF */
        return 1;
    *cp = (gal_i32)(((b0 & 0x07u) << 18) | ((b1 & 0x3Fu) << 12) | ((b2 & 0x3Fu) << 6) |
                    (b3 & 0x3Fu));
    return 4;
}

/* Is code point cp (or -1 for a malformed byte) part of a word? */
GAL_FN int gal_cp_is_word(gal_i32 cp)
{
    if (cp < 0x80) {
        if (cp < 0)
            return 0;
        gal_u32 c = (gal_u32)cp | 0x20u; /* ASCII letters fold onto a..z */
        return (cp >= '0' && cp <= '9') || (c >= 'a' && c <= 'z');
    }
    if (cp <= 0xBF || cp == 0xD7 || cp == 0xF7)
        return 0; /* Latin-1 punctuation and symbols, NBSP, multiplication, division */
    if (cp >= 0x2000 && cp <= 0x2BFF)
        return 0; /* general punctuation, currency, letter-like, arrows, maths, shapes */
    if (cp >= 0x3000 && cp <= 0x303F)
        return 0; /* CJK symbols and punctuation */
    if (cp == 0xFEFF)
        return 0; /* byte-order mark */
    if (cp >= 0x1F000 && cp <= 0x1FAFF)
        return 0; /* emoji and pictographs */
    return 1;
}

/* Simple lower-case mapping for the ranges the rules name; anything else is
 * returned unchanged. */
GAL_FN gal_i32 gal_cp_fold(gal_i32 cp)
{
    if (cp < 0x80)
        return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
    if (cp <= 0xDE)
        return (cp >= 0xC0 && cp != 0xD7) ? cp + 32 : cp;
    if (cp >= 0x100 && cp <= 0x17F) {
        if (cp == 0x130)
            return 'i';
        if (cp == 0x178)
            return 0xFF;
        /* pairs start on even code points, except 0x139..0x148 and
         * 0x179..0x17E, which start on odd ones; 0x131, 0x138, 0x149 and
         * 0x17F have no upper-case partner here */
        if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E))
            return (cp & 1) ? cp + 1 : cp;
        if (cp == 0x131 || cp == 0x138 || cp == 0x149 || cp == 0x17F)
            return cp;
        return (cp & 1) ? cp : cp + 1;
    }
    if (cp >= 0x391 && cp <= 0x3AB)
        return cp == 0x3A2 ? cp : cp + 32; /* U+03A2 is unassigned */
    if (cp >= 0x400 && cp <= 0x40F)
        return cp + 80;
    if (cp >= 0x410 && cp <= 0x42F)
        return cp + 32;
    return cp;
}

/* Write cp (well-formed, folded) as UTF-8 into out[0..3]; returns its length. */
GAL_FN gal_u32 gal_utf8_encode(gal_i32 cp, gal_u8 *out)
{
    gal_u32 c = (gal_u32)cp;
    if (c < 0x80u) {
        out[0] = (gal_u8)c;
        return 1;
    }
    if (c < 0x800u) {
        out[0] = (gal_u8)(0xC0u | (c >> 6));
        out[1] = (gal_u8)(0x80u | (c & 0x3Fu));
        return 2;
    }
    if (c < 0x10000u) {
        out[0] = (gal_u8)(0xE0u | (c >> 12));
        out[1] = (gal_u8)(0x80u | ((c >> 6) & 0x3Fu));
        out[2] = (gal_u8)(0x80u | (c & 0x3Fu));
        return 3;
    }
    out[0] = (gal_u8)(0xF0u | (c >> 18));
    out[1] = (gal_u8)(0x80u | ((c >> 12) & 0x3Fu));
    out[2] = (gal_u8)(0x80u | ((c >> 6) & 0x3Fu));
    out[3] = (gal_u8)(0x80u | (c & 0x3Fu));
    return 4;
}

/*
 * Term hashing.  Folded bytes are gathered eight at a time into a
 * little-endian word and mixed once per word, so a typical news word costs
 * one multiply; the length goes into the final mix so that "ab" and "ab\0"
 * cannot meet.  The state is a plain struct so a kernel can keep it in
 * registers.
 */
typedef struct gal_hasher {
    gal_u64 h;
    gal_u64 word;
    gal_u32 n;
} gal_hasher;

GAL_FN void gal_hasher_init(gal_hasher *s, gal_u64 seed)
{
    s->h = seed;
    s->word = 0;
    s->n = 0;
}

GAL_FN gal_u64 gal_hash_mix(gal_u64 x)
{
    x ^= x >> 33;
    x *= 0xFF51AFD7ED558CCDull;
    x ^= x >> 33;
    x *= 0xC4CEB9FE1A85EC53ull;
    x ^= x >> 33;
    return x;
}

/* Mix a full word of eight bytes into the state. */
GAL_FN void gal_hasher_mix_word(gal_hasher *s)
{
    s->h = (s->h ^ s->word) * 0x9E3779B97F4A7C15ull;
    s->h ^= s->h >> 29;
}

GAL_FN void gal_hasher_byte(gal_hasher *s, gal_u32 b)
{
    s->word |= (gal_u64)(b & 0xFFu) << (8u * (s->n & 7u));
    s->n++;
    if ((s->n & 7u) == 0u) {
        gal_hasher_mix_word(s);
        s->word = 0;
    }
}

GAL_FN gal_u64 gal_hasher_final(const gal_hasher *s)
{
    gal_u64 h = gal_hash_mix(s->h ^ s->word ^ ((gal_u64)s->n << 56));
    return h == GAL_HASH_NONE ? 1ull : h;
}

/* Feed one folded code point to the hasher as UTF-8 bytes; returns its
 * folded length in bytes.  (The bytes go straight in, without the byte array
 * of gal_utf8_encode, which a device would keep in slow private memory.) */
GAL_FN gal_u32 gal_hasher_cp(gal_hasher *s, gal_i32 folded)
{
    gal_u32 c = (gal_u32)folded;
    if (c < 0x80u) {
        gal_hasher_byte(s, c);
        return 1;
    }
    if (c < 0x800u) {
        gal_hasher_byte(s, 0xC0u | (c >> 6));
        gal_hasher_byte(s, 0x80u | (c & 0x3Fu));
        return 2;
    }
    if (c < 0x10000u) {
        gal_hasher_byte(s, 0xE0u | (c >> 12));
        gal_hasher_byte(s, 0x80u | ((c >> 6) & 0x3Fu));
        gal_hasher_byte(s, 0x80u | (c & 0x3Fu));
        return 3;
    }
    gal_hasher_byte(s, 0xF0u | (c >> 18));
    gal_hasher_byte(s, 0x80u | ((c >> 12) & 0x3Fu));
    gal_hasher_byte(s, 0x80u | ((c >> 6) & 0x3Fu));
    gal_hasher_byte(s, 0x80u | (c & 0x3Fu));
    return 4;
}

/* Feed the low k bytes of w (1 <= k <= 8; its other bytes zero) to the
 * hasher: the same as k calls of gal_hasher_byte, low byte first. */
GAL_FN void gal_hasher_bytes(gal_hasher *s, gal_u64 w, gal_u32 k)
{
    gal_u32 r = s->n & 7u;
    s->word |= w << (8u * r);
    s->n += k;
    if (r + k >= 8u) {
        gal_hasher_mix_word(s);
        s->word = r ? w >> (64u - 8u * r) : 0u; /* the bytes that did not fit */
    }
}

/* Eight bytes at a time, for scans that mostly meet ASCII. */

/* Bytes p[0, 8) as a little-endian word.  One load on the host, and one
 * vload8 on a little-endian device: PoCL's compiler did not merge the eight
 * byte loads below into one, and they were a sixth of the tokenizer's time. */
GAL_FN gal_u64 gal_load8(GAL_TEXT p)
{
#if (defined(__OPENCL_VERSION__) || defined(__OPENCL_C_VERSION__)) && defined(__ENDIAN_LITTLE__)
    return as_ulong(vload8(0, p));
#else
    return (gal_u64)p[0] | (gal_u64)p[1] << 8 | (gal_u64)p[2] << 16 | (gal_u64)p[3] << 24 |
           (gal_u64)p[4] << 32 | (gal_u64)p[5] << 40 | (gal_u64)p[6] << 48 |
           (gal_u64)p[7] << 56;
#endif
}

/* 64-bit constants are cast to gal_u64: in OpenCL C, long long (the type of
 * an "ull" literal) is 128 bits wide, and a product with one would keep the
 * high bits that right shifts must drop. */
#define GAL_BYTES_01 ((gal_u64)0x0101010101010101ull)
#define GAL_BYTES_20 ((gal_u64)0x2020202020202020ull)
#define GAL_BYTES_80 ((gal_u64)0x8080808080808080ull)

/* The top bit of each byte of w (every byte below 0x80) set where that
 * byte is in [lo, hi]: no sum below carries into the next byte. */
GAL_FN gal_u64 gal_bytes_in(gal_u64 w, gal_u32 lo, gal_u32 hi)
{
    return (w + GAL_BYTES_01 * (0x80u - lo)) & ~(w + GAL_BYTES_01 * (0x7Fu - hi)) & GAL_BYTES_80;
}

/* Is ASCII byte b a word byte?  gal_cp_is_word's answer for b < 0x80,
 * without decoding. */
GAL_FN int gal_ascii_word(gal_u32 b)
{
    return (b - '0' < 10u) || ((b | 0x20u) - 'a' < 26u);
}

/* One token as the scanner sees it. */
typedef struct gal_token_span {
    gal_u32 start;        /* byte offset of its first byte */
    gal_u32 end;          /* byte offset one past its last byte */
    gal_u32 folded_bytes; /* length after folding */
    gal_u64 hash;         /* GAL_HASH_NONE when folded_bytes > GAL_MAX_TERM_BYTES */
} gal_token_span;

/* Is text[i] a continuation byte (10xxxxxx)? */
GAL_FN int gal_utf8_is_cont(gal_u32 b)
{
    return (b & 0xC0u) == 0x80u;
}

/* Scan forward from i (which must be a code point boundary) to the next
 * token and fill *tok.  Returns 1 when a token was found before end, 0
 * otherwise.  The token may run past `end` only up to `limit` (the end of
 * the text): callers that split the text into chunks pass the chunk end as
 * `end` (where tokens must start) and the text end as `limit`. */
GAL_FN int gal_next_token(GAL_TEXT text, gal_u32 i, gal_u32 end, gal_u32 limit, gal_u64 seed,
                          gal_token_span *tok)
{
    /* ASCII bytes, most of news text, are classified and folded without
     * decoding: the same answers as gal_cp_is_word and gal_cp_fold */
    gal_i32 cp = -1;
    while (i < end) {
        gal_u32 b = text[i];
        if (b < 0x80u) {
            if (gal_ascii_word(b))
                break;
            i++;
            continue;
        }
        gal_u32 n = gal_utf8_decode(text, i, limit, &cp);
        if (gal_cp_is_word(cp))
            break;
        i += n;
    }
    if (i >= end)
        return 0;
    gal_hasher hs;
    gal_hasher_init(&hs, seed);
    tok->start = i;
    gal_u32 folded_bytes = 0;
    while (i < limit) {
        if (limit - i >= 8u) {
            /* eight ASCII bytes: fold and hash the word bytes among their
             * first ones at once (letters get their 0x20 bit) */
            gal_u64 w = gal_load8(text + i);
            if (!(w & GAL_BYTES_80)) {
                gal_u64 letters = gal_bytes_in(w | GAL_BYTES_20, 'a', 'z');
                gal_u64 word = letters | gal_bytes_in(w, '0', '9');
                gal_u64 stop = ~word & GAL_BYTES_80;   /* non-word bytes */
                gal_u32 k = stop ? GAL_CTZ64(stop) / 8u : 8u;
                if (k > 0u) {
                    gal_u64 folded = w | (letters >> 2);
                    if (k < 8u)
                        folded &= ((gal_u64)1 << (8u * k)) - 1u;
                    gal_hasher_bytes(&hs, folded, k);
                    folded_bytes += k;
                    i += k;
                }
                if (k < 8u)
                    break; /* text[i] is an ASCII byte outside words */
                continue;
            }
        }
        gal_u32 b = text[i];
        if (b < 0x80u) {
            if (b - '0' < 10u)
                gal_hasher_byte(&hs, b);
            else if ((b | 0x20u) - 'a' < 26u)
                gal_hasher_byte(&hs, b | 0x20u);
            else
                break;
            folded_bytes++;
            i++;
            continue;
        }
        gal_u32 n = gal_utf8_decode(text, i, limit, &cp);
        if (!gal_cp_is_word(cp))
            break;
        folded_bytes += gal_hasher_cp(&hs, gal_cp_fold(cp));
        i += n;
    }
    tok->end = i;
    tok->folded_bytes = folded_bytes;
    tok->hash = folded_bytes > GAL_MAX_TERM_BYTES ? GAL_HASH_NONE : gal_hasher_final(&hs);
    return 1;
}

/* Return the first code point boundary at or after i, for a scan that starts
 * in the middle of the text (a chunk start).  Every byte that is not a
 * continuation byte is a boundary, so only a run of continuation bytes needs
 * a look back at the lead byte (at most three bytes before) to tell whether
 * they belong to its well-formed sequence. */
GAL_FN gal_u32 gal_utf8_sync(GAL_TEXT text, gal_u32 i, gal_u32 lo, gal_u32 limit)
{
    if (i >= limit || !gal_utf8_is_cont(text[i]))
        return i;
    gal_u32 lead = i;
    while (lead > lo && i - lead < 3u && gal_utf8_is_cont(text[lead]))
        lead--;
    if (gal_utf8_is_cont(text[lead]))
        return i; /* no lead byte in reach: these bytes stand alone */
    gal_i32 cp;
    gal_u32 n = gal_utf8_decode(text, lead, limit, &cp);
    return lead + n > i ? lead + n : i;
}

/* Is the code point that ends just before boundary i a word character?
 * Used by a chunk scan to skip the tail of a token that an earlier chunk
 * owns.  lo is the lowest offset that may be read. */
GAL_FN int gal_word_ends_at(GAL_TEXT text, gal_u32 i, gal_u32 lo, gal_u32 limit)
{
    if (i <= lo)
        return 0;
    gal_u32 p = i - 1u;
    while (p > lo && i - p < 4u && gal_utf8_is_cont(text[p]))
        p--;
    gal_i32 cp;
    gal_u32 n = gal_utf8_decode(text, p, limit, &cp);
    if (p + n != i)
        return 0; /* text[i-1] is a malformed byte of its own: a separator */
    return gal_cp_is_word(cp);
}

#endif /* GAL_TOKENIZER_RULES_H */
