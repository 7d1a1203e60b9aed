/*
 * store_compact.c — closing an index that a build has just written, and
 * giving back on the way the free pages that copy-on-write left in it.
 *
 * Every batch commits in its own transaction and rewrites the pages of the
 * tables it updates in place (lexicon, vocabulary, entities): LMDB reuses
 * freed pages, but the last two transactions' copies stay free for good,
 * about 2 × the size of those tables (0.19 × raw text on news-1g).  LMDB
 * never shrinks a file, so the only way to give them back is a compacted
 * copy (mdb_env_copy2 with MDB_CP_COMPACT) swapped in by rename().  The
 * same swap (gal_store_close_replacing) puts `galley optimize`'s rewritten
 * file in place.
 *
 * The swap has to be safe for processes that open the index meanwhile.
 * LMDB keeps the last transaction id in lock.mdb, and a process that joins
 * a lock file already held by another one picks the meta page by that id's
 * parity, not by comparing the two metas.  A new file starts its ids over
 * (a compacted copy at 1, with page 0 empty); so it gets one or two more
 * commits until its latest meta sits on the page the old id's parity names.  Then a
 * reader that joins the old lock table reads the new file correctly, and
 * one that mapped the old file keeps that (unlinked, unchanging) file.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format.h"
#include "status.h"

/* Pages on LMDB's freelist: each record is a page-number list whose first
 * word is its length. */
static int count_free_pages(gal_store *st, uint64_t *free_pages)
{
    MDB_txn *txn;
    int rc = gal_store_txn_begin(st, 1, &txn);
    if (rc)
        return rc;
    MDB_cursor *c;
    int mrc = mdb_cursor_open(txn, 0 /* FREE_DBI */, &c);
    MDB_val k, v;
    *free_pages = 0;
    for (MDB_cursor_op op = MDB_FIRST; !mrc && !(mrc = mdb_cursor_get(c, &k, &v, op)); op = MDB_NEXT) {
        size_t n;
        if (v.mv_size >= sizeof n) {
            memcpy(&n, v.mv_data, sizeof n);
            *free_pages += n;
        }
    }
    if (!mrc || mrc == MDB_NOTFOUND)
        mdb_cursor_close(c);
    mdb_txn_abort(txn);
    return mrc == MDB_NOTFOUND ? 0 : gal_store_error(st, mrc, "cannot read the freelist of");
}

/* Whether a process other than this one has the LMDB environment in dir
 * open: each one holds a read lock on lock.mdb's first byte for as long as
 * it does.  Call only with no environment of dir open in this process:
 * closing the probe's descriptor drops this process's locks on the file. */
static int others_have_open(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/lock.mdb", dir);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return errno != ENOENT;
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
    int busy = fcntl(fd, F_GETLK, &fl) != 0 || fl.l_type != F_UNLCK;
    close(fd);
    return busy;
}

void gal_store_remove_scratch(const char *tmp)
{
    char path[4096 + 16];
    snprintf(path, sizeof path, "%s/data.mdb", tmp);
    unlink(path);
    snprintf(path, sizeof path, "%s/lock.mdb", tmp);
    unlink(path);
    rmdir(tmp);
}

/* Commit to the copy in tmp until its last transaction id has the parity
 * of old_txnid (at least once, so that the commit's sync makes the whole
 * copy durable before it is renamed into place). */
static int align_copy(const char *tmp, size_t mapsize, size_t old_txnid)
{
    MDB_env *env;
    int mrc = mdb_env_create(&env);
    if (mrc)
        return mrc;
    if (!(mrc = mdb_env_set_maxdbs(env, 16)) && !(mrc = mdb_env_set_mapsize(env, mapsize)))
        mrc = mdb_env_open(env, tmp, MDB_NOTLS, 0644);
    for (int commits = 0; !mrc; commits++) {
        MDB_envinfo info;
        if ((mrc = mdb_env_info(env, &info)))
            break;
        if (commits > 0 && (info.me_last_txnid & 1) == (old_txnid & 1))
            break;
        MDB_txn *txn;
        MDB_dbi meta;
        MDB_val k = {strlen(GAL_META_FORMAT), (void *)GAL_META_FORMAT}, v;
        if ((mrc = mdb_txn_begin(env, NULL, 0, &txn)))
            break;
        /* rewrite a key with its own value: the commit changes nothing */
        if (!(mrc = mdb_dbi_open(txn, GAL_DB_META, 0, &meta)) && !(mrc = mdb_get(txn, meta, &k, &v)))
            mrc = mdb_put(txn, meta, &k, &v, 0);
        if (mrc)
            mdb_txn_abort(txn);
        else
            mrc = mdb_txn_commit(txn);
    }
    mdb_env_close(env);
    return mrc;
}

int gal_store_close_replacing(gal_store *st, const char *tmp, gal_compaction *result)
{
    char data[4096], tmp_data[4096 + 16];
    struct stat sb;
    MDB_envinfo info;
    int rc = 0;
    snprintf(data, sizeof data, "%s/data.mdb", st->dir);
    snprintf(tmp_data, sizeof tmp_data, "%s/data.mdb", tmp);
    if (mdb_env_info(st->env, &info) != 0 ||
        align_copy(tmp, info.me_mapsize, info.me_last_txnid) != 0) {
        result->skipped = "the new copy could not be written";
        gal_store_remove_scratch(tmp);
        goto close;
    }
    mdb_env_close(st->env);
    st->env = NULL;
    if (others_have_open(st->dir)) {
        result->skipped = "another process has the index open";
        gal_store_remove_scratch(tmp);
        goto close;
    }
    if (rename(tmp_data, data) != 0) {
        rc = gal_error_set(GAL_EIO, "cannot replace '%s' by its new copy: %s", data,
                           strerror(errno));
        gal_store_remove_scratch(tmp);
        goto close;
    }
    int dfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) { /* make the rename durable */
        fsync(dfd);
        close(dfd);
    }
    gal_store_remove_scratch(tmp);
    result->compacted = 1;
    if (stat(data, &sb) == 0)
        result->after = (uint64_t)sb.st_size;
close:
    gal_store_close(st);
    return rc;
}

int gal_store_close_compacting(gal_store *st, double min_free, gal_compaction *result)
{
    memset(result, 0, sizeof *result);
    MDB_envinfo info;
    MDB_stat ms;
    char data[4096], tmp[4096];
    struct stat sb;
    uint64_t free_pages = 0;
    int rc = 0;
    snprintf(data, sizeof data, "%s/data.mdb", st->dir);
    snprintf(tmp, sizeof tmp, "%s/compact.tmp", st->dir);
    if (!st->writable || mdb_env_info(st->env, &info) || mdb_env_stat(st->env, &ms) ||
        stat(data, &sb) != 0 || (rc = count_free_pages(st, &free_pages)))
        goto close;
    result->before = (uint64_t)sb.st_size;
    result->after = result->before;
    /* pages past the last one in use count as free too */
    uint64_t file_pages = (uint64_t)sb.st_size / ms.ms_psize, used = info.me_last_pgno + 1;
    uint64_t spare = free_pages + (file_pages > used ? file_pages - used : 0);
    if ((double)spare < min_free * (double)file_pages)
        goto close;

    gal_store_remove_scratch(tmp); /* left by a run killed while compacting */
    if (mkdir(tmp, 0755) != 0 || gal_store_copy_compact(st, tmp) != 0) {
        result->skipped = "the compacted copy could not be written";
        gal_store_remove_scratch(tmp);
        goto close;
    }
    return gal_store_close_replacing(st, tmp, result);
close:
    gal_store_close(st);
    return rc;
}
