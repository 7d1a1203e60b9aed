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

/* An id asked for, by its hash: sorted (wanted_sorted), so that each
 * document's id read is looked up by binary search. */
typedef struct wanted {
    uint64_t hash;
    size_t i; /* its place among the ids given */
} wanted;

static int by_hash(const void *a, const void *b)
{
    const wanted *x = a, *y = b;
    return x->hash < y->hash ? -1 : x->hash > y->hash;
}

/* The documents to delete, as they are found (a document may be found
 * more than once: by number and by id, or by an id given twice). */
typedef struct doc_list {
    uint32_t *v;
    size_t n, cap;
} doc_list;

static int push(doc_list *l, uint32_t doc)
{
    if (gal_grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v, 64))
        return gal_error_set(GAL_ENOMEM, "out of memory listing the documents to delete");
    l->v[l->n++] = doc;
    return 0;
}

static int by_doc(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Each document once, in order. */
static void sort_unique(doc_list *l)
{
    if (l->n < 2)
        return;
    qsort(l->v, l->n, sizeof *l->v, by_doc);
    size_t k = 1;
    for (size_t i = 1; i < l->n; i++)
        if (l->v[i] != l->v[k - 1])
            l->v[k++] = l->v[i];
    l->n = k;
}

/* The ids asked for, sorted by hash, for matching documents' ids against. */
static int wanted_sorted(const char *const *ids, const size_t *lens, size_t n, wanted **out)
{
    wanted *w = gal_malloc((n ? n : 1) * sizeof *w);
    if (!w)
        return gal_error_set(GAL_ENOMEM, "out of memory for %zu ids", n);
    for (size_t i = 0; i < n; i++)
        w[i] = (wanted){gal_id_hash(ids[i], lens[i]), i};
    qsort(w, n, sizeof *w, by_hash);
    *out = w;
    return 0;
}

/* Documents read in turn against the ids asked for: what both ways of
 * finding them read with. */
typedef struct id_matcher {
    MDB_txn *txn;
    MDB_dbi docs;
    gal_doc_block block; /* the docs block read last */
    const gal_deleted_set *del;
    const wanted *w;     /* the ids, sorted by hash */
    size_t n;
    const char *const *ids;
    const size_t *lens;
    uint8_t *found;      /* found[i]: ids[i] named a live document */
    doc_list *gone;
} id_matcher;

/* Whether doc (not deleted) has one of the ids asked for: each such id
 * found, the document pushed once. */
static int match_doc(id_matcher *m, uint32_t doc)
{
    const gal_doc_fields *f;
    int rc = gal_doc_fields_at(m->txn, m->docs, doc, &m->block, &f);
    if (rc || !f->id_len)
        return rc;
    wanted key = {gal_id_hash(f->id, f->id_len), 0};
    const wanted *at = bsearch(&key, m->w, m->n, sizeof *m->w, by_hash);
    while (at && at > m->w && at[-1].hash == key.hash)
        at--;
    int hit = 0;
    for (; at && at < m->w + m->n && at->hash == key.hash; at++)
        if (m->lens[at->i] == f->id_len && !memcmp(m->ids[at->i], f->id, f->id_len))
            hit = m->found[at->i] = 1; /* the same id given twice: both found */
    return hit ? push(m->gone, doc) : 0;
}

/* The live documents of [from, end) read against the ids. */
static int match_range(id_matcher *m, uint64_t from, uint64_t end)
{
    int rc = 0;
    for (uint64_t doc = from; doc < end && !rc; doc++)
        if (!gal_deleted_has(m->del, (uint32_t)doc))
            rc = match_doc(m, (uint32_t)doc);
    return rc;
}

/* Whether document doc's id is id (len bytes). */
static int has_id(MDB_txn *txn, MDB_dbi docs, gal_doc_block *block, uint32_t doc, const char *id,
                  size_t len, int *same)
{
    const gal_doc_fields *f;
    int rc = gal_doc_fields_at(txn, docs, doc, block, &f);
    if (!rc)
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

/* Where a batch holds an id asked for: the batch, and the first document
 * with it there. */
typedef struct batch_hit {
    uint32_t batch, first;
} batch_hit;

static int by_batch_first(const void *a, const void *b)
{
    const batch_hit *x = a, *y = b;
    if (x->batch != y->batch)
        return x->batch < y->batch ? -1 : 1;
    return x->first < y->first ? -1 : x->first > y->first;
}

/* The live documents with the ids asked for, through the ids table: in
 * each batch that has one of them, its first document there (id_table.h),
 * then the rest of that batch read once from the earliest such document,
 * where any of them may come again (the table names one document per id
 * and batch).  A seek or two per batch and id, and at most every document
 * once, however many ids a batch holds. */
static int find_by_ids(id_matcher *m, MDB_dbi id_table, MDB_dbi docstats, uint64_t ndocs)
{
    batch_hit *hits = NULL;
    size_t nhits = 0, cap = 0;
    gal_hblock_reader r;
    int rc = gal_hblock_open(&r, m->txn, id_table, GAL_DB_IDS);
    for (size_t i = 0; i < m->n && !rc; i++) {
        uint64_t hash = gal_id_hash(m->ids[i], m->lens[i]), batch = 0;
        while (!rc && !(rc = gal_hblock_find_from(&r, &batch, hash))) {
            gal_id_docs d;
            gal_id_docs_open(&d, r.rec, r.len, r.batch);
            uint32_t cand;
            int more, same = 0;
            while (!rc && !same && (more = gal_id_docs_next(&d, &cand)) == 0)
                rc = has_id(m->txn, m->docs, &m->block, cand, m->ids[i], m->lens[i], &same);
            if (!rc && !same && more < 0)
                rc = gal_error_set(GAL_ECORRUPT, "corrupt index: ids record %016llx of batch %u "
                                   "is malformed", (unsigned long long)hash, r.batch);
            if (!rc && same) {
                if (gal_grow((void **)&hits, &cap, nhits + 1, sizeof *hits, 64))
                    rc = gal_error_set(GAL_ENOMEM, "out of memory for the ids' batches");
                else
                    hits[nhits++] = (batch_hit){r.batch, cand};
            }
            batch++;
        }
        if (rc == 1)
            rc = 0; /* no batch after it has it */
    }
    gal_hblock_close(&r);
    if (!rc && nhits > 1)
        qsort(hits, nhits, sizeof *hits, by_batch_first);
    for (size_t h = 0; h < nhits && !rc;) {
        uint64_t end = 0;
        if (!(rc = batch_end(m->txn, docstats, hits[h].batch, ndocs, &end)))
            rc = match_range(m, hits[h].first, end);
        uint32_t batch = hits[h].batch;
        while (h < nhits && hits[h].batch == batch)
            h++;
    }
    gal_free(hits);
    return rc;
}

/* The deletions of one call, written by gal_store_write. */
typedef struct deletion {
    gal_store *st;
    const doc_list *gone;
    uint64_t before;
} deletion;

/* The records, and the index marked with this format, which an older galley would
 * not read (it would show the deleted documents). */
static int write_deletions(void *ctx, MDB_txn *txn)
{
    const deletion *d = ctx;
    int rc = gal_deleted_put(d->st, txn, d->gone->v, d->gone->n, d->before);
    return rc ? rc : gal_meta_put_u64(d->st, txn, GAL_META_FORMAT, GAL_FORMAT_VERSION);
}

struct gal_delete_target {
    gal_store *st; /* open to write: the index's writer lock is held */
};

int gal_delete_open(const char *dir, gal_delete_target **out)
{
    *out = NULL;
    char data[4096];
    struct stat sb;
    if ((size_t)snprintf(data, sizeof data, "%s/data.mdb", dir) >= sizeof data ||
        stat(data, &sb) != 0)
        return gal_error_set(GAL_ENOTFOUND, "no index at '%s'", dir);
    gal_delete_target *t = gal_calloc(1, sizeof *t);
    if (!t)
        return gal_error_set(GAL_ENOMEM, "out of memory");
    int rc = gal_store_open(dir, GAL_STORE_WRITE, &t->st);
    if (rc)
        gal_free(t);
    else
        *out = t;
    return rc;
}

void gal_delete_close(gal_delete_target *t)
{
    if (!t)
        return;
    gal_store_close(t->st);
    gal_free(t);
}

int gal_delete_in(gal_delete_target *t, const char *const *ids, const size_t *lens, size_t n,
                  const uint32_t *nums, size_t m, gal_delete_report *report)
{
    memset(report, 0, sizeof *report);
    gal_store *st = t->st;
    if (!(report->found = gal_calloc(n + m ? n + m : 1, 1)))
        return gal_error_set(GAL_ENOMEM, "out of memory for %zu ids", n + m);
    MDB_txn *txn = NULL;
    gal_deleted_set del = {0};
    doc_list gone = {0};
    uint64_t ndocs = 0, batches = 0;
    int rc = gal_store_txn_begin(st, 1, &txn);
    if (!rc && !(rc = gal_meta_get_u64(st, txn, GAL_META_DOCS, &ndocs)) &&
        !(rc = gal_meta_get_u64(st, txn, GAL_META_BATCHES, &batches)))
        rc = gal_deleted_load(st, txn, (uint32_t)ndocs, &del);
    for (size_t j = 0; !rc && j < m; j++)
        if (nums[j] < ndocs && !gal_deleted_has(&del, nums[j])) {
            report->found[n + j] = 1;
            rc = push(&gone, nums[j]);
        }
    id_matcher match = {txn, st->docs, {0}, &del, NULL, n, ids, lens, report->found, &gone};
    gal_doc_block_init(&match.block);
    wanted *w = NULL;
    if (!rc && n && !(rc = wanted_sorted(ids, lens, n, &w))) {
        match.w = w;
        /* a few ids: through the ids table; many: every document read once */
        rc = (uint64_t)n * (batches ? batches : 1) * 64 < ndocs
                 ? find_by_ids(&match, st->ids, st->docstats, ndocs)
                 : match_range(&match, 0, ndocs);
    }
    gal_free(w);
    gal_doc_block_release(&match.block);
    if (txn)
        mdb_txn_abort(txn);
    sort_unique(&gone); /* whichever ways each was asked for */
    deletion d = {st, &gone, del.count};
    if (!rc && gone.n)
        rc = gal_store_write(st, write_deletions, &d, "cannot write deletions to");
    if (!rc) {
        report->deleted = gone.n;
        report->total = del.count + gone.n;
    } else { /* the caller reads nothing of a failed call */
        gal_free(report->found);
        report->found = NULL;
    }
    gal_free(gone.v);
    gal_deleted_release(&del);
    return rc;
}

int gal_index_delete(const char *dir, const char *const *ids, const size_t *lens, size_t n,
                     const uint32_t *nums, size_t m, gal_delete_report *report)
{
    memset(report, 0, sizeof *report);
    gal_delete_target *t;
    int rc = gal_delete_open(dir, &t);
    if (!rc)
        rc = gal_delete_in(t, ids, lens, n, nums, m, report);
    gal_delete_close(t);
    return rc;
}
