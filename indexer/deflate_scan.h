/*
 * deflate_scan.h — where a deflate block could begin, in the middle of a
 * compressed stream whose earlier bits are not known.  Internal to
 * indexer/ (gzip_blocks.c).
 *
 * A gzip file of one member is one deflate stream; to decode its middle on
 * another thread, that thread must guess where a block starts.  Blocks are
 * not byte-aligned and carry no marker, but a block with its own Huffman
 * codes (what gzip, zlib and pigz write for text) opens with a header that
 * random bits rarely satisfy: the code-length code, the literal/length and
 * the distance codes must all be well formed, and the end-of-block symbol
 * must have a code.  A guess that passes can still be wrong; the decoder
 * and the chain of checked boundaries (gzip_parallel.h) have the last word.
 */
#ifndef GAL_DEFLATE_SCAN_H
#define GAL_DEFLATE_SCAN_H

#include <stddef.h>
#include <stdint.h>

/* Bytes after the last one scanned that a scan may read: a header is at
 * most 3 + 14 + 57 + 316 * 14 bits. */
#define GAL_DEFLATE_HEADER_MAX 600

/* The literal/length and distance code lengths of a dynamic block whose
 * header goes on at bit `at` (after its three bits of block type): 1 with
 * len[0, *nlit) and len[*nlit, *nlit + *ndist) and *after, the bit after
 * the header; 0 where zlib would refuse them (or b ends first). */
#define GAL_DEFLATE_CODES (286 + 30)
int gal_deflate_code_lengths(const uint8_t *b, uint64_t nbits, uint64_t at,
                             uint8_t len[GAL_DEFLATE_CODES], unsigned *nlit, unsigned *ndist,
                             uint64_t *after);

/* Whether bits [bit, ...) of b (deflate's order: from each byte's lowest
 * bit up) hold the whole header of a dynamic-Huffman block that is not
 * the stream's last, every code in it as zlib would accept it.  b holds
 * nbits bits, and 8 readable bytes past them. */
int gal_deflate_dynamic_at(const uint8_t *b, uint64_t nbits, uint64_t bit);

/* The first bit in [from, to) where gal_deflate_dynamic_at holds, or `to`
 * when there is none. */
uint64_t gal_deflate_find_dynamic(const uint8_t *b, uint64_t nbits, uint64_t from, uint64_t to);

#endif
