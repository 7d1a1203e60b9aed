/*
 * encode_bench.c — the postings builder alone (stages 3–4: grouping the
 * tokens by term, then encoding every term's chunks) on one batch, run
 * again and again, for changes to it that a whole build on a noisy 2-core
 * VM cannot show: a build's stages share the cores and its figures swing by
 * a fifth from run to run, while the best of a dozen runs of one stage on
 * the same tokens moves by a few per cent.
 *
 *   encode_bench FILE.jsonl [RUNS]
 *
 * reads FILE (JSON Lines; make it about one batch, 32 MB, with head -n)
 * with the indexer's reader into one batch, tokenizes it and finds its
 * entities with the reference path, chooses the bigram words as the first
 * batch of an index does, then runs gal_builder_run RUNS times (15 by
 * default) and prints the fastest and the median run and a CRC of what it
 * encoded, which a change that means to write the same bytes must keep.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "crc32c.h"
#include "format.h"
#include "postings_builder.h"
#include "status.h"
#include "tool_batch.h"

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int fail(const char *what, int rc)
{
    fprintf(stderr, "encode_bench: %s: %s\n", what, gal_error_detail(rc));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: encode_bench FILE.jsonl [RUNS]\n");
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 15;
    if (runs < 1 || runs > 1000) {
        fprintf(stderr, "encode_bench: RUNS must be 1 to 1000\n");
        return 2;
    }
    gal_batch b;
    gal_tokens t;
    gal_mentions m;
    gal_batch_init(&b);
    int rc = tool_batch_load(argv[1], NULL, NULL, &b, &t, &m);
    if (rc)
        return fail(argv[1], rc);
    uint32_t nbytes = (uint32_t)b.text.len;
    gal_builder builder;
    gal_builder_init(&builder);
    uint64_t common[GAL_BIGRAM_WORDS];
    size_t ncommon;
    if ((rc = gal_builder_top_words(&builder, &t, GAL_BIGRAM_WORDS, common, &ncommon)))
        return fail("choosing the bigram words", rc);
    gal_builder_set_common(&builder, common, ncommon);
    /* gal_builder_run takes the offsets for scratch: each run gets them back */
    uint32_t *offsets = malloc(t.n * sizeof *offsets);
    double *secs = malloc((size_t)runs * sizeof *secs);
    if (!offsets || !secs)
        return fail("allocating", GAL_ENOMEM);
    memcpy(offsets, t.offset, t.n * sizeof *offsets);
    gal_builder_mentions bm = {m.hash, m.doc, m.pos, m.n};
    uint32_t crc = 0;
    for (int r = 0; r < runs; r++) {
        memcpy(t.offset, offsets, t.n * sizeof *offsets);
        double t0 = gal_now_sec();
        if ((rc = gal_builder_run(&builder, &t, &bm, 0)))
            return fail("encoding", rc);
        secs[r] = gal_now_sec() - t0;
        uint32_t c = gal_crc32c(0, builder.out.keys, builder.out.nchunks * GAL_POSTINGS_KEY_LEN);
        c = gal_crc32c(c, builder.out.data.data, builder.out.data.len);
        if (r > 0 && c != crc) {
            fprintf(stderr, "encode_bench: run %d encoded other bytes than run 1\n", r + 1);
            return 1;
        }
        crc = c;
    }
    qsort(secs, (size_t)runs, sizeof *secs, by_double);
    printf("%u documents, %.1f MB of text, %zu tokens, %zu mentions, %zu terms: %zu chunks, "
           "%.1f MB\n", b.ndocs, nbytes / 1e6, t.n, m.n, builder.nterms, builder.out.nchunks,
           builder.out.data.len / 1e6);
    printf("builder, %d runs: fastest %.1f ms (%.0f MB/s of text), median %.1f ms; output crc "
           "%08x\n", runs, secs[0] * 1e3, nbytes / 1e6 / secs[0], secs[runs / 2] * 1e3, crc);
    free(offsets);
    free(secs);
    gal_builder_release(&builder);
    gal_mentions_release(&m);
    gal_tokens_release(&t);
    gal_batch_release(&b);
    return 0;
}
