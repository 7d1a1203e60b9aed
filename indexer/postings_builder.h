/*
 * postings_builder.h — stage 3 of `galley index`: group a batch's tokens by
 * term and encode each term's postings as chunks (postings_codec.h).
 *
 * Tokens arrive in (doc, position) order; a stable counting sort by term
 * keeps that order within each term, so no per-term sort is needed.  Terms
 * come out in hash order, which is key order in the postings table.
 *
 * This is the writer thread's hot loop, once per token: the term table
 * keeps each term's hash and count in its slot, so a lookup touches one
 * cache line, and occurrences are (doc, pos) pairs, so the scatter writes
 * one.
 */
#ifndef GAL_POSTINGS_BUILDER_H
#define GAL_POSTINGS_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "tokenize.h"

enum { GAL_TERM_WORD = 0, GAL_TERM_BIGRAM = 1, GAL_TERM_ENTITY = 2 };

/* Entity mentions to index beside the words, in (doc, position) order:
 * mention i of entity key hash[i] in batch-local document doc[i] at the
 * position of its first word, pos[i]. */
typedef struct gal_builder_mentions {
    const uint64_t *hash;
    const uint32_t *doc;
    const uint32_t *pos;
    size_t n;
} gal_builder_mentions;

typedef struct gal_term_group {
    uint64_t hash;
    uint32_t first_offset; /* batch byte offset of its first occurrence */
    uint32_t start;        /* first occurrence in occ */
    uint32_t count;        /* occurrences */
    uint32_t kind;         /* GAL_TERM_*: only words go to the lexicon */
} gal_term_group;

/* The encoded postings of a batch: chunk i has key keys[i] (GAL_POSTINGS_KEY_LEN bytes) and
 * value data[val_off[i], val_off[i+1]). */
typedef struct gal_postings_out {
    uint8_t *keys;
    size_t *val_off;
    size_t nchunks, cap;
    gal_buf data;
} gal_postings_out;

/* A slot of the term table (open addressing, linear probing). */
typedef struct gal_term_slot {
    uint64_t hash;
    uint32_t term;       /* index in terms[] + 1; 0 = empty */
    uint32_t count : 31; /* occurrences so far (a batch of at most 2048 MB
                          * holds fewer than 2^31 tokens) */
    uint32_t common : 1; /* hash is one of the words that pair into bigrams */
} gal_term_slot;

/* One occurrence of a term: batch-local document and position. */
typedef struct gal_occ {
    uint32_t doc, pos;
} gal_occ;

typedef struct gal_builder {
    gal_term_group *terms, *terms_tmp; /* terms_tmp: room to sort into */
    size_t nterms, terms_cap;
    gal_term_slot *slots;
    size_t nslots;
    uint32_t *fill; /* per term (first-seen order): next place in occ */
    gal_occ *occ;
    size_t occ_cap;
    uint32_t *scratch;   /* per-chunk doc/tf arrays */
    uint32_t *chunk_pos; /* per-chunk positions */
    size_t chunk_pos_cap;
    uint32_t *bigram_at;   /* (token index, term index) of each bigram */
    size_t nbigrams, bigrams_cap;
    /* presorted batches (run_presorted): the word terms, and a bit per
     * token that is a common word */
    gal_term_group *words;
    size_t words_cap;
    uint64_t *common_bits;
    size_t common_bits_cap;
    uint64_t common_set[256]; /* keys of the words that pair into bigrams,
                               * open addressing (0 = empty: no word's key) */
    gal_postings_out out;
} gal_builder;

void gal_builder_init(gal_builder *b);
void gal_builder_release(gal_builder *b);

/* Words whose adjacent pairs are indexed as bigram terms: n keys, copied
 * into the builder (no bigrams while none are set). */
void gal_builder_set_common(gal_builder *b, const uint64_t *keys, size_t n);

/* The k most frequent word keys of t (fewer if t has fewer terms), sorted
 * by key, into out. */
int gal_builder_top_words(gal_builder *b, const gal_tokens *t, size_t k, uint64_t *out,
                          size_t *nout);

/* Group tokens t (whose offset[] array is reused as scratch and left
 * undefined) and the mentions m (may be NULL), and encode postings with
 * document numbers shifted by first_doc.  Results: b->terms[0..nterms) in
 * hash order and b->out.  When a device sorted t's tokens by key
 * (t->nsorted == t->n), the words are taken from that order and only the
 * bigrams and mentions are grouped here; the results are the same. */
int gal_builder_run(gal_builder *b, gal_tokens *t, const gal_builder_mentions *m,
                    uint32_t first_doc);

#endif
