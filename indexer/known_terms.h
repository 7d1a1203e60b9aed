/*
 * known_terms.h — the writer's memory of every word term in the lexicon:
 * its hash and a fingerprint of its folded bytes (a second, independent
 * hash), so that a batch finds its new terms and its hash collisions
 * without a lexicon lookup per term.  Looking up every term of every batch
 * in LMDB took 1.5 s of the writer's 9 s on 1 GB of news.
 *
 * Two different terms that share both hashes (a chance of 2^-64 per pair)
 * would be taken for one: the second would miss its lexicon entry, and
 * the collision its count; its postings are the first term's anyway.
 */
#ifndef GAL_KNOWN_TERMS_H
#define GAL_KNOWN_TERMS_H

#include <stddef.h>
#include <stdint.h>

typedef struct gal_known_terms gal_known_terms;

int gal_known_terms_new(gal_known_terms **out);
void gal_known_terms_free(gal_known_terms *kt); /* NULL is fine */

/* The fingerprint of a folded term. */
uint64_t gal_known_terms_fingerprint(const char *folded, size_t len);

enum { GAL_TERM_NEW = 0, GAL_TERM_KNOWN = 1, GAL_TERM_COLLIDES = 2 };

/* Whether hash is known, and if so for the same bytes (GAL_TERM_KNOWN) or
 * for others (GAL_TERM_COLLIDES). */
int gal_known_terms_find(const gal_known_terms *kt, uint64_t hash, uint64_t fingerprint);

/* Remember hash (not known yet) with its fingerprint.  0 or GAL_ENOMEM. */
int gal_known_terms_add(gal_known_terms *kt, uint64_t hash, uint64_t fingerprint);

#endif
