/*
 * reader_trec.c — TREC SGML: <DOC> … </DOC> blocks.
 *
 * Inside a block: id from <DOCNO> (surrounding blanks trimmed), title from
 * the first of <HEADLINE>, <HEAD>, <TITLE> in the block, body from every
 * <TEXT> joined with '\n'.  Tag names are case-insensitive and may carry
 * attributes.  The content of HEADLINE/HEAD/TITLE and TEXT loses exactly one
 * leading and one trailing newline (LF or CR LF), so `<TEXT>\nbody\n</TEXT>`
 * gives `body`.  Entities &amp; &lt; &gt; &quot; &apos; &#N; &#xN; are
 * decoded; any other '&' is kept as it is.  Other markup inside TEXT is
 * kept.  Text outside blocks is ignored.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "reader_formats.h"
#include "status.h"

static bool tag_end(uint8_t c)
{
    return c == '>' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Offset of the next "<name" (or "</name" when closing) followed by '>' or
 * a blank, in d[from, n); n when there is none. */
static size_t find_tag(const uint8_t *d, size_t n, size_t from, const char *name, bool closing)
{
    size_t nl = strlen(name), lead = closing ? 2 : 1;
    for (size_t i = from; i < n;) {
        const uint8_t *lt = memchr(d + i, '<', n - i);
        if (!lt)
            return n;
        i = (size_t)(lt - d);
        if (n - i >= lead + nl + 1 && (!closing || d[i + 1] == '/') &&
            strncasecmp((const char *)d + i + lead, name, nl) == 0 && tag_end(d[i + lead + nl]))
            return i;
        i++;
    }
    return n;
}

/* Element `name` starting at or after `from` in the block: *cs and *ce
 * bound its content and *after is just past its end tag.  0 found, 1 none, -1 opened
 * but not closed. */
static int find_elem(const uint8_t *d, size_t n, size_t from, const char *name, size_t *cs,
                     size_t *ce, size_t *after)
{
    size_t o = find_tag(d, n, from, name, false);
    if (o == n)
        return 1;
    const uint8_t *gt = memchr(d + o, '>', n - o);
    if (!gt)
        return -1;
    size_t start = (size_t)(gt - d) + 1;
    size_t c = find_tag(d, n, start, name, true);
    if (c == n)
        return -1;
    const uint8_t *cgt = memchr(d + c, '>', n - c);
    *cs = start;
    *ce = c;
    *after = (size_t)(cgt - d) + 1;
    return 0;
}

static void strip_newlines(const uint8_t *d, size_t *cs, size_t *ce)
{
    if (*cs < *ce && d[*cs] == '\n')
        (*cs)++;
    else if (*ce - *cs >= 2 && d[*cs] == '\r' && d[*cs + 1] == '\n')
        *cs += 2;
    if (*ce > *cs && d[*ce - 1] == '\n') {
        (*ce)--;
        if (*ce > *cs && d[*ce - 1] == '\r')
            (*ce)--;
    }
}

/* Decode entities of d[cs, ce) into out. */
static int decode_entities(gal_buf *out, const uint8_t *d, size_t cs, size_t ce)
{
    size_t run = cs, i = cs;
    while (i < ce) {
        const uint8_t *amp = memchr(d + i, '&', ce - i);
        if (!amp)
            break;
        i = (size_t)(amp - d);
        const uint8_t *semi = memchr(d + i, ';', ce - i < 12 ? ce - i : 12);
        if (!semi) {
            i++;
            continue;
        }
        size_t nlen = (size_t)(semi - d) - i - 1; /* between '&' and ';' */
        const char *nm = (const char *)d + i + 1;
        int ch = -1;
        uint32_t cp = 0;
        bool numeric = gal_rd_numeric_ref(nm, nlen, &cp);
        if (nlen == 3 && memcmp(nm, "amp", 3) == 0)
            ch = '&';
        else if (nlen == 2 && memcmp(nm, "lt", 2) == 0)
            ch = '<';
        else if (nlen == 2 && memcmp(nm, "gt", 2) == 0)
            ch = '>';
        else if (nlen == 4 && memcmp(nm, "quot", 4) == 0)
            ch = '"';
        else if (nlen == 4 && memcmp(nm, "apos", 4) == 0)
            ch = '\'';
        if (ch < 0 && !numeric) {
            i++;
            continue; /* not an entity we know: keep it */
        }
        if (gal_buf_append(out, d + run, i - run))
            return GAL_ENOMEM;
        int rc = numeric ? gal_rd_put_utf8(out, cp == 0 ? 0xFFFD : cp) : gal_buf_push(out, (uint8_t)ch);
        if (rc)
            return rc;
        i = run = (size_t)(semi - d) + 1;
    }
    return gal_buf_append(out, d + run, ce - run);
}

/* Give d[cs, ce) as a field: in place when it holds no '&', else decoded
 * to the end of scratch. */
static int take(gal_rec_field *f, gal_buf *scratch, const uint8_t *d, size_t cs, size_t ce)
{
    if (!memchr(d + cs, '&', ce - cs)) {
        *f = (gal_rec_field){cs, ce - cs, GAL_REC_IN_RECORD};
        return 0;
    }
    *f = (gal_rec_field){scratch->len, 0, GAL_REC_IN_OUT0};
    int rc = decode_entities(scratch, d, cs, ce);
    f->len = scratch->len - f->off;
    return rc;
}

/* gal_rec_format.parse: one complete block d[0, n) from "<DOC" to just
 * past "</DOC>", its decoded fields appended to s->out[0]. */
static int parse_block(const uint8_t *d, size_t aux, size_t n, gal_rec_scratch *s,
                       gal_rec_doc *out, const char **why)
{
    (void)aux;
    gal_buf *scratch = &s->out[0];
    gal_rec_field id = {0}, title = {0}, text = {0};
    size_t cs, ce, after;
    int rc;

    int found = find_elem(d, n, 0, "DOCNO", &cs, &ce, &after);
    if (found < 0) {
        *why = "invalid TREC: <DOCNO> is not closed";
        return GAL_REC_MALFORMED;
    }
    if (found == 0) {
        while (cs < ce && (d[cs] == ' ' || d[cs] == '\t' || d[cs] == '\n' || d[cs] == '\r'))
            cs++;
        while (ce > cs && (d[ce - 1] == ' ' || d[ce - 1] == '\t' || d[ce - 1] == '\n' ||
                           d[ce - 1] == '\r'))
            ce--;
        if ((rc = take(&id, scratch, d, cs, ce)) != 0)
            return rc;
    }

    static const char *const title_tags[] = {"HEADLINE", "HEAD", "TITLE"};
    static const char *const not_closed[] = {"invalid TREC: <HEADLINE> is not closed",
                                             "invalid TREC: <HEAD> is not closed",
                                             "invalid TREC: <TITLE> is not closed"};
    size_t best = n;
    int best_k = -1;
    for (int k = 0; k < 3; k++) {
        size_t o = find_tag(d, n, 0, title_tags[k], false);
        if (o < best) {
            best = o;
            best_k = k;
        }
    }
    if (best_k >= 0) {
        if (find_elem(d, n, best, title_tags[best_k], &cs, &ce, &after) < 0) {
            *why = not_closed[best_k];
            return GAL_REC_MALFORMED;
        }
        strip_newlines(d, &cs, &ce);
        if ((rc = take(&title, scratch, d, cs, ce)) != 0)
            return rc;
    }

    size_t from = 0, ntext = 0;
    while ((found = find_elem(d, n, from, "TEXT", &cs, &ce, &after)) == 0) {
        strip_newlines(d, &cs, &ce);
        if (ntext == 0) {
            if ((rc = take(&text, scratch, d, cs, ce)) != 0)
                return rc;
        } else {
            /* a later TEXT: the body moves to the end of scratch (where
             * it already is when it was decoded) and grows there */
            if (text.where == GAL_REC_IN_RECORD) {
                size_t off = scratch->len;
                if (gal_buf_append(scratch, d + text.off, text.len))
                    return GAL_ENOMEM;
                text = (gal_rec_field){off, text.len, GAL_REC_IN_OUT0};
            }
            if (gal_buf_push(scratch, '\n') || decode_entities(scratch, d, cs, ce))
                return GAL_ENOMEM;
            text.len = scratch->len - text.off;
        }
        ntext++;
        from = after;
    }
    if (found < 0) {
        *why = "invalid TREC: <TEXT> is not closed";
        return GAL_REC_MALFORMED;
    }
    *out = (gal_rec_doc){.id = id, .title = title, .text = text};
    return GAL_REC_DOC;
}

/* gal_rec_format.next: the next <DOC> ... </DOC> block. */
static int next_block(gal_rd_src *r, uint64_t *line, gal_rec_bad_fn bad, void *ctx, size_t *aux,
                      size_t *total, uint64_t *doc_line)
{
    int rc;
    *aux = 0;
    for (;;) {
        /* find the next <DOC> */
        size_t n = gal_rd_avail(r);
        size_t o = find_tag(gal_rd_data(r), n, 0, "DOC", false);
        if (o == n) {
            if (r->eof)
                return 0;
            /* keep a tail that may be the start of a split "<DOC" */
            size_t keep = n < 4 ? n : 4;
            gal_rd_consume(r, n - keep, line);
            if ((rc = gal_rd_fill(r)) != 0)
                return rc;
            continue;
        }
        gal_rd_consume(r, o, line);
        *doc_line = *line;

        /* find its </DOC>, reading more as needed */
        size_t scan = 4;
        for (;;) {
            const uint8_t *d = gal_rd_data(r);
            n = gal_rd_avail(r);
            size_t c = find_tag(d, n, scan, "DOC", true);
            if (c < n) {
                const uint8_t *gt = memchr(d + c, '>', n - c);
                if (gt && (size_t)(gt - d) < gal_rd_max_record(r)) {
                    *total = (size_t)(gt - d) + 1;
                    return 1;
                }
                if (gt)
                    break; /* whole, but too long */
            }
            if (r->eof || n > gal_rd_max_record(r))
                break;
            scan = c < n ? c : (n > 6 ? n - 6 : 4);
            if ((rc = gal_rd_fill(r)) != 0)
                return rc;
        }
        if (!r->eof || gal_rd_avail(r) > gal_rd_max_record(r)) {
            /* passed over: reading goes on at the next <DOC> */
            char msg[160];
            gal_rd_too_long_msg(r, "TREC document (no </DOC>?)", msg, sizeof msg);
            gal_rd_consume(r, 4, line);
            if ((rc = bad(ctx, *doc_line, msg)) != 0)
                return rc;
            continue;
        }
        rc = bad(ctx, *doc_line, "invalid TREC: <DOC> without </DOC> at end of file");
        gal_rd_consume(r, gal_rd_avail(r), line);
        return rc;
    }
}

int gal_read_trec(gal_rd_src *r)
{
    static const gal_rec_format trec = {next_block, parse_block};
    return gal_read_records(r, &trec, gal_read_parse_threads(r->opts->parse_threads, GAL_FORMAT_TREC));
}
