/*
 * pfor_simd.h — pfor.c's bit unpacking with AVX2, where the CPU has it.
 *
 * Eight values of b bits fill b whole bytes.  For b <= 16 a group's bytes
 * fit in one 16-byte load; a byte shuffle gives each value the four bytes
 * that hold it, a shift per lane and a mask leave the value: eight values
 * in a handful of instructions, against three or four each one at a time.
 * The layout is pfor.h's (value i at bit i * b); nothing about the format
 * depends on this file.
 */
#ifndef GAL_PFOR_SIMD_H
#define GAL_PFOR_SIMD_H

#include <stddef.h>
#include <stdint.h>

/* Unpack up to ngroups groups of eight b-bit values (1 <= b <= 16), the
 * first group at byte q, into v, while a group's 16-byte load ends at or
 * before pend.  Returns the groups unpacked: 0 when the CPU has no AVX2 or
 * it is switched off. */
size_t gal_pfor_unpack_groups(const uint8_t *q, const uint8_t *pend, unsigned b, size_t ngroups,
                              uint32_t *v);

/* Use AVX2 when the CPU has it (on, the default) or never (off), so that
 * tests check both ways give the same values.  Not thread-safe: set it
 * before decoding starts. */
void gal_pfor_simd_enable(int on);

#endif
