/*
 * cl_tokenize.c — the OpenCL tokenizer: kernels/tokenize.cl driven from the
 * host.  See cl_tokenize.h for the contract and tokenize.cl for the kernels.
 */
#include "cl_tokenize.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "status.h"

enum { K_SLOTS, K_COMPACT, K_EMIT, K_RANGES, K_DOCS, K_FILL, K_N };

static const char *const kernel_names[K_N] = {"gal_emit_slots", "gal_compact_tokens",
                                              "gal_emit_tokens", "gal_doc_ranges",
                                              "gal_token_docs", "gal_doc_fill"};

/* A device buffer that only grows. */
enum {
    B_TEXT, B_FIRST, B_SLOT_HASH, B_SLOT_OFFSET, B_DOC_START, B_BODY_START, B_HASH,
    B_OFFSET, B_DOC, B_POS, B_DOC_FIRST, B_BODY_FIRST, B_DOC_TOKENS, B_N
};

struct gal_cl_tokenizer {
    gal_cl *cl;
    cl_program prog;
    cl_kernel k[K_N];
    size_t local[K_N]; /* work-group size per kernel */
    uint32_t chunk;
    uint32_t default_chunk; /* for the device type, or GALLEY_CL_CHUNK */
    int per_doc;            /* doc and pos per document (CPU), else per token */
    gal_cl_buf b[B_N];
    /* On a CPU device the caller's memory serves as the kernels' buffers
     * (CL_MEM_USE_HOST_PTR): they read the batch's text where it is and
     * write the tokens into the page-aligned arrays of its gal_tokens,
     * where the host reads them, with no copy either way (1 GB up and
     * 3.6 GB down for 1 GB of news).  A GPU keeps device buffers and the
     * copies.  in_place[] are the buffers made for the last batch, kept
     * until the next one for the entity kernels. */
    int zero_copy;
    cl_mem in_place[B_N];
    uint32_t *first; /* host copy of the per-chunk counts, then their scan */
    size_t first_cap;
    gal_cl_token_mems last; /* what the last batch left on the device */
};

#define MAX_CHUNK (1u << 24)

int gal_cl_tokenizer_set_chunk(gal_cl_tokenizer *tk, uint32_t chunk_bytes)
{
    if (chunk_bytes == 0)
        chunk_bytes = tk->default_chunk;
    if (chunk_bytes > MAX_CHUNK)
        return gal_error_set(GAL_EUSAGE, "chunk of %u bytes is out of range (1..%u)",
                             chunk_bytes, MAX_CHUNK);
    tk->chunk = chunk_bytes;
    return 0;
}

void gal_cl_tokenizer_set_per_token(gal_cl_tokenizer *tk, int per_token)
{
    tk->per_doc = !per_token;
}

void gal_cl_tokenizer_set_zero_copy(gal_cl_tokenizer *tk, int on)
{
    tk->zero_copy = on;
}

int gal_cl_tokenizer_zero_copy(const gal_cl_tokenizer *tk)
{
    return tk->zero_copy;
}

static void release_in_place(gal_cl_tokenizer *tk)
{
    for (int i = 0; i < B_N; i++)
        if (tk->in_place[i]) {
            clReleaseMemObject(tk->in_place[i]);
            tk->in_place[i] = NULL;
        }
}

void gal_cl_tokenizer_free(gal_cl_tokenizer *tk)
{
    if (!tk)
        return;
    release_in_place(tk);
    for (int i = 0; i < B_N; i++)
        gal_cl_buf_release(&tk->b[i]);
    gal_cl_kernels_release(tk->prog, tk->k, K_N);
    gal_free(tk->first);
    gal_free(tk);
}

int gal_cl_tokenizer_new(gal_cl *cl, gal_cl_tokenizer **out)
{
    gal_cl_tokenizer *tk = gal_calloc(1, sizeof *tk);
    if (!tk)
        return gal_error_set(GAL_ENOMEM, "out of memory for the OpenCL tokenizer");
    tk->cl = cl;
    int cpu = cl->cpu_design;
    tk->chunk = tk->default_chunk = cpu ? 4096 : 512;
    tk->per_doc = cpu;
    tk->zero_copy = cpu;
    int rc;
    const char *env = getenv("GALLEY_CL_CHUNK");
    if (env && *env) {
        char *end;
        unsigned long v = strtoul(env, &end, 10);
        if (*end || v > MAX_CHUNK) {
            rc = gal_error_set(GAL_EUSAGE, "bad GALLEY_CL_CHUNK '%s' (want 1..%u)", env,
                               MAX_CHUNK);
            goto fail;
        }
        if ((rc = gal_cl_tokenizer_set_chunk(tk, (uint32_t)v)))
            goto fail;
        tk->default_chunk = tk->chunk;
    }
    size_t wg[K_N];
    if ((rc = gal_cl_kernels_new(cl, "tokenize.cl", kernel_names, K_N, &tk->prog, tk->k, wg)))
        goto fail;
    for (int i = 0; i < K_N; i++) {
        /* PoCL runs a work-group's items as a loop it tries to vectorise;
         * the chunk kernels are long divergent scans that run twice as fast
         * one item per group.  Elsewhere 64 is safe and fills a GPU wave. */
        if (cpu && (i == K_SLOTS || i == K_COMPACT || i == K_EMIT || i == K_FILL))
            tk->local[i] = 1;
        else
            tk->local[i] = wg[i] < 64 ? (wg[i] ? wg[i] : 1) : 64;
    }
    *out = tk;
    return 0;
fail:
    gal_cl_tokenizer_free(tk);
    return rc;
}

/* The buffer the kernels use for which: the caller's array in place, when
 * one was made for this batch, else the tokenizer's own. */
static const cl_mem *mem_of(const gal_cl_tokenizer *tk, int which)
{
    return tk->in_place[which] ? &tk->in_place[which] : &tk->b[which].mem;
}

/* Wrap size bytes of the caller's memory at host as the buffer for which
 * (the token arrays are page-aligned, as some runtimes want for no copy). */
static int wrap(gal_cl_tokenizer *tk, int which, cl_mem_flags access, void *host, size_t size)
{
    cl_int err;
    tk->in_place[which] =
        clCreateBuffer(tk->cl->context, access | CL_MEM_USE_HOST_PTR, size, host, &err);
    return tk->in_place[which] ? 0 : gal_cl_fail("clCreateBuffer", err, tk->cl);
}

/* Make what the kernels wrote into the wrapped arrays the host's to read:
 * a mapping of a CL_MEM_USE_HOST_PTR buffer is at its host pointer (on a
 * CPU device, without a copy); the read-only mapping is given back at once,
 * which leaves the memory as it is. */
static int sync_in_place(gal_cl_tokenizer *tk, int which, void *host, size_t size)
{
    cl_int err;
    void *p = clEnqueueMapBuffer(tk->cl->queue, tk->in_place[which], CL_TRUE, CL_MAP_READ, 0,
                                 size, 0, NULL, NULL, &err);
    if (!p)
        return gal_cl_fail("clEnqueueMapBuffer", err, tk->cl);
    if (p != host) /* the standard says it cannot be elsewhere */
        return gal_error_set(GAL_ECL, "clEnqueueMapBuffer on '%s' moved a host buffer",
                             tk->cl->info.name);
    err = clEnqueueUnmapMemObject(tk->cl->queue, tk->in_place[which], p, 0, NULL, NULL);
    return err == CL_SUCCESS ? 0 : gal_cl_fail("clEnqueueUnmapMemObject", err, tk->cl);
}

static int ensure(gal_cl_tokenizer *tk, int which, size_t size, cl_mem_flags flags)
{
    return gal_cl_buf_reserve(tk->cl, &tk->b[which], size, flags);
}

static int write_buf(gal_cl_tokenizer *tk, int which, const void *src, size_t size)
{
    return gal_cl_buf_write(tk->cl, &tk->b[which], src, size);
}

static int read_buf(gal_cl_tokenizer *tk, int which, void *dst, size_t size, cl_bool block)
{
    return gal_cl_buf_read(tk->cl, &tk->b[which], dst, size, block);
}

/* One of the caller's arrays that the kernels read or write: buffer which
 * stands for size bytes at host. */
typedef struct host_array {
    int which;
    void *host;
    size_t size;
} host_array;

/* Give the kernels the arrays a[0, n): in place, or in the tokenizer's own
 * buffers, filled from the arrays when upload is set. */
static int place(gal_cl_tokenizer *tk, const host_array *a, size_t n, cl_mem_flags access,
                 int upload)
{
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (tk->zero_copy)
            rc = wrap(tk, a[i].which, access, a[i].host, a[i].size);
        else if (!(rc = ensure(tk, a[i].which, a[i].size, access)) && upload)
            rc = write_buf(tk, a[i].which, a[i].host, a[i].size);
    }
    return rc;
}

/* Make what the kernels wrote into a[0, n) the host's to read. */
static int fetch(gal_cl_tokenizer *tk, const host_array *a, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = tk->zero_copy ? sync_in_place(tk, a[i].which, a[i].host, a[i].size)
                           : read_buf(tk, a[i].which, a[i].host, a[i].size, CL_FALSE);
    return rc;
}

#define ARG_MEM(which) {sizeof(cl_mem), mem_of(tk, which)}
#define ARG_U32(var) {sizeof(cl_uint), &(var)}
#define SET_ARGS(kern, ...)                                                        \
    gal_cl_set_args(tk->cl, tk->k[kern], kernel_names[kern], (const gal_cl_arg[]){__VA_ARGS__}, \
                    sizeof((const gal_cl_arg[]){__VA_ARGS__}) / sizeof(gal_cl_arg))

static int launch(gal_cl_tokenizer *tk, int k, size_t n)
{
    return gal_cl_launch(tk->cl, tk->k[k], kernel_names[k], n, tk->local[k]);
}

/* Tokens a chunk of chunk bytes keeps in its slots: news text has about one
 * token per 6 bytes; a denser chunk sends the batch down the two-pass path. */
static uint32_t slot_cap(uint32_t chunk)
{
    return chunk / 4 + 2;
}

/* Everything between the uploads and the downloads; the caller waits for
 * the queue.  Kernel arguments point at locals, which clSetKernelArg copies. */
static int run(gal_cl_tokenizer *tk, const uint8_t *text, const uint32_t *doc_start,
               const uint32_t *body_start, uint32_t ndocs, gal_tokens *out)
{
    const cl_mem_flags RW = CL_MEM_READ_WRITE;
    cl_uint base = doc_start[0], limit = doc_start[ndocs], chunk = tk->chunk;
    cl_uint cap = slot_cap(chunk), nd = ndocs;
    int rc;
    /* the kernels never write the inputs: their const is kept in fact */
    const host_array inputs[] = {{B_TEXT, (void *)text, limit},
                                 {B_DOC_START, (void *)doc_start, ((size_t)ndocs + 1) * 4},
                                 {B_BODY_START, (void *)body_start, (size_t)ndocs * 4}};

    cl_uint nchunks = (cl_uint)(((size_t)limit - base + chunk - 1) / chunk);
    size_t nslots = (size_t)nchunks * cap;
    if (nchunks > tk->first_cap) {
        uint32_t *f = gal_realloc(tk->first, nchunks * sizeof *f);
        if (!f)
            return gal_error_set(GAL_ENOMEM, "out of memory for %u chunk counts", nchunks);
        tk->first = f;
        tk->first_cap = nchunks;
    }
    if ((rc = ensure(tk, B_FIRST, (size_t)nchunks * 4, RW)) ||
        (rc = ensure(tk, B_SLOT_HASH, nslots * 8, RW)) ||
        (rc = ensure(tk, B_SLOT_OFFSET, nslots * 4, RW)) ||
        (rc = place(tk, inputs, sizeof inputs / sizeof inputs[0], CL_MEM_READ_ONLY, 1)))
        return rc;

    /* 1: every chunk's tokens into its slots, and its count */
    if ((rc = SET_ARGS(K_SLOTS, ARG_MEM(B_TEXT), ARG_U32(base), ARG_U32(limit),
                       ARG_U32(chunk), ARG_U32(nchunks), ARG_U32(cap), ARG_MEM(B_FIRST),
                       ARG_MEM(B_SLOT_HASH), ARG_MEM(B_SLOT_OFFSET))) ||
        (rc = launch(tk, K_SLOTS, nchunks)) ||
        (rc = read_buf(tk, B_FIRST, tk->first, (size_t)nchunks * 4, CL_TRUE)))
        return rc;

    /* exclusive scan on the host: a few thousand numbers per batch */
    uint64_t total = 0;
    uint32_t most = 0;
    for (cl_uint c = 0; c < nchunks; c++) {
        uint32_t n = tk->first[c];
        most = n > most ? n : most;
        tk->first[c] = (uint32_t)total;
        total += n;
    }
    if (total > UINT32_MAX)
        return gal_error_set(GAL_ELIMIT, "batch has %llu tokens", (unsigned long long)total);
    cl_uint ntok = (cl_uint)total;
    if ((rc = gal_tokens_reserve(out, ntok, ndocs)))
        return rc;
    if (ntok == 0) {
        memset(out->doc_tokens, 0, (size_t)ndocs * sizeof *out->doc_tokens);
        return 0;
    }
    const host_array outputs[] = {{B_HASH, out->hash, (size_t)ntok * 8},
                                  {B_OFFSET, out->offset, (size_t)ntok * 4},
                                  {B_DOC, out->doc, (size_t)ntok * 4},
                                  {B_POS, out->pos, (size_t)ntok * 4},
                                  {B_DOC_TOKENS, out->doc_tokens, (size_t)ndocs * 4}};
    const size_t noutputs = sizeof outputs / sizeof outputs[0];
    if ((rc = place(tk, outputs, noutputs, RW, 0)) ||
        (rc = write_buf(tk, B_FIRST, tk->first, (size_t)nchunks * 4)))
        return rc;

    /* 2: hash and offset of every token at its global index; chunks that
     * overflowed their slots scan again */
    if ((rc = SET_ARGS(K_COMPACT, ARG_U32(nchunks), ARG_U32(cap), ARG_U32(ntok),
                       ARG_MEM(B_FIRST), ARG_MEM(B_SLOT_HASH), ARG_MEM(B_SLOT_OFFSET),
                       ARG_MEM(B_HASH), ARG_MEM(B_OFFSET))) ||
        (rc = launch(tk, K_COMPACT, nchunks)))
        return rc;
    if (most > cap &&
        ((rc = SET_ARGS(K_EMIT, ARG_MEM(B_TEXT), ARG_U32(base), ARG_U32(limit), ARG_U32(chunk),
                        ARG_U32(nchunks), ARG_U32(cap), ARG_U32(ntok), ARG_MEM(B_FIRST),
                        ARG_MEM(B_HASH), ARG_MEM(B_OFFSET))) ||
         (rc = launch(tk, K_EMIT, nchunks))))
        return rc;

    /* 3: each token's document and position, and doc_tokens */
    if (tk->per_doc) {
        if ((rc = SET_ARGS(K_FILL, ARG_MEM(B_OFFSET), ARG_U32(ntok), ARG_MEM(B_DOC_START),
                           ARG_MEM(B_BODY_START), ARG_U32(nd), ARG_MEM(B_DOC_TOKENS),
                           ARG_MEM(B_DOC), ARG_MEM(B_POS))) ||
            (rc = launch(tk, K_FILL, ndocs)))
            return rc;
    } else {
        if ((rc = ensure(tk, B_DOC_FIRST, (size_t)ndocs * 4, RW)) ||
            (rc = ensure(tk, B_BODY_FIRST, (size_t)ndocs * 4, RW)) ||
            (rc = SET_ARGS(K_RANGES, ARG_MEM(B_OFFSET), ARG_U32(ntok), ARG_MEM(B_DOC_START),
                           ARG_MEM(B_BODY_START), ARG_U32(nd), ARG_MEM(B_DOC_FIRST),
                           ARG_MEM(B_BODY_FIRST), ARG_MEM(B_DOC_TOKENS))) ||
            (rc = launch(tk, K_RANGES, ndocs)) ||
            (rc = SET_ARGS(K_DOCS, ARG_MEM(B_OFFSET), ARG_U32(ntok), ARG_MEM(B_DOC_START),
                           ARG_U32(nd), ARG_MEM(B_DOC_FIRST), ARG_MEM(B_BODY_FIRST),
                           ARG_MEM(B_DOC), ARG_MEM(B_POS))) ||
            (rc = launch(tk, K_DOCS, ntok)))
            return rc;
    }

    if ((rc = fetch(tk, outputs, noutputs)))
        return rc;
    out->n = ntok;
    return 0;
}

int gal_cl_tokenize(gal_cl_tokenizer *tk, const uint8_t *text, uint32_t nbytes,
                    const uint32_t *doc_start, const uint32_t *body_start, uint32_t ndocs,
                    gal_tokens *out)
{
    out->n = 0;
    out->ndocs = 0;
    out->nsorted = 0;
    memset(&tk->last, 0, sizeof tk->last);
    release_in_place(tk); /* the last batch's entities are done */
    int rc = gal_tokens_reserve(out, out->cap, ndocs);
    if (rc)
        return rc;
    if (ndocs == 0)
        return 0;
    if (doc_start[0] > doc_start[ndocs] || doc_start[ndocs] > nbytes)
        return gal_error_set(GAL_EUSAGE, "bad batch: documents span %u..%u of %u bytes",
                             doc_start[0], doc_start[ndocs], nbytes);
    if (doc_start[0] == doc_start[ndocs]) {
        memset(out->doc_tokens, 0, (size_t)ndocs * sizeof *out->doc_tokens);
        out->ndocs = ndocs;
        return 0;
    }
    rc = run(tk, text, doc_start, body_start, ndocs, out);
    /* Wait even after an error: enqueued copies still point at the caller's
     * memory. */
    cl_int err = gal_cl_finish(tk->cl);
    gal_cl_profile_collect(tk->cl);
    if (!rc && err != CL_SUCCESS)
        rc = gal_cl_fail("clFinish", err, tk->cl);
    if (rc) {
        out->n = 0;
        return rc;
    }
    out->ndocs = ndocs;
    if (out->n) {
        gal_cl_token_mems *m = &tk->last;
        m->nbytes = doc_start[ndocs];
        m->ndocs = ndocs;
        m->ntok = out->n;
        m->text = *mem_of(tk, B_TEXT);
        m->doc_start = *mem_of(tk, B_DOC_START);
        m->hash = *mem_of(tk, B_HASH);
        m->doc = *mem_of(tk, B_DOC);
        m->pos = *mem_of(tk, B_POS);
        m->offset = *mem_of(tk, B_OFFSET);
    }
    return 0;
}

void gal_cl_tokenizer_mems(const gal_cl_tokenizer *tk, gal_cl_token_mems *out)
{
    *out = tk->last;
}
