/*
 * postings_codec.h — one postings chunk: up to GAL_CHUNK_DOCS documents of
 * one term, with term frequencies and positions.
 *
 * Layout: a varint ndocs << 2 | last << 1 | packed; when last (the chunk
 * is its term's last in its batch), a varint run_docs: the documents of all
 * the term's chunks in the batch, so that a term's document count is one
 * lookup per batch instead of a walk over its chunks.  Then one of two
 * bodies, whichever is smaller for the chunk (postings_codec.c decides):
 *
 *   packed = 1: three varints last_doc - first_doc, docs_len, tfs_len, then
 *     three bit-packed blocks (pfor.h):
 *     docs section: ndocs - 1 values doc[i] - doc[i-1] - 1; doc[0] is in the key
 *     tfs section:  ndocs values tf - 1
 *     positions:    per document, its first position, then tf - 1 values
 *                   pos[k] - pos[k-1] - 1
 *   packed = 0: the same three sections as plain varints, one per value,
 *     with no lengths and no last doc (the sections are found, and the last
 *     doc summed, by stepping over ndocs - 1 and ndocs varints).  Most
 *     chunks are of rare terms, one or two documents with a position or
 *     two, where the packed body's lengths and block headers would cost
 *     more than the values themselves.
 *
 * and a CRC-32C trailer (record.h).
 * Sections are separate so that AND and counting never decode positions,
 * and positions are decoded only for the documents a phrase asks about.
 */
#ifndef GAL_POSTINGS_CODEC_H
#define GAL_POSTINGS_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "format.h"

/* Encode ndocs (>= 1) documents (increasing), their tfs, and all their
 * positions (sum of tfs entries, increasing within each document) as a
 * chunk sealed under its LMDB key (format.h: gal_postings_key), appended
 * to out: the chunk is out->data[old length, out->len).  run_docs is 0,
 * or for the last chunk of the term in its batch the documents of all
 * its chunks there. */
int gal_chunk_encode(const uint32_t *docs, const uint32_t *tfs, const uint32_t *positions,
                     uint32_t ndocs, uint32_t run_docs, const uint8_t key[GAL_POSTINGS_KEY_LEN],
                     gal_buf *out);

/* The same chunk from the sections' values as gal_chunk_encode() derives
 * them: dv[0, ndocs - 1) the document gaps, tv[0, ndocs) the tfs less one,
 * pv[0, npos) each document's first position then its gaps less one (npos
 * the tfs' sum), span the last document less the first.  For a caller
 * that walks its postings anyway (the index builder) and so derives them
 * as it goes, where a copy of absolute values would be read twice. */
int gal_chunk_encode_values(const uint32_t *dv, const uint32_t *tv, const uint32_t *pv,
                            uint32_t ndocs, size_t npos, uint32_t span, uint32_t run_docs,
                            const uint8_t key[GAL_POSTINGS_KEY_LEN], gal_buf *out);

/* A parsed chunk: pointers into the record, valid as long as it is. */
typedef struct gal_chunk_view {
    uint32_t first_doc;
    uint32_t last_doc;
    uint32_t ndocs;
    uint32_t run_docs; /* the last chunk of a batch's run: the run's documents; else 0 */
    int packed; /* which body: pfor blocks, or plain varints */
    const uint8_t *docs, *docs_end;
    const uint8_t *tfs, *tfs_end;
    const uint8_t *pos, *pos_end;
} gal_chunk_view;

/* Check the checksum and header of a chunk stored under key (whose last
 * four bytes are its first document).  GAL_ECORRUPT with a detail naming
 * key_desc on any inconsistency. */
int gal_chunk_parse(const void *data, size_t len, const uint8_t key[GAL_POSTINGS_KEY_LEN],
                    gal_chunk_view *v, const char *key_desc);

/* A chunk's body without its checksum trailer (payload bytes), first_doc
 * being its first document: for the chunks of a block of small terms
 * (chunk_blocks.h), whose checksum the block's covers. */
int gal_chunk_parse_body(const void *data, size_t payload, uint32_t first_doc, gal_chunk_view *v,
                         const char *key_desc);

/* One chunk as the postings table holds it: a record of its own under its
 * key, sealed by its checksum, or one of the chunks of a block of small
 * terms (chunk_blocks.h), whose key is made from the block's entry and
 * whose bytes the block's checksum covers.  Finding a chunk trusts no more
 * than a seek by key does; parsing it checks its checksum, or its block's
 * (unless block is NULL: checked already). */
typedef struct gal_chunk_rec {
    uint8_t key[GAL_POSTINGS_KEY_LEN]; /* batch ‖ term hash ‖ first doc */
    const uint8_t *data;
    size_t len;
    int in_block;
    const uint8_t *block_key, *block; /* the block record, when in_block */
    size_t block_len;
} gal_chunk_rec;

/* A chunk that is a record of its own, key → data[0, len). */
static inline void gal_chunk_rec_of_record(gal_chunk_rec *r, const void *key, const void *data,
                                           size_t len)
{
    memcpy(r->key, key, GAL_POSTINGS_KEY_LEN);
    r->data = data;
    r->len = len;
    r->in_block = 0;
}

/* gal_chunk_parse(), or for a chunk of a block the block's checksum and
 * gal_chunk_parse_body(). */
int gal_chunk_parse_rec(const gal_chunk_rec *r, gal_chunk_view *v, const char *key_desc);

/* Decode every document number and tf of a parsed chunk into docs[] and
 * tfs[] (room for v->ndocs each). */
int gal_chunk_decode_docs(const gal_chunk_view *v, uint32_t *docs, uint32_t *tfs,
                          const char *key_desc);

/* Decode all positions of the chunk (sum of tfs values, as decoded by
 * gal_chunk_decode_docs) into pos, each document's run increasing. */
int gal_chunk_decode_positions(const gal_chunk_view *v, const uint32_t *tfs, uint32_t *pos,
                               size_t npos, const char *key_desc);

/* The chunk's npos positions as stored: each document's run is its first
 * position, then the gaps less one.  gal_chunk_run_positions() turns one
 * run at a time into positions: a phrase that asks about a few documents
 * of a chunk then pays the whole chunk's unpacking, a branch-free pass, but
 * only its own documents' runs. */
int gal_chunk_decode_stored_positions(const gal_chunk_view *v, uint32_t *pos, size_t npos,
                                      const char *key_desc);
/* One run of count values from gal_chunk_decode_stored_positions() into
 * increasing positions, in place. */
int gal_chunk_run_positions(uint32_t *pos, uint32_t count, const char *key_desc);

/* Decode one document's run of positions: entries [first, first + count)
 * of the chunk's npos (first = the sum of the tfs before it, count = its
 * tf) into pos, increasing.  Costs the run and the exceptions before its
 * end, where gal_chunk_decode_positions costs all npos: a phrase of a rare
 * and a frequent word reads a few positions out of thousands. */
int gal_chunk_decode_run(const gal_chunk_view *v, size_t first, uint32_t count, size_t npos,
                         uint32_t *pos, const char *key_desc);

/* Only the chunk header's ndocs, span (last doc - first doc) and run_docs,
 * without verifying the checksum: for df sums and skipping, which never
 * trust it for data. */
int gal_chunk_peek(const void *data, size_t len, uint32_t *ndocs, uint32_t *span,
                   uint32_t *run_docs);

#endif
