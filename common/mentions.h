/*
 * mentions.h — named-entity mentions of a batch: found by the indexer
 * (indexer/entities.h), stored by the entity table (entity_table.h).
 */
#ifndef GAL_MENTIONS_H
#define GAL_MENTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"

typedef struct gal_mentions {
    uint64_t *hash;   /* entity key: gal_term_hash_folded(folded words joined by ' ', GAL_SEED_ENTITY) */
    uint32_t *doc;    /* batch-local document, never decreasing: mentions come in document order */
    uint32_t *pos;    /* position of the mention's first token (same numbering as gal_tokens.pos) */
    uint32_t *start;  /* byte range of the surface form in the batch text (display form) */
    uint32_t *end;
    size_t n, cap;
    /* where the arrays come from: NULL, the heap; a GPU's go into its pinned
     * memory (set after gal_mentions_init; kept until gal_mentions_release) */
    const gal_allocator *mem;
} gal_mentions;

void gal_mentions_init(gal_mentions *m);
void gal_mentions_release(gal_mentions *m);
/* Make room for n mentions (contents kept).  GAL_ENOMEM on failure. */
int gal_mentions_reserve(gal_mentions *m, size_t n);

#endif
