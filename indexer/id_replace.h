/*
 * id_replace.h — `galley index --replace`: a document whose id the index
 * already holds supersedes the earlier ones (a corrected article in a later
 * dump of the same feed), which are deleted (deleted.h) in the transaction
 * of the new one's batch; `--replace-by url` does the same by url (a page
 * crawled again: every WARC record has an id of its own).
 *
 * The writer keeps every live document's id hash in memory (16 bytes a slot,
 * at most half full: 10 M documents take 320 MB), loaded from the document
 * table when the run starts.  The ids table could not serve: it keeps only
 * the first document of each id in a batch, and a lookup per document and
 * batch cost as many seeks as the index has batches.  A hash that matches
 * is confirmed by comparing the ids themselves, read from the document
 * table, or from the batch for documents of the same batch.
 */
#ifndef GAL_ID_REPLACE_H
#define GAL_ID_REPLACE_H

#include <lmdb.h>
#include <stdint.h>

#include "batch.h"
#include "deleted.h"
#include "doc_record.h"

typedef struct gal_id_replace gal_id_replace;

/* What names a document for --replace (meta run_replace holds it). */
typedef enum { GAL_REPLACE_NONE = 0, GAL_REPLACE_ID = 1, GAL_REPLACE_URL = 2 } gal_replace_key;

/* The live documents' keys (ids or urls) of the index's first ndocs
 * documents (those not in del), read in txn from the docs table. */
int gal_id_replace_new(MDB_txn *txn, MDB_dbi docs, uint32_t ndocs, const gal_deleted_set *del,
                       gal_replace_key key, gal_id_replace **out);
void gal_id_replace_free(gal_id_replace *r); /* NULL is fine */

/* What batch b supersedes, read in txn (which sees the index as committed):
 * the earlier documents with the key of one of b's, in the index or in b,
 * into *gone (n_gone of them, each once, none deleted before), and for each
 * of b's documents whether a later one of b supersedes it (superseded[i],
 * b->ndocs bytes).  The batch's documents become the live ones of their
 * ids: call this once per batch, in order, before its commit. */
int gal_id_replace_batch(gal_id_replace *r, MDB_txn *txn, MDB_dbi docs, const gal_batch *b,
                         uint32_t **gone, size_t *n_gone, uint8_t **superseded);

#endif
