/*
 * tokenize_ref.c — the host reference tokenizer: one sequential scan per
 * document, on the same rules header the kernels use.  It is the path taken
 * without an OpenCL device and the oracle that device output is compared to.
 */
#include "tokenize.h"

#include <stdint.h>

#include "alloc.h"
#include "status.h"
#include "tokenizer_rules.h"

void gal_tokens_init(gal_tokens *t)
{
    t->hash = NULL;
    t->doc = t->pos = t->offset = t->doc_tokens = NULL;
    t->n = t->cap = t->ndocs = t->docs_cap = 0;
    t->sorted_hash = NULL;
    t->sorted_occ = t->sorted_idx = NULL;
    t->nsorted = t->sorted_cap = 0;
    t->mem = NULL;
}

void gal_tokens_release(gal_tokens *t)
{
    gal_free_to(t->mem, t->hash);
    gal_free_to(t->mem, t->doc);
    gal_free_to(t->mem, t->pos);
    gal_free_to(t->mem, t->offset);
    gal_free_to(t->mem, t->doc_tokens);
    gal_free_to(t->mem, t->sorted_hash);
    gal_free_to(t->mem, t->sorted_occ);
    gal_free_to(t->mem, t->sorted_idx);
    gal_tokens_init(t);
}

/* Page-aligned arrays: a CPU OpenCL device then writes its tokens straight
 * into them (CL_MEM_USE_HOST_PTR, cl_tokenize.c) instead of having them
 * copied.  The old elements are kept: the reference tokenizer grows the
 * arrays as it goes. */
#define TOKEN_ALIGN 4096

static int grow(const gal_allocator *mem, void **p, size_t old, size_t n, size_t size)
{
    if (n > SIZE_MAX / size || gal_regrow_from(mem, TOKEN_ALIGN, p, old * size, n * size))
        return gal_error_set(GAL_ENOMEM, "out of memory for %zu tokens", n);
    return 0;
}

int gal_tokens_reserve(gal_tokens *t, size_t ntokens, size_t ndocs)
{
    int rc = 0;
    if (ntokens > t->cap) {
        size_t cap = ntokens + ntokens / 4;
        if ((rc = grow(t->mem, (void **)&t->hash, t->cap, cap, sizeof *t->hash)) ||
            (rc = grow(t->mem, (void **)&t->doc, t->cap, cap, sizeof *t->doc)) ||
            (rc = grow(t->mem, (void **)&t->pos, t->cap, cap, sizeof *t->pos)) ||
            (rc = grow(t->mem, (void **)&t->offset, t->cap, cap, sizeof *t->offset)))
            return rc;
        t->cap = cap;
    }
    if (ndocs > t->docs_cap) {
        if ((rc = grow(t->mem, (void **)&t->doc_tokens, t->docs_cap, ndocs,
                       sizeof *t->doc_tokens)))
            return rc;
        t->docs_cap = ndocs;
    }
    return 0;
}

int gal_tokens_reserve_sorted(gal_tokens *t, size_t n)
{
    if (n <= t->sorted_cap)
        return 0;
    size_t cap = n + n / 4;
    int rc;
    t->sorted_cap = 0; /* until all three have room */
    if ((rc = grow(t->mem, (void **)&t->sorted_hash, 0, cap, sizeof *t->sorted_hash)) ||
        (rc = grow(t->mem, (void **)&t->sorted_occ, 0, cap, 2 * sizeof *t->sorted_occ)) ||
        (rc = grow(t->mem, (void **)&t->sorted_idx, 0, cap, sizeof *t->sorted_idx)))
        return rc;
    t->sorted_cap = cap;
    return 0;
}

/* Append the tokens of text[from, to) with positions from first_pos on;
 * returns how many there were, or a negative status. */
static long scan_field(const uint8_t *text, uint32_t from, uint32_t to, uint32_t doc,
                       uint32_t first_pos, gal_tokens *out)
{
    gal_token_span tok;
    uint32_t i = from, pos = first_pos;
    while (gal_next_token(text, i, to, to, GAL_SEED_WORD, &tok)) {
        if (out->n == out->cap) {
            int rc = gal_tokens_reserve(out, out->cap ? out->cap * 2 : 4096, out->ndocs);
            if (rc)
                return rc;
        }
        out->hash[out->n] = tok.hash;
        out->doc[out->n] = doc;
        out->pos[out->n] = pos++;
        out->offset[out->n] = tok.start;
        out->n++;
        i = tok.end;
    }
    return (long)(pos - first_pos);
}

int gal_tokenize_ref(const uint8_t *text, uint32_t nbytes, const uint32_t *doc_start,
                     const uint32_t *body_start, uint32_t ndocs, gal_tokens *out)
{
    (void)nbytes;
    out->n = 0;
    out->ndocs = 0;
    out->nsorted = 0;
    int rc = gal_tokens_reserve(out, out->cap, ndocs);
    if (rc)
        return rc;
    out->ndocs = ndocs;
    for (uint32_t d = 0; d < ndocs; d++) {
        long title = scan_field(text, doc_start[d], body_start[d], d, 0, out);
        if (title < 0)
            return (int)title;
        long body = scan_field(text, body_start[d], doc_start[d + 1], d,
                               (uint32_t)title + GAL_TITLE_BODY_GAP, out);
        if (body < 0)
            return (int)body;
        out->doc_tokens[d] = (uint32_t)(title + body);
    }
    return 0;
}
