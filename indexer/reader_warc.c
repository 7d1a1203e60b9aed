/*
 * reader_warc.c — WARC files (ISO 28500, versions 1.0 and 1.1) as web
 * crawlers write them, and the WET files of extracted text that Common
 * Crawl makes from them.
 *
 * A record is a version line "WARC/1.x", header fields up to an empty line,
 * exactly Content-Length bytes of block, and CR LF CR LF.  Documents come
 * from three kinds of record:
 *   - conversion (WET): the block is plain text, its first line the title;
 *   - response (the record's Content-Type application/http, or none and a
 *     block that starts "HTTP/"): an HTTP response with a 2xx status whose Content-Type is
 *     HTML (text/html, application/xhtml+xml) or text/plain; chunked
 *     transfer coding and gzip, deflate, br or zstd content coding are
 *     undone (content_coding.h), a
 *     charset other than UTF-8 and windows-1252 (by the header or the
 *     page's <meta>) is converted to UTF-8 (charset_convert.h), HTML
 *     becomes its title and text (html_text.h);
 *   - resource: HTML or plain text by the record's own Content-Type.
 * id: WARC-Record-ID without its angle brackets (unique per record, where
 * one URL may be fetched many times); url: WARC-Target-URI; date: WARC-Date,
 * when the page was fetched, the only date a record is sure to carry.
 * Other records (warcinfo, request, metadata, revisit...) and responses that
 * are not 2xx or not text are passed over without a word.  A record over
 * gal_rd_max_record() bytes (64 MB) is passed over unread, a block at a
 * time (crawls hold videos), with a warning when it was text.  A damaged
 * record is skipped with a warning naming its line, and reading goes on at
 * the next line that starts "WARC/".
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>


#include "charset_convert.h"
#include "content_coding.h"
#include "html_text.h"
#include "reader_formats.h"
#include "status.h"

#define MAX_HEAD (64u << 10)
#define MAX_RECORD GAL_READ_MAX_RECORD /* a body decoded, at most */

typedef struct field {
    const char *p;
    size_t n;
} field;

typedef struct warc_head {
    field type, uri, date, id, ctype;
    uint64_t length;
    bool have_length;
} warc_head;

static bool field_is(field f, const char *s)
{
    return f.n == strlen(s) && strncasecmp(f.p, s, f.n) == 0;
}

/* Whether media type f (parameters after ';' ignored) is s. */
static bool type_is(field f, const char *s)
{
    size_t n = 0;
    while (n < f.n && f.p[n] != ';' && f.p[n] != ' ' && f.p[n] != '\t')
        n++;
    return n == strlen(s) && strncasecmp(f.p, s, n) == 0;
}

/* Where the header fields of d[0, n) end: just past the empty line, or 0
 * when it is not there. */
static size_t head_end(const uint8_t *d, size_t n)
{
    for (const uint8_t *p = d; (p = memchr(p, '\n', (size_t)(d + n - p))) != NULL; p++) {
        size_t k = (size_t)(p - d) + 1;
        if (k < n && d[k] == '\n')
            return k + 1;
        if (k + 1 < n && d[k] == '\r' && d[k + 1] == '\n')
            return k + 2;
    }
    return 0;
}

/* The lines of d[0, n) after the first as "Name: value" fields: calls
 * each(name, value) with both trimmed. */
typedef void (*field_fn)(void *ctx, field name, field value);

static void each_field(const uint8_t *d, size_t n, field_fn each, void *ctx)
{
    const uint8_t *nl = memchr(d, '\n', n);
    size_t i = nl ? (size_t)(nl - d) + 1 : n;
    while (i < n) {
        nl = memchr(d + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - d) : n;
        const uint8_t *colon = memchr(d + i, ':', e - i);
        if (colon && d[i] != ' ' && d[i] != '\t') {
            field name = {(const char *)d + i, (size_t)(colon - d) - i};
            size_t vs = (size_t)(colon - d) + 1, ve = e;
            while (vs < ve && (d[vs] == ' ' || d[vs] == '\t'))
                vs++;
            while (ve > vs && (d[ve - 1] == '\r' || d[ve - 1] == ' ' || d[ve - 1] == '\t'))
                ve--;
            each(ctx, name, (field){(const char *)d + vs, ve - vs});
        }
        i = e + 1;
    }
}

static bool parse_u64(field f, uint64_t *v)
{
    if (f.n == 0 || f.n > 19)
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < f.n; i++) {
        if (f.p[i] < '0' || f.p[i] > '9')
            return false;
        x = x * 10 + (uint64_t)(f.p[i] - '0');
    }
    *v = x;
    return true;
}

static void warc_field(void *ctx, field name, field value)
{
    warc_head *h = ctx;
    if (field_is(name, "WARC-Type"))
        h->type = value;
    else if (field_is(name, "WARC-Target-URI"))
        h->uri = value;
    else if (field_is(name, "WARC-Date"))
        h->date = value;
    else if (field_is(name, "WARC-Record-ID"))
        h->id = value;
    else if (field_is(name, "Content-Type"))
        h->ctype = value;
    else if (field_is(name, "Content-Length"))
        h->have_length = parse_u64(value, &h->length);
}

typedef struct http_head {
    field ctype, transfer, coding;
} http_head;

static void http_field(void *ctx, field name, field value)
{
    http_head *h = ctx;
    if (field_is(name, "Content-Type"))
        h->ctype = value;
    else if (field_is(name, "Transfer-Encoding"))
        h->transfer = value;
    else if (field_is(name, "Content-Encoding"))
        h->coding = value;
}

/* Step to the next line that starts "WARC/", or to the end. */
static int resync(gal_rd_src *r, uint64_t *line)
{
    int rc;
    for (;;) {
        const uint8_t *d = gal_rd_data(r);
        size_t n = gal_rd_avail(r);
        for (size_t i = 0; i + 6 <= n; i++) {
            const uint8_t *nl = memchr(d + i, '\n', n - i);
            if (!nl || (size_t)(nl - d) + 6 > n)
                break;
            i = (size_t)(nl - d);
            if (memcmp(nl + 1, "WARC/", 5) == 0) {
                gal_rd_consume(r, i + 1, line);
                return 0;
            }
        }
        if (r->eof) {
            gal_rd_consume(r, n, line);
            return 0;
        }
        gal_rd_consume(r, n > 6 ? n - 6 : 0, line); /* a tail that may start "\nWARC/" */
        if ((rc = gal_rd_fill(r)) != 0)
            return rc;
    }
}

/* Pass over n bytes a block at a time; 1 when the file ends first. */
static int skip_bytes(gal_rd_src *r, uint64_t n, uint64_t *line, int *rc)
{
    for (;;) {
        size_t a = gal_rd_avail(r), k = a < n ? a : (size_t)n;
        gal_rd_consume(r, k, line);
        if ((n -= k) == 0)
            return 0;
        if (r->eof)
            return 1;
        if ((*rc = gal_rd_fill(r)) != 0)
            return 0;
    }
}

/* Undo chunked transfer coding of d[0, n) into out; 1 when malformed,
 * or GAL_ENOMEM. */
static int dechunk(const uint8_t *d, size_t n, gal_buf *out)
{
    size_t i = 0;
    for (;;) {
        uint64_t size = 0;
        size_t digits = 0;
        for (; i < n; i++, digits++) {
            int c = d[i] | 0x20, v;
            if (d[i] >= '0' && d[i] <= '9')
                v = d[i] - '0';
            else if (c >= 'a' && c <= 'f')
                v = c - 'a' + 10;
            else
                break;
            if (size > (MAX_RECORD >> 4))
                return 1;
            size = size * 16 + (uint64_t)v;
        }
        const uint8_t *nl = i < n ? memchr(d + i, '\n', n - i) : NULL; /* extensions, CR LF */
        if (!digits || !nl)
            return 1;
        i = (size_t)(nl - d) + 1;
        if (size == 0)
            return 0; /* trailers, if any, are not wanted */
        if (size > n - i)
            return 1;
        if (gal_buf_append(out, d + i, (size_t)size))
            return GAL_ENOMEM;
        i += (size_t)size;
        while (i < n && (d[i] == '\r' || d[i] == '\n'))
            i++;
    }
}

/* Append plain text s[0, n), read as windows-1252 when cp1252, to out. */
static int put_plain(gal_buf *out, const uint8_t *s, size_t n, bool cp1252)
{
    if (!cp1252)
        return gal_buf_append(out, s, n);
    return gal_cp1252_to_utf8(out, s, n);
}

/* Plain text: the first line the title, the rest (after blank lines) the
 * body, as reader_text.c does for a file. */
static int split_plain(const uint8_t *d, size_t n, bool cp1252, gal_buf *title, gal_buf *text)
{
    size_t te, bs;
    gal_rd_title_body(d, n, &te, &bs);
    int rc = put_plain(title, d, te, cp1252);
    return rc ? rc : put_plain(text, d + bs, n - bs, cp1252);
}

enum { KIND_NONE, KIND_PLAIN, KIND_HTML };

static int kind_of(field ctype, const uint8_t *body, size_t n)
{
    if (type_is(ctype, "text/html") || type_is(ctype, "application/xhtml+xml"))
        return KIND_HTML;
    if (type_is(ctype, "text/plain"))
        return KIND_PLAIN;
    if (ctype.n)
        return KIND_NONE;
    /* no type said: markup if it starts like markup */
    size_t i = 0;
    while (i < n && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
        i++;
    return i < n && body[i] == '<' ? KIND_HTML : KIND_NONE;
}

/* Title and text of a page body of the given kind, appended to s's. */
static int page_text(int kind, field ctype, const uint8_t *body, size_t n, gal_rec_scratch *s)
{
    char name[GAL_CHARSET_NAME_MAX];
    gal_charset cs = gal_html_charset(ctype.p, ctype.n, name);
    if (kind == KIND_HTML && cs == GAL_CHARSET_UNKNOWN)
        cs = gal_html_meta_charset(body, n, name);
    if (cs == GAL_CHARSET_OTHER) {
        /* a charset the C library does not know: its bytes go through, and
         * the tokenizer reads what is not UTF-8 as separators */
        gal_buf_clear(&s->utf8);
        int rc = gal_charset_to_utf8(&s->conv, name, body, n, &s->utf8);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            body = s->utf8.data ? s->utf8.data : (const uint8_t *)"";
            n = s->utf8.len;
        }
    }
    if (kind == KIND_HTML)
        return gal_html_text(body, n, cs == GAL_CHARSET_CP1252, &s->out[0], &s->out[1]);
    return split_plain(body, n, cs == GAL_CHARSET_CP1252, &s->out[0], &s->out[1]);
}

/* An HTTP response block d[0, n): its page appended to s (GAL_REC_DOC),
 * GAL_REC_NONE when it gives no document (not 2xx, not text),
 * GAL_REC_MALFORMED with *why when it cannot be read, or GAL_ENOMEM. */
static int http_page(const uint8_t *d, size_t n, gal_rec_scratch *s, const char **why)
{
    if (n < 12 || memcmp(d, "HTTP/", 5) != 0) {
        *why = "invalid WARC: a response record without an HTTP status line";
        return GAL_REC_MALFORMED;
    }
    const uint8_t *sp = memchr(d, ' ', n < 16 ? n : 16);
    if (!sp || (size_t)(sp - d) + 4 > n) {
        *why = "invalid WARC: a response record without an HTTP status line";
        return GAL_REC_MALFORMED;
    }
    if (sp[1] != '2')
        return GAL_REC_NONE;
    size_t hend = head_end(d, n);
    if (!hend) {
        *why = "invalid WARC: HTTP headers without an end";
        return GAL_REC_MALFORMED;
    }
    http_head h;
    memset(&h, 0, sizeof h);
    each_field(d, hend, http_field, &h);
    const uint8_t *body = d + hend;
    size_t blen = n - hend;
    if (type_is(h.transfer, "chunked")) {
        gal_buf_clear(&s->body);
        int rc = dechunk(body, blen, &s->body);
        if (rc == GAL_ENOMEM)
            return rc;
        if (rc) {
            *why = "invalid WARC: bad chunked transfer coding in an HTTP response";
            return GAL_REC_MALFORMED;
        }
        body = s->body.data;
        blen = s->body.len;
    }
    int kind = kind_of(h.ctype, body, blen);
    if (kind == KIND_NONE)
        return GAL_REC_NONE;
    if (h.coding.n && !type_is(h.coding, "identity")) {
        bool gzip = type_is(h.coding, "gzip") || type_is(h.coding, "x-gzip");
        bool deflate = type_is(h.coding, "deflate");
        gal_content_coding coding = gzip || deflate ? GAL_CODING_DEFLATE
                                    : type_is(h.coding, "br") ? GAL_CODING_BROTLI
                                                              : GAL_CODING_ZSTD;
        if (!gzip && !deflate && coding == GAL_CODING_ZSTD && !type_is(h.coding, "zstd")) {
            *why = "HTTP content coding other than gzip, deflate, br or zstd is not read";
            return GAL_REC_MALFORMED;
        }
        gal_buf coded;
        gal_buf_init(&coded);
        int rc = gal_buf_append(&coded, body, blen);
        gal_buf_clear(&s->body);
        if (!rc && (rc = gal_content_decode(coding, coded.data, coded.len, MAX_RECORD,
                                            &s->body)) == -1 && deflate) {
            gal_buf_clear(&s->body); /* servers send raw deflate for "deflate" too */
            rc = gal_content_decode(GAL_CODING_RAW_DEFLATE, coded.data, coded.len, MAX_RECORD,
                                    &s->body);
        }
        gal_buf_release(&coded);
        if (rc) { /* gal_content_decode's -1 is also its GAL_ENOMEM */
            *why = "invalid WARC: HTTP content that does not decode (or over 64 MB)";
            return GAL_REC_MALFORMED;
        }
        body = s->body.data;
        blen = s->body.len;
    }
    return page_text(kind, h.ctype, body, blen, s);
}

/* A field given by pointer into the record rec. */
static gal_rec_field in_record(const uint8_t *rec, field f)
{
    if (!f.p)
        return (gal_rec_field){0, 0, GAL_REC_MISSING};
    return (gal_rec_field){(size_t)((const uint8_t *)f.p - rec), f.n, GAL_REC_IN_RECORD};
}

/* A framed record rec[0, total), header fields up to hend: its page's
 * title appended to s->out[0] and text to s->out[1]. */
static int parse_record(const uint8_t *rec, size_t hend, size_t total, gal_rec_scratch *s,
                        gal_rec_doc *out, const char **why)
{
    warc_head h;
    memset(&h, 0, sizeof h);
    each_field(rec, hend, warc_field, &h);
    const uint8_t *block = rec + hend;
    size_t n = total - hend;
    size_t title_at = s->out[0].len, text_at = s->out[1].len;
    int rc = GAL_REC_NONE;
    if (field_is(h.type, "conversion"))
        rc = split_plain(block, n, false, &s->out[0], &s->out[1]);
    else if (field_is(h.type, "resource")) {
        int kind = kind_of(h.ctype, block, n);
        rc = kind == KIND_NONE ? GAL_REC_NONE : page_text(kind, h.ctype, block, n, s);
    } else if (field_is(h.type, "response") &&
               (type_is(h.ctype, "application/http") ||
                /* a crawler that leaves the record's type out: the block says */
                (!h.ctype.n && n >= 5 && !memcmp(block, "HTTP/", 5))))
        rc = http_page(block, n, s, why);
    if (rc != GAL_REC_DOC)
        return rc;

    field id = h.id;
    if (id.n >= 2 && id.p[0] == '<' && id.p[id.n - 1] == '>') {
        id.p++;
        id.n -= 2;
    }
    *out = (gal_rec_doc){
        .id = in_record(rec, id),
        .url = in_record(rec, h.uri),
        .date = in_record(rec, h.date),
        .title = {title_at, s->out[0].len - title_at, GAL_REC_IN_OUT0},
        .text = {text_at, s->out[1].len - text_at, GAL_REC_IN_OUT1},
    };
    return GAL_REC_DOC;
}

static bool is_document_type(field type)
{
    return field_is(type, "conversion") || field_is(type, "resource") || field_is(type, "response");
}

/* A damaged record, its message formatted, reported through bad(). */
static int damaged(gal_rec_bad_fn bad, void *ctx, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int damaged(gal_rec_bad_fn bad, void *ctx, uint64_t line, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return bad(ctx, line, msg);
}

/* gal_rec_format.next: *aux is where the header fields end. */
static int next_record(gal_rd_src *r, uint64_t *line, gal_rec_bad_fn bad, void *ctx,
                       size_t *hend_out, size_t *total, uint64_t *rec_line)
{
    int rc = 0;
    for (;;) {
        /* blank lines between records */
        for (;;) {
            const uint8_t *d = gal_rd_data(r);
            size_t n = gal_rd_avail(r), k = 0;
            while (k < n && (d[k] == '\r' || d[k] == '\n'))
                k++;
            gal_rd_consume(r, k, line);
            if (k < n || r->eof || (rc = gal_rd_fill(r)) != 0)
                break;
        }
        if (rc || gal_rd_avail(r) == 0)
            return rc;
        *rec_line = *line;
        size_t hend;
        while (!(hend = head_end(gal_rd_data(r), gal_rd_avail(r))) && !r->eof &&
               gal_rd_avail(r) < MAX_HEAD)
            if ((rc = gal_rd_fill(r)) != 0)
                return rc;
        const uint8_t *d = gal_rd_data(r);
        size_t avail = gal_rd_avail(r);
        if (avail < 5 || memcmp(d, "WARC/", 5) != 0) {
            rc = damaged(bad, ctx, *rec_line, "invalid WARC: expected a \"WARC/1.x\" version line");
            if (rc || (rc = resync(r, line)) != 0)
                return rc;
            continue;
        }
        if (!hend || hend > MAX_HEAD) {
            if (r->eof && avail < MAX_HEAD) {
                rc = damaged(bad, ctx, *rec_line, "invalid WARC: record header cut short at end of file");
                gal_rd_consume(r, avail, line);
                return rc;
            }
            rc = damaged(bad, ctx, *rec_line, "invalid WARC: record header longer than 64 kB");
            if (rc || (rc = resync(r, line)) != 0)
                return rc;
            continue;
        }
        warc_head h;
        memset(&h, 0, sizeof h);
        each_field(d, hend, warc_field, &h);
        if (!h.have_length) {
            rc = damaged(bad, ctx, *rec_line, "invalid WARC: record without a valid Content-Length");
            if (rc || (rc = resync(r, line)) != 0)
                return rc;
            continue;
        }
        uint64_t length = h.length;
        uint64_t max = gal_rd_max_record(r);
        if (!is_document_type(h.type) || length > max) {
            if (length > max && !field_is(h.type, "response") && is_document_type(h.type)) {
                char msg[160];
                gal_rd_too_long_msg(r, "WARC record", msg, sizeof msg);
                rc = damaged(bad, ctx, *rec_line, "%s (%llu bytes)", msg,
                             (unsigned long long)length);
            }
            if (!rc && skip_bytes(r, hend + length, line, &rc))
                rc = damaged(bad, ctx, *rec_line, "invalid WARC: record cut short at end of file");
            if (rc)
                return rc;
            continue;
        }
        while (gal_rd_avail(r) < hend + length && !r->eof)
            if ((rc = gal_rd_fill(r)) != 0)
                return rc;
        if (gal_rd_avail(r) < hend + length) {
            rc = damaged(bad, ctx, *rec_line, "invalid WARC: record cut short at end of file (%zu of %llu bytes)",
                         gal_rd_avail(r) - hend, (unsigned long long)length);
            gal_rd_consume(r, gal_rd_avail(r), line);
            return rc;
        }
        *hend_out = hend;
        *total = hend + (size_t)length;
        return 1;
    }
}

int gal_read_warc(gal_rd_src *r)
{
    static const gal_rec_format warc = {next_record, parse_record};
    return gal_read_records(r, &warc, gal_read_parse_threads(r->opts->parse_threads, GAL_FORMAT_WARC));
}
