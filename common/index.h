/*
 * index.h — reading a galley index: the API that `galley query`, `show`,
 * `stats` and the tests use.  The writing side is in index_write.h.
 *
 * An index is one LMDB environment directory.  Readers never block the
 * writer and see only committed batches: everything read through one
 * gal_snapshot comes from one read transaction.
 *
 * Memory returned as `const` pointers below points into the LMDB map or into
 * a buffer owned by the object it came from; each function says until when
 * it stays valid.
 */
#ifndef GAL_INDEX_H
#define GAL_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "deleted.h"

#include "buf.h"

typedef struct gal_index gal_index;       /* an open environment (thread-safe) */
typedef struct gal_snapshot gal_snapshot; /* one read transaction (one thread) */
typedef struct gal_postings gal_postings; /* a cursor over one term's postings */

/* Counts kept in the index metadata, as of the snapshot. */
typedef struct gal_index_stats {
    uint64_t docs;       /* documents */
    uint64_t tokens;     /* positions used, title and body, indexed or not */
    uint64_t terms;      /* distinct terms in the lexicon */
    uint64_t raw_bytes;  /* decompressed input bytes */
    uint64_t batches;    /* committed write transactions */
    uint64_t collisions; /* term-hash collisions detected */
    uint64_t purged;     /* deleted documents optimize purged (deleted.h): tokens leaves
                          * out their positions */
    uint32_t format_version;
    uint32_t tokenizer_version;
    uint32_t entity_rules_version; /* the oldest its documents' entities were found by */
    double avg_doc_tokens; /* tokens over the documents BM25 counts */
} gal_index_stats;

/* The documents BM25 counts: all of them but the purged, whose postings
 * are gone (a deleted document not purged yet is counted, as its postings
 * are in every term's df). */
static inline uint64_t gal_stats_bm25_docs(const gal_index_stats *s)
{
    return s->docs - s->purged;
}

/* Open the index directory read-only.  GAL_ENOTFOUND when dir holds no
 * index, GAL_ECORRUPT when it is not a galley index or has another format
 * version.  *out is written only on success; close with gal_index_close(). */
int gal_index_open(const char *dir, gal_index **out);
void gal_index_close(gal_index *ix); /* NULL is fine */

struct gal_store;

/* The index of a store already open (a writer reading what it holds,
 * through snapshots of its own): closing it leaves the store open. */
int gal_index_of_store(struct gal_store *st, gal_index **out);

/* Several indexes open for reading as one (`galley query A B ...`), a
 * snapshot of each: index_set.c. */
typedef struct gal_index_set {
    gal_index **ix;
    gal_snapshot **snaps;
    size_t n;
} gal_index_set;

/* Open the n index directories and begin a snapshot of each.  On failure
 * none stays open and the status's detail names the index. */
int gal_index_set_open(gal_index_set *set, const char *const *dirs, size_t n);
/* The same, but an index opened before for dirs[i] (opened[i], not NULL;
 * opened itself may be NULL) is taken instead of opened again: the set
 * closes it, and opened[i] is set to NULL. */
int gal_index_set_adopt(gal_index_set *set, const char *const *dirs, gal_index **opened, size_t n);
void gal_index_set_close(gal_index_set *set); /* a zeroed set is fine */

/* Begin a read transaction.  Close with gal_snapshot_end() before the index.
 * Its first reads run under the fault guard (fault_guard.h): a damaged
 * page there is GAL_ECORRUPT.  *out is NULL on failure. */
int gal_snapshot_begin(gal_index *ix, gal_snapshot **out);
void gal_snapshot_end(gal_snapshot *s); /* NULL is fine */

int gal_snapshot_stats(gal_snapshot *s, gal_index_stats *out);

/* Where the index's documents came from, for `galley merge` (apart from
 * gal_snapshot_stats, which every query reads). */
typedef struct gal_index_origin {
    unsigned shard_k, shard_n; /* shard K of N (galley index --shard); 0, 0: all */
    uint64_t run_first_file;   /* the first file of the latest run: 0 when one
                                * run (and its resumes) read every input */
} gal_index_origin;
int gal_snapshot_origin(gal_snapshot *s, gal_index_origin *out);

/* GAL_ECORRUPT (with its detail) once a docstats accessor has met a damaged
 * record in this snapshot, else 0.  Whoever reads them through a query
 * asks this before trusting its answer. */
int gal_snapshot_status(const gal_snapshot *s);

/* Document table. */
typedef struct gal_doc_info {
    uint32_t doc;          /* dense document number */
    const char *id;        /* external id; may be empty */
    size_t id_len;
    size_t title_len;      /* the stored text's first title_len bytes are the title */
    const char *date;      /* as given in the input; may be empty */
    size_t date_len;
    int64_t date_sec;      /* seconds since 1970 UTC, or GAL_NO_DATE */
    const char *url;       /* as given in the input; may be empty */
    size_t url_len;
    const char *source;    /* input file path */
    size_t source_len;
    uint32_t file_no;      /* the number of that file in the index (gal_snapshot_files) */
    uint32_t tokens;       /* title + body tokens */
    uint32_t title_tokens; /* body positions start at title_tokens + GAL_TITLE_BODY_GAP */
} gal_doc_info;
#define GAL_NO_DATE INT64_MIN

/* Look up document `doc`.  Strings are valid until the next call on this
 * snapshot (they are decoded from the block of 32 documents that holds it,
 * kept for the next call) or its end.  GAL_ENOTFOUND when doc >= docs;
 * GAL_ECORRUPT when its block, or its docstats, is damaged. */
int gal_snapshot_doc(gal_snapshot *s, uint32_t doc, gal_doc_info *out);

/* The input files the index was built from: fn is called with each one's
 * number and path, in number order, until it returns non-zero (that value
 * is returned) or the files run out (0).  The path is valid until the
 * snapshot ends. */
typedef int (*gal_file_fn)(void *ctx, uint32_t file_no, const char *path, size_t len);
int gal_snapshot_files(gal_snapshot *s, gal_file_fn fn, void *ctx);

/* Token count of `doc` (BM25 document length), from an in-memory array;
 * 0 when doc is out of range.  This and the other docstats accessors below
 * check a batch's record when they first read it; a damaged one reads as
 * out of range, and gal_snapshot_status() reports it. */
uint32_t gal_snapshot_doc_tokens(gal_snapshot *s, uint32_t doc);
/* Ask the cache for doc's token count ahead of gal_snapshot_doc_tokens(). */
void gal_snapshot_prefetch_doc_tokens(gal_snapshot *s, uint32_t doc);
/* The same for n increasing documents at once, into out[0..n). */
void gal_snapshot_doc_tokens_many(gal_snapshot *s, const uint32_t *docs, size_t n, uint32_t *out);

/* Title tokens of `doc` (body positions start at this + GAL_TITLE_BODY_GAP),
 * from an in-memory array; 0 when doc is out of range. */
uint32_t gal_snapshot_doc_title_tokens(gal_snapshot *s, uint32_t doc);

/* Date of `doc` in seconds since 1970 (GAL_NO_DATE when it has none), from
 * an in-memory array. */
int64_t gal_snapshot_doc_date(gal_snapshot *s, uint32_t doc);

/* Find a document by external id: the first one not deleted (the earliest
 * batch's first, the only one an index built with --replace keeps).
 * GAL_ENOTFOUND when there is none. */
int gal_snapshot_find_id(gal_snapshot *s, const char *id, size_t len, uint32_t *doc);

/* The documents deleted (deleted.h), read once per snapshot: *out NULL
 * when there are none.  GAL_ECORRUPT when the table is damaged. */
int gal_snapshot_deleted(gal_snapshot *s, const gal_deleted_set **out);

/* Stored text: the title, a '\n', then the body, exactly as indexed (so
 * token offsets in it match what the tokenizer saw).  Replaces out's
 * contents. */
int gal_snapshot_text(gal_snapshot *s, uint32_t doc, gal_buf *out);

/* Lexicon: the folded term for `hash`.  GAL_ENOTFOUND when absent; the
 * string is valid until the snapshot ends. */
int gal_snapshot_term(gal_snapshot *s, uint64_t hash, const char **term, size_t *len);

/* Call fn for each lexicon term that starts with the folded bytes `prefix`,
 * in byte order, until fn returns non-zero (that value is returned) or the
 * terms run out (0). */
typedef int (*gal_term_fn)(void *ctx, const char *term, size_t len, uint64_t hash);
int gal_snapshot_terms_with_prefix(gal_snapshot *s, const char *prefix, size_t len,
                                   gal_term_fn fn, void *ctx);

/* If the index holds the bigram term of words `first` then `second` (both
 * among its most frequent words), store its key in *bigram and return 1;
 * else 0.  Its postings give the position of the first word. */
int gal_snapshot_bigram(gal_snapshot *s, uint64_t first, uint64_t second, uint64_t *bigram);

/*
 * Postings of one term: documents in increasing order, each with its term
 * frequency and positions.
 *
 * gal_postings_open() never fails for an absent term: the cursor is just
 * empty (df 0).  gal_postings_next() moves to the next document and returns
 * 1, 0 at the end, or a negative status (GAL_ECORRUPT on a bad checksum).
 * gal_postings_seek() moves to the first document >= target, skipping whole
 * chunks by their keys without decoding them; same returns.  The current
 * document, tf and positions are valid after a return of 1; positions stay
 * valid until the next move.
 */
int gal_postings_open(gal_snapshot *s, uint64_t hash, gal_postings **out);
void gal_postings_close(gal_postings *p); /* NULL is fine */
/* Documents containing the term (the counts each batch's last chunk of it
 * carries; cached). */
uint32_t gal_postings_df(gal_postings *p);
/* The same count, with the checksum of every chunk it comes from (each
 * batch's last) verified: for answers that must be exact.  GAL_ECORRUPT
 * names the damaged chunk. */
int gal_postings_count(gal_postings *p, uint64_t *ndocs);
int gal_postings_next(gal_postings *p);
int gal_postings_seek(gal_postings *p, uint32_t target);
uint32_t gal_postings_doc(const gal_postings *p);
uint32_t gal_postings_tf(const gal_postings *p);
/* A chunk at a time, for a caller that reads every document: move to the
 * first document of the next chunk (of the first, before any move), as
 * gal_postings_next() answers; then gal_postings_rest() gives the chunk's
 * documents from the current one on and their frequencies (valid until the
 * cursor moves) and returns how many. */
int gal_postings_next_chunk(gal_postings *p);
size_t gal_postings_rest(const gal_postings *p, const uint32_t **docs, const uint32_t **tfs);
/* The current document's tf positions, increasing; valid until the cursor
 * moves.  NULL on failure (GAL_ECORRUPT or GAL_ENOMEM in gal_error_detail). */
const uint32_t *gal_postings_positions(gal_postings *p);
/* Ask the cache for the lengths of each chunk's documents as the chunk is
 * read (off by default): for a cursor whose every document gets scored,
 * where the lengths' cache misses would otherwise come one by one. */
void gal_postings_prefetch_lengths(gal_postings *p, int on);
/* When the cursor builds its chunk directory (index_read.c): once its seeks
 * have cost about as much (the default), at once, or never.  For tests, to
 * take each way of seeking. */
enum { GAL_DIR_ADAPTIVE, GAL_DIR_NOW, GAL_DIR_NEVER };
void gal_postings_directory(gal_postings *p, int when);
/* The caller expects to seek about n times (a phrase's word, once per
 * document of its rarest word): the cursor builds its directory at the
 * first seek when that many would pay for it, instead of after. */
void gal_postings_expect_seeks(gal_postings *p, uint64_t n);

#endif
