#include "batch.h"

#include "alloc.h"
#include "doc_record.h"
#include "index.h"
#include "status.h"

void gal_batch_init(gal_batch *b)
{
    b->first_doc = b->ndocs = 0;
    gal_buf_init(&b->text);
    gal_buf_init(&b->strings);
    b->doc_start = b->body_start = NULL;
    b->docs = NULL;
    b->docs_cap = 0;
    b->raw_bytes = 0;
    gal_buf_init(&b->stored);
    gal_buf_init(&b->new_dict);
    b->stored_off = NULL;
    b->stored_doc = NULL;
    b->nstored = 0;
    b->stored_cap = 0;
    b->end_file_no = 0;
    b->end_offset = 0;
}

void gal_batch_release(gal_batch *b)
{
    gal_buf_release(&b->text);
    gal_buf_release(&b->strings);
    gal_free(b->doc_start);
    gal_free(b->body_start);
    gal_free(b->docs);
    gal_buf_release(&b->stored);
    gal_buf_release(&b->new_dict);
    gal_free(b->stored_off);
    gal_free(b->stored_doc);
    gal_batch_init(b);
}

void gal_batch_reset(gal_batch *b, uint32_t first_doc)
{
    b->first_doc = first_doc;
    b->ndocs = 0;
    b->raw_bytes = 0;
    gal_buf_clear(&b->text);
    gal_buf_clear(&b->strings);
    gal_buf_clear(&b->stored);
    b->nstored = 0;
    gal_buf_clear(&b->new_dict);
    if (b->doc_start)
        b->doc_start[0] = 0;
}

static int grow_docs(gal_batch *b)
{
    size_t cap = b->docs_cap ? b->docs_cap * 2 : 1024;
    uint32_t *ds = gal_realloc(b->doc_start, (cap + 1) * sizeof *ds);
    if (!ds)
        return gal_error_set(GAL_ENOMEM, "out of memory for a batch of %zu documents", cap);
    b->doc_start = ds;
    uint32_t *bs = gal_realloc(b->body_start, cap * sizeof *bs);
    if (!bs)
        return gal_error_set(GAL_ENOMEM, "out of memory for a batch of %zu documents", cap);
    b->body_start = bs;
    gal_batch_doc *d = gal_realloc(b->docs, cap * sizeof *d);
    if (!d)
        return gal_error_set(GAL_ENOMEM, "out of memory for a batch of %zu documents", cap);
    b->docs = d;
    b->docs_cap = cap;
    return 0;
}

int gal_batch_add(gal_batch *b, const gal_doc *doc, uint32_t file_no)
{
    int rc;
    if (b->ndocs == b->docs_cap && (rc = grow_docs(b)))
        return rc;
    uint64_t need = (uint64_t)b->text.len + doc->title_len + doc->text_len + 2;
    if (need > UINT32_MAX)
        return gal_error_set(GAL_ELIMIT, "%s:%llu: document of %zu bytes does not fit in a batch",
                             doc->path, (unsigned long long)doc->line, doc->title_len + doc->text_len);
    size_t text_mark = b->text.len, str_mark = b->strings.len;
    gal_batch_doc *d = &b->docs[b->ndocs];
    b->doc_start[b->ndocs] = (uint32_t)b->text.len;
    if ((rc = gal_buf_append(&b->text, doc->title, doc->title_len)) ||
        (rc = gal_buf_push(&b->text, '\n')))
        goto undo;
    b->body_start[b->ndocs] = (uint32_t)b->text.len;
    if ((rc = gal_buf_append(&b->text, doc->text, doc->text_len)) ||
        (rc = gal_buf_push(&b->text, '\n')))
        goto undo;
    d->id = b->strings.len;
    d->id_len = doc->id_len;
    if ((rc = gal_buf_append(&b->strings, doc->id, doc->id_len)))
        goto undo;
    d->date = b->strings.len;
    d->date_len = doc->date_len;
    if ((rc = gal_buf_append(&b->strings, doc->date, doc->date_len)))
        goto undo;
    d->url = b->strings.len;
    d->url_len = doc->url_len;
    if ((rc = gal_buf_append(&b->strings, doc->url, doc->url_len)))
        goto undo;
    if (doc->date_len == 0 || gal_date_parse(doc->date, doc->date_len, &d->date_sec) != 0)
        d->date_sec = GAL_NO_DATE;
    d->file_no = file_no;
    b->ndocs++;
    b->doc_start[b->ndocs] = (uint32_t)b->text.len;
    b->raw_bytes += doc->title_len + doc->text_len;
    b->end_file_no = file_no;
    b->end_offset = doc->end_offset;
    return 0;
undo:
    b->text.len = text_mark;
    b->strings.len = str_mark;
    return rc;
}
