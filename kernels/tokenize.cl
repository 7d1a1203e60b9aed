/*
 * tokenize.cl — batch of documents → tokens, per-chunk work-items.
 *
 * This file does NOT #include tokenizer_rules.h: the host passes that header's
 * text and then this file's text to clCreateProgramWithSource as two strings,
 * so the same bytes define the rules on the host and here.  To lint it alone
 * (clang, unlike OpenCL drivers, does not define __OPENCL_VERSION__, which
 * the header tests to pick its OpenCL branch):
 *   clang-15 -x cl -cl-std=CL1.2 -D__OPENCL_VERSION__=120 -fsyntax-only \
 *       -include kernels/tokenizer_rules.h kernels/tokenize.cl
 *
 * The text [base, limit) of a batch is cut into chunks of `chunk` bytes; a
 * work-item owns the tokens that START in its chunk and reads past the chunk
 * end to finish the last one.  Because every field of the batch ends with
 * '\n', a scan with `limit` = end of batch sees exactly the tokens that the
 * host reference sees field by field.
 *
 *   gal_emit_slots      chunk → its token count, and hash and offset of its
 *                       first `cap` tokens in slots of its own
 *   (host: exclusive scan of the counts into first-token indices)
 *   gal_compact_tokens  chunk → its tokens from the slots to hash[], offset[]
 *   and, only when some chunk had more than cap tokens:
 *   gal_emit_tokens     such a chunk → hash[] and offset[] of its tokens,
 *                       scanned again
 *   then on a GPU:
 *   gal_doc_ranges      doc → index of its first title and body token, doc_tokens
 *   gal_token_docs      token → doc and position
 *   or on a CPU:
 *   gal_doc_fill        doc → doc_tokens, and doc and position of its tokens
 *
 * Every kernel takes its item count and returns early past it, so the host
 * may round the global size up to a multiple of the work-group size.
 */

/* First chunk byte that is a code point boundary, or limit. */
inline uint gal_chunk_begin(__global const uchar *text, uint c, uint chunk, uint base, uint limit)
{
    ulong s = (ulong)base + (ulong)c * chunk;
    if (s >= limit)
        return limit;
    return gal_utf8_sync(text, (uint)s, base, limit);
}

inline uint gal_chunk_end(uint c, uint chunk, uint base, uint limit)
{
    ulong e = (ulong)base + (ulong)(c + 1u) * chunk;
    return e < limit ? (uint)e : limit;
}

/* Where chunk c's scan starts: its first boundary, past the tail of a token
 * that an earlier chunk owns. */
inline uint gal_chunk_scan_start(__global const uchar *text, uint c, uint chunk, uint base,
                                 uint limit, uint end)
{
    uint i = gal_chunk_begin(text, c, chunk, base, limit);
    if (i < end && gal_word_ends_at(text, i, base, limit)) {
        while (i < end) {
            int cp;
            uint len = gal_utf8_decode(text, i, limit, &cp);
            if (!gal_cp_is_word(cp))
                break;
            i += len;
        }
    }
    return i;
}

/* How many tokens chunk c has, from the exclusive scan first[]. */
inline uint gal_chunk_tokens(__global const uint *first, uint c, uint nchunks, uint ntokens)
{
    return (c + 1u < nchunks ? first[c + 1u] : ntokens) - first[c];
}

/* For a chunk with more than cap tokens (its slots overflowed): write the
 * hash and start offset of each of its tokens, from global index first[c] on
 * (the exclusive scan of the counts).  Other chunks return at once. */
__kernel void gal_emit_tokens(__global const uchar *text, uint base, uint limit, uint chunk,
                              uint nchunks, uint cap, uint ntokens, __global const uint *first,
                              __global ulong *hash, __global uint *offset)
{
    uint c = get_global_id(0);
    if (c >= nchunks || gal_chunk_tokens(first, c, nchunks, ntokens) <= cap)
        return;
    uint end = gal_chunk_end(c, chunk, base, limit);
    uint i = gal_chunk_scan_start(text, c, chunk, base, limit, end);
    uint k = first[c];
    gal_token_span tok;
    while (gal_next_token(text, i, end, limit, GAL_SEED_WORD, &tok)) {
        hash[k] = tok.hash;
        offset[k] = tok.start;
        k++;
        i = tok.end;
    }
}

/* One pass instead of count + emit: chunk c writes its first `cap` tokens to
 * its own slots [c * cap, c * cap + cap) and its full token count to
 * counts[c].  gal_compact_tokens then moves the slots into place, and
 * gal_emit_tokens rescans the chunks that had more than cap tokens. */
__kernel void gal_emit_slots(__global const uchar *text, uint base, uint limit, uint chunk,
                             uint nchunks, uint cap, __global uint *counts,
                             __global ulong *slot_hash, __global uint *slot_offset)
{
    uint c = get_global_id(0);
    if (c >= nchunks)
        return;
    uint end = gal_chunk_end(c, chunk, base, limit);
    uint i = gal_chunk_scan_start(text, c, chunk, base, limit, end);
    ulong slot = (ulong)c * cap;
    uint k = 0;
    gal_token_span tok;
    while (gal_next_token(text, i, end, limit, GAL_SEED_WORD, &tok)) {
        if (k < cap) {
            slot_hash[slot + k] = tok.hash;
            slot_offset[slot + k] = tok.start;
        }
        k++;
        i = tok.end;
    }
    counts[c] = k;
}

/* Move chunk c's tokens from its slots to their global indices
 * first[c] .. first[c + 1] (ntokens for the last chunk), unless it had more
 * than cap (gal_emit_tokens writes those). */
__kernel void gal_compact_tokens(uint nchunks, uint cap, uint ntokens, __global const uint *first,
                                 __global const ulong *slot_hash,
                                 __global const uint *slot_offset, __global ulong *hash,
                                 __global uint *offset)
{
    uint c = get_global_id(0);
    if (c >= nchunks)
        return;
    uint k = first[c];
    uint n = gal_chunk_tokens(first, c, nchunks, ntokens);
    if (n > cap)
        return;
    ulong slot = (ulong)c * cap;
    for (uint j = 0; j < n; j++) {
        hash[k + j] = slot_hash[slot + j];
        offset[k + j] = slot_offset[slot + j];
    }
}

/* Index of the first of offset[0..n) that is >= key (offsets ascend). */
inline uint gal_lower_bound(__global const uint *offset, uint n, uint key)
{
    uint lo = 0, hi = n;
    while (lo < hi) {
        uint mid = lo + (hi - lo) / 2u;
        if (offset[mid] < key)
            lo = mid + 1u;
        else
            hi = mid;
    }
    return lo;
}

/* Per document d: the index of its first token, of its first body token,
 * and its token count. */
__kernel void gal_doc_ranges(__global const uint *offset, uint ntokens,
                             __global const uint *doc_start, __global const uint *body_start,
                             uint ndocs, __global uint *doc_first, __global uint *body_first,
                             __global uint *doc_tokens)
{
    uint d = get_global_id(0);
    if (d >= ndocs)
        return;
    uint f = gal_lower_bound(offset, ntokens, doc_start[d]);
    uint b = gal_lower_bound(offset, ntokens, body_start[d]);
    uint e = gal_lower_bound(offset, ntokens, doc_start[d + 1u]);
    doc_first[d] = f;
    body_first[d] = b;
    doc_tokens[d] = e - f;
}

/* Per token t: its document (the last one starting at or before it) and its
 * position: title tokens from 0, body tokens from title tokens + the gap. */
__kernel void gal_token_docs(__global const uint *offset, uint ntokens,
                             __global const uint *doc_start, uint ndocs,
                             __global const uint *doc_first, __global const uint *body_first,
                             __global uint *doc, __global uint *pos)
{
    uint t = get_global_id(0);
    if (t >= ntokens)
        return;
    uint off = offset[t];
    uint lo = 0, hi = ndocs; /* find the last d with doc_start[d] <= off */
    while (hi - lo > 1u) {
        uint mid = lo + (hi - lo) / 2u;
        if (doc_start[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    uint f = doc_first[lo], b = body_first[lo];
    doc[t] = lo;
    pos[t] = t < b ? t - f : (b - f) + GAL_TITLE_BODY_GAP + (t - b);
}

/* gal_doc_ranges and gal_token_docs in one per-document pass that writes
 * each token's doc and position sequentially; faster on CPUs, where a
 * work-item per token costs a binary search each. */
__kernel void gal_doc_fill(__global const uint *offset, uint ntokens,
                           __global const uint *doc_start, __global const uint *body_start,
                           uint ndocs, __global uint *doc_tokens, __global uint *doc,
                           __global uint *pos)
{
    uint d = get_global_id(0);
    if (d >= ndocs)
        return;
    uint f = gal_lower_bound(offset, ntokens, doc_start[d]);
    uint b = gal_lower_bound(offset, ntokens, body_start[d]);
    uint e = gal_lower_bound(offset, ntokens, doc_start[d + 1u]);
    doc_tokens[d] = e - f;
    for (uint t = f; t < b; t++) {
        doc[t] = d;
        pos[t] = t - f;
    }
    uint p = (b - f) + GAL_TITLE_BODY_GAP;
    for (uint t = b; t < e; t++) {
        doc[t] = d;
        pos[t] = p++;
    }
}
