#define ZSTD_STATIC_LINKING_ONLY /* the magicless frame format */
#include "stored_text.h"

#include <stdio.h>

#include "record.h"
#include "varint.h"
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
    /* sticky settings, set again for every record: cheap, and a context
     * that served something else meanwhile still writes these frames (a
     * ZSTD_CCtx_reset of the parameters for every record made indexing
     * news-200m 2.9 -> 4.9 s: it rebuilt the match tables each time) */
    size_t n = ZSTD_CCtx_setParameter(cctx, ZSTD_c_format, ZSTD_f_zstd1_magicless);
    if (!ZSTD_isError(n))
        n = ZSTD_CCtx_setParameter(cctx, ZSTD_c_dictIDFlag, 0);
    if (!ZSTD_isError(n))
        n = ZSTD_CCtx_refCDict(cctx, cdict);
    if (!ZSTD_isError(n) && !cdict)
        n = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
    if (!ZSTD_isError(n))
        n = ZSTD_compress2(cctx, kind + 1, bound, text, len);
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
    ZSTD_frameHeader fh;
    if (ZSTD_getFrameHeader_advanced(&fh, p + 1, payload - 1, ZSTD_f_zstd1_magicless) != 0 ||
        fh.frameContentSize == ZSTD_CONTENTSIZE_UNKNOWN || fh.frameContentSize > (1ull << 32))
        return gal_error_set(GAL_ECORRUPT, "corrupt index: text record %s has a bad frame", key);
    unsigned long long size = fh.frameContentSize;
    if ((rc = gal_buf_reserve(out, (size_t)size)))
        return rc;
    size_t n = ZSTD_DCtx_setParameter(dctx, ZSTD_d_format, ZSTD_f_zstd1_magicless);
    if (!ZSTD_isError(n))
        n = ZSTD_DCtx_refDDict(dctx, p[0] == GAL_TEXT_ZSTD_DICT ? ddict : NULL);
    if (!ZSTD_isError(n))
        n = ZSTD_decompressDCtx(dctx, out->data, (size_t)size, p + 1, payload - 1);
    if (ZSTD_isError(n) || n != size)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: text record %s: %s", key,
                             ZSTD_isError(n) ? ZSTD_getErrorName(n) : "size mismatch");
    out->len = n;
    return 0;
}

uint32_t gal_text_block_take(const size_t *off, uint32_t n)
{
    size_t lengths = gal_varint_len(off[1] - off[0]); /* the taken records' length varints */
    uint32_t k = 1;
    while (k < n && k < GAL_TEXT_BLOCK_DOCS) {
        size_t more = gal_varint_len(off[k + 1] - off[k]);
        if (gal_varint_len(k + 1) + lengths + more + (off[k + 1] - off[0]) > GAL_TEXT_BLOCK_BYTES)
            break;
        lengths += more;
        k++;
    }
    return k;
}

int gal_text_block_build(gal_buf *out, const uint8_t *records, const size_t *off, uint32_t n)
{
    uint8_t v[GAL_VARINT_MAX];
    gal_buf_clear(out);
    int rc = gal_buf_append(out, v, gal_varint_put(v, n));
    for (uint32_t i = 0; i < n && !rc; i++)
        rc = gal_buf_append(out, v, gal_varint_put(v, off[i + 1] - off[i]));
    return rc ? rc : gal_buf_append(out, records, off[n] - off[0]);
}

int gal_text_block_open(const void *data, size_t len, uint32_t first_doc, gal_text_block *b)
{
    const uint8_t *p = data, *end = p + len;
    uint64_t n, total = 0;
    if (gal_varint_get(&p, end, &n) || n == 0 || n > GAL_TEXT_BLOCK_DOCS ||
        (uint64_t)first_doc + n - 1 > UINT32_MAX)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: text block at doc %u: bad header",
                             first_doc);
    b->len_p = p;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t l;
        if (gal_varint_get(&p, end, &l) || l > len)
            return gal_error_set(GAL_ECORRUPT, "corrupt index: text block at doc %u: bad lengths",
                                 first_doc);
        total += l;
    }
    if (total != (uint64_t)(end - p))
        return gal_error_set(GAL_ECORRUPT,
                             "corrupt index: text block at doc %u: lengths add up to %llu of %zu "
                             "bytes", first_doc, (unsigned long long)total, (size_t)(end - p));
    b->first_doc = first_doc;
    b->n = (uint32_t)n;
    b->next = 0;
    b->len_end = p;
    b->rec = p;
    return 0;
}

int gal_text_block_next(gal_text_block *b, const uint8_t **rec, size_t *len, uint32_t *doc)
{
    uint64_t l;
    if (b->next == b->n || gal_varint_get(&b->len_p, b->len_end, &l))
        return 1; /* the lengths were checked by gal_text_block_open */
    *rec = b->rec;
    *len = (size_t)l;
    *doc = b->first_doc + b->next++;
    b->rec += l;
    return 0;
}
