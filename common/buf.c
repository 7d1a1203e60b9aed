#include "buf.h"

#include <string.h>

#include "alloc.h"
#include "status.h"

void gal_buf_init(gal_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
}

void gal_buf_release(gal_buf *b)
{
    gal_free(b->data);
    gal_buf_init(b);
}

int gal_buf_reserve(gal_buf *b, size_t extra)
{
    if (b->cap - b->len >= extra)
        return 0;
    size_t want = b->len + extra;
    if (want < b->len)
        return gal_error_set(GAL_ENOMEM, "buffer size overflow");
    size_t cap = b->cap ? b->cap : 256;
    while (cap < want)
        cap = cap * 2 > cap ? cap * 2 : want;
    uint8_t *p = gal_realloc(b->data, cap);
    if (!p)
        return gal_error_set(GAL_ENOMEM, "out of memory growing a buffer to %zu bytes", cap);
    b->data = p;
    b->cap = cap;
    return 0;
}

int gal_buf_append(gal_buf *b, const void *p, size_t n)
{
    int rc = gal_buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

int gal_buf_push(gal_buf *b, uint8_t byte)
{
    return gal_buf_append(b, &byte, 1);
}
