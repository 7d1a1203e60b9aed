#include "deleted.h"

#include <string.h>

#include "alloc.h"
#include "crc32c.h"
#include "format.h"
#include "record.h"
#include "status.h"

/* The bitmap's words for n documents. */
static size_t words_for(uint64_t n)
{
    return (size_t)((n + 63) / 64);
}

/* Grow the bitmap *bits of had documents to hold n (zeroed). */
static int grow_bits(uint64_t **bits, uint32_t had, uint32_t n)
{
    size_t from = *bits ? words_for(had) : 0, want = words_for(n) ? words_for(n) : 1;
    if (*bits && want <= from)
        return 0;
    uint64_t *nb = gal_realloc(*bits, want * sizeof *nb);
    if (!nb)
        return gal_error_set(GAL_ENOMEM, "out of memory for the deleted documents");
    memset(nb + from, 0, (want - from) * sizeof *nb);
    *bits = nb;
    return 0;
}

/* Grow d's bitmaps to hold documents below n (the purged one only where
 * there is one). */
static int cover(gal_deleted_set *d, uint32_t n)
{
    if (d->bits && n <= d->ndocs)
        return 0;
    int rc = grow_bits(&d->bits, d->bits ? d->ndocs : 0, n);
    if (!rc && d->purged)
        rc = grow_bits(&d->purged, d->ndocs, n);
    if (!rc)
        d->ndocs = n;
    return rc;
}

size_t gal_deleted_record_value(uint32_t doc, int purged, uint8_t val[5])
{
    size_t n = 0;
    if (purged)
        val[n++] = GAL_DELETED_PURGED;
    uint32_t crc = gal_crc32c(gal_record_doc_key(doc), val, n);
    for (int i = 0; i < GAL_RECORD_TRAILER; i++)
        val[n++] = (uint8_t)(crc >> (8 * i));
    return n;
}

int gal_deleted_record_open(const MDB_val *k, const MDB_val *v, uint64_t ndocs, uint32_t *doc,
                            int *purged)
{
    if (k->mv_size != 4)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: a deleted record has a key of %zu "
                                           "bytes", k->mv_size);
    *doc = gal_get_be32(k->mv_data);
    char desc[16];
    gal_put_decimal(desc, *doc);
    size_t payload;
    int rc = gal_record_open(v->mv_data, v->mv_size, &payload, gal_record_doc_key(*doc),
                             GAL_DB_DELETED, desc);
    *purged = !rc && payload == 1 && *(const uint8_t *)v->mv_data == GAL_DELETED_PURGED;
    if (!rc && payload && !*purged)
        rc = gal_error_set(GAL_ECORRUPT, "corrupt index: deleted record %u holds %zu bytes",
                           *doc, payload);
    if (!rc && *doc >= ndocs)
        rc = gal_error_set(GAL_ECORRUPT, "corrupt index: document %u is deleted, but the "
                                         "index holds %llu", *doc, (unsigned long long)ndocs);
    return rc;
}

/* Every record of the table, each checked against d->ndocs, its bit set in
 * d and counted. */
static int read_records(gal_store *st, MDB_txn *txn, gal_deleted_set *d)
{
    MDB_cursor *c;
    int mrc = mdb_cursor_open(txn, st->deleted, &c);
    if (mrc)
        return gal_store_read_error(mrc, GAL_DB_DELETED);
    MDB_val k, v;
    int rc = 0;
    for (mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST); !mrc && !rc;
         mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        uint32_t doc = 0;
        int purged = 0;
        if ((rc = gal_deleted_record_open(&k, &v, d->ndocs, &doc, &purged)))
            break;
        d->bits[doc >> 6] |= 1ull << (doc & 63);
        d->count++;
        if (purged && !d->purged && (rc = grow_bits(&d->purged, 0, d->ndocs)))
            break;
        if (purged) {
            d->purged[doc >> 6] |= 1ull << (doc & 63);
            d->npurged++;
        }
    }
    mdb_cursor_close(c);
    if (!rc && mrc != MDB_NOTFOUND)
        rc = gal_store_read_error(mrc, GAL_DB_DELETED);
    return rc;
}

/* The first document at or after doc whose bit is set in bits and not in
 * unless (NULL: none). */
static int next_set(const gal_deleted_set *d, const uint64_t *unless, uint64_t doc, uint32_t *next)
{
    if (!d || !d->bits || doc >= d->ndocs)
        return 0;
    size_t w = (size_t)(doc >> 6), nw = words_for(d->ndocs);
    uint64_t bits = (d->bits[w] & ~(unless ? unless[w] : 0)) & (~0ull << (doc & 63));
    while (!bits && ++w < nw)
        bits = d->bits[w] & ~(unless ? unless[w] : 0);
    if (!bits)
        return 0;
    *next = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(bits));
    return 1;
}

int gal_deleted_next(const gal_deleted_set *d, uint64_t doc, uint32_t *next)
{
    return next_set(d, NULL, doc, next);
}

int gal_deleted_next_pending(const gal_deleted_set *d, uint64_t doc, uint32_t *next)
{
    return next_set(d, d ? d->purged : NULL, doc, next);
}

uint32_t gal_deleted_next_live(const gal_deleted_set *d, uint64_t doc)
{
    if (doc >= UINT32_MAX)
        return UINT32_MAX;
    if (!d || !d->bits || doc >= d->ndocs)
        return (uint32_t)doc;
    size_t w = (size_t)(doc >> 6), nw = words_for(d->ndocs);
    uint64_t free = ~d->bits[w] & (~0ull << (doc & 63));
    while (!free && ++w < nw)
        free = ~d->bits[w];
    /* past the last word: the documents beyond the bitmap are not deleted */
    uint64_t at = free ? w * 64 + (uint64_t)__builtin_ctzll(free) : (uint64_t)nw * 64;
    return at >= UINT32_MAX ? UINT32_MAX : (uint32_t)at;
}

int gal_deleted_load(gal_store *st, MDB_txn *txn, uint32_t ndocs, gal_deleted_set *out)
{
    memset(out, 0, sizeof *out);
    uint64_t meta = 0, purged = 0;
    int rc = gal_meta_get_u64(st, txn, GAL_META_DELETED, &meta);
    if (!rc)
        rc = gal_meta_get_u64(st, txn, GAL_META_PURGED, &purged);
    if (rc || meta == 0 || !st->has_deleted)
        return rc; /* the table is not read at all: most indexes delete nothing */
    if (!(rc = cover(out, ndocs)) && !(rc = read_records(st, txn, out)) && out->count != meta)
        rc = gal_error_set(GAL_ECORRUPT, "corrupt index: meta counts %llu deleted documents, "
                                         "the deleted table holds %llu",
                           (unsigned long long)meta, (unsigned long long)out->count);
    if (!rc && out->npurged != purged)
        rc = gal_error_set(GAL_ECORRUPT, "corrupt index: meta counts %llu purged documents, "
                                         "the deleted table marks %llu",
                           (unsigned long long)purged, (unsigned long long)out->npurged);
    if (rc)
        gal_deleted_release(out);
    return rc;
}

void gal_deleted_release(gal_deleted_set *d)
{
    gal_free(d->bits);
    gal_free(d->purged);
    memset(d, 0, sizeof *d);
}

int gal_deleted_mark(gal_deleted_set *d, uint32_t doc)
{
    if (gal_deleted_has(d, doc))
        return 0;
    int rc = cover(d, doc + 1 > d->ndocs ? doc + 1 : d->ndocs);
    if (rc)
        return rc;
    d->bits[doc >> 6] |= 1ull << (doc & 63);
    d->count++;
    return 0;
}

int gal_deleted_put(gal_store *st, MDB_txn *txn, const uint32_t *docs, size_t n,
                    uint64_t count_before)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t key[4], val[5];
        gal_put_be32(key, docs[i]);
        MDB_val k = {sizeof key, key}, v = {gal_deleted_record_value(docs[i], 0, val), val};
        int mrc = mdb_put(txn, st->deleted, &k, &v, MDB_NOOVERWRITE);
        if (mrc == MDB_KEYEXIST)
            return gal_error_set(GAL_EUSAGE, "internal error: document %u deleted twice", docs[i]);
        if (mrc)
            return mrc;
    }
    return gal_meta_put_u64(st, txn, GAL_META_DELETED, count_before + n);
}
