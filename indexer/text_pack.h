/*
 * text_pack.h — compress a batch's stored text (common/stored_text.h).
 *
 * Two steps on different threads.  The reader prepares each batch in input
 * order: the first batch with enough documents trains the zstd dictionary
 * that every later document of the index is compressed with, and carries
 * it to the writer, which stores it in the same transaction; a batch uses
 * the dictionary only if it is stored by the time the batch commits (that
 * batch or an earlier one), so a crash never leaves records without it.
 * Then any encoder thread compresses the batch, each with its own zstd
 * context; the dictionary is shared and read-only once trained.
 */
#ifndef GAL_TEXT_PACK_H
#define GAL_TEXT_PACK_H

#include <stddef.h>
#include <zstd.h>

#include "batch.h"
#include "buf.h"

typedef struct gal_text_dict gal_text_dict;

/* The zstd level `galley index` stores text at unless told otherwise
 * (--text-level): level 3 with the dictionary is the best trade of speed
 * and size found for ~1 kB news documents (bench/HISTORY.md). */
#define GAL_TEXT_INDEX_LEVEL 3
/* The levels --text-level takes: 0 stores the text as it is (records of
 * kind GAL_TEXT_RAW; `galley optimize` packs it later), 1 to this zstd. */
#define GAL_TEXT_INDEX_LEVEL_MAX 19

/* dict/dict_len: the index's dictionary, or NULL when it has none yet.
 * level: what the documents are compressed at, 0 to store them as they are
 * (then no dictionary is trained or used). */
int gal_text_dict_new(const void *dict, size_t dict_len, int level, gal_text_dict **out);
void gal_text_dict_free(gal_text_dict *td); /* NULL is fine */

/* In batch order: train the dictionary on b when the index has none yet,
 * b is large enough and its text is compressed (b->new_dict then holds
 * it), and mark whether b is compressed with it (b->use_dict). */
int gal_text_dict_prepare(gal_text_dict *td, gal_batch *b);

/* Train a dictionary of at most dict_bytes for zstd at level on the
 * nsamples texts laid end to end at sample, the i-th sizes[i] bytes long,
 * into dict (replaced).  1, and dict empty, when there is too little or too
 * uniform text to train on. */
int gal_text_dict_train(const void *sample, const size_t *sizes, unsigned nsamples,
                        size_t dict_bytes, int level, gal_buf *dict);

/* Append to out the sealed records of ndocs documents numbered from
 * first_doc: groups of consecutive documents, or one alone (stored_text.h).
 * Document d's text is text[doc_start[d], doc_start[d + 1] - 1), the byte
 * after it a newline.  Record r is out[off[r], off[r + 1]) and holds
 * documents from doc[r] (counted from first_doc) on; *nrec records.  off
 * and doc have room for ndocs + 1 entries.  cdict may be NULL (no
 * dictionary; then level applies, else the cdict's). */
int gal_text_pack_docs(ZSTD_CCtx *cctx, const ZSTD_CDict *cdict, int level, const uint8_t *text,
                       const uint32_t *doc_start, uint32_t ndocs, uint32_t first_doc,
                       gal_buf *out, size_t *off, uint32_t *doc, uint32_t *nrec);

/* Fill b->stored, stored_off, stored_doc and nstored with sealed records:
 * groups of consecutive documents, or one alone (stored_text.h); at level 0
 * a raw record per document.
 * Any thread, after gal_text_dict_prepare() saw b; cctx is the thread's. */
int gal_text_pack(ZSTD_CCtx *cctx, const gal_text_dict *td, gal_batch *b);

#endif
