/*
 * parallel_for.h — run the items of a small loop on several threads, for a
 * query over several indexes (search_many.c).
 *
 * A query over a directory of shards takes from a tenth of a millisecond
 * to seconds; starting threads for each would cost the short ones more
 * than they gain (about 40 µs a thread here, against 0.2 ms for a query
 * over 16 small shards).  So the helper threads are started once, on
 * first use, and wait between loops; the calling thread starts on the
 * items at once, and a helper takes an item only when it wakes before
 * they are all taken: a short loop ends on the caller before any helper
 * is up.  One loop at a time uses the helpers; a loop that finds them
 * busy (another thread's query) runs on its caller alone.
 */
#ifndef GAL_PARALLEL_FOR_H
#define GAL_PARALLEL_FOR_H

#include <stddef.h>

/* Call fn(arg, i) once for every i in [0, n), on up to nthreads threads
 * (0: one a core), this one among them, in no particular order; return
 * when every call has returned.  fn must not call gal_parallel_for itself
 * (it would run its loop alone). */
void gal_parallel_for(size_t n, size_t nthreads, void (*fn)(void *arg, size_t i), void *arg);

#endif
