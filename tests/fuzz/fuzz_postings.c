/*
 * fuzz_postings.c — libFuzzer target for the postings chunk codec
 * (postings_codec.h), as the query side and `galley verify` use it.
 *
 * Input: byte 0 picks the mode, bytes 1-4 the chunk's first document
 * (big-endian), the rest is the chunk.
 *   mode & 3 == 0: the bytes as stored (the checksum must match: almost
 *                  always rejected, which is what corruption looks like)
 *   mode & 3 == 1: the bytes sealed with a correct checksum first, so the
 *                  structure checks behind the checksum are what is fuzzed
 *   mode & 3 >= 2: round trip: the bytes describe a valid postings list
 *                  that is encoded, parsed and decoded, and must come back
 *                  exactly
 * Properties: no memory error, no hang, no huge allocation; whatever parses
 * decodes within its bounds; a round trip is exact.
 */
#include <string.h>

#include "buf.h"
#include "format.h"
#include "fuzz_chunk_check.h"
#include "fuzz_common.h"
#include "postings_codec.h"
#include "record.h"
#include "status.h"
#include "verify.h"

static uint32_t docs[GAL_CHUNK_DOCS], tfs[GAL_CHUNK_DOCS];
static uint32_t positions[FUZZ_MAX_POSITIONS];

/* The LMDB key a chunk of the fuzz term starting at first would have. */
static void fuzz_key(uint8_t key[GAL_POSTINGS_KEY_LEN], uint32_t first)
{
    gal_postings_key(key, 0, 0x0123456789ABCDEFull, first);
}

static void decode_stored(const uint8_t *chunk, size_t len, uint32_t first)
{
    uint32_t n, span, run_docs;
    (void)gal_chunk_peek(chunk, len, &n, &span, &run_docs);
    gal_chunk_view v;
    uint8_t key[GAL_POSTINGS_KEY_LEN];
    fuzz_key(key, first);
    if (gal_chunk_parse(chunk, len, key, &v, "fuzz") == 0)
        fuzz_check_view(&v, first, chunk + len);
}

/* Build a valid postings list from the bytes, encode it, decode it. */
static void round_trip(const uint8_t *p, size_t len, uint32_t first)
{
    static uint32_t want_pos[FUZZ_MAX_POSITIONS];
    uint32_t nd = 0;
    size_t np = 0, i = 0;
    uint64_t doc = first;
    while (i + 2 <= len && nd < GAL_CHUNK_DOCS) {
        uint32_t gap = nd ? (uint32_t)p[i] + 1 : 0;
        if (p[i] == 0xFF && i + 5 <= len) /* now and then a large gap */
            gap = (uint32_t)p[i + 1] << 24 | (uint32_t)p[i + 2] << 16 | p[i + 3] | 1;
        if (doc + gap > UINT32_MAX)
            break;
        doc += gap;
        uint32_t tf = p[i + 1] % 17 + 1;
        if (np + tf > FUZZ_MAX_POSITIONS)
            break;
        i += 2;
        uint64_t pos = 0;
        for (uint32_t k = 0; k < tf; k++) {
            uint32_t step = i < len ? p[i++] : 1;
            if (step == 0xFE) /* now and then a far position */
                step = 1u << 28;
            pos += k ? step + 1 : step;
            if (pos > UINT32_MAX)
                pos = UINT32_MAX - (tf - k); /* stay increasing and in range */
            want_pos[np + k] = (uint32_t)pos;
        }
        for (uint32_t k = 1; k < tf; k++)
            if (want_pos[np + k] <= want_pos[np + k - 1])
                return; /* clamping broke the order: not a valid list */
        docs[nd] = (uint32_t)doc;
        tfs[nd] = tf;
        np += tf;
        nd++;
    }
    if (nd == 0)
        return;
    static uint32_t want_docs[GAL_CHUNK_DOCS], want_tfs[GAL_CHUNK_DOCS];
    memcpy(want_docs, docs, nd * sizeof *docs);
    memcpy(want_tfs, tfs, nd * sizeof *tfs);
    gal_buf out;
    gal_buf_init(&out);
    uint8_t key[GAL_POSTINGS_KEY_LEN];
    fuzz_key(key, want_docs[0]);
    uint32_t run_docs = want_docs[0] & 1 ? nd + want_docs[0] % 300 : 0;
    FUZZ_ASSERT(gal_chunk_encode(want_docs, want_tfs, want_pos, nd, run_docs, key, &out) == 0);
    gal_chunk_view v;
    FUZZ_ASSERT(gal_chunk_parse(out.data, out.len, key, &v, "fuzz") == 0);
    FUZZ_ASSERT(v.ndocs == nd && v.last_doc == want_docs[nd - 1] && v.run_docs == run_docs);
    FUZZ_ASSERT(gal_chunk_decode_docs(&v, docs, tfs, "fuzz") == 0);
    FUZZ_ASSERT(memcmp(docs, want_docs, nd * sizeof *docs) == 0);
    FUZZ_ASSERT(memcmp(tfs, want_tfs, nd * sizeof *tfs) == 0);
    FUZZ_ASSERT(gal_chunk_decode_positions(&v, tfs, positions, np, "fuzz") == 0);
    FUZZ_ASSERT(memcmp(positions, want_pos, np * sizeof *positions) == 0);
    uint64_t checked = 0;
    FUZZ_ASSERT(gal_chunk_check_positions(&v, tfs, NULL, &checked, "fuzz") == 0 && checked == np);
    gal_buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_record_input in;
    if (!fuzz_record_input_of(data, size, &in))
        return 0;
    if ((in.mode & 3) == 0) {
        /* exact-size copy so a read past the record is caught */
        uint8_t *copy = malloc(in.len ? in.len : 1);
        memcpy(copy, in.body, in.len);
        decode_stored(copy, in.len, in.first);
        free(copy);
    } else if ((in.mode & 3) == 1) {
        gal_buf b;
        gal_buf_init(&b);
        uint8_t key[GAL_POSTINGS_KEY_LEN];
        fuzz_key(key, in.first);
        if (gal_buf_reserve(&b, in.len + 4) == 0 && gal_buf_append(&b, in.body, in.len) == 0 &&
            gal_record_seal(&b, gal_record_key(key, sizeof key)) == 0) {
            uint8_t *copy = malloc(b.len);
            memcpy(copy, b.data, b.len);
            decode_stored(copy, b.len, in.first);
            free(copy);
        }
        gal_buf_release(&b);
    } else {
        round_trip(in.body, in.len, in.first % (1u << 31));
    }
    gal_error_clear();
    return 0;
}
