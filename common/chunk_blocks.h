/*
 * chunk_blocks.h — the postings of a batch's rare terms, packed into shared
 * records of the postings table.
 *
 * Most terms of a batch have one short chunk: a word or a name seen in a
 * document or two.  As a record of its own, such a chunk paid a 16-byte
 * key, LMDB's 8-byte node and 2-byte slot, and its own 4-byte checksum for
 * a dozen bytes of postings (news-1g: 3.4 M of its 4.4 M records).  So the
 * consecutive terms of a batch (in key order) whose postings there are one
 * chunk of at most GAL_SMALL_CHUNK_MAX sealed bytes share a record:
 *
 *   key:   batch (4 B BE) ‖ the hash of its last term (8 B BE) ‖ FF FF FF FF
 *   value: per term, hashes increasing: hash (8 B BE), varint first doc -
 *          batch, varint length, the chunk without its checksum
 *          (postings_codec.h); then one CRC-32C trailer over the key and
 *          all of it (record.h).
 *
 * A block ends before every term that is not small, so no other record's
 * key falls between its terms': a seek for batch ‖ hash ‖ doc lands on the
 * term's own chunk or on the block that holds it, one descent either way.
 * Document numbers stay below UINT32_MAX, so the key's last field tells a
 * block from a chunk.  chunk_cursor.h reads the table as if every chunk
 * had its own record.
 */
#ifndef GAL_CHUNK_BLOCKS_H
#define GAL_CHUNK_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "format.h"
#include "postings_codec.h"

/* A term's chunk of at most this many bytes (with its checksum) goes into a
 * block; a block holds at most GAL_BLOCK_TERMS terms and, past
 * GAL_BLOCK_BYTES, takes no more.  A rare term's lookup checks its whole
 * block's checksum and walks the block's entries up to its own, so small
 * blocks answer wide prefixes faster; and LMDB packs its pages fuller with
 * small values.  news-1g's postings table as built: 525.2 MB with 256-byte
 * blocks, 521.0 with 384, 520.0 with 512, 522.2 with 1 kB, 525.6 with 1.6
 * kB; 25 prefix queries ("co*", "inter* rate*") 5 % slower than before
 * blocks with 512, 14 % with 1 kB; the reuters set the same.  Chunks of up
 * to 400 bytes in blocks left the size as it is with 256. */
#define GAL_SMALL_CHUNK_MAX 256u
#define GAL_BLOCK_TERMS 128u
#define GAL_BLOCK_BYTES 512u

#define GAL_BLOCK_DOC UINT32_MAX /* the last field of a block's key */

static inline int gal_postings_key_is_block(const uint8_t key[GAL_POSTINGS_KEY_LEN])
{
    return gal_get_be32(key + 12) == GAL_BLOCK_DOC;
}

/* ---- writing ---- */

/* Receives each record to append: a term's chunk, or a block. */
typedef int (*gal_chunk_put_fn)(void *ctx, const uint8_t key[GAL_POSTINGS_KEY_LEN],
                                const void *val, size_t len);

/* The postings table's last leaf page, as LMDB fills pages with appends:
 * a record's node (8 bytes, key, value, to an even size; a value too large
 * for a leaf page takes 8 bytes there) and its 2-byte slot go into the last
 * page if they fit what is left of its page_size - 16 bytes, else onto a
 * new page.  Replayed over a news-1g index this rule gives LMDB's leaf page
 * counts exactly.  The packer ends a block where the page ends when
 * another entry would push it onto the next page: it fills the page
 * instead of leaving the rest empty (news-1g's postings leaf pages, as
 * replayed: 516.6 MB without this, 510.8 with).  page_size 0: the last
 * page is not known (an index extended by another process), no such cuts. */
typedef struct gal_leaf_fill {
    uint32_t page_size;
    uint32_t free;  /* bytes left in the last leaf page */
    uint64_t pages; /* leaf pages begun since (for tests: LMDB's count) */
} gal_leaf_fill;

typedef struct gal_chunk_packer {
    gal_chunk_put_fn put;
    void *ctx;
    gal_buf block;
    uint32_t batch, nterms;
    uint64_t last_hash;
    gal_leaf_fill fill; /* set by the caller after init; kept up by every put */
} gal_chunk_packer;

void gal_chunk_packer_init(gal_chunk_packer *p, gal_chunk_put_fn put, void *ctx);
void gal_chunk_packer_release(gal_chunk_packer *p);

/* Add a sealed chunk under key, in key order.  whole_term: it is all its
 * term has in its batch (so a small one may go into a block).  Chunks that
 * are not put straight away are put by a later call or by the flush. */
int gal_chunk_packer_add(gal_chunk_packer *p, const uint8_t key[GAL_POSTINGS_KEY_LEN],
                         const void *chunk, size_t len, int whole_term);

/* Put the block in progress, if any. */
int gal_chunk_packer_flush(gal_chunk_packer *p);

/* ---- reading ---- */

typedef struct gal_chunk_block {
    const uint8_t *key; /* the block's */
    const uint8_t *p, *end;
    const uint8_t *unchecked; /* the record, until its checksum is checked */
    size_t len;
    uint64_t prev_hash; /* of the entry before p */
    uint32_t n;         /* entries read so far */
} gal_chunk_block;

/* Check the checksum of block record key → data[0, len) and start reading
 * it.  GAL_ECORRUPT naming the block otherwise. */
int gal_chunk_block_open(gal_chunk_block *b, const uint8_t key[GAL_POSTINGS_KEY_LEN],
                         const void *data, size_t len);

/* Start reading it without checking the checksum: what a seek needs is
 * where a chunk lies, and its chunks then carry the record to check when
 * one is parsed (gal_chunk_parse_rec). */
int gal_chunk_block_start(gal_chunk_block *b, const uint8_t key[GAL_POSTINGS_KEY_LEN],
                          const void *data, size_t len);

/* The block's next chunk into *r (its key made from the block's batch and
 * the entry): 1, 0 after the last, or GAL_ECORRUPT when the entries do not
 * parse, do not increase, or do not end at the key's hash. */
int gal_chunk_block_next(gal_chunk_block *b, gal_chunk_rec *r);

#endif
