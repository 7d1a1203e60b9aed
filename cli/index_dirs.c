/*
 * index_dirs.c — the indexes a command that reads several as one was
 * given, with each directory of shards in place of its shards.
 *
 * `galley index --shards N -o INDEX` and `--mpi` write INDEX/shard-1 ...
 * INDEX/shard-N and no index of INDEX's own, so `galley query INDEX` reads
 * them all.  Every shard must be there: a query over some of them would
 * miss documents and say nothing, so each one's own record of being shard
 * K of N is checked against the names.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "commands.h"
#include "fault_guard.h"
#include "format.h"
#include "index.h"
#include "index_dirs.h"
#include "status.h"

static int exists(const char *dir, const char *name)
{
    char path[4096];
    struct stat sb;
    return (size_t)snprintf(path, sizeof path, "%s/%s", dir, name) < sizeof path &&
           stat(path, &sb) == 0;
}

static int by_number(const void *a, const void *b)
{
    unsigned x = gal_shard_dir_number(*(char *const *)a), y = gal_shard_dir_number(*(char *const *)b);
    return (x > y) - (x < y);
}

static int push(gal_index_dirs *l, char *dir, int owned, gal_index *ix)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        char **d = gal_realloc(l->dir, cap * sizeof *d);
        unsigned char *o = gal_realloc(l->owned, cap);
        gal_index **x = gal_realloc(l->ix, cap * sizeof *x);
        if (d)
            l->dir = d;
        if (o)
            l->owned = o;
        if (x)
            l->ix = x;
        if (!d || !o || !x)
            return gal_error_set(GAL_ENOMEM, "out of memory");
        l->cap = cap;
    }
    l->dir[l->n] = dir;
    l->ix[l->n] = ix;
    l->owned[l->n++] = (unsigned char)owned;
    return 0;
}

typedef struct origin_read {
    gal_index *ix;
    gal_snapshot *s;
    gal_index_origin *o;
} origin_read;

static int read_origin(void *arg)
{
    origin_read *r = arg;
    int rc = gal_snapshot_begin(r->ix, &r->s);
    return rc ? rc : gal_snapshot_origin(r->s, r->o);
}

/* The shard K of N that index dir says it is (0 of 0: none); the index
 * stays open in *keep when keep is not NULL.  Its metadata is read under
 * the fault guard: a damaged page there ends the command as corruption,
 * not with a signal (a directory of damaged shards). */
static int shard_of(const char *dir, gal_index_origin *o, gal_index **keep)
{
    gal_index *ix = NULL;
    int rc = gal_index_open(dir, &ix);
    if (!rc) {
        origin_read r = {ix, NULL, o};
        int sig;
        rc = gal_fault_call(read_origin, &r, &sig);
        if (sig) {
            rc = gal_error_set(GAL_ECORRUPT, "index '%s' is corrupt: an LMDB page of its "
                               "metadata is damaged (signal %d while reading it); 'galley "
                               "verify %s' says more", dir, sig, dir);
        } else if (rc == GAL_ECORRUPT) {
            rc = gal_error_naming(rc, dir); /* among several shards, say which */
        }
        gal_snapshot_end(r.s);
    }
    if (!rc && keep)
        *keep = ix;
    else
        gal_index_close(ix);
    return rc;
}

/* Add the shards names[0, n) of dir (sorted by number), once each says it
 * is the shard its name says, and all N of them are there.  damaged: a shard
 * that cannot be read as corrupt is added all the same, as the shard its
 * name says (for verify, which says what is wrong with it). */
static int add_checked(gal_index_dirs *l, const char *dir, char **names, size_t n, int keep,
                       int damaged)
{
    unsigned total = 0; /* N, as the first shard that could say it says */
    size_t said = 0;     /* that shard */
    for (size_t i = 0; i < n; i++) {
        unsigned k = gal_shard_dir_number(names[i]);
        char path[4096];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, names[i]) >= sizeof path)
            return gal_error_set(GAL_EUSAGE, "the path '%s/%s' is too long", dir, names[i]);
        gal_index_origin o;
        gal_index *ix = NULL;
        int rc = shard_of(path, &o, keep ? &ix : NULL), unread = 0;
        if (rc == GAL_ECORRUPT && damaged) {
            unread = 1;
            rc = 0;
        }
        if (rc)
            return rc;
        /* in the list at once, so that a failure below closes it */
        char *copy = gal_strndup(path, strlen(path));
        if (!copy || (rc = push(l, copy, 1, ix))) {
            gal_free(copy);
            gal_index_close(ix);
            return copy ? rc : gal_error_set(GAL_ENOMEM, "out of memory");
        }
        if (unread) {
            /* its own check says what is wrong */
        } else if (!o.shard_n || o.shard_k != k) {
            return gal_error_set(GAL_ECORRUPT, "'%s' is not shard %u of a run (it holds %s)", path,
                                 k, o.shard_n ? "another shard" : "all documents");
        } else if (!total) {
            total = o.shard_n; /* the first one says how many there are */
            said = i;
        } else if (o.shard_n != total) {
            return gal_error_set(GAL_ECORRUPT, "'%s' holds shard %u of %u, '%s/%s' one of %u: the "
                                               "shards there are not one run's",
                                 path, k, o.shard_n, dir, names[said], total);
        }
        if (k != i + 1)
            return gal_error_set(GAL_ECORRUPT, "'%s' holds shards of %u, but shard %zu of them is "
                                               "missing", dir, total, i + 1);
    }
    if (n < total)
        return gal_error_set(GAL_ECORRUPT, "'%s' holds shards of %u, but shard %zu of them is "
                                           "missing", dir, total, n + 1);
    return 0;
}

/* Add the shards in dir, in order, checked; 0 with nothing added when dir
 * is no directory of shards. */
static int add_shards(gal_index_dirs *l, const char *dir, int keep, int damaged)
{
    if (exists(dir, "data.mdb"))
        return 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0; /* a missing index: opening it says so */
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while (!rc && (e = readdir(d))) {
        if (!gal_shard_dir_number(e->d_name))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            char **grown = gal_realloc(names, cap * sizeof *names);
            if (!grown) {
                rc = gal_error_set(GAL_ENOMEM, "out of memory");
                break;
            }
            names = grown;
        }
        if (!(names[n] = gal_strndup(e->d_name, strlen(e->d_name))))
            rc = gal_error_set(GAL_ENOMEM, "out of memory");
        else
            n++;
    }
    closedir(d);
    if (!rc && n) {
        qsort(names, n, sizeof *names, by_number);
        rc = add_checked(l, dir, names, n, keep, damaged);
    }
    for (size_t i = 0; i < n; i++)
        gal_free(names[i]);
    gal_free(names);
    return rc;
}

static int expand(const char *cmd, const char *const *dirs, size_t n, gal_index_dirs *out,
                  int keep, int damaged)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        size_t before = out->n;
        int rc = add_shards(out, dirs[i], keep, damaged);
        if (!rc && out->n == before)
            rc = push(out, (char *)dirs[i], 0, NULL);
        if (rc) {
            gal_index_dirs_free(out);
            fprintf(stderr, "galley: error: %s\n", gal_error_detail(rc));
            return rc == GAL_ENOMEM ? GAL_EXIT_SYSTEM : GAL_EXIT_INDEX;
        }
    }
    int twice = gal_distinct_indexes(cmd, (const char *const *)out->dir, out->n);
    if (twice)
        gal_index_dirs_free(out);
    return twice;
}

int gal_index_dirs_expand(const char *cmd, const char *const *dirs, size_t n, gal_index_dirs *out)
{
    return expand(cmd, dirs, n, out, 0, 0);
}

int gal_index_dirs_expand_open(const char *cmd, const char *const *dirs, size_t n,
                               gal_index_dirs *out)
{
    return expand(cmd, dirs, n, out, 1, 0);
}

int gal_index_dirs_expand_damaged(const char *cmd, const char *const *dirs, size_t n,
                                  gal_index_dirs *out)
{
    return expand(cmd, dirs, n, out, 0, 1);
}

void gal_index_dirs_free(gal_index_dirs *l)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->owned[i])
            gal_free(l->dir[i]);
        gal_index_close(l->ix[i]);
    }
    gal_free(l->dir);
    gal_free(l->owned);
    gal_free(l->ix);
    memset(l, 0, sizeof *l);
}
