/*
 * batch_table.h — lookups in the tables whose keys start with the batch
 * (its first document, 4 B big-endian): postings aside, the lexicon, the
 * vocabulary and the entities, which each commit fills by appending.  A
 * key (term, entity) lives in one batch's range or in several, so finding
 * it takes a seek per batch; a seek that misses lands on the next batch.
 */
#ifndef GAL_BATCH_TABLE_H
#define GAL_BATCH_TABLE_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

/* Longest key after the batch prefix. */
#define GAL_BATCH_KEY_REST_MAX 256u

/* Find batch ‖ rest for the first batch at or after *batch that has it.
 * 0: found, k and v are the record and *batch its batch (go on from
 * *batch + 1); 1: no later batch has it; a negative gal_status (GAL_EDB,
 * GAL_ECORRUPT for a key too short to hold a batch) otherwise. */
int gal_batch_find(MDB_cursor *cur, uint64_t *batch, const void *rest, size_t rest_len,
                   MDB_val *k, MDB_val *v);

/* Call fn for every record of every batch whose key goes on with prefix,
 * batch by batch, each batch's in key order, until fn returns non-zero
 * (returned).  0 at the end, or a negative gal_status. */
typedef int (*gal_batch_record_fn)(void *ctx, uint32_t batch, const MDB_val *k, const MDB_val *v);
int gal_batch_each_prefixed(MDB_cursor *cur, const void *prefix, size_t prefix_len,
                            gal_batch_record_fn fn, void *ctx);

/* The tables of blocks of documents (docs, text) keep each block under its
 * first document's number (4 B big-endian): the block that may hold doc is
 * the last record at or before it.  0 with k and v set (k is at most doc
 * when it is 4 bytes long: callers check both), MDB_NOTFOUND when every
 * record starts after doc, or another LMDB code. */
int gal_doc_block_find(MDB_txn *txn, MDB_dbi table, uint32_t doc, MDB_val *k, MDB_val *v);

#endif
