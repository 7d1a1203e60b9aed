#include "postings_codec.h"

#include <string.h>

#include "alloc.h"
#include "pfor.h"
#include "record.h"
#include "status.h"
#include "varint.h"

static int corrupt(const char *key_desc, const char *what)
{
    return gal_error_set(GAL_ECORRUPT, "corrupt index: postings record %s: %s", key_desc, what);
}

int gal_chunk_encode(const uint32_t *docs, const uint32_t *tfs, const uint32_t *positions,
                     uint32_t ndocs, const uint8_t key[GAL_POSTINGS_KEY_LEN], gal_buf *out)
{
    size_t npos = 0;
    for (uint32_t i = 0; i < ndocs; i++)
        npos += tfs[i];
    /* one scratch array for the values of the largest section */
    size_t nvals = npos > ndocs ? npos : ndocs;
    uint32_t *vals = gal_malloc((nvals ? nvals : 1) * sizeof *vals);
    if (!vals)
        return gal_error_set(GAL_ENOMEM, "out of memory encoding postings");
    gal_buf_clear(out);
    int rc = gal_buf_reserve(out, 4 * GAL_VARINT_MAX + gal_pfor_bound(ndocs) * 2 +
                                      gal_pfor_bound(npos) + GAL_RECORD_TRAILER);
    if (rc) {
        gal_free(vals);
        return rc;
    }
    /* sections first, into the room after a maximal header; then the header
     * is written and the sections moved up behind it */
    uint8_t *body = out->data + 4 * GAL_VARINT_MAX, *p = body;
    for (uint32_t i = 1; i < ndocs; i++)
        vals[i - 1] = docs[i] - docs[i - 1] - 1;
    size_t docs_len = gal_pfor_encode(vals, ndocs ? ndocs - 1 : 0, p);
    p += docs_len;
    for (uint32_t i = 0; i < ndocs; i++)
        vals[i] = tfs[i] - 1;
    size_t tfs_len = gal_pfor_encode(vals, ndocs, p);
    p += tfs_len;
    size_t k = 0;
    for (uint32_t i = 0; i < ndocs; i++)
        for (uint32_t j = 0; j < tfs[i]; j++, k++)
            vals[k] = j ? positions[k] - positions[k - 1] - 1 : positions[k];
    p += gal_pfor_encode(vals, npos, p);
    gal_free(vals);

    uint8_t head[4 * GAL_VARINT_MAX], *h = head;
    h += gal_varint_put(h, ndocs);
    h += gal_varint_put(h, ndocs ? docs[ndocs - 1] - docs[0] : 0);
    h += gal_varint_put(h, docs_len);
    h += gal_varint_put(h, tfs_len);
    size_t head_len = (size_t)(h - head), body_len = (size_t)(p - body);
    memmove(out->data + head_len, body, body_len);
    memcpy(out->data, head, head_len);
    out->len = head_len + body_len;
    return gal_record_seal(out, gal_record_key(key, GAL_POSTINGS_KEY_LEN));
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

int gal_chunk_parse(const void *data, size_t len, const uint8_t key[GAL_POSTINGS_KEY_LEN],
                    gal_chunk_view *v, const char *key_desc)
{
    size_t payload;
    int rc = gal_record_open(data, len, &payload, gal_record_key(key, GAL_POSTINGS_KEY_LEN),
                             "postings", key_desc);
    uint32_t first_doc = gal_get_be32(key + 12);
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
    /* gaps land in docs[1..], then turn into document numbers in place */
    if (gal_pfor_decode(&p, v->docs_end, v->ndocs - 1, docs + 1) || p != v->docs_end)
        return corrupt(key_desc, "bad document section");
    uint64_t doc = v->first_doc;
    docs[0] = v->first_doc;
    for (uint32_t i = 1; i < v->ndocs; i++) {
        doc += (uint64_t)docs[i] + 1;
        if (doc > v->last_doc)
            return corrupt(key_desc, "document number beyond the chunk's range");
        docs[i] = (uint32_t)doc;
    }
    if (doc != v->last_doc)
        return corrupt(key_desc, "document list does not match its header");
    p = v->tfs;
    if (gal_pfor_decode(&p, v->tfs_end, v->ndocs, tfs) || p != v->tfs_end)
        return corrupt(key_desc, "bad term frequency section");
    for (uint32_t i = 0; i < v->ndocs; i++) {
        if (tfs[i] == UINT32_MAX)
            return corrupt(key_desc, "bad term frequency");
        tfs[i]++;
    }
    return 0;
}

int gal_chunk_decode_positions(const gal_chunk_view *v, const uint32_t *tfs, uint32_t *pos,
                               size_t npos, const char *key_desc)
{
    const uint8_t *p = v->pos;
    if (gal_pfor_decode(&p, v->pos_end, npos, pos) || p != v->pos_end)
        return corrupt(key_desc, "bad position section");
    size_t k = 0;
    for (uint32_t i = 0; i < v->ndocs; i++) {
        uint64_t at = 0;
        for (uint32_t j = 0; j < tfs[i]; j++, k++) {
            at = j ? at + (uint64_t)pos[k] + 1 : pos[k];
            if (at > UINT32_MAX)
                return corrupt(key_desc, "position out of range");
            pos[k] = (uint32_t)at;
        }
    }
    return 0;
}
