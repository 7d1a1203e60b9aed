/*
 * cl_group.h — a batch's tokens grouped by term on an OpenCL device.
 *
 * The postings builder groups a batch's tokens by term with a hash table
 * and a counting sort on the host (postings_builder.c): a third of the
 * encoders' CPU (news-200m), and the encoders were the largest stage on
 * the H200 machine.
 * gal_cl_group sorts the tokens the tokenizer left on the device by term
 * key instead (kernels/group.cl, a stable radix sort) and copies down each
 * token's key, document and position in that order, which the builder
 * then only walks (gal_tokens.sorted_*).  Same postings either way; tests
 * compare the tables.  Off unless GALLEY_CL_GROUP=1, until a GPU run shows
 * what it saves.
 */
#ifndef GAL_CL_GROUP_H
#define GAL_CL_GROUP_H

#include "cl_runtime.h"
#include "cl_tokenize.h"
#include "tokenize.h"

typedef struct gal_cl_grouper gal_cl_grouper;

/* Whether GALLEY_CL_GROUP asks for grouping on the device: *on is 1 for
 * "1", 0 when unset, empty or "0"; GAL_EUSAGE for anything else. */
int gal_cl_group_wanted(int *on);

/* Build the sort's program on cl (cached, see gal_cl_build).  GAL_ECL also
 * when the device runs fewer than 256 work-items in a group, which the
 * kernels need; the errors of gal_cl_build, GAL_ENOMEM. */
int gal_cl_grouper_new(gal_cl *cl, gal_cl_grouper **out);
void gal_cl_grouper_free(gal_cl_grouper *g); /* NULL is a no-op */

/* Sort the tokens of t, which gal_cl_tokenize just made with tk on the
 * same device, into t's sorted arrays (t->nsorted = t->n).  Blocks until
 * the device is done.  GAL_ECL, GAL_ENOMEM; GAL_EUSAGE when the tokenizer's
 * last batch is not t's. */
int gal_cl_group(gal_cl_grouper *g, const gal_cl_tokenizer *tk, gal_tokens *t);

#endif
