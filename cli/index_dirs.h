/*
 * index_dirs.h — the indexes a command reads as one, a directory of shards
 * (`galley index --shards N` or `--mpi`) standing for all of its shards.
 */
#ifndef GAL_INDEX_DIRS_H
#define GAL_INDEX_DIRS_H

#include <stddef.h>

typedef struct gal_index_dirs {
    char **dir;             /* the index directories, in order */
    unsigned char *owned;   /* dir[i] was made here (a shard's path) */
    size_t n, cap;
} gal_index_dirs;

/* dirs[0, n) with each directory that holds no index of its own but
 * shard-1 ... shard-N replaced by those, in order, once each has been
 * checked to say it is shard K of N; then every directory must be a
 * different one (gal_distinct_indexes).  Returns GAL_EXIT_OK, or the exit
 * status after printing the error (a shard missing, or of another run:
 * exit 3). */
int gal_index_dirs_expand(const char *cmd, const char *const *dirs, size_t n, gal_index_dirs *out);
void gal_index_dirs_free(gal_index_dirs *l); /* a zeroed list is fine */

#endif
