/*
 * search_many.c — several indexes searched as one (search.h): an archive
 * indexed in parts (by year, by source, by machine, or the shards of one
 * run) answers as one index of all its documents would, with the parts in
 * the order given.
 *
 * Two passes: the first adds up what BM25 counts (documents, tokens, each
 * scored leaf's document frequency, the terms prefixes grow into) over
 * every part, unless the caller did (gal_search_opts.stats: it needs them
 * for the snippets' matches too); the second ranks each part by those sums
 * and keeps its best offset + limit hits; the best of all of them are the
 * answer.  A document's score is then the one an index
 * of everything gives it, bit for bit: the same formula of the same counts.
 *
 * In each pass the parts are searched at once, on as many threads as
 * gal_search_opts.part_threads allows (parallel_for.h): a part's work
 * needs only its own snapshot (and, ranking, the counts of the first pass,
 * read-only), and what the parts found is put together in their order
 * afterwards, so the answer does not depend on how many threads there
 * were.
 */
#include "search.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "parallel_for.h"
#include "status.h"

/* One part's work in a pass, and what it left. */
typedef struct part_job {
    gal_snapshot *s;
    gal_search_stats *stats; /* counting: this part's own counts */
    gal_results res;         /* ranking: this part's best hits */
    gal_error_copy error;    /* from the thread that ran it */
} part_job;

typedef struct part_run {
    part_job *jobs;
    const gal_query *q;
    const gal_search_opts *o; /* ranking: with the counts of every part */
    int ranking;
} part_run;

static void run_job(void *arg, size_t i)
{
    const part_run *run = arg;
    part_job *j = &run->jobs[i];
    int rc;
    if (run->ranking)
        rc = gal_search(j->s, run->q, run->o, &j->res);
    else if (!(rc = gal_search_stats_new(&j->stats)))
        rc = gal_search_stats_add(j->stats, j->s, run->q, run->o);
    gal_error_keep(&j->error, rc);
}

/* Every part's job, up to o->part_threads at once (parallel_for.h); then
 * the first failure in part order, its message carried to this thread. */
static int run_parts(part_run *run, size_t n, const gal_search_opts *o)
{
    gal_parallel_for(n, o ? o->part_threads : 0, run_job, run);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = gal_error_kept(&run->jobs[i].error);
    return rc;
}

static int jobs_new(gal_snapshot *const *s, size_t n, part_job **out)
{
    part_job *jobs = gal_calloc(n, sizeof *jobs);
    if (!jobs)
        return gal_error_set(GAL_ENOMEM, "out of memory searching %zu indexes", n);
    for (size_t i = 0; i < n; i++) {
        jobs[i].s = s[i];
        gal_results_init(&jobs[i].res);
    }
    *out = jobs;
    return 0;
}

static void jobs_free(part_job *jobs, size_t n)
{
    for (size_t i = 0; jobs && i < n; i++) {
        gal_search_stats_free(jobs[i].stats);
        gal_results_release(&jobs[i].res);
    }
    gal_free(jobs);
}

int gal_search_stats_of(gal_snapshot *const *s, size_t n, const gal_query *q,
                        const gal_search_opts *o, gal_search_stats **out)
{
    part_job *jobs = NULL;
    gal_search_stats *st = NULL;
    int rc = jobs_new(s, n, &jobs);
    if (!rc) {
        part_run run = {jobs, q, o, 0};
        rc = run_parts(&run, n, o);
    }
    if (!rc)
        rc = gal_search_stats_new(&st);
    for (size_t i = 0; i < n && !rc; i++) /* in part order, as one after another */
        rc = gal_search_stats_merge(st, jobs[i].stats);
    jobs_free(jobs, n);
    if (rc) {
        gal_search_stats_free(st);
        return rc;
    }
    gal_search_stats_report(st, o);
    *out = st;
    return 0;
}

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
    part_job *jobs = NULL;
    gal_hit *all = NULL;
    size_t nall = 0, cap = 0;
    uint64_t total = 0, deleted = 0;
    gal_histogram periods = {0};
    int rc = 0;
    if (!each.stats) { /* counting too needs the prefixes' terms of all */
        rc = gal_search_stats_of(s, n, q, o, &own);
        each.stats = own;
    }
    each.note = NULL;
    each.offset = 0;
    each.limit = keep;
    if (!rc && !(rc = jobs_new(s, n, &jobs))) {
        part_run run = {jobs, q, &each, 1};
        rc = run_parts(&run, n, &each);
    }
    for (size_t i = 0; i < n && !rc; i++) {
        const gal_results *part = &jobs[i].res;
        total += part->total;
        deleted += part->deleted;
        for (size_t k = 0; k < part->periods.n && !rc; k++)
            rc = gal_histogram_add(&periods, part->periods.v[k].period, part->periods.v[k].count);
        if (rc)
            break;
        if (part->nhits &&
            gal_grow((void **)&all, &cap, nall + part->nhits, sizeof *all, 64)) {
            rc = gal_error_set(GAL_ENOMEM, "out of memory merging hits");
            break;
        }
        for (size_t k = 0; k < part->nhits; k++) {
            all[nall] = part->hits[k];
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
    jobs_free(jobs, n);
    gal_search_stats_free(own);
    return rc;
}
