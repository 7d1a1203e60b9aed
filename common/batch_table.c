#include "batch_table.h"

#include <string.h>

#include "alloc.h"
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

/* One batch's records that go on with the prefix: its cursor is on the
 * next one, k and v.  The runs are merged in a heap of their own, ordered
 * by byte strings (run_heap.h orders 64-bit keys). */
typedef struct prefixed_run {
    MDB_cursor *cur;
    MDB_val k, v;
    uint32_t batch;
} prefixed_run;

static int run_before(const prefixed_run *a, const prefixed_run *b)
{
    int c = gal_key_order((const uint8_t *)a->k.mv_data + 4, a->k.mv_size - 4,
                          (const uint8_t *)b->k.mv_data + 4, b->k.mv_size - 4);
    return c ? c < 0 : a->batch < b->batch;
}

/* Restore the heap order of h[0, n) below i. */
static void sift_down(prefixed_run *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && run_before(&h[l], &h[m]))
            m = l;
        if (l + 1 < n && run_before(&h[l + 1], &h[m]))
            m = l + 1;
        if (m == i)
            return;
        prefixed_run t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* Whether the cursor's record k is still in batch and goes on with prefix. */
static int in_run(const MDB_val *k, uint32_t batch, const void *prefix, size_t prefix_len)
{
    return k->mv_size >= 4 && gal_get_be32(k->mv_data) == batch &&
           starts_with(k, prefix, prefix_len);
}

/* A cursor for each batch with a record that goes on with prefix, on its
 * first one, appended to *runs (each has a cursor to close, also on error). */
static int open_runs(MDB_txn *txn, MDB_dbi table, const void *prefix, size_t prefix_len,
                     prefixed_run **runs, size_t *n, size_t *cap)
{
    MDB_cursor *cur = NULL;
    uint64_t batch = 0;
    while (batch <= UINT32_MAX) {
        int mrc;
        if (!cur && (mrc = mdb_cursor_open(txn, table, &cur)))
            return gal_store_read_error(mrc, NULL);
        MDB_val k, v;
        uint32_t at = 0; /* set when seek() returns 0 */
        int rc = seek(cur, batch, prefix, prefix_len, &k, &v, &at);
        if (rc == 0 && at != batch) { /* a later batch: seek again inside it */
            batch = at;
            continue;
        }
        if (rc == 0 && starts_with(&k, prefix, prefix_len)) { /* the cursor stays with the run */
            if (gal_grow((void **)runs, cap, *n + 1, sizeof **runs, 16)) {
                mdb_cursor_close(cur);
                return gal_error_set(GAL_ENOMEM, "out of memory expanding a prefix");
            }
            (*runs)[(*n)++] = (prefixed_run){cur, k, v, at};
            cur = NULL;
        }
        if (rc) {
            if (cur)
                mdb_cursor_close(cur);
            return rc == 1 ? 0 : rc;
        }
        batch = (uint64_t)at + 1;
    }
    if (cur)
        mdb_cursor_close(cur);
    return 0;
}

int gal_batch_each_prefixed(MDB_txn *txn, MDB_dbi table, const void *prefix, size_t prefix_len,
                            gal_batch_record_fn fn, void *ctx)
{
    prefixed_run *h = NULL;
    size_t n = 0, cap = 0;
    int rc = open_runs(txn, table, prefix, prefix_len, &h, &n, &cap);
    size_t open = n; /* h[n, open) are runs that ended, cursors still to close */
    for (size_t i = n / 2; !rc && i-- > 0;)
        sift_down(h, n, i);
    while (!rc && n) {
        if ((rc = fn(ctx, h[0].batch, &h[0].k, &h[0].v)))
            break;
        int mrc = mdb_cursor_get(h[0].cur, &h[0].k, &h[0].v, MDB_NEXT);
        if (mrc && mrc != MDB_NOTFOUND) {
            rc = gal_store_read_error(mrc, NULL);
            break;
        }
        if (mrc == MDB_NOTFOUND || !in_run(&h[0].k, h[0].batch, prefix, prefix_len)) {
            prefixed_run done = h[0]; /* the run ended: out of the heap */
            h[0] = h[--n];
            h[n] = done;
        }
        sift_down(h, n, 0);
    }
    for (size_t i = 0; i < open; i++)
        mdb_cursor_close(h[i].cur);
    gal_free(h);
    return rc;
}

int gal_doc_block_seek(MDB_cursor *cur, const char *table_name, uint32_t doc, MDB_val *v,
                       uint32_t *first)
{
    uint8_t key[4];
    gal_put_be32(key, doc);
    MDB_val k = {4, key};
    int mrc = mdb_cursor_get(cur, &k, v, MDB_SET_RANGE);
    if (mrc == MDB_NOTFOUND)
        mrc = mdb_cursor_get(cur, &k, v, MDB_LAST);
    else if (!mrc && (k.mv_size != 4 || gal_get_be32(k.mv_data) > doc))
        mrc = mdb_cursor_get(cur, &k, v, MDB_PREV);
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

int gal_doc_block_find(MDB_txn *txn, MDB_dbi table, const char *table_name, uint32_t doc,
                       MDB_val *v, uint32_t *first)
{
    MDB_cursor *cur;
    int mrc = mdb_cursor_open(txn, table, &cur);
    if (mrc)
        return gal_store_read_error(mrc, table_name);
    int rc = gal_doc_block_seek(cur, table_name, doc, v, first);
    mdb_cursor_close(cur);
    return rc;
}

int gal_doc_block_at_cursor(MDB_cursor *cur, uint32_t doc, gal_doc_block *b)
{
    if (b->n && doc - b->first_doc < b->n)
        return 0;
    MDB_val v;
    uint32_t first = 0;
    int rc = gal_doc_block_seek(cur, GAL_DB_DOCS, doc, &v, &first);
    if (!rc)
        rc = gal_doc_block_open(v.mv_data, v.mv_size, first, b);
    return rc ? rc : doc - b->first_doc < b->n ? 0 : 1;
}

int gal_doc_block_at(MDB_txn *txn, MDB_dbi docs, uint32_t doc, gal_doc_block *b)
{
    if (b->n && doc - b->first_doc < b->n) /* b holds it: no cursor to open */
        return 0;
    MDB_cursor *cur;
    int mrc = mdb_cursor_open(txn, docs, &cur);
    if (mrc)
        return gal_store_read_error(mrc, GAL_DB_DOCS);
    int rc = gal_doc_block_at_cursor(cur, doc, b);
    mdb_cursor_close(cur);
    return rc;
}

int gal_doc_fields_at(MDB_txn *txn, MDB_dbi docs, uint32_t doc, gal_doc_block *b,
                      const gal_doc_fields **f)
{
    int rc = gal_doc_block_at(txn, docs, doc, b);
    if (rc == 1)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: no record of document %u", doc);
    return rc ? rc : gal_doc_block_get(b, doc - b->first_doc, f);
}
