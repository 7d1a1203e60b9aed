/*
 * id_table.h — the ids table: a document's number from its external id
 * (`galley show INDEX ID`), in blocks of records keyed by the id's hash
 * (hash_blocks.h), each batch's under its first document.
 *
 * A record lists, for one hash in one batch, the first document of each
 * distinct id with that hash (more than one only when ids collide), in
 * increasing order: varint (doc - batch), then varint (doc - previous - 1)
 * for each further one.  A lookup hashes the id, finds the record in each
 * batch in turn and returns the first of its documents whose own record
 * (doc_record.h) holds that id: the earliest batch wins, as the first
 * document within one.  Keyed by the id itself, the table took 30 bytes a
 * document on 1 GB of news (id, batch and LMDB node in every key) and could
 * not hold an id longer than a key; by its hash, about 12 in blocks, any id.
 */
#ifndef GAL_ID_TABLE_H
#define GAL_ID_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "hash_blocks.h"

uint64_t gal_id_hash(const char *id, size_t len);

/* A document's id, as the writer and optimize collect them. */
typedef struct gal_id_entry {
    uint64_t hash;
    const char *id;
    uint32_t len, doc;
} gal_id_entry;

/* Add the records of one batch's ids (e[0..n), any order; sorted here) to
 * the builder. */
int gal_id_table_add(gal_hblock_builder *b, uint32_t batch, gal_id_entry *e, size_t n);

/* Reading a record's documents in turn. */
typedef struct gal_id_docs {
    const uint8_t *p, *end;
    uint64_t next; /* the smallest number the next document may have */
} gal_id_docs;

void gal_id_docs_open(gal_id_docs *d, const uint8_t *rec, size_t len, uint32_t batch);
/* 0 with *doc, 1 after the last (at once for an empty record, which no
 * writer makes), or -1 when malformed (past 2^32 - 1). */
int gal_id_docs_next(gal_id_docs *d, uint32_t *doc);

#endif
