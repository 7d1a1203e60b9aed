/*
 * fuzz_text_block.c — libFuzzer target for the stored text (stored_text.h):
 * blocks of records, single records and groups of documents, as `galley
 * show`, snippets and `verify` read them.
 *
 * Input: byte 0 picks the mode, bytes 1-4 a first document (big-endian),
 * the rest is the body.  mode % 3:
 *   0: the body is a block as stored: its records walked and each decoded
 *      (their checksums must match: almost always rejected)
 *   1: the body is one record, sealed with a correct checksum first, so the
 *      layout checks behind the checksum are what is fuzzed
 *   2: the body is documents' texts, cut at NUL bytes: encoded as a group
 *      (or one by one when it does not compress), built into a block, read
 *      back; every text must come back as it went in
 * mode & 4: with the dictionary (a fixed one).
 * Properties: no memory error, no hang; a record that decodes places each
 * document's text within what it decoded, a group's texts each followed by
 * a newline; what is encoded decodes to the same texts.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzz_common.h"
#include "record.h"
#include "status.h"
#include "stored_text.h"

static const char dict_text[] = "oil prices rose, oil prices fell; the company said on Monday "
                                "that its net profit for the year rose 12 pct, Reuter\n";
static ZSTD_CDict *cdict;
static ZSTD_DDict *ddict;
static ZSTD_CCtx *cctx;
static ZSTD_DCtx *dctx;

static void setup(void)
{
    if (cctx)
        return;
    cdict = ZSTD_createCDict(dict_text, sizeof dict_text - 1, 3);
    ddict = ZSTD_createDDict(dict_text, sizeof dict_text - 1);
    cctx = ZSTD_createCCtx();
    dctx = ZSTD_createDCtx();
    if (!cdict || !ddict || !cctx || !dctx)
        abort();
}

/* Decode the record [rec, rec + len) under first; check what came out. */
static int decode_checked(const uint8_t *rec, size_t len, uint32_t first, const ZSTD_DDict *dd,
                          gal_buf *out, gal_text_docs *docs)
{
    /* exact-size copy so a read past the record is caught */
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, rec, len);
    int rc = gal_stored_text_decode(dctx, dd, copy, len, first, out, docs);
    free(copy);
    if (rc == 0) {
        FUZZ_ASSERT(docs->n >= 1 && docs->n <= GAL_TEXT_GROUP_DOCS);
        FUZZ_ASSERT(docs->n == 1 || gal_stored_text_count(rec, len) == docs->n);
        for (uint32_t i = 0; i < docs->n; i++) {
            FUZZ_ASSERT(docs->off[i] + docs->len[i] <= out->len);
            FUZZ_ASSERT(docs->n == 1 || out->data[docs->off[i] + docs->len[i]] == '\n');
        }
    }
    return rc;
}

static void walk_block(const uint8_t *data, size_t len, uint32_t first, const ZSTD_DDict *dd)
{
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, data, len);
    gal_text_block b;
    gal_buf out;
    gal_buf_init(&out);
    if (gal_text_block_open(copy, len, first, &b) == 0) {
        const uint8_t *rec;
        size_t rlen;
        uint32_t doc, n;
        uint64_t expect = first;
        while (!gal_text_block_next(&b, &rec, &rlen, &doc, &n)) {
            FUZZ_ASSERT(rec >= copy && rec + rlen <= copy + len);
            FUZZ_ASSERT(doc == expect && n >= 1 && n <= GAL_TEXT_GROUP_DOCS);
            expect += n;
            gal_text_docs docs;
            decode_checked(rec, rlen, doc, dd, &out, &docs);
        }
    }
    gal_buf_release(&out);
    free(copy);
}

/* Mode 2: the texts cut at NULs, at most GAL_TEXT_GROUP_DOCS of them. */
static void round_trip(const uint8_t *body, size_t len, uint32_t first, int with_dict)
{
    if (first > UINT32_MAX - GAL_TEXT_GROUP_DOCS)
        first = 0;
    uint32_t lens[GAL_TEXT_GROUP_DOCS], m = 0;
    gal_buf joined, recs, block, out;
    gal_buf_init(&joined);
    gal_buf_init(&recs);
    gal_buf_init(&block);
    gal_buf_init(&out);
    size_t start = 0;
    for (size_t i = 0; i <= len && m < GAL_TEXT_GROUP_DOCS; i++)
        if (i == len || body[i] == 0) {
            lens[m++] = (uint32_t)(i - start);
            if (gal_buf_append(&joined, body + start, i - start) || gal_buf_append(&joined, "\n", 1))
                abort();
            start = i + 1;
        }
    const ZSTD_CDict *cd = with_dict ? cdict : NULL;
    size_t off[GAL_TEXT_GROUP_DOCS + 1];
    uint32_t nrec = 0, at = 0;
    int rc = m > 1 ? gal_stored_text_encode_group(cctx, cd, 3, joined.data, lens, m, first, &recs) : 1;
    FUZZ_ASSERT(rc == 0 || rc == 1);
    if (rc == 0) {
        off[nrec++] = 0;
    } else { /* one record each */
        for (uint32_t i = 0; i < m; i++) {
            off[nrec++] = recs.len;
            FUZZ_ASSERT(gal_stored_text_encode(cctx, cd, 3, joined.data + at, lens[i], first + i,
                                               &recs) == 0);
            at += lens[i] + 1;
        }
    }
    off[nrec] = recs.len;
    FUZZ_ASSERT(gal_text_block_build(&block, recs.data, off, nrec) == 0);
    gal_text_block b;
    FUZZ_ASSERT(gal_text_block_open(block.data, block.len, first, &b) == 0);
    const uint8_t *rec;
    size_t rlen;
    uint32_t doc, n, seen = 0;
    at = 0;
    while (!gal_text_block_next(&b, &rec, &rlen, &doc, &n)) {
        gal_text_docs docs;
        FUZZ_ASSERT(doc == first + seen);
        FUZZ_ASSERT(decode_checked(rec, rlen, doc, ddict, &out, &docs) == 0 && docs.n == n);
        for (uint32_t i = 0; i < n; i++, seen++) {
            FUZZ_ASSERT(seen < m && docs.len[i] == lens[seen]);
            FUZZ_ASSERT(!lens[seen] || !memcmp(out.data + docs.off[i], joined.data + at, lens[seen]));
            at += lens[seen] + 1;
        }
    }
    FUZZ_ASSERT(seen == m);
    gal_buf_release(&joined);
    gal_buf_release(&recs);
    gal_buf_release(&block);
    gal_buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_record_input in;
    if (!fuzz_record_input_of(data, size, &in))
        return 0;
    setup();
    const ZSTD_DDict *dd = in.mode & 4 ? ddict : NULL;
    if (in.mode % 3 == 0) {
        walk_block(in.body, in.len, in.first, dd);
    } else if (in.mode % 3 == 1) {
        gal_buf b, out;
        gal_buf_init(&b);
        gal_buf_init(&out);
        gal_text_docs docs;
        if (gal_buf_reserve(&b, in.len + GAL_RECORD_TRAILER) == 0 &&
            gal_buf_append(&b, in.body, in.len) == 0 &&
            gal_record_seal(&b, gal_record_doc_key(in.first)) == 0)
            decode_checked(b.data, b.len, in.first, dd, &out, &docs);
        gal_buf_release(&b);
        gal_buf_release(&out);
    } else {
        round_trip(in.body, in.len, in.first, in.mode & 4);
    }
    gal_error_clear();
    return 0;
}
