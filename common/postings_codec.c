#include "postings_codec.h"

#include "record.h"
#include "status.h"
#include "varint.h"

static int corrupt(const char *key_desc, const char *what)
{
    return gal_error_set(GAL_ECORRUPT, "corrupt index: postings record %s: %s", key_desc, what);
}

static size_t varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

int gal_chunk_encode(const uint32_t *docs, const uint32_t *tfs, const uint32_t *positions,
                     uint32_t ndocs, gal_buf *out)
{
    size_t docs_len = 0, tfs_len = 0, npos = 0;
    for (uint32_t i = 0; i < ndocs; i++) {
        if (i)
            docs_len += varint_len(docs[i] - docs[i - 1]);
        tfs_len += varint_len(tfs[i]);
        npos += tfs[i];
    }
    gal_buf_clear(out);
    /* positions take at most 5 bytes each */
    int rc = gal_buf_reserve(out, 4 * GAL_VARINT_MAX + docs_len + tfs_len + npos * 5 +
                                      GAL_RECORD_TRAILER);
    if (rc)
        return rc;
    uint8_t *p = out->data;
    p += gal_varint_put(p, ndocs);
    p += gal_varint_put(p, ndocs ? docs[ndocs - 1] - docs[0] : 0);
    p += gal_varint_put(p, docs_len);
    p += gal_varint_put(p, tfs_len);
    for (uint32_t i = 1; i < ndocs; i++)
        p += gal_varint_put(p, docs[i] - docs[i - 1]);
    for (uint32_t i = 0; i < ndocs; i++)
        p += gal_varint_put(p, tfs[i]);
    const uint32_t *pos = positions;
    for (uint32_t i = 0; i < ndocs; i++) {
        uint32_t prev = 0;
        for (uint32_t k = 0; k < tfs[i]; k++) {
            p += gal_varint_put(p, pos[k] - prev);
            prev = pos[k];
        }
        pos += tfs[i];
    }
    out->len = (size_t)(p - out->data);
    return gal_record_seal(out);
}

static int parse_header(const uint8_t **p, const uint8_t *end, uint32_t *ndocs, uint32_t *span,
                        uint64_t *docs_len, uint64_t *tfs_len)
{
    if (gal_varint_get32(p, end, ndocs) || gal_varint_get32(p, end, span) ||
        gal_varint_get(p, end, docs_len) || gal_varint_get(p, end, tfs_len))
        return -1;
    return 0;
}

int gal_chunk_peek(const void *data, size_t len, uint32_t *ndocs, uint32_t *span)
{
    const uint8_t *p = data, *end = p + len;
    uint64_t dl, tl;
    if (parse_header(&p, end, ndocs, span, &dl, &tl))
        return gal_error_set(GAL_ECORRUPT, "corrupt index: bad postings chunk header");
    return 0;
}

int gal_chunk_parse(const void *data, size_t len, uint32_t first_doc, gal_chunk_view *v,
                    const char *key_desc)
{
    size_t payload;
    int rc = gal_record_open(data, len, &payload, "postings", key_desc);
    if (rc)
        return rc;
    const uint8_t *p = data, *end = p + payload;
    uint32_t ndocs, span;
    uint64_t docs_len, tfs_len;
    if (parse_header(&p, end, &ndocs, &span, &docs_len, &tfs_len))
        return corrupt(key_desc, "bad header");
    if (ndocs == 0 || docs_len > (uint64_t)(end - p) || tfs_len > (uint64_t)(end - p) - docs_len ||
        span > UINT32_MAX - first_doc)
        return corrupt(key_desc, "section lengths exceed the record");
    v->first_doc = first_doc;
    v->last_doc = first_doc + span;
    v->ndocs = ndocs;
    v->docs = p;
    v->docs_end = v->tfs = p + docs_len;
    v->tfs_end = v->pos = v->tfs + tfs_len;
    v->pos_end = end;
    return 0;
}

int gal_chunk_decode_docs(const gal_chunk_view *v, uint32_t *docs, uint32_t *tfs,
                          const char *key_desc)
{
    const uint8_t *p = v->docs;
    uint32_t doc = v->first_doc;
    docs[0] = doc;
    for (uint32_t i = 1; i < v->ndocs; i++) {
        uint32_t gap;
        if (gal_varint_get32(&p, v->docs_end, &gap) || gap == 0 || gap > v->last_doc - doc)
            return corrupt(key_desc, "bad document gap");
        doc += gap;
        docs[i] = doc;
    }
    if (doc != v->last_doc || p != v->docs_end)
        return corrupt(key_desc, "document list does not match its header");
    p = v->tfs;
    for (uint32_t i = 0; i < v->ndocs; i++)
        if (gal_varint_get32(&p, v->tfs_end, &tfs[i]) || tfs[i] == 0)
            return corrupt(key_desc, "bad term frequency");
    if (p != v->tfs_end)
        return corrupt(key_desc, "term frequency section has trailing bytes");
    return 0;
}
