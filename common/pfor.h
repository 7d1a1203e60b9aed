/*
 * pfor.h — patched frame-of-reference bit packing of small unsigned
 * integers (the postings' gaps, term frequencies and positions).
 *
 * A block of n values is written as
 *   u8 b, varint nexc, n × b bits (low bits, little-endian bit order),
 *   nexc × (varint index gap, varint value >> b)
 * where b is chosen per block to minimise its size: most values fit in b
 * bits and the few that do not are patched from the exception list.  On
 * news postings this takes about 40% fewer bytes than one varint per value.
 */
#ifndef GAL_PFOR_H
#define GAL_PFOR_H

#include <stddef.h>
#include <stdint.h>

/* Bytes that encoding n values may take at most. */
size_t gal_pfor_bound(size_t n);

/* Encode v[0..n) into out (gal_pfor_bound(n) bytes of room); returns the
 * number of bytes written. */
size_t gal_pfor_encode(const uint32_t *v, size_t n, uint8_t *out);

/* Decode n values from [*p, end) into v and advance *p.  Returns 0, or -1
 * when the block is malformed or runs past end. */
int gal_pfor_decode(const uint8_t **p, const uint8_t *end, size_t n, uint32_t *v);

#endif
