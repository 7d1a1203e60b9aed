/*
 * cl_pinned.c — pinned host memory from OpenCL buffers kept mapped.  See
 * cl_pinned.h.
 */
#include "cl_pinned.h"

#include <pthread.h>

#include "status.h"

/* Heap memory that stands in when the driver gives no pinned buffer: a page
 * boundary, as the pinned mappings have. */
#define HEAP_ALIGN 4096

/* One allocation: mem is NULL for heap memory. */
typedef struct held {
    void *host;
    cl_mem mem;
    size_t size;
} held;

struct gal_cl_pinned {
    gal_cl *cl;
    gal_allocator alloc;
    /* allocations come from the tokenizer thread, frees from it and from
     * the thread that releases the pools */
    pthread_mutex_t mu;
    held *held;
    size_t nheld, cap;
    uint64_t pinned_bytes, heap_bytes;
};

/* A buffer the host allocates and maps for reading and writing: the
 * mapping stays until it is freed, and its address is the pinned memory. */
static void *map_new(gal_cl *cl, size_t n, cl_mem *mem)
{
    cl_int err;
    *mem = clCreateBuffer(cl->context, CL_MEM_READ_WRITE | CL_MEM_ALLOC_HOST_PTR, n, NULL, &err);
    if (!*mem)
        return NULL;
    void *host = clEnqueueMapBuffer(cl->queue, *mem, CL_TRUE, CL_MAP_READ | CL_MAP_WRITE, 0, n,
                                    0, NULL, NULL, &err);
    if (!host) {
        clReleaseMemObject(*mem);
        *mem = NULL;
    }
    return host;
}

static void unmap_release(gal_cl *cl, const held *h)
{
    /* the unmap is queued behind every copy into the memory; the buffer
     * goes once it is done */
    clEnqueueUnmapMemObject(cl->queue, h->mem, h->host, 0, NULL, NULL);
    clReleaseMemObject(h->mem);
}

static void *pinned_alloc(void *ctx, size_t n)
{
    gal_cl_pinned *p = ctx;
    if (n == 0)
        n = 1;
    pthread_mutex_lock(&p->mu);
    void *host = NULL;
    if (p->nheld == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 16;
        held *h = gal_realloc(p->held, cap * sizeof *h);
        if (!h)
            goto out;
        p->held = h;
        p->cap = cap;
    }
    cl_mem mem = NULL;
    if (!(host = map_new(p->cl, n, &mem)) && !(host = gal_malloc_aligned(HEAP_ALIGN, n)))
        goto out;
    p->held[p->nheld++] = (held){host, mem, n};
    if (mem)
        p->pinned_bytes += n;
    else
        p->heap_bytes += n;
out:
    pthread_mutex_unlock(&p->mu);
    return host;
}

static void pinned_free(void *ctx, void *host)
{
    gal_cl_pinned *p = ctx;
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->nheld; i++) {
        held h = p->held[i];
        if (h.host != host)
            continue;
        p->held[i] = p->held[--p->nheld];
        if (h.mem) {
            unmap_release(p->cl, &h);
            p->pinned_bytes -= h.size;
        } else {
            gal_free(h.host);
            p->heap_bytes -= h.size;
        }
        break;
    }
    pthread_mutex_unlock(&p->mu);
}

int gal_cl_pinned_new(gal_cl *cl, gal_cl_pinned **out)
{
    *out = NULL;
    int on, rc = gal_cl_env_switch("GALLEY_CL_PINNED", 1, &on);
    if (rc || !on)
        return rc;
    gal_cl_pinned *p = gal_calloc(1, sizeof *p);
    if (!p)
        return gal_error_set(GAL_ENOMEM, "out of memory for pinned memory's list");
    p->cl = cl;
    p->alloc = (gal_allocator){pinned_alloc, pinned_free, p};
    pthread_mutex_init(&p->mu, NULL);
    *out = p;
    return 0;
}

const gal_allocator *gal_cl_pinned_allocator(gal_cl_pinned *p)
{
    return p ? &p->alloc : NULL;
}

void gal_cl_pinned_usage(gal_cl_pinned *p, uint64_t *pinned, uint64_t *heap)
{
    *pinned = *heap = 0;
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    *pinned = p->pinned_bytes;
    *heap = p->heap_bytes;
    pthread_mutex_unlock(&p->mu);
}

void gal_cl_pinned_free(gal_cl_pinned *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nheld; i++) {
        if (p->held[i].mem)
            unmap_release(p->cl, &p->held[i]);
        else
            gal_free(p->held[i].host);
    }
    if (p->nheld)
        clFinish(p->cl->queue);
    gal_free(p->held);
    pthread_mutex_destroy(&p->mu);
    gal_free(p);
}
