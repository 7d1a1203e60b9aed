#include "record.h"

#include "crc32c.h"
#include "status.h"

uint32_t gal_record_key(const void *key, size_t len)
{
    return gal_crc32c(0, key, len);
}

int gal_record_seal(gal_buf *b, uint32_t key)
{
    return gal_record_seal_from(b, 0, key);
}

int gal_record_seal_from(gal_buf *b, size_t start, uint32_t key)
{
    /* an empty buffer may have no storage yet: no pointer arithmetic on it */
    const uint8_t *from = b->len > start ? b->data + start : NULL;
    uint32_t crc = gal_crc32c(key, from, b->len - start);
    uint8_t t[GAL_RECORD_TRAILER] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16),
                                     (uint8_t)(crc >> 24)};
    return gal_buf_append(b, t, sizeof t);
}

int gal_record_open(const void *data, size_t len, size_t *payload_len, uint32_t key,
                    const char *table, const char *key_desc)
{
    if (len < GAL_RECORD_TRAILER)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: %s record %s is truncated", table,
                             key_desc);
    const uint8_t *t = (const uint8_t *)data + len - GAL_RECORD_TRAILER;
    uint32_t want = (uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 |
                    (uint32_t)t[3] << 24;
    if (gal_crc32c(key, data, len - GAL_RECORD_TRAILER) != want)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: checksum mismatch in %s record %s",
                             table, key_desc);
    *payload_len = len - GAL_RECORD_TRAILER;
    return 0;
}
