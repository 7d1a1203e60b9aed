#include "chunk_blocks.h"

#include <stdio.h>
#include <string.h>

#include "record.h"
#include "status.h"
#include "varint.h"

/* ---- writing ---- */

/* The bytes a record of a value of len bytes takes in a leaf page of
 * page_size bytes (node and slot), as LMDB lays it out (chunk_blocks.h). */
static uint32_t leaf_bytes(uint32_t page_size, size_t len)
{
    size_t node_max = ((page_size - 16) / 2 & ~(size_t)1) - 2;
    size_t node = 8 + GAL_POSTINGS_KEY_LEN + len;
    if (node > node_max)
        node = 8 + GAL_POSTINGS_KEY_LEN + 8; /* the value on pages of its own */
    return (uint32_t)(node + (node & 1) + 2);
}

static void fill_after_put(gal_leaf_fill *f, size_t len)
{
    if (!f->page_size)
        return;
    uint32_t need = leaf_bytes(f->page_size, len);
    if (need > f->free) {
        f->free = f->page_size - 16;
        f->pages++;
    }
    f->free -= need;
}

/* The packer's put, the leaf page's fill kept up. */
static int put_record(gal_chunk_packer *p, const uint8_t key[GAL_POSTINGS_KEY_LEN],
                      const void *val, size_t len)
{
    fill_after_put(&p->fill, len);
    return p->put(p->ctx, key, val, len);
}

/* Whether the block in progress fits what is left of the last leaf page
 * and would not with more bytes of entries: ending it now fills the page. */
static int page_ends(const gal_chunk_packer *p, size_t more)
{
    const gal_leaf_fill *f = &p->fill;
    size_t now = p->block.len + GAL_RECORD_TRAILER;
    return f->page_size && leaf_bytes(f->page_size, now) <= f->free &&
           leaf_bytes(f->page_size, now + more) > f->free;
}

void gal_chunk_packer_init(gal_chunk_packer *p, gal_chunk_put_fn put, void *ctx)
{
    memset(p, 0, sizeof *p);
    gal_buf_init(&p->block);
    p->put = put;
    p->ctx = ctx;
}

void gal_chunk_packer_release(gal_chunk_packer *p)
{
    gal_buf_release(&p->block);
}

int gal_chunk_packer_flush(gal_chunk_packer *p)
{
    if (!p->nterms)
        return 0;
    uint8_t key[GAL_POSTINGS_KEY_LEN];
    gal_postings_key(key, p->batch, p->last_hash, GAL_BLOCK_DOC);
    int rc = gal_record_seal(&p->block, gal_record_key(key, sizeof key));
    if (!rc)
        rc = put_record(p, key, p->block.data, p->block.len);
    p->nterms = 0;
    gal_buf_clear(&p->block);
    return rc;
}

int gal_chunk_packer_add(gal_chunk_packer *p, const uint8_t key[GAL_POSTINGS_KEY_LEN],
                         const void *chunk, size_t len, int whole_term)
{
    uint32_t batch = gal_get_be32(key), first = gal_get_be32(key + 12);
    if (first == GAL_BLOCK_DOC || first < batch || len < GAL_RECORD_TRAILER)
        return gal_error_set(GAL_EUSAGE, "internal error: postings chunk of doc %u, batch %u",
                             first, batch);
    int rc;
    if (!whole_term || len > GAL_SMALL_CHUNK_MAX) {
        if ((rc = gal_chunk_packer_flush(p)))
            return rc;
        return put_record(p, key, chunk, len);
    }
    size_t body = len - GAL_RECORD_TRAILER;
    uint8_t head[8 + 2 * GAL_VARINT_MAX];
    gal_put_be64(head, gal_get_be64(key + 4));
    size_t hl = 8;
    hl += gal_varint_put(head + hl, first - batch);
    hl += gal_varint_put(head + hl, body);
    if (p->nterms && (batch != p->batch || p->nterms == GAL_BLOCK_TERMS ||
                      p->block.len + hl + body > GAL_BLOCK_BYTES || page_ends(p, hl + body)) &&
        (rc = gal_chunk_packer_flush(p)))
        return rc;
    if ((rc = gal_buf_append(&p->block, head, hl)) ||
        (rc = gal_buf_append(&p->block, chunk, body)))
        return rc;
    p->batch = batch;
    p->last_hash = gal_get_be64(key + 4);
    p->nterms++;
    return 0;
}

/* ---- reading ---- */

static int bad_block(const gal_chunk_block *b, const char *what)
{
    return gal_error_set(GAL_ECORRUPT,
                         "corrupt index: postings block of batch %u ending at term %016llx: %s",
                         gal_get_be32(b->key), (unsigned long long)gal_get_be64(b->key + 4), what);
}

int gal_chunk_block_open(gal_chunk_block *b, const uint8_t key[GAL_POSTINGS_KEY_LEN],
                         const void *data, size_t len)
{
    char desc[64];
    snprintf(desc, sizeof desc, "batch %u block %016llx", gal_get_be32(key),
             (unsigned long long)gal_get_be64(key + 4));
    size_t payload;
    int rc = gal_record_open(data, len, &payload, gal_record_key(key, GAL_POSTINGS_KEY_LEN),
                             "postings", desc);
    if (rc)
        return rc;
    *b = (gal_chunk_block){key, data, (const uint8_t *)data + payload, NULL, len, 0, 0};
    return 0;
}

int gal_chunk_block_start(gal_chunk_block *b, const uint8_t key[GAL_POSTINGS_KEY_LEN],
                          const void *data, size_t len)
{
    *b = (gal_chunk_block){key, data, data, data, len, 0, 0};
    if (len < GAL_RECORD_TRAILER)
        return bad_block(b, "truncated");
    b->end = (const uint8_t *)data + len - GAL_RECORD_TRAILER;
    return 0;
}

int gal_chunk_block_next(gal_chunk_block *b, gal_chunk_rec *r)
{
    uint64_t last = gal_get_be64(b->key + 4);
    if (b->p == b->end) {
        if (b->n == 0)
            return bad_block(b, "no terms");
        if (b->prev_hash != last)
            return bad_block(b, "its terms end before the key's");
        return 0;
    }
    if (b->n == GAL_BLOCK_TERMS)
        return bad_block(b, "too many terms");
    if (b->end - b->p < 8)
        return bad_block(b, "truncated entry");
    uint64_t hash = gal_get_be64(b->p);
    b->p += 8;
    if ((b->n && hash <= b->prev_hash) || hash > last)
        return bad_block(b, "terms out of order");
    uint32_t batch = gal_get_be32(b->key), off, len;
    if (gal_varint_get32(&b->p, b->end, &off) || gal_varint_get32(&b->p, b->end, &len) ||
        len > (size_t)(b->end - b->p))
        return bad_block(b, "truncated entry");
    if (off >= GAL_BLOCK_DOC - batch)
        return bad_block(b, "a chunk past the document numbers");
    gal_postings_key(r->key, batch, hash, batch + off);
    r->data = b->p;
    r->len = len;
    r->in_block = 1;
    r->block_key = b->key;
    r->block = b->unchecked;
    r->block_len = b->len;
    b->p += len;
    b->prev_hash = hash;
    b->n++;
    return 1;
}
