/*
 * record.h — the checksum trailer every stored record carries.
 */
#ifndef GAL_RECORD_H
#define GAL_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define GAL_RECORD_TRAILER 4

/* Append the CRC-32 of b's current contents. */
int gal_record_seal(gal_buf *b);
/* Append the CRC-32 of b->data[start, len): seals one record appended to a
 * buffer that already held others. */
int gal_record_seal_from(gal_buf *b, size_t start);

/* Check a sealed record; on success *payload_len is its length without the
 * trailer.  GAL_ECORRUPT (with a detail naming table and key) otherwise. */
int gal_record_open(const void *data, size_t len, size_t *payload_len, const char *table,
                    const char *key_desc);

#endif
