/*
 * store_replace.c — closing an index while putting a new data file in its
 * place: `galley optimize`'s rewritten file, swapped in by rename().
 *
 * The swap has to be safe for processes that open the index meanwhile.
 * LMDB keeps the last transaction id in lock.mdb, and a process that joins
 * a lock file already held by another one picks the meta page by that id's
 * parity, not by comparing the two metas.  A new file starts its ids over,
 * so it gets one or two more commits until its latest meta sits on the
 * page the old id's parity names.  Then a reader that joins the old lock
 * table reads the new file correctly, and one that mapped the old file
 * keeps that (unlinked, unchanging) file.
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
