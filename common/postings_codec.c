#include "postings_codec.h"

#include <string.h>

#include "alloc.h"
#include "cpu_clones.h"
#include "pfor.h"
#include "record.h"
#include "status.h"
#include "varint.h"

/* Chunks with at most this many values keep them on the stack (most chunks
 * have a few; a frequent term's 128 documents average under 200 positions). */
#define STACK_VALUES 1024

/* Only chunks of at most this many documents are weighed for the plain
 * body: past a dozen or so documents the packed one always wins. */
#define PLAIN_MAX_DOCS 16

/* The least a packed body takes after the head: one byte each for the
 * span and the docs and tfs lengths, and for each of the three blocks'
 * headers (pfor.h). */
#define PACKED_MIN 6

static int corrupt(const char *key_desc, const char *what)
{
    return gal_error_set(GAL_ECORRUPT, "corrupt index: postings record %s: %s", key_desc, what);
}

static size_t varints_len(const uint32_t *v, size_t n)
{
    size_t len = n;
    for (size_t i = 0; i < n; i++)
        len += (v[i] >= 1u << 7) + (v[i] >= 1u << 14) + (v[i] >= 1u << 21) + (v[i] >= 1u << 28);
    return len;
}

static uint8_t *put_varints(uint8_t *p, const uint32_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p += gal_varint_put(p, v[i]);
    return p;
}

GAL_CPU_CLONES
int gal_chunk_encode_values(const uint32_t *dv, const uint32_t *tv, const uint32_t *pv,
                            uint32_t ndocs, size_t npos, uint32_t span, uint32_t run_docs,
                            const uint8_t key[GAL_POSTINGS_KEY_LEN], gal_buf *out)
{
    if (ndocs == 0)
        return gal_error_set(GAL_EUSAGE, "internal error: empty postings chunk");
    if (run_docs && run_docs < ndocs)
        return gal_error_set(GAL_EUSAGE, "internal error: a run shorter than its last chunk");
    /* the first varint, and the run's count in a run's last chunk */
    uint64_t head = (uint64_t)ndocs << 2 | (run_docs ? 2 : 0);
    size_t head_len = gal_varint_len(head | 1) + (run_docs ? gal_varint_len(run_docs) : 0);

    /* weigh the two bodies; a tie goes to the simpler, plain one (not a
     * candidate past PLAIN_MAX_DOCS).  The packed body takes at least
     * PACKED_MIN bytes after the head, so a plain body no longer than that
     * wins without planning the blocks: most chunks are a rare term's one
     * document and a position or two. */
    size_t plain_len = ndocs <= PLAIN_MAX_DOCS ? head_len + varints_len(dv, ndocs - 1) +
                                                     varints_len(tv, ndocs) + varints_len(pv, npos)
                                               : SIZE_MAX;
    gal_pfor_plan plan[3];
    int packed = plain_len > head_len + PACKED_MIN;
    if (packed) {
        gal_pfor_plan_of(dv, ndocs - 1, &plan[0]);
        gal_pfor_plan_of(tv, ndocs, &plan[1]);
        gal_pfor_plan_of(pv, npos, &plan[2]);
        gal_pfor_plan_rice(pv, npos, &plan[2]);
        size_t packed_len = head_len + gal_varint_len(span) + gal_varint_len(plan[0].size) +
                            gal_varint_len(plan[1].size) + plan[0].size + plan[1].size +
                            plan[2].size;
        packed = packed_len < plain_len;
    }

    size_t start = out->len;
    size_t room = packed ? 5 * GAL_VARINT_MAX + gal_pfor_bound(ndocs) * 2 + gal_pfor_bound(npos)
                         : plain_len;
    int rc = gal_buf_reserve(out, room + GAL_RECORD_TRAILER);
    if (rc)
        return rc;
    uint8_t *p = out->data + start;
    if (!packed) {
        p += gal_varint_put(p, head);
        if (run_docs)
            p += gal_varint_put(p, run_docs);
        p = put_varints(p, dv, ndocs - 1);
        p = put_varints(p, tv, ndocs);
        p = put_varints(p, pv, npos);
        out->len = (size_t)(p - out->data);
    } else {
        /* sections first, into the room after a maximal header; then the
         * header is written and the sections moved up behind it (the plans'
         * sizes are estimates for long sections, so they cannot place it) */
        uint8_t *body = p + 5 * GAL_VARINT_MAX, *q = body;
        size_t docs_len = gal_pfor_encode(dv, ndocs - 1, &plan[0], q);
        q += docs_len;
        size_t tfs_len = gal_pfor_encode(tv, ndocs, &plan[1], q);
        q += tfs_len;
        q += gal_pfor_encode(pv, npos, &plan[2], q);
        uint8_t hb[5 * GAL_VARINT_MAX], *h = hb;
        h += gal_varint_put(h, head | 1);
        if (run_docs)
            h += gal_varint_put(h, run_docs);
        h += gal_varint_put(h, span);
        h += gal_varint_put(h, docs_len);
        h += gal_varint_put(h, tfs_len);
        size_t hb_len = (size_t)(h - hb), body_len = (size_t)(q - body);
        memcpy(p, hb, hb_len);
        memmove(p + hb_len, body, body_len);
        out->len = start + hb_len + body_len;
    }
    rc = gal_record_seal_from(out, start, gal_record_key(key, GAL_POSTINGS_KEY_LEN));
    if (rc)
        out->len = start;
    return rc;
}

int gal_chunk_encode(const uint32_t *docs, const uint32_t *tfs, const uint32_t *positions,
                     uint32_t ndocs, uint32_t run_docs, const uint8_t key[GAL_POSTINGS_KEY_LEN],
                     gal_buf *out)
{
    if (ndocs == 0)
        return gal_error_set(GAL_EUSAGE, "internal error: empty postings chunk");
    size_t npos = 0;
    for (uint32_t i = 0; i < ndocs; i++) {
        if (tfs[i] == 0)
            return gal_error_set(GAL_EUSAGE, "internal error: postings with tf 0");
        npos += tfs[i];
    }
    /* the three sections' values, side by side: doc gaps (ndocs - 1 of
     * them, in ndocs slots), tfs - 1, position gaps */
    size_t nvals = 2 * (size_t)ndocs + npos;
    uint32_t stack[STACK_VALUES], *vals = stack;
    if (nvals > STACK_VALUES && !(vals = gal_malloc(nvals * sizeof *vals)))
        return gal_error_set(GAL_ENOMEM, "out of memory encoding postings");
    uint32_t *dv = vals, *tv = vals + ndocs, *pv = vals + 2 * (size_t)ndocs;
    for (uint32_t i = 1; i < ndocs; i++)
        dv[i - 1] = docs[i] - docs[i - 1] - 1;
    for (uint32_t i = 0; i < ndocs; i++)
        tv[i] = tfs[i] - 1;
    size_t k = 0;
    for (uint32_t i = 0; i < ndocs; i++) {
        uint32_t tf = tfs[i];
        pv[k] = positions[k];
        k++;
        for (uint32_t j = 1; j < tf; j++, k++)
            pv[k] = positions[k] - positions[k - 1] - 1;
    }
    int rc = gal_chunk_encode_values(dv, tv, pv, ndocs, npos, docs[ndocs - 1] - docs[0], run_docs,
                                     key, out);
    if (vals != stack)
        gal_free(vals);
    return rc;
}

/* The chunk's first varint (document count, whether it ends its run,
 * body), and the run's document count when it does (else 0). */
static inline int parse_head(const uint8_t **p, const uint8_t *end, uint32_t *ndocs, int *packed,
                      uint32_t *run_docs)
{
    uint64_t h;
    if (gal_varint_get(p, end, &h) || (h >> 2) == 0 || (h >> 2) > UINT32_MAX)
        return -1;
    *ndocs = (uint32_t)(h >> 2);
    *packed = (int)(h & 1);
    *run_docs = 0;
    if ((h & 2) && (gal_varint_get32(p, end, run_docs) || *run_docs < *ndocs))
        return -1;
    return 0;
}

/* Step over n varints of at most 32 bits each; their sum plus n (the
 * document span of n gaps) in *sum when sum is not NULL. */
static int skip_varints(const uint8_t **p, const uint8_t *end, uint64_t n, uint64_t *sum)
{
    uint64_t total = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint32_t x;
        if (gal_varint_get32(p, end, &x))
            return -1;
        total += (uint64_t)x + 1;
    }
    if (sum)
        *sum = total;
    return 0;
}

int gal_chunk_peek(const void *data, size_t len, uint32_t *ndocs, uint32_t *span,
                   uint32_t *run_docs)
{
    const uint8_t *p = data, *end = p + len;
    uint32_t n, s = 0;
    int packed;
    uint64_t sum = 0;
    if (parse_head(&p, end, &n, &packed, run_docs) ||
        (packed ? gal_varint_get32(&p, end, &s)
                : skip_varints(&p, end, n - 1, &sum) || sum > UINT32_MAX))
        return gal_error_set(GAL_ECORRUPT, "corrupt index: bad postings chunk header");
    *ndocs = n;
    *span = packed ? s : (uint32_t)sum;
    return 0;
}

int gal_chunk_parse(const void *data, size_t len, const uint8_t key[GAL_POSTINGS_KEY_LEN],
                    gal_chunk_view *v, const char *key_desc)
{
    size_t payload;
    int rc = gal_record_open(data, len, &payload, gal_record_key(key, GAL_POSTINGS_KEY_LEN),
                             "postings", key_desc);
    return rc ? rc : gal_chunk_parse_body(data, payload, gal_get_be32(key + 12), v, key_desc);
}

int gal_chunk_parse_rec(const gal_chunk_rec *r, gal_chunk_view *v, const char *key_desc)
{
    if (!r->in_block)
        return gal_chunk_parse(r->data, r->len, r->key, v, key_desc);
    size_t payload;
    int rc = r->block ? gal_record_open(r->block, r->block_len, &payload,
                                        gal_record_key(r->block_key, GAL_POSTINGS_KEY_LEN),
                                        "postings", key_desc)
                      : 0;
    return rc ? rc : gal_chunk_parse_body(r->data, r->len, gal_get_be32(r->key + 12), v, key_desc);
}

int gal_chunk_parse_body(const void *data, size_t payload, uint32_t first_doc, gal_chunk_view *v,
                         const char *key_desc)
{
    const uint8_t *p = data, *end = p + payload;
    uint32_t ndocs, run_docs;
    int packed;
    if (parse_head(&p, end, &ndocs, &packed, &run_docs))
        return corrupt(key_desc, "bad header");
    const uint8_t *docs = p, *tfs, *pos;
    uint64_t span;
    if (packed) {
        uint32_t s;
        uint64_t docs_len, tfs_len;
        if (gal_varint_get32(&p, end, &s) || gal_varint_get(&p, end, &docs_len) ||
            gal_varint_get(&p, end, &tfs_len))
            return corrupt(key_desc, "bad header");
        if (docs_len > (uint64_t)(end - p) || tfs_len > (uint64_t)(end - p) - docs_len)
            return corrupt(key_desc, "section lengths exceed the record");
        span = s;
        docs = p;
        tfs = docs + docs_len;
        pos = tfs + tfs_len;
    } else {
        /* the plain body has no lengths: step over the gaps and tfs */
        if (skip_varints(&p, end, ndocs - 1, &span))
            return corrupt(key_desc, "bad document section");
        tfs = p;
        if (skip_varints(&p, end, ndocs, NULL))
            return corrupt(key_desc, "bad term frequency section");
        pos = p;
    }
    if (span > UINT32_MAX - first_doc)
        return corrupt(key_desc, "document range exceeds the document numbers");
    v->first_doc = first_doc;
    v->last_doc = first_doc + (uint32_t)span;
    v->ndocs = ndocs;
    v->run_docs = run_docs;
    v->packed = packed;
    v->docs = docs;
    v->docs_end = v->tfs = tfs;
    v->tfs_end = v->pos = pos;
    v->pos_end = end;
    return 0;
}

/* Read n varints of at most 32 bits from [*p, end) into v. */
static int get_varints(const uint8_t **p, const uint8_t *end, size_t n, uint32_t *v)
{
    for (size_t i = 0; i < n; i++)
        if (gal_varint_get32(p, end, &v[i]))
            return -1;
    return 0;
}

int gal_chunk_decode_docs(const gal_chunk_view *v, uint32_t *docs, uint32_t *tfs,
                          const char *key_desc)
{
    const uint8_t *p = v->docs;
    /* gaps land in docs[1..], then turn into document numbers in place */
    if ((v->packed ? gal_pfor_decode(&p, v->docs_end, v->ndocs - 1, docs + 1)
                   : get_varints(&p, v->docs_end, v->ndocs - 1, docs + 1)) ||
        p != v->docs_end)
        return corrupt(key_desc, "bad document section");
    /* documents increase, so the last one checks them all: one test after
     * the loop instead of a branch per document */
    uint32_t n = v->ndocs; /* a local: the stores below could alias *v */
    uint64_t doc = v->first_doc;
    docs[0] = v->first_doc;
    for (uint32_t i = 1; i < n; i++) {
        doc += (uint64_t)docs[i] + 1;
        docs[i] = (uint32_t)doc;
    }
    if (doc != v->last_doc)
        return corrupt(key_desc, doc > v->last_doc ? "document number beyond the chunk's range"
                                                   : "document list does not match its header");
    p = v->tfs;
    if ((v->packed ? gal_pfor_decode(&p, v->tfs_end, v->ndocs, tfs)
                   : get_varints(&p, v->tfs_end, v->ndocs, tfs)) ||
        p != v->tfs_end)
        return corrupt(key_desc, "bad term frequency section");
    uint32_t wraps = 0; /* a stored tf - 1 of UINT32_MAX would wrap to 0 */
    for (uint32_t i = 0; i < n; i++) {
        wraps |= tfs[i] == UINT32_MAX;
        tfs[i]++;
    }
    if (wraps)
        return corrupt(key_desc, "bad term frequency");
    return 0;
}

/* One document's run, as stored (its first position, then gaps less one),
 * into increasing positions, in place. */
static inline int run_positions(uint32_t *pos, uint32_t count, const char *key_desc)
{
    if (count < 2)
        return 0;
    /* positions increase, so checking the last for overflow checks all */
    uint64_t at = pos[0];
    for (uint32_t j = 1; j < count; j++) {
        at += (uint64_t)pos[j] + 1;
        pos[j] = (uint32_t)at;
    }
    return at > UINT32_MAX ? corrupt(key_desc, "position out of range") : 0;
}

int gal_chunk_decode_run(const gal_chunk_view *v, size_t first, uint32_t count, size_t npos,
                         uint32_t *pos, const char *key_desc)
{
    if (count == 0)
        return 0;
    if (v->packed) {
        if (gal_pfor_decode_range(v->pos, v->pos_end, npos, first, count, pos))
            return corrupt(key_desc, "bad position section");
    } else {
        /* plain bodies are small: step over the runs before this one */
        const uint8_t *p = v->pos;
        uint32_t skip;
        for (size_t i = 0; i < first; i++)
            if (gal_varint_get32(&p, v->pos_end, &skip))
                return corrupt(key_desc, "bad position section");
        if (get_varints(&p, v->pos_end, count, pos))
            return corrupt(key_desc, "bad position section");
    }
    return run_positions(pos, count, key_desc);
}

int gal_chunk_run_positions(uint32_t *pos, uint32_t count, const char *key_desc)
{
    return run_positions(pos, count, key_desc);
}

int gal_chunk_decode_stored_positions(const gal_chunk_view *v, uint32_t *pos, size_t npos,
                                      const char *key_desc)
{
    const uint8_t *p = v->pos;
    if ((v->packed ? gal_pfor_decode(&p, v->pos_end, npos, pos)
                   : get_varints(&p, v->pos_end, npos, pos)) ||
        p != v->pos_end)
        return corrupt(key_desc, "bad position section");
    return 0;
}

int gal_chunk_decode_positions(const gal_chunk_view *v, const uint32_t *tfs, uint32_t *pos,
                               size_t npos, const char *key_desc)
{
    int rc = gal_chunk_decode_stored_positions(v, pos, npos, key_desc);
    if (rc)
        return rc;
    size_t k = 0;
    for (uint32_t i = 0; i < v->ndocs; k += tfs[i++])
        if ((rc = run_positions(pos + k, tfs[i], key_desc)))
            return rc;
    return 0;
}
