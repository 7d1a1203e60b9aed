/*
 * query.h — the query language: text → syntax tree (query_parse.c).
 *
 * Grammar (operators are case-sensitive; `or` is a word):
 *
 *   query   := or_expr
 *   or_expr := and_expr ( "OR" and_expr )*
 *   and_expr:= unary ( ["AND"] unary )*          implicit AND binds tighter than OR
 *   unary   := "NOT" unary | "-" unary | primary
 *   primary := "(" or_expr ")" | "title:" primary | atom
 *   atom    := word | word* | "quoted words" | "quoted words"~N  (a quoted word may end in *)
 *            | entity:"Name" | entity:Name | date:FROM..TO
 *
 * A bare word goes through the indexer's tokenizer: one token is a term,
 * several tokens (`u.s.`, `reagan's`, `york-based`) are the phrase of those
 * tokens, none (`--`, `&`) is dropped.  Dates are YYYY, YYYY-MM or
 * YYYY-MM-DD, inclusive, either end may be left open.  A query must have at
 * least one positive term: `-a` alone, or `a OR -b`, are errors.  So is
 * `title:-a` (a NOT goes before title:), which the tokenizer would
 * otherwise have turned silently into title:a.  A word of a phrase that
 * ends in '*' is a prefix there ("oil pri*": oil, then any term that
 * starts with pri), as in SQLite FTS5; its star applies to the word's last
 * token ("new-yor*": new, then yor*).
 *
 * Every error is GAL_EUSAGE with a one-line detail ending in
 * "at column N" (1-based, counted in code points) where a place is known.
 */
#ifndef GAL_QUERY_H
#define GAL_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Limits that keep absurd input cheap: nesting of parentheses and NOT, and
 * the number of tokens in the whole query. */
#define GAL_QUERY_MAX_DEPTH 64
#define GAL_QUERY_MAX_TOKENS 1024
#define GAL_QUERY_MAX_NEAR 100000u
/* prefix* words in one query: each reads up to --prefix-cap cursors and a
 * sum a document for the rest, so 200 of "t*" took 0.8 GB of Reuters */
#define GAL_QUERY_MAX_PREFIXES 64u

typedef enum gal_qkind {
    GAL_Q_TERM,   /* one token: hashes[0] */
    GAL_Q_PHRASE, /* nterms tokens at consecutive positions */
    GAL_Q_NEAR,   /* nterms tokens in one field, at most `near` others between first and last */
    GAL_Q_PREFIX, /* every lexicon term that starts with folded[0, folded_len) */
    GAL_Q_ENTITY, /* entity namespace term: hashes[0]; nterms = words in the name */
    GAL_Q_DATE,   /* documents dated in [date_lo, date_hi] seconds */
    GAL_Q_AND,
    GAL_Q_OR,
    GAL_Q_NOT,    /* kids[0] */
} gal_qkind;

typedef struct gal_qnode {
    gal_qkind kind;
    uint8_t title;       /* leaf restricted to the title field */
    uint32_t column;     /* 1-based column of the node's first character */
    uint32_t near;       /* GAL_Q_NEAR: most tokens allowed between first and last */
    uint32_t nterms;     /* TERM, PHRASE, NEAR, ENTITY */
    uint64_t *hashes;    /* term keys; GAL_HASH_NONE for a token too long to index */
    uint8_t *prefix;     /* PHRASE, NEAR: 1 where term k is a prefix* ("oil pri*"); NULL: none */
    char *folded;        /* folded tokens joined by single spaces (PREFIX: the prefix) */
    size_t folded_len;
    int64_t date_lo, date_hi;
    uint32_t nkids;
    struct gal_qnode **kids;
} gal_qnode;

typedef struct gal_query {
    gal_qnode *root;
    uint32_t ntokens; /* tokens in all leaves */
} gal_query;

/* Parse text[0, len).  On success *out owns the tree; free it with
 * gal_query_free().  GAL_EUSAGE (detail says what and at which column) for
 * a bad query, GAL_ENOMEM.  Never reads past len; text need not end in NUL. */
int gal_query_parse(const char *text, size_t len, gal_query **out);
void gal_query_free(gal_query *q); /* NULL is fine */

/* The folded text of leaf n's term i: its terms are n->folded's words,
 * joined by single spaces. */
const char *gal_query_word(const gal_qnode *n, uint32_t i, size_t *len);

/* Append a one-line S-expression of the tree (for tests and --explain):
 * (and a (or b "c d") (not e) (near 3 x y) title:f pre* date:1987-03-01..1987-03-31 entity:"x y") */
int gal_query_format(const gal_query *q, gal_buf *out);

/* Civil dates: gal_days_from_civil() in common/doc_record.h. */

#endif
