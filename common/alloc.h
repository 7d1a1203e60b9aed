/*
 * alloc.h — the one allocator every galley module uses.
 *
 * Routing all allocation through here lets a test make the Nth allocation
 * fail (gal_alloc_fail_at) and check that the error path cleans up.
 * gal_free(NULL) is a no-op.
 */
#ifndef GAL_ALLOC_H
#define GAL_ALLOC_H

#include <stddef.h>

void *gal_malloc(size_t n);
void *gal_calloc(size_t count, size_t size);
void *gal_realloc(void *p, size_t n);
/* n bytes at a multiple of align (a power of two, at least sizeof(void *)),
 * freed with gal_free. */
void *gal_malloc_aligned(size_t align, size_t n);
void gal_free(void *p);
char *gal_strndup(const char *s, size_t n);

/* Room for at least need elements of size bytes in the array *p, which has
 * room for *cap: when it has not, the capacity doubles (to min at least,
 * and to need), so that appending one element at a time costs amortised
 * constant time.  0, or -1 when out of memory (*p and *cap unchanged); the
 * caller says what it was doing.  Pass the array as (void **)&array. */
int gal_grow(void **p, size_t *cap, size_t need, size_t size, size_t min);

/* Where an array's memory comes from when the heap will not do: the
 * pinned host memory an OpenCL GPU copies into by DMA
 * (indexer/cl_pinned.h).  alloc returns at least n bytes, aligned for
 * any type, or NULL; free takes back what alloc gave.  Arrays that can live in
 * such memory (gal_tokens, gal_mentions) hold a pointer to one; NULL means
 * the heap. */
typedef struct gal_allocator {
    void *(*alloc)(void *ctx, size_t n);
    void (*free)(void *ctx, void *p);
    void *ctx;
} gal_allocator;

/* n bytes from a, or from the heap (aligned to align) when a is NULL. */
void *gal_alloc_from(const gal_allocator *a, size_t align, size_t n);
/* Give p back to a (the heap when a is NULL); NULL is a no-op. */
void gal_free_to(const gal_allocator *a, void *p);
/* Grow *p (NULL, or n_old bytes from a) to n bytes from a, its first n_old
 * bytes kept: from the heap when a is NULL, aligned to align, or by realloc
 * (in place where it can) when align is 0.  0, or -1 with *p unchanged. */
int gal_regrow_from(const gal_allocator *a, size_t align, void **p, size_t n_old, size_t n);

/* Tests only: the nth allocation from now (1-based) and every later one fail;
 * 0 turns failure injection off. */
void gal_alloc_fail_at(unsigned long nth);

#endif
