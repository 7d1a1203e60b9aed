/*
 * text_repack.h — `galley optimize`'s second pass over the stored text:
 * every document compressed again, harder, with a dictionary trained on
 * the whole archive.
 *
 * `galley index` compresses at zstd level 3 with a dictionary of at most
 * 512 kB trained on its first batch: zstd's level sets the build's pace on
 * two cores.  An archive optimized once is read for years, so here the
 * text is worth a slower level and a larger dictionary, trained on
 * documents from all over it.  On generated news (8 kB groups, documents
 * held out from the training) level 3 with 512 kB compressed to 0.384 of
 * raw, level 7 with 2 MB to 0.308, with 4 MB to 0.297 (zstd ~17 MB/s a core
 * at level 7 against ~85 at 3); on Reuters-21578, 0.369 → 0.319 (2 MB).  A
 * larger dictionary costs decompression speed: its matches are further
 * away in memory (~165 against ~285 MB/s per 8 kB group here).
 *
 * The documents an earlier optimize packed (meta "text_packed": the first
 * that many) keep their records; later ones, appended since, are packed
 * with the same dictionary.  Records are written in blocks as `galley
 * index` writes them (stored_text.h), under the first document of each.
 */
#ifndef GAL_TEXT_REPACK_H
#define GAL_TEXT_REPACK_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>
#include <zstd.h>

#include "buf.h"
#include "stored_text.h" /* gal_text_put_fn */

/* The level `galley optimize` packs at unless told otherwise. */
#define GAL_TEXT_REPACK_LEVEL 7

struct gal_deleted_set;

typedef struct gal_text_repack_stats {
    uint64_t docs;           /* documents packed again */
    uint64_t text_bytes;     /* their text */
    uint64_t blocks_copied;  /* blocks of documents packed before, as they were */
    size_t dict_bytes;       /* the dictionary trained, 0 when none was */
    double train_sec;
    double finish_sec; /* in gal_text_repack_finish(), after the caller's own work */
} gal_text_repack_stats;

/* Train the dictionary for packing every text of the text table (about
 * raw_bytes of text) at level, on a sample of them spread evenly over the
 * table: dict (replaced) holds it, or stays empty when there is too little
 * text.  ddict: the table's dictionary now. */
int gal_text_repack_train(MDB_txn *txn, MDB_dbi text, const ZSTD_DDict *ddict, uint64_t raw_bytes,
                          int level, gal_buf *dict, gal_text_repack_stats *stats);

/* Writing the whole text table through put, in key order: the blocks of
 * documents below from_doc as they are, every later document packed again
 * at level with dict (NULL: none) on threads threads; the deleted documents
 * of drop (NULL: none) are packed with no text (they are purged,
 * deleted.h), and a block below from_doc that holds one not purged yet is
 * packed again for it (dict must then be the table's own).  ddict decodes the
 * table as it is; txn and the table stay open until the finish.  Blocks
 * whose lengths or records do not decode are corruption (GAL_ECORRUPT).
 *
 * This thread reads the source and puts the blocks; the threads compress.
 * Between begin and finish the caller may do other work on this thread
 * (optimize merges the postings), calling gal_text_repack_pump() often:
 * the threads then compress the text meanwhile. */
typedef struct gal_text_repacker gal_text_repacker;

int gal_text_repack_begin(MDB_txn *txn, MDB_dbi text, const ZSTD_DDict *ddict, uint32_t from_doc,
                          const struct gal_deleted_set *drop, const void *dict, size_t dict_len,
                          int level, unsigned threads, gal_text_put_fn put, void *ctx,
                          gal_text_repack_stats *stats, gal_text_repacker **out);

/* Put the blocks the threads have finished and give them more, without
 * waiting for them. */
int gal_text_repack_pump(gal_text_repacker *r);

/* With ok, read, pack and put the rest, waiting for the threads; either
 * way stop them and free r (NULL is fine). */
int gal_text_repack_finish(gal_text_repacker *r, int ok);

#endif
