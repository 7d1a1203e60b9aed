/*
 * html_text.c — HTML to the text a reader sees (html_text.h): one pass over
 * the page, no tree.  Pages in archives are often broken; nothing here
 * fails on them: an unclosed comment or skipped element runs to the end of
 * the page, an unclosed tag drops the rest.
 */
#include "html_text.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reader_formats.h" /* gal_rd_put_utf8 */
#include "status.h"

/* windows-1252's bytes 0x80–0x9F; the five it leaves undefined keep their
 * C1 code points, as browsers do. */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

static uint32_t cp1252(uint8_t c)
{
    return c >= 0x80 && c < 0xA0 ? cp1252_high[c - 0x80] : c;
}

int gal_cp1252_to_utf8(gal_buf *out, const uint8_t *s, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = s[i] < 0x80 ? gal_buf_push(out, s[i]) : gal_rd_put_utf8(out, cp1252(s[i]));
    return rc;
}

/* The named references news pages use. */
static const struct {
    const char *name;
    uint32_t cp;
} named[] = {
    {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''},
    {"nbsp", 0xA0}, {"ensp", 0x2002}, {"emsp", 0x2003}, {"thinsp", 0x2009},
    {"shy", 0xAD}, {"zwj", 0x200D}, {"zwnj", 0x200C},
    {"ndash", 0x2013}, {"mdash", 0x2014}, {"hellip", 0x2026}, {"bull", 0x2022},
    {"middot", 0xB7}, {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"sbquo", 0x201A},
    {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"bdquo", 0x201E}, {"laquo", 0xAB},
    {"raquo", 0xBB}, {"lsaquo", 0x2039}, {"rsaquo", 0x203A}, {"prime", 0x2032},
    {"Prime", 0x2033}, {"dagger", 0x2020}, {"Dagger", 0x2021}, {"sect", 0xA7},
    {"para", 0xB6}, {"copy", 0xA9}, {"reg", 0xAE}, {"trade", 0x2122}, {"deg", 0xB0},
    {"plusmn", 0xB1}, {"times", 0xD7}, {"divide", 0xF7}, {"frac12", 0xBD},
    {"frac14", 0xBC}, {"frac34", 0xBE}, {"sup2", 0xB2}, {"sup3", 0xB3}, {"micro", 0xB5},
    {"permil", 0x2030}, {"euro", 0x20AC}, {"pound", 0xA3}, {"yen", 0xA5}, {"cent", 0xA2},
    {"curren", 0xA4}, {"iexcl", 0xA1}, {"iquest", 0xBF}, {"ordf", 0xAA}, {"ordm", 0xBA},
    {"Agrave", 0xC0}, {"Aacute", 0xC1}, {"Acirc", 0xC2}, {"Atilde", 0xC3}, {"Auml", 0xC4},
    {"Aring", 0xC5}, {"AElig", 0xC6}, {"Ccedil", 0xC7}, {"Egrave", 0xC8}, {"Eacute", 0xC9},
    {"Ecirc", 0xCA}, {"Euml", 0xCB}, {"Igrave", 0xCC}, {"Iacute", 0xCD}, {"Icirc", 0xCE},
    {"Iuml", 0xCF}, {"ETH", 0xD0}, {"Ntilde", 0xD1}, {"Ograve", 0xD2}, {"Oacute", 0xD3},
    {"Ocirc", 0xD4}, {"Otilde", 0xD5}, {"Ouml", 0xD6}, {"Oslash", 0xD8}, {"Ugrave", 0xD9},
    {"Uacute", 0xDA}, {"Ucirc", 0xDB}, {"Uuml", 0xDC}, {"Yacute", 0xDD}, {"THORN", 0xDE},
    {"szlig", 0xDF}, {"agrave", 0xE0}, {"aacute", 0xE1}, {"acirc", 0xE2}, {"atilde", 0xE3},
    {"auml", 0xE4}, {"aring", 0xE5}, {"aelig", 0xE6}, {"ccedil", 0xE7}, {"egrave", 0xE8},
    {"eacute", 0xE9}, {"ecirc", 0xEA}, {"euml", 0xEB}, {"igrave", 0xEC}, {"iacute", 0xED},
    {"icirc", 0xEE}, {"iuml", 0xEF}, {"eth", 0xF0}, {"ntilde", 0xF1}, {"ograve", 0xF2},
    {"oacute", 0xF3}, {"ocirc", 0xF4}, {"otilde", 0xF5}, {"ouml", 0xF6}, {"oslash", 0xF8},
    {"ugrave", 0xF9}, {"uacute", 0xFA}, {"ucirc", 0xFB}, {"uuml", 0xFC}, {"yacute", 0xFD},
    {"thorn", 0xFE}, {"yuml", 0xFF}, {"Scaron", 0x160}, {"scaron", 0x161}, {"Zcaron", 0x17D},
    {"zcaron", 0x17E}, {"OElig", 0x152}, {"oelig", 0x153}, {"Yuml", 0x178}, {"fnof", 0x192},
};

/* What an element does to the text, by its name. */
enum {
    EL_INLINE, /* nothing: "Gal<b>ley</b>" stays one word */
    EL_BLOCK,  /* ends a line where it starts or ends */
    EL_SPACED, /* a space: cells and replaced content */
    EL_LINK,   /* a space where it starts: menus set links side by side with
                * no space between them, which a browser shows apart; a link
                * ends before punctuation as often */
    EL_SKIP,   /* its content is never read as text */
    EL_TITLE,
};

/* Sorted by name (bsearch): every page has hundreds of tags. */
static const struct element {
    const char *name;
    int kind;
} elements[] = {
    {"a", EL_LINK},          {"address", EL_BLOCK},    {"article", EL_BLOCK},
    {"aside", EL_BLOCK},     {"blockquote", EL_BLOCK}, {"body", EL_BLOCK},
    {"br", EL_BLOCK},        {"button", EL_SPACED},    {"caption", EL_BLOCK},
    {"dd", EL_BLOCK},        {"details", EL_BLOCK},    {"div", EL_BLOCK},
    {"dl", EL_BLOCK},        {"dt", EL_BLOCK},         {"fieldset", EL_BLOCK},
    {"figcaption", EL_BLOCK}, {"figure", EL_BLOCK},    {"footer", EL_BLOCK},
    {"form", EL_BLOCK},      {"h1", EL_BLOCK},         {"h2", EL_BLOCK},
    {"h3", EL_BLOCK},        {"h4", EL_BLOCK},         {"h5", EL_BLOCK},
    {"h6", EL_BLOCK},        {"head", EL_BLOCK},       {"header", EL_BLOCK},
    {"hr", EL_BLOCK},        {"html", EL_BLOCK},       {"iframe", EL_SKIP},
    {"img", EL_SPACED},      {"input", EL_SPACED},     {"li", EL_BLOCK},
    {"main", EL_BLOCK},      {"math", EL_SKIP},        {"nav", EL_BLOCK},
    {"noscript", EL_SKIP},   {"object", EL_SKIP},      {"ol", EL_BLOCK},
    {"option", EL_SPACED},   {"p", EL_BLOCK},          {"pre", EL_BLOCK},
    {"script", EL_SKIP},     {"section", EL_BLOCK},    {"select", EL_SKIP},
    {"style", EL_SKIP},      {"summary", EL_BLOCK},    {"svg", EL_SKIP},
    {"table", EL_BLOCK},     {"td", EL_SPACED},        {"template", EL_SKIP},
    {"th", EL_SPACED},       {"title", EL_TITLE},      {"tr", EL_BLOCK},
    {"ul", EL_BLOCK},
};

static int by_name(const void *key, const void *el)
{
    return strcmp(key, ((const struct element *)el)->name);
}

static int element_kind(const char *name)
{
    const struct element *e =
        bsearch(name, elements, sizeof elements / sizeof *elements, sizeof *elements, by_name);
    return e ? e->kind : EL_INLINE;
}

/* Text being written with white space collapsed: nothing before the first
 * word, a pending space or newline written only before the next one. */
typedef struct writer {
    gal_buf *b;
    size_t start;
    int gap; /* 0, 1 a space, 2 a newline */
    bool cp1252;
    bool one_line; /* newlines become spaces (the title) */
} writer;

static void gap(writer *w, int kind)
{
    if (w->one_line && kind > 1)
        kind = 1;
    if (kind > w->gap)
        w->gap = kind;
}

static int begin_word(writer *w)
{
    int g = w->gap;
    w->gap = 0;
    if (g && w->b->len > w->start)
        return gal_buf_push(w->b, g == 2 ? '\n' : ' ');
    return 0;
}

static int put_cp(writer *w, uint32_t cp)
{
    if (cp == 0xA0) { /* a no-break space spaces words like any other */
        gap(w, 1);
        return 0;
    }
    int rc = begin_word(w);
    return rc ? rc : gal_rd_put_utf8(w->b, cp);
}

static bool is_letter(uint8_t c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static bool is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* The character reference at d[i] == '&' in d[i, n): its code point and
 * length, or 0 when it is not one (the '&' is then text). */
static size_t reference(const uint8_t *d, size_t i, size_t n, uint32_t *cp)
{
    size_t max = n - i < 34 ? n - i : 34;
    const uint8_t *semi = memchr(d + i, ';', max);
    if (!semi)
        return 0;
    const char *nm = (const char *)d + i + 1;
    size_t len = (size_t)(semi - d) - i - 1;
    uint32_t v;
    if (gal_rd_numeric_ref(nm, len, &v)) {
        *cp = v == 0 || v > 0x10FFFF ? 0xFFFD : v < 0xA0 && v >= 0x80 ? cp1252((uint8_t)v) : v;
        return len + 2;
    }
    for (size_t k = 0; k < sizeof named / sizeof *named; k++)
        if (strlen(named[k].name) == len && memcmp(named[k].name, nm, len) == 0) {
            *cp = named[k].cp;
            return len + 2;
        }
    return 0;
}

/* Bytes that end a run of plain text: white space, '&', and (read as
 * windows-1252) the bytes from 0x80 up. */
enum { PLAIN = 0, SPACE = 1, AMP = 2, HIGH = 4 };

static uint8_t cls[256];
static pthread_once_t classes_once = PTHREAD_ONCE_INIT;

static void classes_init(void)
{
    for (unsigned c = 0; c < 256; c++)
        cls[c] = is_space((uint8_t)c) ? SPACE : c == '&' ? AMP : c >= 0x80 ? HIGH : PLAIN;
}

/* Write the text d[from, to), references decoded.  Words and the single
 * spaces between them, the most of any page's text, are copied in runs. */
static int put_text(writer *w, const uint8_t *d, size_t from, size_t to)
{
    pthread_once(&classes_once, classes_init);
    const uint8_t stop = w->cp1252 ? SPACE | AMP | HIGH : SPACE | AMP;
    size_t i = from;
    while (i < to) {
        uint8_t c = d[i];
        if (is_space(c)) {
            gap(w, 1);
            i++;
            continue;
        }
        uint32_t cp;
        size_t len;
        if (c == '&' && (len = reference(d, i, to, &cp)) != 0) {
            int rc = put_cp(w, cp);
            if (rc)
                return rc;
            i += len;
            continue;
        }
        if (c >= 0x80 && w->cp1252) {
            int rc = put_cp(w, cp1252(c));
            if (rc)
                return rc;
            i++;
            continue;
        }
        /* a run of plain bytes, single spaces between words included */
        size_t j = i + 1;
        while (j < to) {
            uint8_t k = cls[d[j]] & stop;
            if (!k) {
                j++;
            } else if (d[j] == ' ' && j + 1 < to && !(cls[d[j + 1]] & stop)) {
                j += 2;
            } else {
                break;
            }
        }
        int rc = begin_word(w);
        if (rc || (rc = gal_buf_append(w->b, d + i, j - i)))
            return rc;
        i = j;
    }
    return 0;
}

/* Offset of "</name" followed by '>', a blank or '/', from `from` on; n when
 * there is none. */
static size_t find_end_tag(const uint8_t *d, size_t n, size_t from, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = from; i + 2 + nl <= n; i++) {
        const uint8_t *lt = memchr(d + i, '<', n - i);
        if (!lt)
            return n;
        i = (size_t)(lt - d);
        if (i + 2 + nl > n)
            return n;
        if (d[i + 1] == '/' && strncasecmp((const char *)d + i + 2, name, nl) == 0 &&
            (i + 2 + nl == n || d[i + 2 + nl] == '>' || d[i + 2 + nl] == '/' ||
             is_space(d[i + 2 + nl])))
            return i;
    }
    return n;
}

/* Just past the '>' that closes the tag whose name ends before `from`,
 * stepping over quoted attribute values; n when the page ends first. */
static size_t tag_close(const uint8_t *d, size_t n, size_t from, bool *self_closing)
{
    uint8_t quote = 0;
    for (size_t i = from; i < n; i++) {
        uint8_t c = d[i];
        if (quote) {
            if (c == quote)
                quote = 0;
        } else if (c == '"' || c == '\'') {
            if (i > from && d[i - 1] == '=') /* a value, not a stray quote */
                quote = c;
        } else if (c == '>') {
            *self_closing = i > from && d[i - 1] == '/';
            return i + 1;
        }
    }
    return n;
}

/* Just past the first "needle" (ASCII, any case) from `from` on; n when none. */
static size_t skip_past(const uint8_t *d, size_t n, size_t from, const char *needle)
{
    size_t nl = strlen(needle);
    uint8_t first = (uint8_t)(needle[0] | 0x20);
    for (size_t i = from; i + nl <= n; i++)
        if ((d[i] | 0x20) == first && strncasecmp((const char *)d + i, needle, nl) == 0)
            return i + nl;
    return n;
}

int gal_html_text(const uint8_t *d, size_t n, int cp1252, gal_buf *title, gal_buf *text)
{
    writer body = {text, text->len, 0, cp1252 != 0, false};
    writer head = {title, title->len, 0, cp1252 != 0, true};
    bool have_title = false;
    size_t i = 0;
    int rc = 0;
    while (i < n && !rc) {
        const uint8_t *lt = memchr(d + i, '<', n - i);
        size_t at = lt ? (size_t)(lt - d) : n;
        if ((rc = put_text(&body, d, i, at)) || at == n)
            break;
        i = at;
        if (i + 1 == n) /* a '<' ending the page */
            return put_text(&body, d, i, n);
        uint8_t next = d[i + 1];
        if (next == '!') {
            i = n - i >= 4 && memcmp(d + i, "<!--", 4) == 0 ? skip_past(d, n, i + 4, "-->")
                                                            : skip_past(d, n, i + 2, ">");
            continue;
        }
        if (next == '?') {
            i = skip_past(d, n, i + 2, ">");
            continue;
        }
        bool closing = next == '/';
        size_t s = i + 1 + closing, e = s;
        char name[16];
        size_t nl = 0;
        while (e < n && (is_letter(d[e]) || (e > s && (is_digit(d[e]) || d[e] == '-' || d[e] == ':')))) {
            if (nl + 1 < sizeof name)
                name[nl++] = (char)(d[e] | 0x20);
            e++;
        }
        name[nl] = '\0';
        if (e == s) { /* "<" not starting a tag: text */
            rc = put_text(&body, d, i, i + 1);
            i++;
            continue;
        }
        bool self_closing = false;
        i = tag_close(d, n, e, &self_closing);
        int kind = element_kind(name);
        if (kind == EL_BLOCK || kind == EL_TITLE)
            gap(&body, 2);
        else if (kind == EL_SPACED || (kind == EL_LINK && !closing))
            gap(&body, 1);
        if (closing || self_closing || (kind != EL_SKIP && kind != EL_TITLE))
            continue;
        /* the content up to the end tag: skipped, or the (first) title */
        size_t end = find_end_tag(d, n, i, name);
        if (kind == EL_TITLE && !have_title) {
            have_title = true;
            rc = put_text(&head, d, i, end);
        }
        i = end == n ? n : skip_past(d, n, end, ">");
    }
    return rc;
}

/* The charset a name says. */
static gal_charset charset_named(const char *s, size_t n)
{
    static const char *const utf8[] = {"utf-8", "utf8"};
    static const char *const latin[] = {"windows-1252", "cp1252",     "iso-8859-1", "iso8859-1",
                                        "latin1",       "latin-1",    "l1",         "us-ascii",
                                        "ascii",        "x-cp1252",   "iso_8859-1"};
    for (size_t i = 0; i < sizeof utf8 / sizeof *utf8; i++)
        if (strlen(utf8[i]) == n && strncasecmp(s, utf8[i], n) == 0)
            return GAL_CHARSET_UTF8;
    for (size_t i = 0; i < sizeof latin / sizeof *latin; i++)
        if (strlen(latin[i]) == n && strncasecmp(s, latin[i], n) == 0)
            return GAL_CHARSET_CP1252;
    return n ? GAL_CHARSET_OTHER : GAL_CHARSET_UNKNOWN;
}

gal_charset gal_html_charset(const char *s, size_t n, char *name)
{
    size_t at = skip_past((const uint8_t *)s, n, 0, "charset=");
    if (at == n)
        return GAL_CHARSET_UNKNOWN;
    if (at < n && (s[at] == '"' || s[at] == '\''))
        at++;
    size_t end = at;
    while (end < n && s[end] != '"' && s[end] != '\'' && s[end] != ';' && s[end] != '>' &&
           s[end] != '/' && !is_space((uint8_t)s[end]))
        end++;
    gal_charset cs = charset_named(s + at, end - at);
    if (name && cs == GAL_CHARSET_OTHER) {
        size_t len = end - at < GAL_CHARSET_NAME_MAX ? end - at : 0;
        memcpy(name, s + at, len);
        name[len] = '\0';
    }
    return cs;
}

/* How far into a page its <meta> charset is looked for. */
#define META_SCAN_BYTES 4096

gal_charset gal_html_meta_charset(const uint8_t *html, size_t n, char *name)
{
    if (n > META_SCAN_BYTES)
        n = META_SCAN_BYTES;
    for (size_t i = 0; (i = skip_past(html, n, i, "<meta")) < n;) {
        bool self_closing;
        size_t end = tag_close(html, n, i, &self_closing);
        char said[GAL_CHARSET_NAME_MAX];
        gal_charset cs = gal_html_charset((const char *)html + i, end - i, said);
        /* a <meta> that says UTF-16 was read as ASCII, so it cannot be:
         * browsers take UTF-8 then, and so does this */
        if (cs == GAL_CHARSET_OTHER && strncasecmp(said, "utf-16", 6) == 0)
            return GAL_CHARSET_UTF8;
        if (cs == GAL_CHARSET_OTHER && name)
            memcpy(name, said, sizeof said);
        if (cs != GAL_CHARSET_UNKNOWN)
            return cs;
        i = end;
    }
    return GAL_CHARSET_UNKNOWN;
}
