/*
 * cl_tokenize.h — stage 2 of `galley index` on an OpenCL device.
 *
 * gal_cl_tokenize gives byte-identical output to gal_tokenize_ref
 * (indexer/tokenize.h) for every batch laid out as that header says
 * (every field ends with '\n'); tests/unit/test_cl_tokenize.c checks it.
 *
 * Kernels (kernels/tokenize.cl): the text is cut into chunks; one work-item
 * per chunk scans the tokens that start in it and writes their hashes and
 * offsets into slots of its own, the host turns the per-chunk counts into
 * first-token indices, a second pass moves the slots into place (or, when a
 * chunk had more tokens than its slots hold, scans the chunk again), and a
 * last pass gives each token its document and position.
 *
 * Device memory per batch: about 4 bytes per text byte (text, slots) plus
 * 20 bytes per token and 16 per document; buffers only grow.
 */
#ifndef GAL_CL_TOKENIZE_H
#define GAL_CL_TOKENIZE_H

#include <stdint.h>

#include "cl_runtime.h"
#include "tokenize.h"

typedef struct gal_cl_tokenizer gal_cl_tokenizer;

/* Build the tokenizer program on cl (cached, see gal_cl_build) and make its
 * kernels.  cl must outlive the tokenizer.  Device buffers are made on the
 * first call and reused, growing as needed.
 * Errors: those of gal_cl_build, GAL_ECL, GAL_ENOMEM. */
int gal_cl_tokenizer_new(gal_cl *cl, gal_cl_tokenizer **out);

/* Release the kernels, program and buffers; NULL is a no-op. */
void gal_cl_tokenizer_free(gal_cl_tokenizer *tk);

/* Bytes per work-item in the chunk kernels: 4096 on CPUs, 512 on other
 * devices by default, or the environment variable GALLEY_CL_CHUNK; 0 restores
 * that default.  Any value from 1 to 1 << 24 gives the same output; only
 * speed changes.  GAL_EUSAGE for a value out of range. */
int gal_cl_tokenizer_set_chunk(gal_cl_tokenizer *tk, uint32_t chunk_bytes);

/* How each token gets its doc and position: one work-item per document that
 * walks its tokens (the default on CPUs, where it is fastest), or one per
 * token with a binary search (per_token != 0, the default elsewhere).  Both
 * give the same output; this is for tests and benchmarks. */
void gal_cl_tokenizer_set_per_token(gal_cl_tokenizer *tk, int per_token);

/* Where the kernels write the tokens: into the caller's gal_tokens arrays in
 * place (on != 0: the default on CPUs, where device memory is host memory
 * and the copy back is pure cost), or into device buffers copied back after
 * the kernels (the default elsewhere).  Same output; for tests and
 * benchmarks. */
void gal_cl_tokenizer_set_zero_copy(gal_cl_tokenizer *tk, int on);
/* Whether the kernels write into the caller's arrays in place; if not, the
 * tokens are copied down, best into pinned memory (cl_pinned.h). */
int gal_cl_tokenizer_zero_copy(const gal_cl_tokenizer *tk);

/* Tokenize a batch exactly as gal_tokenize_ref does (same arguments, same
 * output, written into *out, which grows as needed).  Blocks until the
 * device is done; text and the doc tables are not kept after it returns.
 * Errors: GAL_ECL (an OpenCL call failed: CL_MEM_OBJECT_ALLOCATION_FAILURE
 * for a batch larger than the device takes, and others), GAL_ENOMEM. */
int gal_cl_tokenize(gal_cl_tokenizer *tk, const uint8_t *text, uint32_t nbytes,
                    const uint32_t *doc_start, const uint32_t *body_start, uint32_t ndocs,
                    gal_tokens *out);

/* The device copies gal_cl_tokenize left behind for its last batch, for a
 * later stage on the same device (cl_entities.h) to read instead of
 * uploading the text and tokens again.  Valid until the next call on tk;
 * all NULL when the last call failed or found no tokens. */
typedef struct gal_cl_token_mems {
    uint32_t nbytes; /* text bytes on the device: doc_start[ndocs] */
    uint32_t ndocs;
    size_t ntok;
    cl_mem text, doc_start, hash, doc, pos, offset;
} gal_cl_token_mems;

void gal_cl_tokenizer_mems(const gal_cl_tokenizer *tk, gal_cl_token_mems *out);

#endif
