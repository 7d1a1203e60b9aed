/*
 * entities_ref.c — the host reference for entity mentions: gal_ent_doc()
 * from kernels/entity_rules.h once per document, the same function the
 * kernel runs.  It is the path taken without an OpenCL device and the oracle
 * the device output is compared to.
 */
#include "entities.h"

#include "alloc.h"
#include "status.h"
#include "tokenizer_rules.h"
#include "entity_rules.h"

_Static_assert(GAL_ENT_DOC_FULL == GAL_ENT_FULL, "entities.h and entity_rules.h disagree");

int gal_entities_check_batch(uint32_t nbytes, const uint32_t *doc_start, uint32_t ndocs,
                             const gal_tokens *tokens)
{
    if (doc_start[ndocs] > nbytes || tokens->ndocs != ndocs)
        return gal_error_set(GAL_EUSAGE, "entities: tokens of %zu documents for a batch of %u",
                             tokens->ndocs, ndocs);
    return 0;
}

int gal_entities_doc_ref(const uint8_t *text, const uint32_t *doc_start, uint32_t d,
                         const gal_tokens *tokens, size_t t0, size_t t1, uint32_t *scratch,
                         gal_mentions *out)
{
    uint32_t room = (uint32_t)(t1 - t0);
    int rc = gal_mentions_reserve(out, out->n + room);
    if (rc)
        return rc;
    /* every array indexed from 0 for this document */
    gal_ent_ctx c;
    c.text = text;
    c.lo = doc_start[d];
    c.hi = doc_start[d + 1];
    c.thash = tokens->hash;
    c.toff = tokens->offset;
    c.mhash = out->hash + out->n;
    c.mstart = out->start + out->n;
    c.mend = out->end + out->n;
    c.mfirst = scratch;
    c.mlast = scratch + room;
    c.mflag = scratch + 2 * (size_t)room;
    c.m0 = 0;
    c.cap = room;
    uint32_t k = gal_ent_doc(&c, tokens->pos, (uint32_t)t0, (uint32_t)t1);
    if (k == GAL_ENT_FULL) /* one mention a token at most: cannot happen */
        return gal_error_set(GAL_EUSAGE, "internal error: document %u has more mentions than "
                             "tokens", d);
    for (uint32_t j = 0; j < k; j++) {
        out->doc[out->n + j] = d;
        out->pos[out->n + j] = tokens->pos[c.mfirst[j]];
    }
    out->n += k;
    return 0;
}

int gal_entities_ref(const uint8_t *text, uint32_t nbytes, const uint32_t *doc_start,
                     const uint32_t *body_start, uint32_t ndocs, const gal_tokens *tokens,
                     gal_mentions *out)
{
    (void)body_start; /* fields are told apart by the position gap */
    out->n = 0;
    if (ndocs == 0)
        return 0;
    int rc = gal_entities_check_batch(nbytes, doc_start, ndocs, tokens);
    if (rc)
        return rc;
    uint32_t most = 0;
    for (uint32_t d = 0; d < ndocs; d++)
        most = tokens->doc_tokens[d] > most ? tokens->doc_tokens[d] : most;
    uint32_t *scratch = gal_malloc(GAL_ENT_SCRATCH(most) * sizeof *scratch);
    if (!scratch)
        return gal_error_set(GAL_ENOMEM, "out of memory for entity scratch");
    size_t t0 = 0;
    for (uint32_t d = 0; d < ndocs && !rc; d++) {
        size_t t1 = t0 + tokens->doc_tokens[d];
        if (t1 > tokens->n)
            rc = gal_error_set(GAL_EUSAGE, "entities: token counts exceed %zu tokens", tokens->n);
        else
            rc = gal_entities_doc_ref(text, doc_start, d, tokens, t0, t1, scratch, out);
        t0 = t1;
    }
    gal_free(scratch);
    return rc;
}
