#include "bm25.h"

#include <math.h>

void gal_bm25_init(gal_bm25 *m, uint64_t n_docs, double avg_doc_tokens)
{
    m->n_docs = (double)n_docs;
    m->avgdl = avg_doc_tokens > 0 ? avg_doc_tokens : 1.0;
}

double gal_bm25_idf(const gal_bm25 *m, uint64_t df)
{
    double d = (double)df;
    if (d > m->n_docs)
        d = m->n_docs;
    return log(1.0 + (m->n_docs - d + 0.5) / (d + 0.5));
}
