/*
 * reader_formats.h — what reader.c shares with the per-format parsers
 * (reader_jsonl.c, reader_trec.c, reader_text.c, reader_warc.c, and
 * reader_jsonl_parallel.c and reader_records.c, which parse records on
 * threads of their own).  Internal to indexer/.
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
#include "charset_convert.h"
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
    /* a plain file read at offsets of the parser's own, around the stream
     * (reader_jsonl_parallel.c): the bytes read so far, which stand for the
     * stream's counts (progress, raw and input bytes) */
    int read_around;
    uint64_t around_bytes;
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

/* A field of a parsed record (any format): in the record itself or in one
 * of two buffers of the parse's making (out0, out1), or missing. */
typedef struct gal_rec_field {
    size_t off, len;
    int where;
} gal_rec_field;

enum { GAL_REC_MISSING, GAL_REC_IN_RECORD, GAL_REC_IN_OUT0, GAL_REC_IN_OUT1 };

typedef struct gal_rec_doc {
    gal_rec_field id, title, text, date, url;
} gal_rec_doc;

/* Hand over the document d of record rec, its fields in rec, out0 or out1,
 * as the record at line `line` ending at stream offset end_offset. */
int gal_rec_emit(gal_rd_src *r, const gal_rec_doc *d, const uint8_t *rec, const gal_buf *out0,
                 const gal_buf *out1, uint64_t line, uint64_t end_offset);

/* One JSON Lines record, parsed (reader_jsonl.c) but not yet handed over:
 * reader_jsonl_parallel.c parses lines on other threads and hands them over
 * in order on the reader's. */
typedef struct gal_jsonl_line {
    gal_rec_doc doc; /* in the line, or (a string with escapes) in scratch: out0 */
    const char *err; /* a malformed line: what is wrong (a string constant), */
    size_t err_at;   /* and where, 0-based in the line */
} gal_jsonl_line;

/* JSON's whitespace, between its tokens. */
static inline int gal_json_blank(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* GAL_JSONL_TOO_LONG: a line longer than gal_rd_max_record(), not parsed */
enum { GAL_JSONL_RECORD, GAL_JSONL_BLANK, GAL_JSONL_MALFORMED, GAL_JSONL_OOM, GAL_JSONL_TOO_LONG };

/* Parse line[start, len) (start skips a byte order mark), decoding strings
 * with escapes to the end of scratch (never cleared here) and keys into
 * keybuf; returns one of the GAL_JSONL_ kinds.  Sets nothing shared: safe on
 * any thread. */
int gal_jsonl_parse_line(const uint8_t *line, size_t len, size_t start, gal_buf *scratch,
                         gal_buf *keybuf, gal_jsonl_line *out);

/* What the reader does with a parsed line of the given kind: hand over its
 * document, or report it malformed (gal_rd_malformed) or out of memory
 * (len: the line's length), as line lineno ending at stream offset
 * end_offset.  The reader's thread only. */
int gal_jsonl_hand_over(gal_rd_src *r, int kind, const gal_jsonl_line *l, const uint8_t *line,
                        size_t len, const gal_buf *scratch, uint64_t lineno, uint64_t end_offset);

/* JSON Lines; or, when the file's first byte other than blanks is '[', one
 * JSON array of documents, and when its first line other than blanks is a
 * lone '{', objects pretty-printed one after another:
 * gal_read_json_values (reader_json_array.c). */
int gal_read_jsonl(gal_rd_src *r);
int gal_read_json_values(gal_rd_src *r, int in_array);
/* The same on nthreads threads (reader_jsonl_parallel.c). */
int gal_read_jsonl_parallel(gal_rd_src *r, unsigned nthreads);
int gal_read_trec(gal_rd_src *r);
int gal_read_text(gal_rd_src *r);

/* Formats whose records are framed and then parsed apart (TREC, WARC), so
 * that reader_records.c can parse them on other threads: the reader's
 * thread frames each record (next), any thread parses one (parse), and
 * the reader's thread hands its document over (gal_rec_hand_over). */
typedef int (*gal_rec_bad_fn)(void *ctx, uint64_t line, const char *msg);

/* Where a record's parse leaves what it makes; one per parsing thread's
 * job.  out[]: fields decoded or made from the record, appended. */
typedef struct gal_rec_scratch {
    gal_buf out[2];
    gal_buf body;         /* WARC: a response's body, dechunked or decoded */
    gal_buf utf8;         /* WARC: a page converted from its charset */
    gal_charset_conv conv;
} gal_rec_scratch;

void gal_rec_scratch_init(gal_rec_scratch *s);
void gal_rec_scratch_release(gal_rec_scratch *s);

/* What a parse gives: a document, none (a record that holds no document,
 * passed over without a word), a malformed record (with a reason), or a
 * negative status (GAL_ENOMEM). */
enum { GAL_REC_DOC, GAL_REC_NONE, GAL_REC_MALFORMED };

typedef struct gal_rec_format {
    /* Frame the stream's next record: 1 with it at gal_rd_data(r)[0,
     * *total) (not consumed), a number of the format's own in *aux (WARC:
     * where the header fields end) and its first line in *rec_line; 0 at
     * the end; or a negative status.  Damaged records found in framing are
     * reported through bad(ctx, line, message) and passed over when that
     * returns 0.  *line: the line reached, as gal_rd_consume() counts. */
    int (*next)(gal_rd_src *r, uint64_t *line, gal_rec_bad_fn bad, void *ctx, size_t *aux,
                size_t *total, uint64_t *rec_line);
    /* Parse the framed record rec[0, total), appending to s->out: a GAL_REC_
     * kind (*why a string constant for GAL_REC_MALFORMED) or GAL_ENOMEM.
     * Sets nothing shared: safe on any thread. */
    int (*parse)(const uint8_t *rec, size_t aux, size_t total, gal_rec_scratch *s,
                 gal_rec_doc *out, const char **why);
} gal_rec_format;

/* What the reader does with a parsed record of the given kind, as the
 * record rec at line `line` ending at stream offset end_offset: hand over
 * its document, report it malformed, or pass a status on.  The reader's
 * thread only. */
int gal_rec_hand_over(gal_rd_src *r, int kind, const gal_rec_doc *d, const uint8_t *rec,
                      const gal_rec_scratch *s, const char *why, uint64_t line,
                      uint64_t end_offset);

/* Bytes of records a parsing thread takes at once (gal_read_opts.parse_block,
 * 4 MiB when 0), for reader_jsonl_parallel.c and reader_records.c. */
static inline size_t gal_rd_parse_block(const gal_rd_src *r)
{
    return r->opts->parse_block ? r->opts->parse_block : (size_t)4 << 20;
}

/* The longest record r's reader keeps (gal_read_opts.max_record). */
static inline size_t gal_rd_max_record(const gal_rd_src *r)
{
    return r->opts->max_record ? r->opts->max_record : GAL_READ_MAX_RECORD;
}

/* A record longer than gal_rd_max_record(r), from line `line`: reported
 * (gal_rd_malformed, what: "JSON line", "text file", ...); the message
 * alone, for framing that reports through a gal_rec_bad_fn. */
int gal_rd_too_long(gal_rd_src *r, uint64_t line, const char *what);
void gal_rd_too_long_msg(const gal_rd_src *r, const char *what, char *msg, size_t cap);

/* Pass over the rest of the stream, a block at a time, keeping none of it.
 * 0 or the stream's error status. */
int gal_rd_skip_rest(gal_rd_src *r);

/* Pass over the stream's bytes up to and including its next '\n', a block at
 * a time (what is unconsumed first); the end of the stream ends it too.
 * *line counts the '\n'.  0 or the stream's error status. */
int gal_rd_skip_line(gal_rd_src *r, uint64_t *line);

/* Read every record of r in format f, parsed on nthreads threads (1: on
 * the calling thread), handed over in input order (reader_records.c). */
int gal_read_records(gal_rd_src *r, const gal_rec_format *f, unsigned nthreads);

int gal_read_warc(gal_rd_src *r);

#endif
