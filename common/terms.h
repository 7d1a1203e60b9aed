/*
 * terms.h — the host side of the tokenizer rules: split a string into
 * folded, hashed terms exactly as the indexer does (kernels/tokenizer_rules.h).
 * The query parser, the lexicon writer and snippets all use it.
 */
#ifndef GAL_TERMS_H
#define GAL_TERMS_H

#include <stddef.h>
#include <stdint.h>

#include "tokenizer_rules.h"

/* Longest folded token kept in full; longer ones are cut at this length in
 * `folded` (their hash is GAL_HASH_NONE anyway). */
#define GAL_FOLDED_MAX (GAL_MAX_TERM_BYTES + 4)

typedef struct gal_term {
    uint32_t start, end;           /* byte range in the input string */
    uint64_t hash;                 /* GAL_HASH_NONE when too long to index */
    uint32_t folded_len;           /* full folded length */
    char folded[GAL_FOLDED_MAX];   /* folded bytes, NUL-terminated, truncated past GAL_FOLDED_MAX - 1 */
} gal_term;

/* Find the next token at or after byte i of text[0, len) and fill *t.
 * Returns 1 when found, 0 at the end.  Loop with i = t->end. */
int gal_term_next(const char *text, size_t len, size_t i, gal_term *t);

/* Hash already-folded bytes (a lexicon entry) with the word seed. */
uint64_t gal_term_hash_folded(const char *folded, size_t len, uint64_t seed);

/* Key of the two-word term "first second" (by their word keys), indexed
 * when both words are among the index's most frequent words (meta
 * "bigram_words"), so that phrases of common words such as "of the" are read
 * from one short postings list instead of two long ones.  Never
 * GAL_HASH_NONE. */
uint64_t gal_bigram_hash(uint64_t first, uint64_t second);

#endif
