/*
 * chunk_cursor.h — a cursor over the postings table that steps chunk by
 * chunk, whether a chunk has a record of its own or shares a block with
 * other small terms' (chunk_blocks.h).  Its moves are LMDB's, with the
 * table read as if every chunk were a record under its own key: a reader
 * written for one record per chunk keeps its seeks and steps.
 */
#ifndef GAL_CHUNK_CURSOR_H
#define GAL_CHUNK_CURSOR_H

#include <lmdb.h>
#include <stdint.h>

#include "chunk_blocks.h"
#include "postings_codec.h"

typedef struct gal_chunk_cursor {
    MDB_cursor *c;
    uint32_t n, at; /* the chunks of the record under c read so far, the current one */
    int in_block;   /* the record is a block with chunks left to read */
    gal_chunk_block block;
    gal_chunk_rec chunks[GAL_BLOCK_TERMS];
} gal_chunk_cursor;

/* Open on txn's postings table (dbi); returns an LMDB code. */
int gal_chunk_cursor_open(gal_chunk_cursor *cc, MDB_txn *txn, MDB_dbi dbi);
void gal_chunk_cursor_close(gal_chunk_cursor *cc);

/* Move as op says (MDB_FIRST, MDB_LAST, MDB_NEXT, MDB_PREV, or
 * MDB_SET_RANGE: the first chunk whose key is >= seek) and set *r to the
 * chunk there, valid while the transaction is.  Returns 0, MDB_NOTFOUND,
 * another LMDB code, or a gal_status (gal_is_status(): GAL_ECORRUPT for a
 * damaged block or a key of the wrong length). */
int gal_chunk_cursor_get(gal_chunk_cursor *cc, gal_chunk_rec *r, MDB_cursor_op op,
                         const uint8_t seek[GAL_POSTINGS_KEY_LEN]);

#endif
