/*
 * batch_table.h — lookups in the tables whose keys start with the batch
 * (its first document, 4 B big-endian) and go on with a term: the
 * vocabulary, which each commit fills by appending, so that a prefix lives
 * in one batch's range or in several and is walked batch by batch (a seek
 * that misses lands on the next batch); and in the tables of blocks of
 * documents.  The tables of records keyed by hash (lexicon, ids, entities)
 * have hash_blocks.h.
 */
#ifndef GAL_BATCH_TABLE_H
#define GAL_BATCH_TABLE_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

/* Longest key after the batch prefix. */
#define GAL_BATCH_KEY_REST_MAX 256u

/* Call fn for every record of every batch of table whose key goes on with
 * prefix, in the order of the keys without their batch (a tie by batch),
 * until fn returns non-zero (returned).  0 at the end, or a negative
 * gal_status.  Each batch's records are in that order already: their runs
 * are merged as fn asks for more, so a caller that stops after the first
 * few of many pays for a seek a batch and what it took, not for them all. */
typedef int (*gal_batch_record_fn)(void *ctx, uint32_t batch, const MDB_val *k, const MDB_val *v);
int gal_batch_each_prefixed(MDB_txn *txn, MDB_dbi table, const void *prefix, size_t prefix_len,
                            gal_batch_record_fn fn, void *ctx);

/* The tables of blocks of documents (docs, text) keep each block under its
 * first document's number (4 B big-endian): the block that may hold doc is
 * the last record at or before it.  0 with v and *first (at most doc), 1
 * when every record starts after doc, or a negative gal_status naming
 * table_name (GAL_ECORRUPT for a key that is not 4 bytes). */
int gal_doc_block_find(MDB_txn *txn, MDB_dbi table, const char *table_name, uint32_t doc,
                       MDB_val *v, uint32_t *first);

/* gal_doc_block_find through cur, a cursor on the table that the caller
 * keeps: none is opened or closed (a walk that must not leave one behind
 * when a damaged page makes it jump out: verify.c). */
int gal_doc_block_seek(MDB_cursor *cur, const char *table_name, uint32_t doc, MDB_val *v,
                       uint32_t *first);

/* Open in b the docs block that holds doc, unless b holds it already: 0,
 * 1 when no block holds doc, or a negative gal_status (the block damaged,
 * GAL_ECORRUPT).  _cursor: through the caller's cursor on docs. */
struct gal_doc_block;
int gal_doc_block_at(MDB_txn *txn, MDB_dbi docs, uint32_t doc, struct gal_doc_block *b);
int gal_doc_block_at_cursor(MDB_cursor *cur, uint32_t doc, struct gal_doc_block *b);

/* Document doc's record, through b as gal_doc_block_at reads it: 0 with *f
 * (valid until b reads another block), or GAL_ECORRUPT when no block holds
 * doc (the caller knows it exists) or its block is damaged. */
struct gal_doc_fields;
int gal_doc_fields_at(MDB_txn *txn, MDB_dbi docs, uint32_t doc, struct gal_doc_block *b,
                      const struct gal_doc_fields **f);

#endif
