/*
 * doc_record.h — the document table's records and the per-batch docstats.
 *
 * Document blocks: the records of up to GAL_DOC_BLOCK_DOCS (32) consecutive
 * documents of one batch, under the first one's number (docs table):
 *   varint n, then n entries, then the block's CRC-32C trailer (record.h).
 *   An entry: id, date (as given) and url, each written as the length of
 *   the prefix it shares with the previous entry's (0 in the first entry),
 *   the length of the rest and the rest's bytes; then varint title length
 *   and varint file number.
 * One LMDB record per document cost 14 bytes of node and key and 4 of
 * checksum, and consecutive documents of an archive mostly differ in the
 * last digits of their ids and dates: 63 bytes a document on 1 GB of news,
 * about 15 in blocks.  Token counts, title token counts and dates in seconds
 * live in docstats alone.
 *
 * Docstats record for a batch of n documents starting at first_doc, all
 * little-endian, in one of two layouts:
 *   wide (formats up to 8): u32 n, then three slices: n × u32 tokens,
 *     n × u32 title tokens, n × i64 date_sec;
 *   narrow (format 9): u32 n | GAL_DOCSTATS_NARROW, u8 each slice's entry
 *     width in bytes (tokens and title tokens 1, 2 or 4, dates 4 or 8),
 *     u8 0, i64 the dates' base; then the slices at those widths, a 4-byte
 *     date being the date less the base (GAL_DOCSTATS_NO_DATE32: none);
 *     each width the least that holds every entry of the batch (news: 2, 1,
 *     4: 7 bytes a document instead of 16);
 * then per block of GAL_DOCSTATS_BLOCK documents one u32 CRC-32C for each
 * slice's part (a narrow record's dates' parts cover its dates' base too);
 * and the record's CRC.
 * Readers keep a pointer to it in the map and read entries with memcpy.  A
 * query checks only what it reads, each part the first time: the lengths of
 * the documents it ranks (a few blocks for a rare word), their title
 * lengths for a title: word, their dates for a date range or --sort date.
 * Checking whole records cost every `galley query` process the table's pages
 * and CRC (16 bytes a document: 1.6 GB for 100 M documents); blocks of 1,024
 * documents checked whole still cost a process for `exxon` (1,000 documents
 * of news-200m) 2.9 MB of CRC, a third of its instructions.  A part's CRC
 * covers the number of its block's first document, the slice's number and
 * the part; the record's CRC covers everything, for `verify`.
 */
#ifndef GAL_DOC_RECORD_H
#define GAL_DOC_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "dates.h"

#include "buf.h"
#include "format.h"

typedef struct gal_doc_fields {
    const char *id;
    size_t id_len;
    size_t title_len; /* the stored text's first title_len bytes */
    const char *date;
    size_t date_len;
    uint32_t file_no;
    const char *url;
    size_t url_len;
} gal_doc_fields;

#define GAL_DOC_BLOCK_DOCS 32u

/* Append the sealed block of the n (1..GAL_DOC_BLOCK_DOCS) documents f[],
 * the first of them numbered first_doc, to out (not cleared). */
int gal_doc_block_encode(const gal_doc_fields *f, uint32_t n, uint32_t first_doc, gal_buf *out);

/* A block being read: its entries are decoded as they are asked for, in
 * order, their strings into text.  The block's bytes must stay put while
 * it is read (they are in the map for a read transaction). */
typedef struct gal_doc_span {
    size_t off, len;
} gal_doc_span;

typedef struct gal_doc_block {
    uint32_t first_doc, n;  /* n = 0: no block open */
    uint32_t decoded;       /* entries decoded so far */
    const uint8_t *p, *end; /* the entries after those */
    gal_doc_span str[GAL_DOC_BLOCK_DOCS][3]; /* id, date, url in text */
    gal_doc_fields f[GAL_DOC_BLOCK_DOCS];    /* their strings set when asked for */
    gal_buf text;
    char name[32]; /* "block at doc N", for errors */
} gal_doc_block;

void gal_doc_block_init(gal_doc_block *b);
void gal_doc_block_release(gal_doc_block *b);

/* Check the block stored under first_doc and open it in b (replaced).
 * GAL_ECORRUPT naming the docs block when its checksum or header is wrong;
 * b->n is 0 then. */
int gal_doc_block_open(const void *data, size_t len, uint32_t first_doc, gal_doc_block *b);

/* Entry i (< b->n) of an open block, decoding the entries up to it; its
 * strings stay valid until the next call.  GAL_ECORRUPT naming the block
 * when an entry up to it is malformed (the block is closed then), or when
 * i is the last entry and bytes follow it. */
int gal_doc_block_get(gal_doc_block *b, uint32_t i, const gal_doc_fields **f);

/* Docstats: build for n documents, and read entry i of a checked record. */
int gal_docstats_encode(const uint32_t *tokens, const uint32_t *title_tokens,
                        const int64_t *date_sec, uint32_t n, uint32_t first_doc, gal_buf *out);
#define GAL_DOCSTATS_BLOCK 128u
enum { GAL_DOCSTATS_TOKENS, GAL_DOCSTATS_TITLES, GAL_DOCSTATS_DATES, GAL_DOCSTATS_SLICES };
/* Check a docstats record whole, every block too; *n gets its document
 * count. */
int gal_docstats_check(const void *data, size_t len, uint32_t first_doc, uint32_t *n);
/* Only its document count, from the header and the record's size, without
 * any checksum: a reader that checks each block before it first reads it
 * (gal_docstats_check_slice) still needs every batch's range to find it. */
int gal_docstats_peek(const void *data, size_t len, uint32_t first_doc, uint32_t *n);
/* Check slice k's part of block j (documents j × GAL_DOCSTATS_BLOCK on) of
 * a peeked record. */
int gal_docstats_check_slice(const void *data, uint32_t n, uint32_t first_doc, uint32_t j,
                             unsigned k);
#define GAL_DOCSTATS_NARROW 0x80000000u
#define GAL_DOCSTATS_NARROW_HEAD 16u
#define GAL_DOCSTATS_NO_DATE32 0xFFFFFFFFu

/* Whether a record has the narrow layout: GAL_DOCSTATS_NARROW's bit, in
 * the last byte of the little-endian count. */
static inline int gal_docstats_is_narrow(const void *data)
{
    return (((const uint8_t *)data)[3] & 0x80) != 0;
}
/* A width's entry i of a slice at p. */
static inline uint32_t gal_docstats_entry(const uint8_t *p, unsigned width, uint32_t i)
{
    return width == 1 ? p[i]
           : width == 2 ? (uint32_t)p[2 * (size_t)i] | (uint32_t)p[2 * (size_t)i + 1] << 8
                        : gal_get_le32(p + 4 * (size_t)i);
}
/* The token counts of a record, and their width: they come first in either
 * layout. */
static inline const uint8_t *gal_docstats_tokens_slice(const void *data, unsigned *width)
{
    const uint8_t *p = data;
    int narrow = gal_docstats_is_narrow(p);
    *width = narrow ? p[4] : 4;
    return p + (narrow ? GAL_DOCSTATS_NARROW_HEAD : 4);
}
/* Entry i's token count; inline, since ranking a frequent word reads one
 * per document. */
static inline uint32_t gal_docstats_tokens(const void *data, uint32_t i)
{
    unsigned width;
    const uint8_t *lengths = gal_docstats_tokens_slice(data, &width);
    return gal_docstats_entry(lengths, width, i);
}
/* Ask the cache for entry i's token count ahead of gal_docstats_tokens(). */
static inline void gal_docstats_prefetch_tokens(const void *data, uint32_t i)
{
    unsigned width;
    const uint8_t *lengths = gal_docstats_tokens_slice(data, &width);
    __builtin_prefetch(lengths + (size_t)i * width);
}
/* Entry i's title token count (inline: a title-scoped term asks it of
 * every document it meets). */
static inline uint32_t gal_docstats_title_tokens(const void *data, uint32_t n, uint32_t i)
{
    const uint8_t *p = data;
    if (!gal_docstats_is_narrow(p))
        return gal_get_le32(p + 4 + (size_t)n * 4 + (size_t)i * 4);
    return gal_docstats_entry(p + GAL_DOCSTATS_NARROW_HEAD + (size_t)n * p[4], p[5], i);
}
int64_t gal_docstats_date(const void *data, uint32_t n, uint32_t i);

#endif
