/*
 * search_many.c — several indexes searched as one (search.h): an archive
 * indexed in parts (by year, by source, by machine) answers as one index of
 * all its documents would, with the parts in the order given.
 *
 * Two passes: the first adds up what BM25 counts (documents, tokens, each
 * scored leaf's document frequency, the terms prefixes grow into) over
 * every part, unless the caller did (gal_search_opts.stats: it needs them
 * for the snippets' matches too); the second ranks each part by those sums
 * and keeps its best offset + limit hits; the best of all of them are the
 * answer.  A document's score is then the one an index
 * of everything gives it, bit for bit: the same formula of the same counts.
 */
#include "search.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "status.h"

/* The orders of gal_search's hits, with the part before the document. */
static int by_place(const gal_hit *a, const gal_hit *b)
{
    if (a->part != b->part)
        return a->part < b->part ? -1 : 1;
    return a->doc < b->doc ? -1 : a->doc > b->doc;
}

static int by_doc(const void *a, const void *b)
{
    return by_place(a, b);
}

static int by_score(const void *a, const void *b)
{
    const gal_hit *x = a, *y = b;
    return x->score != y->score ? (x->score > y->score ? -1 : 1) : by_place(x, y);
}

static int by_date(const void *a, const void *b)
{
    const gal_hit *x = a, *y = b;
    return x->date != y->date ? (x->date > y->date ? -1 : 1) : by_place(x, y);
}

int gal_search_many(gal_snapshot *const *s, size_t n, const gal_query *q,
                    const gal_search_opts *o, gal_results *r)
{
    if (n == 1)
        return gal_search(s[0], q, o, r);
    gal_search_opts each = o ? *o : (gal_search_opts){.limit = 10};
    size_t offset = each.offset, limit = each.limit;
    size_t keep = offset + limit < offset ? SIZE_MAX : offset + limit;
    gal_search_stats *own = NULL;
    gal_results part;
    gal_results_init(&part);
    gal_hit *all = NULL;
    size_t nall = 0, cap = 0;
    uint64_t total = 0, deleted = 0;
    gal_histogram periods = {0};
    int rc = 0;
    if (!each.stats) { /* counting too needs the prefixes' terms of all */
        rc = gal_search_stats_new(&own);
        for (size_t i = 0; i < n && !rc; i++)
            rc = gal_search_stats_add(own, s[i], q, o);
        if (!rc)
            gal_search_stats_report(own, o);
        each.stats = own;
    }
    each.note = NULL;
    each.offset = 0;
    each.limit = keep;
    for (size_t i = 0; i < n && !rc; i++) {
        if ((rc = gal_search(s[i], q, &each, &part)))
            break;
        total += part.total;
        deleted += part.deleted;
        for (size_t k = 0; k < part.periods.n && !rc; k++)
            rc = gal_histogram_add(&periods, part.periods.v[k].period, part.periods.v[k].count);
        if (rc)
            break;
        if (part.nhits &&
            gal_grow((void **)&all, &cap, nall + part.nhits, sizeof *all, 64)) {
            rc = gal_error_set(GAL_ENOMEM, "out of memory merging hits");
            break;
        }
        for (size_t k = 0; k < part.nhits; k++) {
            all[nall] = part.hits[k];
            all[nall++].part = (uint32_t)i;
        }
    }
    if (!rc) {
        /* a phrase's df counts its deleted documents, as a word's does */
        double scale = gal_search_stats_scale(each.stats, q, total + deleted);
        for (size_t k = 0; scale != 1.0 && k < nall; k++)
            all[k].score *= scale;
        if (nall > 1)
            qsort(all, nall, sizeof *all,
                  each.sort == GAL_SORT_DATE ? by_date : each.sort == GAL_SORT_DOC ? by_doc : by_score);
        gal_results_release(r);
        r->total = total;
        r->periods = periods;
        memset(&periods, 0, sizeof periods);
        if (offset < nall) {
            size_t m = nall - offset < limit ? nall - offset : limit;
            memmove(all, all + offset, m * sizeof *all);
            r->hits = all;
            r->nhits = m;
            all = NULL;
        }
    }
    gal_free(all);
    gal_histogram_release(&periods);
    gal_results_release(&part);
    gal_search_stats_free(own);
    return rc;
}
