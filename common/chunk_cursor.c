#include "chunk_cursor.h"

#include <string.h>

#include "status.h"

int gal_chunk_cursor_open(gal_chunk_cursor *cc, MDB_txn *txn, MDB_dbi dbi)
{
    cc->n = cc->at = 0;
    cc->in_block = 0;
    return mdb_cursor_open(txn, dbi, &cc->c);
}

void gal_chunk_cursor_close(gal_chunk_cursor *cc)
{
    if (cc->c)
        mdb_cursor_close(cc->c);
    cc->c = NULL;
}

/* Read the block's next chunk into chunks[n]: 1, 0 at its end, or
 * GAL_ECORRUPT.  A seek reads a block only as far as it must. */
static int read_one(gal_chunk_cursor *cc)
{
    if (!cc->in_block)
        return 0;
    int rc = gal_chunk_block_next(&cc->block, &cc->chunks[cc->n]);
    if (rc == 1)
        cc->n++;
    else if (rc == 0)
        cc->in_block = 0; /* all read */
    return rc;
}

/* Take the record k → v the LMDB cursor is on: its first chunk as the
 * current one, or with from_end its last. */
static int take(gal_chunk_cursor *cc, const MDB_val *k, const MDB_val *v, int from_end)
{
    cc->n = cc->at = 0;
    cc->in_block = 0;
    if (k->mv_size != GAL_POSTINGS_KEY_LEN)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: postings key of %zu bytes",
                             k->mv_size);
    if (!gal_postings_key_is_block(k->mv_data)) {
        gal_chunk_rec_of_record(&cc->chunks[0], k->mv_data, v->mv_data, v->mv_size);
        cc->n = 1;
        return 0;
    }
    int rc = gal_chunk_block_start(&cc->block, k->mv_data, v->mv_data, v->mv_size);
    if (rc)
        return rc;
    cc->in_block = 1;
    while ((rc = read_one(cc)) == 1 && from_end)
        ; /* the block's reader stops at GAL_BLOCK_TERMS */
    if (rc < 0)
        return rc;
    cc->at = cc->n - 1; /* the block's reader finds no block empty */
    return 0;
}

/* An LMDB move, then the record it lands on. */
static int move(gal_chunk_cursor *cc, MDB_cursor_op op, MDB_val *k, int from_end)
{
    MDB_val v;
    int mrc = mdb_cursor_get(cc->c, k, &v, op);
    if (mrc) {
        cc->n = cc->at = 0;
        cc->in_block = 0;
        return mrc;
    }
    return take(cc, k, &v, from_end);
}

/* The next chunk: in the record, or the next record's first. */
static int next(gal_chunk_cursor *cc)
{
    MDB_val k;
    if (cc->at + 1 == cc->n) {
        int rc = read_one(cc);
        if (rc < 0)
            return rc;
    }
    if (cc->at + 1 < cc->n) {
        cc->at++;
        return 0;
    }
    return move(cc, MDB_NEXT, &k, 0);
}

int gal_chunk_cursor_get(gal_chunk_cursor *cc, gal_chunk_rec *r, MDB_cursor_op op,
                         const uint8_t seek[GAL_POSTINGS_KEY_LEN])
{
    MDB_val k = {0, NULL};
    int rc = 0;
    switch (op) {
    case MDB_NEXT:
        rc = cc->n ? next(cc) : move(cc, MDB_NEXT, &k, 0);
        break;
    case MDB_PREV:
        if (cc->at > 0)
            cc->at--;
        else
            rc = move(cc, MDB_PREV, &k, 1);
        break;
    case MDB_FIRST:
    case MDB_LAST:
        rc = move(cc, op, &k, op == MDB_LAST);
        break;
    case MDB_SET_RANGE:
        k.mv_size = GAL_POSTINGS_KEY_LEN;
        k.mv_data = (void *)seek;
        rc = move(cc, MDB_SET_RANGE, &k, 0);
        /* in a block, on to the first of its chunks at or past seek;
         * every chunk after the block is */
        while (!rc && cc->chunks[cc->at].in_block &&
               memcmp(cc->chunks[cc->at].key, seek, GAL_POSTINGS_KEY_LEN) < 0)
            rc = next(cc);
        break;
    default:
        return gal_error_set(GAL_EUSAGE, "internal error: chunk cursor move %d", (int)op);
    }
    if (!rc)
        *r = cc->chunks[cc->at];
    return rc;
}
