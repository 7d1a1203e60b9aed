/*
 * entity_table.h — the entity tables of an index: what `galley index`
 * records about each named entity and what `galley entities` reads.
 *
 * One LMDB named database in the index environment, written a batch at a
 * time, by appends: each batch's records, keyed by entity key (8 B), in
 * blocks under batch (4 B BE: its first doc) ‖ the block's first entity key
 * (hash_blocks.h).  A record is what that batch says of the entity:
 *                u8     version (GAL_ENTITY_RECORD_VERSION)
 *                varint documents that mention it, varint mentions,
 *                varint its first document, less the batch's,
 *                varint number of distinct surface forms, then per form
 *                (in surface byte order) varint count << 2 | full << 1 |
 *                by number, then by number: varint the form's number;
 *                spelled out: varint length, the bytes
 *              full: the form names the entity in full ("Gordon Brown",
 *              not the "Brown" linked to it).  An entity's forms are
 *              numbered 0, 1, ... as its records, replayed in batch order,
 *              first spell them out (entity_forms.h): a form the entity had
 *              in an earlier batch takes a byte or two instead of its
 *              bytes again (1 GB of news: 1.15 M of 1.59 M forms, 16 MB).
 *              Records of version GAL_ENTITY_RECORD_SPELLED (format 6)
 *              spell every form: varint count << 1 | full, length, bytes.
 *
 * An entity's totals are the sums over its batch records; its display form
 * follows from its forms' totals: the most frequent form that names it in
 * full, one in capitals only when it has no other (ties: the last in byte
 * order; gal_entity_form_shown_before), so an --append or optimize shows
 * the names one build shows.  Batch records
 * keep each commit an append: a table of running totals, updated in place,
 * rewrote most of its pages on every batch (on 1 GB of news, 3 s of the
 * writer's time and 0.1 x raw of free pages left in the file).
 *
 * The entity key is the term hash of the entity's postings:
 * gal_term_hash_folded(folded words joined by ' ', GAL_SEED_ENTITY).
 */
#ifndef GAL_ENTITY_TABLE_H
#define GAL_ENTITY_TABLE_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "hash_blocks.h"

#define GAL_DB_ENTITIES "entities"
#define GAL_ENTITY_RECORD_VERSION 3u
#define GAL_ENTITY_RECORD_SPELLED 2u /* read, no longer written */
/* Surface forms longer than this are cut (at a UTF-8 boundary) in the table. */
#define GAL_ENTITY_MAX_FORM 255u

struct gal_mentions;
struct gal_entity_forms;

/* Open (create != 0: create if missing) the table in txn.  GAL_ECORRUPT
 * when it is missing and create is 0 (the writer creates it in every index
 * of this format); GAL_ECORRUPT or GAL_EDB on other failures. */
int gal_entity_table_open(MDB_txn *txn, int create, MDB_dbi *entities);

/* Add one batch's mentions (gal_entities_ref / gal_cl_entities output over
 * the batch text `text`, documents numbered from first_doc) to the table,
 * in two steps, so that the part that needs no table runs before the
 * commit, on any thread.  gal_entity_batch_prepare() groups the mentions by
 * entity: distinct documents, mentions, distinct surface forms with their
 * counts, which forms name the entity in full; it keeps pointers into
 * text, which must outlive the apply.  gal_entity_table_apply() appends the
 * batch's records inside the write transaction txn (first_doc must be past
 * every earlier batch's), naming the forms that forms numbers by number and
 * pending the others (every form spelled out when forms is NULL); the
 * caller commits forms with the transaction.  On failure
 * the caller aborts txn.  apply returns 0, a negative gal_status
 * (GAL_ENOMEM, GAL_ECORRUPT for a damaged record, GAL_EFULL, GAL_EDB) or,
 * like the index writer's own steps, the positive LMDB code MDB_MAP_FULL,
 * so that the caller can abort, grow the map (gal_store_grow) and retry the
 * batch. */
typedef struct gal_entity_batch gal_entity_batch;
int gal_entity_batch_new(gal_entity_batch **out);
void gal_entity_batch_free(gal_entity_batch *eb); /* NULL is fine */
int gal_entity_batch_prepare(gal_entity_batch *eb, const uint8_t *text,
                             const struct gal_mentions *m);
int gal_entity_table_apply(MDB_txn *txn, MDB_dbi entities, const gal_entity_batch *eb,
                           uint32_t first_doc, struct gal_entity_forms *forms);

/* Number every entity's forms as the table's records do, into forms (new,
 * or following nothing yet), for a writer that appends to the table.
 * Reads the whole table: 0, or GAL_ECORRUPT for a damaged record. */
int gal_entity_table_number_forms(MDB_txn *txn, MDB_dbi entities,
                                  struct gal_entity_forms *forms);

/* The bytes a mention's surface form covers, from the len bytes its
 * tokens span at s in batch text: an abbreviation's last full stop too
 * ("U.S.", which the tokenizer leaves out).  Then the form as stored: at
 * most GAL_ENTITY_MAX_FORM bytes, cut at a character's start. */
uint32_t gal_entity_mention_len(const uint8_t *s, uint32_t len);
uint32_t gal_entity_form_len(const uint8_t *s, uint32_t len);

/* A surface form of an entity and its mentions in that form; s points into
 * the LMDB map. */
typedef struct gal_entity_form {
    const char *s;
    size_t len;
    uint64_t count;
    int full; /* it names the entity in full ("Gordon Brown", not "Brown") */
} gal_entity_form;

/* Whether form a is shown rather than b as the entity's name: one that
 * names it in full, then one not in capitals (a dateline's "NEW YORK" or
 * "LONDON" gives way to "New York" and "London" however often it comes;
 * a short acronym such as IBM or NASA is not counted as capitals), then
 * the more frequent, then the last in byte order (lower case comes after
 * capitals: "Mid" rather than a headline's "MID").  A strict order: the
 * form shown does not depend on the order forms come in. */
int gal_entity_form_shown_before(const gal_entity_form *a, const gal_entity_form *b);

/* One entity's totals over every batch; display points into the LMDB map
 * and is valid until the transaction ends.  forms: every surface form
 * with its totals (for adding up several indexes' forms), given by
 * gal_entity_each only, valid during its call; NULL elsewhere. */
typedef struct gal_entity_info {
    uint64_t hash;
    uint64_t docs;
    uint64_t mentions;
    uint64_t display_count;
    uint32_t first_doc;
    const char *display;
    size_t display_len;
    const gal_entity_form *forms;
    size_t nforms;
} gal_entity_info;

/* Look up one entity (a seek or two per batch).  GAL_ENOTFOUND when
 * absent, GAL_ECORRUPT when damaged. */
int gal_entity_get(MDB_txn *txn, MDB_dbi entities, uint64_t hash, gal_entity_info *out);

/* Call fn for every entity in key order until it returns non-zero (that
 * value is returned); 0 at the end, or a negative status.  Reads the whole
 * table first: memory grows with the distinct entities and forms. */
typedef int (*gal_entity_fn)(void *ctx, const gal_entity_info *e);
int gal_entity_each(MDB_txn *txn, MDB_dbi entities, gal_entity_fn fn, void *ctx);

/* The same, with what the walk holds (its cursors, its arrays) kept in
 * *state from before its first allocation until it returns: a caller that
 * goes on after a fault jumped out of the walk (fault_guard.h; verify
 * checks the tables after it) releases it with gal_entity_each_release(),
 * leaving nothing behind.  *state is NULL again after a normal return. */
typedef struct gal_entity_each_state gal_entity_each_state;
int gal_entity_each_kept(MDB_txn *txn, MDB_dbi entities, gal_entity_fn fn, void *ctx,
                         gal_entity_each_state **state);
void gal_entity_each_release(gal_entity_each_state *state); /* NULL is fine */

/* Merge the records of the consecutive batches whose first documents are
 * in [first_doc, end_doc) into one record per entity under first_doc, as
 * `galley optimize` merges batches into groups: put(ctx, key, block)
 * receives their blocks in key order (hash_blocks.h).  Call it for every
 * group in order with the same merger, which keeps every entity's totals so
 * far: the merged records give the same totals and display forms as the
 * batches did.  Unless take_off is NULL, it is given each merged record's
 * counts (forms: its surface forms, s pointing into the map) to lower by
 * what documents purged from the group held (deleted.h); a form left with
 * no mention is left out, an entity left with no document gets no record.
 * Returns 0, put's or take_off's non-zero value, or a negative gal_status. */
typedef int (*gal_entity_take_off_fn)(void *ctx, uint64_t hash, uint32_t first_doc,
                                      uint64_t end_doc, uint64_t *docs, uint64_t *mentions,
                                      gal_entity_form *forms, size_t nforms);
typedef struct gal_entity_merger gal_entity_merger;
int gal_entity_merger_new(gal_entity_merger **out);
void gal_entity_merger_free(gal_entity_merger *m); /* NULL is fine */
int gal_entity_merge_group(gal_entity_merger *m, MDB_txn *txn, MDB_dbi entities,
                           uint32_t first_doc, uint64_t end_doc, gal_hblock_put_fn put, void *ctx,
                           gal_entity_take_off_fn take_off, void *take_off_ctx);

/* The key of a name as typed ("Donald Trump", "BANK of england"): its words
 * folded and joined by one space, as entity:"..." in a query computes it.
 * 0 (no key) when the name has no word. */
uint64_t gal_entity_key(const char *name, size_t len);

#endif
