/*
 * cl_entities.h — entity mentions on an OpenCL device (kernels/entities.cl).
 *
 * gal_cl_entities() gives byte-identical output to gal_entities_ref()
 * (entities.h) for the same batch and tokens: the kernel runs the same
 * gal_ent_doc() from kernels/entity_rules.h, one work-item per document,
 * including the sentence-start rule and within-document linking; the host
 * uploads, scans the per-document counts and downloads.  A document has
 * room on the device for a quarter of its tokens in mentions (plus a few);
 * the rare one with more is redone on the host by the same rules
 * (gal_entities_doc_ref).
 */
#ifndef GAL_CL_ENTITIES_H
#define GAL_CL_ENTITIES_H

#include "cl_runtime.h"
#include "cl_tokenize.h"
#include "entities.h"

/* The built kernels and their buffers on one device.  (Named apart from the
 * function gal_cl_entities(): C gives types and functions one namespace.) */
typedef struct gal_cl_entity_finder gal_cl_entity_finder;

/* Build entities.cl for cl's device.  *out is a new object that borrows cl
 * (which must outlive it); free it with gal_cl_entities_free().
 * Errors: as gal_cl_build (GAL_ENOTFOUND when the kernel or entity_rules.h
 * is not in this build), GAL_ECL, GAL_ENOMEM. */
int gal_cl_entities_new(gal_cl *cl, gal_cl_entity_finder **out);
void gal_cl_entities_free(gal_cl_entity_finder *ce); /* NULL is fine */

/* Same arguments and output as gal_entities_ref().  Replaces out's contents;
 * on failure out->n is 0.  Errors: GAL_ECL, GAL_ENOMEM, GAL_EUSAGE. */
int gal_cl_entities(gal_cl_entity_finder *ce, const uint8_t *text, uint32_t nbytes,
                    const uint32_t *doc_start, const uint32_t *body_start, uint32_t ndocs,
                    const gal_tokens *tokens, gal_mentions *out);

/* The same, for the batch that gal_cl_tokenize(tk, ...) has just turned into
 * tokens, with no other call on tk in between, on the same gal_cl: the
 * kernels read the text and token arrays tk left on the device
 * (gal_cl_tokenizer_mems) instead of uploading them again.  When tk holds
 * nothing that matches this batch's sizes, it uploads as gal_cl_entities
 * does. */
int gal_cl_entities_after(gal_cl_entity_finder *ce, const gal_cl_tokenizer *tk,
                          const uint8_t *text, uint32_t nbytes, const uint32_t *doc_start,
                          const uint32_t *body_start, uint32_t ndocs, const gal_tokens *tokens,
                          gal_mentions *out);

/* Documents redone on the host, their mentions overflowing their room on
 * the device, since ce was made. */
uint64_t gal_cl_entities_host_docs(const gal_cl_entity_finder *ce);

#endif
