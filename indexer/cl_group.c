/*
 * cl_group.c — kernels/group.cl driven from the host.  See cl_group.h.
 */
#include "cl_group.h"

#include "alloc.h"
#include "status.h"

enum { K_INIT, K_COUNT, K_SCAN, K_SCATTER, K_GATHER, K_N };
static const char *const kernel_names[K_N] = {"gal_sort_init", "gal_radix_count",
                                              "gal_radix_scan", "gal_radix_scatter",
                                              "gal_sort_gather"};

enum { B_KEY_A, B_KEY_B, B_VAL_A, B_VAL_B, B_HIST, B_OCC, B_N };

/* As kernels/group.cl has them. */
#define RADIX_BITS 4u
#define RADIX (1u << RADIX_BITS)
#define PASSES (64u / RADIX_BITS)
#define GROUP_ITEMS 256u
#define TILE (GROUP_ITEMS * 16u)

struct gal_cl_grouper {
    gal_cl *cl;
    cl_program prog;
    cl_kernel k[K_N];
    gal_cl_buf b[B_N];
};

int gal_cl_group_wanted(int *on)
{
    return gal_cl_env_switch("GALLEY_CL_GROUP", 0, on);
}

void gal_cl_grouper_free(gal_cl_grouper *g)
{
    if (!g)
        return;
    for (int i = 0; i < B_N; i++)
        gal_cl_buf_release(&g->b[i]);
    gal_cl_kernels_release(g->prog, g->k, K_N);
    gal_free(g);
}

int gal_cl_grouper_new(gal_cl *cl, gal_cl_grouper **out)
{
    *out = NULL;
    gal_cl_grouper *g = gal_calloc(1, sizeof *g);
    if (!g)
        return gal_error_set(GAL_ENOMEM, "out of memory for the OpenCL grouper");
    g->cl = cl;
    size_t wg[K_N];
    int rc = gal_cl_kernels_new(cl, "group.cl", kernel_names, K_N, &g->prog, g->k, wg);
    for (int i = 0; i < K_N && !rc; i++)
        if (wg[i] < GROUP_ITEMS)
            rc = gal_error_set(GAL_ECL, "'%s' runs %zu work-items in a group of kernel %s, "
                               "fewer than the %u that grouping tokens needs",
                               cl->info.name, wg[i], kernel_names[i], GROUP_ITEMS);
    if (rc) {
        gal_cl_grouper_free(g);
        return rc;
    }
    *out = g;
    return 0;
}

#define ARG_MEM(m) {sizeof(cl_mem), &(m)}
#define ARG_U32(v) {sizeof(cl_uint), &(v)}
#define SET_ARGS(kern, ...)                                                                    \
    gal_cl_set_args(g->cl, g->k[kern], kernel_names[kern], (const gal_cl_arg[]){__VA_ARGS__}, \
                    sizeof((const gal_cl_arg[]){__VA_ARGS__}) / sizeof(gal_cl_arg))

/* Everything up to the copies down; the caller waits for the queue. */
static int run(gal_cl_grouper *g, const gal_cl_token_mems *m, gal_tokens *t)
{
    const cl_mem_flags RW = CL_MEM_READ_WRITE;
    cl_uint n = (cl_uint)t->n, ntiles = (n + TILE - 1u) / TILE, nhist = RADIX * ntiles;
    int rc;
    if ((rc = gal_tokens_reserve_sorted(t, n)) ||
        (rc = gal_cl_buf_reserve(g->cl, &g->b[B_KEY_A], (size_t)n * 8, RW)) ||
        (rc = gal_cl_buf_reserve(g->cl, &g->b[B_KEY_B], (size_t)n * 8, RW)) ||
        (rc = gal_cl_buf_reserve(g->cl, &g->b[B_VAL_A], (size_t)n * 4, RW)) ||
        (rc = gal_cl_buf_reserve(g->cl, &g->b[B_VAL_B], (size_t)n * 4, RW)) ||
        (rc = gal_cl_buf_reserve(g->cl, &g->b[B_HIST], (size_t)nhist * 4, RW)) ||
        (rc = gal_cl_buf_reserve(g->cl, &g->b[B_OCC], (size_t)n * 8, RW)))
        return rc;
    cl_mem hash = m->hash, doc = m->doc, pos = m->pos;
    if ((rc = SET_ARGS(K_INIT, ARG_MEM(hash), ARG_U32(n), ARG_MEM(g->b[B_KEY_A].mem),
                       ARG_MEM(g->b[B_VAL_A].mem))) ||
        (rc = gal_cl_launch(g->cl, g->k[K_INIT], kernel_names[K_INIT], n, 64)))
        return rc;
    /* an even number of passes: the result ends where it began, in A */
    for (cl_uint p = 0; p < PASSES && !rc; p++) {
        cl_uint shift = p * RADIX_BITS;
        cl_mem key_in = g->b[p % 2 ? B_KEY_B : B_KEY_A].mem;
        cl_mem val_in = g->b[p % 2 ? B_VAL_B : B_VAL_A].mem;
        cl_mem key_out = g->b[p % 2 ? B_KEY_A : B_KEY_B].mem;
        cl_mem val_out = g->b[p % 2 ? B_VAL_A : B_VAL_B].mem;
        cl_mem hist = g->b[B_HIST].mem;
        size_t items = (size_t)ntiles * GROUP_ITEMS;
        if ((rc = SET_ARGS(K_COUNT, ARG_MEM(key_in), ARG_U32(n), ARG_U32(shift), ARG_U32(ntiles),
                           ARG_MEM(hist))) ||
            (rc = gal_cl_launch(g->cl, g->k[K_COUNT], kernel_names[K_COUNT], items,
                                GROUP_ITEMS)) ||
            (rc = SET_ARGS(K_SCAN, ARG_MEM(hist), ARG_U32(nhist))) ||
            (rc = gal_cl_launch(g->cl, g->k[K_SCAN], kernel_names[K_SCAN], GROUP_ITEMS,
                                GROUP_ITEMS)) ||
            (rc = SET_ARGS(K_SCATTER, ARG_MEM(key_in), ARG_MEM(val_in), ARG_U32(n),
                           ARG_U32(shift), ARG_U32(ntiles), ARG_MEM(hist), ARG_MEM(key_out),
                           ARG_MEM(val_out))))
            return rc;
        rc = gal_cl_launch(g->cl, g->k[K_SCATTER], kernel_names[K_SCATTER], items, GROUP_ITEMS);
    }
    if (rc ||
        (rc = SET_ARGS(K_GATHER, ARG_MEM(g->b[B_VAL_A].mem), ARG_U32(n), ARG_MEM(doc),
                       ARG_MEM(pos), ARG_MEM(g->b[B_OCC].mem))) ||
        (rc = gal_cl_launch(g->cl, g->k[K_GATHER], kernel_names[K_GATHER], n, 64)) ||
        (rc = gal_cl_buf_read(g->cl, &g->b[B_KEY_A], t->sorted_hash, (size_t)n * 8, CL_FALSE)) ||
        (rc = gal_cl_buf_read(g->cl, &g->b[B_OCC], t->sorted_occ, (size_t)n * 8, CL_FALSE)) ||
        (rc = gal_cl_buf_read(g->cl, &g->b[B_VAL_A], t->sorted_idx, (size_t)n * 4, CL_FALSE)))
        return rc;
    return 0;
}

int gal_cl_group(gal_cl_grouper *g, const gal_cl_tokenizer *tk, gal_tokens *t)
{
    t->nsorted = 0;
    if (t->n == 0)
        return 0;
    gal_cl_token_mems m;
    gal_cl_tokenizer_mems(tk, &m);
    if (m.ntok != t->n || !m.hash || !m.doc || !m.pos)
        return gal_error_set(GAL_EUSAGE, "internal error: the device holds %zu tokens, "
                             "not the batch's %zu", m.ntok, t->n);
    if (t->n > UINT32_MAX / 2)
        return gal_error_set(GAL_ELIMIT, "grouping: batch has %zu tokens", t->n);
    int rc = run(g, &m, t);
    /* wait even after an error: queued copies still point at t's arrays */
    cl_int err = gal_cl_finish(g->cl);
    gal_cl_profile_collect(g->cl);
    if (!rc && err != CL_SUCCESS)
        rc = gal_cl_fail("clFinish", err, g->cl);
    if (!rc)
        t->nsorted = t->n;
    return rc;
}
