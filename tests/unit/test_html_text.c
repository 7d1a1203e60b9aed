/*
 * test_html_text.c — HTML pages to the title and text the WARC reader
 * indexes (indexer/html_text.c): what is dropped, where lines and spaces
 * fall, character references, windows-1252, charset names and other
 * charsets converted (charset_convert.c), and broken
 * markup that must neither crash nor lose the text before it.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "charset_convert.h"
#include "html_text.h"

typedef struct page {
    gal_buf title, text;
} page;

/* title and text of html, read as UTF-8 or windows-1252; compared as C
 * strings by the callers */
static page convert(const char *html, size_t n, int cp1252)
{
    page p;
    gal_buf_init(&p.title);
    gal_buf_init(&p.text);
    CHECK(gal_html_text((const uint8_t *)html, n, cp1252, &p.title, &p.text) == 0);
    gal_buf_push(&p.title, '\0');
    gal_buf_push(&p.text, '\0');
    return p;
}

static void release(page *p)
{
    gal_buf_release(&p->title);
    gal_buf_release(&p->text);
}

#define EXPECT(html, want_title, want_text)                                               \
    do {                                                                                  \
        page p_ = convert(html, strlen(html), 0);                                         \
        CHECK(strcmp((const char *)p_.title.data, want_title) == 0);                      \
        CHECK(strcmp((const char *)p_.text.data, want_text) == 0);                        \
        if (strcmp((const char *)p_.text.data, want_text) != 0)                           \
            fprintf(stderr, "  got text [%s]\n", (const char *)p_.text.data);             \
        release(&p_);                                                                     \
    } while (0)

static void test_structure(void)
{
    EXPECT("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title> Rates\n held </title>"
           "<script>document.write('<p>not text</p>')</script><style>p { color: red }</style>"
           "</head><body><h1>Bank holds rates</h1><p>The bank held rates.</p><p>Next   line</p>"
           "</body></html>",
           "Rates held", "Bank holds rates\nThe bank held rates.\nNext line");
    /* inline elements join, cells and images space, br breaks; links
     * space where they start, not where they end */
    EXPECT("<nav><a href=\"/\">Home</a><a href=\"/w\">World</a></nav><p>said <a>Trump</a>, "
           "<span>T</span>he</p>",
           "", "Home World\nsaid Trump, The");
    EXPECT("<p>Gal<b>ley</b> and <a href=\"/x\">links</a></p><table><tr><td>a</td><td>b</td></tr>"
           "<tr><td>c</td></tr></table>one<br>two<br/>three<img src=x>four",
           "", "Galley and links\na b\nc\none\ntwo\nthree four");
    /* comments, processing instructions, CDATA-like declarations vanish */
    EXPECT("<p>before<!-- a <p>comment</p> --> after<?php echo 1 ?> end<![CDATA[x]]></p>", "",
           "before after end");
    /* quoted attribute values may hold '>' */
    EXPECT("<a title=\"a > b\" data-x='c>d'>kept</a>", "", "kept");
    /* only the first title; one inside svg is the drawing's, skipped with it */
    EXPECT("<svg><title>icon</title></svg><title>First</title><title>Second</title><p>x</p>",
           "First", "x");
    /* a self-closing svg skips nothing */
    EXPECT("<p>a<svg/>b</p>", "", "ab");
    /* a '<' that starts no tag is text */
    EXPECT("<p>3 < 4 and 5<6, a <= b</p>", "", "3 < 4 and 5<6, a <= b");
    /* element names are case-insensitive */
    EXPECT("<TITLE>Up</TITLE><SCRIPT>x=1</SCRIPT><P>Body</P>", "Up", "Body");
    /* noscript, template, iframe, select content is never text */
    EXPECT("a<noscript>enable js</noscript>b<template><p>t</p></template>c"
           "<select><option>o</option></select>d",
           "", "abcd");
}

static void test_references(void)
{
    EXPECT("<p>Tom &amp; Jerry &lt;3 &quot;q&quot; &apos;s&apos;</p>", "",
           "Tom & Jerry <3 \"q\" 's'");
    EXPECT("<p>caf&eacute; &Eacute;t&eacute; &euro;5 &pound;3 &ndash; &mdash; &hellip;</p>", "",
           "caf\xc3\xa9 \xc3\x89t\xc3\xa9 \xe2\x82\xac" "5 \xc2\xa3" "3 \xe2\x80\x93 \xe2\x80\x94 "
           "\xe2\x80\xa6");
    EXPECT("<p>&ldquo;quote&rdquo; &lsquo;x&rsquo;</p>", "",
           "\xe2\x80\x9cquote\xe2\x80\x9d \xe2\x80\x98x\xe2\x80\x99");
    /* numeric, decimal and hex; 128-159 read as windows-1252 */
    EXPECT("<p>&#233;&#xE9;&#X20AC; &#150; &#0; &#x110000;</p>", "",
           "\xc3\xa9\xc3\xa9\xe2\x82\xac \xe2\x80\x93 \xef\xbf\xbd \xef\xbf\xbd");
    /* no-break spaces space words */
    EXPECT("<p>5&nbsp;pct&#160;rise</p>", "", "5 pct rise");
    /* unknown names, a missing ';', a bare '&' stay as written */
    EXPECT("<p>&bogus; &amp &#; &#xZZ; AT&T</p>", "", "&bogus; &amp &#; &#xZZ; AT&T");
    /* references in the title too */
    EXPECT("<title>Q&amp;A &ndash; news</title>", "Q&A \xe2\x80\x93 news", "");
}

static void test_cp1252(void)
{
    const char html[] = "<title>Caf\xe9</title><p>\x93Na\xefve\x94 \x80" "5 \x81</p>";
    page p = convert(html, sizeof html - 1, 1);
    CHECK(strcmp((const char *)p.title.data, "Caf\xc3\xa9") == 0);
    CHECK(strcmp((const char *)p.text.data,
                 "\xe2\x80\x9cNa\xc3\xafve\xe2\x80\x9d \xe2\x82\xac" "5 \xc2\x81") == 0);
    release(&p);
    /* read as UTF-8 the same bytes go through as they are */
    p = convert(html, sizeof html - 1, 0);
    CHECK(strcmp((const char *)p.title.data, "Caf\xe9") == 0);
    release(&p);

    gal_buf b;
    gal_buf_init(&b);
    CHECK(gal_cp1252_to_utf8(&b, (const uint8_t *)"a\xe9\x96", 3) == 0);
    CHECK(b.len == 6 && memcmp(b.data, "a\xc3\xa9\xe2\x80\x93", 6) == 0);
    gal_buf_release(&b);
}

static void test_charsets(void)
{
#define CS(s) gal_html_charset(s, strlen(s), NULL)
    CHECK(CS("text/html; charset=utf-8") == GAL_CHARSET_UTF8);
    CHECK(CS("text/html;charset=\"UTF8\"") == GAL_CHARSET_UTF8);
    CHECK(CS("text/html; Charset=ISO-8859-1") == GAL_CHARSET_CP1252);
    CHECK(CS("text/html; charset=windows-1252; q=1") == GAL_CHARSET_CP1252);
    CHECK(CS("text/plain; charset=us-ascii") == GAL_CHARSET_CP1252);
    CHECK(CS("text/html; charset=shift_jis") == GAL_CHARSET_OTHER);
    CHECK(CS("text/html") == GAL_CHARSET_UNKNOWN);
    CHECK(CS("text/html; charset=") == GAL_CHARSET_UNKNOWN);
#undef CS
#define META(s) gal_html_meta_charset((const uint8_t *)s, strlen(s), NULL)
    CHECK(META("<html><head><meta charset=\"windows-1252\"><title>x</title>") ==
          GAL_CHARSET_CP1252);
    CHECK(META("<META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=iso-8859-1\">") ==
          GAL_CHARSET_CP1252);
    CHECK(META("<meta name=\"x\" content=\"y\"><meta charset=utf-8/>") == GAL_CHARSET_UTF8);
    CHECK(META("<p>charset=latin1 in the text is not a meta</p>") == GAL_CHARSET_UNKNOWN);
    /* a meta read as ASCII that says UTF-16 is wrong: UTF-8, as browsers do */
    CHECK(META("<meta charset=\"UTF-16LE\">") == GAL_CHARSET_UTF8);
#undef META
    /* only the first kilobytes are looked at */
    size_t n = 8192;
    char *late = malloc(n + 64);
    memset(late, ' ', n);
    strcpy(late + n, "<meta charset=\"latin1\">");
    CHECK(gal_html_meta_charset((const uint8_t *)late, strlen(late), NULL) == GAL_CHARSET_UNKNOWN);
    free(late);
}

/* Broken pages: whatever came before the break is kept, nothing crashes,
 * and no prefix of a page reads past its end. */
static void test_broken(void)
{
    EXPECT("<p>kept</p><!-- never closed <p>lost", "", "kept");
    EXPECT("<p>kept</p><script>never closed", "", "kept");
    EXPECT("<p>kept</p><a href=\"never closed", "", "kept");
    EXPECT("<title>no end", "no end", "");
    EXPECT("text ending in <", "", "text ending in <");
    EXPECT("", "", "");
    EXPECT("<<<>>>", "", "<<<>>>");
    const char *page_src =
        "<html><head><title>T &amp; x</title><script>a<b</script></head><body><p>one "
        "&eacute;<b>t</b>wo<!-- c --></p><table><td>x</td></table>&#x41;&#65;</body></html>";
    size_t n = strlen(page_src);
    for (size_t k = 0; k <= n; k++) {
        char *copy = malloc(k ? k : 1); /* exactly k bytes: ASan sees a read past them */
        memcpy(copy, page_src, k);
        page p = convert(copy, k, 0);
        CHECK(p.text.len <= n + 1);
        release(&p);
        free(copy);
    }
}

/* Conversion from a named charset (charset_convert.c): known ones, bytes
 * that are not of the charset, a sequence cut by a step of the converter,
 * a name iconv does not know. */
static void test_convert(void)
{
    gal_charset_conv c;
    gal_charset_conv_init(&c);
    gal_buf out;
    gal_buf_init(&out);
    /* KOI8-R, then Shift_JIS with a lone lead byte at the end */
    CHECK(gal_charset_to_utf8(&c, "koi8-r", (const uint8_t *)"\xed\xcf\xd3\xcb\xd7\xc1", 6, &out) == 0);
    CHECK(out.len == 12 && !memcmp(out.data, "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0", 12));
    gal_buf_clear(&out);
    CHECK(gal_charset_to_utf8(&c, "SHIFT_JIS", (const uint8_t *)"\x93\x8c" "a\x81", 4, &out) == 0);
    CHECK(out.len == 7 && !memcmp(out.data, "\xe6\x9d\xb1" "a\xef\xbf\xbd", 7));
    /* an invalid byte in the middle: replaced, and the rest still read */
    gal_buf_clear(&out);
    CHECK(gal_charset_to_utf8(&c, "EUC-JP", (const uint8_t *)"x\xff\xa4\xa2y", 5, &out) == 0);
    CHECK(out.len == 8 && !memcmp(out.data, "x\xef\xbf\xbd\xe3\x81\x82y", 8));
    /* 40,001 bytes: the converter's steps of 16 kB cut two-byte sequences */
    size_t pairs = 20000;
    uint8_t *big = malloc(2 * pairs + 1);
    big[0] = 'a';
    for (size_t i = 0; i < pairs; i++)
        memcpy(big + 1 + 2 * i, "\x93\x8c", 2);
    gal_buf_clear(&out);
    CHECK(gal_charset_to_utf8(&c, "shift_jis", big, 2 * pairs + 1, &out) == 0);
    int whole = out.len == 1 + 3 * pairs && out.data[0] == 'a';
    for (size_t i = 0; whole && i < pairs; i++)
        whole = !memcmp(out.data + 1 + 3 * i, "\xe6\x9d\xb1", 3);
    CHECK(whole);
    free(big);
    /* unknown: nothing appended */
    gal_buf_clear(&out);
    CHECK(gal_charset_to_utf8(&c, "x-no-such-charset", (const uint8_t *)"abc", 3, &out) == 1);
    CHECK(out.len == 0);
    CHECK(gal_charset_to_utf8(&c, "", (const uint8_t *)"abc", 3, &out) == 1);
    /* the name as written comes back for another charset */
    char name[GAL_CHARSET_NAME_MAX];
    const char *ctype = "text/html; charset=\"Shift_JIS\"";
    CHECK(gal_html_charset(ctype, strlen(ctype), name) == GAL_CHARSET_OTHER);
    CHECK(!strcmp(name, "Shift_JIS"));
    gal_buf_release(&out);
    gal_charset_conv_release(&c);
}

int main(void)
{
    test_structure();
    test_references();
    test_cp1252();
    test_charsets();
    test_broken();
    test_convert();
    return check_exit("test_html_text");
}
