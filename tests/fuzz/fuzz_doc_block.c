/*
 * fuzz_doc_block.c — libFuzzer target for the blocks of document records
 * (doc_record.h), as `galley query`, `show` and `verify` read them.
 *
 * Input: byte 0 picks the mode, bytes 1-4 the block's first document
 * (big-endian), the rest is the block.
 *   mode & 1 == 0: the bytes as stored (the checksum must match: almost
 *                  always rejected, which is what corruption looks like)
 *   mode & 1 == 1: the bytes sealed with a correct checksum first, so the
 *                  layout checks behind the checksum are what is fuzzed
 * Properties: no memory error, no hang; a block that decodes has 1 to
 * GAL_DOC_BLOCK_DOCS entries whose strings lie within the decoded text,
 * and encoding those entries again gives a block that decodes to the same.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "doc_record.h"
#include "format.h"
#include "fuzz_common.h"
#include "record.h"
#include "status.h"

static int within(const gal_doc_block *b, const char *s, size_t len)
{
    const char *t = (const char *)b->text.data;
    return len == 0 || (t && s >= t && s + len <= t + b->text.len);
}

static void check_decoded(const uint8_t *block, size_t len, uint32_t first)
{
    /* exact-size copy so a read past the record is caught */
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, block, len);
    gal_doc_block a, again;
    gal_doc_block_init(&a);
    gal_doc_block_init(&again);
    const gal_doc_fields *last;
    if (gal_doc_block_open(copy, len, first, &a) == 0 && gal_doc_block_get(&a, a.n - 1, &last) == 0) {
        FUZZ_ASSERT(a.n >= 1 && a.n <= GAL_DOC_BLOCK_DOCS && a.first_doc == first);
        gal_doc_fields f[GAL_DOC_BLOCK_DOCS];
        for (uint32_t i = 0; i < a.n; i++) {
            const gal_doc_fields *e;
            FUZZ_ASSERT(gal_doc_block_get(&a, i, &e) == 0);
            FUZZ_ASSERT(within(&a, e->id, e->id_len) && within(&a, e->date, e->date_len) &&
                        within(&a, e->url, e->url_len));
            f[i] = *e;
        }
        gal_buf out;
        gal_buf_init(&out);
        FUZZ_ASSERT(gal_doc_block_encode(f, a.n, first, &out) == 0);
        FUZZ_ASSERT(gal_doc_block_open(out.data, out.len, first, &again) == 0 && again.n == a.n);
        for (uint32_t i = 0; i < a.n; i++) {
            const gal_doc_fields *x = &f[i], *y;
            FUZZ_ASSERT(gal_doc_block_get(&again, i, &y) == 0);
            FUZZ_ASSERT(x->id_len == y->id_len && !memcmp(x->id, y->id, x->id_len) &&
                        x->date_len == y->date_len && !memcmp(x->date, y->date, x->date_len) &&
                        x->url_len == y->url_len && !memcmp(x->url, y->url, x->url_len) &&
                        x->title_len == y->title_len && x->file_no == y->file_no);
        }
        gal_buf_release(&out);
    } else {
        FUZZ_ASSERT(a.n == 0);
    }
    gal_doc_block_release(&a);
    gal_doc_block_release(&again);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_record_input in;
    if (!fuzz_record_input_of(data, size, &in))
        return 0;
    if ((in.mode & 1) == 0) {
        check_decoded(in.body, in.len, in.first);
    } else {
        gal_buf b;
        gal_buf_init(&b);
        if (gal_buf_reserve(&b, in.len + GAL_RECORD_TRAILER) == 0 &&
            gal_buf_append(&b, in.body, in.len) == 0 &&
            gal_record_seal(&b, gal_record_doc_key(in.first)) == 0)
            check_decoded(b.data, b.len, in.first);
        gal_buf_release(&b);
    }
    gal_error_clear();
    return 0;
}
