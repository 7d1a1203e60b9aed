/*
 * entities.h — named-entity mentions of a tokenized batch (part of stage 2).
 *
 * The rules are in kernels/entity_rules.h (shared with the OpenCL kernel in
 * kernels/entities.cl, driven by indexer/cl_entities.h); DESIGN.md,
 * "Entities", says what they are for.  Output, in (doc, pos) order:
 *   hash[i]   entity key: gal_term_hash_folded(folded words joined by ' ',
 *             GAL_SEED_ENTITY), as the query parser computes for entity:"..."
 *   doc[i]    batch-local document
 *   pos[i]    position of the mention's first token (gal_tokens.pos numbering)
 *   start[i], end[i]  byte range of the surface form in the batch text
 * Within one document a later one-word mention equal to the last word of an
 * earlier person-like mention carries that mention's hash ("Trump" after
 * "Donald Trump"); its start/end stay its own.
 */
#ifndef GAL_ENTITIES_H
#define GAL_ENTITIES_H

#include <stddef.h>
#include <stdint.h>

#include "mentions.h"
#include "tokenize.h"

/* The batch checks every entity finder makes first: 0 when tokens are of
 * this batch's ndocs documents, whose text ends within nbytes; else
 * GAL_EUSAGE. */
int gal_entities_check_batch(uint32_t nbytes, const uint32_t *doc_start, uint32_t ndocs,
                             const gal_tokens *tokens);

/* Host reference: find the entity mentions of a tokenized batch, in (doc,
 * pos) order, including within-document linking (a later single-word mention
 * equal to the last word of an earlier multi-word person-like entity in the
 * same doc gets that entity's hash; its start/end stay its own surface).
 * tokens must be gal_tokenize_ref's (or a device's identical) output for the
 * same batch.  Replaces out's contents.  GAL_ENOMEM, or GAL_EUSAGE when the
 * tokens do not fit the batch. */
int gal_entities_ref(const uint8_t *text, uint32_t nbytes, const uint32_t *doc_start,
                     const uint32_t *body_start, uint32_t ndocs, const gal_tokens *tokens,
                     gal_mentions *out);

/* The rules on document d of a batch alone (its tokens [t0, t1)), its
 * mentions appended to out; scratch has room for GAL_ENT_SCRATCH(t1 - t0)
 * values.  What gal_entities_ref does per document, and what a device
 * finder falls back to for a document whose mentions overflow its room. */
/* A device's count for a document whose mentions overflowed its room:
 * kernels/entity_rules.h's GAL_ENT_FULL, which entities_ref.c checks this
 * equals (the host drivers do not include the rules). */
#define GAL_ENT_DOC_FULL 0xFFFFFFFFu
#define GAL_ENT_SCRATCH(ntokens) ((size_t)(ntokens) * 3 + 1)
int gal_entities_doc_ref(const uint8_t *text, const uint32_t *doc_start, uint32_t d,
                         const gal_tokens *tokens, size_t t0, size_t t1, uint32_t *scratch,
                         gal_mentions *out);

#endif
