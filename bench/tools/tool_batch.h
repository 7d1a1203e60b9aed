/*
 * tool_batch.h — what the bench tools share: a JSON Lines file read with
 * the indexer's own reader into one batch, tokenized and its entity
 * mentions found on the reference path, as a batch of `galley index` is.
 */
#ifndef GAL_TOOL_BATCH_H
#define GAL_TOOL_BATCH_H

#include "batch.h"
#include "entities.h"
#include "reader.h"
#include "tokenize.h"

/* Read path into b (gal_batch_init'ed by the caller) and fill t and m
 * (initialised here).  on_doc, when not NULL, sees each document before
 * it joins the batch, with ctx.  Returns 0 or a gal_status; the caller
 * releases b, t and m either way. */
int tool_batch_load(const char *path, int (*on_doc)(void *ctx, const gal_doc *doc), void *ctx,
                    gal_batch *b, gal_tokens *t, gal_mentions *m);

#endif
