#include "id_table.h"

#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "status.h"
#include "terms.h"
#include "varint.h"

/* The seed keeps id hashes apart from term and entity keys (terms.h). */
#define ID_SEED 0xA4093822299F31D0ull

uint64_t gal_id_hash(const char *id, size_t len)
{
    return gal_term_hash_folded(id, len, ID_SEED);
}

/* By hash, then id bytes, then document: a hash's ids together, each id's
 * first document first. */
static int by_hash_id_doc(const void *pa, const void *pb)
{
    const gal_id_entry *x = pa, *y = pb;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->id, y->id, n);
    if (c == 0)
        c = (x->len > y->len) - (x->len < y->len);
    if (c == 0)
        c = (x->doc > y->doc) - (x->doc < y->doc);
    return c;
}

static int by_doc(const void *pa, const void *pb)
{
    uint32_t x = *(const uint32_t *)pa, y = *(const uint32_t *)pb;
    return (x > y) - (x < y);
}

int gal_id_table_add(gal_hblock_builder *b, uint32_t batch, gal_id_entry *e, size_t n)
{
    qsort(e, n, sizeof *e, by_hash_id_doc);
    uint8_t rec[64 * GAL_VARINT_MAX];
    uint32_t docs[64];
    int rc = 0;
    for (size_t i = 0; i < n && !rc;) {
        /* the first document of each distinct id with this hash (a record
         * of up to 64; more ids on one 64-bit hash would be a broken hash) */
        size_t nd = 0, j = i;
        for (; j < n && e[j].hash == e[i].hash; j++)
            if ((j == i || e[j].len != e[j - 1].len || memcmp(e[j].id, e[j - 1].id, e[j].len)) &&
                nd < sizeof docs / sizeof *docs)
                docs[nd++] = e[j].doc;
        qsort(docs, nd, sizeof *docs, by_doc);
        size_t len = 0;
        for (size_t k = 0; k < nd; k++)
            len += gal_varint_put(rec + len, k ? docs[k] - docs[k - 1] - 1 : docs[k] - batch);
        rc = gal_hblock_add(b, batch, e[i].hash, rec, len);
        i = j;
    }
    return rc;
}

void gal_id_docs_open(gal_id_docs *d, const uint8_t *rec, size_t len, uint32_t batch)
{
    d->p = rec;
    d->end = rec + len;
    d->next = batch;
}

int gal_id_docs_next(gal_id_docs *d, uint32_t *doc)
{
    if (d->p == d->end)
        return 1;
    uint64_t v;
    if (gal_varint_get(&d->p, d->end, &v) || v > UINT32_MAX || d->next + v > UINT32_MAX)
        return -1;
    *doc = (uint32_t)(d->next + v);
    d->next = (uint64_t)*doc + 1;
    return 0;
}
