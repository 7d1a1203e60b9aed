/*
 * query_parse.c — query text → syntax tree, by recursive descent.
 *
 * The recursion is bounded by GAL_QUERY_MAX_DEPTH (parentheses, NOT, title:)
 * and the tree by GAL_QUERY_MAX_TOKENS, so a megabyte of '(' or '"' gets an
 * error line, never a stack overflow or a huge allocation.
 */
#include "dates.h"
#include "query.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "status.h"
#include "terms.h"

typedef struct parser {
    const char *s;
    size_t len;
    size_t i;
    unsigned depth;
    uint32_t ntokens;
    uint32_t nprefixes; /* prefix* words so far */
} parser;

static int is_space(unsigned char c)
{
    return c <= ' ';
}

/* Ends a bare word: whitespace, parentheses, quotes. */
static int is_stop(unsigned char c)
{
    return is_space(c) || c == '(' || c == ')' || c == '"';
}

/* 1-based column of byte offset off, counted in code points. */
static uint32_t column_at(const parser *p, size_t off)
{
    uint32_t col = 1;
    for (size_t k = 0; k < off && k < p->len; k++)
        if (((unsigned char)p->s[k] & 0xC0) != 0x80)
            col++;
    return col;
}

static int fail(const parser *p, size_t off, const char *what)
{
    return gal_error_set(GAL_EUSAGE, "%s at column %" PRIu32, what, column_at(p, off));
}

static void skip_space(parser *p)
{
    while (p->i < p->len && is_space((unsigned char)p->s[p->i]))
        p->i++;
}

static size_t word_end(const parser *p, size_t from)
{
    size_t e = from;
    while (e < p->len && !is_stop((unsigned char)p->s[e]))
        e++;
    return e;
}

/* Where the '*'s that end the word [from, end) begin (end when none). */
static size_t stars_start(const parser *p, size_t from, size_t end)
{
    while (end > from && p->s[end - 1] == '*')
        end--;
    return end;
}

static int word_is(const parser *p, size_t from, size_t end, const char *w)
{
    size_t n = strlen(w);
    return end - from == n && !memcmp(p->s + from, w, n);
}

static int starts_with(const parser *p, size_t from, size_t end, const char *w)
{
    size_t n = strlen(w);
    return end - from >= n && !memcmp(p->s + from, w, n);
}

/* ---- nodes ------------------------------------------------------------- */

static void node_free(gal_qnode *n)
{
    if (!n)
        return;
    for (uint32_t k = 0; k < n->nkids; k++)
        node_free(n->kids[k]);
    gal_free(n->kids);
    gal_free(n->hashes);
    gal_free(n->prefix);
    gal_free(n->folded);
    gal_free(n);
}

static gal_qnode *node_new(gal_qkind kind, uint32_t column)
{
    gal_qnode *n = gal_calloc(1, sizeof *n);
    if (n) {
        n->kind = kind;
        n->column = column;
    }
    return n;
}

static int nomem(void)
{
    return gal_error_set(GAL_ENOMEM, "out of memory parsing the query");
}

/* Append kid to an AND/OR node, flattening a kid of the same kind. */
static int node_add(gal_qnode *n, gal_qnode *kid)
{
    uint32_t add = (kid->kind == n->kind) ? kid->nkids : 1;
    gal_qnode **k = gal_realloc(n->kids, (n->nkids + add) * sizeof *k);
    if (!k)
        return nomem();
    n->kids = k;
    if (kid->kind == n->kind) {
        memcpy(k + n->nkids, kid->kids, kid->nkids * sizeof *k);
        n->nkids += kid->nkids;
        kid->nkids = 0;
        node_free(kid);
    } else {
        k[n->nkids++] = kid;
    }
    return 0;
}

/* Whether the token that ends at s[at] ends a word in '*' there: stars,
 * then no token at once (in "a*b" the star is punctuation). */
static int star_after(const parser *p, size_t at, size_t end)
{
    size_t k = at;
    while (k < end && p->s[k] == '*')
        k++;
    gal_term t;
    return k > at && !(k < end && gal_term_next(p->s + k, end - k, 0, &t) && t.start == 0);
}

/* Whether a token of s[from, end) ends in '*' as star_after() reads it. */
static int has_prefix_token(const parser *p, size_t from, size_t end)
{
    gal_term t;
    for (size_t i = from; gal_term_next(p->s + from, end - from, i - from, &t); i = from + t.end)
        if (star_after(p, from + t.end, end))
            return 1;
    return 0;
}

/* entity: names an entity whole; the tokenizer would drop a '*' and look
 * for the name as written. */
static int entity_prefix_fail(const parser *p, size_t at)
{
    return fail(p, at, "entity: takes a whole name, not a prefix* "
                       "('galley entities --match WORD' lists names)");
}

static int too_many_prefixes(parser *p, size_t at)
{
    char msg[96];
    snprintf(msg, sizeof msg, "query has more than %u prefixes (word*)", GAL_QUERY_MAX_PREFIXES);
    return fail(p, at, msg);
}

/* Tokenize s[from, end) into a TERM or PHRASE (or, with near, NEAR) node;
 * *out = NULL when the text holds no token.  stars: a token followed by
 * '*' is a prefix (quoted text); a phrase of one such token is a PREFIX. */
static int leaf_from_text(parser *p, size_t from, size_t end, gal_qkind kind, uint32_t near,
                          size_t col_off, int stars, gal_qnode **out)
{
    gal_term t;
    uint32_t n = 0, nstars = 0;
    *out = NULL;
    for (size_t i = from; gal_term_next(p->s + from, end - from, i - from, &t); i = from + t.end) {
        n++;
        nstars += stars && star_after(p, from + t.end, end);
    }
    if (n == 0)
        return 0;
    if ((p->nprefixes += nstars) > GAL_QUERY_MAX_PREFIXES)
        return too_many_prefixes(p, col_off);
    if (p->ntokens + n > GAL_QUERY_MAX_TOKENS) {
        char msg[96];
        snprintf(msg, sizeof msg, "query has more than %u words", GAL_QUERY_MAX_TOKENS);
        return fail(p, col_off, msg);
    }
    p->ntokens += n;
    if (kind != GAL_Q_ENTITY)
        kind = n > 1 ? kind : nstars ? GAL_Q_PREFIX : GAL_Q_TERM;
    gal_qnode *node = node_new(kind, column_at(p, col_off));
    if (!node)
        return nomem();
    node->near = near;
    node->nterms = n;
    node->hashes = gal_malloc(n * sizeof *node->hashes);
    node->folded = gal_malloc((size_t)n * GAL_FOLDED_MAX + 1);
    if (n > 1 && nstars)
        node->prefix = gal_calloc(n, 1);
    if (!node->hashes || !node->folded || (n > 1 && nstars && !node->prefix)) {
        node_free(node);
        return nomem();
    }
    uint32_t k = 0;
    size_t flen = 0;
    for (size_t i = from; gal_term_next(p->s + from, end - from, i - from, &t); i = from + t.end) {
        size_t tl = strlen(t.folded);
        if (k)
            node->folded[flen++] = ' ';
        memcpy(node->folded + flen, t.folded, tl);
        flen += tl;
        if (node->prefix)
            node->prefix[k] = (uint8_t)star_after(p, from + t.end, end);
        node->hashes[k++] = t.hash;
    }
    node->folded[flen] = '\0';
    node->folded_len = flen;
    if (kind == GAL_Q_ENTITY) {
        /* the entity namespace: folded words joined by single spaces */
        node->hashes[0] = gal_term_hash_folded(node->folded, flen, GAL_SEED_ENTITY);
    }
    *out = node;
    return 0;
}

/* ---- dates -------------------------------------------------------------- */

/* gal_days_from_civil() and gal_days_in_month() are in common/dates.h, shared with
 * the indexer. */


static int read_num(const char *s, size_t n, unsigned digits, unsigned *v)
{
    if (n != digits)
        return -1;
    *v = 0;
    for (size_t k = 0; k < n; k++) {
        if (s[k] < '0' || s[k] > '9')
            return -1;
        *v = *v * 10 + (unsigned)(s[k] - '0');
    }
    return 0;
}

/* YYYY, YYYY-MM or YYYY-MM-DD → the first and last second it covers. */
static int parse_day(const char *s, size_t n, int64_t *lo, int64_t *hi)
{
    unsigned y, m = 0, d = 0;
    if (n < 4 || read_num(s, 4, 4, &y))
        return -1;
    if (n > 4) {
        if (s[4] != '-' || n < 7 || read_num(s + 5, 2, 2, &m) || m < 1 || m > 12)
            return -1;
        if (n > 7) {
            if (s[7] != '-' || read_num(s + 8, n - 8, 2, &d) || d < 1 || d > gal_days_in_month(y, m))
                return -1;
        }
    }
    unsigned m0 = m ? m : 1, m1 = m ? m : 12;
    unsigned d0 = d ? d : 1, d1 = d ? d : gal_days_in_month(y, m1);
    *lo = gal_days_from_civil(y, m0, d0) * 86400;
    *hi = gal_days_from_civil(y, m1, d1) * 86400 + 86399;
    return 0;
}

static int parse_date(parser *p, size_t at, size_t from, size_t end, gal_qnode **out)
{
    const char *s = p->s + from;
    size_t n = end - from;
    int64_t lo = INT64_MIN + 1, hi = INT64_MAX, x;
    size_t dots = n;
    for (size_t k = 0; k + 1 < n; k++)
        if (s[k] == '.' && s[k + 1] == '.') {
            dots = k;
            break;
        }
    if (n == 0 || (dots != n && n == 2))
        return fail(p, at, "date: needs a day or a range such as 2025-04-01..2025-05-31");
    if (dots == n) {
        if (parse_day(s, n, &lo, &hi))
            return fail(p, from, "bad date (use YYYY-MM-DD, YYYY-MM or YYYY)");
    } else {
        if (dots > 0 && parse_day(s, dots, &lo, &x))
            return fail(p, from, "bad date (use YYYY-MM-DD, YYYY-MM or YYYY)");
        if (dots + 2 < n && parse_day(s + dots + 2, n - dots - 2, &x, &hi))
            return fail(p, from + dots + 2, "bad date (use YYYY-MM-DD, YYYY-MM or YYYY)");
        if (lo > hi)
            return fail(p, from, "date range ends before it starts");
    }
    if (++p->ntokens > GAL_QUERY_MAX_TOKENS)
        return fail(p, at, "query has too many terms");
    gal_qnode *node = node_new(GAL_Q_DATE, column_at(p, at));
    if (!node)
        return nomem();
    node->date_lo = lo;
    node->date_hi = hi;
    *out = node;
    return 0;
}

/* ---- grammar ------------------------------------------------------------ */

static int parse_or(parser *p, uint8_t title, gal_qnode **out);
static int parse_unary(parser *p, uint8_t title, gal_qnode **out);

/* A quoted phrase starting at p->i (on the '"'), with an optional ~N. */
static int parse_quoted(parser *p, gal_qkind kind, size_t col_off, gal_qnode **out)
{
    size_t open = p->i;
    const char *close = memchr(p->s + open + 1, '"', p->len - open - 1);
    if (!close)
        return fail(p, open, "unclosed quote");
    size_t from = open + 1, end = (size_t)(close - p->s);
    if (kind == GAL_Q_ENTITY && has_prefix_token(p, from, end))
        return entity_prefix_fail(p, col_off);
    p->i = end + 1;
    uint32_t near = 0;
    int has_near = 0;
    if (kind != GAL_Q_ENTITY && p->i < p->len && p->s[p->i] == '~') {
        size_t k = ++p->i;
        uint64_t v = 0;
        while (p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9') {
            if (v <= GAL_QUERY_MAX_NEAR)
                v = v * 10 + (uint64_t)(p->s[p->i] - '0');
            p->i++;
        }
        if (p->i == k)
            return fail(p, k - 1, "expected a number after '~'");
        near = v > GAL_QUERY_MAX_NEAR ? GAL_QUERY_MAX_NEAR : (uint32_t)v;
        has_near = 1;
    }
    int rc = leaf_from_text(p, from, end, has_near ? GAL_Q_NEAR : kind, near, col_off,
                            kind != GAL_Q_ENTITY, out);
    if (rc)
        return rc;
    if (!*out)
        return fail(p, open, kind == GAL_Q_ENTITY ? "empty entity name" : "empty phrase");
    return 0;
}

/* A bare word at p->i: term, phrase of its tokens, or prefix*. */
static int parse_word(parser *p, gal_qnode **out)
{
    size_t from = p->i, end = word_end(p, from);
    p->i = end;
    size_t stars = stars_start(p, from, end);
    if (stars == from && end > from) /* stars alone: no word to grow */
        return fail(p, from, "'*' needs the start of a word before it (a prefix such as tarif*)");
    if (stars == end)
        return leaf_from_text(p, from, end, GAL_Q_PHRASE, 0, from, 0, out);
    gal_qnode *leaf;
    int rc = leaf_from_text(p, from, stars, GAL_Q_PHRASE, 0, from, 0, &leaf);
    if (rc || !leaf) {
        *out = NULL;
        return rc;
    }
    if (leaf->kind != GAL_Q_TERM) {
        node_free(leaf);
        return fail(p, from, "a prefix* must be a single word");
    }
    if (++p->nprefixes > GAL_QUERY_MAX_PREFIXES) {
        node_free(leaf);
        return too_many_prefixes(p, from);
    }
    leaf->kind = GAL_Q_PREFIX;
    *out = leaf;
    return 0;
}

static void set_title(gal_qnode *n)
{
    if (!n)
        return;
    n->title = 1;
    for (uint32_t k = 0; k < n->nkids; k++)
        set_title(n->kids[k]);
}

static int parse_primary(parser *p, uint8_t title, gal_qnode **out)
{
    *out = NULL;
    size_t at = p->i;
    char c = p->s[at];
    if (c == '(') {
        if (++p->depth > GAL_QUERY_MAX_DEPTH)
            return fail(p, at, "query is nested too deeply");
        p->i++;
        gal_qnode *n;
        int rc = parse_or(p, title, &n);
        if (rc)
            return rc;
        skip_space(p);
        if (p->i >= p->len) {
            node_free(n);
            return fail(p, at, "unclosed '('");
        }
        p->i++; /* the ')' */
        if (!n)
            return fail(p, at, "empty parentheses");
        p->depth--;
        *out = n;
        return 0;
    }
    if (c == '"') {
        int rc = parse_quoted(p, GAL_Q_PHRASE, at, out);
        if (!rc && title)
            set_title(*out);
        return rc;
    }
    size_t end = word_end(p, at);
    if (starts_with(p, at, end, "title:")) {
        p->i += 6;
        if (p->i >= p->len || is_space((unsigned char)p->s[p->i]) || p->s[p->i] == ')')
            return fail(p, at, "title: needs a word, a \"phrase\" or a (group)");
        /* the tokenizer would drop the '-' and search the title for the word */
        if (p->s[p->i] == '-' && p->i + 1 < p->len && !is_stop((unsigned char)p->s[p->i + 1]))
            return fail(p, at, "title: cannot take '-': write -title:word to leave out the "
                               "documents with the word in their title");
        if (++p->depth > GAL_QUERY_MAX_DEPTH)
            return fail(p, at, "query is nested too deeply");
        int rc = parse_primary(p, 1, out);
        p->depth--;
        if (!rc && *out && (*out)->kind == GAL_Q_DATE) {
            node_free(*out);
            *out = NULL;
            return fail(p, at, "title: cannot apply to date:");
        }
        return rc;
    }
    if (starts_with(p, at, end, "date:")) {
        p->i = end;
        return parse_date(p, at, at + 5, end, out);
    }
    if (starts_with(p, at, end, "entity:")) {
        p->i = at + 7;
        int rc;
        if (p->i < p->len && p->s[p->i] == '"') {
            rc = parse_quoted(p, GAL_Q_ENTITY, at, out);
        } else {
            size_t we = word_end(p, p->i);
            if (has_prefix_token(p, p->i, we))
                return entity_prefix_fail(p, at);
            rc = leaf_from_text(p, p->i, we, GAL_Q_ENTITY, 0, at, 0, out);
            p->i = we;
            if (!rc && !*out)
                rc = fail(p, at, "entity: needs a name");
        }
        if (!rc && title)
            set_title(*out);
        return rc;
    }
    int rc = parse_word(p, out);
    if (!rc && title)
        set_title(*out);
    return rc;
}

static int parse_unary(parser *p, uint8_t title, gal_qnode **out)
{
    *out = NULL;
    size_t at = p->i, end = word_end(p, at);
    int is_not = word_is(p, at, end, "NOT");
    int is_minus = !is_not && p->s[at] == '-' && at + 1 < p->len &&
                   !is_space((unsigned char)p->s[at + 1]) && p->s[at + 1] != '-' &&
                   p->s[at + 1] != ')';
    if (!is_not && !is_minus)
        return parse_primary(p, title, out);
    if (++p->depth > GAL_QUERY_MAX_DEPTH)
        return fail(p, at, "query is nested too deeply");
    p->i = is_not ? end : at + 1;
    skip_space(p);
    gal_qnode *kid = NULL;
    int rc = 0;
    if (p->i < p->len && p->s[p->i] != ')') {
        size_t ke = word_end(p, p->i);
        if (!word_is(p, p->i, ke, "OR") && !word_is(p, p->i, ke, "AND"))
            rc = parse_unary(p, title, &kid);
    }
    p->depth--;
    if (rc)
        return rc;
    if (!kid)
        return fail(p, at, is_not ? "NOT needs a term after it" : "'-' needs a term after it");
    gal_qnode *n = node_new(GAL_Q_NOT, column_at(p, at));
    if (!n) {
        node_free(kid);
        return nomem();
    }
    n->kids = gal_malloc(sizeof *n->kids);
    if (!n->kids) {
        node_free(kid);
        node_free(n);
        return nomem();
    }
    n->kids[0] = kid;
    n->nkids = 1;
    *out = n;
    return 0;
}

/* Add kid to *acc (creating an AND/OR when a second kid arrives). */
static int accumulate(gal_qnode **acc, gal_qkind kind, gal_qnode *kid)
{
    if (!*acc) {
        *acc = kid;
        return 0;
    }
    if ((*acc)->kind != kind || (*acc)->column != 0) {
        /* column 0 marks an AND/OR this function made, which may grow */
        gal_qnode *n = node_new(kind, 0);
        if (!n)
            return nomem();
        int rc = node_add(n, *acc);
        if (rc) {
            gal_free(n);
            return rc;
        }
        *acc = n;
    }
    return node_add(*acc, kid);
}

static void fix_columns(gal_qnode *n)
{
    if (n && n->column == 0 && n->nkids)
        n->column = n->kids[0]->column;
}

static int parse_and(parser *p, uint8_t title, gal_qnode **out)
{
    gal_qnode *acc = NULL;
    int rc = 0;
    *out = NULL;
    for (;;) {
        skip_space(p);
        if (p->i >= p->len || p->s[p->i] == ')')
            break;
        size_t at = p->i, end = word_end(p, at);
        if (word_is(p, at, end, "OR"))
            break;
        if (word_is(p, at, end, "AND")) {
            if (!acc) {
                rc = fail(p, at, "AND needs a term before it");
                goto fail;
            }
            p->i = end;
            skip_space(p);
            size_t ne = word_end(p, p->i);
            if (p->i >= p->len || p->s[p->i] == ')' || word_is(p, p->i, ne, "OR") ||
                word_is(p, p->i, ne, "AND")) {
                rc = fail(p, at, "AND needs a term after it");
                goto fail;
            }
            continue;
        }
        gal_qnode *kid;
        if ((rc = parse_unary(p, title, &kid)))
            goto fail;
        if (kid && (rc = accumulate(&acc, GAL_Q_AND, kid))) {
            node_free(kid);
            goto fail;
        }
    }
    fix_columns(acc);
    *out = acc;
    return 0;
fail:
    node_free(acc);
    return rc;
}

static int parse_or(parser *p, uint8_t title, gal_qnode **out)
{
    gal_qnode *acc = NULL;
    int rc;
    *out = NULL;
    size_t last_or = p->i;
    for (;;) {
        gal_qnode *kid;
        if ((rc = parse_and(p, title, &kid)))
            goto fail;
        skip_space(p);
        size_t end = word_end(p, p->i);
        int more = p->i < p->len && word_is(p, p->i, end, "OR");
        if (!kid && (more || acc)) {
            rc = fail(p, more && !acc ? p->i : last_or, "OR needs a term on each side");
            goto fail;
        }
        if (kid && (rc = accumulate(&acc, GAL_Q_OR, kid))) {
            node_free(kid);
            goto fail;
        }
        if (!more)
            break;
        last_or = p->i;
        p->i = end;
    }
    fix_columns(acc);
    *out = acc;
    return 0;
fail:
    node_free(acc);
    return rc;
}

/* Can the node be evaluated as a set of matching documents on its own? */
static int check_positive(parser *p, const gal_qnode *n, int *positive)
{
    int pos = 0, rc;
    switch (n->kind) {
    case GAL_Q_NOT: {
        int kp;
        if ((rc = check_positive(p, n->kids[0], &kp)))
            return rc;
        if (!kp)
            return gal_error_set(GAL_EUSAGE, "NOT needs a positive term after it at column %" PRIu32,
                                 n->column);
        pos = 0;
        break;
    }
    case GAL_Q_AND:
        for (uint32_t k = 0; k < n->nkids; k++) {
            int kp;
            if ((rc = check_positive(p, n->kids[k], &kp)))
                return rc;
            pos |= kp;
        }
        break;
    case GAL_Q_OR:
        pos = 1;
        for (uint32_t k = 0; k < n->nkids; k++) {
            int kp;
            if ((rc = check_positive(p, n->kids[k], &kp)))
                return rc;
            if (!kp)
                return gal_error_set(GAL_EUSAGE,
                                     "each side of OR needs a positive term at column %" PRIu32,
                                     n->kids[k]->column);
        }
        break;
    default:
        pos = 1;
    }
    *positive = pos;
    return 0;
}

int gal_query_parse(const char *text, size_t len, gal_query **out)
{
    parser p = {.s = text, .len = len};
    gal_qnode *root = NULL;
    int rc = parse_or(&p, 0, &root);
    if (rc)
        return rc;
    skip_space(&p);
    if (p.i < p.len) { /* only a ')' stops parse_or early */
        node_free(root);
        return fail(&p, p.i, "unmatched ')'");
    }
    if (!root)
        return gal_error_set(GAL_EUSAGE, "empty query");
    int positive;
    if ((rc = check_positive(&p, root, &positive))) {
        node_free(root);
        return rc;
    }
    if (!positive) {
        node_free(root);
        return fail(&p, 0, "query needs at least one positive term");
    }
    gal_query *q = gal_calloc(1, sizeof *q);
    if (!q) {
        node_free(root);
        return nomem();
    }
    q->root = root;
    q->ntokens = p.ntokens;
    *out = q;
    return 0;
}

void gal_query_free(gal_query *q)
{
    if (!q)
        return;
    node_free(q->root);
    gal_free(q);
}

/* ---- printing ----------------------------------------------------------- */

static int put(gal_buf *b, const char *s)
{
    return gal_buf_append(b, s, strlen(s));
}

static int put_day(gal_buf *b, int64_t sec)
{
    int64_t y;
    unsigned m, d;
    gal_civil_from_days((sec >= 0 ? sec : sec - 86399) / 86400, &y, &m, &d);
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%04" PRId64 "-%02u-%02u", y, m, d);
    return put(b, tmp);
}

const char *gal_query_word(const gal_qnode *n, uint32_t i, size_t *len)
{
    const char *w = n->folded, *end = n->folded + n->folded_len;
    for (; i > 0 && w < end; i--) {
        const char *sp = memchr(w, ' ', (size_t)(end - w));
        w = sp ? sp + 1 : end;
    }
    const char *sp = memchr(w, ' ', (size_t)(end - w));
    *len = (size_t)((sp ? sp : end) - w);
    return w;
}

/* A leaf's folded words, each prefix with its '*'. */
static int put_words(gal_buf *b, const gal_qnode *n)
{
    if (!n->prefix)
        return gal_buf_append(b, n->folded, n->folded_len);
    int rc = 0;
    for (uint32_t k = 0; k < n->nterms; k++) {
        size_t len;
        const char *w = gal_query_word(n, k, &len);
        rc |= (k ? put(b, " ") : 0) | gal_buf_append(b, w, len) | (n->prefix[k] ? put(b, "*") : 0);
    }
    return rc;
}

static int format_node(const gal_qnode *n, gal_buf *b)
{
    int rc = 0;
    char tmp[48];
    if (n->title && n->kind != GAL_Q_AND && n->kind != GAL_Q_OR && n->kind != GAL_Q_NOT)
        rc |= put(b, "title:");
    switch (n->kind) {
    case GAL_Q_TERM:
        return rc | gal_buf_append(b, n->folded, n->folded_len);
    case GAL_Q_PREFIX:
        return rc | gal_buf_append(b, n->folded, n->folded_len) | put(b, "*");
    case GAL_Q_PHRASE:
    case GAL_Q_ENTITY:
        if (n->kind == GAL_Q_ENTITY)
            rc |= put(b, "entity:");
        return rc | put(b, "\"") | put_words(b, n) | put(b, "\"");
    case GAL_Q_NEAR:
        snprintf(tmp, sizeof tmp, "(near %" PRIu32 " ", n->near);
        return rc | put(b, tmp) | put_words(b, n) | put(b, ")");
    case GAL_Q_DATE:
        rc |= put(b, "date:");
        if (n->date_lo > INT64_MIN + 1)
            rc |= put_day(b, n->date_lo);
        rc |= put(b, "..");
        if (n->date_hi < INT64_MAX)
            rc |= put_day(b, n->date_hi);
        return rc;
    case GAL_Q_AND:
    case GAL_Q_OR:
    case GAL_Q_NOT:
        rc |= put(b, n->kind == GAL_Q_AND ? "(and" : n->kind == GAL_Q_OR ? "(or" : "(not");
        for (uint32_t k = 0; k < n->nkids; k++)
            rc |= put(b, " ") | format_node(n->kids[k], b);
        return rc | put(b, ")");
    }
    return rc;
}

int gal_query_format(const gal_query *q, gal_buf *out)
{
    return format_node(q->root, out) ? GAL_ENOMEM : 0;
}
