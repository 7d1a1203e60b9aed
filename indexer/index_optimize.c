#include "index_optimize.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "chunk_blocks.h"
#include "chunk_cursor.h"
#include "clock.h"
#include "crc32c.h"
#include "deleted.h"
#include "deleted_mentions.h"
#include "doc_record.h"
#include "entity_table.h"
#include "fault_guard.h"
#include "format.h"
#include "hash_blocks.h"
#include "id_table.h"
#include "index.h"
#include "postings_codec.h"
#include "record.h"
#include "run_heap.h"
#include "status.h"
#include "store.h"
#include "text_repack.h"

/* The new file commits every this many bytes written, so that one
 * transaction's dirty pages stay bounded however large the index. */
#define COMMIT_BYTES (64u << 20)

/* One batch of the source index: its docstats record, in the map. */
typedef struct src_batch {
    uint32_t first_doc, ndocs;
    const uint8_t *stats;
} src_batch;

/* A record of a table keyed by batch: the key after the batch prefix. */
typedef struct batch_entry {
    const uint8_t *rest;
    size_t rest_len;
    MDB_val v;
} batch_entry;

/* Consecutive batches [first, first + count) merged into one. */
typedef struct group {
    size_t first, count;
    uint32_t first_doc, ndocs;
} group;

/* A term of the lexicon (hash_blocks.h), read from the source. */
typedef struct lexicon_term {
    uint64_t hash;
    const uint8_t *term; /* in the source map */
    size_t len;
} lexicon_term;

struct run;

typedef struct optimizer {
    gal_store *st;
    MDB_txn *src;             /* one read snapshot of the whole source */
    MDB_env *env;             /* the new file */
    MDB_txn *dst;
    size_t dst_bytes;         /* written since dst began */
    MDB_dbi dst_postings, dst_ids, dst_docstats; /* the rewritten tables */
    MDB_dbi dst_lexicon, dst_vocab, dst_entities;
    MDB_dbi src_entities;
    gal_entity_merger *entities;
    batch_entry *entries;     /* a group's lexicon or vocabulary records */
    size_t nentries, entries_cap;
    src_batch *batches;
    size_t nbatches;
    group *groups;
    size_t ngroups;
    uint64_t chunks_before, chunks_after;
    uint64_t chunks_copied;   /* of chunks_after: put as they were (copy_chunk) */
    struct run *merging;      /* write_postings()'s runs while it merges, */
    size_t merging_n;
    size_t *merging_heap;     /* and its heap */
    uint32_t run_docs; /* documents of the term in the chunks sealed so far */
    gal_chunk_packer packer; /* the group's sealed chunks, small terms' into blocks */
    gal_buf chunk;            /* an encoded chunk */
    /* a term's postings being gathered into a chunk */
    uint32_t acc_docs[GAL_CHUNK_DOCS], acc_tfs[GAL_CHUNK_DOCS];
    uint32_t acc_n;
    uint32_t *acc_pos;
    size_t acc_npos, acc_pos_cap;
    /* one decoded source chunk */
    uint32_t in_docs[GAL_CHUNK_DOCS], in_tfs[GAL_CHUNK_DOCS];
    uint32_t *in_pos;
    size_t in_pos_cap;
    /* stored text (text_repack.h): packed again from doc text_from on at
     * text_level, or copied as it is when text_level is 0 */
    int text_level;
    uint32_t text_from;
    uint64_t docs, raw_bytes;
    /* deleted documents (deleted.h): the ids table made again names none of
     * them; those not purged yet (npending) are purged here: left out of
     * the postings and the text, their mentions (gone) taken off the entity
     * records, their records marked purged */
    gal_deleted_set deleted;
    uint64_t npending;
    gal_index *text_ix;       /* the source read as an index (deleted_mentions.h) */
    gal_snapshot *text_snap;
    gal_gone_mentions gone;   /* the mentions of the group's documents purged now */
    uint64_t tokens;          /* meta tokens of the source */
    uint64_t purged_tokens;   /* their positions, which meta tokens no longer counts */
    uint64_t raw_before;      /* meta raw_bytes before the purge */
    uint64_t purged_raw;      /* the purged documents' share of it, group by group */
    /* terms of the lexicon a group held only in purged documents: each goes
     * to the lexicon of the first later group that has postings of it, or
     * out of the lexicon (terms_dropped) */
    uint32_t term_docs;       /* documents of the term being merged, written */
    uint64_t *emptied;        /* the group's terms that had documents, all purged */
    size_t nemptied, emptied_cap;
    lexicon_term *carried;    /* by hash: earlier groups' terms with no postings yet */
    uint8_t *carried_found;   /* ... found in the group being merged */
    size_t ncarried, carried_cap, carried_at;
    uint64_t terms_dropped;
    ZSTD_DDict *src_ddict;  /* the source's dictionary */
    gal_buf dict;           /* the one packing: trained here, or the source's */
    MDB_dbi dst_text;
    gal_text_repacker *repacker; /* while the postings are merged */
    gal_text_repack_stats text_stats;
    /* progress: terms are merged in hash order, so the hash of the term
     * being written tells how far a group is */
    int progress;
    double start, last_progress;
    size_t group_at;
    uint64_t hash_at;
} optimizer;

static int db_error(int mrc, const char *what)
{
    /* damaged pages of the source read as corruption, as for every reader
     * (a transaction goes bad only after one); the new file's map is sized
     * from the source, so its filling up is a full disk to the user, or
     * damage that source_damaged() recognises */
    int st = mrc == MDB_MAP_FULL ? GAL_EFULL : gal_store_status(mrc, 0);
    return gal_error_set(st, "%scannot optimize: %s: %s",
                         st == GAL_ECORRUPT ? "corrupt index: " : "", what, mdb_strerror(mrc));
}

/* ---- the new file ---- */

static int dst_dbi(optimizer *o, const char *name, MDB_dbi *dbi)
{
    int mrc = mdb_dbi_open(o->dst, name, MDB_CREATE, dbi);
    return mrc ? db_error(mrc, "cannot create a table") : 0;
}

/* Append k → v to table dbi of the new file; keys come in order.  Table
 * handles outlive the commits made here. */
static int dst_put(optimizer *o, MDB_dbi dbi, const void *k, size_t klen, const void *v,
                   size_t vlen)
{
    if (o->dst_bytes >= COMMIT_BYTES) {
        int mrc = mdb_txn_commit(o->dst);
        o->dst = NULL;
        if (mrc || (mrc = mdb_txn_begin(o->env, NULL, 0, &o->dst)))
            return db_error(mrc, "cannot commit to the new file");
        o->dst_bytes = 0;
    }
    MDB_val key = {klen, (void *)k}, val = {vlen, (void *)v};
    int mrc = mdb_put(o->dst, dbi, &key, &val, MDB_APPEND);
    if (mrc)
        return db_error(mrc, "cannot write the new file");
    o->dst_bytes += klen + vlen;
    return 0;
}

/* The progress line, at most four times a second (final: once more, and
 * the line ended). */
static void show_progress(optimizer *o, int final)
{
    if (!o->progress)
        return;
    double t = gal_now_sec();
    if (!final && t - o->last_progress < 0.25)
        return;
    o->last_progress = t;
    double postings = o->ngroups ? 100.0 * ((double)o->group_at + (double)o->hash_at / 0x1p64) /
                                       (double)o->ngroups
                                 : 100.0;
    char text[48] = "";
    uint64_t todo = o->docs - o->text_from;
    if (o->text_level && todo)
        snprintf(text, sizeof text, ", text %.0f %%", 100.0 * (double)o->text_stats.docs / todo);
    fprintf(stderr, "\r\033[Kgalley: optimizing: postings %.0f %%%s, %.0f s", postings, text,
            t - o->start);
    if (final)
        fputc('\n', stderr);
}

static int put_text(void *ctx, const uint8_t key[4], const void *block, size_t len)
{
    optimizer *o = ctx;
    show_progress(o, 0);
    return dst_put(o, o->dst_text, key, 4, block, len);
}

static int put_postings(void *ctx, const uint8_t key[GAL_POSTINGS_KEY_LEN], const void *val,
                        size_t len)
{
    optimizer *o = ctx;
    return dst_put(o, o->dst_postings, key, GAL_POSTINGS_KEY_LEN, val, len);
}

/* A record copy_table() writes with another value. */
typedef struct swapped {
    const char *key;
    MDB_val val;
} swapped;

/* Copy a table as it is, except for the records swap[0, nswap) names,
 * which get their values there (and are added where the table lacks
 * them). */
static int copy_table(optimizer *o, const char *name, const swapped *swap, size_t nswap)
{
    MDB_dbi dbi, out;
    MDB_cursor *c;
    int mrc = mdb_dbi_open(o->src, name, 0, &dbi);
    if (mrc == MDB_NOTFOUND)
        return 0;
    if (mrc || (mrc = mdb_cursor_open(o->src, dbi, &c)))
        return db_error(mrc, "cannot read a table");
    MDB_val k, v;
    int rc = dst_dbi(o, name, &out);
    uint32_t seen = 0; /* a bit per swap entry */
    for (mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST); !mrc && !rc;
         mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        for (size_t i = 0; i < nswap; i++)
            if (k.mv_size == strlen(swap[i].key) && !memcmp(k.mv_data, swap[i].key, k.mv_size)) {
                v = swap[i].val;
                seen |= 1u << i;
            }
        rc = dst_put(o, out, k.mv_data, k.mv_size, v.mv_data, v.mv_size);
    }
    mdb_cursor_close(c);
    if (!rc && mrc != MDB_NOTFOUND)
        rc = db_error(mrc, "cannot read a table");
    for (size_t i = 0; i < nswap && !rc; i++) {
        if (seen & (1u << i))
            continue;
        MDB_val key = {strlen(swap[i].key), (void *)swap[i].key}, val = swap[i].val;
        if ((mrc = mdb_put(o->dst, out, &key, &val, 0)))
            rc = db_error(mrc, "cannot write the new file");
    }
    return rc;
}

/* ---- batches and groups ---- */

static int load_batches(optimizer *o)
{
    MDB_cursor *c;
    int mrc = mdb_cursor_open(o->src, o->st->docstats, &c);
    if (mrc)
        return db_error(mrc, "cannot read docstats");
    MDB_val k, v;
    size_t cap = 0;
    int rc = 0;
    for (mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST); !mrc && !rc;
         mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (k.mv_size != 4)
            rc = gal_error_set(GAL_ECORRUPT, "corrupt index: docstats key of %zu bytes", k.mv_size);
        src_batch b = {k.mv_size == 4 ? gal_get_be32(k.mv_data) : 0, 0, v.mv_data};
        if (!rc)
            rc = gal_docstats_check(v.mv_data, v.mv_size, b.first_doc, &b.ndocs);
        if (!rc && gal_grow((void **)&o->batches, &cap, o->nbatches + 1, sizeof *o->batches, 64))
            rc = gal_error_set(GAL_ENOMEM, "out of memory");
        if (!rc)
            o->batches[o->nbatches++] = b;
    }
    mdb_cursor_close(c);
    if (!rc && mrc != MDB_NOTFOUND)
        rc = db_error(mrc, "cannot read docstats");
    return rc;
}

static int plan_groups(optimizer *o, uint32_t max_docs)
{
    if (!(o->groups = gal_calloc(o->nbatches + 1, sizeof *o->groups)))
        return gal_error_set(GAL_ENOMEM, "out of memory");
    for (size_t i = 0; i < o->nbatches; i++) {
        const src_batch *b = &o->batches[i];
        group *g = o->ngroups ? &o->groups[o->ngroups - 1] : NULL;
        if (!g || (uint64_t)g->ndocs + b->ndocs > max_docs) {
            g = &o->groups[o->ngroups++];
            g->first = i;
            g->first_doc = b->first_doc;
        }
        g->count++;
        g->ndocs += b->ndocs;
    }
    return 0;
}

/* Whether, from where and with what dictionary the stored text is packed
 * again (text_repack.h): not at level 0, nor when an earlier optimize
 * packed every document and none is purged now; from where it stopped
 * (and the blocks before that hold a document purged now), with its
 * dictionary; else all of it, with a dictionary trained here (the
 * source's when there is too little text to train on). */
static int plan_text(optimizer *o, int level)
{
    uint64_t packed = 0;
    int rc = gal_meta_get_u64(o->st, o->src, GAL_META_DOCS, &o->docs);
    if (!rc)
        rc = gal_meta_get_u64(o->st, o->src, GAL_META_RAW_BYTES, &o->raw_bytes);
    if (!rc)
        rc = gal_meta_get_u64(o->st, o->src, GAL_META_TEXT_PACKED, &packed);
    /* documents purged now lose their text: the blocks that hold them are
     * packed again too (text_repack.h) */
    uint64_t from = packed < o->docs ? packed : o->docs;
    if (rc || level == 0 || (from >= o->docs && !o->npending))
        return rc;
    const void *dict = NULL;
    size_t dict_len = 0;
    if ((rc = gal_meta_get_zdict(o->st, o->src, &dict, &dict_len)))
        return rc;
    if (dict && !(o->src_ddict = ZSTD_createDDict(dict, dict_len)))
        return gal_error_set(GAL_ECORRUPT, "corrupt index: meta %s is not a zstd dictionary",
                             GAL_META_ZDICT);
    o->text_level = level;
    o->text_from = (uint32_t)from;
    if (packed == 0)
        rc = gal_text_repack_train(o->src, o->st->text, o->src_ddict, o->raw_bytes, level,
                                   &o->dict, &o->text_stats);
    if (!rc && !o->dict.len && dict)
        rc = gal_buf_append(&o->dict, dict, dict_len);
    return rc;
}

/* ---- docstats and ids of a group ---- */

static int write_docstats(optimizer *o, const group *g)
{
    uint32_t *tokens = gal_malloc(((size_t)g->ndocs + 1) * sizeof *tokens);
    uint32_t *titles = gal_malloc(((size_t)g->ndocs + 1) * sizeof *titles);
    int64_t *dates = gal_malloc(((size_t)g->ndocs + 1) * sizeof *dates);
    gal_buf rec;
    gal_buf_init(&rec);
    int rc = tokens && titles && dates ? 0 : gal_error_set(GAL_ENOMEM, "out of memory");
    size_t d = 0;
    for (size_t i = g->first; i < g->first + g->count && !rc; i++) {
        const src_batch *b = &o->batches[i];
        for (uint32_t j = 0; j < b->ndocs; j++, d++) {
            tokens[d] = gal_docstats_tokens(b->stats, j);
            titles[d] = gal_docstats_title_tokens(b->stats, b->ndocs, j);
            dates[d] = gal_docstats_date(b->stats, b->ndocs, j);
        }
    }
    uint8_t key[4];
    gal_put_be32(key, g->first_doc);
    if (!rc && !(rc = gal_docstats_encode(tokens, titles, dates, g->ndocs, g->first_doc, &rec)))
        rc = dst_put(o, o->dst_docstats, key, 4, rec.data, rec.len);
    gal_buf_release(&rec);
    gal_free(tokens);
    gal_free(titles);
    gal_free(dates);
    return rc;
}

/* A rewritten table of hash blocks (ids, lexicon, entities): its builder
 * puts each finished block there. */
typedef struct dst_table {
    optimizer *o;
    MDB_dbi dbi;
} dst_table;

static int put_hblock(void *ctx, const uint8_t *key, const void *block, size_t len)
{
    const dst_table *t = ctx;
    return dst_put(t->o, t->dbi, key, GAL_HBLOCK_KEY_LEN, block, len);
}

/* The group's ids, made from its documents' records as one batch of them
 * would have made them (id_table.h): so an optimized index holds the very
 * ids table that indexing the same documents in one batch writes. */
static int write_ids(optimizer *o, const group *g)
{
    gal_id_entry *all = gal_malloc(((size_t)g->ndocs + 1) * sizeof *all);
    gal_doc_block *db = gal_malloc(sizeof *db);
    MDB_cursor *c = NULL;
    int rc = all && db ? 0 : gal_error_set(GAL_ENOMEM, "out of memory");
    if (db)
        gal_doc_block_init(db);
    int mrc = rc ? 0 : mdb_cursor_open(o->src, o->st->docs, &c);
    if (mrc)
        rc = db_error(mrc, "cannot read the docs table");
    /* a block's strings last until the next block is read: each id is
     * copied into ids, and all[].id holds its offset there until ids stops
     * growing */
    gal_buf ids;
    gal_buf_init(&ids);
    size_t n = 0;
    uint8_t first[4];
    gal_put_be32(first, g->first_doc);
    MDB_val k = {4, first}, v;
    uint64_t end = (uint64_t)g->first_doc + g->ndocs;
    for (mrc = rc ? MDB_NOTFOUND : mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); !mrc && !rc;
         mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (k.mv_size != 4) {
            rc = gal_error_set(GAL_ECORRUPT, "corrupt index: docs key of %zu bytes", k.mv_size);
            break;
        }
        uint32_t at = gal_get_be32(k.mv_data);
        if (at >= end)
            break;
        if ((rc = gal_doc_block_open(v.mv_data, v.mv_size, at, db)))
            break;
        for (uint32_t i = 0; i < db->n && !rc; i++) {
            const gal_doc_fields *f;
            if (gal_deleted_has(&o->deleted, at + i) || (rc = gal_doc_block_get(db, i, &f)) ||
                f->id_len == 0)
                continue; /* a deleted document is no batch's document of its id */
            if (n == g->ndocs) {
                rc = gal_error_set(GAL_ECORRUPT, "corrupt index: more documents than docstats "
                                   "counts in the batches at doc %u", g->first_doc);
                break;
            }
            all[n++] = (gal_id_entry){gal_id_hash(f->id, f->id_len), (const char *)ids.len,
                                      (uint32_t)f->id_len, at + i};
            rc = gal_buf_append(&ids, f->id, f->id_len);
        }
    }
    if (!rc && mrc && mrc != MDB_NOTFOUND)
        rc = db_error(mrc, "cannot read the docs table");
    for (size_t i = 0; i < n; i++) /* offsets into ids, now that it stays put */
        all[i].id = (const char *)ids.data + (size_t)all[i].id;
    if (!rc) {
        gal_hblock_builder bb;
        dst_table ids = {o, o->dst_ids};
        gal_hblock_builder_init(&bb, put_hblock, &ids);
        if (!(rc = gal_id_table_add(&bb, g->first_doc, all, n)))
            rc = gal_hblock_flush(&bb);
        gal_hblock_builder_release(&bb);
    }
    if (c)
        mdb_cursor_close(c);
    gal_buf_release(&ids);
    if (db)
        gal_doc_block_release(db);
    gal_free(db);
    gal_free(all);
    return rc;
}

/* ---- postings of a group ---- */

/* One more chunk of term hash put: every 64, the progress line and the
 * text packing threads, kept busy meanwhile (a few hundred us of merging
 * between calls). */
static int chunk_done(optimizer *o, uint64_t hash)
{
    if (++o->chunks_after % 64)
        return 0;
    o->hash_at = hash;
    show_progress(o, 0);
    return o->repacker ? gal_text_repack_pump(o->repacker) : 0;
}

/* Seal the gathering chunk; the term's last one in the group (last) says
 * how many documents the term has there. */
static int flush_chunk(optimizer *o, const group *g, uint64_t hash, int last)
{
    if (o->acc_n == 0)
        return 0;
    uint8_t key[GAL_POSTINGS_KEY_LEN];
    gal_postings_key(key, g->first_doc, hash, o->acc_docs[0]);
    gal_buf_clear(&o->chunk);
    o->run_docs += o->acc_n;
    int whole = last && o->run_docs == o->acc_n; /* the term's only chunk in the group */
    int rc = gal_chunk_encode(o->acc_docs, o->acc_tfs, o->acc_pos, o->acc_n,
                              last ? o->run_docs : 0, key, &o->chunk);
    if (last)
        o->run_docs = 0;
    if (!rc)
        rc = gal_chunk_packer_add(&o->packer, key, o->chunk.data, o->chunk.len, whole);
    o->acc_n = 0;
    o->acc_npos = 0;
    return rc ? rc : chunk_done(o, hash);
}

static int grow(uint32_t **p, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 1024;
    while (c < need)
        c *= 2;
    uint32_t *np = gal_realloc(*p, c * sizeof *np);
    if (!np)
        return gal_error_set(GAL_ENOMEM, "out of memory");
    *p = np;
    *cap = c;
    return 0;
}

/* Whether source chunk cv (its documents decoded) may be put as it is
 * (copy_chunk) instead of decoded and encoded again: its group is its
 * batch alone (the keys stay), it holds no document to leave out, and,
 * when it is its term's last, which carries the run's document count, no
 * document of the run was left out before it.  A term's chunks gathering
 * meanwhile (after one that lost a document) are sealed first, short: so
 * a purge encodes again a chunk or two per term and document, not every
 * chunk after them. */
static int unchanged(const optimizer *o, const group *g, const gal_chunk_view *cv)
{
    if (g->count != 1)
        return 0;
    if (cv->run_docs && o->run_docs + o->acc_n + cv->ndocs != cv->run_docs)
        return 0;
    for (uint32_t i = 0; i < cv->ndocs; i++)
        if (gal_deleted_has(&o->deleted, o->in_docs[i]))
            return 0;
    return 1;
}

/* Put source chunk c as it is (a chunk out of a block of small terms has
 * no checksum trailer there: sealed again). */
static int copy_chunk(optimizer *o, const gal_chunk_rec *c, const gal_chunk_view *cv)
{
    const void *bytes = c->data;
    size_t len = c->len;
    int rc = 0;
    if (c->in_block) {
        gal_buf_clear(&o->chunk);
        if ((rc = gal_buf_append(&o->chunk, c->data, c->len)) ||
            (rc = gal_record_seal(&o->chunk, gal_record_key(c->key, GAL_POSTINGS_KEY_LEN))))
            return rc;
        bytes = o->chunk.data;
        len = o->chunk.len;
    }
    int last = cv->run_docs != 0, whole = last && o->run_docs == 0;
    rc = gal_chunk_packer_add(&o->packer, c->key, bytes, len, whole);
    o->run_docs = last ? 0 : o->run_docs + cv->ndocs;
    o->term_docs += cv->ndocs;
    o->chunks_copied++;
    return rc ? rc : chunk_done(o, gal_get_be64(c->key + 4));
}

/* Add the source chunk c of term hash (desc names it in errors) to the
 * term's gathering chunk, sealing it whenever it is full; or put it as it is
 * (copy_chunk). */
static int add_chunk(optimizer *o, const group *g, uint64_t hash, const char *desc,
                     const gal_chunk_rec *c)
{
    gal_chunk_view cv;
    int rc = gal_chunk_parse_rec(c, &cv, desc);
    if (!rc && cv.ndocs > GAL_CHUNK_DOCS)
        rc = gal_error_set(GAL_ECORRUPT, "corrupt index: postings chunk of %u documents", cv.ndocs);
    if (!rc)
        rc = gal_chunk_decode_docs(&cv, o->in_docs, o->in_tfs, desc);
    if (!rc && unchanged(o, g, &cv)) {
        o->chunks_before++;
        return (rc = flush_chunk(o, g, hash, 0)) ? rc : copy_chunk(o, c, &cv);
    }
    size_t npos = 0;
    for (uint32_t i = 0; !rc && i < cv.ndocs; i++)
        npos += o->in_tfs[i];
    if (!rc && !(rc = grow(&o->in_pos, &o->in_pos_cap, npos)))
        rc = gal_chunk_decode_positions(&cv, o->in_tfs, o->in_pos, npos, desc);
    o->chunks_before++;
    const uint32_t *pos = o->in_pos;
    for (uint32_t i = 0; !rc && i < cv.ndocs; i++) {
        uint32_t tf = o->in_tfs[i];
        if (gal_deleted_has(&o->deleted, o->in_docs[i])) { /* purged */
            pos += tf;
            continue;
        }
        /* sealed only when another document follows: the term's last chunk
         * in the group, which carries its count, is never empty */
        if (o->acc_n == GAL_CHUNK_DOCS && (rc = flush_chunk(o, g, hash, 0)))
            break;
        if ((rc = grow(&o->acc_pos, &o->acc_pos_cap, o->acc_npos + tf)))
            break;
        o->acc_docs[o->acc_n] = o->in_docs[i];
        o->acc_tfs[o->acc_n++] = tf;
        memcpy(o->acc_pos + o->acc_npos, pos, tf * sizeof *pos);
        o->acc_npos += tf;
        pos += tf;
        o->term_docs++;
    }
    return rc;
}

/* After term hash's chunks in the group are merged: whether it had
 * documents, all purged (emptied), or is a carried term found at last. */
static int term_merged(optimizer *o, uint64_t hash)
{
    if (o->term_docs == 0) {
        if (gal_grow((void **)&o->emptied, &o->emptied_cap, o->nemptied + 1, sizeof *o->emptied,
                     1024))
            return gal_error_set(GAL_ENOMEM, "out of memory");
        o->emptied[o->nemptied++] = hash;
        return 0;
    }
    while (o->carried_at < o->ncarried && o->carried[o->carried_at].hash < hash)
        o->carried_at++;
    if (o->carried_at < o->ncarried && o->carried[o->carried_at].hash == hash)
        o->carried_found[o->carried_at] = 1;
    return 0;
}

/* One batch's run of postings keys: its cursor sits on the next chunk. */
typedef struct run {
    gal_chunk_cursor c;
    uint8_t start[GAL_POSTINGS_KEY_LEN]; /* the batch's least key */
    int live;
    uint64_t hash;
    gal_chunk_rec rec;
} run;

static int run_step(run *r, MDB_cursor_op op)
{
    int mrc = gal_chunk_cursor_get(&r->c, &r->rec, op, r->start);
    r->live = !mrc && !memcmp(r->rec.key, r->start, 4);
    if (r->live)
        r->hash = gal_get_be64(r->rec.key + 4);
    if (gal_is_status(mrc))
        return mrc;
    return mrc && mrc != MDB_NOTFOUND ? db_error(mrc, "cannot read postings") : 0;
}

/* Close and free write_postings()'s runs: when it ends, or when a fault
 * in the source jumped out of it. */
static void release_merging(optimizer *o)
{
    run *runs = o->merging;
    for (size_t i = 0; runs && i < o->merging_n; i++)
        gal_chunk_cursor_close(&runs[i].c);
    gal_free(runs);
    gal_free(o->merging_heap);
    o->merging = NULL;
    o->merging_heap = NULL;
}

/* Merge the group's runs term by term (hash order), each term's chunks
 * batch after batch, so documents stay in order. */
static int write_postings(optimizer *o, const group *g)
{
    /* the live runs by (hash, batch): the term to merge next, and among
     * its runs the earliest batch first */
    run *runs = gal_calloc(g->count, sizeof *runs);
    gal_run_heap h = {NULL, sizeof *runs, gal_calloc(g->count, sizeof *h.at), 0};
    /* for rewrite()'s way out when the source faults */
    o->merging = runs;
    o->merging_n = g->count;
    o->merging_heap = h.at;
    if (!runs || !h.at) {
        gal_free(runs);
        gal_free(h.at);
        o->merging = NULL;
        o->merging_heap = NULL;
        return gal_error_set(GAL_ENOMEM, "out of memory");
    }
    h.keys = (const char *)&runs->hash;
    int rc = 0;
    for (size_t i = 0; i < g->count && !rc; i++) {
        run *r = &runs[i];
        int mrc = gal_chunk_cursor_open(&r->c, o->src, o->st->postings);
        if (mrc) {
            r->c.c = NULL;
            rc = db_error(mrc, "cannot read postings");
            break;
        }
        gal_postings_key(r->start, o->batches[g->first + i].first_doc, 0, 0);
        if (!(rc = run_step(r, MDB_SET_RANGE)) && r->live)
            gal_run_heap_push(&h, i);
    }
    o->nemptied = 0;
    o->carried_at = 0;
    while (!rc && h.n) {
        uint64_t hash = gal_run_heap_top_key(&h);
        o->term_docs = 0;
        char desc[32];
        snprintf(desc, sizeof desc, "%016llx", (unsigned long long)hash);
        while (!rc && h.n && gal_run_heap_top_key(&h) == hash) {
            size_t i = gal_run_heap_pop(&h);
            run *r = &runs[i];
            while (!rc && r->live && r->hash == hash && !(rc = add_chunk(o, g, hash, desc, &r->rec)))
                rc = run_step(r, MDB_NEXT);
            if (!rc && r->live)
                gal_run_heap_push(&h, i);
        }
        if (!rc)
            rc = flush_chunk(o, g, hash, 1);
        if (!rc)
            rc = term_merged(o, hash);
    }
    if (!rc)
        rc = gal_chunk_packer_flush(&o->packer);
    release_merging(o);
    return rc;
}

/* ---- lexicon, vocabulary, entities: what each batch added ---- */

static int by_rest(const void *pa, const void *pb)
{
    const batch_entry *a = pa, *b = pb;
    return gal_key_order(a->rest, a->rest_len, b->rest, b->rest_len);
}

static int by_hash(const void *pa, const void *pb)
{
    uint64_t x = ((const lexicon_term *)pa)->hash, y = ((const lexicon_term *)pb)->hash;
    return (x > y) - (x < y);
}

/* Whether hash is among terms[0, n), sorted by hash. */
static int has_term(const lexicon_term *terms, size_t n, uint64_t hash)
{
    lexicon_term key = {hash, NULL, 0};
    return n && bsearch(&key, terms, n, sizeof *terms, by_hash) != NULL;
}

/* What a group's lexicon and vocabulary change by when documents are
 * purged: terms they lose (to a later group, or out), terms they gain
 * (carried from an earlier one), both sorted by hash. */
typedef struct term_moves {
    lexicon_term *out, *in;
    size_t nout, nin, out_cap;
    uint8_t *in_hashes; /* in[i]'s hash, 8 B BE: its vocabulary value */
} term_moves;

static void term_moves_release(term_moves *m)
{
    gal_free(m->out);
    gal_free(m->in);
    gal_free(m->in_hashes);
    memset(m, 0, sizeof *m);
}

/* The group's records of table src (keys: batch ‖ rest, each batch's
 * disjoint from the others'), under the group's first document, in order;
 * for the vocabulary (vocab: values are term hashes), without the terms
 * moves takes out and with those it brings in. */
static int merge_batch_table(optimizer *o, const group *g, MDB_dbi src, MDB_dbi dst,
                             const term_moves *vocab)
{
    MDB_cursor *c;
    int mrc = mdb_cursor_open(o->src, src, &c);
    if (mrc)
        return db_error(mrc, "cannot read a table");
    uint8_t key[4 + 512];
    gal_put_be32(key, g->first_doc);
    MDB_val k = {4, key}, v;
    uint64_t end = (uint64_t)g->first_doc + g->ndocs;
    int rc = 0;
    o->nentries = 0;
    for (mrc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); !mrc && !rc;
         mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (k.mv_size < 5 || k.mv_size > sizeof key) {
            rc = gal_error_set(GAL_ECORRUPT, "corrupt index: a key of %zu bytes", k.mv_size);
            break;
        }
        if (gal_get_be32(k.mv_data) >= end)
            break;
        if (vocab && v.mv_size == 8 && has_term(vocab->out, vocab->nout, gal_get_be64(v.mv_data)))
            continue;
        if (gal_grow((void **)&o->entries, &o->entries_cap, o->nentries + 1,
                     sizeof *o->entries, 4096)) {
            rc = gal_error_set(GAL_ENOMEM, "out of memory");
            break;
        }
        o->entries[o->nentries++] = (batch_entry){(const uint8_t *)k.mv_data + 4, k.mv_size - 4, v};
    }
    mdb_cursor_close(c);
    if (!rc && mrc && mrc != MDB_NOTFOUND)
        rc = db_error(mrc, "cannot read a table");
    for (size_t i = 0; vocab && i < vocab->nin && !rc; i++) {
        if (gal_grow((void **)&o->entries, &o->entries_cap, o->nentries + 1, sizeof *o->entries,
                     4096))
            rc = gal_error_set(GAL_ENOMEM, "out of memory");
        else
            o->entries[o->nentries++] = (batch_entry){
                vocab->in[i].term, vocab->in[i].len, {8, vocab->in_hashes + 8 * i}};
    }
    if (!rc && o->nentries > 1)
        qsort(o->entries, o->nentries, sizeof *o->entries, by_rest);
    for (size_t i = 0; i < o->nentries && !rc; i++) {
        const batch_entry *e = &o->entries[i];
        if (e->rest_len > sizeof key - 4) {
            rc = gal_error_set(GAL_ECORRUPT, "corrupt index: a term of %zu bytes", e->rest_len);
            break;
        }
        memcpy(key + 4, e->rest, e->rest_len);
        rc = dst_put(o, dst, key, 4 + e->rest_len, e->v.mv_data, e->v.mv_size);
    }
    return rc;
}

/* Which of the group's terms (sorted) lost every document to the purge
 * (o->emptied: they leave the group's lexicon, carried on), and which
 * carried terms the group has postings of (they join it); o->carried
 * becomes the terms still without postings, sorted. */
static int move_terms(optimizer *o, lexicon_term *terms, size_t *n, term_moves *m)
{
    size_t kept = 0, e = 0;
    for (size_t i = 0; i < *n; i++) {
        while (e < o->nemptied && o->emptied[e] < terms[i].hash)
            e++;
        if (e < o->nemptied && o->emptied[e] == terms[i].hash) {
            if (gal_grow((void **)&m->out, &m->out_cap, m->nout + 1, sizeof *m->out, 64))
                return gal_error_set(GAL_ENOMEM, "out of memory");
            m->out[m->nout++] = terms[i];
        } else {
            terms[kept++] = terms[i];
        }
    }
    *n = kept;
    size_t nfound = 0;
    for (size_t i = 0; i < o->ncarried; i++)
        nfound += o->carried_found[i];
    if (nfound) {
        m->in = gal_malloc(nfound * sizeof *m->in);
        m->in_hashes = gal_malloc(nfound * 8);
        if (!m->in || !m->in_hashes)
            return gal_error_set(GAL_ENOMEM, "out of memory");
    }
    /* the carried terms left, and the group's own that leave it */
    size_t left = 0;
    for (size_t i = 0; i < o->ncarried; i++) {
        if (o->carried_found[i]) {
            gal_put_be64(m->in_hashes + 8 * m->nin, o->carried[i].hash);
            m->in[m->nin++] = o->carried[i];
        } else {
            o->carried[left++] = o->carried[i];
        }
    }
    o->ncarried = left;
    if (gal_grow((void **)&o->carried, &o->carried_cap, o->ncarried + m->nout + 1,
                 sizeof *o->carried, 256))
        return gal_error_set(GAL_ENOMEM, "out of memory");
    if (m->nout)
        memcpy(o->carried + o->ncarried, m->out, m->nout * sizeof *m->out);
    o->ncarried += m->nout;
    if (o->ncarried > 1)
        qsort(o->carried, o->ncarried, sizeof *o->carried, by_hash);
    gal_free(o->carried_found);
    o->carried_found = gal_calloc(o->ncarried + 1, 1);
    return o->carried_found ? 0 : gal_error_set(GAL_ENOMEM, "out of memory");
}

/* The group's lexicon terms (each batch's are new to the index) in hash
 * order, in blocks under the group's first document; with documents
 * purged, moved as move_terms says (m). */
static int merge_lexicon(optimizer *o, const group *g, term_moves *m)
{
    gal_hblock_reader r;
    int rc = gal_hblock_open(&r, o->src, o->st->lexicon, GAL_DB_LEXICON);
    if (rc)
        return rc;
    lexicon_term *terms = NULL;
    size_t n = 0, cap = 0;
    uint64_t end = (uint64_t)g->first_doc + g->ndocs;
    int more;
    for (more = gal_hblock_seek(&r, g->first_doc, 0); more == 0 && r.batch < end;
         more = gal_hblock_next(&r)) {
        if (gal_grow((void **)&terms, &cap, n + 1, sizeof *terms, 4096)) {
            rc = gal_error_set(GAL_ENOMEM, "out of memory");
            break;
        }
        terms[n++] = (lexicon_term){r.hash, r.rec, r.len};
    }
    if (!rc && more < 0)
        rc = more;
    gal_hblock_close(&r);
    if (!rc && n > 1)
        qsort(terms, n, sizeof *terms, by_hash);
    for (size_t i = 1; i < n && !rc; i++)
        if (terms[i].hash == terms[i - 1].hash)
            rc = gal_error_set(GAL_ECORRUPT, "corrupt index: lexicon term %016llx in two "
                               "batches", (unsigned long long)terms[i].hash);
    if (!rc && o->npending && !(rc = move_terms(o, terms, &n, m)) && m->nin) {
        if (gal_grow((void **)&terms, &cap, n + m->nin, sizeof *terms, 4096))
            rc = gal_error_set(GAL_ENOMEM, "out of memory");
        else {
            memcpy(terms + n, m->in, m->nin * sizeof *terms);
            n += m->nin;
            qsort(terms, n, sizeof *terms, by_hash);
        }
    }
    gal_hblock_builder bb;
    dst_table lexicon = {o, o->dst_lexicon};
    gal_hblock_builder_init(&bb, put_hblock, &lexicon);
    for (size_t i = 0; i < n && !rc; i++)
        rc = gal_hblock_add(&bb, g->first_doc, terms[i].hash, terms[i].term, terms[i].len);
    if (!rc)
        rc = gal_hblock_flush(&bb);
    gal_hblock_builder_release(&bb);
    gal_free(terms);
    return rc;
}

/* take_off for the entity merger: the mentions purged documents of the
 * group held (o->gone). */
static int take_off_purged(void *ctx, uint64_t hash, uint32_t first_doc, uint64_t end_doc,
                           uint64_t *docs, uint64_t *mentions, gal_entity_form *forms,
                           size_t nforms)
{
    const optimizer *o = ctx;
    char name[80];
    snprintf(name, sizeof name, "%.*s", nforms ? (int)(forms[0].len > 64 ? 64 : forms[0].len) : 0,
             nforms ? forms[0].s : "");
    return gal_gone_take_off(&o->gone, hash, first_doc, end_doc, docs, mentions, forms, nforms,
                             name);
}

static int write_terms_and_entities(optimizer *o, const group *g)
{
    term_moves moves;
    memset(&moves, 0, sizeof moves);
    int rc = merge_lexicon(o, g, &moves);
    if (!rc)
        rc = merge_batch_table(o, g, o->st->vocab, o->dst_vocab, o->npending ? &moves : NULL);
    dst_table entities = {o, o->dst_entities};
    uint64_t end = (uint64_t)g->first_doc + g->ndocs;
    /* a group's at a time: memory for the mentions of its documents only */
    gal_gone_mentions_release(&o->gone);
    if (!rc && o->npending && !(rc = gal_gone_mentions_find(o->text_snap, &o->deleted,
                                                            g->first_doc, end, &o->gone)))
        o->purged_raw += o->gone.raw_bytes;
    if (!rc)
        rc = gal_entity_merge_group(o->entities, o->src, o->src_entities, g->first_doc, end,
                                    put_hblock, &entities, o->gone.n ? take_off_purged : NULL, o);
    term_moves_release(&moves);
    return rc;
}

/* ---- the whole ---- */

/* Every table but those rewritten: whatever the index holds. */
static int copy_other_tables(optimizer *o)
{
    MDB_dbi main_db;
    MDB_cursor *c;
    int mrc = mdb_dbi_open(o->src, NULL, 0, &main_db);
    if (mrc || (mrc = mdb_cursor_open(o->src, main_db, &c)))
        return db_error(mrc, "cannot list the tables");
    MDB_val k, v;
    int rc = 0;
    for (mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST); !mrc && !rc;
         mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        char name[64];
        if (k.mv_size == 0 || k.mv_size >= sizeof name)
            continue;
        memcpy(name, k.mv_data, k.mv_size);
        name[k.mv_size] = '\0';
        if ((o->text_level && !strcmp(name, GAL_DB_TEXT)) ||
            (o->npending && !strcmp(name, GAL_DB_DELETED)))
            continue;
        if (!strcmp(name, GAL_DB_POSTINGS) || !strcmp(name, GAL_DB_IDS) ||
            !strcmp(name, GAL_DB_DOCSTATS) || !strcmp(name, GAL_DB_META) ||
            !strcmp(name, GAL_DB_LEXICON) || !strcmp(name, GAL_DB_VOCAB) ||
            !strcmp(name, GAL_DB_ENTITIES))
            continue;
        rc = copy_table(o, name, NULL, 0);
    }
    mdb_cursor_close(c);
    return rc;
}

/* The deleted table, every record marked purged (deleted.h). */
static int write_purged(optimizer *o)
{
    MDB_dbi dbi;
    int rc = dst_dbi(o, GAL_DB_DELETED, &dbi);
    uint32_t doc;
    for (uint64_t from = 0; !rc && gal_deleted_next(&o->deleted, from, &doc);
         from = (uint64_t)doc + 1) {
        uint8_t key[4], val[5];
        gal_put_be32(key, doc);
        rc = dst_put(o, dbi, key, sizeof key, val, gal_deleted_record_value(doc, 1, val));
    }
    return rc;
}

/* Meta terms, once the purge has dropped the terms still carried at the
 * end: those only purged documents held. */
static int put_terms_left(optimizer *o)
{
    uint64_t terms = 0;
    MDB_dbi meta;
    int rc = gal_meta_get_u64(o->st, o->src, GAL_META_TERMS, &terms);
    if (!rc)
        rc = dst_dbi(o, GAL_DB_META, &meta);
    if (rc)
        return rc;
    o->terms_dropped = o->ncarried;
    uint8_t v[8];
    gal_put_le64(v, terms - o->terms_dropped);
    MDB_val key = {strlen(GAL_META_TERMS), (void *)GAL_META_TERMS}, val = {sizeof v, v};
    int mrc = mdb_put(o->dst, meta, &key, &val, 0);
    return mrc ? db_error(mrc, "cannot write the new file") : 0;
}

/* Meta raw_bytes less the purged documents' text, over what the copy of
 * meta wrote: the index/raw ratio of `galley stats` counts what is left. */
static int put_raw_bytes(optimizer *o)
{
    MDB_dbi meta;
    int rc = dst_dbi(o, GAL_DB_META, &meta);
    if (rc)
        return rc;
    uint8_t v[8];
    gal_put_le64(v, o->purged_raw < o->raw_before ? o->raw_before - o->purged_raw : 0);
    MDB_val key = {strlen(GAL_META_RAW_BYTES), (void *)GAL_META_RAW_BYTES}, val = {8, v};
    int mrc = mdb_put(o->dst, meta, &key, &val, 0);
    return mrc ? db_error(mrc, "cannot write the new file") : 0;
}

static int write_new_file(optimizer *o, const char *tmp, size_t mapsize)
{
    int mrc;
    if (mkdir(tmp, 0755) != 0)
        return gal_error_set(errno == ENOSPC ? GAL_EFULL : GAL_EIO, "cannot create '%s': %s", tmp,
                             strerror(errno));
    if ((mrc = mdb_env_create(&o->env)) || (mrc = mdb_env_set_maxdbs(o->env, 16)) ||
        (mrc = mdb_env_set_mapsize(o->env, mapsize)) ||
        /* no sync per commit: the file is made durable once, before the
         * rename (gal_store_close_replacing) */
        (mrc = mdb_env_open(o->env, tmp, MDB_NOTLS | MDB_NOSYNC, 0644)) ||
        (mrc = mdb_txn_begin(o->env, NULL, 0, &o->dst)))
        return db_error(mrc, "cannot create the new file");
    MDB_stat ms;
    if ((mrc = mdb_env_stat(o->env, &ms)))
        return db_error(mrc, "cannot create the new file");
    o->packer.fill = (gal_leaf_fill){ms.ms_psize, 0, 0}; /* its postings table starts empty */
    /* meta as it was, but for the batch count and the format (this galley
     * writes its own entity records); then the other tables */
    uint8_t batches[8], format[8];
    gal_put_le64(batches, o->ngroups);
    gal_put_le64(format, GAL_FORMAT_VERSION);
    uint8_t packed[8];
    gal_put_le64(packed, o->docs);
    swapped meta[7] = {{GAL_META_BATCHES, {sizeof batches, batches}},
                       {GAL_META_FORMAT, {sizeof format, format}}};
    size_t nmeta = 2;
    uint8_t purged[8], tokens[8];
    if (o->npending) { /* every deleted document purged; their positions gone */
        gal_put_le64(purged, o->deleted.count);
        gal_put_le64(tokens, o->tokens - o->purged_tokens);
        meta[nmeta++] = (swapped){GAL_META_PURGED, {sizeof purged, purged}};
        meta[nmeta++] = (swapped){GAL_META_TOKENS, {sizeof tokens, tokens}};
    }
    uint8_t dict_crc[8];
    gal_put_le64(dict_crc, gal_crc32c(0, o->dict.data, o->dict.len));
    if (o->text_level) { /* the text packed again: its dictionary, and how far */
        meta[nmeta++] = (swapped){GAL_META_TEXT_PACKED, {sizeof packed, packed}};
        if (o->dict.len) {
            meta[nmeta++] = (swapped){GAL_META_ZDICT, {o->dict.len, o->dict.data}};
            meta[nmeta++] = (swapped){GAL_META_ZDICT_CRC, {sizeof dict_crc, dict_crc}};
        }
    }
    int rc = copy_table(o, GAL_DB_META, meta, nmeta);
    if (!rc)
        rc = copy_other_tables(o);
    if (!rc && o->npending)
        rc = write_purged(o);
    /* the rewritten tables, which a new index has even when empty */
    if (!rc && !(rc = dst_dbi(o, GAL_DB_POSTINGS, &o->dst_postings)) &&
        !(rc = dst_dbi(o, GAL_DB_IDS, &o->dst_ids)) &&
        !(rc = dst_dbi(o, GAL_DB_LEXICON, &o->dst_lexicon)) &&
        !(rc = dst_dbi(o, GAL_DB_VOCAB, &o->dst_vocab)))
        rc = dst_dbi(o, GAL_DB_DOCSTATS, &o->dst_docstats);
    if (!rc && !(rc = gal_entity_table_open(o->src, 0, &o->src_entities)) &&
        !(rc = gal_entity_merger_new(&o->entities)))
        rc = dst_dbi(o, GAL_DB_ENTITIES, &o->dst_entities);
    /* the text is packed by threads while this one merges the postings
     * (text_repack.h), into its own table: each table's keys come in order */
    if (!rc && o->text_level && !(rc = dst_dbi(o, GAL_DB_TEXT, &o->dst_text))) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        rc = gal_text_repack_begin(o->src, o->st->text, o->src_ddict, o->text_from, &o->deleted,
                                   o->dict.data, o->dict.len, o->text_level,
                                   cpus > 0 ? (unsigned)cpus : 1, put_text, o, &o->text_stats,
                                   &o->repacker);
    }
    for (size_t i = 0; i < o->ngroups && !rc; i++) {
        const group *g = &o->groups[i];
        o->group_at = i;
        o->hash_at = 0;
        if (!(rc = write_docstats(o, g)) && !(rc = write_ids(o, g)) &&
            !(rc = write_postings(o, g)))
            rc = write_terms_and_entities(o, g);
    }
    o->group_at = o->ngroups;
    o->hash_at = 0;
    int trc = gal_text_repack_finish(o->repacker, !rc);
    o->repacker = NULL;
    if (!rc)
        rc = trc;
    if (!rc)
        show_progress(o, 1);
    if (!rc && o->npending)
        rc = put_terms_left(o);
    if (!rc && o->npending) /* known once every group's purged text was read */
        rc = put_raw_bytes(o);
    if (!rc) {
        mrc = mdb_txn_commit(o->dst);
        o->dst = NULL;
        if (mrc)
            rc = db_error(mrc, "cannot commit the new file");
    }
    return rc;
}

static int disk_full(const char *dir)
{
    return gal_error_set(GAL_EFULL, "cannot optimize '%s': no space left on device for the "
                         "new file (it needs about as much as the index takes)", dir);
}

/* MDB_KEYEXIST or MDB_BAD_VALSIZE from an append to the new file: the
 * source's keys were out of order or damaged, in pages LMDB does not check.
 * MDB_MAP_FULL too: the new file's map is twice the old file, which it
 * outgrows only when damaged lengths made records out of nothing. */
static int source_damaged(int rc, const char *dir)
{
    const char *d = rc ? gal_error_detail(rc) : "";
    if ((rc == GAL_EDB && (strstr(d, "MDB_KEYEXIST") || strstr(d, "MDB_BAD_VALSIZE"))) ||
        (rc == GAL_EFULL && strstr(d, "MDB_MAP_FULL")))
        return gal_error_set(GAL_ECORRUPT, "corrupt index: '%s' has keys out of order or "
                             "damaged (%s); 'galley verify' says where", dir, d);
    return rc;
}

/* What purging the deleted documents not purged yet takes off: their
 * positions (from docstats) now, and a snapshot to find their entity
 * mentions again in their stored text by, group by group. */
static int plan_purge(optimizer *o)
{
    int rc = gal_meta_get_u64(o->st, o->src, GAL_META_TOKENS, &o->tokens);
    if (!rc)
        rc = gal_meta_get_u64(o->st, o->src, GAL_META_RAW_BYTES, &o->raw_before);
    size_t bi = 0;
    uint32_t doc;
    for (uint64_t from = 0; !rc && gal_deleted_next_pending(&o->deleted, from, &doc);
         from = (uint64_t)doc + 1) {
        while (bi + 1 < o->nbatches && o->batches[bi + 1].first_doc <= doc)
            bi++;
        const src_batch *b = bi < o->nbatches ? &o->batches[bi] : NULL;
        if (!b || doc < b->first_doc || doc - b->first_doc >= b->ndocs)
            return gal_error_set(GAL_ECORRUPT, "corrupt index: deleted document %u is in no "
                                 "batch of docstats", doc);
        o->purged_tokens += gal_docstats_tokens(b->stats, doc - b->first_doc);
    }
    if (!rc && o->purged_tokens > o->tokens)
        rc = gal_error_set(GAL_ECORRUPT, "corrupt index: meta counts %llu tokens, the deleted "
                           "documents hold %llu", (unsigned long long)o->tokens,
                           (unsigned long long)o->purged_tokens);
    /* the stored text read back through a snapshot of the store's own */
    if (!rc && !(rc = gal_index_of_store(o->st, &o->text_ix)))
        rc = gal_snapshot_begin(o->text_ix, &o->text_snap);
    return rc;
}

/* Read the source, plan the groups and, unless there is nothing to merge
 * (r->skipped), write the new file into tmp.  A damaged LMDB page of the
 * source faults while it is read: reported as corruption. */
static int rewrite(optimizer *o, const char *dir, const char *tmp, size_t mapsize,
                   uint32_t max_docs, int text_level, gal_optimize_report *r)
{
    gal_fault_guard guard = {.armed = 0};
    sigjmp_buf jb;
    int sig = sigsetjmp(jb, 1);
    if (sig) {
        gal_fault_disarm(&guard);
        /* the fault may have left the new file's transaction half-way
         * through a put: leave it alone (the process ends soon; the
         * scratch directory is removed) */
        o->dst = NULL;
        o->env = NULL;
        release_merging(o);
        if (sig == SIGBUS && gal_store_disk_nearly_full(dir)) /* the new file's pages */
            return disk_full(dir);
        return gal_error_set(GAL_ECORRUPT, "corrupt index: '%s' has a damaged LMDB page "
                             "(signal %d while reading it); 'galley verify' says where", dir, sig);
    }
    gal_fault_arm(&guard, &jb);
    int rc = load_batches(o);
    uint64_t ndocs = 0;
    if (!rc && !(rc = gal_meta_get_u64(o->st, o->src, GAL_META_DOCS, &ndocs)))
        rc = gal_deleted_load(o->st, o->src, (uint32_t)ndocs, &o->deleted);
    o->npending = gal_deleted_pending(&o->deleted);
    if (!rc && o->npending)
        rc = plan_purge(o);
    if (!rc)
        rc = plan_groups(o, max_docs);
    if (!rc)
        rc = plan_text(o, text_level);
    r->batches_before = o->nbatches;
    r->batches_after = o->ngroups;
    r->purged = o->npending;
    if (!rc && o->ngroups == o->nbatches && !o->text_level && !o->npending) {
        r->skipped = text_level ? "every batch is a group already and its text packed"
                                : "every batch is a group already";
    } else if (!rc) {
        gal_store_remove_scratch(tmp); /* left by a killed run */
        /* LMDB creating the new file's lock file with no room left faults */
        rc = gal_store_disk_nearly_full(dir) ? disk_full(dir) : write_new_file(o, tmp, mapsize);
        if ((rc == GAL_EIO || rc == GAL_EDB) && gal_store_disk_nearly_full(dir))
            rc = disk_full(dir);
    }
    gal_fault_disarm(&guard);
    return source_damaged(rc, dir);
}

int gal_index_optimize(const char *dir, const gal_optimize_opts *opts, gal_optimize_report *r)
{
    memset(r, 0, sizeof *r);
    double t0 = gal_now_sec();
    /* on the heap: rewrite() may jump back over it (fault_guard.h) */
    optimizer *o = gal_calloc(1, sizeof *o);
    if (!o)
        return gal_error_set(GAL_ENOMEM, "out of memory");
    o->progress = opts->progress;
    o->start = t0;
    gal_buf_init(&o->chunk);
    gal_buf_init(&o->dict);
    gal_chunk_packer_init(&o->packer, put_postings, o);
    char data[4096], tmp[4096];
    snprintf(data, sizeof data, "%s/data.mdb", dir);
    snprintf(tmp, sizeof tmp, "%s/optimize.tmp", dir);
    struct stat sb;
    int rc = 0;
    if (stat(data, &sb) != 0) {
        rc = gal_error_set(GAL_ENOTFOUND, "no index at '%s': %s", dir, strerror(errno));
        goto out;
    }
    if ((rc = gal_store_open(dir, GAL_STORE_WRITE, &o->st)))
        goto out;
    r->bytes_before = r->bytes_after = (uint64_t)sb.st_size;
    MDB_envinfo info;
    int mrc = mdb_env_info(o->st->env, &info);
    if (mrc || (mrc = mdb_txn_begin(o->st->env, NULL, MDB_RDONLY, &o->src)))
        rc = db_error(mrc, "cannot read the index");
    /* the new file is at most as large as the old one */
    size_t mapsize = info.me_mapsize > 2 * (size_t)sb.st_size ? info.me_mapsize
                                                               : 2 * (size_t)sb.st_size + (64u << 20);
    if (!rc)
        rc = rewrite(o, dir, tmp, mapsize,
                     opts->group_docs ? opts->group_docs : GAL_OPTIMIZE_GROUP_DOCS,
                     opts->text_level, r);
    if (o->dst)
        mdb_txn_abort(o->dst);
    if (o->env)
        mdb_env_close(o->env);
    o->dst = NULL;
    o->env = NULL;
    /* the source's readers end before the store is closed or replaced */
    gal_snapshot_end(o->text_snap);
    gal_index_close(o->text_ix);
    o->text_snap = NULL;
    o->text_ix = NULL;
    if (o->src)
        mdb_txn_abort(o->src);
    o->src = NULL;
    if (rc || r->skipped) {
        gal_store_remove_scratch(tmp);
        goto out;
    }
    gal_compaction cp;
    memset(&cp, 0, sizeof cp);
    rc = gal_store_close_replacing(o->st, tmp, &cp);
    o->st = NULL;
    r->skipped = cp.skipped;
    r->blocked = cp.skipped != NULL;
    if (cp.compacted)
        r->bytes_after = cp.after;
out:
    if (o->src)
        mdb_txn_abort(o->src);
    gal_store_close(o->st);
    r->chunks_before = o->chunks_before;
    r->chunks_after = o->chunks_after;
    r->chunks_copied = o->chunks_copied;
    r->terms_dropped = o->terms_dropped;
    r->text = o->text_stats;
    r->text_level = o->text_level;
    if (rc && o->progress && o->last_progress > 0) /* end the progress line before the error */
        fputc('\n', stderr);
    r->seconds = gal_now_sec() - t0;
    gal_free(o->batches);
    gal_free(o->groups);
    gal_deleted_release(&o->deleted);
    gal_gone_mentions_release(&o->gone);
    gal_free(o->emptied);
    gal_free(o->carried);
    gal_free(o->carried_found);
    gal_free(o->acc_pos);
    gal_free(o->in_pos);
    gal_free(o->entries);
    gal_entity_merger_free(o->entities);
    gal_buf_release(&o->chunk);
    gal_buf_release(&o->dict);
    ZSTD_freeDDict(o->src_ddict);
    gal_chunk_packer_release(&o->packer);
    gal_free(o);
    return rc;
}
