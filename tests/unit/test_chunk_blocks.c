/*
 * test_chunk_blocks.c — small terms' postings in shared blocks
 * (chunk_blocks.h) and the cursor that reads the table chunk by chunk
 * (chunk_cursor.h): every chunk written comes back, in key order forwards
 * and backwards, every seek lands where one record per chunk would put it,
 * and a damaged block is reported, never read as postings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "check.h"
#include "chunk_blocks.h"
#include "chunk_cursor.h"
#include "postings_codec.h"
#include "record.h"
#include "status.h"

#define BATCHES 3
#define TERMS 700
#define FILL_BATCHES 60 /* a thousand leaf pages: enough to see a 1 % saving */
#define MAX_CHUNKS (FILL_BATCHES * TERMS * 3)

typedef struct written {
    uint8_t key[GAL_POSTINGS_KEY_LEN];
    uint32_t ndocs, first_doc, last_doc;
} written;

static written chunks[MAX_CHUNKS];
static size_t nchunks;

typedef struct put_ctx {
    MDB_cursor *cur;
    size_t records, blocks;
} put_ctx;

static int put_record(void *ctx, const uint8_t key[GAL_POSTINGS_KEY_LEN], const void *val,
                      size_t len)
{
    put_ctx *pc = ctx;
    MDB_val k = {GAL_POSTINGS_KEY_LEN, (void *)key}, v = {len, (void *)val};
    pc->records++;
    if (gal_postings_key_is_block(key)) {
        pc->blocks++;
        CHECK(len <= GAL_BLOCK_BYTES + GAL_RECORD_TRAILER);
    }
    return mdb_cursor_put(pc->cur, &k, &v, MDB_APPEND);
}

/* One term's postings in batch first: ndocs documents in chunks of at most
 * GAL_CHUNK_DOCS, with tf positions each, through the packer. */
static void add_term(gal_chunk_packer *pk, uint32_t batch, uint64_t hash, uint32_t ndocs,
                     uint32_t tf)
{
    static uint32_t docs[GAL_CHUNK_DOCS], tfs[GAL_CHUNK_DOCS], pos[GAL_CHUNK_DOCS * 8];
    uint32_t d = batch + (uint32_t)(rand() % 50);
    gal_buf b;
    gal_buf_init(&b);
    for (uint32_t done = 0; done < ndocs;) {
        uint32_t n = ndocs - done < GAL_CHUNK_DOCS ? ndocs - done : GAL_CHUNK_DOCS, np = 0;
        for (uint32_t i = 0; i < n; i++) {
            docs[i] = d;
            d += 1 + (uint32_t)(rand() % 20);
            tfs[i] = tf;
            for (uint32_t k = 0; k < tf; k++)
                pos[np++] = k * 7 + (uint32_t)(rand() % 5);
        }
        done += n;
        written *w = &chunks[nchunks++];
        gal_postings_key(w->key, batch, hash, docs[0]);
        w->ndocs = n;
        w->first_doc = docs[0];
        w->last_doc = docs[n - 1];
        gal_buf_clear(&b);
        CHECK(gal_chunk_encode(docs, tfs, pos, n, done == ndocs ? ndocs : 0, w->key, &b) == 0);
        CHECK(gal_chunk_packer_add(pk, w->key, b.data, b.len, ndocs <= GAL_CHUNK_DOCS) == 0);
    }
    gal_buf_release(&b);
}

/* Batch b's TERMS terms: mostly rare ones, some long runs of them. */
static void add_batch(gal_chunk_packer *pk, uint32_t b)
{
    uint64_t h = (uint64_t)rand() << 8;
    for (int t = 0; t < TERMS; t++) {
        h += 1 + ((uint64_t)rand() << 20);
        int kind = rand() % 10;
        uint32_t ndocs = kind < 7 ? 1 + (uint32_t)(rand() % 3)
                         : kind < 9 ? 20 + (uint32_t)(rand() % 60)
                                    : 100 + (uint32_t)(rand() % 300);
        add_term(pk, b * 100000, h, ndocs, 1 + (uint32_t)(rand() % 4));
    }
}

/* The chunk the cursor gave is written chunk i, and reads as it. */
static int is_chunk(const gal_chunk_rec *r, size_t i)
{
    if (memcmp(r->key, chunks[i].key, GAL_POSTINGS_KEY_LEN))
        return 0;
    gal_chunk_view v;
    uint32_t docs[GAL_CHUNK_DOCS], tfs[GAL_CHUNK_DOCS];
    return gal_chunk_parse_rec(r, &v, "test") == 0 && v.ndocs == chunks[i].ndocs &&
           v.first_doc == chunks[i].first_doc && v.last_doc == chunks[i].last_doc &&
           gal_chunk_decode_docs(&v, docs, tfs, "test") == 0 &&
           docs[v.ndocs - 1] == chunks[i].last_doc;
}

/* Every chunk written, in order, from the table's first. */
static void check_forwards(gal_chunk_cursor *cc)
{
    gal_chunk_rec r;
    size_t i = 0, wrong = 0;
    int rc;
    for (rc = gal_chunk_cursor_get(cc, &r, MDB_FIRST, NULL); rc == 0;
         rc = gal_chunk_cursor_get(cc, &r, MDB_NEXT, NULL), i++)
        wrong += i >= nchunks || !is_chunk(&r, i);
    CHECK(rc == MDB_NOTFOUND && i == nchunks && wrong == 0);
}

static void test_table(unsigned seed)
{
    char dir[] = "/tmp/galley-cb-XXXXXX";
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    if (check_scratch_env(dir, 4, 256u << 20, &env))
        return;
    CHECK(mdb_txn_begin(env, NULL, 0, &txn) == 0 &&
          mdb_dbi_open(txn, "postings", MDB_CREATE, &dbi) == 0);
    put_ctx pc = {NULL, 0, 0};
    CHECK(mdb_cursor_open(txn, dbi, &pc.cur) == 0);
    gal_chunk_packer pk;
    gal_chunk_packer_init(&pk, put_record, &pc);
    srand(seed);
    nchunks = 0;
    for (uint32_t b = 0; b < BATCHES; b++)
        add_batch(&pk, b);
    uint8_t bad[GAL_POSTINGS_KEY_LEN];
    gal_postings_key(bad, 0, 1, GAL_BLOCK_DOC);
    CHECK(gal_chunk_packer_add(&pk, bad, "0123", 4, 1) == GAL_EUSAGE);
    CHECK(gal_chunk_packer_flush(&pk) == 0);
    gal_chunk_packer_release(&pk);
    mdb_cursor_close(pc.cur);
    CHECK(mdb_txn_commit(txn) == 0);
    /* blocks hold most of the rare terms: far fewer records than chunks */
    CHECK(pc.blocks > 10 && pc.records < nchunks / 2);

    CHECK(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0);
    gal_chunk_cursor cc;
    CHECK(gal_chunk_cursor_open(&cc, txn, dbi) == 0);
    gal_chunk_rec r;
    /* forwards, then backwards: every chunk, in order */
    check_forwards(&cc);
    size_t i, wrong = 0, back = 0;
    int rc;
    for (rc = gal_chunk_cursor_get(&cc, &r, MDB_LAST, NULL); rc == 0;
         rc = gal_chunk_cursor_get(&cc, &r, MDB_PREV, NULL), back++)
        wrong += back >= nchunks || !is_chunk(&r, nchunks - 1 - back);
    CHECK(rc == MDB_NOTFOUND && back == nchunks && wrong == 0);
    /* seeks: onto each chunk's key; just past it (the next chunk); past
     * every chunk of its term (the next term's first); and a step back
     * from there lands on the term's last */
    size_t seek_wrong = 0;
    for (i = 0; i < nchunks; i++) {
        uint8_t k[GAL_POSTINGS_KEY_LEN];
        memcpy(k, chunks[i].key, sizeof k);
        seek_wrong += gal_chunk_cursor_get(&cc, &r, MDB_SET_RANGE, k) != 0 || !is_chunk(&r, i);
        gal_put_be32(k + 12, chunks[i].first_doc + 1);
        rc = gal_chunk_cursor_get(&cc, &r, MDB_SET_RANGE, k);
        seek_wrong += i + 1 < nchunks ? rc != 0 || !is_chunk(&r, i + 1) : rc != MDB_NOTFOUND;
        gal_put_be32(k + 12, UINT32_MAX);
        size_t next = i;
        while (next < nchunks && !memcmp(chunks[next].key, k, 12))
            next++;
        rc = gal_chunk_cursor_get(&cc, &r, MDB_SET_RANGE, k);
        seek_wrong += next < nchunks ? rc != 0 || !is_chunk(&r, next) : rc != MDB_NOTFOUND;
        rc = gal_chunk_cursor_get(&cc, &r, rc == MDB_NOTFOUND ? MDB_LAST : MDB_PREV, NULL);
        seek_wrong += rc != 0 || !is_chunk(&r, next - 1);
    }
    CHECK(seek_wrong == 0);

    /* a block damaged anywhere, or its key, reads as corrupt */
    MDB_cursor *raw;
    MDB_val k, v;
    CHECK(mdb_cursor_open(txn, dbi, &raw) == 0);
    for (rc = mdb_cursor_get(raw, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(raw, &k, &v, MDB_NEXT))
        if (gal_postings_key_is_block(k.mv_data))
            break;
    CHECK(rc == 0 && gal_postings_key_is_block(k.mv_data));
    uint8_t key[GAL_POSTINGS_KEY_LEN], copy[GAL_BLOCK_BYTES + GAL_RECORD_TRAILER];
    size_t len = v.mv_size, caught = 0;
    memcpy(key, k.mv_data, sizeof key);
    memcpy(copy, v.mv_data, len);
    gal_chunk_block blk;
    for (size_t at = 0; at < len + sizeof key; at++) {
        uint8_t *byte = at < len ? &copy[at] : &key[at - len];
        *byte ^= (uint8_t)(1u << (at % 8));
        caught += gal_chunk_block_open(&blk, key, copy, len) == GAL_ECORRUPT;
        *byte ^= (uint8_t)(1u << (at % 8));
    }
    CHECK_EQ_U64(caught, len + sizeof key);
    /* read without the check, as a seek does: parsing any chunk of the
     * block then checks it */
    caught = 0;
    for (size_t at = 0; at < len; at++) {
        copy[at] ^= (uint8_t)(1u << (at % 8));
        int bad = gal_chunk_block_start(&blk, key, copy, len) != 0;
        gal_chunk_view cv;
        while (!bad && (rc = gal_chunk_block_next(&blk, &r)) == 1)
            bad = gal_chunk_parse_rec(&r, &cv, "test") == GAL_ECORRUPT;
        caught += bad || rc < 0;
        copy[at] ^= (uint8_t)(1u << (at % 8));
    }
    CHECK_EQ_U64(caught, len);
    /* a block whose terms do not end at its key's, sealed as if whole */
    CHECK(gal_chunk_block_open(&blk, key, copy, len) == 0);
    int n = 0;
    while ((rc = gal_chunk_block_next(&blk, &r)) == 1)
        n++;
    CHECK(rc == 0 && n > 0);
    gal_buf forged;
    gal_buf_init(&forged);
    gal_put_be64(key + 4, gal_get_be64(key + 4) + 1);
    CHECK(gal_buf_append(&forged, copy, len - GAL_RECORD_TRAILER) == 0 &&
          gal_record_seal(&forged, gal_record_key(key, sizeof key)) == 0);
    CHECK(gal_chunk_block_open(&blk, key, forged.data, forged.len) == 0);
    while ((rc = gal_chunk_block_next(&blk, &r)) == 1)
        ;
    CHECK(rc == GAL_ECORRUPT);
    gal_buf_release(&forged);
    mdb_cursor_close(raw);
    gal_chunk_cursor_close(&cc);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    check_remove_tree(dir);
}

/* The seed's batches into a fresh table, one transaction a batch as the
 * writer commits them, the packer modelling the leaf pages when model is
 * set; every chunk must come back.  Returns LMDB's leaf page count, and
 * the model's in *modelled. */
static size_t leaf_pages(unsigned seed, int model, uint64_t *modelled)
{
    char dir[] = "/tmp/galley-cb-XXXXXX";
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_stat ms;
    if (check_scratch_env(dir, 4, 256u << 20, &env))
        return 0;
    CHECK(mdb_env_stat(env, &ms) == 0);
    put_ctx pc = {NULL, 0, 0};
    gal_chunk_packer pk;
    gal_chunk_packer_init(&pk, put_record, &pc);
    pk.fill = (gal_leaf_fill){model ? ms.ms_psize : 0, 0, 0};
    srand(seed);
    nchunks = 0;
    for (uint32_t b = 0; b < FILL_BATCHES; b++) {
        CHECK(mdb_txn_begin(env, NULL, 0, &txn) == 0 &&
              mdb_dbi_open(txn, "postings", MDB_CREATE, &dbi) == 0 &&
              mdb_cursor_open(txn, dbi, &pc.cur) == 0);
        add_batch(&pk, b);
        CHECK(gal_chunk_packer_flush(&pk) == 0);
        mdb_cursor_close(pc.cur);
        CHECK(mdb_txn_commit(txn) == 0);
    }
    gal_chunk_packer_release(&pk);
    *modelled = pk.fill.pages;
    CHECK(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0 && mdb_stat(txn, dbi, &ms) == 0);
    gal_chunk_cursor cc;
    CHECK(gal_chunk_cursor_open(&cc, txn, dbi) == 0);
    check_forwards(&cc);
    gal_chunk_cursor_close(&cc);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    check_remove_tree(dir);
    return ms.ms_leaf_pages;
}

/* The packer's model of LMDB's leaf pages counts them as LMDB does, over
 * commits; and the blocks it ends where a page ends save pages. */
static void test_leaf_fill(unsigned seed)
{
    uint64_t modelled, unmodelled;
    size_t with = leaf_pages(seed, 1, &modelled), without = leaf_pages(seed, 0, &unmodelled);
    CHECK_EQ_U64(modelled, with);
    CHECK(unmodelled == 0 && with < without);
    printf("test_chunk_blocks: leaf pages %zu, %zu without blocks that end with a page\n", with,
           without);
}

int main(void)
{
    test_table((unsigned)check_seed());
    test_leaf_fill((unsigned)check_seed());
    return check_exit("test_chunk_blocks");
}
