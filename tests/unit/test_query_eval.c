/*
 * test_query_eval.c — query evaluation against a brute-force scan.
 *
 * Builds an index of a real corpus (Reuters-21578 from ../shared/corpora,
 * which has dates) with gal_index_build(), then for every query below
 * compares the documents gal_search() returns with a scan that tokenizes
 * each stored text again and evaluates the syntax tree word by word.
 * Also checks ranking order, paging and that highlighted ranges are real
 * matches.  Skips (77) when the corpus or zstd is missing.
 *
 * usage: test_query_eval SHARED_DIR [WORK_DIR]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "check.h"
#include "index.h"
#include "index_build.h"
#include "query.h"
#include "search.h"
#include "status.h"
#include "terms.h"

static const char *const queries[] = {
    "cocoa",
    "Cocoa exports",
    "\"of the\"",
    "\"in the united states\"",
    "\"the bank of england\"", /* frequent words wait for the others' positions */
    "\"oil and gas\" -crude",
    "title:\"the company said\"",
    "\"crude oil\" prices",
    "oil OR gold",
    "oil OR gold -crude",
    "(wheat OR corn) export -soviet",
    "\"oil prices\"~3",
    "\"prices oil\"~0",
    "\"bank england\"~2",
    "tarif*",
    "coco* -cocoa",
    "exp* -export", /* 65 to 256 words: an OR kept in a heap */
    "(ban* OR gra*) wheat",
    "title:oil",
    "title:\"crude oil\"",
    "title:(gold OR silver) prices",
    "date:1987-03-01..1987-03-05",
    "date:..1987-02-28 oil",
    "date:1987-04 \"interest rates\"",
    "u.s. trade deficit",
    "oil prices opec",
    "oil -crude -\"crude oil\"",
    "reagan's",
    "the NOT the",
    "zzzyyyqqq",
    "dollar -date:1987-03",
    "exp*", /* an OR of 65 to 256 words at the root: ranked a window at a time */
    "oil OR oil OR zzzyyyqqq OR gold",
    /* more than 256 words: the first rank, the rest find (a set of documents) */
    "c*",
    "s* -said",
    "wheat -(c* OR d*)",
    "title:s* oil",
};
#define NQ (sizeof queries / sizeof queries[0])

typedef struct tok {
    uint64_t hash;
    uint32_t pos;
    char folded[GAL_FOLDED_MAX];
} tok;

typedef struct doc_toks {
    tok *v;
    size_t n, cap;
    uint32_t tt;
    int64_t date;
} doc_toks;

static int in_field(const doc_toks *d, const gal_qnode *q, uint32_t first, uint32_t last)
{
    if (q->title)
        return last < d->tt;
    return last < d->tt || first >= d->tt;
}

static int eval(const doc_toks *d, const gal_qnode *q)
{
    switch (q->kind) {
    case GAL_Q_TERM:
        for (size_t i = 0; i < d->n; i++)
            if (d->v[i].hash == q->hashes[0] && in_field(d, q, d->v[i].pos, d->v[i].pos))
                return 1;
        return 0;
    case GAL_Q_PREFIX:
        for (size_t i = 0; i < d->n; i++)
            if (!strncmp(d->v[i].folded, q->folded, q->folded_len) && d->v[i].hash &&
                in_field(d, q, d->v[i].pos, d->v[i].pos))
                return 1;
        return 0;
    case GAL_Q_PHRASE:
        for (size_t i = 0; i + q->nterms <= d->n; i++) {
            uint32_t k;
            for (k = 0; k < q->nterms; k++)
                if (d->v[i + k].hash != q->hashes[k] || d->v[i + k].pos != d->v[i].pos + k)
                    break;
            if (k == q->nterms && in_field(d, q, d->v[i].pos, d->v[i].pos + k - 1))
                return 1;
        }
        return 0;
    case GAL_Q_NEAR: {
        uint64_t uniq[64];
        uint32_t n = 0;
        for (uint32_t k = 0; k < q->nterms && n < 64; k++) {
            uint32_t j = 0;
            while (j < n && uniq[j] != q->hashes[k])
                j++;
            if (j == n)
                uniq[n++] = q->hashes[k];
        }
        for (size_t i = 0; i < d->n; i++) {
            uint64_t seen = 0;
            for (size_t j = i; j < d->n; j++) {
                uint32_t span = d->v[j].pos - d->v[i].pos + 1;
                if (span > n && span - n > q->near)
                    break;
                for (uint32_t k = 0; k < n; k++)
                    if (d->v[j].hash == uniq[k])
                        seen |= 1ull << k;
                if (seen == (n == 64 ? ~0ull : (1ull << n) - 1) &&
                    in_field(d, q, d->v[i].pos, d->v[j].pos))
                    return 1;
            }
        }
        return 0;
    }
    case GAL_Q_DATE:
        return d->date != GAL_NO_DATE && d->date >= q->date_lo && d->date <= q->date_hi;
    case GAL_Q_AND:
        for (uint32_t k = 0; k < q->nkids; k++)
            if (!eval(d, q->kids[k]))
                return 0;
        return 1;
    case GAL_Q_OR:
        for (uint32_t k = 0; k < q->nkids; k++)
            if (eval(d, q->kids[k]))
                return 1;
        return 0;
    case GAL_Q_NOT:
        return !eval(d, q->kids[0]);
    default:
        return 0;
    }
}

static int tokenize_doc(gal_snapshot *s, uint32_t doc, gal_buf *text, doc_toks *d)
{
    gal_doc_info info;
    int rc = gal_snapshot_doc(s, doc, &info);
    if (!rc)
        rc = gal_snapshot_text(s, doc, text);
    if (rc)
        return rc;
    d->n = 0;
    d->tt = info.title_tokens;
    d->date = gal_snapshot_doc_date(s, doc);
    uint32_t tp = 0, bp = info.title_tokens + GAL_TITLE_BODY_GAP;
    gal_term t;
    for (size_t i = 0; gal_term_next((const char *)text->data, text->len, i, &t); i = t.end) {
        if (d->n == d->cap) {
            d->cap = d->cap ? d->cap * 2 : 1024;
            d->v = realloc(d->v, d->cap * sizeof *d->v);
        }
        tok *k = &d->v[d->n++];
        k->hash = t.hash;
        k->pos = t.start < info.title_len ? tp++ : bp++;
        memcpy(k->folded, t.folded, sizeof k->folded);
    }
    return 0;
}

static int by_doc(const void *x, const void *y)
{
    const gal_hit *a = x, *b = y;
    return a->doc < b->doc ? -1 : a->doc > b->doc;
}

/* Every document of `whole` (an AND of parts a and b) scores what a alone
 * and b alone score there: their BM25 terms add up (with b NULL, a NOT
 * beside a: its hits score what a scores).  With a phrase for a,
 * this checks the documents and frequencies the phrase remembers from being
 * counted for its idf, then replays while ranking; with two words, the
 * AND's own walk over the rarer word's chunks. */
/* Every hit of `whole` (ranked) scores the sum of its parts' scores on that
 * document: an AND's hits are in both parts (or in a, b NULL); an OR's,
 * `any` set, in one or both, and every document of either is a hit. */
static void check_parts(gal_snapshot *s, const char *whole, const char *a, const char *b, int any)
{
    const char *text[3] = {whole, a, b ? b : a};
    gal_results r[3];
    /* ranked, as a user asks (the ranking loops are what is checked), then
     * put in document order to line the three up */
    gal_search_opts all = {.sort = GAL_SORT_SCORE, .limit = SIZE_MAX};
    for (int i = 0; i < 3; i++) {
        gal_query *q;
        gal_results_init(&r[i]);
        CHECK(gal_query_parse(text[i], strlen(text[i]), &q) == 0);
        CHECK(gal_search(s, q, &all, &r[i]) == 0);
        gal_query_free(q);
        if (r[i].nhits)
            qsort(r[i].hits, r[i].nhits, sizeof *r[i].hits, by_doc);
    }
    CHECK(r[0].nhits > 10); /* the check means something */
    size_t ia = 0, ib = 0, bad = 0, either = 0;
    for (size_t k = 0; k < r[0].nhits; k++) {
        uint32_t doc = r[0].hits[k].doc;
        while (ia < r[1].nhits && r[1].hits[ia].doc < doc)
            ia++;
        while (ib < r[2].nhits && r[2].hits[ib].doc < doc)
            ib++;
        int in_a = ia < r[1].nhits && r[1].hits[ia].doc == doc;
        int in_b = ib < r[2].nhits && r[2].hits[ib].doc == doc;
        if (any ? !in_a && !in_b : !in_a || !in_b) {
            bad++;
            continue;
        }
        double want = (in_a ? r[1].hits[ia].score : 0) + (b && in_b ? r[2].hits[ib].score : 0);
        bad += fabs(r[0].hits[k].score - want) > 1e-9 * want;
    }
    if (any) { /* and no document of a part is missing */
        for (size_t i = 0, j = 0; i < r[1].nhits || j < r[2].nhits; either++) {
            uint32_t da = i < r[1].nhits ? r[1].hits[i].doc : UINT32_MAX;
            uint32_t db = j < r[2].nhits ? r[2].hits[j].doc : UINT32_MAX;
            i += da <= db;
            j += db <= da;
        }
        CHECK_EQ_U64(r[0].nhits, either);
    }
    if (bad)
        fprintf(stderr, "%s: %zu of %zu hits do not score %s plus %s\n", whole, bad, r[0].nhits,
                a, b ? b : "nothing");
    CHECK_EQ_U64(bad, 0);
    for (int i = 0; i < 3; i++)
        gal_results_release(&r[i]);
}

static void run(const char *idx)
{
    gal_index *ix;
    gal_snapshot *s;
    CHECK(gal_index_open(idx, &ix) == 0);
    CHECK(gal_snapshot_begin(ix, &s) == 0);
    gal_index_stats st;
    CHECK(gal_snapshot_stats(s, &st) == 0);
    gal_query *q[NQ];
    gal_results res[NQ];
    size_t pos[NQ];
    for (size_t k = 0; k < NQ; k++) {
        CHECK(gal_query_parse(queries[k], strlen(queries[k]), &q[k]) == 0);
        gal_search_opts o = {.sort = GAL_SORT_DOC, .limit = SIZE_MAX};
        gal_results_init(&res[k]);
        int rc = gal_search(s, q[k], &o, &res[k]);
        CHECK(rc == 0);
        if (rc)
            fprintf(stderr, "query %s: %s\n", queries[k], gal_error_detail(rc));
        pos[k] = 0;
    }
    gal_buf text;
    gal_buf_init(&text);
    doc_toks d = {0};
    uint64_t want[NQ] = {0};
    int reported[NQ] = {0};
    for (uint32_t doc = 0; doc < st.docs; doc++) {
        if (tokenize_doc(s, doc, &text, &d)) {
            CHECK(!"stored text readable");
            break;
        }
        for (size_t k = 0; k < NQ; k++) {
            int w = eval(&d, q[k]->root);
            int got = pos[k] < res[k].nhits && res[k].hits[pos[k]].doc == doc;
            if (got)
                pos[k]++;
            want[k] += w;
            if (w != got && !reported[k]) {
                reported[k] = 1;
                check_failures++;
                fprintf(stderr, "query %s: doc %u: index says %d, scan says %d\n", queries[k],
                        doc, got, w);
            }
        }
    }
    for (size_t k = 0; k < NQ; k++) {
        check_count++;
        printf("%-40s %6llu docs (scan %llu)\n", queries[k], (unsigned long long)res[k].total,
               (unsigned long long)want[k]);
        CHECK_EQ_U64(res[k].total, want[k]);
    }

    /* ranking: score order with ties by doc, paging consistent */
    gal_search_opts all = {.sort = GAL_SORT_SCORE, .limit = SIZE_MAX};
    gal_search_opts page = {.sort = GAL_SORT_SCORE, .offset = 5, .limit = 7};
    gal_results a, p;
    gal_results_init(&a);
    gal_results_init(&p);
    for (size_t k = 0; k < NQ; k++) {
        CHECK(gal_search(s, q[k], &all, &a) == 0);
        for (size_t i = 1; i < a.nhits; i++)
            CHECK(a.hits[i - 1].score > a.hits[i].score ||
                  (a.hits[i - 1].score == a.hits[i].score && a.hits[i - 1].doc < a.hits[i].doc));
        /* ranking takes loops of its own for some queries (a word, an AND of
         * words, a remembered phrase): the same documents as document order,
         * which the scan above checked */
        CHECK_EQ_U64(a.total, res[k].total);
        CHECK_EQ_U64(a.nhits, res[k].nhits);
        if (a.nhits == res[k].nhits && a.nhits > 0) {
            gal_hit *sorted = malloc(a.nhits * sizeof *sorted + 1);
            memcpy(sorted, a.hits, a.nhits * sizeof *sorted);
            qsort(sorted, a.nhits, sizeof *sorted, by_doc);
            /* and the same scores, to the last bit: the loops add the same
             * terms in the same order as the general one */
            size_t differ = 0, scored = 0;
            for (size_t i = 0; i < a.nhits; i++) {
                differ += sorted[i].doc != res[k].hits[i].doc;
                scored += sorted[i].doc == res[k].hits[i].doc &&
                          sorted[i].score != res[k].hits[i].score;
            }
            if (differ || scored)
                fprintf(stderr, "query %s: ranked, %zu documents and %zu scores differ from "
                        "document order\n", queries[k], differ, scored);
            CHECK_EQ_U64(differ, 0);
            CHECK_EQ_U64(scored, 0);
            free(sorted);
        }
        CHECK(gal_search(s, q[k], &page, &p) == 0);
        CHECK_EQ_U64(p.total, a.total);
        for (size_t i = 0; i < p.nhits; i++)
            CHECK(p.hits[i].doc == a.hits[i + 5].doc);
        /* highlighted ranges exist for every hit of a positive word query */
        gal_matcher *m;
        CHECK(gal_matcher_new(s, q[k], NULL, &m) == 0);
        for (size_t i = 0; i < p.nhits && i < 3; i++) {
            const gal_posrange *r;
            size_t n;
            CHECK(gal_matcher_doc(m, p.hits[i].doc, &r, &n) == 0);
            if (q[k]->root->kind != GAL_Q_DATE)
                CHECK(n > 0);
        }
        gal_matcher_free(m);
    }
    /* date order: the same documents as in document order, each hit with
     * its document's date, newest first, undated last (GAL_NO_DATE is the
     * smallest), ties by document */
    gal_search_opts bydate = {.sort = GAL_SORT_DATE, .limit = SIZE_MAX};
    CHECK(gal_search(s, q[0], &bydate, &a) == 0);
    CHECK_EQ_U64(a.nhits, res[0].nhits);
    size_t dated = 0;
    for (size_t i = 0; i < a.nhits; i++) {
        CHECK(a.hits[i].date == gal_snapshot_doc_date(s, a.hits[i].doc));
        dated += a.hits[i].date != GAL_NO_DATE;
        if (i > 0)
            CHECK(a.hits[i - 1].date > a.hits[i].date ||
                  (a.hits[i - 1].date == a.hits[i].date && a.hits[i - 1].doc < a.hits[i].doc));
    }
    CHECK(dated > 0); /* Reuters has dates: the order was tested on them */
    check_parts(s, "\"crude oil\" prices", "\"crude oil\"", "prices", 0);
    check_parts(s, "\"oil prices\"~3 opec", "\"oil prices\"~3", "opec", 0);
    check_parts(s, "oil prices", "oil", "prices", 0); /* an AND of plain words */
    check_parts(s, "oil prices -crude", "oil prices", NULL, 0); /* and a NOT */
    check_parts(s, "oil OR gold", "oil", "gold", 1); /* an OR of plain words */
    check_parts(s, "oil OR gold OR wheat", "oil OR gold", "wheat", 1);
    gal_results_release(&a);
    gal_results_release(&p);

    for (size_t k = 0; k < NQ; k++) {
        gal_results_release(&res[k]);
        gal_query_free(q[k]);
    }
    free(d.v);
    gal_buf_release(&text);
    gal_snapshot_end(s);
    gal_index_close(ix);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        check_skip("usage: test_query_eval SHARED_DIR [WORK_DIR]");
        return check_exit("test_query_eval");
    }
    char corpus[4096], plain[4096], idx[4096], cmd[16384];
    const char *work = argc > 2 ? argv[2] : "query_eval_work";
    snprintf(corpus, sizeof corpus, "%s/corpora/reuters21578.jsonl.zst", argv[1]);
    struct stat sb;
    if (stat(corpus, &sb) != 0) {
        check_skip("../shared/corpora/reuters21578.jsonl.zst is missing");
        return check_exit("test_query_eval");
    }
    mkdir(work, 0755);
    snprintf(idx, sizeof idx, "%s/reuters.idx", work);
    snprintf(plain, sizeof plain, "%s/reuters.jsonl.zst", work);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp '%s' '%s'", idx, corpus, plain);
    if (system(cmd) != 0) {
        check_skip("cannot prepare the work directory");
        return check_exit("test_query_eval");
    }
    const char *inputs[] = {plain};
    gal_build_opts bo = {.out_dir = idx, .inputs = inputs, .ninputs = 1, .device = "ref",
                         .batch_bytes = 4u << 20, .quiet = 1, .progress = 0};
    gal_build_report rep;
    memset(&rep, 0, sizeof rep);
    int rc = gal_index_build(&bo, &rep);
    if (rc) {
        fprintf(stderr, "gal_index_build: %s\n", gal_error_detail(rc));
        CHECK(rc == 0);
        return check_exit("test_query_eval");
    }
    run(idx);
    return check_exit("test_query_eval");
}
