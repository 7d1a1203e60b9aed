/*
 * test_reader.c — input listing, decompression and the four formats.
 *
 * Everything is written into a temporary directory under /tmp; gzip and
 * zstd inputs are made here with zlib and libzstd.  With argv[1] = the
 * shared folder, the JSONL and TREC versions of the shared corpora must
 * give byte-identical documents.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <brotli/encode.h>
#include <zlib.h>
#include <zstd.h>

#include "alloc.h"
#include "check.h"
#include "input_stream.h"
#include "reader.h"
#include "status.h"

static char tmpdir[64];

/* ---- collecting documents ---------------------------------------------- */

typedef struct str {
    char *p;
    size_t len;
} str;

typedef struct cdoc {
    str id, title, text, date, url;
    uint64_t line, end_offset;
} cdoc;

typedef struct coll {
    cdoc *v;
    size_t n, cap;
    size_t stop_after; /* non-zero: return 5 after this many docs */
} coll;

static str dup_str(const char *p, size_t len)
{
    str s;
    s.p = malloc(len + 1);
    if (len)
        memcpy(s.p, p, len);
    s.p[len] = '\0';
    s.len = len;
    return s;
}

static int collect(void *ctx, const gal_doc *d)
{
    coll *c = ctx;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->v = realloc(c->v, c->cap * sizeof *c->v);
    }
    cdoc *o = &c->v[c->n++];
    o->id = dup_str(d->id, d->id_len);
    o->title = dup_str(d->title, d->title_len);
    o->text = dup_str(d->text, d->text_len);
    o->date = dup_str(d->date, d->date_len);
    o->url = dup_str(d->url, d->url_len);
    o->line = d->line;
    o->end_offset = d->end_offset;
    if (c->stop_after && c->n == c->stop_after)
        return 5;
    return 0;
}

static void coll_free(coll *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].id.p);
        free(c->v[i].title.p);
        free(c->v[i].text.p);
        free(c->v[i].date.p);
        free(c->v[i].url.p);
    }
    free(c->v);
    memset(c, 0, sizeof *c);
}

static int str_is(const str *s, const char *want)
{
    return s->len == strlen(want) && memcmp(s->p, want, s->len) == 0;
}

static int str_eq(const str *a, const str *b)
{
    return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/* ---- files ------------------------------------------------------------- */

static char *tpath(const char *name)
{
    static char buf[8][512];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, sizeof buf[0], "%s/%s", tmpdir, name);
    return p;
}

static void write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    if (len)
        fwrite(data, 1, len, f);
    fclose(f);
}

static void write_str(const char *path, const char *s)
{
    write_bytes(path, s, strlen(s));
}

static unsigned char *gzip_bytes(const void *data, size_t len, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    size_t cap = deflateBound(&z, len) + 64;
    unsigned char *out = malloc(cap);
    z.next_in = (unsigned char *)data;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

static unsigned char *zstd_bytes(const void *data, size_t len, size_t *out_len)
{
    size_t cap = ZSTD_compressBound(len);
    unsigned char *out = malloc(cap);
    *out_len = ZSTD_compress(out, cap, data, len, 3);
    return out;
}

/* Concatenate two compressed parts into one file. */
static void write_two(const char *path, unsigned char *a, size_t an, unsigned char *b, size_t bn)
{
    unsigned char *all = malloc(an + bn);
    memcpy(all, a, an);
    memcpy(all + an, b, bn);
    write_bytes(path, all, an + bn);
    free(all);
    free(a);
    free(b);
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

/* ---- reading, with stderr captured -------------------------------------- */

static char warnings[8192];

typedef struct result {
    int rc;
    coll docs;
    gal_read_stats stats;
    char detail[1024];
} result;

static result read_opts(const char *path, const gal_read_opts *opts, size_t stop_after)
{
    result r;
    memset(&r, 0, sizeof r);
    r.docs.stop_after = stop_after;
    fflush(stderr);
    int saved = dup(2);
    char wpath[600];
    snprintf(wpath, sizeof wpath, "%s/stderr.txt", tmpdir);
    int fd = open(wpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
    gal_error_clear();
    r.rc = gal_read_file(path, opts, collect, &r.docs, &r.stats);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    snprintf(r.detail, sizeof r.detail, "%s", r.rc ? gal_error_detail(r.rc) : "");
    FILE *f = fopen(wpath, "rb");
    size_t n = f ? fread(warnings, 1, sizeof warnings - 1, f) : 0;
    warnings[n] = '\0';
    if (f)
        fclose(f);
    return r;
}

static result read_with(const char *path, gal_format format, int strict, int quiet)
{
    gal_read_opts opts = {.format = format, .strict = strict, .quiet = quiet};
    return read_opts(path, &opts, 0);
}

static result read_str(const char *name, const char *content, int strict)
{
    char *p = tpath(name);
    write_str(p, content);
    return read_with(p, GAL_FORMAT_AUTO, strict, 0);
}

/* ---- JSONL --------------------------------------------------------------- */

static void test_jsonl_fields(void)
{
    result r = read_str("fields.jsonl",
                        "{\"id\":\"a1\",\"title\":\"T\",\"text\":\"B\",\"date\":\"2025-01-02\",\"url\":\"http://x/\"}\n"
                        "{\"headline\":\"H\",\"body\":\"b1\",\"date_publish\":\"d1\",\"link\":\"L\"}\n"
                        "{\"content\":\"c\",\"published\":\"d2\"}\n"
                        "{\"maintext\":\"m\",\"publish_date\":\"d3\",\"id\":42}\n"
                        "{\"id\":-1.5e3,\"title\":\"\",\"headline\":\"won\"}\n"
                        "{\"text\":\"\",\"body\":\"nonempty\",\"title\":\"first\",\"headline\":\"second\"}\n"
                        "{\"maintext\":\"low\",\"text\":\"high\",\"title\":null,\"url\":5}\n"
                        "{}\n",
                        0);
    CHECK(r.rc == 0);
    CHECK_EQ_U64(r.docs.n, 8);
    CHECK_EQ_U64(r.stats.docs, 8);
    CHECK_EQ_U64(r.stats.skipped, 0);
    CHECK_EQ_U64(r.stats.files, 1);
    if (r.docs.n == 8) {
        cdoc *d = r.docs.v;
        CHECK(str_is(&d[0].id, "a1") && str_is(&d[0].title, "T") && str_is(&d[0].text, "B"));
        CHECK(str_is(&d[0].date, "2025-01-02") && str_is(&d[0].url, "http://x/"));
        CHECK(str_is(&d[1].title, "H") && str_is(&d[1].text, "b1"));
        CHECK(str_is(&d[1].date, "d1") && str_is(&d[1].url, "L") && d[1].id.len == 0);
        CHECK(str_is(&d[2].text, "c") && str_is(&d[2].date, "d2"));
        CHECK(str_is(&d[3].text, "m") && str_is(&d[3].date, "d3") && str_is(&d[3].id, "42"));
        CHECK(str_is(&d[4].id, "-1.5e3") && str_is(&d[4].title, "won"));
        CHECK(str_is(&d[5].text, "nonempty") && str_is(&d[5].title, "first"));
        CHECK(str_is(&d[6].text, "high") && d[6].title.len == 0 && d[6].url.len == 0);
        CHECK(d[7].id.len == 0 && d[7].title.len == 0 && d[7].text.len == 0);
        CHECK_EQ_U64(d[0].line, 1);
        CHECK_EQ_U64(d[7].line, 8);
        CHECK_EQ_U64(d[7].end_offset, r.stats.raw_bytes);
    }
    CHECK(warnings[0] == '\0');
    coll_free(&r.docs);
}

static void test_jsonl_escapes(void)
{
    result r = read_str("esc.jsonl",
                        "{\"title\":\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\",\"text\":\"\\u00e9\\u20AC\\ud83d\\ude00\"}\n"
                        "{\"title\":\"\\ud800x\",\"text\":\"\\udc00\\ud800\\u0041\\ud83d\"}\n"
                        "{\"title\":\"a\\u0000b\",\"text\":\"raw \xff\xfe bytes \xc3\xa9\"}\n"
                        "{\"title\":\"Jos\xc3\xa9 N\xc3\xba\xc3\xb1\x65z\",\"text\":\"\\\"\"}\n",
                        0);
    CHECK(r.rc == 0);
    CHECK_EQ_U64(r.docs.n, 4);
    if (r.docs.n == 4) {
        cdoc *d = r.docs.v;
        CHECK(str_is(&d[0].title, "q\" b\\ s/ \b\f\n\r\t"));
        CHECK(str_is(&d[0].text, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
        CHECK(str_is(&d[1].title, "\xef\xbf\xbdx"));
        CHECK(str_is(&d[1].text, "\xef\xbf\xbd\xef\xbf\xbd" "A\xef\xbf\xbd"));
        CHECK(d[2].title.len == 3 && memcmp(d[2].title.p, "a\0b", 3) == 0);
        CHECK(str_is(&d[2].text, "raw \xff\xfe bytes \xc3\xa9"));
        CHECK(str_is(&d[3].title, "Jos\xc3\xa9 N\xc3\xba\xc3\xb1\x65z"));
        CHECK(str_is(&d[3].text, "\""));
    }
    coll_free(&r.docs);
}

static void test_jsonl_nested(void)
{
    /* unknown keys with values of every kind and depth */
    size_t deep = 100000;
    char *big = malloc(2 * deep + 200);
    char *p = big;
    p += sprintf(p, "{\"title\":\"before\",\"x\":");
    memset(p, '[', deep);
    p += deep;
    memset(p, ']', deep);
    p += deep;
    p += sprintf(p, "}\n");

    char *ok = malloc(500 * 8 + 200);
    char *q = ok;
    q += sprintf(q, "{\"x\":");
    for (int k = 0; k < 500; k++)
        q += sprintf(q, "{\"a\":[");
    for (int k = 0; k < 500; k++)
        q += sprintf(q, "]}");
    q += sprintf(q, ",\"title\":\"deep ok\"}\n");

    size_t total = strlen(big) + strlen(ok) + 512;
    char *content = malloc(total);
    snprintf(content, total,
             "{\"meta\":{\"a\":[1,-2.5e-3,{\"b\":[[[]],{}]},\"x\\n\",true,false,null],\"c\":{}},"
             "\"title\":\"T\",\"tags\":[],\"n\":0}\n%s%s",
             big, ok);
    result r = read_str("nested.jsonl", content, 0);
    CHECK(r.rc == 0);
    CHECK_EQ_U64(r.docs.n, 2);
    CHECK_EQ_U64(r.stats.skipped, 1);
    CHECK(strstr(warnings, "nested.jsonl:2: invalid JSON at column") != NULL);
    CHECK(strstr(warnings, "nesting too deep (record skipped)") != NULL);
    if (r.docs.n == 2) {
        CHECK(str_is(&r.docs.v[0].title, "T"));
        CHECK(str_is(&r.docs.v[1].title, "deep ok"));
        CHECK_EQ_U64(r.docs.v[1].line, 3);
    }
    coll_free(&r.docs);
    free(big);
    free(ok);
    free(content);
}

static void test_jsonl_malformed(void)
{
    static const char *const bad[] = {
        "{\"title\":\"a\"",                /* unexpected end */
        "[1,2]",                           /* not an object */
        "\"just a string\"",
        "{\"title\":\"a\"} x",             /* trailing garbage */
        "{\"title\":\"a\"}{}",
        "{\"title\":\"a\x01" "b\"}",       /* raw control character */
        "{\"title\":\"a\tb\"}",            /* raw tab is a control char too */
        "{\"title\":\"\\x\"}",             /* invalid escape */
        "{\"title\":\"\\u12G4\"}",
        "{\"title\":tru}",
        "{\"a\" 1}",
        "{\"a\":01}",
        "{\"a\":-}",
        "{\"a\":1.}",
        "{\"a\":[1,]}",
        "{\"a\":{\"b\"}}",
        "{a:1}",
        "{\"a\":1,}",
        "{\"title\":\"unterminated}",
        "not json at all",
    };
    size_t nbad = sizeof bad / sizeof *bad;
    char content[4096];
    size_t len = 0;
    len += (size_t)sprintf(content + len, "{\"id\":\"good1\"}\n");
    for (size_t i = 0; i < nbad; i++)
        len += (size_t)sprintf(content + len, "%s\n", bad[i]);
    len += (size_t)sprintf(content + len, "{\"id\":\"good2\"}\n");
    char *path = tpath("bad.jsonl");
    write_bytes(path, content, len);

    result r = read_with(path, GAL_FORMAT_AUTO, 0, 0);
    CHECK(r.rc == 0);
    CHECK_EQ_U64(r.docs.n, 2);
    CHECK_EQ_U64(r.stats.skipped, nbad);
    if (r.docs.n == 2)
        CHECK(str_is(&r.docs.v[1].id, "good2") && r.docs.v[1].line == nbad + 2);
    /* one warning line per bad record, in the documented form */
    size_t lines = 0;
    for (const char *w = warnings; (w = strchr(w, '\n')) != NULL; w++)
        lines++;
    CHECK_EQ_U64(lines, nbad);
    char want[1024];
    snprintf(want, sizeof want,
             "galley: warning: %s:2: invalid JSON at column 13: unexpected end of line (record skipped)\n",
             path);
    CHECK(strncmp(warnings, want, strlen(want)) == 0);
    snprintf(want, sizeof want,
             "galley: warning: %s:3: invalid JSON at column 1: expected '{' (each line must be one JSON object) (record skipped)\n",
             path);
    CHECK(strstr(warnings, want) != NULL);
    snprintf(want, sizeof want,
             "%s:5: invalid JSON at column 15: trailing characters after the object (record skipped)",
             path);
    CHECK(strstr(warnings, want) != NULL);
    snprintf(want, sizeof want, "%s:7: invalid JSON at column 12: control character in string", path);
    CHECK(strstr(warnings, want) != NULL);
    coll_free(&r.docs);

    /* quiet: counted, not printed */
    r = read_with(path, GAL_FORMAT_AUTO, 0, 1);
    CHECK(r.rc == 0 && r.stats.skipped == nbad && warnings[0] == '\0');
    coll_free(&r.docs);

    /* strict: the first bad record is fatal, with the message as detail */
    r = read_with(path, GAL_FORMAT_AUTO, 1, 0);
    CHECK(r.rc == GAL_EINPUT);
    CHECK_EQ_U64(r.docs.n, 1);
    snprintf(want, sizeof want, "%s:2: invalid JSON at column 13: unexpected end of line", path);
    CHECK(strcmp(r.detail, want) == 0);
    CHECK(warnings[0] == '\0');
    coll_free(&r.docs);

    /* a NUL byte inside a string, and one outside */
    static const char nul_in[] = "{\"title\":\"a\0b\"}\n{\"title\":\"ok\"}\n\0\n";
    path = tpath("nul.jsonl");
    write_bytes(path, nul_in, sizeof nul_in - 1);
    r = read_with(path, GAL_FORMAT_AUTO, 0, 0);
    CHECK(r.rc == 0);
    CHECK_EQ_U64(r.docs.n, 1);
    CHECK_EQ_U64(r.stats.skipped, 2);
    CHECK(strstr(warnings, "nul.jsonl:1: invalid JSON at column 12: NUL byte in string") != NULL);
    CHECK(strstr(warnings, "nul.jsonl:3: invalid JSON at column 1:") != NULL);
    coll_free(&r.docs);
}

static void test_jsonl_lines(void)
{
    /* CRLF, blank lines, spaces, a byte order mark, no final newline */
    const char *content = "\xef\xbb\xbf{\"id\":\"1\"}\r\n\r\n   \n\t\r\n{\"id\":\"2\", \"title\" : \"t\" } \r\n{\"id\":\"3\"}";
    result r = read_str("crlf.jsonl", content, 1);
    CHECK(r.rc == 0);
    CHECK_EQ_U64(r.docs.n, 3);
    CHECK_EQ_U64(r.stats.skipped, 0);
    if (r.docs.n == 3) {
        CHECK(str_is(&r.docs.v[0].id, "1") && r.docs.v[0].line == 1);
        CHECK_EQ_U64(r.docs.v[0].end_offset, 15);
        CHECK(str_is(&r.docs.v[1].id, "2") && str_is(&r.docs.v[1].title, "t"));
        CHECK_EQ_U64(r.docs.v[1].line, 5);
        CHECK(str_is(&r.docs.v[2].id, "3") && r.docs.v[2].line == 6);
        CHECK_EQ_U64(r.docs.v[2].end_offset, strlen(content));
    }
    CHECK_EQ_U64(r.stats.raw_bytes, strlen(content));
    CHECK_EQ_U64(r.stats.input_bytes, strlen(content));
    coll_free(&r.docs);

    /* an empty file has no documents */
    r = read_str("empty.jsonl", "", 1);
    CHECK(r.rc == 0 && r.docs.n == 0 && r.stats.files == 1);
    coll_free(&r.docs);
}

static void test_jsonl_huge(void)
{
    /* a 6 MB line with escapes, then a 3 MB line without, then a short one */
    size_t n1 = 6u << 20, n2 = 3u << 20;
    char *content = malloc(n1 + n2 + 256);
    char *p = content;
    p += sprintf(p, "{\"id\":\"big\",\"text\":\"");
    size_t reps = n1 / 12;
    for (size_t i = 0; i < reps; i++) {
        memcpy(p, "word\\n\\u00e9", 12);
        p += 12;
    }
    p += sprintf(p, "\"}\n{\"title\":\"");
    memset(p, 'x', n2);
    p += n2;
    p += sprintf(p, "\"}\n{\"id\":\"tail\"}\n");
    char *path = tpath("huge.jsonl");
    write_bytes(path, content, (size_t)(p - content));
    result r = read_with(path, GAL_FORMAT_AUTO, 1, 0);
    CHECK(r.rc == 0);
    CHECK_EQ_U64(r.docs.n, 3);
    if (r.docs.n == 3) {
        CHECK_EQ_U64(r.docs.v[0].text.len, reps * 7);
        CHECK(memcmp(r.docs.v[0].text.p, "word\n\xc3\xa9word\n", 12) == 0);
        CHECK_EQ_U64(r.docs.v[1].title.len, n2);
        CHECK(str_is(&r.docs.v[2].id, "tail"));
        CHECK_EQ_U64(r.docs.v[2].end_offset, (uint64_t)(p - content));
    }
    coll_free(&r.docs);
    free(content);
}

/* ---- TREC ----------------------------------------------------------------- */

static void test_trec(void)
{
    const char *content =
        "garbage before\n"
        "<DOC>\n<DOCNO>d1</DOCNO>\n<HEADLINE>Tom &amp; Jerry &lt;TJ&gt;</HEADLINE>\n"
        "<TEXT>\nline one\n  line two &quot;q&quot; &apos;a&apos;\n</TEXT>\n</DOC>\n"
        "<doc>\n<docno> d2 </docno>\n<head>Lower &#233;t&#xE9; &#x20ac; &#8364;</head>\n"
        "<text>\nfirst\n</text>\n<P>x</P>\n<TEXT>\nsecond &nbsp; & alone &#; &#xZZ; &amp\n</TEXT>\n</doc>\n"
        "<DOC>\r\n<DOCNO>d3</DOCNO>\r\n<TITLE>\r\nCR title\r\n</TITLE>\r\n<TEXT>\r\n\r\nkeeps blank\r\n\r\n</TEXT>\r\n</DOC>\r\n"
        "<DOC>\n<DOCNO>d4</DOCNO>\n<TEXT>\n\n</TEXT>\n</DOC>\n"
        "<DOC>\n<DOCNO>d5</DOCNO>\n<HEADLINE>only title</HEADLINE>\n</DOC>\n"
        "<DOC>\n<DOCNO>cut</DOCNO>\n<TEXT>\nno end\n";
    result r = read_str("t.trec", content, 0);
    CHECK(r.rc == 0);
    CHECK_EQ_U64(r.docs.n, 5);
    CHECK_EQ_U64(r.stats.skipped, 1);
    if (r.docs.n == 5) {
        cdoc *d = r.docs.v;
        CHECK(str_is(&d[0].id, "d1"));
        CHECK(str_is(&d[0].title, "Tom & Jerry <TJ>"));
        CHECK(str_is(&d[0].text, "line one\n  line two \"q\" 'a'"));
        CHECK_EQ_U64(d[0].line, 2);
        CHECK(str_is(&d[1].id, "d2"));
        CHECK(str_is(&d[1].title, "Lower \xc3\xa9t\xc3\xa9 \xe2\x82\xac \xe2\x82\xac"));
        CHECK(str_is(&d[1].text, "first\nsecond &nbsp; & alone &#; &#xZZ; &amp"));
        CHECK_EQ_U64(d[1].line, 10);
        CHECK(str_is(&d[2].title, "CR title"));
        CHECK(str_is(&d[2].text, "\r\nkeeps blank\r\n"));
        CHECK(d[3].text.len == 0 && d[3].title.len == 0 && str_is(&d[3].id, "d4"));
        CHECK(str_is(&d[4].title, "only title") && d[4].text.len == 0);
        CHECK(d[0].date.len == 0 && d[0].url.len == 0);
        const char *end1 = strstr(content, "</DOC>") + 6;
        CHECK_EQ_U64(d[0].end_offset, (uint64_t)(end1 - content));
    }
    CHECK(strstr(warnings, "t.trec:42: invalid TREC: <DOC> without </DOC> at end of file (record skipped)") != NULL);
    coll_free(&r.docs);

    r = read_str("t2.trec", content, 1);
    CHECK(r.rc == GAL_EINPUT);
    CHECK_EQ_U64(r.docs.n, 5);
    CHECK(strstr(r.detail, "t2.trec:42: invalid TREC") != NULL);
    CHECK(strstr(r.detail, "record skipped") == NULL);
    coll_free(&r.docs);

    r = read_str("t3.sgml", "<DOC>\n<DOCNO>x</DOCNO>\n<TEXT>\nnever closed\n</DOC>\n<DOC>\n<DOCNO>y</DOCNO>\n</DOC>\n", 0);
    CHECK(r.rc == 0 && r.docs.n == 1 && r.stats.skipped == 1);
    CHECK(strstr(warnings, "t3.sgml:1: invalid TREC: <TEXT> is not closed") != NULL);
    coll_free(&r.docs);

    /* a document larger than one read block, split across blocks */
    size_t big = 3u << 20;
    char *c = malloc(big + 200);
    char *p = c;
    p += sprintf(p, "<DOC>\n<DOCNO>big</DOCNO>\n<TEXT>\n");
    for (size_t i = 0; i < big / 8; i++) {
        memcpy(p, "a &amp; ", 8);
        p += 8;
    }
    p += sprintf(p, "\n</TEXT>\n</DOC>\n");
    char *path = tpath("big.trec");
    write_bytes(path, c, (size_t)(p - c));
    r = read_with(path, GAL_FORMAT_AUTO, 1, 0);
    CHECK(r.rc == 0 && r.docs.n == 1);
    if (r.docs.n == 1)
        CHECK_EQ_U64(r.docs.v[0].text.len, (big / 8) * 4);
    coll_free(&r.docs);
    free(c);
}

/* ---- plain text ------------------------------------------------------------ */

static void test_text(void)
{
    result r = read_str("a.txt", "The title line\r\n\n  \n\nFirst body line.\nSecond.\n", 1);
    CHECK(r.rc == 0 && r.docs.n == 1);
    if (r.docs.n == 1) {
        CHECK(str_is(&r.docs.v[0].id, tpath("a.txt")));
        CHECK(str_is(&r.docs.v[0].title, "The title line"));
        CHECK(str_is(&r.docs.v[0].text, "First body line.\nSecond.\n"));
        CHECK_EQ_U64(r.docs.v[0].end_offset, strlen("The title line\r\n\n  \n\nFirst body line.\nSecond.\n"));
    }
    coll_free(&r.docs);

    r = read_str("b.txt", "Only a title", 1);
    CHECK(r.rc == 0 && r.docs.n == 1);
    if (r.docs.n == 1)
        CHECK(str_is(&r.docs.v[0].title, "Only a title") && r.docs.v[0].text.len == 0);
    coll_free(&r.docs);

    /* forced format overrides the name */
    char *p = tpath("forced.jsonl");
    write_str(p, "{not json}\nbody\n");
    r = read_with(p, GAL_FORMAT_TEXT, 1, 0);
    CHECK(r.rc == 0 && r.docs.n == 1);
    if (r.docs.n == 1)
        CHECK(str_is(&r.docs.v[0].title, "{not json}") && str_is(&r.docs.v[0].text, "body\n"));
    coll_free(&r.docs);
}

/* ---- WARC and WET ------------------------------------------------------------ */

/* Append one WARC record of block[0, n) to *all (heap, grown). */
static void warc_add(char **all, size_t *len, const char *type, const char *ctype, const char *id,
                     const void *block, size_t n)
{
    char head[512];
    int h = snprintf(head, sizeof head,
                     "WARC/1.0\r\nWARC-Type: %s\r\nWARC-Target-URI: http://news.example/%s\r\n"
                     "WARC-Date: 2024-03-05T10:20:30Z\r\nWARC-Record-ID: <urn:uuid:%s>\r\n"
                     "%s%s%sContent-Length: %zu\r\n\r\n",
                     type, id, id, ctype ? "Content-Type: " : "", ctype ? ctype : "",
                     ctype ? "\r\n" : "", n);
    *all = realloc(*all, *len + (size_t)h + n + 4);
    memcpy(*all + *len, head, (size_t)h);
    memcpy(*all + *len + h, block, n);
    memcpy(*all + *len + h + n, "\r\n\r\n", 4);
    *len += (size_t)h + n + 4;
}

/* Append s as it is (damaged records). */
static void raw_add(char **all, size_t *len, const char *s)
{
    size_t n = strlen(s);
    *all = realloc(*all, *len + n);
    memcpy(*all + *len, s, n);
    *len += n;
}

static void warc_add_str(char **all, size_t *len, const char *type, const char *ctype,
                         const char *id, const char *block)
{
    warc_add(all, len, type, ctype, id, block, strlen(block));
}

#define HTTP_OK "HTTP/1.1 200 OK\r\n"
#define RESPONSE "application/http; msgtype=response"

/* A crawl as crawlers write it: the records that are not pages, pages in
 * several encodings and codings, and what is passed over. */
static char *warc_crawl(size_t *len)
{
    char *w = NULL;
    *len = 0;
    warc_add_str(&w, len, "warcinfo", "application/warc-fields", "info", "software: test\r\n");
    warc_add_str(&w, len, "request", "application/http; msgtype=request", "req",
                 "GET / HTTP/1.1\r\nHost: news.example\r\n\r\n");
    warc_add_str(&w, len, "response", RESPONSE, "html",
                 HTTP_OK "Content-Type: text/html; charset=utf-8\r\n\r\n"
                 "<html><head><title>Bank of England &amp; rates</title><script>var x = '<p>no</p>';"
                 "</script></head><body><h1>Rates held</h1><p>The Bank held rates at 5.25%&nbsp;pct."
                 "</p><p>Gal<b>ley</b> said &ldquo;fine&rdquo;</p></body></html>");
    warc_add_str(&w, len, "response", RESPONSE, "latin1",
                 HTTP_OK "Content-Type: text/html; charset=ISO-8859-1\r\n\r\n"
                 "<title>Caf\xe9</title><p>Na\xefve \x93quotes\x94</p>");
    warc_add_str(&w, len, "response", RESPONSE, "meta1252",
                 HTTP_OK "Content-Type: text/html\r\n\r\n"
                 "<meta charset=\"windows-1252\"><title>Z\xfcrich</title><p>\x80" "5</p>");
    /* gzip content coding */
    const char *zipped = "<html><title>Zipped page</title><body>inflated words here</body></html>";
    size_t zn;
    unsigned char *z = gzip_bytes(zipped, strlen(zipped), &zn);
    const char *zh = HTTP_OK "Content-Type: text/html\r\nContent-Encoding: gzip\r\n\r\n";
    char *zr = malloc(strlen(zh) + zn);
    memcpy(zr, zh, strlen(zh));
    memcpy(zr + strlen(zh), z, zn);
    warc_add(&w, len, "response", RESPONSE, "gzip", zr, strlen(zh) + zn);
    free(z);
    free(zr);
    warc_add_str(&w, len, "response", RESPONSE, "chunked",
                 HTTP_OK "Content-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "16\r\n<title>Chunked</title>f\r\n<p>first part \r\nB;ext=1\r\nsecond part\r\n"
                 "0\r\nTrailer: x\r\n\r\n");
    warc_add_str(&w, len, "response", RESPONSE, "plain",
                 HTTP_OK "Content-Type: text/plain\r\n\r\nPlain title\r\n\r\nplain body\n");
    warc_add_str(&w, len, "response", RESPONSE, "missing",
                 "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\n<p>missing</p>");
    warc_add_str(&w, len, "response", RESPONSE, "png",
                 HTTP_OK "Content-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n");
    warc_add_str(&w, len, "metadata", "application/warc-fields", "meta", "fetchTimeMs: 12\r\n");
    warc_add_str(&w, len, "conversion", "text/plain", "wet",
                 "Plain WET title\nBody of the converted page.\n");
    warc_add_str(&w, len, "resource", "text/html", "res", "<title>Res</title>resource text");
    return w;
}

static void check_crawl(const result *r)
{
    CHECK(r->rc == 0);
    CHECK_EQ_U64(r->docs.n, 9);
    CHECK_EQ_U64(r->stats.skipped, 0);
    if (r->docs.n != 9)
        return;
    const cdoc *d = r->docs.v;
    CHECK(str_is(&d[0].id, "urn:uuid:html") && str_is(&d[0].url, "http://news.example/html"));
    CHECK(str_is(&d[0].date, "2024-03-05T10:20:30Z"));
    CHECK(str_is(&d[0].title, "Bank of England & rates"));
    CHECK(str_is(&d[0].text, "Rates held\nThe Bank held rates at 5.25% pct.\n"
                             "Galley said \xe2\x80\x9c" "fine\xe2\x80\x9d"));
    CHECK(str_is(&d[1].title, "Caf\xc3\xa9"));
    CHECK(str_is(&d[1].text, "Na\xc3\xafve \xe2\x80\x9cquotes\xe2\x80\x9d"));
    CHECK(str_is(&d[2].title, "Z\xc3\xbcrich") && str_is(&d[2].text, "\xe2\x82\xac" "5"));
    CHECK(str_is(&d[3].title, "Zipped page") && str_is(&d[3].text, "inflated words here"));
    CHECK(str_is(&d[4].title, "Chunked") && str_is(&d[4].text, "first part second part"));
    CHECK(str_is(&d[5].title, "Plain title") && str_is(&d[5].text, "plain body\n"));
    CHECK(str_is(&d[6].id, "urn:uuid:wet") && str_is(&d[6].title, "Plain WET title"));
    CHECK(str_is(&d[6].text, "Body of the converted page.\n"));
    CHECK(str_is(&d[7].title, "Res") && str_is(&d[7].text, "resource text"));
    CHECK(str_is(&d[8].id, "urn:uuid:untyped") && str_is(&d[8].text, "untyped markup"));
}

/* Pages in other charsets are converted to UTF-8 (charset_convert.h): by
 * the HTTP header, by a <meta> tag, for plain text too; a name the C
 * library does not know lets the bytes through. */
static void test_warc_charsets(void)
{
    char *w = NULL;
    size_t n = 0;
    warc_add_str(&w, &n, "response", RESPONSE, "koi8",
                 HTTP_OK "Content-Type: text/html; charset=KOI8-R\r\n\r\n"
                 "<title>\xed\xcf\xd3\xcb\xd7\xc1</title><p>\xe2\xc1\xce\xcb</p>");
    warc_add_str(&w, &n, "response", RESPONSE, "sjis",
                 HTTP_OK "Content-Type: text/html\r\n\r\n"
                 "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">"
                 "<title>\x93\x8c\x8b\x9e</title><p>\x93\x8c\x8b\x9e \x89\xef\x8b\x63</p>");
    warc_add_str(&w, &n, "response", RESPONSE, "latin2",
                 HTTP_OK "Content-Type: text/plain; charset=iso-8859-2\r\n\r\n\xa3\xf3\x64\xbc\n\nbody\n");
    warc_add_str(&w, &n, "response", RESPONSE, "unknown",
                 HTTP_OK "Content-Type: text/html; charset=x-no-such-charset\r\n\r\n"
                 "<title>T\xe9</title><p>kept</p>");
    write_bytes(tpath("charsets.warc"), w, n);
    free(w);
    result r = read_with(tpath("charsets.warc"), GAL_FORMAT_AUTO, 1, 0);
    CHECK(r.rc == 0);
    CHECK_EQ_U64(r.docs.n, 4);
    if (r.docs.n == 4) {
        const cdoc *d = r.docs.v;
        /* Москва, Банк */
        CHECK(str_is(&d[0].title, "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0"));
        CHECK(str_is(&d[0].text, "\xd0\x91\xd0\xb0\xd0\xbd\xd0\xba"));
        /* 東京, 東京 会議 */
        CHECK(str_is(&d[1].title, "\xe6\x9d\xb1\xe4\xba\xac"));
        CHECK(str_is(&d[1].text, "\xe6\x9d\xb1\xe4\xba\xac \xe4\xbc\x9a\xe8\xad\xb0"));
        /* Łódź */
        CHECK(str_is(&d[2].title, "\xc5\x81\xc3\xb3\x64\xc5\xba") && str_is(&d[2].text, "body\n"));
        CHECK(str_is(&d[3].title, "T\xe9") && str_is(&d[3].text, "kept"));
    }
    coll_free(&r.docs);
}

/* A page body under each content coding a crawl meets: HTTP headers, then
 * the coded bytes. */
static void coded_response(char **w, size_t *n, const char *id, const char *coding,
                           const void *coded, size_t cn)
{
    char head[256];
    snprintf(head, sizeof head, HTTP_OK "Content-Type: text/html\r\nContent-Encoding: %s\r\n\r\n",
             coding);
    size_t hn = strlen(head);
    char *rec = malloc(hn + cn);
    memcpy(rec, head, hn);
    memcpy(rec + hn, coded, cn);
    warc_add(w, n, "response", RESPONSE, id, rec, hn + cn);
    free(rec);
}

static unsigned char *brotli_bytes(const void *data, size_t len, size_t *out_len)
{
    size_t cap = BrotliEncoderMaxCompressedSize(len);
    unsigned char *out = malloc(cap);
    *out_len = cap;
    if (!BrotliEncoderCompress(5, 22, BROTLI_MODE_TEXT, len, data, out_len, out))
        *out_len = 0;
    return out;
}

/* gzip, raw deflate, br and zstd content codings are undone; a coding
 * galley does not know, and coded bytes that are damaged, skip the record
 * with a warning naming its line; coded bytes cut short keep what they
 * decode to. */
static void test_warc_codings(void)
{
    const char *page = "<html><title>Coded page</title><body>decoded words here</body></html>";
    size_t len = strlen(page), bn, zn, gn;
    unsigned char *br = brotli_bytes(page, len, &bn), *zs = zstd_bytes(page, len, &zn);
    unsigned char *gz = gzip_bytes(page, len, &gn);
    /* raw deflate: what some servers send for "deflate" */
    unsigned char raw[512];
    z_stream z;
    memset(&z, 0, sizeof z);
    deflateInit2(&z, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (unsigned char *)page;
    z.avail_in = (uInt)len;
    z.next_out = raw;
    z.avail_out = sizeof raw;
    deflate(&z, Z_FINISH);
    size_t rn = sizeof raw - z.avail_out;
    deflateEnd(&z);
    CHECK(bn > 0);

    char *w = NULL;
    size_t n = 0;
    coded_response(&w, &n, "br", "br", br, bn);
    coded_response(&w, &n, "zstd", "zstd", zs, zn);
    coded_response(&w, &n, "gzip", "x-gzip", gz, gn);
    coded_response(&w, &n, "raw", "deflate", raw, rn);
    coded_response(&w, &n, "brcut", "br", br, bn - 3);          /* cut short: kept */
    coded_response(&w, &n, "compress", "compress", gz, gn);     /* not known */
    coded_response(&w, &n, "badbr", "br", "not brotli at all", 17);
    coded_response(&w, &n, "badzstd", "zstd", "\x28\xb5\x2f\xfd garbage", 12);
    write_bytes(tpath("codings.warc"), w, n);
    free(w);
    result r = read_with(tpath("codings.warc"), GAL_FORMAT_AUTO, 0, 0);
    CHECK(r.rc == 0);
    CHECK_EQ_U64(r.docs.n, 5);
    CHECK_EQ_U64(r.stats.skipped, 3);
    for (size_t i = 0; i < r.docs.n && i < 4; i++)
        CHECK(str_is(&r.docs.v[i].title, "Coded page") &&
              str_is(&r.docs.v[i].text, "decoded words here"));
    if (r.docs.n == 5)
        CHECK(str_is(&r.docs.v[4].id, "urn:uuid:brcut") && r.docs.v[4].title.len > 0);
    CHECK(strstr(warnings, "content coding other than gzip, deflate, br or zstd") != NULL);
    CHECK(strstr(warnings, "does not decode") != NULL);
    coll_free(&r.docs);
    free(br);
    free(zs);
    free(gz);
}

static void test_warc(void)
{
    size_t n;
    char *w = warc_crawl(&n);
    /* a trailing resource with no type said: read as HTML when it starts
     * with markup */
    warc_add_str(&w, &n, "resource", NULL, "untyped", "  <p>untyped markup</p>");
    write_bytes(tpath("crawl.warc"), w, n);
    result r = read_with(tpath("crawl.warc"), GAL_FORMAT_AUTO, 1, 0);
    check_crawl(&r);
    if (r.docs.n == 9) {
        CHECK(str_is(&r.docs.v[8].text, "untyped markup"));
        CHECK_EQ_U64(r.docs.v[8].end_offset, n - 4); /* the CR LF CR LF after it follows */
        CHECK(r.docs.v[0].line > 1 && r.docs.v[1].line > r.docs.v[0].line);
    }
    CHECK(warnings[0] == '\0');
    coll_free(&r.docs);

    /* one gzip member per record, as crawlers write .warc.gz; found by name */
    {
        unsigned char *gz = NULL;
        size_t gn = 0, from = 0;
        for (size_t i = 1; i <= n; i++) {
            if (i < n && !(w[i] == 'W' && memcmp(w + i, "WARC/1.0\r\n", 10) == 0))
                continue;
            size_t mn;
            unsigned char *m = gzip_bytes(w + from, i - from, &mn);
            gz = realloc(gz, gn + mn);
            memcpy(gz + gn, m, mn);
            gn += mn;
            free(m);
            from = i;
        }
        write_bytes(tpath("crawl.warc.gz"), gz, gn);
        free(gz);
        r = read_with(tpath("crawl.warc.gz"), GAL_FORMAT_AUTO, 1, 0);
        check_crawl(&r);
        coll_free(&r.docs);
    }
    /* by content, WARC/1.1 too, and by the .wet name */
    {
        char *w11 = malloc(n);
        memcpy(w11, w, n);
        for (size_t i = 0; i + 8 <= n; i++)
            if (memcmp(w11 + i, "WARC/1.0", 8) == 0)
                w11[i + 7] = '1';
        write_bytes(tpath("crawl-no-extension"), w11, n);
        r = read_with(tpath("crawl-no-extension"), GAL_FORMAT_AUTO, 1, 0);
        check_crawl(&r);
        coll_free(&r.docs);
        free(w11);
        r = read_str("page.warc.wet", "WARC/1.0\nWARC-Type: conversion\nContent-Length: 9\n\nT\nbody\nx\n", 1);
        CHECK(r.rc == 0 && r.docs.n == 1);
        if (r.docs.n == 1)
            CHECK(str_is(&r.docs.v[0].title, "T") && str_is(&r.docs.v[0].text, "body\nx\n"));
        coll_free(&r.docs);
    }
    free(w);

    /* damaged records: each skipped with a warning naming its line, and
     * reading goes on at the next "WARC/" line */
    {
        char *d = NULL;
        size_t dn = 0;
        raw_add(&d, &dn, "junk before the first record\n");
        warc_add_str(&d, &dn, "conversion", "text/plain", "one", "First\nbody one\n");
        raw_add(&d, &dn, "WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: lots\r\n\r\nlost\r\n\r\n");
        warc_add_str(&d, &dn, "response", RESPONSE, "badchunk",
                     HTTP_OK "Content-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nx");
        warc_add_str(&d, &dn, "response", RESPONSE, "compress",
                     HTTP_OK "Content-Type: text/html\r\nContent-Encoding: compress\r\n\r\n\x1f\x9d");
        warc_add_str(&d, &dn, "response", RESPONSE, "badgzip",
                     HTTP_OK "Content-Type: text/html\r\nContent-Encoding: gzip\r\n\r\nnot gzip");
        warc_add_str(&d, &dn, "response", RESPONSE, "nostatus", "<p>no HTTP status line</p>");
        warc_add_str(&d, &dn, "conversion", "text/plain", "two", "Second\nbody two\n");
        /* a record that says it is longer than what is left */
        raw_add(&d, &dn, "WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: 500\r\n\r\nshort");
        write_bytes(tpath("damaged.warc"), d, dn);
        r = read_with(tpath("damaged.warc"), GAL_FORMAT_AUTO, 0, 0);
        CHECK(r.rc == 0);
        CHECK_EQ_U64(r.docs.n, 2);
        CHECK_EQ_U64(r.stats.skipped, 7);
        if (r.docs.n == 2)
            CHECK(str_is(&r.docs.v[0].title, "First") && str_is(&r.docs.v[1].title, "Second"));
        CHECK(strstr(warnings, "damaged.warc:1: invalid WARC: expected a \"WARC/1.x\" version line (record skipped)") != NULL);
        CHECK(strstr(warnings, "record without a valid Content-Length") != NULL);
        CHECK(strstr(warnings, "bad chunked transfer coding") != NULL);
        CHECK(strstr(warnings, "content coding other than gzip, deflate, br or zstd") != NULL);
        CHECK(strstr(warnings, "does not decode") != NULL);
        CHECK(strstr(warnings, "without an HTTP status line") != NULL);
        CHECK(strstr(warnings, "record cut short at end of file (5 of 500 bytes)") != NULL);
        coll_free(&r.docs);

        r = read_with(tpath("damaged.warc"), GAL_FORMAT_WARC, 1, 0);
        CHECK(r.rc == GAL_EINPUT && r.docs.n == 0);
        CHECK(strstr(r.detail, "damaged.warc:1: invalid WARC") != NULL);
        coll_free(&r.docs);
        free(d);
    }
    /* a record cut inside its header, and an empty file */
    r = read_str("cut-head.warc", "WARC/1.0\r\nWARC-Type: conversion\r\nContent-Len", 0);
    CHECK(r.rc == 0 && r.docs.n == 0 && r.stats.skipped == 1);
    CHECK(strstr(warnings, "record header cut short at end of file") != NULL);
    coll_free(&r.docs);
    r = read_str("empty.warc", "", 1);
    CHECK(r.rc == 0 && r.docs.n == 0);
    coll_free(&r.docs);

    /* records larger than a read block: a 3 MB page read whole, a 3 MB
     * metadata record passed over a block at a time, and a page that says
     * it is over the limit passed over unread (here cut short, too) */
    {
        size_t big = 3u << 20, bn = 0;
        char *page = malloc(big + 64);
        size_t pn = (size_t)sprintf(page, HTTP_OK "Content-Type: text/html\r\n\r\n<p>");
        while (pn + 8 < big) {
            memcpy(page + pn, "word &amp; ", 11);
            pn += 11;
        }
        char *b = NULL;
        warc_add(&b, &bn, "metadata", "application/warc-fields", "bigmeta", page, pn);
        warc_add(&b, &bn, "response", RESPONSE, "bigpage", page, pn);
        raw_add(&b, &bn, "WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: 99999999999\r\n\r\nTitle\n");
        write_bytes(tpath("big.warc"), b, bn);
        r = read_with(tpath("big.warc"), GAL_FORMAT_AUTO, 0, 0);
        CHECK(r.rc == 0 && r.docs.n == 1);
        if (r.docs.n == 1)
            CHECK_EQ_U64(r.docs.v[0].text.len, 7 * ((pn - strlen(HTTP_OK "Content-Type: text/html\r\n\r\n<p>")) / 11) - 1);
        CHECK_EQ_U64(r.stats.skipped, 2);
        CHECK(strstr(warnings, "WARC record longer than 64 MB, the most a record may have (99999999999 bytes)") != NULL);
        coll_free(&r.docs);
        free(b);
        free(page);
    }
}

/* ---- detection by content -------------------------------------------------- */

static void test_detect(void)
{
    result r = read_str("noext1", "\n  \t{\"title\":\"json by content\"}\n", 1);
    CHECK(r.rc == 0 && r.docs.n == 1);
    if (r.docs.n == 1)
        CHECK(str_is(&r.docs.v[0].title, "json by content"));
    coll_free(&r.docs);

    r = read_str("noext2.dat", "\n\n<doc>\n<DOCNO>1</DOCNO>\n<TEXT>\nsgml\n</TEXT>\n</doc>\n", 1);
    CHECK(r.rc == 0 && r.docs.n == 1);
    if (r.docs.n == 1)
        CHECK(str_is(&r.docs.v[0].text, "sgml") && str_is(&r.docs.v[0].id, "1"));
    coll_free(&r.docs);

    r = read_str("noext3", "<html>\nnot trec\n", 1);
    CHECK(r.rc == 0 && r.docs.n == 1);
    if (r.docs.n == 1)
        CHECK(str_is(&r.docs.v[0].title, "<html>"));
    coll_free(&r.docs);

    r = read_str("noext4", "<DO", 1);
    CHECK(r.rc == 0 && r.docs.n == 1);
    coll_free(&r.docs);

    /* compressed, with nothing in the name: detection after decompression */
    const char *j = "{\"id\":\"z\"}\n";
    size_t zn;
    unsigned char *z = zstd_bytes(j, strlen(j), &zn);
    write_bytes(tpath("blob"), z, zn);
    free(z);
    r = read_with(tpath("blob"), GAL_FORMAT_AUTO, 1, 0);
    CHECK(r.rc == 0 && r.docs.n == 1);
    if (r.docs.n == 1)
        CHECK(str_is(&r.docs.v[0].id, "z"));
    coll_free(&r.docs);

    /* the name wins over content: .txt holding JSON stays text */
    r = read_str("looks.txt", "{\"id\":\"1\"}\n", 1);
    CHECK(r.rc == 0 && r.docs.n == 1);
    if (r.docs.n == 1)
        CHECK(str_is(&r.docs.v[0].title, "{\"id\":\"1\"}"));
    coll_free(&r.docs);
}

/* ---- compression ------------------------------------------------------------ */

static void test_compressed(void)
{
    const char *a = "{\"id\":\"1\",\"title\":\"first member\"}\n{\"id\":\"2\"}\n";
    const char *b = "{\"id\":\"3\",\"title\":\"second member\"}\n";
    size_t an, bn;
    unsigned char *ga = gzip_bytes(a, strlen(a), &an), *gb = gzip_bytes(b, strlen(b), &bn);
    size_t gz_total = an + bn;
    write_two(tpath("two.jsonl.gz"), ga, an, gb, bn);
    result r = read_with(tpath("two.jsonl.gz"), GAL_FORMAT_AUTO, 1, 0);
    CHECK(r.rc == 0);
    CHECK_EQ_U64(r.docs.n, 3);
    if (r.docs.n == 3) {
        CHECK(str_is(&r.docs.v[2].title, "second member"));
        CHECK_EQ_U64(r.docs.v[2].end_offset, strlen(a) + strlen(b));
    }
    CHECK_EQ_U64(r.stats.raw_bytes, strlen(a) + strlen(b));
    CHECK_EQ_U64(r.stats.input_bytes, gz_total);
    coll_free(&r.docs);

    unsigned char *za = zstd_bytes(a, strlen(a), &an), *zb = zstd_bytes(b, strlen(b), &bn);
    size_t zs_total = an + bn;
    write_two(tpath("two.jsonl.zst"), za, an, zb, bn);
    r = read_with(tpath("two.jsonl.zst"), GAL_FORMAT_AUTO, 1, 0);
    CHECK(r.rc == 0);
    CHECK_EQ_U64(r.docs.n, 3);
    CHECK_EQ_U64(r.stats.raw_bytes, strlen(a) + strlen(b));
    CHECK_EQ_U64(r.stats.input_bytes, zs_total);
    coll_free(&r.docs);

    /* a larger input (several read blocks) through both codecs */
    size_t ndocs = 40000;
    char *big = malloc(ndocs * 80);
    size_t len = 0;
    for (size_t i = 0; i < ndocs; i++)
        len += (size_t)sprintf(big + len, "{\"id\":\"%zu\",\"text\":\"document number %zu of many\"}\n", i, i * 7919);
    size_t gn, zn;
    unsigned char *g = gzip_bytes(big, len, &gn), *z = zstd_bytes(big, len, &zn);
    write_bytes(tpath("big.jsonl.gz"), g, gn);
    write_bytes(tpath("big.jsonl.zst"), z, zn);
    r = read_with(tpath("big.jsonl.gz"), GAL_FORMAT_AUTO, 1, 0);
    CHECK(r.rc == 0 && r.docs.n == ndocs && r.stats.raw_bytes == len);
    coll_free(&r.docs);
    r = read_with(tpath("big.jsonl.zst"), GAL_FORMAT_AUTO, 1, 0);
    CHECK(r.rc == 0 && r.docs.n == ndocs && r.stats.raw_bytes == len);
    coll_free(&r.docs);

    /* a reader that stops early leaves the decoder waiting for room to
     * decode ahead into: closing the stream must still end it */
    {
        coll c;
        memset(&c, 0, sizeof c);
        c.stop_after = 10;
        gal_read_opts opts = {.format = GAL_FORMAT_AUTO};
        CHECK(gal_read_file(tpath("big.jsonl.gz"), &opts, collect, &c, NULL) == 5);
        CHECK_EQ_U64(c.n, 10);
        coll_free(&c);
    }
    /* odd read sizes across the decoded blocks: the same bytes */
    for (int codec = 0; codec < 2; codec++) {
        gal_istream *in;
        CHECK(gal_istream_open(tpath(codec ? "big.jsonl.zst" : "big.jsonl.gz"), &in) == 0);
        char *back = malloc(len + 1);
        size_t at = 0, got = 1, step = 1;
        int rc = 0;
        while (!rc && got) {
            size_t want = step % 70001 + 1; /* 1 byte to 70 kB, never lined up */
            if (at + want > len + 1)
                want = len + 1 - at;
            rc = gal_istream_read(in, back + at, want, &got);
            at += got;
            step = step * 7 + 3;
        }
        CHECK(rc == 0 && at == len && memcmp(back, big, len) == 0);
        CHECK_EQ_U64(gal_istream_out_bytes(in), len);
        free(back);
        gal_istream_close(in);
    }

    /* truncated: an error naming the file, never a short success */
    write_bytes(tpath("cut.jsonl.gz"), g, gn / 2);
    r = read_with(tpath("cut.jsonl.gz"), GAL_FORMAT_AUTO, 0, 0);
    CHECK(r.rc == GAL_EINPUT);
    CHECK(strstr(r.detail, "cut.jsonl.gz: truncated gzip stream: the file ends inside a member, at byte ") != NULL);
    coll_free(&r.docs);
    write_bytes(tpath("cut2.jsonl.gz"), g, gn - 4); /* only the trailer's size is missing */
    r = read_with(tpath("cut2.jsonl.gz"), GAL_FORMAT_AUTO, 0, 0);
    CHECK(r.rc == GAL_EINPUT && strstr(r.detail, "truncated gzip") != NULL);
    coll_free(&r.docs);
    write_bytes(tpath("cut.jsonl.zst"), z, zn / 2);
    r = read_with(tpath("cut.jsonl.zst"), GAL_FORMAT_AUTO, 0, 0);
    CHECK(r.rc == GAL_EINPUT);
    CHECK(strstr(r.detail, "cut.jsonl.zst: truncated zstd stream: the file ends inside a frame, at byte ") != NULL);
    CHECK(r.docs.n < ndocs);
    coll_free(&r.docs);
    write_bytes(tpath("cut2.jsonl.zst"), z, zn - 1);
    r = read_with(tpath("cut2.jsonl.zst"), GAL_FORMAT_AUTO, 0, 0);
    CHECK(r.rc == GAL_EINPUT && strstr(r.detail, "truncated zstd") != NULL);
    coll_free(&r.docs);

    /* corrupt in the middle */
    g[gn / 2] ^= 0x55;
    g[gn / 2 + 1] ^= 0xAA;
    write_bytes(tpath("bad.jsonl.gz"), g, gn);
    r = read_with(tpath("bad.jsonl.gz"), GAL_FORMAT_AUTO, 0, 1);
    CHECK(r.rc == GAL_EINPUT && strstr(r.detail, "bad.jsonl.gz: ") != NULL);
    coll_free(&r.docs);
    z[zn / 2] ^= 0x55;
    z[zn / 2 + 1] ^= 0xAA;
    z[zn / 2 + 2] ^= 0xFF;
    write_bytes(tpath("bad.jsonl.zst"), z, zn);
    r = read_with(tpath("bad.jsonl.zst"), GAL_FORMAT_AUTO, 0, 1);
    CHECK(r.rc == GAL_EINPUT && strstr(r.detail, "bad.jsonl.zst: ") != NULL);
    coll_free(&r.docs);

    /* garbage after a complete gzip member */
    unsigned char *h = gzip_bytes(a, strlen(a), &an);
    unsigned char *junk = malloc(an + 8);
    memcpy(junk, h, an);
    memcpy(junk + an, "JUNKJUNK", 8);
    write_bytes(tpath("junk.jsonl.gz"), junk, an + 8);
    r = read_with(tpath("junk.jsonl.gz"), GAL_FORMAT_AUTO, 0, 0);
    CHECK(r.rc == GAL_EINPUT);
    coll_free(&r.docs);
    free(h);
    free(junk);
    free(g);
    free(z);
    free(big);

    /* the stream alone: small reads give every byte */
    gal_istream *s = NULL;
    CHECK(gal_istream_open(tpath("two.jsonl.zst"), &s) == 0);
    if (s) {
        CHECK(gal_istream_compression(s) == GAL_COMPRESSION_ZSTD);
        char out[256];
        size_t total = 0, got = 0;
        int rc;
        while ((rc = gal_istream_read(s, out + total, 3, &got)) == 0 && got > 0)
            total += got;
        CHECK(rc == 0);
        CHECK_EQ_U64(total, strlen(a) + strlen(b));
        CHECK(memcmp(out, a, strlen(a)) == 0);
        CHECK_EQ_U64(gal_istream_out_bytes(s), total);
        gal_istream_close(s);
    }
}

/* ---- inputs ---------------------------------------------------------------- */

static void test_input_list(void)
{
    char d[600];
    snprintf(d, sizeof d, "%s/walk", tmpdir);
    mkdir(d, 0700);
    const char *dirs[] = {"walk/b", "walk/B", "walk/.hid", "walk/b/c"};
    for (size_t i = 0; i < 4; i++)
        mkdir(tpath(dirs[i]), 0700);
    const char *files[] = {"walk/z.jsonl", "walk/a.txt", "walk/A.txt", "walk/.hidden",
                           "walk/b/2", "walk/b/10", "walk/b/c/x", "walk/B/y",
                           "walk/.hid/no", "walk/a-b.txt", "walk/\xc3\xa9.txt"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        write_str(tpath(files[i]), "x\n");
    char link[600];
    snprintf(link, sizeof link, "%s/walk/b/loop", tmpdir);
    if (symlink(d, link) != 0)
        perror("symlink");

    char explicit_hidden[600];
    snprintf(explicit_hidden, sizeof explicit_hidden, "%s/walk/.hidden", tmpdir);
    const char *inputs[] = {d, "-", explicit_hidden};
    char **list = NULL;
    size_t n = 0;
    CHECK(gal_input_list(inputs, 3, &list, &n) == 0);
    const char *want[] = {"walk/A.txt", "walk/B/y", "walk/a-b.txt", "walk/a.txt",
                          "walk/b/10", "walk/b/2", "walk/b/c/x", "walk/z.jsonl",
                          "walk/\xc3\xa9.txt"};
    size_t nwant = sizeof want / sizeof *want;
    CHECK_EQ_U64(n, nwant + 2);
    for (size_t i = 0; i < nwant && i < n; i++) {
        char *w = tpath(want[i]);
        if (strcmp(list[i], w) != 0) {
            CHECK(strcmp(list[i], w) == 0);
            fprintf(stderr, "  entry %zu: got %s want %s\n", i, list[i], w);
        }
    }
    if (n == nwant + 2) {
        CHECK(strcmp(list[nwant], "-") == 0);
        CHECK(strcmp(list[nwant + 1], explicit_hidden) == 0);
    }
    gal_input_list_free(list, n);

    /* a trailing slash gives no doubled slash */
    char slashed[700];
    snprintf(slashed, sizeof slashed, "%s/walk/B/", tmpdir);
    const char *in2[] = {slashed};
    CHECK(gal_input_list(in2, 1, &list, &n) == 0);
    CHECK(n == 1 && strcmp(list[0], tpath("walk/B/y")) == 0);
    gal_input_list_free(list, n);

    /* a missing input fails first, naming it */
    const char *in3[] = {d, "/nonexistent/news.jsonl.zst", tpath("also-missing")};
    list = NULL;
    n = 77;
    gal_error_clear();
    int rc = gal_input_list(in3, 3, &list, &n);
    CHECK(rc == GAL_ENOTFOUND);
    CHECK(strcmp(gal_error_detail(rc),
                 "cannot open '/nonexistent/news.jsonl.zst': No such file or directory") == 0);
    CHECK(list == NULL && n == 77);

    /* reading a missing file */
    result r = read_with(tpath("missing.jsonl"), GAL_FORMAT_AUTO, 0, 0);
    CHECK(r.rc == GAL_ENOTFOUND);
    char want_detail[700];
    snprintf(want_detail, sizeof want_detail, "cannot open '%s': No such file or directory",
             tpath("missing.jsonl"));
    CHECK(strcmp(r.detail, want_detail) == 0);
    CHECK_EQ_U64(r.stats.files, 0);
}

static void test_stdin(void)
{
    const char *j = "{\"id\":\"from stdin\"}\n";
    size_t zn;
    unsigned char *z = zstd_bytes(j, strlen(j), &zn);
    write_bytes(tpath("stdin.bin"), z, zn);
    free(z);
    int saved = dup(0);
    int fd = open(tpath("stdin.bin"), O_RDONLY);
    dup2(fd, 0);
    close(fd);
    result r = read_with("-", GAL_FORMAT_AUTO, 1, 0);
    dup2(saved, 0);
    close(saved);
    CHECK(r.rc == 0 && r.docs.n == 1);
    if (r.docs.n == 1)
        CHECK(str_is(&r.docs.v[0].id, "from stdin"));
    coll_free(&r.docs);
}

static void test_callback_stop(void)
{
    char *p = tpath("stop.jsonl");
    write_str(p, "{\"id\":\"1\"}\n{\"id\":\"2\"}\n{\"id\":\"3\"}\n");
    coll c;
    memset(&c, 0, sizeof c);
    c.stop_after = 2;
    gal_read_stats st;
    memset(&st, 0, sizeof st);
    gal_read_opts opts = {.format = GAL_FORMAT_AUTO};
    CHECK(gal_read_file(p, &opts, collect, &c, &st) == 5);
    CHECK_EQ_U64(c.n, 2);
    coll_free(&c);
}

/* Every allocation failing in turn: an error or success, never a crash. */
/* Read path with its k-th allocation failing, for every k below most: the
 * read gives all want documents or fails with GAL_ENOMEM, and both
 * happen. */
static void fail_each_allocation(const char *path, const gal_read_opts *opts, unsigned long most,
                                 size_t want)
{
    int ok = 0, failed = 0;
    for (unsigned long k = 1; k < most; k++) {
        gal_alloc_fail_at(k);
        result r = read_opts(path, opts, 0);
        gal_alloc_fail_at(0);
        if (r.rc == 0) {
            ok++;
            CHECK_EQ_U64(r.docs.n, want);
        } else {
            failed++;
            CHECK(r.rc == GAL_ENOMEM);
        }
        coll_free(&r.docs);
    }
    CHECK(ok > 0 && failed > 0);
}

static void test_alloc_failures(void)
{
    char p[600];
    snprintf(p, sizeof p, "%s", tpath("alloc.jsonl.gz"));
    const char *j = "{\"id\":\"1\",\"title\":\"a\\u00e9\"}\n{\"id\":\"2\"}\n";
    size_t gn;
    unsigned char *g = gzip_bytes(j, strlen(j), &gn);
    write_bytes(p, g, gn);
    free(g);
    gal_read_opts strict = {.strict = 1};
    fail_each_allocation(p, &strict, 40, 2);

    /* WARC on parsing threads, a job a record: an allocation that fails
     * anywhere, on the reader's thread or a parsing thread, is the read's
     * GAL_ENOMEM, never a crash or a document lost without an error */
    char *w = NULL;
    size_t wn = 0;
    for (int i = 0; i < 6; i++) {
        char id[16];
        snprintf(id, sizeof id, "p%d", i);
        warc_add_str(&w, &wn, "response", RESPONSE, id,
                     HTTP_OK "Content-Type: text/html\r\n\r\n<title>T &amp; t</title><p>a <b>b</b></p>");
        if (i == 2)
            raw_add(&w, &wn, "WARC/1.0\r\nContent-Length: x\r\n\r\n");
    }
    snprintf(p, sizeof p, "%s", tpath("alloc.warc"));
    write_bytes(p, w, wn);
    free(w);
    gal_read_opts par = {.parse_threads = 2, .parse_block = 1, .quiet = 1};
    fail_each_allocation(p, &par, 120, 6);
}

/* ---- JSONL parsed on several threads ------------------------------------ */

static int cdoc_eq(const cdoc *a, const cdoc *b)
{
    return str_eq(&a->id, &b->id) && str_eq(&a->title, &b->title) &&
           str_eq(&a->text, &b->text) && str_eq(&a->date, &b->date) &&
           str_eq(&a->url, &b->url) && a->line == b->line && a->end_offset == b->end_offset;
}

/* Reading path with the parsing threads must give what one thread gives:
 * status and detail, every document with its line and end offset, the
 * counts, and the warnings in their order. */
static size_t parallel_max_record; /* gal_read_opts.max_record of check_parallel_same */

static void check_parallel_same(const char *path, int strict, size_t stop_after, unsigned threads,
                                size_t block)
{
    gal_read_opts one = {.strict = strict, .parse_threads = 1, .max_record = parallel_max_record};
    gal_read_opts many = {.strict = strict, .parse_threads = threads, .parse_block = block,
                          .max_record = parallel_max_record};
    result a = read_opts(path, &one, stop_after);
    char wa[sizeof warnings];
    memcpy(wa, warnings, sizeof wa);
    result b = read_opts(path, &many, stop_after);
    /* a read that stops early has read ahead further on parsing threads:
     * the bytes read count only for a whole read */
    int same = a.rc == b.rc && !strcmp(a.detail, b.detail) && a.docs.n == b.docs.n &&
               a.stats.docs == b.stats.docs && a.stats.skipped == b.stats.skipped &&
               (a.rc || a.stats.raw_bytes == b.stats.raw_bytes) && !strcmp(wa, warnings);
    size_t first_bad = a.docs.n;
    for (size_t i = 0; same && i < a.docs.n; i++)
        if (!cdoc_eq(&a.docs.v[i], &b.docs.v[i])) {
            first_bad = i;
            same = 0;
        }
    if (!same)
        fprintf(stderr, "  %s, strict %d, %u threads, %zu-byte blocks: rc %d/%d, docs %zu/%zu, "
                        "skipped %llu/%llu, bytes %llu/%llu, first different doc %zu\n"
                        "    [%s]\n    [%s]\n    warnings:\n%.600s\n    against:\n%.600s\n",
                path, strict, threads, block, a.rc, b.rc, a.docs.n, b.docs.n,
                (unsigned long long)a.stats.skipped, (unsigned long long)b.stats.skipped,
                (unsigned long long)a.stats.raw_bytes, (unsigned long long)b.stats.raw_bytes,
                first_bad, a.detail, b.detail, wa, warnings);
    CHECK(same);
    coll_free(&a.docs);
    coll_free(&b.docs);
}

/* Lines of every kind: escapes, blank and white lines, CRLF, malformed
 * ones, a line longer than many blocks, numbers as ids, skipped nesting. */
static char *tricky_jsonl(size_t nlines, size_t *len)
{
    size_t cap = nlines * 160 + 400000, n = 0;
    char *s = malloc(cap);
    n += (size_t)sprintf(s + n, "\xEF\xBB\xBF{\"id\":\"bom\",\"title\":\"first\"}\n");
    for (size_t i = 0; i < nlines; i++) {
        switch (i % 97) {
        case 5: n += (size_t)sprintf(s + n, "\n"); break;
        case 6: n += (size_t)sprintf(s + n, "   \t\r\n"); break;
        case 7: n += (size_t)sprintf(s + n, "{\"id\":\"bad%zu\",\"title\":\"x\n", i); break;
        case 8: n += (size_t)sprintf(s + n, "{\"id\":%zu,\"text\":\"a\\u00e9\\ud83d\\ude00 b\"}\r\n", i); break;
        case 9: n += (size_t)sprintf(s + n, "[1,2]\n"); break;
        case 12: /* a byte order mark is one only at the start of the stream */
            n += (size_t)sprintf(s + n, "\xEF\xBB\xBF{\"id\":\"mid%zu\"}\n", i);
            break;
        case 10: n += (size_t)sprintf(s + n, "{\"id\":\"n%zu\",\"x\":{\"y\":[1,{\"z\":null}]},\"body\":\"q\\\"t\\\\\"}\n", i); break;
        case 11:
            if (i == 11) { /* one line of 300 kB */
                n += (size_t)sprintf(s + n, "{\"id\":\"long\",\"text\":\"");
                for (int k = 0; k < 30000; k++)
                    n += (size_t)sprintf(s + n, "word%04d \\n", k % 10000);
                n += (size_t)sprintf(s + n, "\"}\n");
            }
            break;
        default:
            n += (size_t)sprintf(s + n, "{\"id\":\"d%zu\",\"title\":\"Title %zu\",\"text\":\"Body of %zu, "
                                        "with\\ttabs and \\\"quotes\\\".\",\"date\":\"2020-01-%02zu\",\"url\":\"u/%zu\"}\n",
                                 i, i, i, i % 28 + 1, i);
        }
    }
    n += (size_t)sprintf(s + n, "{\"id\":\"last\",\"title\":\"no newline\"}");
    *len = n;
    return s;
}

static void test_jsonl_parallel(void)
{
    size_t len;
    char *text = tricky_jsonl(20000, &len);
    char plain[600], gz[600], zst[600], cut[600];
    snprintf(plain, sizeof plain, "%s", tpath("par.jsonl"));
    snprintf(gz, sizeof gz, "%s", tpath("par.jsonl.gz"));
    snprintf(zst, sizeof zst, "%s", tpath("par.jsonl.zst"));
    snprintf(cut, sizeof cut, "%s", tpath("par-cut.jsonl.zst"));
    write_bytes(plain, text, len);
    size_t gn, zn;
    unsigned char *g = gzip_bytes(text, len, &gn), *z = zstd_bytes(text, len, &zn);
    write_bytes(gz, g, gn);
    write_bytes(zst, z, zn);
    write_bytes(cut, z, zn * 2 / 3); /* a truncated stream: an error after some documents */
    free(g);
    free(z);
    /* the plain file is read at offsets by the parsing threads (blocks
     * smaller than it), the gzip one as a stream cut by the reader */
    static const size_t blocks[] = {1, 100, 4096, 65536, 0};
    for (size_t b = 0; b < sizeof blocks / sizeof *blocks; b++) {
        if (blocks[b] >= 4096 || blocks[b] == 0) {
            check_parallel_same(plain, 0, 0, 2, blocks[b]);
            check_parallel_same(plain, 1, 0, 3, blocks[b]);
        }
        check_parallel_same(gz, 0, 0, 4, blocks[b]);
    }
    check_parallel_same(plain, 0, 0, 2, 1000); /* ranges inside the 300 kB line */
    {
        /* the last line, without its '\n', runs from one range to the file's end */
        char tail[600];
        snprintf(tail, sizeof tail, "%s", tpath("par-tail.jsonl"));
        size_t tn = 0;
        char *t = malloc(40000);
        for (int k = 0; k < 100; k++)
            tn += (size_t)sprintf(t + tn, "{\"id\":\"t%d\"}\n", k);
        tn += (size_t)sprintf(t + tn, "{\"id\":\"end\",\"text\":\"");
        while (tn < 30000)
            t[tn++] = 'x';
        tn += (size_t)sprintf(t + tn, "\"}");
        write_bytes(tail, t, tn);
        free(t);
        check_parallel_same(tail, 0, 0, 2, 4096);
        check_parallel_same(tail, 1, 0, 3, 1000);
    }
    check_parallel_same(zst, 0, 0, 2, (size_t)1 << 20);
    check_parallel_same(cut, 0, 0, 3, (size_t)1 << 20); /* reads of 1 MiB, as one thread's */
    check_parallel_same(plain, 0, 777, 2, 4096);         /* the callback stops the read */
    result r = read_with(cut, GAL_FORMAT_AUTO, 0, 1);
    CHECK(r.rc == GAL_EINPUT && r.docs.n > 1000); /* the truncated case is not vacuous */
    coll_free(&r.docs);
    free(text);
    /* a file of one block is parsed on the calling thread: same again */
    write_str(plain, "{\"id\":\"1\"}\n\n{bad\n{\"id\":\"2\"}");
    check_parallel_same(plain, 0, 0, 2, 0);
    check_parallel_same(plain, 1, 0, 2, 0);
}

/* ---- TREC parsed on several threads ------------------------------------- */

/* Blocks of every kind, many times over: entities, several TEXTs, CR LF,
 * no title or no text, text between blocks, damaged blocks (from block
 * `first_damaged` on), one of 300 kB, and a last block never closed. */
static char *tricky_trec(size_t nblocks, size_t first_damaged, size_t *len)
{
    size_t cap = nblocks * 300 + 400000, n = 0;
    char *s = malloc(cap);
    for (size_t i = 0; i < nblocks; i++) {
        int damaged = i >= first_damaged;
        switch (i % 19) {
        case 2: n += (size_t)sprintf(s + n, "<doc>\n<docno> l%zu </docno>\n<head>H &#233;&#x20ac;</head>\n<text>\nfirst\n</text>\n<P>x</P>\n<TEXT>\nsecond &amp; &nbsp;\n</TEXT>\n</doc>\n", i); break;
        case 3: n += (size_t)sprintf(s + n, "<DOC>\r\n<DOCNO>c%zu</DOCNO>\r\n<TITLE>\r\nCR\r\n</TITLE>\r\n<TEXT>\r\n\r\nbody\r\n</TEXT>\r\n</DOC>\r\n", i); break;
        case 4: n += (size_t)sprintf(s + n, "text between blocks\n<DOC>\n<DOCNO>t%zu</DOCNO>\n</DOC>\n", i); break;
        case 5:
            if (damaged)
                n += (size_t)sprintf(s + n, "<DOC>\n<DOCNO>bad%zu\n<TEXT>\nx\n</TEXT>\n</DOC>\n", i);
            break;
        case 6:
            if (damaged)
                n += (size_t)sprintf(s + n, "<DOC>\n<DOCNO>u%zu</DOCNO>\n<HEADLINE>open\n</DOC>\n", i);
            break;
        case 7:
            if (damaged)
                n += (size_t)sprintf(s + n, "<DOC>\n<DOCNO>v%zu</DOCNO>\n<TEXT>\nnever closed\n</DOC>\n", i);
            break;
        case 8:
            if (i == 8) { /* a block of 300 kB */
                n += (size_t)sprintf(s + n, "<DOC>\n<DOCNO>big</DOCNO>\n<TEXT>\n");
                for (int k = 0; k < 30000; k++)
                    n += (size_t)sprintf(s + n, "w%04d &lt; ", k % 9973);
                n += (size_t)sprintf(s + n, "\n</TEXT>\n</DOC>\n");
                break;
            }
            /* fall through */
        default:
            n += (size_t)sprintf(s + n, "<DOC>\n<DOCNO> d%zu </DOCNO>\n<HEADLINE>\nTitle %zu &amp; co\n</HEADLINE>\n"
                                        "<TEXT>\nBody of %zu, with &lt;tags&gt; and words.\n</TEXT>\n</DOC>\n", i, i, i);
        }
    }
    n += (size_t)sprintf(s + n, "<DOC>\n<DOCNO>cut</DOCNO>\n<TEXT>\nno end\n");
    *len = n;
    return s;
}

/* The TREC reader with parsing threads gives what one thread gives, as
 * for JSON Lines and WARC. */
static void test_trec_parallel(void)
{
    size_t len;
    char *t = tricky_trec(20000, 30, &len);
    char *plain = strdup(tpath("mixed.trec")), *gz = strdup(tpath("mixed.trec.gz"));
    char *cut = strdup(tpath("cutmixed.trec.gz")), *late = strdup(tpath("late.trec"));
    write_bytes(plain, t, len);
    size_t gn;
    unsigned char *g = gzip_bytes(t, len, &gn);
    write_bytes(gz, g, gn);
    write_bytes(cut, g, gn * 2 / 3);
    const size_t blocks[] = {1, 700, 65536, 0};
    for (size_t b = 0; b < sizeof blocks / sizeof *blocks; b++) {
        check_parallel_same(plain, 0, 0, 2, blocks[b]);
        check_parallel_same(plain, 1, 0, 3, blocks[b]);
        check_parallel_same(gz, 0, 0, 4, blocks[b]);
    }
    check_parallel_same(cut, 0, 0, 2, 4096); /* the same documents, then the same error */
    check_parallel_same(cut, 1, 0, 3, 4096);
    check_parallel_same(plain, 0, 2345, 3, 4096); /* the callback stops the read */
    free(t);
    t = tricky_trec(20000, 15000, &len);
    write_bytes(late, t, len);
    check_parallel_same(late, 1, 0, 3, 8192); /* a strict run stopped deep in the file */
    check_parallel_same(late, 0, 0, 3, 8192);
    const char *small[] = {"t.trec", "t3.sgml", "big.trec"};
    for (size_t i = 0; i < sizeof small / sizeof *small; i++) {
        char *p = strdup(tpath(small[i]));
        check_parallel_same(p, 0, 0, 2, 1);
        check_parallel_same(p, 1, 0, 3, 0);
        free(p);
    }
    printf("TREC: one thread and 2-4 parsing threads agree on %zu-byte files\n", len);
    free(t);
    free(g);
    free(plain);
    free(gz);
    free(cut);
    free(late);
}

/* ---- WARC parsed on several threads ------------------------------------- */

/* Records of every kind, many times over: pages in several codings and
 * charsets, records that are not pages, pages that are not documents,
 * damaged records (from record `first_damaged` on), junk between
 * records, a record of 300 kB, and a last record cut short. */
static char *tricky_warc(size_t nrecords, size_t first_damaged, size_t *len)
{
    char *w = NULL, id[64], page[512];
    *len = 0;
    const char *zipped = "<html><title>Zipped</title><body>inflated words</body></html>";
    size_t zn;
    unsigned char *z = gzip_bytes(zipped, strlen(zipped), &zn);
    for (size_t i = 0; i < nrecords; i++) {
        snprintf(id, sizeof id, "r%zu", i);
        int damaged = i >= first_damaged;
        switch (i % 23) {
        case 3: warc_add_str(&w, len, "warcinfo", "application/warc-fields", id, "software: t\r\n"); break;
        case 4: coded_response(&w, len, id, "gzip", z, zn); break;
        case 5:
            warc_add_str(&w, len, "response", RESPONSE, id,
                         HTTP_OK "Content-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "16\r\n<title>Chunked</title>6\r\n<p>abc\r\n0\r\n\r\n");
            break;
        case 6: warc_add_str(&w, len, "response", RESPONSE, id, "HTTP/1.1 404 Not Found\r\n\r\n<p>x</p>"); break;
        case 7: warc_add_str(&w, len, "conversion", "text/plain", id, "WET title\nWET body\n"); break;
        case 8:
            warc_add_str(&w, len, "response", RESPONSE, id,
                         HTTP_OK "Content-Type: text/html; charset=ISO-8859-1\r\n\r\n<title>Caf\xe9</title><p>\x93q\x94</p>");
            break;
        case 9:
            if (damaged)
                raw_add(&w, len, "WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: lots\r\n\r\nlost\r\n\r\n");
            break;
        case 10:
            if (damaged)
                warc_add_str(&w, len, "response", RESPONSE, id,
                             HTTP_OK "Content-Type: text/html\r\nContent-Encoding: gzip\r\n\r\nnot gzip");
            break;
        case 11:
            if (damaged)
                raw_add(&w, len, "junk between records\n");
            break;
        case 12:
            if (damaged)
                warc_add_str(&w, len, "response", RESPONSE, id, "<p>no HTTP status line</p>");
            break;
        case 13: warc_add_str(&w, len, "resource", NULL, id, "  <p>untyped markup</p>"); break;
        case 14:
            if (i == 14) { /* a page of 300 kB */
                size_t big = 300000, bn = 0;
                char *b = malloc(big + 64);
                bn = (size_t)sprintf(b, HTTP_OK "Content-Type: text/html\r\n\r\n<title>Big</title><p>");
                while (bn + 12 < big)
                    bn += (size_t)sprintf(b + bn, "word%05zu ", bn % 99991);
                warc_add(&w, len, "response", RESPONSE, id, b, bn);
                free(b);
                break;
            }
            /* fall through */
        default:
            snprintf(page, sizeof page,
                     HTTP_OK "Content-Type: text/html; charset=utf-8\r\n\r\n<html><head><title>Page %zu"
                     "</title></head><body><p>Body of page %zu &amp; more, <b>bold</b> text.</p></body></html>",
                     i, i);
            warc_add_str(&w, len, "response", RESPONSE, id, page);
        }
        if (i % 7 == 0)
            raw_add(&w, len, "\r\n"); /* blank lines between records */
    }
    raw_add(&w, len, "WARC/1.0\r\nWARC-Type: conversion\r\nContent-Length: 500\r\n\r\nshort");
    free(z);
    return w;
}

/* The WARC reader with parsing threads gives what one thread gives (the
 * same check as for JSON Lines): jobs from one record each to many, plain
 * and compressed, damaged records in strict and lenient runs, a stream
 * cut short, and a callback that stops. */
static void test_warc_parallel(void)
{
    size_t len;
    char *w = tricky_warc(5000, 40, &len);
    char *plain = strdup(tpath("mixed.warc")), *gz = strdup(tpath("mixed.warc.gz"));
    char *zst = strdup(tpath("mixed.warc.zst")), *cut = strdup(tpath("cutmixed.warc.gz"));
    char *late = strdup(tpath("late.warc"));
    write_bytes(plain, w, len);
    size_t gn, zn;
    unsigned char *g = gzip_bytes(w, len, &gn), *z = zstd_bytes(w, len, &zn);
    write_bytes(gz, g, gn);
    write_bytes(zst, z, zn);
    write_bytes(cut, g, gn * 2 / 3);
    const size_t blocks[] = {1, 700, 65536, 0};
    for (size_t b = 0; b < sizeof blocks / sizeof *blocks; b++) {
        check_parallel_same(plain, 0, 0, 2, blocks[b]);
        check_parallel_same(plain, 1, 0, 3, blocks[b]);
        check_parallel_same(gz, 0, 0, 4, blocks[b]);
    }
    check_parallel_same(zst, 0, 0, 3, 4096);
    check_parallel_same(cut, 0, 0, 2, 4096); /* the same documents, then the same error */
    check_parallel_same(cut, 1, 0, 2, 4096);
    check_parallel_same(plain, 0, 1234, 3, 4096); /* the callback stops the read */
    /* a strict run that meets its first damaged record deep in the file */
    free(w);
    w = tricky_warc(5000, 4000, &len);
    write_bytes(late, w, len);
    check_parallel_same(late, 1, 0, 3, 8192);
    check_parallel_same(late, 0, 0, 3, 8192);
    /* the small files of the tests above */
    const char *small[] = {"crawl.warc", "crawl.warc.gz", "damaged.warc", "cut-head.warc",
                           "big.warc", "charsets.warc", "codings.warc"};
    for (size_t i = 0; i < sizeof small / sizeof *small; i++) {
        char *p = strdup(tpath(small[i]));
        check_parallel_same(p, 0, 0, 2, 1);
        check_parallel_same(p, 1, 0, 3, 0);
        free(p);
    }
    printf("WARC: one thread and 2-4 parsing threads agree on %zu-byte files\n", len);
    free(w);
    free(g);
    free(z);
    free(plain);
    free(gz);
    free(zst);
    free(cut);
    free(late);
}

/* ---- shared corpora ---------------------------------------------------------- */

static void compare_corpus(const char *shared, const char *name)
{
    char jp[1024], tp[1024];
    snprintf(jp, sizeof jp, "%s/corpora/%s.jsonl.zst", shared, name);
    snprintf(tp, sizeof tp, "%s/corpora/%s.trec.zst", shared, name);
    if (access(jp, R_OK) != 0 || access(tp, R_OK) != 0) {
        printf("skipping %s: %s or %s not found\n", name, jp, tp);
        return;
    }
    result j = read_with(jp, GAL_FORMAT_AUTO, 1, 0);
    result t = read_with(tp, GAL_FORMAT_AUTO, 1, 0);
    CHECK(j.rc == 0);
    CHECK(t.rc == 0);
    if (j.rc)
        fprintf(stderr, "  %s\n", j.detail);
    if (t.rc)
        fprintf(stderr, "  %s\n", t.detail);
    CHECK(j.docs.n > 0);
    CHECK_EQ_U64(j.docs.n, t.docs.n);
    size_t bad = 0;
    for (size_t i = 0; i < j.docs.n && i < t.docs.n; i++) {
        cdoc *a = &j.docs.v[i], *b = &t.docs.v[i];
        if (!str_eq(&a->id, &b->id) || !str_eq(&a->title, &b->title) ||
            !str_eq(&a->text, &b->text)) {
            if (bad++ < 3)
                fprintf(stderr, "  %s doc %zu (id %s / %s) differs\n", name, i, a->id.p, b->id.p);
        }
    }
    CHECK_EQ_U64(bad, 0);
    CHECK(j.stats.raw_bytes > j.stats.input_bytes);
    /* parsed on three threads, 64 kB at a time: the same documents */
    gal_read_opts par = {.strict = 1, .parse_threads = 3, .parse_block = 65536};
    for (int k = 0; k < 2; k++) {
        const result *one = k ? &t : &j;
        result p = read_opts(k ? tp : jp, &par, 0);
        size_t differ = p.docs.n == one->docs.n ? 0 : 1;
        for (size_t i = 0; !differ && i < one->docs.n; i++)
            differ = !cdoc_eq(&one->docs.v[i], &p.docs.v[i]);
        CHECK(p.rc == 0 && differ == 0);
        coll_free(&p.docs);
    }
    printf("%s: %zu documents identical in JSONL and TREC, and parsed on 3 threads\n", name,
           j.docs.n);
    coll_free(&j.docs);
    coll_free(&t.docs);
}

/* One JSON array of documents: objects over several lines, braces and
 * brackets inside strings, a missing ',' forgiven, elements that are not
 * objects or do not parse skipped with the line they are on, one too long
 * passed over; a strict run stops at the first; an array cut short reports
 * its last element.  And objects pretty-printed with no array. */
static void test_json_array(void)
{
    const char *a = "\xEF\xBB\xBF  [\n"
                    "  {\"id\": \"a\",\n   \"text\": \"x { ] \\\" }\"},\n"
                    "  {\"id\": \"b\"} {\"id\": \"c\"},\n"
                    "  42, \"str\", [1, {\"id\": \"inner\"}],\n"
                    "  {\"id\": \"bad\",\n  \"title\": nope},\n"
                    "  {\"id\": \"long\", \"text\": \"0123456789012345678901234567890123456789\"},\n"
                    "  {\"id\": \"d\"},\n"
                    "]\n";
    char *p = tpath("docs.json");
    write_str(p, a);
    gal_read_opts opts = {.max_record = 60};
    result r = read_opts(p, &opts, 0);
    CHECK(r.rc == 0);
    CHECK_EQ_U64(r.docs.n, 4);
    CHECK_EQ_U64(r.stats.skipped, 5);
    if (r.docs.n == 4) {
        CHECK(str_is(&r.docs.v[0].id, "a") && str_is(&r.docs.v[0].text, "x { ] \" }"));
        CHECK(str_is(&r.docs.v[1].id, "b") && str_is(&r.docs.v[2].id, "c"));
        CHECK(str_is(&r.docs.v[3].id, "d"));
        CHECK_EQ_U64(r.docs.v[0].line, 2);
        CHECK_EQ_U64(r.docs.v[2].line, 4);
        CHECK_EQ_U64(r.docs.v[3].line, 9);
        CHECK(r.docs.v[0].end_offset < r.docs.v[1].end_offset &&
              r.docs.v[2].end_offset < r.docs.v[3].end_offset);
    }
    CHECK(strstr(warnings, "docs.json:5: a JSON array element that is not an object") != NULL);
    CHECK(strstr(warnings, "docs.json:7: invalid JSON at byte 26 of the JSON array element from "
                           "line 6: invalid literal") != NULL);
    CHECK(strstr(warnings, "docs.json:8: JSON array element longer than 60 bytes") != NULL);
    coll_free(&r.docs);
    opts.strict = 1;
    r = read_opts(p, &opts, 0);
    CHECK(r.rc == GAL_EINPUT && r.docs.n == 3 && strstr(r.detail, "docs.json:5: a JSON array"));
    coll_free(&r.docs);

    r = read_str("cut.json", "[{\"id\": \"a\"},\n {\"id\": \"b\", \"text\": \"cut sh", 0);
    CHECK(r.rc == 0 && r.docs.n == 1 && r.stats.skipped == 1);
    CHECK(strstr(warnings, "cut.json:2: JSON array element cut short") != NULL);
    coll_free(&r.docs);
    r = read_str("open.json", "[{\"id\": \"a\"},\n", 0);
    CHECK(r.rc == 0 && r.docs.n == 1 && strstr(warnings, "open.json:2: the JSON array has no "
                                                          "closing ']'") != NULL);
    coll_free(&r.docs);
    r = read_str("after.json", "[{\"id\": \"a\"}]\n\n{\"id\": \"b\"}\n", 0);
    CHECK(r.rc == 0 && r.docs.n == 1 && strstr(warnings, "after.json:3: invalid JSON: text after "
                                                          "the array's closing ']'") != NULL);
    coll_free(&r.docs);
    r = read_str("colon.json", "[{\"id\": \"a\"} : {\"id\": \"b\"}]", 0);
    CHECK(r.rc == 0 && r.docs.n == 1 && strstr(warnings, "colon.json:1: invalid JSON: expected "
                                                          "',' or ']'") != NULL);
    coll_free(&r.docs);
    r = read_str("empty.json", " [ ] ", 0);
    CHECK(r.rc == 0 && r.docs.n == 0 && r.stats.skipped == 0);
    coll_free(&r.docs);

    /* objects pretty-printed one after another (jq's output), with no array:
     * found by the lone '{' of the first line; a line of JSON Lines that
     * starts "{ " is not taken for one */
    r = read_str("jq.json", "\n{\n  \"id\": \"p1\",\n  \"text\": \"one\"\n}\n"
                            "{\"id\": \"p2\"}\n{\n  \"id\": \"p3\"\n}\n7\n{\n \"id\": ", 0);
    CHECK(r.rc == 0 && r.docs.n == 3 && r.stats.skipped == 2);
    if (r.docs.n == 3)
        CHECK(str_is(&r.docs.v[0].text, "one") && r.docs.v[0].line == 2 &&
              str_is(&r.docs.v[2].id, "p3") && r.docs.v[2].line == 7);
    CHECK(strstr(warnings, "jq.json:10: a JSON value that is not an object") != NULL);
    CHECK(strstr(warnings, "jq.json:11: JSON value cut short at the end of the file") != NULL);
    coll_free(&r.docs);
    /* a text of escaped quotes and backslashes over several of the reader's
     * 1 MiB blocks, after an id of 0 to 6 more bytes: over the seven files
     * a block ends at every byte of the 7-byte piece, a backslash that
     * escapes a quote or another backslash included (a quote taken for the
     * string's end would make the '}' after it end the element) */
    static const char piece[] = "x\\\"}\\\\z"; /* x\"}\\z: decodes to x"}\z */
    size_t plen = sizeof piece - 1, reps = 450000;
    char *big = malloc(reps * plen + 200);
    for (int pad = 0; pad < 7; pad++) {
        size_t n = (size_t)sprintf(big, "[{\"id\": \"big%.*s\", \"text\": \"", pad, "pppppp");
        for (size_t i = 0; i < reps; i++, n += plen)
            memcpy(big + n, piece, plen);
        n += (size_t)sprintf(big + n, "\"},\n{\"id\": \"after\"}]\n");
        p = tpath("escapes.json");
        write_bytes(p, big, n);
        r = read_opts(p, NULL, 0);
        CHECK(r.rc == 0 && r.docs.n == 2 && r.stats.skipped == 0);
        if (r.docs.n == 2) {
            CHECK_EQ_U64(r.docs.v[0].text.len, (uint64_t)reps * 5);
            CHECK(r.docs.v[0].text.len >= 5 && !memcmp(r.docs.v[0].text.p, "x\"}\\z", 5));
            CHECK(str_is(&r.docs.v[1].id, "after") && r.docs.v[1].line == 2);
        }
        coll_free(&r.docs);
    }
    free(big);

    r = read_str("lines.json", "{ \"id\": \"l1\" }\n{\"id\": \"l2\"}\n{\n", 0);
    CHECK(r.rc == 0 && r.docs.n == 2 && r.stats.skipped == 1);
    CHECK(strstr(warnings, "lines.json:3: invalid JSON") != NULL);
    coll_free(&r.docs);
}

/* ---- records longer than a record may be ------------------------------- */

/* n bytes of "xxx..." into *s at *len, as a JSON string's or a tag's text. */
static void add_filler(char *s, size_t *len, size_t n)
{
    memset(s + *len, 'x', n);
    *len += n;
}

/* Lines over the limit are skipped with a warning naming them, whether the
 * reader finds their end (a whole line of more bytes) or passes over what
 * it never keeps (no '\n' for many times the limit); the line just at the
 * limit is kept; the documents after them keep their line numbers, on one
 * thread and on several, from a plain file and from a stream. */
static void test_too_long(void)
{
    enum { MAX = 100000 };
    size_t cap = 40 * MAX, n = 0;
    char *s = malloc(cap);
    n += (size_t)sprintf(s + n, "{\"id\":\"a\",\"body\":\"first\"}\n");
    n += (size_t)sprintf(s + n, "{\"id\":\"long\",\"body\":\"");
    add_filler(s, &n, 3 * MAX);
    n += (size_t)sprintf(s + n, "\"}\n{\"id\":\"b\",\"body\":\"second\"}\n");
    size_t at = n; /* a line of exactly MAX bytes, then one of MAX + 1 */
    n += (size_t)sprintf(s + n, "{\"id\":\"edge\",\"body\":\"");
    add_filler(s, &n, MAX - (n - at) - 2);
    n += (size_t)sprintf(s + n, "\"}\n");
    at = n;
    n += (size_t)sprintf(s + n, "{\"id\":\"over\",\"body\":\"");
    add_filler(s, &n, MAX - (n - at) - 1);
    n += (size_t)sprintf(s + n, "\"}\n");
    add_filler(s, &n, 20 * MAX); /* no '\n' for twenty limits */
    n += (size_t)sprintf(s + n, "\n{\"id\":\"c\",\"body\":\"third\"}\n");
    add_filler(s, &n, 5 * MAX); /* and the last line, without an end */
    char *plain = strdup(tpath("long.jsonl")), *zst = strdup(tpath("long.jsonl.zst"));
    write_bytes(plain, s, n);
    size_t zn;
    unsigned char *z = zstd_bytes(s, n, &zn);
    write_bytes(zst, z, zn);
    free(z);

    gal_read_opts opts = {.max_record = MAX};
    result r = read_opts(plain, &opts, 0);
    CHECK(r.rc == 0);
    CHECK_EQ_U64(r.docs.n, 4);
    CHECK_EQ_U64(r.stats.skipped, 4);
    if (r.docs.n == 4) {
        CHECK(str_is(&r.docs.v[0].id, "a") && str_is(&r.docs.v[1].id, "b"));
        CHECK(str_is(&r.docs.v[2].id, "edge") && str_is(&r.docs.v[3].id, "c"));
        CHECK_EQ_U64(r.docs.v[1].line, 3);
        CHECK_EQ_U64(r.docs.v[3].line, 7);
    }
    CHECK(strstr(warnings, "long.jsonl:2: JSON line longer than 100000 bytes, the most a "
                           "record may have (record skipped)") != NULL);
    CHECK(strstr(warnings, "long.jsonl:5: JSON line longer") != NULL);
    CHECK(strstr(warnings, "long.jsonl:6: JSON line longer") != NULL);
    CHECK(strstr(warnings, "long.jsonl:8: JSON line longer") != NULL);
    coll_free(&r.docs);
    opts.strict = 1;
    r = read_opts(plain, &opts, 0);
    CHECK(r.rc == GAL_EINPUT && r.docs.n == 1 && strstr(r.detail, "long.jsonl:2: JSON line"));
    coll_free(&r.docs);

    parallel_max_record = MAX;
    const size_t blocks[] = {1, 4096, 65536, 3 * MAX, 0};
    for (size_t b = 0; b < sizeof blocks / sizeof *blocks; b++) {
        check_parallel_same(plain, 0, 0, 2, blocks[b]);
        check_parallel_same(plain, 1, 0, 3, blocks[b]);
        check_parallel_same(zst, 0, 0, 3, blocks[b]);
    }

    /* TREC: a document over the limit, one without its </DOC> */
    n = 0;
    n += (size_t)sprintf(s + n, "<DOC><DOCNO>a</DOCNO><TEXT>one</TEXT></DOC>\n");
    n += (size_t)sprintf(s + n, "<DOC><DOCNO>long</DOCNO><TEXT>");
    add_filler(s, &n, 2 * MAX);
    n += (size_t)sprintf(s + n, "</TEXT></DOC>\n<DOC><DOCNO>b</DOCNO><TEXT>two</TEXT></DOC>\n");
    n += (size_t)sprintf(s + n, "<DOC><DOCNO>open</DOCNO><TEXT>\n");
    add_filler(s, &n, 4 * MAX);
    n += (size_t)sprintf(s + n, "\n<DOC><DOCNO>c</DOCNO><TEXT>three</TEXT></DOC>\n");
    char *trec = strdup(tpath("long.trec"));
    write_bytes(trec, s, n);
    r = read_opts(trec, &opts, 0);
    CHECK(r.rc == GAL_EINPUT && r.docs.n == 1 && strstr(r.detail, "long.trec:2: TREC document"));
    coll_free(&r.docs);
    opts.strict = 0;
    r = read_opts(trec, &opts, 0);
    CHECK(r.rc == 0 && r.docs.n == 3 && r.stats.skipped == 2);
    if (r.docs.n == 3)
        CHECK(str_is(&r.docs.v[1].id, "b") && str_is(&r.docs.v[2].id, "c") &&
              r.docs.v[2].line == 6);
    CHECK(strstr(warnings, "long.trec:4: TREC document (no </DOC>?) longer than") != NULL);
    coll_free(&r.docs);
    check_parallel_same(trec, 0, 0, 2, 4096);
    check_parallel_same(trec, 1, 0, 3, 65536);
    parallel_max_record = 0;

    /* a text file is one document: none when it is too long */
    char *text = strdup(tpath("long.txt"));
    write_bytes(text, s, 3 * MAX);
    r = read_opts(text, &opts, 0);
    CHECK(r.rc == 0 && r.docs.n == 0 && r.stats.skipped == 1);
    CHECK(strstr(warnings, "long.txt:1: text file longer than") != NULL);
    CHECK_EQ_U64(r.stats.raw_bytes, 3 * MAX);
    coll_free(&r.docs);
    free(s);
    free(plain);
    free(zst);
    free(trec);
    free(text);
}

int main(int argc, char **argv)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/galley-reader-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_jsonl_fields();
    test_jsonl_escapes();
    test_jsonl_nested();
    test_jsonl_malformed();
    test_jsonl_lines();
    test_jsonl_huge();
    test_jsonl_parallel();
    test_trec();
    test_warc();
    test_warc_charsets();
    test_warc_codings();
    test_warc_parallel();
    test_trec_parallel();
    test_text();
    test_too_long();
    test_json_array();
    test_detect();
    test_compressed();
    test_input_list();
    test_stdin();
    test_callback_stop();
    test_alloc_failures();

    struct stat st;
    if (argc > 1 && stat(argv[1], &st) == 0 && S_ISDIR(st.st_mode)) {
        compare_corpus(argv[1], "reuters21578");
        compare_corpus(argv[1], "bbc");
        compare_corpus(argv[1], "agnews-test");
        compare_corpus(argv[1], "20news-bydate");
    } else {
        printf("skipping the shared corpora: %s is not a directory\n",
               argc > 1 ? argv[1] : "(no argument)");
    }
    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return check_exit("test_reader");
}
