/*
 * test_index_format.c — the index format end to end, below the CLI: codec
 * round trips, document records, dates, and an index built from generated
 * documents whose postings are checked against the reference tokenizer's
 * own output, token by token.
 */
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lmdb.h>

#include "alloc.h"
#include "batch_table.h"
#include "crc32c.h"
#include "check.h"
#include "doc_record.h"
#include "hash_blocks.h"
#include "id_table.h"
#include "index.h"
#include "index_build.h"
#include "pfor.h"
#include "pfor_simd.h"
#include "postings_codec.h"
#include "record.h"
#include "stored_text.h"
#include "status.h"
#include "terms.h"
#include "tokenize.h"
#include "varint.h"
#include "verify.h"

static void test_codec(unsigned seed)
{
    srand(seed);
    uint32_t docs[100], tfs[100], pos[2000];
    uint32_t d = 1000 + (uint32_t)(rand() % 50), np = 0;
    for (int i = 0; i < 100; i++) {
        docs[i] = d;
        d += 1 + (uint32_t)(rand() % 300);
        tfs[i] = 1 + (uint32_t)(rand() % 15);
        uint32_t p = (uint32_t)(rand() % 5);
        for (uint32_t k = 0; k < tfs[i]; k++) {
            pos[np++] = p;
            p += 1 + (uint32_t)(rand() % 400);
        }
    }
    gal_buf b;
    gal_buf_init(&b);
    uint8_t key[GAL_POSTINGS_KEY_LEN];
    gal_postings_key(key, 0, 42, docs[0]);
    CHECK(gal_chunk_encode(docs, tfs, pos, 100, 300, key, &b) == 0);
    gal_chunk_view v;
    CHECK(gal_chunk_parse(b.data, b.len, key, &v, "test") == 0 && v.run_docs == 300);
    uint32_t d2[128], t2[128];
    CHECK(gal_chunk_decode_docs(&v, d2, t2, "test") == 0);
    CHECK(memcmp(d2, docs, sizeof docs) == 0 && memcmp(t2, tfs, sizeof tfs) == 0);
    CHECK_EQ_U64(v.last_doc, docs[99]);
    /* every single flipped bit is caught by the checksum, in the record and
     * in its key */
    int caught = 0;
    for (size_t i = 0; i < b.len; i++) {
        b.data[i] ^= 0x10;
        caught += gal_chunk_parse(b.data, b.len, key, &v, "test") == GAL_ECORRUPT;
        b.data[i] ^= 0x10;
    }
    CHECK_EQ_U64(caught, b.len);
    caught = 0;
    for (size_t i = 0; i < sizeof key; i++) {
        key[i] ^= 0x01;
        caught += gal_chunk_parse(b.data, b.len, key, &v, "test") == GAL_ECORRUPT;
        key[i] ^= 0x01;
    }
    CHECK_EQ_U64(caught, sizeof key);
    gal_buf_release(&b);
}

/* Values spread like gaps between positions: geometric around mean, with
 * now and then one far larger. */
static uint32_t gap_like(double mean)
{
    double u = (rand() + 1.0) / ((double)RAND_MAX + 2.0);
    double x = -mean * log(u);
    if (rand() % 100 == 0)
        x *= 50;
    return x >= 4294967295.0 ? 0xFFFFFFFFu : (uint32_t)x;
}

static void test_pfor(unsigned seed)
{
    srand(seed);
    static uint32_t v[5000], w[5000];
    static uint8_t buf[5000 * 4 + 64];
    /* with AVX2 unpacking where the CPU has it, then without: the same
     * values both ways (small blocks too, which unpack mostly from their
     * last bytes' padded copy) */
    for (int round = 0; round < 400; round++) {
        if (round % 200 == 0)
            gal_pfor_simd_enable(round == 0);
        size_t n = (size_t)(round % 4 == 0 ? rand() % 40 : rand() % 5000);
        unsigned width = (unsigned)(rand() % 33);
        for (size_t i = 0; i < n; i++) {
            uint64_t x = ((uint64_t)rand() << 31) ^ (uint64_t)rand();
            v[i] = width == 32 ? (uint32_t)x : (uint32_t)(x & ((1ull << width) - 1));
            if (rand() % 50 == 0)
                v[i] = rand() % 2 ? 0xFFFFFFFFu : (uint32_t)x; /* outliers */
        }
        size_t len = gal_pfor_encode(v, n, NULL, buf);
        CHECK(len <= gal_pfor_bound(n));
        const uint8_t *p = buf;
        CHECK(gal_pfor_decode(&p, buf + len, n, w) == 0 && p == buf + len);
        CHECK(n == 0 || memcmp(v, w, n * sizeof *v) == 0);
        /* any range alone decodes to the same values */
        for (int r = 0; r < 8 && n > 0; r++) {
            size_t from = (size_t)rand() % n, count = (size_t)rand() % (n - from + 1);
            memset(w, 0xA5, sizeof w);
            CHECK(gal_pfor_decode_range(buf, buf + len, n, from, count, w) == 0);
            CHECK(count == 0 || memcmp(v + from, w, count * sizeof *v) == 0);
            CHECK(w[count] == 0xA5A5A5A5u); /* nothing written past the range */
        }
        CHECK(gal_pfor_decode_range(buf, buf + len, n, n, 1, w) != 0); /* past the block */
        /* cut short: an error, never a read past the end */
        p = buf;
        if (len > 1)
            CHECK(gal_pfor_decode(&p, buf + len - 1, n, w) != 0 || n == 0);
    }
    gal_pfor_simd_enable(1);
}

/* Encode a chunk, decode it back, and compare; returns 0 when the chunk
 * used the plain body, 1 the packed one, 2 the packed one with its
 * positions in a Rice block.  The encoding is appended to b, after
 * whatever b held. */
static int codec_round_trip(const uint32_t *docs, const uint32_t *tfs, const uint32_t *pos,
                            uint32_t ndocs, gal_buf *b, size_t *start)
{
    uint8_t key[GAL_POSTINGS_KEY_LEN];
    gal_postings_key(key, 7, 0xFEEDull, docs[0]);
    *start = b->len;
    /* every third chunk ends a run: of itself or of a few more documents */
    uint32_t run_docs = docs[0] % 3 ? 0 : ndocs + docs[0] % 1000;
    CHECK(gal_chunk_encode(docs, tfs, pos, ndocs, run_docs, key, b) == 0);
    const uint8_t *rec = b->data + *start;
    size_t len = b->len - *start, npos = 0;
    for (uint32_t i = 0; i < ndocs; i++)
        npos += tfs[i];
    /* the builder's way in, the sections' values derived by the caller:
     * the same bytes */
    static uint32_t dv[GAL_CHUNK_DOCS], tv[GAL_CHUNK_DOCS], pv[4096];
    for (uint32_t i = 0, k = 0; i < ndocs; i++) {
        if (i)
            dv[i - 1] = docs[i] - docs[i - 1] - 1;
        tv[i] = tfs[i] - 1;
        for (uint32_t j = 0; j < tfs[i]; j++, k++)
            pv[k] = j ? pos[k] - pos[k - 1] - 1 : pos[k];
    }
    gal_buf same;
    gal_buf_init(&same);
    CHECK(gal_chunk_encode_values(dv, tv, pv, ndocs, npos, docs[ndocs - 1] - docs[0], run_docs,
                                  key, &same) == 0);
    CHECK(same.len == len && memcmp(same.data, rec, len) == 0);
    gal_buf_release(&same);
    gal_chunk_view v;
    static uint32_t d2[GAL_CHUNK_DOCS], t2[GAL_CHUNK_DOCS], p2[4096];
    CHECK(gal_chunk_parse(rec, len, key, &v, "test") == 0);
    CHECK_EQ_U64(v.ndocs, ndocs);
    CHECK_EQ_U64(v.run_docs, run_docs);
    CHECK_EQ_U64(v.last_doc, docs[ndocs - 1]);
    uint32_t pn, pspan, prun;
    CHECK(gal_chunk_peek(rec, len, &pn, &pspan, &prun) == 0 && pn == ndocs &&
          pspan == docs[ndocs - 1] - docs[0] && prun == run_docs);
    CHECK(gal_chunk_decode_docs(&v, d2, t2, "test") == 0);
    CHECK(memcmp(d2, docs, ndocs * sizeof *docs) == 0 && memcmp(t2, tfs, ndocs * sizeof *tfs) == 0);
    CHECK(gal_chunk_decode_positions(&v, t2, p2, npos, "test") == 0);
    CHECK(memcmp(p2, pos, npos * sizeof *pos) == 0);
    /* and each document's run alone */
    size_t at = 0;
    for (uint32_t i = 0; i < ndocs; at += tfs[i++]) {
        memset(p2, 0, npos * sizeof *p2);
        CHECK(gal_chunk_decode_run(&v, at, tfs[i], npos, p2, "test") == 0);
        CHECK(memcmp(p2, pos + at, tfs[i] * sizeof *pos) == 0);
    }
    return v.packed ? 1 + (v.pos[0] >= GAL_PFOR_RICE_TAG && v.pos[0] < 64) : 0;
}

/* Whatever the damage behind a valid checksum (cut short, a byte more, a
 * byte changed), parsing or decoding reports corruption and reads nothing
 * outside the record. */
static void check_damage_caught(const uint8_t *rec, size_t len, uint32_t first_doc)
{
    uint8_t key[GAL_POSTINGS_KEY_LEN];
    gal_postings_key(key, 7, 0xFEEDull, first_doc);
    uint32_t crc_key = gal_record_key(key, sizeof key);
    size_t payload = len - GAL_RECORD_TRAILER;
    for (size_t cut = 0; cut <= payload + 1; cut++) {
        for (int how = 0; how < 3; how++) {
            gal_buf b;
            gal_buf_init(&b);
            if (how == 0 && cut == payload + 1) { /* one byte more */
                CHECK(gal_buf_append(&b, rec, payload) == 0 && gal_buf_push(&b, 0) == 0);
            } else if (how == 0) { /* cut short */
                if (cut == payload)
                    continue;
                CHECK(gal_buf_append(&b, rec, cut) == 0);
            } else { /* one byte changed */
                if (cut >= payload)
                    continue;
                CHECK(gal_buf_append(&b, rec, payload) == 0);
                b.data[cut] ^= how == 1 ? 0x01 : 0x80;
            }
            CHECK(gal_record_seal(&b, crc_key) == 0);
            /* an exact-size copy, so that a read past the end is a
             * sanitizer error */
            uint8_t *copy = gal_malloc(b.len);
            memcpy(copy, b.data, b.len);
            gal_chunk_view v;
            uint32_t d[GAL_CHUNK_DOCS], t[GAL_CHUNK_DOCS];
            static uint32_t p[1 << 16];
            uint32_t pn, pspan, prun;
            (void)gal_chunk_peek(copy, b.len, &pn, &pspan, &prun);
            int rc = gal_chunk_parse(copy, b.len, key, &v, "test");
            if (rc == 0) /* readers refuse oversized chunks before decoding */
                rc = v.ndocs <= GAL_CHUNK_DOCS ? gal_chunk_decode_docs(&v, d, t, "test")
                                               : GAL_ECORRUPT;
            if (rc == 0) {
                uint64_t npos = 0;
                for (uint32_t i = 0; i < v.ndocs; i++)
                    npos += t[i];
                rc = npos <= sizeof p / sizeof *p
                         ? gal_chunk_decode_positions(&v, t, p, (size_t)npos, "test")
                         : GAL_ECORRUPT;
                /* one document's run reads less, and may miss the damage,
                 * but never reads outside the record either */
                uint64_t at = 0;
                for (uint32_t i = 0; i < v.ndocs && npos <= sizeof p / sizeof *p; at += t[i++])
                    (void)gal_chunk_decode_run(&v, (size_t)at, t[i], (size_t)npos, p, "test");
            }
            /* a changed value may still be a valid chunk (another gap, another
             * position); a changed length or count never is */
            if (how == 0)
                CHECK(rc == GAL_ECORRUPT);
            else
                CHECK(rc == 0 || rc == GAL_ECORRUPT);
            gal_free(copy);
            gal_buf_release(&b);
        }
    }
}

/* The two chunk bodies: small chunks take plain varints, large ones packed
 * blocks, each round-trips at the edges of what it holds, and damage to
 * either is caught. */
static void test_codec_layouts(unsigned seed)
{
    srand(seed);
    static uint32_t docs[GAL_CHUNK_DOCS], tfs[GAL_CHUNK_DOCS], pos[4096];
    gal_buf b;
    gal_buf_init(&b);
    size_t start;

    /* the commonest chunk: one document, one position */
    docs[0] = 5;
    tfs[0] = 1;
    pos[0] = 3;
    CHECK(codec_round_trip(docs, tfs, pos, 1, &b, &start) == 0);
    CHECK(b.len - start <= 3 + GAL_RECORD_TRAILER);
    check_damage_caught(b.data + start, b.len - start, docs[0]);

    /* extremes: the last document numbers, the largest positions */
    docs[0] = UINT32_MAX - 2;
    docs[1] = UINT32_MAX;
    tfs[0] = 2;
    tfs[1] = 1;
    pos[0] = 0;
    pos[1] = UINT32_MAX;
    pos[2] = UINT32_MAX;
    codec_round_trip(docs, tfs, pos, 2, &b, &start);
    check_damage_caught(b.data + start, b.len - start, docs[0]);

    /* both bodies, chunks appended one after another into one buffer */
    int seen[3] = {0, 0, 0};
    gal_buf_clear(&b);
    for (int round = 0; round < 300; round++) {
        uint32_t ndocs = 1 + (uint32_t)(rand() % (round < 150 ? 24 : GAL_CHUNK_DOCS));
        uint32_t d = (uint32_t)(rand() % 1000), np = 0;
        unsigned gap_bits = (unsigned)(rand() % 20), pos_bits = 1 + (unsigned)(rand() % 16);
        for (uint32_t i = 0; i < ndocs; i++) {
            docs[i] = d;
            d += 1 + (uint32_t)(rand() & ((1u << gap_bits) - 1));
            tfs[i] = 1 + (uint32_t)(rand() % (rand() % 4 ? 2 : 30));
            uint32_t p = (uint32_t)(rand() % 50);
            for (uint32_t k = 0; k < tfs[i]; k++) {
                pos[np++] = p;
                /* every other round, gaps spread as in text (Rice blocks) */
                p += 1 + (round % 2 ? gap_like((double)(1u << pos_bits) / 8)
                                    : (uint32_t)(rand() & ((1u << pos_bits) - 1)));
            }
        }
        size_t before = b.len;
        seen[codec_round_trip(docs, tfs, pos, ndocs, &b, &start)]++;
        CHECK_EQ_U64(start, before);
        if (round % 15 == 0) /* both kinds of positions */
            check_damage_caught(b.data + start, b.len - start, docs[0]);
    }
    CHECK(seen[0] > 0 && seen[1] > 0 && seen[2] > 0);
    gal_buf_release(&b);
}

/* pfor at the block sizes where exception gaps change varint length, and a
 * plan's size is the encoded size up to 128 values. */
static void test_pfor_edges(void)
{
    static uint32_t v[1000], w[1000];
    static uint8_t buf[1000 * 4 + 64];
    size_t sizes[] = {0, 1, 2, 127, 128, 129, 1000};
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        size_t n = sizes[si];
        for (int kind = 0; kind < 4; kind++) {
            for (size_t i = 0; i < n; i++)
                v[i] = kind == 0   ? 0
                       : kind == 1 ? UINT32_MAX
                       : kind == 2 ? (uint32_t)(i % 7) | (i % 200 == 199 ? 1u << 31 : 0)
                                   : (uint32_t)(i * 2654435761u) >> (i % 32);
            gal_pfor_plan plan;
            gal_pfor_plan_of(v, n, &plan);
            size_t len = gal_pfor_encode(v, n, &plan, buf);
            CHECK(len <= gal_pfor_bound(n));
            if (n <= 128)
                CHECK_EQ_U64(len, plan.size);
            const uint8_t *p = buf;
            CHECK(gal_pfor_decode(&p, buf + len, n, w) == 0 && p == buf + len);
            CHECK(n == 0 || memcmp(v, w, n * sizeof *v) == 0);
        }
    }
}

/* Rice blocks: chosen for gap-like values (and never for a block the bit
 * packing codes as small), sized exactly by their plan, decoded whole and
 * by any range; then blocks that are malformed in each way a Rice block
 * can be, refused. */
static void test_pfor_rice(unsigned seed)
{
    srand(seed);
    static uint32_t v[4000], w[4001];
    static uint8_t buf[4000 * 4 + 64];
    const double means[] = {0.3, 1, 3, 20, 300, 5000, 1e6, 1e9};
    size_t rice_blocks = 0, packed_blocks = 0;
    for (int round = 0; round < 320; round++) {
        if (round % 160 == 0)
            gal_pfor_simd_enable(round == 0);
        size_t n = 1 + (size_t)(round % 3 == 0 ? rand() % 20 : rand() % 4000);
        double mean = means[rand() % (int)(sizeof means / sizeof *means)];
        for (size_t i = 0; i < n; i++)
            v[i] = gap_like(mean);
        gal_pfor_plan plan;
        gal_pfor_plan_of(v, n, &plan);
        size_t packed_size = plan.size;
        gal_pfor_plan_rice(v, n, &plan);
        CHECK(plan.size <= packed_size);
        size_t len = gal_pfor_encode(v, n, &plan, buf);
        CHECK(len <= gal_pfor_bound(n));
        if (plan.rice) {
            rice_blocks++;
            CHECK_EQ_U64(len, plan.size); /* exact at any length */
            CHECK(buf[0] == GAL_PFOR_RICE_TAG + plan.width);
        } else {
            packed_blocks++;
        }
        const uint8_t *p = buf;
        CHECK(gal_pfor_decode(&p, buf + len, n, w) == 0 && p == buf + len);
        CHECK(memcmp(v, w, n * sizeof *v) == 0);
        for (int r = 0; r < 12; r++) {
            size_t from = r == 0 ? 0 : (size_t)rand() % n;
            size_t count = r == 1 ? n - from : (size_t)rand() % (n - from + 1);
            memset(w, 0xA5, sizeof w);
            CHECK(gal_pfor_decode_range(buf, buf + len, n, from, count, w) == 0);
            CHECK(count == 0 || memcmp(v + from, w, count * sizeof *v) == 0);
            CHECK(w[count] == 0xA5A5A5A5u);
        }
        /* cut short */
        p = buf;
        CHECK(gal_pfor_decode(&p, buf + len - 1, n, w) != 0);
        if (plan.rice) {
            /* one more value asked for than the block holds */
            p = buf;
            CHECK(gal_pfor_decode(&p, buf + len, n + 1, w) != 0);
            /* a set padding bit after the last code */
            size_t bits = 0;
            for (size_t i = 0; i < n; i++)
                bits += (v[i] >> plan.width) + 1;
            if (bits % 8) {
                buf[len - 1] |= (uint8_t)(0x80);
                p = buf;
                CHECK(gal_pfor_decode(&p, buf + len, n, w) != 0);
            }
        }
    }
    gal_pfor_simd_enable(1);
    CHECK(rice_blocks > 50 && packed_blocks > 20);

    /* a handful of values the bit packing codes in a byte or two stay packed */
    const uint32_t small[] = {0, 0, 0, 0, 0, 0};
    gal_pfor_plan plan;
    gal_pfor_plan_of(small, 6, &plan);
    gal_pfor_plan_rice(small, 6, &plan);
    CHECK(!plan.rice && plan.size == 1);

    /* hand-made blocks of k = 30: a high part of 3 is the largest that fits */
    uint8_t blk[8] = {GAL_PFOR_RICE_TAG + 30, 0xFF, 0xFF, 0xFF, 0x3F, 0x08};
    const uint8_t *q = blk;
    CHECK(gal_pfor_decode(&q, blk + 6, 1, w) == 0 && q == blk + 6 && w[0] == 0xFFFFFFFFu);
    blk[5] = 0x10; /* four 0 bits: a value past 32 bits */
    q = blk;
    CHECK(gal_pfor_decode(&q, blk + 6, 1, w) != 0);
    CHECK(gal_pfor_decode_range(blk, blk + 6, 1, 0, 1, w) != 0);
    blk[5] = 0x00; /* no end to the unary code */
    q = blk;
    CHECK(gal_pfor_decode(&q, blk + 6, 1, w) != 0);
    /* a Rice tag with exceptions is no header */
    uint8_t exc[4] = {0x40 | (GAL_PFOR_RICE_TAG + 1), 0x00, 0x01, 0x01};
    q = exc;
    CHECK(gal_pfor_decode(&q, exc + 4, 2, w) != 0);
}

/* CRC-32C: the standard check value, the table and the hardware path agree
 * at every length and alignment, and a CRC continues across pieces. */
static void test_crc32c(unsigned seed)
{
    CHECK_EQ_U64(gal_crc32c(0, "123456789", 9), 0xE3069283u);
    CHECK_EQ_U64(gal_crc32c_sw(0, "123456789", 9), 0xE3069283u);
    CHECK_EQ_U64(gal_crc32c(0, "", 0), 0);
    uint8_t buf[3000]; /* past three hardware streams of 128 bytes, with tails */
    srand(seed);
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)rand();
    for (size_t off = 0; off < 8; off++)
        for (size_t len = 0; len + off <= sizeof buf; len += 7) {
            uint32_t whole = gal_crc32c(0, buf + off, len);
            CHECK(whole == gal_crc32c_sw(0, buf + off, len));
            size_t cut = len / 3;
            CHECK(whole == gal_crc32c(gal_crc32c(0, buf + off, cut), buf + off + cut, len - cut));
        }
}

/* A random string for a document block: empty, sharing a random prefix
 * with prev, or any bytes (NUL too), up to 3,000 of them. */
static size_t random_field(char *out, const char *prev, size_t prev_len)
{
    size_t len = rand() % 4 == 0 ? 0 : (size_t)rand() % (rand() % 8 ? 24 : 3000);
    size_t shared = prev_len && rand() % 2 ? (size_t)rand() % (prev_len + 1) : 0;
    if (shared > len)
        len = shared;
    memcpy(out, prev, shared);
    for (size_t i = shared; i < len; i++)
        out[i] = (char)(rand() % 3 ? 'a' + rand() % 26 : rand());
    return len;
}

static int same_fields(const gal_doc_fields *a, const gal_doc_fields *b)
{
    return a->id_len == b->id_len && !memcmp(a->id, b->id, a->id_len) &&
           a->title_len == b->title_len && a->date_len == b->date_len &&
           !memcmp(a->date, b->date, a->date_len) && a->file_no == b->file_no &&
           a->url_len == b->url_len && !memcmp(a->url, b->url, a->url_len);
}

/* Open a document block and decode every entry, as verify does. */
static int read_block(const void *data, size_t len, uint32_t first, gal_doc_block *db)
{
    const gal_doc_fields *f;
    int rc = gal_doc_block_open(data, len, first, db);
    return rc ? rc : gal_doc_block_get(db, db->n - 1, &f);
}

/* Re-seal a block's payload (all but its trailer) after editing it. */
static void reseal(gal_buf *b, uint32_t first_doc)
{
    b->len -= GAL_RECORD_TRAILER;
    CHECK(gal_record_seal(b, gal_record_doc_key(first_doc)) == 0);
}

/* Document blocks: random fields read back, the front coding shares what
 * consecutive records share, any flipped byte or wrong key is caught, and
 * a payload that is malformed under a good checksum is reported too. */
static void test_doc_blocks(unsigned seed)
{
    srand(seed);
    static char strings[GAL_DOC_BLOCK_DOCS][3][3000];
    gal_doc_fields f[GAL_DOC_BLOCK_DOCS];
    gal_doc_block db;
    gal_doc_block_init(&db);
    gal_buf b, copy;
    gal_buf_init(&b);
    gal_buf_init(&copy);
    for (int round = 0; round < 40; round++) {
        uint32_t n = round == 0 ? GAL_DOC_BLOCK_DOCS : 1 + (uint32_t)rand() % GAL_DOC_BLOCK_DOCS;
        uint32_t first = round == 1 ? UINT32_MAX - n + 1 : (uint32_t)rand();
        for (uint32_t i = 0; i < n; i++) {
            const gal_doc_fields *p = i ? &f[i - 1] : NULL;
            size_t id = random_field(strings[i][0], p ? p->id : "", p ? p->id_len : 0);
            size_t date = random_field(strings[i][1], p ? p->date : "", p ? p->date_len : 0);
            size_t url = random_field(strings[i][2], p ? p->url : "", p ? p->url_len : 0);
            f[i] = (gal_doc_fields){strings[i][0], id, rand() % 5 ? (size_t)rand() % 300 : UINT32_MAX,
                                    strings[i][1], date, (uint32_t)rand() % 4 * 1000003u,
                                    strings[i][2], url};
        }
        gal_buf_clear(&b);
        gal_buf_append(&b, "xx", 2); /* blocks append to what is there */
        CHECK(gal_doc_block_encode(f, n, first, &b) == 0);
        /* entries asked for out of order, each from a block opened afresh
         * or from the one open, where earlier ones were decoded */
        int same = 1;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t i = (uint32_t)rand() % n;
            const gal_doc_fields *g;
            if (k % 3 == 0)
                CHECK(gal_doc_block_open(b.data + 2, b.len - 2, first, &db) == 0);
            CHECK(gal_doc_block_get(&db, i, &g) == 0);
            same &= same_fields(&f[i], g);
        }
        CHECK(read_block(b.data + 2, b.len - 2, first, &db) == 0);
        CHECK(db.first_doc == first && db.n == n);
        for (uint32_t i = 0; i < n && i < db.n; i++) {
            const gal_doc_fields *g;
            CHECK(gal_doc_block_get(&db, i, &g) == 0);
            same &= same_fields(&f[i], g);
        }
        CHECK(same);
        CHECK(read_block(b.data + 2, b.len - 2, first + 1, &db) == GAL_ECORRUPT &&
              db.n == 0); /* the wrong key */
        /* every byte, flipped in turn, or a cut, fails the checksum */
        int caught = 1;
        size_t len = b.len - 2;
        for (size_t at = 0; at < len; at += 1 + len / 200) {
            gal_buf_clear(&copy);
            gal_buf_append(&copy, b.data + 2, len);
            copy.data[at] ^= (uint8_t)(1u << (rand() % 8));
            caught &= read_block(copy.data, len, first, &db) == GAL_ECORRUPT;
        }
        caught &= read_block(b.data + 2, len - 1, first, &db) == GAL_ECORRUPT;
        CHECK(caught);
    }

    /* consecutive ids and dates of an archive: little more than their
     * last digits each */
    char ids[GAL_DOC_BLOCK_DOCS][16], dates[GAL_DOC_BLOCK_DOCS][24];
    size_t strings_len = 0;
    for (uint32_t i = 0; i < GAL_DOC_BLOCK_DOCS; i++) {
        snprintf(ids[i], sizeof ids[i], "gen-7-%u", 104000 + i);
        snprintf(dates[i], sizeof dates[i], "1987-03-%02uT10:%02u:00", 1 + i / 32, i % 60);
        f[i] = (gal_doc_fields){ids[i], strlen(ids[i]), 40, dates[i], strlen(dates[i]), 2, "", 0};
        strings_len += f[i].id_len + f[i].date_len;
    }
    gal_buf_clear(&b);
    CHECK(gal_doc_block_encode(f, GAL_DOC_BLOCK_DOCS, 104000, &b) == 0);
    CHECK(b.len * 2 < strings_len); /* 453 bytes for 992 of ids and dates */
    const gal_doc_fields *g = NULL;
    CHECK(gal_doc_block_open(b.data, b.len, 104000, &db) == 0 && db.n == GAL_DOC_BLOCK_DOCS &&
          gal_doc_block_get(&db, 27, &g) == 0 && same_fields(&f[27], g));
    CHECK(gal_doc_block_encode(f, 0, 5, &b) == GAL_EUSAGE);
    CHECK(gal_doc_block_encode(f, GAL_DOC_BLOCK_DOCS + 1, 5, &b) == GAL_EUSAGE);
    CHECK(gal_doc_block_encode(f, 2, UINT32_MAX, &b) == GAL_EUSAGE); /* past the last number */

    /* malformed under a good checksum: each named as a docs block.  One
     * entry is id (shared, rest, bytes), title length, date (shared, rest),
     * file, url (shared, rest). */
#define ONE "\x00\x01x\x05\x00\x00\x00\x00\x00"
#define BAD(s) {s, sizeof s - 1}
    static const struct {
        const char *payload;
        size_t len;
    } bad[] = {
        BAD("\x00"),                                      /* no documents */
        BAD("\x21"),                                      /* 33 documents */
        BAD("\x01" ONE "\x00"),                           /* a stray byte after it */
        BAD("\x01\x01\x01x\x05\x00\x00\x00\x00\x00"),     /* shares a byte with nothing */
        BAD("\x01\x00\x09x\x05\x00\x00\x00\x00\x00"),     /* its rest runs past the end */
        BAD("\x02" ONE "\x02\x01y\x00\x00\x00\x00\x00\x00"), /* shares 2 bytes of 1 */
        BAD("\x01\x00\x01x"),                             /* cut after the id */
        BAD("\x02" ONE),                                  /* one entry of two */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        gal_buf_clear(&copy);
        gal_buf_append(&copy, bad[i].payload, bad[i].len);
        gal_buf_append(&copy, "\0\0\0\0", 4);
        reseal(&copy, 9);
        int rc = read_block(copy.data, copy.len, 9, &db);
        CHECK(rc == GAL_ECORRUPT && db.n == 0 &&
              strstr(gal_error_detail(rc), "docs block at doc 9") != NULL);
    }
    /* the well-formed neighbour of those, to show they fail for their flaw */
    static const char good[] = "\x02" ONE "\x01\x01y\x00\x00\x00\x00\x00\x00";
    gal_buf_clear(&copy);
    gal_buf_append(&copy, good, sizeof good - 1);
    gal_buf_append(&copy, "\0\0\0\0", 4);
    reseal(&copy, 9);
    CHECK(read_block(copy.data, copy.len, 9, &db) == 0 && db.n == 2 &&
          gal_doc_block_get(&db, 1, &g) == 0 && g->id_len == 2 && !memcmp(g->id, "xy", 2) &&
          gal_doc_block_get(&db, 0, &g) == 0 && g->title_len == 5);
    CHECK(gal_doc_block_get(&db, 2, &g) == GAL_EUSAGE && db.n == 2); /* past its end */
    /* a stray byte after the last entry is found when that entry is read */
    gal_buf_clear(&copy);
    gal_buf_append(&copy, "\x02" ONE ONE "\x00", 20);
    gal_buf_append(&copy, "\0\0\0\0", 4);
    reseal(&copy, 9);
    CHECK(gal_doc_block_open(copy.data, copy.len, 9, &db) == 0 &&
          gal_doc_block_get(&db, 0, &g) == 0 && gal_doc_block_get(&db, 1, &g) == GAL_ECORRUPT &&
          db.n == 0);
#undef BAD
#undef ONE
    gal_buf_release(&b);
    gal_buf_release(&copy);
    gal_doc_block_release(&db);

}

/* Where entry d of slice k of a docstats record is, and how wide it is. */
static size_t docstats_entry_at(const uint8_t *rec, uint32_t n, unsigned k, uint32_t d,
                                unsigned *width)
{
    static const unsigned wide[GAL_DOCSTATS_SLICES] = {4, 4, 8};
    int narrow = (rec[3] & 0x80) != 0;
    size_t at = narrow ? GAL_DOCSTATS_NARROW_HEAD : 4;
    for (unsigned j = 0; j < k; j++)
        at += (size_t)n * (narrow ? rec[4 + j] : wide[j]);
    *width = narrow ? rec[4 + k] : wide[k];
    return at + (size_t)d * *width;
}

/* A docstats record in the wide layout of formats up to 8, as their
 * writers made it: what readers of this format must still take. */
static void wide_docstats(const uint32_t *tokens, const uint32_t *titles, const int64_t *dates,
                          uint32_t n, uint32_t first, gal_buf *out)
{
    gal_buf_clear(out);
    uint8_t v[8];
    gal_put_le32(v, n);
    CHECK(gal_buf_append(out, v, 4) == 0);
    for (uint32_t i = 0; i < n; i++) {
        gal_put_le32(v, tokens[i]);
        CHECK(gal_buf_append(out, v, 4) == 0);
    }
    for (uint32_t i = 0; i < n; i++) {
        gal_put_le32(v, titles[i]);
        CHECK(gal_buf_append(out, v, 4) == 0);
    }
    for (uint32_t i = 0; i < n; i++) {
        gal_put_le64(v, (uint64_t)dates[i]);
        CHECK(gal_buf_append(out, v, 8) == 0);
    }
    static const unsigned width[GAL_DOCSTATS_SLICES] = {4, 4, 8};
    for (uint32_t lo = 0; lo < n; lo += GAL_DOCSTATS_BLOCK)
        for (unsigned k = 0; k < GAL_DOCSTATS_SLICES; k++) {
            uint8_t tag[5];
            gal_put_le32(tag, first + lo);
            tag[4] = (uint8_t)k;
            uint32_t count = n - lo < GAL_DOCSTATS_BLOCK ? n - lo : GAL_DOCSTATS_BLOCK;
            size_t at = 4 + (size_t)n * (k == 0 ? 0 : k == 1 ? 4 : 8) + (size_t)lo * width[k];
            gal_put_le32(v, gal_crc32c(gal_crc32c(0, tag, 5), out->data + at,
                                       (size_t)count * width[k]));
            CHECK(gal_buf_append(out, v, 4) == 0);
        }
    CHECK(gal_record_seal(out, gal_record_doc_key(first)) == 0);
}

/* Docstats records in three layouts (format 8's wide one; narrow with wide
 * values: 4-byte tokens, 8-byte dates; narrow with small values: 2, 1 and
 * 4 bytes): values read back, every slice of every block checked on its
 * own and found by a flip in it alone, a checksum that lands in another
 * block or slice not accepted there, the record checked whole. */
static void test_docstats(unsigned seed)
{
    srand(seed);
    enum { N = 2 * GAL_DOCSTATS_BLOCK + 52, NB = 3, FIRST = 5000 };
    static uint32_t tokens[N], titles[N];
    static int64_t dates[N];
    static const unsigned widths[3][GAL_DOCSTATS_SLICES] = {{4, 4, 8}, {4, 1, 8}, {2, 1, 4}};
    for (int layout = 0; layout < 3; layout++) {
        for (uint32_t i = 0; i < N; i++) {
            tokens[i] = layout == 2 ? (uint32_t)rand() % 60000 : (uint32_t)rand();
            titles[i] = (uint32_t)rand() % 40;
            dates[i] = i % 5 == 0 ? GAL_NO_DATE
                       : layout == 2 ? 541350061 + (int64_t)(rand() % 30000000)
                                     : (int64_t)rand() * 1000 - 500000;
        }
        if (layout == 2) /* the latest date 2^32 - 2 s after the earliest: still 4 bytes */
            dates[1] = 541350061 - 40000000, dates[2] = dates[1] + 0xFFFFFFFEll;
        gal_buf b, copy;
        gal_buf_init(&b);
        gal_buf_init(&copy);
        if (layout == 0)
            wide_docstats(tokens, titles, dates, N, FIRST, &b);
        else
            CHECK(gal_docstats_encode(tokens, titles, dates, N, FIRST, &b) == 0);
        for (unsigned k = 0; k < GAL_DOCSTATS_SLICES; k++) {
            unsigned w;
            docstats_entry_at(b.data, N, k, 0, &w);
            CHECK(w == widths[layout][k]);
        }
        uint32_t n = 0;
        CHECK(gal_docstats_check(b.data, b.len, FIRST, &n) == 0 && n == N);
        CHECK(gal_docstats_check(b.data, b.len, FIRST + 1, &n) == GAL_ECORRUPT); /* wrong key */
        CHECK(gal_docstats_peek(b.data, b.len, FIRST, &n) == 0 && n == N);
        CHECK(gal_docstats_peek(b.data, b.len - 4, FIRST, &n) == GAL_ECORRUPT);
        for (uint32_t i = 0; i < N; i++)
            CHECK(gal_docstats_tokens(b.data, i) == tokens[i] &&
                  gal_docstats_title_tokens(b.data, N, i) == titles[i] &&
                  gal_docstats_date(b.data, N, i) == dates[i]);
        for (uint32_t j = 0; j < NB; j++)
            for (unsigned k = 0; k < GAL_DOCSTATS_SLICES; k++) {
                CHECK(gal_docstats_check_slice(b.data, N, FIRST, j, k) == 0);
                CHECK(gal_docstats_check_slice(b.data, N, FIRST + 1, j, k) == GAL_ECORRUPT);
            }
        /* a flip in the lengths, the title lengths or the dates of document
         * d damages that slice of d's block alone */
        for (int trial = 0; trial < 90; trial++) {
            uint32_t d = (uint32_t)rand() % N, slice = (uint32_t)rand() % 3;
            unsigned w;
            size_t at = docstats_entry_at(b.data, N, slice, d, &w);
            at += (size_t)rand() % w; /* after the call that sets w */
            gal_buf_clear(&copy);
            gal_buf_append(&copy, b.data, b.len);
            copy.data[at] ^= (uint8_t)(1u << (rand() % 8));
            int only_there = 1;
            for (uint32_t j = 0; j < NB; j++)
                for (unsigned k = 0; k < GAL_DOCSTATS_SLICES; k++)
                    only_there &= (gal_docstats_check_slice(copy.data, N, FIRST, j, k) == 0) ==
                                  (j != d / GAL_DOCSTATS_BLOCK || k != slice);
            CHECK(only_there);
            CHECK(gal_docstats_check(copy.data, copy.len, FIRST, &n) == GAL_ECORRUPT);
        }
        /* a narrow record's dates' base: every block's dates damaged */
        if (layout > 0) {
            gal_buf_clear(&copy);
            gal_buf_append(&copy, b.data, b.len);
            copy.data[8 + rand() % 8] ^= (uint8_t)(1u << (rand() % 8));
            for (uint32_t j = 0; j < NB; j++)
                for (unsigned k = 0; k < GAL_DOCSTATS_SLICES; k++)
                    CHECK((gal_docstats_check_slice(copy.data, N, FIRST, j, k) == 0) ==
                          (k != GAL_DOCSTATS_DATES));
        }
        /* a narrow header with a width it cannot have */
        if (layout > 0)
            for (unsigned h = 4; h < 8; h++) {
                gal_buf_clear(&copy);
                gal_buf_append(&copy, b.data, b.len);
                copy.data[h] = 3;
                CHECK(gal_docstats_peek(copy.data, copy.len, FIRST, &n) == GAL_ECORRUPT);
            }
        /* the checksums are tagged: block 0's tokens checksum copied over
         * block 1's, or over block 0's title checksum, does not pass there
         * (blocks 0 and 1 made to hold the same values, and the lengths
         * the same as the title lengths, at the same width) */
        for (uint32_t i = 0; i < N; i++)
            tokens[i] = titles[i] = (uint32_t)(i % GAL_DOCSTATS_BLOCK * 7 % 40);
        if (layout == 0)
            wide_docstats(tokens, titles, dates, N, FIRST, &b);
        else
            CHECK(gal_docstats_encode(tokens, titles, dates, N, FIRST, &b) == 0);
        unsigned w;
        size_t crcs = docstats_entry_at(b.data, N, GAL_DOCSTATS_DATES, N, &w);
        for (int moved = 0; moved < 2; moved++) {
            gal_buf_clear(&copy);
            gal_buf_append(&copy, b.data, b.len);
            size_t to = moved == 0 ? crcs + GAL_DOCSTATS_SLICES * 4 : crcs + 4;
            memcpy(copy.data + to, b.data + crcs, 4);
            CHECK(gal_docstats_check_slice(copy.data, N, FIRST, moved == 0 ? 1 : 0,
                                           moved == 0 ? GAL_DOCSTATS_TOKENS
                                                      : GAL_DOCSTATS_TITLES) == GAL_ECORRUPT);
        }
        gal_buf_release(&b);
        gal_buf_release(&copy);
    }
    gal_buf b;
    gal_buf_init(&b);
    uint32_t n = 1;
    CHECK(gal_docstats_encode(tokens, titles, dates, 0, FIRST, &b) == 0);
    CHECK(gal_docstats_check(b.data, b.len, FIRST, &n) == 0 && n == 0);
    gal_buf_release(&b);
}

/* Write n random documents as JSON Lines; words from a small vocabulary so
 * that terms repeat across documents and chunks fill up. */
static void write_corpus(const char *path, int n, unsigned seed)
{
    static const char *words[] = {"the", "Bank", "of", "England", "rates", "São", "Paulo",
                                  "Trump’s", "U.S.", "3.5", "pct", "year-on-year", "İstanbul",
                                  "ΑΘΗΝΑ", "москва", "x"};
    FILE *f = fopen(path, "w");
    srand(seed);
    for (int i = 0; i < n; i++) {
        fprintf(f, "{\"id\": \"d%d\", \"title\": \"", i);
        int tw = rand() % 6;
        for (int k = 0; k < tw; k++)
            fprintf(f, "%s%s", k ? " " : "", words[rand() % 16]);
        fprintf(f, "\", \"date\": \"1987-03-%02d\", \"text\": \"", 1 + i % 28);
        int bw = rand() % 300;
        for (int k = 0; k < bw; k++)
            fprintf(f, "%s%s", k ? (rand() % 9 ? " " : ", ") : "", words[rand() % 16]);
        /* rarer words, for terms in one chunk of a batch or none: in every
         * batch; in a few batches only; in many documents of the first
         * batches (two chunks each) and few of the others */
        if (i % 37 == 0)
            fprintf(f, " kestrel");
        if (i >= 1000 && i < 1400 && i % 3 == 0)
            fprintf(f, " osprey");
        if (i < 600 ? i % 2 == 0 : i % 50 == 0)
            fprintf(f, " heron");
        fprintf(f, "\"}\n");
    }
    fclose(f);
}

/* A scratch directory (template in dir) with the paths of an input file and
 * an index in it (512 bytes each); nonzero, with a failed check, when it
 * cannot be made. */
static int scratch(char *dir, char *input, char *index)
{
    if (!mkdtemp(dir)) {
        CHECK(0);
        return -1;
    }
    snprintf(input, 512, "%s/in.jsonl", dir);
    snprintf(index, 512, "%s/idx", dir);
    return 0;
}

/* Index n documents of write_corpus() from input into index, in batches
 * of batch_bytes; the build's status. */
static int build_corpus(const char *input, const char *index, int n, unsigned seed,
                        size_t batch_bytes, gal_build_report *r)
{
    write_corpus(input, n, seed);
    const char *inputs[] = {input};
    gal_build_opts o = {.out_dir = index, .inputs = inputs, .ninputs = 1, .device = "ref",
                        .batch_bytes = batch_bytes, .quiet = 1, .progress = 0};
    return gal_index_build(&o, r);
}

/* --shards with an option it cannot take is refused before anything is
 * made (the refused shards' reports were once read unplanned). */
static void test_shards_refused(unsigned seed)
{
    char dir[] = "/tmp/galley-test-XXXXXX", input[512], index[512];
    if (scratch(dir, input, index))
        return;
    write_corpus(input, 10, seed);
    const char *inputs[] = {input};
    gal_build_opts o = {.out_dir = index, .inputs = inputs, .ninputs = 1, .device = "ref",
                        .batch_bytes = 200000, .quiet = 1, .progress = 0, .all_shards = 2,
                        .replace = GAL_REPLACE_ID};
    gal_build_report r;
    CHECK(gal_index_build(&o, &r) == GAL_EUSAGE && r.docs == 0);
    o.replace = GAL_REPLACE_NONE;
    o.shard = 1;
    o.nshards = 2;
    CHECK(gal_index_build(&o, &r) == GAL_EUSAGE);
    struct stat sb;
    CHECK(stat(index, &sb) != 0); /* nothing made */
}

static void test_build_and_read(unsigned seed)
{
    char dir[] = "/tmp/galley-test-XXXXXX", input[512], index[512];
    if (scratch(dir, input, index))
        return;
    const int ndocs = 3000;
    write_corpus(input, ndocs, seed);
    const char *inputs[] = {input};
    gal_build_opts o = {.out_dir = index, .inputs = inputs, .ninputs = 1, .device = "ref",
                        .batch_bytes = 200000, .quiet = 1, .progress = 0};
    gal_build_report r;
    int rc = gal_index_build(&o, &r);
    if (rc)
        fprintf(stderr, "build: %s\n", gal_error_detail(rc));
    CHECK(rc == 0);
    CHECK_EQ_U64(r.docs, ndocs);
    CHECK(r.batches > 3); /* several batches: postings span chunks and batches */

    gal_index *ix = NULL;
    gal_snapshot *s = NULL;
    CHECK(gal_index_open(index, &ix) == 0);
    if (!ix || gal_snapshot_begin(ix, &s) != 0) {
        CHECK(0);
        goto out;
    }
    gal_index_stats st;
    CHECK(gal_snapshot_stats(s, &st) == 0);
    CHECK_EQ_U64(st.docs, ndocs);
    CHECK_EQ_U64(st.tokens, r.tokens);
    CHECK_EQ_U64(st.batches, r.batches);

    /* Re-tokenize every stored document and compare with the postings of
     * each term: same documents, tfs and positions. */
    static const char *probe[] = {"the", "bank", "são", "s", "trump", "u", "3", "5", "year", "on",
                                  "i̇stanbul", "istanbul", "αθηνα", "москва", "x", "absent",
                                  "kestrel", "osprey", "heron"};
    gal_buf text;
    gal_buf_init(&text);
    for (size_t q = 0; q < sizeof probe / sizeof probe[0]; q++) {
        uint64_t h = gal_term_hash_folded(probe[q], strlen(probe[q]), GAL_SEED_WORD);
        gal_postings *p = NULL;
        CHECK(gal_postings_open(s, h, &p) == 0);
        uint64_t mismatches = 0, df = 0;
        /* every hit's positions, for the walk below that asks about some */
        uint32_t *all_pos = NULL, *hit_at = NULL, *hit_doc = NULL;
        size_t nall = 0, all_cap = 0, hits_cap = 0;
        int more = gal_postings_next(p);
        for (uint32_t d = 0; d < ndocs; d++) {
            gal_doc_info info;
            CHECK(gal_snapshot_doc(s, d, &info) == 0);
            CHECK(gal_snapshot_text(s, d, &text) == 0);
            /* expected positions of the probe in this document */
            uint32_t want[2000], nw = 0, pos = 0;
            size_t body = info.title_len + 1;
            gal_term t;
            int in_body = 0;
            for (size_t i = 0; gal_term_next((const char *)text.data, text.len, i, &t); i = t.end) {
                if (!in_body && t.start >= body) {
                    in_body = 1;
                    CHECK_EQ_U64(pos, info.title_tokens);
                    pos = info.title_tokens + GAL_TITLE_BODY_GAP;
                }
                if (t.hash == h && nw < 2000)
                    want[nw++] = pos;
                pos++;
            }
            if (nw == 0) {
                if (more == 1 && gal_postings_doc(p) == d)
                    mismatches++;
                continue;
            }
            df++;
            if (more != 1 || gal_postings_doc(p) != d || gal_postings_tf(p) != nw) {
                mismatches++;
                continue;
            }
            const uint32_t *got = gal_postings_positions(p);
            if (!got || memcmp(got, want, nw * sizeof *want) != 0)
                mismatches++;
            if (df + 1 > hits_cap) {
                hits_cap = 2 * (df + 1);
                hit_at = realloc(hit_at, hits_cap * sizeof *hit_at);
                hit_doc = realloc(hit_doc, hits_cap * sizeof *hit_doc);
            }
            hit_doc[df - 1] = d;
            if (nall + nw > all_cap) {
                all_cap = 2 * (nall + nw);
                all_pos = realloc(all_pos, all_cap * sizeof *all_pos);
            }
            hit_at[df - 1] = (uint32_t)nall;
            hit_at[df] = (uint32_t)(nall + nw);
            memcpy(all_pos + nall, want, nw * sizeof *want);
            nall += nw;
            more = gal_postings_next(p);
        }
        CHECK(more == 0);
        CHECK_EQ_U64(mismatches, 0);
        CHECK_EQ_U64(gal_postings_df(p), df);
        uint64_t counted = UINT64_MAX;
        CHECK(gal_postings_count(p, &counted) == 0);
        CHECK_EQ_U64(counted, df);
        gal_postings_close(p);

        /* positions asked about for some documents only, as a phrase asks:
         * a few per chunk (one run at a time), many (the chunk unpacked,
         * runs turned into positions when asked), and some twice */
        CHECK(gal_postings_open(s, h, &p) == 0);
        CHECK_EQ_U64(gal_postings_df(p), df);
        srand(seed * 31 + (unsigned)q);
        uint64_t asked = 0;
        for (uint64_t k = 0; gal_postings_next(p) == 1; k++) {
            unsigned density = (unsigned)(k / GAL_CHUNK_DOCS % 3); /* 5 %, 40 %, 90 % */
            int skip = (unsigned)(rand() % 100) >= (density == 0 ? 5u : density == 1 ? 40u : 90u);
            if (skip && k > 0) /* the first document always: a term of a few would */
                continue;       /* often have none asked (seed 9300 had one) */
            for (int twice = rand() % 4 == 0; twice >= 0; twice--) {
                const uint32_t *got = gal_postings_positions(p);
                uint32_t tf = hit_at[k + 1] - hit_at[k];
                asked++;
                if (!got || gal_postings_tf(p) != tf ||
                    memcmp(got, all_pos + hit_at[k], tf * sizeof *got) != 0)
                    mismatches++;
            }
        }
        CHECK(df == 0 || asked > 0);
        CHECK_EQ_U64(mismatches, 0);
        gal_postings_close(p);

        /* seeks that jump over documents by strides, onto every stride-th
         * document of the term (a chunk's last one among them) or just past
         * it */
        static const unsigned strides[] = {2, 3, 5, 8, 13};
        for (size_t si = 0; si < 2 * sizeof strides / sizeof strides[0]; si++) {
            unsigned stride = strides[si / 2], past = (unsigned)(si % 2);
            CHECK(gal_postings_open(s, h, &p) == 0);
            CHECK_EQ_U64(gal_postings_df(p), df);
            for (uint64_t k = stride - 1; k < df; k += stride) {
                uint64_t want = k + past; /* the hits are distinct, increasing documents */
                int r = gal_postings_seek(p, hit_doc[k] + past);
                mismatches += want == df ? r != 0 : r != 1 || gal_postings_doc(p) != hit_doc[want];
                if (r != 1)
                    break;
            }
            gal_postings_close(p);
        }
        CHECK_EQ_U64(mismatches, 0);
        free(all_pos);
        free(hit_at);
        free(hit_doc);

        /* seek lands on the first document >= target, from any start,
         * whether the cursor seeks through LMDB, by its chunk directory
         * from the start, or through LMDB until the directory pays (then
         * going on from the chunk it is at), after a df or without one */
        gal_postings *a = NULL, *b = NULL;
        int ra;
        for (int way = 0; way < 6; way++) {
            gal_postings_open(s, h, &a);
            gal_postings_open(s, h, &b);
            if (way % 2)
                CHECK_EQ_U64(gal_postings_df(b), df);
            gal_postings_directory(b, way / 2 == 0   ? GAL_DIR_NEVER
                                      : way / 2 == 1 ? GAL_DIR_NOW
                                                     : GAL_DIR_ADAPTIVE);
            srand(seed + (unsigned)q);
            uint32_t target = 0;
            ra = gal_postings_next(a);
            while (ra == 1) {
                target += (uint32_t)(rand() % 40);
                while (ra == 1 && gal_postings_doc(a) < target)
                    ra = gal_postings_next(a);
                int rb = gal_postings_seek(b, target);
                CHECK(ra == rb);
                if (ra == 1 && rb == 1)
                    CHECK_EQ_U64(gal_postings_doc(b), gal_postings_doc(a));
                if (ra == 1 && gal_postings_doc(a) >= target) {
                    ra = gal_postings_next(a);
                    if (ra == 1)
                        target = gal_postings_doc(a);
                }
            }
            gal_postings_close(a);
            gal_postings_close(b);
        }

        /* a chunk at a time: the same documents and frequencies as one by
         * one (the chunk-at-a-time cursor by its directory) */
        gal_postings_open(s, h, &a);
        gal_postings_open(s, h, &b);
        CHECK_EQ_U64(gal_postings_df(b), df);
        ra = gal_postings_next(a);
        uint64_t walked = 0, differ = 0;
        int rc_chunk;
        while ((rc_chunk = gal_postings_next_chunk(b)) == 1) {
            const uint32_t *docs, *tfs;
            size_t n = gal_postings_rest(b, &docs, &tfs);
            CHECK(n > 0);
            for (size_t i = 0; i < n; i++, walked++) {
                differ += ra != 1 || gal_postings_doc(a) != docs[i] || gal_postings_tf(a) != tfs[i];
                ra = gal_postings_next(a);
            }
        }
        CHECK(rc_chunk == 0 && ra == 0);
        CHECK_EQ_U64(differ, 0);
        CHECK_EQ_U64(walked, df);
        gal_postings_close(a);
        gal_postings_close(b);
    }

    /* bigram terms: every adjacent pair of frequent words, at the first
     * word's position, never across the title/body boundary */
    static const char *pairs[][2] = {{"bank", "of"}, {"of", "england"}, {"the", "the"}, {"u", "s"}};
    for (size_t q = 0; q < sizeof pairs / sizeof pairs[0]; q++) {
        uint64_t h1 = gal_term_hash_folded(pairs[q][0], strlen(pairs[q][0]), GAL_SEED_WORD);
        uint64_t h2 = gal_term_hash_folded(pairs[q][1], strlen(pairs[q][1]), GAL_SEED_WORD);
        uint64_t hb;
        CHECK(gal_snapshot_bigram(s, h1, h2, &hb) == 1); /* 16 words: all are frequent */
        gal_postings *p = NULL;
        CHECK(gal_postings_open(s, hb, &p) == 0);
        int more = gal_postings_next(p);
        uint64_t mismatches = 0;
        for (uint32_t d = 0; d < ndocs; d++) {
            gal_doc_info info;
            CHECK(gal_snapshot_doc(s, d, &info) == 0);
            CHECK(gal_snapshot_text(s, d, &text) == 0);
            uint32_t want[2000], nw = 0, pos = 0, prev_pos = UINT32_MAX;
            uint64_t prev = 0;
            gal_term t;
            int in_body = 0;
            for (size_t i = 0; gal_term_next((const char *)text.data, text.len, i, &t); i = t.end) {
                if (!in_body && t.start >= info.title_len + 1) {
                    in_body = 1;
                    pos = info.title_tokens + GAL_TITLE_BODY_GAP;
                }
                if (prev == h1 && t.hash == h2 && prev_pos + 1 == pos && nw < 2000)
                    want[nw++] = prev_pos;
                prev = t.hash;
                prev_pos = pos++;
            }
            if (nw == 0) {
                mismatches += more == 1 && gal_postings_doc(p) == d;
                continue;
            }
            const uint32_t *got = more == 1 && gal_postings_doc(p) == d && gal_postings_tf(p) == nw
                                      ? gal_postings_positions(p) : NULL;
            if (!got || memcmp(got, want, nw * sizeof *want) != 0)
                mismatches++;
            else
                more = gal_postings_next(p);
        }
        CHECK_EQ_U64(mismatches, 0);
        gal_postings_close(p);
    }
    CHECK(gal_snapshot_bigram(s, gal_term_hash_folded("absent", 6, GAL_SEED_WORD),
                              gal_term_hash_folded("the", 3, GAL_SEED_WORD), &(uint64_t){0}) == 0);
    gal_buf_release(&text);

    uint32_t doc;
    CHECK(gal_snapshot_find_id(s, "d1234", 5, &doc) == 0 && doc == 1234);
    CHECK(gal_snapshot_find_id(s, "nope", 4, &doc) == GAL_ENOTFOUND);
    CHECK(gal_snapshot_doc_date(s, 27) == gal_days_from_civil(1987, 3, 28) * 86400);
    const char *term;
    size_t len;
    CHECK(gal_snapshot_term(s, gal_term_hash_folded("england", 7, GAL_SEED_WORD), &term, &len) == 0 &&
          len == 7 && !memcmp(term, "england", 7));
out:
    gal_snapshot_end(s);
    gal_index_close(ix);

    /* a second build into the same directory is refused without --append */
    if (ix) {
        rc = gal_index_build(&o, &r);
        CHECK(rc == GAL_EUSAGE);
        o.append = 1;
        CHECK(gal_index_build(&o, &r) == 0);
        CHECK(gal_index_open(index, &ix) == 0 && gal_snapshot_begin(ix, &s) == 0);
        gal_index_stats st2;
        CHECK(gal_snapshot_stats(s, &st2) == 0 && st2.docs == 2 * ndocs);
        CHECK(gal_snapshot_find_id(s, "d5", 2, &doc) == 0 && doc == 5); /* first one wins */
        gal_snapshot_end(s);
        gal_index_close(ix);
    }
    check_remove_tree(dir);
}

/* ids are sorted within a batch before they are appended: an id given twice
 * in one batch, and ids that sort before earlier ones, still find their
 * first document. */
static void test_ids_in_one_batch(void)
{
    char dir[] = "/tmp/galley-test-XXXXXX", input[512], index[512];
    if (scratch(dir, input, index))
        return;
    static char long_id[2001]; /* longer than any LMDB key: found by its hash */
    memset(long_id, 'q', sizeof long_id - 1);
    const char *const ids[] = {"m", "b", "m", "a", "", "ab", "b", "z", long_id};
    const uint32_t want[] = {0, 1, 0, 3, 0, 5, 1, 7, 8};
    FILE *f = fopen(input, "w");
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        fprintf(f, "{\"id\": \"%s\", \"title\": \"t%zu\", \"text\": \"words %zu\"}\n", ids[i],
                i, i);
    fclose(f);
    const char *inputs[] = {input};
    gal_build_opts o = {.out_dir = index, .inputs = inputs, .ninputs = 1, .device = "ref",
                        .batch_bytes = 1 << 20, .quiet = 1, .progress = 0};
    gal_build_report r;
    gal_index *ix = NULL;
    gal_snapshot *s = NULL;
    CHECK(gal_index_build(&o, &r) == 0 && r.batches == 1);
    CHECK(gal_index_open(index, &ix) == 0 && gal_snapshot_begin(ix, &s) == 0);
    for (size_t i = 0; s && i < sizeof ids / sizeof ids[0]; i++) {
        uint32_t doc = UINT32_MAX;
        if (!ids[i][0])
            continue;
        CHECK(gal_snapshot_find_id(s, ids[i], strlen(ids[i]), &doc) == 0 && doc == want[i]);
    }
    uint32_t doc;
    CHECK(!s || gal_snapshot_find_id(s, "c", 1, &doc) == GAL_ENOTFOUND);
    CHECK(!s || gal_snapshot_find_id(s, long_id, 1999, &doc) == GAL_ENOTFOUND);
    gal_snapshot_end(s);
    gal_index_close(ix);
    gal_verify_stats vs;
    CHECK(gal_index_verify(index, NULL, &vs) == 0 && vs.ids == 6); /* 6 distinct ids */
    check_remove_tree(dir);
}

/* A reader keeps the text dictionary by reference into the map
 * (index_read.c): after another process grows the map and this one moves
 * its own to follow, the next snapshot must load it again from the new
 * map, and stored texts read the same as before. */
static void test_dictionary_after_remap(unsigned seed)
{
    char dir[] = "/tmp/galley-test-XXXXXX", input[512], index[512];
    if (scratch(dir, input, index))
        return;
    setenv("GALLEY_INITIAL_MAP_MB", "1", 1); /* a map just large enough */
    gal_build_report r;
    CHECK(build_corpus(input, index, 3000, seed, 1 << 20, &r) == 0);
    gal_index *ix = NULL;
    gal_snapshot *s = NULL;
    gal_buf before, after;
    gal_buf_init(&before);
    gal_buf_init(&after);
    CHECK(gal_index_open(index, &ix) == 0 && gal_snapshot_begin(ix, &s) == 0);
    CHECK(s && gal_snapshot_text(s, 2999, &before) == 0 && before.len > 0);
    gal_snapshot_end(s);
    s = NULL;
    pid_t pid = fork(); /* the writer: another process, as LMDB wants */
    if (pid == 0) {
        char more[600];
        snprintf(more, sizeof more, "%s/more.jsonl", dir);
        write_corpus(more, 30000, seed + 1);
        const char *inputs[] = {more};
        gal_build_opts o = {.out_dir = index, .inputs = inputs, .ninputs = 1, .device = "ref",
                            .batch_bytes = 1 << 20, .quiet = 1, .progress = 0, .append = 1};
        _exit(gal_index_build(&o, &r) ? 1 : 0);
    }
    int status = -1;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
          WEXITSTATUS(status) == 0);
    unsetenv("GALLEY_INITIAL_MAP_MB");
    gal_index_stats st;
    CHECK(ix && gal_snapshot_begin(ix, &s) == 0);
    CHECK(s && gal_snapshot_stats(s, &st) == 0 && st.docs == 33000);
    CHECK(s && gal_snapshot_text(s, 2999, &after) == 0 && after.len == before.len &&
          !memcmp(after.data, before.data, before.len));
    CHECK(s && gal_snapshot_text(s, 32999, &after) == 0 && after.len > 0);
    gal_snapshot_end(s);
    gal_index_close(ix);
    gal_buf_release(&before);
    gal_buf_release(&after);
    check_remove_tree(dir);
}

static int collect_block(void *ctx, const uint8_t *key, const void *block, size_t len)
{
    gal_buf *b = ctx; /* key ‖ u32 length ‖ block, one after another */
    uint8_t l[4];
    gal_put_le32(l, (uint32_t)len);
    return gal_buf_append(b, key, GAL_HBLOCK_KEY_LEN) || gal_buf_append(b, l, 4) ||
                   gal_buf_append(b, block, len)
               ? GAL_ENOMEM
               : 0;
}

/* The ids records: per hash, the first document of each distinct id
 * (colliding ids both kept, a repeated id once), in document order; a
 * record's documents read back, malformed ones refused. */
static void test_id_records(void)
{
    gal_id_entry e[] = {
        {7, "b", 1, 112}, {5, "a", 1, 111}, {5, "b", 1, 120}, {5, "a", 1, 105},
        {9, "c", 1, 100}, {5, "c", 1, 130}, {9, "c", 1, 101},
    };
    gal_buf out;
    gal_buf_init(&out);
    gal_hblock_builder bb;
    gal_hblock_builder_init(&bb, collect_block, &out);
    CHECK(gal_id_table_add(&bb, 100, e, sizeof e / sizeof *e) == 0 && gal_hblock_flush(&bb) == 0);
    gal_hblock_builder_release(&bb);
    CHECK(out.len > GAL_HBLOCK_KEY_LEN + 4);
    MDB_val k = {GAL_HBLOCK_KEY_LEN, out.data},
            v = {out.len > 16 ? gal_get_le32(out.data + 12) : 0, out.data + 16};
    gal_hblock_reader r;
    memset(&r, 0, sizeof r);
    r.table = "ids";
    static const uint64_t hashes[] = {5, 7, 9};
    static const uint32_t docs[][4] = {{105, 120, 130, 0}, {112, 0}, {100, 0}};
    int rc = gal_hblock_read(&r, &k, &v), same = 1;
    for (int i = 0; i < 3; i++, rc = rc ? rc : gal_hblock_next(&r)) {
        same &= rc == 0 && r.hash == hashes[i] && r.batch == 100;
        gal_id_docs d;
        gal_id_docs_open(&d, r.rec, r.len, r.batch);
        uint32_t doc;
        int j = 0;
        while (same && gal_id_docs_next(&d, &doc) == 0)
            same &= doc == docs[i][j++];
        same &= docs[i][j] == 0;
    }
    CHECK(same && rc == 1);
    gal_id_docs d;
    uint32_t doc;
    static const uint8_t too_big[] = {0x80, 0x80, 0x80, 0x80, 0x10}; /* 2^32 */
    gal_id_docs_open(&d, too_big, sizeof too_big, 0);
    CHECK(gal_id_docs_next(&d, &doc) == -1);
    static const uint8_t past_end[] = {0xFE, 0xFF, 0xFF, 0xFF, 0x0F, 0x00}; /* 2^32 - 2, then past */
    gal_id_docs_open(&d, past_end, sizeof past_end, 1);
    CHECK(gal_id_docs_next(&d, &doc) == 0 && doc == UINT32_MAX && gal_id_docs_next(&d, &doc) == -1);
    static const uint8_t cut[] = {0x80};
    gal_id_docs_open(&d, cut, sizeof cut, 0);
    CHECK(gal_id_docs_next(&d, &doc) == -1);
    gal_buf_release(&out);
}

/* Stored-text blocks: records come back in order with their documents;
 * a damaged header (count or a length) is caught, not read past. */
/* Rewrite the first chunk that ends a run of several chunks with run_docs
 * changed by delta (0: cleared), sealed with a good checksum: what a
 * writer's bug, not a flipped bit, would leave; its bytes kept in saved.
 * With restore, put them back instead. */
static int rewrite_last_chunk(const char *index, int delta, gal_buf *saved, int restore)
{
    static uint8_t saved_key[GAL_POSTINGS_KEY_LEN];
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *cur;
    MDB_val k, v;
    int found = 0;
    if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 32) ||
        mdb_env_set_mapsize(env, 1ull << 30) || mdb_env_open(env, index, 0, 0644))
        return 0;
    if (mdb_txn_begin(env, NULL, 0, &txn) || mdb_dbi_open(txn, "postings", 0, &dbi) ||
        mdb_cursor_open(txn, dbi, &cur)) {
        mdb_env_close(env);
        return 0;
    }
    for (int mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !mrc && !found;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        gal_chunk_view cv;
        if (restore ? memcmp(k.mv_data, saved_key, sizeof saved_key) != 0
                    : gal_chunk_parse(v.mv_data, v.mv_size, k.mv_data, &cv, "test") ||
                          cv.run_docs <= cv.ndocs)
            continue;
        uint8_t key[GAL_POSTINGS_KEY_LEN];
        memcpy(key, k.mv_data, sizeof key);
        gal_buf out;
        gal_buf_init(&out);
        if (restore) {
            gal_buf_append(&out, saved->data, saved->len);
        } else {
            static uint32_t docs[GAL_CHUNK_DOCS], tfs[GAL_CHUNK_DOCS], pos[1 << 16];
            size_t npos = 0;
            gal_buf_clear(saved);
            gal_buf_append(saved, v.mv_data, v.mv_size);
            memcpy(saved_key, key, sizeof key);
            CHECK(gal_chunk_decode_docs(&cv, docs, tfs, "test") == 0);
            for (uint32_t i = 0; i < cv.ndocs; i++)
                npos += tfs[i];
            CHECK(npos <= sizeof pos / sizeof *pos &&
                  gal_chunk_decode_positions(&cv, tfs, pos, npos, "test") == 0);
            CHECK(gal_chunk_encode(docs, tfs, pos, cv.ndocs, delta ? cv.run_docs + delta : 0, key,
                                   &out) == 0);
        }
        MDB_val nk = {sizeof key, key}, nv = {out.len, out.data};
        found = mdb_put(txn, dbi, &nk, &nv, 0) == 0;
        gal_buf_release(&out);
    }
    mdb_cursor_close(cur);
    found = found && mdb_txn_commit(txn) == 0;
    if (!found)
        mdb_txn_abort(txn);
    mdb_env_close(env);
    return found;
}

/* The prefix walk over a batch table: every batch's matching records once,
 * in the order of their keys without the batch (ties by batch), however
 * the batches' runs interleave; a walk stopped early stops there. */
typedef struct prefix_seen {
    char keys[64][8];
    uint32_t batch[64];
    int n, stop_after;
} prefix_seen;

static int note_prefixed(void *ctx, uint32_t batch, const MDB_val *k, const MDB_val *v)
{
    (void)v;
    prefix_seen *ps = ctx;
    if (ps->n == ps->stop_after)
        return 7;
    CHECK(ps->n < 64 && k->mv_size - 4 < sizeof ps->keys[0]);
    memset(ps->keys[ps->n], 0, sizeof ps->keys[0]);
    memcpy(ps->keys[ps->n], (const char *)k->mv_data + 4, k->mv_size - 4);
    ps->batch[ps->n++] = batch;
    return 0;
}

static void test_batch_prefix_walk(void)
{
    char dir[] = "/tmp/galley-test-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    /* batch: its keys (sorted within the batch, as the vocabulary is) */
    static const struct { uint32_t batch; const char *key; } recs[] = {
        {0, "ab"}, {0, "abd"}, {0, "ac"}, {0, "b"}, {5, "a"}, {5, "abc"}, {5, "abe"},
        {9, "ab"}, {9, "abz"}, {9, "ad"}, {12, "abb"}, {70000, "aa"}, {70000, "abd"},
    };
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    CHECK(!mdb_env_create(&env) && !mdb_env_set_maxdbs(env, 2) && !mdb_env_open(env, dir, 0, 0644));
    CHECK(!mdb_txn_begin(env, NULL, 0, &txn) && !mdb_dbi_open(txn, "vocab", MDB_CREATE, &dbi));
    for (size_t i = 0; i < sizeof recs / sizeof *recs; i++) {
        uint8_t key[16];
        size_t len = strlen(recs[i].key);
        gal_put_be32(key, recs[i].batch);
        memcpy(key + 4, recs[i].key, len);
        MDB_val k = {4 + len, key}, v = {1, "x"};
        CHECK(!mdb_put(txn, dbi, &k, &v, 0));
    }
    CHECK(!mdb_txn_commit(txn));
    CHECK(!mdb_txn_begin(env, NULL, MDB_RDONLY, &txn));
    static const struct { const char *prefix; int stop; const char *want; } walks[] = {
        {"ab", 99, "ab/0 ab/9 abb/12 abc/5 abd/0 abd/70000 abe/5 abz/9"},
        {"ab", 3, "ab/0 ab/9 abb/12"},
        {"a", 99, "a/5 aa/70000 ab/0 ab/9 abb/12 abc/5 abd/0 abd/70000 abe/5 abz/9 ac/0 ad/9"},
        {"", 2, "a/5 aa/70000"},
        {"abd", 99, "abd/0 abd/70000"},
        {"q", 99, ""},
        {"abzz", 99, ""},
    };
    for (size_t w = 0; w < sizeof walks / sizeof *walks; w++) {
        prefix_seen ps = {.stop_after = walks[w].stop};
        int rc = gal_batch_each_prefixed(txn, dbi, walks[w].prefix, strlen(walks[w].prefix),
                                         note_prefixed, &ps);
        CHECK(rc == (walks[w].stop < 99 ? 7 : 0));
        char got[512] = "";
        for (int i = 0; i < ps.n; i++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s/%u", i ? " " : "",
                     ps.keys[i], ps.batch[i]);
        if (strcmp(got, walks[w].want))
            fprintf(stderr, "prefix '%s': got '%s', want '%s'\n", walks[w].prefix, got,
                    walks[w].want);
        CHECK(!strcmp(got, walks[w].want));
    }
    mdb_txn_abort(txn);
    mdb_env_close(env);
    char path[512];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/lock.mdb", dir);
    unlink(path);
    rmdir(dir);
}

/* verify reports a term whose document count in a batch disagrees with its
 * chunks there, or is missing from the last of them; queries' df sums it */
static void test_verify_run_counts(unsigned seed)
{
    char dir[] = "/tmp/galley-test-XXXXXX", input[512], index[512];
    if (scratch(dir, input, index))
        return;
    gal_build_report r;
    CHECK(build_corpus(input, index, 900, seed, 1 << 20, &r) == 0);
    gal_verify_stats vs;
    CHECK(gal_index_verify(index, NULL, &vs) == 0 && vs.problems == 0);
    static const char *const want[] = {"says its run has", "does not carry the run's document count"};
    gal_buf saved;
    gal_buf_init(&saved);
    for (int damage = 0; damage < 2; damage++) {
        CHECK(rewrite_last_chunk(index, damage == 0 ? 1 : 0, &saved, 0));
        FILE *report = tmpfile();
        CHECK(gal_index_verify(index, report, &vs) == GAL_ECORRUPT && vs.problems >= 1);
        char line[512];
        int said = 0;
        rewind(report);
        while (fgets(line, sizeof line, report))
            said |= strstr(line, want[damage]) != NULL;
        fclose(report);
        CHECK(said);
        CHECK(rewrite_last_chunk(index, 0, &saved, 1));
        CHECK(gal_index_verify(index, NULL, &vs) == 0 && vs.problems == 0);
    }
    gal_buf_release(&saved);
    check_remove_tree(dir);
}

/* Edit the docs table of index: put the block of doc fields f (n of them)
 * under first_doc, or delete the block there (n = 0), or flip a byte of it
 * (n = UINT32_MAX).  1 when done. */
static int edit_docs(const char *index, uint32_t first_doc, const gal_doc_fields *f, uint32_t n)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    int ok = 0;
    if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 32) ||
        mdb_env_set_mapsize(env, 1ull << 30) || mdb_env_open(env, index, 0, 0644))
        return 0;
    uint8_t key[4];
    gal_put_be32(key, first_doc);
    MDB_val k = {4, key}, v;
    gal_buf out;
    gal_buf_init(&out);
    if (!mdb_txn_begin(env, NULL, 0, &txn) && !mdb_dbi_open(txn, "docs", 0, &dbi)) {
        if (n == 0) {
            ok = mdb_del(txn, dbi, &k, NULL) == 0;
        } else if (n == UINT32_MAX) {
            if (mdb_get(txn, dbi, &k, &v) == 0 && gal_buf_append(&out, v.mv_data, v.mv_size) == 0) {
                out.data[out.len / 2] ^= 0x10;
                MDB_val nv = {out.len, out.data};
                ok = mdb_put(txn, dbi, &k, &nv, 0) == 0;
            }
        } else if (gal_doc_block_encode(f, n, first_doc, &out) == 0) {
            MDB_val nv = {out.len, out.data};
            ok = mdb_put(txn, dbi, &k, &nv, 0) == 0;
        }
        ok = mdb_txn_commit(txn) == 0 && ok;
    }
    gal_buf_release(&out);
    mdb_env_close(env);
    return ok;
}

/* What verify says of an index, as one string. */
static void verify_says(const char *index, char *said, size_t cap)
{
    FILE *report = tmpfile();
    gal_verify_stats vs;
    CHECK(gal_index_verify(index, report, &vs) == GAL_ECORRUPT);
    rewind(report);
    size_t n = fread(said, 1, cap - 1, report);
    said[n] = '\0';
    fclose(report);
}

/* Document blocks in a built index: found by number at either end of a
 * block; a block that overlaps the one before it, one that is missing and
 * one that is damaged are each reported by verify as what they are. */
static void test_doc_blocks_in_index(unsigned seed)
{
    char dir[] = "/tmp/galley-test-XXXXXX", input[512], index[512];
    if (scratch(dir, input, index))
        return;
    gal_build_report r;
    CHECK(build_corpus(input, index, 200, seed, 1 << 20, &r) == 0 && r.docs == 200);
    gal_index *ix = NULL;
    gal_snapshot *s = NULL;
    gal_doc_info info;
    char id[32];
    CHECK(gal_index_open(index, &ix) == 0 && gal_snapshot_begin(ix, &s) == 0);
    static const uint32_t probe[] = {0, 31, 32, 63, 64, 199, 5, 150, 31};
    for (size_t i = 0; s && i < sizeof probe / sizeof *probe; i++) {
        CHECK(gal_snapshot_doc(s, probe[i], &info) == 0 && info.doc == probe[i]);
        snprintf(id, sizeof id, "d%u", probe[i]);
        CHECK(info.id_len == strlen(id) && !memcmp(info.id, id, info.id_len));
    }
    if (s)
        CHECK(gal_snapshot_doc(s, 200, &info) == GAL_ENOTFOUND);
    gal_snapshot_end(s);
    gal_index_close(ix);

    char said[4096];
    gal_doc_fields one = {"x", 1, 0, "", 0, 0, "", 0};
    CHECK(edit_docs(index, 40, &one, 1)); /* inside the block at 32 */
    verify_says(index, said, sizeof said);
    CHECK(strstr(said, "docs block at doc 40: starts inside the block before it") != NULL);
    CHECK(edit_docs(index, 40, NULL, 0));
    CHECK(edit_docs(index, 64, NULL, 0));
    verify_says(index, said, sizeof said);
    CHECK(strstr(said, "docs docs 64..95: no records") != NULL);
    CHECK(gal_index_open(index, &ix) == 0 && gal_snapshot_begin(ix, &s) == 0);
    if (s)
        CHECK(gal_snapshot_doc(s, 70, &info) == GAL_ENOTFOUND &&
              gal_snapshot_doc(s, 96, &info) == 0);
    gal_snapshot_end(s);
    gal_index_close(ix);
    CHECK(edit_docs(index, 96, NULL, UINT32_MAX));
    verify_says(index, said, sizeof said);
    CHECK(strstr(said, "docs record block at doc 96") != NULL && strstr(said, "docs 96..") == NULL);
    check_remove_tree(dir);
}

/* hash_blocks.h in an LMDB table of its own: records of several batches
 * read back in order, found or not found by batch and hash (first, middle
 * and last of a block, between blocks, in batches that lack them), and
 * damage, under the checksum or behind a good one, reported as corruption. */
typedef struct hb_put_ctx {
    MDB_cursor *cur;
    int blocks;
} hb_put_ctx;

static int hb_append(void *ctx, const uint8_t *key, const void *block, size_t len)
{
    hb_put_ctx *c = ctx;
    MDB_val k = {GAL_HBLOCK_KEY_LEN, (void *)key}, v = {len, (void *)block};
    c->blocks++;
    return mdb_cursor_put(c->cur, &k, &v, MDB_APPEND) ? GAL_EDB : 0;
}

static int hb_put_raw(MDB_env *env, MDB_dbi dbi, const uint8_t *key, const void *val, size_t len)
{
    MDB_txn *txn;
    MDB_val k = {GAL_HBLOCK_KEY_LEN, (void *)key}, v = {len, (void *)val};
    if (mdb_txn_begin(env, NULL, 0, &txn))
        return -1;
    if (mdb_put(txn, dbi, &k, &v, 0)) {
        mdb_txn_abort(txn);
        return -1;
    }
    return mdb_txn_commit(txn) ? -1 : 0;
}

enum { HB_BATCHES = 4, HB_PER = 300 };

static void test_hash_blocks(unsigned seed)
{
    char dir[] = "/tmp/galley-hb-XXXXXX";
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    if (check_scratch_env(dir, 4, 64u << 20, &env))
        return;
    CHECK(mdb_txn_begin(env, NULL, 0, &txn) == 0 && mdb_dbi_open(txn, "hb", MDB_CREATE, &dbi) == 0);
    /* batches 0, 1000, 2000, 3000, each with HB_PER increasing hashes and
     * records of 0 to 99 bytes (some of 1,500, a block of their own) */
    static uint64_t hashes[HB_BATCHES][HB_PER];
    static uint8_t recs[HB_BATCHES][HB_PER][1500];
    static size_t lens[HB_BATCHES][HB_PER];
    srand(seed);
    hb_put_ctx pc = {NULL, 0};
    CHECK(mdb_cursor_open(txn, dbi, &pc.cur) == 0);
    gal_hblock_builder bb;
    gal_hblock_builder_init(&bb, hb_append, &pc);
    for (int b = 0; b < HB_BATCHES; b++) {
        uint64_t h = (uint64_t)rand() << 20;
        for (int i = 0; i < HB_PER; i++) {
            h += 1 + ((uint64_t)rand() << 24); /* spaced, so others fall between */
            hashes[b][i] = h;
            lens[b][i] = rand() % 50 == 0 ? 1500 : (size_t)rand() % 100;
            for (size_t j = 0; j < lens[b][i]; j++)
                recs[b][i][j] = (uint8_t)rand();
            CHECK(gal_hblock_add(&bb, (uint32_t)b * 1000, h, recs[b][i], lens[b][i]) == 0);
        }
    }
    CHECK(gal_hblock_add(&bb, 3000, hashes[3][5], "x", 1) == GAL_EUSAGE); /* not increasing */
    CHECK(gal_hblock_flush(&bb) == 0);
    gal_hblock_builder_release(&bb);
    mdb_cursor_close(pc.cur);
    CHECK(mdb_txn_commit(txn) == 0);
    CHECK(pc.blocks > HB_BATCHES * HB_PER / (int)GAL_HBLOCK_RECORDS); /* blocks, not one a batch */

    gal_hblock_reader r;
    CHECK(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0 &&
          gal_hblock_open(&r, txn, dbi, "hb") == 0);
    /* every record in order */
    int in_order = gal_hblock_seek(&r, 0, 0) == 0, count = 0;
    for (int b = 0; b < HB_BATCHES && in_order; b++)
        for (int i = 0; i < HB_PER && in_order; i++, count++) {
            in_order = r.batch == (uint32_t)b * 1000 && r.hash == hashes[b][i] &&
                       r.len == lens[b][i] && !memcmp(r.rec, recs[b][i], r.len);
            int rc = gal_hblock_next(&r);
            in_order &= rc == (b == HB_BATCHES - 1 && i == HB_PER - 1 ? 1 : 0);
        }
    CHECK(in_order && count == HB_BATCHES * HB_PER);
    /* a seek lands on the first record of the first block at or after */
    CHECK(gal_hblock_seek(&r, 1001, 0) == 0 && r.batch == 2000 && r.hash == hashes[2][0]);
    CHECK(gal_hblock_seek(&r, 3001, 0) == 1);
    /* find: every record, and the hashes just above each (absent) */
    int found = 1, absent = 1;
    for (int b = 0; b < HB_BATCHES; b++)
        for (int i = 0; i < HB_PER; i++) {
            uint64_t next;
            found &= gal_hblock_find(&r, (uint32_t)b * 1000, hashes[b][i], &next) == 0 &&
                     r.hash == hashes[b][i] && r.len == lens[b][i] &&
                     !memcmp(r.rec, recs[b][i], r.len);
            int rc = gal_hblock_find(&r, (uint32_t)b * 1000, hashes[b][i] + 1, &next);
            /* the next batch with blocks, or one to try after this */
            absent &= rc == 1 && next > (uint64_t)b * 1000 &&
                      (next == (uint64_t)b * 1000 + 1 || next == (uint64_t)(b + 1) * 1000 ||
                       next == UINT64_MAX);
            absent &= gal_hblock_find(&r, (uint32_t)b * 1000 + 7, hashes[b][i], &next) == 1;
        }
    CHECK(found && absent);
    uint64_t next;
    CHECK(gal_hblock_find(&r, 0, 0, &next) == 1 && next == 0 + 1);
    CHECK(gal_hblock_find(&r, 500, hashes[0][0], &next) == 1 && next == 1000);
    gal_hblock_close(&r);
    mdb_txn_abort(txn);

    /* damage: a flipped byte in a block (found by the seek that loads it);
     * then blocks re-sealed with a flaw behind the checksum */
    uint8_t key[GAL_HBLOCK_KEY_LEN];
    gal_put_be32(key, 2000);
    gal_put_be64(key + 4, hashes[2][0]);
    gal_buf blk;
    gal_buf_init(&blk);
    CHECK(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0);
    MDB_val k = {sizeof key, key}, v;
    CHECK(mdb_get(txn, dbi, &k, &v) == 0 && gal_buf_append(&blk, v.mv_data, v.mv_size) == 0);
    mdb_txn_abort(txn);
    static const char *const flaws[] = {"flip", "count 0", "count 256", "first hash",
                                        "order", "stray byte", "cut"};
    for (size_t f = 0; f < sizeof flaws / sizeof *flaws; f++) {
        gal_buf bad;
        gal_buf_init(&bad);
        gal_buf_append(&bad, blk.data, blk.len - GAL_RECORD_TRAILER);
        size_t first_len = 0; /* bytes of the first record: hash, length, bytes */
        {
            const uint8_t *p = bad.data + 1 + 8, *end = bad.data + bad.len;
            uint64_t l = 0;
            CHECK(bad.data[0] >= 2 && bad.data[0] < 128 && gal_varint_get(&p, end, &l) == 0);
            first_len = (size_t)(p - (bad.data + 1)) + (size_t)l;
        }
        if (f == 1)
            bad.data[0] = 0;
        else if (f == 2) { /* a count past GAL_HBLOCK_RECORDS: a two-byte varint */
            gal_buf rest;
            gal_buf_init(&rest);
            gal_buf_append(&rest, bad.data + 1, bad.len - 1);
            bad.len = 0;
            gal_buf_push(&bad, 0x80 | (GAL_HBLOCK_RECORDS + 1) % 128);
            gal_buf_push(&bad, (GAL_HBLOCK_RECORDS + 1) / 128);
            gal_buf_append(&bad, rest.data, rest.len);
            gal_buf_release(&rest);
        }
        else if (f == 3)
            bad.data[1 + 7] ^= 1; /* the first record's hash, not the key's */
        else if (f == 4)
            memcpy(bad.data + 1 + first_len, bad.data + 1, 8); /* second hash = first */
        else if (f == 5)
            gal_buf_push(&bad, 0);
        else if (f == 6)
            bad.len -= 1;
        CHECK(gal_record_seal(&bad, gal_record_key(key, sizeof key)) == 0);
        if (f == 0)
            bad.data[bad.len / 2] ^= 0x40;
        CHECK(hb_put_raw(env, dbi, key, bad.data, bad.len) == 0);
        CHECK(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0 &&
              gal_hblock_open(&r, txn, dbi, "hb") == 0);
        /* read it whole: its records, then the next block */
        int rc = gal_hblock_seek(&r, 2000, 0);
        for (int i = 0; rc == 0 && i < (int)GAL_HBLOCK_RECORDS + 1; i++)
            rc = gal_hblock_next(&r);
        /* and a find of its last record, which reads every one before */
        int rc2 = gal_hblock_find(&r, 2000, hashes[2][blk.data[0] - 1], &next);
        CHECK(rc == GAL_ECORRUPT && rc2 == GAL_ECORRUPT &&
              strstr(gal_error_detail(rc2), "hb") != NULL);
        gal_hblock_close(&r);
        mdb_txn_abort(txn);
        gal_buf_release(&bad);
    }
    CHECK(hb_put_raw(env, dbi, key, blk.data, blk.len) == 0); /* as it was: reads again */
    CHECK(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0 &&
          gal_hblock_open(&r, txn, dbi, "hb") == 0);
    CHECK(gal_hblock_find(&r, 2000, hashes[2][1], &next) == 0);
    gal_hblock_close(&r);
    mdb_txn_abort(txn);
    gal_buf_release(&blk);
    mdb_env_close(env);
    check_remove_tree(dir);
}

/* The text of a decoded record's i-th document is expect. */
static int text_is(const gal_buf *out, const gal_text_docs *docs, uint32_t i, const char *expect)
{
    return i < docs->n && docs->len[i] == strlen(expect) &&
           !memcmp(out->data + docs->off[i], expect, docs->len[i]);
}

/* Seal the record in rec again under doc, after a change to it. */
static void reseal_text(gal_buf *rec, uint32_t doc)
{
    rec->len -= 4;
    CHECK(gal_record_seal_from(rec, 0, gal_record_doc_key(doc)) == 0);
}

/* A block of stored text records: a group of three documents, one alone, a
 * group made with a dictionary; every document's text back, each record
 * refused under another document, without its dictionary, or changed. */
static void test_text_blocks(void)
{
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    gal_buf recs, block, out, joined, bad;
    gal_buf_init(&recs);
    gal_buf_init(&block);
    gal_buf_init(&out);
    gal_buf_init(&joined);
    gal_buf_init(&bad);
    const char *texts[6] = {"Title one\nBody of the first.", "",
                            "T\nsecond body, longer: oil prices rose, oil prices fell, oil prices "
                            "rose again",
                            "A lone document\nwith a body",
                            "Oil\noil prices rose, oil prices fell, oil prices rose again",
                            "Oil again\noil prices fell, oil prices rose, oil prices fell"};
    const char dict_text[] = "oil prices rose, oil prices fell, oil prices rose again, said the";
    ZSTD_CDict *cdict = ZSTD_createCDict(dict_text, sizeof dict_text - 1, 3);
    ZSTD_DDict *ddict = ZSTD_createDDict(dict_text, sizeof dict_text - 1);
    size_t off[4];
    uint32_t lens[3];
    /* records: documents 70-72 in a group, 73 alone, 74-75 in a group
     * made with the dictionary */
    static const uint32_t group_first[3] = {0, 3, 4}, group_n[3] = {3, 1, 2};
    for (uint32_t r = 0; r < 3; r++) {
        off[r] = recs.len;
        uint32_t first = group_first[r];
        if (group_n[r] == 1) {
            CHECK(gal_stored_text_encode(cctx, NULL, 3, texts[first], strlen(texts[first]),
                                         70 + first, &recs) == 0);
            continue;
        }
        gal_buf_clear(&joined);
        for (uint32_t i = 0; i < group_n[r]; i++) {
            lens[i] = (uint32_t)strlen(texts[first + i]);
            CHECK(gal_buf_append(&joined, texts[first + i], lens[i]) == 0 &&
                  gal_buf_append(&joined, "\n", 1) == 0);
        }
        CHECK(gal_stored_text_encode_group(cctx, r == 2 ? cdict : NULL, 3, joined.data, lens,
                                           group_n[r], 70 + first, &recs) == 0);
    }
    off[3] = recs.len;
    CHECK(gal_text_block_build(&block, recs.data, off, 3) == 0);
    gal_text_block b;
    CHECK(gal_text_block_open(block.data, block.len, 70, &b) == 0 && b.n == 3);
    const uint8_t *rec;
    size_t len;
    uint32_t doc, n, r = 0, seen = 0;
    gal_text_docs docs;
    while (!gal_text_block_next(&b, &rec, &len, &doc, &n)) {
        CHECK(doc == 70 + group_first[r] && n == group_n[r]);
        CHECK(gal_stored_text_decode(dctx, ddict, rec, len, doc, &out, &docs) == 0 && docs.n == n);
        for (uint32_t i = 0; i < n; i++)
            CHECK(text_is(&out, &docs, i, texts[seen++]));
        /* under another document, or without the dictionary it was made with */
        CHECK(gal_stored_text_decode(dctx, ddict, rec, len, doc + 1, &out, &docs) == GAL_ECORRUPT);
        if (r == 2)
            CHECK(gal_stored_text_decode(dctx, NULL, rec, len, doc, &out, &docs) == GAL_ECORRUPT);
        r++;
    }
    CHECK(r == 3 && seen == 6 && b.doc == 76);
    /* the first group, changed and sealed again (the checksum holds): one
     * count fewer or out of range, one length longer, two lengths swapped
     * (the sizes add up, a newline is missing) */
    const uint8_t *group = recs.data + off[0];
    size_t glen = off[1] - off[0];
    CHECK(gal_stored_text_count(group, glen) == 3 && gal_stored_text_count(group, 1) == 1);
    static const struct {
        size_t at;
        uint8_t to;
        size_t at2;
        uint8_t to2;
    } changes[] = {{1, 2, 0, 0}, {1, 1, 0, 0}, {1, 65, 0, 0}, {2, 29, 0, 0}, {2, 0, 3, 28}};
    for (size_t c = 0; c < sizeof changes / sizeof *changes; c++) {
        gal_buf_clear(&bad);
        CHECK(gal_buf_append(&bad, group, glen) == 0);
        CHECK(bad.data[2] == 28 && bad.data[3] == 0); /* the lengths of texts 0 and 1 */
        bad.data[changes[c].at] = changes[c].to;
        if (changes[c].at2)
            bad.data[changes[c].at2] = changes[c].to2;
        reseal_text(&bad, 70);
        CHECK(gal_stored_text_decode(dctx, NULL, bad.data, bad.len, 70, &out, &docs) ==
              GAL_ECORRUPT);
    }
    /* any byte of a record flipped: refused */
    for (size_t i = 0; i < glen; i++) {
        gal_buf_clear(&bad);
        CHECK(gal_buf_append(&bad, group, glen) == 0);
        bad.data[i] ^= 0x20;
        CHECK(gal_stored_text_decode(dctx, NULL, bad.data, bad.len, 70, &out, &docs) ==
              GAL_ECORRUPT);
    }
    /* a frame that says it holds 1 GB in 11 bytes: refused before room is
     * made for it (a single-segment header with a 4-byte content size, then
     * one RLE block) */
    static const uint8_t bomb[] = {GAL_TEXT_ZSTD, 0xA0, 0, 0, 0, 0x40, 0x13, 0, 0x20, 'x', 0, 0, 0, 0};
    gal_buf_clear(&bad);
    CHECK(gal_buf_append(&bad, bomb, sizeof bomb) == 0);
    reseal_text(&bad, 70);
    CHECK(gal_stored_text_decode(dctx, NULL, bad.data, bad.len, 70, &out, &docs) == GAL_ECORRUPT);
    CHECK(out.cap < (1u << 20));
    /* a group of incompressible texts is refused, out left as it was */
    gal_buf_clear(&joined);
    srand(5);
    for (int i = 0; i < 300; i++) {
        uint8_t c = (uint8_t)(rand() & 0xFF);
        CHECK(gal_buf_append(&joined, &c, 1) == 0);
    }
    joined.data[99] = joined.data[299] = '\n';
    lens[0] = 99;
    lens[1] = 199;
    size_t before = recs.len;
    CHECK(gal_stored_text_encode_group(cctx, NULL, 3, joined.data, lens, 2, 80, &recs) == 1 &&
          recs.len == before);
    /* every header byte flipped, every bit: an error or records that do
     * not decode, never a read past the block */
    size_t header = block.len - recs.len;
    for (size_t i = 0; i < header; i++)
        for (int bit = 0; bit < 8; bit++) {
            block.data[i] ^= (uint8_t)(1u << bit);
            int ok = gal_text_block_open(block.data, block.len, 70, &b) == 0;
            while (ok && !gal_text_block_next(&b, &rec, &len, &doc, &n))
                CHECK(rec >= block.data && rec + len <= block.data + block.len);
            block.data[i] ^= (uint8_t)(1u << bit);
        }
    CHECK(gal_text_block_open(block.data, 1, 70, &b) == GAL_ECORRUPT);
    gal_buf_release(&recs);
    gal_buf_release(&block);
    gal_buf_release(&out);
    gal_buf_release(&joined);
    gal_buf_release(&bad);
    ZSTD_freeCDict(cdict);
    ZSTD_freeDDict(ddict);
    ZSTD_freeCCtx(cctx);
    ZSTD_freeDCtx(dctx);
}

/* Where blocks of stored text end: each block, built, within
 * GAL_TEXT_BLOCK_BYTES and GAL_TEXT_BLOCK_RECORDS (one record larger than the
 * cap goes alone), and taking one record more would break one of them.
 * Record sizes from tiny to 300 kB, so that the count's varint, the
 * lengths', the records' limit and a record past the cap each end some
 * block. */
static void test_text_block_cut(unsigned seed)
{
    enum { N = 8000 };
    static size_t off[N + 1];
    static uint8_t zeros[600000]; /* two records of 300 kB at most */
    srand(seed);
    off[0] = 0;
    for (uint32_t i = 0; i < N; i++) {
        int kind = i < 1000 ? 0 : rand() % 1000; /* first tiny: blocks of 256 records */
        size_t len = kind < 600   ? (size_t)(rand() % 120)
                     : kind < 996 ? 200 + (size_t)(rand() % 1200)
                                  : 230000 + (size_t)(rand() % 70000);
        off[i + 1] = off[i] + len;
    }
    gal_buf block;
    gal_buf_init(&block);
    uint32_t blocks = 0, full = 0, alone = 0;
    for (uint32_t d = 0, k; d < N; d += k, blocks++) {
        k = gal_text_block_take(off + d, N - d);
        CHECK(k >= 1 && k <= GAL_TEXT_BLOCK_RECORDS && d + k <= N);
        CHECK(gal_text_block_build(&block, zeros, off + d, k) == 0);
        CHECK(block.len <= GAL_TEXT_BLOCK_BYTES || k == 1);
        alone += block.len > GAL_TEXT_BLOCK_BYTES;
        if (d + k < N && k < GAL_TEXT_BLOCK_RECORDS) { /* one more would not fit */
            CHECK(gal_text_block_build(&block, zeros, off + d, k + 1) == 0);
            CHECK(block.len > GAL_TEXT_BLOCK_BYTES);
        }
        full += k == GAL_TEXT_BLOCK_RECORDS;
    }
    CHECK(blocks > 10 && full > 0 && alone > 0);
    gal_buf_release(&block);
}

/* gal_grow, the array growth the index code shares: doubling from min,
 * straight to need when that is more, nothing changed when it fails. */
static void test_grow(void)
{
    uint32_t *a = NULL;
    size_t cap = 0;
    CHECK(gal_grow((void **)&a, &cap, 1, sizeof *a, 16) == 0 && a && cap == 16);
    a[15] = 7;
    CHECK(gal_grow((void **)&a, &cap, 16, sizeof *a, 16) == 0 && cap == 16); /* room already */
    CHECK(gal_grow((void **)&a, &cap, 17, sizeof *a, 16) == 0 && cap == 32 && a[15] == 7);
    CHECK(gal_grow((void **)&a, &cap, 100, sizeof *a, 0) == 0 && cap == 100 && a[15] == 7);
    uint32_t *before = a;
    gal_alloc_fail_at(1);
    CHECK(gal_grow((void **)&a, &cap, 101, sizeof *a, 0) == -1 && a == before && cap == 100);
    gal_alloc_fail_at(0);
    CHECK(gal_grow((void **)&a, &cap, SIZE_MAX / 2, sizeof *a, 0) == -1 && cap == 100);
    gal_free(a);
}

int main(void)
{
    unsigned seed = (unsigned)check_seed();
    test_codec(seed);
    test_text_block_cut(seed);
    test_pfor(seed);
    test_codec_layouts(seed);
    test_pfor_edges();
    test_pfor_rice(seed);
    test_doc_blocks(seed);
    test_docstats(seed);
    test_crc32c(seed);
    test_build_and_read(seed);
    test_shards_refused(seed);
    test_ids_in_one_batch();
    test_id_records();
    test_verify_run_counts(seed);
    test_doc_blocks_in_index(seed);
    test_hash_blocks(seed);
    test_text_blocks();
    test_dictionary_after_remap(seed);
    test_grow();
    test_batch_prefix_walk();
    return check_exit("test_index_format");
}
