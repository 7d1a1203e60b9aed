/*
 * reader.c — gal_read_file(): open, pick the format, hand over to a parser.
 *
 * The format comes from opts, else from the name without its compression
 * suffix (.jsonl .json .ndjson → JSONL, .trec .sgml .sgm → TREC, .warc .wet
 * → WARC, .txt → TEXT), else from the first non-blank bytes of content ('{'
 * or '[' → JSONL, "<DOC" → TREC, "WARC/" → WARC, anything else → TEXT).  The
 * JSONL reader takes a file that starts with '[' as one JSON array.
 */
#include "reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "input_stream.h"
#include "reader_formats.h"
#include "status.h"
#include "tokenizer_rules.h" /* gal_utf8_encode */

int gal_rd_fill(gal_rd_src *r)
{
    if (r->eof)
        return 0;
    if (r->pos > 0) {
        size_t keep = r->buf.len - r->pos;
        memmove(r->buf.data, r->buf.data + r->pos, keep);
        r->base += r->pos;
        r->buf.len = keep;
        r->pos = 0;
    }
    int rc = gal_buf_reserve(&r->buf, GAL_RD_BLOCK);
    if (rc)
        return rc;
    size_t got = 0;
    rc = gal_istream_read(r->in, r->buf.data + r->buf.len, GAL_RD_BLOCK, &got);
    if (rc)
        return rc;
    r->buf.len += got;
    if (got < GAL_RD_BLOCK)
        r->eof = 1;
    return 0;
}

int gal_rd_malformed(gal_rd_src *r, uint64_t line, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (r->opts->strict)
        return gal_error_set(GAL_EINPUT, "%s:%llu: %s", r->name, (unsigned long long)line, what);
    r->stats->skipped++;
    if (!r->opts->quiet)
        fprintf(stderr, "galley: warning: %s:%llu: %s (record skipped)\n", r->name,
                (unsigned long long)line, what);
    return 0;
}

void gal_rd_too_long_msg(const gal_rd_src *r, const char *what, char *msg, size_t cap)
{
    size_t max = gal_rd_max_record(r);
    if (max >= (1u << 20))
        snprintf(msg, cap, "%s longer than %zu MB, the most a record may have", what, max >> 20);
    else
        snprintf(msg, cap, "%s longer than %zu bytes, the most a record may have", what, max);
}

int gal_rd_too_long(gal_rd_src *r, uint64_t line, const char *what)
{
    char msg[160];
    gal_rd_too_long_msg(r, what, msg, sizeof msg);
    return gal_rd_malformed(r, line, "%s", msg);
}

int gal_rd_skip_rest(gal_rd_src *r)
{
    for (;;) {
        r->pos = r->buf.len;
        if (r->eof)
            return 0;
        int rc = gal_rd_fill(r);
        if (rc)
            return rc;
    }
}

int gal_rd_skip_line(gal_rd_src *r, uint64_t *line)
{
    for (;;) {
        const uint8_t *d = gal_rd_data(r);
        size_t n = gal_rd_avail(r);
        const uint8_t *nl = memchr(d, '\n', n);
        if (nl) {
            r->pos += (size_t)(nl - d) + 1;
            ++*line;
            return 0;
        }
        r->pos += n;
        if (r->eof)
            return 0;
        int rc = gal_rd_fill(r);
        if (rc)
            return rc;
    }
}

void gal_rd_consume(gal_rd_src *r, size_t n, uint64_t *line)
{
    const uint8_t *d = gal_rd_data(r), *e = d + n;
    while ((d = memchr(d, '\n', (size_t)(e - d))) != NULL) {
        ++*line;
        d++;
    }
    r->pos += n;
}

void gal_rd_title_body(const uint8_t *d, size_t n, size_t *title_len, size_t *body_start)
{
    const uint8_t *nl = memchr(d, '\n', n);
    size_t te = nl ? (size_t)(nl - d) : n, bs = nl ? te + 1 : n;
    if (te > 0 && d[te - 1] == '\r')
        te--;
    for (size_t k = bs; k < n; k++) {
        if (d[k] == '\n')
            bs = k + 1;
        else if (d[k] != ' ' && d[k] != '\t' && d[k] != '\r' && d[k] != '\f' && d[k] != '\v')
            break;
    }
    *title_len = te;
    *body_start = bs;
}

int gal_rd_numeric_ref(const char *nm, size_t len, uint32_t *cp)
{
    if (len < 2 || nm[0] != '#')
        return 0;
    int hex = nm[1] == 'x' || nm[1] == 'X';
    size_t k = hex ? 2 : 1;
    if (k == len)
        return 0;
    uint32_t v = 0;
    for (; k < len; k++) {
        int c = nm[k] | 0x20, digit;
        if (nm[k] >= '0' && nm[k] <= '9')
            digit = nm[k] - '0';
        else if (hex && c >= 'a' && c <= 'f')
            digit = c - 'a' + 10;
        else
            return 0;
        v = v * (hex ? 16u : 10u) + (uint32_t)digit;
        if (v > 0x10FFFF)
            v = 0x110000; /* stays out of range */
    }
    *cp = v;
    return 1;
}

int gal_rd_emit(gal_rd_src *r, const gal_doc *doc)
{
    r->stats->docs++;
    gal_doc d = *doc;
    d.input_bytes = r->read_around ? r->around_bytes : gal_istream_in_bytes(r->in);
    return r->fn(r->ctx, &d);
}

static void give(const gal_rec_field *f, const uint8_t *rec, const gal_buf *out0,
                 const gal_buf *out1, const char **p, size_t *len)
{
    *p = NULL;
    *len = 0;
    if (f->where == GAL_REC_MISSING)
        return;
    const gal_buf *out = f->where == GAL_REC_IN_OUT0 ? out0 : out1;
    const uint8_t *base = f->where == GAL_REC_IN_RECORD ? rec : out->data;
    *p = base ? (const char *)base + f->off : "";
    *len = f->len;
}

int gal_rec_emit(gal_rd_src *r, const gal_rec_doc *d, const uint8_t *rec, const gal_buf *out0,
                 const gal_buf *out1, uint64_t line, uint64_t end_offset)
{
    gal_doc doc;
    memset(&doc, 0, sizeof doc);
    give(&d->id, rec, out0, out1, &doc.id, &doc.id_len);
    give(&d->title, rec, out0, out1, &doc.title, &doc.title_len);
    give(&d->text, rec, out0, out1, &doc.text, &doc.text_len);
    give(&d->date, rec, out0, out1, &doc.date, &doc.date_len);
    give(&d->url, rec, out0, out1, &doc.url, &doc.url_len);
    doc.path = r->path;
    doc.line = line;
    doc.end_offset = end_offset;
    return gal_rd_emit(r, &doc);
}

unsigned gal_read_parse_threads(unsigned asked, gal_format f)
{
    if (asked)
        return asked;
    return f == GAL_FORMAT_WARC ? GAL_WARC_PARSE_THREADS : 1;
}

int gal_rd_put_utf8(gal_buf *b, uint32_t cp)
{
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        cp = 0xFFFD;
    gal_u8 u[4];
    return gal_buf_append(b, u, gal_utf8_encode((gal_i32)cp, u));
}

static int ends_with(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && strncasecmp(s + len - n, suffix, n) == 0;
}

/* The format the file name announces, or GAL_FORMAT_AUTO. */
static gal_format format_by_name(const char *path)
{
    if (strcmp(path, "-") == 0)
        return GAL_FORMAT_AUTO;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t len = strlen(base);
    static const char *const compressed[] = {".gz", ".gzip", ".zst", ".zstd"};
    for (size_t i = 0; i < sizeof compressed / sizeof *compressed; i++) {
        if (ends_with(base, len, compressed[i])) {
            len -= strlen(compressed[i]);
            break;
        }
    }
    static const struct {
        const char *ext;
        gal_format format;
    } exts[] = {
        {".jsonl", GAL_FORMAT_JSONL}, {".json", GAL_FORMAT_JSONL}, {".ndjson", GAL_FORMAT_JSONL},
        {".trec", GAL_FORMAT_TREC},   {".sgml", GAL_FORMAT_TREC},  {".sgm", GAL_FORMAT_TREC},
        {".warc", GAL_FORMAT_WARC},   {".wet", GAL_FORMAT_WARC},   {".txt", GAL_FORMAT_TEXT},
    };
    for (size_t i = 0; i < sizeof exts / sizeof *exts; i++)
        if (len > strlen(exts[i].ext) && ends_with(base, len, exts[i].ext))
            return exts[i].format;
    return GAL_FORMAT_AUTO;
}

static int is_blank(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Look at the first non-blank byte (after a UTF-8 byte order mark), reading
 * as far as it takes; nothing is consumed. */
static int format_by_content(gal_rd_src *r, gal_format *out)
{
    int rc;
    while (gal_rd_avail(r) < 4 && !r->eof)
        if ((rc = gal_rd_fill(r)) != 0)
            return rc;
    const uint8_t *d = gal_rd_data(r);
    size_t i = gal_rd_avail(r) >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF ? 3 : 0;
    for (;;) {
        d = gal_rd_data(r);
        size_t n = gal_rd_avail(r);
        while (i < n && is_blank(d[i]))
            i++;
        if (i == n && n > gal_rd_max_record(r)) { /* blank for longer than a record */
            *out = GAL_FORMAT_TEXT;
            return 0;
        }
        /* the byte, and for '<' three more to see "DOC", for 'W' four to
         * see "ARC/" */
        if (i < n && ((d[i] != '<' && d[i] != 'W') || n - i >= 5 || r->eof)) {
            if (d[i] == '{' || d[i] == '[') /* '[': one JSON array of documents */
                *out = GAL_FORMAT_JSONL;
            else if (d[i] == '<' && n - i >= 4 && strncasecmp((const char *)d + i + 1, "DOC", 3) == 0)
                *out = GAL_FORMAT_TREC;
            else if (n - i >= 5 && memcmp(d + i, "WARC/", 5) == 0)
                *out = GAL_FORMAT_WARC;
            else
                *out = GAL_FORMAT_TEXT;
            return 0;
        }
        if (r->eof) {
            *out = GAL_FORMAT_TEXT;
            return 0;
        }
        if ((rc = gal_rd_fill(r)) != 0) /* nothing consumed: i stays valid */
            return rc;
    }
}

/* How far into a file that would be read as plain text a NUL byte marks
 * it as binary (text never holds one; JPEG, PDF, ELF all do early). */
#define BINARY_PROBE ((size_t)64 << 10)

static int looks_binary(gal_rd_src *r, int *binary)
{
    int rc;
    while (gal_rd_avail(r) < BINARY_PROBE && !r->eof)
        if ((rc = gal_rd_fill(r)) != 0)
            return rc;
    size_t n = gal_rd_avail(r);
    *binary = memchr(gal_rd_data(r), 0, n < BINARY_PROBE ? n : BINARY_PROBE) != NULL;
    return 0;
}

int gal_read_file(const char *path, const gal_read_opts *opts, gal_doc_fn fn, void *ctx,
                  gal_read_stats *stats)
{
    static const gal_read_opts defaults = {.format = GAL_FORMAT_AUTO};
    gal_read_stats unused;
    gal_rd_src r;
    memset(&r, 0, sizeof r);
    gal_buf_init(&r.buf);
    r.opts = opts ? opts : &defaults;
    r.fn = fn;
    r.ctx = ctx;
    if (!stats) {
        memset(&unused, 0, sizeof unused);
        stats = &unused;
    }
    r.stats = stats;
    r.path = path;

    /* a gzip file of many members (a .warc.gz) is decoded on as many
     * threads as its records are parsed on (the format by its name: the
     * stream decides when its first member ends, before detection could) */
    unsigned gz_threads = gal_read_parse_threads(r.opts->parse_threads, format_by_name(path));
    int rc = gal_istream_open_threads(path, gz_threads, &r.in);
    if (rc)
        return rc;
    r.name = gal_istream_name(r.in);
    stats->files++;

    gal_format format = r.opts->format;
    if (format == GAL_FORMAT_AUTO)
        format = format_by_name(path);
    if (format == GAL_FORMAT_AUTO) {
        rc = format_by_content(&r, &format);
        if (rc)
            goto done;
    }
    if (format == GAL_FORMAT_TEXT && r.opts->format == GAL_FORMAT_AUTO) {
        int binary = 0;
        if ((rc = looks_binary(&r, &binary)))
            goto done;
        if (binary) { /* an image or a program among the archive's files */
            rc = gal_rd_malformed(&r, 1, "binary data (a NUL byte near the start), not text: "
                                         "the file is passed over (--format text takes it)");
            goto done;
        }
    }
    switch (format) {
    case GAL_FORMAT_JSONL: rc = gal_read_jsonl(&r); break;
    case GAL_FORMAT_TREC: rc = gal_read_trec(&r); break;
    case GAL_FORMAT_WARC: rc = gal_read_warc(&r); break;
    default: rc = gal_read_text(&r); break;
    }
    if (!rc) /* a damage the stream met after the bytes it handed on */
        rc = gal_istream_end_status(r.in);
done:
    stats->raw_bytes += r.read_around ? r.around_bytes : gal_istream_out_bytes(r.in);
    stats->input_bytes += r.read_around ? r.around_bytes : gal_istream_in_bytes(r.in);
    gal_istream_close(r.in);
    gal_buf_release(&r.buf);
    return rc;
}
