/*
 * postings_bounds.c — `galley bench postings INDEX --bounds`: how many bytes
 * the postings values would take under another coding, and what any coding
 * that stores each term's postings on its own has to spend.
 *
 * For every part of every chunk (document gaps, tfs, positions) it sets the
 * stored bytes beside:
 *   - Rice coding with the best parameter for each run of 128 values (plus
 *     five bits to name it), a simple entropy coder that adapts to each
 *     block's scale: what leaving bit-packing for a bit-serial code buys;
 *   - a uniform bound: a term's documents in a batch are a subset of the
 *     batch's N documents, log2 C(N, df) bits; its positions in a document
 *     a subset of the document's L positions (title and body tokens and the
 *     gap between them), log2 C(L, tf) bits; tfs cost the zero-order
 *     entropy of all tfs.  A coder that sees each term apart, knowing no
 *     more than N, L and tf, cannot do better on average, whatever its
 *     format; only one that models where words fall in a document (in the
 *     end, one that compresses the text) can.
 * Words (terms in the lexicon) are counted apart from the bigrams of
 * frequent words and the entity keys, which the index keeps to make phrases
 * and names fast.  "keys etc." are the LMDB keys, chunk headers and CRCs;
 * LMDB's own page and node overhead is not counted.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "bench.h"
#include "doc_record.h"
#include "entity_table.h"
#include "format.h"
#include "hash_blocks.h"
#include "postings_walk.h"
#include "status.h"
#include "store.h"
#include "terms.h" /* GAL_TITLE_BODY_GAP, from the tokenizer rules */

enum { KIND_WORD, KIND_BIGRAM, KIND_ENTITY, NKINDS };
enum { P_DOCS, P_TFS, P_POS, NPARTS };
static const char *const part_names[NPARTS] = {"doc gaps", "tfs", "positions"};

#define RICE_BLOCK 128u
#define TF_BUCKETS 256u /* tf histogram; larger tfs share the last bucket */

typedef struct bound_totals {
    uint64_t positions[NKINDS];
    uint64_t key_bytes[NKINDS], value_bytes[NKINDS];
    double stored[NKINDS][NPARTS]; /* bytes */
    double rice[NKINDS][NPARTS];   /* bits */
    double bound[NKINDS][NPARTS];  /* bits; tfs filled in at the end */
    uint64_t tf_hist[NKINDS][TF_BUCKETS];
} bound_totals;

/* The index's per-document position ranges and its words. */
typedef struct index_facts {
    uint32_t *doc_len; /* positions a document spans, by document number */
    uint64_t ndocs;
    uint32_t *batch_first; /* first document of each batch, increasing */
    size_t nbatches;
    uint64_t *words; /* lexicon hashes, sorted */
    size_t nwords;
    uint64_t *entities; /* entity keys, sorted */
    size_t nentities;
} index_facts;

static double log2_choose(double n, double k)
{
    if (k <= 0 || k >= n)
        return 0;
    return (lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)) / M_LN2;
}

/* Bits of v[0, n) in Rice codes, the best parameter per RICE_BLOCK values. */
static double rice_bits(const uint32_t *v, size_t n)
{
    double total = 0;
    for (size_t at = 0; at < n; at += RICE_BLOCK) {
        size_t m = n - at < RICE_BLOCK ? n - at : RICE_BLOCK;
        /* the best parameter is near log2 of the mean: try around it */
        double sum = 0;
        for (size_t i = 0; i < m; i++)
            sum += v[at + i];
        int k0 = sum >= (double)m ? (int)log2(sum / (double)m) : 0;
        double best = INFINITY;
        for (int k = k0 > 2 ? k0 - 2 : 0; k <= k0 + 1 && k < 32; k++) {
            double bits = 5;
            for (size_t i = 0; i < m; i++)
                bits += (double)(v[at + i] >> k) + 1 + k;
            if (bits < best)
                best = bits;
        }
        total += best;
    }
    return total;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int has(const uint64_t *set, size_t n, uint64_t hash)
{
    return bsearch(&hash, set, n, sizeof *set, cmp_u64) != NULL;
}

/* Words are in the lexicon, entity keys in the entity table; the other
 * terms are the bigrams of frequent words. */
static int kind_of(const index_facts *f, uint64_t hash)
{
    return has(f->words, f->nwords, hash)         ? KIND_WORD
           : has(f->entities, f->nentities, hash) ? KIND_ENTITY
                                                  : KIND_BIGRAM;
}

static int oom(void)
{
    return gal_error_set(GAL_ENOMEM, "out of memory");
}

/* The hashes of every record of a hash-block table, sorted (a hash that
 * several batches hold comes once per batch). */
static int load_hashes(MDB_txn *txn, MDB_dbi table, const char *name, uint64_t **out, size_t *n)
{
    gal_hblock_reader r;
    int rc = gal_hblock_open(&r, txn, table, name);
    if (rc)
        return rc;
    size_t cap = 0;
    for (rc = gal_hblock_seek(&r, 0, 0); rc == 0; rc = gal_hblock_next(&r)) {
        if (gal_grow((void **)out, &cap, *n + 1, sizeof **out, 4096)) {
            rc = oom();
            break;
        }
        (*out)[(*n)++] = r.hash;
    }
    gal_hblock_close(&r);
    if (rc < 0)
        return rc;
    qsort(*out, *n, sizeof **out, cmp_u64);
    return 0;
}

/* Every batch's document lengths from docstats, and the hashes of the
 * lexicon's words and of the entities. */
static int load_facts(gal_store *st, MDB_txn *txn, index_facts *f)
{
    int rc = gal_meta_get_u64(st, txn, GAL_META_DOCS, &f->ndocs);
    if (rc)
        return rc;
    if (f->ndocs > UINT32_MAX || !(f->doc_len = gal_calloc(f->ndocs + 1, sizeof *f->doc_len)))
        return oom();
    MDB_cursor *cur;
    int mrc = mdb_cursor_open(txn, st->docstats, &cur);
    if (mrc)
        return gal_store_error(st, mrc, "cannot read docstats of");
    MDB_val k, v;
    size_t cap = 0;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !mrc && !rc;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        uint32_t first = k.mv_size == 4 ? gal_get_be32(k.mv_data) : UINT32_MAX, n = 0;
        if (first == UINT32_MAX)
            rc = gal_error_set(GAL_ECORRUPT, "corrupt index: docstats key of %zu bytes",
                               k.mv_size);
        else if (!(rc = gal_docstats_check(v.mv_data, v.mv_size, first, &n)) &&
                 (uint64_t)first + n > f->ndocs)
            rc = gal_error_set(GAL_ECORRUPT, "corrupt index: docstats past the last document");
        for (uint32_t i = 0; !rc && i < n; i++)
            /* title from 0, body after the title and the gap */
            f->doc_len[first + i] = gal_docstats_tokens(v.mv_data, i) + GAL_TITLE_BODY_GAP;
        if (!rc && gal_grow((void **)&f->batch_first, &cap, f->nbatches + 1,
                            sizeof *f->batch_first, 64))
            rc = oom();
        if (!rc)
            f->batch_first[f->nbatches++] = first;
    }
    mdb_cursor_close(cur);
    if (!rc && mrc != MDB_NOTFOUND)
        rc = gal_store_error(st, mrc, "cannot read docstats of");
    if (rc)
        return rc;

    MDB_dbi entities;
    if ((rc = load_hashes(txn, st->lexicon, GAL_DB_LEXICON, &f->words, &f->nwords)) ||
        (rc = gal_entity_table_open(txn, 0, &entities)))
        return rc;
    return load_hashes(txn, entities, GAL_DB_ENTITIES, &f->entities, &f->nentities);
}

/* Documents in the batch that starts at first. */
static uint32_t batch_docs(const index_facts *f, uint32_t first)
{
    size_t lo = 0, hi = f->nbatches;
    while (lo < hi) { /* the batch's index */
        size_t mid = (lo + hi) / 2;
        if (f->batch_first[mid] < first)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint64_t end = lo + 1 < f->nbatches ? f->batch_first[lo + 1] : f->ndocs;
    return lo < f->nbatches && f->batch_first[lo] == first ? (uint32_t)(end - first) : 0;
}

/* The walk's state: the totals, and the run of chunks of one term in one
 * batch that the current chunk belongs to. */
typedef struct bounds_walk {
    const index_facts *f;
    bound_totals *t;
    uint8_t run_key[12]; /* batch ‖ term hash */
    uint64_t run_df;
    int kind, have_run;
} bounds_walk;

/* The documents bound of the run that just ended. */
static void end_run(bounds_walk *w)
{
    if (w->have_run)
        w->t->bound[w->kind][P_DOCS] +=
            log2_choose(batch_docs(w->f, gal_get_be32(w->run_key)), (double)w->run_df);
}

static int add_chunk(void *ctx, const gal_walked_chunk *c)
{
    bounds_walk *w = ctx;
    bound_totals *t = w->t;
    const gal_chunk_view *cv = c->cv;
    if (!w->have_run || memcmp(w->run_key, c->rec->key, sizeof w->run_key)) {
        end_run(w);
        memcpy(w->run_key, c->rec->key, sizeof w->run_key);
        w->kind = kind_of(w->f, gal_get_be64(w->run_key + 4));
        w->run_df = 0;
        w->have_run = 1;
    }
    int kind = w->kind;
    w->run_df += cv->ndocs;
    t->positions[kind] += c->npos;
    t->key_bytes[kind] += c->key_bytes;
    t->value_bytes[kind] += c->value_bytes;
    t->stored[kind][P_DOCS] += (double)(cv->docs_end - cv->docs);
    t->stored[kind][P_TFS] += (double)(cv->tfs_end - cv->tfs);
    t->stored[kind][P_POS] += (double)(cv->pos_end - cv->pos);
    uint32_t v[GAL_CHUNK_DOCS]; /* document gaps, then tfs - 1 */
    for (uint32_t i = 1; i < cv->ndocs; i++)
        v[i - 1] = c->docs[i] - c->docs[i - 1] - 1;
    t->rice[kind][P_DOCS] += cv->ndocs > 1 ? rice_bits(v, cv->ndocs - 1) : 0;
    for (uint32_t i = 0; i < cv->ndocs; i++) {
        uint32_t tf = c->tfs[i], doc = c->docs[i];
        t->tf_hist[kind][tf < TF_BUCKETS ? tf : TF_BUCKETS - 1]++;
        v[i] = tf - 1;
        uint32_t len = doc < w->f->ndocs ? w->f->doc_len[doc] : 0;
        t->bound[kind][P_POS] += log2_choose(len > tf ? len : tf, tf);
    }
    t->rice[kind][P_TFS] += rice_bits(v, cv->ndocs);
    /* positions as stored: each document's first, then gaps less one */
    t->rice[kind][P_POS] += rice_bits(c->pos, c->npos);
    return 0;
}

static int walk(gal_store *st, MDB_txn *txn, const index_facts *f, bound_totals *t)
{
    bounds_walk w = {.f = f, .t = t, .kind = KIND_WORD};
    int rc = gal_walk_postings(st, txn, 1, "bounds", add_chunk, &w);
    if (!rc)
        end_run(&w);
    return rc;
}

/* Zero-order entropy of the tfs, in bits for all of them. */
static double tf_entropy(const uint64_t *hist)
{
    double total = 0, bits = 0;
    for (unsigned i = 0; i < TF_BUCKETS; i++)
        total += (double)hist[i];
    for (unsigned i = 0; i < TF_BUCKETS; i++)
        if (hist[i])
            bits -= (double)hist[i] * log2((double)hist[i] / total);
    return bits;
}

static void print_table(const bound_totals *t, uint64_t raw_bytes)
{
    static const char *const kind_names[NKINDS] = {"words", "bigrams", "entity keys"};
    for (int kind = 0; kind < NKINDS; kind++) {
        double np = (double)t->positions[kind];
        if (np == 0)
            continue;
        printf("%s: %llu positions; bytes per position, and MB\n", kind_names[kind],
               (unsigned long long)t->positions[kind]);
        printf("  %-10s %22s %22s %22s\n", "part", "stored", "Rice, 128 values",
               "uniform bound");
        double sum[3] = {0, 0, 0};
        for (int p = 0; p < NPARTS; p++) {
            double v[3] = {t->stored[kind][p], t->rice[kind][p] / 8, t->bound[kind][p] / 8};
            printf("  %-10s", part_names[p]);
            for (int c = 0; c < 3; c++) {
                printf("   %6.3f %9.3f MB", v[c] / np, v[c] / 1e6);
                sum[c] += v[c];
            }
            printf("\n");
        }
        double other = (double)(t->key_bytes[kind] + t->value_bytes[kind]) -
                       t->stored[kind][P_DOCS] - t->stored[kind][P_TFS] -
                       t->stored[kind][P_POS];
        printf("  %-10s   %6.3f %9.3f MB\n", "keys etc.", other / np, other / 1e6);
        printf("  %-10s", "values");
        for (int c = 0; c < 3; c++)
            printf("   %6.3f %9.3f MB", sum[c] / np, sum[c] / 1e6);
        printf("\n");
        if (raw_bytes)
            printf("  values / raw text: stored %.3f (%.3f with keys etc.), rice %.3f, "
                   "bound %.3f\n",
                   sum[0] / (double)raw_bytes, (sum[0] + other) / (double)raw_bytes,
                   sum[1] / (double)raw_bytes, sum[2] / (double)raw_bytes);
    }
}

int gal_postings_bounds(gal_store *st)
{
    MDB_txn *txn;
    int rc = gal_store_txn_begin(st, 1, &txn);
    if (rc)
        return rc;
    index_facts f;
    memset(&f, 0, sizeof f);
    bound_totals *t = gal_calloc(1, sizeof *t);
    uint64_t raw = 0;
    if (!t)
        rc = oom();
    if (!rc && !(rc = gal_meta_get_u64(st, txn, GAL_META_RAW_BYTES, &raw)) &&
        !(rc = load_facts(st, txn, &f)))
        rc = walk(st, txn, &f, t);
    mdb_txn_abort(txn);
    if (!rc) {
        for (int kind = 0; kind < NKINDS; kind++)
            t->bound[kind][P_TFS] = tf_entropy(t->tf_hist[kind]);
        printf("\nbounds (postings values by part; see bench/postings_bounds.c):\n");
        print_table(t, raw);
    }
    gal_free(t);
    gal_free(f.doc_len);
    gal_free(f.batch_first);
    gal_free(f.words);
    gal_free(f.entities);
    return rc;
}
