/*
 * run_heap.h — the k-way merge of sorted runs: a binary heap of run numbers
 * ordered by each run's current 64-bit key, ties by run number.  Runs are
 * batches, numbered in batch order, so equal keys (one term, one entity)
 * come out batch after batch: optimize's postings merge and the entity
 * listing both need that.
 */
#ifndef GAL_RUN_HEAP_H
#define GAL_RUN_HEAP_H

#include <stddef.h>
#include <stdint.h>

/* Run r's current key is the uint64_t at keys + r * stride (a field of the
 * caller's run structs, kept up to date by the caller while r is out of
 * the heap).  at has room for every run. */
typedef struct gal_run_heap {
    const char *keys;
    size_t stride;
    size_t *at;
    size_t n;
} gal_run_heap;

void gal_run_heap_push(gal_run_heap *h, size_t run);

/* Take the top run out: the least key, the lowest run among equal keys. */
size_t gal_run_heap_pop(gal_run_heap *h);

/* The top run's key; the heap must not be empty. */
uint64_t gal_run_heap_top_key(const gal_run_heap *h);

#endif
