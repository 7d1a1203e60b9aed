/*
 * parse_pool.h — records parsed on threads of their own and handed over in
 * input order on the reader's (reader_jsonl_parallel.c,
 * reader_warc_parallel.c).  Internal to indexer/.
 *
 * The reader's thread makes jobs of whole records, one slot of the caller's
 * array each (job k in slot k % nslots); parsing threads parse them, any job
 * on any thread; the reader's thread hands over each job once it is parsed,
 * in the order the jobs were made, and makes more while slots are free.  A
 * job's parse must touch nothing but its own slot: every document, warning
 * and error reaches the reader through hand_over, so the order is the
 * input's however the parsing threads run.
 */
#ifndef GAL_PARSE_POOL_H
#define GAL_PARSE_POOL_H

#include <stdint.h>

typedef struct gal_parse_pool {
    void *ctx;
    unsigned nslots;
    /* The reader's thread: make job number k in slot k % nslots; *made = 0
     * when there was none after all, *at_end = 1 once the input has no
     * more.  A negative status stops the run (after nothing is handed
     * over). */
    int (*make)(void *ctx, uint64_t k, unsigned slot, int *made, int *at_end);
    /* A parsing thread: parse the job in slot. */
    void (*parse)(void *ctx, unsigned slot);
    /* The reader's thread, in job order: hand over the job in slot.  A
     * negative status stops the run. */
    int (*hand_over)(void *ctx, unsigned slot);
} gal_parse_pool;

/* Run jobs on nthreads parsing threads until the input ends or a status
 * stops it; jobs 0 .. made - 1 are already in their slots.  Adds the
 * parsing threads' CPU seconds to *cpu_sec.  name: the input, for the
 * error when no thread starts. */
int gal_parse_pool_run(const gal_parse_pool *pp, unsigned nthreads, uint64_t made,
                       const char *name, double *cpu_sec);

#endif
