#include "terms.h"

#include <string.h>

int gal_term_next(const char *text, size_t len, size_t i, gal_term *t)
{
    const gal_u8 *s = (const gal_u8 *)text;
    gal_token_span span;
    if (len > UINT32_MAX || !gal_next_token(s, (gal_u32)i, (gal_u32)len, (gal_u32)len,
                                            GAL_SEED_WORD, &span))
        return 0;
    t->start = span.start;
    t->end = span.end;
    t->hash = span.hash;
    t->folded_len = span.folded_bytes;
    /* Fold again into bytes: the scan above only hashed them. */
    size_t n = 0;
    for (gal_u32 k = span.start; k < span.end;) {
        gal_i32 cp;
        k += gal_utf8_decode(s, k, span.end, &cp);
        gal_u8 enc[4];
        gal_u32 m = gal_utf8_encode(gal_cp_fold(cp), enc);
        if (n + m >= GAL_FOLDED_MAX)
            break;
        memcpy(t->folded + n, enc, m);
        n += m;
    }
    t->folded[n] = '\0';
    return 1;
}

uint64_t gal_term_hash_folded(const char *folded, size_t len, uint64_t seed)
{
    gal_hasher h;
    gal_hasher_init(&h, seed);
    for (size_t k = 0; k < len; k++)
        gal_hasher_byte(&h, (gal_u8)folded[k]);
    return gal_hasher_final(&h);
}

uint64_t gal_bigram_hash(uint64_t first, uint64_t second)
{
    uint64_t h = gal_hash_mix(first ^ gal_hash_mix(second ^ 0x452821E638D01377ull));
    return h == GAL_HASH_NONE ? 1 : h;
}
