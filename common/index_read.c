/*
 * index_read.c — the read side of the index (index.h) over store.h.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define ZSTD_STATIC_LINKING_ONLY /* a dictionary by reference */
#include <zstd.h>

#include "alloc.h"
#include "batch_table.h"
#include "chunk_cursor.h"
#include "doc_record.h"
#include "fault_guard.h"
#include "format.h"
#include "hash_blocks.h"
#include "id_table.h"
#include "index.h"
#include "postings_codec.h"
#include "record.h"
#include "status.h"
#include "store.h"
#include "stored_text.h"
#include "terms.h"

struct gal_index {
    gal_store *st;
    int borrowed; /* st belongs to the caller (gal_index_of_store) */
    pthread_mutex_t dict_lock;
    int dict_loaded;
    ZSTD_DDict *ddict; /* NULL when the index has no dictionary */
    unsigned long dict_remaps; /* the store's remaps when ddict was made */
};

/* One batch's docstats record, pointing into the map.  A query checks a
 * block of it (doc_record.h) when it first reads it, not the whole table
 * when the snapshot begins. */
enum { BLOCK_UNCHECKED = 0, BLOCK_OK, BLOCK_BAD };
typedef struct docstats_ref {
    uint32_t first_doc;
    uint32_t n;
    const uint8_t *data;
    uint8_t *block; /* a BLOCK_ state per block of the record */
} docstats_ref;

struct gal_snapshot {
    gal_index *ix;
    MDB_txn *txn;
    docstats_ref *batches;
    size_t nbatches;
    ZSTD_DCtx *dctx;
    uint64_t docs;
    const uint8_t *common; /* GAL_META_BIGRAM_WORDS: sorted u64 LE, in the map */
    size_t ncommon;
    size_t last_batch; /* find_batch's last answer: ranking asks in document order */
    /* The first damaged docstats record met, kept until gal_snapshot_status()
     * reports it: the accessors that read docstats return values, not a
     * status, and answer as for a document out of range meanwhile. */
    int docstats_rc;
    char docstats_error[160];
    uint8_t *block_state; /* every batch's block states, one allocation */
    gal_doc_block doc_block; /* the docs block read last (n = 0: none) */
    /* the group of stored texts decoded last (docs.n = 0: none): texts
     * asked for in document order decode each group once */
    gal_buf group_text;
    gal_text_docs group_docs;
    uint32_t group_first;
    gal_deleted_set deleted; /* once deleted_loaded */
    int deleted_loaded;
    /* load_docstats' cursor while it reads: a fault there (a damaged
     * page) jumps past its close, so gal_snapshot_end closes it */
    MDB_cursor *loading;
};

/* A chunk's positions are decoded one document's run at a time, for the
 * first RUNS_ONE_BY_ONE documents asked about, then all at once: a phrase
 * with a rarer word asks about a few documents of each chunk it meets (a
 * few positions each, out of hundreds or thousands), a phrase of frequent
 * words about most of them, where one pass over the chunk costs less.  A
 * chunk of at most RUNS_MIN_POSITIONS positions is decoded whole at once,
 * and so is the chunk after one where more documents were asked about: the
 * phrase's density carries over, chunk to chunk, both ways.  "Whole" is
 * the unpacking; a run's gaps become positions only when its document is
 * asked about (a run per document is a loop with a data-dependent exit:
 * for 128 short runs, most of a chunk's decoding time). */
#define RUNS_ONE_BY_ONE 8u
#define RUNS_MIN_POSITIONS 32u

/* A term's chunk directory: every chunk header of the term, with each
 * chunk's key and value (pointers into the map, which stay put for the
 * snapshot's read transaction).  The cursor then moves and seeks by the
 * directory, a search in memory, where it took a descent of the B-tree per
 * seek (two for one that lands inside a chunk): a phrase or an AND loads
 * the frequent word's chunk for each of the rarer word's documents.  The
 * walk that builds it costs about what a few seeks per hundred chunks do,
 * so a cursor builds it once its seeks through LMDB have cost about as
 * much (SEEKS_PER_DIR_CHUNK): an AND of a rare and a frequent word seeks a
 * few times and never walks the frequent word's chunks.  The headers are
 * peeked unverified, as a seek does; a loaded chunk, verified, must agree
 * with its entry.  Kept for terms of at most DIR_MAX_CHUNKS chunks (a
 * megabyte), so a prefix of many words stays small; a longer term seeks
 * through LMDB. */
typedef struct chunk_ref {
    uint32_t first, last; /* its first and last document */
    uint32_t bi;          /* its batch */
    gal_chunk_rec rec;
} chunk_ref;
#define DIR_MAX_CHUNKS 32768u
#define SEEKS_PER_DIR_CHUNK 64u

struct gal_postings {
    gal_snapshot *s;
    gal_chunk_cursor cur;
    uint64_t hash;
    int64_t df; /* -1 until computed */
    int started, done;
    size_t bi; /* batch of the current chunk (index into the snapshot's batches) */
    gal_chunk_view chunk;
    uint32_t docs[GAL_CHUNK_DOCS], tfs[GAL_CHUNK_DOCS];
    uint32_t idx;             /* current document within the chunk */
    int prefetch_lengths;     /* gal_postings_prefetch_lengths() */
    int have_offsets;         /* pos_off is filled in for this chunk */
    int have_stored;          /* all positions of this chunk are decoded as stored, */
    uint64_t run_ready[GAL_CHUNK_DOCS / 64]; /* and these documents' runs turned into positions */
    uint32_t run_idx;         /* else the one document whose run is, or UINT32_MAX */
    uint32_t asked;           /* documents of this chunk whose positions were asked for */
    uint32_t asked_idx;       /* the last of them */
    int dense;                /* the last chunk read had more than RUNS_ONE_BY_ONE asked */
    uint32_t pos_off[GAL_CHUNK_DOCS + 1]; /* document i's positions start here */
    size_t positions_cap;
    uint32_t *positions;
    char key_desc[48];
    chunk_ref *dir;   /* the term's chunks; NULL until built, or when not kept */
    size_t ndir;
    size_t dir_at;    /* the current chunk's entry, when dir is kept */
    int dir_tried;    /* build_dir() ran (whether or not it kept one) */
    uint64_t chunks;  /* the term's chunks, as the df pass reckons them */
    uint64_t seeks;   /* seeks through LMDB that loaded a chunk, and those */
    uint64_t expected; /* the caller expects (gal_postings_expect_seeks) */
};

int gal_index_open(const char *dir, gal_index **out)
{
    gal_index *ix = gal_calloc(1, sizeof *ix);
    if (!ix)
        return gal_error_set(GAL_ENOMEM, "out of memory opening '%s'", dir);
    int rc = gal_store_open(dir, GAL_STORE_READ, &ix->st);
    if (rc) {
        gal_free(ix);
        return rc;
    }
    pthread_mutex_init(&ix->dict_lock, NULL);
    *out = ix;
    return 0;
}

int gal_index_of_store(gal_store *st, gal_index **out)
{
    gal_index *ix = gal_calloc(1, sizeof *ix);
    if (!ix)
        return gal_error_set(GAL_ENOMEM, "out of memory");
    ix->st = st;
    ix->borrowed = 1;
    pthread_mutex_init(&ix->dict_lock, NULL);
    *out = ix;
    return 0;
}

void gal_index_close(gal_index *ix)
{
    if (!ix)
        return;
    ZSTD_freeDDict(ix->ddict);
    pthread_mutex_destroy(&ix->dict_lock);
    if (!ix->borrowed)
        gal_store_close(ix->st);
    gal_free(ix);
}

/* The states a record of n documents needs: one for each slice of each
 * block, block j's slice k at block[j * GAL_DOCSTATS_SLICES + k]. */
static size_t block_states(uint32_t n)
{
    return ((size_t)n / GAL_DOCSTATS_BLOCK + 1) * GAL_DOCSTATS_SLICES;
}

static int load_docstats(gal_snapshot *s)
{
    gal_store *st = s->ix->st;
    MDB_cursor *cur;
    int mrc = mdb_cursor_open(s->txn, st->docstats, &cur);
    if (mrc)
        return gal_store_error(st, mrc, "cannot read docstats of");
    s->loading = cur;
    size_t cap = 0;
    MDB_val k, v;
    int rc = 0;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != 4) {
            rc = gal_error_set(GAL_ECORRUPT, "corrupt index: docstats key of %zu bytes", k.mv_size);
            break;
        }
        docstats_ref ref = {gal_get_be32(k.mv_data), 0, v.mv_data, NULL};
        if ((rc = gal_docstats_peek(v.mv_data, v.mv_size, ref.first_doc, &ref.n)))
            break;
        if (s->nbatches == cap) {
            cap = cap ? cap * 2 : 16;
            docstats_ref *b = gal_realloc(s->batches, cap * sizeof *b);
            if (!b) {
                rc = gal_error_set(GAL_ENOMEM, "out of memory reading docstats");
                break;
            }
            s->batches = b;
        }
        s->batches[s->nbatches++] = ref;
    }
    if (!rc && mrc != MDB_NOTFOUND)
        rc = gal_store_error(st, mrc, "cannot read docstats of");
    mdb_cursor_close(cur);
    s->loading = NULL;
    size_t nstates = 0;
    for (size_t i = 0; i < s->nbatches; i++)
        nstates += block_states(s->batches[i].n);
    if (!rc && !(s->block_state = gal_calloc(nstates + 1, 1)))
        rc = gal_error_set(GAL_ENOMEM, "out of memory reading docstats");
    for (size_t i = 0, at = 0; !rc && i < s->nbatches; i++) {
        s->batches[i].block = s->block_state + at;
        at += block_states(s->batches[i].n);
    }
    return rc;
}

static int snapshot_begin(gal_index *ix, gal_snapshot **out)
{
    gal_snapshot *s = gal_calloc(1, sizeof *s);
    *out = s; /* at once, for gal_snapshot_begin to end it after a fault */
    if (!s)
        return gal_error_set(GAL_ENOMEM, "out of memory");
    s->ix = ix;
    int rc = gal_store_txn_begin(ix->st, 1, &s->txn);
    if (!rc)
        rc = gal_meta_get_u64(ix->st, s->txn, GAL_META_DOCS, &s->docs);
    if (!rc)
        rc = load_docstats(s);
    if (!rc) {
        const void *p;
        size_t n;
        rc = gal_meta_get_bytes(ix->st, s->txn, GAL_META_BIGRAM_WORDS, &p, &n);
        if (!rc && n % 8)
            rc = gal_error_set(GAL_ECORRUPT, "corrupt index: meta '%s' has %zu bytes",
                               GAL_META_BIGRAM_WORDS, n);
        s->common = p;
        s->ncommon = n / 8;
    }
    if (rc) {
        gal_snapshot_end(s);
        *out = NULL;
        return rc;
    }
    return 0;
}

typedef struct snapshot_start {
    gal_index *ix;
    gal_snapshot **out;
} snapshot_start;

static int start_snapshot(void *arg)
{
    snapshot_start *a = arg;
    return snapshot_begin(a->ix, a->out);
}

int gal_snapshot_begin(gal_index *ix, gal_snapshot **out)
{
    /* the first reads of every command that searches or prints an index
     * (the document count, each batch's document statistics, the bigram
     * words) follow pages nothing has checked yet: under the fault guard,
     * a damaged one ends the command as corruption, not with a signal */
    snapshot_start a = {ix, out};
    int sig, rc = gal_fault_call(start_snapshot, &a, &sig);
    if (sig) {
        gal_snapshot_end(*out);
        *out = NULL;
        rc = gal_error_set(GAL_ECORRUPT, "index '%s' is corrupt: an LMDB page of its metadata "
                           "or document statistics is damaged (signal %d while reading it); "
                           "'galley verify %s' says more", ix->st->dir, sig, ix->st->dir);
    }
    return rc;
}

void gal_snapshot_end(gal_snapshot *s)
{
    if (!s)
        return;
    if (s->loading)
        mdb_cursor_close(s->loading);
    if (s->txn)
        mdb_txn_abort(s->txn);
    ZSTD_freeDCtx(s->dctx);
    gal_free(s->batches);
    gal_free(s->block_state);
    gal_doc_block_release(&s->doc_block);
    gal_buf_release(&s->group_text);
    gal_deleted_release(&s->deleted);
    gal_free(s);
}

int gal_snapshot_deleted(gal_snapshot *s, const gal_deleted_set **out)
{
    *out = NULL;
    if (!s->deleted_loaded) {
        uint32_t n = s->docs > UINT32_MAX ? UINT32_MAX : (uint32_t)s->docs;
        int rc = gal_deleted_load(s->ix->st, s->txn, n, &s->deleted);
        if (rc)
            return rc;
        s->deleted_loaded = 1;
    }
    if (s->deleted.count)
        *out = &s->deleted;
    return 0;
}

int gal_snapshot_stats(gal_snapshot *s, gal_index_stats *out)
{
    gal_store *st = s->ix->st;
    gal_index_stats r;
    uint64_t fmt, tok, rules;
    int rc;
    memset(&r, 0, sizeof r);
    if ((rc = gal_meta_get_u64(st, s->txn, GAL_META_DOCS, &r.docs)) ||
        (rc = gal_meta_get_u64(st, s->txn, GAL_META_TOKENS, &r.tokens)) ||
        (rc = gal_meta_get_u64(st, s->txn, GAL_META_TERMS, &r.terms)) ||
        (rc = gal_meta_get_u64(st, s->txn, GAL_META_RAW_BYTES, &r.raw_bytes)) ||
        (rc = gal_meta_get_u64(st, s->txn, GAL_META_BATCHES, &r.batches)) ||
        (rc = gal_meta_get_u64(st, s->txn, GAL_META_COLLISIONS, &r.collisions)) ||
        (rc = gal_meta_get_u64(st, s->txn, GAL_META_PURGED, &r.purged)) ||
        (rc = gal_meta_get_u64(st, s->txn, GAL_META_FORMAT, &fmt)) ||
        (rc = gal_meta_get_u64(st, s->txn, GAL_META_TOKENIZER, &tok)) ||
        (rc = gal_meta_get_u64(st, s->txn, GAL_META_ENTITY_RULES, &rules)))
        return rc;
    r.format_version = (uint32_t)fmt;
    r.tokenizer_version = (uint32_t)tok;
    r.entity_rules_version = (uint32_t)rules;
    if (r.purged > r.docs)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: meta counts %llu purged documents "
                             "of %llu", (unsigned long long)r.purged, (unsigned long long)r.docs);
    uint64_t n = gal_stats_bm25_docs(&r);
    r.avg_doc_tokens = n ? (double)r.tokens / (double)n : 0.0;
    *out = r;
    return 0;
}

int gal_snapshot_origin(gal_snapshot *s, gal_index_origin *out)
{
    gal_store *st = s->ix->st;
    gal_index_origin r = {0, 0, 0};
    int rc;
    if ((rc = gal_meta_get_u64(st, s->txn, GAL_META_RUN_FIRST_FILE, &r.run_first_file)) ||
        (rc = gal_meta_get_shard(st, s->txn, &r.shard_k, &r.shard_n)))
        return rc;
    *out = r;
    return 0;
}

int gal_snapshot_doc(gal_snapshot *s, uint32_t doc, gal_doc_info *out)
{
    int rc = gal_doc_block_at(s->txn, s->ix->st->docs, doc, &s->doc_block);
    if (rc == 1)
        return gal_error_set(GAL_ENOTFOUND, "no document %u in '%s'", doc, s->ix->st->dir);
    if (rc)
        return rc;
    const gal_doc_fields *f;
    if ((rc = gal_doc_block_get(&s->doc_block, doc - s->doc_block.first_doc, &f)))
        return rc;
    out->doc = doc;
    out->id = f->id;
    out->id_len = f->id_len;
    out->title_len = f->title_len;
    out->date = f->date;
    out->date_len = f->date_len;
    out->url = f->url;
    out->url_len = f->url_len;
    /* the rest from docstats, which answer 0 for a damaged record and keep
     * the error for gal_snapshot_status() */
    out->date_sec = gal_snapshot_doc_date(s, doc);
    out->tokens = gal_snapshot_doc_tokens(s, doc);
    out->title_tokens = gal_snapshot_doc_title_tokens(s, doc);
    if ((rc = gal_snapshot_status(s)))
        return rc;
    out->source = "";
    out->source_len = 0;
    out->file_no = f->file_no;
    uint8_t fkey[4];
    gal_put_be32(fkey, f->file_no);
    MDB_val fk = {4, fkey}, fv;
    int mrc = mdb_get(s->txn, s->ix->st->files, &fk, &fv);
    if (mrc == 0 && fv.mv_size > GAL_FILE_PATH_MAX)
        return gal_error_set(GAL_ECORRUPT, "corrupt index '%s': input file %u's path of %zu bytes",
                             s->ix->st->dir, f->file_no, fv.mv_size);
    if (mrc == 0) {
        out->source = fv.mv_data;
        out->source_len = fv.mv_size;
    } else if (mrc != MDB_NOTFOUND) {
        /* a damaged page: reported now, as the transaction is no longer
         * good for anything after it (LMDB answers MDB_BAD_TXN) */
        return gal_store_error(s->ix->st, mrc, "cannot read the input files of");
    }
    return 0;
}

int gal_snapshot_files(gal_snapshot *s, gal_file_fn fn, void *ctx)
{
    gal_store *st = s->ix->st;
    MDB_cursor *cur;
    int mrc = mdb_cursor_open(s->txn, st->files, &cur);
    if (mrc)
        return gal_store_error(st, mrc, "cannot read the input files of");
    MDB_val k, v;
    int rc = 0;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0 && !rc;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != 4)
            rc = gal_error_set(GAL_ECORRUPT, "corrupt index '%s': a files key of %zu bytes", st->dir,
                               k.mv_size);
        else if (v.mv_size > GAL_FILE_PATH_MAX)
            rc = gal_error_set(GAL_ECORRUPT, "corrupt index '%s': input file %u's path of %zu bytes",
                               st->dir, gal_get_be32(k.mv_data), v.mv_size);
        else
            rc = fn(ctx, gal_get_be32(k.mv_data), v.mv_data, v.mv_size);
    }
    if (!rc && mrc != MDB_NOTFOUND)
        rc = gal_store_error(st, mrc, "cannot read the input files of");
    mdb_cursor_close(cur);
    return rc;
}

/* Whether slice k's part of the block of b's record that holds doc is
 * sound, checked the first time it is read; a damaged one is kept as the
 * snapshot's error. */
static int block_ok(gal_snapshot *s, const docstats_ref *b, uint32_t doc, unsigned k)
{
    uint32_t j = (doc - b->first_doc) / GAL_DOCSTATS_BLOCK;
    uint8_t *state = &b->block[j * GAL_DOCSTATS_SLICES + k];
    if (*state != BLOCK_UNCHECKED)
        return *state == BLOCK_OK;
    int rc = gal_docstats_check_slice(b->data, b->n, b->first_doc, j, k);
    *state = rc ? BLOCK_BAD : BLOCK_OK;
    if (rc && !s->docstats_rc) {
        s->docstats_rc = rc;
        snprintf(s->docstats_error, sizeof s->docstats_error, "%s", gal_error_detail(rc));
    }
    return !rc;
}

int gal_snapshot_status(const gal_snapshot *s)
{
    if (!s->docstats_rc)
        return 0;
    return gal_error_set(s->docstats_rc, "%s", s->docstats_error);
}

/* The batch that holds doc, or NULL: its record's block is not checked,
 * which only a prefetch may skip. */
static docstats_ref *locate_batch(gal_snapshot *s, uint32_t doc)
{
    if (s->last_batch < s->nbatches) {
        docstats_ref *b = &s->batches[s->last_batch];
        if (doc - b->first_doc < b->n)
            return b;
    }
    size_t lo = 0, hi = s->nbatches;
    while (lo < hi) { /* last batch with first_doc <= doc */
        size_t mid = lo + (hi - lo) / 2;
        if (s->batches[mid].first_doc <= doc)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || doc - s->batches[lo - 1].first_doc >= s->batches[lo - 1].n)
        return NULL;
    s->last_batch = lo - 1;
    return &s->batches[lo - 1];
}

static const docstats_ref *find_batch_slow(gal_snapshot *s, uint32_t doc, unsigned k)
{
    const docstats_ref *b = locate_batch(s, doc);
    return b && block_ok(s, b, doc, k) ? b : NULL;
}

/* The batch that holds doc, whose slice k of the record is sound for doc's
 * block; NULL when there is none or that part is damaged.  Inline for the
 * common case, a document of the batch and block asked about last (every
 * document ranked asks for its length, a title-scoped one for its title's
 * too). */
static inline const docstats_ref *find_batch(gal_snapshot *s, uint32_t doc, unsigned k)
{
    if (s->last_batch < s->nbatches) {
        const docstats_ref *b = &s->batches[s->last_batch];
        uint32_t i = doc - b->first_doc;
        if (i < b->n && b->block[i / GAL_DOCSTATS_BLOCK * GAL_DOCSTATS_SLICES + k] == BLOCK_OK)
            return b;
    }
    return find_batch_slow(s, doc, k);
}

uint32_t gal_snapshot_doc_tokens(gal_snapshot *s, uint32_t doc)
{
    const docstats_ref *b = find_batch(s, doc, GAL_DOCSTATS_TOKENS);
    return b ? gal_docstats_tokens(b->data, doc - b->first_doc) : 0;
}

void gal_snapshot_prefetch_doc_tokens(gal_snapshot *s, uint32_t doc)
{
    const docstats_ref *b = locate_batch(s, doc);
    if (b)
        gal_docstats_prefetch_tokens(b->data, doc - b->first_doc);
}

void gal_snapshot_doc_tokens_many(gal_snapshot *s, const uint32_t *docs, size_t n, uint32_t *out)
{
    size_t i = 0;
    while (i < n) {
        const docstats_ref *b = find_batch(s, docs[i], GAL_DOCSTATS_TOKENS);
        if (!b) {
            out[i++] = 0;
            continue;
        }
        /* find_batch checked docs[i]'s block: read the rest of it in one
         * loop, with the batch in locals (out[] might alias it) */
        uint32_t first = b->first_doc;
        unsigned width;
        const uint8_t *lengths = gal_docstats_tokens_slice(b->data, &width);
        uint32_t end = ((docs[i] - first) / GAL_DOCSTATS_BLOCK + 1) * GAL_DOCSTATS_BLOCK;
        if (end > b->n)
            end = b->n;
        /* a loop per width: ranking a frequent word reads a length per
         * document (a width asked of each one cost "the" 6 %) */
        if (width == 2)
            for (; i < n && docs[i] - first < end; i++)
                out[i] = gal_docstats_entry(lengths, 2, docs[i] - first);
        else if (width == 4)
            for (; i < n && docs[i] - first < end; i++)
                out[i] = gal_docstats_entry(lengths, 4, docs[i] - first);
        else
            for (; i < n && docs[i] - first < end; i++)
                out[i] = gal_docstats_entry(lengths, 1, docs[i] - first);
    }
}

static int is_common(const gal_snapshot *s, uint64_t hash)
{
    size_t lo = 0, hi = s->ncommon;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (gal_get_le64(s->common + 8 * mid) < hash)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->ncommon && gal_get_le64(s->common + 8 * lo) == hash;
}

int gal_snapshot_bigram(gal_snapshot *s, uint64_t first, uint64_t second, uint64_t *bigram)
{
    if (!is_common(s, first) || !is_common(s, second))
        return 0;
    *bigram = gal_bigram_hash(first, second);
    return 1;
}

uint32_t gal_snapshot_doc_title_tokens(gal_snapshot *s, uint32_t doc)
{
    const docstats_ref *b = find_batch(s, doc, GAL_DOCSTATS_TITLES);
    return b ? gal_docstats_title_tokens(b->data, b->n, doc - b->first_doc) : 0;
}

int64_t gal_snapshot_doc_date(gal_snapshot *s, uint32_t doc)
{
    const docstats_ref *b = find_batch(s, doc, GAL_DOCSTATS_DATES);
    return b ? gal_docstats_date(b->data, b->n, doc - b->first_doc) : GAL_NO_DATE;
}

int gal_snapshot_find_id(gal_snapshot *s, const char *id, size_t len, uint32_t *doc)
{
    if (len == 0)
        return gal_error_set(GAL_ENOTFOUND, "no document with an empty id");
    gal_hblock_reader r;
    int rc = gal_hblock_open(&r, s->txn, s->ix->st->ids, GAL_DB_IDS);
    uint64_t hash = gal_id_hash(id, len);
    /* each batch keeps its own ids: the earliest batch that has it wins */
    for (uint64_t batch = 0; !rc && !(rc = gal_hblock_find_from(&r, &batch, hash)); batch++) {
        gal_id_docs d;
        gal_id_docs_open(&d, r.rec, r.len, r.batch);
        uint32_t cand;
        int more;
        while (!rc && (more = gal_id_docs_next(&d, &cand)) == 0) {
            gal_doc_info info = {0};
            if ((rc = gal_snapshot_doc(s, cand, &info)) == GAL_ENOTFOUND)
                rc = gal_error_set(GAL_ECORRUPT, "corrupt index: ids name document %u, which "
                                   "has no record", cand);
            if (!rc && info.id_len == len && !memcmp(info.id, id, len)) {
                const gal_deleted_set *del;
                if ((rc = gal_snapshot_deleted(s, &del)))
                    break;
                if (gal_deleted_has(del, cand))
                    continue; /* replaced or deleted: a later batch may have it */
                gal_hblock_close(&r);
                *doc = cand;
                return 0;
            }
        }
        if (!rc && more < 0)
            rc = gal_error_set(GAL_ECORRUPT, "corrupt index: ids record %016llx of batch %u is "
                               "malformed", (unsigned long long)hash, r.batch);
    }
    gal_hblock_close(&r);
    return rc < 0 ? rc : gal_error_set(GAL_ENOTFOUND, "no document with id '%.*s'", (int)len, id);
}

static int load_dict(gal_snapshot *s)
{
    gal_index *ix = s->ix;
    unsigned long remaps = __atomic_load_n(&ix->st->remaps, __ATOMIC_ACQUIRE);
    int rc = 0;
    pthread_mutex_lock(&ix->dict_lock);
    if (ix->dict_loaded && ix->dict_remaps != remaps) {
        /* the map moved since (with no snapshot open): ddict points into
         * the old one */
        ZSTD_freeDDict(ix->ddict);
        ix->ddict = NULL;
        ix->dict_loaded = 0;
    }
    if (!ix->dict_loaded) {
        const void *p;
        size_t n;
        rc = gal_meta_get_zdict(ix->st, s->txn, &p, &n);
        /* By reference into the map, not copied: the record is written
         * once and never changed in place (optimize writes another file,
         * and a process that has this one open keeps its map), so its
         * bytes stay where they are until the map moves.  A copy cost a
         * `galley query` 2.6 of its 10 ms with an optimized index's 3.6 MB
         * dictionary. */
        if (!rc && p && !(ix->ddict = ZSTD_createDDict_byReference(p, n)))
            rc = gal_error_set(GAL_ECORRUPT, "corrupt index: bad zstd dictionary in '%s'",
                               ix->st->dir);
        /* A snapshot older than the dictionary has no dict-compressed text,
         * so loading it later (or never) is safe. */
        if (!rc && p) {
            ix->dict_loaded = 1;
            ix->dict_remaps = remaps;
        }
    }
    pthread_mutex_unlock(&ix->dict_lock);
    return rc;
}

/* Document doc's text, the (doc - first)th of the decoded group in s, to out. */
static int text_of_group(const gal_snapshot *s, uint32_t doc, gal_buf *out)
{
    const gal_text_docs *g = &s->group_docs;
    gal_buf_clear(out);
    return gal_buf_append(out, s->group_text.data + g->off[doc - s->group_first],
                          g->len[doc - s->group_first]);
}

int gal_snapshot_text(gal_snapshot *s, uint32_t doc, gal_buf *out)
{
    if (doc - s->group_first < s->group_docs.n)
        return text_of_group(s, doc, out);
    int rc = load_dict(s);
    if (rc)
        return rc;
    if (!s->dctx && !(s->dctx = ZSTD_createDCtx()))
        return gal_error_set(GAL_ENOMEM, "out of memory for zstd");
    MDB_val v;
    uint32_t first;
    rc = gal_doc_block_find(s->txn, s->ix->st->text, GAL_DB_TEXT, doc, &v, &first);
    if (rc == 1)
        return gal_error_set(GAL_ENOTFOUND, "no stored text for document %u", doc);
    if (rc)
        return rc;
    gal_text_block b;
    if ((rc = gal_text_block_open(v.mv_data, v.mv_size, first, &b)))
        return rc;
    const uint8_t *rec;
    size_t len;
    uint32_t at, n;
    while (!gal_text_block_next(&b, &rec, &len, &at, &n)) {
        if (doc - at >= n)
            continue;
        if (n == 1) { /* one document: decoded straight into out */
            gal_text_docs one;
            return gal_stored_text_decode(s->dctx, s->ix->ddict, rec, len, at, out, &one);
        }
        s->group_docs.n = 0;
        if ((rc = gal_stored_text_decode(s->dctx, s->ix->ddict, rec, len, at, &s->group_text,
                                         &s->group_docs)))
            return rc;
        s->group_first = at;
        if (doc - at >= s->group_docs.n) /* cannot be: the count was read from the record */
            break;
        return text_of_group(s, doc, out);
    }
    return gal_error_set(GAL_ENOTFOUND, "no stored text for document %u", doc);
}

int gal_snapshot_term(gal_snapshot *s, uint64_t hash, const char **term, size_t *len)
{
    gal_hblock_reader r;
    int rc = gal_hblock_open(&r, s->txn, s->ix->st->lexicon, GAL_DB_LEXICON);
    uint64_t batch = 0;
    if (!rc)
        rc = gal_hblock_find_from(&r, &batch, hash);
    gal_hblock_close(&r);
    if (rc == 1)
        return gal_error_set(GAL_ENOTFOUND, "term not in the lexicon");
    if (rc)
        return rc;
    *term = (const char *)r.rec; /* in the map: valid for the snapshot */
    *len = r.len;
    return 0;
}

/* A vocab record for gal_snapshot_terms_with_prefix's fn. */
typedef struct prefix_walk {
    gal_term_fn fn;
    void *ctx;
} prefix_walk;

static int vocab_term(void *vctx, uint32_t batch, const MDB_val *k, const MDB_val *v)
{
    (void)batch;
    prefix_walk *w = vctx;
    if (v->mv_size != 8)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: vocab record of %zu bytes", v->mv_size);
    return w->fn(w->ctx, (const char *)k->mv_data + 4, k->mv_size - 4, gal_get_be64(v->mv_data));
}

int gal_snapshot_terms_with_prefix(gal_snapshot *s, const char *prefix, size_t len, gal_term_fn fn,
                                   void *ctx)
{
    if (len > GAL_BATCH_KEY_REST_MAX)
        return 0; /* longer than any term */
    /* each batch holds the terms it added, in order: merged as fn asks */
    prefix_walk w = {fn, ctx};
    return gal_batch_each_prefixed(s->txn, s->ix->st->vocab, prefix, len, vocab_term, &w);
}

/* ---- postings cursor ---- */

/* "term %016llx doc %u" into out, the name errors give a chunk: written by
 * hand, since every chunk loaded needs one and snprintf cost about as much
 * as decoding a chunk's documents.  The term's part is the same for all of
 * a cursor's chunks: describe_term() writes it once, describe_doc() the
 * rest for each chunk. */
static void describe_term(char out[48], uint64_t hash)
{
    static const char hex[] = "0123456789abcdef";
    memcpy(out, "term ", 5);
    for (int i = 0; i < 16; i++)
        out[5 + i] = hex[(hash >> (60 - 4 * i)) & 15];
    memcpy(out + 21, " doc ", 5);
}

static void describe_doc(char out[48], uint32_t first)
{
    gal_put_decimal(out + 26, first);
}

static void describe_chunk(char out[48], uint64_t hash, uint32_t first)
{
    describe_term(out, hash);
    describe_doc(out, first);
}

int gal_postings_open(gal_snapshot *s, uint64_t hash, gal_postings **out)
{
    gal_postings *p = gal_calloc(1, sizeof *p);
    if (!p)
        return gal_error_set(GAL_ENOMEM, "out of memory");
    int mrc = gal_chunk_cursor_open(&p->cur, s->txn, s->ix->st->postings);
    if (mrc) {
        gal_free(p);
        return gal_store_error(s->ix->st, mrc, "cannot read postings of");
    }
    p->s = s;
    p->hash = hash;
    p->df = -1;
    describe_term(p->key_desc, hash);
    *out = p;
    return 0;
}

void gal_postings_close(gal_postings *p)
{
    if (!p)
        return;
    gal_chunk_cursor_close(&p->cur);
    gal_free(p->positions);
    gal_free(p->dir);
    gal_free(p);
}

/* Is r a chunk of this term in batch bi? */
static int key_in_batch(const gal_postings *p, size_t bi, const gal_chunk_rec *r)
{
    return gal_get_be32(r->key) == p->s->batches[bi].first_doc &&
           gal_get_be64(r->key + 4) == p->hash;
}

/* Parse and decode chunk r. */
static int load_chunk(gal_postings *p, const gal_chunk_rec *r)
{
    uint32_t first = gal_get_be32(r->key + 12);
    describe_doc(p->key_desc, first);
    int rc = gal_chunk_parse_rec(r, &p->chunk, p->key_desc);
    if (!rc && p->chunk.ndocs > GAL_CHUNK_DOCS)
        rc = gal_error_set(GAL_ECORRUPT, "corrupt index: postings record %s holds %u documents",
                           p->key_desc, p->chunk.ndocs);
    if (!rc)
        rc = gal_chunk_decode_docs(&p->chunk, p->docs, p->tfs, p->key_desc);
    if (rc)
        return rc;
    /* Ranking reads each document's length next, one cache miss apiece in
     * a table of 4 bytes per document (most of a single word's query time
     * on a million documents): ask for the chunk's lengths at once, so
     * that the misses overlap instead of coming one by one.  Only when
     * asked: a cursor that an AND or a phrase skips through would pay for
     * lengths it never reads. */
    const docstats_ref *b = p->prefetch_lengths ? locate_batch(p->s, p->docs[0]) : NULL;
    for (uint32_t i = 0; b && i < p->chunk.ndocs && p->docs[i] - b->first_doc < b->n; i++)
        gal_docstats_prefetch_tokens(b->data, p->docs[i] - b->first_doc);
    if (p->have_offsets) /* the chunk left behind tells how dense the phrase is */
        p->dense = p->asked > RUNS_ONE_BY_ONE;
    p->idx = 0;
    p->have_offsets = 0;
    p->have_stored = 0;
    return 0;
}

/* Load the chunk of directory entry j; 1, or a negative status. */
static int load_dir(gal_postings *p, size_t j)
{
    const chunk_ref *e = &p->dir[j];
    p->bi = e->bi;
    p->dir_at = j;
    int rc = load_chunk(p, &e->rec);
    if (!rc && (p->chunk.first_doc != e->first || p->chunk.last_doc != e->last))
        rc = gal_error_set(GAL_ECORRUPT,
                           "corrupt index: postings record %s differs from its header as read",
                           p->key_desc);
    return rc ? rc : 1;
}

/* Load the first chunk whose last document is >= target, from the entry
 * after the current one (or the first); 0 and done when there is none. */
static int dir_seek(gal_postings *p, uint32_t target)
{
    size_t lo = p->started ? p->dir_at + 1 : 0, n = p->ndir;
    p->started = 1;
    /* gallop: the chunk wanted is most often the next one */
    size_t step = 1, hi = lo;
    while (hi < n && p->dir[hi].last < target) {
        lo = hi + 1;
        hi += step;
        step *= 2;
    }
    if (hi > n)
        hi = n;
    while (lo < hi) { /* the first in [lo, hi) with last >= target */
        size_t mid = lo + (hi - lo) / 2;
        if (p->dir[mid].last < target)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == n) {
        p->done = 1;
        return 0;
    }
    return load_dir(p, lo);
}

/* An LMDB code, or the gal_status a chunk cursor returned (a damaged
 * block). */
static int cursor_error(const gal_postings *p, int mrc)
{
    return gal_is_status(mrc) ? mrc : gal_store_error(p->s->ix->st, mrc, "cannot read postings of");
}

/* Position the cursor on the first chunk of this term in batch bi whose
 * first document is >= doc.  Returns 1 (r set), 0 when the batch has none,
 * or a negative status.  *past_end is set when the cursor ran off the end
 * of the table (it is then unpositioned). */
static int chunk_from_at(gal_postings *p, size_t bi, uint32_t doc, gal_chunk_rec *r,
                         int *past_end)
{
    uint8_t key[GAL_POSTINGS_KEY_LEN];
    gal_postings_key(key, p->s->batches[bi].first_doc, p->hash, doc);
    int mrc = gal_chunk_cursor_get(&p->cur, r, MDB_SET_RANGE, key);
    *past_end = mrc == MDB_NOTFOUND;
    if (mrc == MDB_NOTFOUND)
        return 0;
    if (mrc)
        return cursor_error(p, mrc);
    return key_in_batch(p, bi, r);
}

static int chunk_from(gal_postings *p, size_t bi, uint32_t doc, gal_chunk_rec *r)
{
    int past_end;
    return chunk_from_at(p, bi, doc, r, &past_end);
}

/* Load the first chunk of this term in batch bi or a later one; sets done
 * when there is none.  Returns 1 or 0, or a negative status. */
static int first_chunk_from_batch(gal_postings *p, size_t bi)
{
    for (; bi < p->s->nbatches; bi++) {
        gal_chunk_rec c;
        int r = chunk_from(p, bi, 0, &c);
        if (r < 0)
            return r;
        if (r == 1) {
            p->bi = bi;
            int rc = load_chunk(p, &c);
            return rc ? rc : 1;
        }
    }
    p->done = 1;
    return 0;
}

/* The directory entry of chunk r of batch bi, from its header (peeked,
 * unverified): *nd gets its document count, *run the run count it carries.
 * 0, or -1 when the header cannot be read or its documents run past the
 * last document number; *e then still names the chunk, with bi
 * UINT32_MAX. */
static int chunk_entry(const gal_chunk_rec *r, size_t bi, chunk_ref *e, uint32_t *nd,
                       uint32_t *run)
{
    uint32_t first = gal_get_be32(r->key + 12), span = 0;
    int ok = gal_chunk_peek(r->data, r->len, nd, &span, run) == 0 &&
             (uint64_t)first + span <= UINT32_MAX;
    *e = (chunk_ref){first, ok ? first + span : first, ok ? (uint32_t)bi : UINT32_MAX, *r};
    return ok ? 0 : -1;
}

/* Walk every chunk of this term, batch by batch, and keep their headers as
 * the term's directory when it has none (and memory allows).  The cursor
 * used is a fresh one, so p's position is kept. */
static int walk_chunks(gal_postings *p)
{
    gal_chunk_cursor *cur = gal_malloc(sizeof *cur);
    if (!cur)
        return 0; /* no directory */
    int mrc = gal_chunk_cursor_open(cur, p->s->txn, p->s->ix->st->postings);
    if (mrc) {
        gal_free(cur);
        return cursor_error(p, mrc);
    }
    int rc = 0, keep = !p->dir;
    chunk_ref *dir = NULL;
    size_t ndir = 0, dir_cap = 0;
    for (size_t bi = 0; bi < p->s->nbatches && !rc && keep; bi++) {
        uint8_t key[GAL_POSTINGS_KEY_LEN];
        gal_postings_key(key, p->s->batches[bi].first_doc, p->hash, 0);
        gal_chunk_rec c;
        for (mrc = gal_chunk_cursor_get(cur, &c, MDB_SET_RANGE, key);
             mrc == 0 && key_in_batch(p, bi, &c); mrc = gal_chunk_cursor_get(cur, &c, MDB_NEXT, NULL)) {
            chunk_ref e;
            uint32_t nd, run;
            /* an unreadable header, or too many chunks: no directory */
            keep = chunk_entry(&c, bi, &e, &nd, &run) == 0 && ndir < DIR_MAX_CHUNKS &&
                   !gal_grow((void **)&dir, &dir_cap, ndir + 1, sizeof *dir, 64);
            if (!keep)
                break;
            dir[ndir++] = e;
        }
        if (keep && mrc && mrc != MDB_NOTFOUND)
            rc = cursor_error(p, mrc);
    }
    gal_chunk_cursor_close(cur);
    gal_free(cur);
    if (!rc && keep) {
        p->dir = dir;
        p->ndir = ndir;
    } else {
        gal_free(dir);
    }
    return rc;
}

/* Build the directory, once; when the cursor has a chunk loaded, find its
 * entry (the cursor keeps going from there by the directory). */
static void build_dir(gal_postings *p)
{
    p->dir_tried = 1;
    if (p->df >= 0 && p->chunks > DIR_MAX_CHUNKS) /* the walk would give up at the end */
        return;
    if (walk_chunks(p) || !p->dir || !p->started || p->done)
        return;
    size_t lo = 0, hi = p->ndir;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->dir[mid].first < p->chunk.first_doc)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < p->ndir && p->dir[lo].first == p->chunk.first_doc && p->dir[lo].bi == p->bi) {
        p->dir_at = lo;
        return;
    }
    gal_free(p->dir); /* the table holds a chunk the walk did not see: do without */
    p->dir = NULL;
    p->ndir = 0;
}

/* The documents of this term in batch bi, which its last chunk there
 * carries (0 when the batch has none, or the header cannot be read: the
 * chunk's checksum then tells when it is loaded).  Returns 1 when the batch
 * has a chunk of the term, leaving the cursor on its last one, described in
 * *last (whose bi is UINT32_MAX when its header cannot be read) with its
 * own document count in *nd; 0 when it has none, or a negative status.
 * The last chunk is the one before the first key past the term's in the
 * batch. */
static int batch_docs(gal_postings *p, gal_chunk_cursor *cur, size_t bi, uint32_t *n,
                      chunk_ref *last, uint32_t *nd)
{
    uint8_t key[GAL_POSTINGS_KEY_LEN];
    gal_postings_key(key, p->s->batches[bi].first_doc, p->hash, UINT32_MAX);
    gal_chunk_rec c;
    *n = 0;
    /* no chunk starts at document UINT32_MAX (chunk_blocks.h): the chunk
     * found is past the term's, and the one before it its last */
    int mrc = gal_chunk_cursor_get(cur, &c, MDB_SET_RANGE, key);
    if (mrc == MDB_NOTFOUND)
        mrc = gal_chunk_cursor_get(cur, &c, MDB_LAST, NULL);
    else if (mrc == 0)
        mrc = gal_chunk_cursor_get(cur, &c, MDB_PREV, NULL);
    if (mrc == MDB_NOTFOUND || (mrc == 0 && !key_in_batch(p, bi, &c)))
        return 0;
    if (mrc)
        return cursor_error(p, mrc);
    if (chunk_entry(&c, bi, last, nd, n))
        *n = 0;
    return 1;
}

/* Append batch bi's chunks of the term to the directory being gathered:
 * last (under the cursor, holding nd of the run's run documents), and
 * before it, stepping back, the rest.  0 when they do not add up to the
 * run or a header cannot be read (no directory then), 1 when appended. */
static int gather_run(gal_postings *p, gal_chunk_cursor *cur, size_t bi, const chunk_ref *last,
                      uint32_t nd, uint32_t run, chunk_ref **dir, size_t *ndir, size_t *cap)
{
    size_t start = *ndir;
    uint64_t docs = nd;
    gal_chunk_rec c;
    if (gal_grow((void **)dir, cap, *ndir + 1, sizeof **dir, 64))
        return 0;
    (*dir)[(*ndir)++] = *last; /* gathered backwards, reversed below */
    while (docs < run && gal_chunk_cursor_get(cur, &c, MDB_PREV, NULL) == 0 &&
           key_in_batch(p, bi, &c)) {
        chunk_ref e;
        uint32_t n, carried;
        if (chunk_entry(&c, bi, &e, &n, &carried) || carried || *ndir >= DIR_MAX_CHUNKS ||
            gal_grow((void **)dir, cap, *ndir + 1, sizeof **dir, 64))
            return 0;
        (*dir)[(*ndir)++] = e;
        docs += n;
    }
    if (docs != run)
        return 0;
    for (size_t i = start, j = *ndir - 1; i < j; i++, j--) {
        chunk_ref t = (*dir)[i];
        (*dir)[i] = (*dir)[j];
        (*dir)[j] = t;
    }
    return 1;
}

/* The df pass: the sum over batches of the documents each batch's last
 * chunk of the term carries, two steps of a cursor per batch however
 * frequent the term (the chunks themselves are walked only to build the
 * directory).  Also reckons the term's chunks (all but a batch's last hold
 * GAL_CHUNK_DOCS documents); and while they are few (at most
 * DF_DIR_CHUNKS), steps back over each batch's run to gather them as the
 * directory: a rarer word's cursor then moves in memory from the start.
 * With verify, for an exact count: the chunks that carry the counts are
 * read with their checksums checked (a damaged chunk before one of them
 * does not change the count; reading its documents finds it). */
#define DF_DIR_CHUNKS 256u

/* The document count a batch's last chunk of the term carries, read with
 * its checksum checked. */
static int checked_run(gal_postings *p, const chunk_ref *last, uint32_t *run)
{
    char desc[48];
    describe_chunk(desc, p->hash, last->first);
    gal_chunk_view view;
    int rc = gal_chunk_parse_rec(&last->rec, &view, desc);
    if (rc)
        return rc;
    if (view.run_docs == 0)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: postings record %s: the term's last "
                                           "chunk in its batch has no document count", desc);
    *run = view.run_docs;
    return 0;
}

static int sum_runs(gal_postings *p, int verify, uint64_t *ndocs)
{
    gal_chunk_cursor *cur = gal_malloc(sizeof *cur);
    if (!cur)
        return gal_error_set(GAL_ENOMEM, "out of memory");
    int mrc = gal_chunk_cursor_open(cur, p->s->txn, p->s->ix->st->postings);
    if (mrc) {
        gal_free(cur);
        return cursor_error(p, mrc);
    }
    uint64_t n = 0, chunks = 0;
    int rc = 0, keep = !verify && !p->dir && !p->dir_tried && !p->started;
    chunk_ref *dir = NULL;
    size_t ndir = 0, dir_cap = 0;
    for (size_t bi = 0; bi < p->s->nbatches && !rc; bi++) {
        uint32_t run, nd;
        chunk_ref last;
        int found = batch_docs(p, cur, bi, &run, &last, &nd);
        if (found <= 0) {
            rc = found;
            continue;
        }
        if (verify && (rc = checked_run(p, &last, &run)))
            break;
        n += run;
        chunks += (run + GAL_CHUNK_DOCS - 1) / GAL_CHUNK_DOCS;
        keep = keep && last.bi == bi && chunks <= DF_DIR_CHUNKS &&
               gather_run(p, cur, bi, &last, nd, run, &dir, &ndir, &dir_cap);
    }
    gal_chunk_cursor_close(cur);
    gal_free(cur);
    if (!rc) {
        *ndocs = n;
        if (!verify)
            p->chunks = chunks;
    }
    if (!rc && keep) {
        p->dir = dir;
        p->ndir = ndir;
        p->dir_tried = 1;
    } else {
        gal_free(dir);
    }
    return rc;
}

uint32_t gal_postings_df(gal_postings *p)
{
    if (p->df < 0) {
        uint64_t n = 0;
        if (sum_runs(p, 0, &n))
            n = 0;
        p->df = (int64_t)(n > UINT32_MAX ? UINT32_MAX : n);
    }
    return (uint32_t)p->df;
}

int gal_postings_count(gal_postings *p, uint64_t *ndocs)
{
    return sum_runs(p, 1, ndocs);
}

int gal_postings_next(gal_postings *p)
{
    if (p->done)
        return 0;
    if (p->dir && (!p->started || p->idx + 1 == p->chunk.ndocs)) { /* the next entry */
        size_t j = p->started ? p->dir_at + 1 : 0;
        p->started = 1;
        if (j < p->ndir)
            return load_dir(p, j);
        p->done = 1;
        return 0;
    }
    if (!p->started) {
        p->started = 1;
        return first_chunk_from_batch(p, 0);
    }
    if (p->idx + 1 < p->chunk.ndocs) {
        p->idx++;
        return 1;
    }
    gal_chunk_rec c;
    int mrc = gal_chunk_cursor_get(&p->cur, &c, MDB_NEXT, NULL);
    if (mrc && mrc != MDB_NOTFOUND)
        return cursor_error(p, mrc);
    if (mrc == 0 && key_in_batch(p, p->bi, &c)) {
        int rc = load_chunk(p, &c);
        return rc ? rc : 1;
    }
    return first_chunk_from_batch(p, p->bi + 1);
}

int gal_postings_next_chunk(gal_postings *p)
{
    if (p->started && !p->done)
        p->idx = p->chunk.ndocs - 1; /* gal_postings_next() then loads the next */
    return gal_postings_next(p);
}

size_t gal_postings_rest(const gal_postings *p, const uint32_t **docs, const uint32_t **tfs)
{
    *docs = p->docs + p->idx;
    *tfs = p->tfs + p->idx;
    return p->chunk.ndocs - p->idx;
}

/* Index of the batch holding doc: the last one starting at or before it. */
static size_t batch_of(const gal_snapshot *s, uint32_t doc)
{
    size_t lo = 0, hi = s->nbatches;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->batches[mid].first_doc <= doc)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? lo - 1 : 0;
}

/* Load the chunk of batch bi that holds target or, failing that, the first
 * chunk after it (in this batch or a later one). */
static int load_chunk_for(gal_postings *p, size_t bi, uint32_t target)
{
    gal_chunk_rec c;
    int past_end;
    int r = chunk_from_at(p, bi, target, &c, &past_end);
    if (r < 0)
        return r;
    if (r == 1 && gal_get_be32(c.key + 12) == target)
        goto load;
    /* The chunk just before the cursor may start below target and reach
     * it.  After running off the end the cursor is unpositioned: the
     * chunk before is then the table's last. */
    gal_chunk_rec pc;
    int mrc = gal_chunk_cursor_get(&p->cur, &pc, past_end ? MDB_LAST : MDB_PREV, NULL);
    if (mrc && mrc != MDB_NOTFOUND)
        return cursor_error(p, mrc);
    if (mrc == 0 && key_in_batch(p, bi, &pc)) {
        uint32_t first = gal_get_be32(pc.key + 12), n, span, run;
        if (first <= target && gal_chunk_peek(pc.data, pc.len, &n, &span, &run) == 0 &&
            (uint64_t)first + span >= target) {
            c = pc;
            goto load;
        }
    }
    if (r == 0)
        return first_chunk_from_batch(p, bi + 1);
    /* the chunk after target: step the cursor back onto it */
    if ((r = chunk_from(p, bi, target, &c)) <= 0)
        return r < 0 ? r : first_chunk_from_batch(p, bi + 1);
load:
    p->bi = bi;
    int rc = load_chunk(p, &c);
    return rc ? rc : 1;
}

/* Before a seek from the root of the B-tree (two descents when the chunk
 * holding target starts below it), try the next chunk of the batch: a
 * phrase or an AND with a frequent word often asks for a document there.
 * Its header alone says whether it ends before target; trying more chunks
 * this way measured slower on pairs of rarer words (94 two-word queries on
 * news-1g: one step -4.4 % in all, no query slower; four steps -3.3 %, some
 * 8 % slower).  1 when it holds target or is the first chunk after it (and
 * is loaded), 0 when it does not, or a negative status. */
static int step_to_chunk(gal_postings *p, uint32_t target)
{
    gal_chunk_rec c;
    int mrc = gal_chunk_cursor_get(&p->cur, &c, MDB_NEXT, NULL);
    if (mrc == MDB_NOTFOUND)
        return 0;
    if (mrc)
        return cursor_error(p, mrc);
    if (!key_in_batch(p, p->bi, &c))
        return 0;
    uint32_t first = gal_get_be32(c.key + 12), n, span, run;
    if (first < target && gal_chunk_peek(c.data, c.len, &n, &span, &run) == 0 &&
        (uint64_t)first + span < target)
        return 0; /* ends before target */
    int rc = load_chunk(p, &c);
    return rc ? rc : 1;
}

void gal_postings_directory(gal_postings *p, int when)
{
    if (when == GAL_DIR_NEVER)
        p->dir_tried = 1;
    else if (when == GAL_DIR_NOW && !p->dir_tried)
        build_dir(p);
}

void gal_postings_expect_seeks(gal_postings *p, uint64_t n)
{
    p->expected = n;
}

/* Count a seek that leaves the current chunk; whether the seeks so far, or
 * those expected, cost about what building the directory would. */
static int seeks_pay_for_dir(gal_postings *p)
{
    gal_postings_df(p); /* reckons the chunks */
    uint64_t enough = p->chunks / SEEKS_PER_DIR_CHUNK;
    return ++p->seeks > enough || p->expected > enough;
}

int gal_postings_seek(gal_postings *p, uint32_t target)
{
    if (p->done)
        return 0;
    if (p->started && p->docs[p->idx] >= target)
        return 1;
    int leaves = !p->started || target > p->chunk.last_doc; /* the current chunk */
    if (leaves && !p->dir && !p->dir_tried && seeks_pay_for_dir(p))
        build_dir(p);
    if (leaves && p->dir) {
        int r = dir_seek(p, target);
        if (r <= 0)
            return r;
    } else if (leaves) {
        size_t bi = batch_of(p->s, target);
        int r = p->started && bi == p->bi ? step_to_chunk(p, target) : 0;
        if (r == 0) {
            if (p->started && bi < p->bi)
                bi = p->bi;
            p->started = 1;
            if (p->s->nbatches == 0) {
                p->done = 1;
                return 0;
            }
            r = load_chunk_for(p, bi, target);
        }
        if (r <= 0)
            return r;
    }
    /* target lies in the current chunk, or before its first document: the
     * first document >= target.  Gallop from the current one (an AND of two
     * frequent words asks for one a few documents on), then halve the last
     * stride by a search that compiles to conditional moves (where it lands
     * is as good as random to a branch predictor). */
    uint32_t at = p->idx, step = 1, end = p->chunk.ndocs;
    if (p->docs[at] < target) {
        while (at + step < end && p->docs[at + step] < target) {
            at += step;
            step *= 2;
        }
        /* docs[at] < target, and docs[at + step] >= target or past the end */
        at++;
        if (end > at + step - 1)
            end = at + step - 1;
    }
    const uint32_t *b = p->docs + at;
    uint32_t n = end - at;
    while (n > 1) {
        uint32_t half = n / 2;
        b = b[half] < target ? b + half : b;
        n -= half;
    }
    uint32_t lo = n ? (uint32_t)(b - p->docs) + (*b < target) : at;
    if (lo == p->chunk.ndocs) { /* the chunk ends before target: try the rest */
        p->idx = p->chunk.ndocs - 1;
        int r = gal_postings_next(p);
        return r <= 0 ? r : gal_postings_seek(p, target);
    }
    p->idx = lo;
    return 1;
}

uint32_t gal_postings_doc(const gal_postings *p)
{
    return p->docs[p->idx];
}

uint32_t gal_postings_tf(const gal_postings *p)
{
    return p->tfs[p->idx];
}

void gal_postings_prefetch_lengths(gal_postings *p, int on)
{
    p->prefetch_lengths = on;
}

const uint32_t *gal_postings_positions(gal_postings *p)
{
    if (!p->have_offsets) {
        size_t n = 0;
        for (uint32_t i = 0; i < p->chunk.ndocs; i++) {
            p->pos_off[i] = (uint32_t)n;
            n += p->tfs[i];
        }
        p->pos_off[p->chunk.ndocs] = (uint32_t)n;
        if (n > p->positions_cap) {
            uint32_t *np = gal_realloc(p->positions, n * sizeof *np);
            if (!np) {
                gal_error_set(GAL_ENOMEM, "out of memory decoding positions");
                return NULL;
            }
            p->positions = np;
            p->positions_cap = n;
        }
        p->have_offsets = 1;
        p->run_idx = UINT32_MAX;
        p->asked = 0;
        p->asked_idx = UINT32_MAX;
    }
    if (p->asked_idx != p->idx) {
        p->asked_idx = p->idx;
        p->asked++;
    }
    uint32_t at = p->pos_off[p->idx];
    if (!p->have_stored) {
        if (p->run_idx == p->idx)
            return p->positions + at;
        size_t n = p->pos_off[p->chunk.ndocs];
        if (!p->dense && p->asked <= RUNS_ONE_BY_ONE && n > RUNS_MIN_POSITIONS) {
            if (gal_chunk_decode_run(&p->chunk, at, p->tfs[p->idx], n, p->positions + at,
                                     p->key_desc))
                return NULL;
            p->run_idx = p->idx;
            return p->positions + at;
        }
        /* the whole chunk as stored, then each document's run when asked */
        if (gal_chunk_decode_stored_positions(&p->chunk, p->positions, n, p->key_desc))
            return NULL;
        p->have_stored = 1;
        memset(p->run_ready, 0, sizeof p->run_ready);
    }
    uint64_t bit = 1ull << (p->idx & 63);
    if (!(p->run_ready[p->idx >> 6] & bit)) {
        if (gal_chunk_run_positions(p->positions + at, p->tfs[p->idx], p->key_desc))
            return NULL;
        p->run_ready[p->idx >> 6] |= bit;
    }
    return p->positions + at;
}
