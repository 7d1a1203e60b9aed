#include "postings_walk.h"

#include "alloc.h"
#include "chunk_cursor.h"
#include "format.h"
#include "record.h"
#include "status.h"
#include "store.h"
#include "varint.h"

/* What chunk r, the cursor's current one, takes in the table (see
 * gal_walked_chunk). */
static void chunk_bytes(const gal_chunk_cursor *cc, const gal_chunk_rec *r, size_t *key_bytes,
                        size_t *value_bytes)
{
    if (!r->in_block) {
        *key_bytes = GAL_POSTINGS_KEY_LEN;
        *value_bytes = r->len;
        return;
    }
    uint32_t off = gal_get_be32(r->key + 12) - gal_get_be32(r->key);
    *key_bytes = 8 + gal_varint_len(off) + gal_varint_len(r->len);
    *value_bytes = r->len;
    if (cc->at == 0) {
        *key_bytes += GAL_POSTINGS_KEY_LEN;
        *value_bytes += GAL_RECORD_TRAILER;
    }
}

int gal_walk_postings(gal_store *st, MDB_txn *txn, int stored_positions, const char *who,
                      gal_chunk_visit_fn visit, void *ctx)
{
    gal_chunk_cursor cc;
    int mrc = gal_chunk_cursor_open(&cc, txn, st->postings);
    if (mrc)
        return gal_store_error(st, mrc, "cannot read postings of");
    uint32_t docs[GAL_CHUNK_DOCS], tfs[GAL_CHUNK_DOCS];
    uint32_t *pos = NULL;
    size_t pos_cap = 0;
    int rc = 0;
    gal_chunk_rec r;
    for (mrc = gal_chunk_cursor_get(&cc, &r, MDB_FIRST, NULL); mrc == 0 && !rc;
         mrc = gal_chunk_cursor_get(&cc, &r, MDB_NEXT, NULL)) {
        gal_chunk_view cv;
        if ((rc = gal_chunk_parse_rec(&r, &cv, who)) ||
            (cv.ndocs > GAL_CHUNK_DOCS &&
             (rc = gal_error_set(GAL_ECORRUPT, "corrupt index: oversized postings chunk"))) ||
            (rc = gal_chunk_decode_docs(&cv, docs, tfs, who)))
            break;
        size_t n = 0;
        for (uint32_t i = 0; i < cv.ndocs; i++)
            n += tfs[i];
        if (n > pos_cap) {
            uint32_t *p = gal_realloc(pos, n * sizeof *p);
            if (!p) {
                rc = gal_error_set(GAL_ENOMEM, "out of memory");
                break;
            }
            pos = p;
            pos_cap = n;
        }
        rc = stored_positions ? gal_chunk_decode_stored_positions(&cv, pos, n, who)
                              : gal_chunk_decode_positions(&cv, tfs, pos, n, who);
        if (rc)
            break;
        gal_walked_chunk c = {&r, 0, 0, &cv, docs, tfs, pos, n};
        chunk_bytes(&cc, &r, &c.key_bytes, &c.value_bytes);
        rc = visit(ctx, &c);
    }
    if (!rc && gal_is_status(mrc))
        rc = mrc;
    else if (!rc && mrc && mrc != MDB_NOTFOUND)
        rc = gal_store_error(st, mrc, "cannot read postings of");
    gal_free(pos);
    gal_chunk_cursor_close(&cc);
    return rc;
}
