/*
 * snippet.c — match positions → byte ranges → a trimmed, highlighted excerpt.
 */
#include "snippet.h"

#include <string.h>

#include "alloc.h"
#include "status.h"
#include "terms.h"

void gal_spans_init(gal_spans *s)
{
    memset(s, 0, sizeof *s);
}

void gal_spans_release(gal_spans *s)
{
    gal_free(s->v);
    gal_spans_init(s);
}

int gal_spans_push(gal_spans *s, uint32_t start, uint32_t end)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        gal_span *v = gal_realloc(s->v, cap * sizeof *v);
        if (!v)
            return gal_error_set(GAL_ENOMEM, "out of memory building a snippet");
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n].start = start;
    s->v[s->n].end = end;
    s->n++;
    return 0;
}

int gal_snippet_spans(const char *text, size_t len, size_t title_len, uint32_t title_tokens,
                      const gal_posrange *r, size_t n, gal_spans *out)
{
    gal_term t;
    uint32_t title_pos = 0, body_pos = title_tokens + GAL_TITLE_BODY_GAP;
    size_t ri = 0;
    int open = 0;
    uint32_t open_start = 0;
    out->n = 0;
    for (size_t i = 0; ri < n && gal_term_next(text, len, i, &t); i = t.end) {
        uint32_t p = t.start < title_len ? title_pos++ : body_pos++;
        while (ri < n && r[ri].last < p) { /* a range that no token reached */
            ri++;
            open = 0;
        }
        if (ri == n)
            break;
        if (!open && p >= r[ri].first) {
            open = 1;
            open_start = t.start;
        }
        if (open && p >= r[ri].last) {
            int rc = gal_spans_push(out, open_start, t.end);
            if (rc)
                return rc;
            open = 0;
            ri++;
        }
    }
    return 0;
}

void gal_excerpt_init(gal_excerpt *e)
{
    gal_buf_init(&e->text);
    gal_spans_init(&e->marks);
}

void gal_excerpt_release(gal_excerpt *e)
{
    gal_buf_release(&e->text);
    gal_spans_release(&e->marks);
}

static int is_ws(unsigned char c)
{
    return c <= ' ';
}

/* Largest i' <= i that is not inside a UTF-8 sequence. */
static size_t utf8_floor(const char *text, size_t from, size_t i)
{
    while (i > from && ((unsigned char)text[i] & 0xC0) == 0x80)
        i--;
    return i;
}

int gal_excerpt_make(gal_excerpt *out, const char *text, size_t from, size_t to,
                     const gal_span *spans, size_t n, size_t max_bytes)
{
    gal_buf_clear(&out->text);
    out->marks.n = 0;
    /* leading and trailing whitespace never counts */
    while (from < to && is_ws((unsigned char)text[from]))
        from++;
    while (to > from && is_ws((unsigned char)text[to - 1]))
        to--;
    /* the spans inside [from, to) */
    size_t s0 = 0, s1;
    while (s0 < n && spans[s0].start < from)
        s0++;
    s1 = s0;
    while (s1 < n && spans[s1].end <= to)
        s1++;
    size_t ws = from, we = to;
    if (to - from > max_bytes) {
        size_t lead = max_bytes / 4;
        if (s1 > s0) {
            /* the window start that takes in the most spans */
            size_t best = s0, best_count = 0;
            for (size_t i = s0, j = s0; i < s1; i++) {
                size_t start = spans[i].start > from + lead ? spans[i].start - lead : from;
                if (j < i)
                    j = i;
                while (j < s1 && spans[j].end <= start + max_bytes)
                    j++;
                if (j - i > best_count) {
                    best_count = j - i;
                    best = i;
                }
            }
            ws = spans[best].start > from + lead ? spans[best].start - lead : from;
            if (ws + max_bytes > to)
                ws = to - max_bytes;
            /* start after a whitespace, but never after the first match */
            size_t first = spans[best].start;
            if (ws > from && !is_ws((unsigned char)text[ws - 1])) {
                size_t k = ws;
                while (k < first && !is_ws((unsigned char)text[k]))
                    k++;
                if (k < first) {
                    ws = k;
                } else { /* no space before the match: go back to one */
                    k = ws;
                    while (k > from && !is_ws((unsigned char)text[k - 1]))
                        k--;
                    ws = k;
                }
            }
        }
        we = ws + max_bytes < to ? ws + max_bytes : to;
        if (we < to && !is_ws((unsigned char)text[we])) {
            size_t k = we;
            while (k > ws && !is_ws((unsigned char)text[k - 1]))
                k--;
            if (k > ws)
                we = k;
            else
                we = utf8_floor(text, ws, we); /* one huge word */
        }
        while (ws < we && is_ws((unsigned char)text[ws]))
            ws++;
        while (we > ws && is_ws((unsigned char)text[we - 1]))
            we--;
    }
    static const char ellipsis[] = "\xE2\x80\xA6"; /* … */
    int rc = 0;
    if (ws > from)
        rc = gal_buf_append(&out->text, ellipsis, 3);
    size_t si = s0;
    while (si < s1 && spans[si].end <= ws)
        si++;
    int in_ws = 0, marking = 0;
    for (size_t b = ws; !rc && b < we; b++) {
        while (si < s1 && !marking && spans[si].start <= b) {
            if (spans[si].end > b) {
                marking = 1;
                rc = gal_spans_push(&out->marks, (uint32_t)out->text.len, 0);
            } else {
                si++;
            }
        }
        if (rc)
            break;
        unsigned char c = (unsigned char)text[b];
        if (is_ws(c)) {
            if (!in_ws)
                rc = gal_buf_push(&out->text, ' ');
            in_ws = 1;
        } else {
            rc = gal_buf_push(&out->text, c);
            in_ws = 0;
        }
        if (marking && b + 1 >= spans[si].end) {
            out->marks.v[out->marks.n - 1].end = (uint32_t)out->text.len;
            marking = 0;
            si++;
        }
    }
    if (!rc && marking)
        out->marks.v[out->marks.n - 1].end = (uint32_t)out->text.len;
    if (!rc && we < to)
        rc = gal_buf_append(&out->text, ellipsis, 3);
    return rc;
}
