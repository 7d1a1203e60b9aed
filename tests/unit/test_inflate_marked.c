/*
 * test_inflate_marked.c — the decoder of 16-bit symbols
 * (indexer/inflate_marked.c) against zlib: raw deflate streams of text at
 * every level and strategy (fixed codes, stored blocks, tiny and large
 * blocks), with and without a 32 KiB dictionary, decoded from the start;
 * the places in the window, filled in from the dictionary, give zlib's
 * bytes.  Damaged streams (a bit flipped anywhere, a stored block's length
 * check broken, the stream cut short) fail exactly where zlib fails, never
 * a different output.
 */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "check.h"
#include "inflate_marked.h"

#define WINDOW 32768

static uint8_t dict[WINDOW];

/* Text with words from the dictionary, so that copies reach into it. */
static size_t make_text(uint8_t *t, size_t cap, uint32_t seed)
{
    size_t n = 0;
    while (n + 64 < cap) {
        seed = seed * 1103515245u + 12345u;
        if (seed % 5 == 0) { /* a piece of the dictionary */
            size_t from = (seed >> 8) % (WINDOW - 40), len = 4 + (seed >> 20) % 30;
            memcpy(t + n, dict + from, len);
            n += len;
        } else {
            n += (size_t)snprintf((char *)t + n, cap - n, "word%u ", (seed >> 9) % 700);
        }
    }
    return n;
}

/* text[0, n) as raw deflate, its dictionary the window when use_dict. */
static size_t compress_raw(const uint8_t *text, size_t n, uint8_t *out, size_t cap, int level,
                           int mem_level, int strategy, int use_dict)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    CHECK(deflateInit2(&z, level, Z_DEFLATED, -MAX_WBITS, mem_level, strategy) == Z_OK);
    if (use_dict)
        CHECK(deflateSetDictionary(&z, dict, WINDOW) == Z_OK);
    z.next_in = (Bytef *)text;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
    size_t len = cap - z.avail_out;
    deflateEnd(&z);
    return len;
}

/* zlib's decode: the output in out, and whether the stream ended cleanly. */
static int zlib_raw(const uint8_t *in, size_t n, int use_dict, uint8_t *out, size_t cap,
                    size_t *len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    CHECK(inflateInit2(&z, -MAX_WBITS) == Z_OK);
    if (use_dict)
        CHECK(inflateSetDictionary(&z, dict, WINDOW) == Z_OK);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    int rc = inflate(&z, Z_FINISH);
    *len = cap - z.avail_out;
    inflateEnd(&z);
    return rc == Z_STREAM_END;
}

/* Ours, its places filled in from the dictionary (as from a zero window
 * when there is none: no place may then be used). */
static int marked(const uint8_t *in, size_t n, int at_end, uint16_t *sym, size_t cap,
                  uint8_t *out, size_t *len, int *result)
{
    uint8_t *padded = malloc(n + 16);
    memcpy(padded, in, n);
    memset(padded + n, 0, 16);
    uint64_t end;
    size_t count = 0;
    *result = gal_inflate_marked(padded, (uint64_t)n * 8, at_end, 0, UINT64_MAX, sym, cap,
                                 &count, &end);
    free(padded);
    for (size_t i = 0; i < count; i++)
        out[i] = sym[i] < 256 ? (uint8_t)sym[i] : dict[sym[i] - 256];
    *len = count;
    return *result == GAL_MARKED_LAST;
}

int main(void)
{
    for (size_t i = 0; i < WINDOW; i++)
        dict[i] = (uint8_t)("the quick brown fox jumps over a lazy dog; "[i % 43] + (i / 4096));
    size_t cap = (size_t)3 << 20;
    uint8_t *text = malloc(cap), *comp = malloc(cap), *a = malloc(cap), *b = malloc(cap);
    uint16_t *sym = malloc(cap * sizeof *sym);
    size_t n = make_text(text, (size_t)400 << 10, 7);

    static const struct {
        int level, mem_level, strategy;
    } kinds[] = {{0, 8, Z_DEFAULT_STRATEGY}, {1, 8, Z_DEFAULT_STRATEGY}, {6, 1, Z_DEFAULT_STRATEGY},
                 {6, 8, Z_FIXED},            {9, 9, Z_DEFAULT_STRATEGY}, {6, 8, Z_HUFFMAN_ONLY},
                 {6, 8, Z_RLE}};
    size_t places = 0;
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        for (int use_dict = 0; use_dict < 2; use_dict++) {
            size_t clen = compress_raw(text, n, comp, cap, kinds[k].level, kinds[k].mem_level,
                                       kinds[k].strategy, use_dict);
            size_t alen, blen;
            int result;
            CHECK(zlib_raw(comp, clen, use_dict, a, cap, &alen));
            CHECK(marked(comp, clen, 1, sym, cap, b, &blen, &result));
            CHECK_EQ_U64(blen, n);
            CHECK(blen == alen && memcmp(a, b, alen) == 0);
            size_t mine = 0;
            for (size_t i = 0; i < blen; i++)
                mine += sym[i] >= 256;
            CHECK(use_dict || mine == 0); /* no window, no places in it */
            places += mine;
            /* cut short: more wanted, or a failure at the file's end */
            CHECK(gal_inflate_marked(comp, (uint64_t)(clen / 2) * 8, 0, 0, UINT64_MAX, sym, cap,
                                     &blen, &(uint64_t){0}) == GAL_MARKED_MORE);
            CHECK(!marked(comp, clen / 2, 1, sym, cap, b, &blen, &result) &&
                  result == GAL_MARKED_FAILED);
            /* too little room */
            CHECK(gal_inflate_marked(comp, (uint64_t)clen * 8, 1, 0, UINT64_MAX, sym, n / 3,
                                     &blen, &(uint64_t){0}) == GAL_MARKED_FULL);
            /* a bit flipped anywhere: where zlib fails, so does it; where
             * zlib gives bytes, it gives the same */
            uint32_t seed = (uint32_t)(k * 2 + (size_t)use_dict + 1);
            for (int t = 0; t < 60; t++) {
                seed = seed * 1103515245u + 12345u;
                size_t at = (seed >> 8) % clen;
                uint8_t bit = (uint8_t)(1u << (seed & 7));
                comp[at] ^= bit;
                int za = zlib_raw(comp, clen, 1, a, cap, &alen);
                int zb = marked(comp, clen, 1, sym, cap, b, &blen, &result);
                if (za != zb || (za && (alen != blen || memcmp(a, b, alen) != 0)))
                    fprintf(stderr, "  kind %zu dict %d: bit %u of byte %zu: zlib %d, ours %d\n",
                            k, use_dict, seed & 7, at, za, result);
                CHECK(za == zb);
                CHECK(!za || (alen == blen && memcmp(a, b, alen) == 0));
                comp[at] ^= bit;
            }
        }
    }
    CHECK(places > 0); /* the dictionary was reached into */

    /* a stored block whose length check fails: zlib refuses it, and so must
     * the decoder */
    uint8_t stored[16] = {1, 5, 0, 0xFA, 0xFF, 'h', 'e', 'l', 'l', 'o'};
    size_t blen;
    int result;
    CHECK(marked(stored, 10, 1, sym, cap, b, &blen, &result) && blen == 5 &&
          memcmp(b, "hello", 5) == 0);
    stored[3] ^= 1;
    size_t alen;
    CHECK(!zlib_raw(stored, 10, 0, a, cap, &alen));
    CHECK(!marked(stored, 10, 1, sym, cap, b, &blen, &result) && result == GAL_MARKED_FAILED);
    printf("16-bit deflate decoder: zlib's bytes on 7 kinds of stream, with and without a "
           "dictionary (%zu bytes from it); 840 flipped bits fail where zlib fails\n",
           places);
    free(text);
    free(comp);
    free(a);
    free(b);
    free(sym);
    return check_exit("test_inflate_marked");
}
