/*
 * deleted_mentions.h — the entity mentions of an index's deleted documents
 * (deleted.h), found again in their stored text, for `galley entities` to
 * take off the entity table's counts, and for `galley optimize` to take off
 * the records it merges when it purges the documents.
 *
 * The table adds up each batch's documents, mentions and surface forms of
 * an entity when the batch is committed, and only optimize rewrites it;
 * deleting a document leaves its mentions there.  Its stored text is what was
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

#include "buf.h"
#include "deleted.h"
#include "entity_table.h"
#include "index.h"

/* A mention in a deleted document: the entity's key, the document, and
 * where its surface form's bytes are in the list's arena. */
typedef struct gal_gone_mention {
    uint64_t key;
    uint32_t doc;
    size_t form, len;
} gal_gone_mention;

typedef struct gal_gone_mentions {
    gal_gone_mention *v; /* by key, then document */
    size_t n, cap;
    gal_buf forms;
    uint64_t raw_bytes; /* the documents' title and body bytes, as meta counts them */
} gal_gone_mentions;

/* Every mention in the documents of [from, to) that del holds but has not
 * purged (those have none left to take off, nor text), into out (empty;
 * released with gal_gone_mentions_release), sorted by key and document. */
int gal_gone_mentions_find(gal_snapshot *s, const gal_deleted_set *del, uint64_t from, uint64_t to,
                           gal_gone_mentions *out);
void gal_gone_mentions_release(gal_gone_mentions *g);

/* The first of g's mentions of key, or g->n when it has none. */
size_t gal_gone_mentions_first(const gal_gone_mentions *g, uint64_t key);

/* Take the mentions g holds of entity key in documents [from, to) off its
 * counts: *docs, *mentions and the count of each form (of nforms) they
 * were in.  GAL_ECORRUPT, naming the entity by name, when the counts hold
 * fewer than g does (nothing is taken off then). */
int gal_gone_take_off(const gal_gone_mentions *g, uint64_t key, uint64_t from, uint64_t to,
                      uint64_t *docs, uint64_t *mentions, gal_entity_form *forms, size_t nforms,
                      const char *name);

/* A mention's surface form. */
static inline const char *gal_gone_form(const gal_gone_mentions *g, const gal_gone_mention *m)
{
    return (const char *)g->forms.data + m->form;
}

#endif
