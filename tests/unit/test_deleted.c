/*
 * test_deleted.c — the deleted table (common/deleted.h): records written
 * and read back as a bitmap, the count in meta, and every way a damaged
 * table is refused, by loading and by the per-record check verify uses,
 * instead of read as "nothing deleted"; records marked purged (optimize)
 * beside pending ones, and their count in meta.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "check.h"
#include "deleted.h"
#include "format.h"
#include "status.h"
#include "store.h"

#define NDOCS 5000u
/* The document whose record test_damage writes damaged and then removes:
 * never one of the deleted ones, or the removal would take a real record
 * with it. */
#define DAMAGED_DOC 17u

static void put_meta_docs(gal_store *st, uint64_t n)
{
    MDB_txn *txn;
    CHECK(gal_store_txn_begin(st, 0, &txn) == 0);
    CHECK(gal_meta_put_u64(st, txn, GAL_META_DOCS, n) == 0);
    CHECK(mdb_txn_commit(txn) == 0);
}

/* Write docs[0..n) in one transaction after `before` deleted. */
static int put(gal_store *st, const uint32_t *docs, size_t n, uint64_t before)
{
    MDB_txn *txn;
    CHECK(gal_store_txn_begin(st, 0, &txn) == 0);
    int rc = gal_deleted_put(st, txn, docs, n, before);
    if (rc)
        mdb_txn_abort(txn);
    else
        CHECK(mdb_txn_commit(txn) == 0);
    return rc;
}

static int load(gal_store *st, gal_deleted_set *d)
{
    MDB_txn *txn;
    CHECK(gal_store_txn_begin(st, 1, &txn) == 0);
    int rc = gal_deleted_load(st, txn, NDOCS, d);
    mdb_txn_abort(txn);
    return rc;
}

/* What `galley verify` does with the table: every record checked on its
 * own (a damaged one does not stop the walk), and their number against
 * meta.  GAL_ECORRUPT when anything is wrong. */
static int verify(gal_store *st, uint64_t *count)
{
    MDB_txn *txn;
    MDB_cursor *c;
    CHECK(gal_store_txn_begin(st, 1, &txn) == 0);
    CHECK(mdb_cursor_open(txn, st->deleted, &c) == 0);
    MDB_val k, v;
    int bad = 0;
    uint64_t meta = 0;
    *count = 0;
    for (int mrc = mdb_cursor_get(c, &k, &v, MDB_FIRST); !mrc;
         mrc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        uint32_t doc;
        int purged;
        bad |= gal_deleted_record_open(&k, &v, NDOCS, &doc, &purged) != 0;
        ++*count;
    }
    mdb_cursor_close(c);
    CHECK(gal_meta_get_u64(st, txn, GAL_META_DELETED, &meta) == 0);
    mdb_txn_abort(txn);
    return bad || meta != *count ? GAL_ECORRUPT : 0;
}

/* A raw record of the table, bypassing gal_deleted_put. */
static void put_raw(gal_store *st, const void *key, size_t klen, const void *val, size_t vlen)
{
    MDB_txn *txn;
    CHECK(gal_store_txn_begin(st, 0, &txn) == 0);
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    CHECK(mdb_put(txn, st->deleted, &k, &v, 0) == 0);
    CHECK(mdb_txn_commit(txn) == 0);
}

static void del_raw(gal_store *st, const void *key, size_t klen)
{
    MDB_txn *txn;
    CHECK(gal_store_txn_begin(st, 0, &txn) == 0);
    MDB_val k = {klen, (void *)key};
    CHECK(mdb_del(txn, st->deleted, &k, NULL) == 0);
    CHECK(mdb_txn_commit(txn) == 0);
}

static void test_round_trip(const char *dir, unsigned seed)
{
    gal_store *st;
    CHECK(gal_store_open(dir, GAL_STORE_WRITE, &st) == 0);
    put_meta_docs(st, NDOCS);
    gal_deleted_set d;
    CHECK(load(st, &d) == 0 && d.bits == NULL && d.count == 0); /* none: nothing read */
    CHECK(!gal_deleted_has(&d, 0) && !gal_deleted_has(NULL, 7));

    /* two commits of distinct random documents, the last one included */
    srand(seed);
    static uint8_t want[NDOCS];
    uint32_t docs[300];
    size_t n = 0;
    while (n < 300) {
        uint32_t doc = n == 0 ? NDOCS - 1 : (uint32_t)rand() % NDOCS;
        if (!want[doc] && doc != DAMAGED_DOC) {
            want[doc] = 1;
            docs[n++] = doc;
        }
    }
    CHECK(put(st, docs, 120, 0) == 0);
    CHECK(put(st, docs + 120, 180, 120) == 0);
    CHECK(load(st, &d) == 0 && d.count == 300 && d.ndocs == NDOCS);
    size_t agree = 0;
    for (uint32_t doc = 0; doc < NDOCS + 70; doc++)
        agree += gal_deleted_has(&d, doc) == (doc < NDOCS && want[doc]);
    CHECK_EQ_U64(agree, NDOCS + 70);
    /* walking them: every one, in order, from anywhere */
    uint32_t doc, prev = 0, walked = 0;
    for (uint64_t from = 0; gal_deleted_next(&d, from, &doc); from = (uint64_t)doc + 1) {
        CHECK(want[doc] && (walked == 0 || doc > prev));
        prev = doc;
        walked++;
    }
    CHECK_EQ_U64(walked, 300);
    /* the next live document, from anywhere: past runs of deleted ones */
    size_t live_ok = 0;
    for (uint32_t from = 0; from < NDOCS + 5; from++) {
        uint32_t want_live = from;
        while (want_live < NDOCS && want[want_live])
            want_live++;
        live_ok += gal_deleted_next_live(&d, from) == want_live;
    }
    CHECK_EQ_U64(live_ok, NDOCS + 5);
    CHECK(gal_deleted_next_live(NULL, 42) == 42 && gal_deleted_next_live(&d, UINT32_MAX) == UINT32_MAX);
    CHECK(gal_deleted_next(&d, NDOCS - 1, &doc) == 1 && doc == NDOCS - 1);
    CHECK(gal_deleted_next(&d, NDOCS, &doc) == 0 && gal_deleted_next(NULL, 0, &doc) == 0);
    uint64_t count;
    CHECK(verify(st, &count) == 0 && count == 300);

    /* marking: in place, beyond the bitmap (it grows), and twice (once) */
    uint32_t fresh = 0;
    while (want[fresh])
        fresh++;
    CHECK(gal_deleted_mark(&d, fresh) == 0 && gal_deleted_has(&d, fresh) && d.count == 301);
    CHECK(gal_deleted_mark(&d, NDOCS + 1000) == 0 && gal_deleted_has(&d, NDOCS + 1000));
    CHECK(!gal_deleted_has(&d, NDOCS + 999) && d.count == 302);
    CHECK(gal_deleted_mark(&d, fresh) == 0 && d.count == 302);
    gal_deleted_release(&d);
    CHECK(d.bits == NULL && d.count == 0);

    /* a document deleted twice is the writer's bug, refused, nothing written */
    CHECK(put(st, docs, 1, 300) != 0);
    CHECK(load(st, &d) == 0 && d.count == 300);
    gal_deleted_release(&d);
    gal_store_close(st);
}

static void expect_corrupt(gal_store *st, const char *what)
{
    gal_deleted_set d;
    uint64_t count;
    int l = load(st, &d), v = verify(st, &count);
    CHECK(l == GAL_ECORRUPT && d.bits == NULL);
    CHECK(v == GAL_ECORRUPT);
    if (l != GAL_ECORRUPT || v != GAL_ECORRUPT)
        fprintf(stderr, "  (%s: load %d, verify %d)\n", what, l, v);
}

static void test_damage(const char *dir)
{
    gal_store *st;
    CHECK(gal_store_open(dir, GAL_STORE_WRITE, &st) == 0);
    uint8_t key[4], bad[4] = {1, 2, 3, 4}, longer[8] = {0};
    gal_put_be32(key, DAMAGED_DOC);

    /* a record whose trailer does not match its key */
    put_raw(st, key, 4, bad, 4);
    expect_corrupt(st, "bad checksum");
    del_raw(st, key, 4);

    /* a key of the wrong size */
    put_raw(st, key, 3, bad, 4);
    expect_corrupt(st, "3-byte key");
    del_raw(st, key, 3);

    /* bytes where none belong (the trailer then covers them wrongly too) */
    put_raw(st, key, 4, longer, 8);
    expect_corrupt(st, "a value of 8 bytes");
    del_raw(st, key, 4);

    /* a document past the last one */
    uint32_t past = NDOCS + 5;
    CHECK(put(st, &past, 1, 300) == 0);
    expect_corrupt(st, "document past the last");
    gal_put_be32(key, past);
    del_raw(st, key, 4);

    /* meta disagreeing with the table: one more, and none */
    MDB_txn *txn;
    CHECK(gal_store_txn_begin(st, 0, &txn) == 0);
    CHECK(gal_meta_put_u64(st, txn, GAL_META_DELETED, 301) == 0);
    CHECK(mdb_txn_commit(txn) == 0);
    expect_corrupt(st, "meta counts one more");
    CHECK(gal_store_txn_begin(st, 0, &txn) == 0);
    CHECK(gal_meta_put_u64(st, txn, GAL_META_DELETED, 300) == 0);
    CHECK(mdb_txn_commit(txn) == 0);
    uint64_t count;
    CHECK(verify(st, &count) == 0 && count == 300); /* back as it was */
    gal_store_close(st);
}

/* Records marked purged, as optimize writes them, beside pending ones:
 * both deleted, the purged ones in a second bitmap and counted in meta
 * "purged", the pending ones walked alone. */
static void test_purged(const char *dir)
{
    gal_store *st;
    CHECK(gal_store_open(dir, GAL_STORE_WRITE, &st) == 0);
    gal_deleted_set d;
    CHECK(load(st, &d) == 0 && d.count == 300 && d.npurged == 0 && d.purged == NULL);
    /* mark every other deleted document purged, as optimize rewrites them */
    uint32_t doc, npurged = 0;
    MDB_txn *txn;
    CHECK(gal_store_txn_begin(st, 0, &txn) == 0);
    for (uint64_t from = 0, k = 0; gal_deleted_next(&d, from, &doc); from = (uint64_t)doc + 1, k++) {
        if (k % 2)
            continue;
        uint8_t key[4], val[5];
        gal_put_be32(key, doc);
        MDB_val mk = {4, key}, mv = {gal_deleted_record_value(doc, 1, val), val};
        CHECK(mv.mv_size == 5 && mdb_put(txn, st->deleted, &mk, &mv, 0) == 0);
        npurged++;
    }
    CHECK(gal_meta_put_u64(st, txn, GAL_META_PURGED, npurged) == 0);
    CHECK(mdb_txn_commit(txn) == 0);
    gal_deleted_set p;
    CHECK(load(st, &p) == 0 && p.count == 300 && p.npurged == npurged && npurged == 150);
    size_t agree = 0, pending = 0;
    for (uint64_t from = 0, k = 0; gal_deleted_next(&d, from, &doc); from = (uint64_t)doc + 1, k++)
        agree += gal_deleted_has(&p, doc) && gal_deleted_is_purged(&p, doc) == (k % 2 == 0);
    CHECK_EQ_U64(agree, 300);
    uint32_t prev = 0;
    for (uint64_t from = 0; gal_deleted_next_pending(&p, from, &doc); from = (uint64_t)doc + 1) {
        CHECK(gal_deleted_has(&p, doc) && !gal_deleted_is_purged(&p, doc) &&
              (pending == 0 || doc > prev));
        prev = doc;
        pending++;
    }
    CHECK_EQ_U64(pending, 150);
    CHECK(!gal_deleted_is_purged(&p, NDOCS + 3) && !gal_deleted_is_purged(NULL, 0));
    uint64_t count;
    CHECK(verify(st, &count) == 0 && count == 300);
    gal_deleted_release(&p);
    CHECK(p.purged == NULL && p.npurged == 0);

    /* meta "purged" disagreeing with the marks */
    CHECK(gal_store_txn_begin(st, 0, &txn) == 0);
    CHECK(gal_meta_put_u64(st, txn, GAL_META_PURGED, npurged - 1) == 0);
    CHECK(mdb_txn_commit(txn) == 0);
    CHECK(load(st, &p) == GAL_ECORRUPT && p.bits == NULL);
    /* a purged record with another byte, or the byte under a wrong trailer */
    uint8_t key[4], val[5];
    gal_deleted_next(&d, 0, &doc);
    gal_put_be32(key, doc);
    gal_deleted_record_value(doc, 1, val);
    val[0] = 2;
    put_raw(st, key, 4, val, 5);
    int purged = 0;
    MDB_val mk = {4, key}, mv = {5, val};
    CHECK(gal_deleted_record_open(&mk, &mv, NDOCS, &doc, &purged) == GAL_ECORRUPT);
    gal_deleted_record_value(doc, 0, val); /* a pending record's trailer after the byte */
    memmove(val + 1, val, 4);
    val[0] = GAL_DELETED_PURGED;
    CHECK(gal_deleted_record_open(&mk, &mv, NDOCS, &doc, &purged) == GAL_ECORRUPT);
    gal_deleted_release(&d);
    gal_store_close(st);
}

int main(void)
{
    unsigned seed = (unsigned)check_seed();
    char dir[] = "/tmp/galley-deleted-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_round_trip(dir, seed);
    test_damage(dir);
    test_purged(dir);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_exit("test_deleted");
}
