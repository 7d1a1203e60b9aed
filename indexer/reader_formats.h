/*
 * reader_formats.h — what reader.c shares with the per-format parsers
 * (reader_jsonl.c, reader_trec.c, reader_text.c, reader_warc.c).  Internal to indexer/.
 *
 * A gal_rd_src is a window over the decompressed stream: bytes
 * [pos, buf.len) of buf are read but not yet consumed, and buf.data[0] sits
 * at stream offset `base`.  gal_rd_fill() appends one more block, moving the
 * unconsumed bytes to the front first, so pointers into buf are invalid after
 * it; parsers keep offsets relative to pos instead.  Memory grows only as far
 * as the longest record needs.
 */
#ifndef GAL_READER_FORMATS_H
#define GAL_READER_FORMATS_H

#include <stdint.h>

#include "buf.h"
#include "input_stream.h"
#include "reader.h"

#define GAL_RD_BLOCK ((size_t)1 << 20)

typedef struct gal_rd_src {
    gal_istream *in;
    const char *path;  /* as given: doc->path */
    const char *name;  /* for messages: the path, or "<stdin>" */
    gal_buf buf;
    size_t pos;        /* first unconsumed byte */
    uint64_t base;     /* stream offset of buf.data[0] */
    int eof;           /* the stream has no more bytes */
    const gal_read_opts *opts;
    gal_doc_fn fn;
    void *ctx;
    gal_read_stats *stats;
} gal_rd_src;

/* Read one more block after the unconsumed bytes.  Sets eof when the stream
 * ends (possibly adding no bytes).  0 or the stream's error status. */
int gal_rd_fill(gal_rd_src *r);

/* Unconsumed bytes and their count. */
static inline const uint8_t *gal_rd_data(const gal_rd_src *r)
{
    return r->buf.data ? r->buf.data + r->pos : (const uint8_t *)""; /* nothing read yet */
}
static inline size_t gal_rd_avail(const gal_rd_src *r) { return r->buf.len - r->pos; }

/* Stream offset of the first unconsumed byte. */
static inline uint64_t gal_rd_offset(const gal_rd_src *r) { return r->base + r->pos; }

/* A malformed record: in strict mode set the detail "NAME:LINE: MSG" and
 * return GAL_EINPUT; otherwise print "galley: warning: NAME:LINE: MSG
 * (record skipped)" unless quiet, count it, and return 0. */
int gal_rd_malformed(gal_rd_src *r, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Consume n unconsumed bytes, adding their newlines to *line (formats whose
 * records span lines name a record by its first line). */
void gal_rd_consume(gal_rd_src *r, size_t n, uint64_t *line);

/* Plain text's title and body in d[0, n): the first line, without its CR LF
 * or LF, is d[0, *title_len); the body starts at *body_start, after the
 * blank lines that follow the title. */
void gal_rd_title_body(const uint8_t *d, size_t n, size_t *title_len, size_t *body_start);

/* The code point of a numeric character reference whose name, between '&'
 * and ';', is nm[0, len) ("#233", "#xE9"): 1 with *cp (0x110000 for any
 * value past U+10FFFF), or 0 when it is not one. */
int gal_rd_numeric_ref(const char *nm, size_t len, uint32_t *cp);

/* Hand one document to the callback and count it. */
int gal_rd_emit(gal_rd_src *r, const gal_doc *doc);

/* Append code point cp (any value up to 0x10FFFF) to b as UTF-8; surrogates
 * and larger values become U+FFFD. */
int gal_rd_put_utf8(gal_buf *b, uint32_t cp);

int gal_read_jsonl(gal_rd_src *r);
int gal_read_trec(gal_rd_src *r);
int gal_read_text(gal_rd_src *r);
int gal_read_warc(gal_rd_src *r);

#endif
