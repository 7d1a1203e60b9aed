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

#endif
