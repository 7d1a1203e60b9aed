/*
 * tokenize.h — stage 2 of `galley index`: a batch of documents → tokens.
 *
 * A batch is one byte buffer holding every document as
 *     title '\n' body '\n'
 * with doc_start[d] the offset of document d's title, body_start[d] the
 * offset of its body, and doc_start[ndocs] == nbytes.  The newline between
 * fields guarantees that no token spans two fields or two documents.
 *
 * The output lists every token, indexed or not, in (doc, position) order:
 *   hash[i]   term key (GAL_HASH_NONE for a token too long to index)
 *   doc[i]    batch-local document number
 *   pos[i]    position: title tokens count from 0, body tokens from
 *             title_tokens + GAL_TITLE_BODY_GAP
 *   offset[i] byte offset of the token's first byte in the batch
 * and per document doc_tokens[d] = title tokens + body tokens.
 *
 * The host reference path (gal_tokenize_ref) and every OpenCL device
 * (indexer/cl_tokenize.h) must produce byte-identical output.
 */
#ifndef GAL_TOKENIZE_H
#define GAL_TOKENIZE_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"

typedef struct gal_tokens {
    uint64_t *hash;
    uint32_t *doc;
    uint32_t *pos;
    uint32_t *offset;
    size_t n;
    size_t cap;
    uint32_t *doc_tokens;
    size_t ndocs;
    size_t docs_cap;
    /* The same tokens in term-key order, when a device grouped them
     * (cl_group.h; else nsorted is 0): the k-th has key sorted_hash[k],
     * document and position sorted_occ[2k] and [2k + 1], and is token
     * sorted_idx[k]; tokens of one key in token order, all n of them, the
     * unindexed (key GAL_HASH_NONE, 0) first. */
    uint64_t *sorted_hash;
    uint32_t *sorted_occ;
    uint32_t *sorted_idx;
    size_t nsorted, sorted_cap;
    /* where the arrays come from: NULL, the heap; a GPU's tokens go into
     * its pinned memory (set after gal_tokens_init, before the first
     * reserve; kept until gal_tokens_release) */
    const gal_allocator *mem;
} gal_tokens;

void gal_tokens_init(gal_tokens *t);
void gal_tokens_release(gal_tokens *t);
/* Make room for ntokens tokens and ndocs documents, keeping those held;
 * the arrays are page-aligned (a CPU OpenCL device writes into them in
 * place).  GAL_ENOMEM on failure. */
int gal_tokens_reserve(gal_tokens *t, size_t ntokens, size_t ndocs);
/* Room for n tokens in the sorted arrays (their contents are not kept). */
int gal_tokens_reserve_sorted(gal_tokens *t, size_t n);

/* Plain-C reference tokenizer built on kernels/tokenizer_rules.h. */
int gal_tokenize_ref(const uint8_t *text, uint32_t nbytes, const uint32_t *doc_start,
                     const uint32_t *body_start, uint32_t ndocs, gal_tokens *out);

#endif
