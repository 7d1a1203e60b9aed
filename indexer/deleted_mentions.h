/*
 * deleted_mentions.h — the entity mentions of an index's deleted documents
 * (deleted.h), found again in their stored text, for `galley entities` to
 * take off the entity table's counts.
 *
 * The table adds up each batch's documents, mentions and surface forms of
 * an entity when the batch is committed, and is never rewritten; deleting a
 * document leaves its mentions there.  Its stored text is what was
 * tokenized (title, '\n', body), so the host tokenizer and entity rules
 * (the reference every device is checked against) find in it exactly the
 * mentions it added: taking those off gives the counts, and the name, that
 * an index without the document has.  The cost is the deleted documents'
 * text, not the index's.
 */
#ifndef GAL_DELETED_MENTIONS_H
#define GAL_DELETED_MENTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "deleted.h"
#include "index.h"

/* One mention: the entity's key, the document, and the surface form (valid
 * during the call).  A non-zero return stops the walk and is returned. */
typedef int (*gal_mention_fn)(void *ctx, uint64_t key, uint32_t doc, const char *form,
                              size_t len);

/* Every mention in the documents del holds, document by document. */
int gal_deleted_mentions(gal_snapshot *s, const gal_deleted_set *del, gal_mention_fn fn,
                         void *ctx);

#endif
