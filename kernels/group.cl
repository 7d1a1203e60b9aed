/*
 * group.cl — a batch's tokens in term-key order, on the device: a stable
 * least-significant-digit radix sort of (key, token index) pairs, so that
 * each term's tokens come out together and, within a term, in token order,
 * i.e. (doc, position) order — what the postings builder's hash table and
 * counting sort make on the host (indexer/postings_builder.c).
 *
 * Like the other kernel files it is compiled after tokenizer_rules.h (see
 * tokenize.cl) but uses nothing of it.  To lint:
 *   clang-15 -x cl -cl-std=CL1.2 -D__OPENCL_VERSION__=120 -fsyntax-only \
 *       -include kernels/tokenizer_rules.h kernels/group.cl
 *
 * A pass sorts by RADIX_BITS bits of the key; sixteen passes take all 64.
 * The keys are cut into tiles of TILE keys, one work-group of GROUP_ITEMS
 * items each, an item ITEM_KEYS consecutive keys:
 *   gal_sort_init      key[i] = hash[i], val[i] = i
 *   gal_radix_count    tile → how many of its keys have each digit,
 *                      hist[digit * ntiles + tile]
 *   gal_radix_scan     hist → exclusive prefix sums, in place (one group):
 *                      where each tile's keys of each digit go
 *   gal_radix_scatter  tile → its keys and values at those places, items
 *                      and each item's keys in order: stable
 *   gal_sort_gather    sorted token index → the token's (doc, position)
 * The host launches count, scan and scatter once per pass, swapping the
 * key and value buffers, and gathers after the last.
 */

#define RADIX_BITS 4
#define RADIX (1u << RADIX_BITS)
#define GROUP_ITEMS 256u
#define ITEM_KEYS 16u
#define TILE (GROUP_ITEMS * ITEM_KEYS)

__kernel void gal_sort_init(__global const ulong *hash, uint n, __global ulong *key,
                            __global uint *val)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    key[i] = hash[i];
    val[i] = i;
}

inline uint gal_digit(ulong key, uint shift)
{
    return (uint)(key >> shift) & (RADIX - 1u);
}

__kernel __attribute__((reqd_work_group_size(256, 1, 1)))
void gal_radix_count(__global const ulong *key, uint n, uint shift, uint ntiles,
                     __global uint *hist)
{
    __local uint counts[RADIX];
    uint lid = get_local_id(0), tile = get_group_id(0);
    if (lid < RADIX)
        counts[lid] = 0;
    barrier(CLK_LOCAL_MEM_FENCE);
    uint first = tile * TILE + lid * ITEM_KEYS;
    for (uint k = 0; k < ITEM_KEYS; k++) {
        uint i = first + k;
        if (i < n)
            atomic_inc(&counts[gal_digit(key[i], shift)]);
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lid < RADIX && tile < ntiles)
        hist[lid * ntiles + tile] = counts[lid];
}

/* One work-group: each item sums a stretch of hist, the stretches' sums are
 * scanned in local memory, and each item then writes its stretch's
 * prefix sums. */
__kernel __attribute__((reqd_work_group_size(256, 1, 1)))
void gal_radix_scan(__global uint *hist, uint m)
{
    __local uint part[GROUP_ITEMS];
    uint lid = get_local_id(0);
    uint per = (m + GROUP_ITEMS - 1u) / GROUP_ITEMS;
    uint lo = min(lid * per, m), hi = min(lo + per, m);
    uint sum = 0;
    for (uint i = lo; i < hi; i++)
        sum += hist[i];
    part[lid] = sum;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lid == 0) {
        uint run = 0;
        for (uint j = 0; j < GROUP_ITEMS; j++) {
            uint s = part[j];
            part[j] = run;
            run += s;
        }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    uint run = part[lid];
    for (uint i = lo; i < hi; i++) {
        uint c = hist[i];
        hist[i] = run;
        run += c;
    }
}

__kernel __attribute__((reqd_work_group_size(256, 1, 1)))
void gal_radix_scatter(__global const ulong *key, __global const uint *val, uint n, uint shift,
                       uint ntiles, __global const uint *hist, __global ulong *key_out,
                       __global uint *val_out)
{
    /* before[d][item]: keys of digit d in the tile's items before this one,
     * then (after the scan) where this item's first key of digit d goes */
    __local uint before[RADIX][GROUP_ITEMS];
    uint lid = get_local_id(0), tile = get_group_id(0);
    uint first = tile * TILE + lid * ITEM_KEYS;
    uint mine[RADIX];
    for (uint d = 0; d < RADIX; d++)
        mine[d] = 0;
    for (uint k = 0; k < ITEM_KEYS; k++) {
        uint i = first + k;
        if (i < n)
            mine[gal_digit(key[i], shift)]++;
    }
    for (uint d = 0; d < RADIX; d++)
        before[d][lid] = mine[d];
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lid < RADIX && tile < ntiles) { /* one item per digit scans its row */
        uint run = hist[lid * ntiles + tile];
        for (uint j = 0; j < GROUP_ITEMS; j++) {
            uint c = before[lid][j];
            before[lid][j] = run;
            run += c;
        }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint d = 0; d < RADIX; d++)
        mine[d] = before[d][lid];
    for (uint k = 0; k < ITEM_KEYS; k++) {
        uint i = first + k;
        if (i < n) {
            ulong x = key[i];
            uint at = mine[gal_digit(x, shift)]++;
            key_out[at] = x;
            val_out[at] = val[i];
        }
    }
}

__kernel void gal_sort_gather(__global const uint *val, uint n, __global const uint *doc,
                              __global const uint *pos, __global uint *occ)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    uint t = val[i];
    occ[2u * i] = doc[t];
    occ[2u * i + 1u] = pos[t];
}
