/*
 * postings_walk.h — every chunk of an index's postings table, decoded, in
 * key order: what `galley bench postings` and its --bounds walk over.
 */
#ifndef GAL_POSTINGS_WALK_H
#define GAL_POSTINGS_WALK_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "postings_codec.h"
#include "store.h"

/* One chunk: as the table holds it, the parsed view, its documents and
 * tfs, and its npos positions: increasing within each document, or as
 * stored (each document's first, then the gaps less one) when the walk was
 * asked for stored positions.  key_bytes and value_bytes are what it takes
 * in the table besides LMDB's node: a record's key and value, or a block
 * entry's head and body, with the block's key and checksum counted with
 * its first chunk. */
typedef struct gal_walked_chunk {
    const gal_chunk_rec *rec;
    size_t key_bytes, value_bytes;
    const gal_chunk_view *cv;
    const uint32_t *docs, *tfs, *pos;
    size_t npos;
} gal_walked_chunk;

/* Returns 0 to go on, or a gal_status that ends the walk. */
typedef int (*gal_chunk_visit_fn)(void *ctx, const gal_walked_chunk *c);

/* Walk st's postings table in txn, checking each chunk's checksum and
 * header; who names the walk in corruption errors.  0, the first error, or
 * what visit returned. */
int gal_walk_postings(gal_store *st, MDB_txn *txn, int stored_positions, const char *who,
                      gal_chunk_visit_fn visit, void *ctx);

#endif
