/*
 * text_pack.h — compress a batch's stored text (common/stored_text.h).
 *
 * It runs on the reader thread, so that compression overlaps tokenizing
 * and committing.  The first batch with enough documents trains the zstd
 * dictionary that every later document of the index is compressed with;
 * that batch carries the new dictionary to the writer, which stores it in
 * the same transaction.
 */
#ifndef GAL_TEXT_PACK_H
#define GAL_TEXT_PACK_H

#include <stddef.h>

#include "batch.h"

typedef struct gal_text_packer gal_text_packer;

/* dict/dict_len: the index's dictionary, or NULL when it has none yet. */
int gal_text_packer_new(const void *dict, size_t dict_len, gal_text_packer **out);
void gal_text_packer_free(gal_text_packer *tp); /* NULL is fine */

/* Fill b->stored and b->stored_off with one sealed record per document,
 * and b->new_dict when this batch trained the dictionary. */
int gal_text_packer_run(gal_text_packer *tp, gal_batch *b);

#endif
