/*
 * output.c — formatting hits for people and for scripts.
 */
#include "output.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "status.h"
#include "tokenizer_rules.h"

#define ANSI_BOLD "\033[1m"
#define ANSI_DIM "\033[2m"
#define ANSI_MATCH "\033[1;31m"
#define ANSI_RESET "\033[0m"

static int put(gal_buf *b, const char *s)
{
    return gal_buf_append(b, s, strlen(s));
}

static int putf(gal_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int putf(gal_buf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return GAL_EIO;
    return gal_buf_append(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

int gal_json_string(gal_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const gal_u8 *u = (const gal_u8 *)s;
    int rc = gal_buf_reserve(b, n + 2);
    if (rc)
        return rc;
    rc = gal_buf_push(b, '"');
    for (size_t i = 0; !rc && i < n;) {
        /* a run of bytes that go out as they are, in one append (a byte at
         * a time, escaping took two thirds of `galley show --all`) */
        size_t j = i;
        while (j < n && u[j] >= 0x20 && u[j] < 0x7F && u[j] != '"' && u[j] != '\\')
            j++;
        if (j > i) {
            rc = gal_buf_append(b, u + i, j - i);
            i = j;
            continue;
        }
        gal_u8 c = u[i];
        if (c >= 0x80) {
            gal_i32 cp;
            gal_u32 len = gal_utf8_decode(u, (gal_u32)i, n > UINT32_MAX ? UINT32_MAX : (gal_u32)n, &cp);
            if (cp < 0) {
                rc = put(b, "\\ufffd");
            } else if (cp <= 0x9F || cp == 0x2028 || cp == 0x2029) {
                /* C1 controls and the line and paragraph separators, which
                 * some readers of lines break at (Python's splitlines) */
                char e[7] = {'\\', 'u', hex[cp >> 12], hex[(cp >> 8) & 15], hex[(cp >> 4) & 15],
                             hex[cp & 15], 0};
                rc = put(b, e);
            } else {
                rc = gal_buf_append(b, u + i, len);
            }
            i += len;
            continue;
        }
        i++;
        switch (c) {
        case '"': rc = put(b, "\\\""); break;
        case '\\': rc = put(b, "\\\\"); break;
        case '\n': rc = put(b, "\\n"); break;
        case '\t': rc = put(b, "\\t"); break;
        case '\r': rc = put(b, "\\r"); break;
        case '\b': rc = put(b, "\\b"); break;
        case '\f': rc = put(b, "\\f"); break;
        default: { /* the other controls and DEL: the run above takes the rest */
            char e[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
            rc = put(b, e);
        }
        }
    }
    return rc ? rc : gal_buf_push(b, '"');
}

static int json_spans(gal_buf *b, const gal_span *v, size_t n)
{
    int rc = gal_buf_push(b, '[');
    for (size_t k = 0; !rc && k < n; k++)
        rc = putf(b, "%s[%" PRIu32 ",%" PRIu32 "]", k ? "," : "", v[k].start, v[k].end);
    return rc ? rc : gal_buf_push(b, ']');
}

/* Where byte x of text[0, n) lands in the string gal_json_string makes of
 * it, once decoded: each invalid UTF-8 sequence there is one U+FFFD, three
 * bytes, whatever its own length. */
static uint32_t decoded_at(const gal_u8 *text, size_t n, uint32_t x)
{
    uint32_t shift = 0;
    for (size_t i = 0; i < x && i < n;) {
        if (text[i] < 0x80) {
            i++;
            continue;
        }
        gal_i32 cp;
        gal_u32 len = gal_utf8_decode(text, (gal_u32)i, n > UINT32_MAX ? UINT32_MAX : (gal_u32)n, &cp);
        if (cp < 0)
            shift += 3u - len;
        i += len;
    }
    return x + shift;
}

/* Spans of text as byte ranges of its JSON string, decoded. */
static int json_spans_of(gal_buf *b, const gal_buf *text, const gal_span *v, size_t n)
{
    int rc = gal_buf_push(b, '[');
    for (size_t k = 0; !rc && k < n; k++)
        rc = putf(b, "%s[%" PRIu32 ",%" PRIu32 "]", k ? "," : "",
                  decoded_at(text->data, text->len, v[k].start),
                  decoded_at(text->data, text->len, v[k].end));
    return rc ? rc : gal_buf_push(b, ']');
}

int gal_out_hit_json(gal_buf *b, const gal_hit_view *h, const char *query, size_t query_len)
{
    int rc = gal_buf_push(b, '{');
    if (!rc && query)
        rc = put(b, "\"query\":") || gal_json_string(b, query, query_len) || put(b, ",");
    if (!rc)
        rc = putf(b, "\"rank\":%zu,", h->rank);
    if (!rc && h->index)
        rc = put(b, "\"index\":") || gal_json_string(b, h->index, strlen(h->index)) || put(b, ",");
    if (!rc)
        rc = put(b, "\"id\":");
    if (!rc)
        rc = gal_json_string(b, h->id, h->id_len);
    if (!rc)
        rc = putf(b, ",\"doc\":%" PRIu32 ",\"score\":%.4f,\"date\":", h->doc, h->score);
    if (!rc)
        rc = h->date_len ? gal_json_string(b, h->date, h->date_len) : put(b, "null");
    if (!rc)
        rc = put(b, ",\"url\":") ||
             (h->url_len ? gal_json_string(b, h->url, h->url_len) : put(b, "null"));
    if (!rc)
        rc = put(b, ",\"title\":") ||
             gal_json_string(b, (const char *)h->title->text.data, h->title->text.len) ||
             put(b, ",\"source\":") || gal_json_string(b, h->source, h->source_len) ||
             put(b, ",\"snippet\":") ||
             gal_json_string(b, (const char *)h->snippet->text.data, h->snippet->text.len) ||
             put(b, ",\"snippet_matches\":") ||
             json_spans_of(b, &h->snippet->text, h->snippet->marks.v, h->snippet->marks.n) ||
             put(b, ",\"matches\":") ||
             json_spans(b, h->matches, h->nmatches) || put(b, "}\n");
    return rc ? GAL_ENOMEM : 0;
}

int gal_out_safe(gal_buf *b, const char *s, size_t n, int lines)
{
    int rc = gal_buf_reserve(b, n);
    for (size_t i = 0; !rc && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int keep = (c >= 0x20 && c != 0x7F) || (lines && (c == '\n' || c == '\t'));
        rc = gal_buf_push(b, keep ? c : '?');
    }
    return rc;
}

/* Text for a terminal on one line. */
static int put_safe(gal_buf *b, const char *s, size_t n)
{
    return gal_out_safe(b, s, n, 0);
}

static int put_marked(gal_buf *b, const gal_excerpt *e, int color, const char *base)
{
    const char *s = (const char *)e->text.data;
    size_t pos = 0;
    int rc = 0;
    for (size_t k = 0; !rc && k < e->marks.n; k++) {
        const gal_span *m = &e->marks.v[k];
        if (m->start < pos || m->end > e->text.len)
            continue;
        rc = put_safe(b, s + pos, m->start - pos);
        if (!rc && color)
            rc = put(b, ANSI_MATCH);
        if (!rc)
            rc = put_safe(b, s + m->start, m->end - m->start);
        if (!rc && color)
            rc = put(b, ANSI_RESET) || (base ? put(b, base) : 0);
        pos = m->end;
    }
    return rc ? rc : put_safe(b, s + pos, e->text.len - pos);
}

int gal_out_hit_people(gal_buf *b, const gal_hit_view *h, int color)
{
    size_t dl = h->date_len > 10 ? 10 : h->date_len;
    int rc = putf(b, "%s%3zu. %8.3f  %s", color ? ANSI_DIM : "", h->rank, h->score,
                  color ? ANSI_RESET : "");
    if (!rc)
        rc = dl ? put_safe(b, h->date, dl) : put(b, "----------");
    if (!rc)
        rc = put(b, "  ") || (color ? put(b, ANSI_BOLD) : 0);
    if (!rc)
        rc = h->title->text.len ? put_marked(b, h->title, color, color ? ANSI_BOLD : NULL)
                                : put(b, "(no title)");
    if (!rc)
        rc = put(b, color ? ANSI_RESET "\n      " ANSI_DIM "id " : "\n      id ");
    if (!rc)
        rc = h->id_len ? put_safe(b, h->id, h->id_len) : put(b, "-");
    if (!rc)
        rc = putf(b, " \xC2\xB7 doc %" PRIu32, h->doc);
    if (!rc && h->index)
        rc = put(b, " in ") || put_safe(b, h->index, strlen(h->index));
    if (!rc)
        rc = put(b, " \xC2\xB7 ");
    if (!rc)
        rc = put_safe(b, h->source, h->source_len);
    if (!rc && h->url_len) /* the page, where the input said */
        rc = put(b, " \xC2\xB7 ") || put_safe(b, h->url, h->url_len);
    if (!rc)
        rc = put(b, color ? ANSI_RESET "\n      " : "\n      ");
    if (!rc)
        rc = put_marked(b, h->snippet, color, NULL);
    if (!rc)
        rc = put(b, "\n\n");
    return rc ? GAL_ENOMEM : 0;
}
