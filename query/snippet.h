/*
 * snippet.h — from match positions to highlighted excerpts of stored text.
 *
 * The stored text of a document is its title, '\n', its body (index.h).
 * Tokenizing it again with the indexer's rules gives every token's position,
 * so the match positions that gal_matcher_doc() reports become byte ranges.
 * An excerpt is then a window of at most max_bytes around the densest group
 * of matches, cut at whitespace, with runs of whitespace (newlines too)
 * shown as one space and "…" where the text goes on.
 */
#ifndef GAL_SNIPPET_H
#define GAL_SNIPPET_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "search.h"

typedef struct gal_span {
    uint32_t start, end; /* bytes [start, end) */
} gal_span;

typedef struct gal_spans {
    gal_span *v;
    size_t n, cap;
} gal_spans;

void gal_spans_init(gal_spans *s);
void gal_spans_release(gal_spans *s);
int gal_spans_push(gal_spans *s, uint32_t start, uint32_t end);

/* Byte ranges in text[0, len) of the token-position ranges r[0, n) (sorted),
 * for a document whose title is text[0, title_len) with title_tokens tokens.
 * Replaces out's contents. */
int gal_snippet_spans(const char *text, size_t len, size_t title_len, uint32_t title_tokens,
                      const gal_posrange *r, size_t n, gal_spans *out);

/* An excerpt: text with whitespace runs collapsed, and the highlighted
 * ranges, as byte offsets into text. */
typedef struct gal_excerpt {
    gal_buf text;
    gal_spans marks;
} gal_excerpt;

void gal_excerpt_init(gal_excerpt *e);
void gal_excerpt_release(gal_excerpt *e);

/* Excerpt of text[from, to) of about max_bytes (never cut inside a word
 * unless one word is longer than that, never inside a UTF-8 sequence)
 * around the most matches among spans[0, n) (sorted; those outside
 * [from, to) are ignored).  Replaces out's contents. */
int gal_excerpt_make(gal_excerpt *out, const char *text, size_t from, size_t to,
                     const gal_span *spans, size_t n, size_t max_bytes);

#endif
