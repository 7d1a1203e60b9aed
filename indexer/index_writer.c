#include "index_writer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "chunk_blocks.h"
#include "clock.h"
#include "doc_record.h"
#include "entity_forms.h"
#include "entity_table.h"
#include "fault_guard.h"
#include "tokenizer_rules.h" /* before entity_rules.h, which builds on it */
#include "entity_rules.h"
#include "format.h"
#include "hash_blocks.h"
#include "id_replace.h"
#include "id_table.h"
#include "known_terms.h"
#include "postings_builder.h"
#include "status.h"
#include "store.h"
#include "stored_text.h"
#include "terms.h"

#define MAX_COLLISION_WARNINGS 5

typedef struct pending_file {
    uint32_t no;
    char *path;
} pending_file;

struct gal_encoded {
    gal_builder builder;      /* the batch's terms and encoded postings */
    gal_buf docs_out;         /* blocks of document records, one after another */
    size_t *doc_off;          /* a block's offset into docs_out, and the end */
    size_t off_cap;
    gal_buf stats_out;        /* the batch's docstats record */
    int has_common;           /* builder knows the bigram words */
    /* the folded bytes of each term (words only; others empty), for the
     * lexicon: term k's are folded.data[folded_off[k], folded_off[k + 1]) */
    gal_buf folded;
    uint32_t *folded_off;
    size_t folded_cap;
    double encode_sec;        /* this batch's encoding, added to the totals at commit */
};

int gal_encoded_new(gal_encoded **out)
{
    gal_encoded *e = gal_calloc(1, sizeof *e);
    if (!e)
        return gal_error_set(GAL_ENOMEM, "out of memory");
    gal_builder_init(&e->builder);
    gal_buf_init(&e->docs_out);
    gal_buf_init(&e->stats_out);
    gal_buf_init(&e->folded);
    *out = e;
    return 0;
}

void gal_encoded_free(gal_encoded *e)
{
    if (!e)
        return;
    gal_builder_release(&e->builder);
    gal_buf_release(&e->docs_out);
    gal_buf_release(&e->stats_out);
    gal_buf_release(&e->folded);
    gal_free(e->folded_off);
    gal_free(e->doc_off);
    gal_free(e);
}

/* A term new to the index, its bytes in the batch's encoded folded terms. */
struct new_term {
    const char *folded;
    uint32_t len;
    uint64_t hash, fingerprint;
};

struct gal_writer {
    gal_store *st;
    gal_writer_totals totals;
    uint64_t created;
    gal_buf dict; /* the index's stored-text dictionary, if it has one */
    gal_buf block; /* a block of stored texts being written */
    gal_id_entry *ids; /* the batch's documents with an id */
    size_t ids_cap;
    pending_file *files;
    size_t nfiles, files_cap;
    MDB_dbi entities;
    gal_entity_forms *forms; /* the numbers of every entity's forms so far */
    gal_known_terms *known; /* every word term in the lexicon */
    struct new_term *new_terms; /* the terms the batch adds, for the vocabulary's order
                                 * and, once committed, the known set */
    size_t new_terms_cap;
    uint64_t common[GAL_BIGRAM_WORDS]; /* words that pair into bigrams */
    size_t ncommon;
    int common_known; /* chosen: loaded from the index or by this run */
    uint32_t next_file_no;
    uint32_t run_first_file;
    gal_resume_point resume;
    char *build_note;
    int merge; /* this run merges indexes (gal_writer_set_merge) */
    int keep_cache; /* leave what commits write in the page cache */
    unsigned shard_k, shard_n; /* meta "shard" (0/0: none), as loaded or set */
    /* meta "entity_rules_version": the oldest rules any of the index's
     * documents had their entities found by */
    uint64_t entity_rules;
    /* The postings table's last leaf page as committed, and as the batch
     * being written leaves it (chunk_blocks.h): known when this process
     * wrote the table from empty. */
    gal_leaf_fill postings_fill, postings_fill_next;
    /* --replace: the live document of each id, and what the batch being
     * committed supersedes (gal_id_replace_batch's arrays) */
    gal_id_replace *replace;
    gal_replace_key replace_key;
    gal_deleted_set deleted; /* as committed; loaded with replace */
    uint32_t *gone;
    size_t ngone;
    uint8_t *superseded;
    /* After a commit, a thread of its own adds the batch's new terms to the
     * known set and numbers its entity forms, while the next batch's
     * postings, documents and text are put; that batch joins it before its
     * lexicon and entities, which read them (join_updates). */
    pthread_t updater;
    int updating;        /* the thread runs: join it */
    int update_rc;       /* its failure, kept: every later commit fails */
    uint64_t update_terms; /* w->new_terms it adds */
};

/* The committed batch's in-memory updates: its entity forms numbered, its
 * new terms known. */
static int apply_updates(gal_writer *w)
{
    double t0 = gal_now_sec();
    int rc = gal_entity_forms_commit(w->forms);
    for (uint64_t i = 0; i < w->update_terms && !rc; i++)
        rc = gal_known_terms_add(w->known, w->new_terms[i].hash, w->new_terms[i].fingerprint);
    w->totals.update_sec += gal_now_sec() - t0;
    return rc;
}

static void *updater_main(void *arg)
{
    gal_writer *w = arg;
    w->update_rc = apply_updates(w);
    return NULL;
}

/* Start the committed batch's updates beside what comes next (or do them
 * now, without a thread to spare). */
static int start_updates(gal_writer *w, uint64_t new_terms)
{
    w->update_terms = new_terms;
    if (pthread_create(&w->updater, NULL, updater_main, w) == 0) {
        w->updating = 1;
        return 0;
    }
    return w->update_rc = apply_updates(w);
}

/* Wait for the last batch's updates; their failure, if any. */
static int join_updates(gal_writer *w)
{
    if (w->updating) {
        pthread_join(w->updater, NULL);
        w->updating = 0;
    }
    return w->update_rc;
}

typedef struct guarded_read {
    gal_writer *w;
    MDB_txn *txn;
    int (*read)(gal_writer *w, MDB_txn *txn, void *arg);
    void *arg;
} guarded_read;

static int call_read(void *p)
{
    guarded_read *g = p;
    return g->read(g->w, g->txn, g->arg);
}

/* What this run reads of the index before it writes: a damaged page can
 * make LMDB hand back a record outside the map, or fault itself.  Each read
 * runs under the fault guard (fault_guard.h), and a fault is reported as
 * corruption of `what` before this run can add to a damaged file. */
static int read_guarded(gal_writer *w, MDB_txn *txn, int (*read)(gal_writer *, MDB_txn *, void *),
                        void *arg, const char *what)
{
    guarded_read g = {w, txn, read, arg};
    int sig, rc = gal_fault_call(call_read, &g, &sig);
    if (sig)
        return gal_error_set(GAL_ECORRUPT, "corrupt index '%s': a page of %s is damaged "
                             "('galley verify' says more); nothing was added",
                             w->st->dir, what);
    return rc;
}

/* Every term of the lexicon into the known terms, from the reader arg. */
static int read_lexicon(gal_writer *w, MDB_txn *txn, void *arg)
{
    (void)txn;
    gal_hblock_reader *r = arg;
    int rc = 0, more;
    for (more = gal_hblock_seek(r, 0, 0); more == 0 && !rc; more = gal_hblock_next(r)) {
        if (r->len == 0 || r->len > GAL_MAX_TERM_BYTES)
            rc = gal_error_set(GAL_ECORRUPT, "corrupt index '%s': a lexicon term of %zu bytes",
                               w->st->dir, r->len);
        else
            rc = gal_known_terms_add(w->known, r->hash,
                                     gal_known_terms_fingerprint((const char *)r->rec, r->len));
    }
    return !rc && more < 0 ? more : rc;
}

/* The whole lexicon is read before anything is written. */
static int load_known_terms(gal_writer *w, MDB_txn *txn)
{
    gal_hblock_reader r;
    int rc = gal_known_terms_new(&w->known);
    if (!rc)
        rc = gal_hblock_open(&r, txn, w->st->lexicon, GAL_DB_LEXICON);
    if (rc)
        return rc;
    rc = read_guarded(w, txn, read_lexicon, &r, "the lexicon");
    gal_hblock_close(&r);
    return rc;
}

/* The index's totals, dictionary, run state and bigram words into w. */
static int read_meta(gal_writer *w, MDB_txn *txn, void *arg)
{
    int append = *(const int *)arg;
    gal_store *st = w->st;
    int rc;
    gal_writer_totals *t = &w->totals;
    const void *dict;
    size_t dict_len;
    if ((rc = gal_meta_get_u64(st, txn, GAL_META_DOCS, &t->docs)) ||
        (rc = gal_meta_get_u64(st, txn, GAL_META_TOKENS, &t->tokens)) ||
        (rc = gal_meta_get_u64(st, txn, GAL_META_TERMS, &t->terms)) ||
        (rc = gal_meta_get_u64(st, txn, GAL_META_RAW_BYTES, &t->raw_bytes)) ||
        (rc = gal_meta_get_u64(st, txn, GAL_META_BATCHES, &t->batches)) ||
        (rc = gal_meta_get_u64(st, txn, GAL_META_COLLISIONS, &t->collisions)) ||
        (rc = gal_meta_get_u64(st, txn, GAL_META_CREATED, &w->created)) ||
        (rc = gal_meta_get_zdict(st, txn, &dict, &dict_len)))
        return rc;
    uint64_t rules;
    if ((rc = gal_meta_get_u64(st, txn, GAL_META_ENTITY_RULES, &rules)))
        return rc;
    /* older batches keep the mentions they were given: worth a word, as
     * galley entities then counts some of them by other rules */
    w->entity_rules = t->docs && rules < GAL_ENTITY_RULES_VERSION ? rules : GAL_ENTITY_RULES_VERSION;
    if (t->docs && rules != GAL_ENTITY_RULES_VERSION)
        fprintf(stderr, "galley: note: the %llu documents already in '%s' had their entities "
                "found by rules version %llu, this galley has %u: they keep them (index them "
                "again to find them anew)\n", (unsigned long long)t->docs, st->dir,
                (unsigned long long)rules, GAL_ENTITY_RULES_VERSION);
    uint64_t files, run_first, complete, run_replace;
    const void *resume, *common;
    size_t resume_len, common_len;
    if ((rc = gal_meta_get_u64(st, txn, GAL_META_FILES, &files)) ||
        (rc = gal_meta_get_u64(st, txn, GAL_META_RUN_FIRST_FILE, &run_first)) ||
        (rc = gal_meta_get_u64(st, txn, GAL_META_RUN_COMPLETE, &complete)) ||
        (rc = gal_meta_get_u64(st, txn, GAL_META_RUN_REPLACE, &run_replace)) ||
        (rc = gal_meta_get_bytes(st, txn, GAL_META_RESUME, &resume, &resume_len)) ||
        (rc = gal_meta_get_bytes(st, txn, GAL_META_BIGRAM_WORDS, &common, &common_len)) ||
        (rc = gal_meta_get_shard(st, txn, &w->shard_k, &w->shard_n)))
        return rc;
    if (common) {
        if (common_len % 8 || common_len / 8 > GAL_BIGRAM_WORDS)
            return gal_error_set(GAL_ECORRUPT, "corrupt index '%s': meta '%s' has %zu bytes",
                                 st->dir, GAL_META_BIGRAM_WORDS, common_len);
        w->ncommon = common_len / 8;
        for (size_t i = 0; i < w->ncommon; i++)
            w->common[i] = gal_get_le64((const uint8_t *)common + 8 * i);
        w->common_known = 1;
    }
    w->next_file_no = (uint32_t)files;
    w->run_first_file = (uint32_t)run_first;
    w->resume.has_batches = t->batches > 0;
    w->resume.complete = complete == 1;
    w->resume.run_first_file = (uint32_t)run_first;
    w->resume.files = (uint32_t)files;
    w->resume.replace = run_replace <= GAL_REPLACE_URL ? (gal_replace_key)run_replace
                                                       : GAL_REPLACE_NONE;
    if (resume && resume_len == 16) {
        w->resume.merge = gal_get_le64(resume) == GAL_RESUME_MERGE;
        w->resume.file_no = (uint32_t)gal_get_le64(resume);
        w->resume.offset = gal_get_le64((const uint8_t *)resume + 8);
    }
    if (t->batches && !append)
        return gal_error_set(GAL_EUSAGE, "'%s' already holds an index of %llu documents; use --append to add to it",
                             st->dir, (unsigned long long)t->docs);
    if (dict && (rc = gal_buf_append(&w->dict, dict, dict_len)))
        return rc;
    MDB_stat ms;
    if ((rc = mdb_stat(txn, st->postings, &ms)))
        return gal_store_error(st, rc, "cannot read the postings table of");
    if (ms.ms_entries == 0)
        w->postings_fill = (gal_leaf_fill){ms.ms_psize, 0, 0};
    return 0;
}

static int load_state(gal_writer *w, int append)
{
    MDB_txn *txn;
    int rc = gal_store_txn_begin(w->st, 1, &txn);
    if (rc)
        return rc;
    rc = read_guarded(w, txn, read_meta, &append, "its metadata");
    if (!rc)
        rc = load_known_terms(w, txn);
    mdb_txn_abort(txn);
    return rc;
}

static int number_forms(gal_writer *w, MDB_txn *txn, void *arg)
{
    (void)arg;
    return gal_entity_table_number_forms(txn, w->entities, w->forms);
}

/* Number the forms the entity table already has, as the lexicon is read:
 * the whole table, under the fault guard. */
static int number_entity_forms(gal_writer *w, MDB_txn *txn)
{
    int rc = gal_entity_forms_new(&w->forms);
    return rc ? rc : read_guarded(w, txn, number_forms, NULL, "the entity table");
}

static int open_entity_tables(gal_writer *w)
{
    MDB_txn *txn;
    int rc = gal_store_txn_begin(w->st, 0, &txn);
    if (rc)
        return rc;
    rc = gal_entity_table_open(txn, 1, &w->entities);
    if (!rc)
        rc = number_entity_forms(w, txn);
    if (rc) {
        mdb_txn_abort(txn);
        return rc;
    }
    int mrc = mdb_txn_commit(txn);
    return mrc ? gal_store_error(w->st, mrc, "cannot create the entity table of") : 0;
}

int gal_writer_open(const char *dir, int append, gal_writer **out)
{
    gal_writer *w = gal_calloc(1, sizeof *w);
    if (!w)
        return gal_error_set(GAL_ENOMEM, "out of memory opening '%s'", dir);
    gal_buf_init(&w->dict);
    gal_buf_init(&w->block);
    int rc = gal_store_open(dir, GAL_STORE_WRITE, &w->st);
    /* A commit syncs its pages but not the meta page that points to them:
     * the next commit's sync, or gal_writer_finish's, takes it along.  A
     * system crash may then lose the last batch committed (a resumed run
     * reads it again) but never leaves the index inconsistent; a killed
     * process loses nothing.  One sync a batch instead of two. */
    int mrc;
    if (!rc && (mrc = mdb_env_set_flags(w->st->env, MDB_NOMETASYNC, 1)))
        rc = gal_store_error(w->st, mrc, "cannot set up");
    if (!rc)
        rc = load_state(w, append);
    if (!rc)
        rc = open_entity_tables(w);
    if (rc) {
        gal_writer_close(w);
        return rc;
    }
    *out = w;
    return 0;
}

static void release(gal_writer *w)
{
    gal_buf_release(&w->dict);
    gal_buf_release(&w->block);
    gal_free(w->ids);
    for (size_t i = 0; i < w->nfiles; i++)
        gal_free(w->files[i].path);
    gal_free(w->files);
    gal_free(w->build_note);
    gal_known_terms_free(w->known);
    gal_entity_forms_free(w->forms);
    gal_free(w->new_terms);
    gal_id_replace_free(w->replace);
    gal_deleted_release(&w->deleted);
    gal_free(w);
}

void gal_writer_close(gal_writer *w)
{
    if (!w)
        return;
    join_updates(w);
    if (w->st)
        mdb_env_sync(w->st->env, 1); /* the last commit's meta page, after a failure too */
    gal_store_close(w->st);
    release(w);
}

uint32_t gal_writer_next_doc(const gal_writer *w)
{
    return (uint32_t)w->totals.docs;
}

void gal_writer_dict(const gal_writer *w, const void **dict, size_t *len)
{
    *dict = w->dict.len ? w->dict.data : NULL;
    *len = w->dict.len;
}

const gal_writer_totals *gal_writer_totals_get(gal_writer *w)
{
    join_updates(w); /* its failure, if any, is the next commit's */
    return &w->totals;
}

int gal_writer_add_file(gal_writer *w, const char *path, uint32_t *file_no)
{
    if (gal_grow((void **)&w->files, &w->files_cap, w->nfiles + 1, sizeof *w->files, 64))
        return gal_error_set(GAL_ENOMEM, "out of memory");
    char *copy = gal_strndup(path, strlen(path));
    if (!copy)
        return gal_error_set(GAL_ENOMEM, "out of memory");
    w->files[w->nfiles++] = (pending_file){w->next_file_no, copy};
    *file_no = w->next_file_no++;
    return 0;
}

int gal_writer_set_shard(gal_writer *w, unsigned k, unsigned n)
{
    if (w->totals.batches && (w->shard_k != k || w->shard_n != n)) {
        char had[32] = "all documents", given[48] = "no --shard";
        if (w->shard_n)
            snprintf(had, sizeof had, "shard %u/%u", w->shard_k, w->shard_n);
        if (n)
            snprintf(given, sizeof given, "--shard %u/%u", k, n);
        return gal_error_set(GAL_EUSAGE, "'%s' holds %s; %s was given (a run adds to the same shard)",
                             w->st->dir, had, given);
    }
    w->shard_k = k;
    w->shard_n = n;
    return 0;
}

int gal_writer_set_build_note(gal_writer *w, const char *note)
{
    char *copy = gal_strndup(note, strlen(note));
    if (!copy)
        return gal_error_set(GAL_ENOMEM, "out of memory");
    gal_free(w->build_note);
    w->build_note = copy;
    return 0;
}

/* Encode document records, GAL_DOC_BLOCK_DOCS a block, and the batch's
 * docstats (outside the transaction, so a map-full retry does not redo
 * it). */
static int encode_docs(gal_encoded *e, const gal_batch *b, const gal_tokens *t)
{
    if (b->ndocs + 1 > e->off_cap) {
        size_t cap = b->ndocs + 1;
        size_t *d = gal_realloc(e->doc_off, cap * sizeof *d);
        if (!d)
            return gal_error_set(GAL_ENOMEM, "out of memory");
        e->doc_off = d;
        e->off_cap = cap;
    }
    gal_buf_clear(&e->docs_out);
    uint32_t *tokens = gal_malloc((b->ndocs + 1) * sizeof *tokens);
    uint32_t *titles = gal_malloc((b->ndocs + 1) * sizeof *titles);
    int64_t *dates = gal_malloc((b->ndocs + 1) * sizeof *dates);
    int rc = tokens && titles && dates ? 0 : gal_error_set(GAL_ENOMEM, "out of memory");
    /* title tokens: count the tokens of each document before its body */
    size_t ti = 0;
    gal_doc_fields block[GAL_DOC_BLOCK_DOCS];
    double t0 = gal_now_sec();
    for (uint32_t d = 0; d < b->ndocs && !rc; d++) {
        const gal_batch_doc *bd = &b->docs[d];
        uint32_t title_tokens = 0;
        while (ti < t->n && t->doc[ti] < d)
            ti++;
        while (ti < t->n && t->doc[ti] == d && t->offset[ti] < b->body_start[d]) {
            title_tokens++;
            ti++;
        }
        const char *s = (const char *)b->strings.data;
        gal_doc_fields *f = &block[d % GAL_DOC_BLOCK_DOCS];
        *f = (gal_doc_fields){
            .id = s + bd->id, .id_len = bd->id_len,
            .title_len = b->body_start[d] - 1 - b->doc_start[d],
            .date = s + bd->date, .date_len = bd->date_len,
            .file_no = bd->file_no, .url = s + bd->url, .url_len = bd->url_len,
        };
        tokens[d] = t->doc_tokens[d];
        titles[d] = title_tokens;
        dates[d] = bd->date_sec;
        uint32_t n = d % GAL_DOC_BLOCK_DOCS + 1;
        if (n == GAL_DOC_BLOCK_DOCS || d + 1 == b->ndocs) {
            uint32_t first = d + 1 - n;
            e->doc_off[first / GAL_DOC_BLOCK_DOCS] = e->docs_out.len;
            rc = gal_doc_block_encode(block, n, b->first_doc + first, &e->docs_out);
        }
    }
    e->doc_off[(b->ndocs + GAL_DOC_BLOCK_DOCS - 1) / GAL_DOC_BLOCK_DOCS] = e->docs_out.len;
    if (!rc)
        rc = gal_docstats_encode(tokens, titles, dates, b->ndocs, b->first_doc, &e->stats_out);
    gal_free(tokens);
    gal_free(titles);
    gal_free(dates);
    e->encode_sec += gal_now_sec() - t0;
    return rc;
}

static int put(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen,
               const void *v, size_t vlen, unsigned flags)
{
    MDB_val key = {klen, (void *)k}, val = {vlen, (void *)v};
    int rc = mdb_put(txn, dbi, &key, &val, flags);
    if (rc == MDB_KEYEXIST && (flags & MDB_NOOVERWRITE))
        return 0;
    return rc;
}

/* Append k → v after the last key of the cursor's table.  One cursor per
 * table and batch stays on the table's last page, so an append does not
 * search down from the root as mdb_put(MDB_APPEND) does each time.  The
 * transaction closes the cursor when it ends. */
static int append(MDB_cursor *cur, const void *k, size_t klen, const void *v, size_t vlen)
{
    MDB_val key = {klen, (void *)k}, val = {vlen, (void *)v};
    return mdb_cursor_put(cur, &key, &val, MDB_APPEND);
}

static int append_text_block(void *ctx, const uint8_t key[4], const void *block, size_t len)
{
    return append(ctx, key, 4, block, len);
}

/* The folded bytes of the batch's term k. */
static const char *folded_term(const gal_encoded *e, uint32_t k, uint32_t *len)
{
    *len = e->folded_off[k + 1] - e->folded_off[k];
    return (const char *)e->folded.data + e->folded_off[k];
}

/* Name both terms of a hash collision: the lexicon's is in some batch. */
static void warn_collision(MDB_txn *txn, MDB_dbi lexicon, uint64_t hash, const char *folded,
                           uint32_t len)
{
    gal_hblock_reader r;
    const char *other = "";
    size_t other_len = 0;
    if (gal_hblock_open(&r, txn, lexicon, GAL_DB_LEXICON) == 0) {
        uint64_t batch = 0;
        if (gal_hblock_find_from(&r, &batch, hash) == 0) {
            other = (const char *)r.rec;
            other_len = r.len;
        }
        gal_hblock_close(&r);
    }
    gal_error_clear(); /* a damaged lexicon only costs this warning its word */
    fprintf(stderr, "galley: warning: term hash collision: '%.*s' and '%.*s' share key %016llx\n",
            (int)other_len, other, (int)len, folded, (unsigned long long)hash);
}

/* A finished hash block (lexicon, ids), appended to the table on the
 * cursor ctx: the batch's keys come after every earlier batch's. */
static int append_hblock(void *ctx, const uint8_t *key, const void *block, size_t len)
{
    return append(ctx, key, GAL_HBLOCK_KEY_LEN, block, len);
}

/* Vocabulary order (LMDB's: bytes, then length). */
static int by_folded(const void *pa, const void *pb)
{
    const struct new_term *a = pa, *b = pb;
    return gal_key_order(a->folded, a->len, b->folded, b->len);
}

/* Append the batch's new terms to the lexicon and the vocabulary under its
 * first document (and list them in w->new_terms, for the known set once
 * the batch is committed); count collisions. */
static int write_lexicon(gal_writer *w, const gal_encoded *e, MDB_txn *txn, uint32_t batch,
                         uint64_t *new_terms, uint64_t *collisions)
{
    gal_store *st = w->st;
    const gal_builder *bl = &e->builder;
    if (gal_grow((void **)&w->new_terms, &w->new_terms_cap, bl->nterms, sizeof *w->new_terms, 0))
        return gal_error_set(GAL_ENOMEM, "out of memory");
    uint8_t key[4 + GAL_MAX_TERM_BYTES];
    gal_put_be32(key, batch);
    MDB_cursor *lc, *vc;
    int mrc;
    if ((mrc = mdb_cursor_open(txn, st->lexicon, &lc)) ||
        (mrc = mdb_cursor_open(txn, st->vocab, &vc)))
        return mrc;
    gal_hblock_builder lexicon;
    gal_hblock_builder_init(&lexicon, append_hblock, lc);
    size_t n = 0;
    for (uint32_t k = 0; k < bl->nterms && !mrc; k++) {
        const gal_term_group *g = &bl->terms[k];
        if (g->kind != GAL_TERM_WORD)
            continue;
        uint32_t len;
        const char *folded = folded_term(e, k, &len);
        uint64_t fp = gal_known_terms_fingerprint(folded, len);
        int known = gal_known_terms_find(w->known, g->hash, fp);
        if (known == GAL_TERM_KNOWN)
            continue;
        if (known == GAL_TERM_COLLIDES) {
            if (w->totals.collisions + *collisions < MAX_COLLISION_WARNINGS)
                warn_collision(txn, st->lexicon, g->hash, folded, len);
            (*collisions)++;
            continue;
        }
        /* terms come in hash order: the lexicon's order within a batch */
        mrc = gal_hblock_add(&lexicon, batch, g->hash, folded, len);
        w->new_terms[n++] = (struct new_term){folded, len, g->hash, fp};
    }
    if (!mrc)
        mrc = gal_hblock_flush(&lexicon);
    gal_hblock_builder_release(&lexicon);
    if (n > 1)
        qsort(w->new_terms, n, sizeof *w->new_terms, by_folded);
    for (size_t i = 0; i < n && !mrc; i++) {
        const struct new_term *t = &w->new_terms[i];
        uint8_t hash[8];
        gal_put_be64(hash, t->hash);
        memcpy(key + 4, t->folded, t->len);
        mrc = append(vc, key, 4 + t->len, hash, 8);
    }
    *new_terms = n;
    return mrc;
}

/* The batch's external ids (id_table.h). */
static int write_ids(gal_writer *w, MDB_txn *txn, const gal_batch *b)
{
    if (gal_grow((void **)&w->ids, &w->ids_cap, b->ndocs, sizeof *w->ids, 0))
        return gal_error_set(GAL_ENOMEM, "out of memory sorting ids");
    size_t n = 0;
    for (uint32_t d = 0; d < b->ndocs; d++) {
        const gal_batch_doc *bd = &b->docs[d];
        const char *id = (const char *)b->strings.data + bd->id;
        /* a document that a later one of the batch replaces is not the
         * batch's document of its id: the later one is */
        if (bd->id_len > 0 && !(w->ngone && w->superseded[d]))
            w->ids[n++] = (gal_id_entry){gal_id_hash(id, bd->id_len), id, (uint32_t)bd->id_len,
                                         b->first_doc + d};
    }
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, w->st->ids, &cur);
    if (rc)
        return rc;
    gal_hblock_builder bb;
    gal_hblock_builder_init(&bb, append_hblock, cur);
    if (!(rc = gal_id_table_add(&bb, b->first_doc, w->ids, n)))
        rc = gal_hblock_flush(&bb);
    gal_hblock_builder_release(&bb);
    return rc;
}

static int append_chunk(void *ctx, const uint8_t key[GAL_POSTINGS_KEY_LEN], const void *val,
                        size_t len)
{
    return append(ctx, key, GAL_POSTINGS_KEY_LEN, val, len);
}

/* The batch's chunks, in key order; a term's only chunk, when small, into a
 * block with its neighbours' (chunk_blocks.h).  Returns an LMDB code or a
 * negative gal_status. */
static int write_postings(gal_writer *w, const gal_postings_out *po, MDB_cursor *pc)
{
    gal_chunk_packer pk;
    gal_chunk_packer_init(&pk, append_chunk, pc);
    pk.fill = w->postings_fill;
    int rc = 0;
    for (size_t i = 0; i < po->nchunks && !rc; i++) {
        const uint8_t *key = po->keys + i * GAL_POSTINGS_KEY_LEN;
        int whole = (i == 0 || memcmp(key - GAL_POSTINGS_KEY_LEN + 4, key + 4, 8)) &&
                    (i + 1 == po->nchunks || memcmp(key + GAL_POSTINGS_KEY_LEN + 4, key + 4, 8));
        rc = gal_chunk_packer_add(&pk, key, po->data.data + po->val_off[i],
                                  po->val_off[i + 1] - po->val_off[i], whole);
    }
    if (!rc)
        rc = gal_chunk_packer_flush(&pk);
    w->postings_fill_next = pk.fill;
    gal_chunk_packer_release(&pk);
    return rc;
}

/* Everything one batch writes, in one transaction.  Returns an LMDB code
 * (so MDB_MAP_FULL can be retried) or a negative gal_status. */
static int write_batch(gal_writer *w, const gal_encoded *e, MDB_txn *txn, const gal_batch *b,
                       uint64_t ntokens, const gal_entity_batch *eb, uint64_t *new_terms,
                       uint64_t *collisions)
{
    gal_store *st = w->st;
    const gal_postings_out *po = &e->builder.out;
    MDB_cursor *pc, *dc, *tc;
    int rc;
    if ((rc = mdb_cursor_open(txn, st->postings, &pc)) ||
        (rc = mdb_cursor_open(txn, st->docs, &dc)) || (rc = mdb_cursor_open(txn, st->text, &tc)))
        return rc;
    /* the bulk first, while the last batch's updates finish beside it */
    if ((rc = write_postings(w, po, pc)))
        return rc;
    for (uint32_t i = 0; i * GAL_DOC_BLOCK_DOCS < b->ndocs; i++) {
        uint8_t key[4];
        gal_put_be32(key, b->first_doc + i * GAL_DOC_BLOCK_DOCS);
        if ((rc = append(dc, key, 4, e->docs_out.data + e->doc_off[i],
                         e->doc_off[i + 1] - e->doc_off[i])))
            return rc;
    }
    /* stored text in blocks of consecutive documents (stored_text.h) */
    uint32_t nput;
    if ((rc = gal_text_blocks_put(&w->block, b->stored.data, b->stored_off, b->stored_doc,
                                  b->first_doc, b->nstored, 0, append_text_block, tc, &nput)))
        return rc;
    if ((rc = write_ids(w, txn, b)))
        return rc;
    if ((rc = join_updates(w)))
        return rc;
    if ((rc = write_lexicon(w, e, txn, b->first_doc, new_terms, collisions)))
        return rc;
    if ((rc = gal_entity_table_apply(txn, w->entities, eb, b->first_doc, w->forms)))
        return rc;
    if ((rc = gal_deleted_put(st, txn, w->gone, w->ngone, w->deleted.count)))
        return rc;
    uint8_t skey[4];
    gal_put_be32(skey, b->first_doc);
    if (b->ndocs && (rc = put(txn, st->docstats, skey, 4, e->stats_out.data, e->stats_out.len,
                              MDB_APPEND)))
        return rc;
    for (size_t i = 0; i < w->nfiles; i++) {
        uint8_t fkey[4];
        gal_put_be32(fkey, w->files[i].no);
        if ((rc = put(txn, st->files, fkey, 4, w->files[i].path, strlen(w->files[i].path), 0)))
            return rc;
    }
    const gal_writer_totals *tot = &w->totals;
    uint64_t now = (uint64_t)time(NULL);
    uint8_t resume[16];
    gal_put_le64(resume, w->merge ? GAL_RESUME_MERGE : b->end_file_no);
    gal_put_le64(resume + 8, b->end_offset);
    if ((rc = gal_meta_put_u64(st, txn, GAL_META_FORMAT, GAL_FORMAT_VERSION)) ||
        (rc = gal_meta_put_u64(st, txn, GAL_META_TOKENIZER, GAL_TOKENIZER_VERSION)) ||
        (rc = gal_meta_put_u64(st, txn, GAL_META_ENTITY_RULES, w->entity_rules)) ||
        (rc = gal_meta_put_u64(st, txn, GAL_META_DOCS, tot->docs + b->ndocs)) ||
        (rc = gal_meta_put_u64(st, txn, GAL_META_TOKENS, tot->tokens + ntokens)) ||
        (rc = gal_meta_put_u64(st, txn, GAL_META_TERMS, tot->terms + *new_terms)) ||
        (rc = gal_meta_put_u64(st, txn, GAL_META_RAW_BYTES, tot->raw_bytes + b->raw_bytes)) ||
        (rc = gal_meta_put_u64(st, txn, GAL_META_BATCHES, tot->batches + 1)) ||
        (rc = gal_meta_put_u64(st, txn, GAL_META_COLLISIONS, tot->collisions + *collisions)) ||
        (rc = gal_meta_put_u64(st, txn, GAL_META_FILES, w->next_file_no)) ||
        (rc = gal_meta_put_u64(st, txn, GAL_META_RUN_FIRST_FILE, w->run_first_file)) ||
        (rc = gal_meta_put_u64(st, txn, GAL_META_RUN_COMPLETE, 0)) ||
        (rc = gal_meta_put_u64(st, txn, GAL_META_RUN_REPLACE, w->replace_key)) ||
        (rc = gal_meta_put_u64(st, txn, GAL_META_CREATED, w->created ? w->created : now)) ||
        (rc = gal_meta_put_u64(st, txn, GAL_META_UPDATED, now)) ||
        (rc = gal_meta_put_bytes(st, txn, GAL_META_RESUME, resume, sizeof resume)))
        return rc;
    if (b->new_dict.len &&
        (rc = gal_meta_put_zdict(st, txn, b->new_dict.data, b->new_dict.len)))
        return rc;
    if (tot->batches == 0) {
        uint8_t common[GAL_BIGRAM_WORDS * 8];
        for (size_t i = 0; i < w->ncommon; i++)
            gal_put_le64(common + 8 * i, w->common[i]);
        if ((rc = gal_meta_put_bytes(st, txn, GAL_META_BIGRAM_WORDS, common, w->ncommon * 8)))
            return rc;
    }
    if (w->build_note &&
        (rc = gal_meta_put_bytes(st, txn, GAL_META_BUILD, w->build_note, strlen(w->build_note))))
        return rc;
    if (w->shard_n) {
        char shard[32];
        snprintf(shard, sizeof shard, "%u/%u", w->shard_k, w->shard_n);
        if ((rc = gal_meta_put_bytes(st, txn, GAL_META_SHARD, shard, strlen(shard))))
            return rc;
    }
    return 0;
}

/* The folded bytes of the batch's word terms, re-tokenized at their first
 * occurrence: the lexicon stores them, and the commit needs no tokenizer. */
static int fold_words(gal_encoded *e, const gal_batch *b)
{
    const gal_builder *bl = &e->builder;
    if (bl->nterms + 1 > e->folded_cap) {
        uint32_t *off = gal_realloc(e->folded_off, (bl->nterms + 1) * sizeof *off);
        if (!off)
            return gal_error_set(GAL_ENOMEM, "out of memory");
        e->folded_off = off;
        e->folded_cap = bl->nterms + 1;
    }
    gal_buf_clear(&e->folded);
    int rc = 0;
    for (size_t k = 0; k < bl->nterms && !rc; k++) {
        const gal_term_group *g = &bl->terms[k];
        e->folded_off[k] = (uint32_t)e->folded.len;
        if (g->kind != GAL_TERM_WORD)
            continue;
        gal_term term;
        if (!gal_term_next((const char *)b->text.data, b->text.len, g->first_offset, &term) ||
            term.hash != g->hash)
            return gal_error_set(GAL_EINPUT, "internal error: term at batch offset %u does not re-hash",
                                 g->first_offset);
        rc = gal_buf_append(&e->folded, term.folded, term.folded_len);
    }
    e->folded_off[bl->nterms] = (uint32_t)e->folded.len;
    return rc;
}

int gal_writer_choose_common(gal_writer *w, gal_encoded *e, const gal_tokens *t)
{
    if (w->common_known)
        return 0;
    /* the first batch's most frequent words pair up into bigrams, in this
     * batch and every later one */
    int rc = gal_builder_top_words(&e->builder, t, GAL_BIGRAM_WORDS, w->common, &w->ncommon);
    if (rc)
        return rc;
    w->common_known = 1;
    return 0;
}

int gal_writer_encode(gal_writer *w, gal_encoded *e, const gal_batch *b, gal_tokens *t,
                      const gal_mentions *m)
{
    /* documents first: their title-token count reads t->offset, which the
     * postings builder then reuses */
    e->encode_sec = 0;
    int rc = encode_docs(e, b, t);
    if (rc)
        return rc;
    double t0 = gal_now_sec();
    if ((rc = gal_writer_choose_common(w, e, t)))
        return rc;
    if (!e->has_common) {
        gal_builder_set_common(&e->builder, w->common, w->ncommon);
        e->has_common = 1;
    }
    gal_builder_mentions bm = {m ? m->hash : NULL, m ? m->doc : NULL, m ? m->pos : NULL,
                               m ? m->n : 0};
    if ((rc = gal_builder_run(&e->builder, t, &bm, b->first_doc)))
        return rc;
    if ((rc = fold_words(e, b)))
        return rc;
    e->encode_sec += gal_now_sec() - t0;
    return 0;
}

/* write_batch's arguments, for gal_store_write. */
typedef struct batch_write {
    gal_writer *w;
    const gal_encoded *e;
    const gal_batch *b;
    uint64_t ntokens;
    const gal_entity_batch *eb;
    uint64_t new_terms, collisions;
    double put_sec; /* the puts of the try that committed */
} batch_write;

static int write_batch_txn(void *ctx, MDB_txn *txn)
{
    batch_write *bw = ctx;
    bw->new_terms = bw->collisions = 0; /* a try after the map grew starts over */
    double t0 = gal_now_sec();
    int rc = write_batch(bw->w, bw->e, txn, bw->b, bw->ntokens, bw->eb, &bw->new_terms,
                         &bw->collisions);
    bw->put_sec = gal_now_sec() - t0;
    return rc;
}

/* --replace: what batch b supersedes, decided once before its
 * transaction (which may be tried again after the map grows). */
static int plan_replacements(gal_writer *w, const gal_batch *b)
{
    w->ngone = 0;
    if (!w->replace)
        return 0;
    MDB_txn *txn;
    int rc = gal_store_txn_begin(w->st, 1, &txn);
    if (rc)
        return rc;
    rc = gal_id_replace_batch(w->replace, txn, w->st->docs, b, &w->gone, &w->ngone,
                              &w->superseded);
    mdb_txn_abort(txn);
    return rc;
}

int gal_writer_set_replace(gal_writer *w, gal_replace_key key)
{
    if (w->replace || key == GAL_REPLACE_NONE)
        return 0;
    w->replace_key = key;
    MDB_txn *txn;
    int rc = gal_store_txn_begin(w->st, 1, &txn);
    if (rc)
        return rc;
    uint32_t ndocs = (uint32_t)w->totals.docs;
    if (!(rc = gal_deleted_load(w->st, txn, ndocs, &w->deleted)))
        rc = gal_id_replace_new(txn, w->st->docs, ndocs, &w->deleted, key, &w->replace);
    mdb_txn_abort(txn);
    return rc;
}

int gal_writer_commit(gal_writer *w, const gal_encoded *e, gal_batch *b, uint64_t ntokens,
                      const gal_entity_batch *eb)
{
    if (b->first_doc != gal_writer_next_doc(w))
        return gal_error_set(GAL_EUSAGE, "internal error: batch starts at doc %u, index at %u",
                             b->first_doc, gal_writer_next_doc(w));
    int rc;
    double t0 = gal_now_sec();
    w->totals.encode_sec += e->encode_sec;
    if ((rc = plan_replacements(w, b)))
        return rc;
    batch_write bw = {w, e, b, ntokens, eb, 0, 0, 0};
    double t1 = gal_now_sec();
    if ((rc = gal_store_write(w->st, write_batch_txn, &bw, "cannot write batch to")))
        return rc;
    if (!w->keep_cache)
        gal_store_drop_cached(w->st);
    uint64_t new_terms = bw.new_terms, collisions = bw.collisions;
    /* what the transaction took beyond its puts: the commit (and the
     * tries before a map growth, rare) */
    w->totals.commit_sec += gal_now_sec() - t1 - bw.put_sec;
    w->postings_fill = w->postings_fill_next;
    for (size_t i = 0; i < w->ngone; i++)
        if ((rc = gal_deleted_mark(&w->deleted, w->gone[i])))
            return rc;
    w->totals.replaced += w->ngone;
    w->ngone = 0;
    if ((rc = start_updates(w, new_terms)))
        return rc;
    gal_writer_totals *tot = &w->totals;
    tot->docs += b->ndocs;
    tot->tokens += ntokens;
    tot->terms += new_terms;
    tot->new_terms += new_terms;
    tot->raw_bytes += b->raw_bytes;
    tot->batches++;
    tot->collisions += collisions;
    if (!w->created)
        w->created = (uint64_t)time(NULL);
    /* committed: the file names are in the index now */
    for (size_t i = 0; i < w->nfiles; i++)
        gal_free(w->files[i].path);
    w->nfiles = 0;
    /* the writer's whole share (the updates run beside it) */
    w->totals.write_sec += gal_now_sec() - t0;
    return 0;
}

void gal_writer_keep_cache(gal_writer *w, int keep)
{
    w->keep_cache = keep;
}

void gal_writer_resume_point(const gal_writer *w, gal_resume_point *out)
{
    *out = w->resume;
}

int gal_writer_file_path(gal_writer *w, uint32_t no, char **path)
{
    MDB_txn *txn;
    int rc = gal_store_txn_begin(w->st, 1, &txn);
    if (rc)
        return rc;
    uint8_t key[4];
    gal_put_be32(key, no);
    MDB_val k = {4, key}, v;
    int mrc = mdb_get(txn, w->st->files, &k, &v);
    if (mrc == MDB_NOTFOUND)
        rc = gal_error_set(GAL_ENOTFOUND, "index '%s' records no input file %u", w->st->dir, no);
    else if (mrc)
        rc = gal_store_error(w->st, mrc, "cannot read the input files of");
    else if (!(*path = gal_strndup(v.mv_data, v.mv_size)))
        rc = gal_error_set(GAL_ENOMEM, "out of memory");
    mdb_txn_abort(txn);
    return rc;
}

void gal_writer_begin_run(gal_writer *w)
{
    w->run_first_file = w->next_file_no;
}

void gal_writer_set_merge(gal_writer *w)
{
    w->merge = 1;
}

void gal_writer_continue_run(gal_writer *w, uint32_t file_no)
{
    w->next_file_no = file_no;
}

static int finish_txn(void *ctx, MDB_txn *txn)
{
    gal_writer *w = ctx;
    /* versions too: a run over empty input commits no batch, and its
     * index must still open */
    int rc;
    if (!(rc = gal_meta_put_u64(w->st, txn, GAL_META_FORMAT, GAL_FORMAT_VERSION)) &&
        !(rc = gal_meta_put_u64(w->st, txn, GAL_META_TOKENIZER, GAL_TOKENIZER_VERSION)))
        rc = gal_meta_put_u64(w->st, txn, GAL_META_RUN_COMPLETE, 1);
    return rc;
}

int gal_writer_finish(gal_writer *w)
{
    int rc = join_updates(w);
    if (!rc)
        rc = gal_store_write(w->st, finish_txn, w, "cannot finish");
    int mrc;
    if (!rc && (mrc = mdb_env_sync(w->st->env, 1)))
        rc = gal_store_error(w->st, mrc, "cannot sync");
    if (!rc && !w->keep_cache)
        gal_store_drop_cached(w->st);
    return rc;
}
