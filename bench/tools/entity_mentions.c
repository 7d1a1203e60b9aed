/*
 * entity_mentions.c — the entity mentions of a JSONL file as JSON, for
 * bench/entity_eval.py (which compares them with hand-made labels).
 *
 *   GALLEY_ENTITY_INPUT=tests/data/entities_labelled.jsonl entity_mentions
 *
 * reads the file with the indexer's own reader, lays the documents out as one
 * batch, tokenizes it and runs gal_entities_ref, then prints one line per
 * document: {"id": ..., "mentions": [[surface, key_hex, linked], ...]}.
 * Without GALLEY_ENTITY_INPUT it has nothing to do and says so (exit 2);
 * ctest runs it through bench/entity_eval.py (tests/entities.cmake).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entity_table.h"
#include "status.h"
#include "tool_batch.h"

typedef struct ids {
    char **v;
    size_t n, cap;
} ids;

/* Keep each document's id, in batch order. */
static int keep_id(void *p, const gal_doc *doc)
{
    ids *names = p;
    if (names->n == names->cap) {
        size_t cap = names->cap ? names->cap * 2 : 64;
        char **v = realloc(names->v, cap * sizeof *v);
        if (!v)
            return GAL_ENOMEM;
        names->v = v;
        names->cap = cap;
    }
    char *id = malloc(doc->id_len + 1);
    if (!id)
        return GAL_ENOMEM;
    memcpy(id, doc->id, doc->id_len);
    id[doc->id_len] = '\0';
    names->v[names->n++] = id;
    return 0;
}

static void put_json_string(FILE *f, const uint8_t *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned ch = s[i];
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc((int)ch, f);
    }
    fputc('"', f);
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    const char *input = getenv("GALLEY_ENTITY_INPUT");
    if (!input || !*input) {
        fprintf(stderr, "entity_mentions: GALLEY_ENTITY_INPUT is not set (bench/entity_eval.py runs this helper)\n");
        return 2;
    }
    gal_batch b;
    gal_tokens tok;
    gal_mentions m;
    gal_batch_init(&b);
    ids names = {NULL, 0, 0};
    int rc = tool_batch_load(input, keep_id, &names, &b, &tok, &m);
    if (rc) {
        fprintf(stderr, "entity_mentions: %s\n", gal_error_detail(rc));
        return 1;
    }
    const uint8_t *text = (const uint8_t *)b.text.data;
    size_t k = 0;
    for (uint32_t d = 0; d < b.ndocs; d++) {
        fputs("{\"id\": ", stdout);
        put_json_string(stdout, (const uint8_t *)names.v[d], strlen(names.v[d]));
        fputs(", \"mentions\": [", stdout);
        for (int first = 1; k < m.n && m.doc[k] == d; k++, first = 0) {
            const uint8_t *s = text + m.start[k];
            size_t n = m.end[k] - m.start[k];
            /* the key of the surface itself: differs from hash when linked */
            uint64_t own = gal_entity_key((const char *)s, n);
            printf("%s[", first ? "" : ", ");
            put_json_string(stdout, s, n);
            printf(", \"%016llx\", %d, %u]", (unsigned long long)m.hash[k], own != m.hash[k],
                   m.pos[k]);
        }
        fputs("]}\n", stdout);
        free(names.v[d]);
    }
    free(names.v);
    gal_mentions_release(&m);
    gal_tokens_release(&tok);
    gal_batch_release(&b);
    return 0;
}
