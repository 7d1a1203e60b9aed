/*
 * test_postings_builder.c — the postings builder's two ways of grouping a
 * batch by term give the same terms and the same chunks:
 *   hashed     every token through the term table (the host's way), and
 *   presorted  the words from tokens already sorted by key (what a device
 *              makes with GALLEY_CL_GROUP=1, cl_group.h; here a host sort
 *              stands in), bigrams and entity mentions through the table.
 * Random batches: keys from a small vocabulary (frequent and rare words),
 * unindexed tokens between them, several documents with a title-body gap,
 * a common-word set (so bigrams), and entity mentions; in some rounds a
 * mention's key is a word's, which the presorted way leaves to the hashed
 * one (the two must still agree).
 */
#include <string.h>

#include "alloc.h"
#include "check.h"
#include "format.h"
#include "postings_builder.h"
#include "status.h"
#include "tokenize.h"
#include "tokenizer_rules.h"

static unsigned long long rng;

static uint32_t below(uint32_t n)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)((rng >> 33) % n);
}

static uint64_t key_of(uint32_t word)
{
    uint64_t x = (word + 1) * 0x9E3779B97F4A7C15ull;
    x ^= x >> 29;
    return x ? x : 1;
}

/* A batch of random tokens into t (heap arrays), and mentions. */
static void random_batch(gal_tokens *t, uint64_t **mhash, uint32_t **mdoc, uint32_t **mpos,
                         size_t *nm, int mixed)
{
    uint32_t ndocs = 1 + below(40), vocab = 50 + below(3000);
    size_t cap = (size_t)ndocs * 300;
    CHECK(gal_tokens_reserve(t, cap, ndocs) == 0);
    *mhash = gal_malloc(cap * sizeof **mhash);
    *mdoc = gal_malloc(cap * sizeof **mdoc);
    *mpos = gal_malloc(cap * sizeof **mpos);
    t->n = 0;
    *nm = 0;
    uint32_t offset = 0;
    for (uint32_t d = 0; d < ndocs; d++) {
        uint32_t title = below(12), body = below(280), start = (uint32_t)t->n;
        for (uint32_t k = 0; k < title + body; k++) {
            uint32_t pos = k < title ? k : k + GAL_TITLE_BODY_GAP;
            /* a Zipf-like draw: most tokens are a few frequent words */
            uint32_t w = below(4) ? below(1 + below(20)) : below(vocab);
            t->hash[t->n] = below(50) ? key_of(w) : GAL_HASH_NONE;
            t->doc[t->n] = d;
            t->pos[t->n] = pos;
            t->offset[t->n] = offset;
            offset += 3 + below(9);
            t->n++;
            if (!below(15)) { /* a mention starting here */
                (*mhash)[*nm] = mixed && !below(5) ? key_of(below(vocab)) : key_of(vocab + below(200));
                (*mdoc)[*nm] = d;
                (*mpos)[*nm] = pos;
                (*nm)++;
            }
        }
        t->doc_tokens[d] = (uint32_t)t->n - start;
    }
    t->ndocs = ndocs;
}

/* What the device gives: t's tokens by key, stably. */
static void host_sort(gal_tokens *t)
{
    CHECK(gal_tokens_reserve_sorted(t, t->n) == 0);
    check_order_by_key(t->hash, t->sorted_idx, t->n);
    for (size_t k = 0; k < t->n; k++) {
        uint32_t i = t->sorted_idx[k];
        t->sorted_hash[k] = t->hash[i];
        t->sorted_occ[2 * k] = t->doc[i];
        t->sorted_occ[2 * k + 1] = t->pos[i];
    }
    t->nsorted = t->n;
}

static void copy_tokens(gal_tokens *dst, const gal_tokens *src)
{
    CHECK(gal_tokens_reserve(dst, src->n, src->ndocs) == 0);
    memcpy(dst->hash, src->hash, src->n * sizeof *src->hash);
    memcpy(dst->doc, src->doc, src->n * sizeof *src->doc);
    memcpy(dst->pos, src->pos, src->n * sizeof *src->pos);
    memcpy(dst->offset, src->offset, src->n * sizeof *src->offset);
    memcpy(dst->doc_tokens, src->doc_tokens, src->ndocs * sizeof *src->doc_tokens);
    dst->n = src->n;
    dst->ndocs = src->ndocs;
    dst->nsorted = 0;
}

static int same_output(const gal_builder *a, const gal_builder *b, int round)
{
    int same = a->nterms == b->nterms && a->out.nchunks == b->out.nchunks &&
               a->out.data.len == b->out.data.len;
    for (size_t k = 0; same && k < a->nterms; k++) {
        const gal_term_group *x = &a->terms[k], *y = &b->terms[k];
        same = x->hash == y->hash && x->first_offset == y->first_offset &&
               x->count == y->count && x->kind == y->kind;
    }
    same = same &&
           !memcmp(a->out.keys, b->out.keys, a->out.nchunks * GAL_POSTINGS_KEY_LEN) &&
           !memcmp(a->out.val_off, b->out.val_off, (a->out.nchunks + 1) * sizeof(size_t)) &&
           !memcmp(a->out.data.data, b->out.data.data, a->out.data.len);
    if (!same)
        fprintf(stderr, "round %d: %zu terms, %zu chunks, %zu bytes hashed; %zu, %zu, %zu "
                        "presorted\n", round, a->nterms, a->out.nchunks, a->out.data.len,
                b->nterms, b->out.nchunks, b->out.data.len);
    return same;
}

int main(void)
{
    unsigned long long seed = check_seed();
    gal_builder hashed, presorted;
    gal_builder_init(&hashed);
    gal_builder_init(&presorted);
    gal_tokens t, u;
    gal_tokens_init(&t);
    gal_tokens_init(&u);
    int rounds = 400, failed = 0, mixed_rounds = 0;
    size_t terms = 0, bigrams = 0, mentions = 0;
    for (int r = 0; r < rounds && failed < 3; r++) {
        rng = seed + (unsigned long long)r * 0x9E3779B97F4A7C15ull;
        uint64_t *mh;
        uint32_t *md, *mp;
        size_t nm;
        int mixed = r % 4 == 3;
        mixed_rounds += mixed;
        random_batch(&t, &mh, &md, &mp, &nm, mixed);
        /* the common words: none in a quarter of the rounds (no bigrams) */
        uint64_t common[GAL_BIGRAM_WORDS];
        size_t ncommon = 0;
        if (r % 4) {
            for (uint32_t w = 0; w < 12; w++)
                common[ncommon++] = key_of(w);
        }
        gal_builder_set_common(&hashed, common, ncommon);
        gal_builder_set_common(&presorted, common, ncommon);
        gal_builder_mentions m = {mh, md, mp, nm};
        copy_tokens(&u, &t);
        host_sort(&u);
        CHECK(gal_builder_run(&hashed, &t, &m, 1000u * (uint32_t)r) == 0);
        CHECK(gal_builder_run(&presorted, &u, &m, 1000u * (uint32_t)r) == 0);
        if (!same_output(&hashed, &presorted, r)) {
            fprintf(stderr, "seed %llu, round %d: the two groupings differ\n", seed, r);
            failed++;
        }
        CHECK(!failed);
        terms += hashed.nterms;
        for (size_t k = 0; k < hashed.nterms; k++)
            bigrams += hashed.terms[k].kind == GAL_TERM_BIGRAM;
        mentions += nm;
        gal_free(mh);
        gal_free(md);
        gal_free(mp);
    }
    /* a device's order that is not one is refused, not followed */
    rng = seed;
    {
        uint64_t *mh;
        uint32_t *md, *mp;
        size_t nm;
        random_batch(&t, &mh, &md, &mp, &nm, 0);
        gal_builder_mentions m = {mh, md, mp, nm};
        host_sort(&t);
        t.sorted_idx[t.n / 2] = (uint32_t)t.n;
        CHECK(gal_builder_run(&presorted, &t, &m, 0) == GAL_ECL);
        host_sort(&t);
        if (t.n > 2) {
            uint64_t x = t.sorted_hash[1];
            t.sorted_hash[1] = t.sorted_hash[t.n - 1];
            t.sorted_hash[t.n - 1] = x;
            CHECK(x == t.sorted_hash[1] ||
                  gal_builder_run(&presorted, &t, &m, 0) == GAL_ECL);
        }
        gal_free(mh);
        gal_free(md);
        gal_free(mp);
    }
    printf("%d batches (%d with mentions keyed as words), %zu terms, %zu of them bigrams, "
           "%zu mentions: %s\n", rounds, mixed_rounds, terms, bigrams, mentions,
           failed ? "the groupings DIFFER" : "both groupings alike");
    CHECK(bigrams > 0 && mentions > 0);
    gal_tokens_release(&t);
    gal_tokens_release(&u);
    gal_builder_release(&hashed);
    gal_builder_release(&presorted);
    return check_exit("test_postings_builder");
}
