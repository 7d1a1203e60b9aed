#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Failure injection, for tests.  fail_at is set while no other thread
 * runs (threads started later see it); the count is atomic, so a reader's
 * parsing threads can fail too.  No cost while it is off. */
static unsigned long fail_at, count;

static int should_fail(void)
{
    return fail_at && __atomic_add_fetch(&count, 1, __ATOMIC_RELAXED) >= fail_at;
}

void gal_alloc_fail_at(unsigned long nth)
{
    fail_at = nth;
    count = 0;
}

void *gal_malloc(size_t n)
{
    return should_fail() ? NULL : malloc(n ? n : 1);
}

void *gal_calloc(size_t count_, size_t size)
{
    return should_fail() ? NULL : calloc(count_ ? count_ : 1, size ? size : 1);
}

void *gal_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : realloc(p, n ? n : 1);
}

void *gal_malloc_aligned(size_t align, size_t n)
{
    void *p = NULL;
    if (should_fail() || posix_memalign(&p, align, n ? n : 1))
        return NULL;
    return p;
}

void gal_free(void *p)
{
    free(p);
}

void *gal_alloc_from(const gal_allocator *a, size_t align, size_t n)
{
    return a ? a->alloc(a->ctx, n) : gal_malloc_aligned(align, n);
}

void gal_free_to(const gal_allocator *a, void *p)
{
    if (!p)
        return;
    if (a)
        a->free(a->ctx, p);
    else
        gal_free(p);
}

int gal_regrow_from(const gal_allocator *a, size_t align, void **p, size_t n_old, size_t n)
{
    void *q;
    if (!a && !align) {
        q = gal_realloc(*p, n);
    } else if ((q = gal_alloc_from(a, align, n)) && *p) {
        memcpy(q, *p, n_old);
        gal_free_to(a, *p);
    }
    if (!q)
        return -1;
    *p = q;
    return 0;
}

int gal_grow(void **p, size_t *cap, size_t need, size_t size, size_t min)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap > SIZE_MAX / 2 ? need : 2 * *cap;
    if (n < min)
        n = min;
    if (n < need)
        n = need;
    if (size && n > SIZE_MAX / size)
        return -1;
    void *q = gal_realloc(*p, n * size);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

char *gal_strndup(const char *s, size_t n)
{
    char *d = gal_malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}
