/*
 * index_optimize.h — `galley optimize`: merge an index's batches into a few
 * large ones.
 *
 * Every batch of `galley index` keeps its own run of postings keys, ids,
 * docstats, new terms and entity records (format.h), so a term pays a
 * chunk, a key and a checksum in every batch it occurs in, an entity a
 * record, and a query a cursor seek per batch and term: an archive of
 * 100 GB has about 3,000 batches.  Optimizing rewrites the index with
 * consecutive batches merged into groups of up to max_group_docs documents,
 * each term's postings re-chunked into full chunks and each entity's
 * records merged into one, into a fresh file that replaces the old one
 * (store.h: gal_store_close_replacing).  The stored text is compressed
 * again on the way (text_repack.h).  Queries answer exactly as before; later runs
 * append batches after the groups as usual.
 */
#ifndef GAL_INDEX_OPTIMIZE_H
#define GAL_INDEX_OPTIMIZE_H

#include <stdint.h>

#include "text_repack.h"

/* Groups hold at most this many documents by default: their docstats
 * record (16 bytes a document) stays under 64 MB. */
#define GAL_OPTIMIZE_GROUP_DOCS (4u << 20)

typedef struct gal_optimize_report {
    uint64_t batches_before, batches_after;
    uint64_t chunks_before, chunks_after;
    uint64_t chunks_copied; /* of chunks_after: a batch's own, unchanged, put as they were */
    uint64_t bytes_before, bytes_after; /* data.mdb */
    uint64_t purged;        /* deleted documents purged (deleted.h) */
    uint64_t terms_dropped; /* words only they held, out of the lexicon */
    double seconds;
    const char *skipped; /* why the index was left as it was, or NULL */
    int blocked;         /* skipped though there was work: its new file could not take
                          * the old one's place (another process has the index open) */
    int text_level;      /* the stored text was packed again at this level (0: copied) */
    gal_text_repack_stats text;
} gal_optimize_report;

typedef struct gal_optimize_opts {
    uint32_t group_docs; /* 0: GAL_OPTIMIZE_GROUP_DOCS */
    int text_level;      /* the stored text packed again at this level (text_repack.h); 0: copied */
    int progress;        /* a progress line on stderr, rewritten four times a second */
} gal_optimize_opts;

/* Optimize the index in dir (taking its writer lock).  Deleted documents
 * not purged yet are purged (deleted.h): out of the postings, the entity
 * records and (unless text_level is 0) the stored text.  An index with one
 * batch per group already, nothing to purge, and its text packed at any
 * level or text_level 0, is left alone (report->skipped says so). */
int gal_index_optimize(const char *dir, const gal_optimize_opts *opts,
                       gal_optimize_report *report);

#endif
