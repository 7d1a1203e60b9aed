/*
 * reader_index.c — a galley index read as input: `galley merge` indexes
 * the documents of several indexes again, from the text they store.
 *
 * The stored text is the title, '\n', then the body, exactly as they were
 * tokenized, and the document table keeps the id, date, url and input file
 * of each: everything a reader hands over for a document.  So a document
 * read back this way is tokenized into the same positions, entities and
 * dates as the first time.
 */
#include "reader.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "index.h"
#include "status.h"

/* Prefix the current error's detail with the index and the document. */
static int name_place(int rc, const char *dir, uint32_t doc)
{
    char was[512];
    snprintf(was, sizeof was, "%s", gal_error_detail(rc));
    return gal_error_set(rc, "index '%s', document %u: %s", dir, doc, was);
}

int gal_read_index(const char *dir, gal_doc_fn fn, void *ctx, gal_read_stats *stats)
{
    gal_index *ix = NULL;
    gal_snapshot *s = NULL;
    gal_index_stats st;
    gal_buf text;
    gal_buf_init(&text);
    int rc;
    if ((rc = gal_index_open(dir, &ix)) || (rc = gal_snapshot_begin(ix, &s)) ||
        (rc = gal_snapshot_stats(s, &st)))
        goto done;
    stats->files++;
    uint64_t read = 0;
    for (uint64_t d = 0; d < st.docs && !rc; d++) {
        uint32_t doc = (uint32_t)d;
        gal_doc_info info;
        if ((rc = gal_snapshot_doc(s, doc, &info)) || (rc = gal_snapshot_text(s, doc, &text))) {
            rc = name_place(rc, dir, doc);
            break;
        }
        if (info.title_len > text.len) {
            rc = gal_error_set(GAL_ECORRUPT,
                               "index '%s', document %u: a title of %zu bytes in a text of %zu",
                               dir, doc, info.title_len, text.len);
            break;
        }
        /* the title, then '\n' and the body when there is one */
        size_t body = info.title_len < text.len ? info.title_len + 1 : text.len;
        gal_doc out;
        memset(&out, 0, sizeof out);
        out.id = info.id;
        out.id_len = info.id_len;
        out.title = (const char *)text.data;
        out.title_len = info.title_len;
        out.text = (const char *)text.data + body;
        out.text_len = text.len - body;
        out.date = info.date;
        out.date_len = info.date_len;
        out.url = info.url;
        out.url_len = info.url_len;
        out.path = dir;
        out.line = doc;
        out.end_offset = d + 1;
        read += out.title_len + out.text_len;
        out.input_bytes = read;
        out.source_no = info.file_no;
        stats->docs++;
        stats->raw_bytes += out.title_len + out.text_len;
        stats->input_bytes += out.title_len + out.text_len;
        rc = fn(ctx, &out);
    }
done:
    gal_buf_release(&text);
    gal_snapshot_end(s);
    gal_index_close(ix);
    return rc;
}
