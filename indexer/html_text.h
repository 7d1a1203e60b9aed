/*
 * html_text.h — the text a reader of an HTML page sees, for the WARC reader
 * (reader_warc.c): its <title>, and its body as lines of words.
 *
 * What is dropped: tags, comments, <!DOCTYPE> and <?...?>, and whatever is
 * inside <script>, <style>, <noscript>, <template>, <svg>, <math>, <iframe>,
 * <object> and <select>, which is never read as text.  Block elements (p,
 * div, br, li, headings, table rows...) end a line; table cells and images
 * leave a space, and so does the start of a link (menus set links side by
 * side with no space between them); other inline elements (b, span...)
 * leave nothing, so "Gal<b>ley</b>" stays one word as a browser shows it.  Runs of white space
 * become one space, or one newline where a line ended.  Character
 * references are decoded: numeric ones (those of 128 to 159 read as
 * windows-1252, as browsers do) and the named ones news pages use (a table
 * of about a hundred: quotes, dashes, currency, accented Latin letters);
 * an unknown name is kept as written.
 *
 * The page's bytes are read as UTF-8, or as windows-1252 (a superset of
 * ISO 8859-1 that browsers use for it) when told so: gal_html_charset()
 * reads the name from an HTTP Content-Type or a <meta> tag.  A page in
 * another charset is converted to UTF-8 first (charset_convert.h).
 */
#ifndef GAL_HTML_TEXT_H
#define GAL_HTML_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef enum gal_charset {
    GAL_CHARSET_UNKNOWN = 0, /* nothing said: UTF-8 */
    GAL_CHARSET_UTF8,
    GAL_CHARSET_CP1252,      /* windows-1252, ISO 8859-1, US-ASCII */
    GAL_CHARSET_OTHER,       /* anything else: by name, charset_convert.h */
} gal_charset;

/* Longest charset name kept (the IANA registry's longest is 45 bytes). */
#define GAL_CHARSET_NAME_MAX 48

/* The charset named by a "charset=" parameter in s[0, n) (an HTTP
 * Content-Type value), or GAL_CHARSET_UNKNOWN when there is none.  For
 * GAL_CHARSET_OTHER, name (when not NULL) gets the name as written,
 * NUL-terminated (empty when longer than GAL_CHARSET_NAME_MAX - 1). */
gal_charset gal_html_charset(const char *s, size_t n, char *name);

/* The charset a <meta charset> or <meta http-equiv="Content-Type"> in the
 * first kilobytes of the page names, or GAL_CHARSET_UNKNOWN; name as
 * above. */
gal_charset gal_html_meta_charset(const uint8_t *html, size_t n, char *name);

/* Append s[0, n), read as windows-1252, to out as UTF-8.  Only GAL_ENOMEM. */
int gal_cp1252_to_utf8(gal_buf *out, const uint8_t *s, size_t n);

/* Append the page html[0, n)'s title to title and its text to text (neither
 * is cleared); cp1252: read its bytes as windows-1252.  Only GAL_ENOMEM. */
int gal_html_text(const uint8_t *html, size_t n, int cp1252, gal_buf *title, gal_buf *text);

#endif
