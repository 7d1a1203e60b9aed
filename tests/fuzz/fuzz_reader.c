/*
 * fuzz_reader.c — libFuzzer target for one input reader (JSONL, TREC,
 * WARC or text, chosen at build time by FUZZ_FORMAT), through gal_read_file() as
 * `galley index` calls it, in lenient and then strict mode.
 *
 * Properties: no memory error, no hang; every document's strings are
 * readable for their full length; end offsets never go backwards (resume
 * depends on it); strict mode never hands over more documents than lenient;
 * JSON Lines, TREC and WARC give the same documents and errors on parsing
 * threads.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz_common.h"
#include "reader.h"
#include "status.h"

#ifndef FUZZ_FORMAT
#define FUZZ_FORMAT GAL_FORMAT_JSONL
#endif

typedef struct seen {
    uint64_t docs;
    uint64_t last_end;
    unsigned sum;
} seen;

static void touch(seen *s, const char *p, size_t n)
{
    FUZZ_ASSERT(n == 0 || p != NULL);
    for (size_t i = 0; i < n; i++)
        s->sum += (uint8_t)p[i];
}

static int on_doc(void *ctx, const gal_doc *d)
{
    seen *s = ctx;
    touch(s, d->id, d->id_len);
    touch(s, d->title, d->title_len);
    touch(s, d->text, d->text_len);
    touch(s, d->date, d->date_len);
    touch(s, d->url, d->url_len);
    FUZZ_ASSERT(d->end_offset >= s->last_end);
    s->last_end = d->end_offset;
    s->docs++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size);
    seen lenient, strict;
    memset(&lenient, 0, sizeof lenient);
    memset(&strict, 0, sizeof strict);
    /* every third input with a limit on records its size can pass (the
     * records over it skipped, passed over unkept) */
    size_t max_record = size % 3 ? 0 : 1 + size % 499;
    gal_read_opts opts = {.format = FUZZ_FORMAT, .quiet = 1, .parse_threads = 1,
                          .max_record = max_record};
    gal_read_stats st;
    memset(&st, 0, sizeof st);
    int rc = gal_read_file(path, &opts, on_doc, &lenient, &st);
    FUZZ_ASSERT(rc <= 0);
    FUZZ_ASSERT(gal_error_detail(rc) != NULL);
    FUZZ_ASSERT(st.docs == lenient.docs);
    opts.strict = 1;
    memset(&st, 0, sizeof st);
    int src = gal_read_file(path, &opts, on_doc, &strict, &st);
    FUZZ_ASSERT(src <= 0);
    FUZZ_ASSERT(strict.docs <= lenient.docs);
    FUZZ_ASSERT(src != 0 || strict.docs == lenient.docs);
#if FUZZ_FORMAT != GAL_FORMAT_TEXT
    /* on parsing threads, with blocks of a few bytes (many jobs), a stream
     * that reads whole gives the same documents and the same strict error */
    if (rc == 0) {
        char detail[1024];
        snprintf(detail, sizeof detail, "%s", src ? gal_error_detail(src) : "");
        gal_read_opts par = {.format = FUZZ_FORMAT, .quiet = 1, .parse_threads = 2,
                             .parse_block = 1 + size % 61, .max_record = max_record};
        seen a, b;
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        FUZZ_ASSERT(gal_read_file(path, &par, on_doc, &a, NULL) == 0);
        FUZZ_ASSERT(a.docs == lenient.docs && a.sum == lenient.sum &&
                    a.last_end == lenient.last_end);
        par.strict = 1;
        int prc = gal_read_file(path, &par, on_doc, &b, NULL);
        FUZZ_ASSERT(prc == src && b.docs == strict.docs && b.sum == strict.sum);
        FUZZ_ASSERT(strcmp(detail, prc ? gal_error_detail(prc) : "") == 0);
    }
#endif
    gal_error_clear();
    return 0;
}
