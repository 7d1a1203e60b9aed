/*
 * cl_pinned.h — pinned host memory for the arrays a GPU's results are
 * copied into.
 *
 * A copy from a GPU into ordinary (pageable) host memory goes through the
 * driver's own pinned staging buffer: the device writes there, then a CPU
 * thread copies on into the destination, a piece at a time.  On the H200
 * machine the GPU design copied 10.8 GB down for 2.89 GB of text at 3.8
 * GB/s, and the tokenizer threads waiting on those copies were busy 11.5
 * core-seconds of the build's 91.  Memory that OpenCL allocated on the host
 * (CL_MEM_ALLOC_HOST_PTR) and mapped is pinned: a copy into it is the
 * device's alone (DMA), with no CPU copy and at the bus's speed.
 *
 * gal_cl_pinned hands such memory out through a gal_allocator (alloc.h):
 * each allocation is a buffer of its own, mapped once for reading and
 * writing and kept mapped until freed.  Where the driver cannot give one
 * (pinned memory is a limited resource) the allocation comes from the heap
 * instead, which is slower to copy into but never fails a build.
 */
#ifndef GAL_CL_PINNED_H
#define GAL_CL_PINNED_H

#include <stdint.h>

#include "alloc.h"
#include "cl_runtime.h"

typedef struct gal_cl_pinned gal_cl_pinned;

/* A source of pinned memory on cl's context, or *out = NULL when the
 * environment says GALLEY_CL_PINNED=0 (heap memory, as before: for side by
 * side measurements).  GAL_EUSAGE for another value than 0 or 1,
 * GAL_ENOMEM. */
int gal_cl_pinned_new(gal_cl *cl, gal_cl_pinned **out);

/* The allocator to give gal_tokens.mem and gal_mentions.mem; valid until
 * gal_cl_pinned_free. */
const gal_allocator *gal_cl_pinned_allocator(gal_cl_pinned *p);

/* Bytes held now in pinned buffers, and in heap memory that stood in for
 * them. */
void gal_cl_pinned_usage(gal_cl_pinned *p, uint64_t *pinned, uint64_t *heap);

/* Unmap and release every buffer still held, and the source: the arrays
 * that used its allocator are gone or never touched again.  NULL is a
 * no-op.  Before gal_cl_close. */
void gal_cl_pinned_free(gal_cl_pinned *p);

#endif
