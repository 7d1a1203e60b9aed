#include "term_union.h"

#include <stdio.h>
#include <stdlib.h>

#include "alloc.h"
#include "status.h"

#define DOC_END UINT32_MAX

struct gal_term_union {
    gal_snapshot *s;
    unsigned max_terms;
    uint32_t n;
    gal_postings **p;
    size_t p_cap;
    uint32_t *doc;   /* each term's document (DOC_END: done), once started */
    /* the terms in a min-heap by document, so that a seek moves only those
     * behind the target (most of a prefix's terms are rare, and far ahead)
     * and the terms on the union's document are the heap's top */
    uint32_t *heap;
    uint32_t *on;    /* scratch: the terms on the union's document */
    int started;
    uint32_t cur;    /* the union's document */
    uint32_t *pos;   /* merged positions at cur */
    size_t pos_cap;
    uint64_t df;     /* gal_term_union_df, once asked */
    int df_known;
    char prefix[64]; /* for the message past max_terms */
};

static int add_term(void *ctx, const char *term, size_t len, uint64_t hash)
{
    (void)term;
    (void)len;
    gal_term_union *u = ctx;
    if (u->n == u->max_terms)
        return 1;
    if (gal_grow((void **)&u->p, &u->p_cap, (size_t)u->n + 1, sizeof *u->p, 16))
        return gal_error_set(GAL_ENOMEM, "out of memory for a prefix in a phrase");
    gal_postings *p;
    int rc = gal_postings_open(u->s, hash, &p);
    if (rc)
        return rc;
    u->p[u->n++] = p;
    return 0;
}

int gal_term_union_open(gal_snapshot *s, const char *prefix, size_t len, unsigned max_terms,
                        gal_term_union **out)
{
    gal_term_union *u = gal_calloc(1, sizeof *u);
    if (!u)
        return gal_error_set(GAL_ENOMEM, "out of memory for a prefix in a phrase");
    u->s = s;
    u->max_terms = max_terms;
    u->cur = DOC_END;
    snprintf(u->prefix, sizeof u->prefix, "%.*s", (int)(len > 48 ? 48 : len), prefix);
    int rc = gal_snapshot_terms_with_prefix(s, prefix, len, add_term, u);
    if (rc == 1)
        rc = gal_error_set(GAL_EUSAGE, "'%s*' in a phrase stands for more than %u terms: "
                                       "give it more letters", u->prefix, max_terms);
    if (!rc && (!(u->doc = gal_calloc(u->n ? u->n : 1, sizeof *u->doc)) ||
                !(u->heap = gal_calloc(u->n ? u->n : 1, sizeof *u->heap)) ||
                !(u->on = gal_calloc(u->n ? u->n : 1, sizeof *u->on))))
        rc = gal_error_set(GAL_ENOMEM, "out of memory for a prefix in a phrase");
    if (rc) {
        gal_term_union_close(u);
        return rc;
    }
    *out = u;
    return 0;
}

void gal_term_union_close(gal_term_union *u)
{
    if (!u)
        return;
    for (uint32_t i = 0; i < u->n; i++)
        gal_postings_close(u->p[i]);
    gal_free(u->p);
    gal_free(u->doc);
    gal_free(u->heap);
    gal_free(u->on);
    gal_free(u->pos);
    gal_free(u);
}

uint32_t gal_term_union_terms(const gal_term_union *u)
{
    return u->n;
}

uint64_t gal_term_union_df(gal_term_union *u)
{
    if (!u->df_known) { /* asked again and again while a phrase orders its words */
        for (uint32_t i = 0; i < u->n; i++)
            u->df += gal_postings_df(u->p[i]);
        u->df_known = 1;
    }
    return u->df;
}

static void sift_down(gal_term_union *u, uint32_t i)
{
    uint32_t *h = u->heap, n = u->n;
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && u->doc[h[l]] < u->doc[h[m]])
            m = l;
        if (r < n && u->doc[h[r]] < u->doc[h[m]])
            m = r;
        if (m == i)
            return;
        uint32_t x = h[i];
        h[i] = h[m];
        h[m] = x;
        i = m;
    }
}

/* Move term i to its first document >= target. */
static int move_term(gal_term_union *u, uint32_t i, uint32_t target)
{
    int r = u->started && u->doc[i] + 1 == target ? gal_postings_next(u->p[i])
                                                   : gal_postings_seek(u->p[i], target);
    if (r < 0)
        return r;
    u->doc[i] = r ? gal_postings_doc(u->p[i]) : DOC_END;
    return 0;
}

int gal_term_union_seek(gal_term_union *u, uint32_t target)
{
    int rc;
    if (!u->started) { /* every term to its place, then the heap built once */
        for (uint32_t i = 0; i < u->n; i++)
            if ((rc = move_term(u, i, target)))
                return rc;
        for (uint32_t i = 0; i < u->n; i++)
            u->heap[i] = i;
        for (uint32_t i = u->n / 2; i-- > 0;)
            sift_down(u, i);
        u->started = 1;
    }
    while (u->n && u->doc[u->heap[0]] < target) {
        if ((rc = move_term(u, u->heap[0], target)))
            return rc;
        sift_down(u, 0);
    }
    u->cur = u->n ? u->doc[u->heap[0]] : DOC_END;
    return u->cur != DOC_END;
}

uint32_t gal_term_union_doc(const gal_term_union *u)
{
    return u->cur;
}

/* The terms on the union's document into u->on: the heap's top, and
 * every node below one of them that is on it too.  Their number. */
static uint32_t terms_on(gal_term_union *u)
{
    if (u->cur == DOC_END || !u->n)
        return 0;
    uint32_t n = 0, done = 0;
    u->on[n++] = 0; /* heap places first, then terms */
    while (done < n) {
        uint32_t i = u->on[done++];
        for (uint32_t c = 2 * i + 1; c <= 2 * i + 2 && c < u->n; c++)
            if (u->doc[u->heap[c]] == u->cur)
                u->on[n++] = c;
    }
    for (uint32_t k = 0; k < n; k++)
        u->on[k] = u->heap[u->on[k]];
    return n;
}

uint32_t gal_term_union_tf(gal_term_union *u)
{
    uint32_t tf = 0, n = terms_on(u);
    for (uint32_t k = 0; k < n; k++)
        tf += gal_postings_tf(u->p[u->on[k]]);
    return tf;
}

static int by_value(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int gal_term_union_positions(gal_term_union *u, const uint32_t **pos, uint32_t *tf)
{
    uint32_t n = 0, terms = terms_on(u);
    for (uint32_t t = 0; t < terms; t++) {
        gal_postings *p = u->p[u->on[t]];
        uint32_t k = gal_postings_tf(p);
        const uint32_t *ps = gal_postings_positions(p);
        if (!ps && k)
            return gal_error_set(GAL_ECORRUPT, "postings of document %u have no positions",
                                 u->cur);
        if (gal_grow((void **)&u->pos, &u->pos_cap, (size_t)n + k, sizeof *u->pos, 64))
            return gal_error_set(GAL_ENOMEM, "out of memory for a prefix in a phrase");
        for (uint32_t j = 0; j < k; j++)
            u->pos[n + j] = ps[j];
        n += k;
    }
    if (terms > 1) /* each term's positions increase; together they must too */
        qsort(u->pos, n, sizeof *u->pos, by_value);
    *pos = u->pos;
    *tf = n;
    return 0;
}

void gal_term_union_directory(gal_term_union *u, int when)
{
    for (uint32_t i = 0; i < u->n; i++)
        gal_postings_directory(u->p[i], when);
}

void gal_term_union_expect_seeks(gal_term_union *u, uint64_t n)
{
    for (uint32_t i = 0; i < u->n; i++)
        gal_postings_expect_seeks(u->p[i], n);
}
