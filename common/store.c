#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "alloc.h"
#include "crc32c.h"
#include "fault_guard.h"
#include "format.h"
#include "make_dirs.h"
#include "status.h"
#include "tokenizer_rules.h"

#define GAL_INITIAL_MAP (256ull << 20)

/* The map size a new index starts with: GAL_INITIAL_MAP, or
 * GALLEY_INITIAL_MAP_MB megabytes (tests use a small map to make it grow). */
static size_t initial_map(void)
{
    const char *env = getenv("GALLEY_INITIAL_MAP_MB");
    char *end;
    long long mb = env && *env ? strtoll(env, &end, 10) : 0;
    if (mb > 0 && mb <= (1ll << 20) && *end == '\0')
        return (size_t)mb << 20;
    return (size_t)GAL_INITIAL_MAP;
}

int gal_store_disk_nearly_full(const char *dir)
{
    struct statvfs sv;
    return dir && statvfs(dir, &sv) == 0 && (uint64_t)sv.f_bavail * sv.f_frsize < (1u << 20);
}

int gal_store_status(int mdb_rc, int writing)
{
    if (mdb_rc == ENOSPC || mdb_rc == EDQUOT)
        return GAL_EFULL;
    if (mdb_rc == ENOMEM)
        return GAL_ENOMEM;
    if (mdb_rc == MDB_MAP_FULL)
        return GAL_EMAPFULL; /* the writer grows the map and retries */
    if (mdb_rc == MDB_CORRUPTED || mdb_rc == MDB_PAGE_NOTFOUND || mdb_rc == MDB_INVALID ||
        mdb_rc == MDB_VERSION_MISMATCH)
        return GAL_ECORRUPT;
    if (mdb_rc == MDB_BAD_TXN && !writing)
        return GAL_ECORRUPT; /* a read transaction goes bad only after a damaged page */
    if (mdb_rc == EIO)
        return GAL_EIO;
    return GAL_EDB;
}

int gal_store_read_error(int mdb_rc, const char *table)
{
    return gal_error_set(gal_store_status(mdb_rc, 0), "%scannot read the %s%s: %s",
                         mdb_rc == MDB_BAD_TXN ? "corrupt index: " : "", table ? table : "index",
                         table ? " table" : "", mdb_strerror(mdb_rc));
}

int gal_store_error(const gal_store *st, int mdb_rc, const char *what)
{
    const char *dir = st ? st->dir : "?";
    if (mdb_rc == EIO && st && gal_store_disk_nearly_full(st->dir))
        return gal_error_set(GAL_EFULL, "%s '%s': no space left on device (%s)", what, dir,
                             mdb_strerror(mdb_rc));
    /* without a store, assume a writer: MDB_BAD_TXN then stays a database error */
    int status = gal_store_status(mdb_rc, st ? st->writable : 1);
    return gal_error_set(status, "%s '%s': %s", what, dir, mdb_strerror(mdb_rc));
}

static int open_dbi(gal_store *st, MDB_txn *txn, const char *name, MDB_dbi *dbi)
{
    int rc = mdb_dbi_open(txn, name, st->writable ? MDB_CREATE : 0, dbi);
    if (rc == MDB_NOTFOUND)
        return gal_error_set(GAL_ECORRUPT, "'%s' is not a galley index: table '%s' is missing",
                             st->dir, name);
    return rc ? gal_store_error(st, rc, "cannot open table in") : 0;
}

static int take_writer_lock(gal_store *st)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/writer.lock", st->dir);
    st->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (st->lock_fd < 0)
        return gal_error_set(GAL_EIO, "cannot open '%s': %s", path, strerror(errno));
    if (flock(st->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        int busy = errno == EWOULDBLOCK;
        return gal_error_set(busy ? GAL_EBUSY : GAL_EIO,
                             busy ? "index '%s' is being written by another galley process"
                                  : "cannot lock index '%s': %s",
                             st->dir, strerror(errno));
    }
    return 0;
}

static int check_version(gal_store *st, MDB_txn *txn)
{
    uint64_t format = 0, tokenizer = 0;
    int rc;
    if ((rc = gal_meta_get_u64(st, txn, GAL_META_FORMAT, &format)) ||
        (rc = gal_meta_get_u64(st, txn, GAL_META_TOKENIZER, &tokenizer)))
        return rc;
    if (format == 0 && (st->writable || tokenizer == 0))
        return 0; /* a new index: tables made, no batch committed yet (reads as empty) */
    if (format < GAL_FORMAT_OLDEST || format > GAL_FORMAT_VERSION)
        return gal_error_set(GAL_ECORRUPT,
                             "index '%s' has format version %llu, this galley reads %u to %u",
                             st->dir, (unsigned long long)format, GAL_FORMAT_OLDEST,
                             GAL_FORMAT_VERSION);
    if (tokenizer != GAL_TOKENIZER_VERSION)
        return gal_error_set(GAL_ECORRUPT,
                             "index '%s' was built with tokenizer version %llu, this galley has %u",
                             st->dir, (unsigned long long)tokenizer, GAL_TOKENIZER_VERSION);
    return 0;
}

typedef struct opening {
    gal_store *st;
    MDB_txn *txn;
} opening;

/* Every table's handle, and the versions checked. */
static int open_tables(void *arg)
{
    opening *op = arg;
    gal_store *st = op->st;
    MDB_txn *txn = op->txn;
    int rc;
    if ((rc = open_dbi(st, txn, GAL_DB_META, &st->meta)) ||
        (rc = open_dbi(st, txn, GAL_DB_POSTINGS, &st->postings)) ||
        (rc = open_dbi(st, txn, GAL_DB_LEXICON, &st->lexicon)) ||
        (rc = open_dbi(st, txn, GAL_DB_VOCAB, &st->vocab)) ||
        (rc = open_dbi(st, txn, GAL_DB_DOCS, &st->docs)) ||
        (rc = open_dbi(st, txn, GAL_DB_IDS, &st->ids)) ||
        (rc = open_dbi(st, txn, GAL_DB_TEXT, &st->text)) ||
        (rc = open_dbi(st, txn, GAL_DB_DOCSTATS, &st->docstats)) ||
        (rc = open_dbi(st, txn, GAL_DB_FILES, &st->files)))
        return rc;
    /* the deleted table came with format 10: a reader of an older index
     * finds none, and nothing is deleted there */
    int mrc = mdb_dbi_open(txn, GAL_DB_DELETED, st->writable ? MDB_CREATE : 0, &st->deleted);
    if (mrc && mrc != MDB_NOTFOUND)
        return gal_store_error(st, mrc, "cannot open table in");
    st->has_deleted = mrc == 0;
    return check_version(st, txn);
}

/* LMDB's lock file for MAX_READERS readers: 64-byte slots after a
 * 192-byte header (LMDB 0.9, 64-bit). */
#define MAX_READERS 1024
#define LOCK_FILE_BYTES ((MAX_READERS - 1) * 64 + 192)

/* Give lock.mdb its blocks now.  LMDB sizes it with ftruncate and writes
 * each reader's slot through a shared map: on a file system that has
 * filled up since, the first reader whose slot falls on a page never
 * written faulted (SIGBUS) and said the index was corrupt (a full 8 MB
 * tmpfs: 88 of 150 readers at once).  Before the environment is opened:
 * closing a descriptor of the file drops every lock this process holds on
 * it, and LMDB has taken none yet.  Failures change nothing (a read-only
 * file system, no room: as before). */
static void back_lock_file(const char *lock)
{
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    struct stat sb;
    if (fstat(fd, &sb) == 0)
        (void)posix_fallocate(fd, 0, sb.st_size > LOCK_FILE_BYTES ? sb.st_size : LOCK_FILE_BYTES);
    close(fd);
}

/* A data.mdb shorter than the pages its newest commit uses: a copy that
 * stopped early, or a file cut by a disk that filled up.  LMDB maps the
 * missing pages anyway, so a read of one faults (SIGBUS) somewhere deep in
 * a command, and a writer's pwrite past the end would leave holes of zeros
 * for pages.  Said here, once, before anything reads: a commit writes its
 * pages before its meta page, so a file that a finished commit names is
 * never shorter, however a writer runs beside this one. */
static int check_length(gal_store *st)
{
    MDB_envinfo info;
    MDB_stat es;
    int fd;
    struct stat sb;
    if (mdb_env_info(st->env, &info) || mdb_env_stat(st->env, &es) ||
        mdb_env_get_fd(st->env, &fd) || fstat(fd, &sb) != 0)
        return 0; /* nothing to compare: the reads that follow say what is wrong */
    uint64_t need = ((uint64_t)info.me_last_pgno + 1) * es.ms_psize;
    if ((uint64_t)sb.st_size >= need)
        return 0;
    return gal_error_set(GAL_ECORRUPT, "index '%s' is corrupt: its data.mdb is %llu bytes, but "
                         "its last commit uses %llu (cut short: a copy that stopped early, or a "
                         "disk that filled up?)", st->dir, (unsigned long long)sb.st_size,
                         (unsigned long long)need);
}

/* Whether dir holds shard-K directories: what `galley index --shards` and
 * `--mpi` make, the shards of one index and no index of its own. */
static int holds_shards(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int found = 0;
    struct dirent *e;
    while (!found && (e = readdir(d)))
        found = gal_shard_dir_number(e->d_name) != 0;
    closedir(d);
    return found;
}

int gal_store_open(const char *dir, int mode, gal_store **out)
{
    gal_store *st = gal_calloc(1, sizeof *st);
    if (!st)
        return gal_error_set(GAL_ENOMEM, "out of memory opening '%s'", dir);
    st->lock_fd = -1;
    st->writable = mode == GAL_STORE_WRITE;
    int rc = GAL_ENOMEM;
    MDB_txn *txn = NULL;
    if (!(st->dir = gal_strndup(dir, strlen(dir))))
        goto fail;

    char data[4096];
    snprintf(data, sizeof data, "%s/data.mdb", dir);
    struct stat sb;
    if (st->writable) {
        if (stat(data, &sb) != 0 && holds_shards(dir)) {
            /* an index made here would stand in for the shards beside it */
            rc = gal_error_set(GAL_EUSAGE, "'%s' holds the shards of an index (galley index "
                                           "--shards or --mpi), not an index: add to them with "
                                           "--shards N --append", dir);
            goto fail;
        }
        if (stat(dir, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
            rc = gal_error_set(GAL_EUSAGE, "'%s' is a file, not an index (a directory)", dir);
            goto fail;
        }
        if (gal_make_dirs(dir, 1) != 0) { /* its parents too, as -o promises */
            rc = gal_error_set(errno == ENOSPC ? GAL_EFULL : GAL_EIO, "cannot create '%s': %s",
                               dir, strerror(errno));
            goto fail;
        }
        if ((rc = take_writer_lock(st)))
            goto fail;
        /* LMDB would take an empty file for a new index: what was there
         * would be lost without a word (readers say it is cut short) */
        if (stat(data, &sb) == 0 && sb.st_size == 0) {
            rc = gal_error_set(GAL_ECORRUPT, "index '%s' is corrupt: its data.mdb is empty (cut "
                               "short, or its creation was killed: remove it to start anew)", dir);
            goto fail;
        }
    } else if (stat(data, &sb) != 0) {
        if (holds_shards(dir))
            rc = gal_error_set(GAL_ENOTFOUND, "no index at '%s': it holds the shards of one "
                                              "(give one, '%s/shard-1'; 'galley query', "
                                              "'entities' and 'merge' read them all)", dir, dir);
        else
            rc = gal_error_set(GAL_ENOTFOUND, "no index at '%s': %s", dir,
                               stat(dir, &sb) != 0 ? strerror(errno) : "data.mdb is missing");
        goto fail;
    } else if (sb.st_size == 0) { /* LMDB would say "Bad file descriptor" */
        rc = gal_error_set(GAL_ECORRUPT, "index '%s' is corrupt: its data.mdb is empty (cut "
                           "short, or still being created)", dir);
        goto fail;
    }

    /* LMDB creates lock.mdb and writes its header through a shared map:
     * with no room left on the file system that faults (SIGBUS) instead of
     * failing, so a lock file still to be made needs room first */
    char lock[4096];
    snprintf(lock, sizeof lock, "%s/lock.mdb", dir);
    if (stat(lock, &sb) != 0 && gal_store_disk_nearly_full(dir)) {
        rc = gal_error_set(GAL_EFULL, "cannot open '%s': no space left on device for its lock "
                           "file", dir);
        goto fail;
    }
    back_lock_file(lock);
    int mrc;
    if ((mrc = mdb_env_create(&st->env)) || (mrc = mdb_env_set_maxdbs(st->env, 16)) ||
        (mrc = mdb_env_set_maxreaders(st->env, MAX_READERS)) ||
        (mrc = mdb_env_set_assert(st->env, gal_fault_lmdb_assert))) {
        rc = gal_store_error(st, mrc, "cannot set up");
        goto fail;
    }
    if (st->writable && stat(data, &sb) != 0 && (mrc = mdb_env_set_mapsize(st->env, initial_map()))) {
        rc = gal_store_error(st, mrc, "cannot size");
        goto fail;
    }
    unsigned flags = MDB_NOTLS | (st->writable ? 0 : MDB_RDONLY);
    if ((mrc = mdb_env_open(st->env, dir, flags, 0644))) {
        rc = gal_store_error(st, mrc, "cannot open index");
        goto fail;
    }
    if ((rc = check_length(st)) || (rc = gal_store_txn_begin(st, !st->writable, &txn)))
        goto fail;
    /* a damaged page of the tables' directory or the meta table faults
     * here, in every command that opens the index: corruption, not a signal
     * (a reader's transaction has only read, so aborting it is safe) */
    opening op = {st, txn};
    int sig;
    rc = gal_fault_call(open_tables, &op, &sig);
    if (sig) {
        rc = gal_error_set(GAL_ECORRUPT, "index '%s' is corrupt: an LMDB page of its tables or "
                           "metadata is damaged (signal %d while opening it)", dir, sig);
        /* a writer may have been creating a table its format lacks (a put
         * into the damaged pages), which leaves a cursor of LMDB's stack
         * linked into the transaction: left open, as gal_store_write does */
        if (st->writable) {
            st->abandoned = 1;
            txn = NULL;
        }
    }
    if (rc)
        goto fail;
    if ((mrc = mdb_txn_commit(txn))) {
        txn = NULL;
        rc = gal_store_error(st, mrc, "cannot open index");
        goto fail;
    }
    *out = st;
    return 0;
fail:
    if (txn)
        mdb_txn_abort(txn);
    gal_store_close(st);
    return rc;
}

/* The environments of writes that faulted, kept reachable (not a leak) until
 * the process ends. */
static MDB_env *abandoned_envs[8];
static unsigned nabandoned;
static pthread_mutex_t abandoned_lock = PTHREAD_MUTEX_INITIALIZER;

void gal_store_close(gal_store *st)
{
    if (!st)
        return;
    if (st->abandoned) {
        pthread_mutex_lock(&abandoned_lock);
        if (nabandoned < sizeof abandoned_envs / sizeof *abandoned_envs)
            abandoned_envs[nabandoned++] = st->env;
        pthread_mutex_unlock(&abandoned_lock);
    } else if (st->env) {
        mdb_env_close(st->env);
    }
    if (st->lock_fd >= 0)
        close(st->lock_fd); /* releases the flock */
    gal_free(st->dir);
    gal_free(st);
}

int gal_store_txn_begin(gal_store *st, int rdonly, MDB_txn **txn)
{
    int rc = mdb_txn_begin(st->env, NULL, rdonly ? MDB_RDONLY : 0, txn);
    if (rc == MDB_MAP_RESIZED) {
        /* the writer grew the map: adopt its size and try again */
        if ((rc = mdb_env_set_mapsize(st->env, 0)) == 0) {
            __atomic_add_fetch(&st->remaps, 1, __ATOMIC_RELEASE);
            rc = mdb_txn_begin(st->env, NULL, rdonly ? MDB_RDONLY : 0, txn);
        }
    }
    return rc ? gal_store_error(st, rc, "cannot begin a transaction on") : 0;
}

void gal_store_drop_cached(gal_store *st)
{
    int fd;
    if (!mdb_env_get_fd(st->env, &fd))
        (void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
}

int gal_store_grow(gal_store *st)
{
    MDB_envinfo info;
    int rc = mdb_env_info(st->env, &info);
    if (!rc)
        rc = mdb_env_set_mapsize(st->env, info.me_mapsize * 2);
    if (!rc)
        __atomic_add_fetch(&st->remaps, 1, __ATOMIC_RELEASE);
    return rc ? gal_store_error(st, rc, "cannot grow the map of") : 0;
}

typedef struct guarded_write {
    int (*write)(void *ctx, MDB_txn *txn);
    void *ctx;
    MDB_txn *txn;
} guarded_write;

static int call_write(void *arg)
{
    guarded_write *g = arg;
    return g->write(g->ctx, g->txn);
}

int gal_store_write(gal_store *st, int (*write)(void *ctx, MDB_txn *txn), void *ctx,
                    const char *what)
{
    if (st->abandoned) /* its write transaction is still open */
        return gal_error_set(GAL_ECORRUPT, "corrupt index: '%s' cannot be written after a "
                             "write faulted", st->dir);
    for (;;) {
        MDB_txn *txn;
        int rc = gal_store_txn_begin(st, 0, &txn);
        if (rc)
            return rc;
        /* LMDB trusts its pages when it writes too: a put into a page whose
         * node sizes are damaged copies past the map and faults.  Under the
         * fault guard that ends the write as corruption.  The transaction
         * is not aborted: the jump left cursors on LMDB's stack linked into
         * it, which an abort would free; nor is it committed, so the file
         * (written only at a commit) stays as it was, and the process ends
         * with the environment open (gal_store_close). */
        guarded_write g = {write, ctx, txn};
        int sig, wrc = gal_fault_call(call_write, &g, &sig);
        if (sig) {
            st->abandoned = 1;
            return gal_error_set(GAL_ECORRUPT, "corrupt index: writing to '%s' faulted inside "
                                 "LMDB (a damaged page?); nothing of this write was kept; "
                                 "'galley verify' says where", st->dir);
        }
        if (wrc == 0)
            wrc = mdb_txn_commit(txn);
        else
            mdb_txn_abort(txn);
        /* LMDB's own code from a put, or a helper's translation of it */
        if (wrc == MDB_MAP_FULL || wrc == GAL_EMAPFULL) {
            if ((rc = gal_store_grow(st)))
                return rc;
            continue;
        }
        return wrc && !gal_is_status(wrc) ? gal_store_error(st, wrc, what) : wrc;
    }
}

int gal_meta_get_bytes(gal_store *st, MDB_txn *txn, const char *key, const void **p, size_t *n)
{
    MDB_val k = {strlen(key), (void *)key}, v;
    int rc = mdb_get(txn, st->meta, &k, &v);
    if (rc == MDB_NOTFOUND) {
        *p = NULL;
        *n = 0;
        return 0;
    }
    if (rc)
        return gal_store_error(st, rc, "cannot read metadata of");
    *p = v.mv_data;
    *n = v.mv_size;
    return 0;
}

int gal_meta_get_u64(gal_store *st, MDB_txn *txn, const char *key, uint64_t *v)
{
    const void *p = NULL;
    size_t n = 0;
    int rc = gal_meta_get_bytes(st, txn, key, &p, &n);
    if (rc)
        return rc;
    if (p && n != 8)
        return gal_error_set(GAL_ECORRUPT, "corrupt index '%s': meta '%s' has %zu bytes", st->dir,
                             key, n);
    *v = p ? gal_get_le64(p) : 0;
    return 0;
}

int gal_meta_put_bytes(gal_store *st, MDB_txn *txn, const char *key, const void *p, size_t n)
{
    MDB_val k = {strlen(key), (void *)key}, v = {n, (void *)p};
    int rc = mdb_put(txn, st->meta, &k, &v, 0);
    return rc ? gal_store_error(st, rc, "cannot write metadata of") : 0;
}

int gal_meta_put_u64(gal_store *st, MDB_txn *txn, const char *key, uint64_t v)
{
    uint8_t b[8];
    gal_put_le64(b, v);
    return gal_meta_put_bytes(st, txn, key, b, sizeof b);
}

int gal_meta_get_zdict(gal_store *st, MDB_txn *txn, const void **p, size_t *n)
{
    const void *crc = NULL;
    size_t crc_len = 0;
    int rc = gal_meta_get_bytes(st, txn, GAL_META_ZDICT, p, n);
    if (!rc)
        rc = gal_meta_get_bytes(st, txn, GAL_META_ZDICT_CRC, &crc, &crc_len);
    if (rc || !crc || !*p)
        return rc;
    if (crc_len != 8 || gal_get_le64(crc) != gal_crc32c(0, *p, *n))
        return gal_error_set(GAL_ECORRUPT, "corrupt index '%s': meta %s does not match its "
                             "checksum (%s)", st->dir, GAL_META_ZDICT, GAL_META_ZDICT_CRC);
    return 0;
}

int gal_meta_put_zdict(gal_store *st, MDB_txn *txn, const void *p, size_t n)
{
    int rc = gal_meta_put_bytes(st, txn, GAL_META_ZDICT, p, n);
    return rc ? rc : gal_meta_put_u64(st, txn, GAL_META_ZDICT_CRC, gal_crc32c(0, p, n));
}

int gal_store_copy_compact(gal_store *st, const char *dst)
{
    int rc = mdb_env_copy2(st->env, dst, MDB_CP_COMPACT);
    if (rc == 0)
        return 0;
    /* the copy reads every page of the source: a damaged one is
     * GAL_ECORRUPT, as for any other reader */
    int status = rc == EEXIST                 ? GAL_EUSAGE
                 : rc > 0 && rc < MDB_KEYEXIST && rc != ENOSPC && rc != EDQUOT && rc != ENOMEM
                     ? GAL_EIO
                     : gal_store_status(rc, 0);
    return gal_error_set(status, "cannot write a compacted copy of '%s' into '%s': %s", st->dir,
                         dst, rc == EEXIST ? "it already holds an index" : mdb_strerror(rc));
}

int gal_meta_get_shard(gal_store *st, MDB_txn *txn, unsigned *k, unsigned *n)
{
    const void *p = NULL;
    size_t len = 0;
    int rc = gal_meta_get_bytes(st, txn, GAL_META_SHARD, &p, &len);
    *k = *n = 0;
    if (rc || !p)
        return rc;
    char text[32];
    snprintf(text, sizeof text, "%.*s", (int)(len < 31 ? len : 31), (const char *)p);
    if (!gal_shard_parse(text, k, n)) {
        *k = *n = 0;
        return gal_error_set(GAL_ECORRUPT, "corrupt index '%s': meta '%s' is '%s'", st->dir,
                             GAL_META_SHARD, text);
    }
    return 0;
}
