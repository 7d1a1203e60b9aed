/*
 * search.h — evaluate a parsed query against one index snapshot
 * (query_eval.c): matching documents, BM25 scores, top-k, and the match
 * positions that snippets highlight.
 *
 * Evaluation is document-at-a-time: every leaf is a cursor over postings
 * that can jump forward (gal_postings_seek skips whole chunks), AND
 * leap-frogs its children from the rarest, positions are read only for
 * documents where all the words of a phrase meet, and the best hits are
 * kept in a heap of offset + limit entries.
 */
#ifndef GAL_SEARCH_H
#define GAL_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "date_histogram.h"
#include "index.h"
#include "query.h"

typedef enum gal_sort {
    GAL_SORT_SCORE, /* score descending, then doc ascending */
    GAL_SORT_DATE,  /* newest first, undated last, then doc ascending */
    GAL_SORT_DOC,   /* doc ascending (input order) */
} gal_sort;

#define GAL_PREFIX_CAP_DEFAULT 256u

/* What BM25 counts over several indexes searched as one: documents, tokens
 * and each scored word's, phrase's and NEAR group's document frequency in
 * all of them, so that every document scores what it would in one index of
 * all their documents. */
typedef struct gal_search_stats gal_search_stats;

typedef struct gal_search_opts {
    gal_sort sort;
    size_t offset;       /* skip this many of the best hits */
    size_t limit;        /* then keep this many; SIZE_MAX keeps all */
    unsigned prefix_cap; /* most lexicon terms one prefix* expands to; 0 = default */
    /* Told once per prefix that matched more terms than the cap (may be NULL). */
    void (*note)(void *ctx, const char *msg);
    void *note_ctx;
    int count_only;      /* only gal_results.total is wanted: no scores, no hits */
    gal_date_unit histogram; /* with count_only: the matches by period of their
                              * dates too (gal_results.periods) */
    const gal_search_stats *stats; /* rank by these instead of the index's own (NULL) */
    unsigned part_threads; /* gal_search_many, gal_search_stats_of: how many of
                            * the indexes are searched at once; 0 = one a core */
} gal_search_opts;

typedef struct gal_hit {
    uint32_t doc;
    uint32_t part; /* gal_search_many: which of the snapshots (0 from gal_search) */
    double score;
    int64_t date; /* GAL_NO_DATE when undated */
} gal_hit;

typedef struct gal_results {
    gal_hit *hits;  /* the requested page, in rank order */
    size_t nhits;
    uint64_t total; /* every matching document */
    uint64_t deleted; /* matches in deleted documents, not in total (only
                       * ranking counts them: a lone phrase's idf does) */
    gal_histogram periods; /* opts.histogram: total by period */
} gal_results;

void gal_results_init(gal_results *r);
void gal_results_release(gal_results *r);

/* Every document q matches, but the deleted, in increasing order, to fn
 * (NULL: only counted into *n); a non-zero return of fn stops the walk and
 * is returned.  o may be NULL; only its prefix cap and notes matter. */
int gal_search_each(gal_snapshot *s, const gal_query *q, const gal_search_opts *o,
                    int (*fn)(void *arg, uint32_t doc), void *arg, uint64_t *n);

/* Run q.  Replaces r's contents on success.  GAL_ECORRUPT from damaged
 * postings, GAL_ENOMEM. */
int gal_search(gal_snapshot *s, const gal_query *q, const gal_search_opts *o, gal_results *r);

/* Statistics of several indexes for one query: add each snapshot's, then
 * pass them in gal_search_opts.stats.  Adding counts the documents of the
 * query's phrases and NEAR groups, a pass over their postings (one index
 * counts them while it ranks).  GAL_ECORRUPT, GAL_ENOMEM. */
int gal_search_stats_new(gal_search_stats **out);
int gal_search_stats_add(gal_search_stats *st, gal_snapshot *s, const gal_query *q,
                         const gal_search_opts *o);
void gal_search_stats_free(gal_search_stats *st); /* NULL is fine */
/* What the scores of gal_search with these stats are to be multiplied by,
 * once the query's documents in all the indexes (total) are known: the
 * idf of a query that is one phrase or NEAR group, which is not counted
 * ahead; 1 for any other query. */
double gal_search_stats_scale(const gal_search_stats *st, const gal_query *q, uint64_t total);
/* Tell o->note once of each prefix whose terms in all the indexes passed
 * the cap (gal_search_stats_add tells nothing). */
void gal_search_stats_report(const gal_search_stats *st, const gal_search_opts *o);
/* Add what from counted to st, as if from's snapshots had been added to st
 * after st's own; from gives up its phrases' counts and is left for
 * gal_search_stats_free. */
int gal_search_stats_merge(gal_search_stats *st, gal_search_stats *from);
/* A new gal_search_stats of the n snapshots, each added on one of
 * o->part_threads threads (search_many.c), reported to o->note. */
int gal_search_stats_of(gal_snapshot *const *s, size_t n, const gal_query *q,
                        const gal_search_opts *o, gal_search_stats **out);

/* Run q over the n snapshots as over one index of all their documents, in
 * the order given (search_many.c): the total adds up, scores are those of
 * that one index (gal_search_stats), ties and --sort doc go by snapshot,
 * then document; each hit's part says its snapshot.  n = 1 is gal_search.
 * Up to o->part_threads snapshots are searched at once, each by one thread
 * at a time (a snapshot is not shared); the answer is the same however
 * many. */
int gal_search_many(gal_snapshot *const *s, size_t n, const gal_query *q,
                    const gal_search_opts *o, gal_results *r);

/*
 * Match positions in one document, for highlighting: every occurrence of
 * every positive leaf of the query (words under NOT are left out), as
 * token-position ranges [first, last], sorted and merged.
 */
typedef struct gal_posrange {
    uint32_t first, last;
} gal_posrange;

typedef struct gal_matcher gal_matcher;

int gal_matcher_new(gal_snapshot *s, const gal_query *q, const gal_search_opts *o,
                    gal_matcher **out);
void gal_matcher_free(gal_matcher *m); /* NULL is fine */
/* Fill the ranges for doc; cheapest when called with increasing docs.  The
 * array stays valid until the next call or gal_matcher_free(). */
int gal_matcher_doc(gal_matcher *m, uint32_t doc, const gal_posrange **ranges, size_t *n);

#endif
