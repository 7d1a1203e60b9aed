/*
 * test_known_terms.c — the writer's set of known terms (indexer/known_terms.h):
 * new, known and colliding terms, through several growths of the table.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "known_terms.h"

static uint64_t mix(uint64_t x)
{
    x ^= x >> 31;
    x *= 0x7fb5d329728ea185ull;
    return x ^ x >> 27;
}

int main(void)
{
    gal_known_terms *kt = NULL;
    CHECK(gal_known_terms_new(&kt) == 0);
    if (!kt)
        return check_exit("test_known_terms");
    CHECK(gal_known_terms_find(kt, 42, 7) == GAL_TERM_NEW); /* empty: no table yet */

    /* enough terms for several doublings; a third of the hashes alike in
     * their low 20 bits, which must still spread over the table */
    enum { N = 300000 };
    for (uint64_t i = 0; i < N; i++) {
        uint64_t h = i % 3 ? mix(i) : i << 20;
        CHECK(gal_known_terms_find(kt, h, mix(h) | 1) == GAL_TERM_NEW);
        CHECK(gal_known_terms_add(kt, h, mix(h) | 1) == 0);
    }
    int known = 1, collides = 1, absent = 1;
    for (uint64_t i = 0; i < N; i++) {
        uint64_t h = i % 3 ? mix(i) : i << 20;
        known &= gal_known_terms_find(kt, h, mix(h) | 1) == GAL_TERM_KNOWN;
        collides &= gal_known_terms_find(kt, h, (mix(h) ^ 2) | 1) == GAL_TERM_COLLIDES;
        absent &= gal_known_terms_find(kt, mix(i + N), 5) == GAL_TERM_NEW;
    }
    CHECK(known);
    CHECK(collides);
    CHECK(absent);

    /* the fingerprint: of the bytes, never 0 (an empty slot) */
    uint64_t a = gal_known_terms_fingerprint("england", 7);
    CHECK(a != 0 && a == gal_known_terms_fingerprint("england", 7));
    CHECK(a != gal_known_terms_fingerprint("englanf", 7));
    CHECK(gal_known_terms_fingerprint("", 0) != 0);
    gal_known_terms_free(kt);
    gal_known_terms_free(NULL);
    return check_exit("test_known_terms");
}
