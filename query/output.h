/*
 * output.h — hits rendered for people (a terminal) and for scripts (JSON).
 *
 * Everything is appended to a gal_buf, so a caller writes one query's output
 * with one fwrite and tests compare bytes.
 */
#ifndef GAL_OUTPUT_H
#define GAL_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "snippet.h"

/* One hit as shown. */
typedef struct gal_hit_view {
    size_t rank; /* 1-based, offset included */
    uint32_t doc;
    double score;
    const char *id, *date, *url, *source;
    size_t id_len, date_len, url_len, source_len;
    const char *index; /* the index the hit is in, when several were searched; else NULL */
    const gal_excerpt *title;   /* trimmed title with its matches */
    const gal_excerpt *snippet; /* body excerpt with its matches */
    const gal_span *matches;    /* byte ranges in the stored text (title '\n' body) */
    size_t nmatches;
} gal_hit_view;

/* s[0, n) as a JSON string literal: quotes, backslash and control bytes
 * escaped, each byte of malformed UTF-8 replaced by \ufffd. */
int gal_json_string(gal_buf *b, const char *s, size_t n);

/* One JSON object and '\n'.  query may be NULL (then no "query" key). */
int gal_out_hit_json(gal_buf *b, const gal_hit_view *h, const char *query, size_t query_len);

/* Three lines for a terminal: rank, score, date, title; id, doc, source;
 * snippet.  color: ANSI bold titles and highlighted matches. */
int gal_out_hit_people(gal_buf *b, const gal_hit_view *h, int color);

/* s[0, n) for a terminal onto b: control bytes (ESC included) and DEL as
 * '?', but for newlines and tabs when lines is set. */
int gal_out_safe(gal_buf *b, const char *s, size_t n, int lines);

#endif
