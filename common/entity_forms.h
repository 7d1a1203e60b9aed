/*
 * entity_forms.h — the numbers a writer of the entity table gives each
 * entity's surface forms, so that a batch record names a form the entity
 * had before by its number instead of spelling it again (entity_table.h).
 *
 * Replaying an entity's records in batch order numbers its forms: a form
 * spelled out that the entity has not had gets the next number, 0 first.
 * This table follows that numbering as the writer appends records, for
 * every entity it has seen from its first record on: one that first came
 * when the table already held GAL_ENTITY_FORMS_MAX forms is not followed,
 * and its forms are spelled out every time (always valid: a spelled form
 * the entity already has keeps its number).
 *
 * A form is known by a 64-bit hash of the entity's key and a fingerprint
 * of its bytes (a second hash, as known_terms.h does for the lexicon): two
 * forms that met there, a chance of 2^-64 per pair, would be written as
 * one, and the display form could show the other's spelling.
 *
 * A batch's new forms wait until it is committed (pend, then commit or
 * discard), since a batch that is written again after its transaction
 * failed must find the table as the last commit left it.
 */
#ifndef GAL_ENTITY_FORMS_H
#define GAL_ENTITY_FORMS_H

#include <stddef.h>
#include <stdint.h>

/* At 1 GB of news, 436,000 forms of 426,000 entities take 32 MB here:
 * this keeps the table near 130 MB however large the archive. */
#define GAL_ENTITY_FORMS_MAX (1u << 21)

typedef struct gal_entity_forms gal_entity_forms;

int gal_entity_forms_new(gal_entity_forms **out);
void gal_entity_forms_free(gal_entity_forms *f); /* NULL is fine */

/* The fingerprint of a form's bytes. */
uint64_t gal_entity_form_fingerprint(const uint8_t *s, size_t len);

/* 0 with *number when the entity is followed and has the form; 1 when not
 * (a new form, or an entity not followed). */
int gal_entity_forms_find(const gal_entity_forms *f, uint64_t entity, uint64_t fingerprint,
                          uint32_t *number);

/* Ask the cache for where gal_entity_forms_find() will look. */
void gal_entity_forms_prefetch(const gal_entity_forms *f, uint64_t entity, uint64_t fingerprint);

/* 0 with the number of forms the entity has had (0 for one never seen);
 * 1 when it may have had forms this table does not follow (it has turned
 * new entities away since it was full). */
int gal_entity_forms_count(const gal_entity_forms *f, uint64_t entity, uint32_t *count);

/* A form the writer spells out in the batch being written, new to the
 * entity: it is numbered at the commit, in the order pended.  0 or
 * GAL_ENOMEM. */
int gal_entity_forms_pend(gal_entity_forms *f, uint64_t entity, uint64_t fingerprint);

/* The batch is committed: number its pended forms.  0 or GAL_ENOMEM (the
 * table no longer matches the index: the writer must stop). */
int gal_entity_forms_commit(gal_entity_forms *f);

/* The batch was not committed: forget its pended forms. */
void gal_entity_forms_discard(gal_entity_forms *f);

/* Forms numbered so far (for tests and figures). */
size_t gal_entity_forms_size(const gal_entity_forms *f);

#endif
