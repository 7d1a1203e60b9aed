#include "mentions.h"

#include "alloc.h"
#include "status.h"

void gal_mentions_init(gal_mentions *m)
{
    m->hash = NULL;
    m->doc = m->pos = m->start = m->end = NULL;
    m->n = m->cap = 0;
}

void gal_mentions_release(gal_mentions *m)
{
    gal_free(m->hash);
    gal_free(m->doc);
    gal_free(m->pos);
    gal_free(m->start);
    gal_free(m->end);
    gal_mentions_init(m);
}

static int grow(void **p, size_t n, size_t size)
{
    void *q = gal_realloc(*p, n * size);
    if (!q)
        return gal_error_set(GAL_ENOMEM, "out of memory for %zu entity mentions", n);
    *p = q;
    return 0;
}

int gal_mentions_reserve(gal_mentions *m, size_t n)
{
    if (n <= m->cap)
        return 0;
    size_t cap = n + n / 4 + 16;
    int rc;
    if ((rc = grow((void **)&m->hash, cap, sizeof *m->hash)) ||
        (rc = grow((void **)&m->doc, cap, sizeof *m->doc)) ||
        (rc = grow((void **)&m->pos, cap, sizeof *m->pos)) ||
        (rc = grow((void **)&m->start, cap, sizeof *m->start)) ||
        (rc = grow((void **)&m->end, cap, sizeof *m->end)))
        return rc;
    m->cap = cap;
    return 0;
}
