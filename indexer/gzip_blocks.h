/*
 * gzip_blocks.h — a piece of one deflate stream decoded from a block
 * boundary, where the 32 KiB of output before it may not be known yet.
 * Internal to indexer/ (gzip_parallel.c).
 *
 * A back-reference may copy from the 32 KiB window before the piece, so a
 * thread that decodes the middle of a gzip member cannot know those bytes.
 * It decodes with a decoder of its own that writes 16-bit symbols, a byte
 * or a place in the window (inflate_marked.h); once the window is known,
 * each symbol is looked up in a table of the 256 bytes and the window's
 * (gal_blocks_resolve), and the window after the piece can be had before
 * that (gal_blocks_window_after).  In JSON Lines the places never die out:
 * a key that every line repeats is copied from the line before, and so on
 * back to the window (a third of the bytes of the generated news).  A
 * piece whose window is known (the caller's thread, or the first piece)
 * is decoded by zlib (gal_blocks_decode).
 */
#ifndef GAL_GZIP_BLOCKS_H
#define GAL_GZIP_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define GAL_WINDOW 32768

enum {
    GAL_BLOCKS_BOUNDARY, /* stopped at a block boundary at or past `stop` */
    GAL_BLOCKS_LAST,     /* the stream's last block ended before it */
    GAL_BLOCKS_FAILED    /* not deflate there, cut short, too much output, a read failed */
};

/* Decode the deflate stream of regular file fd (size bytes) from bit
 * `start` (where a block begins) with the window before it, until a block
 * boundary at bit >= stop: GAL_BLOCKS_ with *end the boundary.  Output is
 * appended to out, at most limit bytes (more is GAL_BLOCKS_FAILED).
 * inbuf: GAL_BLOCKS_READ bytes of room. */
#define GAL_BLOCKS_READ ((size_t)1 << 20)
int gal_blocks_decode(int fd, uint64_t size, uint64_t start, uint64_t stop,
                      const uint8_t window[GAL_WINDOW], gal_buf *out, size_t limit, uint64_t *end,
                      uint8_t *inbuf);

/* A piece decoded without its window. */
typedef struct gal_blocks_piece {
    gal_buf out;        /* its bytes, once known */
    gal_buf symbols;    /* until then: uint16_t, a byte or 256 + a place */
    int marked;         /* symbols, not out, hold it */
    uint64_t end;       /* the boundary where it stopped (GAL_BLOCKS_BOUNDARY) */
} gal_blocks_piece;

/* Bytes [base, end) of a file of size bytes (fewer past its end) into in,
 * and 16 zero bytes after them, as gal_blocks_guess reads them: 0, or -1
 * when the read fails or memory runs out. */
int gal_blocks_read(int fd, uint64_t size, gal_buf *in, uint64_t base, uint64_t end);

/* Decode from bit start (of the file) as gal_blocks_decode does, the
 * window unknown, into pc's symbols: GAL_BLOCKS_.  in holds the file's
 * bytes from base (gal_blocks_read); more are read into it where a block
 * runs on past them.  The piece's buffers are reused from call to call. */
int gal_blocks_guess(int fd, uint64_t size, gal_buf *in, uint64_t base, uint64_t start,
                     uint64_t stop, gal_blocks_piece *pc, size_t limit);

/* n bytes of fd from offset at, fewer only at its end (*got): 0, or -1
 * when a read fails. */
int gal_pread_full(int fd, uint8_t *dst, size_t n, uint64_t at, size_t *got);

/* The piece's bytes from its symbols and the window (the 32 KiB of output
 * before it); 0, or -1 out of memory.  A piece of bytes already: nothing
 * to do. */
int gal_blocks_resolve(gal_blocks_piece *pc, const uint8_t window[GAL_WINDOW]);

/* The 32 KiB of output after the piece, from the 32 KiB before it: what
 * the next piece is filled in from, without filling in this one. */
void gal_blocks_window_after(const gal_blocks_piece *pc, const uint8_t before[GAL_WINDOW],
                             uint8_t after[GAL_WINDOW]);

void gal_blocks_piece_release(gal_blocks_piece *pc);

#endif
