/*
 * index_delete.h — `galley delete`: take documents out of an index by
 * their external ids (deleted.h says what that means for the rest).
 */
#ifndef GAL_INDEX_DELETE_H
#define GAL_INDEX_DELETE_H

#include <stddef.h>
#include <stdint.h>

typedef struct gal_delete_report {
    uint64_t deleted;   /* documents deleted by this call */
    uint64_t total;     /* documents the index has deleted, this call's included */
    uint8_t *found;     /* found[i]: ids[i] named a live document, found[n + j]:
                         * nums[j] is one (caller frees; NULL after a failure) */
} gal_delete_report;

/* Delete every live document whose id is one of ids[0..n) (lens[i] bytes
 * each), and the documents numbered nums[0..m) (for those without an id),
 * in one transaction under the writer lock: all of them or, on a failure,
 * none.  GAL_ENOTFOUND when dir holds no index, GAL_EBUSY when a writer
 * holds it, GAL_ECORRUPT when it is damaged. */
int gal_index_delete(const char *dir, const char *const *ids, const size_t *lens, size_t n,
                     const uint32_t *nums, size_t m, gal_delete_report *report);

/* The same in two steps, for a directory of shards: every shard's writer
 * lock taken (gal_delete_open) before any deletes, so that a shard another
 * writer holds stops the command before it has changed anything. */
typedef struct gal_delete_target gal_delete_target;
int gal_delete_open(const char *dir, gal_delete_target **out);
int gal_delete_in(gal_delete_target *t, const char *const *ids, const size_t *lens, size_t n,
                  const uint32_t *nums, size_t m, gal_delete_report *report);
void gal_delete_close(gal_delete_target *t); /* NULL is fine */

#endif
