#include "batch_table.h"

#include <string.h>

#include "doc_record.h"
#include "format.h"
#include "status.h"
#include "store.h"

/* Put the cursor on the first key at or after batch ‖ rest.  0, 1 at the
 * end of the table, or a negative gal_status. */
static int seek(MDB_cursor *cur, uint64_t batch, const void *rest, size_t rest_len, MDB_val *k,
                MDB_val *v, uint32_t *at)
{
    uint8_t key[4 + GAL_BATCH_KEY_REST_MAX];
    if (rest_len > GAL_BATCH_KEY_REST_MAX)
        return gal_error_set(GAL_EUSAGE, "internal error: batch key of %zu bytes", rest_len);
    gal_put_be32(key, (uint32_t)batch);
    if (rest_len)
        memcpy(key + 4, rest, rest_len);
    k->mv_size = 4 + rest_len;
    k->mv_data = key;
    int mrc = mdb_cursor_get(cur, k, v, MDB_SET_RANGE);
    if (mrc == MDB_NOTFOUND)
        return 1;
    if (mrc)
        return gal_store_read_error(mrc, NULL);
    if (k->mv_size < 4)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: a key of %zu bytes in a batch table",
                             k->mv_size);
    *at = gal_get_be32(k->mv_data);
    /* a healthy tree never answers a seek with a smaller key; the callers'
     * loops move on from the batch found, and would go round for ever */
    if (*at < batch)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: a batch table's keys are out of "
                             "order (batch %u found seeking batch %llu)",
                             *at, (unsigned long long)batch);
    return 0;
}

static int starts_with(const MDB_val *k, const void *rest, size_t rest_len)
{
    return k->mv_size >= 4 + rest_len && !memcmp((const uint8_t *)k->mv_data + 4, rest, rest_len);
}

int gal_batch_each_prefixed(MDB_cursor *cur, const void *prefix, size_t prefix_len,
                            gal_batch_record_fn fn, void *ctx)
{
    uint64_t batch = 0;
    while (batch <= UINT32_MAX) {
        MDB_val k, v;
        uint32_t at = 0; /* set when seek() returns 0 */
        int rc = seek(cur, batch, prefix, prefix_len, &k, &v, &at);
        if (rc)
            return rc == 1 ? 0 : rc;
        if (at != batch) { /* a later batch: seek again inside it */
            batch = at;
            continue;
        }
        int mrc = 0;
        for (; !mrc && k.mv_size >= 4 && gal_get_be32(k.mv_data) == at &&
               starts_with(&k, prefix, prefix_len);
             mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
            if ((rc = fn(ctx, at, &k, &v)))
                return rc;
        if (mrc && mrc != MDB_NOTFOUND)
            return gal_store_read_error(mrc, NULL);
        if (mrc == MDB_NOTFOUND)
            return 0;
        batch = (uint64_t)at + 1;
    }
    return 0;
}

int gal_doc_block_find(MDB_txn *txn, MDB_dbi table, const char *table_name, uint32_t doc,
                       MDB_val *v, uint32_t *first)
{
    uint8_t key[4];
    gal_put_be32(key, doc);
    MDB_val k = {4, key};
    MDB_cursor *cur;
    int mrc = mdb_cursor_open(txn, table, &cur);
    if (!mrc) {
        mrc = mdb_cursor_get(cur, &k, v, MDB_SET_RANGE);
        if (mrc == MDB_NOTFOUND)
            mrc = mdb_cursor_get(cur, &k, v, MDB_LAST);
        else if (!mrc && (k.mv_size != 4 || gal_get_be32(k.mv_data) > doc))
            mrc = mdb_cursor_get(cur, &k, v, MDB_PREV);
        mdb_cursor_close(cur);
    }
    if (mrc == MDB_NOTFOUND)
        return 1;
    if (mrc)
        return gal_store_read_error(mrc, table_name);
    if (k.mv_size != 4)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: %s key of %zu bytes", table_name,
                             k.mv_size);
    *first = gal_get_be32(k.mv_data);
    return *first > doc ? 1 : 0;
}

int gal_doc_fields_at(MDB_txn *txn, MDB_dbi docs, uint32_t doc, gal_doc_block *b,
                      const gal_doc_fields **f)
{
    int rc = gal_doc_block_at(txn, docs, doc, b);
    if (rc == 1)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: no record of document %u", doc);
    return rc ? rc : gal_doc_block_get(b, doc - b->first_doc, f);
}

int gal_doc_block_at(MDB_txn *txn, MDB_dbi docs, uint32_t doc, gal_doc_block *b)
{
    if (b->n && doc - b->first_doc < b->n)
        return 0;
    MDB_val v;
    uint32_t first = 0;
    int rc = gal_doc_block_find(txn, docs, GAL_DB_DOCS, doc, &v, &first);
    if (!rc)
        rc = gal_doc_block_open(v.mv_data, v.mv_size, first, b);
    return rc ? rc : doc - b->first_doc < b->n ? 0 : 1;
}
