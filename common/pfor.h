/*
 * pfor.h — patched frame-of-reference bit packing of small unsigned
 * integers (the postings' gaps, term frequencies and positions).
 *
 * A block of n values is written as
 *   varint nexc << 6 | b, n × b bits (low bits, little-endian bit order),
 *   nexc × (varint index gap, varint value >> b)
 * where b (0..32) is chosen per block to minimise its size: most values fit
 * in b bits and the few that do not are patched from the exception list.
 * The width shares its varint with the exception count, so a block with at
 * most one exception has a one-byte header.  On news postings this takes
 * about 40% fewer bytes than one varint per value.
 */
#ifndef GAL_PFOR_H
#define GAL_PFOR_H

#include <stddef.h>
#include <stdint.h>

/* Bytes that encoding n values may take at most. */
size_t gal_pfor_bound(size_t n);

/* The width and exact size (when n <= 128; an estimate above that, since
 * exception gaps may then need two-byte varints) that gal_pfor_encode()
 * gives n values.  Lets a caller compare layouts before writing one. */
typedef struct gal_pfor_plan {
    unsigned width;
    size_t nexc;
    size_t size;
} gal_pfor_plan;
void gal_pfor_plan_of(const uint32_t *v, size_t n, gal_pfor_plan *plan);

/* Encode v[0..n) into out (gal_pfor_bound(n) bytes of room); returns the
 * number of bytes written.  plan is NULL, or what gal_pfor_plan_of() said
 * for the same values. */
size_t gal_pfor_encode(const uint32_t *v, size_t n, const gal_pfor_plan *plan, uint8_t *out);

/* Decode n values from [*p, end) into v and advance *p.  Returns 0, or -1
 * when the block is malformed or runs past end. */
int gal_pfor_decode(const uint8_t **p, const uint8_t *end, size_t n, uint32_t *v);

/* Decode only values [from, from + count) of the block of n values at p
 * into v, without advancing: the bits of those values, and the exception
 * list as far as their last one (a block's exceptions are few).  For one
 * document's positions out of a chunk's thousands.  Returns 0, or -1 when
 * what it reads is malformed or runs past end. */
int gal_pfor_decode_range(const uint8_t *p, const uint8_t *end, size_t n, size_t from,
                          size_t count, uint32_t *v);

#endif
