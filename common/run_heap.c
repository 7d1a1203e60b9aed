#include "run_heap.h"

#include <string.h>

static uint64_t key_of(const gal_run_heap *h, size_t run)
{
    uint64_t k;
    memcpy(&k, h->keys + run * h->stride, sizeof k);
    return k;
}

static int before(const gal_run_heap *h, size_t a, size_t b)
{
    uint64_t x = key_of(h, a), y = key_of(h, b);
    return x != y ? x < y : a < b;
}

void gal_run_heap_push(gal_run_heap *h, size_t run)
{
    size_t i = h->n++;
    for (; i > 0 && before(h, run, h->at[(i - 1) / 2]); i = (i - 1) / 2)
        h->at[i] = h->at[(i - 1) / 2];
    h->at[i] = run;
}

size_t gal_run_heap_pop(gal_run_heap *h)
{
    size_t top = h->at[0], last = h->at[--h->n], i = 0;
    for (size_t c; (c = 2 * i + 1) < h->n; i = c) {
        if (c + 1 < h->n && before(h, h->at[c + 1], h->at[c]))
            c++;
        if (!before(h, h->at[c], last))
            break;
        h->at[i] = h->at[c];
    }
    if (h->n)
        h->at[i] = last;
    return top;
}

uint64_t gal_run_heap_top_key(const gal_run_heap *h)
{
    return key_of(h, h->at[0]);
}
