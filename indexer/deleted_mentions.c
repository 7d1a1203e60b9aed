#include "deleted_mentions.h"

#include <string.h>

#include "alloc.h"
#include "batch.h"
#include "buf.h"
#include "entities.h"
#include "entity_table.h"
#include "mentions.h"
#include "reader.h"
#include "status.h"
#include "tokenize.h"

/* Documents are read into batches of about this much text. */
#define BATCH_TEXT (8u << 20)

typedef struct walk {
    gal_batch batch;
    uint32_t *docs; /* the batch's documents' numbers in the index */
    size_t cap;
    gal_tokens tokens;
    gal_mentions mentions;
    gal_mention_fn fn;
    void *ctx;
} walk;

static int flush(walk *w)
{
    gal_batch *b = &w->batch;
    if (b->ndocs == 0)
        return 0;
    int rc = gal_tokenize_ref(b->text.data, (uint32_t)b->text.len, b->doc_start, b->body_start,
                              b->ndocs, &w->tokens);
    if (!rc)
        rc = gal_entities_ref(b->text.data, (uint32_t)b->text.len, b->doc_start, b->body_start,
                              b->ndocs, &w->tokens, &w->mentions);
    const gal_mentions *m = &w->mentions;
    for (size_t i = 0; !rc && i < m->n; i++) {
        /* the form as the entity table counts it (gal_entity_batch_prepare) */
        const uint8_t *form = b->text.data + m->start[i];
        uint32_t len = gal_entity_mention_len(form, m->end[i] - m->start[i]);
        rc = w->fn(w->ctx, m->hash[i], w->docs[m->doc[i]], (const char *)form,
                   gal_entity_form_len(form, len));
    }
    gal_batch_reset(b, 0);
    return rc;
}

/* Document doc, as `galley merge` reads it back (gal_stored_doc). */
static int add(walk *w, gal_snapshot *s, uint32_t doc, gal_buf *text)
{
    gal_doc_info info;
    gal_doc d;
    int rc = gal_snapshot_doc(s, doc, &info);
    if (!rc)
        rc = gal_snapshot_text(s, doc, text);
    if (!rc)
        rc = gal_stored_doc(doc, &info, text, &d);
    if (rc)
        return rc;
    d.path = "";
    if (gal_grow((void **)&w->docs, &w->cap, w->batch.ndocs + 1, sizeof *w->docs, 256))
        return gal_error_set(GAL_ENOMEM, "out of memory reading deleted documents");
    w->docs[w->batch.ndocs] = doc;
    return gal_batch_add(&w->batch, &d, 0);
}

int gal_deleted_mentions(gal_snapshot *s, const gal_deleted_set *del, gal_mention_fn fn,
                         void *ctx)
{
    walk w;
    memset(&w, 0, sizeof w);
    w.fn = fn;
    w.ctx = ctx;
    gal_batch_init(&w.batch);
    gal_tokens_init(&w.tokens);
    gal_mentions_init(&w.mentions);
    gal_buf text;
    gal_buf_init(&text);
    int rc = 0;
    uint32_t doc;
    for (uint64_t from = 0; !rc && gal_deleted_next(del, from, &doc); from = (uint64_t)doc + 1)
        if (!(rc = add(&w, s, doc, &text)) && w.batch.text.len >= BATCH_TEXT)
            rc = flush(&w);
    if (!rc)
        rc = flush(&w);
    gal_buf_release(&text);
    gal_batch_release(&w.batch);
    gal_tokens_release(&w.tokens);
    gal_mentions_release(&w.mentions);
    gal_free(w.docs);
    return rc;
}
