/*
 * fuzz_chunk_check.h — what a parsed postings chunk must satisfy, for the
 * targets that read chunks (fuzz_postings: chunks of their own;
 * fuzz_chunk_block: chunks of a block of small terms).
 */
#ifndef GAL_FUZZ_CHUNK_CHECK_H
#define GAL_FUZZ_CHUNK_CHECK_H

#include "format.h"
#include "fuzz_common.h"
#include "postings_codec.h"
#include "verify.h"

/* positions decoded per chunk at most (index_read.c decodes a whole chunk) */
#define FUZZ_MAX_POSITIONS (1u << 18)

/* Decode everything a reader would of a chunk that parsed into v, whose key
 * said it starts at first, and check that it stays within its bounds:
 * documents increasing from first to v->last_doc, tfs positive, each
 * document's positions increasing. */
__attribute__((unused)) static void fuzz_check_view(const gal_chunk_view *v, uint32_t first,
                                                    const uint8_t *end)
{
    static uint32_t docs[GAL_CHUNK_DOCS], tfs[GAL_CHUNK_DOCS], max_pos[GAL_CHUNK_DOCS];
    static uint32_t positions[FUZZ_MAX_POSITIONS];
    FUZZ_ASSERT(v->first_doc == first && v->last_doc >= first && v->ndocs > 0);
    FUZZ_ASSERT(v->docs <= v->docs_end && v->docs_end == v->tfs && v->tfs <= v->tfs_end &&
                v->tfs_end == v->pos && v->pos <= v->pos_end && v->pos_end <= end);
    if (v->ndocs > GAL_CHUNK_DOCS)
        return; /* readers refuse these before decoding */
    if (gal_chunk_decode_docs(v, docs, tfs, "fuzz"))
        return;
    uint64_t npos = 0;
    for (uint32_t i = 0; i < v->ndocs; i++) {
        FUZZ_ASSERT(docs[i] >= first && docs[i] <= v->last_doc);
        FUZZ_ASSERT(i == 0 || docs[i] > docs[i - 1]);
        FUZZ_ASSERT(tfs[i] > 0);
        npos += tfs[i];
    }
    FUZZ_ASSERT(docs[v->ndocs - 1] == v->last_doc);
    if (npos <= FUZZ_MAX_POSITIONS &&
        gal_chunk_decode_positions(v, tfs, positions, (size_t)npos, "fuzz") == 0) {
        size_t k = 0; /* document i's first position */
        for (uint32_t i = 0; i < v->ndocs; k += tfs[i], i++)
            for (uint32_t j = 1; j < tfs[i]; j++)
                FUZZ_ASSERT(positions[k + j] > positions[k + j - 1]);
    }
    for (uint32_t i = 0; i < v->ndocs; i++)
        max_pos[i] = 1u << 12;
    uint64_t checked = 0;
    if (gal_chunk_check_positions(v, tfs, max_pos, &checked, "fuzz") == 0)
        FUZZ_ASSERT(checked == npos);
}

#endif
