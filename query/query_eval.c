/*
 * query_eval.c — syntax tree → cursors → ranked documents.
 *
 * Each tree node becomes an `it`: a cursor over the documents it matches,
 * in increasing order, with one operation, advance(target) = move to the
 * first matching document >= target.  Leaves sit on gal_postings cursors and
 * jump with gal_postings_seek; AND leap-frogs its children from the rarest
 * and checks NOT children and date filters only on agreed documents; OR
 * takes the smallest of its children.  Phrases and NEAR groups read
 * positions only when every one of their words is in the same document.
 *
 * Nothing is allocated per document: scratch arrays are sized when a cursor
 * is built, and the top hits live in one heap.
 */
#include "search.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "bm25.h"
#include "format.h"
#include "status.h"
#include "term_union.h"
#include "terms.h"

#define DOC_END UINT32_MAX

enum { IT_EMPTY, IT_TERM, IT_PHRASE, IT_NEAR, IT_DATE, IT_DOCSET, IT_PREFIX_TEXT, IT_AND, IT_OR };

typedef struct ctx {
    gal_snapshot *s;
    gal_bm25 bm;
    uint32_t ndocs;
    unsigned prefix_cap;
    void (*note)(void *, const char *);
    void *note_ctx;
    uint32_t dl; /* tokens of the document being scored */
    /* no document counts: the matcher, which finds the matches of a few
     * known hits and scores nothing, would otherwise pay every word's df
     * (two cursor steps a batch) each time it starts again */
    int no_stats;
    gal_search_stats *collect; /* gal_search_stats_add: where prefixes' terms go */
    /* several indexes searched as one: their documents, tokens and
     * document frequencies rank instead of this index's (NULL: its own) */
    const gal_search_stats *stats;
    /* documents taken out of the index (deleted.h), NULL when none: no
     * ranking or counting loop yields them */
    const gal_deleted_set *del;
    uint64_t deleted_hits; /* matches skipped for it: a lone phrase's idf counts them */
    /* scores are wanted (a ranked search, not a count or a walk of the
     * matches), and how deep under NOT the node being built is (a NOT
     * scores nothing): whether a prefix's terms past the cap are scored */
    int ranking;
    unsigned under_not;
    /* the terms the prefixes in phrases of the tree being built stand
     * for, together: a query of many ("t* t* t* ...") is held to the one
     * limit of GAL_TERM_UNION_MAX cursors, not that many times it */
    uint32_t union_terms;
} ctx;

/* A raw postings cursor and the document it is on; or, for a prefix*
 * inside a phrase, the union of its terms' (p NULL). */
typedef struct cur {
    gal_postings *p;
    gal_term_union *u;
    uint32_t doc;
    int started;
} cur;

typedef struct it it;
struct it {
    int kind;
    uint8_t title;
    int started;
    uint32_t doc;  /* current document, DOC_END when exhausted */
    uint32_t freq; /* occurrences at doc (after the title filter) */
    uint8_t title_too;   /* PHRASE counted anywhere for a title: phrase's idf: */
    uint32_t title_freq; /* its occurrences at doc in the title as well */
    uint64_t cost; /* documents it may visit, for ordering AND children */
    double idf;
    int idf_known;
    const gal_qnode *q;
    uint64_t key_hash; /* TERM of a prefix: the term (with q, its key in gal_search_stats) */
    /* TERM (one cursor), PHRASE and NEAR (n cursors) */
    uint32_t n;
    cur *cs;
    uint32_t *offs;  /* PHRASE: position of word i relative to the first */
    uint32_t *order; /* cursor order for leap-frogging, rarest first */
    /* PHRASE: the cursors order[0, nlead) are moved to each document the
     * phrase may match; the more frequent rest only once the lead words'
     * positions allow the phrase there ("the" in "the federal reserve
     * board" is in most documents: moving it to every document where the
     * other three meet cost a chunk of "the" apiece).  resume: where a
     * moved word went instead, when it lacked the document. */
    uint32_t nlead, resume;
    uint32_t *ptr;   /* scratch for position merging */
    uint32_t *starts; /* PHRASE: scratch for the starts still possible */
    size_t starts_cap;
    uint32_t span;   /* TERM, PHRASE: positions a match covers after its first */
    uint32_t near;
    /* DATE */
    int64_t lo, hi;
    /* DOCSET: a bit per document of the snapshot (build_prefix_rest), and
     * when it ranks, each document's score from its terms */
    uint64_t *bits;
    double *acc;
    /* AND, OR */
    uint32_t nkids, nnegs, nfilts;
    it **kids, **negs, **filts;
    /* OR of OR_HEAP_MIN children or more: their indices in a min-heap by
     * current document, and room to gather those on the heap's document */
    uint32_t *heap, *on_doc;
    /* PHRASE, NEAR below the root: the documents and frequencies found while
     * counting them for their idf (phrase_idfs), replayed by advance()
     * instead of reading every word's positions a second time */
    int memo;
    int memo_lent; /* the arrays belong to gal_search_stats */
    uint32_t *memo_docs, *memo_freqs;
    size_t memo_n, memo_at;
};

typedef struct rangevec {
    gal_posrange *v;
    size_t n, cap;
} rangevec;

static int range_push(rangevec *rv, uint32_t first, uint32_t last)
{
    if (rv->n == rv->cap) {
        size_t cap = rv->cap ? rv->cap * 2 : 64;
        gal_posrange *v = gal_realloc(rv->v, cap * sizeof *v);
        if (!v)
            return gal_error_set(GAL_ENOMEM, "out of memory collecting matches");
        rv->v = v;
        rv->cap = cap;
    }
    rv->v[rv->n].first = first;
    rv->v[rv->n].last = last;
    rv->n++;
    return 0;
}

/* ---- statistics of several indexes ------------------------------------- */

/* A scored leaf of the query: its node, and for a prefix the term it grew
 * into (a node stands for one leaf otherwise, whichever way an index reads
 * it: a phrase of two frequent words is one bigram term in one index and
 * two words in another). */
typedef struct stat_entry {
    const gal_qnode *q;
    uint64_t hash;
    uint64_t df;
} stat_entry;

/* A term a prefix grew into in some index: the indexes together search the
 * first prefix_cap terms of all their vocabularies (each of those is among
 * the first prefix_cap of every index that has it, so the union of every
 * index's own first ones holds them all). */
typedef struct prefix_term {
    const gal_qnode *q;
    uint64_t hash;
    size_t off, len; /* the term in gal_search_stats.terms */
} prefix_term;

/* A phrase's documents and frequencies in one index, as the first pass
 * counted them: the second replays them instead of reading positions
 * again (as one index replays what it counted for the idf). */
typedef struct phrase_memo {
    const gal_snapshot *s;
    const gal_qnode *q;
    uint32_t *docs, *freqs;
    size_t n;
} phrase_memo;

struct gal_search_stats {
    uint64_t docs, tokens;
    phrase_memo *memos;
    size_t nmemos, memos_cap;
    stat_entry *v; /* sorted by (q, hash), no key twice, once gal_search_stats_add returns */
    size_t n, cap;
    prefix_term *pv; /* sorted by (q, term), at most prefix_cap a node, likewise */
    size_t pn, pcap;
    stat_entry *prefix_keys; /* the same terms sorted by (q, hash), for lookups */
    gal_buf terms;
    const gal_qnode **capped; /* prefixes with more terms than that */
    size_t ncapped, capped_cap;
    unsigned prefix_cap;
    /* counting only: which prefix terms, no document count of a phrase or
     * of a prefix's terms past the cap */
    int count_only;
};

static int by_leaf(const void *a, const void *b)
{
    const stat_entry *x = a, *y = b;
    if (x->q != y->q)
        return (uintptr_t)x->q < (uintptr_t)y->q ? -1 : 1;
    return x->hash < y->hash ? -1 : x->hash > y->hash;
}

/* The documents all the indexes have of leaf (q, hash), when they were
 * counted (several indexes searched as one): 1 and *df, else 0. */
static int stats_df(const ctx *c, const gal_qnode *q, uint64_t hash, uint64_t *df)
{
    if (!c->stats || !c->stats->n)
        return 0;
    stat_entry key = {q, hash, 0};
    const stat_entry *e = bsearch(&key, c->stats->v, c->stats->n, sizeof key, by_leaf);
    if (e)
        *df = e->df;
    return e != NULL;
}

/* Leaf t's documents in all the indexes; `local` (this index's) when they
 * were not counted: one index, or a leaf none of them counted, which only
 * a damaged index could make. */
static uint64_t leaf_df(const ctx *c, const it *t, uint64_t local)
{
    uint64_t df;
    return stats_df(c, t->q, t->key_hash, &df) ? df : local;
}

/* ---- small helpers ------------------------------------------------------- */

static int title_tokens(ctx *c, uint32_t doc, uint32_t *tt)
{
    *tt = gal_snapshot_doc_title_tokens(c->s, doc);
    return 0;
}

static int cur_to(cur *k, uint32_t target)
{
    if (k->started && k->doc >= target)
        return k->doc != DOC_END;
    if (k->u) {
        int r = gal_term_union_seek(k->u, target);
        k->started = 1;
        k->doc = r > 0 ? gal_term_union_doc(k->u) : DOC_END;
        return r;
    }
    int r = (k->started && target == k->doc + 1) ? gal_postings_next(k->p)
                                                 : gal_postings_seek(k->p, target);
    k->started = 1;
    if (r <= 0) {
        k->doc = DOC_END;
        return r;
    }
    k->doc = gal_postings_doc(k->p);
    return 1;
}

static uint32_t cur_tf(const cur *k)
{
    return k->u ? gal_term_union_tf(k->u) : gal_postings_tf(k->p);
}

static uint64_t cur_df(const cur *k)
{
    return k->u ? gal_term_union_df(k->u) : gal_postings_df(k->p);
}

static void cur_directory(const cur *k, int when)
{
    if (k->u)
        gal_term_union_directory(k->u, when);
    else
        gal_postings_directory(k->p, when);
}

static void cur_expect_seeks(const cur *k, uint64_t n)
{
    if (k->u)
        gal_term_union_expect_seeks(k->u, n);
    else
        gal_postings_expect_seeks(k->p, n);
}

static int positions_of(cur *k, const uint32_t **pos, uint32_t *tf)
{
    if (k->u)
        return gal_term_union_positions(k->u, pos, tf);
    *tf = gal_postings_tf(k->p);
    *pos = gal_postings_positions(k->p);
    if (!*pos && *tf)
        return gal_error_set(GAL_ECORRUPT, "postings of document %" PRIu32 " have no positions",
                             k->doc);
    return 0;
}

/* ---- building ------------------------------------------------------------ */

static void it_free(it *t)
{
    if (!t)
        return;
    for (uint32_t k = 0; k < t->n; k++) {
        gal_postings_close(t->cs[k].p);
        gal_term_union_close(t->cs[k].u);
    }
    for (uint32_t k = 0; k < t->nkids; k++)
        it_free(t->kids[k]);
    for (uint32_t k = 0; k < t->nnegs; k++)
        it_free(t->negs[k]);
    for (uint32_t k = 0; k < t->nfilts; k++)
        it_free(t->filts[k]);
    gal_free(t->cs);
    gal_free(t->offs);
    gal_free(t->order);
    gal_free(t->ptr);
    gal_free(t->starts);
    gal_free(t->kids);
    gal_free(t->negs);
    gal_free(t->filts);
    gal_free(t->heap);
    gal_free(t->on_doc);
    gal_free(t->bits);
    gal_free(t->acc);
    if (!t->memo_lent) {
        gal_free(t->memo_docs);
        gal_free(t->memo_freqs);
    }
    gal_free(t);
}

static int nomem(void)
{
    return gal_error_set(GAL_ENOMEM, "out of memory evaluating the query");
}

static it *it_new(int kind, const gal_qnode *q)
{
    it *t = gal_calloc(1, sizeof *t);
    if (t) {
        t->kind = kind;
        t->q = q;
        t->title = q ? q->title : 0;
        t->doc = DOC_END;
    }
    return t;
}

/* Whether a phrase word of df documents waits for the others' positions
 * (it: nlead): when it is in so many documents that moving its cursor to
 * each candidate rules out few of them, and many times the rarest word's.
 * A word in fewer documents ("countries" in "organization of petroleum
 * exporting countries") rules out more candidates by their document
 * numbers than it costs, before any positions are read. */
static int waits(const ctx *c, const it *t, uint64_t df)
{
    return df >= c->ndocs / 4 && df >= t->cost * 8;
}

/* Open key k of a cursor: term q's term_of[k] when it is a prefix* (a
 * phrase's), else the postings of hash. */
static int open_key(ctx *c, const gal_qnode *q, const uint32_t *term_of, uint32_t k,
                    uint64_t hash, cur *out)
{
    if (q->prefix && term_of && q->prefix[term_of[k]]) {
        size_t len;
        const char *w = gal_query_word(q, term_of[k], &len);
        uint32_t left = GAL_TERM_UNION_MAX - c->union_terms;
        int rc = gal_term_union_open(c->s, w, len, left, &out->u);
        if (rc == GAL_EUSAGE && left < GAL_TERM_UNION_MAX)
            rc = gal_error_set(GAL_EUSAGE, "the prefixes in phrases stand for more than %u terms "
                                           "together (the phrase at column %" PRIu32
                                           " reaches it): give them more letters",
                               GAL_TERM_UNION_MAX, q->column);
        else if (rc == GAL_EUSAGE) { /* too many terms: say which phrase */
            char what[160];
            snprintf(what, sizeof what, "%s", gal_error_detail(rc));
            rc = gal_error_set(GAL_EUSAGE, "%s at column %" PRIu32, what, q->column);
        }
        if (!rc)
            c->union_terms += gal_term_union_terms(out->u);
        return rc;
    }
    return gal_postings_open(c->s, hash, &out->p);
}

/* A cursor over the given term keys: one (TERM) or several (PHRASE, NEAR).
 * term_of (may be NULL): the term of q each key stands for, for the keys
 * that are a prefix* (q->prefix). */
static int build_words(ctx *c, const gal_qnode *q, int kind, const uint64_t *hashes, uint32_t n,
                       const uint32_t *term_of, it **out)
{
    for (uint32_t k = 0; k < n; k++)
        if (hashes[k] == GAL_HASH_NONE) { /* a word too long to index matches nothing */
            *out = it_new(IT_EMPTY, q);
            return *out ? 0 : nomem();
        }
    it *t = it_new(kind, q);
    if (!t)
        return nomem();
    t->key_hash = q->kind == GAL_Q_PREFIX ? hashes[0] : 0;
    t->n = n;
    t->cs = gal_calloc(n, sizeof *t->cs);
    t->offs = gal_calloc(n, sizeof *t->offs);
    t->order = gal_calloc(n, sizeof *t->order);
    t->ptr = gal_calloc(n, sizeof *t->ptr);
    if (!t->cs || !t->offs || !t->order || !t->ptr) {
        it_free(t);
        return nomem();
    }
    t->cost = UINT64_MAX;
    for (uint32_t k = 0; k < n; k++) {
        int rc = open_key(c, q, term_of, k, hashes[k], &t->cs[k]);
        if (rc) {
            t->n = k + 1; /* what it opened is closed */
            it_free(t);
            return rc;
        }
        t->offs[k] = k;
        if (c->no_stats) /* a few seeks, from the start again at each earlier hit */
            cur_directory(&t->cs[k], GAL_DIR_NEVER);
        uint64_t df = c->no_stats ? 0 : cur_df(&t->cs[k]);
        if (df < t->cost)
            t->cost = df;
        /* insertion sort by df: n is small */
        uint32_t j = k;
        while (j > 0 && !c->no_stats && cur_df(&t->cs[t->order[j - 1]]) > df) {
            t->order[j] = t->order[j - 1];
            j--;
        }
        t->order[j] = k;
    }
    if (kind == IT_TERM) {
        t->idf = gal_bm25_idf(&c->bm, leaf_df(c, t, t->cost));
        t->idf_known = 1;
    }
    t->nlead = n;
    if (kind == IT_PHRASE && n >= 3 && !c->no_stats) {
        uint32_t k = 2; /* two words at least, whose positions narrow the starts */
        while (k < n && !waits(c, t, cur_df(&t->cs[t->order[k]])))
            k++;
        t->nlead = k;
    }
    /* the lead words after the rarest are moved to each of its documents
     * (the matcher's cursors never build a directory: no hint for them) */
    for (uint32_t k = 1; k < t->nlead; k++)
        cur_expect_seeks(&t->cs[t->order[k]], t->cost);
    *out = t;
    return 0;
}

typedef struct prefix_ctx {
    uint64_t *hashes;
    unsigned n, cap;
    gal_search_stats *sink; /* gal_search_stats_add: the terms, kept */
    const gal_qnode *q;
    gal_snapshot *s;
    const gal_deleted_set *pending; /* deleted documents not purged yet, or NULL */
} prefix_ctx;

/* Whether term hash has a document that is not deleted: 1, 0, or a
 * negative status.  Past a deleted document it seeks to the next live one
 * (a run of deleted documents costs one seek). */
static int term_live(gal_snapshot *s, const gal_deleted_set *del, uint64_t hash)
{
    gal_postings *p;
    int rc = gal_postings_open(s, hash, &p);
    if (rc)
        return rc;
    rc = gal_postings_next(p);
    while (rc == 1 && gal_deleted_has(del, gal_postings_doc(p))) {
        uint32_t live = gal_deleted_next_live(del, (uint64_t)gal_postings_doc(p) + 1);
        rc = live == UINT32_MAX ? 0 : gal_postings_seek(p, live);
    }
    gal_postings_close(p);
    return rc;
}

/* A term of the prefix, in the vocabulary's order: kept until the cap.  A
 * word that only deleted documents hold is passed over, as an index that
 * purged them no longer has it: the cap's first terms are the same. */
static int prefix_collect(void *vctx, const char *term, size_t len, uint64_t hash)
{
    prefix_ctx *pc = vctx;
    int live = pc->pending ? term_live(pc->s, pc->pending, hash) : 1;
    if (live <= 0)
        return live;
    if (pc->n == pc->cap)
        return 1; /* one more than the cap: stop and report */
    pc->hashes[pc->n++] = hash;
    if (pc->sink) {
        gal_search_stats *st = pc->sink;
        if (gal_grow((void **)&st->pv, &st->pcap, st->pn + 1, sizeof *st->pv, 64))
            return nomem();
        st->pv[st->pn++] = (prefix_term){pc->q, hash, st->terms.len, len};
        if (gal_buf_append(&st->terms, term, len))
            return nomem();
    }
    return 0;
}

static int is_capped(const gal_search_stats *st, const gal_qnode *q)
{
    for (size_t i = 0; i < st->ncapped; i++)
        if (st->capped[i] == q)
            return 1;
    return 0;
}

/* Remember that prefix q has more terms than the cap. */
static int mark_capped(gal_search_stats *st, const gal_qnode *q)
{
    if (is_capped(st, q))
        return 0;
    if (gal_grow((void **)&st->capped, &st->capped_cap, st->ncapped + 1, sizeof *st->capped, 8))
        return nomem();
    st->capped[st->ncapped++] = q;
    return 0;
}

/* Whether prefix q's term hash is among those the indexes searched as one
 * search (under NOT too, where no document frequency is counted). */
static int prefix_kept(const gal_search_stats *st, const gal_qnode *q, uint64_t hash)
{
    stat_entry key = {q, hash, 0};
    return st->pn && bsearch(&key, st->prefix_keys, st->pn, sizeof key, by_leaf) != NULL;
}

static int build(ctx *c, const gal_qnode *q, it **out);

/* A query's whole tree: its prefixes in phrases start their count anew. */
static int build_root(ctx *c, const gal_qnode *q, it **out)
{
    c->union_terms = 0;
    return build(c, q, out);
}
static int stats_push(gal_search_stats *st, const gal_qnode *q, uint64_t hash, uint64_t df);

/* What a prefix of more than cap terms is told (once, by whoever searches). */
#define PREFIX_NOTE_LEN 200
static void prefix_note(char msg[PREFIX_NOTE_LEN], const gal_qnode *q, unsigned cap)
{
    int shown = (int)(q->folded_len > 64 ? 64 : q->folded_len);
    snprintf(msg, PREFIX_NOTE_LEN, "'%s%.*s*' matches more than %u terms: those past the "
             "first %u are read in one pass (--prefix-cap)", q->title ? "title:" : "", shown,
             q->folded, cap, cap);
}

static int add_kid(it ***arr, uint32_t *n, it *kid)
{
    it **a = gal_realloc(*arr, (*n + 1) * sizeof *a);
    if (!a)
        return nomem();
    a[(*n)++] = kid;
    *arr = a;
    return 0;
}

/* Every term of a prefix, for build_prefix_rest. */
typedef struct term_list {
    uint64_t *hashes;
    size_t n, cap;
} term_list;

static int list_term(void *vctx, const char *term, size_t len, uint64_t hash)
{
    term_list *l = vctx;
    (void)term;
    (void)len;
    if (gal_grow((void **)&l->hashes, &l->cap, l->n + 1, sizeof *l->hashes, 1024))
        return nomem();
    l->hashes[l->n++] = hash;
    return 0;
}

static int by_hash(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Document d into t's set: 1 when it was not there yet. */
static int set_doc(ctx *c, it *t, uint32_t d)
{
    if (d >= c->ndocs || (t->bits[d >> 6] >> (d & 63) & 1))
        return 0;
    t->bits[d >> 6] |= 1ull << (d & 63);
    return 1;
}

/* The documents of one term into t's set, and when t ranks, the term's
 * score in each (of idf) added to the document's: all of them, or under
 * title: those where it is in the title (tf: its positions there). */
static int add_term_docs(ctx *c, it *t, gal_postings *p, double idf, uint64_t *found)
{
    int more;
    if (!t->q->title) {
        uint32_t dl[GAL_CHUNK_DOCS];
        double sc[GAL_CHUNK_DOCS];
        while ((more = gal_postings_next_chunk(p)) == 1) {
            const uint32_t *docs, *tfs;
            size_t k = gal_postings_rest(p, &docs, &tfs);
            for (size_t j = 0; j < k; j++)
                *found += set_doc(c, t, docs[j]);
            if (!t->acc)
                continue;
            gal_snapshot_doc_tokens_many(c->s, docs, k, dl);
            gal_bm25_terms(&c->bm, idf, tfs, dl, k, sc);
            for (size_t j = 0; j < k; j++)
                if (docs[j] < c->ndocs)
                    t->acc[docs[j]] += sc[j];
        }
        return more < 0 ? more : 0;
    }
    while ((more = gal_postings_next(p)) == 1) {
        uint32_t d = gal_postings_doc(p), tf = gal_postings_tf(p), in_title = 0;
        const uint32_t *pos = gal_postings_positions(p);
        if (!pos && tf)
            return gal_error_set(GAL_ECORRUPT,
                                 "postings of document %" PRIu32 " have no positions", d);
        uint32_t tt = tf ? gal_snapshot_doc_title_tokens(c->s, d) : 0;
        while (in_title < tf && pos[in_title] < tt)
            in_title++;
        if (!in_title)
            continue;
        *found += set_doc(c, t, d);
        if (t->acc && d < c->ndocs)
            t->acc[d] += gal_bm25_term(&c->bm, idf, in_title, gal_snapshot_doc_tokens(c->s, d));
    }
    return more < 0 ? more : 0;
}

/* Prefix q's terms other than the n it reads through cursors of their own
 * (ranked: the cap's first ones, or those the indexes searched as one
 * keep), in key order (batch, then hash), so that reading them in turn
 * walks the postings' pages in order, not at random. */
static int prefix_rest_terms(ctx *c, const gal_qnode *q, const uint64_t *ranked, unsigned n,
                             term_list *rest)
{
    *rest = (term_list){0};
    uint64_t *sorted = gal_malloc(((size_t)n + 1) * sizeof *sorted);
    if (!sorted)
        return nomem();
    memcpy(sorted, ranked, (size_t)n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, by_hash);
    int rc = gal_snapshot_terms_with_prefix(c->s, q->folded, q->folded_len, list_term, rest);
    if (!rc) {
        qsort(rest->hashes, rest->n, sizeof *rest->hashes, by_hash);
        size_t w = 0;
        for (size_t i = 0; i < rest->n; i++)
            if (!bsearch(&rest->hashes[i], sorted, n, sizeof *sorted, by_hash))
                rest->hashes[w++] = rest->hashes[i];
        rest->n = w;
    }
    gal_free(sorted);
    return rc;
}

/* The statistics pass of several indexes searched as one: the document
 * count of each of prefix q's terms past its first n, which the ranking
 * pass scores them by wherever it meets them (stats_df). */
static int count_prefix_rest(ctx *c, const gal_qnode *q, const uint64_t *ranked, unsigned n)
{
    term_list rest;
    int rc = prefix_rest_terms(c, q, ranked, n, &rest);
    for (size_t i = 0; !rc && i < rest.n; i++) {
        gal_postings *p;
        if ((rc = gal_postings_open(c->s, rest.hashes[i], &p)))
            break;
        rc = stats_push(c->collect, q, rest.hashes[i], gal_postings_df(p));
        gal_postings_close(p);
    }
    gal_free(rest.hashes);
    return rc;
}

/* The documents of prefix q's terms other than the n it reads through
 * cursors, as a set the query matches: each term's documents are read
 * once, a chunk at a time, into a bit per document, so that what a prefix
 * finds, counts and excludes is exact however many terms it has, in memory
 * of a bit a document.  When the search ranks, each term's BM25 score is
 * added into a sum per document as well (a double: 8 bytes a document),
 * so a prefix ranks by all its terms whatever the cap: the scores of every
 * term read through a cursor, added in another order (they may differ in
 * a double's last bits).  Under title: a term
 * counts where it is in the title.  *out: a DOCSET, or NULL when they add
 * no document. */
static int build_prefix_rest(ctx *c, const gal_qnode *q, const uint64_t *ranked, unsigned n,
                             it **out)
{
    *out = NULL;
    term_list rest = {0};
    it *t = it_new(IT_DOCSET, q);
    int scored = c->ranking && !c->under_not;
    int rc = t && (t->bits = gal_calloc((size_t)c->ndocs / 64 + 1, sizeof *t->bits)) &&
                     (!scored || (t->acc = gal_calloc((size_t)c->ndocs + 1, sizeof *t->acc)))
                 ? prefix_rest_terms(c, q, ranked, n, &rest)
                 : nomem();
    uint64_t found = 0;
    for (size_t i = 0; !rc && i < rest.n; i++) {
        gal_postings *p;
        if ((rc = gal_postings_open(c->s, rest.hashes[i], &p)))
            break;
        uint64_t df = 0;
        if (scored && !stats_df(c, q, rest.hashes[i], &df))
            df = gal_postings_df(p);
        double idf = scored ? gal_bm25_idf(&c->bm, df) : 0.0;
        rc = add_term_docs(c, t, p, idf, &found);
        gal_postings_close(p);
    }
    gal_free(rest.hashes);
    if (rc || !found) {
        it_free(t);
        return rc;
    }
    t->cost = found;
    *out = t;
    return 0;
}

static int build_prefix(ctx *c, const gal_qnode *q, it **out)
{
    prefix_ctx pc = {NULL, 0, c->prefix_cap, c->collect, q, c->s, NULL};
    pc.hashes = gal_malloc(((size_t)pc.cap + 1) * sizeof *pc.hashes);
    if (!pc.hashes)
        return nomem();
    size_t sink_n = pc.sink ? pc.sink->pn : 0, sink_bytes = pc.sink ? pc.sink->terms.len : 0;
    int rc = gal_snapshot_terms_with_prefix(c->s, q->folded, q->folded_len, prefix_collect, &pc);
    if (rc == 1 && gal_deleted_pending(c->del)) {
        /* more terms than the cap, and deleted documents not purged yet:
         * again, passing over the words only they hold (below the cap
         * those add nothing a search would keep) */
        pc.n = 0;
        pc.pending = c->del;
        if (pc.sink) {
            pc.sink->pn = sink_n;
            pc.sink->terms.len = sink_bytes;
        }
        rc = gal_snapshot_terms_with_prefix(c->s, q->folded, q->folded_len, prefix_collect, &pc);
    }
    if (rc < 0) {
        gal_free(pc.hashes);
        return rc;
    }
    int cut = rc == 1; /* terms past the cap: this index has more */
    if (cut && c->collect && (rc = mark_capped(c->collect, q))) {
        gal_free(pc.hashes);
        return rc;
    }
    if (c->stats) { /* the first terms of all the indexes, not this one's */
        unsigned kept = 0;
        for (unsigned k = 0; k < pc.n; k++)
            if (prefix_kept(c->stats, q, pc.hashes[k]))
                pc.hashes[kept++] = pc.hashes[k];
        cut |= kept < pc.n;
        pc.n = kept;
    }
    if (cut && !c->stats && c->note) {
        char msg[PREFIX_NOTE_LEN];
        prefix_note(msg, q, pc.cap);
        c->note(c->note_ctx, msg);
    }
    /* the terms past them: the matcher finds them in a hit's text, the
     * statistics pass of several indexes counts their documents, a search
     * reads them in one pass */
    it *rest = NULL;
    rc = 0;
    if (cut && c->no_stats && !(rest = it_new(IT_PREFIX_TEXT, q)))
        rc = nomem();
    else if (cut && c->collect) /* counting for several indexes: no documents */
        rc = c->collect->count_only || c->under_not ? 0 : count_prefix_rest(c, q, pc.hashes, pc.n);
    else if (cut && !c->no_stats)
        rc = build_prefix_rest(c, q, pc.hashes, pc.n, &rest);
    if (rc) {
        gal_free(pc.hashes);
        return rc;
    }
    it *t = NULL;
    if (pc.n == 0) {
        t = it_new(IT_EMPTY, q);
        rc = t ? 0 : nomem();
    } else if (pc.n == 1) {
        rc = build_words(c, q, IT_TERM, pc.hashes, 1, NULL, &t);
    } else {
        t = it_new(IT_OR, q);
        rc = t ? 0 : nomem();
        for (unsigned k = 0; !rc && k < pc.n; k++) {
            it *kid;
            rc = build_words(c, q, IT_TERM, pc.hashes + k, 1, NULL, &kid);
            if (!rc && (rc = add_kid(&t->kids, &t->nkids, kid)))
                it_free(kid);
            if (!rc)
                t->cost += kid->cost;
        }
    }
    gal_free(pc.hashes);
    if (!rc && rest) {
        if (t->kind == IT_EMPTY) {
            it_free(t);
            t = rest;
        } else {
            if (t->kind != IT_OR) { /* one ranked term */
                it *or = it_new(IT_OR, q);
                if (!or || add_kid(&or->kids, &or->nkids, t)) {
                    it_free(or);
                    rc = nomem();
                } else {
                    or->cost = t->cost;
                    t = or;
                }
            }
            if (!rc && !(rc = add_kid(&t->kids, &t->nkids, rest)))
                t->cost += rest->cost;
            else
                it_free(rest);
        }
    }
    if (rc) {
        it_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

static int by_cost(const void *a, const void *b)
{
    const it *x = *(it *const *)a, *y = *(it *const *)b;
    return x->cost < y->cost ? -1 : x->cost > y->cost;
}

/* A phrase reads two adjacent frequent words ("of the") from their bigram
 * term when the index has it: one short list instead of two long ones. */
static int build_phrase(ctx *c, const gal_qnode *q, it **out)
{
    uint64_t keys[GAL_QUERY_MAX_TOKENS];
    uint32_t offs[GAL_QUERY_MAX_TOKENS], n = 0;
    for (uint32_t k = 0; k < q->nterms; k++) {
        uint64_t bigram;
        /* a prefix* is never half of a bigram: it is not one word */
        if (k + 1 < q->nterms && !(q->prefix && (q->prefix[k] || q->prefix[k + 1])) &&
            gal_snapshot_bigram(c->s, q->hashes[k], q->hashes[k + 1], &bigram)) {
            keys[n] = bigram;
            offs[n++] = k++;
        } else {
            keys[n] = q->hashes[k];
            offs[n++] = k;
        }
    }
    /* a trailing single word after a bigram could instead pair with the
     * bigram's second word; the cursor count is the same, keep it simple */
    if (n == 1 && q->nterms == 2) {
        /* the whole phrase is one bigram ("u.s.", "of the"), which never
         * spans the title and the body: its postings are the phrase's
         * occurrences, so it is a term, whose df the chunk headers give,
         * where a phrase's df means finding every document it is in */
        int rc = build_words(c, q, IT_TERM, keys, 1, NULL, out);
        if (!rc && (*out)->kind == IT_TERM)
            (*out)->span = 1;
        return rc;
    }
    int rc = build_words(c, q, IT_PHRASE, keys, n, offs, out);
    if (rc || (*out)->kind != IT_PHRASE)
        return rc;
    memcpy((*out)->offs, offs, n * sizeof *offs);
    (*out)->span = q->nterms - 1;
    return 0;
}

static int build(ctx *c, const gal_qnode *q, it **out)
{
    it *t = NULL;
    int rc = 0;
    *out = NULL;
    switch (q->kind) {
    case GAL_Q_TERM:
        return build_words(c, q, IT_TERM, q->hashes, 1, NULL, out);
    case GAL_Q_ENTITY:
        rc = build_words(c, q, IT_TERM, q->hashes, 1, NULL, out);
        if (!rc && (*out)->kind == IT_TERM)
            (*out)->span = q->nterms ? q->nterms - 1 : 0;
        return rc;
    case GAL_Q_PHRASE:
        return build_phrase(c, q, out);
    case GAL_Q_NEAR: {
        /* a word named twice counts once (a prefix* and the word alike
         * are two) */
        uint64_t uniq[GAL_QUERY_MAX_TOKENS];
        uint32_t term_of[GAL_QUERY_MAX_TOKENS], n = 0;
        int any_prefix = 0;
        for (uint32_t k = 0; k < q->nterms && n < GAL_QUERY_MAX_TOKENS; k++) {
            int pre = q->prefix && q->prefix[k];
            uint32_t j = 0;
            while (j < n && !(uniq[j] == q->hashes[k] && pre == (q->prefix && q->prefix[term_of[j]])))
                j++;
            if (j == n) {
                uniq[n] = q->hashes[k];
                term_of[n++] = k;
                any_prefix |= pre;
            }
        }
        rc = build_words(c, q, n == 1 && !any_prefix ? IT_TERM : IT_NEAR, uniq, n, term_of, out);
        if (!rc)
            (*out)->near = q->near;
        return rc;
    }
    case GAL_Q_PREFIX:
        return build_prefix(c, q, out);
    case GAL_Q_DATE:
        t = it_new(IT_DATE, q);
        if (!t)
            return nomem();
        t->lo = q->date_lo;
        t->hi = q->date_hi;
        t->cost = c->ndocs;
        *out = t;
        return 0;
    case GAL_Q_OR:
        t = it_new(IT_OR, q);
        if (!t)
            return nomem();
        for (uint32_t k = 0; k < q->nkids; k++) {
            it *kid;
            if ((rc = build(c, q->kids[k], &kid)))
                goto fail;
            if ((rc = add_kid(&t->kids, &t->nkids, kid))) {
                it_free(kid);
                goto fail;
            }
            t->cost += kid->cost;
        }
        *out = t;
        return 0;
    case GAL_Q_AND: {
        t = it_new(IT_AND, q);
        if (!t)
            return nomem();
        int has_word = 0;
        for (uint32_t k = 0; k < q->nkids; k++)
            has_word |= q->kids[k]->kind != GAL_Q_NOT && q->kids[k]->kind != GAL_Q_DATE;
        for (uint32_t k = 0; k < q->nkids; k++) {
            const gal_qnode *kq = q->kids[k];
            it *kid;
            int isnot = kq->kind == GAL_Q_NOT;
            c->under_not += isnot;
            rc = build(c, isnot ? kq->kids[0] : kq, &kid);
            c->under_not -= isnot;
            if (rc)
                goto fail;
            if (isnot)
                rc = add_kid(&t->negs, &t->nnegs, kid);
            else if (kq->kind == GAL_Q_DATE && (has_word || t->nkids))
                rc = add_kid(&t->filts, &t->nfilts, kid);
            else
                rc = add_kid(&t->kids, &t->nkids, kid);
            if (rc) {
                it_free(kid);
                goto fail;
            }
        }
        qsort(t->kids, t->nkids, sizeof *t->kids, by_cost);
        t->cost = t->nkids ? t->kids[0]->cost : 0;
        *out = t;
        return 0;
    }
    case GAL_Q_NOT:
        /* the parser lets NOT appear only under AND */
        return gal_error_set(GAL_EUSAGE, "NOT needs a positive term beside it");
    }
    return gal_error_set(GAL_EUSAGE, "unknown query node");
fail:
    it_free(t);
    return rc;
}

/* ---- matching ------------------------------------------------------------ */

static int advance(ctx *c, it *t, uint32_t target);

static int term_check(ctx *c, it *t, rangevec *rv)
{
    cur *k = &t->cs[0];
    if (!t->title && !rv) {
        t->freq = gal_postings_tf(k->p);
        return 0;
    }
    const uint32_t *pos;
    uint32_t tf, tt = UINT32_MAX;
    int rc = positions_of(k, &pos, &tf);
    if (!rc && t->title)
        rc = title_tokens(c, k->doc, &tt);
    if (rc)
        return rc;
    uint32_t f = 0;
    for (uint32_t j = 0; j < tf && pos[j] < tt; j++) {
        f++;
        if (rv && (rc = range_push(rv, pos[j], pos[j] + t->span)))
            return rc;
    }
    t->freq = f;
    return 0;
}

/* The phrase's occurrences in doc.  Its words' positions are read rarest
 * first (by tf, known without decoding), each narrowing the phrase starts
 * the rarer ones allow: a document where two frequent words and a rarer one
 * merely co-occur ("the end of the") is rejected before the most frequent
 * word's run is decoded. */
static int phrase_check(ctx *c, it *t, uint32_t doc, rangevec *rv)
{
    uint32_t n = t->n, tt = UINT32_MAX, title_end = UINT32_MAX;
    int rc;
    if (t->title && (rc = title_tokens(c, doc, &tt)))
        return rc;
    if (t->title_too && (rc = title_tokens(c, doc, &title_end)))
        return rc;
    const uint32_t *pa;
    uint32_t na, f = 0, ft = 0;
    if (n == 2 && !rv) { /* the common case, with the cursors in registers */
        uint32_t a = cur_tf(&t->cs[1]) < cur_tf(&t->cs[0]), b = 1 - a;
        uint32_t nb, qb = 0, oa = t->offs[a], ob = t->offs[b];
        const uint32_t *pb;
        if ((rc = positions_of(&t->cs[a], &pa, &na)) ||
            (rc = positions_of(&t->cs[b], &pb, &nb)))
            return rc;
        for (uint32_t j = 0; j < na; j++) {
            if (pa[j] < oa)
                continue;
            uint32_t st = pa[j] - oa, want = st + ob;
            if (st >= tt)
                break;
            while (qb < nb && pb[qb] < want)
                qb++;
            if (qb == nb)
                break;
            f += pb[qb] == want;
            ft += pb[qb] == want && st < title_end;
        }
        t->freq = f;
        t->title_freq = ft;
        return 0;
    }
    /* the lead cursors in increasing tf (t->ptr is this phrase's scratch);
     * the starts the rarest word allows, then narrowed word by word, then
     * by the words that wait, each moved to doc first */
    uint32_t *by_tf = t->ptr, nl = t->nlead;
    for (uint32_t i = 0; i < nl; i++) {
        uint32_t ci = nl == n ? i : t->order[i]; /* ties in phrase order when none waits */
        uint32_t tf = cur_tf(&t->cs[ci]), k = i;
        for (; k > 0 && cur_tf(&t->cs[by_tf[k - 1]]) > tf; k--)
            by_tf[k] = by_tf[k - 1];
        by_tf[k] = ci;
    }
    for (uint32_t k = nl; k < n; k++)
        by_tf[k] = t->order[k];
    uint32_t a = by_tf[0], oa = t->offs[a];
    if ((rc = positions_of(&t->cs[a], &pa, &na)))
        return rc;
    if (gal_grow((void **)&t->starts, &t->starts_cap, na, sizeof *t->starts, 64))
        return nomem();
    uint32_t m = 0;
    for (uint32_t j = 0; j < na; j++) {
        if (pa[j] < oa)
            continue;
        if (pa[j] - oa >= tt)
            break;
        t->starts[m++] = pa[j] - oa;
    }
    for (uint32_t k = 1; k < n && m > 0; k++) {
        uint32_t i = by_tf[k], np, q = 0, kept = 0, oi = t->offs[i];
        const uint32_t *p;
        if (k >= nl) {
            if ((rc = cur_to(&t->cs[i], doc)) < 0)
                return rc;
            if (t->cs[i].doc != doc) {
                t->resume = t->cs[i].doc;
                m = 0;
                break;
            }
        }
        if ((rc = positions_of(&t->cs[i], &p, &np)))
            return rc;
        for (uint32_t j = 0; j < m; j++) {
            uint32_t want = t->starts[j] + oi;
            while (q < np && p[q] < want)
                q++;
            if (q == np)
                break;
            if (p[q] == want)
                t->starts[kept++] = t->starts[j];
        }
        m = kept;
    }
    for (uint32_t j = 0; rv && j < m; j++)
        if ((rc = range_push(rv, t->starts[j], t->starts[j] + t->span)))
            return rc;
    t->freq = m;
    for (t->title_freq = 0; t->title_freq < m && t->starts[t->title_freq] < title_end;)
        t->title_freq++; /* the starts increase */
    return 0;
}

static int near_check(ctx *c, it *t, uint32_t doc, rangevec *rv)
{
    const uint32_t *pos[GAL_QUERY_MAX_TOKENS];
    uint32_t tf[GAL_QUERY_MAX_TOKENS];
    uint32_t n = t->n, tt = UINT32_MAX;
    int have_tt = 0, rc;
    for (uint32_t i = 0; i < n; i++) {
        if ((rc = positions_of(&t->cs[i], &pos[i], &tf[i])))
            return rc;
        if (!tf[i]) {
            t->freq = 0;
            return 0;
        }
        t->ptr[i] = 0;
    }
    if (t->title) {
        if ((rc = title_tokens(c, doc, &tt)))
            return rc;
        have_tt = 1;
    }
    uint32_t f = 0;
    for (;;) {
        uint32_t mn = UINT32_MAX, mx = 0, mi = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t v = pos[i][t->ptr[i]];
            if (v < mn) {
                mn = v;
                mi = i;
            }
            if (v > mx)
                mx = v;
        }
        if (t->title && mn >= tt)
            break;
        /* SQLite FTS5's NEAR: at most `near` tokens, query words or not,
         * between the first and the last word of the window */
        if ((uint64_t)(mx - mn) <= (uint64_t)t->near + 1) {
            int ok = 1;
            if (t->title) {
                ok = mx < tt;
            } else if (mx - mn >= GAL_TITLE_BODY_GAP) { /* might join title and body */
                if (!have_tt) {
                    if ((rc = title_tokens(c, doc, &tt)))
                        return rc;
                    have_tt = 1;
                }
                ok = !(mn < tt && mx >= tt);
            }
            if (ok) {
                f++;
                for (uint32_t i = 0; rv && i < n; i++) {
                    uint32_t v = pos[i][t->ptr[i]];
                    if ((rc = range_push(rv, v, v)))
                        return rc;
                }
            }
        }
        if (++t->ptr[mi] == tf[mi])
            break;
    }
    t->freq = f;
    return 0;
}

static int words_advance(ctx *c, it *t, uint32_t target)
{
    uint32_t d = target;
    /* the cursors moved to each candidate: a phrase's words that wait for
     * the others' positions are moved by phrase_check() */
    const uint32_t nl = t->kind == IT_PHRASE ? t->nlead : t->n;
    const int some_wait = nl < t->n;
    int r;
    for (;;) {
        cur *lead = &t->cs[t->order[0]];
        if ((r = cur_to(lead, d)) <= 0)
            goto end;
        d = lead->doc;
        uint32_t k;
        for (k = 1; k < nl; k++) {
            cur *o = &t->cs[t->order[k]];
            if ((r = cur_to(o, d)) <= 0)
                goto end;
            if (o->doc > d) {
                d = o->doc;
                break;
            }
        }
        if (k < nl)
            continue;
        if (some_wait)
            t->resume = 0;
        if (t->kind == IT_TERM) {
            r = term_check(c, t, NULL);
        } else {
            /* a hit's length is read to score it, a cache miss in a table
             * of all documents: the position check hides it */
            gal_snapshot_prefetch_doc_tokens(c->s, d);
            r = t->kind == IT_PHRASE ? phrase_check(c, t, d, NULL) : near_check(c, t, d, NULL);
        }
        if (r < 0)
            goto end;
        if (t->freq) {
            t->doc = d;
            return 1;
        }
        if (d == DOC_END - 1 || (some_wait && t->resume == DOC_END)) {
            r = 0;
            goto end;
        }
        d = some_wait && t->resume > d ? t->resume : d + 1;
    }
end:
    t->doc = DOC_END;
    return r;
}

/* Is doc, on which an AND's words agree, ruled out by one of its date
 * filters or NOT terms?  1 or 0, or a negative status. */
static int excluded(ctx *c, it *t, uint32_t doc)
{
    if (t->nfilts) {
        int64_t dt = gal_snapshot_doc_date(c->s, doc);
        for (uint32_t k = 0; k < t->nfilts; k++)
            if (dt == GAL_NO_DATE || dt < t->filts[k]->lo || dt > t->filts[k]->hi)
                return 1;
    }
    for (uint32_t k = 0; k < t->nnegs; k++) {
        it *neg = t->negs[k];
        if (neg->started && neg->doc > doc)
            continue; /* advance()'s own first test, without the call */
        int r = advance(c, neg, doc);
        if (r < 0)
            return r;
        if (r == 1 && neg->doc == doc)
            return 1;
    }
    return 0;
}

static int and_advance(ctx *c, it *t, uint32_t target)
{
    uint32_t d = target;
    int r;
    for (;;) {
        if ((r = advance(c, t->kids[0], d)) <= 0)
            goto end;
        d = t->kids[0]->doc;
        uint32_t k;
        for (k = 1; k < t->nkids; k++) {
            if ((r = advance(c, t->kids[k], d)) <= 0)
                goto end;
            if (t->kids[k]->doc > d) {
                d = t->kids[k]->doc;
                break;
            }
        }
        if (k < t->nkids)
            continue;
        if ((r = excluded(c, t, d)) < 0)
            goto end;
        if (!r) {
            t->doc = d;
            return 1;
        }
        if (d == DOC_END - 1) {
            r = 0;
            goto end;
        }
        d++;
    }
end:
    t->doc = DOC_END;
    return r;
}

/* An OR of many children (a prefix of 256 words: "a*") keeps them in a
 * heap by current document, so that moving on costs the children that move
 * (log n each), not a look at every child per document.  Where most
 * children are on most documents the look at every child costs less: on
 * news-1g, an OR of 18 common words took 37 ms with the heap against 28
 * without, of 40 words 246 against 168; `a*` 53 against 336. */
#define OR_HEAP_MIN 64

static void or_sift_down(it *t, uint32_t i)
{
    uint32_t n = t->nkids, *h = t->heap;
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && t->kids[h[l]]->doc < t->kids[h[m]]->doc)
            m = l;
        if (r < n && t->kids[h[r]]->doc < t->kids[h[m]]->doc)
            m = r;
        if (m == i)
            return;
        uint32_t x = h[i];
        h[i] = h[m];
        h[m] = x;
        i = m;
    }
}

static int or_heap_advance(ctx *c, it *t, uint32_t target)
{
    int r;
    if (!t->heap) {
        t->heap = gal_malloc(t->nkids * sizeof *t->heap);
        t->on_doc = gal_malloc(t->nkids * sizeof *t->on_doc);
        if (!t->heap || !t->on_doc)
            return nomem();
        for (uint32_t k = 0; k < t->nkids; k++) {
            if ((r = advance(c, t->kids[k], target)) < 0)
                return r;
            t->heap[k] = k;
        }
        for (uint32_t i = t->nkids / 2; i-- > 0;)
            or_sift_down(t, i);
    }
    for (it *top; (top = t->kids[t->heap[0]])->doc < target;) {
        if ((r = advance(c, top, target)) < 0)
            return r;
        or_sift_down(t, 0);
    }
    t->doc = t->kids[t->heap[0]]->doc;
    return t->doc != DOC_END;
}

/* The children of a heap OR on its current document, by increasing index
 * (the order score() adds them in when it looks at every child). */
static uint32_t or_heap_on_doc(const it *t)
{
    /* the heap's nodes on t->doc form a subtree at its root: walk it with
     * a stack at the far end of on_doc, the children found at the near end
     * (together never more than the nodes) */
    uint32_t n = 0, sp = t->nkids, *stack = t->on_doc, *found = t->on_doc;
    stack[--sp] = 0;
    while (sp < t->nkids) {
        uint32_t i = stack[sp++];
        found[n++] = t->heap[i];
        for (uint32_t ch = 2 * i + 1; ch <= 2 * i + 2 && ch < t->nkids; ch++)
            if (t->kids[t->heap[ch]]->doc == t->doc)
                stack[--sp] = ch;
    }
    for (uint32_t i = 1; i < n; i++) { /* insertion sort: a few children */
        uint32_t x = found[i], k = i;
        for (; k > 0 && found[k - 1] > x; k--)
            found[k] = found[k - 1];
        found[k] = x;
    }
    return n;
}

/* The first remembered document >= target (documents only move forward). */
static int memo_advance(it *t, uint32_t target)
{
    size_t i = t->memo_at;
    while (i < t->memo_n && t->memo_docs[i] < target)
        i++;
    t->memo_at = i;
    if (i == t->memo_n) {
        t->doc = DOC_END;
        return 0;
    }
    t->doc = t->memo_docs[i];
    t->freq = t->memo_freqs[i];
    return 1;
}

static int advance(ctx *c, it *t, uint32_t target)
{
    if (t->started && t->doc >= target)
        return t->doc != DOC_END;
    t->started = 1;
    if (t->memo)
        return memo_advance(t, target);
    switch (t->kind) {
    case IT_TERM:
    case IT_PHRASE:
    case IT_NEAR:
        return words_advance(c, t, target);
    case IT_AND:
        return and_advance(c, t, target);
    case IT_OR: {
        if (t->nkids >= OR_HEAP_MIN) {
            int r = or_heap_advance(c, t, target);
            if (r < 0)
                t->doc = DOC_END;
            return r;
        }
        uint32_t mn = DOC_END;
        for (uint32_t k = 0; k < t->nkids; k++) {
            it *kid = t->kids[k];
            if (!kid->started || kid->doc < target) {
                int r = advance(c, kid, target);
                if (r < 0) {
                    t->doc = DOC_END;
                    return r;
                }
            }
            if (kid->doc < mn)
                mn = kid->doc;
        }
        t->doc = mn;
        return mn != DOC_END;
    }
    case IT_DOCSET:
        for (uint64_t d = target; d < c->ndocs;) {
            uint64_t w = t->bits[d >> 6] >> (d & 63);
            if (w) {
                t->doc = (uint32_t)d + (uint32_t)__builtin_ctzll(w);
                t->freq = 1;
                return 1;
            }
            d = (d | 63) + 1;
        }
        t->doc = DOC_END;
        return 0;
    case IT_DATE:
        for (uint32_t d = target; d < c->ndocs; d++) {
            int64_t dt = gal_snapshot_doc_date(c->s, d);
            if (dt != GAL_NO_DATE && dt >= t->lo && dt <= t->hi) {
                t->doc = d;
                return 1;
            }
        }
        t->doc = DOC_END;
        return 0;
    default:
        t->doc = DOC_END;
        return 0;
    }
}

static double score(ctx *c, const it *t)
{
    double s = 0;
    switch (t->kind) {
    case IT_TERM:
    case IT_PHRASE:
    case IT_NEAR:
        return gal_bm25_term(&c->bm, t->idf, t->freq, c->dl);
    case IT_OR:
        if (t->heap) {
            uint32_t n = or_heap_on_doc(t);
            for (uint32_t k = 0; k < n; k++)
                s += score(c, t->kids[t->on_doc[k]]);
            return s;
        }
        /* fall through */
    case IT_AND:
        for (uint32_t k = 0; k < t->nkids; k++)
            if (t->kids[k]->doc == t->doc)
                s += score(c, t->kids[k]);
        return s;
    case IT_DOCSET:
        return t->acc ? t->acc[t->doc] : 0;
    default:
        return 0;
    }
}

/* ---- phrase statistics --------------------------------------------------- */

/* A phrase or NEAR group remembers at most this many documents (8 bytes
 * each: 32 MB); one that matches more is evaluated again when ranking. */
#define MEMO_MAX ((size_t)1 << 22)

/* df of the phrase or NEAR group t: the documents where it occurs, counted
 * with a cursor of its own.  They are remembered with their frequencies in
 * t, so that ranking replays them: a phrase beside other words ("net loss"
 * quarter) read every word's positions twice, once here, once to rank.
 * Under title: it is counted wherever it occurs, as a word under title:
 * takes its df from all its documents, and as a phrase that is one bigram
 * term ("of the") does: so a phrase's idf is the same whichever way an
 * index reads it.  A phrase remembers its title's hits on the way; a NEAR
 * group's count is not those: nothing to replay. */
static int count_docs(ctx *c, it *t, uint64_t *df)
{
    it *u;
    int rc = build(c, t->q, &u);
    if (rc)
        return rc;
    uint64_t n = 0, kept = 0;
    size_t cap_docs = 0, cap_freqs = 0;
    int keep = !u->title || u->kind == IT_PHRASE;
    u->title_too = u->title && u->kind == IT_PHRASE;
    u->title = 0;
    uint32_t d = 0;
    while ((rc = advance(c, u, d)) == 1) {
        uint32_t freq = u->title_too ? u->title_freq : u->freq;
        if (keep && freq &&
            (kept == MEMO_MAX ||
             gal_grow((void **)&t->memo_docs, &cap_docs, kept + 1, sizeof *t->memo_docs, 256) ||
             gal_grow((void **)&t->memo_freqs, &cap_freqs, kept + 1, sizeof *t->memo_freqs, 256)))
            keep = 0; /* too many, or no memory for them: rank without */
        if (keep && freq) {
            t->memo_docs[kept] = u->doc;
            t->memo_freqs[kept++] = freq;
        }
        n++;
        if (u->doc == DOC_END - 1)
            break;
        d = u->doc + 1;
    }
    it_free(u);
    if (rc < 0)
        return rc;
    if (keep) {
        t->memo = 1;
        t->memo_n = (size_t)kept;
    } else {
        gal_free(t->memo_docs);
        gal_free(t->memo_freqs);
        t->memo_docs = t->memo_freqs = NULL;
    }
    *df = n;
    return 0;
}

static int ctx_init(ctx *c, gal_snapshot *s, const gal_search_opts *o);

/* Add leaf (q, hash)'s df to st (sorted and merged later). */
static int stats_push(gal_search_stats *st, const gal_qnode *q, uint64_t hash, uint64_t df)
{
    if (gal_grow((void **)&st->v, &st->cap, st->n + 1, sizeof *st->v, 64))
        return nomem();
    st->v[st->n++] = (stat_entry){q, hash, df};
    return 0;
}

/* A query that is one phrase or NEAR group (not in the title): its idf
 * only scales every score alike, so indexes searched as one rank it with
 * idf 1 and scale by its documents in all of them once those are known
 * (gal_search_stats_scale), instead of counting them first. */
static int lone_phrase(const gal_query *q)
{
    return (q->root->kind == GAL_Q_PHRASE || q->root->kind == GAL_Q_NEAR) && !q->root->title;
}

double gal_search_stats_scale(const gal_search_stats *st, const gal_query *q, uint64_t total)
{
    if (!lone_phrase(q))
        return 1.0;
    gal_bm25 bm;
    gal_bm25_init(&bm, st->docs, st->docs ? (double)st->tokens / (double)st->docs : 0.0);
    return gal_bm25_idf(&bm, total);
}

/* The df of every scored leaf under t: a word's from its postings, a
 * phrase's or NEAR group's counted.  Words under NOT and date filters score
 * nothing and are left out. */
static int collect_dfs(ctx *c, it *t, gal_search_stats *st)
{
    int rc = 0;
    uint64_t df;
    switch (t->kind) {
    case IT_TERM:
        return stats_push(st, t->q, t->key_hash, t->cost);
    case IT_PHRASE:
    case IT_NEAR:
        if (st->count_only)
            return 0;
        if ((rc = count_docs(c, t, &df)) || (rc = stats_push(st, t->q, t->key_hash, df)))
            return rc;
        if (t->memo && !gal_grow((void **)&st->memos, &st->memos_cap, st->nmemos + 1,
                                 sizeof *st->memos, 8)) { /* kept for the ranking pass */
            st->memos[st->nmemos++] =
                (phrase_memo){c->s, t->q, t->memo_docs, t->memo_freqs, t->memo_n};
            t->memo_docs = t->memo_freqs = NULL;
            t->memo = 0;
        }
        return 0;
    case IT_AND:
    case IT_OR:
        for (uint32_t k = 0; k < t->nkids && !rc; k++)
            rc = collect_dfs(c, t->kids[k], st);
        return rc;
    default:
        return 0;
    }
}

int gal_search_stats_new(gal_search_stats **out)
{
    gal_search_stats *st = gal_calloc(1, sizeof *st);
    if (!st)
        return nomem();
    gal_buf_init(&st->terms);
    *out = st;
    return 0;
}

void gal_search_stats_free(gal_search_stats *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->nmemos; i++) {
        gal_free(st->memos[i].docs);
        gal_free(st->memos[i].freqs);
    }
    gal_free(st->memos);
    gal_free(st->prefix_keys);
    gal_free(st->v);
    gal_free(st->pv);
    gal_free(st->capped);
    gal_buf_release(&st->terms);
    gal_free(st);
}

/* The vocabulary's order: bytes, then length (a prefix first). */
static int term_order(const gal_search_stats *st, const prefix_term *x, const prefix_term *y)
{
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(st->terms.data + x->off, st->terms.data + y->off, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* A prefix term with its bytes at hand, for qsort (which passes no
 * context: the terms' buffer does not move while they are sorted). */
typedef struct term_ref {
    prefix_term t;
    const uint8_t *bytes;
} term_ref;

static int by_node_then_term(const void *a, const void *b)
{
    const term_ref *x = a, *y = b;
    if (x->t.q != y->t.q)
        return (uintptr_t)x->t.q < (uintptr_t)y->t.q ? -1 : 1;
    size_t n = x->t.len < y->t.len ? x->t.len : y->t.len;
    int c = memcmp(x->bytes, y->bytes, n);
    return c ? c : (x->t.len > y->t.len) - (x->t.len < y->t.len);
}

/* Sort st->pv by (q, term). */
static int sort_prefix_terms(gal_search_stats *st)
{
    if (st->pn < 2)
        return 0;
    term_ref *v = gal_malloc(st->pn * sizeof *v);
    if (!v)
        return nomem();
    for (size_t i = 0; i < st->pn; i++)
        v[i] = (term_ref){st->pv[i], st->terms.data + st->pv[i].off};
    qsort(v, st->pn, sizeof *v, by_node_then_term);
    for (size_t i = 0; i < st->pn; i++)
        st->pv[i] = v[i].t;
    gal_free(v);
    return 0;
}

/* Keep each prefix's first prefix_cap terms of all the indexes so far: the
 * ones each index reads through cursors of their own. */
static int cut_prefixes(gal_search_stats *st)
{
    int rc = sort_prefix_terms(st);
    if (rc)
        return rc;
    size_t w = 0, in_node = 0;
    for (size_t i = 0; i < st->pn; i++) {
        const prefix_term *t = &st->pv[i];
        int new_node = !w || st->pv[w - 1].q != t->q;
        if (new_node)
            in_node = 0;
        else if (term_order(st, &st->pv[w - 1], t) == 0)
            continue; /* the same term from another index */
        if (in_node == st->prefix_cap) {
            if ((rc = mark_capped(st, t->q)))
                return rc;
            continue;
        }
        st->pv[w++] = *t;
        in_node++;
    }
    st->pn = w;
    /* the kept terms, for lookups; every term's count stays (a term past
     * the cap in one index is ranked from its sum all the same) */
    stat_entry *kept = gal_malloc((st->pn ? st->pn : 1) * sizeof *kept);
    if (!kept)
        return nomem();
    for (size_t k = 0; k < st->pn; k++)
        kept[k] = (stat_entry){st->pv[k].q, st->pv[k].hash, 0};
    if (st->pn > 1)
        qsort(kept, st->pn, sizeof *kept, by_leaf);
    gal_free(st->prefix_keys);
    st->prefix_keys = kept;
    return 0;
}

void gal_search_stats_report(const gal_search_stats *st, const gal_search_opts *o)
{
    for (size_t i = 0; o && o->note && i < st->ncapped; i++) {
        const gal_qnode *q = st->capped[i];
        char msg[PREFIX_NOTE_LEN];
        prefix_note(msg, q, st->prefix_cap);
        o->note(o->note_ctx, msg);
    }
}

static int stats_settle(gal_search_stats *st);

int gal_search_stats_add(gal_search_stats *st, gal_snapshot *s, const gal_query *q,
                         const gal_search_opts *o)
{
    gal_search_opts own = o ? *o : (gal_search_opts){0};
    own.stats = NULL;
    own.note = NULL; /* the cut prefixes are told once, by gal_search_stats_report */
    ctx c;
    it *root = NULL;
    gal_index_stats ist;
    int rc = gal_snapshot_stats(s, &ist);
    if (!rc)
        rc = ctx_init(&c, s, &own);
    if (!rc) {
        c.collect = st;
        st->prefix_cap = c.prefix_cap;
        st->count_only = own.count_only;
        rc = build_root(&c, q->root, &root);
    }
    if (!rc && !lone_phrase(q))
        rc = collect_dfs(&c, root, st);
    if (!rc)
        rc = gal_snapshot_status(s);
    it_free(root);
    if (rc)
        return rc;
    st->docs += gal_stats_bm25_docs(&ist);
    st->tokens += ist.tokens;
    return stats_settle(st);
}

int gal_search_stats_merge(gal_search_stats *st, gal_search_stats *from)
{
    if (gal_grow((void **)&st->v, &st->cap, st->n + from->n, sizeof *st->v, 64) ||
        gal_grow((void **)&st->pv, &st->pcap, st->pn + from->pn, sizeof *st->pv, 64) ||
        gal_grow((void **)&st->memos, &st->memos_cap, st->nmemos + from->nmemos,
                 sizeof *st->memos, 8))
        return nomem();
    if (from->n) /* an empty one's arrays may be NULL */
        memcpy(st->v + st->n, from->v, from->n * sizeof *from->v);
    st->n += from->n;
    size_t shift = st->terms.len; /* from's terms go after st's own */
    if (gal_buf_append(&st->terms, from->terms.data, from->terms.len))
        return nomem();
    for (size_t i = 0; i < from->pn; i++) {
        st->pv[st->pn] = from->pv[i];
        st->pv[st->pn++].off += shift;
    }
    if (from->nmemos)
        memcpy(st->memos + st->nmemos, from->memos, from->nmemos * sizeof *from->memos);
    st->nmemos += from->nmemos;
    from->nmemos = 0; /* st frees their arrays now */
    for (size_t i = 0; i < from->ncapped; i++) {
        int rc = mark_capped(st, from->capped[i]);
        if (rc)
            return rc;
    }
    st->docs += from->docs;
    st->tokens += from->tokens;
    st->prefix_cap = from->prefix_cap;
    st->count_only = from->count_only;
    return stats_settle(st);
}

/* After an index's counts were added: one entry a leaf, each prefix cut
 * to the first terms of all the indexes so far. */
static int stats_settle(gal_search_stats *st)
{
    /* one entry a leaf: sorted, the same leaf's counts added up */
    if (st->n)
        qsort(st->v, st->n, sizeof *st->v, by_leaf);
    size_t w = 0;
    for (size_t i = 0; i < st->n; i++) {
        if (w && by_leaf(&st->v[w - 1], &st->v[i]) == 0)
            st->v[w - 1].df += st->v[i].df;
        else
            st->v[w++] = st->v[i];
    }
    st->n = w;
    return cut_prefixes(st);
}

/* Fill the idf of every phrase and NEAR cursor under t except `skip`. */
static int phrase_idfs(ctx *c, it *t, const it *skip)
{
    int rc;
    if ((t->kind == IT_PHRASE || t->kind == IT_NEAR) && !t->idf_known && t != skip) {
        uint64_t df;
        if (c->stats) { /* counted over every index before */
            df = leaf_df(c, t, 0);
            for (size_t i = 0; i < c->stats->nmemos && !t->memo; i++) {
                const phrase_memo *m = &c->stats->memos[i];
                if (m->s == c->s && m->q == t->q) {
                    t->memo = t->memo_lent = 1;
                    t->memo_docs = m->docs;
                    t->memo_freqs = m->freqs;
                    t->memo_n = m->n;
                }
            }
        } else if ((rc = count_docs(c, t, &df))) {
            return rc;
        }
        t->idf = gal_bm25_idf(&c->bm, df);
        t->idf_known = 1;
    }
    for (uint32_t k = 0; k < t->nkids; k++)
        if ((rc = phrase_idfs(c, t->kids[k], skip)))
            return rc;
    return 0;
}

/* ---- top k --------------------------------------------------------------- */

static int better(gal_sort m, const gal_hit *a, const gal_hit *b)
{
    switch (m) {
    case GAL_SORT_DATE:
        if (a->date != b->date)
            return a->date > b->date;
        break;
    case GAL_SORT_DOC:
        break;
    default:
        if (a->score != b->score)
            return a->score > b->score;
    }
    return a->doc < b->doc;
}

typedef struct heap {
    gal_hit *v;
    size_t n, cap, k;
    gal_sort m;
} heap;

/* A heap whose root is the worst hit kept. */
static void sift_down(heap *h, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < h->n && better(h->m, &h->v[w], &h->v[l]))
            w = l;
        if (r < h->n && better(h->m, &h->v[w], &h->v[r]))
            w = r;
        if (w == i)
            return;
        gal_hit tmp = h->v[i];
        h->v[i] = h->v[w];
        h->v[w] = tmp;
        i = w;
    }
}

static int heap_push(heap *h, const gal_hit *x)
{
    if (h->k == 0)
        return 0;
    if (h->n == h->k) {
        if (better(h->m, x, &h->v[0])) {
            h->v[0] = *x;
            sift_down(h, 0);
        }
        return 0;
    }
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        gal_hit *v = gal_realloc(h->v, cap * sizeof *v);
        if (!v)
            return nomem();
        h->v = v;
        h->cap = cap;
    }
    size_t i = h->n++;
    h->v[i] = *x;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!better(h->m, &h->v[p], &h->v[i]))
            break;
        gal_hit tmp = h->v[i];
        h->v[i] = h->v[p];
        h->v[p] = tmp;
        i = p;
    }
    return 0;
}

/* Whether doc is deleted (deleted.h), which the ranking loops pass over:
 * counted as they go, for a lone phrase's idf. */
static int deleted(ctx *c, uint32_t doc)
{
    if (!gal_deleted_has(c->del, doc))
        return 0;
    c->deleted_hits++;
    return 1;
}

/* A document scored in a loop of its own, to the heap of a score ranking
 * only if it beats the worst hit kept (an equal score loses its tie: the
 * loops go in increasing document order): most do not. */
static int offer(heap *h, uint32_t doc, double score)
{
    if (h->n == h->k && !(score > h->v[0].score))
        return 0;
    gal_hit hit = {.doc = doc, .score = score, .date = GAL_NO_DATE};
    return heap_push(h, &hit);
}

/* A lone word, the commonest query, is ranked a chunk at a time: the
 * chunk's lengths in one pass, its scores in a loop without calls, and the
 * hits offered to the heap.  The same arithmetic as score(), so the same
 * hits as the general loop, at about half the time per document on a
 * frequent word. */
static int rank_word(ctx *c, it *t, heap *h, uint64_t *total)
{
    gal_postings *p = t->cs[0].p;
    uint32_t dl[GAL_CHUNK_DOCS];
    double sc[GAL_CHUNK_DOCS];
    int r;
    while ((r = gal_postings_next_chunk(p)) == 1) {
        const uint32_t *docs, *tfs;
        size_t n = gal_postings_rest(p, &docs, &tfs);
        gal_snapshot_doc_tokens_many(c->s, docs, n, dl);
        gal_bm25_terms(&c->bm, t->idf, tfs, dl, n, sc);
        for (size_t i = 0; i < n; i++) {
            if (deleted(c, docs[i]))
                continue;
            ++*total;
            if ((r = offer(h, docs[i], sc[i])))
                return r;
        }
    }
    return r;
}

/* An AND of plain words ("oil prices", "trade -japan", "date:1987-03 oil")
 * walks its rarest word a chunk at a time, seeks the others to each of its
 * documents, rules out what excluded() says, and scores inline: the same
 * documents, and the same sum in the same order (kids[], rarest first), as
 * advance() and score() give through the tree. */
static int rank_words_and(ctx *c, it *t, heap *h, uint64_t *total)
{
    gal_postings *lead = t->kids[0]->cs[0].p;
    int r;
    for (uint32_t k = 1; k < t->nkids; k++) /* sought once per document of the lead at most */
        gal_postings_expect_seeks(t->kids[k]->cs[0].p, t->kids[0]->cost);
    while ((r = gal_postings_next_chunk(lead)) == 1) {
        const uint32_t *docs, *tfs;
        size_t n = gal_postings_rest(lead, &docs, &tfs);
        for (size_t i = 0; i < n; i++) {
            uint32_t k;
            for (k = 1; k < t->nkids; k++) {
                gal_postings *o = t->kids[k]->cs[0].p;
                if ((r = gal_postings_seek(o, docs[i])) <= 0)
                    return r; /* a word has no document left: nor has the AND */
                if (gal_postings_doc(o) != docs[i])
                    break;
            }
            if (k < t->nkids)
                continue;
            if ((r = excluded(c, t, docs[i])) < 0)
                return r;
            if (r || deleted(c, docs[i]))
                continue;
            ++*total;
            uint32_t dl = gal_snapshot_doc_tokens(c->s, docs[i]);
            double sc = 0;
            for (k = 0; k < t->nkids; k++)
                sc += gal_bm25_term(&c->bm, t->kids[k]->idf,
                                    k ? gal_postings_tf(t->kids[k]->cs[0].p) : tfs[i], dl);
            if ((r = offer(h, docs[i], sc)))
                return r;
        }
    }
    return r;
}

/* Documents per window of rank_words_or(): its sums (32 kB) stay in the
 * nearest cache. */
#define OR_WINDOW 4096u

/* An OR of plain words ("oil OR gas", a prefix's words) is ranked a window
 * of documents at a time: each word in turn adds its scores for the
 * window's documents into a dense array, then the window's documents are
 * offered in order.  A document's sum is made of the same terms added in
 * the same order (its words by index, from 0.0) as score() adds them
 * walking document by document, so the hits are the same; the walk paid
 * for every document a pass over every word's cursor. */
static int rank_words_or(ctx *c, it *t, heap *h, uint64_t *total)
{
    double *acc = gal_calloc(OR_WINDOW, sizeof *acc);
    uint32_t *live = gal_malloc(t->nkids * sizeof *live); /* kids with documents left */
    if (!acc || !live) {
        gal_free(acc);
        gal_free(live);
        return nomem();
    }
    uint64_t seen[OR_WINDOW / 64] = {0};
    uint32_t nlive = 0, dl[GAL_CHUNK_DOCS];
    double sc[GAL_CHUNK_DOCS];
    int r = 0;
    for (uint32_t k = 0; k < t->nkids; k++) {
        if ((r = gal_postings_next(t->kids[k]->cs[0].p)) < 0)
            goto out;
        if (r == 1)
            live[nlive++] = k;
    }
    while (nlive > 0) {
        /* the window starts at the first document any word has left */
        uint32_t lo = UINT32_MAX;
        for (uint32_t j = 0; j < nlive; j++) {
            uint32_t d = gal_postings_doc(t->kids[live[j]]->cs[0].p);
            if (d < lo)
                lo = d;
        }
        uint64_t hi = (uint64_t)lo + OR_WINDOW;
        uint32_t kept = 0;
        for (uint32_t j = 0; j < nlive; j++) {
            it *kid = t->kids[live[j]];
            gal_postings *p = kid->cs[0].p;
            r = 1;
            while (r == 1 && gal_postings_doc(p) < hi) {
                const uint32_t *docs, *tfs;
                size_t n = gal_postings_rest(p, &docs, &tfs), m = n;
                if (docs[n - 1] >= hi) /* the window ends inside this chunk */
                    for (m = 0; docs[m] < hi; m++)
                        ;
                gal_snapshot_doc_tokens_many(c->s, docs, m, dl);
                gal_bm25_terms(&c->bm, kid->idf, tfs, dl, m, sc);
                for (size_t i = 0; i < m; i++) {
                    uint32_t at = docs[i] - lo;
                    acc[at] += sc[i];
                    seen[at >> 6] |= 1ull << (at & 63);
                }
                r = m < n ? gal_postings_seek(p, docs[m]) : gal_postings_next_chunk(p);
            }
            if (r < 0)
                goto out;
            if (r == 1)
                live[kept++] = live[j];
        }
        nlive = kept;
        for (uint32_t w = 0; w < OR_WINDOW / 64; w++) {
            for (uint64_t bits = seen[w]; bits; bits &= bits - 1) {
                uint32_t at = w * 64 + (uint32_t)__builtin_ctzll(bits);
                double sum = acc[at];
                acc[at] = 0;
                if (deleted(c, lo + at))
                    continue;
                ++*total;
                if ((r = offer(h, lo + at, sum)))
                    goto out;
            }
            seen[w] = 0;
        }
    }
    r = 0;
out:
    gal_free(acc);
    gal_free(live);
    return r;
}

/* Is t a node of this kind over plain words, none under title:?  (An AND's
 * NOT terms, of any kind, and its date filters are not among its kids.) */
static int of_words(const it *t, int kind)
{
    if (t->kind != kind || t->nkids < 1)
        return 0;
    for (uint32_t k = 0; k < t->nkids; k++)
        if (t->kids[k]->kind != IT_TERM || t->kids[k]->title)
            return 0;
    return 1;
}

/* Any query: every document the root matches is scored and offered to the
 * heap. */
static int rank_any(ctx *c, it *root, heap *h, uint64_t *total)
{
    uint32_t d = 0;
    int rc;
    /* every document of a lone word here (under title:, or not ranked by
     * score), or of the words of a top-level OR, is scored: their cursors
     * prefetch the documents' lengths.  (rank_word reads a chunk's lengths
     * at once, and counting reads none.) */
    if (root->kind == IT_TERM)
        gal_postings_prefetch_lengths(root->cs[0].p, 1);
    for (uint32_t k = 0; root->kind == IT_OR && k < root->nkids; k++)
        if (root->kids[k]->kind == IT_TERM)
            gal_postings_prefetch_lengths(root->kids[k]->cs[0].p, 1);
    while ((rc = advance(c, root, d)) == 1) {
        if (deleted(c, root->doc)) {
            if (root->doc == DOC_END - 1)
                break;
            d = root->doc + 1;
            continue;
        }
        gal_hit hit;
        hit.doc = root->doc;
        hit.part = 0;
        c->dl = gal_snapshot_doc_tokens(c->s, hit.doc);
        hit.score = score(c, root);
        /* only the date order reads it: a date per hit is a cache miss in
         * a table twice the size of the lengths' */
        hit.date = h->m == GAL_SORT_DATE ? gal_snapshot_doc_date(c->s, hit.doc) : GAL_NO_DATE;
        ++*total;
        if ((rc = heap_push(h, &hit)))
            return rc;
        if (hit.doc == DOC_END - 1)
            break;
        d = hit.doc + 1;
    }
    return rc;
}

/* ---- entry points -------------------------------------------------------- */

void gal_results_init(gal_results *r)
{
    memset(r, 0, sizeof *r);
}

void gal_results_release(gal_results *r)
{
    gal_free(r->hits);
    gal_histogram_release(&r->periods);
    gal_results_init(r);
}

static int ctx_init(ctx *c, gal_snapshot *s, const gal_search_opts *o)
{
    gal_index_stats st;
    int rc = gal_snapshot_stats(s, &st);
    if (rc)
        return rc;
    memset(c, 0, sizeof *c);
    if ((rc = gal_snapshot_deleted(s, &c->del)))
        return rc;
    c->s = s;
    c->ndocs = st.docs > DOC_END - 1 ? DOC_END - 1 : (uint32_t)st.docs;
    c->stats = o ? o->stats : NULL;
    if (c->stats)
        gal_bm25_init(&c->bm, c->stats->docs,
                      c->stats->docs ? (double)c->stats->tokens / (double)c->stats->docs : 0.0);
    else
        gal_bm25_init(&c->bm, gal_stats_bm25_docs(&st), st.avg_doc_tokens);
    c->prefix_cap = o && o->prefix_cap ? o->prefix_cap : GAL_PREFIX_CAP_DEFAULT;
    c->note = o ? o->note : NULL;
    c->note_ctx = o ? o->note_ctx : NULL;
    return 0;
}

/* How many of the deleted documents p holds: p sought to each in turn, for
 * a word's --count when it has more documents than are deleted (its count
 * comes from the chunk headers).  Purged ones have no postings left. */
static int deleted_among(const gal_deleted_set *del, gal_postings *p, uint64_t *gone)
{
    *gone = 0;
    uint32_t doc;
    for (uint64_t from = 0; gal_deleted_next_pending(del, from, &doc);
         from = (uint64_t)doc + 1) {
        int rc = gal_postings_seek(p, doc);
        if (rc <= 0)
            return rc; /* no document left at or after it: none further */
        *gone += gal_postings_doc(p) == doc;
    }
    return 0;
}

/* Every document root matches but the deleted, in increasing order, to fn
 * (when not NULL: a non-zero return stops the walk and is returned); *n
 * gets how many. */
static int walk_matches(ctx *c, it *root, int (*fn)(void *arg, uint32_t doc), void *arg,
                        uint64_t *n)
{
    uint32_t d = 0;
    int rc;
    *n = 0;
    while ((rc = advance(c, root, d)) == 1) {
        if (!gal_deleted_has(c->del, root->doc)) {
            ++*n;
            if (fn && (rc = fn(arg, root->doc)))
                return rc;
        }
        if (root->doc == DOC_END - 1)
            break;
        d = root->doc + 1;
    }
    return rc < 0 ? rc : gal_snapshot_status(c->s);
}

struct by_period {
    gal_snapshot *s;
    gal_date_unit unit;
    gal_histogram *h;
};

static int add_period(void *arg, uint32_t doc)
{
    struct by_period *bp = arg;
    return gal_histogram_add(bp->h, gal_period_of(gal_snapshot_doc_date(bp->s, doc), bp->unit), 1);
}

int gal_search_each(gal_snapshot *s, const gal_query *q, const gal_search_opts *o,
                    int (*fn)(void *arg, uint32_t doc), void *arg, uint64_t *n)
{
    ctx c;
    it *root = NULL;
    int rc = ctx_init(&c, s, o);
    if (!rc && !(rc = build_root(&c, q->root, &root)))
        rc = walk_matches(&c, root, fn, arg, n);
    it_free(root);
    return rc;
}

int gal_search(gal_snapshot *s, const gal_query *q, const gal_search_opts *o, gal_results *r)
{
    ctx c;
    it *root = NULL;
    heap h = {0};
    int rc = ctx_init(&c, s, o);
    if (rc)
        return rc;
    size_t offset = o ? o->offset : 0, limit = o ? o->limit : 10;
    h.m = o ? o->sort : GAL_SORT_SCORE;
    h.k = offset + limit < offset ? SIZE_MAX : offset + limit;
    c.ranking = !(o && o->count_only);
    if ((rc = build_root(&c, q->root, &root)))
        goto out;
    if (o && o->count_only) {
        gal_results_release(r);
        gal_date_unit per = o->histogram;
        if (root->kind == IT_TERM && !root->title && !per) { /* a word: its document count */
            uint64_t all, gone = 0;
            if ((rc = gal_postings_count(root->cs[0].p, &all)))
                goto out;
            if (!c.del || gal_deleted_pending(c.del) < all) {
                /* less the deleted it has, sought one by one */
                if (!c.del || !(rc = deleted_among(c.del, root->cs[0].p, &gone)))
                    r->total = all - gone;
                goto out;
            }
            /* more deleted documents than the word has: walk its own */
        }
        uint64_t n = 0;
        struct by_period bp = {s, per, &r->periods};
        if (!(rc = walk_matches(&c, root, per ? add_period : NULL, &bp, &n)))
            r->total = n;
        goto out;
    }
    /* A phrase alone ranks the same whatever its idf: score it with idf 1
     * and scale once its document count is known, instead of counting twice
     * (not under title:, where the hits are not the documents it counts). */
    int scale_root = !c.stats && (root->kind == IT_PHRASE || root->kind == IT_NEAR) && !root->title;
    if (scale_root || (c.stats && lone_phrase(q))) { /* the caller scales: gal_search_stats_scale */
        root->idf = 1.0;
        root->idf_known = 1;
    }
    if ((rc = phrase_idfs(&c, root, NULL)))
        goto out;
    uint64_t total = 0;
    if (root->kind == IT_TERM && !root->title && h.m == GAL_SORT_SCORE)
        rc = rank_word(&c, root, &h, &total);
    else if (of_words(root, IT_AND) && h.m == GAL_SORT_SCORE)
        rc = rank_words_and(&c, root, &h, &total);
    else if (of_words(root, IT_OR) && h.m == GAL_SORT_SCORE)
        rc = rank_words_or(&c, root, &h, &total);
    else
        rc = rank_any(&c, root, &h, &total);
    if (rc < 0 || (rc = gal_snapshot_status(s)))
        goto out;
    if (scale_root) {
        /* its df counts deleted documents, as every term's does */
        double idf = gal_bm25_idf(&c.bm, total + c.deleted_hits);
        for (size_t k = 0; k < h.n; k++)
            h.v[k].score *= idf;
    }
    /* heap sort: move the worst to the back until the best is in front */
    for (size_t n = h.n; n > 1; n--) {
        gal_hit tmp = h.v[0];
        h.v[0] = h.v[n - 1];
        h.v[n - 1] = tmp;
        size_t keep = h.n;
        h.n = n - 1;
        sift_down(&h, 0);
        h.n = keep;
    }
    gal_results_release(r);
    r->total = total;
    r->deleted = c.deleted_hits;
    if (offset < h.n) {
        memmove(h.v, h.v + offset, (h.n - offset) * sizeof *h.v);
        r->nhits = h.n - offset;
        r->hits = h.v;
        h.v = NULL;
    }
out:
    gal_free(h.v);
    it_free(root);
    return rc;
}

/* ---- matches for snippets ------------------------------------------------ */

struct gal_matcher {
    ctx c;
    const gal_query *q;
    it *root;
    uint32_t last;
    rangevec rv;
};

/* The positions in doc's stored text of every word that starts with prefix
 * t's bytes: how the matcher marks the prefix's words beyond the ones it
 * ranks (their postings are never opened one by one). */
static int prefix_text_check(ctx *c, it *t, uint32_t doc, rangevec *rv)
{
    gal_doc_info info;
    gal_buf text;
    gal_buf_init(&text);
    int rc = gal_snapshot_doc(c->s, doc, &info);
    uint32_t title_len = rc ? 0 : (uint32_t)info.title_len, tp = 0,
             bp = rc ? 0 : info.title_tokens + GAL_TITLE_BODY_GAP;
    if (!rc)
        rc = gal_snapshot_text(c->s, doc, &text);
    gal_term w;
    for (size_t i = 0; !rc && gal_term_next((const char *)text.data, text.len, i, &w); i = w.end) {
        if (t->q->title && w.start >= title_len)
            break;
        uint32_t pos = w.start < title_len ? tp++ : bp++;
        if (w.hash != GAL_HASH_NONE && w.folded_len >= t->q->folded_len &&
            !memcmp(w.folded, t->q->folded, t->q->folded_len))
            rc = range_push(rv, pos, pos);
    }
    gal_buf_release(&text);
    return rc;
}

static int collect(ctx *c, it *t, uint32_t doc, rangevec *rv)
{
    int rc;
    switch (t->kind) {
    case IT_PREFIX_TEXT:
        return prefix_text_check(c, t, doc, rv);
    case IT_TERM:
    case IT_PHRASE:
    case IT_NEAR:
        if ((rc = advance(c, t, doc)) < 0)
            return rc;
        if (rc == 0 || t->doc != doc)
            return 0;
        if (t->kind == IT_TERM)
            return term_check(c, t, rv);
        if (t->kind == IT_PHRASE)
            return phrase_check(c, t, doc, rv);
        return near_check(c, t, doc, rv);
    case IT_AND:
    case IT_OR:
        for (uint32_t k = 0; k < t->nkids; k++)
            if ((rc = collect(c, t->kids[k], doc, rv)))
                return rc;
        return 0;
    default:
        return 0;
    }
}

int gal_matcher_new(gal_snapshot *s, const gal_query *q, const gal_search_opts *o,
                    gal_matcher **out)
{
    gal_matcher *m = gal_calloc(1, sizeof *m);
    if (!m)
        return nomem();
    gal_search_opts quiet = o ? *o : (gal_search_opts){0};
    quiet.note = NULL; /* gal_search already said it */
    int rc = ctx_init(&m->c, s, &quiet);
    if (rc) {
        gal_free(m);
        return rc;
    }
    m->c.no_stats = 1;
    m->q = q;
    *out = m;
    return 0;
}

void gal_matcher_free(gal_matcher *m)
{
    if (!m)
        return;
    it_free(m->root);
    gal_free(m->rv.v);
    gal_free(m);
}

static int range_cmp(const void *x, const void *y)
{
    const gal_posrange *a = x, *b = y;
    if (a->first != b->first)
        return a->first < b->first ? -1 : 1;
    return a->last < b->last ? -1 : a->last > b->last;
}

int gal_matcher_doc(gal_matcher *m, uint32_t doc, const gal_posrange **ranges, size_t *n)
{
    int rc;
    if (m->root && doc < m->last) {
        it_free(m->root);
        m->root = NULL;
    }
    if (!m->root && (rc = build_root(&m->c, m->q->root, &m->root)))
        return rc;
    m->last = doc;
    m->rv.n = 0;
    if ((rc = collect(&m->c, m->root, doc, &m->rv)) || (rc = gal_snapshot_status(m->c.s)))
        return rc;
    if (m->rv.n > 1) /* rv.v is NULL while empty, and qsort wants a pointer */
        qsort(m->rv.v, m->rv.n, sizeof *m->rv.v, range_cmp);
    size_t w = 0;
    for (size_t k = 0; k < m->rv.n; k++) {
        if (w && m->rv.v[k].first <= m->rv.v[w - 1].last + 0) {
            if (m->rv.v[k].last > m->rv.v[w - 1].last)
                m->rv.v[w - 1].last = m->rv.v[k].last;
        } else {
            m->rv.v[w++] = m->rv.v[k];
        }
    }
    m->rv.n = w;
    *ranges = m->rv.v;
    *n = w;
    return 0;
}
