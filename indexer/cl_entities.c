/*
 * cl_entities.c — kernels/entities.cl driven from the host.  See
 * cl_entities.h for the contract.
 */
#include "cl_entities.h"

#include <string.h>

#include "alloc.h"
#include "status.h"

enum { K_DOCS, K_COMPACT, K_N };
static const char *const kernel_names[K_N] = {"gal_entity_docs", "gal_entity_compact"};

enum {
    B_TEXT, B_DOC_START, B_DOC_FIRST, B_SLOT_FIRST, B_THASH, B_TPOS, B_TOFF, B_MHASH,
    B_MFIRST, B_MLAST, B_MSTART, B_MEND, B_MFLAG, B_COUNTS, B_FIRST, B_OHASH, B_ODOC, B_OPOS,
    B_OSTART, B_OEND, B_N
};

struct gal_cl_entity_finder {
    gal_cl *cl;
    cl_program prog;
    cl_kernel k[K_N];
    size_t local[K_N];
    gal_cl_buf b[B_N];
    uint32_t *doc_first;  /* ndocs + 1: first token of each document */
    uint32_t *slot_first; /* ndocs + 1: first mention slot of each document */
    uint32_t *counts;     /* mentions per document, then their exclusive scan */
    size_t docs_cap;
    /* this batch's documents whose mentions did not fit their slots, done
     * on the host: their mentions, in document order, and where each
     * one's begin there */
    gal_mentions spill;
    struct spilled_doc {
        uint32_t doc;
        size_t at;
    } *spilled_docs;
    size_t nspill, spill_cap;
    uint64_t spilled; /* documents redone on the host, in all */
    uint32_t *scratch; /* gal_entities_doc_ref's */
    size_t scratch_cap;
};

/* A document's room for mentions on the device.  One slot per token is
 * always enough, but it took 28 bytes a token, the largest buffer of a
 * batch (160 MB of PoCL's heap for 32 MB of news); the documents with more
 * mentions than a quarter of their tokens, plus a few, are rare enough to
 * redo on the host (none in Reuters-21578, AG News or 200 MB of gen_news,
 * 15 of BBC News' 2,225, 69 of 20 Newsgroups' 18,846). */
static uint32_t slot_room(uint32_t ntokens)
{
    uint32_t room = ntokens / 4u + 8u;
    return room < ntokens ? room : ntokens;
}

void gal_cl_entities_free(gal_cl_entity_finder *ce)
{
    if (!ce)
        return;
    for (int i = 0; i < B_N; i++)
        gal_cl_buf_release(&ce->b[i]);
    gal_cl_kernels_release(ce->prog, ce->k, K_N);
    gal_free(ce->doc_first);
    gal_free(ce->slot_first);
    gal_free(ce->counts);
    gal_mentions_release(&ce->spill);
    gal_free(ce->spilled_docs);
    gal_free(ce->scratch);
    gal_free(ce);
}

int gal_cl_entities_new(gal_cl *cl, gal_cl_entity_finder **out)
{
    gal_cl_entity_finder *ce = gal_calloc(1, sizeof *ce);
    if (!ce)
        return gal_error_set(GAL_ENOMEM, "out of memory for the OpenCL entity finder");
    ce->cl = cl;
    gal_mentions_init(&ce->spill);
    int cpu = cl->cpu_design;
    size_t wg[K_N];
    int rc = gal_cl_kernels_new(cl, "entities.cl", kernel_names, K_N, &ce->prog, ce->k, wg);
    if (rc)
        goto fail;
    /* long divergent per-document scans: one item per group on PoCL, as for
     * the tokenizer's chunk kernels */
    for (int i = 0; i < K_N; i++)
        ce->local[i] = cpu ? 1 : (wg[i] < 64 ? (wg[i] ? wg[i] : 1) : 64);
    *out = ce;
    return 0;
fail:
    gal_cl_entities_free(ce);
    return rc;
}

static int ensure(gal_cl_entity_finder *ce, int which, size_t size, cl_mem_flags flags)
{
    return gal_cl_buf_reserve(ce->cl, &ce->b[which], size, flags);
}

static int write_buf(gal_cl_entity_finder *ce, int which, const void *src, size_t size)
{
    return gal_cl_buf_write(ce->cl, &ce->b[which], src, size);
}

static int read_buf(gal_cl_entity_finder *ce, int which, void *dst, size_t size, cl_bool block)
{
    return gal_cl_buf_read(ce->cl, &ce->b[which], dst, size, block);
}

#define ARG_MEM(which) {sizeof(cl_mem), &ce->b[which].mem}
#define ARG_CLMEM(mem) {sizeof(cl_mem), &(mem)}
#define ARG_U32(var) {sizeof(cl_uint), &(var)}
#define SET_ARGS(kern, ...)                                                        \
    gal_cl_set_args(ce->cl, ce->k[kern], kernel_names[kern], (const gal_cl_arg[]){__VA_ARGS__}, \
                    sizeof((const gal_cl_arg[]){__VA_ARGS__}) / sizeof(gal_cl_arg))

static int launch(gal_cl_entity_finder *ce, int k, size_t n)
{
    return gal_cl_launch(ce->cl, ce->k[k], kernel_names[k], n, ce->local[k]);
}

/* Upload the batch's text and tokens into ce's own buffers, and point in at
 * them. */
static int upload_inputs(gal_cl_entity_finder *ce, const uint8_t *text, const uint32_t *doc_start,
                         uint32_t ndocs, const gal_tokens *tk, gal_cl_token_mems *in)
{
    const cl_mem_flags RO = CL_MEM_READ_ONLY;
    size_t ntok = tk->n;
    int rc;
    if ((rc = ensure(ce, B_TEXT, doc_start[ndocs], RO)) ||
        (rc = ensure(ce, B_DOC_START, ((size_t)ndocs + 1) * 4, RO)) ||
        (rc = ensure(ce, B_THASH, ntok * 8, RO)) || (rc = ensure(ce, B_TPOS, ntok * 4, RO)) ||
        (rc = ensure(ce, B_TOFF, ntok * 4, RO)) ||
        (rc = write_buf(ce, B_TEXT, text, doc_start[ndocs])) ||
        (rc = write_buf(ce, B_DOC_START, doc_start, ((size_t)ndocs + 1) * 4)) ||
        (rc = write_buf(ce, B_THASH, tk->hash, ntok * 8)) ||
        (rc = write_buf(ce, B_TPOS, tk->pos, ntok * 4)) ||
        (rc = write_buf(ce, B_TOFF, tk->offset, ntok * 4)))
        return rc;
    in->text = ce->b[B_TEXT].mem;
    in->doc_start = ce->b[B_DOC_START].mem;
    in->hash = ce->b[B_THASH].mem;
    in->pos = ce->b[B_TPOS].mem;
    in->offset = ce->b[B_TOFF].mem;
    return 0;
}

/* Document d, whose mentions did not fit its slots, by the host rules: its
 * mentions go to ce->spill.  Returns how many, in *n. */
static int spill_doc(gal_cl_entity_finder *ce, const uint8_t *text, const uint32_t *doc_start,
                     uint32_t d, const gal_tokens *tk, uint32_t *n)
{
    size_t t0 = ce->doc_first[d], t1 = ce->doc_first[d + 1];
    if (gal_grow((void **)&ce->scratch, &ce->scratch_cap, GAL_ENT_SCRATCH(t1 - t0),
                 sizeof *ce->scratch, 0) ||
        gal_grow((void **)&ce->spilled_docs, &ce->spill_cap, ce->nspill + 1,
                 sizeof *ce->spilled_docs, 64))
        return gal_error_set(GAL_ENOMEM, "out of memory for entity scratch");
    size_t before = ce->spill.n;
    int rc = gal_entities_doc_ref(text, doc_start, d, tk, t0, t1, ce->scratch, &ce->spill);
    if (rc)
        return rc;
    ce->spilled_docs[ce->nspill++] = (struct spilled_doc){d, before};
    ce->spilled++;
    *n = (uint32_t)(ce->spill.n - before);
    return 0;
}

/* The spilled documents' mentions into their places in out, once the
 * device's have been read. */
static void place_spill(const gal_cl_entity_finder *ce, gal_mentions *out)
{
    for (size_t i = 0; i < ce->nspill; i++) {
        size_t from = ce->spilled_docs[i].at;
        size_t n = (i + 1 < ce->nspill ? ce->spilled_docs[i + 1].at : ce->spill.n) - from;
        size_t to = ce->counts[ce->spilled_docs[i].doc];
        memcpy(out->hash + to, ce->spill.hash + from, n * sizeof *out->hash);
        memcpy(out->doc + to, ce->spill.doc + from, n * sizeof *out->doc);
        memcpy(out->pos + to, ce->spill.pos + from, n * sizeof *out->pos);
        memcpy(out->start + to, ce->spill.start + from, n * sizeof *out->start);
        memcpy(out->end + to, ce->spill.end + from, n * sizeof *out->end);
    }
}

/* in: the text and tokens on the device, NULL mems to upload them here. */
static int run(gal_cl_entity_finder *ce, const uint8_t *text, const uint32_t *doc_start,
               uint32_t ndocs, const gal_tokens *tk, gal_cl_token_mems in, gal_mentions *out)
{
    const cl_mem_flags RO = CL_MEM_READ_ONLY, RW = CL_MEM_READ_WRITE;
    size_t nslots = ce->slot_first[ndocs];
    cl_uint nd = ndocs;
    int rc;
    ce->nspill = 0;
    ce->spill.n = 0;
    if (!in.text && (rc = upload_inputs(ce, text, doc_start, ndocs, tk, &in)))
        return rc;
    if ((rc = ensure(ce, B_DOC_FIRST, ((size_t)ndocs + 1) * 4, RO)) ||
        (rc = ensure(ce, B_SLOT_FIRST, ((size_t)ndocs + 1) * 4, RO)) ||
        (rc = ensure(ce, B_MHASH, nslots * 8, RW)) ||
        (rc = ensure(ce, B_MFIRST, nslots * 4, RW)) ||
        (rc = ensure(ce, B_MLAST, nslots * 4, RW)) ||
        (rc = ensure(ce, B_MSTART, nslots * 4, RW)) ||
        (rc = ensure(ce, B_MEND, nslots * 4, RW)) ||
        (rc = ensure(ce, B_MFLAG, nslots * 4, RW)) ||
        (rc = ensure(ce, B_COUNTS, (size_t)ndocs * 4, RW)) ||
        (rc = write_buf(ce, B_DOC_FIRST, ce->doc_first, ((size_t)ndocs + 1) * 4)) ||
        (rc = write_buf(ce, B_SLOT_FIRST, ce->slot_first, ((size_t)ndocs + 1) * 4)))
        return rc;

    /* 1: every document's mentions into its slots */
    if ((rc = SET_ARGS(K_DOCS, ARG_CLMEM(in.text), ARG_CLMEM(in.doc_start), ARG_MEM(B_DOC_FIRST),
                       ARG_MEM(B_SLOT_FIRST), ARG_U32(nd), ARG_CLMEM(in.hash),
                       ARG_CLMEM(in.pos), ARG_CLMEM(in.offset), ARG_MEM(B_MHASH),
                       ARG_MEM(B_MFIRST), ARG_MEM(B_MLAST), ARG_MEM(B_MSTART),
                       ARG_MEM(B_MEND), ARG_MEM(B_MFLAG), ARG_MEM(B_COUNTS))) ||
        (rc = launch(ce, K_DOCS, ndocs)) ||
        (rc = read_buf(ce, B_COUNTS, ce->counts, (size_t)ndocs * 4, CL_TRUE)))
        return rc;

    /* the documents that did not fit, on the host; then an exclusive scan,
     * one number per document */
    size_t total = 0;
    for (uint32_t d = 0; d < ndocs; d++) {
        uint32_t n = ce->counts[d];
        if (n == GAL_ENT_DOC_FULL && (rc = spill_doc(ce, text, doc_start, d, tk, &n)))
            return rc;
        ce->counts[d] = (uint32_t)total;
        total += n;
    }
    if ((rc = gal_mentions_reserve(out, total)))
        return rc;
    out->n = total;
    if (total == ce->spill.n)
        return 0; /* nothing on the device */
    if ((rc = ensure(ce, B_FIRST, (size_t)ndocs * 4, RW)) ||
        (rc = ensure(ce, B_OHASH, total * 8, RW)) || (rc = ensure(ce, B_ODOC, total * 4, RW)) ||
        (rc = ensure(ce, B_OPOS, total * 4, RW)) || (rc = ensure(ce, B_OSTART, total * 4, RW)) ||
        (rc = ensure(ce, B_OEND, total * 4, RW)) ||
        (rc = write_buf(ce, B_FIRST, ce->counts, (size_t)ndocs * 4)))
        return rc;

    /* 2: slots → output */
    if ((rc = SET_ARGS(K_COMPACT, ARG_U32(nd), ARG_MEM(B_SLOT_FIRST), ARG_MEM(B_FIRST),
                       ARG_MEM(B_COUNTS), ARG_MEM(B_MHASH), ARG_MEM(B_MFIRST),
                       ARG_MEM(B_MSTART), ARG_MEM(B_MEND), ARG_CLMEM(in.pos), ARG_MEM(B_OHASH),
                       ARG_MEM(B_ODOC), ARG_MEM(B_OPOS), ARG_MEM(B_OSTART),
                       ARG_MEM(B_OEND))) ||
        (rc = launch(ce, K_COMPACT, ndocs)))
        return rc;
    if ((rc = read_buf(ce, B_OHASH, out->hash, total * 8, CL_FALSE)) ||
        (rc = read_buf(ce, B_ODOC, out->doc, total * 4, CL_FALSE)) ||
        (rc = read_buf(ce, B_OPOS, out->pos, total * 4, CL_FALSE)) ||
        (rc = read_buf(ce, B_OSTART, out->start, total * 4, CL_FALSE)) ||
        (rc = read_buf(ce, B_OEND, out->end, total * 4, CL_FALSE)))
        return rc;
    return 0;
}

static int find(gal_cl_entity_finder *ce, const gal_cl_tokenizer *from, const uint8_t *text,
                uint32_t nbytes, const uint32_t *doc_start, uint32_t ndocs,
                const gal_tokens *tokens, gal_mentions *out)
{
    out->n = 0;
    if (ndocs == 0)
        return 0;
    int rc = gal_entities_check_batch(nbytes, doc_start, ndocs, tokens);
    if (rc)
        return rc;
    if (tokens->n > UINT32_MAX)
        return gal_error_set(GAL_ELIMIT, "entities: batch has %zu tokens", tokens->n);
    if ((size_t)ndocs + 1 > ce->docs_cap) {
        size_t cap = (size_t)ndocs + 1;
        uint32_t *f = gal_realloc(ce->doc_first, cap * sizeof *f);
        if (!f)
            return gal_error_set(GAL_ENOMEM, "out of memory for %u documents", ndocs);
        ce->doc_first = f;
        uint32_t *sf = gal_realloc(ce->slot_first, cap * sizeof *sf);
        if (!sf)
            return gal_error_set(GAL_ENOMEM, "out of memory for %u documents", ndocs);
        ce->slot_first = sf;
        uint32_t *c = gal_realloc(ce->counts, cap * sizeof *c);
        if (!c)
            return gal_error_set(GAL_ENOMEM, "out of memory for %u documents", ndocs);
        ce->counts = c;
        ce->docs_cap = cap;
    }
    size_t t = 0, slots = 0;
    for (uint32_t d = 0; d < ndocs; d++) {
        ce->doc_first[d] = (uint32_t)t;
        ce->slot_first[d] = (uint32_t)slots;
        t += tokens->doc_tokens[d];
        slots += slot_room(tokens->doc_tokens[d]);
    }
    ce->doc_first[ndocs] = (uint32_t)t;
    ce->slot_first[ndocs] = (uint32_t)slots;
    if (t != tokens->n)
        return gal_error_set(GAL_EUSAGE, "entities: document token counts sum to %zu, not %zu",
                             t, tokens->n);
    if (tokens->n == 0)
        return 0;
    gal_cl_token_mems in = {0};
    if (from) {
        gal_cl_tokenizer_mems(from, &in);
        if (in.nbytes != doc_start[ndocs] || in.ndocs != ndocs || in.ntok != tokens->n)
            memset(&in, 0, sizeof in); /* not this batch's: upload */
    }
    rc = run(ce, text, doc_start, ndocs, tokens, in, out);
    cl_int err = gal_cl_finish(ce->cl);
    gal_cl_profile_collect(ce->cl);
    if (!rc && err != CL_SUCCESS)
        rc = gal_cl_fail("clFinish", err, ce->cl);
    if (!rc)
        place_spill(ce, out);
    else
        out->n = 0;
    return rc;
}

uint64_t gal_cl_entities_host_docs(const gal_cl_entity_finder *ce)
{
    return ce->spilled;
}

int gal_cl_entities(gal_cl_entity_finder *ce, const uint8_t *text, uint32_t nbytes,
                    const uint32_t *doc_start, const uint32_t *body_start, uint32_t ndocs,
                    const gal_tokens *tokens, gal_mentions *out)
{
    (void)body_start; /* fields are told apart by the position gap */
    return find(ce, NULL, text, nbytes, doc_start, ndocs, tokens, out);
}

int gal_cl_entities_after(gal_cl_entity_finder *ce, const gal_cl_tokenizer *tk,
                          const uint8_t *text, uint32_t nbytes, const uint32_t *doc_start,
                          const uint32_t *body_start, uint32_t ndocs, const gal_tokens *tokens,
                          gal_mentions *out)
{
    (void)body_start;
    return find(ce, tk, text, nbytes, doc_start, ndocs, tokens, out);
}
