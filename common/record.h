/*
 * record.h — the checksum trailer every stored record carries.
 */
#ifndef GAL_RECORD_H
#define GAL_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "format.h"

#define GAL_RECORD_TRAILER 4

/* The checksum covers the record's key as well as its bytes, so that a
 * damaged key (which would file good bytes under the wrong term or
 * document) is caught too: seal and open with gal_record_key(key). */
uint32_t gal_record_key(const void *key, size_t len);

/* The key of a record stored under document number doc (docs, text,
 * docstats: 4 bytes big-endian). */
static inline uint32_t gal_record_doc_key(uint32_t doc)
{
    uint8_t k[4];
    gal_put_be32(k, doc);
    return gal_record_key(k, sizeof k);
}

/* Append the CRC-32C (crc32c.h) of key ‖ b's current contents. */
int gal_record_seal(gal_buf *b, uint32_t key);
/* Append the CRC-32C of key ‖ b->data[start, len): seals one record
 * appended to a buffer that already held others. */
int gal_record_seal_from(gal_buf *b, size_t start, uint32_t key);

/* Write v in decimal at out, then a NUL; returns the digits written.  For
 * the names errors give records, which the hot paths write for every
 * record they open, where snprintf cost as much as reading the record. */
static inline size_t gal_put_decimal(char *out, uint32_t v)
{
    char digits[10];
    size_t n = 0;
    do
        digits[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = digits[n - 1 - i];
    out[n] = '\0';
    return n;
}

/* Check a record sealed under key; on success *payload_len is its length
 * without the trailer.  GAL_ECORRUPT (with a detail naming table and key)
 * otherwise. */
int gal_record_open(const void *data, size_t len, size_t *payload_len, uint32_t key,
                    const char *table, const char *key_desc);

#endif
