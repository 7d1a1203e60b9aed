#include "postings_builder.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "format.h"
#include "postings_codec.h"
#include "status.h"
#include "terms.h"
#include "tokenizer_rules.h"

void gal_builder_init(gal_builder *b)
{
    memset(b, 0, sizeof *b);
    gal_buf_init(&b->chunk);
    gal_buf_init(&b->out.data);
}

void gal_builder_release(gal_builder *b)
{
    gal_free(b->terms);
    gal_free(b->slots);
    gal_free(b->occ_doc);
    gal_free(b->occ_pos);
    gal_free(b->scratch);
    gal_free(b->bigram_at);
    gal_free(b->out.keys);
    gal_free(b->out.val_off);
    gal_buf_release(&b->chunk);
    gal_buf_release(&b->out.data);
    gal_builder_init(b);
}

static int oom(const char *what)
{
    return gal_error_set(GAL_ENOMEM, "out of memory grouping postings (%s)", what);
}

static int rehash(gal_builder *b, size_t nslots)
{
    uint32_t *slots = gal_calloc(nslots, sizeof *slots);
    if (!slots)
        return oom("term table");
    for (size_t t = 0; t < b->nterms; t++) {
        size_t i = (size_t)b->terms[t].hash & (nslots - 1);
        while (slots[i])
            i = (i + 1) & (nslots - 1);
        slots[i] = (uint32_t)t + 1;
    }
    gal_free(b->slots);
    b->slots = slots;
    b->nslots = nslots;
    return 0;
}

/* Term index for hash, inserting it (with first occurrence at offset). */
static long term_of(gal_builder *b, uint64_t hash, uint32_t offset)
{
    size_t i = (size_t)hash & (b->nslots - 1);
    for (;;) {
        uint32_t s = b->slots[i];
        if (!s)
            break;
        if (b->terms[s - 1].hash == hash)
            return (long)(s - 1);
        i = (i + 1) & (b->nslots - 1);
    }
    if (b->nterms == b->terms_cap) {
        size_t cap = b->terms_cap ? b->terms_cap * 2 : 4096;
        gal_term_group *t = gal_realloc(b->terms, cap * sizeof *t);
        if (!t)
            return oom("terms");
        b->terms = t;
        b->terms_cap = cap;
    }
    b->terms[b->nterms] = (gal_term_group){hash, offset, 0, 0, GAL_TERM_WORD};
    b->slots[i] = (uint32_t)++b->nterms;
    if (b->nterms * 2 > b->nslots) {
        int rc = rehash(b, b->nslots * 2);
        if (rc)
            return rc;
    }
    return (long)(b->nterms - 1);
}

/* Asked for every token: a small hash set (at most 64 of 256 slots used,
 * keys are well-mixed hashes, never 0) answers in one or two probes. */
static int is_common(const gal_builder *b, uint64_t hash)
{
    for (size_t i = hash & 255;; i = (i + 1) & 255) {
        if (b->common_set[i] == hash)
            return 1;
        if (b->common_set[i] == 0)
            return 0;
    }
}

void gal_builder_set_common(gal_builder *b, const uint64_t *sorted, size_t n)
{
    b->common = sorted;
    b->ncommon = n;
    memset(b->common_set, 0, sizeof b->common_set);
    _Static_assert(GAL_BIGRAM_WORDS <= 128, "the common-word set must stay at most half full");
    for (size_t k = 0; k < n; k++) {
        size_t i = sorted[k] & 255;
        while (b->common_set[i])
            i = (i + 1) & 255;
        b->common_set[i] = sorted[k];
    }
}

static int by_count_desc(const void *a, const void *b)
{
    const gal_term_group *x = a, *y = b;
    return x->count > y->count ? -1 : x->count < y->count ? 1 : (x->hash > y->hash) - (x->hash < y->hash);
}

static int by_key(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int gal_builder_top_words(gal_builder *b, const gal_tokens *t, size_t k, uint64_t *out,
                          size_t *nout)
{
    int rc;
    b->nterms = 0;
    if (!b->slots && (rc = rehash(b, 1 << 16)))
        return rc;
    memset(b->slots, 0, b->nslots * sizeof *b->slots);
    for (size_t i = 0; i < t->n; i++) {
        if (t->hash[i] == GAL_HASH_NONE)
            continue;
        long ti = term_of(b, t->hash[i], 0);
        if (ti < 0)
            return (int)ti;
        b->terms[ti].count++;
    }
    if (b->nterms > 1) /* terms is NULL for a batch without a word */
        qsort(b->terms, b->nterms, sizeof *b->terms, by_count_desc);
    size_t n = b->nterms < k ? b->nterms : k;
    for (size_t i = 0; i < n; i++)
        out[i] = b->terms[i].hash;
    qsort(out, n, sizeof *out, by_key);
    *nout = n;
    b->nterms = 0; /* the table indexes the unsorted order: clear it */
    memset(b->slots, 0, b->nslots * sizeof *b->slots);
    return 0;
}

static int bigram_push(gal_builder *b, uint32_t token, uint32_t term)
{
    if (b->nbigrams == b->bigrams_cap) {
        size_t cap = b->bigrams_cap ? b->bigrams_cap * 2 : 65536;
        uint32_t *p = gal_realloc(b->bigram_at, cap * 2 * sizeof *p);
        if (!p)
            return oom("bigrams");
        b->bigram_at = p;
        b->bigrams_cap = cap;
    }
    b->bigram_at[2 * b->nbigrams] = token;
    b->bigram_at[2 * b->nbigrams + 1] = term;
    b->nbigrams++;
    return 0;
}

static int by_hash(const void *a, const void *b)
{
    uint64_t x = ((const gal_term_group *)a)->hash, y = ((const gal_term_group *)b)->hash;
    return x < y ? -1 : x > y;
}

static int out_reserve(gal_postings_out *o)
{
    if (o->nchunks + 1 < o->cap)
        return 0;
    size_t cap = o->cap ? o->cap * 2 : 4096;
    uint8_t *k = gal_realloc(o->keys, cap * GAL_POSTINGS_KEY_LEN);
    if (!k)
        return oom("keys");
    o->keys = k;
    size_t *v = gal_realloc(o->val_off, (cap + 1) * sizeof *v);
    if (!v)
        return oom("keys");
    o->val_off = v;
    o->cap = cap;
    return 0;
}

/* Encode one term's occurrences as chunks of at most GAL_CHUNK_DOCS docs. */
static int encode_term(gal_builder *b, const gal_term_group *g, uint32_t first_doc)
{
    const uint32_t *doc = b->occ_doc + g->start, *pos = b->occ_pos + g->start;
    uint32_t *docs = b->scratch, *tfs = b->scratch + GAL_CHUNK_DOCS;
    uint32_t i = 0;
    while (i < g->count) {
        uint32_t ndocs = 0, chunk_start = i;
        while (i < g->count && ndocs < GAL_CHUNK_DOCS) {
            uint32_t d = doc[i], tf = 0;
            while (i < g->count && doc[i] == d) {
                tf++;
                i++;
            }
            docs[ndocs] = d + first_doc;
            tfs[ndocs] = tf;
            ndocs++;
        }
        int rc = out_reserve(&b->out);
        if (rc)
            return rc;
        uint8_t *key = b->out.keys + b->out.nchunks * GAL_POSTINGS_KEY_LEN;
        gal_postings_key(key, first_doc, g->hash, docs[0]);
        if ((rc = gal_chunk_encode(docs, tfs, pos + chunk_start, ndocs, key, &b->chunk)) ||
            (rc = gal_buf_append(&b->out.data, b->chunk.data, b->chunk.len)))
            return rc;
        b->out.nchunks++;
        b->out.val_off[b->out.nchunks] = b->out.data.len;
    }
    return 0;
}

int gal_builder_run(gal_builder *b, gal_tokens *t, const gal_builder_mentions *m,
                    uint32_t first_doc)
{
    int rc;
    b->nterms = 0;
    if (!b->slots && (rc = rehash(b, 1 << 16)))
        return rc;
    memset(b->slots, 0, b->nslots * sizeof *b->slots);
    if (!b->scratch && !(b->scratch = gal_malloc(2 * GAL_CHUNK_DOCS * sizeof *b->scratch)))
        return oom("scratch");

    /* pass 1: term of each token, kept in the offset array, and the
     * bigrams that start at each token */
    uint32_t *term_idx = t->offset;
    b->nbigrams = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (t->hash[i] == GAL_HASH_NONE) {
            term_idx[i] = UINT32_MAX;
            continue;
        }
        uint32_t offset = t->offset[i];
        long ti = term_of(b, t->hash[i], offset);
        if (ti < 0)
            return (int)ti;
        b->terms[ti].count++;
        term_idx[i] = (uint32_t)ti;
        if (b->ncommon && i + 1 < t->n && t->doc[i + 1] == t->doc[i] &&
            t->pos[i + 1] == t->pos[i] + 1 && t->hash[i + 1] != GAL_HASH_NONE &&
            is_common(b, t->hash[i]) && is_common(b, t->hash[i + 1])) {
            long bi = term_of(b, gal_bigram_hash(t->hash[i], t->hash[i + 1]), offset);
            if (bi < 0)
                return (int)bi;
            b->terms[bi].kind = GAL_TERM_BIGRAM;
            b->terms[bi].count++;
            if ((rc = bigram_push(b, (uint32_t)i, (uint32_t)bi)))
                return rc;
        }
    }
    /* entity mentions: terms of their own, after the words */
    size_t nm = m ? m->n : 0;
    uint32_t *mention_term = NULL;
    if (nm && !(mention_term = gal_malloc(nm * sizeof *mention_term)))
        return oom("mentions");
    for (size_t i = 0; i < nm; i++) {
        long ti = term_of(b, m->hash[i], 0);
        if (ti < 0) {
            gal_free(mention_term);
            return (int)ti;
        }
        b->terms[ti].kind = GAL_TERM_ENTITY;
        b->terms[ti].count++;
        mention_term[i] = (uint32_t)ti;
    }
    /* pass 2: order terms by hash; rank[] maps a term to its place */
    uint32_t *rank = gal_malloc((b->nterms + 1) * sizeof *rank);
    if (!rank) {
        gal_free(mention_term);
        return oom("ranks");
    }
    for (size_t k = 0; k < b->nterms; k++)
        b->terms[k].start = (uint32_t)k; /* remember the original index */
    if (b->nterms > 1) /* terms is NULL for a batch without a word */
        qsort(b->terms, b->nterms, sizeof *b->terms, by_hash);
    size_t total = 0;
    for (size_t k = 0; k < b->nterms; k++) {
        rank[b->terms[k].start] = (uint32_t)k;
        b->terms[k].start = (uint32_t)total;
        total += b->terms[k].count;
    }
    /* pass 3: stable scatter of (doc, pos) into term order */
    if (total > b->occ_cap) {
        gal_free(b->occ_doc);
        gal_free(b->occ_pos);
        b->occ_doc = gal_malloc(total * sizeof *b->occ_doc);
        b->occ_pos = gal_malloc(total * sizeof *b->occ_pos);
        b->occ_cap = b->occ_doc && b->occ_pos ? total : 0;
        if (!b->occ_cap) {
            gal_free(rank);
            gal_free(mention_term);
            return oom("occurrences");
        }
    }
    uint32_t *fill = gal_malloc((b->nterms + 1) * sizeof *fill);
    if (!fill) {
        gal_free(rank);
        gal_free(mention_term);
        return oom("fill");
    }
    for (size_t k = 0; k < b->nterms; k++)
        fill[k] = b->terms[k].start;
    size_t next_bigram = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (term_idx[i] == UINT32_MAX)
            continue;
        uint32_t k = rank[term_idx[i]];
        b->occ_doc[fill[k]] = t->doc[i];
        b->occ_pos[fill[k]] = t->pos[i];
        fill[k]++;
        if (next_bigram < b->nbigrams && b->bigram_at[2 * next_bigram] == i) {
            k = rank[b->bigram_at[2 * next_bigram + 1]];
            b->occ_doc[fill[k]] = t->doc[i];
            b->occ_pos[fill[k]] = t->pos[i];
            fill[k]++;
            next_bigram++;
        }
    }
    for (size_t i = 0; i < nm; i++) { /* mentions come in (doc, pos) order */
        uint32_t k = rank[mention_term[i]];
        b->occ_doc[fill[k]] = m->doc[i];
        b->occ_pos[fill[k]] = m->pos[i];
        fill[k]++;
    }
    gal_free(mention_term);
    gal_free(fill);
    gal_free(rank);
    /* the hash table indexes terms by their old order: it is stale now */
    memset(b->slots, 0, b->nslots * sizeof *b->slots);

    b->out.nchunks = 0;
    gal_buf_clear(&b->out.data);
    if ((rc = out_reserve(&b->out)))
        return rc;
    b->out.val_off[0] = 0;
    for (size_t k = 0; k < b->nterms; k++)
        if ((rc = encode_term(b, &b->terms[k], first_doc)))
            return rc;
    return 0;
}
