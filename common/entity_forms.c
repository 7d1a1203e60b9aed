/*
 * entity_forms.c — the numbers of each entity's surface forms, as a writer
 * of the entity table follows them (entity_forms.h).
 */
#include "entity_forms.h"

#include <string.h>

#include "alloc.h"
#include "status.h"

/* Any seed other than the term kinds' own gives an independent hash. */
#define FINGERPRINT_SEED 0x656e74666f726d73ull
/* Fingerprints are odd; this even one stands for an entity's count of
 * numbered forms. */
#define COUNT_SLOT 2u

/* One open-addressing table for both kinds of slot, under one 64-bit key
 * made of the pair (16 bytes a slot, a third less than the pair itself
 * took; two of news-1g's 862,000 keys would meet with a chance of 10^-8):
 * (entity, fingerprint) → the form's number, and (entity, COUNT_SLOT) → how
 * many forms it has. */
typedef struct slot {
    uint64_t key; /* 0: an empty slot */
    uint32_t number;
} slot;

typedef struct pending {
    uint64_t entity, fingerprint;
} pending;

struct gal_entity_forms {
    slot *slots; /* at most half full */
    size_t cap, n;
    size_t nforms;
    int refused; /* an entity came when the table was full: not followed */
    pending *pend;
    size_t npend, pend_cap;
};

int gal_entity_forms_new(gal_entity_forms **out)
{
    if (!(*out = gal_calloc(1, sizeof **out)))
        return gal_error_set(GAL_ENOMEM, "out of memory");
    return 0;
}

void gal_entity_forms_free(gal_entity_forms *f)
{
    if (!f)
        return;
    gal_free(f->slots);
    gal_free(f->pend);
    gal_free(f);
}

static uint64_t mix(uint64_t x)
{
    x = (x ^ x >> 31) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ x >> 29) * 0x94D049BB133111EBull;
    return x ^ x >> 32;
}

/* Eight bytes a step (the term hash takes one): forms are fingerprinted
 * once a batch, on the encoder threads. */
uint64_t gal_entity_form_fingerprint(const uint8_t *s, size_t len)
{
    uint64_t h = FINGERPRINT_SEED ^ (uint64_t)len * 0x9E3779B97F4A7C15ull;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = mix(h ^ w);
    }
    if (i < len) {
        uint64_t w = 0;
        memcpy(&w, s + i, len - i);
        h = mix(h ^ w ^ 0xFF);
    }
    return h | 1; /* never 0 (an empty slot) nor COUNT_SLOT */
}

/* The slot key of the pair: odd for a form, even (and never 0) for a count. */
static uint64_t key_of(uint64_t entity, uint64_t fingerprint)
{
    uint64_t k = mix(entity ^ mix(fingerprint));
    return fingerprint == COUNT_SLOT ? (k & ~1ull) | 2 : k | 1;
}

static size_t home(const gal_entity_forms *f, uint64_t key)
{
    return (size_t)(key >> 32) & (f->cap - 1);
}

static slot *find(const gal_entity_forms *f, uint64_t key)
{
    if (f->cap == 0)
        return NULL;
    for (size_t i = home(f, key); f->slots[i].key; i = (i + 1) & (f->cap - 1))
        if (f->slots[i].key == key)
            return &f->slots[i];
    return NULL;
}

/* Put a slot whose key is not in the table; room must have been made. */
static slot *place(gal_entity_forms *f, slot s)
{
    size_t i = home(f, s.key);
    while (f->slots[i].key)
        i = (i + 1) & (f->cap - 1);
    f->slots[i] = s;
    return &f->slots[i];
}

/* Room for two more slots (a new entity's count and its first form). */
static int make_room(gal_entity_forms *f)
{
    if (2 * (f->n + 2) <= f->cap)
        return 0;
    size_t cap = f->cap ? 2 * f->cap : 1u << 12;
    slot *old = f->slots;
    size_t old_cap = f->cap;
    if (!(f->slots = gal_calloc(cap, sizeof *f->slots))) {
        f->slots = old;
        return gal_error_set(GAL_ENOMEM, "out of memory numbering %zu entity forms", f->nforms);
    }
    f->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].key)
            place(f, old[i]);
    gal_free(old);
    return 0;
}

int gal_entity_forms_find(const gal_entity_forms *f, uint64_t entity, uint64_t fingerprint,
                          uint32_t *number)
{
    const slot *s = find(f, key_of(entity, fingerprint));
    if (!s)
        return 1;
    *number = s->number;
    return 0;
}

void gal_entity_forms_prefetch(const gal_entity_forms *f, uint64_t entity, uint64_t fingerprint)
{
    if (f->cap)
        __builtin_prefetch(&f->slots[home(f, key_of(entity, fingerprint))]);
}

int gal_entity_forms_count(const gal_entity_forms *f, uint64_t entity, uint32_t *count)
{
    if (gal_entity_forms_find(f, entity, COUNT_SLOT, count) == 0)
        return 0;
    *count = 0; /* never seen, unless the table has turned entities away */
    return f->refused;
}

int gal_entity_forms_pend(gal_entity_forms *f, uint64_t entity, uint64_t fingerprint)
{
    if (gal_grow((void **)&f->pend, &f->pend_cap, f->npend + 1, sizeof *f->pend, 1024))
        return gal_error_set(GAL_ENOMEM, "out of memory numbering entity forms");
    f->pend[f->npend++] = (pending){entity, fingerprint};
    return 0;
}

int gal_entity_forms_commit(gal_entity_forms *f)
{
    int rc = 0;
    enum { AHEAD = 8 }; /* the slots are cache misses: ask for them early */
    for (size_t i = 0; i < f->npend && !rc; i++) {
        if (i + AHEAD < f->npend) {
            gal_entity_forms_prefetch(f, f->pend[i + AHEAD].entity, f->pend[i + AHEAD].fingerprint);
            gal_entity_forms_prefetch(f, f->pend[i + AHEAD].entity, COUNT_SLOT);
        }
        const pending *p = &f->pend[i];
        uint64_t key = key_of(p->entity, p->fingerprint), count_key = key_of(p->entity, COUNT_SLOT);
        /* a form pended twice (a damaged record spelling it twice) keeps
         * the number a reader's replay gives it: the first */
        if (find(f, key) || (rc = make_room(f)))
            continue;
        slot *count = find(f, count_key);
        if (!count) {
            if (f->nforms >= GAL_ENTITY_FORMS_MAX) {
                f->refused = 1; /* a new entity once full: not followed, ever */
                continue;
            }
            count = place(f, (slot){count_key, 0});
            f->n++;
        }
        uint32_t number = count->number++;
        place(f, (slot){key, number});
        f->n++;
        f->nforms++;
    }
    f->npend = 0;
    return rc;
}

void gal_entity_forms_discard(gal_entity_forms *f)
{
    f->npend = 0;
}

size_t gal_entity_forms_size(const gal_entity_forms *f)
{
    return f->nforms;
}
