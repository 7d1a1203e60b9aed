/*
 * reader_index.c — galley indexes read as input: `galley merge` indexes
 * the documents of several indexes again, from the text they store.
 *
 * The stored text is the title, '\n', then the body, exactly as they were
 * tokenized, and the document table keeps the id, date, url and input file
 * of each: everything a reader hands over for a document.  So a document
 * read back this way is tokenized into the same positions, entities and
 * dates as the first time.
 *
 * Deleted documents (deleted.h) are passed over: a merge is how they
 * leave the index, statistics and all.
 *
 * The shards of one run (`galley index --shard K/N` over the same inputs)
 * are read interleaved: the hash that gave each document its shard
 * (gal_shard_of) says, place by place in each input file, which shard holds
 * the next document, so they come back in the order of the inputs.
 */
#include "reader.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "fault_guard.h"
#include "buf.h"
#include "format.h"
#include "index.h"
#include "status.h"

/* Prefix the current error's detail with the index and the document. */
static int name_place(int rc, const char *dir, uint32_t doc)
{
    char was[512];
    snprintf(was, sizeof was, "%s", gal_error_detail(rc));
    return gal_error_set(rc, "index '%s', document %u: %s", dir, doc, was);
}

/* One open source (a snapshot of a gal_index_set) and where its reading
 * stands. */
typedef struct source {
    const char *dir;
    gal_snapshot *s;
    uint64_t docs;
    uint32_t next;      /* the next document to hand over */
    gal_doc_info info;  /* the next one's record, once peeked */
    int peeked;
    const gal_deleted_set *del; /* its deleted documents, left out */
} source;

/* The sources of the open set's indexes, opened from dirs, into *out
 * (freed by the caller however this returns); stats (may be NULL) counts
 * them. */
static int sources_of(const gal_index_set *set, const char *const *dirs, source **out,
                      gal_read_stats *stats)
{
    size_t n = set->n;
    int rc = 0;
    source *src = *out = gal_calloc(n ? n : 1, sizeof *src);
    if (!src)
        return gal_error_set(GAL_ENOMEM, "out of memory opening %zu indexes", n);
    for (size_t i = 0; i < n && !rc; i++) {
        gal_index_stats st;
        src[i].dir = dirs[i];
        src[i].s = set->snaps[i];
        if (!(rc = gal_snapshot_stats(src[i].s, &st)) &&
            !(rc = gal_snapshot_deleted(src[i].s, &src[i].del))) {
            src[i].docs = st.docs;
            if (stats)
                stats->files++;
        }
    }
    return rc;
}

/* Open the n indexes at dirs as set, and their sources into *out (freed by
 * the caller, with the set closed, however this returns). */
static int sources_open(const char *const *dirs, size_t n, gal_index_set *set, source **out,
                        gal_read_stats *stats)
{
    *out = NULL;
    int rc = gal_index_set_open(set, dirs, n);
    return rc ? rc : sources_of(set, dirs, out, stats);
}

/* The record of src's next document into src->info: 0, or 1 when src has
 * no more. */
static int source_peek(source *src)
{
    if (src->next >= src->docs)
        return 1;
    if (src->peeked)
        return 0;
    int rc = gal_snapshot_doc(src->s, src->next, &src->info);
    if (rc)
        return name_place(rc, src->dir, src->next);
    src->peeked = 1;
    return 0;
}

int gal_stored_doc(uint32_t doc, const gal_doc_info *info, const gal_buf *text, gal_doc *out)
{
    if (info->title_len > text->len)
        return gal_error_set(GAL_ECORRUPT, "document %u: a title of %zu bytes in a text of %zu",
                             doc, info->title_len, text->len);
    /* the title, then '\n' and the body when there is one */
    size_t body = info->title_len < text->len ? info->title_len + 1 : text->len;
    memset(out, 0, sizeof *out);
    out->id = info->id;
    out->id_len = info->id_len;
    out->title = (const char *)text->data;
    out->title_len = info->title_len;
    out->text = (const char *)text->data + body;
    out->text_len = text->len - body;
    out->date = info->date;
    out->date_len = info->date_len;
    out->url = info->url;
    out->url_len = info->url_len;
    out->source_no = info->file_no;
    return 0;
}

/* Hand src's next document (peeked) to fn and move past it. */
static int source_emit(source *src, gal_buf *text, uint64_t *read, gal_doc_fn fn, void *ctx,
                       gal_read_stats *stats)
{
    uint32_t doc = src->next;
    const gal_doc_info *info = &src->info;
    if (gal_deleted_has(src->del, doc)) { /* deleted or replaced: gone for good */
        src->next++;
        src->peeked = 0;
        return 0;
    }
    gal_doc out;
    int rc = gal_snapshot_text(src->s, doc, text);
    if (!rc && (rc = gal_stored_doc(doc, info, text, &out)) == GAL_ECORRUPT)
        return gal_error_set(GAL_ECORRUPT, "corrupt index '%s', %s", src->dir,
                             gal_error_detail(rc));
    if (rc)
        return name_place(rc, src->dir, doc);
    out.path = src->dir;
    out.line = doc;
    out.end_offset = stats->docs + 1;
    *read += out.title_len + out.text_len;
    out.input_bytes = *read;
    stats->docs++;
    stats->raw_bytes += out.title_len + out.text_len;
    stats->input_bytes += out.title_len + out.text_len;
    src->next++;
    src->peeked = 0;
    sigjmp_buf *guarded = gal_fault_pause(); /* the caller's code reads no index */
    rc = fn(ctx, &out);
    gal_fault_resume(guarded);
    return rc;
}

/* The sources in the order of their shard numbers: by[k] is shard k + 1. */
static int order_shards(source *src, size_t n, source **by)
{
    for (size_t i = 0; i < n; i++) {
        gal_index_origin o;
        int rc = gal_snapshot_origin(src[i].s, &o);
        if (rc)
            return rc;
        if (o.shard_n != n || o.shard_k < 1 || o.shard_k > n || by[o.shard_k - 1])
            return gal_error_set(GAL_EUSAGE, "'%s' is not one of %zu different shards of one run",
                                 src[i].dir, n);
        by[o.shard_k - 1] = &src[i];
    }
    return 0;
}

/* Each document of the n shards src[] of one run, in the inputs' order:
 * file f's documents, place p by place p, each in the shard the hash gives,
 * to take(ctx, source): peeked, its record in info; take moves it on.  A
 * file ends where that shard's next document is another file's. */
static int walk_shards(source *src, size_t n, int (*take)(void *ctx, source *k), void *ctx)
{
    source **by = gal_calloc(n ? n : 1, sizeof *by);
    if (!by)
        return gal_error_set(GAL_ENOMEM, "out of memory opening %zu shards", n);
    int rc = order_shards(src, n, by);
    uint32_t f = 0;
    uint64_t p = 0;
    while (!rc) {
        source *k = by[gal_shard_of(f, p, (unsigned)n)];
        int none = source_peek(k);
        if (none < 0) {
            rc = none;
            break;
        }
        if (!none && k->info.file_no == f) {
            rc = take(ctx, k);
            p++;
            continue;
        }
        /* file f is done: no shard may hold more of it */
        int left = 0;
        for (size_t i = 0; i < n && !rc; i++) {
            int end = source_peek(&src[i]);
            if (end < 0)
                rc = end;
            else if (!end && src[i].info.file_no <= f)
                rc = gal_error_set(GAL_EINPUT, "index '%s', document %u: of input file %u, "
                                               "where its shard's hash puts none: the shards "
                                               "are not of the same inputs",
                                   src[i].dir, src[i].next, src[i].info.file_no);
            else
                left |= !end;
        }
        if (rc || !left)
            break;
        f++;
        p = 0;
    }
    gal_free(by);
    return rc;
}

typedef struct read_ctx {
    source *src;
    size_t n;
    gal_buf text;
    uint64_t read;
    gal_doc_fn fn;
    void *ctx;
    gal_read_stats *stats;
} read_ctx;

static int emit_next(void *vctx, source *k)
{
    read_ctx *c = vctx;
    return source_emit(k, &c->text, &c->read, c->fn, c->ctx, c->stats);
}

/* Every document of one index, or of a run's shards in the inputs' order:
 * c is the read_ctx. */
static int walk(void *vc)
{
    read_ctx *c = vc;
    int rc = 0;
    if (c->n > 1)
        return walk_shards(c->src, c->n, emit_next, c);
    while (!rc && !(rc = source_peek(c->src)))
        rc = emit_next(c, c->src);
    return rc == 1 ? 0 : rc;
}

/* walk(c) with every read of the indexes under the fault guard
 * (fault_guard.h; source_emit pauses it while the caller's fn runs): LMDB
 * trusts its pages, and a damaged one can make a read fault, which stops
 * the read as the corruption it almost surely is instead of killing the
 * run that reads it (a merge, whose output keeps what it committed). */
static int walk_guarded(read_ctx *c, const char *dir)
{
    int sig, rc = gal_fault_call(walk, c, &sig);
    if (sig)
        return gal_error_set(GAL_ECORRUPT, "corrupt index: reading '%s'%s faulted inside LMDB "
                             "(a damaged page?); 'galley verify' says where", dir,
                             c->n > 1 ? " or another shard of its run" : "");
    return rc;
}

static int read_indexes(const char *const *dirs, size_t n, gal_doc_fn fn, void *ctx,
                        gal_read_stats *stats)
{
    gal_index_set set;
    read_ctx c = {.n = n, .read = 0, .fn = fn, .ctx = ctx, .stats = stats};
    gal_buf_init(&c.text);
    int rc = sources_open(dirs, n, &set, &c.src, stats);
    if (!rc)
        rc = walk_guarded(&c, dirs[0]);
    gal_buf_release(&c.text);
    gal_free(c.src);
    gal_index_set_close(&set);
    return rc;
}

int gal_read_index(const char *dir, gal_doc_fn fn, void *ctx, gal_read_stats *stats)
{
    return read_indexes(&dir, 1, fn, ctx, stats);
}

int gal_read_index_shards(char *const *dirs, size_t n, gal_doc_fn fn, void *ctx,
                          gal_read_stats *stats)
{
    return read_indexes((const char *const *)dirs, n, fn, ctx, stats);
}

/* The input files of an index, in number order: paths joined by '\0'. */
static int collect_file(void *ctx, uint32_t file_no, const char *path, size_t len)
{
    (void)file_no;
    gal_buf *b = ctx;
    if (gal_buf_append(b, path, len) || gal_buf_push(b, '\0'))
        return gal_error_set(GAL_ENOMEM, "out of memory");
    return 0;
}

int gal_shards_of_one_run(const gal_index_set *set)
{
    size_t n = set->n;
    if (n < 2 || n > GAL_SHARDS_MAX)
        return 0;
    uint8_t *seen = gal_calloc(n + 1, 1); /* which K were given */
    if (!seen)
        return gal_error_set(GAL_ENOMEM, "out of memory");
    gal_buf first, other;
    gal_buf_init(&first);
    gal_buf_init(&other);
    int rc = 0, same = 1;
    for (size_t i = 0; i < n && same && !rc; i++) {
        gal_index_origin o;
        gal_buf *files = i ? &other : &first;
        gal_buf_clear(files);
        if ((rc = gal_snapshot_origin(set->snaps[i], &o)) ||
            (rc = gal_snapshot_files(set->snaps[i], collect_file, files)))
            break;
        same = o.shard_n == n && !seen[o.shard_k] && o.run_first_file == 0 &&
               (!i || (other.len == first.len && !memcmp(other.data, first.data, first.len)));
        if (same)
            seen[o.shard_k] = 1;
    }
    gal_free(seen);
    gal_buf_release(&first);
    gal_buf_release(&other);
    return rc < 0 ? rc : same;
}

/* gal_shards_in_input_order's walk: each document to the caller's fn. */
typedef struct order_ctx {
    source *src;
    gal_shard_doc_fn fn;
    void *ctx;
} order_ctx;

static int hand_over(void *vctx, source *k)
{
    order_ctx *c = vctx;
    uint32_t doc = k->next++;
    k->peeked = 0;
    if (gal_deleted_has(k->del, doc)) /* its place counts, itself is gone */
        return 0;
    return c->fn(c->ctx, (size_t)(k - c->src), doc, &k->info);
}

int gal_shards_in_input_order(gal_index_set *set, const char *const *dirs, gal_shard_doc_fn fn,
                              void *ctx)
{
    source *src;
    int rc = sources_of(set, dirs, &src, NULL);
    order_ctx c = {src, fn, ctx};
    if (!rc)
        rc = walk_shards(src, set->n, hand_over, &c);
    gal_free(src);
    return rc;
}
