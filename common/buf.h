/*
 * buf.h — a growable byte buffer, embedded by value (init/release).
 */
#ifndef GAL_BUF_H
#define GAL_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct gal_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} gal_buf;

void gal_buf_init(gal_buf *b);
void gal_buf_release(gal_buf *b);
/* Make room for `extra` more bytes; GAL_ENOMEM on failure (b unchanged). */
int gal_buf_reserve(gal_buf *b, size_t extra);
int gal_buf_append(gal_buf *b, const void *p, size_t n);
int gal_buf_push(gal_buf *b, uint8_t byte);
static inline void gal_buf_clear(gal_buf *b) { b->len = 0; }

#endif
