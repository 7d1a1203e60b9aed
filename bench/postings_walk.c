#include "postings_walk.h"

#include "alloc.h"
#include "format.h"
#include "status.h"
#include "store.h"

int gal_walk_postings(gal_store *st, MDB_txn *txn, int stored_positions, const char *who,
                      gal_chunk_visit_fn visit, void *ctx)
{
    MDB_cursor *cur;
    int mrc = mdb_cursor_open(txn, st->postings, &cur);
    if (mrc)
        return gal_store_error(st, mrc, "cannot read postings of");
    uint32_t docs[GAL_CHUNK_DOCS], tfs[GAL_CHUNK_DOCS];
    uint32_t *pos = NULL;
    size_t pos_cap = 0;
    int rc = 0;
    MDB_val k, v;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0 && !rc;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != GAL_POSTINGS_KEY_LEN) {
            rc = gal_error_set(GAL_ECORRUPT, "corrupt index: postings key of %zu bytes", k.mv_size);
            break;
        }
        gal_chunk_view cv;
        if ((rc = gal_chunk_parse(v.mv_data, v.mv_size, k.mv_data, &cv, who)) ||
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
        gal_walked_chunk c = {&k, &v, &cv, docs, tfs, pos, n};
        rc = visit(ctx, &c);
    }
    if (!rc && mrc && mrc != MDB_NOTFOUND)
        rc = gal_store_error(st, mrc, "cannot read postings of");
    gal_free(pos);
    mdb_cursor_close(cur);
    return rc;
}
