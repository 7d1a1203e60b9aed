#include "alloc.h"
#include "index.h"
#include "status.h"

int gal_index_set_open(gal_index_set *set, const char *const *dirs, size_t n)
{
    return gal_index_set_adopt(set, dirs, NULL, n);
}

int gal_index_set_adopt(gal_index_set *set, const char *const *dirs, gal_index **opened, size_t n)
{
    set->n = 0;
    set->ix = gal_calloc(n ? n : 1, sizeof *set->ix);
    set->snaps = gal_calloc(n ? n : 1, sizeof *set->snaps);
    if (!set->ix || !set->snaps) {
        gal_index_set_close(set);
        return gal_error_set(GAL_ENOMEM, "out of memory opening %zu indexes", n);
    }
    for (; set->n < n; set->n++) {
        int rc = 0;
        if (opened && opened[set->n]) {
            set->ix[set->n] = opened[set->n];
            opened[set->n] = NULL;
        } else {
            rc = gal_index_open(dirs[set->n], &set->ix[set->n]);
        }
        if (!rc && (rc = gal_snapshot_begin(set->ix[set->n], &set->snaps[set->n])))
            gal_index_close(set->ix[set->n]);
        if (rc) {
            gal_index_set_close(set);
            return rc;
        }
    }
    return 0;
}

void gal_index_set_close(gal_index_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        gal_snapshot_end(set->snaps[i]);
        gal_index_close(set->ix[i]);
    }
    gal_free(set->snaps);
    gal_free(set->ix);
    set->ix = NULL;
    set->snaps = NULL;
    set->n = 0;
}
