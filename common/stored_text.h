/*
 * stored_text.h — how document text is kept for `show` and snippets.
 *
 * A record is one kind byte, the payload, and a CRC-32C trailer:
 *   kind 0: raw bytes
 *   kind 1: one zstd frame
 *   kind 2: one zstd frame made with the index's dictionary (meta "zdict")
 * Short news compresses about 2.5x with a dictionary trained on the first
 * large batch, against about 1.6x without.
 */
#ifndef GAL_STORED_TEXT_H
#define GAL_STORED_TEXT_H

#include <stddef.h>
#include <zstd.h>

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

#endif
