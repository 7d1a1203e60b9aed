#include "stored_text.h"

#include <stdio.h>

#include "record.h"
#include "status.h"

int gal_stored_text_encode(ZSTD_CCtx *cctx, const ZSTD_CDict *cdict, int level, const void *text,
                           size_t len, unsigned doc, gal_buf *out)
{
    size_t start = out->len;
    size_t bound = ZSTD_compressBound(len);
    int rc = gal_buf_reserve(out, 1 + bound + 4);
    if (rc)
        return rc;
    uint8_t *kind = out->data + out->len;
    size_t n = cdict ? ZSTD_compress_usingCDict(cctx, kind + 1, bound, text, len, cdict)
                     : ZSTD_compressCCtx(cctx, kind + 1, bound, text, len, level);
    if (ZSTD_isError(n))
        return gal_error_set(GAL_ENOMEM, "zstd compression failed: %s", ZSTD_getErrorName(n));
    if (n < len) {
        *kind = cdict ? GAL_TEXT_ZSTD_DICT : GAL_TEXT_ZSTD;
        out->len += 1 + n;
    } else { /* incompressible (or tiny): store it as it is */
        *kind = GAL_TEXT_RAW;
        out->len += 1;
        gal_buf_append(out, text, len); /* room was reserved above */
    }
    return gal_record_seal_from(out, start, gal_record_doc_key(doc));
}

int gal_stored_text_decode(ZSTD_DCtx *dctx, const ZSTD_DDict *ddict, const void *data, size_t len,
                           unsigned doc, gal_buf *out)
{
    char key[32];
    snprintf(key, sizeof key, "doc %u", doc);
    size_t payload;
    int rc = gal_record_open(data, len, &payload, gal_record_doc_key(doc), "text", key);
    if (rc)
        return rc;
    if (payload < 1)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: text record %s is empty", key);
    const uint8_t *p = data;
    gal_buf_clear(out);
    if (p[0] == GAL_TEXT_RAW)
        return gal_buf_append(out, p + 1, payload - 1);
    if (p[0] > GAL_TEXT_ZSTD_DICT || (p[0] == GAL_TEXT_ZSTD_DICT && !ddict))
        return gal_error_set(GAL_ECORRUPT, "corrupt index: text record %s has unknown kind %u",
                             key, p[0]);
    unsigned long long size = ZSTD_getFrameContentSize(p + 1, payload - 1);
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (1ull << 32))
        return gal_error_set(GAL_ECORRUPT, "corrupt index: text record %s has a bad frame", key);
    if ((rc = gal_buf_reserve(out, (size_t)size)))
        return rc;
    size_t n = p[0] == GAL_TEXT_ZSTD_DICT
                   ? ZSTD_decompress_usingDDict(dctx, out->data, (size_t)size, p + 1, payload - 1, ddict)
                   : ZSTD_decompressDCtx(dctx, out->data, (size_t)size, p + 1, payload - 1);
    if (ZSTD_isError(n) || n != size)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: text record %s: %s", key,
                             ZSTD_isError(n) ? ZSTD_getErrorName(n) : "size mismatch");
    out->len = n;
    return 0;
}
