/*
 * entity_table.c — the entity table: batch records, and their totals (entity_table.h).
 */
#include "entity_table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "entity_forms.h"
#include "hash_blocks.h"
#include "format.h"
#include "run_heap.h"
#include "status.h"
#include "store.h"
#include "terms.h"
#include "varint.h"
/* gal_mentions is defined with the code that produces it (the indexer); only
 * the type is used here, nothing is linked from there. */
#include "mentions.h"

/* MDB_MAP_FULL goes back as itself (positive) so that the writer can grow
 * the map and retry the batch; other codes become a gal_status. */
static int db_error(int mrc, const char *what)
{
    if (mrc == MDB_MAP_FULL)
        return mrc;
    /* read by queries and written by the indexer: a damaged page reads as
     * GAL_ECORRUPT either way */
    return gal_error_set(gal_store_status(mrc, 1), "%s: %s", what, mdb_strerror(mrc));
}

int gal_entity_table_open(MDB_txn *txn, int create, MDB_dbi *entities)
{
    int mrc = mdb_dbi_open(txn, GAL_DB_ENTITIES, create ? MDB_CREATE : 0, entities);
    if (mrc == MDB_NOTFOUND)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: the entity table is missing (every "
                             "index of this format has one)");
    if (mrc)
        return db_error(mrc, "cannot open the entity table");
    return 0;
}

/* ---- batch records ---------------------------------------------------- */

/* One surface form of a batch record. */
typedef struct form_view {
    const uint8_t *s;
    uint32_t len;
    uint64_t count;
    int full;
    uint32_t number; /* the form's number as written, or NOT_NUMBERED: spelled out */
} form_view;

#define NOT_NUMBERED UINT32_MAX

/* An entity's forms by number (entity_forms.h), as a replay of its records
 * numbers them: what a record's form numbers name. */
typedef struct form_ref {
    const uint8_t *s;
    uint32_t len;
    int full;
} form_ref;

typedef struct numbered_forms {
    form_ref *at;
    size_t n, cap;
} numbered_forms;

/* A checked batch record; forms are read one by one with next_form(). */
typedef struct record_view {
    uint32_t batch;
    unsigned version;
    uint64_t hash;
    uint64_t docs, mentions;
    uint32_t first_doc; /* global document number */
    uint32_t nforms;
    const uint8_t *p, *end; /* the forms not read yet */
} record_view;

/* How messages name a record (made only for a message: the listing opens
 * every record). */
static void describe(const record_view *r, char *desc, size_t size)
{
    snprintf(desc, size, "entity %016llx of batch %u", (unsigned long long)r->hash, r->batch);
}

static int bad_record(const record_view *r, const char *what)
{
    char desc[48];
    describe(r, desc, sizeof desc);
    return gal_error_set(GAL_ECORRUPT, "corrupt index: %s in '%s': %s", desc, GAL_DB_ENTITIES,
                         what);
}

/* Open the record the reader is on (its block's checksum is checked). */
static int open_record(const gal_hblock_reader *br, record_view *r)
{
    r->batch = br->batch;
    r->hash = br->hash;
    const uint8_t *p = br->rec, *end = p + br->len;
    uint32_t first;
    r->version = br->len ? *p++ : 0;
    if (r->version != GAL_ENTITY_RECORD_VERSION && r->version != GAL_ENTITY_RECORD_SPELLED)
        return bad_record(r, "unknown record version");
    if (gal_varint_get(&p, end, &r->docs) || gal_varint_get(&p, end, &r->mentions) ||
        gal_varint_get32(&p, end, &first) || gal_varint_get32(&p, end, &r->nforms))
        return bad_record(r, "truncated header");
    if (r->docs == 0 || r->docs > r->mentions || r->nforms == 0 ||
        (uint64_t)r->batch + first > UINT32_MAX)
        return bad_record(r, "impossible counts");
    r->first_doc = r->batch + first;
    r->p = p;
    r->end = end;
    return 0;
}

/* The record's next form.  A form written by its number is looked up in
 * the entity's forms so far, when numbered is given; without it, only its
 * number is set (s NULL). */
static int next_form(record_view *r, const numbered_forms *numbered, form_view *f)
{
    uint64_t tagged;
    if (gal_varint_get(&r->p, r->end, &tagged))
        return bad_record(r, "truncated surface form");
    int by_number = 0;
    if (r->version == GAL_ENTITY_RECORD_SPELLED) {
        f->full = (int)(tagged & 1);
        f->count = tagged >> 1;
    } else {
        by_number = (int)(tagged & 1);
        f->full = (int)(tagged >> 1 & 1);
        f->count = tagged >> 2;
    }
    if (f->count == 0)
        return bad_record(r, "surface form counted 0 times");
    if (by_number) {
        if (gal_varint_get32(&r->p, r->end, &f->number) || f->number == NOT_NUMBERED)
            return bad_record(r, "truncated surface form number");
        f->s = NULL;
        f->len = 0;
        if (numbered) {
            if (f->number >= numbered->n)
                return bad_record(r, "a surface form number beyond the entity's forms");
            f->s = numbered->at[f->number].s;
            f->len = numbered->at[f->number].len;
        }
        return 0;
    }
    uint32_t len;
    if (gal_varint_get32(&r->p, r->end, &len) || len == 0 || len > GAL_ENTITY_MAX_FORM ||
        (size_t)(r->end - r->p) < len)
        return bad_record(r, "truncated surface form");
    f->number = NOT_NUMBERED;
    f->s = r->p;
    f->len = len;
    r->p += len;
    return 0;
}

/* Start a record in rec (cleared); then record_form() nforms times, then
 * seal it under its key. */
static int record_head(gal_buf *rec, uint64_t docs, uint64_t mentions, uint32_t first,
                       size_t nforms)
{
    uint8_t head[1 + 4 * GAL_VARINT_MAX], *p = head;
    *p++ = GAL_ENTITY_RECORD_VERSION;
    p += gal_varint_put(p, docs);
    p += gal_varint_put(p, mentions);
    p += gal_varint_put(p, first);
    p += gal_varint_put(p, nforms);
    gal_buf_clear(rec);
    return gal_buf_append(rec, head, (size_t)(p - head));
}

/* A form of entity hash, by its number when forms has one for it, spelled
 * out otherwise (and pended in forms, new to the entity). */
static int record_form(gal_buf *rec, gal_entity_forms *forms, uint64_t hash, uint64_t count,
                       int full, const uint8_t *s, uint32_t len, uint64_t fingerprint)
{
    uint8_t fh[2 * GAL_VARINT_MAX], *q = fh;
    uint32_t number;
    int rc = 0;
    if (forms) {
        if (gal_entity_forms_find(forms, hash, fingerprint, &number) == 0) {
            q += gal_varint_put(q, count << 2 | (uint64_t)(full != 0) << 1 | 1);
            q += gal_varint_put(q, number);
            return gal_buf_append(rec, fh, (size_t)(q - fh));
        }
        if ((rc = gal_entity_forms_pend(forms, hash, fingerprint)))
            return rc;
    }
    q += gal_varint_put(q, count << 2 | (uint64_t)(full != 0) << 1);
    q += gal_varint_put(q, len);
    rc = gal_buf_append(rec, fh, (size_t)(q - fh));
    return rc ? rc : gal_buf_append(rec, s, len);
}

/* ---- totals over batches ------------------------------------------------
 * An entity's totals are the sums of its batch records, replayed in batch
 * order (which numbers its forms); its display form follows from the
 * forms' totals alone, so that it does not depend on where the batches of
 * a build, an --append or optimize's groups happened to end. */

typedef struct form_total {
    uint64_t hash; /* the entity's */
    const uint8_t *s;
    uint32_t len;
    uint64_t count;
} form_total;

typedef struct totals {
    form_total *slots; /* open addressing on entity hash and surface bytes */
    size_t cap, n;
} totals;

static uint64_t form_slot_hash(uint64_t hash, const uint8_t *s, uint32_t len)
{
    uint64_t h = hash ^ 0x9E3779B97F4A7C15ull;
    for (uint32_t i = 0; i < len; i++)
        h = (h ^ s[i]) * 0x100000001B3ull;
    return h ^ h >> 29;
}

/* The slot of the form, or of the empty place it would take. */
static form_total *form_slot(const totals *t, uint64_t hash, const uint8_t *s, uint32_t len)
{
    size_t j = form_slot_hash(hash, s, len) & (t->cap - 1);
    for (; t->slots[j].s; j = (j + 1) & (t->cap - 1))
        if (t->slots[j].hash == hash && t->slots[j].len == len && !memcmp(t->slots[j].s, s, len))
            break;
    return &t->slots[j];
}

/* The form's totals, made (count 0) when it is new; NULL out of memory. */
static form_total *find_form(totals *t, uint64_t hash, const uint8_t *s, uint32_t len)
{
    if (2 * (t->n + 1) > t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        form_total *ns = gal_calloc(cap, sizeof *ns);
        if (!ns)
            return NULL;
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->slots[i].s)
                continue;
            size_t j = form_slot_hash(t->slots[i].hash, t->slots[i].s, t->slots[i].len) & (cap - 1);
            while (ns[j].s)
                j = (j + 1) & (cap - 1);
            ns[j] = t->slots[i];
        }
        gal_free(t->slots);
        t->slots = ns;
        t->cap = cap;
    }
    form_total *ft = form_slot(t, hash, s, len);
    if (!ft->s) {
        *ft = (form_total){hash, s, len, 0};
        t->n++;
    }
    return ft;
}

/* An entity's totals so far; display points into the map. */
typedef struct entity_totals {
    gal_entity_info info;
    numbered_forms numbered;
} entity_totals;

/* Start e (zeroed once by its owner) over for entity hash, keeping the
 * room its numbered forms had. */
static void totals_start(entity_totals *e, uint64_t hash)
{
    numbered_forms keep = {e->numbered.at, 0, e->numbered.cap};
    memset(e, 0, sizeof *e);
    e->numbered = keep;
    e->info.hash = hash;
    e->info.first_doc = UINT32_MAX;
}

/* A group's forms of one entity, as optimize merges its batch records. */
typedef struct group_forms {
    form_view *f;
    size_t n, cap;
} group_forms;

static int collect_form(group_forms *gf, const form_view *f)
{
    for (size_t i = 0; i < gf->n; i++)
        if (gf->f[i].len == f->len && !memcmp(gf->f[i].s, f->s, f->len)) {
            gf->f[i].count += f->count;
            return 0;
        }
    if (gal_grow((void **)&gf->f, &gf->cap, gf->n + 1, sizeof *gf->f, 16))
        return gal_error_set(GAL_ENOMEM, "out of memory merging entity forms");
    gf->f[gf->n++] = *f;
    return 0;
}

/* Add one batch record (opened, forms not read) to e; its forms to gf too
 * unless gf is NULL. */
static int add_record(totals *t, entity_totals *e, record_view *r, group_forms *gf)
{
    gal_entity_info *info = &e->info;
    info->docs += r->docs;
    info->mentions += r->mentions;
    if (r->first_doc < info->first_doc)
        info->first_doc = r->first_doc;
    for (uint32_t i = 0; i < r->nforms; i++) {
        form_view f = {0};
        int rc = next_form(r, &e->numbered, &f);
        if (rc)
            return rc;
        form_total *ft = find_form(t, r->hash, f.s, f.len);
        if (!ft)
            return gal_error_set(GAL_ENOMEM, "out of memory adding up entity forms");
        if (ft->count == 0) { /* new to the entity: it gets the next number */
            numbered_forms *nf = &e->numbered;
            if (gal_grow((void **)&nf->at, &nf->cap, nf->n + 1, sizeof *nf->at, 4))
                return gal_error_set(GAL_ENOMEM, "out of memory adding up entity forms");
            nf->at[nf->n++] = (form_ref){f.s, f.len, f.full};
        }
        if (gf && (rc = collect_form(gf, &f)))
            return rc;
        ft->count += f.count;
    }
    if (r->p != r->end)
        return bad_record(r, "bytes after the last surface form");
    return 0;
}

/* A form in capitals that could be written otherwise: every ASCII letter
 * upper-case, and two words or a word of five letters or more (a
 * dateline's "NEW YORK" or "WASHINGTON", a shouted headline's name).
 * Shorter ones are acronyms, shown as they are (IBM, NASA, U.S.). */
static int shouted(const char *s, size_t len)
{
    unsigned words = 0, letters = 0, longest = 0;
    for (size_t i = 0; i <= len; i++) {
        unsigned char c = i < len ? (unsigned char)s[i] : ' ';
        if (c >= 'a' && c <= 'z')
            return 0;
        if (c >= 'A' && c <= 'Z') {
            letters++;
        } else if (c == ' ' && letters) {
            words++;
            longest = letters > longest ? letters : longest;
            letters = 0;
        }
    }
    return words >= 2 || longest >= 5;
}

int gal_entity_form_shown_before(const gal_entity_form *a, const gal_entity_form *b)
{
    if (a->full != b->full)
        return a->full > b->full;
    int a_shouts = shouted(a->s, a->len), b_shouts = shouted(b->s, b->len);
    if (a_shouts != b_shouts)
        return b_shouts;
    if (a->count != b->count)
        return a->count > b->count;
    return gal_key_order(a->s, a->len, b->s, b->len) > 0;
}

/* Every form of e with its totals, in its numbers' order, into *forms
 * (grown as needed); their count. */
static int list_forms(const totals *t, const entity_totals *e, gal_entity_form **forms,
                      size_t *cap)
{
    if (gal_grow((void **)forms, cap, e->numbered.n ? e->numbered.n : 1, sizeof **forms, 16))
        return gal_error_set(GAL_ENOMEM, "out of memory listing entity forms");
    for (size_t i = 0; i < e->numbered.n; i++) {
        const form_ref *f = &e->numbered.at[i];
        (*forms)[i] = (gal_entity_form){(const char *)f->s, f->len,
                                        form_slot(t, e->info.hash, f->s, f->len)->count, f->full};
    }
    return 0;
}

/* The display form, once every record is added: the form shown before all
 * the others (gal_entity_form_shown_before), or the most frequent of all
 * when none names the entity in full. */
static void choose_display(const totals *t, entity_totals *e)
{
    gal_entity_info *info = &e->info;
    gal_entity_form best = {0};
    for (size_t i = 0; i < e->numbered.n; i++) {
        const form_ref *f = &e->numbered.at[i];
        gal_entity_form cur = {(const char *)f->s, f->len,
                               form_slot(t, info->hash, f->s, f->len)->count, f->full};
        if (!best.s || gal_entity_form_shown_before(&cur, &best))
            best = cur;
    }
    info->display = best.s;
    info->display_len = best.len;
    info->display_count = best.count;
}

int gal_entity_get(MDB_txn *txn, MDB_dbi entities, uint64_t hash, gal_entity_info *out)
{
    gal_hblock_reader br;
    int rc = gal_hblock_open(&br, txn, entities, GAL_DB_ENTITIES);
    if (rc)
        return rc;
    totals t = {0};
    entity_totals e = {0};
    totals_start(&e, hash);
    /* each batch that holds it: one seek, or two */
    for (uint64_t batch = 0; !(rc = gal_hblock_find_from(&br, &batch, hash)); batch++) {
        record_view r;
        if ((rc = open_record(&br, &r)) || (rc = add_record(&t, &e, &r, NULL)))
            break;
    }
    if (rc == 1)
        rc = 0;
    if (!rc)
        choose_display(&t, &e);
    gal_hblock_close(&br);
    gal_free(t.slots);
    gal_free(e.numbered.at);
    if (!rc && e.info.docs == 0)
        rc = gal_error_set(GAL_ENOTFOUND, "no entity %016llx", (unsigned long long)hash);
    if (!rc)
        *out = e.info;
    return rc;
}

/* Where entity hash's totals are in the open-addressing table of all
 * (optimize's merger keeps every entity's). */
typedef struct all_totals {
    entity_totals *slots;
    size_t cap, n;
} all_totals;

static entity_totals *find_entity(all_totals *a, uint64_t hash)
{
    if (2 * (a->n + 1) > a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 1024;
        entity_totals *ns = gal_calloc(cap, sizeof *ns);
        if (!ns)
            return NULL;
        for (size_t i = 0; i < a->cap; i++) {
            if (!a->slots[i].info.docs)
                continue;
            size_t j = (a->slots[i].info.hash * 0x9E3779B97F4A7C15ull >> 20) & (cap - 1);
            while (ns[j].info.docs)
                j = (j + 1) & (cap - 1);
            ns[j] = a->slots[i];
        }
        gal_free(a->slots);
        a->slots = ns;
        a->cap = cap;
    }
    size_t j = (hash * 0x9E3779B97F4A7C15ull >> 20) & (a->cap - 1);
    for (; a->slots[j].info.docs; j = (j + 1) & (a->cap - 1))
        if (a->slots[j].info.hash == hash)
            return &a->slots[j];
    totals_start(&a->slots[j], hash);
    a->n++;
    return &a->slots[j];
}

/* ---- the records of a range of batches, entity by entity ---------------
 * One cursor per batch, merged by a heap on entity key (run_heap.h): an
 * entity's records come together, in batch order, so only one entity's
 * totals need to be in memory at a time. */

typedef struct batch_run {
    gal_hblock_reader br;
    uint32_t batch;
    uint64_t hash; /* the current record's: the heap's key */
} batch_run;

typedef struct entity_walk {
    batch_run *runs;
    size_t nruns, cap;
    gal_run_heap heap;
} entity_walk;

/* A reader on the first record of every batch in [first_doc, end_doc). */
static int open_runs(entity_walk *w, MDB_txn *txn, MDB_dbi entities, uint64_t first_doc,
                     uint64_t end_doc)
{
    for (uint64_t batch = first_doc; batch < end_doc && batch <= UINT32_MAX;) {
        if (gal_grow((void **)&w->runs, &w->cap, w->nruns + 1, sizeof *w->runs, 64))
            return gal_error_set(GAL_ENOMEM, "out of memory reading entities");
        batch_run *r = &w->runs[w->nruns];
        int rc = gal_hblock_open(&r->br, txn, entities, GAL_DB_ENTITIES);
        if (rc)
            return rc;
        w->nruns++; /* walk_close closes it from here on, after a fault too */
        rc = gal_hblock_seek(&r->br, (uint32_t)batch, 0);
        if (rc == 0 && r->br.batch >= end_doc)
            rc = 1;
        if (rc) {
            gal_hblock_close(&r->br);
            w->nruns--;
            return rc == 1 ? 0 : rc;
        }
        r->batch = r->br.batch;
        r->hash = r->br.hash;
        /* damaged branch pages can answer with a smaller key: without this,
         * the loop would open a reader per turn for ever */
        if (r->batch < batch)
            return gal_error_set(GAL_ECORRUPT, "corrupt index: entity keys out of order "
                                 "(batch %u found seeking batch %llu)",
                                 r->batch, (unsigned long long)batch);
        batch = (uint64_t)r->batch + 1;
    }
    return 0;
}

static void walk_close(entity_walk *w)
{
    for (size_t i = 0; i < w->nruns; i++)
        gal_hblock_close(&w->runs[i].br);
    gal_free(w->runs);
    gal_free(w->heap.at);
    memset(w, 0, sizeof *w);
}

static int walk_open(entity_walk *w, MDB_txn *txn, MDB_dbi entities, uint64_t first_doc,
                     uint64_t end_doc)
{
    memset(w, 0, sizeof *w);
    int rc = open_runs(w, txn, entities, first_doc, end_doc);
    if (!rc && w->nruns) {
        w->heap = (gal_run_heap){(const char *)&w->runs->hash, sizeof *w->runs, NULL, 0};
        if (!(w->heap.at = gal_malloc(w->nruns * sizeof *w->heap.at)))
            rc = gal_error_set(GAL_ENOMEM, "out of memory reading entities");
        for (size_t i = 0; i < w->nruns && !rc; i++)
            gal_run_heap_push(&w->heap, i);
    }
    if (rc)
        walk_close(w);
    return rc;
}

/* The next entity's key: 0, or 1 after the last. */
static int walk_next_entity(const entity_walk *w, uint64_t *hash)
{
    if (!w->heap.n)
        return 1;
    *hash = gal_run_heap_top_key(&w->heap);
    return 0;
}

/* The entity's next record, opened (its forms not read; they stay valid
 * for the transaction): 0, 1 after its last, or a negative status. */
static int walk_record(entity_walk *w, uint64_t hash, record_view *rv)
{
    if (!w->heap.n || gal_run_heap_top_key(&w->heap) != hash)
        return 1;
    size_t i = gal_run_heap_pop(&w->heap);
    batch_run *r = &w->runs[i];
    int rc = open_record(&r->br, rv);
    if (rc)
        return rc;
    if ((rc = gal_hblock_next(&r->br)) < 0)
        return rc;
    if (rc == 0 && r->br.batch == r->batch) {
        r->hash = r->br.hash;
        gal_run_heap_push(&w->heap, i);
    }
    return 0; /* or the batch's last record: the run ends */
}

struct gal_entity_each_state {
    entity_walk w;
    totals t; /* one entity's forms */
    entity_totals e;
    gal_entity_form *forms;
    size_t forms_cap;
};

void gal_entity_each_release(gal_entity_each_state *st)
{
    if (!st)
        return;
    walk_close(&st->w);
    gal_free(st->t.slots);
    gal_free(st->e.numbered.at);
    gal_free(st->forms);
    gal_free(st);
}

int gal_entity_each_kept(MDB_txn *txn, MDB_dbi entities, gal_entity_fn fn, void *ctx,
                         gal_entity_each_state **state)
{
    gal_entity_each_state *st = gal_calloc(1, sizeof *st);
    if (!(*state = st))
        return gal_error_set(GAL_ENOMEM, "out of memory reading entities");
    int rc = walk_open(&st->w, txn, entities, 0, (uint64_t)UINT32_MAX + 1);
    uint64_t hash;
    while (!rc && !walk_next_entity(&st->w, &hash)) {
        totals *t = &st->t;
        entity_totals *e = &st->e;
        totals_start(e, hash);
        record_view rv;
        while (!(rc = walk_record(&st->w, hash, &rv)) && !(rc = add_record(t, e, &rv, NULL)))
            ;
        if (rc == 1) {
            choose_display(t, e);
            if (!(rc = list_forms(t, e, &st->forms, &st->forms_cap))) {
                e->info.forms = st->forms;
                e->info.nforms = e->numbered.n;
                rc = fn(ctx, &e->info);
            }
        }
        /* forgetting this entity's forms: cheap while the table is small */
        if (t->cap > 256) {
            gal_free(t->slots);
            *t = (totals){0};
        } else if (t->n) {
            memset(t->slots, 0, t->cap * sizeof *t->slots);
            t->n = 0;
        }
    }
    gal_entity_each_release(st);
    *state = NULL;
    return rc;
}

int gal_entity_each(MDB_txn *txn, MDB_dbi entities, gal_entity_fn fn, void *ctx)
{
    gal_entity_each_state *st;
    return gal_entity_each_kept(txn, entities, fn, ctx, &st);
}

/* ---- merging batches (galley optimize) ---------------------------------- */

struct gal_entity_merger {
    totals forms;          /* every form's count over the groups so far */
    all_totals entities;   /* every entity's totals over the groups so far */
    group_forms group;     /* one entity's forms in the group */
    gal_entity_forms *written; /* the merged records' form numbers */
    gal_entity_take_off_fn take_off;
    void *take_off_ctx;
    gal_entity_form *counted; /* the group's forms, as take_off sees them */
    size_t counted_cap;
    gal_buf rec;
    gal_hblock_builder blocks; /* the group's merged records */
};

int gal_entity_merger_new(gal_entity_merger **out)
{
    if (!(*out = gal_calloc(1, sizeof **out)))
        return gal_error_set(GAL_ENOMEM, "out of memory");
    gal_buf_init(&(*out)->rec);
    gal_hblock_builder_init(&(*out)->blocks, NULL, NULL);
    int rc = gal_entity_forms_new(&(*out)->written);
    if (rc) {
        gal_entity_merger_free(*out);
        *out = NULL;
    }
    return rc;
}

void gal_entity_merger_free(gal_entity_merger *m)
{
    if (!m)
        return;
    gal_free(m->forms.slots);
    for (size_t i = 0; i < m->entities.cap; i++)
        gal_free(m->entities.slots[i].numbered.at);
    gal_free(m->entities.slots);
    gal_entity_forms_free(m->written);
    gal_free(m->group.f);
    gal_free(m->counted);
    gal_buf_release(&m->rec);
    gal_hblock_builder_release(&m->blocks);
    gal_free(m);
}

/* The merged record of entity hash's records in the group. */
static int merge_entity(gal_entity_merger *m, entity_walk *w, uint64_t hash, uint32_t first_doc,
                        uint64_t end_doc)
{
    entity_totals *e = find_entity(&m->entities, hash);
    if (!e)
        return gal_error_set(GAL_ENOMEM, "out of memory merging entities");
    uint64_t docs = 0, mentions = 0;
    uint32_t first = UINT32_MAX;
    m->group.n = 0;
    record_view r;
    int rc;
    while (!(rc = walk_record(w, hash, &r))) {
        docs += r.docs;
        mentions += r.mentions;
        first = r.first_doc < first ? r.first_doc : first;
        if ((rc = add_record(&m->forms, e, &r, &m->group)))
            return rc;
    }
    if (rc != 1)
        return rc;
    form_view *f = m->group.f;
    size_t nforms = m->group.n;
    if (m->take_off) {
        if (gal_grow((void **)&m->counted, &m->counted_cap, nforms ? nforms : 1,
                     sizeof *m->counted, 16))
            return gal_error_set(GAL_ENOMEM, "out of memory merging entities");
        for (size_t i = 0; i < nforms; i++)
            m->counted[i] = (gal_entity_form){(const char *)f[i].s, f[i].len, f[i].count, f[i].full};
        if ((rc = m->take_off(m->take_off_ctx, hash, first_doc, end_doc, &docs, &mentions,
                              m->counted, nforms)))
            return rc;
        if (docs == 0)
            return 0; /* only in purged documents */
        size_t kept = 0;
        for (size_t i = 0; i < nforms; i++)
            if ((f[i].count = m->counted[i].count))
                f[kept++] = f[i];
        nforms = kept;
    }
    /* the merged records sum to the same totals: the same display form */
    rc = record_head(&m->rec, docs, mentions, first - first_doc, nforms);
    for (size_t i = 0; i < nforms && !rc; i++)
        rc = record_form(&m->rec, m->written, hash, f[i].count, f[i].full, f[i].s, f[i].len,
                         gal_entity_form_fingerprint(f[i].s, f[i].len));
    return rc ? rc : gal_hblock_add(&m->blocks, first_doc, hash, m->rec.data, m->rec.len);
}

int gal_entity_merge_group(gal_entity_merger *m, MDB_txn *txn, MDB_dbi ents, uint32_t first_doc,
                           uint64_t end_doc, gal_hblock_put_fn put, void *ctx,
                           gal_entity_take_off_fn take_off, void *take_off_ctx)
{
    entity_walk w;
    int rc = walk_open(&w, txn, ents, first_doc, end_doc);
    if (rc)
        return rc;
    m->blocks.put = put;
    m->blocks.ctx = ctx;
    m->take_off = take_off;
    m->take_off_ctx = take_off_ctx;
    uint64_t hash;
    while (!rc && !walk_next_entity(&w, &hash))
        rc = merge_entity(m, &w, hash, first_doc, end_doc);
    if (!rc)
        rc = gal_hblock_flush(&m->blocks);
    /* optimize writes every group once (its failures end the run): the
     * group's new forms are numbered for the groups after it */
    if (!rc)
        rc = gal_entity_forms_commit(m->written);
    walk_close(&w);
    return rc;
}

uint64_t gal_entity_key(const char *name, size_t len)
{
    char folded[1024];
    size_t n = 0;
    gal_term t;
    for (size_t i = 0; gal_term_next(name, len, i, &t); i = t.end) {
        size_t tl = strlen(t.folded);
        if (n + tl + 1 >= sizeof folded)
            break;
        if (n)
            folded[n++] = ' ';
        memcpy(folded + n, t.folded, tl);
        n += tl;
    }
    return n ? gal_term_hash_folded(folded, n, GAL_SEED_ENTITY) : 0;
}

/* ---- merge ------------------------------------------------------------ */

typedef struct ment {
    uint64_t hash;
    const uint8_t *s; /* surface */
    union {
        uint64_t head;        /* while forms are counted: the first (up to) 8
                               * bytes, where most forms differ */
        uint64_t fingerprint; /* then a distinct form's (entity_forms.h) */
    };
    uint32_t len;
    uint32_t doc;     /* batch document; after distinct_forms(), the form's count */
    int full;         /* a distinct form: it names the entity in full */
} ment;

static int same_form(const ment *a, const ment *b)
{
    /* the heads hold the first 8 bytes: only what follows is left to
     * compare, and most forms are shorter */
    return a->head == b->head && a->len == b->len &&
           (a->len <= 8 || !memcmp(a->s + 8, b->s + 8, a->len - 8));
}

/* The order of an entity's distinct forms: by their bytes (no two are the
 * same, so their counts in .doc are never compared). */
static int cmp_form(const void *pa, const void *pb)
{
    const ment *a = pa, *b = pb;
    return gal_key_order(a->s, a->len, b->s, b->len);
}

/* Sort mentions by hash, keeping their order (documents ascending) among
 * equal hashes: a counting sort on the top 16 bits into out, then an
 * insertion sort inside each bucket, which holds a handful. */
static int sort_by_hash(const ment *in, ment *out, size_t n)
{
    enum { BITS = 16 };
    size_t *start = gal_calloc((1u << BITS) + 1, sizeof *start);
    if (!start)
        return gal_error_set(GAL_ENOMEM, "out of memory sorting entity mentions");
    for (size_t i = 0; i < n; i++)
        start[(in[i].hash >> (64 - BITS)) + 1]++;
    for (size_t b = 0; b < (1u << BITS); b++)
        start[b + 1] += start[b];
    for (size_t i = 0; i < n; i++)
        out[start[in[i].hash >> (64 - BITS)]++] = in[i];
    /* start[b] is now where bucket b + 1 begins */
    size_t lo = 0;
    for (size_t b = 0; b < (1u << BITS); b++) {
        size_t hi = start[b];
        for (size_t i = lo + 1; i < hi; i++) {
            ment m = out[i];
            size_t j = i;
            for (; j > lo && out[j - 1].hash > m.hash; j--)
                out[j] = out[j - 1];
            out[j] = m;
        }
        lo = hi;
    }
    gal_free(start);
    return 0;
}

/* Cut a surface form to GAL_ENTITY_MAX_FORM bytes at a code point boundary. */
uint32_t gal_entity_mention_len(const uint8_t *s, uint32_t len)
{
    /* "U.S." keeps its last full stop, which the tokenizer left out: the
     * batch text always goes on after a mention (a newline ends it) */
    return len >= 2 && s[len - 2] == '.' && s[len] == '.' ? len + 1 : len;
}

uint32_t gal_entity_form_len(const uint8_t *s, uint32_t len)
{
    if (len <= GAL_ENTITY_MAX_FORM)
        return len;
    len = GAL_ENTITY_MAX_FORM;
    while (len > 0 && (s[len] & 0xC0u) == 0x80u)
        len--;
    return len;
}

/* Count the forms of g[0, n) into g[0, d) by a linear search of those seen
 * so far, each keeping its first mention, with its number of mentions in
 * .doc; returns d. */
static size_t count_forms_linear(ment *g, size_t n)
{
    size_t d = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < d && !same_form(&g[k], &g[i]))
            k++;
        if (k < d) {
            g[k].doc++;
        } else {
            g[d] = g[i];
            g[d++].doc = 1;
        }
    }
    return d;
}

/* A table of the forms seen so far in a large group: place in g + 1 per
 * slot, 0 = empty; kept by the batch and grown to the largest group. */
typedef struct form_table {
    uint32_t *slot;
    size_t cap;
} form_table;

/* The same for a large group (a frequent entity's hundreds or thousands of
 * mentions in a batch, in a few forms): the forms seen so far are found
 * through the table, open addressing on the form's first bytes and length.
 * 0 with *d set, or GAL_ENOMEM. */
static int count_forms_hashed(ment *g, size_t n, form_table *ft, size_t *d_out)
{
    size_t nslots = 16;
    while (nslots < 2 * n)
        nslots *= 2;
    if (gal_grow((void **)&ft->slot, &ft->cap, nslots, sizeof *ft->slot, nslots))
        return gal_error_set(GAL_ENOMEM, "out of memory counting the forms of %zu entity "
                                         "mentions", n);
    uint32_t *slot = ft->slot;
    memset(slot, 0, nslots * sizeof *slot);
    size_t d = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t h = (g[i].head ^ (uint64_t)g[i].len * 0x9E3779B97F4A7C15ull) *
                     0xD6E8FEB86659FD93ull;
        size_t at = (size_t)(h >> 32) & (nslots - 1);
        while (slot[at] && !same_form(&g[slot[at] - 1], &g[i]))
            at = (at + 1) & (nslots - 1);
        if (slot[at]) {
            g[slot[at] - 1].doc++;
        } else {
            g[d] = g[i]; /* d <= i: a place already read */
            g[d].doc = 1;
            slot[at] = (uint32_t)++d;
        }
    }
    *d_out = d;
    return 0;
}

/* Turn the group g[0, n) into its distinct surface forms g[0, *d), sorted,
 * each with its number of mentions in .doc.  Most entities have a few forms
 * in a batch: counting them by a linear search is cheaper than sorting
 * every mention; large groups count them through the table ft. */
static int distinct_forms(ment *g, size_t n, form_table *ft, size_t *d)
{
    if (n > 256) {
        int rc = count_forms_hashed(g, n, ft, d);
        if (rc)
            return rc;
    } else {
        *d = count_forms_linear(g, n);
    }
    qsort(g, *d, sizeof *g, cmp_form);
    return 0;
}

/* One entity of a prepared batch: its mentions' totals and its distinct
 * forms, forms[form_start, form_start + nforms) of the batch. */
typedef struct entity_group {
    uint64_t hash;
    uint32_t first_doc; /* batch document of its first mention */
    uint32_t ndocs, nmentions;
    size_t form_start, nforms;
} entity_group;

struct gal_entity_batch {
    ment *forms; /* the mentions sorted by entity, then each entity's
                  * distinct forms packed at its start */
    size_t cap;
    entity_group *groups;
    size_t ngroups, groups_cap;
    form_table large_forms; /* distinct_forms()'s, for large groups */
};

int gal_entity_batch_new(gal_entity_batch **out)
{
    if (!(*out = gal_calloc(1, sizeof **out)))
        return gal_error_set(GAL_ENOMEM, "out of memory");
    return 0;
}

void gal_entity_batch_free(gal_entity_batch *eb)
{
    if (!eb)
        return;
    gal_free(eb->forms);
    gal_free(eb->groups);
    gal_free(eb->large_forms.slot);
    gal_free(eb);
}

static int reserve(gal_entity_batch *eb, size_t n)
{
    if (n > eb->cap) {
        gal_free(eb->forms);
        eb->forms = gal_malloc(n * sizeof *eb->forms);
        eb->cap = eb->forms ? n : 0;
        if (!eb->cap)
            return gal_error_set(GAL_ENOMEM, "out of memory merging %zu entity mentions", n);
    }
    return 0;
}

static int push_group(gal_entity_batch *eb, const entity_group *g)
{
    if (gal_grow((void **)&eb->groups, &eb->groups_cap, eb->ngroups + 1, sizeof *eb->groups,
                 1024))
        return gal_error_set(GAL_ENOMEM, "out of memory merging entity mentions");
    eb->groups[eb->ngroups++] = *g;
    return 0;
}

int gal_entity_batch_prepare(gal_entity_batch *eb, const uint8_t *text, const gal_mentions *m)
{
    eb->ngroups = 0;
    if (m->n == 0)
        return 0;
    /* the mentions in batch order, only until they are sorted: every batch
     * in flight keeps its sorted copy until its commit */
    ment *all = gal_malloc(m->n * sizeof *all);
    int rc = all ? reserve(eb, m->n)
                 : gal_error_set(GAL_ENOMEM, "out of memory merging %zu entity mentions", m->n);
    if (rc) {
        gal_free(all);
        return rc;
    }
    for (size_t i = 0; i < m->n; i++) {
        all[i].hash = m->hash[i];
        all[i].s = text + m->start[i];
        all[i].len = gal_entity_mention_len(all[i].s, m->end[i] - m->start[i]);
        all[i].doc = m->doc[i];
        all[i].head = 0;
        memcpy(&all[i].head, all[i].s, all[i].len < 8 ? all[i].len : 8);
    }
    rc = sort_by_hash(all, eb->forms, m->n);
    gal_free(all);
    for (size_t i = 0; i < m->n && !rc;) {
        ment *g = eb->forms + i;
        size_t n = 1;
        while (i + n < m->n && g[n].hash == g[0].hash)
            n++;
        /* distinct documents: the group is in document order (mentions.h) */
        entity_group eg = {g[0].hash, g[0].doc, 0, (uint32_t)n, i, 0};
        for (size_t j = 0; j < n; j++) {
            if (j > 0 && g[j].doc < g[j - 1].doc)
                return gal_error_set(GAL_EUSAGE,
                                     "internal error: entity mentions out of document order");
            eg.ndocs += j == 0 || g[j].doc != g[j - 1].doc;
        }
        if ((rc = distinct_forms(g, n, &eb->large_forms, &eg.nforms)))
            break;
        for (size_t j = 0; j < eg.nforms; j++) {
            g[j].len = gal_entity_form_len(g[j].s, g[j].len);
            g[j].full = gal_entity_key((const char *)g[j].s, g[j].len) == g[0].hash;
            g[j].fingerprint = gal_entity_form_fingerprint(g[j].s, g[j].len);
        }
        rc = push_group(eb, &eg);
        i += n;
    }
    return rc;
}

/* The batch record of one prepared entity. */
static int build_record(gal_buf *rec, gal_entity_forms *forms, const entity_group *eg,
                        const ment *g)
{
    int rc = record_head(rec, eg->ndocs, eg->nmentions, eg->first_doc, eg->nforms);
    for (size_t i = 0; i < eg->nforms && !rc; i++)
        rc = record_form(rec, forms, eg->hash, g[i].doc, g[i].full, g[i].s, g[i].len,
                         g[i].fingerprint);
    return rc;
}

/* A finished block, appended to the table (the batch's keys come after every
 * earlier batch's). */
static int append_block(void *ctx, const uint8_t *key, const void *block, size_t len)
{
    MDB_val k = {GAL_HBLOCK_KEY_LEN, (void *)key}, v = {len, (void *)block};
    int mrc = mdb_cursor_put(ctx, &k, &v, MDB_APPEND);
    return mrc ? db_error(mrc, "cannot write the entity table") : 0;
}

int gal_entity_table_apply(MDB_txn *txn, MDB_dbi entities, const gal_entity_batch *eb,
                           uint32_t first_doc, gal_entity_forms *forms)
{
    if (forms) /* what an earlier try of this batch pended */
        gal_entity_forms_discard(forms);
    if (eb->ngroups == 0)
        return 0;
    MDB_cursor *cur = NULL;
    int mrc = mdb_cursor_open(txn, entities, &cur);
    if (mrc)
        return db_error(mrc, "cannot open the entity table");
    gal_buf rec;
    gal_buf_init(&rec);
    gal_hblock_builder blocks;
    gal_hblock_builder_init(&blocks, append_block, cur);
    int rc = 0;
    enum { AHEAD = 8 }; /* the numbers' slots are cache misses: ask for them early */
    for (size_t i = 0; i < eb->ngroups && !rc; i++) {
        const entity_group *eg = &eb->groups[i];
        if (forms && i + AHEAD < eb->ngroups) {
            const entity_group *next = &eb->groups[i + AHEAD];
            gal_entity_forms_prefetch(forms, next->hash, eb->forms[next->form_start].fingerprint);
        }
        if (!(rc = build_record(&rec, forms, eg, eb->forms + eg->form_start)))
            rc = gal_hblock_add(&blocks, first_doc, eg->hash, rec.data, rec.len);
    }
    if (!rc)
        rc = gal_hblock_flush(&blocks);
    gal_hblock_builder_release(&blocks);
    mdb_cursor_close(cur);
    gal_buf_release(&rec);
    return rc;
}

int gal_entity_table_number_forms(MDB_txn *txn, MDB_dbi entities, gal_entity_forms *forms)
{
    gal_hblock_reader br;
    int rc = gal_hblock_open(&br, txn, entities, GAL_DB_ENTITIES);
    if (rc)
        return rc;
    gal_entity_forms_discard(forms);
    /* in key order, batch by batch: each entity's records in batch order,
     * as a reader replays them */
    int more;
    for (more = gal_hblock_seek(&br, 0, 0); more == 0 && !rc; more = gal_hblock_next(&br)) {
        record_view r;
        if ((rc = open_record(&br, &r)))
            break;
        for (uint32_t i = 0; i < r.nforms && !rc; i++) {
            form_view f;
            uint32_t count;
            if ((rc = next_form(&r, NULL, &f)))
                break;
            if (f.number != NOT_NUMBERED) {
                if (gal_entity_forms_count(forms, r.hash, &count) == 0 && f.number >= count)
                    rc = bad_record(&r, "a surface form number beyond the entity's forms");
                continue;
            }
            /* numbered at once, a later form of the record may name it (the
             * commit passes over a form the entity already has) */
            if (!(rc = gal_entity_forms_pend(forms, r.hash,
                                             gal_entity_form_fingerprint(f.s, f.len))))
                rc = gal_entity_forms_commit(forms);
        }
        if (!rc && r.p != r.end)
            rc = bad_record(&r, "bytes after the last surface form");
    }
    if (!rc && more < 0)
        rc = more;
    gal_hblock_close(&br);
    return rc;
}
