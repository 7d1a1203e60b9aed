#include "postings_builder.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cpu_clones.h"
#include "format.h"
#include "postings_codec.h"
#include "status.h"
#include "terms.h"
#include "tokenizer_rules.h"

void gal_builder_init(gal_builder *b)
{
    memset(b, 0, sizeof *b);
    gal_buf_init(&b->out.data);
}

void gal_builder_release(gal_builder *b)
{
    gal_free(b->terms);
    gal_free(b->terms_tmp);
    gal_free(b->slots);
    gal_free(b->fill);
    gal_free(b->occ);
    gal_free(b->scratch);
    gal_free(b->chunk_pos);
    gal_free(b->bigram_at);
    gal_free(b->words);
    gal_free(b->common_bits);
    gal_free(b->out.keys);
    gal_free(b->out.val_off);
    gal_buf_release(&b->out.data);
    gal_builder_init(b);
}

static int oom(const char *what)
{
    return gal_error_set(GAL_ENOMEM, "out of memory grouping postings (%s)", what);
}

/* Empty the term table for the next batch (or for the sorted term order). */
static void slots_clear(gal_builder *b)
{
    memset(b->slots, 0, b->nslots * sizeof *b->slots);
}

static int rehash(gal_builder *b, size_t nslots)
{
    gal_term_slot *slots = gal_calloc(nslots, sizeof *slots);
    if (!slots)
        return oom("term table");
    for (size_t k = 0; k < b->nslots; k++) {
        if (!b->slots[k].term)
            continue;
        size_t i = (size_t)b->slots[k].hash & (nslots - 1);
        while (slots[i].term)
            i = (i + 1) & (nslots - 1);
        slots[i] = b->slots[k];
    }
    gal_free(b->slots);
    b->slots = slots;
    b->nslots = nslots;
    return 0;
}

/* Asked once per term of a batch, when it enters the term table, whose
 * slot then keeps the answer for every token of the term: a small hash set
 * (at most 128 of 256 slots used, keys are well-mixed hashes, never 0). */
static int is_common(const gal_builder *b, uint64_t hash)
{
    for (size_t i = hash & 255;; i = (i + 1) & 255) {
        if (b->common_set[i] == hash)
            return 1;
        if (b->common_set[i] == 0)
            return 0;
    }
}

/* Room for n terms in terms[] (kept) and terms_tmp[]. */
static int terms_reserve(gal_builder *b, size_t n)
{
    if (n <= b->terms_cap)
        return 0;
    gal_term_group *t = gal_realloc(b->terms, n * sizeof *t);
    if (!t)
        return oom("terms");
    b->terms = t;
    gal_free(b->terms_tmp);
    if (!(b->terms_tmp = gal_malloc(n * sizeof *b->terms_tmp))) {
        b->terms_cap = 0; /* terms_tmp is gone: slot_of must make both again */
        gal_free(b->terms);
        b->terms = NULL;
        return oom("terms");
    }
    b->terms_cap = n;
    return 0;
}

/* Room for n elements of size bytes in *p, which holds *cap of them and
 * whose contents need not be kept: a fresh array, not a copy, when it
 * grows.  what names it in the error. */
static int scratch_reserve(void **p, size_t *cap, size_t n, size_t size, const char *what)
{
    if (n <= *cap)
        return 0;
    gal_free(*p);
    *cap = 0;
    if (!(*p = gal_malloc(n * size)))
        return oom(what);
    *cap = n;
    return 0;
}

/* Insert term hash (of kind, first occurrence at batch offset) into the
 * empty slot i that the probe for it ended on; NULL when out of memory. */
static gal_term_slot *slot_insert(gal_builder *b, size_t i, uint64_t hash, uint32_t offset,
                                  uint32_t kind);

/* The slot of term hash, inserting the term (of kind, first occurrence at
 * batch offset) when it is new; NULL when out of memory.  A bigram or an
 * entity key found again re-marks its term's kind, as the last one seen.
 * Most tokens find their term: that probe is inlined into the loops, the
 * insertion is not. */
static inline gal_term_slot *slot_of(gal_builder *b, uint64_t hash, uint32_t offset,
                                     uint32_t kind)
{
    size_t mask = b->nslots - 1, i = (size_t)hash & mask;
    for (;; i = (i + 1) & mask) {
        gal_term_slot *s = &b->slots[i];
        if (!s->term)
            return slot_insert(b, i, hash, offset, kind);
        if (s->hash == hash) {
            if (kind != GAL_TERM_WORD)
                b->terms[s->term - 1].kind = kind;
            return s;
        }
    }
}

static gal_term_slot *slot_insert(gal_builder *b, size_t i, uint64_t hash, uint32_t offset,
                                  uint32_t kind)
{
    if (b->nterms == b->terms_cap && terms_reserve(b, b->terms_cap ? b->terms_cap * 2 : 4096))
        return NULL;
    b->terms[b->nterms] = (gal_term_group){hash, offset, 0, 0, kind};
    b->slots[i] = (gal_term_slot){hash, (uint32_t)++b->nterms, 0, (uint32_t)is_common(b, hash)};
    if (b->nterms * 2 > b->nslots) {
        if (rehash(b, b->nslots * 2))
            return NULL;
        return slot_of(b, hash, offset, kind); /* finds it where it moved */
    }
    return &b->slots[i];
}

/* Copy the occurrence counts from the table into terms[]. */
static void counts_to_terms(gal_builder *b)
{
    for (size_t k = 0; k < b->nslots; k++)
        if (b->slots[k].term)
            b->terms[b->slots[k].term - 1].count = b->slots[k].count;
}

void gal_builder_set_common(gal_builder *b, const uint64_t *keys, size_t n)
{
    memset(b->common_set, 0, sizeof b->common_set);
    _Static_assert(GAL_BIGRAM_WORDS <= 128, "the common-word set must stay at most half full");
    for (size_t k = 0; k < n; k++) {
        size_t i = keys[k] & 255;
        while (b->common_set[i])
            i = (i + 1) & 255;
        b->common_set[i] = keys[k];
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
    slots_clear(b);
    for (size_t i = 0; i < t->n; i++) {
        if (t->hash[i] == GAL_HASH_NONE)
            continue;
        gal_term_slot *s = slot_of(b, t->hash[i], 0, GAL_TERM_WORD);
        if (!s)
            return GAL_ENOMEM;
        s->count++;
    }
    counts_to_terms(b);
    if (b->nterms > 1) /* terms is NULL for a batch without a word */
        qsort(b->terms, b->nterms, sizeof *b->terms, by_count_desc);
    size_t n = b->nterms < k ? b->nterms : k;
    for (size_t i = 0; i < n; i++)
        out[i] = b->terms[i].hash;
    qsort(out, n, sizeof *out, by_key);
    *nout = n;
    b->nterms = 0; /* the table indexes the unsorted order: clear it */
    slots_clear(b);
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

/* Buckets longer than this (hashes that are not well mixed) go to qsort. */
#define SORT_BUCKET_MAX 32

/* Order terms[] by hash, leaving each term's first-seen index in .start.
 * The hashes are well mixed, so a counting sort by their top bits, about
 * one bucket per term, leaves a few terms per bucket for an insertion sort
 * to finish: linear time, where qsort of a batch's terms was a noticeable
 * share of the writer thread. */
static int sort_terms(gal_builder *b)
{
    size_t n = b->nterms;
    unsigned bits = 1;
    while (bits < 24 && ((size_t)1 << bits) < n)
        bits++;
    size_t nb = (size_t)1 << bits;
    uint32_t *end = gal_calloc(nb + 1, sizeof *end);
    if (!end)
        return oom("sort");
    gal_term_group *in = b->terms, *out = b->terms_tmp;
    for (size_t k = 0; k < n; k++)
        end[(in[k].hash >> (64 - bits)) + 1]++;
    for (size_t j = 1; j <= nb; j++)
        end[j] += end[j - 1];
    /* end[j] is bucket j's start; placing a term advances it to the end */
    for (size_t k = 0; k < n; k++) {
        gal_term_group g = in[k];
        g.start = (uint32_t)k;
        out[end[g.hash >> (64 - bits)]++] = g;
    }
    for (size_t j = 0, lo = 0; j < nb; lo = end[j++]) {
        size_t hi = end[j];
        if (hi - lo > SORT_BUCKET_MAX) {
            qsort(out + lo, hi - lo, sizeof *out, by_hash);
            continue;
        }
        for (size_t i = lo + 1; i < hi; i++) {
            gal_term_group g = out[i];
            size_t at = i;
            for (; at > lo && out[at - 1].hash > g.hash; at--)
                out[at] = out[at - 1];
            out[at] = g;
        }
    }
    gal_free(end);
    b->terms = out;
    b->terms_tmp = in;
    return 0;
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

/* Encode one term's occurrences, occ[0, g->count), as chunks of at most
 * GAL_CHUNK_DOCS docs, straight into the output: the sections' values
 * (document gaps, tfs less one, position gaps) are taken as the
 * occurrences are walked, once. */
static int encode_term(gal_builder *b, const gal_term_group *g, const gal_occ *occ,
                       uint32_t first_doc)
{
    uint32_t *dv = b->scratch, *tv = b->scratch + GAL_CHUNK_DOCS;
    int rc = scratch_reserve((void **)&b->chunk_pos, &b->chunk_pos_cap, g->count,
                             sizeof *b->chunk_pos, "positions");
    if (rc)
        return rc;
    uint32_t *pv = b->chunk_pos;
    const uint32_t count = g->count; /* not reloaded after every store below */
    uint32_t i = 0, run_docs = 0;
    while (i < count) {
        uint32_t ndocs = 0, npos = 0, first = occ[i].doc, prev = first;
        while (i < count && ndocs < GAL_CHUNK_DOCS) {
            uint32_t d = occ[i].doc, at = i, last = occ[i].pos;
            pv[npos++] = last;
            for (i++; i < count && occ[i].doc == d; i++) {
                pv[npos++] = occ[i].pos - last - 1;
                last = occ[i].pos;
            }
            if (ndocs)
                dv[ndocs - 1] = d - prev - 1;
            tv[ndocs++] = i - at - 1;
            prev = d;
        }
        if ((rc = out_reserve(&b->out)))
            return rc;
        uint8_t *key = b->out.keys + b->out.nchunks * GAL_POSTINGS_KEY_LEN;
        gal_postings_key(key, first_doc, g->hash, first + first_doc);
        run_docs += ndocs;
        if ((rc = gal_chunk_encode_values(dv, tv, pv, ndocs, npos, prev - first,
                                          i == count ? run_docs : 0, key, &b->out.data)))
            return rc;
        b->out.nchunks++;
        b->out.val_off[b->out.nchunks] = b->out.data.len;
    }
    return 0;
}

/* Encode every term, in terms[] order; a word's occurrences are in
 * word_occ when it is not NULL (the device's sorted tokens), the others'
 * (and then every term's) in b->occ. */
static int encode_terms(gal_builder *b, const gal_occ *word_occ, uint32_t first_doc)
{
    b->out.nchunks = 0;
    gal_buf_clear(&b->out.data);
    int rc = out_reserve(&b->out);
    if (rc)
        return rc;
    b->out.val_off[0] = 0;
    for (size_t k = 0; k < b->nterms && !rc; k++) {
        const gal_term_group *g = &b->terms[k];
        const gal_occ *occ = word_occ && g->kind == GAL_TERM_WORD ? word_occ : b->occ;
        rc = encode_term(b, g, occ + g->start, first_doc);
    }
    return rc;
}

/* An empty term table and the per-chunk scratch, for a batch. */
static int prepare(gal_builder *b)
{
    int rc;
    b->nterms = 0;
    b->nbigrams = 0;
    if (!b->slots && (rc = rehash(b, 1 << 16)))
        return rc;
    slots_clear(b);
    if (!b->scratch && !(b->scratch = gal_malloc(2 * GAL_CHUNK_DOCS * sizeof *b->scratch)))
        return oom("scratch");
    return 0;
}

/* Entity mentions: terms of their own, after the tokens; *term[i] is
 * mention i's term (NULL when there are none). */
static int add_mentions(gal_builder *b, const gal_builder_mentions *m, uint32_t **term)
{
    size_t nm = m ? m->n : 0;
    *term = NULL;
    if (nm && !(*term = gal_malloc(nm * sizeof **term)))
        return oom("mentions");
    for (size_t i = 0; i < nm; i++) {
        gal_term_slot *s = slot_of(b, m->hash[i], 0, GAL_TERM_ENTITY);
        if (!s)
            return GAL_ENOMEM;
        s->count++;
        (*term)[i] = s->term - 1;
    }
    return 0;
}

/* The table's terms into hash order; fill[] maps a term's first-seen index
 * to its place in occ, which gets room for all *total occurrences. */
static int order_terms(gal_builder *b, size_t *total)
{
    int rc;
    counts_to_terms(b);
    /* the table indexes terms by their first-seen order: stale once they
     * are sorted */
    slots_clear(b);
    gal_free(b->fill);
    if (!(b->fill = gal_malloc((b->nterms + 1) * sizeof *b->fill)))
        return oom("fill");
    if (b->nterms > 1 && (rc = sort_terms(b)))
        return rc;
    if (b->nterms == 1)
        b->terms[0].start = 0;
    size_t n = 0;
    for (size_t k = 0; k < b->nterms; k++) {
        b->fill[b->terms[k].start] = (uint32_t)n;
        b->terms[k].start = (uint32_t)n;
        n += b->terms[k].count;
    }
    *total = n;
    return scratch_reserve((void **)&b->occ, &b->occ_cap, n, sizeof *b->occ, "occurrences");
}

/* How many tokens ahead pass 1 prefetches its term's slot: the table is
 * larger than the caches, and the lookups are otherwise serial misses. */
#define PREFETCH_AHEAD 16

/* Group on the host: every token's term through the hash table, then a
 * stable counting sort of the occurrences by term. */
static int run_hashed(gal_builder *b, gal_tokens *t, const gal_builder_mentions *m,
                      uint32_t first_doc)
{
    int rc = prepare(b);
    if (rc)
        return rc;
    /* pass 1: term of each token, kept in the offset array, and the
     * bigrams: a pair of adjacent common words is found at its second word,
     * from what its slot says and what the first one's said */
    uint32_t *term_idx = t->offset;
    int prev_common = 0;     /* token i - 1 is a common word */
    uint32_t prev_offset = 0; /* its offset (term_idx overwrote it) */
    for (size_t i = 0; i < t->n; i++) {
        if (i + PREFETCH_AHEAD < t->n)
            __builtin_prefetch(&b->slots[t->hash[i + PREFETCH_AHEAD] & (b->nslots - 1)]);
        if (t->hash[i] == GAL_HASH_NONE) {
            term_idx[i] = UINT32_MAX;
            prev_common = 0;
            continue;
        }
        uint32_t offset = t->offset[i];
        gal_term_slot *s = slot_of(b, t->hash[i], offset, GAL_TERM_WORD);
        if (!s)
            return GAL_ENOMEM;
        s->count++;
        term_idx[i] = s->term - 1;
        int common = s->common; /* never set while the common-word set is empty */
        if (common && prev_common && t->doc[i] == t->doc[i - 1] &&
            t->pos[i] == t->pos[i - 1] + 1) {
            s = slot_of(b, gal_bigram_hash(t->hash[i - 1], t->hash[i]), prev_offset,
                        GAL_TERM_BIGRAM);
            if (!s)
                return GAL_ENOMEM;
            s->count++;
            if ((rc = bigram_push(b, (uint32_t)(i - 1), s->term - 1)))
                return rc;
        }
        prev_common = common;
        prev_offset = offset;
    }
    uint32_t *mention_term = NULL;
    size_t total;
    if ((rc = add_mentions(b, m, &mention_term)) || (rc = order_terms(b, &total))) {
        gal_free(mention_term);
        return rc;
    }
    /* pass 3: stable scatter of (doc, pos) into term order */
    uint32_t *fill = b->fill;
    size_t next_bigram = 0;
    for (size_t i = 0; i < t->n; i++) {
        /* a rare term's place in occ is a cache miss: ask for it early (a
         * frequent term's place moves on meanwhile, but stays cached) */
        if (i + PREFETCH_AHEAD < t->n && term_idx[i + PREFETCH_AHEAD] != UINT32_MAX)
            __builtin_prefetch(&b->occ[fill[term_idx[i + PREFETCH_AHEAD]]], 1);
        if (term_idx[i] == UINT32_MAX)
            continue;
        gal_occ o = {t->doc[i], t->pos[i]};
        b->occ[fill[term_idx[i]]++] = o;
        if (next_bigram < b->nbigrams && b->bigram_at[2 * next_bigram] == i) {
            b->occ[fill[b->bigram_at[2 * next_bigram + 1]]++] = o;
            next_bigram++;
        }
    }
    size_t nm = m ? m->n : 0;
    for (size_t i = 0; i < nm; i++) /* mentions come in (doc, pos) order */
        b->occ[fill[mention_term[i]]++] = (gal_occ){m->doc[i], m->pos[i]};
    gal_free(mention_term);
    return encode_terms(b, NULL, first_doc);
}

/* A word and a bigram or entity key with the same hash in one batch:
 * run_presorted leaves such a batch to run_hashed, which makes them one
 * term as it always has. */
#define MIXED_TERM 1

/* The word terms of a presorted batch into b->words: a run of one key in
 * t's sorted tokens each, in key order, after the unindexed tokens; and
 * the bit of each token that is a common word set in b->common_bits. */
static int word_runs(gal_builder *b, const gal_tokens *t, size_t *nwords)
{
    const uint64_t *key = t->sorted_hash;
    size_t n = t->nsorted, i = 0, nw = 0, nbits = n / 64 + 1;
    int rc = scratch_reserve((void **)&b->common_bits, &b->common_bits_cap, nbits,
                             sizeof *b->common_bits, "common words");
    if (rc)
        return rc;
    memset(b->common_bits, 0, nbits * sizeof *b->common_bits);
    /* the device's order is checked, not trusted: keys never decrease and
     * every index names a token (a few milliseconds a batch) */
    for (size_t k = 0; k < n; k++)
        if (t->sorted_idx[k] >= n || (k && key[k] < key[k - 1]))
            return gal_error_set(GAL_ECL, "the device's grouping of a batch is out of "
                                 "order at token %zu of %zu", k, n);
    while (i < n && key[i] == GAL_HASH_NONE)
        i++;
    while (i < n) {
        size_t end = i + 1;
        while (end < n && key[end] == key[i])
            end++;
        if (gal_grow((void **)&b->words, &b->words_cap, nw + 1, sizeof *b->words, 4096))
            return oom("terms");
        b->words[nw++] = (gal_term_group){key[i], t->offset[t->sorted_idx[i]], (uint32_t)i,
                                          (uint32_t)(end - i), GAL_TERM_WORD};
        if (is_common(b, key[i])) /* a term at a time, not a token */
            for (size_t k = i; k < end; k++)
                b->common_bits[t->sorted_idx[k] / 64] |= 1ull << (t->sorted_idx[k] % 64);
        i = end;
    }
    *nwords = nw;
    return 0;
}

/* Group with the device's sort (t->sorted_*): the words' occurrences are
 * already in term order, and only the bigrams and entity mentions, a few
 * in ten of the occurrences, go through the hash table and the counting
 * sort.  The two hash-ordered lists are then merged. */
static int run_presorted(gal_builder *b, const gal_tokens *t, const gal_builder_mentions *m,
                         uint32_t first_doc)
{
    size_t nwords = 0;
    int rc = prepare(b);
    if (rc || (rc = word_runs(b, t, &nwords)))
        return rc;
    /* the bigrams, as run_hashed finds them, in token order: two common
     * words in a row (bits i - 1 and i), in one field of one document */
    uint64_t carry = 0; /* the previous word's last bit */
    for (size_t w = 0; w < t->n / 64 + 1; w++) {
        uint64_t bits = b->common_bits[w];
        uint64_t pairs = bits & (bits << 1 | carry);
        carry = bits >> 63;
        for (; pairs; pairs &= pairs - 1) {
            size_t i = w * 64 + (size_t)__builtin_ctzll(pairs);
            if (t->doc[i] != t->doc[i - 1] || t->pos[i] != t->pos[i - 1] + 1)
                continue;
            gal_term_slot *s = slot_of(b, gal_bigram_hash(t->hash[i - 1], t->hash[i]),
                                       t->offset[i - 1], GAL_TERM_BIGRAM);
            if (!s)
                return GAL_ENOMEM;
            s->count++;
            if ((rc = bigram_push(b, (uint32_t)(i - 1), s->term - 1)))
                return rc;
        }
    }
    uint32_t *mention_term = NULL;
    size_t total;
    if ((rc = add_mentions(b, m, &mention_term)) || (rc = order_terms(b, &total))) {
        gal_free(mention_term);
        return rc;
    }
    for (size_t k = 0; k < b->nbigrams; k++) {
        uint32_t i = b->bigram_at[2 * k];
        b->occ[b->fill[b->bigram_at[2 * k + 1]]++] = (gal_occ){t->doc[i], t->pos[i]};
    }
    size_t nm = m ? m->n : 0;
    for (size_t i = 0; i < nm; i++)
        b->occ[b->fill[mention_term[i]]++] = (gal_occ){m->doc[i], m->pos[i]};
    gal_free(mention_term);

    /* merge the words and the others by hash into terms_tmp */
    if ((rc = terms_reserve(b, b->nterms + nwords)))
        return rc;
    gal_term_group *out = b->terms_tmp;
    size_t i = 0, k = 0, nout = 0;
    while (i < nwords || k < b->nterms) {
        if (i < nwords && k < b->nterms && b->words[i].hash == b->terms[k].hash)
            return MIXED_TERM;
        if (i < nwords && (k == b->nterms || b->words[i].hash < b->terms[k].hash))
            out[nout++] = b->words[i++];
        else
            out[nout++] = b->terms[k++];
    }
    b->terms_tmp = b->terms;
    b->terms = out;
    b->nterms = nout;
    return encode_terms(b, (const gal_occ *)t->sorted_occ, first_doc);
}

GAL_CPU_CLONES
int gal_builder_run(gal_builder *b, gal_tokens *t, const gal_builder_mentions *m,
                    uint32_t first_doc)
{
    if (t->nsorted && t->nsorted == t->n) {
        int rc = run_presorted(b, t, m, first_doc);
        if (rc != MIXED_TERM)
            return rc;
    }
    return run_hashed(b, t, m, first_doc);
}
