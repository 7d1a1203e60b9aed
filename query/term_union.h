/*
 * term_union.h — one cursor over the documents and positions of every term
 * that starts with a prefix: a prefix* inside a phrase ("oil pri*"), whose
 * place in the phrase any of those terms may fill.
 *
 * It moves as a gal_postings cursor does (index.h): its document is the
 * smallest any of its terms is on, and its positions there are theirs,
 * merged (two terms never share a position: one token is one term).  The
 * terms are walked from the lexicon when it opens, at most max_terms of
 * them; past that the open fails with a usage error naming the prefix, as
 * a phrase that silently left some of them out would miss matches.
 */
#ifndef GAL_TERM_UNION_H
#define GAL_TERM_UNION_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"

/* How many terms a prefix inside a phrase may stand for, and all those of
 * a query together: each is a cursor of its own (news-200m: "s* oil", some
 * 15,000 terms, 1.8 s and 320 MB; "oil pri*" 0.06 s). */
#define GAL_TERM_UNION_MAX 16384u

typedef struct gal_term_union gal_term_union;

/* The terms of s that start with the folded bytes prefix[0, len).  An
 * empty union (no such term) is not an error. */
int gal_term_union_open(gal_snapshot *s, const char *prefix, size_t len, unsigned max_terms,
                        gal_term_union **out);
void gal_term_union_close(gal_term_union *u); /* NULL is fine */

/* How many terms it stands for. */
uint32_t gal_term_union_terms(const gal_term_union *u);

/* The documents of all its terms, each counted once a term: an upper
 * bound of its own (for ordering cursors, as gal_postings_df is used). */
uint64_t gal_term_union_df(gal_term_union *u);

/* Move to the first document >= target: 1, 0 at the end, or a negative
 * status. */
int gal_term_union_seek(gal_term_union *u, uint32_t target);
uint32_t gal_term_union_doc(const gal_term_union *u);
/* The occurrences of its terms in the current document. */
uint32_t gal_term_union_tf(gal_term_union *u);
/* Their positions, increasing; valid until the cursor moves.  A negative
 * status when a term's positions cannot be read. */
int gal_term_union_positions(gal_term_union *u, const uint32_t **pos, uint32_t *tf);

/* gal_postings_directory and gal_postings_expect_seeks, for every term. */
void gal_term_union_directory(gal_term_union *u, int when);
void gal_term_union_expect_seeks(gal_term_union *u, uint64_t n);

#endif
