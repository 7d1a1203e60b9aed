/*
 * fuzz_chunk_block.c — libFuzzer target for the blocks of small terms'
 * chunks (chunk_blocks.h), as a seek, a walk of the postings table and
 * `galley verify` read them, and as the writer packs them.
 *
 * Input: byte 0 picks the mode, bytes 1-4 the block's batch and bytes 5-12
 * the hash of its last term (big-endian, as in the block's key), the rest
 * is the block record.
 *   mode % 3 == 0: the bytes as stored (the checksum must match: almost
 *                  always rejected, which is what corruption looks like)
 *   mode % 3 == 1: the bytes sealed with a correct checksum first, so the
 *                  entries' structure is what is fuzzed
 *   mode % 3 == 2: round trip: the bytes describe terms and their chunks,
 *                  which go through the packer (half the time modelling
 *                  LMDB's leaf pages, so ending blocks where a page ends)
 *                  and must come back, in key order, exactly
 * Properties: no memory error, no hang; the two ways of reading a block
 * (checksum first, or checksum when a chunk is parsed) see the same
 * entries, and a block whose checksum is wrong yields no chunk that
 * parses; every chunk read stays in its block, its key increasing and
 * within the block's; what parses decodes within its bounds.
 */
#include <string.h>

#include "buf.h"
#include "chunk_blocks.h"
#include "format.h"
#include "fuzz_chunk_check.h"
#include "fuzz_common.h"
#include "postings_codec.h"
#include "record.h"
#include "status.h"

#define HEAD_LEN 13 /* mode, batch, last hash */

/* Read the block key ‖ data[0, len) both ways and check what each sees. */
static void read_block(const uint8_t key[GAL_POSTINGS_KEY_LEN], const uint8_t *data, size_t len,
                       int sealed)
{
    static gal_chunk_rec seen[GAL_BLOCK_TERMS];
    uint32_t batch = gal_get_be32(key);
    uint64_t last = gal_get_be64(key + 4);
    gal_chunk_block checked, lazy;
    int open_rc = gal_chunk_block_open(&checked, key, data, len);
    FUZZ_ASSERT(!sealed || open_rc == 0);
    if (gal_chunk_block_start(&lazy, key, data, len)) {
        FUZZ_ASSERT(open_rc != 0);
        return;
    }
    uint32_t n = 0;
    int rc;
    gal_chunk_rec r;
    while ((rc = gal_chunk_block_next(&lazy, &r)) == 1) {
        FUZZ_ASSERT(n < GAL_BLOCK_TERMS);
        uint64_t hash = gal_get_be64(r.key + 4);
        uint32_t first = gal_get_be32(r.key + 12);
        FUZZ_ASSERT(gal_get_be32(r.key) == batch && hash <= last);
        FUZZ_ASSERT(n == 0 || hash > gal_get_be64(seen[n - 1].key + 4));
        FUZZ_ASSERT(first >= batch && first != GAL_BLOCK_DOC);
        FUZZ_ASSERT(r.in_block && r.data >= data && r.data + r.len <= data + len - 4);
        gal_chunk_view v;
        int parse_rc = gal_chunk_parse_rec(&r, &v, "fuzz");
        FUZZ_ASSERT(open_rc == 0 || parse_rc != 0); /* a bad checksum is caught */
        if (parse_rc == 0)
            fuzz_check_view(&v, first, r.data + r.len);
        seen[n++] = r;
    }
    FUZZ_ASSERT(rc == 0 || rc == GAL_ECORRUPT);
    FUZZ_ASSERT(rc != 0 || (n > 0 && gal_get_be64(seen[n - 1].key + 4) == last));
    if (open_rc)
        return;
    /* with the checksum checked first: the same entries, and the same end */
    uint32_t k = 0;
    int rc2;
    while ((rc2 = gal_chunk_block_next(&checked, &r)) == 1) {
        FUZZ_ASSERT(k < n && memcmp(r.key, seen[k].key, sizeof r.key) == 0 &&
                    r.data == seen[k].data && r.len == seen[k].len && r.block == NULL);
        k++;
    }
    FUZZ_ASSERT(k == n && rc2 == rc);
}

/* ---- round trip ---- */

#define MAX_PUTS 4096

typedef struct put_log {
    uint8_t key[MAX_PUTS][GAL_POSTINGS_KEY_LEN];
    gal_buf val[MAX_PUTS];
    size_t n;
} put_log;

static int log_put(void *ctx, const uint8_t key[GAL_POSTINGS_KEY_LEN], const void *val, size_t len)
{
    put_log *log = ctx;
    FUZZ_ASSERT(log->n < MAX_PUTS);
    memcpy(log->key[log->n], key, GAL_POSTINGS_KEY_LEN);
    gal_buf_clear(&log->val[log->n]);
    FUZZ_ASSERT(gal_buf_append(&log->val[log->n], val, len) == 0);
    log->n++;
    return 0;
}

/* One chunk of a term, as added to the packer. */
typedef struct added {
    uint8_t key[GAL_POSTINGS_KEY_LEN];
    size_t off, len; /* in the chunk bytes */
    int whole_term;
} added;

static size_t take(const uint8_t **p, const uint8_t *end)
{
    return *p < end ? *(*p)++ : 0;
}

/* Terms from the bytes: per term a hash step, how many chunks (one mostly,
 * so most are small and whole), and per chunk a few documents with their
 * tfs; positions follow from the bytes too. */
static void round_trip(uint32_t batch, const uint8_t *p, size_t len)
{
    /* half the time the packer models a leaf page, from a fuzzed fill, and
     * so ends blocks where it thinks a page ends */
    gal_leaf_fill fill = {batch & 1 ? 4096u : 0u, (batch >> 1) % 4081u, 0};
    static put_log log;
    static added add[MAX_PUTS];
    static uint32_t docs[8], tfs[8], pos[8 * 40];
    gal_buf chunks;
    gal_buf_init(&chunks);
    const uint8_t *end = p + len;
    batch %= 1u << 30;
    uint64_t hash = 0;
    size_t nadd = 0;
    uint32_t doc = batch;
    while (p < end && nadd + 4 <= MAX_PUTS) {
        size_t step = take(&p, end);
        if (step == 0xFF)
            batch += 1, doc = batch; /* the next batch: its hashes start over */
        hash = step == 0xFF ? take(&p, end) : hash + step + 1;
        size_t shape = take(&p, end);
        uint32_t nchunks = shape % 8 == 7 ? 2 + shape / 8 % 3 : 1;
        doc = batch + (uint32_t)(shape / 32);
        uint32_t term_docs = 0; /* the run's, for its last chunk's header */
        for (uint32_t c = 0; c < nchunks; c++) {
            uint32_t nd = 1 + (uint32_t)take(&p, end) % 8, np = 0;
            term_docs += nd;
            for (uint32_t i = 0; i < nd; i++) {
                doc += i || c ? 1 + (uint32_t)take(&p, end) : 0;
                docs[i] = doc;
                size_t t = take(&p, end);
                tfs[i] = 1 + (uint32_t)(t % 40);
                uint32_t at = (uint32_t)t;
                for (uint32_t j = 0; j < tfs[i]; j++, np++)
                    pos[np] = at += 1 + (uint32_t)take(&p, end) % 64;
            }
            uint8_t key[GAL_POSTINGS_KEY_LEN];
            gal_postings_key(key, batch, hash, docs[0]);
            added *a = &add[nadd++];
            memcpy(a->key, key, sizeof key);
            a->off = chunks.len;
            FUZZ_ASSERT(gal_chunk_encode(docs, tfs, pos, nd, c + 1 == nchunks ? term_docs : 0, key,
                                         &chunks) == 0);
            a->len = chunks.len - a->off;
            a->whole_term = nchunks == 1;
        }
    }
    gal_chunk_packer packer;
    gal_chunk_packer_init(&packer, log_put, &log);
    packer.fill = fill;
    log.n = 0;
    for (size_t i = 0; i < nadd; i++)
        FUZZ_ASSERT(gal_chunk_packer_add(&packer, add[i].key, chunks.data + add[i].off,
                                         add[i].len, add[i].whole_term) == 0);
    FUZZ_ASSERT(gal_chunk_packer_flush(&packer) == 0);
    gal_chunk_packer_release(&packer);

    /* the records in increasing key order (LMDB appends them), and in them
     * every chunk as added, the small whole terms' ones in blocks */
    size_t next = 0;
    for (size_t i = 0; i < log.n; i++) {
        const uint8_t *key = log.key[i];
        FUZZ_ASSERT(i == 0 || memcmp(log.key[i - 1], key, GAL_POSTINGS_KEY_LEN) < 0);
        const uint8_t *val = log.val[i].data;
        size_t vlen = log.val[i].len;
        if (!gal_postings_key_is_block(key)) {
            FUZZ_ASSERT(next < nadd && memcmp(key, add[next].key, GAL_POSTINGS_KEY_LEN) == 0);
            FUZZ_ASSERT(vlen == add[next].len &&
                        memcmp(val, chunks.data + add[next].off, vlen) == 0);
            FUZZ_ASSERT(!add[next].whole_term || vlen > GAL_SMALL_CHUNK_MAX);
            next++;
            continue;
        }
        FUZZ_ASSERT(vlen <= GAL_BLOCK_BYTES + GAL_RECORD_TRAILER);
        read_block(key, val, vlen, 1);
        gal_chunk_block b;
        FUZZ_ASSERT(gal_chunk_block_open(&b, key, val, vlen) == 0);
        gal_chunk_rec r;
        int rc;
        while ((rc = gal_chunk_block_next(&b, &r)) == 1) {
            const added *a = &add[next];
            FUZZ_ASSERT(next < nadd && memcmp(r.key, a->key, GAL_POSTINGS_KEY_LEN) == 0);
            FUZZ_ASSERT(a->whole_term && a->len <= GAL_SMALL_CHUNK_MAX);
            FUZZ_ASSERT(r.len == a->len - GAL_RECORD_TRAILER &&
                        memcmp(r.data, chunks.data + a->off, r.len) == 0);
            next++;
        }
        FUZZ_ASSERT(rc == 0);
    }
    FUZZ_ASSERT(next == nadd);
    gal_buf_release(&chunks);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < HEAD_LEN)
        return 0;
    uint8_t key[GAL_POSTINGS_KEY_LEN];
    gal_postings_key(key, gal_get_be32(data + 1), gal_get_be64(data + 5), GAL_BLOCK_DOC);
    const uint8_t *body = data + HEAD_LEN;
    size_t len = size - HEAD_LEN;
    if (data[0] % 3 == 0) {
        /* exact-size copy so a read past the record is caught */
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, body, len);
        read_block(key, copy, len, 0);
        free(copy);
    } else if (data[0] % 3 == 1) {
        gal_buf b;
        gal_buf_init(&b);
        if (gal_buf_append(&b, body, len) == 0 &&
            gal_record_seal(&b, gal_record_key(key, sizeof key)) == 0) {
            uint8_t *copy = malloc(b.len);
            memcpy(copy, b.data, b.len);
            read_block(key, copy, b.len, 1);
            free(copy);
        }
        gal_buf_release(&b);
    } else {
        round_trip(gal_get_be32(data + 1), body, len);
    }
    gal_error_clear();
    return 0;
}
