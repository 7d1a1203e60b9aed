/*
 * entities.cl — named-entity mentions of a tokenized batch, one work-item per
 * document.
 *
 * The host passes tokenizer_rules.h, entity_rules.h and this file to
 * clCreateProgramWithSource as three strings (indexer/cl_runtime.c), so the
 * rules here are the very bytes the host reference runs: every decision is
 * gal_ent_doc() in entity_rules.h.  The guarded #include below only serves a
 * standalone lint, where the header was not prepended:
 *   clang-15 -x cl -cl-std=CL1.2 -fsyntax-only -include kernels/tokenizer_rules.h \
 *       kernels/entities.cl
 *
 *   gal_entity_docs     document d → its mentions in its slots,
 *                       [slot_first[d], slot_first[d + 1]), and their
 *                       count, or GAL_ENT_FULL when they did not fit
 *   (host: the rules for each document that did not fit, and an exclusive
 *   scan of the counts)
 *   gal_entity_compact  document d → its mentions from the slots to their
 *                       place in the output, with doc and position (not
 *                       a document that did not fit: the host puts those)
 *
 * Detection, the sentence-start rule and linking within a document all run
 * in gal_entity_docs; the host is left the scan, and the rare document that
 * did not fit.
 */
#ifndef GAL_ENTITY_RULES_H
#include "entity_rules.h"
#endif

__kernel void gal_entity_docs(__global const uchar *text, __global const uint *doc_start,
                              __global const uint *doc_first,
                              __global const uint *slot_first, uint ndocs,
                              __global const ulong *thash, __global const uint *tpos,
                              __global const uint *toff, __global ulong *mhash,
                              __global uint *mfirst, __global uint *mlast,
                              __global uint *mstart, __global uint *mend, __global uint *mflag,
                              __global uint *counts)
{
    uint d = get_global_id(0);
    if (d >= ndocs)
        return;
    gal_ent_ctx c;
    c.text = text;
    c.lo = doc_start[d];
    c.hi = doc_start[d + 1u];
    c.thash = thash;
    c.toff = toff;
    c.mhash = mhash;
    c.mfirst = mfirst;
    c.mlast = mlast;
    c.mstart = mstart;
    c.mend = mend;
    c.mflag = mflag;
    c.m0 = slot_first[d];
    c.cap = slot_first[d + 1u] - c.m0;
    counts[d] = gal_ent_doc(&c, tpos, doc_first[d], doc_first[d + 1u]);
}

__kernel void gal_entity_compact(uint ndocs, __global const uint *slot_first,
                                 __global const uint *first, __global const uint *counts,
                                 __global const ulong *mhash, __global const uint *mfirst,
                                 __global const uint *mstart, __global const uint *mend,
                                 __global const uint *tpos, __global ulong *out_hash,
                                 __global uint *out_doc, __global uint *out_pos,
                                 __global uint *out_start, __global uint *out_end)
{
    uint d = get_global_id(0);
    if (d >= ndocs)
        return;
    uint src = slot_first[d], dst = first[d], n = counts[d];
    if (n == GAL_ENT_FULL)
        return;
    for (uint k = 0; k < n; k++) {
        out_hash[dst + k] = mhash[src + k];
        out_doc[dst + k] = d;
        out_pos[dst + k] = tpos[mfirst[src + k]];
        out_start[dst + k] = mstart[src + k];
        out_end[dst + k] = mend[src + k];
    }
}
