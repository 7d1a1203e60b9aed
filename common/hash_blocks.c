#include "hash_blocks.h"

#include <stdio.h>
#include <string.h>

#include "format.h"
#include "record.h"
#include "status.h"
#include "store.h"
#include "varint.h"

_Static_assert(GAL_HBLOCK_RECORDS * 10 > GAL_HBLOCK_BYTES, "blocks end by bytes");

/* A block's LMDB key: batch ‖ its first hash, both big-endian. */
static void block_key(uint8_t key[GAL_HBLOCK_KEY_LEN], uint32_t batch, uint64_t hash)
{
    gal_put_be32(key, batch);
    gal_put_be64(key + 4, hash);
}

/* ---- writing ---- */

void gal_hblock_builder_init(gal_hblock_builder *b, gal_hblock_put_fn put, void *ctx)
{
    memset(b, 0, sizeof *b);
    gal_buf_init(&b->body);
    gal_buf_init(&b->block);
    b->put = put;
    b->ctx = ctx;
}

void gal_hblock_builder_release(gal_hblock_builder *b)
{
    gal_buf_release(&b->body);
    gal_buf_release(&b->block);
}

int gal_hblock_flush(gal_hblock_builder *b)
{
    if (!b->n)
        return 0;
    uint8_t key[GAL_HBLOCK_KEY_LEN], v[GAL_VARINT_MAX];
    block_key(key, b->batch, b->first);
    gal_buf_clear(&b->block);
    int rc;
    if ((rc = gal_buf_append(&b->block, v, gal_varint_put(v, b->n))) ||
        (rc = gal_buf_append(&b->block, b->body.data, b->body.len)) ||
        (rc = gal_record_seal(&b->block, gal_record_key(key, sizeof key))))
        return rc;
    b->n = 0;
    gal_buf_clear(&b->body);
    return b->put(b->ctx, key, b->block.data, b->block.len);
}

int gal_hblock_add(gal_hblock_builder *b, uint32_t batch, uint64_t hash, const void *rec,
                   size_t len)
{
    int rc;
    if (b->n && batch == b->batch && hash <= b->last)
        return gal_error_set(GAL_EUSAGE, "hash blocks: record %016llx after %016llx",
                             (unsigned long long)hash, (unsigned long long)b->last);
    /* the block with this record: count, entries, checksum */
    size_t entry = 8 + gal_varint_len(len) + len;
    if (b->n && (batch != b->batch || b->n == GAL_HBLOCK_RECORDS ||
                 gal_varint_len(b->n + 1) + b->body.len + entry + GAL_RECORD_TRAILER >
                     GAL_HBLOCK_BYTES) &&
        (rc = gal_hblock_flush(b)))
        return rc;
    if (!b->n) {
        b->batch = batch;
        b->first = hash;
    }
    uint8_t head[8 + GAL_VARINT_MAX];
    gal_put_be64(head, hash);
    size_t hl = 8 + gal_varint_put(head + 8, len);
    if ((rc = gal_buf_append(&b->body, head, hl)) || (rc = gal_buf_append(&b->body, rec, len)))
        return rc;
    b->n++;
    b->last = hash;
    return 0;
}

/* ---- reading ---- */

static int db_error(const gal_hblock_reader *r, int mrc)
{
    return gal_store_read_error(mrc, r->table);
}

static int bad_block(const gal_hblock_reader *r, const char *what)
{
    return gal_error_set(GAL_ECORRUPT, "corrupt index: %s block of batch %u at %016llx: %s",
                         r->table, r->batch,
                         (unsigned long long)gal_get_be64((const uint8_t *)r->k.mv_data + 4),
                         what);
}

int gal_hblock_open(gal_hblock_reader *r, MDB_txn *txn, MDB_dbi table, const char *table_name)
{
    memset(r, 0, sizeof *r);
    r->table = table_name;
    int mrc = mdb_cursor_open(txn, table, &r->cur);
    if (mrc) {
        r->cur = NULL;
        return db_error(r, mrc);
    }
    return 0;
}

void gal_hblock_close(gal_hblock_reader *r)
{
    if (r->cur)
        mdb_cursor_close(r->cur);
    r->cur = NULL;
}

/* The block's next record. */
static int read_entry(gal_hblock_reader *r)
{
    uint64_t len;
    if (r->end - r->p < 8)
        return bad_block(r, "truncated record");
    r->hash = gal_get_be64(r->p);
    r->p += 8;
    if (gal_varint_get(&r->p, r->end, &len) || len > (uint64_t)(r->end - r->p))
        return bad_block(r, "truncated record");
    r->rec = r->p;
    r->len = (size_t)len;
    r->p += len;
    r->left--;
    if (!r->left && r->p != r->end)
        return bad_block(r, "bytes after the last record");
    return 0;
}

/* Check the block the cursor is on and read its first record. */
static int load_block(gal_hblock_reader *r)
{
    if (r->k.mv_size != GAL_HBLOCK_KEY_LEN)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: %s key of %zu bytes", r->table,
                             r->k.mv_size);
    r->batch = gal_get_be32(r->k.mv_data);
    size_t payload;
    uint32_t key = gal_record_key(r->k.mv_data, GAL_HBLOCK_KEY_LEN);
    if (gal_record_open(r->v.mv_data, r->v.mv_size, &payload, key, r->table, "") != 0) {
        char desc[64]; /* again, for a message that names the block */
        snprintf(desc, sizeof desc, "block of batch %u at %016llx", r->batch,
                 (unsigned long long)gal_get_be64((const uint8_t *)r->k.mv_data + 4));
        return gal_record_open(r->v.mv_data, r->v.mv_size, &payload, key, r->table, desc);
    }
    uint64_t n;
    r->p = r->v.mv_data;
    r->end = r->p + payload;
    if (gal_varint_get(&r->p, r->end, &n) || n == 0 || n > GAL_HBLOCK_RECORDS)
        return bad_block(r, "bad record count");
    r->left = (uint32_t)n;
    int rc = read_entry(r);
    if (!rc && r->hash != gal_get_be64((const uint8_t *)r->k.mv_data + 4))
        rc = bad_block(r, "its first record is not its key's");
    return rc;
}

int gal_hblock_read(gal_hblock_reader *r, const MDB_val *k, const MDB_val *v)
{
    r->k = *k;
    r->v = *v;
    return load_block(r);
}

int gal_hblock_seek(gal_hblock_reader *r, uint32_t batch, uint64_t hash)
{
    uint8_t key[GAL_HBLOCK_KEY_LEN];
    block_key(key, batch, hash);
    r->k = (MDB_val){sizeof key, key};
    int mrc = mdb_cursor_get(r->cur, &r->k, &r->v, MDB_SET_RANGE);
    if (mrc == MDB_NOTFOUND)
        return 1;
    return mrc ? db_error(r, mrc) : load_block(r);
}

int gal_hblock_next(gal_hblock_reader *r)
{
    uint32_t batch = r->batch;
    uint64_t prev = r->hash;
    int rc;
    if (r->left) {
        rc = read_entry(r);
    } else if (!r->cur) {
        return 1;
    } else {
        int mrc = mdb_cursor_get(r->cur, &r->k, &r->v, MDB_NEXT);
        if (mrc == MDB_NOTFOUND)
            return 1;
        if (mrc)
            return db_error(r, mrc);
        rc = load_block(r);
    }
    if (!rc && r->batch == batch && r->hash <= prev)
        rc = bad_block(r, "records out of order");
    return rc;
}

int gal_hblock_find(gal_hblock_reader *r, uint32_t batch, uint64_t hash, uint64_t *next_batch)
{
    uint8_t key[GAL_HBLOCK_KEY_LEN];
    block_key(key, batch, hash);
    r->k = (MDB_val){sizeof key, key};
    int mrc = mdb_cursor_get(r->cur, &r->k, &r->v, MDB_SET_RANGE);
    *next_batch = UINT64_MAX;
    if (!mrc && r->k.mv_size == sizeof key && !memcmp(r->k.mv_data, key, sizeof key))
        return load_block(r); /* a block starts with it */
    if (!mrc) {
        /* landed past it: its batch is the next one that has blocks, unless
         * it is this batch (then the caller tries the one after) */
        uint32_t landed = r->k.mv_size == sizeof key ? gal_get_be32(r->k.mv_data) : batch + 1u;
        *next_batch = landed > batch ? landed : (uint64_t)batch + 1;
        mrc = mdb_cursor_get(r->cur, &r->k, &r->v, MDB_PREV);
    } else if (mrc == MDB_NOTFOUND) {
        mrc = mdb_cursor_get(r->cur, &r->k, &r->v, MDB_LAST);
    }
    if (mrc == MDB_NOTFOUND)
        return 1;
    if (mrc)
        return db_error(r, mrc);
    if (r->k.mv_size != sizeof key || gal_get_be32(r->k.mv_data) != batch)
        return 1; /* the block before is another batch's */
    int rc = load_block(r);
    while (!rc && r->hash < hash && r->left) /* the block's records, not the next block */
        rc = gal_hblock_next(r);
    return rc ? rc : r->hash == hash ? 0 : 1;
}

int gal_hblock_find_from(gal_hblock_reader *r, uint64_t *batch, uint64_t hash)
{
    for (uint64_t b = *batch, next; b <= UINT32_MAX; b = next) {
        int rc = gal_hblock_find(r, (uint32_t)b, hash, &next);
        if (rc == 0)
            *batch = b;
        if (rc <= 0)
            return rc;
    }
    return 1;
}
