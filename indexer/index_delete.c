#include "index_delete.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdio.h>

#include "alloc.h"
#include "batch_table.h"
#include "deleted.h"
#include "doc_record.h"
#include "hash_blocks.h"
#include "format.h"
#include "id_table.h"
#include "status.h"
#include "store.h"

/* An id asked for, by its hash: the requests sorted so that each document's
 * id is looked up by binary search. */
typedef struct wanted {
    uint64_t hash;
    size_t i; /* its place among the ids given */
} wanted;

static int by_hash(const void *a, const void *b)
{
    const wanted *x = a, *y = b;
    return x->hash < y->hash ? -1 : x->hash > y->hash;
}

/* The live documents of the index whose ids are asked for, into *gone:
 * every document is read once (a request finds all of its id's documents,
 * which the ids table, keeping one per batch, would not give). */
static int find_docs(gal_store *st, MDB_txn *txn, uint32_t ndocs, const gal_deleted_set *del,
                     const char *const *ids, const size_t *lens, const wanted *w, size_t n,
                     const uint8_t *by_number, uint8_t *found, uint32_t **gone, size_t *ngone)
{
    gal_doc_block block;
    gal_doc_block_init(&block);
    size_t cap = 0;
    int rc = 0;
    for (uint32_t doc = 0; doc < ndocs && !rc; doc++) {
        if (gal_deleted_has(del, doc))
            continue;
        int hit = by_number && by_number[doc]; /* asked for by number */
        const gal_doc_fields *f;
        if (n && (rc = gal_doc_block_at(txn, st->docs, doc, &block)) == 1)
            rc = gal_error_set(GAL_ECORRUPT, "corrupt index: no record of document %u", doc);
        if (n && !rc && !(rc = gal_doc_block_get(&block, doc - block.first_doc, &f)) &&
            f->id_len) {
            wanted key = {gal_id_hash(f->id, f->id_len), 0};
            const wanted *at = bsearch(&key, w, n, sizeof *w, by_hash);
            while (at && at > w && at[-1].hash == key.hash)
                at--;
            for (; at && at < w + n && at->hash == key.hash; at++)
                if (lens[at->i] == f->id_len && !memcmp(ids[at->i], f->id, f->id_len))
                    hit = found[at->i] = 1; /* the same id given twice: both found */
        }
        if (!rc && hit) {
            if (gal_grow((void **)gone, &cap, *ngone + 1, sizeof **gone, 64))
                rc = gal_error_set(GAL_ENOMEM, "out of memory listing the documents to delete");
            else
                (*gone)[(*ngone)++] = doc;
        }
    }
    gal_doc_block_release(&block);
    return rc;
}

/* The id of document doc is ids[i] (lens[i] bytes)? */
static int has_id(MDB_txn *txn, MDB_dbi docs, gal_doc_block *block, uint32_t doc, const char *id,
                  size_t len, int *same)
{
    const gal_doc_fields *f;
    int rc = gal_doc_block_at(txn, docs, doc, block);
    if (rc == 1)
        rc = gal_error_set(GAL_ECORRUPT, "corrupt index: the ids table names document %u, which "
                                         "has no record", doc);
    if (!rc && !(rc = gal_doc_block_get(block, doc - block->first_doc, &f)))
        *same = f->id_len == len && !memcmp(f->id, id, len);
    return rc;
}

/* The first document of the batch after the one starting at batch (the
 * docstats table has a record per batch), or ndocs after the last. */
static int batch_end(MDB_txn *txn, MDB_dbi docstats, uint32_t batch, uint64_t ndocs, uint64_t *end)
{
    MDB_cursor *c;
    int mrc = mdb_cursor_open(txn, docstats, &c);
    if (mrc)
        return gal_store_read_error(mrc, "docstats");
    uint8_t key[4];
    gal_put_be32(key, batch + 1);
    MDB_val k = {sizeof key, key}, v;
    mrc = batch == UINT32_MAX ? MDB_NOTFOUND : mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
    *end = mrc == 0 && k.mv_size == 4 ? gal_get_be32(k.mv_data) : ndocs;
    mdb_cursor_close(c);
    return mrc == 0 || mrc == MDB_NOTFOUND ? 0 : gal_store_read_error(mrc, "docstats");
}

/* The live documents with id ids[i] through the ids table: in each batch
 * that has it, the first document with it there (id_table.h), then the
 * rest of that batch read, where the same id may come again (the table
 * names one document per id and batch).  A seek or two per batch and id,
 * and part of a batch read per batch that has it, instead of every
 * document of the index. */
static int find_by_ids(gal_store *st, MDB_txn *txn, uint64_t ndocs, const gal_deleted_set *del,
                       const char *const *ids, const size_t *lens, size_t n, uint8_t *found,
                       uint32_t **gone, size_t *ngone, size_t *cap)
{
    gal_doc_block block;
    gal_doc_block_init(&block);
    gal_hblock_reader r;
    int rc = gal_hblock_open(&r, txn, st->ids, GAL_DB_IDS);
    for (size_t i = 0; i < n && !rc; i++) {
        uint64_t hash = gal_id_hash(ids[i], lens[i]), batch = 0;
        while (!rc && !(rc = gal_hblock_find_from(&r, &batch, hash))) {
            gal_id_docs d;
            gal_id_docs_open(&d, r.rec, r.len, r.batch);
            uint32_t cand;
            int more, same = 0;
            while (!rc && !same && (more = gal_id_docs_next(&d, &cand)) == 0)
                rc = has_id(txn, st->docs, &block, cand, ids[i], lens[i], &same);
            if (!rc && !same && more < 0)
                rc = gal_error_set(GAL_ECORRUPT, "corrupt index: ids record %016llx of batch %u "
                                   "is malformed", (unsigned long long)hash, r.batch);
            uint64_t end = 0;
            if (!rc && same)
                rc = batch_end(txn, st->docstats, r.batch, ndocs, &end);
            for (uint64_t doc = cand; !rc && same && doc < end; doc++) {
                int again = doc == cand;
                if (!again && (rc = has_id(txn, st->docs, &block, (uint32_t)doc, ids[i], lens[i],
                                           &again)))
                    break;
                if (!again || gal_deleted_has(del, (uint32_t)doc))
                    continue;
                found[i] = 1;
                if (gal_grow((void **)gone, cap, *ngone + 1, sizeof **gone, 64))
                    rc = gal_error_set(GAL_ENOMEM, "out of memory listing the documents to "
                                                   "delete");
                else
                    (*gone)[(*ngone)++] = (uint32_t)doc;
            }
            batch++;
        }
        if (rc == 1)
            rc = 0; /* no batch after it has it */
    }
    gal_hblock_close(&r);
    gal_doc_block_release(&block);
    return rc;
}

static int by_doc(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Write the deletions in one transaction, the map grown as often as needed;
 * the index is marked format 10, which an older galley would not read
 * (it would show the deleted documents). */
static int commit(gal_store *st, const uint32_t *gone, size_t n, uint64_t before)
{
    for (;;) {
        MDB_txn *txn;
        int rc = gal_store_txn_begin(st, 0, &txn);
        if (rc)
            return rc;
        int wrc = gal_deleted_put(st, txn, gone, n, before);
        if (!wrc)
            wrc = gal_meta_put_u64(st, txn, GAL_META_FORMAT, GAL_FORMAT_VERSION);
        if (!wrc)
            wrc = mdb_txn_commit(txn);
        else
            mdb_txn_abort(txn);
        if (wrc == MDB_MAP_FULL || wrc == GAL_EMAPFULL) {
            if ((rc = gal_store_grow(st)))
                return rc;
            continue;
        }
        if (wrc && !gal_is_status(wrc))
            return gal_store_error(st, wrc, "cannot write deletions to");
        return wrc;
    }
}

int gal_index_delete(const char *dir, const char *const *ids, const size_t *lens, size_t n,
                     const uint32_t *nums, size_t m, gal_delete_report *report)
{
    memset(report, 0, sizeof *report);
    char data[4096];
    struct stat sb;
    if ((size_t)snprintf(data, sizeof data, "%s/data.mdb", dir) >= sizeof data ||
        stat(data, &sb) != 0)
        return gal_error_set(GAL_ENOTFOUND, "no index at '%s'", dir);
    wanted *w = gal_malloc((n ? n : 1) * sizeof *w);
    report->found = gal_calloc(n + m ? n + m : 1, 1);
    if (!w || !report->found) {
        gal_free(w);
        return gal_error_set(GAL_ENOMEM, "out of memory for %zu ids", n);
    }
    for (size_t i = 0; i < n; i++)
        w[i] = (wanted){gal_id_hash(ids[i], lens[i]), i};
    qsort(w, n, sizeof *w, by_hash);

    gal_store *st = NULL;
    MDB_txn *txn = NULL;
    gal_deleted_set del = {0};
    uint32_t *gone = NULL;
    uint8_t *by_number = NULL;
    size_t ngone = 0;
    uint64_t ndocs = 0;
    int rc = gal_store_open(dir, GAL_STORE_WRITE, &st);
    if (!rc)
        rc = gal_store_txn_begin(st, 1, &txn);
    uint64_t batches = 0;
    size_t cap = 0;
    if (!rc && !(rc = gal_meta_get_u64(st, txn, GAL_META_DOCS, &ndocs)) &&
        !(rc = gal_meta_get_u64(st, txn, GAL_META_BATCHES, &batches)))
        rc = gal_deleted_load(st, txn, (uint32_t)ndocs, &del);
    /* a few ids: through the ids table; many: every document read once */
    int few = (uint64_t)n * (batches ? batches : 1) * 64 < ndocs;
    if (!rc && m && !few && !(by_number = gal_calloc(ndocs ? ndocs : 1, 1)))
        rc = gal_error_set(GAL_ENOMEM, "out of memory for %llu documents",
                           (unsigned long long)ndocs);
    for (size_t j = 0; !rc && j < m; j++) {
        if (nums[j] >= ndocs || gal_deleted_has(&del, nums[j]))
            continue;
        report->found[n + j] = 1;
        if (by_number)
            by_number[nums[j]] = 1;
        else if (gal_grow((void **)&gone, &cap, ngone + 1, sizeof *gone, 64))
            rc = gal_error_set(GAL_ENOMEM, "out of memory listing the documents to delete");
        else
            gone[ngone++] = nums[j];
    }
    if (!rc && few)
        rc = find_by_ids(st, txn, ndocs, &del, ids, lens, n, report->found, &gone, &ngone, &cap);
    else if (!rc)
        rc = find_docs(st, txn, (uint32_t)ndocs, &del, ids, lens, w, n, by_number, report->found,
                       &gone, &ngone);
    if (txn)
        mdb_txn_abort(txn);
    /* each document once, whichever ways it was asked for */
    if (!rc && ngone > 1) {
        qsort(gone, ngone, sizeof *gone, by_doc);
        size_t k = 1;
        for (size_t i = 1; i < ngone; i++)
            if (gone[i] != gone[k - 1])
                gone[k++] = gone[i];
        ngone = k;
    }
    if (!rc && ngone)
        rc = commit(st, gone, ngone, del.count);
    if (!rc) {
        report->deleted = ngone;
        report->total = del.count + ngone;
    }
    gal_free(gone);
    gal_free(by_number);
    gal_free(w);
    gal_deleted_release(&del);
    gal_store_close(st);
    return rc;
}
