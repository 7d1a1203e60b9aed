#include "known_terms.h"

#include "alloc.h"
#include "status.h"
#include "terms.h"

/* Any seed other than the term kinds' own gives a second, independent hash. */
#define FINGERPRINT_SEED 0x6b6e6f776e746d73ull

typedef struct slot {
    uint64_t hash, fingerprint; /* fingerprint 0: an empty slot */
} slot;

struct gal_known_terms {
    slot *slots; /* open addressing, at most half full */
    size_t cap, n;
};

int gal_known_terms_new(gal_known_terms **out)
{
    if (!(*out = gal_calloc(1, sizeof **out)))
        return gal_error_set(GAL_ENOMEM, "out of memory");
    return 0;
}

void gal_known_terms_free(gal_known_terms *kt)
{
    if (!kt)
        return;
    gal_free(kt->slots);
    gal_free(kt);
}

uint64_t gal_known_terms_fingerprint(const char *folded, size_t len)
{
    /* never 0, which marks an empty slot */
    return gal_term_hash_folded(folded, len, FINGERPRINT_SEED) | 1;
}

/* The slot a hash starts from: its bits mixed once more, so that even
 * hashes alike in their low bits spread over the table. */
static size_t home(const gal_known_terms *kt, uint64_t hash)
{
    return (size_t)((hash * 0x9E3779B97F4A7C15ull) >> 32) & (kt->cap - 1);
}

int gal_known_terms_find(const gal_known_terms *kt, uint64_t hash, uint64_t fingerprint)
{
    if (kt->cap == 0)
        return GAL_TERM_NEW;
    for (size_t i = home(kt, hash); kt->slots[i].fingerprint; i = (i + 1) & (kt->cap - 1))
        if (kt->slots[i].hash == hash)
            return kt->slots[i].fingerprint == fingerprint ? GAL_TERM_KNOWN : GAL_TERM_COLLIDES;
    return GAL_TERM_NEW;
}

static void place(gal_known_terms *kt, slot s)
{
    size_t i = home(kt, s.hash);
    while (kt->slots[i].fingerprint)
        i = (i + 1) & (kt->cap - 1);
    kt->slots[i] = s;
}

int gal_known_terms_add(gal_known_terms *kt, uint64_t hash, uint64_t fingerprint)
{
    if (2 * (kt->n + 1) > kt->cap) {
        size_t cap = kt->cap ? 2 * kt->cap : 1u << 16;
        slot *old = kt->slots;
        size_t old_cap = kt->cap;
        if (!(kt->slots = gal_calloc(cap, sizeof *kt->slots))) {
            kt->slots = old;
            return gal_error_set(GAL_ENOMEM, "out of memory for %zu known terms", kt->n + 1);
        }
        kt->cap = cap;
        for (size_t i = 0; i < old_cap; i++)
            if (old[i].fingerprint)
                place(kt, old[i]);
        gal_free(old);
    }
    place(kt, (slot){hash, fingerprint});
    kt->n++;
    return 0;
}
