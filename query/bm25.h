/*
 * bm25.h — Okapi BM25, the ranking function of `galley query`.
 *
 *   score(doc) = sum over matched query terms t of
 *                idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))
 *   idf(t)     = ln(1 + (N - df + 0.5) / (df + 0.5))
 *
 * with k1 = 1.2 and b = 0.75, N the documents in the index, dl the document's
 * tokens (title and body) and avgdl their mean.  A phrase or a NEAR group
 * counts as one term: tf is the number of its occurrences in the document
 * and df the number of documents where it occurs.  This idf never goes
 * negative, so a very common word still adds a little.
 */
#ifndef GAL_BM25_H
#define GAL_BM25_H

#include <stddef.h>
#include <stdint.h>

#define GAL_BM25_K1 1.2
#define GAL_BM25_B 0.75

typedef struct gal_bm25 {
    double n_docs;
    double avgdl;
} gal_bm25;

void gal_bm25_init(gal_bm25 *m, uint64_t n_docs, double avg_doc_tokens);

double gal_bm25_idf(const gal_bm25 *m, uint64_t df);

/* One term's contribution for tf >= 1 (as a double) in a document of
 * doc_tokens: the formula once, for both functions below. */
static inline double gal_bm25_of(double idf, double f, double doc_tokens, double avgdl)
{
    double norm = GAL_BM25_K1 * (1.0 - GAL_BM25_B + GAL_BM25_B * doc_tokens / avgdl);
    return idf * f * (GAL_BM25_K1 + 1.0) / (f + norm);
}

/* One term's contribution, given its idf.  Inline: ranking a lone word
 * calls it for every document of a chunk in one loop. */
static inline double gal_bm25_term(const gal_bm25 *m, double idf, uint32_t tf,
                                   uint32_t doc_tokens)
{
    return tf ? gal_bm25_of(idf, (double)tf, (double)doc_tokens, m->avgdl) : 0.0;
}

/* The same for n documents that all hold the term (tf >= 1): a loop
 * without a branch, which the compiler turns into divisions two or four
 * documents at a time; each result is the same double as
 * gal_bm25_term()'s. */
static inline void gal_bm25_terms(const gal_bm25 *m, double idf, const uint32_t *tf,
                                  const uint32_t *doc_tokens, size_t n, double *out)
{
    double avgdl = m->avgdl;
    for (size_t i = 0; i < n; i++)
        out[i] = gal_bm25_of(idf, (double)tf[i], (double)doc_tokens[i], avgdl);
}

#endif
