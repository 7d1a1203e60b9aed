#include "deleted_mentions.h"

#include <stdlib.h>
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
    gal_gone_mentions *out;
} walk;

static int keep(gal_gone_mentions *g, uint64_t key, uint32_t doc, const uint8_t *form,
                size_t len)
{
    if (gal_grow((void **)&g->v, &g->cap, g->n + 1, sizeof *g->v, 1024))
        return gal_error_set(GAL_ENOMEM, "out of memory for the deleted documents' entities");
    g->v[g->n++] = (gal_gone_mention){key, doc, g->forms.len, len};
    return gal_buf_append(&g->forms, form, len);
}

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
        rc = keep(w->out, m->hash[i], w->docs[m->doc[i]], form, gal_entity_form_len(form, len));
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
    w->out->raw_bytes += d.title_len + d.text_len;
    if (gal_grow((void **)&w->docs, &w->cap, w->batch.ndocs + 1, sizeof *w->docs, 256))
        return gal_error_set(GAL_ENOMEM, "out of memory reading deleted documents");
    w->docs[w->batch.ndocs] = doc;
    return gal_batch_add(&w->batch, &d, 0);
}

static int by_key_doc(const void *pa, const void *pb)
{
    const gal_gone_mention *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->doc < b->doc ? -1 : a->doc > b->doc;
}

int gal_gone_mentions_find(gal_snapshot *s, const gal_deleted_set *del, uint64_t from, uint64_t to,
                           gal_gone_mentions *out)
{
    walk w;
    memset(&w, 0, sizeof w);
    memset(out, 0, sizeof *out);
    gal_buf_init(&out->forms);
    w.out = out;
    gal_batch_init(&w.batch);
    gal_tokens_init(&w.tokens);
    gal_mentions_init(&w.mentions);
    gal_buf text;
    gal_buf_init(&text);
    int rc = 0;
    uint32_t doc;
    for (uint64_t at = from; !rc && gal_deleted_next_pending(del, at, &doc) && doc < to;
         at = (uint64_t)doc + 1)
        if (!(rc = add(&w, s, doc, &text)) && w.batch.text.len >= BATCH_TEXT)
            rc = flush(&w);
    if (!rc)
        rc = flush(&w);
    gal_buf_release(&text);
    gal_batch_release(&w.batch);
    gal_tokens_release(&w.tokens);
    gal_mentions_release(&w.mentions);
    gal_free(w.docs);
    if (!rc && out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, by_key_doc);
    if (rc)
        gal_gone_mentions_release(out);
    return rc;
}

void gal_gone_mentions_release(gal_gone_mentions *g)
{
    gal_free(g->v);
    gal_buf_release(&g->forms);
    memset(g, 0, sizeof *g);
}

size_t gal_gone_mentions_first(const gal_gone_mentions *g, uint64_t key)
{
    size_t lo = 0, hi = g->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->v[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < g->n && g->v[lo].key == key ? lo : g->n;
}

int gal_gone_take_off(const gal_gone_mentions *g, uint64_t key, uint64_t from, uint64_t to,
                      uint64_t *docs, uint64_t *mentions, gal_entity_form *forms, size_t nforms,
                      const char *name)
{
    size_t first = gal_gone_mentions_first(g, key), end = first;
    uint64_t gone_docs = 0, gone = 0;
    while (end < g->n && g->v[end].key == key && g->v[end].doc < to) {
        const gal_gone_mention *m = &g->v[end];
        if (m->doc >= from) {
            gone++;
            gone_docs += gone == 1 || g->v[end - 1].doc != m->doc;
        } else {
            first = end + 1;
        }
        end++;
    }
    if (gone > *mentions || gone_docs > *docs)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: the entity table counts fewer "
                             "mentions of '%s' than its deleted documents hold", name);
    *mentions -= gone;
    *docs -= gone_docs;
    for (size_t k = first; k < end; k++) {
        const gal_gone_mention *m = &g->v[k];
        const char *form = gal_gone_form(g, m);
        for (size_t f = 0; f < nforms; f++)
            if (forms[f].len == m->len && !memcmp(forms[f].s, form, m->len) && forms[f].count) {
                forms[f].count--;
                break;
            }
    }
    return 0;
}
