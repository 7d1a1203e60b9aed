#include "tool_batch.h"

typedef struct load_ctx {
    gal_batch *b;
    int (*on_doc)(void *ctx, const gal_doc *doc);
    void *ctx;
} load_ctx;

static int add_doc(void *p, const gal_doc *doc)
{
    load_ctx *c = p;
    int rc = c->on_doc ? c->on_doc(c->ctx, doc) : 0;
    return rc ? rc : gal_batch_add(c->b, doc, 0);
}

int tool_batch_load(const char *path, int (*on_doc)(void *ctx, const gal_doc *doc), void *ctx,
                    gal_batch *b, gal_tokens *t, gal_mentions *m)
{
    gal_tokens_init(t);
    gal_mentions_init(m);
    gal_batch_reset(b, 0);
    load_ctx c = {b, on_doc, ctx};
    gal_read_opts opts = {.format = GAL_FORMAT_JSONL, .strict = 1};
    gal_read_stats stats = {0};
    int rc = gal_read_file(path, &opts, add_doc, &c, &stats);
    const uint8_t *text = (const uint8_t *)b->text.data;
    uint32_t nbytes = (uint32_t)b->text.len;
    if (!rc)
        rc = gal_tokenize_ref(text, nbytes, b->doc_start, b->body_start, b->ndocs, t);
    if (!rc)
        rc = gal_entities_ref(text, nbytes, b->doc_start, b->body_start, b->ndocs, t, m);
    return rc;
}
