/*
 * crc32c.h — CRC-32C (Castagnoli), the checksum of every stored record
 * (record.h).  Chosen over zlib's CRC-32 because x86-64 computes it in
 * hardware (SSE4.2: eight bytes an instruction), several times faster than
 * a table; other processors get a slice-by-8 table with the same results.
 */
#ifndef GAL_CRC32C_H
#define GAL_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32C of data[0, len) continued from crc, a value this function
 * returned before (0 to start).  gal_crc32c(gal_crc32c(0, a), b) equals the
 * CRC of a ‖ b. */
uint32_t gal_crc32c(uint32_t crc, const void *data, size_t len);

/* The table version, whatever the processor: for tests to compare. */
uint32_t gal_crc32c_sw(uint32_t crc, const void *data, size_t len);

#endif
