/*
 * stored_text.h — how document text is kept for `show` and snippets.
 *
 * The text table holds blocks of consecutive documents' records, under the
 * first one's number: varint n, n varints (each record's length), then the
 * n records.  A block holds at most GAL_TEXT_BLOCK_RECORDS records and
 * GAL_TEXT_BLOCK_BYTES bytes, header included, unless its first record
 * alone is larger.  One LMDB record per document cost 14 bytes of node
 * and key each and left about a tenth of every page unused (0.07 x raw
 * text on 1 GB of news); a block wastes only the rest of its last overflow
 * page and what the next record would have overrun.  A block of
 * GAL_TEXT_BLOCK_BYTES fills its 64 pages (4 kB, and 16 of 16 kB) exactly,
 * LMDB's 16-byte page header included.  256 kB rather than 64: records of
 * groups are a few kB, and a block ends on average half a record short of
 * its cap (news-200m: the text table 1.8 % smaller; a reader touches the
 * block's header and the one record it wants either way).  A damaged
 * length is caught by the lengths adding up to the block, or by the
 * records' own checksums.
 *
 * A record is one kind byte, the payload, and a CRC-32C trailer, under the
 * number of its first document:
 *   kind 0: raw bytes
 *   kind 1: one zstd frame
 *   kind 2: one zstd frame made with the index's dictionary (meta "zdict")
 *   kind 3 (4 with the dictionary): a group of m consecutive documents
 *     (2 <= m <= GAL_TEXT_GROUP_DOCS): varint m, m varints (each one's
 *     text length), then one zstd frame of the m texts, each followed by
 *     '\n'.
 * The frames go without zstd's magic number and dictionary id (the kind
 * byte says what they are): 7.6 bytes a document fewer on news-200m (1.8 %
 * of its text table), as fast to write and to read.
 * Short news compresses about 2.5x with a dictionary trained on the first
 * large batch, against about 1.6x without.  Documents go in groups of up to
 * GAL_TEXT_GROUP_BYTES of text: a document finds more of its words in the
 * ones before it, and the group pays one kind byte, frame header and
 * checksum (see GAL_TEXT_GROUP_BYTES for what that saves and costs).  A
 * longer document, or a group that does not compress, goes alone.
 */
#ifndef GAL_STORED_TEXT_H
#define GAL_STORED_TEXT_H

#include <stddef.h>
#include <zstd.h>

#include <stdint.h>

#include "buf.h"

enum {
    GAL_TEXT_RAW = 0,
    GAL_TEXT_ZSTD = 1,
    GAL_TEXT_ZSTD_DICT = 2,
    GAL_TEXT_GROUP = 3,
    GAL_TEXT_GROUP_DICT = 4
};

/* A group takes documents while their texts and newlines come to at most
 * this many bytes.  On news-200m (~1 kB documents, level 3, 256 kB
 * dictionary) the text table shrank by 3.3 % with 4 kB groups, 3.9 % with
 * 8 or 16 kB, 5.0 % with 32 kB; but every snippet decompresses its whole
 * group (here ~22 us for 8 kB, ~86 us for 32 kB): `query --limit 0 --json`
 * with 4056 hits took as long as one record per document with 8 kB groups,
 * 2.5 times as long with 32 kB. */
#define GAL_TEXT_GROUP_BYTES (8u << 10)
#define GAL_TEXT_GROUP_DOCS 64u

/* Append the sealed record of text[0, len), stored under document doc, to
 * out (not cleared).  cdict may be NULL (no dictionary yet). */
int gal_stored_text_encode(ZSTD_CCtx *cctx, const ZSTD_CDict *cdict, int level, const void *text,
                           size_t len, unsigned doc, gal_buf *out);

/* Append the sealed raw record (kind GAL_TEXT_RAW) of text[0, len), stored
 * under document doc, to out (not cleared). */
int gal_stored_text_put_raw(const void *text, size_t len, unsigned doc, gal_buf *out);

/* Append the sealed group record of m (2..GAL_TEXT_GROUP_DOCS) documents
 * from first_doc on, whose texts are at texts, the i-th lens[i] bytes long
 * and followed by '\n', to out (not cleared).  1, and out as it was, when
 * the group would take no fewer bytes than raw records of its documents. */
int gal_stored_text_encode_group(ZSTD_CCtx *cctx, const ZSTD_CDict *cdict, int level,
                                 const void *texts, const uint32_t *lens, uint32_t m,
                                 unsigned first_doc, gal_buf *out);

/* How many documents the record of len bytes at data holds, by its header
 * alone (unchecked: 1 for what is not a well-formed group's header). */
uint32_t gal_stored_text_count(const void *data, size_t len);

/* Where each of a decoded record's documents is. */
typedef struct gal_text_docs {
    uint32_t n;
    size_t off[GAL_TEXT_GROUP_DOCS], len[GAL_TEXT_GROUP_DOCS]; /* document i's text in out */
} gal_text_docs;

/* Decode the record stored under first_doc into out (replaced) and docs.
 * ddict may be NULL when the index has no dictionary; a record made with
 * one then is corruption. */
int gal_stored_text_decode(ZSTD_DCtx *dctx, const ZSTD_DDict *ddict, const void *data, size_t len,
                           unsigned first_doc, gal_buf *out, gal_text_docs *docs);

/* A block of records being read. */
typedef struct gal_text_block {
    uint32_t first_doc, n, next; /* next: the index of the record read next */
    uint64_t doc;                   /* the first document of that record */
    const uint8_t *len_p, *len_end; /* the length varints not read yet */
    const uint8_t *rec;             /* the next record */
} gal_text_block;

#define GAL_TEXT_BLOCK_BYTES ((256u << 10) - 16u)
#define GAL_TEXT_BLOCK_RECORDS 256u

/* How many of the n records record i = [off[i], off[i + 1]) the next block
 * takes: at least one, and as many more as fit. */
uint32_t gal_text_block_take(const size_t *off, uint32_t n);

/* Append the block of the n records at records, record i being
 * records[off[i] - off[0], off[i + 1] - off[0]), to out (cleared). */
int gal_text_block_build(gal_buf *out, const uint8_t *records, const size_t *off, uint32_t n);

/* Where gal_text_blocks_put hands each block: under key (its first
 * document, big-endian), in increasing key order.  An LMDB code or a
 * gal_status. */
typedef int (*gal_text_put_fn)(void *ctx, const uint8_t key[4], const void *block, size_t len);

/* Cut the n records at records (record i = [off[i], off[i + 1]), holding
 * documents from doc_base + rec_doc[i] on) into blocks, build each in
 * *block and hand it to put.  With keep_partial, a last block that more
 * records might still fill is left unbuilt: *used says how many records
 * went into blocks (all n without keep_partial).  Stops at put's first
 * failure and returns it. */
int gal_text_blocks_put(gal_buf *block, const uint8_t *records, const size_t *off,
                        const uint32_t *rec_doc, uint32_t doc_base, uint32_t n, int keep_partial,
                        gal_text_put_fn put, void *ctx, uint32_t *used);

/* Open the block stored under first_doc; GAL_ECORRUPT when its lengths do
 * not add up to it. */
int gal_text_block_open(const void *data, size_t len, uint32_t first_doc, gal_text_block *b);

/* The next record of the block, its first document and how many it holds
 * (by gal_stored_text_count): 0, or 1 after the last. */
int gal_text_block_next(gal_text_block *b, const uint8_t **rec, size_t *len, uint32_t *doc,
                        uint32_t *ndocs);

#endif
