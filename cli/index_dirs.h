/*
 * index_dirs.h — the indexes a command reads as one, a directory of shards
 * (`galley index --shards N` or `--mpi`) standing for all of its shards.
 */
#ifndef GAL_INDEX_DIRS_H
#define GAL_INDEX_DIRS_H

#include <stddef.h>

struct gal_index;

typedef struct gal_index_dirs {
    char **dir;             /* the index directories, in order */
    unsigned char *owned;   /* dir[i] was made here (a shard's path) */
    struct gal_index **ix;  /* with gal_index_dirs_expand_open: a shard left
                             * open by its check, or NULL (gal_index_set_adopt) */
    size_t n, cap;
} gal_index_dirs;

/* dirs[0, n) with each directory that holds no index of its own but
 * shard-1 ... shard-N replaced by those, in order, once each has been
 * checked to say it is shard K of N; then every directory must be a
 * different one (gal_distinct_indexes).  Returns GAL_EXIT_OK, or the exit
 * status after printing the error (a shard missing, or of another run:
 * exit 3). */
int gal_index_dirs_expand(const char *cmd, const char *const *dirs, size_t n, gal_index_dirs *out);
/* The same, and each shard stays open from its check, in out->ix, for the
 * caller to search (a query over 16 shards opened each twice: 5.0 against
 * 4.2 ms).  The caller opens none of them itself while out holds it: LMDB
 * wants one handle of an index a process. */
int gal_index_dirs_expand_open(const char *cmd, const char *const *dirs, size_t n,
                               gal_index_dirs *out);
/* The same, but a shard that cannot be read as corrupt is listed all the
 * same, as the shard its name says: `verify` checks it and says what is
 * wrong with it in its place, after the sound shards before it. */
int gal_index_dirs_expand_damaged(const char *cmd, const char *const *dirs, size_t n,
                                  gal_index_dirs *out);
void gal_index_dirs_free(gal_index_dirs *l); /* a zeroed list is fine; closes out->ix */

#endif
