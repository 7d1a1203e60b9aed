#include "merge_inputs.h"

#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "format.h"
#include "index.h"
#include "reader.h"
#include "status.h"

int gal_merge_inputs_check(const char *const *dirs, size_t n, char ***files, uint64_t *raw_bytes,
                           int *shards)
{
    gal_index_set set;
    int rc = gal_index_set_open(&set, dirs, n);
    if (rc)
        return rc;
    char **copy = gal_calloc(n ? n : 1, sizeof *copy);
    if (!copy)
        rc = gal_error_set(GAL_ENOMEM, "out of memory");
    for (size_t i = 0; i < n && !rc; i++) {
        gal_index_stats st;
        if (!(rc = gal_snapshot_stats(set.snaps[i], &st)))
            *raw_bytes += st.raw_bytes;
        if (!rc && !(copy[i] = gal_strndup(dirs[i], strlen(dirs[i]))))
            rc = gal_error_set(GAL_ENOMEM, "out of memory");
    }
    if (!rc && (rc = gal_shards_of_one_run(&set)) >= 0) {
        *shards = rc;
        rc = 0;
    }
    gal_index_set_close(&set);
    if (rc) {
        gal_input_list_free(copy, n);
        return rc;
    }
    *files = copy;
    return 0;
}

typedef struct register_ctx {
    gal_writer *w;
    gal_merge_files *m;
    size_t i;
} register_ctx;

static int register_file(void *ctx, uint32_t file_no, const char *path, size_t len)
{
    register_ctx *c = ctx;
    gal_merge_files *m = c->m;
    if (file_no >= m->len[c->i]) {
        uint32_t want = file_no + 1, cap = m->len[c->i] ? m->len[c->i] : 16;
        while (cap < want)
            cap = cap > UINT32_MAX / 2 ? want : cap * 2;
        uint32_t *grown = gal_realloc(m->map[c->i], (size_t)cap * sizeof *grown);
        if (!grown)
            return gal_error_set(GAL_ENOMEM, "out of memory");
        for (uint32_t f = m->len[c->i]; f < cap; f++)
            grown[f] = UINT32_MAX;
        m->map[c->i] = grown;
        m->len[c->i] = cap;
    }
    char *p = gal_strndup(path, len); /* stored without a NUL */
    if (!p)
        return gal_error_set(GAL_ENOMEM, "out of memory");
    int rc = gal_writer_add_file(c->w, p, &m->map[c->i][file_no]);
    gal_free(p);
    return rc;
}

int gal_merge_inputs_register(gal_writer *w, char *const *dirs, size_t n, int shards,
                              gal_merge_files *out)
{
    memset(out, 0, sizeof *out);
    out->map = gal_calloc(n ? n : 1, sizeof *out->map);
    out->len = gal_calloc(n ? n : 1, sizeof *out->len);
    if (!out->map || !out->len)
        return gal_error_set(GAL_ENOMEM, "out of memory");
    out->n = n;
    gal_index_set set;
    int rc = gal_index_set_open(&set, (const char *const *)dirs, shards ? 1 : n);
    for (size_t i = 0; i < set.n && !rc; i++) {
        register_ctx c = {w, out, i};
        rc = gal_snapshot_files(set.snaps[i], register_file, &c);
    }
    gal_index_set_close(&set); /* closed already, and empty, if it did not open */
    return rc;
}

int gal_merge_file_no(const gal_merge_files *m, size_t i, const char *dir, uint32_t source_no,
                      uint32_t *file_no)
{
    if (i >= m->n || source_no >= m->len[i] || m->map[i][source_no] == UINT32_MAX)
        return gal_error_set(GAL_ECORRUPT, "corrupt index '%s': a document of file %u, which its "
                                           "files table does not name", dir, source_no);
    *file_no = m->map[i][source_no];
    return 0;
}

void gal_merge_files_release(gal_merge_files *m)
{
    for (size_t i = 0; m->map && i < m->n; i++)
        gal_free(m->map[i]);
    gal_free(m->map);
    gal_free(m->len);
    memset(m, 0, sizeof *m);
}
