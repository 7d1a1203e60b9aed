/*
 * gzip_parallel.h — a gzip file decoded on several threads: its many
 * members (a .warc.gz, one member a record, as crawlers write them), or
 * the blocks of its one member (a .jsonl.gz).  Internal to indexer/
 * (input_stream.c).
 *
 * The file is cut into chunks of compressed bytes; a thread decodes each
 * chunk from the first member header it finds in it, member after member,
 * until a member ends at or past the chunk's end.  A header can be found
 * by chance inside a member's compressed bytes, so no chunk's output is
 * taken on trust: it is handed out only when it starts exactly where the
 * output handed out before it ended (a member boundary zlib itself found,
 * every member's CRC and length checked).  Where that fails, the chunk is
 * decoded again on the caller's thread from that boundary, and where that
 * fails too (a damaged or truncated file), the caller goes on as one
 * stream from the last boundary, so that every error is the one a single
 * decoder gives, after the same bytes.
 *
 * A file of one member (a .jsonl.gz) is cut the same way into the deflate
 * blocks of its one stream: a thread guesses where the first block in its
 * chunk begins (deflate_scan.h) and decodes blocks from there without the
 * 32 KiB window before them (gzip_blocks.h).  The threads pass the window
 * on from chunk to chunk, each filling in its own chunk's bytes from the
 * window and taking its CRC-32 (where the chain breaks, the caller's thread
 * does).  Positions are then in bits, and the boundaries are those between
 * blocks.  The member's last chunk, its trailer and what follows are left
 * to one decoder, which gets the window and the CRC-32 of what was handed
 * out (gal_gzpar_blocks_state) to check the trailer with.
 */
#ifndef GAL_GZIP_PARALLEL_H
#define GAL_GZIP_PARALLEL_H

#include <stddef.h>
#include <stdint.h>

#include "gzip_blocks.h"

typedef struct gal_gzpar gal_gzpar;

/* Decode the members of regular file fd (size bytes) from offset `from`, a
 * member boundary, on nthreads threads, chunk bytes at a time; NULL when
 * they cannot start (out of memory, no thread). */
gal_gzpar *gal_gzpar_start(int fd, uint64_t from, uint64_t size, unsigned nthreads,
                           size_t chunk);

/* Decode one member's deflate stream from bit from_bit of regular file fd
 * (size bytes), a block boundary with window the 32 KiB of output before
 * it, on nthreads threads, chunk bytes at a time; NULL as above. */
gal_gzpar *gal_gzpar_start_blocks(int fd, uint64_t from_bit, uint64_t size, unsigned nthreads,
                                  size_t chunk, const uint8_t window[GAL_WINDOW]);

/* Up to n more decoded bytes in order into dst, and how many: 0 when no
 * more is sure (the end of the file after a clean end, every member
 * decoded; else a chunk that decodes from the boundary on no thread, or
 * did not fit in memory), the stream then going on as one decoder from
 * *boundary.  *boundary: the member boundary where what was handed out
 * ends, in compressed bytes (blocks: the block boundary, in bits). */
size_t gal_gzpar_read(gal_gzpar *p, uint8_t *dst, size_t n, uint64_t *boundary);

/* Blocks: the 32 KiB of output before the boundary, and the CRC-32 of all
 * that was handed out. */
void gal_gzpar_blocks_state(const gal_gzpar *p, uint8_t window[GAL_WINDOW], uint32_t *crc);

/* Bytes handed out so far from the threads' chunks, and from chunks
 * decoded again on the caller's thread. */
void gal_gzpar_counts(const gal_gzpar *p, uint64_t *from_threads, uint64_t *redone);

/* Stop the threads and free everything; NULL is a no-op. */
void gal_gzpar_stop(gal_gzpar *p);

#endif
