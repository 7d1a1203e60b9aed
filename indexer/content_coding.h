/*
 * content_coding.h — undoing an HTTP response's content coding (the
 * Content-Encoding of a page a crawler saved in a WARC file): gzip, zlib or
 * raw deflate, brotli ("br", what most sites send browsers) and zstd.
 */
#ifndef GAL_CONTENT_CODING_H
#define GAL_CONTENT_CODING_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef enum {
    GAL_CODING_DEFLATE, /* gzip or zlib, by their headers */
    GAL_CODING_RAW_DEFLATE,
    GAL_CODING_BROTLI,
    GAL_CODING_ZSTD,
} gal_content_coding;

/* Append d[0, n) decoded to out, at most max bytes of it.  0; -1 when the
 * data is malformed or decodes to more than max; GAL_ENOMEM.  Data cut
 * short keeps what came out of it (0): a crawl's truncated fetches. */
int gal_content_decode(gal_content_coding coding, const uint8_t *d, size_t n, size_t max,
                       gal_buf *out);

#endif
