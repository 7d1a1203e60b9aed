/*
 * index_writer.h — stages 4 and 5 of `galley index`: encode a tokenized
 * batch (postings, lexicon, document table) and commit it, with its packed
 * stored text, in one LMDB write transaction.
 *
 * A batch is all or nothing: if anything fails the transaction is aborted,
 * and the index stays at its last committed batch.  When the LMDB map is
 * full the transaction is aborted, the map doubled, and the batch written
 * again.
 */
#ifndef GAL_INDEX_WRITER_H
#define GAL_INDEX_WRITER_H

#include <stdint.h>

#include "batch.h"
#include "entity_table.h"
#include "id_replace.h"
#include "mentions.h"
#include "store.h"
#include "tokenize.h"

typedef struct gal_writer gal_writer;

typedef struct gal_writer_totals {
    uint64_t docs, tokens, terms, raw_bytes, batches, collisions;
    uint64_t new_terms;      /* terms added by this run */
    uint64_t replaced;       /* documents this run superseded (--replace) */
    double encode_sec;       /* grouping, postings and record encoding */
    double write_sec;        /* LMDB puts and commits, and any wait for the
                              * last batch's in-memory updates (update_sec) */
    double commit_sec;       /* of write_sec, the commits: pages written and synced */
    double update_sec;       /* the in-memory known terms and entity forms
                              * updated after each commit, on a thread beside
                              * the next batch's puts */
} gal_writer_totals;

/* Open (creating if needed) the index in dir for writing.  An index that
 * already holds documents is refused with GAL_EUSAGE unless append is set.
 * GAL_EBUSY when another writer holds it. */
int gal_writer_open(const char *dir, int append, gal_writer **out);
void gal_writer_close(gal_writer *w); /* NULL is fine */

/* Document number the next batch starts at. */
uint32_t gal_writer_next_doc(const gal_writer *w);

/* Register an input path; its number is stored with each document and the
 * path is written with the next batch. */
int gal_writer_add_file(gal_writer *w, const char *path, uint32_t *file_no);

/* The index's stored-text dictionary (NULL when it has none), valid while
 * the writer is open: for the text packer (text_pack.h). */
void gal_writer_dict(const gal_writer *w, const void **dict, size_t *len);

/* A batch encoded for its commit: its terms and encoded postings, document
 * records and batch statistics.  One per batch between encoding and commit,
 * so batches are encoded while earlier ones are written. */
typedef struct gal_encoded gal_encoded;
int gal_encoded_new(gal_encoded **out);
void gal_encoded_free(gal_encoded *e); /* NULL is fine */

/* When the index has no bigram words yet, choose them from the run's
 * first batch, tokenized as t (e is scratch); otherwise nothing.  Every
 * batch's encoding needs them, so the other encoders wait for this, not
 * for the first batch's whole encoding. */
int gal_writer_choose_common(gal_writer *w, gal_encoded *e, const gal_tokens *t);

/* Stage 4: group and encode batch b tokenized as t, with its entity
 * mentions m (may be NULL), into e.  Several threads may encode batches at
 * once, each into its own e, once the bigram words are chosen
 * (gal_writer_choose_common, which the first call makes if need be).
 * t->offset is clobbered. */
int gal_writer_encode(gal_writer *w, gal_encoded *e, const gal_batch *b, gal_tokens *t,
                      const gal_mentions *m);

/* Stage 5: write and commit batch b (its stored text already packed,
 * b->first_doc equal to gal_writer_next_doc()) as gal_writer_encode left it
 * in e; ntokens is the number of tokens it was encoded from (the token set
 * itself is no longer needed), eb its entity mentions grouped by
 * gal_entity_batch_prepare() (entity_table.h) over b->text. */
int gal_writer_commit(gal_writer *w, const gal_encoded *e, gal_batch *b, uint64_t ntokens,
                      const gal_entity_batch *eb);

/* Which documents the index holds: shard k (1..n) of n, or all (n = 0);
 * written with every commit (meta "shard").  GAL_EUSAGE, naming both, when
 * the index already holds documents of another shard, or of all. */
int gal_writer_set_shard(gal_writer *w, unsigned k, unsigned n);

/* --replace: from the next batch on, a document whose key (id or url) an
 * earlier live document has (in the index or in this run) supersedes it:
 * the earlier ones are deleted (deleted.h, id_replace.h) in the new one's
 * commit. */
int gal_writer_set_replace(gal_writer *w, gal_replace_key key);

/* Whether the pages each commit writes stay in the page cache (keep) or
 * are handed back to the kernel once synced (the default: a bulk load's
 * output would otherwise push out what the machine was using, and on a
 * virtual machine whose host takes back freed memory, taking fresh pages
 * for it cost as much as the rest of the writer's work; see
 * gal_store_drop_cached). */
void gal_writer_keep_cache(gal_writer *w, int keep);

/* Record a description of how the index was built (meta "build"), in the
 * next commit. */
int gal_writer_set_build_note(gal_writer *w, const char *note);

/* What the writer has done so far, once the last commit's in-memory updates
 * (their seconds count) are done: a run that stops early after an error
 * reads them before closing the writer. */
const gal_writer_totals *gal_writer_totals_get(gal_writer *w);

/* Where the latest run stands, as committed: for `galley index --resume`. */
typedef struct gal_resume_point {
    int has_batches;         /* the index holds at least one batch */
    int complete;            /* the latest run read all its input */
    uint32_t run_first_file; /* file number of the latest run's first input */
    uint32_t file_no;        /* file the last committed document came from */
    uint64_t offset;         /* decompressed offset just past that document */
    uint32_t files;          /* input files recorded by all runs */
    gal_replace_key replace; /* the latest run replaced documents: by what */
    int merge;               /* the latest run was a merge (GAL_RESUME_MERGE) */
} gal_resume_point;

void gal_writer_resume_point(const gal_writer *w, gal_resume_point *out);

/* The path recorded for file number no (heap string for the caller to
 * gal_free).  GAL_ENOTFOUND when there is none. */
int gal_writer_file_path(gal_writer *w, uint32_t no, char **path);

/* Start a new run: its first input gets the next file number, and the run
 * is marked incomplete with the next commit. */
void gal_writer_begin_run(gal_writer *w);

/* The run is a merge: it records GAL_RESUME_MERGE as its resume point,
 * so that `index --resume` refuses an index a merge left unfinished. */
void gal_writer_set_merge(gal_writer *w);

/* Continue the latest run at file number file_no (resume): the next
 * gal_writer_add_file() gets that number again. */
void gal_writer_continue_run(gal_writer *w, uint32_t file_no);

/* Mark the run complete, in a transaction of its own, and sync the index
 * to disk (each commit left its meta page to the next one's sync). */
int gal_writer_finish(gal_writer *w);

#endif
