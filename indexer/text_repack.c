#include "text_repack.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "clock.h"
#include "deleted.h"
#include "format.h"
#include "status.h"
#include "store.h"
#include "stored_text.h"
#include "text_pack.h"
#include "work_queue.h"

/* The training sample: documents spread over the archive, up to this much
 * text (fastCover wants many times the dictionary; on generated news a 2 MB
 * dictionary trained on 22 MB compressed to 0.308, on 58 MB to 0.306, in
 * 1.7 against 4.4 s). */
#define SAMPLE_BYTES (32u << 20)
/* The dictionary: a 64th of the text, from 112 kB (what `galley index`
 * gives a small archive) to 4 MB, and at most an eighth of the sample. */
#define DICT_MIN_BYTES (112u << 10)
#define DICT_MAX_BYTES (4u << 20)
/* Documents travel to the compressing threads this much text at a time. */
#define SEGMENT_BYTES (1u << 20)
/* Two segments a thread in flight must fit in a work queue. */
#define MAX_THREADS 32

static int db_error(int mrc)
{
    return gal_error_set(gal_store_status(mrc, 0), "cannot read the text table: %s",
                         mdb_strerror(mrc));
}

static int open_block(const MDB_val *k, const MDB_val *v, gal_text_block *b)
{
    if (k->mv_size != 4)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: text key of %zu bytes", k->mv_size);
    return gal_text_block_open(v->mv_data, v->mv_size, gal_get_be32(k->mv_data), b);
}

/* ---- the dictionary ---- */

int gal_text_repack_train(MDB_txn *txn, MDB_dbi text, const ZSTD_DDict *ddict, uint64_t raw_bytes,
                          int level, gal_buf *dict, gal_text_repack_stats *stats)
{
    double t0 = gal_now_sec();
    gal_buf_clear(dict);
    MDB_cursor *c;
    int mrc = mdb_cursor_open(txn, text, &c);
    if (mrc)
        return db_error(mrc);
    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    gal_buf sample, out;
    gal_buf_init(&sample);
    gal_buf_init(&out);
    size_t *sizes = NULL, sizes_cap = 0;
    unsigned nsamples = 0;
    int rc = dctx ? 0 : gal_error_set(GAL_ENOMEM, "out of memory for zstd");
    /* take whole records, each as its documents come to the share of the
     * text the sample may hold (a running credit, so the share holds
     * over the whole table) */
    double share = raw_bytes > SAMPLE_BYTES ? (double)SAMPLE_BYTES / (double)raw_bytes : 1.0;
    double credit = 0;
    MDB_val k, v;
    for (mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST); !mrc && !rc && sample.len < SAMPLE_BYTES;
         mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        gal_text_block b;
        if ((rc = open_block(&k, &v, &b)))
            break;
        const uint8_t *rec;
        size_t len;
        uint32_t doc, ndocs;
        while (!rc && sample.len < SAMPLE_BYTES &&
               !gal_text_block_next(&b, &rec, &len, &doc, &ndocs)) {
            credit += share * ndocs;
            if (credit < 1)
                continue;
            credit -= ndocs;
            gal_text_docs docs;
            if ((rc = gal_stored_text_decode(dctx, ddict, rec, len, doc, &out, &docs)))
                break;
            for (uint32_t i = 0; i < docs.n && !rc; i++) {
                if (docs.len[i] < 16) /* too short to teach anything */
                    continue;
                if (gal_grow((void **)&sizes, &sizes_cap, nsamples + 1, sizeof *sizes, 1024))
                    rc = gal_error_set(GAL_ENOMEM, "out of memory training a dictionary");
                else if (!(rc = gal_buf_append(&sample, out.data + docs.off[i], docs.len[i])))
                    sizes[nsamples++] = docs.len[i];
            }
        }
    }
    if (!rc && mrc && mrc != MDB_NOTFOUND)
        rc = db_error(mrc);
    mdb_cursor_close(c);
    size_t dict_bytes = (size_t)(raw_bytes / 64);
    if (dict_bytes < DICT_MIN_BYTES)
        dict_bytes = DICT_MIN_BYTES;
    if (dict_bytes > DICT_MAX_BYTES)
        dict_bytes = DICT_MAX_BYTES;
    if (dict_bytes > sample.len / 8)
        dict_bytes = sample.len / 8;
    if (!rc && dict_bytes >= (8u << 10)) {
        rc = gal_text_dict_train(sample.data, sizes, nsamples, dict_bytes, level, dict);
        if (rc == 1) { /* nothing to learn: pack without */
            gal_buf_clear(dict);
            rc = 0;
        }
    }
    stats->dict_bytes = dict->len;
    stats->train_sec = gal_now_sec() - t0;
    ZSTD_freeDCtx(dctx);
    gal_buf_release(&sample);
    gal_buf_release(&out);
    gal_free(sizes);
    return rc;
}

/* ---- packing ---- */

/* Consecutive documents, from first_doc on, and then their records. */
typedef struct segment {
    uint32_t first_doc, ndocs;
    gal_buf text;         /* each document's text and a newline */
    uint32_t *doc_start;  /* ndocs + 1 entries */
    gal_buf records;
    size_t *off;          /* ndocs + 1 entries, as gal_text_pack_docs() wants */
    uint32_t *rec_doc;
    uint32_t nrec;
    size_t cap;           /* of doc_start, off and rec_doc */
    int rc, done;
    char err[512];
} segment;

/* On the heap: a fault reading the source jumps out of the caller
 * (fault_guard.h), and the threads then wait on it until the process
 * ends. */
struct gal_text_repacker {
    ZSTD_CDict *cdict;    /* NULL: no dictionary */
    int level;
    gal_queue todo;
    pthread_mutex_t mu;
    pthread_cond_t done_cv;
    segment *ring;        /* segments in order: head is the oldest sent */
    size_t nring, head, nsent;
    segment *filling;     /* the one documents are added to, or NULL */
    /* records not yet in a block; pend_off has npend + 1 entries */
    gal_buf pend;
    size_t *pend_off;
    uint32_t *pend_doc;
    size_t npend, pend_cap;
    gal_buf block;
    gal_text_put_fn put;
    void *ctx;
    gal_text_repack_stats *stats;
    /* the source, read a record at a time */
    MDB_cursor *cur;
    const ZSTD_DDict *ddict;
    ZSTD_DCtx *dctx;
    uint32_t from_doc;
    const gal_deleted_set *drop; /* documents whose text is left out */
    gal_text_block src_block;
    int in_block, at_end, started_reading;
    gal_buf decoded;
    pthread_t tids[MAX_THREADS];
    unsigned nthreads;
};
typedef struct gal_text_repacker packer;

static void *pack_thread(void *arg)
{
    packer *pk = arg;
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    segment *s;
    while ((s = gal_queue_pop(&pk->todo))) {
        gal_buf_clear(&s->records);
        int rc = cctx ? gal_text_pack_docs(cctx, pk->cdict, pk->level, s->text.data,
                                           s->doc_start, s->ndocs, s->first_doc, &s->records,
                                           s->off, s->rec_doc, &s->nrec)
                      : gal_error_set(GAL_ENOMEM, "out of memory for zstd");
        if (rc)
            snprintf(s->err, sizeof s->err, "%s", gal_error_detail(rc));
        pthread_mutex_lock(&pk->mu);
        s->rc = rc;
        s->done = 1;
        pthread_cond_broadcast(&pk->done_cv);
        pthread_mutex_unlock(&pk->mu);
    }
    ZSTD_freeCCtx(cctx);
    return NULL;
}

/* Room for cap records' offsets and first documents in *off and *doc. */
static int resize_records(size_t **off, uint32_t **doc, size_t cap)
{
    size_t *o = gal_realloc(*off, cap * sizeof *o);
    if (o)
        *off = o;
    uint32_t *d = gal_realloc(*doc, cap * sizeof *d);
    if (d)
        *doc = d;
    return o && d ? 0 : gal_error_set(GAL_ENOMEM, "out of memory packing text");
}

/* Put blocks of the pending records: every full one, or all when last. */
static int put_blocks(packer *pk, int last)
{
    uint32_t r;
    int rc = gal_text_blocks_put(&pk->block, pk->pend.data, pk->pend_off, pk->pend_doc, 0,
                                 (uint32_t)pk->npend, !last, pk->put, pk->ctx, &r);
    /* keep what is left at the front */
    size_t from = pk->pend_off[r];
    if (from && pk->pend.len > from)
        memmove(pk->pend.data, pk->pend.data + from, pk->pend.len - from);
    pk->pend.len -= from;
    for (size_t i = r; i <= pk->npend; i++)
        pk->pend_off[i - r] = pk->pend_off[i] - from;
    if (r && pk->npend > r)
        memmove(pk->pend_doc, pk->pend_doc + r, (pk->npend - r) * sizeof *pk->pend_doc);
    pk->npend -= r;
    return rc;
}

/* Wait for the oldest segment sent, and add its records to the pending. */
static int take_oldest(packer *pk)
{
    segment *s = &pk->ring[pk->head];
    pthread_mutex_lock(&pk->mu);
    while (!s->done)
        pthread_cond_wait(&pk->done_cv, &pk->mu);
    pthread_mutex_unlock(&pk->mu);
    pk->head = (pk->head + 1) % pk->nring;
    pk->nsent--;
    if (s->rc)
        return gal_error_set(s->rc, "%s", s->err);
    size_t need = pk->npend + s->nrec + 1;
    if (need > pk->pend_cap) {
        int rc = resize_records(&pk->pend_off, &pk->pend_doc, 2 * need);
        if (rc)
            return rc;
        pk->pend_cap = 2 * need;
    }
    size_t base = pk->pend.len;
    for (uint32_t r = 0; r < s->nrec; r++) {
        pk->pend_off[pk->npend] = base + s->off[r];
        pk->pend_doc[pk->npend++] = s->first_doc + s->rec_doc[r];
    }
    int rc = gal_buf_append(&pk->pend, s->records.data, s->records.len);
    pk->pend_off[pk->npend] = pk->pend.len;
    pk->stats->docs += s->ndocs;
    pk->stats->text_bytes += s->text.len - s->ndocs;
    return rc ? rc : put_blocks(pk, 0);
}

/* Send the segment being filled to the threads. */
static int send_filling(packer *pk)
{
    segment *s = pk->filling;
    if (!s)
        return 0;
    pk->filling = NULL;
    s->done = 0;
    s->rc = 0;
    pk->nsent++;
    if (gal_queue_push(&pk->todo, s))
        return gal_error_set(GAL_EIO, "the text packing threads stopped");
    return 0;
}

/* Everything sent packed and put, the last records too. */
static int drain(packer *pk)
{
    int rc = send_filling(pk);
    while (!rc && pk->nsent)
        rc = take_oldest(pk);
    return rc ? rc : put_blocks(pk, 1);
}

/* Add document doc's text to the segment being filled. */
static int add_doc(packer *pk, uint32_t doc, const uint8_t *text, size_t len)
{
    segment *s = pk->filling;
    int rc = 0;
    if (s && s->first_doc + s->ndocs != doc) /* a gap: records hold consecutive documents */
        rc = send_filling(pk);
    if (!rc && !pk->filling) {
        if (pk->nsent == pk->nring && (rc = take_oldest(pk)))
            return rc;
        s = pk->filling = &pk->ring[(pk->head + pk->nsent) % pk->nring];
        s->first_doc = doc;
        s->ndocs = 0;
        gal_buf_clear(&s->text);
    }
    if (rc)
        return rc;
    if (s->ndocs + 2 > s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 4096;
        uint32_t *starts = gal_realloc(s->doc_start, cap * sizeof *starts);
        if (starts)
            s->doc_start = starts;
        if (!starts)
            return gal_error_set(GAL_ENOMEM, "out of memory packing text");
        if ((rc = resize_records(&s->off, &s->rec_doc, cap)))
            return rc;
        s->cap = cap;
    }
    if (s->text.len + len + 1 > UINT32_MAX)
        return gal_error_set(GAL_ENOMEM, "a document of %zu bytes is too long to pack", len);
    s->doc_start[s->ndocs] = (uint32_t)s->text.len;
    if ((rc = gal_buf_append(&s->text, text, len)) || (rc = gal_buf_push(&s->text, '\n')))
        return rc;
    s->doc_start[++s->ndocs] = (uint32_t)s->text.len;
    return s->text.len >= SEGMENT_BYTES ? send_filling(pk) : 0;
}

/* Take every segment the threads have finished, oldest first, without
 * waiting for one. */
static int take_finished(packer *pk)
{
    int rc = 0;
    while (!rc && pk->nsent) {
        pthread_mutex_lock(&pk->mu);
        int done = pk->ring[pk->head].done;
        pthread_mutex_unlock(&pk->mu);
        if (!done)
            break;
        rc = take_oldest(pk);
    }
    return rc;
}

/* Whether block b holds a document of drop not purged yet: a block packed
 * before is then packed again, without that document's text. */
static int holds_pending(const packer *pk, const gal_text_block *b)
{
    uint32_t pending;
    if (!gal_deleted_next_pending(pk->drop, b->first_doc, &pending))
        return 0;
    gal_text_block walk = *b; /* its records' documents, none decoded */
    const uint8_t *rec;
    size_t len;
    uint32_t doc, n;
    uint64_t end = b->first_doc;
    while (!gal_text_block_next(&walk, &rec, &len, &doc, &n))
        end = (uint64_t)doc + n;
    return pending < end;
}

/* One step through the source: the next record decoded to the segments,
 * or the next block opened (one packed before is put as it is). */
static int step(packer *pk)
{
    if (!pk->in_block) {
        MDB_val k, v;
        int mrc = mdb_cursor_get(pk->cur, &k, &v, pk->started_reading ? MDB_NEXT : MDB_FIRST);
        pk->started_reading = 1;
        if (mrc == MDB_NOTFOUND) {
            pk->at_end = 1;
            return 0;
        }
        int rc = mrc ? db_error(mrc) : open_block(&k, &v, &pk->src_block);
        if (rc)
            return rc;
        if (pk->src_block.first_doc >= pk->from_doc || holds_pending(pk, &pk->src_block)) {
            pk->in_block = 1;
            return 0;
        }
        /* packed before: as it is, after what precedes it */
        pk->stats->blocks_copied++;
        return (rc = drain(pk)) ? rc : pk->put(pk->ctx, k.mv_data, v.mv_data, v.mv_size);
    }
    const uint8_t *rec;
    size_t len;
    uint32_t doc, ndocs;
    if (gal_text_block_next(&pk->src_block, &rec, &len, &doc, &ndocs)) {
        pk->in_block = 0;
        return 0;
    }
    gal_text_docs docs;
    int rc = gal_stored_text_decode(pk->dctx, pk->ddict, rec, len, doc, &pk->decoded, &docs);
    for (uint32_t i = 0; i < docs.n && !rc; i++)
        rc = add_doc(pk, doc + i, pk->decoded.data + docs.off[i],
                     gal_deleted_has(pk->drop, doc + i) ? 0 : docs.len[i]);
    return rc;
}

int gal_text_repack_pump(gal_text_repacker *pk)
{
    int rc = take_finished(pk);
    /* a step sends at most one segment: with two slots free it never
     * waits for the threads */
    while (!rc && !pk->at_end && pk->nsent + 2 <= pk->nring)
        rc = step(pk);
    return rc;
}

static void release_packer(packer *pk)
{
    for (size_t i = 0; i < pk->nring; i++) {
        segment *s = &pk->ring[i];
        gal_buf_release(&s->text);
        gal_buf_release(&s->records);
        gal_free(s->doc_start);
        gal_free(s->off);
        gal_free(s->rec_doc);
    }
    gal_free(pk->ring);
    gal_buf_release(&pk->pend);
    gal_buf_release(&pk->block);
    gal_buf_release(&pk->decoded);
    gal_free(pk->pend_off);
    gal_free(pk->pend_doc);
    gal_queue_release(&pk->todo);
    pthread_mutex_destroy(&pk->mu);
    pthread_cond_destroy(&pk->done_cv);
    ZSTD_freeCDict(pk->cdict);
    ZSTD_freeDCtx(pk->dctx);
    gal_free(pk);
}

int gal_text_repack_finish(gal_text_repacker *pk, int ok)
{
    if (!pk)
        return 0;
    double t0 = gal_now_sec();
    int rc = 0;
    while (ok && !rc && !pk->at_end)
        rc = step(pk);
    if (ok && !rc)
        rc = drain(pk);
    if (pk->cur)
        mdb_cursor_close(pk->cur);
    /* stop the threads: what they still hold is dropped */
    gal_queue_close(&pk->todo);
    for (unsigned i = 0; i < pk->nthreads; i++)
        pthread_join(pk->tids[i], NULL);
    pk->stats->finish_sec = gal_now_sec() - t0;
    release_packer(pk);
    return rc;
}

int gal_text_repack_begin(MDB_txn *txn, MDB_dbi text, const ZSTD_DDict *ddict, uint32_t from_doc,
                          const gal_deleted_set *drop, const void *dict, size_t dict_len,
                          int level, unsigned threads, gal_text_put_fn put, void *ctx,
                          gal_text_repack_stats *stats, gal_text_repacker **out)
{
    *out = NULL;
    if (threads < 1)
        threads = 1;
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    packer *pk = gal_calloc(1, sizeof *pk);
    if (!pk)
        return gal_error_set(GAL_ENOMEM, "out of memory packing text");
    pk->level = level;
    pk->put = put;
    pk->ctx = ctx;
    pk->stats = stats;
    pk->ddict = ddict;
    pk->from_doc = from_doc;
    pk->drop = drop;
    gal_queue_init(&pk->todo);
    pthread_mutex_init(&pk->mu, NULL);
    pthread_cond_init(&pk->done_cv, NULL);
    gal_buf_init(&pk->pend);
    gal_buf_init(&pk->block);
    gal_buf_init(&pk->decoded);
    /* two segments a thread in flight, so none waits for the reader */
    pk->nring = 2 * (size_t)threads + 1;
    pk->cdict = dict && dict_len ? ZSTD_createCDict(dict, dict_len, level) : NULL;
    pk->dctx = ZSTD_createDCtx();
    int rc = 0;
    if (!(pk->ring = gal_calloc(pk->nring, sizeof *pk->ring)) || !pk->dctx ||
        (dict_len && !pk->cdict) || !(pk->pend_off = gal_calloc(1, sizeof *pk->pend_off)) ||
        !(pk->pend_doc = gal_calloc(1, sizeof *pk->pend_doc)))
        rc = gal_error_set(GAL_ENOMEM, "out of memory packing text");
    pk->pend_cap = 1;
    for (size_t i = 0; pk->ring && i < pk->nring; i++) {
        gal_buf_init(&pk->ring[i].text);
        gal_buf_init(&pk->ring[i].records);
    }
    for (; !rc && pk->nthreads < threads; pk->nthreads++)
        if (pthread_create(&pk->tids[pk->nthreads], NULL, pack_thread, pk))
            rc = gal_error_set(GAL_ENOMEM, "cannot start a text packing thread");
    int mrc = rc ? 0 : mdb_cursor_open(txn, text, &pk->cur);
    if (mrc)
        rc = db_error(mrc);
    if (rc) {
        gal_text_repack_finish(pk, 0);
        return rc;
    }
    *out = pk;
    return 0;
}
