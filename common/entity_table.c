/*
 * entity_table.c — the entities and entity_forms tables (entity_table.h).
 */
#include "entity_table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "format.h"
#include "record.h"
#include "status.h"
#include "terms.h"
/* gal_mentions is defined with the code that produces it (the indexer); only
 * the type is used here, nothing is linked from there. */
#include "mentions.h"

/* MDB_MAP_FULL goes back as itself (positive) so that the writer can grow
 * the map and retry the batch; other codes become a gal_status. */
static int db_error(int mrc, const char *what)
{
    if (mrc == MDB_MAP_FULL)
        return mrc;
    int st = mrc == ENOMEM ? GAL_ENOMEM : mrc == ENOSPC ? GAL_EFULL : GAL_EDB;
    return gal_error_set(st, "%s: %s", what, mdb_strerror(mrc));
}

int gal_entity_table_open(MDB_txn *txn, int create, MDB_dbi *entities, MDB_dbi *forms)
{
    unsigned flags = create ? MDB_CREATE : 0;
    MDB_dbi e, f;
    int mrc = mdb_dbi_open(txn, GAL_DB_ENTITIES, flags, &e);
    if (!mrc)
        mrc = mdb_dbi_open(txn, GAL_DB_ENTITY_FORMS, flags, &f);
    if (mrc == MDB_NOTFOUND)
        return gal_error_set(GAL_ENOTFOUND, "the index has no entity table (built before entities?)");
    if (mrc)
        return db_error(mrc, "cannot open the entity table");
    *entities = e;
    *forms = f;
    return 0;
}

/* ---- records ---------------------------------------------------------- */

#define REC_FIXED (1 + 8 + 8 + 8 + 4 + 2)

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The checksum key of the record of entity hash: its LMDB key. */
static uint32_t entity_key(uint64_t hash)
{
    uint8_t k[8];
    gal_put_be64(k, hash);
    return gal_record_key(k, sizeof k);
}

static int parse_record(uint64_t hash, const MDB_val *v, gal_entity_info *out)
{
    char desc[40];
    snprintf(desc, sizeof desc, "entity %016llx", (unsigned long long)hash);
    size_t len;
    int rc = gal_record_open(v->mv_data, v->mv_size, &len, entity_key(hash), GAL_DB_ENTITIES, desc);
    if (rc)
        return rc;
    const uint8_t *p = v->mv_data;
    if (len < REC_FIXED || p[0] != GAL_ENTITY_RECORD_VERSION ||
        REC_FIXED + (size_t)(p[29] | p[30] << 8) != len)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: %s record of %zu bytes in '%s'", desc,
                             len, GAL_DB_ENTITIES);
    out->hash = hash;
    out->docs = gal_get_le64(p + 1);
    out->mentions = gal_get_le64(p + 9);
    out->display_count = gal_get_le64(p + 17);
    out->first_doc = get_le32(p + 25);
    out->display_len = (size_t)(p[29] | p[30] << 8);
    out->display = (const char *)p + REC_FIXED;
    return 0;
}

static int build_record(gal_buf *b, const gal_entity_info *e)
{
    uint8_t head[REC_FIXED];
    head[0] = GAL_ENTITY_RECORD_VERSION;
    gal_put_le64(head + 1, e->docs);
    gal_put_le64(head + 9, e->mentions);
    gal_put_le64(head + 17, e->display_count);
    put_le32(head + 25, e->first_doc);
    head[29] = (uint8_t)e->display_len;
    head[30] = (uint8_t)(e->display_len >> 8);
    gal_buf_clear(b);
    int rc;
    if ((rc = gal_buf_append(b, head, sizeof head)) ||
        (rc = gal_buf_append(b, e->display, e->display_len)) ||
        (rc = gal_record_seal(b, entity_key(e->hash))))
        return rc;
    return 0;
}

int gal_entity_get(MDB_txn *txn, MDB_dbi entities, uint64_t hash, gal_entity_info *out)
{
    uint8_t key[8];
    gal_put_be64(key, hash);
    MDB_val k = {sizeof key, key}, v;
    int mrc = mdb_get(txn, entities, &k, &v);
    if (mrc == MDB_NOTFOUND)
        return gal_error_set(GAL_ENOTFOUND, "no entity %016llx", (unsigned long long)hash);
    if (mrc)
        return db_error(mrc, "cannot read the entity table");
    return parse_record(hash, &v, out);
}

int gal_entity_each(MDB_txn *txn, MDB_dbi entities, gal_entity_fn fn, void *ctx)
{
    MDB_cursor *cur;
    int mrc = mdb_cursor_open(txn, entities, &cur);
    if (mrc)
        return db_error(mrc, "cannot read the entity table");
    MDB_val k, v;
    int rc = 0;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !mrc && !rc;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != 8) {
            rc = gal_error_set(GAL_ECORRUPT, "corrupt index: entity key of %zu bytes", k.mv_size);
            break;
        }
        gal_entity_info e;
        if ((rc = parse_record(gal_get_be64(k.mv_data), &v, &e)))
            break;
        rc = fn(ctx, &e);
    }
    if (!rc && mrc && mrc != MDB_NOTFOUND)
        rc = db_error(mrc, "cannot read the entity table");
    mdb_cursor_close(cur);
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
    uint64_t head;    /* its first (up to) 8 bytes: most forms differ there */
    uint32_t len;
    uint32_t doc;     /* batch document; after distinct_forms(), the form's count */
    int full;         /* a distinct form: it names the entity in full */
} ment;

static int same_form(const ment *a, const ment *b)
{
    return a->head == b->head && a->len == b->len && !memcmp(a->s, b->s, a->len);
}

static int cmp_ment(const void *pa, const void *pb)
{
    const ment *a = pa, *b = pb;
    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    uint32_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->s, b->s, n);
    if (c)
        return c;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return a->doc < b->doc ? -1 : a->doc > b->doc;
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
static uint32_t form_len(const uint8_t *s, uint32_t len)
{
    if (len <= GAL_ENTITY_MAX_FORM)
        return len;
    len = GAL_ENTITY_MAX_FORM;
    while (len > 0 && (s[len] & 0xC0u) == 0x80u)
        len--;
    return len;
}

/* Add n to the count of form (hash, s) in forms; the new count in *total. */
static int add_form(MDB_cursor *forms, uint64_t hash, const uint8_t *s, uint32_t len,
                    uint64_t n, uint64_t *total)
{
    uint8_t key[8 + GAL_ENTITY_MAX_FORM];
    gal_put_be64(key, hash);
    memcpy(key + 8, s, len);
    MDB_val k = {8 + (size_t)len, key}, v;
    uint64_t count = n;
    int mrc = mdb_cursor_get(forms, &k, &v, MDB_SET);
    if (!mrc) {
        if (v.mv_size != 8)
            return gal_error_set(GAL_ECORRUPT, "corrupt index: entity form count of %zu bytes",
                                 v.mv_size);
        count += gal_get_le64(v.mv_data);
    } else if (mrc != MDB_NOTFOUND) {
        return db_error(mrc, "cannot read the entity forms");
    }
    uint8_t val[8];
    gal_put_le64(val, count);
    v.mv_size = sizeof val;
    v.mv_data = val;
    if ((mrc = mdb_cursor_put(forms, &k, &v, 0)))
        return db_error(mrc, "cannot write the entity forms");
    *total = count;
    return 0;
}

/* Turn the group g[0, n) into its distinct surface forms g[0, d), sorted,
 * each with its number of mentions in .doc; returns d.  Most entities have a
 * few forms in a batch: counting them by a linear search is cheaper than
 * sorting every mention; large groups are sorted. */
static size_t distinct_forms(ment *g, size_t n)
{
    size_t d = 0;
    if (n > 256) {
        qsort(g, n, sizeof *g, cmp_ment);
        for (size_t i = 0; i < n; d++) {
            size_t j = i + 1;
            while (j < n && same_form(&g[j], &g[i]))
                j++;
            g[d] = g[i];
            g[d].doc = (uint32_t)(j - i);
            i = j;
        }
        return d;
    }
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
    qsort(g, d, sizeof *g, cmp_ment); /* surfaces differ: counts never compared */
    return d;
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
    if (eb->ngroups == eb->groups_cap) {
        size_t cap = eb->groups_cap ? 2 * eb->groups_cap : 1024;
        entity_group *ng = gal_realloc(eb->groups, cap * sizeof *ng);
        if (!ng)
            return gal_error_set(GAL_ENOMEM, "out of memory merging entity mentions");
        eb->groups = ng;
        eb->groups_cap = cap;
    }
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
        all[i].len = m->end[i] - m->start[i];
        all[i].doc = m->doc[i];
        /* "U.S." keeps its last full stop, which the tokenizer left out: the
         * batch text always goes on after a mention (a newline ends it) */
        if (all[i].len >= 2 && all[i].s[all[i].len - 2] == '.' && all[i].s[all[i].len] == '.')
            all[i].len++;
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
        eg.nforms = distinct_forms(g, n);
        for (size_t j = 0; j < eg.nforms; j++) {
            g[j].len = form_len(g[j].s, g[j].len);
            g[j].full = gal_entity_key((const char *)g[j].s, g[j].len) == g[0].hash;
        }
        rc = push_group(eb, &eg);
        i += n;
    }
    return rc;
}

/* Merge one prepared entity into the tables. */
static int merge_entity(MDB_cursor *entities, MDB_cursor *forms, const entity_group *eg,
                        const ment *g, uint32_t first_doc, gal_buf *rec)
{
    uint64_t hash = eg->hash;
    uint8_t key[8];
    gal_put_be64(key, hash);
    MDB_val k = {sizeof key, key}, v;
    gal_entity_info e = {hash, 0, 0, 0, UINT32_MAX, NULL, 0};
    uint8_t display[GAL_ENTITY_MAX_FORM];
    int rc, mrc = mdb_cursor_get(entities, &k, &v, MDB_SET);
    if (!mrc) {
        if ((rc = parse_record(hash, &v, &e)))
            return rc;
        memcpy(display, e.display, e.display_len); /* v is invalid after a put */
        e.display = (const char *)display;
    } else if (mrc != MDB_NOTFOUND) {
        return db_error(mrc, "cannot read the entity table");
    }
    if (first_doc + eg->first_doc < e.first_doc)
        e.first_doc = first_doc + eg->first_doc;
    e.docs += eg->ndocs;
    e.mentions += eg->nmentions;
    /* surface forms, in surface order: the display form is the most frequent
     * form that names the entity in full ("Gordon Brown", not the "Brown"
     * linked to it) */
    int display_full = e.display && gal_entity_key(e.display, e.display_len) == hash;
    for (size_t i = 0; i < eg->nforms; i++) {
        uint32_t len = g[i].len;
        uint64_t total = 0;
        if ((rc = add_form(forms, hash, g[i].s, len, g[i].doc, &total)))
            return rc;
        int same = e.display && e.display_len == len && !memcmp(e.display, g[i].s, len);
        int full = g[i].full;
        if (same || (full && !display_full) || (full == display_full && total > e.display_count)) {
            memcpy(display, g[i].s, len);
            e.display = (const char *)display;
            e.display_len = len;
            e.display_count = total;
            display_full = full;
        }
    }
    if ((rc = build_record(rec, &e)))
        return rc;
    v.mv_size = rec->len;
    v.mv_data = rec->data;
    if ((mrc = mdb_cursor_put(entities, &k, &v, 0)))
        return db_error(mrc, "cannot write the entity table");
    return 0;
}

int gal_entity_table_apply(MDB_txn *txn, MDB_dbi entities, MDB_dbi forms,
                           const gal_entity_batch *eb, uint32_t first_doc)
{
    if (eb->ngroups == 0)
        return 0;
    /* entities come in key order: cursors find the next one on or near the
     * page of the last, where mdb_get would search down from the root */
    MDB_cursor *ec = NULL, *fc = NULL;
    gal_buf rec;
    gal_buf_init(&rec);
    int rc = 0, mrc;
    if ((mrc = mdb_cursor_open(txn, entities, &ec)) || (mrc = mdb_cursor_open(txn, forms, &fc)))
        rc = db_error(mrc, "cannot open the entity tables");
    for (size_t i = 0; i < eb->ngroups && !rc; i++)
        rc = merge_entity(ec, fc, &eb->groups[i], eb->forms + eb->groups[i].form_start,
                          first_doc, &rec);
    if (ec)
        mdb_cursor_close(ec);
    if (fc)
        mdb_cursor_close(fc);
    gal_buf_release(&rec);
    return rc;
}
