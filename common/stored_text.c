#define ZSTD_STATIC_LINKING_ONLY /* the magicless frame format, attached dictionaries */
#include "stored_text.h"

#include <stdio.h>

#include "record.h"
#include "varint.h"
#include "status.h"

/* Compress src into out's room at dst (bound bytes) as a magicless frame,
 * with cdict or at level. */
static size_t compress(ZSTD_CCtx *cctx, const ZSTD_CDict *cdict, int level, void *dst,
                       size_t bound, const void *src, size_t len)
{
    /* sticky settings, set again for every record: cheap, and a context
     * that served something else meanwhile still writes these frames (a
     * ZSTD_CCtx_reset of the parameters for every record made indexing
     * news-200m 2.9 -> 4.9 s: it rebuilt the match tables each time).
     * The dictionary is attached, never copied: zstd copies its tables
     * into the context for inputs past 16 kB at this level, which made a
     * group's 16 kB a fifth slower to compress than the same bytes one
     * document at a time. */
    size_t n = ZSTD_CCtx_setParameter(cctx, ZSTD_c_format, ZSTD_f_zstd1_magicless);
    if (!ZSTD_isError(n))
        n = ZSTD_CCtx_setParameter(cctx, ZSTD_c_dictIDFlag, 0);
    if (!ZSTD_isError(n))
        n = ZSTD_CCtx_setParameter(cctx, ZSTD_c_forceAttachDict, ZSTD_dictForceAttach);
    if (!ZSTD_isError(n))
        n = ZSTD_CCtx_refCDict(cctx, cdict);
    if (!ZSTD_isError(n) && !cdict)
        n = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
    if (!ZSTD_isError(n))
        n = ZSTD_compress2(cctx, dst, bound, src, len);
    return n;
}

int gal_stored_text_encode(ZSTD_CCtx *cctx, const ZSTD_CDict *cdict, int level, const void *text,
                           size_t len, unsigned doc, gal_buf *out)
{
    size_t start = out->len;
    size_t bound = ZSTD_compressBound(len);
    int rc = gal_buf_reserve(out, 1 + bound + 4);
    if (rc)
        return rc;
    uint8_t *kind = out->data + out->len;
    size_t n = compress(cctx, cdict, level, kind + 1, bound, text, len);
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

int gal_stored_text_put_raw(const void *text, size_t len, unsigned doc, gal_buf *out)
{
    size_t start = out->len;
    uint8_t kind = GAL_TEXT_RAW;
    int rc = gal_buf_reserve(out, 1 + len + 4);
    if (!rc)
        rc = gal_buf_append(out, &kind, 1);
    if (!rc)
        rc = gal_buf_append(out, text, len);
    return rc ? rc : gal_record_seal_from(out, start, gal_record_doc_key(doc));
}

int gal_stored_text_encode_group(ZSTD_CCtx *cctx, const ZSTD_CDict *cdict, int level,
                                 const void *texts, const uint32_t *lens, uint32_t m,
                                 unsigned first_doc, gal_buf *out)
{
    size_t start = out->len, total = 0;
    uint8_t head[1 + GAL_VARINT_MAX * (GAL_TEXT_GROUP_DOCS + 1)], *h = head;
    *h++ = cdict ? GAL_TEXT_GROUP_DICT : GAL_TEXT_GROUP;
    h += gal_varint_put(h, m);
    for (uint32_t i = 0; i < m; i++) {
        h += gal_varint_put(h, lens[i]);
        total += (size_t)lens[i] + 1;
    }
    size_t bound = ZSTD_compressBound(total);
    int rc = gal_buf_reserve(out, (size_t)(h - head) + bound + 4);
    if (rc)
        return rc;
    gal_buf_append(out, head, (size_t)(h - head)); /* room was reserved above */
    size_t n = compress(cctx, cdict, level, out->data + out->len, bound, texts, total);
    if (ZSTD_isError(n))
        return gal_error_set(GAL_ENOMEM, "zstd compression failed: %s", ZSTD_getErrorName(n));
    if (n + (size_t)(h - head) >= total) { /* one record each does no worse */
        out->len = start;
        return 1;
    }
    out->len += n;
    return gal_record_seal_from(out, start, gal_record_doc_key(first_doc));
}

/* A group's document count at *p (advanced past it): 0, or -1 when it is
 * not one a group can have. */
static int group_count(const uint8_t **p, const uint8_t *end, uint32_t *m)
{
    uint64_t v;
    if (gal_varint_get(p, end, &v) || v < 2 || v > GAL_TEXT_GROUP_DOCS)
        return -1;
    *m = (uint32_t)v;
    return 0;
}

uint32_t gal_stored_text_count(const void *data, size_t len)
{
    const uint8_t *p = data, *end = p + len;
    uint32_t m;
    if (len < 2 || (p[0] != GAL_TEXT_GROUP && p[0] != GAL_TEXT_GROUP_DICT))
        return 1;
    p++;
    return group_count(&p, end, &m) ? 1 : m; /* decoding the record tells what is wrong */
}

/* Decompress the frame [p, end) into out (replaced), which must come to
 * size bytes when size is not 0 (a single record's size is its frame's). */
static int decompress(ZSTD_DCtx *dctx, const ZSTD_DDict *ddict, const uint8_t *p,
                      const uint8_t *end, size_t size, const char *key, gal_buf *out)
{
    /* a size the frame's blocks cannot hold is refused before room is
     * made for it: each block gives at most ZSTD_BLOCKSIZE_MAX bytes and
     * takes at least 4 (a 3-byte header and a byte) */
    ZSTD_frameHeader fh;
    uint64_t most = (uint64_t)(end - p) / 4 * ZSTD_BLOCKSIZE_MAX;
    if (ZSTD_getFrameHeader_advanced(&fh, p, (size_t)(end - p), ZSTD_f_zstd1_magicless) != 0 ||
        fh.frameContentSize == ZSTD_CONTENTSIZE_UNKNOWN || fh.frameContentSize > (1ull << 32) ||
        fh.frameContentSize > most || (size && fh.frameContentSize != size))
        return gal_error_set(GAL_ECORRUPT, "corrupt index: text record %s has a bad frame", key);
    size = (size_t)fh.frameContentSize;
    int rc = gal_buf_reserve(out, size);
    if (rc)
        return rc;
    size_t n = ZSTD_DCtx_setParameter(dctx, ZSTD_d_format, ZSTD_f_zstd1_magicless);
    if (!ZSTD_isError(n))
        n = ZSTD_DCtx_refDDict(dctx, ddict);
    if (!ZSTD_isError(n))
        n = ZSTD_decompressDCtx(dctx, out->data, size, p, (size_t)(end - p));
    if (ZSTD_isError(n) || n != size)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: text record %s: %s", key,
                             ZSTD_isError(n) ? ZSTD_getErrorName(n) : "size mismatch");
    out->len = n;
    return 0;
}

int gal_stored_text_decode(ZSTD_DCtx *dctx, const ZSTD_DDict *ddict, const void *data, size_t len,
                           unsigned first_doc, gal_buf *out, gal_text_docs *docs)
{
    char key[32];
    snprintf(key, sizeof key, "doc %u", first_doc);
    size_t payload;
    int rc = gal_record_open(data, len, &payload, gal_record_doc_key(first_doc), "text", key);
    if (rc)
        return rc;
    if (payload < 1)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: text record %s is empty", key);
    const uint8_t *p = data, *end = p + payload;
    unsigned kind = *p++;
    int with_dict = kind == GAL_TEXT_ZSTD_DICT || kind == GAL_TEXT_GROUP_DICT;
    if (kind > GAL_TEXT_GROUP_DICT || (with_dict && !ddict))
        return gal_error_set(GAL_ECORRUPT, "corrupt index: text record %s has unknown kind %u",
                             key, kind);
    const ZSTD_DDict *use = with_dict ? ddict : NULL;
    gal_buf_clear(out);
    if (kind <= GAL_TEXT_ZSTD_DICT) { /* one document */
        docs->n = 1;
        docs->off[0] = 0;
        rc = kind == GAL_TEXT_RAW ? gal_buf_append(out, p, payload - 1)
                                  : decompress(dctx, use, p, end, 0, key, out);
        docs->len[0] = out->len;
        return rc;
    }
    /* a group: the documents' lengths, then their texts, each and a newline */
    uint32_t m;
    uint64_t total = 0;
    if (group_count(&p, end, &m))
        return gal_error_set(GAL_ECORRUPT, "corrupt index: text record %s: bad document count",
                             key);
    docs->n = m;
    for (uint32_t i = 0; i < m; i++) {
        uint64_t l;
        if (gal_varint_get(&p, end, &l) || l >= (1ull << 32))
            return gal_error_set(GAL_ECORRUPT, "corrupt index: text record %s: bad lengths", key);
        docs->off[i] = (size_t)total;
        docs->len[i] = (size_t)l;
        total += l + 1;
    }
    if (total > (1ull << 32))
        return gal_error_set(GAL_ECORRUPT, "corrupt index: text record %s: bad lengths", key);
    if ((rc = decompress(dctx, use, p, end, (size_t)total, key, out)))
        return rc;
    for (uint32_t i = 0; i < m; i++)
        if (out->data[docs->off[i] + docs->len[i]] != '\n')
            return gal_error_set(GAL_ECORRUPT,
                                 "corrupt index: text record %s: document %u's text does not end "
                                 "where its length says", key, first_doc + i);
    return 0;
}

uint32_t gal_text_block_take(const size_t *off, uint32_t n)
{
    size_t lengths = gal_varint_len(off[1] - off[0]); /* the taken records' length varints */
    uint32_t k = 1;
    while (k < n && k < GAL_TEXT_BLOCK_RECORDS) {
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

int gal_text_blocks_put(gal_buf *block, const uint8_t *records, const size_t *off,
                        const uint32_t *rec_doc, uint32_t doc_base, uint32_t n, int keep_partial,
                        gal_text_put_fn put, void *ctx, uint32_t *used)
{
    uint32_t r = 0;
    int rc = 0;
    while (r < n && !rc) {
        uint32_t take = gal_text_block_take(off + r, n - r);
        if (keep_partial && r + take == n) /* the next records may still fit */
            break;
        uint8_t key[4];
        gal_put_be32(key, doc_base + rec_doc[r]);
        if (!(rc = gal_text_block_build(block, records + (off[r] - off[0]), off + r, take)))
            rc = put(ctx, key, block->data, block->len);
        r += take;
    }
    *used = r;
    return rc;
}

int gal_text_block_open(const void *data, size_t len, uint32_t first_doc, gal_text_block *b)
{
    const uint8_t *p = data, *end = p + len;
    uint64_t n, total = 0;
    if (gal_varint_get(&p, end, &n) || n == 0 || n > GAL_TEXT_BLOCK_RECORDS ||
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
    b->doc = first_doc;
    b->len_end = p;
    b->rec = p;
    return 0;
}

int gal_text_block_next(gal_text_block *b, const uint8_t **rec, size_t *len, uint32_t *doc,
                        uint32_t *ndocs)
{
    uint64_t l;
    if (b->next == b->n || gal_varint_get(&b->len_p, b->len_end, &l))
        return 1; /* the lengths were checked by gal_text_block_open */
    uint32_t m = gal_stored_text_count(b->rec, (size_t)l);
    if (b->doc + m - 1 > UINT32_MAX)
        return 1; /* numbers past the last document: verify reports the gap */
    *rec = b->rec;
    *len = (size_t)l;
    *doc = (uint32_t)b->doc;
    *ndocs = m;
    b->next++;
    b->doc += m;
    b->rec += l;
    return 0;
}
