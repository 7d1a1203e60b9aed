/*
 * test_query_parse.c — the query language: trees, errors with columns,
 * absurd input, BM25 arithmetic, snippets and JSON escaping (no index needed).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "bm25.h"
#include "check.h"
#include "output.h"
#include "query.h"
#include "snippet.h"
#include "status.h"
#include "tokenizer_rules.h"

static char tree[4096];

/* Parse q; return its tree or "ERR: detail". */
static const char *parse(const char *q)
{
    gal_query *pq;
    gal_error_clear();
    int rc = gal_query_parse(q, strlen(q), &pq);
    if (rc) {
        snprintf(tree, sizeof tree, "ERR: %s", gal_error_detail(rc));
        return tree;
    }
    gal_buf b;
    gal_buf_init(&b);
    gal_query_format(pq, &b);
    snprintf(tree, sizeof tree, "%.*s", (int)b.len, (const char *)b.data);
    gal_buf_release(&b);
    gal_query_free(pq);
    return tree;
}

#define EXPECT(q, want)                                                              \
    do {                                                                             \
        const char *got_ = parse(q);                                                 \
        check_count++;                                                               \
        if (strcmp(got_, want)) {                                                    \
            check_failures++;                                                        \
            fprintf(stderr, "%s:%d: parse(%s)\n  got  %s\n  want %s\n", __FILE__, __LINE__, \
                    q, got_, want);                                                  \
        }                                                                            \
    } while (0)

static void test_trees(void)
{
    EXPECT("tariff talks", "(and tariff talks)");
    EXPECT("Tariff", "tariff");
    EXPECT("trade OR tariffs", "(or trade tariffs)");
    EXPECT("trade or tariffs", "(and trade or tariffs)");
    EXPECT("a OR b -c", "(or a (and b (not c)))");
    EXPECT("a b OR c d", "(or (and a b) (and c d))");
    EXPECT("china -bitcoin", "(and china (not bitcoin))");
    EXPECT("china NOT bitcoin", "(and china (not bitcoin))");
    EXPECT("a AND b", "(and a b)");
    EXPECT("(a OR b) c", "(and (or a b) c)");
    EXPECT("((a))", "a");
    EXPECT("a (b c)", "(and a b c)");
    EXPECT("a OR (b OR c)", "(or a b c)");
    EXPECT("\"tariff talks\"", "\"tariff talks\"");
    EXPECT("\"China trade\"~3", "(near 3 china trade)");
    EXPECT("\"one\"~3", "one");
    EXPECT("tarif*", "tarif*");
    EXPECT("Über*", "über*");
    EXPECT("title:tariffs", "title:tariffs");
    EXPECT("title:\"trade war\"", "title:\"trade war\"");
    EXPECT("title:(a OR b) c", "(and (or title:a title:b) c)");
    EXPECT("title:tarif*", "title:tarif*");
    EXPECT("entity:\"Scott Bessent\"", "entity:\"scott bessent\"");
    EXPECT("entity:Trump", "entity:\"trump\"");
    EXPECT("date:2025-04-01..2025-05-31", "date:2025-04-01..2025-05-31");
    EXPECT("date:..1987-03-31 cocoa", "(and date:..1987-03-31 cocoa)");
    EXPECT("date:1987-03-01..", "date:1987-03-01..");
    EXPECT("date:1987-02", "date:1987-02-01..1987-02-28");
    EXPECT("date:2000-02", "date:2000-02-01..2000-02-29");
    EXPECT("date:1987", "date:1987-01-01..1987-12-31");
    EXPECT("U.S.", "\"u s\"");
    EXPECT("reagan's", "\"reagan s\"");
    EXPECT("New York-based", "(and new \"york based\")");
    EXPECT("Trump’s", "\"trump s\"");
    EXPECT("a -- b", "(and a b)");
    EXPECT("a & b", "(and a b)");
    EXPECT("-a b", "(and (not a) b)");
    EXPECT("a -\"b c\"", "(and a (not \"b c\"))");
    EXPECT("a -(b OR c)", "(and a (not (or b c)))");
    EXPECT("  a\t\n", "a");
    EXPECT("x:y", "\"x y\"");
}

static void test_errors(void)
{
    EXPECT("hello \"world", "ERR: unclosed quote at column 7");
    EXPECT("tariffs and \"trade", "ERR: unclosed quote at column 13");
    EXPECT("ü \"x", "ERR: unclosed quote at column 3");
    EXPECT("(a b", "ERR: unclosed '(' at column 1");
    EXPECT("a b)", "ERR: unmatched ')' at column 4");
    EXPECT("()", "ERR: empty parentheses at column 1");
    EXPECT("a OR", "ERR: OR needs a term on each side at column 3");
    EXPECT("OR a", "ERR: OR needs a term on each side at column 1");
    EXPECT("a OR OR b", "ERR: OR needs a term on each side at column 3");
    EXPECT("a NOT", "ERR: NOT needs a term after it at column 3");
    EXPECT("-a", "ERR: query needs at least one positive term at column 1");
    EXPECT("-a -b", "ERR: query needs at least one positive term at column 1");
    EXPECT("a OR -b", "ERR: each side of OR needs a positive term at column 6");
    EXPECT("", "ERR: empty query");
    EXPECT("   ", "ERR: empty query");
    EXPECT("&&", "ERR: empty query");
    EXPECT("\"\"", "ERR: empty phrase at column 1");
    EXPECT("\"a b\"~", "ERR: expected a number after '~' at column 6");
    EXPECT("date:1987-13-01", "ERR: bad date (use YYYY-MM-DD, YYYY-MM or YYYY) at column 6");
    EXPECT("date:1987-02-30", "ERR: bad date (use YYYY-MM-DD, YYYY-MM or YYYY) at column 6");
    EXPECT("date:..", "ERR: date: needs a day or a range such as 2025-04-01..2025-05-31 at column 1");
    EXPECT("date:1988..1987", "ERR: date range ends before it starts at column 6");
    EXPECT("title: x", "ERR: title: needs a word, a \"phrase\" or a (group) at column 1");
    EXPECT("new-york*", "ERR: a prefix* must be a single word at column 1");
#define STARS_ALONE "ERR: '*' needs the start of a word before it (a prefix such as tarif*)"
    EXPECT("*", STARS_ALONE " at column 1");
    EXPECT("oil **", STARS_ALONE " at column 5");
    EXPECT("title:*", STARS_ALONE " at column 7");
    EXPECT("oil &&", "oil"); /* a word of no letters is passed over */
    EXPECT("oil entity:Trump*", "ERR: entity: takes a whole name, not a prefix* "
                                "('galley entities --match WORD' lists names) at column 5");
    EXPECT("entity:*x*", "ERR: entity: takes a whole name, not a prefix* "
                         "('galley entities --match WORD' lists names) at column 1");
    EXPECT("entity:*", "ERR: entity: needs a name at column 1");
    EXPECT("entity:\"Bu*,\"", "ERR: entity: takes a whole name, not a prefix* "
                              "('galley entities --match WORD' lists names) at column 1");
    EXPECT("oil entity:\"George Bu*\"", "ERR: entity: takes a whole name, not a prefix* "
                                        "('galley entities --match WORD' lists names) at column 5");
    /* a word of a phrase that ends in '*' is a prefix there */
    EXPECT("\"oil pri*\"", "\"oil pri*\"");
    EXPECT("a \"pri** oil\"~3", "(and a (near 3 pri* oil))");
    EXPECT("title:\"oil  pri*\"", "title:\"oil pri*\"");
    EXPECT("\"pri*\"", "pri*");
    EXPECT("\"new-yor*\"", "\"new yor*\"");
    EXPECT("\"pri*, oil\"", "\"pri* oil\"");
    /* a star alone or inside a word is punctuation, as the tokenizer has it */
    EXPECT("\"5 * 3\"", "\"5 3\"");
    EXPECT("\"a*b c\"", "\"a b c\"");
    EXPECT("title:-oil gas", "ERR: title: cannot take '-': write -title:word to leave out the "
                             "documents with the word in their title at column 1");
    EXPECT("-title:oil gas", "(and (not title:oil) gas)");
    EXPECT("AND a", "ERR: AND needs a term before it at column 1");
}

static void test_absurd(void)
{
    size_t n = 100000;
    char *q = malloc(1 << 20 | 1);
    memset(q, '(', n);
    q[n] = 0;
    EXPECT(q, "ERR: query is nested too deeply at column 65");
    memset(q, '"', 10000);
    q[10000] = 0;
    EXPECT(q, "ERR: empty phrase at column 1");
    memset(q, '"', 10001);
    q[10001] = 0;
    EXPECT(q, "ERR: empty phrase at column 1");
    memset(q, '-', n);
    strcpy(q + n, "a");
    parse(q); /* must not crash */
    for (size_t k = 0; k < n; k++)
        q[k] = (k & 1) ? ' ' : 'a';
    q[n] = 0;
    EXPECT(q, "ERR: query has more than 1024 words at column 2049");
    /* prefixes, bare or in phrases, count together: 64 parse, a 65th not */
    q[0] = 0;
    for (int k = 0; k < 64; k++)
        strcat(q, k % 2 ? "t* " : "\"u* ab\" ");
    gal_query *ok;
    CHECK(gal_query_parse(q, strlen(q), &ok) == 0);
    if (ok)
        gal_query_free(ok);
    strcat(q, "v*");
    EXPECT(q, "ERR: query has more than 64 prefixes (word*) at column 353");
    /* 1 MB of random bytes */
    srand(12345);
    for (int round = 0; round < 20; round++) {
        size_t len = (size_t)(rand() % (1 << 20));
        for (size_t k = 0; k < len; k++)
            q[k] = (char)(rand() & 0xFF);
        gal_query *pq;
        if (!gal_query_parse(q, len, &pq))
            gal_query_free(pq);
    }
    /* nested NOT is bounded too */
    memset(q, 0, 1 << 20);
    for (size_t k = 0; k < 200; k++)
        memcpy(q + 4 * k, "NOT ", 4);
    EXPECT(q, "ERR: query is nested too deeply at column 257");
    free(q);
    /* allocation failures are reported, not crashed on */
    for (unsigned long nth = 1; nth < 40; nth++) {
        gal_query *pq;
        const char *s = "a OR (b \"c d\") -e title:f g* date:1987 entity:\"x y\"";
        gal_alloc_fail_at(nth);
        int rc = gal_query_parse(s, strlen(s), &pq);
        gal_alloc_fail_at(0);
        CHECK(rc == 0 || rc == GAL_ENOMEM);
        if (!rc)
            gal_query_free(pq);
    }
}

static void test_bm25(void)
{
    gal_bm25 m;
    gal_bm25_init(&m, 1000, 100.0);
    CHECK(fabs(gal_bm25_idf(&m, 10) - log(1 + (1000 - 10 + 0.5) / 10.5)) < 1e-12);
    CHECK(gal_bm25_idf(&m, 1000) > 0);
    CHECK(gal_bm25_term(&m, 2.0, 0, 100) == 0);
    /* at dl = avgdl: idf * tf * 2.2 / (tf + 1.2) */
    CHECK(fabs(gal_bm25_term(&m, 2.0, 3, 100) - 2.0 * 3 * 2.2 / (3 + 1.2)) < 1e-12);
    CHECK(gal_bm25_term(&m, 2.0, 3, 50) > gal_bm25_term(&m, 2.0, 3, 200));
    CHECK(gal_bm25_term(&m, 2.0, 4, 100) > gal_bm25_term(&m, 2.0, 3, 100));
}

static void test_snippet(void)
{
    const char *text = "Cocoa review\nShowers continued throughout the week in the Bahia cocoa zone, "
                       "alleviating the drought since early January.";
    size_t len = strlen(text), tl = 12;
    /* title has 2 tokens; body positions start at 2 + GAP */
    uint32_t b0 = 2 + GAL_TITLE_BODY_GAP;
    gal_posrange r[] = {{0, 0}, {b0 + 8, b0 + 8}, {b0 + 6, b0 + 7}};
    gal_posrange sorted[] = {r[0], r[2], r[1]};
    gal_spans sp;
    gal_spans_init(&sp);
    CHECK(gal_snippet_spans(text, len, tl, 2, sorted, 3, &sp) == 0);
    CHECK_EQ_U64(sp.n, 3);
    CHECK(sp.n == 3 && !strncmp(text + sp.v[0].start, "Cocoa", sp.v[0].end - sp.v[0].start));
    CHECK(sp.n == 3 && !strncmp(text + sp.v[1].start, "the Bahia", sp.v[1].end - sp.v[1].start));
    CHECK(sp.n == 3 && !strncmp(text + sp.v[2].start, "cocoa", 5));
    gal_excerpt e;
    gal_excerpt_init(&e);
    CHECK(gal_excerpt_make(&e, text, tl + 1, len, sp.v, sp.n, 40) == 0);
    gal_buf_push(&e.text, 0);
    CHECK(strstr((char *)e.text.data, "Bahia cocoa") != NULL);
    CHECK(!strncmp((char *)e.text.data, "\xE2\x80\xA6", 3));
    CHECK(e.text.len <= 40 + 7);
    CHECK_EQ_U64(e.marks.n, 2);
    if (e.marks.n == 2)
        CHECK(!strncmp((char *)e.text.data + e.marks.v[0].start, "the Bahia", 9));
    /* the whole body fits */
    CHECK(gal_excerpt_make(&e, text, tl + 1, len, sp.v, sp.n, 500) == 0);
    CHECK(e.text.data[0] == 'S' && e.text.data[e.text.len - 1] == '.');
    /* whitespace runs collapse */
    const char *ws = "a\n\n   b\tc";
    CHECK(gal_excerpt_make(&e, ws, 0, strlen(ws), NULL, 0, 100) == 0);
    CHECK(e.text.len == 5 && !memcmp(e.text.data, "a b c", 5));
    /* one long word is cut on a UTF-8 boundary */
    char big[300];
    for (int k = 0; k < 100; k++)
        memcpy(big + 3 * k, "\xC3\xA9\x78", 3);
    CHECK(gal_excerpt_make(&e, big, 0, 300, NULL, 0, 50) == 0);
    CHECK(e.text.len > 3 && (e.text.len - 3) % 3 != 1); /* never between C3 and A9 */
    gal_excerpt_release(&e);
    gal_spans_release(&sp);
}

static void test_json(void)
{
    gal_buf b;
    gal_buf_init(&b);
    const char in[] = "a\"b\\c\n\x01\xff\xC3\xA9\xED\xA0\x80z";
    CHECK(gal_json_string(&b, in, sizeof in - 1) == 0);
    const char want[] = "\"a\\\"b\\\\c\\n\\u0001\\ufffd\xC3\xA9\\ufffd\\ufffd\\ufffdz\"";
    CHECK(b.len == sizeof want - 1 && !memcmp(b.data, want, b.len));
    gal_buf_release(&b);
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    test_trees();
    test_errors();
    test_absurd();
    test_bm25();
    test_snippet();
    test_json();
    return check_exit("test_query_parse");
}
