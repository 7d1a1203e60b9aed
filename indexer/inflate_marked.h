/*
 * inflate_marked.h — raw deflate decoded into 16-bit symbols from a block
 * boundary, the 32 KiB window before it unknown: each symbol is an output
 * byte (0–255) or, where a back-reference reached into the window, 256 +
 * the place in the window (0 the oldest byte).  Internal to indexer/
 * (gzip_blocks.c).
 *
 * zlib writes bytes and so cannot say which came from the window; this
 * decoder does it in one pass.  It refuses what zlib refuses (codes as
 * deflate_scan.h checks them, unused code patterns, symbols 286 and 287 or
 * distance 30 and 31, a stored block whose length check fails, a distance
 * past the window), so that a damaged stream is never taken from it where
 * zlib would stop.
 */
#ifndef GAL_INFLATE_MARKED_H
#define GAL_INFLATE_MARKED_H

#include <stddef.h>
#include <stdint.h>

enum {
    GAL_MARKED_BOUNDARY, /* stopped at a block boundary at or past stop */
    GAL_MARKED_LAST,     /* the stream's last block ended before it */
    GAL_MARKED_FAILED,   /* not deflate there */
    GAL_MARKED_MORE,     /* in ends first: call again with more of it */
    GAL_MARKED_FULL      /* more than limit symbols: again with more room */
};

/* Decode from bit `start` of in (nbits bits, bit 0 in[0]'s lowest, and 16
 * readable bytes after them) until a block boundary at bit >= stop:
 * GAL_MARKED_, with the boundary (or the last block's end) in *end and the
 * symbols in out[0, *n), out having room for limit.  at_end: in reaches
 * the end of the file. */
int gal_inflate_marked(const uint8_t *in, uint64_t nbits, int at_end, uint64_t start,
                       uint64_t stop, uint16_t *out, size_t limit, size_t *n, uint64_t *end);

#endif
