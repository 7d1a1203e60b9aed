/*
 * stored_text.h — how document text is kept for `show` and snippets.
 *
 * The text table holds blocks of consecutive documents' records, under the
 * first one's number: varint n, n varints (each record's length), then the
 * n records.  A block holds at most GAL_TEXT_BLOCK_DOCS documents and
 * GAL_TEXT_BLOCK_BYTES bytes, header included, unless its first record
 * alone is larger.  One LMDB record per document cost 14 bytes of node
 * and key each and left about a tenth of every page unused (0.07 x raw
 * text on 1 GB of news); a block wastes only the rest of its last overflow
 * page, and a block of GAL_TEXT_BLOCK_BYTES fills its 16 pages (4 kB, and
 * 4 of 16 kB) exactly, LMDB's 16-byte page header included: capping the
 * records alone at 64 kB made half the blocks spill a few hundred bytes
 * into a 17th page (3.7 % of news-1g's text table unused).  A damaged length is caught by the lengths
 * adding up to the block, or by the records' own checksums.
 *
 * A record is one kind byte, the payload, and a CRC-32C trailer:
 *   kind 0: raw bytes
 *   kind 1: one zstd frame
 *   kind 2: one zstd frame made with the index's dictionary (meta "zdict")
 * The frames go without zstd's magic number and dictionary id (the kind
 * byte says what they are): 7.6 bytes a document fewer on news-200m (1.8 %
 * of its text table), as fast to write and to read.
 * Short news compresses about 2.5x with a dictionary trained on the first
 * large batch, against about 1.6x without.
 */
#ifndef GAL_STORED_TEXT_H
#define GAL_STORED_TEXT_H

#include <stddef.h>
#include <zstd.h>

#include <stdint.h>

#include "buf.h"

enum { GAL_TEXT_RAW = 0, GAL_TEXT_ZSTD = 1, GAL_TEXT_ZSTD_DICT = 2 };

/* Append the sealed record of text[0, len), stored under document doc, to
 * out (not cleared).  cdict may be NULL (no dictionary yet). */
int gal_stored_text_encode(ZSTD_CCtx *cctx, const ZSTD_CDict *cdict, int level, const void *text,
                           size_t len, unsigned doc, gal_buf *out);

/* Decode a record into out (replaced).  ddict may be NULL when the index has
 * no dictionary; a kind-2 record then is corruption. */
int gal_stored_text_decode(ZSTD_DCtx *dctx, const ZSTD_DDict *ddict, const void *data, size_t len,
                           unsigned doc, gal_buf *out);

/* A block of records being read. */
typedef struct gal_text_block {
    uint32_t first_doc, n, next; /* next: the index of the record read next */
    const uint8_t *len_p, *len_end; /* the length varints not read yet */
    const uint8_t *rec;             /* the next record */
} gal_text_block;

#define GAL_TEXT_BLOCK_BYTES ((64u << 10) - 16u)
#define GAL_TEXT_BLOCK_DOCS 256u

/* How many of the n records record i = [off[i], off[i + 1]) the next block
 * takes: at least one, and as many more as fit. */
uint32_t gal_text_block_take(const size_t *off, uint32_t n);

/* Append the block of the n records at records, record i being
 * records[off[i] - off[0], off[i + 1] - off[0]), to out (cleared). */
int gal_text_block_build(gal_buf *out, const uint8_t *records, const size_t *off, uint32_t n);

/* Open the block stored under first_doc; GAL_ECORRUPT when its lengths do
 * not add up to it. */
int gal_text_block_open(const void *data, size_t len, uint32_t first_doc, gal_text_block *b);

/* The next record of the block and its document: 0, or 1 after the last. */
int gal_text_block_next(gal_text_block *b, const uint8_t **rec, size_t *len, uint32_t *doc);

#endif
