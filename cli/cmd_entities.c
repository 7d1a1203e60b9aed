/*
 * cmd_entities.c — `galley entities INDEX...`: the named entities an index
 * holds (common/entity_table.h), or several indexes together, by documents,
 * by name, or by co-occurrence.
 */
#include <inttypes.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "commands.h"
#include "deleted_mentions.h"
#include "entity_table.h"
#include "format.h"
#include "index.h"
#include "index_dirs.h"
#include "output.h"
#include "parallel_for.h"
#include "query.h"
#include "search.h"
#include "status.h"
#include "store.h"
#include "terms.h"

static const char entities_help[] =
    "usage: galley entities INDEX... [--top N] [--match WORD] [--with NAME | --in QUERY]\n"
    "                                [--json]\n"
    "\n"
    "List the named entities (people, organisations, places) found while indexing,\n"
    "most documents first: documents, mentions and the most frequent surface form\n"
    "(one in capitals, a dateline's NEW YORK, only when there is no other).\n"
    "Several indexes (shards) count as one: their numbers add up, each surface\n"
    "form's too, and an entity is named as one index of all their documents\n"
    "names it.  A directory of shards (galley index --shards N or --mpi) is all\n"
    "its shards.\n"
    "\n"
    "options:\n"
    "  --top N      at most N entities (default 20; 0 for all)\n"
    "  --match WORD only entities whose name contains WORD (case-insensitive)\n"
    "  --with NAME  entities that share documents with NAME, most shared first\n"
    "  --in QUERY   entities of the documents QUERY matches (the query language of\n"
    "               'galley query'), most documents first; several indexes each\n"
    "               expand a prefix* by their own terms\n"
    "  --json       one JSON object per entity\n"
    "  -h, --help   show this help\n"
    "\n"
    "exit status:\n"
    "  0  printed (possibly nothing)\n"
    "  1  --with: NAME is not an entity of the index; --in: QUERY matches nothing\n"
    "  2  usage error\n"
    "  3  index missing, corrupt, or without an entity table\n"
    "  6  out of memory or another system error\n";

typedef struct row {
    uint64_t hash, docs, mentions, shared;
    uint64_t display_count; /* mentions in the form the name is shown in */
    char *name;
    size_t len;
    gal_entity_form *forms; /* several indexes: every form, with its bytes, in
                             * one allocation, until the rows are merged */
    size_t nforms;
} row;

typedef struct list {
    row *v;
    size_t n, cap;
    const char *match; /* folded, or NULL */
    size_t match_len;
    int several; /* rows keep their forms, and --match waits for the merge */
    int keep_forms; /* several, or this index deleted documents: rows keep
                     * their forms and --match waits */
} list;

/* Folded words of s joined by ' ' into out (size bytes). */
static size_t fold(const char *s, size_t n, char *out, size_t size)
{
    size_t o = 0;
    gal_term t;
    for (size_t i = 0; gal_term_next(s, n, i, &t); i = t.end) {
        size_t tl = strlen(t.folded);
        if (o + tl + 2 > size)
            break;
        if (o)
            out[o++] = ' ';
        memcpy(out + o, t.folded, tl);
        o += tl;
    }
    out[o] = '\0';
    return o;
}

/* Call fn(ctx, doc) for each document in the postings of hash but those
 * deleted (del, may be NULL), through the index's postings cursor. */
static int each_doc(gal_snapshot *snap, const gal_deleted_set *del, uint64_t hash,
                    void (*fn)(void *ctx, uint32_t doc), void *ctx)
{
    gal_postings *p;
    int rc = gal_postings_open(snap, hash, &p);
    if (rc)
        return rc;
    while ((rc = gal_postings_next(p)) == 1)
        if (!gal_deleted_has(del, gal_postings_doc(p)))
            fn(ctx, gal_postings_doc(p));
    gal_postings_close(p);
    return rc < 0 ? rc : 0;
}

struct bits_ctx {
    uint8_t *bits;
    uint64_t ndocs;
    uint64_t count;
};

static void set_bit(void *p, uint32_t doc)
{
    struct bits_ctx *c = p;
    if (doc < c->ndocs) {
        c->count += !(c->bits[doc >> 3] & (1u << (doc & 7)));
        c->bits[doc >> 3] |= (uint8_t)(1u << (doc & 7));
    }
}

static void count_bit(void *p, uint32_t doc)
{
    struct bits_ctx *c = p;
    if (doc < c->ndocs && (c->bits[doc >> 3] & (1u << (doc & 7))))
        c->count++;
}

static void free_row(row *r)
{
    gal_free(r->name);
    gal_free(r->forms);
    r->name = NULL;
    r->forms = NULL;
}

/* Whether --match keeps the entity named name. */
static int matches(const list *l, const char *name, size_t len)
{
    char f[1024];
    fold(name, len, f, sizeof f);
    return !l->match || strstr(f, l->match) != NULL;
}

/* e's forms, and their bytes after them, copied into one allocation. */
static gal_entity_form *copy_forms(const gal_entity_info *e)
{
    size_t bytes = e->nforms * sizeof *e->forms;
    for (size_t i = 0; i < e->nforms; i++)
        bytes += e->forms[i].len;
    gal_entity_form *f = gal_malloc(bytes ? bytes : 1);
    if (!f)
        return NULL;
    char *at = (char *)(f + e->nforms);
    for (size_t i = 0; i < e->nforms; i++) {
        f[i] = e->forms[i];
        memcpy(at, e->forms[i].s, e->forms[i].len);
        f[i].s = at;
        at += e->forms[i].len;
    }
    return f;
}

/* A name as shown: its form with each run of blanks (a line break of the
 * text it was found in, the spaces of a table) one space.  NULL when out
 * of memory. */
static char *name_of(const uint8_t *s, size_t len, size_t *out_len)
{
    char *name = gal_malloc(len + 1);
    if (!name)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        int blank = s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r');
        if (!blank)
            name[n++] = (char)s[i];
        else if (n && name[n - 1] != ' ')
            name[n++] = ' ';
    }
    while (n && name[n - 1] == ' ')
        n--;
    name[n] = '\0';
    *out_len = n;
    return name;
}

static int collect(void *p, const gal_entity_info *e)
{
    list *l = p;
    if (!l->keep_forms && !matches(l, e->display, e->display_len))
        return 0;
    if (gal_grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v, 256))
        return gal_error_set(GAL_ENOMEM, "out of memory listing entities");
    size_t len;
    char *name = name_of((const uint8_t *)e->display, e->display_len, &len);
    gal_entity_form *forms = l->keep_forms ? copy_forms(e) : NULL;
    if (!name || (l->keep_forms && !forms)) {
        gal_free(name);
        gal_free(forms);
        return gal_error_set(GAL_ENOMEM, "out of memory listing entities");
    }
    l->v[l->n++] = (row){e->hash, e->docs, e->mentions, 0, e->display_count, name, len,
                         forms, l->keep_forms ? e->nforms : 0};
    return 0;
}

static int cmp_row(const void *pa, const void *pb)
{
    const row *a = pa, *b = pb;
    if (a->shared != b->shared)
        return a->shared > b->shared ? -1 : 1;
    if (a->docs != b->docs)
        return a->docs > b->docs ? -1 : 1;
    if (a->mentions != b->mentions)
        return a->mentions > b->mentions ? -1 : 1;
    return a->hash < b->hash ? -1 : a->hash > b->hash;
}

/* The documents entities are counted in: those of entity `with` (its key
 * self), or those query `in` matches; neither: all. */
typedef struct selection {
    const char *with;
    uint64_t self;
    const gal_query *in;
} selection;

static int set_bit_of_match(void *p, uint32_t doc)
{
    set_bit(p, doc);
    return 0;
}

/* Mark the selected documents of snap in c->bits (those not deleted). */
static int select_docs(gal_snapshot *snap, const gal_deleted_set *del, const selection *sel,
                       struct bits_ctx *c)
{
    if (sel->with)
        return each_doc(snap, del, sel->self, set_bit, c);
    uint64_t n;
    gal_search_opts o = {.limit = 10, .note = gal_print_note}; /* as 'galley query' notes */
    return gal_search_each(snap, sel->in, &o, set_bit_of_match, c, &n);
}

static int merge_entity(row *v, size_t n, gal_entity_form **all, size_t *cap);

/* The mentions of rows [first, n) that deleted documents hold, taken off:
 * their documents, mentions and forms' counts; a row left without a
 * document goes; the name is chosen again from what is left (merge_entity
 * over the one row). */
static int take_off_deleted(gal_snapshot *snap, const gal_deleted_set *del, list *l, size_t first)
{
    gal_gone_mentions g;
    int rc = gal_gone_mentions_find(snap, del, 0, UINT64_MAX, &g);
    gal_entity_form *all = NULL;
    size_t cap = 0, kept = first, i;
    for (i = first; i < l->n && !rc; i++) {
        row *r = &l->v[i];
        rc = gal_gone_take_off(&g, r->hash, 0, UINT64_MAX, &r->docs, &r->mentions, r->forms,
                               r->nforms, r->name);
        if (rc)
            break; /* row i stays whole, for the caller to free */
        if (r->docs == 0) { /* only in deleted documents */
            free_row(r);
            continue;
        }
        /* a form left with no mention names it no more */
        size_t nf = 0;
        for (size_t f = 0; f < r->nforms; f++)
            if (r->forms[f].count)
                r->forms[nf++] = r->forms[f];
        r->nforms = nf;
        rc = merge_entity(r, 1, &all, &cap);
        l->v[kept++] = *r;
    }
    /* rows [kept, i) are freed or moved; an error leaves [i, n) as they were */
    if (i < l->n)
        memmove(l->v + kept, l->v + i, (l->n - i) * sizeof *l->v);
    l->n = kept + (l->n - i);
    gal_free(all);
    gal_gone_mentions_release(&g);
    return rc;
}

/* With --match and no merge to wait for: the rows [first, n) whose name,
 * as chosen now, matches. */
static void match_rows(list *l, size_t first)
{
    size_t kept = first;
    for (size_t i = first; i < l->n; i++) {
        if (matches(l, l->v[i].name, l->v[i].len))
            l->v[kept++] = l->v[i];
        else
            free_row(&l->v[i]);
    }
    l->n = kept;
}

/* Add index dir's entities to l: every one that matches, and with sel's
 * `with` or `in`, the documents of sel each shares.  *found: whether sel
 * has documents in dir (else no row is added). */
static int read_index(const char *dir, list *l, const selection *sel, int *found)
{
    const char *with = sel->with;
    uint64_t self = sel->self;
    gal_store *st = NULL;
    MDB_txn *txn = NULL;
    gal_index *ix = NULL;
    gal_snapshot *snap = NULL;
    uint8_t *bits = NULL;
    size_t first = l->n;
    MDB_dbi ents;
    gal_entity_info target;
    uint64_t ndeleted = 0;
    int rc;
    *found = 0;
    if ((rc = gal_store_open(dir, GAL_STORE_READ, &st)) || (rc = gal_store_txn_begin(st, 1, &txn)) ||
        (rc = gal_entity_table_open(txn, 0, &ents)))
        goto out;
    if (with) {
        rc = self ? gal_entity_get(txn, ents, self, &target) : GAL_ENOTFOUND;
        if (rc == GAL_ENOTFOUND) { /* nothing shares documents with it here */
            rc = 0;
            goto out;
        }
        if (rc)
            goto out;
        *found = 1;
    }
    if ((rc = gal_meta_get_u64(st, txn, GAL_META_DELETED, &ndeleted)))
        goto out;
    l->keep_forms = l->several || ndeleted;
    if ((rc = gal_entity_each(txn, ents, collect, l)))
        goto out;
    /* The entity table is read; postings come through the reading API,
     * which opens the environment itself (LMDB allows one open per
     * process at a time). */
    mdb_txn_abort(txn);
    txn = NULL;
    gal_store_close(st);
    st = NULL;
    const gal_deleted_set *del = NULL;
    if (with || sel->in || ndeleted) {
        if ((rc = gal_index_open(dir, &ix)) || (rc = gal_snapshot_begin(ix, &snap)) ||
            (rc = gal_snapshot_deleted(snap, &del)))
            goto out;
    }
    if (del && (rc = take_off_deleted(snap, del, l, first)))
        goto out;
    if (del && !l->several) { /* the forms served their turn */
        match_rows(l, first);
        for (size_t i = first; i < l->n; i++) {
            gal_free(l->v[i].forms);
            l->v[i].forms = NULL;
            l->v[i].nforms = 0;
        }
    }
    if (with || sel->in) {
        gal_index_stats stats;
        if ((rc = gal_snapshot_stats(snap, &stats)))
            goto out;
        bits = gal_calloc((size_t)(stats.docs / 8 + 1), 1);
        if (!bits) {
            rc = gal_error_set(GAL_ENOMEM, "out of memory for %" PRIu64 " documents", stats.docs);
            goto out;
        }
        struct bits_ctx c = {bits, stats.docs, 0};
        if ((rc = select_docs(snap, del, sel, &c)))
            goto out;
        *found = c.count > 0;
        if (c.count == 0) { /* no document: the query matches none here, or all the
                             * entity's documents are deleted */
            for (size_t i = first; i < l->n; i++)
                free_row(&l->v[i]);
            l->n = first;
            goto out;
        }
        for (size_t i = first; i < l->n; i++) {
            struct bits_ctx s2 = {bits, stats.docs, 0};
            if ((!with || l->v[i].hash != self) &&
                (rc = each_doc(snap, NULL, l->v[i].hash, count_bit, &s2)))
                goto out;
            l->v[i].shared = s2.count;
        }
    }
out:
    gal_free(bits);
    if (txn)
        mdb_txn_abort(txn);
    gal_store_close(st);
    gal_snapshot_end(snap);
    gal_index_close(ix);
    return rc;
}

/* One index's rows, read on a thread of its own (parallel_for.h): the
 * indexes are read at once, and their rows put together in their order. */
typedef struct index_job {
    const char *dir;
    const selection *sel;
    list l;
    int found;
    gal_error_copy error; /* from the thread that read it */
} index_job;

static void read_one(void *arg, size_t i)
{
    index_job *j = (index_job *)arg + i;
    gal_error_keep(&j->error, read_index(j->dir, &j->l, j->sel, &j->found));
}

/* Read every index into l (its rows after one another, in the order given)
 * and say whether any has what sel asks for; the first failure in that
 * order, its message carried to this thread. */
static int read_indexes(const gal_index_dirs *ix, const selection *sel, list *l, int *found_any)
{
    index_job *jobs = gal_calloc(ix->n, sizeof *jobs);
    if (!jobs)
        return gal_error_set(GAL_ENOMEM, "out of memory reading %zu indexes", ix->n);
    for (size_t k = 0; k < ix->n; k++) {
        jobs[k].dir = ix->dir[k];
        jobs[k].sel = sel;
        jobs[k].l = (list){NULL, 0, 0, l->match, l->match_len, l->several, 0};
    }
    gal_parallel_for(ix->n, 0, read_one, jobs);
    int rc = 0;
    *found_any = 0;
    for (size_t k = 0; k < ix->n; k++) {
        index_job *j = &jobs[k];
        if (!rc)
            rc = gal_error_kept(&j->error);
        *found_any |= j->found;
        if (!rc && j->l.n && gal_grow((void **)&l->v, &l->cap, l->n + j->l.n, sizeof *l->v, 64))
            rc = gal_error_set(GAL_ENOMEM, "out of memory merging entities");
        if (!rc && j->l.n) {
            memcpy(l->v + l->n, j->l.v, j->l.n * sizeof *j->l.v);
            l->n += j->l.n;
        } else if (rc) {
            for (size_t i = 0; i < j->l.n; i++)
                free_row(&j->l.v[i]);
        }
        gal_free(j->l.v);
    }
    gal_free(jobs);
    return rc;
}

static int by_hash(const void *pa, const void *pb)
{
    const row *a = pa, *b = pb;
    return a->hash < b->hash ? -1 : a->hash > b->hash;
}

static int by_bytes(const void *pa, const void *pb)
{
    const gal_entity_form *a = pa, *b = pb;
    return gal_key_order(a->s, a->len, b->s, b->len);
}

/* The rows v[0, n) of one entity in several indexes made one in v[0]: its
 * counts added up, each form's too, and the name that the forms' totals
 * give by the rule of one index (gal_entity_form_shown_before). */
static int merge_entity(row *v, size_t n, gal_entity_form **all, size_t *cap)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += v[i].nforms;
    if (gal_grow((void **)all, cap, m ? m : 1, sizeof **all, 64))
        return gal_error_set(GAL_ENOMEM, "out of memory adding up entity forms");
    m = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(*all + m, v[i].forms, v[i].nforms * sizeof **all);
        m += v[i].nforms;
    }
    qsort(*all, m, sizeof **all, by_bytes);
    const gal_entity_form *best = NULL;
    for (size_t i = 0; i < m;) {
        gal_entity_form f = (*all)[i++];
        for (; i < m && !by_bytes(&f, *all + i); i++) {
            f.count += (*all)[i].count;
            f.full |= (*all)[i].full;
        }
        (*all)[i - 1] = f; /* the sum stays in the array: best may point at it */
        if (!best || gal_entity_form_shown_before(&f, best))
            best = *all + i - 1;
    }
    if (best) {
        size_t len;
        char *name = name_of((const uint8_t *)best->s, best->len, &len);
        if (!name)
            return gal_error_set(GAL_ENOMEM, "out of memory adding up entity forms");
        gal_free(v[0].name);
        v[0].name = name;
        v[0].len = len;
        v[0].display_count = best->count;
    }
    for (size_t i = 1; i < n; i++) {
        v[0].docs += v[i].docs;
        v[0].mentions += v[i].mentions;
        v[0].shared += v[i].shared;
        gal_free(v[i].name);
    }
    return 0;
}

/* One row per entity of several indexes (merge_entity), then --match. */
static int merge_rows(list *l)
{
    if (l->n > 1) /* l->v is NULL when no index holds an entity */
        qsort(l->v, l->n, sizeof *l->v, by_hash);
    gal_entity_form *all = NULL;
    size_t cap = 0, w = 0, i = 0;
    int rc = 0;
    while (i < l->n && !rc) {
        size_t j = i + 1;
        while (j < l->n && l->v[j].hash == l->v[i].hash)
            j++;
        rc = merge_entity(l->v + i, j - i, &all, &cap);
        for (size_t k = i; k < j; k++) {
            gal_free(l->v[k].forms);
            l->v[k].forms = NULL;
            if (rc && k > i) /* merged, they are freed */
                gal_free(l->v[k].name);
        }
        if (!rc && matches(l, l->v[i].name, l->v[i].len))
            l->v[w++] = l->v[i];
        else
            gal_free(l->v[i].name);
        i = j;
    }
    for (; i < l->n; i++) /* after a failure: what was not merged */
        free_row(&l->v[i]);
    gal_free(all);
    l->n = w;
    return rc;
}

int gal_cmd_entities(int argc, char **argv)
{
    const char *match = NULL, *with = NULL, *in = NULL;
    gal_query *query = NULL;
    const char **dirs = gal_calloc((size_t)argc, sizeof *dirs);
    size_t ndirs = 0;
    long top = 20;
    int json = 0, status = GAL_EXIT_OK;
    if (!dirs)
        return gal_report(gal_error_set(GAL_ENOMEM, "out of memory"));
    for (int i = 1; i < argc && status == GAL_EXIT_OK; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(entities_help, stdout);
            gal_free(dirs);
            return GAL_EXIT_OK;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--top") || !strcmp(a, "--match") || !strcmp(a, "--with") ||
                   !strcmp(a, "--in")) {
            if (i + 1 >= argc) {
                status = gal_usage_error("entities", "option '%s' needs a value", a);
                break;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--top")) {
                char *end;
                top = strtol(v, &end, 10);
                if (!*v || *end || top < 0)
                    status = gal_usage_error("entities", "bad --top '%s'", v);
            } else if (!strcmp(a, "--match")) {
                match = v;
            } else if (!strcmp(a, "--in")) {
                in = v;
            } else {
                with = v;
            }
        } else if (a[0] == '-' && a[1]) {
            status = gal_usage_error("entities", "unknown option '%s'", a);
        } else {
            dirs[ndirs++] = a;
        }
    }
    if (status == GAL_EXIT_OK && !ndirs)
        status = gal_usage_error("entities", "missing INDEX");
    if (status == GAL_EXIT_OK && with && in)
        status = gal_usage_error("entities", "give --with or --in, not both");
    if (status == GAL_EXIT_OK && in) {
        int qrc = gal_query_parse(in, strlen(in), &query);
        if (qrc)
            status = gal_report(qrc);
    }
    /* the indexes to read: a directory of shards stands for them all */
    gal_index_dirs ix = {0};
    if (status == GAL_EXIT_OK)
        status = gal_index_dirs_expand("entities", dirs, ndirs, &ix);
    list l = {0};
    char mfold[1024];
    if (status == GAL_EXIT_OK && match) {
        l.match_len = fold(match, strlen(match), mfold, sizeof mfold);
        if (!l.match_len)
            status = gal_usage_error("entities", "--match needs a word");
        l.match = mfold;
    }
    if (status != GAL_EXIT_OK) {
        gal_query_free(query);
        gal_free(dirs);
        gal_index_dirs_free(&ix);
        return status;
    }
    selection sel = {with, with ? gal_entity_key(with, strlen(with)) : 0, query};
    uint64_t self = sel.self;
    int found_any = 0, rc = 0;
    l.several = ix.n > 1;
    rc = read_indexes(&ix, &sel, &l, &found_any);
    if (rc) {
        status = gal_report(rc);
        goto out;
    }
    if ((with || in) && !found_any) {
        if (with)
            fprintf(stderr, "galley: no entity '%.*s%s' in '%s'%s\n", GAL_ECHO(with), dirs[0],
                    ix.n > 1 ? " or the other indexes" : "");
        else
            fprintf(stderr, "galley: no document matches '%.*s%s' in '%s'%s\n", GAL_ECHO(in),
                    dirs[0], ix.n > 1 ? " or the other indexes" : "");
        status = GAL_EXIT_NOHITS;
        goto out;
    }
    if (l.several && (rc = merge_rows(&l))) {
        status = gal_report(rc);
        goto out;
    }
    if (with || in) { /* self, and the entities in none of the documents */
        size_t kept = 0;
        for (size_t i = 0; i < l.n; i++) {
            if ((with && l.v[i].hash == self) || !l.v[i].shared)
                free_row(&l.v[i]);
            else
                l.v[kept++] = l.v[i];
        }
        l.n = kept;
    }
    if (l.n > 1) /* l.v is NULL in an index of no entity (every document purged) */
        qsort(l.v, l.n, sizeof *l.v, cmp_row);
    size_t n = top == 0 || (size_t)top > l.n ? l.n : (size_t)top;
    gal_buf b;
    gal_buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        const row *r = &l.v[i];
        gal_buf_clear(&b);
        if (json) {
            char tail[160];
            gal_buf_append(&b, "{\"entity\": ", 11);
            gal_json_string(&b, r->name, r->len);
            int tl = snprintf(tail, sizeof tail,
                              ", \"key\": \"%016" PRIx64 "\", \"docs\": %" PRIu64
                              ", \"mentions\": %" PRIu64,
                              r->hash, r->docs, r->mentions);
            gal_buf_append(&b, tail, (size_t)tl);
            if (with || in) {
                tl = snprintf(tail, sizeof tail, ", \"shared_docs\": %" PRIu64, r->shared);
                gal_buf_append(&b, tail, (size_t)tl);
            }
            gal_buf_append(&b, "}\n", 2);
            fwrite(b.data, 1, b.len, stdout);
        } else if (with || in) {
            printf("%4zu %8" PRIu64 " shared %8" PRIu64 " docs  %s\n", i + 1, r->shared, r->docs,
                   r->name);
        } else {
            printf("%4zu %8" PRIu64 " docs %8" PRIu64 " mentions  %s\n", i + 1, r->docs,
                   r->mentions, r->name);
        }
    }
    gal_buf_release(&b);
out:
    for (size_t i = 0; i < l.n; i++)
        free_row(&l.v[i]);
    gal_free(l.v);
    gal_free(dirs);
    gal_index_dirs_free(&ix);
    gal_query_free(query);
    return status;
}
