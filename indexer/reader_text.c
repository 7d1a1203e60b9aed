/*
 * reader_text.c — plain text: the whole file is one document.
 *
 * The first line is the title (without its CR LF or LF), the rest is the
 * body after any blank lines that follow the title; the id is the path as
 * given.  A UTF-8 byte order mark is dropped.  An empty file still gives
 * one (empty) document, so every input file counts; one longer than a
 * record may be (gal_rd_max_record) gives none, with a warning.
 */
#include <string.h>

#include "reader_formats.h"

int gal_read_text(gal_rd_src *r)
{
    int rc;
    for (;;) {
        if (gal_rd_avail(r) > gal_rd_max_record(r)) { /* not a document: passed over */
            rc = gal_rd_too_long(r, 1, "text file");
            return rc ? rc : gal_rd_skip_rest(r);
        }
        if (r->eof)
            break;
        if ((rc = gal_rd_fill(r)) != 0)
            return rc;
    }
    const uint8_t *d = gal_rd_data(r);
    size_t n = gal_rd_avail(r), i = 0;
    if (gal_rd_offset(r) == 0 && n >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF)
        i = 3;

    size_t ts = i, title_len, body_at;
    gal_rd_title_body(d + ts, n - ts, &title_len, &body_at);
    size_t te = ts + title_len, bs = ts + body_at;

    gal_doc doc;
    memset(&doc, 0, sizeof doc);
    doc.id = r->path;
    doc.id_len = strlen(r->path);
    doc.title = (const char *)d + ts;
    doc.title_len = te - ts;
    doc.text = (const char *)d + bs;
    doc.text_len = n - bs;
    doc.path = r->path;
    doc.line = 1;
    doc.end_offset = gal_rd_offset(r) + n;
    rc = gal_rd_emit(r, &doc);
    r->pos += n;
    return rc;
}
