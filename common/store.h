/*
 * store.h — the LMDB environment under an index: opening it, its named
 * databases, the writer lock, map growth, metadata and LMDB error
 * translation.  Shared by the reading side (index_read.c) and the writer.
 */
#ifndef GAL_STORE_H
#define GAL_STORE_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gal_store {
    MDB_env *env;
    MDB_dbi meta, postings, lexicon, vocab, docs, ids, text, docstats, files;
    MDB_dbi deleted;  /* deleted.h; a reader of an index before format 10 */
    int has_deleted;  /* may find none: then 0 */
    char *dir;
    int lock_fd; /* writer lock (flock), -1 for readers */
    int writable;
    /* How many times this process moved the map (a resize, with no
     * transaction open): pointers into it kept across transactions, such
     * as the text dictionary's, are stale after one.  Atomic. */
    unsigned long remaps;
    /* A write faulted inside LMDB (gal_store_write): its transaction is
     * left as it is, never aborted or committed, and the environment never
     * closed, for the process to end with (see gal_store_write). */
    int abandoned;
} gal_store;

enum { GAL_STORE_READ = 0, GAL_STORE_WRITE = 1 };

/* Open the index in dir.  GAL_STORE_WRITE creates the directory and the
 * databases if needed and takes the writer lock (GAL_EBUSY when another
 * process holds it).  GAL_STORE_READ fails with GAL_ENOTFOUND when dir holds
 * no index and GAL_ECORRUPT when its format version is not ours. */
int gal_store_open(const char *dir, int mode, gal_store **out);
void gal_store_close(gal_store *st); /* NULL is fine */

/* Begin a transaction, absorbing a map resize made by another process. */
int gal_store_txn_begin(gal_store *st, int rdonly, MDB_txn **txn);

/* Whether dir's file system has less than a megabyte left.  LMDB turns a
 * short write into EIO ("filesystem full?"), and a lock file it cannot
 * back into SIGBUS: with this little room left, either is a full disk. */
int gal_store_disk_nearly_full(const char *dir);

/* Ask the kernel to drop the data file's cached pages that are clean and
 * mapped by no process: after a commit (which synced its pages), what it
 * wrote.  A bulk load writes far more than it reads back, and left in the
 * page cache that output pushes out what the machine was using; the pages
 * LMDB reads through its map stay.  Advice only: nothing fails. */
void gal_store_drop_cached(gal_store *st);

/* Double the map size; no transaction may be open in this process. */
int gal_store_grow(gal_store *st);

/* Run write(ctx, txn) in a write transaction and commit it.  When the map
 * fills (write's or the commit's MDB_MAP_FULL, or GAL_EMAPFULL), the
 * transaction is aborted, the map doubled and write run again from the
 * start, so write must not keep what an earlier try did.  write returns 0,
 * an LMDB code or a negative gal_status; an LMDB failure is returned as a
 * gal_status whose detail begins with what ("cannot write batch to"). */
int gal_store_write(gal_store *st, int (*write)(void *ctx, MDB_txn *txn), void *ctx,
                    const char *what);

/* Write a compacted copy of the index's latest committed state into the
 * directory dst, which must exist and hold no index: only the pages in use,
 * in key order, so the space that copy-on-write left free in st is not
 * copied (LMDB never shrinks a data file by itself).  Safe while a writer
 * works on st: the copy is one read snapshot.  GAL_EIO or GAL_EFULL (via
 * errno) when dst cannot be written; GAL_EDB otherwise. */
int gal_store_copy_compact(gal_store *st, const char *dst);

/* What gal_store_close_replacing did. */
typedef struct gal_compaction {
    int compacted;          /* the new file is in place */
    const char *skipped;    /* why not, or NULL */
    uint64_t before, after; /* data.mdb bytes */
} gal_compaction;

/* Close st (written by this process), replacing its data file by the one
 * in the directory tmp: a complete index of the same content that this
 * process wrote (an optimized copy).  Safe for readers (store_replace.c
 * says how); skipped (result->skipped) when another process has the index
 * open.  tmp is removed either way.  Sets result->compacted and ->after. */
int gal_store_close_replacing(gal_store *st, const char *tmp, gal_compaction *result);

/* Remove the scratch directory tmp (data.mdb, lock.mdb) if it exists. */
void gal_store_remove_scratch(const char *tmp);

/* Translate an LMDB return code into a gal_status with a detail line that
 * names what failed, e.g. "cannot write 'idx': MDB_MAP_FULL ...". */
int gal_store_error(const gal_store *st, int mdb_rc, const char *what);

/* The gal_status of an LMDB return code alone: a damaged page is
 * GAL_ECORRUPT (and MDB_BAD_TXN too when not writing), a full disk
 * GAL_EFULL, and so on; for callers that word their own detail line. */
int gal_store_status(int mdb_rc, int writing);

/* The error of a failed read of table (NULL: the index), for the table
 * readers that every side shares.  MDB_BAD_TXN there means a damaged page:
 * LMDB opens a cursor on a table whose entry in its main table sits on a
 * damaged page without an error and only marks the transaction, so the
 * read after it is where the damage shows ("corrupt index: ..."). */
int gal_store_read_error(int mdb_rc, const char *table);

/* meta helpers: absent u64 keys read as 0 */
int gal_meta_get_u64(gal_store *st, MDB_txn *txn, const char *key, uint64_t *v);
int gal_meta_put_u64(gal_store *st, MDB_txn *txn, const char *key, uint64_t v);

/* The stored text's zstd dictionary (*p NULL when there is none), checked
 * against its checksum where the index has one: GAL_ECORRUPT when it does
 * not match (*p and *n then give the damaged bytes, for verify).  Nothing else guards it, and texts decoded with a damaged
 * dictionary come out wrong but whole (their records' checksums cover the
 * compressed bytes): `galley optimize` would pack them so for good. */
int gal_meta_get_zdict(gal_store *st, MDB_txn *txn, const void **p, size_t *n);

/* Write the dictionary and its checksum. */
int gal_meta_put_zdict(gal_store *st, MDB_txn *txn, const void *p, size_t n);
int gal_meta_put_bytes(gal_store *st, MDB_txn *txn, const char *key, const void *p, size_t n);
/* *p is NULL with *n 0 when absent; valid until the transaction ends. */
int gal_meta_get_bytes(gal_store *st, MDB_txn *txn, const char *key, const void **p, size_t *n);
/* Meta shard "K/N" into *k and *n (0 and 0 when absent); GAL_ECORRUPT when
 * it is not such a pair. */
int gal_meta_get_shard(gal_store *st, MDB_txn *txn, unsigned *k, unsigned *n);

#endif
