/*
 * verify.c — gal_index_verify(): walk every table of an index at one
 * commit and report each damaged or inconsistent record (verify.h).  A
 * table whose pages LMDB cannot read is reported where its walk stopped,
 * and the next table is read all the same (`stage`); reads of one table
 * made from another's walk have a transaction of their own, so damage
 * they meet does not end the walk (`lookup_begin`).
 */
#include "verify.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "alloc.h"
#include "batch_table.h"
#include "buf.h"
#include "chunk_blocks.h"
#include "doc_record.h"
#include "entity_table.h"
#include "fault_guard.h"
#include "hash_blocks.h"
#include "id_table.h"
#include "record.h"
#include "format.h"
#include "index.h"
#include "status.h"
#include "store.h"
#include "stored_text.h"
#include "terms.h"
#include "tokenizer_rules.h"

/* Lines printed before the rest are only counted. */
#define MAX_REPORTED 1000
/* Bytes of a term or id a message shows, and its room once escaped. */
#define SHOWN_BYTES 64
#define SHOWN_ROOM (4 * SHOWN_BYTES + 4)
/* More positions than this in one chunk are not decoded (128 documents). */
#define GAL_CHECK_MAX_POSITIONS (1u << 26)

typedef struct batch_ref {
    uint32_t first_doc, n;
    const uint8_t *data; /* checked docstats record, in the map */
} batch_ref;

/* Positions found for one term in one batch (one run of postings keys). */
typedef struct term_run {
    uint64_t hash;
    uint64_t positions;
} term_run;

typedef struct postings_walk {
    int have_run;      /* a (batch, term) run has started */
    uint32_t batch;    /* its batch (first document) */
    uint64_t hash;     /* its term */
    uint32_t last_doc; /* the run's previous chunk ends here */
    uint32_t run_docs; /* the run's documents so far */
    int run_closed;    /* a chunk of the run carried its count (the last must, alone) */
    int run_damaged;   /* a chunk of the run failed to parse: its count is unknown */
    const batch_ref *b; /* docstats of the batch, NULL when missing */
    uint32_t bad_batch; /* batch key last reported as having no docstats */
    int reported_bad;
    term_run *runs;    /* one per run, in key order */
    size_t nruns, runs_cap;
    uint32_t docs[GAL_CHUNK_DOCS], tfs[GAL_CHUNK_DOCS], max_pos[GAL_CHUNK_DOCS];
} postings_walk;

/* Where a walk over a table of hash blocks is: its last record's batch and
 * hash, once it has one. */
typedef struct hblock_walk {
    int seen;
    uint32_t batch;
    uint64_t hash;
} hblock_walk;

typedef struct lexicon_entry {
    uint64_t hash;
    const char *term; /* in the map */
    size_t len;
} lexicon_entry;

typedef struct vctx vctx;
typedef int (*walk_fn)(vctx *v, const MDB_val *k, const MDB_val *val);

struct vctx {
    gal_store *st;
    MDB_txn *txn;
    size_t snapshot;   /* its commit: a fresh transaction must see the same */
    const uint8_t *map_lo, *map_hi; /* LMDB's map of the file */
    int txn_failed;    /* LMDB failed a read in it, and refuses the rest */
    MDB_txn *look;     /* for lookups into other tables (lookup_begin) */
    MDB_cursor *look_docs;     /* its cursors, kept here: a fault that jumps */
    gal_hblock_reader look_lex; /* out of a lookup leaves none behind */
    int look_lex_open;
    int look_failed;   /* a lookup failed: begin it again */
    int look_refused;  /* it cannot be: no more cross-checks */
    unsigned look_said; /* tables whose failed lookups were reported (a bit each) */
    int stopped;       /* the stage's table was not read to its end */
    FILE *report;
    gal_verify_stats s;
    uint64_t meta_docs, meta_terms, meta_batches, meta_files, meta_tokens;
    uint64_t meta_text_packed; /* documents optimize packed (text_repack.h) */
    batch_ref *batches;
    size_t nbatches;
    ZSTD_DCtx *dctx;
    ZSTD_DDict *ddict;
    gal_buf text;
    gal_doc_block doc_block; /* the docs block read last, for cross-checks */
    hblock_walk ids_walk, lex_walk; /* the ids and lexicon walks */
    uint32_t next_batch_doc; /* docstats walk: where the next batch must start */
    uint64_t next_doc;       /* docs and text walks: the next document expected */
    uint64_t named_positions; /* positions of words (terms in the lexicon) */
    uint64_t *purged;         /* a bit per purged document (deleted.h), NULL: none */
    postings_walk pw;
    int postings_whole;       /* every postings record was read: has_postings() knows */
    lexicon_entry *lex;       /* every lexicon term, to match the postings' */
    size_t nlex, lex_cap;
    const char *stage;       /* the table whose walk is under way */
    const char *table;       /* being read: named when LMDB faults */
    MDB_cursor *cur;         /* the walk's cursor, while one is open */
    MDB_dbi walk_dbi;        /* stage_walk's table and check */
    walk_fn walk_check;
    gal_entity_each_state *entity_walk; /* the entities walk's, while it runs */
};

/* Whether doc's deleted record says it is purged (deleted.h). */
static int is_purged(const vctx *v, uint32_t doc)
{
    return v->purged && doc < v->meta_docs && (v->purged[doc >> 6] >> (doc & 63) & 1);
}

static void problem(vctx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(vctx *v, const char *fmt, ...)
{
    v->s.problems++;
    if (!v->report)
        return;
    if (v->s.problems > MAX_REPORTED) {
        if (v->s.problems == MAX_REPORTED + 1)
            fprintf(v->report, "(more problems are counted, not shown)\n");
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vfprintf(v->report, fmt, ap);
    va_end(ap);
    fputc('\n', v->report);
}

/* Report the detail a codec function left: it already names table and key. */
static void problem_detail(vctx *v, int rc)
{
    const char *d = gal_error_detail(rc);
    static const char prefix[] = "corrupt index: ";
    if (!strncmp(d, prefix, sizeof prefix - 1))
        d += sizeof prefix - 1;
    problem(v, "%s", d);
}

/* Reads of one table made from another's walk (a document's record for its
 * stored text, a term's entry in vocab) go through a transaction of their
 * own, so that a damaged page they meet fails that transaction and not the
 * walk's.  It is begun again after a failure, at the same commit; NULL when
 * it cannot be, and the cross-check is then skipped.  lookup_end() after
 * each: failed when LMDB (or the record read) failed. */
static void lookup_close(vctx *v)
{
    if (v->look_docs)
        mdb_cursor_close(v->look_docs);
    v->look_docs = NULL;
    if (v->look_lex_open)
        gal_hblock_close(&v->look_lex);
    v->look_lex_open = 0;
    if (v->look)
        mdb_txn_abort(v->look);
    v->look = NULL;
}

static MDB_txn *lookup_begin(vctx *v, const char *table)
{
    v->table = table;
    if (v->look && !v->look_failed)
        return v->look;
    lookup_close(v);
    MDB_txn *t;
    if (v->look_refused || gal_store_txn_begin(v->st, 1, &t)) {
        gal_error_clear();
        v->look_refused = 1;
        return NULL;
    }
    if (mdb_txn_id(t) != v->snapshot) { /* a writer committed: not the same state */
        mdb_txn_abort(t);
        v->look_refused = 1;
        return NULL;
    }
    v->look = t;
    v->look_failed = 0;
    return t;
}

static void lookup_end(vctx *v, int failed)
{
    v->table = v->stage;
    v->look_failed |= failed;
}

/* A lookup into table failed in LMDB: said once a table (bit), as the
 * next lookups there meet the same damage. */
static void problem_lookup(vctx *v, unsigned bit, const char *table, int mrc)
{
    if (!(v->look_said & bit))
        problem(v, "%s: cannot read the table: %s", table, mdb_strerror(mrc));
    v->look_said |= bit;
}

enum { SAID_FILES = 1, SAID_VOCAB = 2 };

/* Bytes from the index for a message: at most SHOWN_BYTES of them, bytes
 * that are not printable UTF-8 (a damaged record's) as \xNN. */
static const char *shown(char out[SHOWN_ROOM], const void *bytes, size_t len)
{
    const uint8_t *p = bytes;
    uint32_t n = len > SHOWN_BYTES ? SHOWN_BYTES : (uint32_t)len;
    size_t o = 0;
    for (uint32_t i = 0; i < n;) {
        int32_t cp;
        uint32_t k = gal_utf8_decode(p, i, n, &cp);
        if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
            o += (size_t)snprintf(out + o, SHOWN_ROOM - o, "\\x%02x", p[i]);
            i++;
            continue;
        }
        memcpy(out + o, p + i, k);
        o += k;
        i += k;
    }
    if (len > n)
        o += (size_t)snprintf(out + o, SHOWN_ROOM - o, "...");
    out[o] = '\0';
    return out;
}

/* Whether LMDB's record lies in its map: a damaged page's node can point
 * anywhere in memory, where reading would fault or read something else. */
static int in_map(const vctx *v, const MDB_val *x)
{
    const uint8_t *p = x->mv_data;
    if (!v->map_lo)
        return 1;
    return p >= v->map_lo && p <= v->map_hi && x->mv_size <= (size_t)(v->map_hi - p);
}

static const batch_ref *find_batch(const vctx *v, uint32_t doc)
{
    size_t lo = 0, hi = v->nbatches;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->batches[mid].first_doc <= doc)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const batch_ref *b = &v->batches[lo - 1];
    return doc - b->first_doc < b->n ? b : NULL;
}

/* Call fn on every record of dbi in key order; fn returns 0, or a negative
 * status that stops everything (out of memory). */
static int walk(vctx *v, MDB_dbi dbi, const char *table, walk_fn fn)
{
    MDB_cursor *cur;
    v->table = table;
    int mrc = mdb_cursor_open(v->txn, dbi, &cur);
    v->cur = mrc ? NULL : cur; /* closed at the end if a fault jumps out of the walk */
    if (mrc) {
        problem(v, "%s: cannot read the table: %s", table, mdb_strerror(mrc));
        v->stopped = 1;
        v->txn_failed = 1;
        return 0;
    }
    MDB_val k, val;
    int rc = 0;
    for (mrc = mdb_cursor_get(cur, &k, &val, MDB_FIRST); mrc == 0 && !rc;
         mrc = mdb_cursor_get(cur, &k, &val, MDB_NEXT)) {
        v->s.records++;
        if (!in_map(v, &k) || !in_map(v, &val)) {
            problem(v, "%s: an LMDB page is damaged (a record outside the file); the rest of "
                       "the table is not checked", table);
            v->stopped = 1;
            v->txn_failed = 1;
            mrc = MDB_NOTFOUND; /* said */
            break;
        }
        rc = fn(v, &k, &val);
    }
    if (!rc && mrc != MDB_NOTFOUND) { /* LMDB refuses the rest of the transaction */
        problem(v, "%s: cannot read the table: %s (the rest of it is not checked)", table,
                mdb_strerror(mrc));
        v->stopped = 1;
        v->txn_failed = 1;
    }
    mdb_cursor_close(cur);
    v->cur = NULL;
    return rc;
}

/* ---- meta ---- */

static void read_meta(vctx *v)
{
    struct {
        const char *key;
        uint64_t *out;
    } counts[] = {
        {GAL_META_DOCS, &v->meta_docs},       {GAL_META_TERMS, &v->meta_terms},
        {GAL_META_BATCHES, &v->meta_batches}, {GAL_META_FILES, &v->meta_files},
        {GAL_META_TOKENS, &v->meta_tokens},  {GAL_META_TEXT_PACKED, &v->meta_text_packed},
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        *counts[i].out = 0;
        if (gal_meta_get_u64(v->st, v->txn, counts[i].key, counts[i].out))
            problem(v, "meta %s: not an 8-byte counter", counts[i].key);
    }
    if (v->meta_text_packed > v->meta_docs)
        problem(v, "meta %s: %llu documents packed of the %llu there are", GAL_META_TEXT_PACKED,
                (unsigned long long)v->meta_text_packed, (unsigned long long)v->meta_docs);
    if (v->meta_docs > UINT32_MAX) {
        problem(v, "meta %s: %llu documents is more than document numbers allow", GAL_META_DOCS,
                (unsigned long long)v->meta_docs);
        v->meta_docs = UINT32_MAX;
    }
    const void *p;
    size_t n;
    if (!gal_meta_get_bytes(v->st, v->txn, GAL_META_RESUME, &p, &n) && p && n != 16)
        problem(v, "meta %s: %zu bytes, not 16", GAL_META_RESUME, n);
    uint64_t complete;
    if (!gal_meta_get_u64(v->st, v->txn, GAL_META_RUN_COMPLETE, &complete) && complete > 1)
        problem(v, "meta %s: %llu is neither 0 nor 1", GAL_META_RUN_COMPLETE,
                (unsigned long long)complete);
    p = NULL;
    n = 0;
    int rc = gal_meta_get_zdict(v->st, v->txn, &p, &n);
    if (rc == GAL_ECORRUPT) /* one problem, not one per text: they are decoded with it all the same */
        problem(v, "meta %s: does not match its checksum (%s)", GAL_META_ZDICT, GAL_META_ZDICT_CRC);
    else if (rc)
        p = NULL;
    if (p && !(v->ddict = ZSTD_createDDict(p, n)))
        problem(v, "meta %s: not a zstd dictionary", GAL_META_ZDICT);
}

/* ---- docstats ---- */

static int check_docstats(vctx *v, const MDB_val *k, const MDB_val *val)
{
    v->s.batches++;
    if (k->mv_size != 4) {
        problem(v, "docstats: key of %zu bytes", k->mv_size);
        return 0;
    }
    batch_ref ref = {gal_get_be32(k->mv_data), 0, val->mv_data};
    int rc = gal_docstats_check(val->mv_data, val->mv_size, ref.first_doc, &ref.n);
    if (rc) {
        problem_detail(v, rc);
        return 0;
    }
    if (ref.first_doc != v->next_batch_doc)
        problem(v, "docstats batch at doc %u: the batch before ends at doc %u", ref.first_doc,
                v->next_batch_doc);
    if (ref.n == 0 || ref.n > UINT32_MAX - ref.first_doc) {
        problem(v, "docstats batch at doc %u: %u documents", ref.first_doc, ref.n);
        return 0;
    }
    v->next_batch_doc = ref.first_doc + ref.n;
    if ((v->nbatches & (v->nbatches - 1)) == 0) { /* 0, 1, 2, 4...: double */
        batch_ref *b = gal_realloc(v->batches, (v->nbatches ? 2 * v->nbatches : 16) * sizeof *b);
        if (!b)
            return gal_error_set(GAL_ENOMEM, "out of memory verifying docstats");
        v->batches = b;
    }
    v->batches[v->nbatches++] = ref;
    return 0;
}

/* ---- docs ---- */

/* Report documents [from, to) that have no record in table. */
static void missing_range(vctx *v, const char *table, uint64_t from, uint64_t to)
{
    if (to <= from)
        return;
    if (to - from == 1)
        problem(v, "%s doc %llu: no record", table, (unsigned long long)from);
    else
        problem(v, "%s docs %llu..%llu: no records", table, (unsigned long long)from,
                (unsigned long long)(to - 1));
}

/* Check the 4-byte document key of table and the dense numbering; returns
 * 0 with *doc set, or -1 when the record cannot be checked further. */
static int doc_key(vctx *v, const char *table, const MDB_val *k, uint32_t *doc)
{
    if (k->mv_size != 4) {
        problem(v, "%s: key of %zu bytes", table, k->mv_size);
        return -1;
    }
    *doc = gal_get_be32(k->mv_data);
    missing_range(v, table, v->next_doc, *doc < v->meta_docs ? *doc : v->meta_docs);
    if (*doc >= v->meta_docs)
        problem(v, "%s doc %u: beyond the %llu documents meta counts", table, *doc,
                (unsigned long long)v->meta_docs);
    v->next_doc = (uint64_t)*doc + 1;
    return 0;
}

/* Document doc's file number: it must name a file in the files table. */
static void check_file_no(vctx *v, uint32_t doc, uint32_t file_no)
{
    if (file_no >= v->meta_files) {
        problem(v, "docs doc %u: file number %u, meta counts %llu files", doc, file_no,
                (unsigned long long)v->meta_files);
        return;
    }
    uint8_t fk[4];
    gal_put_be32(fk, file_no);
    MDB_val key = {4, fk}, fv;
    MDB_txn *txn = lookup_begin(v, GAL_DB_FILES);
    int mrc = txn ? mdb_get(txn, v->st->files, &key, &fv) : 0;
    lookup_end(v, mrc && mrc != MDB_NOTFOUND);
    if (mrc == MDB_NOTFOUND)
        problem(v, "docs doc %u: file number %u is not in the files table", doc, file_no);
    else if (mrc)
        problem_lookup(v, SAID_FILES, GAL_DB_FILES, mrc);
}

/* A block of document records: every entry, the next block after it. */
static int check_doc(vctx *v, const MDB_val *k, const MDB_val *val)
{
    uint32_t first;
    uint64_t expected = v->next_doc;
    if (doc_key(v, GAL_DB_DOCS, k, &first))
        return 0;
    if (expected != UINT64_MAX && first < expected)
        problem(v, "docs block at doc %u: starts inside the block before it, which ends at %llu",
                first, (unsigned long long)expected);
    gal_doc_block *b = &v->doc_block;
    const gal_doc_fields *f;
    uint32_t n = 0;
    int rc = gal_doc_block_open(val->mv_data, val->mv_size, first, b);
    if (!rc) {
        n = b->n;
        rc = gal_doc_block_get(b, n - 1, &f); /* every entry */
    }
    if (rc == GAL_ENOMEM)
        return rc;
    if (rc) {
        problem_detail(v, rc);
        /* how many documents it holds is unknown: the next block's key
         * says where the numbering goes on, without a gap reported */
        v->next_doc = n ? (uint64_t)first + n : UINT64_MAX;
        return 0;
    }
    v->s.docs += b->n;
    if ((uint64_t)first + b->n > v->meta_docs)
        problem(v, "docs block at doc %u: %u documents, beyond the %llu meta counts", first,
                b->n, (unsigned long long)v->meta_docs);
    uint32_t last_file = UINT32_MAX;
    for (uint32_t i = 0; i < b->n; i++) {
        if (b->f[i].file_no != last_file) /* a file's documents come together */
            check_file_no(v, first + i, b->f[i].file_no);
        last_file = b->f[i].file_no;
    }
    v->next_doc = (uint64_t)first + b->n;
    return 0;
}

/* Document doc's record, for a cross-check from another table: nonzero when
 * it is missing or damaged (the docs walk reports that).  The block stays
 * decoded for the next document, most often in it. */
static int read_doc(vctx *v, uint32_t doc, gal_doc_fields *f)
{
    gal_doc_block *b = &v->doc_block;
    const gal_doc_fields *e;
    MDB_txn *txn = lookup_begin(v, GAL_DB_DOCS);
    if (txn && !v->look_docs && mdb_cursor_open(txn, v->st->docs, &v->look_docs))
        v->look_docs = NULL;
    int bad = !v->look_docs || gal_doc_block_at_cursor(v->look_docs, doc, b) ||
              gal_doc_block_get(b, doc - b->first_doc, &e);
    lookup_end(v, bad && txn);
    if (bad)
        return 1;
    *f = *e;
    return 0;
}

/* ---- text ---- */

static int check_text_record(vctx *v, const uint8_t *rec, size_t len, uint32_t first)
{
    gal_text_docs docs;
    int rc = gal_stored_text_decode(v->dctx, v->ddict, rec, len, first, &v->text, &docs);
    if (rc == GAL_ENOMEM)
        return rc;
    if (rc) {
        v->s.texts++;
        problem_detail(v, rc);
        return 0;
    }
    for (uint32_t i = 0; i < docs.n; i++) {
        uint32_t doc = first + i;
        v->s.texts++;
        if (doc >= v->meta_docs) {
            problem(v, "text doc %u: beyond the %llu documents meta counts", doc,
                    (unsigned long long)v->meta_docs);
            return 0;
        }
        if (docs.len[i] == 0 && is_purged(v, doc))
            continue; /* optimize dropped its text */
        /* the stored text starts with the title whose length the document
         * record holds, then a newline */
        gal_doc_fields f;
        if (read_doc(v, doc, &f))
            continue; /* reported by the docs walk */
        if (docs.len[i] < f.title_len + 1 || v->text.data[docs.off[i] + f.title_len] != '\n')
            problem(v, "text doc %u: its title is not the %zu bytes its document record says",
                    doc, f.title_len);
    }
    return 0;
}

/* A block of stored texts: every record in it, the next block after it. */
static int check_text(vctx *v, const MDB_val *k, const MDB_val *val)
{
    uint32_t first;
    if (doc_key(v, GAL_DB_TEXT, k, &first))
        return 0;
    gal_text_block b;
    int rc = gal_text_block_open(val->mv_data, val->mv_size, first, &b);
    if (rc) {
        problem_detail(v, rc);
        return 0;
    }
    const uint8_t *rec;
    size_t len;
    uint32_t doc, n;
    while (!gal_text_block_next(&b, &rec, &len, &doc, &n))
        if ((rc = check_text_record(v, rec, len, doc)))
            return rc;
    v->next_doc = b.doc;
    return 0;
}

/* ---- ids, files ---- */

/* One ids record: documents in its batch, whose ids have its hash. */
static void check_id_record(vctx *v, const gal_hblock_reader *r)
{
    gal_id_docs d;
    gal_id_docs_open(&d, r->rec, r->len, r->batch);
    uint32_t doc;
    int more, any = 0;
    while ((more = gal_id_docs_next(&d, &doc)) == 0) {
        v->s.ids++;
        any = 1;
        gal_doc_fields f;
        if (doc >= v->meta_docs) {
            problem(v, "ids %016llx of batch %u: doc %u, beyond the %llu documents",
                    (unsigned long long)r->hash, r->batch, doc, (unsigned long long)v->meta_docs);
            return;
        }
        if (read_doc(v, doc, &f))
            continue; /* reported by the docs walk */
        char id[SHOWN_ROOM];
        if (f.id_len == 0 || gal_id_hash(f.id, f.id_len) != r->hash)
            problem(v, "ids %016llx of batch %u: points at doc %u, whose id is '%s'",
                    (unsigned long long)r->hash, r->batch, doc, shown(id, f.id, f.id_len));
    }
    if (more < 0 || !any)
        problem(v, "ids %016llx of batch %u: a malformed record", (unsigned long long)r->hash,
                r->batch);
}

/* A block of records keyed by hash (hash_blocks.h), checked one by one;
 * hashes must go on increasing from the block before when it is the same
 * batch's (w: where the walk is). */
static void check_hash_block(vctx *v, const MDB_val *k, const MDB_val *val, const char *table,
                             hblock_walk *w, void (*check)(vctx *, const gal_hblock_reader *))
{
    gal_hblock_reader r;
    memset(&r, 0, sizeof r);
    r.table = table;
    int rc = gal_hblock_read(&r, k, val);
    if (!rc && w->seen && r.batch == w->batch && r.hash <= w->hash)
        problem(v, "%s block of batch %u at %016llx: out of order", table, r.batch,
                (unsigned long long)r.hash);
    while (!rc) {
        check(v, &r);
        *w = (hblock_walk){1, r.batch, r.hash};
        rc = gal_hblock_next(&r);
    }
    if (rc < 0)
        problem_detail(v, rc);
}

static int check_ids(vctx *v, const MDB_val *k, const MDB_val *val)
{
    check_hash_block(v, k, val, GAL_DB_IDS, &v->ids_walk, check_id_record);
    return 0;
}

/* ---- deleted ---- */

static int check_deleted(vctx *v, const MDB_val *k, const MDB_val *val)
{
    uint32_t doc;
    int purged = 0;
    int rc = gal_deleted_record_open(k, val, v->meta_docs, &doc, &purged);
    if (rc == GAL_ENOMEM)
        return rc;
    if (rc)
        problem(v, "%s", gal_error_detail(rc));
    v->s.deleted++;
    if (!rc && purged) {
        if (!v->purged && !(v->purged = gal_calloc(v->meta_docs / 64 + 1, sizeof *v->purged)))
            return gal_error_set(GAL_ENOMEM, "out of memory verifying the deleted table");
        v->purged[doc >> 6] |= 1ull << (doc & 63);
        v->s.purged++;
    }
    return 0;
}

static void check_deleted_count(vctx *v)
{
    const struct {
        const char *key;
        uint64_t found;
        const char *what;
    } counts[] = {{GAL_META_DELETED, v->s.deleted, "holds"}, {GAL_META_PURGED, v->s.purged, "marks purged"}};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        uint64_t meta = 0;
        if (gal_meta_get_u64(v->st, v->txn, counts[i].key, &meta))
            problem(v, "meta %s: not an 8-byte counter", counts[i].key);
        else if (meta != counts[i].found)
            problem(v, "meta %s: %llu, the deleted table %s %llu", counts[i].key,
                    (unsigned long long)meta, counts[i].what, (unsigned long long)counts[i].found);
    }
}

static int check_file(vctx *v, const MDB_val *k, const MDB_val *val)
{
    v->s.files++;
    if (k->mv_size != 4) {
        problem(v, "files: key of %zu bytes", k->mv_size);
        return 0;
    }
    uint32_t no = gal_get_be32(k->mv_data);
    if (no >= v->meta_files)
        problem(v, "files file %u: meta counts %llu files", no, (unsigned long long)v->meta_files);
    if (val->mv_size == 0 || memchr(val->mv_data, '\0', val->mv_size))
        problem(v, "files file %u: not a path", no);
    return 0;
}

/* ---- lexicon, vocab ---- */

/* The lexicon and the vocabulary hold each term under the batch that added
 * it: batch ‖ hash → term (in blocks, hash_blocks.h), batch ‖ term → hash. */
static void check_lexicon_term(vctx *v, const gal_hblock_reader *r)
{
    v->s.terms++;
    uint64_t hash = r->hash;
    const char *term = (const char *)r->rec;
    char t[SHOWN_ROOM];
    if (r->len == 0 || r->len > GAL_MAX_TERM_BYTES) {
        problem(v, "lexicon term %016llx: %zu bytes long", (unsigned long long)hash, r->len);
        return;
    }
    if (r->batch >= v->meta_docs)
        problem(v, "lexicon term %016llx: batch %u, beyond the %llu documents",
                (unsigned long long)hash, r->batch, (unsigned long long)v->meta_docs);
    if (gal_term_hash_folded(term, r->len, GAL_SEED_WORD) != hash)
        problem(v, "lexicon term %016llx: '%s' does not hash to its key",
                (unsigned long long)hash, shown(t, term, r->len));
    uint8_t vkey[4 + GAL_MAX_TERM_BYTES];
    gal_put_be32(vkey, r->batch);
    memcpy(vkey + 4, term, r->len);
    MDB_val vk = {4 + r->len, vkey}, vv;
    MDB_txn *txn = lookup_begin(v, GAL_DB_VOCAB);
    if (!txn) {
        lookup_end(v, 0);
        return;
    }
    int mrc = mdb_get(txn, v->st->vocab, &vk, &vv);
    lookup_end(v, mrc && mrc != MDB_NOTFOUND);
    if (mrc == MDB_NOTFOUND)
        problem(v, "lexicon term %016llx: '%s' is not in vocab", (unsigned long long)hash, shown(t, term, r->len));
    else if (mrc)
        problem_lookup(v, SAID_VOCAB, GAL_DB_VOCAB, mrc);
    else if (vv.mv_size != 8 || gal_get_be64(vv.mv_data) != hash)
        problem(v, "lexicon term %016llx: vocab '%s' points elsewhere", (unsigned long long)hash,
                shown(t, term, r->len));
}

static int check_lexicon(vctx *v, const MDB_val *k, const MDB_val *val)
{
    check_hash_block(v, k, val, GAL_DB_LEXICON, &v->lex_walk, check_lexicon_term);
    return 0;
}

static int check_vocab(vctx *v, const MDB_val *k, const MDB_val *val)
{
    v->s.vocab++;
    if (k->mv_size < 5) {
        problem(v, "vocab: key of %zu bytes", k->mv_size);
        return 0;
    }
    const char *term = (const char *)k->mv_data + 4;
    size_t len = k->mv_size - 4;
    char t[SHOWN_ROOM];
    if (val->mv_size != 8) {
        problem(v, "vocab '%s': value of %zu bytes, not 8", shown(t, term, len), val->mv_size);
        return 0;
    }
    uint64_t hash = gal_get_be64(val->mv_data), next;
    gal_hblock_reader *r = &v->look_lex;
    MDB_txn *txn = lookup_begin(v, GAL_DB_LEXICON);
    int rc = -1;
    if (txn && !v->look_lex_open)
        v->look_lex_open = !gal_hblock_open(r, txn, v->st->lexicon, GAL_DB_LEXICON);
    if (v->look_lex_open)
        rc = gal_hblock_find(r, gal_get_be32(k->mv_data), hash, &next);
    lookup_end(v, rc < 0 && txn);
    if (rc == 1)
        problem(v, "vocab '%s': term %016llx is not in the lexicon", shown(t, term, len), (unsigned long long)hash);
    else if (rc == 0 && (r->len != len || memcmp(r->rec, term, len) != 0))
        problem(v, "vocab '%s': lexicon term %016llx is another word", shown(t, term, len),
                (unsigned long long)hash);
    /* else a damaged lexicon block: reported by the lexicon walk */
    gal_error_clear();
    return 0;
}

/* ---- postings ---- */

int gal_chunk_check_positions(const gal_chunk_view *v, const uint32_t *tfs,
                              const uint32_t *max_pos, uint64_t *npos, const char *key_desc)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < v->ndocs; i++) {
        /* strictly increasing positions below max_pos: at most max_pos of them */
        if (max_pos && tfs[i] > max_pos[i])
            return gal_error_set(GAL_ECORRUPT,
                                 "corrupt index: postings record %s: its document %u has tf %u, "
                                 "more than its %u positions", key_desc, i, tfs[i], max_pos[i]);
        n += tfs[i];
    }
    if (n > GAL_CHECK_MAX_POSITIONS)
        return gal_error_set(GAL_ECORRUPT,
                             "corrupt index: postings record %s: %llu positions in one chunk",
                             key_desc, (unsigned long long)n);
    uint32_t *pos = gal_malloc((size_t)(n ? n : 1) * sizeof *pos);
    if (!pos)
        return gal_error_set(GAL_ENOMEM, "out of memory checking postings record %s", key_desc);
    int rc = gal_chunk_decode_positions(v, tfs, pos, (size_t)n, key_desc);
    const uint32_t *q = pos; /* document i's positions */
    for (uint32_t i = 0; i < v->ndocs && !rc; q += tfs[i], i++) {
        for (uint32_t k = 0; k < tfs[i] && !rc; k++) {
            if (k > 0 && q[k] <= q[k - 1])
                rc = gal_error_set(GAL_ECORRUPT,
                                   "corrupt index: postings record %s: positions of its "
                                   "document %u do not increase", key_desc, i);
            else if (max_pos && q[k] >= max_pos[i])
                rc = gal_error_set(GAL_ECORRUPT,
                                   "corrupt index: postings record %s: position %u is past "
                                   "the end of its document %u", key_desc, q[k], i);
        }
    }
    gal_free(pos);
    if (!rc && npos)
        *npos = n;
    return rc;
}


/* The (batch, term) run just walked must have ended in the chunk that
 * carried its document count (a reader's df is the sum of those). */
static void close_run(vctx *v)
{
    postings_walk *w = &v->pw;
    if (w->have_run && !w->run_closed && !w->run_damaged)
        problem(v, "postings batch %u term %016llx: its last chunk does not carry the run's "
                   "document count", w->batch, (unsigned long long)w->hash);
    w->run_closed = 1;
}

static int check_chunk(vctx *v, const gal_chunk_rec *r)
{
    postings_walk *w = &v->pw;
    v->s.chunks++;
    const uint8_t *kp = r->key;
    uint32_t batch = gal_get_be32(kp);
    uint64_t hash = gal_get_be64(kp + 4);
    uint32_t first = gal_get_be32(kp + 12);
    char desc[64];
    snprintf(desc, sizeof desc, "batch %u term %016llx doc %u", batch, (unsigned long long)hash,
             first);
    if (w->have_run && batch == w->batch && hash < w->hash)
        problem(v, "postings %s: out of order, after term %016llx", desc,
                (unsigned long long)w->hash);
    if (!w->have_run || batch != w->batch || hash != w->hash) {
        close_run(v);
        if (!w->have_run || batch != w->batch) {
            w->b = find_batch(v, batch);
            if (w->b && w->b->first_doc != batch)
                w->b = NULL;
            if (!w->b && (!w->reported_bad || w->bad_batch != batch)) {
                problem(v, "postings batch %u: no docstats batch starts at that document", batch);
                w->reported_bad = 1;
                w->bad_batch = batch;
            }
        }
        w->have_run = 1;
        w->batch = batch;
        w->hash = hash;
        w->run_docs = 0;
        w->run_closed = 0;
        w->run_damaged = 0;
        if (gal_grow((void **)&w->runs, &w->runs_cap, w->nruns + 1, sizeof *w->runs, 4096))
            return gal_error_set(GAL_ENOMEM, "out of memory verifying postings");
        w->runs[w->nruns++] = (term_run){hash, 0};
        if (hash == GAL_HASH_NONE)
            problem(v, "postings %s: the key uses the hash of unindexed tokens", desc);
    } else if (first <= w->last_doc) {
        problem(v, "postings %s: overlaps the term's chunk before, which ends at doc %u", desc,
                w->last_doc);
    }
    gal_chunk_view cv;
    int rc = gal_chunk_parse_rec(r, &cv, desc);
    if (rc) {
        problem_detail(v, rc);
        w->run_damaged = 1;
        return 0;
    }
    w->last_doc = cv.last_doc;
    if (w->run_closed && !w->run_damaged)
        problem(v, "postings %s: follows the chunk that carried its run's document count", desc);
    w->run_docs += cv.ndocs;
    if (cv.run_docs) {
        w->run_closed = 1;
        if (cv.run_docs != w->run_docs && !w->run_damaged)
            problem(v, "postings %s: says its run has %u documents, its chunks hold %u", desc,
                    cv.run_docs, w->run_docs);
    }
    if (cv.ndocs > GAL_CHUNK_DOCS) {
        problem(v, "postings %s: holds %u documents, at most %u fit", desc, cv.ndocs,
                GAL_CHUNK_DOCS);
        return 0;
    }
    if ((rc = gal_chunk_decode_docs(&cv, w->docs, w->tfs, desc))) {
        problem_detail(v, rc);
        return 0;
    }
    v->s.postings += cv.ndocs;
    if (cv.last_doc >= v->meta_docs) {
        problem(v, "postings %s: doc %u is beyond the %llu documents", desc, cv.last_doc,
                (unsigned long long)v->meta_docs);
        return 0;
    }
    if (w->b && (first < w->b->first_doc || cv.last_doc - w->b->first_doc >= w->b->n)) {
        problem(v, "postings %s: documents %u..%u lie outside the batch (documents %u..%u)", desc,
                first, cv.last_doc, w->b->first_doc, w->b->first_doc + w->b->n - 1);
        return 0;
    }
    for (uint32_t i = 0; i < cv.ndocs; i++) {
        if (is_purged(v, w->docs[i]))
            problem(v, "postings %s: doc %u is purged", desc, w->docs[i]);
        const batch_ref *b = find_batch(v, w->docs[i]);
        w->max_pos[i] = b ? gal_docstats_tokens(b->data, w->docs[i] - b->first_doc) +
                                GAL_TITLE_BODY_GAP
                          : UINT32_MAX;
    }
    uint64_t npos;
    if ((rc = gal_chunk_check_positions(&cv, w->tfs, w->max_pos, &npos, desc))) {
        problem_detail(v, rc);
        return 0;
    }
    v->s.positions += npos;
    w->runs[w->nruns - 1].positions += npos;
    return 0;
}

/* A record of the postings table: a chunk, or a block of small terms'
 * chunks (chunk_blocks.h), each checked as if it had its own record. */
static int check_postings_record(vctx *v, const MDB_val *k, const MDB_val *val)
{
    if (k->mv_size != GAL_POSTINGS_KEY_LEN) {
        problem(v, "postings: key of %zu bytes", k->mv_size);
        return 0;
    }
    gal_chunk_rec r;
    if (!gal_postings_key_is_block(k->mv_data)) {
        gal_chunk_rec_of_record(&r, k->mv_data, val->mv_data, val->mv_size);
        return check_chunk(v, &r);
    }
    v->s.postings_blocks++;
    gal_chunk_block b;
    int rc = gal_chunk_block_open(&b, k->mv_data, val->mv_data, val->mv_size);
    while (rc == 0 && (rc = gal_chunk_block_next(&b, &r)) == 1) {
        v->s.block_chunks++;
        if ((rc = check_chunk(v, &r)))
            return rc;
    }
    if (rc < 0) {
        problem_detail(v, rc);
        v->pw.run_damaged = 1;
    }
    return 0;
}

static int run_cmp(const void *a, const void *b)
{
    uint64_t x = ((const term_run *)a)->hash, y = ((const term_run *)b)->hash;
    return x < y ? -1 : x > y;
}


static int lexicon_cmp(const void *pa, const void *pb)
{
    const lexicon_entry *a = pa, *b = pb;
    return a->hash < b->hash ? -1 : a->hash > b->hash;
}

/* One block of the lexicon, for match_lexicon: its terms' hashes, and the
 * bytes in the map.  A damaged block is the lexicon walk's to report. */
static int collect_lexicon(vctx *v, const MDB_val *k, const MDB_val *val)
{
    gal_hblock_reader r;
    memset(&r, 0, sizeof r);
    r.table = GAL_DB_LEXICON;
    for (int rc = gal_hblock_read(&r, k, val); !rc; rc = gal_hblock_next(&r)) {
        if (gal_grow((void **)&v->lex, &v->lex_cap, v->nlex + 1, sizeof *v->lex, 4096))
            return gal_error_set(GAL_ENOMEM, "out of memory matching the lexicon to the postings");
        v->lex[v->nlex++] = (lexicon_entry){r.hash, (const char *)r.rec, r.len};
    }
    gal_error_clear();
    return 0;
}

/* After the postings walk: one run per term, in hash order, for
 * match_lexicon and has_postings. */
static void merge_runs(vctx *v)
{
    postings_walk *w = &v->pw;
    if (w->nruns > 1)
        qsort(w->runs, w->nruns, sizeof *w->runs, run_cmp);
    size_t n = 0;
    for (size_t i = 0; i < w->nruns; i++) {
        if (n && w->runs[n - 1].hash == w->runs[i].hash)
            w->runs[n - 1].positions += w->runs[i].positions;
        else
            w->runs[n++] = w->runs[i];
    }
    v->s.postings_terms = n;
}

/* After the postings walk and merge_runs: against the lexicon
 * (both in hash order): a lexicon term without postings is a problem, a
 * postings term without a lexicon entry a bigram or an entity. */
static int match_lexicon(vctx *v)
{
    postings_walk *w = &v->pw;
    size_t n = v->s.postings_terms;
    /* the lexicon is in hash order within each batch: all of it, sorted;
     * walked again (its records are counted once, by its own walk) */
    uint64_t records = v->s.records;
    int rc = walk(v, v->st->lexicon, GAL_DB_LEXICON, collect_lexicon);
    v->s.records = records;
    if (rc || v->stopped)
        return rc; /* said by walk; unmatched terms would be no problem of theirs */
    lexicon_entry *lex = v->lex;
    size_t nlex = v->nlex;
    if (nlex > 1)
        qsort(lex, nlex, sizeof *lex, lexicon_cmp);
    size_t i = 0;
    char t[SHOWN_ROOM];
    for (size_t j = 0; j < nlex; j++) {
        uint64_t hash = lex[j].hash;
        if (j > 0 && lex[j - 1].hash == hash) {
            problem(v, "lexicon term %016llx '%s': in two batches", (unsigned long long)hash,
                    shown(t, lex[j].term, lex[j].len));
            continue;
        }
        for (; i < n && w->runs[i].hash < hash; i++)
            v->s.unnamed_terms++;
        if (i < n && w->runs[i].hash == hash) {
            v->named_positions += w->runs[i].positions;
            i++;
        } else {
            problem(v, "lexicon term %016llx '%s': no postings", (unsigned long long)hash,
                    shown(t, lex[j].term, lex[j].len));
        }
    }
    v->s.unnamed_terms += n - i;
    return 0;
}

/* ---- entities (after the postings walk: every entity has postings) ---- */

static int has_postings(const vctx *v, uint64_t hash)
{
    size_t lo = 0, hi = v->s.postings_terms; /* runs[] is sorted and unique now */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->pw.runs[mid].hash < hash)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < v->s.postings_terms && v->pw.runs[lo].hash == hash;
}

static int check_entity(void *ctx, const gal_entity_info *e)
{
    vctx *v = ctx;
    v->s.records++;
    v->s.entities++;
    unsigned long long h = (unsigned long long)e->hash;
    if (e->docs == 0 || e->docs > e->mentions || e->docs > v->meta_docs)
        problem(v, "entities entity %016llx: %llu documents, %llu mentions", h,
                (unsigned long long)e->docs, (unsigned long long)e->mentions);
    if (e->first_doc >= v->meta_docs)
        problem(v, "entities entity %016llx: first seen in doc %u, beyond the %llu documents", h,
                e->first_doc, (unsigned long long)v->meta_docs);
    if (e->display_len == 0 || e->display_count == 0 || e->display_count > e->mentions)
        problem(v, "entities entity %016llx: bad display form", h);
    char name[SHOWN_ROOM];
    if (v->postings_whole && !has_postings(v, e->hash))
        problem(v, "entities entity %016llx '%s': no postings", h,
                shown(name, e->display, e->display_len));
    return 0;
}

static int check_entities(vctx *v)
{
    MDB_dbi entities;
    int rc = gal_entity_table_open(v->txn, 0, &entities);
    if (rc) {
        problem(v, "entities: cannot open the table: %s", gal_error_detail(rc));
        return 0;
    }
    rc = gal_entity_each_kept(v->txn, entities, check_entity, v, &v->entity_walk);
    if (rc == GAL_ENOMEM)
        return rc;
    if (rc) {
        problem_detail(v, rc); /* a damaged record stops the walk */
        v->stopped = 1;
        v->txn_failed = 1;
    }
    return 0;
}

/* ---- the stages: a table each, or a check across tables ---- */

/* Where LMDB mapped the file, which it does not say: the mapping in
 * /proc/self/maps that holds a record it returned.  Unknown (no check):
 * map_lo stays NULL. */
static void find_map(vctx *v)
{
    MDB_cursor *cur;
    MDB_val k, val;
    if (mdb_cursor_open(v->txn, v->st->meta, &cur))
        return;
    v->cur = cur;
    int mrc = mdb_cursor_get(cur, &k, &val, MDB_FIRST);
    mdb_cursor_close(cur);
    v->cur = NULL;
    FILE *maps = mrc ? NULL : fopen("/proc/self/maps", "r");
    if (!maps)
        return;
    uintptr_t p = (uintptr_t)val.mv_data, lo, hi;
    char line[512];
    while (fgets(line, sizeof line, maps))
        if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR, &lo, &hi) == 2 && lo <= p && p < hi) {
            v->map_lo = (const uint8_t *)lo;
            v->map_hi = (const uint8_t *)hi;
            break;
        }
    fclose(maps);
}

static int stage_meta(void *arg)
{
    find_map(arg);
    read_meta(arg);
    return 0;
}

static int stage_docstats(void *arg)
{
    vctx *v = arg;
    int rc = walk(v, v->st->docstats, GAL_DB_DOCSTATS, check_docstats);
    if (rc || v->stopped)
        return rc;
    if (v->next_batch_doc != v->meta_docs)
        problem(v, "docstats: batches cover %u documents, meta counts %llu", v->next_batch_doc,
                (unsigned long long)v->meta_docs);
    if (v->s.batches != v->meta_batches)
        problem(v, "meta %s: %llu, docstats holds %llu batches", GAL_META_BATCHES,
                (unsigned long long)v->meta_batches, (unsigned long long)v->s.batches);
    return 0;
}

static int stage_deleted(void *arg)
{
    vctx *v = arg;
    int rc = v->st->has_deleted ? walk(v, v->st->deleted, GAL_DB_DELETED, check_deleted) : 0;
    if (!rc && !v->stopped)
        check_deleted_count(v);
    return rc;
}

/* A table whose check is its walk alone (ids, files, lexicon, vocab): the
 * table and the record check that walk_stage() set. */
static int stage_walk(void *arg)
{
    vctx *v = arg;
    return walk(v, v->walk_dbi, v->stage, v->walk_check);
}

/* docs and text, walked as stage_walk does: one record (or block) per
 * document, in order; the documents after the last one are missing */
static int stage_per_doc(void *arg)
{
    vctx *v = arg;
    v->next_doc = 0;
    int rc = stage_walk(v);
    if (!rc && !v->stopped)
        missing_range(v, v->stage, v->next_doc, v->meta_docs);
    return rc;
}

static int stage_postings(void *arg)
{
    vctx *v = arg;
    int rc = walk(v, v->st->postings, GAL_DB_POSTINGS, check_postings_record);
    if (!rc && !v->stopped) {
        close_run(v);
        merge_runs(v);
    }
    return rc;
}

static int stage_match_lexicon(void *arg) { return match_lexicon(arg); }

static int stage_entities(void *arg) { return check_entities(arg); }

/* A fresh read transaction, after LMDB failed a read (it then refuses the
 * rest of its transaction) or faulted inside one.  It must see the commit
 * the first one saw, or the tables checked so far would not be checked
 * against the rest: 1 when a writer has committed since. */
static int fresh_txn(vctx *v, int *changed)
{
    mdb_txn_abort(v->txn);
    v->txn = NULL;
    int rc = gal_store_txn_begin(v->st, 1, &v->txn);
    if (rc)
        return rc;
    v->txn_failed = 0;
    *changed = mdb_txn_id(v->txn) != v->snapshot;
    return 0;
}

/* Run one stage, reading `table`, under a fault guard of its own: a page
 * that LMDB cannot read ends that table's walk, said in one line, and the
 * next stage goes on in a fresh transaction.  *whole (may be NULL): whether
 * the table was read to its end.  Nonzero: an error that stops the check
 * (out of memory; 1, the index changed while it was checked). */
static int stage(vctx *v, const char *table, int (*fn)(void *), int *whole)
{
    int changed = 0, rc;
    if (v->txn_failed && (rc = fresh_txn(v, &changed)))
        return rc;
    if (changed) {
        problem(v, "%s: not checked: the index was committed to while it was checked (check "
                   "it again)", table);
        return 1;
    }
    v->stage = v->table = table;
    v->stopped = 0;
    int sig;
    rc = gal_fault_call(fn, v, &sig);
    if (sig) {
        if (v->table != table)
            problem(v, "%s: an LMDB page is damaged (signal %d while reading the table); the "
                       "rest of %s is not checked", v->table, sig, table);
        else
            problem(v, "%s: an LMDB page is damaged (signal %d while reading the table); the "
                       "rest of it is not checked", table, sig);
        if (v->cur)
            mdb_cursor_close(v->cur);
        v->cur = NULL;
        gal_entity_each_release(v->entity_walk);
        v->entity_walk = NULL;
        v->stopped = 1;
        v->txn_failed = 1; /* LMDB may have been left halfway through a read */
        v->look_failed = 1;
    }
    if (v->stopped)
        v->s.tables_stopped++;
    if (whole)
        *whole = !v->stopped;
    return rc;
}

/* stage() of fn (stage_walk, stage_per_doc) over table's records, each
 * given to check. */
static int walk_stage(vctx *v, const char *table, MDB_dbi dbi, walk_fn check,
                      int (*fn)(void *), int *whole)
{
    v->walk_dbi = dbi;
    v->walk_check = check;
    return stage(v, table, fn, whole);
}

/* ---- the whole index ---- */

/* The walks' transaction and the lookups' (lookup_begin), at one commit:
 * begun again while a writer commits between the two. */
static int begin_snapshot(vctx *v)
{
    for (;;) {
        int rc = gal_store_txn_begin(v->st, 1, &v->txn);
        if (rc)
            return rc;
        v->snapshot = mdb_txn_id(v->txn);
        if ((rc = gal_store_txn_begin(v->st, 1, &v->look))) {
            v->look = NULL;
            return rc;
        }
        if (mdb_txn_id(v->look) == v->snapshot)
            return 0;
        mdb_txn_abort(v->look);
        mdb_txn_abort(v->txn);
        v->look = v->txn = NULL;
    }
}

int gal_index_verify(const char *dir, FILE *report, gal_verify_stats *out)
{
    vctx v;
    memset(&v, 0, sizeof v);
    v.report = report;
    gal_buf_init(&v.text);
    gal_doc_block_init(&v.doc_block);
    int rc = gal_store_open(dir, GAL_STORE_READ, &v.st);
    if (rc)
        return rc;
    if ((rc = begin_snapshot(&v)))
        goto done;
    if (!(v.dctx = ZSTD_createDCtx())) {
        rc = gal_error_set(GAL_ENOMEM, "out of memory for zstd");
        goto done;
    }
    /* the batches first: docs and postings are checked against them; the
     * deleted documents before text and postings, which check what is purged */
    int lexicon_whole = 0, vocab_whole = 0, matched = 0;
    if ((rc = stage(&v, GAL_DB_META, stage_meta, NULL)) ||
        (rc = stage(&v, GAL_DB_DOCSTATS, stage_docstats, NULL)) ||
        (rc = stage(&v, GAL_DB_DELETED, stage_deleted, NULL)) ||
        (rc = walk_stage(&v, GAL_DB_DOCS, v.st->docs, check_doc, stage_per_doc, NULL)) ||
        (rc = walk_stage(&v, GAL_DB_TEXT, v.st->text, check_text, stage_per_doc, NULL)) ||
        (rc = walk_stage(&v, GAL_DB_IDS, v.st->ids, check_ids, stage_walk, NULL)) ||
        (rc = walk_stage(&v, GAL_DB_FILES, v.st->files, check_file, stage_walk, NULL)) ||
        (rc = walk_stage(&v, GAL_DB_LEXICON, v.st->lexicon, check_lexicon, stage_walk,
                         &lexicon_whole)) ||
        (rc = walk_stage(&v, GAL_DB_VOCAB, v.st->vocab, check_vocab, stage_walk, &vocab_whole)))
        goto done;
    /* counts are compared only when both tables were read to their ends */
    if (lexicon_whole && v.s.terms != v.meta_terms)
        problem(&v, "meta %s: %llu, the lexicon holds %llu", GAL_META_TERMS,
                (unsigned long long)v.meta_terms, (unsigned long long)v.s.terms);
    if (lexicon_whole && vocab_whole && v.s.vocab != v.s.terms)
        problem(&v, "vocab: %llu entries, the lexicon holds %llu", (unsigned long long)v.s.vocab,
                (unsigned long long)v.s.terms);

    /* every term and entity must have postings: known once all were read
     * (and every term, once the whole lexicon could be) */
    if ((rc = stage(&v, GAL_DB_POSTINGS, stage_postings, &v.postings_whole)) ||
        (v.postings_whole && lexicon_whole &&
         (rc = stage(&v, GAL_DB_LEXICON, stage_match_lexicon, &matched))) ||
        (rc = stage(&v, "entities", stage_entities, NULL)))
        goto done;
    if (matched && v.named_positions > v.meta_tokens)
        problem(&v, "meta %s: %llu, the words' postings hold %llu positions", GAL_META_TOKENS,
                (unsigned long long)v.meta_tokens, (unsigned long long)v.named_positions);

done:
    if (rc == 1) /* the index changed: said as a problem */
        rc = 0;
    if (!rc && v.s.problems)
        rc = gal_error_set(GAL_ECORRUPT, "index '%s' is corrupt: %llu problem%s found", dir,
                           (unsigned long long)v.s.problems, v.s.problems == 1 ? "" : "s");
    if (out)
        *out = v.s;
    gal_free(v.pw.runs);
    gal_free(v.lex);
    lookup_close(&v);
    if (v.txn)
        mdb_txn_abort(v.txn);
    ZSTD_freeDCtx(v.dctx);
    ZSTD_freeDDict(v.ddict);
    gal_buf_release(&v.text);
    gal_doc_block_release(&v.doc_block);
    gal_free(v.batches);
    gal_free(v.purged);
    gal_store_close(v.st);
    return rc;
}
