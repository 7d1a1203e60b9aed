#include "mentions.h"

#include "alloc.h"
#include "status.h"

void gal_mentions_init(gal_mentions *m)
{
    m->hash = NULL;
    m->doc = m->pos = m->start = m->end = NULL;
    m->n = m->cap = 0;
    m->mem = NULL;
}

void gal_mentions_release(gal_mentions *m)
{
    gal_free_to(m->mem, m->hash);
    gal_free_to(m->mem, m->doc);
    gal_free_to(m->mem, m->pos);
    gal_free_to(m->mem, m->start);
    gal_free_to(m->mem, m->end);
    gal_mentions_init(m);
}

/* Room for n elements of size bytes at *p, which holds old of them. */
static int grow(const gal_allocator *mem, void **p, size_t old, size_t n, size_t size)
{
    if (gal_regrow_from(mem, 0, p, old * size, n * size))
        return gal_error_set(GAL_ENOMEM, "out of memory for %zu entity mentions", n);
    return 0;
}

int gal_mentions_reserve(gal_mentions *m, size_t n)
{
    if (n <= m->cap)
        return 0;
    size_t cap = n + n / 4 + 16;
    int rc;
    if ((rc = grow(m->mem, (void **)&m->hash, m->n, cap, sizeof *m->hash)) ||
        (rc = grow(m->mem, (void **)&m->doc, m->n, cap, sizeof *m->doc)) ||
        (rc = grow(m->mem, (void **)&m->pos, m->n, cap, sizeof *m->pos)) ||
        (rc = grow(m->mem, (void **)&m->start, m->n, cap, sizeof *m->start)) ||
        (rc = grow(m->mem, (void **)&m->end, m->n, cap, sizeof *m->end)))
        return rc;
    m->cap = cap;
    return 0;
}
