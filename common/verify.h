/*
 * verify.h — check a whole index: every record of every table, its checksum,
 * its structure, and the agreement between tables (`galley verify`).
 *
 * What is checked, table by table:
 *   meta      counts against what the other tables hold (docs, terms,
 *             batches; tokens >= positions of words)
 *   docstats  checksums; batches cover documents 0 .. docs-1 without gaps
 *   docs      checksums and layout; one record per document, in order;
 *             tokens, title tokens and date agree with docstats; the file
 *             number exists
 *   text      checksums; every record decompresses; one per document; it
 *             starts with the document's title and a newline
 *   ids       values are 4-byte document numbers below docs
 *   files     4-byte keys below meta "files"; non-empty paths
 *   lexicon   each folded term re-hashes to its key and is in vocab
 *   vocab     each entry points back at a lexicon entry with the same bytes
 *   postings  checksums; chunks decode fully (documents increasing and below
 *             docs, tfs > 0, positions increasing within a document and
 *             inside the document's token range, no bytes left over); each
 *             key's batch is a docstats batch holding the chunk's documents;
 *             a term's chunks in a batch do not overlap, and the last of
 *             them alone carries their document count, which is right;
 *             every lexicon term has postings
 *   entities  records decode (checksums); counts are plausible; every
 *             entity has postings
 *
 * Postings terms without a lexicon entry are counted (unnamed_terms), not
 * reported: bigrams and entities key postings by hashes of their own.
 */
#ifndef GAL_VERIFY_H
#define GAL_VERIFY_H

#include <stdint.h>
#include <stdio.h>

#include "postings_codec.h"

typedef struct gal_verify_stats {
    uint64_t problems;        /* lines reported */
    uint64_t records;         /* records checked, all tables */
    uint64_t docs, texts, ids, files, batches;
    uint64_t terms, vocab;    /* lexicon and vocab entries */
    uint64_t chunks, postings, positions;
    uint64_t postings_blocks; /* records holding small terms' chunks, */
    uint64_t block_chunks;    /* and those chunks */
    uint64_t postings_terms;  /* distinct terms with postings */
    uint64_t unnamed_terms;   /* of those, without a lexicon entry */
    uint64_t entities;        /* entity table records */
    uint64_t deleted;         /* deleted documents (deleted.h) */
    uint64_t purged;          /* those of them purged */
    uint64_t tables_stopped;  /* walks that LMDB could not take to the table's end */
} gal_verify_stats;

/* Check the index in dir (read-only; a writer may run meanwhile: one read
 * transaction sees one committed state).  A table whose pages LMDB cannot
 * read (a fault, MDB_CORRUPTED) is reported in one line and left where its
 * walk stopped; the other tables are checked all the same.  Each problem is one line on
 * report (NULL: not printed) naming the table and the key, e.g.
 *   postings record batch 0 term 9f3ac0de12345678 doc 4096: bad document section
 * Returns 0 when the index is sound, GAL_ECORRUPT when any problem was
 * found (detail: how many), or the error that kept it from opening the index
 * (GAL_ENOTFOUND, GAL_ECORRUPT for a wrong version, GAL_ENOMEM...).  *out
 * (may be NULL) is filled in either case once the index is open. */
int gal_index_verify(const char *dir, FILE *report, gal_verify_stats *out);

/* Decode the positions of every document of a chunk that gal_chunk_parse()
 * accepted and whose tfs[] gal_chunk_decode_docs() gave: each document's
 * positions must increase strictly, and the section must end exactly after
 * the last one.  When max_pos is not NULL, document i's positions must also
 * be below max_pos[i].  *npos (may be NULL) gets the number of positions.
 * GAL_ECORRUPT with a detail naming key_desc otherwise. */
int gal_chunk_check_positions(const gal_chunk_view *v, const uint32_t *tfs,
                              const uint32_t *max_pos, uint64_t *npos, const char *key_desc);

#endif
