#include "id_replace.h"

#include <string.h>

#include "alloc.h"
#include "batch_table.h"
#include "doc_record.h"
#include "format.h"
#include "id_table.h"
#include "status.h"

/* A slot holds a live document and its id's hash.  A document superseded
 * leaves its slot to the one that supersedes it; a second earlier document
 * of the same id (an index built without --replace may hold several)
 * leaves a tombstone, which lookups step over and growth drops. */
#define EMPTY UINT32_MAX
#define TOMBSTONE (UINT32_MAX - 1)

typedef struct slot {
    uint64_t hash;
    uint32_t doc;
} slot;

struct gal_id_replace {
    gal_replace_key key;
    slot *slots;
    size_t cap, used; /* used: live and tombstones, for the load factor */
    gal_doc_block block;
    uint32_t *gone;
    size_t gone_cap;
    uint8_t *superseded;
    size_t superseded_cap;
};

/* A document's key in its record, and in the batch. */
static void record_key(const gal_id_replace *r, const gal_doc_fields *f, const char **s, size_t *n)
{
    *s = r->key == GAL_REPLACE_URL ? f->url : f->id;
    *n = r->key == GAL_REPLACE_URL ? f->url_len : f->id_len;
}

static void batch_key(const gal_id_replace *r, const gal_batch *b, uint32_t i, const char **s,
                      size_t *n)
{
    const gal_batch_doc *bd = &b->docs[i];
    *s = (const char *)b->strings.data + (r->key == GAL_REPLACE_URL ? bd->url : bd->id);
    *n = r->key == GAL_REPLACE_URL ? bd->url_len : bd->id_len;
}

static size_t home(const gal_id_replace *r, uint64_t hash)
{
    return (size_t)(hash * 0x9E3779B97F4A7C15ull >> 20) & (r->cap - 1);
}

static int grow(gal_id_replace *r)
{
    size_t cap = r->cap ? r->cap * 2 : 1024;
    slot *old = r->slots, *fresh = gal_malloc(cap * sizeof *fresh);
    if (!fresh)
        return gal_error_set(GAL_ENOMEM, "out of memory for the ids of --replace");
    for (size_t i = 0; i < cap; i++)
        fresh[i].doc = EMPTY;
    size_t had = r->cap;
    r->slots = fresh;
    r->cap = cap;
    r->used = 0;
    for (size_t i = 0; i < had; i++) {
        if (old[i].doc >= TOMBSTONE)
            continue;
        size_t j = home(r, old[i].hash);
        while (r->slots[j].doc != EMPTY)
            j = (j + 1) & (r->cap - 1);
        r->slots[j] = old[i];
        r->used++;
    }
    gal_free(old);
    return 0;
}

static int insert(gal_id_replace *r, uint64_t hash, uint32_t doc)
{
    int rc;
    if ((r->used + 1) * 2 > r->cap && (rc = grow(r)))
        return rc;
    size_t j = home(r, hash);
    while (r->slots[j].doc != EMPTY)
        j = (j + 1) & (r->cap - 1);
    r->slots[j] = (slot){hash, doc};
    r->used++;
    return 0;
}

int gal_id_replace_new(MDB_txn *txn, MDB_dbi docs, uint32_t ndocs, const gal_deleted_set *del,
                       gal_replace_key key, gal_id_replace **out)
{
    gal_id_replace *r = gal_calloc(1, sizeof *r);
    if (!r)
        return gal_error_set(GAL_ENOMEM, "out of memory for the ids of --replace");
    r->key = key;
    gal_doc_block_init(&r->block);
    int rc = grow(r);
    for (uint32_t doc = 0; doc < ndocs && !rc; doc++) {
        if (gal_deleted_has(del, doc))
            continue;
        const gal_doc_fields *f;
        const char *k;
        size_t n;
        if (!(rc = gal_doc_fields_at(txn, docs, doc, &r->block, &f))) {
            record_key(r, f, &k, &n);
            if (n)
                rc = insert(r, gal_id_hash(k, n), doc);
        }
    }
    if (rc) {
        gal_id_replace_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

void gal_id_replace_free(gal_id_replace *r)
{
    if (!r)
        return;
    gal_free(r->slots);
    gal_doc_block_release(&r->block);
    gal_free(r->gone);
    gal_free(r->superseded);
    gal_free(r);
}

/* Whether document old (earlier than b's document i) has the key of b's
 * document i. */
static int same_key(gal_id_replace *r, MDB_txn *txn, MDB_dbi docs, const gal_batch *b, uint32_t old,
                    uint32_t i, int *same)
{
    const char *key, *other;
    size_t len, other_len;
    batch_key(r, b, i, &key, &len);
    if (old >= b->first_doc) {
        batch_key(r, b, old - b->first_doc, &other, &other_len);
        *same = other_len == len && !memcmp(other, key, len);
        return 0;
    }
    const gal_doc_fields *f;
    int rc = gal_doc_fields_at(txn, docs, old, &r->block, &f);
    if (!rc) {
        record_key(r, f, &other, &other_len);
        *same = other_len == len && !memcmp(other, key, len);
    }
    return rc;
}

int gal_id_replace_batch(gal_id_replace *r, MDB_txn *txn, MDB_dbi docs, const gal_batch *b,
                         uint32_t **gone, size_t *n_gone, uint8_t **superseded)
{
    *n_gone = 0;
    if (gal_grow((void **)&r->superseded, &r->superseded_cap, b->ndocs ? b->ndocs : 1, 1, 0))
        return gal_error_set(GAL_ENOMEM, "out of memory for the ids of --replace");
    memset(r->superseded, 0, b->ndocs);
    /* a block read by an earlier transaction points into its map */
    gal_doc_block_release(&r->block);
    gal_doc_block_init(&r->block);
    int rc = 0;
    for (uint32_t i = 0; i < b->ndocs && !rc; i++) {
        const char *key;
        size_t len;
        batch_key(r, b, i, &key, &len);
        if (len == 0)
            continue;
        uint64_t hash = gal_id_hash(key, len);
        uint32_t doc = b->first_doc + i;
        int placed = 0;
        for (size_t j = home(r, hash); r->slots[j].doc != EMPTY && !rc; j = (j + 1) & (r->cap - 1)) {
            slot *s = &r->slots[j];
            int same = 0;
            if (s->doc == TOMBSTONE || s->hash != hash ||
                (rc = same_key(r, txn, docs, b, s->doc, i, &same)) || !same)
                continue;
            if (gal_grow((void **)&r->gone, &r->gone_cap, *n_gone + 1, sizeof *r->gone, 64)) {
                rc = gal_error_set(GAL_ENOMEM, "out of memory for the ids of --replace");
                break;
            }
            r->gone[(*n_gone)++] = s->doc;
            if (s->doc >= b->first_doc)
                r->superseded[s->doc - b->first_doc] = 1;
            s->doc = placed ? TOMBSTONE : doc;
            placed = 1;
        }
        if (!rc && !placed)
            rc = insert(r, hash, doc);
    }
    *gone = r->gone;
    *superseded = r->superseded;
    return rc;
}
