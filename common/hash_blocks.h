/*
 * hash_blocks.h — records keyed by a 64-bit hash, in blocks: the layout of
 * the entity table (entity_table.h) and of the ids table (id_table.h).
 *
 * A batch writes its records in hash order, grouped into blocks of up to
 * GAL_HBLOCK_RECORDS records and GAL_HBLOCK_BYTES bytes (unless one record
 * alone is larger); each block
 * is one LMDB record under batch (4 B BE: its first doc) ‖ its first hash
 * (8 B BE):
 *   varint n, then n × (hash 8 B BE, varint length, the record's bytes),
 *   then the CRC-32C trailer of key and bytes (record.h).
 * The first hash is the key's; hashes increase through a block and a
 * batch.  One LMDB record per entity cost 14 bytes of node and 12 of key,
 * and 4 of checksum, for about 23 bytes of data (1 GB of news: 1.5 M
 * records, 77 MB); a block shares those among its records and stays small
 * enough to sit in a leaf page.  A reader checks a block's checksum when it
 * loads it.
 */
#ifndef GAL_HASH_BLOCKS_H
#define GAL_HASH_BLOCKS_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define GAL_HBLOCK_KEY_LEN 12u
/* Records in a block at most, a bound for readers: blocks end by bytes
 * first (an entry takes at least 10).  Format 6 ended blocks at 64
 * records, which left a fifth of the lexicon's pages unused and, once
 * entity records named their forms by number, most entity blocks short of
 * GAL_HBLOCK_BYTES. */
#define GAL_HBLOCK_RECORDS 255u
/* A block's bytes at most, its count and checksum included: two such fill
 * a 4 kB leaf page exactly (LMDB puts a larger value of a 12-byte key on
 * pages of its own; each node costs 8 bytes and a 2-byte slot).  1,900
 * bytes of entries, as before, left 8 % of the entity table's pages
 * unused. */
#define GAL_HBLOCK_BYTES 2018u

/* Receives each finished block: put it under key (GAL_HBLOCK_KEY_LEN bytes).
 * Returns 0 or what the builder's caller gets back. */
typedef int (*gal_hblock_put_fn)(void *ctx, const uint8_t *key, const void *block, size_t len);

typedef struct gal_hblock_builder {
    gal_buf body; /* the entries so far */
    gal_buf block;
    uint32_t n, batch;
    uint64_t first, last;
    gal_hblock_put_fn put;
    void *ctx;
} gal_hblock_builder;

void gal_hblock_builder_init(gal_hblock_builder *b, gal_hblock_put_fn put, void *ctx);
void gal_hblock_builder_release(gal_hblock_builder *b);
/* Add record (hash, rec[0, len)) of batch; hashes must increase within a
 * batch (GAL_EUSAGE otherwise).  A block is put when full, or when a record
 * of another batch comes. */
int gal_hblock_add(gal_hblock_builder *b, uint32_t batch, uint64_t hash, const void *rec,
                   size_t len);
/* Put the block in progress, if any. */
int gal_hblock_flush(gal_hblock_builder *b);

/* Reading: a cursor on one block and one record in it.  table names the
 * table in errors. */
typedef struct gal_hblock_reader {
    MDB_cursor *cur;
    const char *table;
    MDB_val k, v;           /* the block */
    uint32_t batch;         /* the block's */
    uint32_t left;          /* records after the current one in the block */
    const uint8_t *p, *end; /* where they are */
    uint64_t hash;          /* the current record */
    const uint8_t *rec;
    size_t len;
} gal_hblock_reader;

/* Open a reader on txn's table; it reads nothing yet. */
int gal_hblock_open(gal_hblock_reader *r, MDB_txn *txn, MDB_dbi table, const char *table_name);
void gal_hblock_close(gal_hblock_reader *r);

/* Read the block k → v found by other means (a walk over the table): r's
 * cursor may be NULL, and gal_hblock_next() then stops at the block's end.
 * 0 on its first record, or GAL_ECORRUPT. */
int gal_hblock_read(gal_hblock_reader *r, const MDB_val *k, const MDB_val *v);

/* Go to the first record of the first block at or after batch ‖ hash.
 * 0: there, 1: no block after it, or a negative gal_status (GAL_ECORRUPT
 * when the block is damaged). */
int gal_hblock_seek(gal_hblock_reader *r, uint32_t batch, uint64_t hash);

/* The next record, in the block or the next one (of any batch): 0, 1 after
 * the table's last (or the block's, without a cursor), or a negative
 * gal_status. */
int gal_hblock_next(gal_hblock_reader *r);

/* Find record hash of batch: 0 with the reader on it; 1 when batch does not
 * hold it, with *next_batch the first batch after it that has a block (or
 * UINT64_MAX); or a negative gal_status. */
int gal_hblock_find(gal_hblock_reader *r, uint32_t batch, uint64_t hash, uint64_t *next_batch);

/* Find record hash in the first batch at or after *batch that holds it (a
 * seek or two per batch): 0 with the reader on it and *batch that batch
 * (go on from *batch + 1 for the next), 1 when no batch from *batch on
 * does, or a negative gal_status. */
int gal_hblock_find_from(gal_hblock_reader *r, uint64_t *batch, uint64_t hash);

#endif
