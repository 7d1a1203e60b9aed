/*
 * deleted.h — documents taken out of an index: the deleted table.
 *
 * Postings, documents and text are appended by batch and never rewritten in
 * place, so a document is taken out by naming it: a record under its number
 * (4 bytes big-endian) whose value is only the CRC-32C trailer of that key
 * (record.h), and meta "deleted" counts them.  `galley delete` writes them,
 * and so does `galley index --replace` for the documents a new one with the
 * same id supersedes, in the transaction of that batch.  Readers load the
 * numbers into a bitmap once per snapshot, and every path that yields
 * documents (ranking, counting, show, entities, merge) skips the bits set.
 * What a deleted document added to the statistics stays: document counts
 * of terms, the number of documents and their mean length (BM25), until
 * `galley optimize` purges it; `galley entities` takes its mentions off the
 * entity table's counts (deleted_mentions.h).  An index that never deleted
 * anything has an empty table.
 *
 * Purged documents (format 11): `galley optimize` rewrites the postings
 * without the deleted documents, takes their mentions off the entity
 * table, drops their stored text, and marks their records purged (a
 * payload of one byte, GAL_DELETED_PURGED); meta "purged" counts them and
 * meta "tokens" no longer counts their positions, so BM25 counts neither
 * them nor their lengths.  They stay deleted: every path that skips
 * deleted documents still does (their document records remain, under
 * their numbers).
 */
#ifndef GAL_DELETED_H
#define GAL_DELETED_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* The payload of a purged document's record. */
#define GAL_DELETED_PURGED 1u

/* The deleted documents of one snapshot, as a bitmap over its documents,
 * and those of them purged, as a second one. */
typedef struct gal_deleted_set {
    uint64_t *bits;   /* NULL when nothing is deleted */
    uint64_t *purged; /* NULL when nothing is purged */
    uint32_t ndocs;   /* the documents the bitmaps cover */
    uint64_t count;   /* bits set */
    uint64_t npurged; /* purged bits set */
} gal_deleted_set;

static inline int gal_deleted_has(const gal_deleted_set *d, uint32_t doc)
{
    return d && d->bits && doc < d->ndocs && (d->bits[doc >> 6] >> (doc & 63) & 1);
}

/* How many deleted documents are not purged yet (0 for NULL): those whose
 * postings, text and entity mentions are still in the index. */
static inline uint64_t gal_deleted_pending(const gal_deleted_set *d)
{
    return d ? d->count - d->npurged : 0;
}

/* Whether doc is deleted and purged: nothing of it is left to take off. */
static inline int gal_deleted_is_purged(const gal_deleted_set *d, uint32_t doc)
{
    return d && d->purged && doc < d->ndocs && (d->purged[doc >> 6] >> (doc & 63) & 1);
}

/* The first deleted document at or after doc: 1 with *next, 0 when there
 * is none (d may be NULL).  gal_deleted_next_pending: the first one not
 * purged. */
int gal_deleted_next(const gal_deleted_set *d, uint64_t doc, uint32_t *next);
int gal_deleted_next_pending(const gal_deleted_set *d, uint64_t doc, uint32_t *next);

/* The first document at or after doc that is not deleted (doc itself when
 * d is NULL or doc is past the bitmap); UINT32_MAX when there is none. */
uint32_t gal_deleted_next_live(const gal_deleted_set *d, uint64_t doc);

/* Load the deleted documents of an index of ndocs documents into *out
 * (released with gal_deleted_release).  Meta "deleted" 0, or a store
 * without the table (formats before 10), give an empty set without reading
 * it.  GAL_ECORRUPT naming the record when one fails its checksum, names a
 * document past the last, or a count disagrees with meta ("deleted",
 * "purged"). */
int gal_deleted_load(gal_store *st, MDB_txn *txn, uint32_t ndocs, gal_deleted_set *out);
void gal_deleted_release(gal_deleted_set *d);

/* Write the records of the n distinct documents docs[] (none deleted yet)
 * in txn, a write transaction, and set meta "deleted" to count_before + n.
 * An LMDB code (MDB_MAP_FULL: the writer grows the map and writes its batch
 * again) or a gal_status.  The set is not touched: a transaction may be
 * aborted and tried again. */
int gal_deleted_put(gal_store *st, MDB_txn *txn, const uint32_t *docs, size_t n,
                    uint64_t count_before);

/* Set doc's bit in d (its bitmap grows to hold it) once its record is
 * committed; nothing for a document already set. */
int gal_deleted_mark(gal_deleted_set *d, uint32_t doc);

/* The value of doc's record, purged or not, into val: its length. */
size_t gal_deleted_record_value(uint32_t doc, int purged, uint8_t val[5]);

/* Check one record of the table (key k, value v) of an index of ndocs
 * documents: 0 with its document and whether it is purged, or GAL_ECORRUPT
 * naming it (a key that is not 4 bytes, a trailer that does not match,
 * bytes where none belong, a document past the last).  Loading reads every
 * record through it, and so does `galley verify`, which goes on past a
 * damaged one. */
int gal_deleted_record_open(const MDB_val *k, const MDB_val *v, uint64_t ndocs, uint32_t *doc,
                            int *purged);

#endif
